package e2e

// The dialogs and forms against the UX audit of issue 16 (headless Chromium
// at 1280×800 and 360×740, held against the GOV.UK, Carbon and GitLab
// Pajamas patterns), one test per finding:
//
//   - a number that cannot be activated yet (ported, porting date ahead)
//     blocks neither the select-all nor a bulk activation, and says from
//     when it can be activated;
//   - a dialog fits a phone: inside the viewport, no sideways overflow,
//     its primary button and ✕ in view without scrolling;
//   - the focus moves into a dialog (first field, else the primary button,
//     "Abbrechen" for a destructive one), to the confirmation after
//     success, and back to the changed row after closing;
//   - destructive actions are red and "Sperren", "Demo zurücksetzen" and a
//     purge ask first, with the focus on "Abbrechen";
//   - managers and employees get an explanation instead of dead controls;
//   - a locked employee is shown but cannot be picked; the create form
//     checks all fields and shows an error summary linking to them;
//   - unsaved changes of the edit dialog are not dropped without asking,
//     and a checkbox's error spans its field;
//   - the gross total of a bulk activation stands next to the paid button,
//     in the sticky footer.

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// germanDate is a date as TT.MM.JJJJ.
var germanDate = regexp.MustCompile(`\b\d{2}\.\d{2}\.\d{4}\b`)

// activeIs waits until the focused element matches the CSS selector sel
// (or lies inside an element matching it).
func activeIs(t *testing.T, ctx context.Context, sel, what string) {
	t.Helper()
	poll(t, ctx, fmt.Sprintf(`(() => { const a = document.activeElement; return !!a && a !== document.body && !!a.closest(%s); })()`, jsString(sel)),
		what+" (document.activeElement in "+sel+")")
}

// activeDescription describes the focused element, for failure messages.
func activeDescription(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `(() => { const a = document.activeElement; return a ? a.tagName + "#" + a.id + "." + a.className : "none"; })()`)
}

// pressEscape sends Esc to the focused element.
func pressEscape(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
}

// dialogLayoutProblems lists what keeps the open dialog id from fitting the
// viewport: its box outside the viewport, content wider than the dialog or
// one of its parts, the page wider than the viewport, and each of the
// elements in view (the ✕, the primary button, …) that lies outside the
// viewport or the dialog or is covered (not the topmost element at its
// centre). It scrolls nothing: "in view" means without scrolling.
func dialogLayoutProblems(t *testing.T, ctx context.Context, id string, inView ...string) []string {
	t.Helper()
	return eval[[]string](t, ctx, fmt.Sprintf(`(() => {
		const out = [], W = window.innerWidth, H = window.innerHeight;
		const d = document.getElementById(%s);
		if (!d || !d.open) return ["the dialog is not open"];
		const r = d.getBoundingClientRect();
		const inside = (b, o) => b.left >= o.left - 0.5 && b.top >= o.top - 0.5 && b.right <= o.right + 0.5 && b.bottom <= o.bottom + 0.5;
		const vp = {left: 0, top: 0, right: W, bottom: H};
		if (!inside(r, vp)) out.push("dialog box " + JSON.stringify([r.left, r.top, r.right, r.bottom]) + " leaves the viewport " + W + "x" + H);
		for (const el of [d, ...d.querySelectorAll(":scope > .modal-head, :scope > .modal-body, :scope > .modal-foot")]) {
			if (el.scrollWidth > el.clientWidth + 1) out.push((el.className || el.id) + " overflows sideways: " + el.scrollWidth + " > " + el.clientWidth);
		}
		if (document.documentElement.scrollWidth > W) out.push("page is " + document.documentElement.scrollWidth + " px wide");
		for (const sel of %s) {
			const e = d.querySelector(sel);
			if (!e) { out.push(sel + " missing"); continue; }
			const b = e.getBoundingClientRect();
			if (b.width === 0 || b.height === 0) { out.push(sel + " has no box"); continue; }
			if (!inside(b, vp)) out.push(sel + " " + JSON.stringify([b.left, b.top, b.right, b.bottom]) + " not in the viewport");
			if (!inside(b, r)) out.push(sel + " not inside the dialog box");
			const top = document.elementFromPoint((b.left + b.right) / 2, (b.top + b.bottom) / 2);
			if (!top || !(top === e || e.contains(top))) out.push(sel + " is covered at its centre by " + (top ? top.tagName + "." + top.className : "nothing"));
		}
		return out;
	})()`, jsString(id), jsString(inView)))
}

// 1. One number that cannot be activated yet (040 7788990: ported, its
// porting date three weeks ahead) is not selected by "Alle aktivierbaren
// Rufnummern dieser Seite auswählen" and does not turn the bulk cost
// overview into one error; its row and its own dialog say from which date
// (TT.MM.JJJJ) it can be activated.
func TestUXBulkSkipsNumberNotActivatableYet(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	const waiting = "040 7788990"

	// The row says why it cannot be chosen, with the date.
	hint := text(t, ctx, row(waiting))
	date := germanDate.FindString(hint)
	if date == "" || !strings.Contains(hint, "aktivierbar ab "+date) {
		t.Fatalf("the row of %s does not say from when it can be activated: %q", waiting, hint)
	}
	if exists(t, ctx, row(waiting)+" input.row-select") {
		t.Errorf("%s is selectable for the bulk activation", waiting)
	}

	click(t, ctx, "#select-all")
	poll(t, ctx, `document.querySelector("#select-all").checked`, "the select-all is ticked")
	if eval[bool](t, ctx, fmt.Sprintf(`!!document.querySelector(%s)`, jsString(row(waiting)+" input:checked"))) {
		t.Errorf("the select-all selected %s, which cannot be activated before %s", waiting, date)
	}
	// Everything else that can be activated now is selected: -16 (inaktiv),
	// -19 … -29, 0221 987650 and 030 4455667 (porting date passed).
	waitText(t, ctx, "#bulk-count", "14 ausgewählt")

	click(t, ctx, "#bulk-activate")
	waitVisible(t, ctx, "#dlg-activate #quote-table")
	body := text(t, ctx, "#dlg-activate")
	for _, want := range []string{"0221 123456-16", "0221 123456-29", "0221 987650", "030 4455667", "Gesamt monatlich (brutto)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the bulk cost overview lacks %q", want)
		}
	}
	if strings.Contains(body, waiting) {
		t.Errorf("the bulk cost overview contains %s", waiting)
	}
	if exists(t, ctx, "#dlg-activate .field-error, #dlg-activate .form-error") {
		t.Errorf("the bulk cost overview shows an error: %s", body)
	}
	submitDialog(t, ctx, "dlg-activate", "14 Rufnummern haben Sie nun aktiviert.")
	waitStatus(t, ctx, "030 4455667", "aktiv")
	waitStatus(t, ctx, waiting, "portiert")

	// Its own blue circle: no empty cost overview, but the date.
	click(t, ctx, action(waiting, "activate"))
	waitVisible(t, ctx, "#dlg-activate-numbers-error")
	msg := text(t, ctx, "#dlg-activate-numbers-error")
	if !strings.Contains(msg, "Portierungstermin") || !strings.Contains(msg, date) {
		t.Errorf("the error does not name the porting date %s: %q", date, msg)
	}
	if exists(t, ctx, "#dlg-activate #quote-table") || strings.Contains(text(t, ctx, "#dlg-activate"), "Sie sehen hier die Kostenübersicht") {
		t.Error("the dialog of a number that cannot be activated yet announces a cost overview")
	}
	click(t, ctx, "#dlg-activate-cancel")
	waitGone(t, ctx, "#dlg-activate")
}

// 2. At 360×740 the deactivation and the (bulk) activation dialog fit the
// viewport: no sideways overflow ("Rufnummerndeaktivierung" wraps), the ✕
// and the primary button in view without scrolling; the body scrolls.
func TestUXDialogsFitAPhone(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	viewport(t, ctx, 360, 740)
	openOverview(t, ctx, p)

	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#deactivate-date")
	if probs := dialogLayoutProblems(t, ctx, "dlg-deactivate", "#dlg-deactivate-title", "#dlg-deactivate-x", "#dlg-deactivate-submit", "#dlg-deactivate-cancel"); len(probs) > 0 {
		t.Errorf("the deactivation dialog at 360×740: %s", strings.Join(probs, "; "))
	}
	// Every line starts inside the dialog: nothing is cut off at the left.
	if n := eval[int](t, ctx, `(() => { const d = document.getElementById("dlg-deactivate").getBoundingClientRect();
		return [...document.querySelectorAll("#dlg-deactivate p, #dlg-deactivate h2")].filter(e => e.getBoundingClientRect().left < d.left).length; })()`); n > 0 {
		t.Errorf("%d text blocks of the deactivation dialog start left of it", n)
	}
	click(t, ctx, "#dlg-deactivate-cancel")
	waitGone(t, ctx, "#dlg-deactivate")

	for _, d := range []string{"0221 123456-19", "0221 123456-20", "0221 123456-21", "0221 123456-25", "0221 123456-26", "0221 123456-27"} {
		click(t, ctx, row(d)+" .row-select")
	}
	waitText(t, ctx, "#bulk-count", "6 ausgewählt")
	click(t, ctx, "#bulk-activate")
	waitVisible(t, ctx, "#dlg-activate #quote-table")
	if probs := dialogLayoutProblems(t, ctx, "dlg-activate", "#dlg-activate-x", "#dlg-activate-submit", "#foot-gross"); len(probs) > 0 {
		t.Errorf("the activation dialog at 360×740: %s", strings.Join(probs, "; "))
	}
	// The cost overview scrolls inside the dialog; the button stays.
	if !eval[bool](t, ctx, `(() => { const b = document.querySelector("#dlg-activate .modal-body"); return b.scrollHeight > b.clientHeight; })()`) {
		t.Error("six numbers' cost overview does not need the dialog's scroll area at 740 px (the test proves nothing)")
	}
	eval[bool](t, ctx, `(() => { const b = document.querySelector("#dlg-activate .modal-body"); b.scrollTop = b.scrollHeight; return true; })()`)
	if probs := dialogLayoutProblems(t, ctx, "dlg-activate", "#dlg-activate-x", "#dlg-activate-submit", "#foot-gross"); len(probs) > 0 {
		t.Errorf("the activation dialog scrolled to its end: %s", strings.Join(probs, "; "))
	}
	submitDialog(t, ctx, "dlg-activate", "6 Rufnummern haben Sie nun aktiviert.")
}

// 3. The focus: into the dialog (the primary button of the activation, the
// first field of the swap and the assignment, "Abbrechen" of the
// deactivation; never the ✕), to the confirmation's close button after
// success, and back to the changed row (its action is gone) after closing.
func TestUXDialogFocus(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)

	click(t, ctx, action("0221 123456-25", "activate"))
	waitVisible(t, ctx, "#dlg-activate #quote-table")
	activeIs(t, ctx, "#dlg-activate-submit", "the activation opens on its primary button")
	click(t, ctx, "#dlg-activate-submit")
	waitText(t, ctx, "#dlg-activate-confirmation", "aktiviert")
	activeIs(t, ctx, "#dlg-activate-done", "after the activation the focus is on the confirmation's close button")
	click(t, ctx, "#dlg-activate-done")
	waitGone(t, ctx, "#dlg-activate")
	activeIs(t, ctx, row("0221 123456-25"), "after closing, the focus is on the activated number's row")

	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#deactivate-date")
	activeIs(t, ctx, "#dlg-deactivate-cancel", "a destructive dialog without fields opens on Abbrechen")
	click(t, ctx, "#dlg-deactivate-cancel")
	waitGone(t, ctx, "#dlg-deactivate")
	activeIs(t, ctx, action("0221 123456-14", "deactivate"), "after Abbrechen, the focus is back on the icon")

	click(t, ctx, action("0221 123456-12", "assign"))
	waitVisible(t, ctx, "#assign-employee")
	activeIs(t, ctx, "#dlg-assign .modal-body input, #dlg-assign .modal-body select", "the assignment opens on its first field")
	click(t, ctx, "#dlg-assign-cancel")
	waitGone(t, ctx, "#dlg-assign")

	click(t, ctx, action("0221 123456-13", "swap"))
	waitVisible(t, ctx, "#swap-new")
	activeIs(t, ctx, "#swap-old", "the swap opens on its first field")
	selectByText(t, ctx, "#swap-new", "0221 987650")
	click(t, ctx, "#dlg-swap-submit")
	waitText(t, ctx, "#dlg-swap-confirmation", "ersetzt")
	activeIs(t, ctx, "#dlg-swap-done", "after the swap the focus is on the confirmation's close button")
	if got := activeDescription(t, ctx); strings.HasPrefix(got, "BODY") {
		t.Errorf("focus on %s after the swap", got)
	}
	click(t, ctx, "#dlg-swap-done")
	waitGone(t, ctx, "#dlg-swap")
	activeIs(t, ctx, row("0221 123456-13"), "after closing, the focus is on the swapped number's row")
}

// 4. Destructive actions are red and confirmed: deactivation and swap have
// a danger button; "Sperren", "Demo zurücksetzen" and an assignment that
// purges data ask first in a small dialog (role alertdialog) that opens on
// "Abbrechen", and "Abbrechen" changes nothing.
func TestUXDestructiveActionsConfirmed(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	const red = "rgb(198, 40, 40)" // --danger
	isRed := func(sel string) bool {
		return eval[bool](t, ctx, fmt.Sprintf(`(() => { const s = getComputedStyle(document.querySelector(%s));
			return s.backgroundColor === %q || (s.color === %q && s.borderTopColor === %q); })()`, jsString(sel), red, red, red))
	}

	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#dlg-deactivate-submit")
	if !isRed("#dlg-deactivate-submit") {
		t.Error("„Rufnummer jetzt deaktivieren“ is not a danger button")
	}
	click(t, ctx, "#dlg-deactivate-cancel")
	waitGone(t, ctx, "#dlg-deactivate")
	click(t, ctx, action("0221 123456-13", "swap"))
	waitVisible(t, ctx, "#dlg-swap-submit")
	if !isRed("#dlg-swap-submit") {
		t.Error("„Rufnummerntausch jetzt abschließen“ is not a danger button")
	}
	click(t, ctx, "#dlg-swap-cancel")
	waitGone(t, ctx, "#dlg-swap")

	// The purge of the previous holder's data.
	click(t, ctx, action("0221 123456-11", "assign"))
	waitVisible(t, ctx, "#assign-employee")
	selectByText(t, ctx, "#assign-employee", "Max Muster")
	click(t, ctx, "#assign-purge")
	poll(t, ctx, `document.querySelector("#dlg-assign-submit").classList.contains("btn-danger")`, "„Speichern“ turns red with the purge ticked")
	click(t, ctx, "#dlg-assign-submit")
	waitVisible(t, ctx, "#dlg-assign-purge[open]")
	if got := attr(t, ctx, "#dlg-assign-purge", "role"); got != "alertdialog" {
		t.Errorf("the purge confirmation has role %q", got)
	}
	waitText(t, ctx, "#dlg-assign-purge", "Einzelverbindungsnachweise")
	activeIs(t, ctx, "#dlg-assign-purge-cancel", "the purge confirmation opens on Abbrechen")
	if !isRed("#dlg-assign-purge-confirm") {
		t.Error("the purge confirmation's button is not red")
	}
	click(t, ctx, "#dlg-assign-purge-cancel")
	waitGone(t, ctx, "#dlg-assign-purge")
	if !exists(t, ctx, "#dlg-assign[open] #assign-employee") || exists(t, ctx, "#dlg-assign-confirmation") {
		t.Fatal("Abbrechen of the purge confirmation did not return to the form")
	}
	click(t, ctx, "#dlg-assign-submit")
	waitVisible(t, ctx, "#dlg-assign-purge[open]")
	click(t, ctx, "#dlg-assign-purge-confirm")
	waitText(t, ctx, "#dlg-assign-confirmation", "3 Einträge")
	closeDialog(t, ctx, "dlg-assign")

	// "Demo zurücksetzen": red, and it asks.
	click(t, ctx, action("0221 123456-22", "activate"))
	submitDialog(t, ctx, "dlg-activate", "aktiviert")
	waitStatus(t, ctx, "0221 123456-22", "aktiv")
	if !isRed("#demo-reset") {
		t.Error("„Demo zurücksetzen“ is not marked as destructive")
	}
	click(t, ctx, "#demo-reset")
	waitVisible(t, ctx, "#confirm-reset[open]")
	activeIs(t, ctx, "#confirm-reset-cancel", "the reset confirmation opens on Abbrechen")
	pressEscape(t, ctx)
	waitGone(t, ctx, "#confirm-reset")
	waitStatus(t, ctx, "0221 123456-22", "aktiv") // nothing was reset
	click(t, ctx, "#demo-reset")
	waitVisible(t, ctx, "#confirm-reset[open]")
	click(t, ctx, "#confirm-reset-confirm")
	waitText(t, ctx, "#shell-status", "zurückgesetzt")
	waitStatus(t, ctx, "0221 123456-22", "neu")

	// "Sperren" on the employees page: red, and it asks.
	open(t, ctx, p.URL+"/mitarbeiter")
	erika := empRow("erika.beispiel@muster.example")
	waitVisible(t, ctx, erika+` button.emp-lock[data-action="lock"]`)
	if !isRed(erika + ` button.emp-lock`) {
		t.Error("„Sperren“ is not marked as destructive")
	}
	click(t, ctx, erika+` button.emp-lock`)
	waitVisible(t, ctx, "#confirm-lock[open]")
	waitText(t, ctx, "#confirm-lock", "Erika Beispiel")
	activeIs(t, ctx, "#confirm-lock-cancel", "the lock confirmation opens on Abbrechen")
	click(t, ctx, "#confirm-lock-cancel")
	waitGone(t, ctx, "#confirm-lock")
	if exists(t, ctx, erika+`[data-locked="true"]`) {
		t.Fatal("Abbrechen locked the employee")
	}
	click(t, ctx, erika+` button.emp-lock`)
	waitVisible(t, ctx, "#confirm-lock[open]")
	click(t, ctx, "#confirm-lock-confirm")
	waitVisible(t, ctx, erika+`[data-locked="true"]`)
	waitText(t, ctx, "#emp-status", "Erika Beispiel wurde gesperrt.")
}

// 5. A manager and an employee see no controls they can never use: no bulk
// selection, a note on what their role may do, and an actions cell without
// actions says so.
func TestUXRoleExplanations(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	noEmptyActions := func(who string) {
		t.Helper()
		empty := eval[[]string](t, ctx, `[...document.querySelectorAll("#numbers-table tbody tr")]
			.filter(r => { const c = r.querySelector(".col-actions"); return c && !c.querySelector("button") && c.innerText.trim() === ""; })
			.map(r => r.dataset.number)`)
		if len(empty) > 0 {
			t.Errorf("%s: actions cells without actions and without explanation: %v", who, empty)
		}
	}

	selectByText(t, ctx, "#actor-switch", "Jana Schmidt (Manager)")
	poll(t, ctx, `!document.querySelector('button[data-action="activate"]') && document.querySelector("#role-note")`, "the manager's overview")
	for _, sel := range []string{"#bulk-activate", "#select-all", ".row-select"} {
		if exists(t, ctx, sel) {
			t.Errorf("a manager, who can never activate, gets %s", sel)
		}
	}
	if got := text(t, ctx, "#role-note"); !strings.Contains(got, "Administrator-Konto") {
		t.Errorf("the manager's note = %q", got)
	}
	noEmptyActions("manager")
	waitText(t, ctx, row("0221 123456-16")+" .col-actions", "Keine Aktion für Ihre Rolle")

	selectByText(t, ctx, "#actor-switch", "Max Muster (Mitarbeiter)")
	waitOverview(t, ctx, "2")
	if exists(t, ctx, "#bulk-activate") || exists(t, ctx, "#select-all") {
		t.Error("an employee gets the bulk activation")
	}
	waitText(t, ctx, "#role-note", "zugeordnet")
	noEmptyActions("employee")
	waitText(t, ctx, row("0221 123456-18")+" .col-actions", "Keine Aktion für Ihre Rolle")

	// The employees page as the manager: the owner's row says why it has
	// no actions.
	selectByText(t, ctx, "#actor-switch", "Jana Schmidt (Manager)")
	open(t, ctx, p.URL+"/mitarbeiter")
	waitText(t, ctx, empRow("admin@muster.example")+" .emp-actions", "Keine Aktion für Ihre Rolle")
}

// 6. A locked employee is in the assignment's picker but cannot be chosen;
// the create form checks every field at once and shows an error summary
// (role alert, focused) whose links focus the fields, next to the
// messages at the fields (aria-invalid, aria-describedby).
func TestUXLockedPickerAndErrorSummary(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)

	click(t, ctx, action("0221 123456-14", "assign"))
	waitVisible(t, ctx, "#assign-employee")
	type opt struct {
		Text     string `json:"text"`
		Disabled bool   `json:"disabled"`
	}
	paul := eval[opt](t, ctx, `(() => { const o = [...document.querySelector("#assign-employee").options].find(o => o.text.includes("Paul Gesperrt"));
		return o ? {text: o.text, disabled: o.disabled} : {text: "", disabled: false}; })()`)
	if paul.Text == "" {
		t.Fatal("the locked employee is not shown in the picker")
	}
	if !strings.Contains(paul.Text, "(gesperrt)") || !paul.Disabled {
		t.Errorf("the locked employee's option = %+v, want it disabled and marked (gesperrt)", paul)
	}
	if n := eval[int](t, ctx, `[...document.querySelector("#assign-employee").options].filter(o => !o.disabled && o.value !== "").length`); n < 4 {
		t.Errorf("only %d employees can be chosen", n)
	}
	click(t, ctx, "#dlg-assign-cancel")
	waitGone(t, ctx, "#dlg-assign")

	open(t, ctx, p.URL+"/mitarbeiter")
	waitVisible(t, ctx, "#emp-table")
	click(t, ctx, "#emp-new")
	waitVisible(t, ctx, "#emp-create[open] #emp-first")
	click(t, ctx, "#emp-submit")
	waitVisible(t, ctx, "#emp-form-summary")
	if got := attr(t, ctx, "#emp-form-summary", "role"); got != "alert" {
		t.Errorf("the summary has role %q, want alert", got)
	}
	activeIs(t, ctx, "#emp-form-summary", "the summary takes the focus after the failed submit")
	links := eval[[]string](t, ctx, `[...document.querySelectorAll("#emp-form-summary a")].map(a => a.getAttribute("href"))`)
	if strings.Join(links, " ") != "#emp-first #emp-last #emp-email" {
		t.Errorf("summary links = %v, want the three empty fields in form order", links)
	}
	for _, f := range []struct{ input, field string }{{"emp-first", "first_name"}, {"emp-last", "last_name"}, {"emp-email", "email"}} {
		if got := attr(t, ctx, "#"+f.input, "aria-invalid"); got != "true" {
			t.Errorf("%s: aria-invalid = %q", f.input, got)
		}
		desc := attr(t, ctx, "#"+f.input, "aria-describedby")
		if desc != "emp-form-"+f.field+"-error" || !exists(t, ctx, "#"+desc) || strings.TrimSpace(text(t, ctx, "#"+desc)) == "" {
			t.Errorf("%s: aria-describedby %q names no message next to the field", f.input, desc)
		}
	}
	click(t, ctx, `#emp-form-summary a[href="#emp-email"]`)
	activeIs(t, ctx, "#emp-email", "the summary's link focuses its field")
	if !exists(t, ctx, "#emp-create[open]") || !exists(t, ctx, "#emp-form") {
		t.Fatal("the summary's link navigated away from the form")
	}

	// Fixing two fields leaves one error, on the e-mail address.
	setValue(t, ctx, "#emp-first", "Tom")
	setValue(t, ctx, "#emp-last", "Neu")
	setValue(t, ctx, "#emp-email", "kaputt")
	click(t, ctx, "#emp-submit")
	poll(t, ctx, `document.querySelectorAll("#emp-form-summary li").length === 1`, "one error left")
	waitText(t, ctx, "#emp-form-summary", "Die E-Mail-Adresse ist ungültig.")
	if got := attr(t, ctx, "#emp-first", "aria-invalid"); got == "true" {
		t.Error("the first name is still marked invalid")
	}
	setValue(t, ctx, "#emp-email", "tom.neu@muster.example")
	click(t, ctx, "#emp-submit")
	waitText(t, ctx, "#emp-created", "Tom Neu")
}

// 7. The edit dialog does not drop unsaved rules: Esc, ✕ and "Abbrechen"
// ask "Änderungen verwerfen?" (a clean form closes at once); and the
// error of the confirmation checkbox spans its field instead of standing
// in a narrow column beside the label.
func TestUXEditUnsavedChangesGuard(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	viewport(t, ctx, 1280, 800)
	openOverview(t, ctx, p)
	const number = "0221 123456-14" // no rules

	// Nothing changed: Esc closes.
	openEdit(t, ctx, number)
	pressEscape(t, ctx)
	waitGone(t, ctx, "#edit-dialog")

	openEdit(t, ctx, number)
	click(t, ctx, "#edit-add-office")
	waitVisible(t, ctx, "#f-rules-0-name")
	for _, how := range []string{"Esc", "✕", "Abbrechen"} {
		switch how {
		case "Esc":
			click(t, ctx, "#f-rules-0-name") // the user is in the form
			pressEscape(t, ctx)
		case "✕":
			click(t, ctx, "#edit-dialog-x")
		case "Abbrechen":
			click(t, ctx, "#edit-cancel")
		}
		waitVisible(t, ctx, "#edit-discard[open]")
		waitText(t, ctx, "#edit-discard-title", "Änderungen verwerfen?")
		if !exists(t, ctx, "#edit-dialog[open] #f-rules-0-name") {
			t.Fatalf("%s closed the edit dialog with unsaved rules", how)
		}
		activeIs(t, ctx, "#edit-discard-cancel", "the question opens on „Weiter bearbeiten“")
		if how == "✕" {
			pressEscape(t, ctx) // Esc answers the question only
		} else {
			click(t, ctx, "#edit-discard-cancel")
		}
		waitGone(t, ctx, "#edit-discard")
		if !exists(t, ctx, "#edit-dialog[open] #f-rules-0-name") {
			t.Fatalf("keeping the changes (after %s) closed the dialog or lost the rule", how)
		}
	}
	click(t, ctx, "#edit-cancel")
	waitVisible(t, ctx, "#edit-discard[open]")
	click(t, ctx, "#edit-discard-confirm")
	waitGone(t, ctx, "#edit-dialog")
	activeIs(t, ctx, action(number, "edit"), "after discarding, the focus is back on the pencil")
	openEdit(t, ctx, number)
	waitVisible(t, ctx, "#edit-norules") // discarded, not saved
	pressEscape(t, ctx)
	waitGone(t, ctx, "#edit-dialog")

	// The error of the checkbox spans the field, below its label.
	openEdit(t, ctx, "0221 123456-10")
	setValue(t, ctx, "#edit-usage", "conference")
	waitVisible(t, ctx, "#edit-usage-confirm")
	click(t, ctx, "#edit-save")
	const errSel = `#edit-form [data-field="confirm"]`
	waitText(t, ctx, errSel, "Routingplan")
	type box struct{ ErrTop, ErrWidth, LabelBottom, FieldWidth float64 }
	b := eval[box](t, ctx, `(() => { const e = document.querySelector(`+jsString(errSel)+`).getBoundingClientRect();
		const l = document.querySelector('label[for="edit-usage-confirm"]').getBoundingClientRect();
		const f = document.querySelector(`+jsString(errSel)+`).parentElement.getBoundingClientRect();
		return {ErrTop: e.top, ErrWidth: e.width, LabelBottom: l.bottom, FieldWidth: f.width}; })()`)
	if b.ErrTop < b.LabelBottom-1 || b.ErrWidth < 0.9*b.FieldWidth {
		t.Errorf("the confirmation's error stands beside its label in a narrow column: %+v", b)
	}
	// The form is dirty now (the usage type): Esc asks.
	pressEscape(t, ctx)
	waitVisible(t, ctx, "#edit-discard[open]")
	click(t, ctx, "#edit-discard-confirm")
	waitGone(t, ctx, "#edit-dialog")
	waitText(t, ctx, row("0221 123456-10"), "Sprache")
}

// 8. The gross monthly total of a bulk activation stands in the sticky
// footer next to "Rufnummern jetzt kostenpflichtig aktivieren", in view
// while the cost overview scrolls, at 1280×800 and at 360×740.
func TestUXGrossTotalNextToPaidButton(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	for _, size := range [][2]int64{{1280, 800}, {360, 740}} {
		viewport(t, ctx, size[0], size[1])
		for _, d := range []string{"0221 123456-19", "0221 123456-20", "0221 123456-21", "0221 123456-22", "0221 123456-25", "0221 123456-26", "0221 123456-27", "0221 123456-28"} {
			click(t, ctx, row(d)+" .row-select")
		}
		waitText(t, ctx, "#bulk-count", "8 ausgewählt")
		click(t, ctx, "#bulk-activate")
		waitVisible(t, ctx, "#dlg-activate #quote-table")
		gross := strings.TrimSpace(text(t, ctx, "#quote-gross"))
		if !exists(t, ctx, "#dlg-activate .modal-foot #foot-gross") {
			t.Fatalf("%dx%d: no gross total in the footer", size[0], size[1])
		}
		if got := text(t, ctx, "#foot-gross"); !strings.Contains(got, gross) || !strings.Contains(got, "brutto") {
			t.Errorf("%dx%d: footer total %q, want the gross %s", size[0], size[1], got, gross)
		}
		if !eval[bool](t, ctx, `document.querySelector("#foot-gross").nextElementSibling === document.querySelector("#dlg-activate-submit")`) {
			t.Errorf("%dx%d: the gross total does not stand next to the paid button", size[0], size[1])
		}
		for _, scroll := range []string{"0", "b.scrollHeight"} {
			eval[bool](t, ctx, `(() => { const b = document.querySelector("#dlg-activate .modal-body"); b.scrollTop = `+scroll+`; return true; })()`)
			if probs := dialogLayoutProblems(t, ctx, "dlg-activate", "#foot-gross", "#dlg-activate-submit"); len(probs) > 0 {
				t.Errorf("%dx%d, body scrolled to %s: %s", size[0], size[1], scroll, strings.Join(probs, "; "))
			}
		}
		click(t, ctx, "#dlg-activate-cancel")
		waitGone(t, ctx, "#dlg-activate")
		for _, d := range []string{"0221 123456-19", "0221 123456-20", "0221 123456-21", "0221 123456-22", "0221 123456-25", "0221 123456-26", "0221 123456-27", "0221 123456-28"} {
			click(t, ctx, row(d)+" .row-select")
		}
		waitText(t, ctx, "#bulk-count", "0 ausgewählt")
	}
}

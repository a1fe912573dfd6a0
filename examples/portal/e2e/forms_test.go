package e2e

// Forms at scale and in German (items 6 and 13 of issue 16): date and time
// entry that does not depend on the browser's locale, counts with the
// locale's thousands separator, the dropdowns' own message, one name per
// role, the update banner in English, a demo of 10,000 numbers that is
// saved (and a failed save that says so as a warning), and searchable
// pickers that stay small at 10,000 numbers.

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// englishLocale makes the tab's browser locale en-US (Intl, date and time
// inputs), as a German user of an English browser has it.
func englishLocale(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en_US"})
		return err
	}))
	if err != nil {
		t.Fatalf("locale override: %v", err)
	}
	if got := eval[string](t, ctx, `Intl.DateTimeFormat().resolvedOptions().locale`); !strings.HasPrefix(got, "en") {
		t.Fatalf("browser locale %q, want en-US", got)
	}
}

// typeInto focuses the input sel, clears it, types s key by key and leaves
// the field (a change event), as a user does.
func typeInto(t *testing.T, ctx context.Context, sel, s string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.value = ""; e.focus(); return true; })()`, jsString(sel)))
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), s)); err != nil {
		t.Fatalf("type into %s: %v", sel, err)
	}
	eval[bool](t, ctx, fmt.Sprintf(`(document.querySelector(%s).blur(), true)`, jsString(sel)))
}

// value returns the value of the input sel.
func value(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%s).value`, jsString(sel)))
}

// A period typed as "24.12.2026 08:00" in a browser whose locale is en-US is
// accepted, saved and shown the same after a reload; no field of the edit
// dialog is a browser date or time input; 31.04.2026 is refused next to
// the field with a message that names the form.
func TestFormsGermanDateEntry(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	englishLocale(t, ctx)
	openOverview(t, ctx, p)
	const number = "0221 123456-14" // aktiv, default plan
	openEdit(t, ctx, number)
	click(t, ctx, "#edit-add-rule")
	waitVisible(t, ctx, "#f-rules-0-name")
	setValue(t, ctx, "#f-rules-0-condition-kind", "period")
	waitVisible(t, ctx, "#f-rules-0-condition-from")
	if n := count(t, ctx, `#edit-dialog input[type=date], #edit-dialog input[type=time], #edit-dialog input[type=datetime-local]`); n != 0 {
		t.Errorf("%d browser date/time inputs in the edit dialog (they follow the browser's locale)", n)
	}
	if got := attr(t, ctx, "#f-rules-0-condition-from", "placeholder"); got != "TT.MM.JJJJ HH:MM" {
		t.Errorf("placeholder = %q", got)
	}
	if got := attr(t, ctx, "#preview-date", "placeholder"); got != "TT.MM.JJJJ" {
		t.Errorf("preview date placeholder = %q", got)
	}
	if got := value(t, ctx, "#preview-time"); !regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`).MatchString(got) {
		t.Errorf("preview time %q is not 24 h HH:MM", got)
	}
	setValue(t, ctx, "#f-rules-0-targets-0-ref", "0171 2345678")

	// A date that does not exist.
	typeInto(t, ctx, "#f-rules-0-condition-from", "31.04.2026 08:00")
	typeInto(t, ctx, "#f-rules-0-condition-to", "31.12.2026 18:00")
	click(t, ctx, "#edit-save")
	const fromErr = `#edit-form [data-field="rules[0].condition.from"]`
	waitText(t, ctx, fromErr, "„31.04.2026 08:00“ ist kein gültiger Zeitpunkt")
	if got := text(t, ctx, fromErr); !strings.Contains(got, "TT.MM.JJJJ HH:MM") {
		t.Errorf("the error does not name the form: %q", got)
	}
	if got := attr(t, ctx, "#f-rules-0-condition-from", "aria-invalid"); got != "true" {
		t.Errorf("aria-invalid = %q", got)
	}

	// The German form, typed key by key in an en-US browser.
	typeInto(t, ctx, "#f-rules-0-condition-from", "24.12.2026 08:00")
	click(t, ctx, "#edit-save")
	waitText(t, ctx, "#edit-saved", "0221 123456-14")
	click(t, ctx, "#edit-done")
	waitGone(t, ctx, "#edit-dialog")

	reload(t, ctx)
	openEdit(t, ctx, number)
	waitVisible(t, ctx, "#f-rules-0-condition-from")
	if got := value(t, ctx, "#f-rules-0-condition-from") + " – " + value(t, ctx, "#f-rules-0-condition-to"); got != "24.12.2026 08:00 – 31.12.2026 18:00" {
		t.Errorf("after the reload the period reads %q", got)
	}
	if got := text(t, ctx, "#f-rules-0-summary"); !strings.Contains(got, "24.12.2026") {
		t.Errorf("summary %q", got)
	}
	// Digits only (a numeric keypad has no dot) become the German form.
	typeInto(t, ctx, "#preview-date", "24122026")
	poll(t, ctx, `document.querySelector("#preview-date").value === "24.12.2026"`, "the preview date normalised to 24.12.2026")
}

// The event log's count groups its digits like the pager: "1.0xx
// Ereignisse", "1,0xx events".
func TestFormsEventLogCountGrouped(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	open(t, ctx, p.URL+"/?demo-numbers=1000")
	waitOverview(t, ctx, "1000")
	click(t, ctx, `nav a[href="/protokoll"]`)
	waitText(t, ctx, "#log-count", "Ereignisse")
	if got := text(t, ctx, "#log-count"); !regexp.MustCompile(`^\d{1,3}(\.\d{3})+ Ereignisse$`).MatchString(got) {
		t.Errorf("German count %q, want the form 1.031 Ereignisse", got)
	}
	click(t, ctx, "#lang-en")
	waitText(t, ctx, "#log-count", "events")
	if got := text(t, ctx, "#log-count"); !regexp.MustCompile(`^\d{1,3}(,\d{3})+ events$`).MatchString(got) {
		t.Errorf("English count %q, want the form 1,031 events", got)
	}
}

// A dropdown left empty gets the portal's message for a choice, not the
// SDK's (or the browser's) "Bitte füllen Sie dieses Feld aus." of a text
// field.
func TestFormsSelectMessage(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	click(t, ctx, action("0221 123456-13", "swap"))
	waitVisible(t, ctx, "#swap-new")
	click(t, ctx, "#dlg-swap-submit")
	waitVisible(t, ctx, "#dlg-swap-new-error")
	if got := text(t, ctx, "#dlg-swap-new-error"); got != "Bitte wählen Sie einen Eintrag aus." {
		t.Errorf("message of the empty dropdown = %q", got)
	}
	if got := attr(t, ctx, "#swap-new", "aria-invalid"); got != "true" {
		t.Errorf("aria-invalid = %q", got)
	}
}

// One name per role: the actor switch and the employees list say the same,
// in the seed page's terms.
func TestFormsRoleNamesEqual(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	switchRoles := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll("#actor-switch option")]
		.map(o => o.text.match(/^(.*) \((.*)\)$/)).filter(m => m).map(m => [m[1], m[2]]))`)
	if switchRoles["Anna Admin"] != "Administrator-Konto" {
		t.Errorf("actor switch: %v", switchRoles)
	}
	click(t, ctx, `nav a[href="/mitarbeiter"]`)
	waitVisible(t, ctx, "#emp-table")
	listRoles := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll("#emp-table tr.emp-row")]
		.map(r => [r.querySelector(".emp-name").innerText.trim(), r.querySelector(".emp-role").innerText.trim()]))`)
	if len(switchRoles) < 3 {
		t.Fatalf("actor switch: %v", switchRoles)
	}
	for name, role := range switchRoles {
		if got, ok := listRoles[name]; ok && got != role {
			t.Errorf("%s: %q in the actor switch, %q in the employees list", name, role, got)
		}
	}
	click(t, ctx, "#emp-new")
	waitVisible(t, ctx, "#emp-role")
	opts := eval[[]string](t, ctx, `[...document.querySelectorAll("#emp-role option")].map(o => o.text)`)
	if strings.Join(opts, "|") != "Mitarbeiter|Manager" {
		t.Errorf("roles of the create form: %q", opts)
	}
}

// "Update verfügbar – neu laden" in English mode.
func TestFormsUpdateBannerEnglish(t *testing.T) {
	p := startPortal(t, withVersion("build-A"))
	ctx := newTab(t)
	open(t, ctx, p.URL+"/")
	waitOffline(t, ctx)
	click(t, ctx, "#lang-en")
	waitText(t, ctx, "#page-title", "Phone numbers")
	p.deploy(withVersion("build-B"))
	waitJS(t, ctx, `navigator.serviceWorker.getRegistration().then(r => r.update()).then(() => true)`, "the update check")
	waitVisible(t, ctx, "#update-banner")
	if got := text(t, ctx, "#update-reload"); got != "Update available – reload" {
		t.Errorf("update banner in English: %q", got)
	}
}

// A save that fails (localStorage full) is a warning, not the green status
// line, and says that the changes are lost on a reload.
func TestFormsSaveWarning(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	// Fill the origin's localStorage up to its quota, without the saved
	// state (a save that replaces it with one of about the same size
	// would still fit).
	filled := eval[int](t, ctx, `(() => { let n = 0; localStorage.removeItem("numberdesk/demo");
		for (let size = 1 << 20; size >= 16; size >>= 1) {
			for (;;) { try { localStorage.setItem("filler-" + n, "x".repeat(size)); n++; } catch (e) { break; } }
		}
		return n; })()`)
	t.Logf("%d filler entries", filled)
	if exists(t, ctx, "#save-warning") {
		t.Fatal("a warning before any failed save")
	}
	selectByText(t, ctx, "#actor-switch", "Jana Schmidt")
	// The failure shows somewhere: as the warning, or (the defect) in the
	// status line.
	poll(t, ctx, `document.querySelector("#save-warning") || document.querySelector("#shell-status").innerText.includes("gespeichert")`,
		"the failed save is reported")
	if !exists(t, ctx, "#save-warning") {
		t.Fatalf("the failed save is reported as a status (%q), not as a warning", text(t, ctx, "#shell-status"))
	}
	waitVisible(t, ctx, "#save-warning")
	if got := attr(t, ctx, "#save-warning", "role"); got != "alert" {
		t.Errorf("role = %q, want alert", got)
	}
	if got := text(t, ctx, "#save-warning"); !strings.Contains(got, "beim Neuladen der Seite verloren") {
		t.Errorf("warning %q does not say that the changes are lost on a reload", got)
	}
	if eval[bool](t, ctx, `!!document.querySelector("#save-warning").closest(".status")`) {
		t.Error("the warning is in the status line")
	}
	if bg := eval[string](t, ctx, `getComputedStyle(document.querySelector("#save-warning")).backgroundColor`); bg == "rgb(232, 245, 233)" {
		t.Errorf("the warning has the success background %s", bg)
	}
}

// 10,000 numbers: the demo is saved (a reload shows them again); the swap
// picker finds a number by its extension, with the keyboard; the new
// employee's numbers are a multi-select that shows at most 50 options.
func TestFormsTenThousandNumbers(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	open(t, ctx, p.URL+"/?demo-numbers=10000")
	pollFor(t, ctx, `document.querySelector('#numbers-table[data-total="10000"]')`, "overview of 10,000 numbers", 3*pollTimeoutBase)
	if exists(t, ctx, "#save-warning") {
		t.Fatalf("10,000 numbers were not saved: %s", text(t, ctx, "#save-warning"))
	}
	stored := eval[int](t, ctx, `(localStorage.getItem("numberdesk/demo") || "").length`)
	t.Logf("saved state of 10,000 numbers: %d characters in localStorage", stored)
	reload(t, ctx)
	pollFor(t, ctx, `document.querySelector('#numbers-table[data-total="10000"]')`, "10,000 numbers after the reload", 3*pollTimeoutBase)

	// Swap: the replacement is found by typing its extension.
	click(t, ctx, action("0221 123456-13", "swap"))
	waitVisible(t, ctx, "#swap-new")
	if got := attr(t, ctx, "#swap-new", "role"); got != "combobox" {
		t.Fatalf("the replacement is chosen in a %q, want a combobox", got)
	}
	typeText(t, ctx, "#swap-new", "0042")
	waitText(t, ctx, "#swap-new-list", "089 5550-0042")
	if n := count(t, ctx, "#swap-new-list [role=option]"); n == 0 || n > 50 {
		t.Errorf("%d options", n)
	}
	// ↓ moves the active option, Enter chooses it.
	first := text(t, ctx, "#swap-new-opt-0")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, fmt.Sprintf(`document.querySelector("#swap-new").value === %s`, jsString(first)), "the option chosen with Enter")
	if exists(t, ctx, "#swap-new-list") {
		t.Error("the list stays open after the choice")
	}
	chosen := strings.Fields(first)[0] + " " + strings.Fields(first)[1]
	click(t, ctx, "#dlg-swap-submit")
	waitText(t, ctx, "#dlg-swap-confirmation", "durch "+chosen+" ersetzt")
	closeDialog(t, ctx, "dlg-swap")

	// The new employee's numbers: a searchable multi-select, at most 50
	// options at a time.
	click(t, ctx, `nav a[href="/mitarbeiter"]`)
	click(t, ctx, "#emp-new")
	waitVisible(t, ctx, "#emp-numbers-pick")
	click(t, ctx, "#emp-numbers-pick")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowDown)); err != nil { // ↓ opens the list
		t.Fatal(err)
	}
	waitVisible(t, ctx, "#emp-numbers-pick-list")
	if n := count(t, ctx, "#emp-create [role=option], #emp-create input[type=checkbox]"); n > 50 {
		t.Errorf("%d options at once, want at most 50", n)
	}
	waitText(t, ctx, "#emp-numbers-pick-status", "weitere – Suche verfeinern")
	typeText(t, ctx, "#emp-numbers-pick", "089 5551-07")
	waitText(t, ctx, "#emp-numbers-pick-list", "089 5551-0700")
	click(t, ctx, "#emp-numbers-pick-opt-0")
	waitText(t, ctx, "#emp-numbers-pick-chips", "089 5551-07")
	setValue(t, ctx, "#emp-first", "Zehn")
	setValue(t, ctx, "#emp-last", "Tausend")
	setValue(t, ctx, "#emp-email", "zehn.tausend@muster.example")
	click(t, ctx, "#emp-submit")
	waitText(t, ctx, "#emp-created", "Zehn Tausend")
}

// typeText focuses the input sel and types s key by key (no blur).
func typeText(t *testing.T, ctx context.Context, sel, s string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(document.querySelector(%s).focus(), true)`, jsString(sel)))
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), s)); err != nil {
		t.Fatalf("type into %s: %v", sel, err)
	}
}

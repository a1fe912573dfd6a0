package e2e

// Accessibility of the portal against WCAG 2.2 AA (issue 16, deliverable 4):
//
//   - TestA11yAxe runs axe-core 4.14.1 (vendored under
//     testdata/axe-core-4.14.1, injected into the page) on every page and
//     every dialog each role can reach, at 1280×800 and at 360×740, with
//     the rule tags wcag2a, wcag2aa, wcag21a, wcag21aa and wcag22aa; every
//     violation fails the test with its rule, target and summary, and the
//     number of checked states is logged;
//   - one test per defect of the audit: icon actions with a visible label or
//     legend, the employees table fitting 1280 px, the contrast of the focus
//     ring and of secondary button borders, the accessible names of the
//     tables, and a complete web app manifest without a broken og:image.
//
// The keyboard-only flows are in keyboard_test.go.

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeJS is axe-core's axe.min.js, unchanged from the npm tarball (see
// testdata/axe-core-4.14.1/README.md for its origin and checksum).
//
//go:embed testdata/axe-core-4.14.1/axe.min.js
var axeJS string

// axeTags are the rule sets of WCAG 2.2 level A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeViolation is one failed rule of an axe run, with the elements that
// fail it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// runAxe injects axe-core into the page (once per document) and returns
// the violations of the WCAG 2.2 A/AA rules on the whole document now.
func runAxe(t *testing.T, ctx context.Context) []axeViolation {
	t.Helper()
	if !eval[bool](t, ctx, `typeof window.axe === "object"`) {
		if !eval[bool](t, ctx, axeJS+"\n;typeof window.axe === 'object'") {
			t.Fatal("axe-core did not load")
		}
	}
	out := eval[string](t, ctx, fmt.Sprintf(`axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			nodes: v.nodes.map(n => ({target: n.target.map(x => [].concat(x).join(" >>> ")).join(", "), summary: n.failureSummary || ""}))}))))`,
		jsString(axeTags)))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe result: %v: %s", err, out)
	}
	return vs
}

// axeRun collects the axe results of the states of one test.
type axeRun struct {
	t          *testing.T
	ctx        context.Context
	where      string // role and width of the states checked now
	states     int
	violations []string
}

// check runs axe on the current state (named name) and records its
// violations.
func (a *axeRun) check(name string) {
	a.t.Helper()
	a.states++
	for _, v := range runAxe(a.t, a.ctx) {
		for _, n := range v.Nodes {
			summary := strings.Join(strings.Fields(n.Summary), " ")
			a.violations = append(a.violations, fmt.Sprintf("%s / %s: %s (%s) at %s: %s; %s", a.where, name, v.ID, v.Impact, n.Target, v.Help, summary))
		}
	}
}

// openDialogSel matches the open dialog.
const openDialogSel = "dialog[open]"

// waitDialogSettled waits until a dialog is open and has loaded (no
// "wird geladen" step left in any open dialog).
func waitDialogSettled(t *testing.T, ctx context.Context) {
	t.Helper()
	poll(t, ctx, `(() => { const ds = document.querySelectorAll("dialog[open]");
		return ds.length > 0 && ![...ds].some(d => d.querySelector(".loading")); })()`, "an open dialog that has loaded")
}

// closeAllDialogs closes the open dialogs with Esc, innermost first; the
// edit dialog's "Änderungen verwerfen?" is answered with its confirm
// button (Esc there would keep the changes and the dialog).
func closeAllDialogs(t *testing.T, ctx context.Context) {
	t.Helper()
	for range 4 {
		if !exists(t, ctx, openDialogSel) {
			return
		}
		if exists(t, ctx, "#edit-discard[open]") {
			click(t, ctx, "#edit-discard-confirm")
		} else {
			pressEscape(t, ctx)
		}
		poll(t, ctx, `document.querySelectorAll("dialog[open]").length < 2`, "at most one dialog left")
	}
	waitGone(t, ctx, openDialogSel)
	// A dialog that named itself in the URL (?dialog=…) goes back in the
	// history when it closes: wait for that, or the next dialog opened
	// would be closed by the late Back.
	poll(t, ctx, `!new URLSearchParams(location.search).has("dialog")`, "the URL without the closed dialog")
}

// a11yRole is a demo account of the actor switch and how its overview is
// recognized once loaded.
type a11yRole struct {
	name, option, ready string
}

var a11yRoles = []a11yRole{
	{"owner", "Anna Admin", `document.querySelector("#select-all")`},
	{"manager", "Jana Schmidt (Manager)", `document.querySelector("#role-note") && !document.querySelector("#select-all")`},
	{"employee", "Max Muster (Mitarbeiter)", `document.querySelector("#role-note") && document.querySelector("#numbers-table[data-total='2']")`},
}

// actAs switches the demo account and waits for its overview.
func actAs(t *testing.T, ctx context.Context, r a11yRole) {
	t.Helper()
	selectByText(t, ctx, "#actor-switch", r.option)
	poll(t, ctx, fmt.Sprintf(`(() => { const s = document.querySelector("#actor-switch");
		return s && s.selectedOptions[0] && s.selectedOptions[0].text.includes(%s) && (%s); })()`, jsString(r.option), r.ready),
		"the overview as "+r.name)
}

// TestA11yAxe checks every page and dialog for each role at both widths
// with axe-core: zero violations of WCAG 2.2 A/AA. The states are
// counted and the count is logged (reported, not asserted beyond a floor
// that proves the walk happened).
func TestA11yAxe(t *testing.T) {
	p := startPortal(t)
	a := &axeRun{t: t}
	sizes := [][2]int64{{1280, 800}, {360, 740}}
	for _, r := range a11yRoles {
		for _, size := range sizes {
			// A fresh tab per role and width: its own deadline, the same
			// browser.
			ctx := newTab(t)
			a.ctx = ctx
			a.where = fmt.Sprintf("%s %dx%d", r.name, size[0], size[1])
			viewport(t, ctx, size[0], size[1])
			open(t, ctx, p.URL+"/?demo=reset")
			waitVisible(t, ctx, "#actor-switch")
			actAs(t, ctx, r)
			a.check("overview")

			// The first number's detail view, and the import/export dialog.
			click(t, ctx, "#numbers-table a.number-link")
			waitVisible(t, ctx, "#dlg-detail[open]")
			waitDialogSettled(t, ctx)
			a.check("detail view")
			closeAllDialogs(t, ctx)
			poll(t, ctx, `!new URLSearchParams(location.search).get("nummer")`, "the detail view out of the URL")
			click(t, ctx, "#open-import")
			waitVisible(t, ctx, "#dlg-import[open]")
			waitDialogSettled(t, ctx)
			a.check("import/export dialog")
			closeAllDialogs(t, ctx)

			// Every row action this role has: the dialog of the first row
			// that offers it.
			for _, k := range []string{"activate", "deactivate", "withdraw", "edit", "swap", "assign", "efax"} {
				sel := fmt.Sprintf(`#numbers-table button[data-action=%q]`, k)
				if !exists(t, ctx, sel) {
					continue
				}
				click(t, ctx, sel)
				waitDialogSettled(t, ctx)
				a.check("dialog " + k)
				closeAllDialogs(t, ctx)
			}
			if r.name == "owner" {
				a11yOwnerSteps(t, ctx, a)
			}
			if r.name != "employee" {
				a11yAssignPurge(t, ctx, a)
				a11yEditSteps(t, ctx, a)
				a11yEfaxSent(t, ctx, a)
			}
			a11yEmployeesPage(t, ctx, p, a, r)
			open(t, ctx, p.URL+"/protokoll")
			waitVisible(t, ctx, "#log-count")
			a.check("event log")
			open(t, ctx, p.URL+"/abrechnung")
			waitVisible(t, ctx, "#statement-picker, #statement-role")
			a.check("statement")
		}
	}
	t.Logf("axe-core 4.14.1 (%s): %d states checked (pages × dialogs × roles × widths), %d violations",
		strings.Join(axeTags, ", "), a.states, len(a.violations))
	for _, v := range a.violations {
		t.Error(v)
	}
	if a.states < 60 {
		t.Errorf("only %d states checked: the walk missed pages or dialogs", a.states)
	}
}

// a11yOwnerSteps are the owner's states beyond the first dialog of each
// action: the bulk activation, the confirmations after an activation, a
// deactivation and a swap, the "Demo zurücksetzen" question.
func a11yOwnerSteps(t *testing.T, ctx context.Context, a *axeRun) {
	t.Helper()
	click(t, ctx, row("0221 123456-19")+" .row-select")
	click(t, ctx, row("0221 123456-20")+" .row-select")
	waitText(t, ctx, "#bulk-count", "2 ausgewählt")
	click(t, ctx, "#bulk-activate")
	waitVisible(t, ctx, "#dlg-activate #quote-table")
	a.check("bulk activation")
	click(t, ctx, "#dlg-activate-submit")
	waitText(t, ctx, "#dlg-activate-confirmation", "aktiviert")
	a.check("activation confirmation")
	closeAllDialogs(t, ctx)

	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#dlg-deactivate-submit")
	click(t, ctx, "#dlg-deactivate-submit")
	waitVisible(t, ctx, "#dlg-deactivate-confirmation")
	a.check("deactivation confirmation")
	closeAllDialogs(t, ctx)

	click(t, ctx, action("0221 123456-13", "swap"))
	waitVisible(t, ctx, "#swap-new")
	selectByText(t, ctx, "#swap-new", "0221 987650")
	click(t, ctx, "#dlg-swap-submit")
	waitText(t, ctx, "#dlg-swap-confirmation", "ersetzt")
	a.check("swap confirmation")
	closeAllDialogs(t, ctx)

	click(t, ctx, "#demo-reset")
	waitVisible(t, ctx, "#confirm-reset[open]")
	a.check("reset question")
	click(t, ctx, "#confirm-reset-cancel")
	waitGone(t, ctx, "#confirm-reset")
}

// a11yAssignPurge is the assignment with the purge of the previous holder's
// data: its question, then the confirmation.
func a11yAssignPurge(t *testing.T, ctx context.Context, a *axeRun) {
	t.Helper()
	click(t, ctx, action("0221 123456-11", "assign"))
	waitVisible(t, ctx, "#assign-employee")
	selectByText(t, ctx, "#assign-employee", "Max Muster")
	click(t, ctx, "#assign-purge")
	click(t, ctx, "#dlg-assign-submit")
	waitVisible(t, ctx, "#dlg-assign-purge[open]")
	a.check("assignment purge question")
	click(t, ctx, "#dlg-assign-purge-confirm")
	waitVisible(t, ctx, "#dlg-assign-confirmation")
	a.check("assignment confirmation")
	closeAllDialogs(t, ctx)
}

// a11yEditSteps is the edit dialog with a routing rule (the routing form,
// "Wohin geht ein Anruf jetzt?") and its "Änderungen verwerfen?" question.
func a11yEditSteps(t *testing.T, ctx context.Context, a *axeRun) {
	t.Helper()
	openEdit(t, ctx, "0221 123456-14")
	click(t, ctx, "#edit-add-office")
	waitVisible(t, ctx, "#f-rules-0-name")
	a.check("edit with an office-hours rule")
	click(t, ctx, "#edit-cancel")
	waitVisible(t, ctx, "#edit-discard[open]")
	a.check("discard question")
	click(t, ctx, "#edit-discard-confirm")
	waitGone(t, ctx, "#edit-dialog")
}

// a11yEfaxSent is the confirmation of "Zugangsdaten an Mitarbeiter
// versenden".
func a11yEfaxSent(t *testing.T, ctx context.Context, a *axeRun) {
	t.Helper()
	click(t, ctx, action("0221 123456-17", "efax"))
	waitVisible(t, ctx, "#dlg-efax-submit")
	click(t, ctx, "#dlg-efax-submit")
	waitVisible(t, ctx, "#dlg-efax-confirmation")
	a.check("e-fax confirmation")
	closeAllDialogs(t, ctx)
}

// a11yEmployeesPage is the employees page with the dialogs the role can
// open: the create form (empty, with its error summary, the confirmation),
// the notification preferences (and their confirmation) and the lock
// question.
func a11yEmployeesPage(t *testing.T, ctx context.Context, p *portal, a *axeRun, r a11yRole) {
	t.Helper()
	open(t, ctx, p.URL+"/mitarbeiter")
	waitVisible(t, ctx, "#emp-table")
	a.check("employees")
	if exists(t, ctx, "#emp-new") {
		click(t, ctx, "#emp-new")
		waitVisible(t, ctx, "#emp-create[open] #emp-first")
		a.check("new employee")
		click(t, ctx, "#emp-submit")
		waitVisible(t, ctx, "#emp-form-summary")
		a.check("new employee with errors")
		setValue(t, ctx, "#emp-first", "Tom")
		setValue(t, ctx, "#emp-last", "Neu")
		setValue(t, ctx, "#emp-email", "tom.neu."+r.name+"@muster.example")
		click(t, ctx, "#emp-submit")
		waitVisible(t, ctx, "#emp-created")
		a.check("employee created")
		closeAllDialogs(t, ctx)
	}
	if exists(t, ctx, "button.emp-prefs-btn") {
		click(t, ctx, "button.emp-prefs-btn")
		waitVisible(t, ctx, "#emp-prefs[open]")
		a.check("notifications")
		click(t, ctx, "#emp-prefs-save")
		waitVisible(t, ctx, "#emp-prefs-saved")
		a.check("notifications saved")
		closeAllDialogs(t, ctx)
	}
	if exists(t, ctx, `button.emp-lock[data-action="lock"]`) {
		click(t, ctx, `button.emp-lock[data-action="lock"]`)
		waitVisible(t, ctx, "#confirm-lock[open]")
		a.check("lock question")
		click(t, ctx, "#confirm-lock-cancel")
		waitGone(t, ctx, "#confirm-lock")
	}
}

// contrastJS defines contrast(a, b), the WCAG contrast ratio of two
// computed CSS colours ("rgb(…)"/"rgba(…)"), and behind(el), the first
// opaque background colour of el's ancestors (the page's if none).
const contrastJS = `
	const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
	const lum = c => { const v = rgb(c).slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
		return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
	const contrast = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
	const opaque = c => { const v = rgb(c); return v.length === 3 || (v.length > 3 && v[3] === 1); };
	const behind = el => { for (let e = el.parentElement; e; e = e.parentElement) { const b = getComputedStyle(e).backgroundColor; if (opaque(b)) return b; }
		return "rgb(255, 255, 255)"; };
	const describe = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + String(e.className).trim().split(/\s+/).join(".") : "");
`

// Audit 14: the focus ring reaches 3:1 against the background around the
// focused element and against the page (WCAG 1.4.11, 2.4.7); secondary
// buttons (not filled) have a border of 3:1 against what surrounds them;
// and every table of the three pages has an accessible name.
func TestA11yFocusRingBordersAndTableNames(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	viewport(t, ctx, 1280, 800)
	openOverview(t, ctx, p)

	// The ring of the first 30 elements the keyboard reaches.
	type ring struct {
		Element      string  `json:"element"`
		Style        string  `json:"style"`
		Width        float64 `json:"width"`
		Around, Page float64
	}
	var rings []ring
	for range 30 {
		pressKey(t, ctx, kb.Tab)
		r := eval[ring](t, ctx, `(() => {`+contrastJS+`
			const a = document.activeElement; if (!a || a === document.body) return {element: "body", style: "none", width: 0, Around: 0, Page: 0};
			const s = getComputedStyle(a);
			return {element: describe(a), style: s.outlineStyle, width: parseFloat(s.outlineWidth),
				Around: contrast(s.outlineColor, behind(a)), Page: contrast(s.outlineColor, getComputedStyle(document.body).backgroundColor)}; })()`)
		rings = append(rings, r)
	}
	for _, r := range rings {
		if r.Style == "none" || r.Width < 2 || r.Around < 3 || r.Page < 3 {
			t.Errorf("focus ring of %s: %s %.0fpx, contrast %.2f:1 around it and %.2f:1 on the page (want a ring ≥ 2px and ≥ 3:1)",
				r.Element, r.Style, r.Width, r.Around, r.Page)
		}
	}

	// Secondary buttons on the overview, in a dialog's footer and on the
	// employees page.
	borders := func(where string) {
		t.Helper()
		bad := eval[[]string](t, ctx, `(() => {`+contrastJS+`
			return [...document.querySelectorAll(".btn")].filter(b => b.offsetParent !== null && !b.disabled).flatMap(b => {
				const s = getComputedStyle(b), around = behind(b);
				if (contrast(s.backgroundColor, around) >= 3 && opaque(s.backgroundColor)) return []; // a filled button
				const c = contrast(s.borderTopColor, around);
				return c >= 3 ? [] : [describe(b) + " " + c.toFixed(2) + ":1"];
			}); })()`)
		for _, b := range bad {
			t.Errorf("%s: the border of the secondary button %s (want ≥ 3:1 against its background)", where, b)
		}
	}
	borders("overview")
	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#dlg-deactivate-cancel")
	borders("deactivation dialog")
	click(t, ctx, "#dlg-deactivate-cancel")
	waitGone(t, ctx, "#dlg-deactivate")

	tableNames := func(where string) {
		t.Helper()
		unnamed := eval[[]string](t, ctx, `[...document.querySelectorAll("table")].filter(t => {
			const by = (t.getAttribute("aria-labelledby") || "").split(/\s+/).map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent).join(" ");
			return !((t.caption && t.caption.textContent.trim()) || (t.getAttribute("aria-label") || "").trim() || by.trim() || (t.getAttribute("title") || "").trim());
		}).map(t => t.id || t.className)`)
		if len(unnamed) > 0 {
			t.Errorf("%s: tables without an accessible name: %v", where, unnamed)
		}
	}
	tableNames("overview")
	open(t, ctx, p.URL+"/mitarbeiter")
	waitVisible(t, ctx, "#emp-table")
	tableNames("employees")
	borders("employees")
	open(t, ctx, p.URL+"/protokoll")
	waitVisible(t, ctx, "#log-table")
	tableNames("event log")
}

// Audit 4: every row action (an icon) has an accessible name and a
// visible name: at 1280 px a legend outside the table shows each icon the
// rows use with its name; at 360 px (cards, touch) each button shows its
// label, and its accessible name contains what it shows (WCAG 2.5.3).
func TestA11yIconActionsHaveVisibleNames(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	for _, size := range [][2]int64{{1280, 800}, {360, 740}} {
		viewport(t, ctx, size[0], size[1])
		openOverview(t, ctx, p)
		type button struct {
			Kind, Name, Title, Visible string
			Legend                     bool
		}
		buttons := eval[[]button](t, ctx, `[...document.querySelectorAll("#numbers-table button[data-action]")].map(b => {
			const label = b.getAttribute("title") || "";
			const svg = b.querySelector("svg");
			const icon = svg ? [...svg.classList].find(c => c.startsWith("icon-")) : "";
			// visible text: the text of descendants with a real box
			const visible = [...b.querySelectorAll("*")].filter(e => e.children.length === 0 && e.textContent.trim() !== "")
				.filter(e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e); return r.width > 4 && r.height > 4 && s.visibility !== "hidden"; })
				.map(e => e.textContent.trim()).join(" ");
			// a legend: a visible element outside the table with the same icon and the name
			const legend = !!icon && [...document.querySelectorAll("svg." + icon)].some(s => {
				if (s.closest("#numbers-table") || s.closest("button")) return false;
				const item = s.parentElement, r = item.getBoundingClientRect();
				return r.width > 0 && r.height > 0 && label !== "" && item.innerText.includes(label) && !!item.offsetParent;
			});
			return {Kind: b.dataset.action, Name: b.getAttribute("aria-label") || b.innerText.trim(), Title: label, Visible: visible, Legend: legend};
		})`)
		if len(buttons) < 10 {
			t.Fatalf("%dx%d: only %d row actions", size[0], size[1], len(buttons))
		}
		seen := map[string]bool{}
		for _, b := range buttons {
			if seen[b.Kind+b.Visible] {
				continue // one report per kind
			}
			seen[b.Kind+b.Visible] = true
			if strings.TrimSpace(b.Name) == "" {
				t.Errorf("%dx%d: the %s action has no accessible name", size[0], size[1], b.Kind)
			}
			if b.Visible != "" && !strings.Contains(strings.ToLower(b.Name), strings.ToLower(b.Visible)) {
				t.Errorf("%dx%d: the %s action shows %q, which its accessible name %q does not contain", size[0], size[1], b.Kind, b.Visible, b.Name)
			}
			switch {
			case size[0] <= 400 && b.Visible == "":
				t.Errorf("%dx%d: the %s action shows no label next to its icon (touch screens have no tooltips)", size[0], size[1], b.Kind)
			case b.Visible == "" && !b.Legend:
				t.Errorf("%dx%d: the %s icon is named neither on the button nor in a visible legend", size[0], size[1], b.Kind)
			}
		}
		if size[0] <= 400 {
			if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > int(size[0]) {
				t.Errorf("%dx%d: the labels widen the page to %d px", size[0], size[1], w)
			}
		}
	}
}

// Audit 7: at 1280×800 the employees table fits its frame: no sideways
// scrolling, every action button inside the visible frame.
func TestA11yEmployeesTableFits1280(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	viewport(t, ctx, 1280, 800)
	open(t, ctx, p.URL+"/mitarbeiter?demo=reset")
	waitVisible(t, ctx, "#emp-table")
	waitText(t, ctx, empRow("max.muster@muster.example"), "0221 123456-10")
	type fit struct {
		Scroll, Client, Page int
		Outside              []string
	}
	f := eval[fit](t, ctx, `(() => {
		const w = document.querySelector("#emp-table").closest(".table-wrap"), r = w.getBoundingClientRect();
		const outside = [...document.querySelectorAll("#emp-table button, #emp-table input")].filter(b => {
			const x = b.getBoundingClientRect(); return x.right > r.right + 0.5 || x.left < r.left - 0.5; }).map(b => b.id);
		return {Scroll: w.scrollWidth, Client: w.clientWidth, Page: document.documentElement.scrollWidth, Outside: outside}; })()`)
	if f.Scroll > f.Client || f.Page > 1280 || len(f.Outside) > 0 {
		t.Errorf("the employees table at 1280 px: content %d px in a frame of %d px, page %d px; controls outside the frame: %v",
			f.Scroll, f.Client, f.Page, f.Outside)
	}
}

// Audit 15: the web app manifest the page links has id, lang, start_url,
// screenshots (wide and narrow, loadable, of the size they claim) and a
// purpose on every icon; og:image is absent or an absolute URL with a host.
func TestA11yManifestAndOpenGraph(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	problems := eval[[]string](t, ctx, `(async () => {
		const out = [];
		const link = document.querySelector('link[rel="manifest"]');
		if (!link) return ["no manifest link"];
		const m = await (await fetch(link.href)).json();
		for (const k of ["id", "lang", "start_url", "name", "short_name"]) if (!m[k]) out.push("no " + k);
		for (const i of m.icons || []) if (!i.purpose) out.push("icon " + i.src + " has an empty purpose");
		const shots = m.screenshots || [];
		for (const ff of ["wide", "narrow"]) if (!shots.some(s => s.form_factor === ff)) out.push("no " + ff + " screenshot");
		for (const s of shots) {
			const img = new Image(); img.src = new URL(s.src, link.href).href;
			try { await img.decode(); } catch (e) { out.push("screenshot " + s.src + " does not load"); continue; }
			if (s.sizes !== img.naturalWidth + "x" + img.naturalHeight) out.push("screenshot " + s.src + " claims " + s.sizes + " but is " + img.naturalWidth + "x" + img.naturalHeight);
			if (!s.label) out.push("screenshot " + s.src + " has no label");
		}
		// What a crawler reads (the served page) and what the page holds now.
		for (const path of ["/", "/mitarbeiter", "/protokoll"]) {
			const served = new DOMParser().parseFromString(await (await fetch(path)).text(), "text/html");
			for (const [where, doc] of [["served " + path, served], ["live", document]]) {
				for (const meta of doc.querySelectorAll('meta[property="og:image"], meta[property="og:url"], meta[name="twitter:image"]')) {
					let host = "";
					try { host = new URL(meta.content).host; } catch (e) {}
					if (!host) out.push(where + ": " + (meta.getAttribute("property") || meta.getAttribute("name")) + " is " + JSON.stringify(meta.content) + ", not an absolute URL");
				}
			}
		}
		return out; })()`)
	for _, pr := range problems {
		t.Error(pr)
	}
}

// pressKey sends one key (kb.Tab, kb.Enter, kb.Escape, " ", …) to the
// focused element.
func pressKey(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(key)); err != nil {
		t.Fatalf("key %q: %v", key, err)
	}
}

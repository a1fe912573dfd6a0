package e2e

// Keyboard-only use of every dialog (issue 16, deliverable 4): each dialog
// is reached with Tab, opened with Enter or Space, operated with the
// keyboard and closed with Esc or "Abbrechen"; the focus then returns to
// the element that opened it (or, where that is gone, the row it changed).
// No mouse event is sent: every step is a key press.

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tabTo presses Tab until the focused element matches the CSS selector
// sel, at most limit times, and fails with the last focused element
// otherwise: sel must be reachable with the keyboard, in the tab order.
func tabTo(t *testing.T, ctx context.Context, sel string, limit int) {
	t.Helper()
	is := fmt.Sprintf(`(() => { const a = document.activeElement; return !!a && a.matches(%s); })()`, jsString(sel))
	for range limit {
		if eval[bool](t, ctx, is) {
			return
		}
		pressKey(t, ctx, kb.Tab)
	}
	if !eval[bool](t, ctx, is) {
		t.Fatalf("%s is not reached with %d Tab presses (the focus is on %s)", sel, limit, activeDescription(t, ctx))
	}
}

// typeKeys types s into the focused element, key by key.
func typeKeys(t *testing.T, ctx context.Context, s string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(s)); err != nil {
		t.Fatalf("typing %q: %v", s, err)
	}
}

// noMouse makes the test fail if any mouse or pointer event reaches the
// page from now on (until the next navigation).
func noMouse(t *testing.T, ctx context.Context) {
	t.Helper()
	eval[bool](t, ctx, `(() => { window.__mouse = 0;
		for (const ev of ["mousedown", "mouseup", "pointerdown", "pointerup"]) document.addEventListener(ev, e => { if (e.isTrusted) window.__mouse++; }, true);
		return true; })()`)
	t.Cleanup(func() {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__mouse || 0`))
		if err == nil && n > 0 {
			t.Errorf("%d mouse events reached the page; the flows must use the keyboard only", n)
		}
	})
}

// The numbers' dialogs with the keyboard, as the owner at 1280×800.
func TestKeyboardNumberDialogs(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	viewport(t, ctx, 1280, 800)
	openOverview(t, ctx, p)
	noMouse(t, ctx)
	const far = 250 // the last row's actions are about 150 Tab presses down

	// Activation: Enter opens it on its primary button, Enter activates,
	// Enter closes the confirmation, the focus is on the row.
	tabTo(t, ctx, action("0221 123456-25", "activate"), far)
	pressKey(t, ctx, kb.Enter)
	waitVisible(t, ctx, "#dlg-activate #quote-table")
	activeIs(t, ctx, "#dlg-activate-submit", "the activation opens on its primary button")
	pressKey(t, ctx, kb.Enter)
	waitText(t, ctx, "#dlg-activate-confirmation", "aktiviert")
	activeIs(t, ctx, "#dlg-activate-done", "the confirmation's close button has the focus")
	pressKey(t, ctx, kb.Enter)
	waitGone(t, ctx, "#dlg-activate")
	activeIs(t, ctx, row("0221 123456-25"), "after the activation the focus is on its row")
	waitStatus(t, ctx, "0221 123456-25", "aktiv")

	// Deactivation: Space opens it on "Abbrechen", Enter cancels.
	tabTo(t, ctx, action("0221 123456-14", "deactivate"), far)
	pressKey(t, ctx, " ")
	waitVisible(t, ctx, "#deactivate-date")
	activeIs(t, ctx, "#dlg-deactivate-cancel", "the deactivation opens on Abbrechen")
	pressKey(t, ctx, kb.Enter)
	waitGone(t, ctx, "#dlg-deactivate")
	activeIs(t, ctx, action("0221 123456-14", "deactivate"), "Abbrechen returns the focus to the red circle")
	waitStatus(t, ctx, "0221 123456-14", "aktiv")

	// Swap: a new number chosen with the arrow keys, then Abbrechen.
	tabTo(t, ctx, action("0221 123456-13", "swap"), far)
	pressKey(t, ctx, kb.Enter)
	waitVisible(t, ctx, "#swap-new")
	activeIs(t, ctx, "#swap-old", "the swap opens on its first field")
	tabTo(t, ctx, "#swap-new", 5)
	before := eval[string](t, ctx, `document.querySelector("#swap-new").value`)
	pressKey(t, ctx, kb.ArrowDown)
	poll(t, ctx, fmt.Sprintf(`document.querySelector("#swap-new").value !== %s`, jsString(before)), "the arrow key chose another number")
	tabTo(t, ctx, "#dlg-swap-cancel", 10)
	pressKey(t, ctx, kb.Enter)
	waitGone(t, ctx, "#dlg-swap")
	activeIs(t, ctx, action("0221 123456-13", "swap"), "Abbrechen returns the focus to the crossed arrows")

	// Assignment: opened on its first field, closed with Esc.
	tabTo(t, ctx, action("0221 123456-12", "assign"), far)
	pressKey(t, ctx, kb.Enter)
	waitVisible(t, ctx, "#assign-employee")
	activeIs(t, ctx, "#dlg-assign .modal-body input, #dlg-assign .modal-body select", "the assignment opens on its first field")
	pressEscape(t, ctx)
	waitGone(t, ctx, "#dlg-assign")
	activeIs(t, ctx, action("0221 123456-12", "assign"), "Esc returns the focus to the person icon")

	// Edit: Tab moves inside the dialog, Esc closes an unchanged form.
	tabTo(t, ctx, action("0221 123456-14", "edit"), far)
	pressKey(t, ctx, kb.Enter)
	waitVisible(t, ctx, "#edit-dialog[open] #edit-usage")
	for range 3 {
		pressKey(t, ctx, kb.Tab)
		activeIs(t, ctx, "#edit-dialog", "Tab stays inside the open edit dialog")
	}
	pressEscape(t, ctx)
	waitGone(t, ctx, "#edit-dialog")
	activeIs(t, ctx, action("0221 123456-14", "edit"), "Esc returns the focus to the pencil")

	// E-fax credentials: Space opens, Enter sends, Esc closes.
	tabTo(t, ctx, action("0221 123456-17", "efax"), far)
	pressKey(t, ctx, " ")
	waitVisible(t, ctx, "#dlg-efax-submit")
	tabTo(t, ctx, "#dlg-efax-submit", 10)
	pressKey(t, ctx, kb.Enter)
	waitText(t, ctx, "#dlg-efax-confirmation", "Lena Fax")
	pressEscape(t, ctx)
	waitGone(t, ctx, "#dlg-efax")
	activeIs(t, ctx, row("0221 123456-17"), "Esc returns the focus to the e-fax number's row")

	// "Demo zurücksetzen" asks; Esc keeps the data.
	tabTo(t, ctx, "#demo-reset", far)
	pressKey(t, ctx, kb.Enter)
	waitVisible(t, ctx, "#confirm-reset[open]")
	activeIs(t, ctx, "#confirm-reset-cancel", "the reset question opens on Abbrechen")
	pressEscape(t, ctx)
	waitGone(t, ctx, "#confirm-reset")
	activeIs(t, ctx, "#demo-reset", "Esc returns the focus to „Demo zurücksetzen“")
	waitStatus(t, ctx, "0221 123456-25", "aktiv")
}

// The employees page's dialogs with the keyboard: a new employee typed in
// and created, the notifications switched with Space and saved, the lock
// question answered with Esc.
func TestKeyboardEmployeeDialogs(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	viewport(t, ctx, 1280, 800)
	open(t, ctx, p.URL+"/mitarbeiter?demo=reset")
	waitVisible(t, ctx, "#emp-table")
	noMouse(t, ctx)

	tabTo(t, ctx, "#emp-new", 40)
	pressKey(t, ctx, kb.Enter)
	waitVisible(t, ctx, "#emp-create[open] #emp-first")
	activeIs(t, ctx, "#emp-first", "the form opens on its first field")
	typeKeys(t, ctx, "Tom")
	pressKey(t, ctx, kb.Tab)
	typeKeys(t, ctx, "Neu")
	pressKey(t, ctx, kb.Tab)
	typeKeys(t, ctx, "tom.neu@muster.example")
	tabTo(t, ctx, "#emp-submit", 40)
	pressKey(t, ctx, kb.Enter)
	waitText(t, ctx, "#emp-created", "Tom Neu")
	activeIs(t, ctx, "#emp-create-close", "the confirmation's close button has the focus")
	pressKey(t, ctx, kb.Enter)
	waitGone(t, ctx, "#emp-create")
	activeIs(t, ctx, "#emp-new", "closing returns the focus to „Neuen Mitarbeiter anlegen“")
	waitText(t, ctx, "#emp-table", "tom.neu@muster.example")

	maxRow := empRow("max.muster@muster.example")
	tabTo(t, ctx, maxRow+" button.emp-prefs-btn", 120)
	pressKey(t, ctx, kb.Enter)
	waitVisible(t, ctx, "#emp-prefs[open] #pref-missed_call")
	tabTo(t, ctx, "#pref-missed_call", 10)
	pressKey(t, ctx, " ")
	poll(t, ctx, `!document.querySelector("#pref-missed_call").checked`, "Space unticks the category")
	tabTo(t, ctx, "#emp-prefs-save", 10)
	pressKey(t, ctx, kb.Enter)
	waitText(t, ctx, "#emp-prefs-saved", "Max Muster")
	pressEscape(t, ctx)
	waitGone(t, ctx, "#emp-prefs")
	activeIs(t, ctx, maxRow+" button.emp-prefs-btn", "Esc returns the focus to the notifications button")
	waitText(t, ctx, maxRow+" .emp-prefs", "Faxe")

	erika := empRow("erika.beispiel@muster.example")
	tabTo(t, ctx, erika+" button.emp-lock", 60)
	pressKey(t, ctx, " ")
	waitVisible(t, ctx, "#confirm-lock[open]")
	activeIs(t, ctx, "#confirm-lock-cancel", "the lock question opens on Abbrechen")
	pressEscape(t, ctx)
	waitGone(t, ctx, "#confirm-lock")
	activeIs(t, ctx, erika+" button.emp-lock", "Esc returns the focus to „Sperren“")
	if exists(t, ctx, erika+`[data-locked="true"]`) {
		t.Error("Esc locked the employee")
	}
}

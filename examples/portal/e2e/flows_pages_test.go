package e2e

// Browser flows of the edit dialog (usage type, routing, time-based
// forwarding, base rule, "Wohin geht ein Anruf jetzt?"), the employees page
// and the event log.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// openEdit opens the edit dialog of number from the overview.
func openEdit(t *testing.T, ctx context.Context, number string) {
	t.Helper()
	waitVisible(t, ctx, overviewReady)
	click(t, ctx, action(number, "edit"))
	waitVisible(t, ctx, `#edit-dialog[open] #edit-usage`)
}

// previewAt sets the preview's date and time and waits until the answer
// shows the instant in UTC.
func previewAt(t *testing.T, ctx context.Context, date, clock, wantUTC string) string {
	t.Helper()
	setValue(t, ctx, "#preview-date", date)
	setValue(t, ctx, "#preview-time", clock)
	// the answer is for this local date (the time may move in a DST gap)
	waitText(t, ctx, "#preview-when", date[8:10]+"."+date[5:7]+"."+date[0:4])
	waitText(t, ctx, "#preview-utc", wantUTC)
	return text(t, ctx, "#preview-outcome")
}

// TestEditRoutingBerlin builds a time-based plan in the edit dialog and
// proves with the live preview that Europe/Berlin evaluates correctly in the
// browser: the browser has no zoneinfo, so without the wasm's time/tzdata
// the zone falls back and the UTC instants and DST answers below fail.
func TestEditRoutingBerlin(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	const number = "0221 123456-14" // aktiv, no holder, default plan
	openEdit(t, ctx, number)
	waitVisible(t, ctx, "#edit-norules")
	if got := eval[string](t, ctx, `document.querySelector("#edit-usage").value`); got != "voice" {
		t.Fatalf("usage type = %q, want voice", got)
	}

	// Office hours Mo–Fr 08:00–18:00 on the desk phone; the base rule rings.
	click(t, ctx, "#edit-add-office")
	waitVisible(t, ctx, "#f-rules-0-name")
	if got := eval[string](t, ctx, `document.querySelector("#f-rules-0-condition-windows-0-start").value + "-" + document.querySelector("#f-rules-0-condition-windows-0-end").value`); got != "08:00-18:00" {
		t.Fatalf("office window = %q", got)
	}
	setValue(t, ctx, "#f-base-kind", "ringing_tone")
	waitText(t, ctx, "#f-rules-0-summary", "Mo–Fr 08:00–18:00")

	// A Wednesday in summer (CEST, UTC+2): 17:59 is office hours, 18:01 not.
	if out := previewAt(t, ctx, "2026-07-15", "17:59", "15:59 UTC"); !strings.Contains(out, "Bürozeiten") {
		t.Errorf("Wed 17:59 CEST: the call goes to %q, want the rule Bürozeiten", out)
	}
	waitText(t, ctx, "#preview-when", "MESZ (UTC+02:00)")
	waitText(t, ctx, "#preview-changes", "Mi 15.07. 18:00 → Basisregel")
	if out := previewAt(t, ctx, "2026-07-15", "18:01", "16:01 UTC"); !strings.Contains(out, "Basisregel: Freizeichen") {
		t.Errorf("Wed 18:01 CEST: the call goes to %q, want the base rule", out)
	}
	// Winter (CET, UTC+1).
	if out := previewAt(t, ctx, "2026-01-14", "17:59", "16:59 UTC"); !strings.Contains(out, "Bürozeiten") {
		t.Errorf("Wed 17:59 CET: the call goes to %q", out)
	}
	// The spring-forward night: 02:30 does not exist in Berlin on 29.03.2026;
	// the wall clock jumps to 03:30 CEST (01:30 UTC).
	previewAt(t, ctx, "2026-03-29", "02:30", "01:30 UTC")
	waitText(t, ctx, "#preview-when", "03:30 MESZ")
	// The fall-back night: 02:30 on 25.10.2026 occurs twice; the preview
	// takes the first (CEST, 00:30 UTC).
	previewAt(t, ctx, "2026-10-25", "02:30", "00:30 UTC")
	waitText(t, ctx, "#preview-when", "02:30 MESZ")
	// The Monday after spring forward: 07:59 is 05:59 UTC (CEST), not
	// office hours; 08:00 is.
	if out := previewAt(t, ctx, "2026-03-30", "07:59", "05:59 UTC"); !strings.Contains(out, "Basisregel") {
		t.Errorf("Mon 30.03. 07:59: %q", out)
	}
	if out := previewAt(t, ctx, "2026-03-30", "08:00", "06:00 UTC"); !strings.Contains(out, "Bürozeiten") {
		t.Errorf("Mon 30.03. 08:00: %q", out)
	}

	// Public holidays of NRW first: Easter Monday and Christmas go to the
	// mobile, the Tuesday after Easter to the office.
	click(t, ctx, "#edit-add-rule")
	waitVisible(t, ctx, "#f-rules-1-name")
	setValue(t, ctx, "#f-rules-1-name", "Feiertage")
	setValue(t, ctx, "#f-rules-1-condition-kind", "holidays")
	waitVisible(t, ctx, "#f-rules-1-condition-state")
	setValue(t, ctx, "#f-rules-1-condition-state", "NW")
	setValue(t, ctx, "#f-rules-1-targets-0-ref", "0171 2345678")
	click(t, ctx, "#f-rules-1-up")
	waitText(t, ctx, "#edit-rule-0 legend", "Priorität 1")
	poll(t, ctx, `document.querySelector("#f-rules-0-name").value === "Feiertage"`, "the holiday rule moved to priority 1")
	if out := previewAt(t, ctx, "2026-04-06", "10:00", "08:00 UTC"); !strings.Contains(out, "Feiertage") || !strings.Contains(out, "0171 2345678") {
		t.Errorf("Easter Monday 10:00: %q", out)
	}
	if out := previewAt(t, ctx, "2026-04-07", "10:00", "08:00 UTC"); !strings.Contains(out, "Bürozeiten") {
		t.Errorf("Tuesday after Easter 10:00: %q", out)
	}
	if out := previewAt(t, ctx, "2026-12-25", "10:00", "09:00 UTC"); !strings.Contains(out, "Feiertage") {
		t.Errorf("Christmas 10:00: %q", out)
	}
	eval[bool](t, ctx, `(document.querySelector("#edit-dialog .modal-body").scrollTop = 0, true)`)
	shot(t, ctx, "edit-dialog")

	// A routing error of the SDK (routing.Validate) is shown next to its
	// field: an empty time window.
	setValue(t, ctx, "#f-rules-1-condition-windows-0-end", "08:00")
	click(t, ctx, "#edit-save")
	const windowErr = `#edit-form [data-field="rules[1].condition.windows[0]"]`
	waitText(t, ctx, windowErr, "Das Zeitfenster ist leer")
	if got := attr(t, ctx, "#f-rules-1-condition-windows-0-end", "aria-invalid"); got != "true" {
		t.Errorf("aria-invalid of the window = %q", got)
	}
	if !exists(t, ctx, "#edit-dialog[open]") {
		t.Fatal("the dialog closed on an error")
	}
	// An external number that is no number: the message of package phone.
	setValue(t, ctx, "#f-rules-0-targets-0-ref", "01x")
	setValue(t, ctx, "#f-rules-1-condition-windows-0-end", "18:00")
	click(t, ctx, "#edit-save")
	waitVisible(t, ctx, `#edit-form [data-field="rules[0].targets[0].ref"]`)
	setValue(t, ctx, "#f-rules-0-targets-0-ref", "0171 2345678")

	click(t, ctx, "#edit-save")
	waitText(t, ctx, "#edit-saved", "Die Einstellungen der Rufnummer 0221 123456-14 wurden gespeichert.")
	click(t, ctx, "#edit-done")
	waitGone(t, ctx, "#edit-dialog")

	// After a reload the plan is there, in priority order.
	reload(t, ctx)
	openEdit(t, ctx, number)
	waitVisible(t, ctx, "#f-rules-1-name")
	got := eval[string](t, ctx, `[0,1].map(i => document.querySelector("#f-rules-"+i+"-name").value).join("|") + "|" +
		document.querySelector("#f-base-kind").value + "|" + document.querySelector("#f-rules-0-targets-0-ref").value`)
	if got != "Feiertage|Bürozeiten|ringing_tone|0171 2345678" {
		t.Errorf("after reload: %q", got)
	}
	if out := previewAt(t, ctx, "2026-07-15", "17:59", "15:59 UTC"); !strings.Contains(out, "Bürozeiten") {
		t.Errorf("after reload, Wed 17:59: %q", out)
	}
}

// TestEditUsageType changes the usage type of a voice number with a plan:
// the SDK demands the confirmation that the plan is lost, shown next to its
// checkbox; with it the change is saved and survives a reload.
func TestEditUsageType(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	const number = "0221 123456-10" // Max Muster, plan "Bürozeiten"

	// At 360 px the dialog fits the width and Esc closes it.
	viewport(t, ctx, 360, 740)
	openEdit(t, ctx, number)
	waitText(t, ctx, "#f-rules-0-summary", "Mo–Fr 08:00–18:00")
	waitVisible(t, ctx, "#preview-outcome")
	if w := eval[int](t, ctx, `(() => { const d = document.querySelector("#edit-dialog");
		return Math.max(d.scrollWidth - d.clientWidth, document.documentElement.scrollWidth - 360); })()`); w > 0 {
		t.Errorf("the edit dialog is %d px too wide at 360 px", w)
	}
	dialogShot(t, ctx, "mobile-edit-dialog", 360)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	waitGone(t, ctx, "#edit-dialog")
	viewport(t, ctx, 1280, 900)

	openEdit(t, ctx, number)
	waitText(t, ctx, "#f-rules-0-summary", "Mo–Fr 08:00–18:00")
	setValue(t, ctx, "#edit-usage", "conference")
	waitVisible(t, ctx, "#edit-nonvoice")
	waitVisible(t, ctx, "#edit-usage-confirm")
	click(t, ctx, "#edit-save")
	waitText(t, ctx, `#edit-form [data-field="confirm"]`, "Routingplan")
	click(t, ctx, "#edit-usage-confirm")
	click(t, ctx, "#edit-save")
	waitVisible(t, ctx, "#edit-saved")
	click(t, ctx, "#edit-done")
	waitGone(t, ctx, "#edit-dialog")
	waitText(t, ctx, row(number), "Konferenz")

	reload(t, ctx)
	waitText(t, ctx, row(number), "Konferenz")
	openEdit(t, ctx, number)
	if got := eval[string](t, ctx, `document.querySelector("#edit-usage").value`); got != "conference" {
		t.Errorf("usage type after reload = %q", got)
	}
}

// empRow is the list row of the employee with e-mail address email.
func empRow(email string) string { return fmt.Sprintf(`tr[data-email=%q]`, email) }

// TestEmployees creates an employee with a number, locks it, switches off
// two notification categories and grants routing edits; all of it survives
// a reload. It runs at 360 px width.
func TestEmployees(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	viewport(t, ctx, 360, 740)
	open(t, ctx, p.URL+"/mitarbeiter?demo=reset")
	waitVisible(t, ctx, "#emp-table")
	waitText(t, ctx, empRow("max.muster@muster.example"), "0221 123456-10")

	click(t, ctx, "#emp-new")
	waitVisible(t, ctx, "#emp-create[open] #emp-first")
	setValue(t, ctx, "#emp-first", "Tom")
	setValue(t, ctx, "#emp-last", "Neu")
	setValue(t, ctx, "#emp-email", "kaputt")
	click(t, ctx, `#emp-numbers input[value="0221 123456-14"]`)
	click(t, ctx, "#emp-submit")
	waitText(t, ctx, `#emp-form [data-field="email"]`, "Die E-Mail-Adresse ist ungültig.")
	if got := attr(t, ctx, "#emp-email", "aria-invalid"); got != "true" {
		t.Errorf("aria-invalid = %q", got)
	}
	setValue(t, ctx, "#emp-email", "tom.neu@muster.example")
	click(t, ctx, "#emp-submit")
	waitText(t, ctx, "#emp-created", "Tom Neu")
	click(t, ctx, "#emp-create-close")
	waitGone(t, ctx, "#emp-create")
	emp := empRow("tom.neu@muster.example")
	waitText(t, ctx, emp, "0221 123456-14")

	click(t, ctx, emp+` button.emp-lock`)
	click(t, ctx, "#confirm-lock-confirm") // "Sperren" asks first
	waitVisible(t, ctx, emp+`[data-locked="true"]`)
	waitText(t, ctx, "#emp-status", "Tom Neu wurde gesperrt.")
	waitText(t, ctx, emp+" .emp-status", "gesperrt")

	click(t, ctx, emp+` button.emp-prefs-btn`)
	waitVisible(t, ctx, "#emp-prefs[open] #pref-missed_call")
	click(t, ctx, "#pref-missed_call")
	click(t, ctx, "#pref-voicemail")
	click(t, ctx, "#emp-prefs-save")
	waitText(t, ctx, "#emp-prefs-saved", "Die Benachrichtigungen von Tom Neu wurden gespeichert.")
	click(t, ctx, "#emp-prefs-close")
	waitGone(t, ctx, "#emp-prefs")
	waitText(t, ctx, emp+" .emp-prefs", "Faxe, andere Ereignisse")

	click(t, ctx, emp+" .emp-routing-toggle")
	poll(t, ctx, `document.querySelector(`+fmt.Sprintf("%q", emp+" .emp-routing-toggle")+`).checked`, "the routing grant is on")
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("page is %d px wide at a 360 px viewport", w)
	}
	shot(t, ctx, "employees-mobile")

	reload(t, ctx)
	waitVisible(t, ctx, emp+`[data-locked="true"]`)
	waitText(t, ctx, emp, "0221 123456-14")
	waitText(t, ctx, emp+" .emp-prefs", "Faxe, andere Ereignisse")
	if !eval[bool](t, ctx, `document.querySelector(`+fmt.Sprintf("%q", emp+" .emp-routing-toggle")+`).checked`) {
		t.Error("the routing grant is lost after a reload")
	}
	// English: the page follows the language switch.
	click(t, ctx, "#lang-en")
	waitText(t, ctx, "#emp-new", "Create employee")
	waitText(t, ctx, emp+" .emp-status", "locked")
	click(t, ctx, "#lang-de")
	waitText(t, ctx, "#emp-new", "Neuen Mitarbeiter anlegen")

	// the employee holds the number in the overview too
	open(t, ctx, p.URL+"/")
	waitText(t, ctx, row("0221 123456-14"), "Tom Neu")

	viewport(t, ctx, 1280, 900)
	open(t, ctx, p.URL+"/mitarbeiter")
	waitVisible(t, ctx, emp)
	shot(t, ctx, "employees")
}

// TestEventLog takes actions and finds them in the event log, filtered by
// type and by number.
func TestEventLog(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	open(t, ctx, p.URL+"/mitarbeiter?demo=reset")
	emp := empRow("erika.beispiel@muster.example")
	click(t, ctx, emp+" button.emp-lock")
	click(t, ctx, "#confirm-lock-confirm") // "Sperren" asks first
	waitVisible(t, ctx, emp+`[data-locked="true"]`)

	// a routing change of 0221 123456-14
	open(t, ctx, p.URL+"/")
	openEdit(t, ctx, "0221 123456-14")
	click(t, ctx, "#edit-add-office")
	// the office hours taken over from an Asterisk/FreePBX time group
	click(t, ctx, "#edit-rule-0 .spec-import summary")
	setValue(t, ctx, "#f-rules-0-condition-spec", "08:00-18:00,mon-fri,*,*,Europe/Berlin")
	click(t, ctx, "#f-rules-0-condition-spec-apply")
	waitText(t, ctx, `#edit-form [data-field="rules[0].condition.spec"]`, "Zeitzone")
	setValue(t, ctx, "#f-rules-0-condition-spec", "09:00-12:30,mon&wed,*,*")
	click(t, ctx, "#f-rules-0-condition-spec-apply")
	waitText(t, ctx, "#f-rules-0-summary", "Mo, Mi 09:00–12:31")
	click(t, ctx, "#edit-save")
	waitVisible(t, ctx, "#edit-saved")
	click(t, ctx, "#edit-done")
	waitGone(t, ctx, "#edit-dialog")

	click(t, ctx, `nav a[href="/protokoll"]`)
	waitVisible(t, ctx, "#log-table")
	shot(t, ctx, "event-log")
	first := text(t, ctx, "#log-table tbody tr")
	if !strings.Contains(first, "Routing geändert") || !strings.Contains(first, "0221 123456-14") || !strings.Contains(first, "Anna Admin") {
		t.Errorf("newest event = %q", first)
	}

	setValue(t, ctx, "#log-type", "staff")
	waitText(t, ctx, "#log-table tbody tr", "Mitarbeiter gesperrt")
	waitText(t, ctx, "#log-table tbody tr", "Erika Beispiel")
	if n := count(t, ctx, `#log-table tbody tr:not([data-type^="staff."])`); n != 0 {
		t.Errorf("%d rows that are not staff events under the staff filter", n)
	}

	setValue(t, ctx, "#log-type", "")
	setValue(t, ctx, "#log-number", "0221 123456-14")
	poll(t, ctx, `(() => { const rs = [...document.querySelectorAll("#log-table tbody tr")];
		return rs.length > 0 && rs.every(r => r.querySelector(".log-number").innerText === "0221 123456-14"); })()`,
		"only events of 0221 123456-14")
	waitText(t, ctx, "#log-table", "Routing geändert")
	waitText(t, ctx, "#log-table", "Rufnummer angelegt")
	setValue(t, ctx, "#log-type", "routing")
	poll(t, ctx, `document.querySelectorAll("#log-table tbody tr").length === 1`, "one routing event of 0221 123456-14")
	waitText(t, ctx, "#log-table tbody tr", "Regeln: 0 → 1")
	waitText(t, ctx, "#log-count", "1 Ereignis")

	// Nothing of another number.
	setValue(t, ctx, "#log-number", "0221 123456-13")
	waitVisible(t, ctx, "#log-empty")

	// From the edit dialog's confirmation to the log of the number.
	open(t, ctx, p.URL+"/")
	openEdit(t, ctx, "0221 123456-14")
	setValue(t, ctx, "#f-base-kind", "ringing_tone")
	click(t, ctx, "#edit-save")
	click(t, ctx, "#edit-log-link")
	waitVisible(t, ctx, "#log-table")
	if got := eval[string](t, ctx, `document.querySelector("#log-number").value`); got != "0221 123456-14" {
		t.Errorf("number filter from the link = %q", got)
	}
	poll(t, ctx, `(() => { const rs = [...document.querySelectorAll("#log-table tbody tr")];
		return rs.length >= 3 && rs.every(r => r.querySelector(".log-number").innerText === "0221 123456-14"); })()`,
		"the log of 0221 123456-14 with both routing changes")
	waitText(t, ctx, "#log-table tbody tr", "Regeln: 1 → 1")

	// The log is kept after a reload.
	reload(t, ctx)
	waitVisible(t, ctx, "#log-table")
	click(t, ctx, "#log-reset")
	setValue(t, ctx, "#log-type", "staff")
	waitText(t, ctx, "#log-table tbody tr", "Mitarbeiter gesperrt")
}

// TestEmployeesByRole acts as a manager and as an employee: a manager
// creates and locks employees but grants no routing edits; an employee sees
// only itself and switches off its own notifications.
func TestEmployeesByRole(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	open(t, ctx, p.URL+"/mitarbeiter?demo=reset")
	waitVisible(t, ctx, "#emp-table")

	selectByText(t, ctx, "#actor-switch", "Jana Schmidt (Manager)")
	poll(t, ctx, `document.querySelectorAll("#emp-table .emp-routing-toggle").length === 0`, "a manager grants no routing edits")
	waitVisible(t, ctx, "#emp-new")
	if !exists(t, ctx, empRow("erika.beispiel@muster.example")+" button.emp-lock") || exists(t, ctx, empRow("admin@muster.example")+" button.emp-lock") {
		t.Error("a manager locks employees, never the owner")
	}
	// the manager unlocks Paul ("Entsperren") and locks him again
	paul := empRow("paul.gesperrt@muster.example")
	click(t, ctx, paul+` button.emp-lock[data-action="unlock"]`)
	waitVisible(t, ctx, paul+`[data-locked="false"]`)
	waitText(t, ctx, "#emp-status", "Paul Gesperrt wurde entsperrt.")
	click(t, ctx, paul+` button.emp-lock[data-action="lock"]`)
	click(t, ctx, "#confirm-lock-confirm") // "Sperren" asks first
	waitVisible(t, ctx, paul+`[data-locked="true"]`)

	selectByText(t, ctx, "#actor-switch", "Max Muster (Mitarbeiter)")
	poll(t, ctx, `document.querySelectorAll("#emp-table tbody tr").length === 1`, "an employee sees only itself")
	max := empRow("max.muster@muster.example")
	waitVisible(t, ctx, max)
	if exists(t, ctx, "#emp-new") || exists(t, ctx, "button.emp-lock") {
		t.Error("an employee gets create or lock")
	}
	click(t, ctx, max+" button.emp-prefs-btn")
	waitVisible(t, ctx, "#emp-prefs[open] #pref-fax")
	click(t, ctx, "#pref-fax")
	click(t, ctx, "#emp-prefs-save")
	waitVisible(t, ctx, "#emp-prefs-saved")
	click(t, ctx, "#emp-prefs-close")
	waitText(t, ctx, max+" .emp-prefs", "verpasste Anrufe, Sprachnachrichten, andere Ereignisse")

	// the event log is for owner and managers: the employee gets the SDK's
	// permission error, not a crash
	open(t, ctx, p.URL+"/protokoll")
	waitVisible(t, ctx, "#log-error")
	if exists(t, ctx, "#log-table") {
		t.Error("an employee sees the log")
	}
	// switching to the owner on the page loads the log
	selectByText(t, ctx, "#actor-switch", "Anna Admin")
	waitVisible(t, ctx, "#log-table")
	waitGone(t, ctx, "#log-error")
	// and back: the owner's log disappears
	selectByText(t, ctx, "#actor-switch", "Max Muster (Mitarbeiter)")
	waitVisible(t, ctx, "#log-error")
	waitGone(t, ctx, "#log-table")
}

// An employee edits the routing of its own numbers once the owner grants
// it, and nothing else: the pencil appears on its voice number only, the
// usage type is shown but fixed, and "Speichern" stores the routing.
func TestEmployeeRoutingGrant(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	open(t, ctx, p.URL+"/mitarbeiter?demo=reset")
	max := empRow("max.muster@muster.example")
	waitVisible(t, ctx, max+" .emp-routing-toggle")
	click(t, ctx, max+" .emp-routing-toggle")
	poll(t, ctx, `document.querySelector(`+fmt.Sprintf("%q", max+" .emp-routing-toggle")+`).checked`, "the routing grant is on")

	open(t, ctx, p.URL+"/")
	waitOverview(t, ctx, seedTotal)
	selectByText(t, ctx, "#actor-switch", "Max Muster (Mitarbeiter)")
	waitOverview(t, ctx, "2") // -10 (voice) and the shared fax -18
	if got := actions(t, ctx, "0221 123456-10"); len(got) != 1 || got[0] != "edit" {
		t.Errorf("actions of the employee's voice number = %v, want [edit]", got)
	}
	if got := actions(t, ctx, "0221 123456-18"); len(got) != 0 {
		t.Errorf("actions of the shared fax number = %v, want none", got)
	}
	click(t, ctx, action("0221 123456-10", "edit"))
	waitVisible(t, ctx, "#edit-dialog[open] #edit-usage-fixed")
	waitText(t, ctx, "#edit-usage-fixed", "Sprache")
	if exists(t, ctx, "#edit-usage") {
		t.Error("an employee may not change the usage type")
	}
	click(t, ctx, "#edit-save")
	waitText(t, ctx, "#edit-saved", "Die Einstellungen der Rufnummer 0221 123456-10 wurden gespeichert.")
}

// "Umschaltung": a rule switched off by hand sends the calls of its hours to
// the base rule in the live preview, and the switch is saved with the plan.
func TestEditOverride(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	const number = "0221 123456-10" // the plan "Bürozeiten" (rule buero)
	openEdit(t, ctx, number)
	waitVisible(t, ctx, "#edit-override-buero")
	if got := eval[string](t, ctx, `document.querySelector("#edit-override-buero").value`); got != "" {
		t.Fatalf("switch = %q, want the schedule", got)
	}
	// A Wednesday in January 2027, 10:00 CET: office hours.
	if out := previewAt(t, ctx, "2027-01-13", "10:00", "09:00 UTC"); !strings.Contains(out, "Bürozeiten") {
		t.Fatalf("Wed 10:00: the call goes to %q, want Bürozeiten", out)
	}
	setValue(t, ctx, "#edit-override-buero", "force_off/permanent")
	waitText(t, ctx, "#preview-outcome", "Basisregel")
	click(t, ctx, "#edit-save")
	waitText(t, ctx, "#edit-saved", "Die Einstellungen der Rufnummer 0221 123456-10 wurden gespeichert.")
	click(t, ctx, "#edit-done")
	waitGone(t, ctx, "#edit-dialog")

	reload(t, ctx)
	waitOverview(t, ctx, seedTotal)
	openEdit(t, ctx, number)
	waitVisible(t, ctx, "#edit-override-buero")
	if got := eval[string](t, ctx, `document.querySelector("#edit-override-buero").value`); got != "force_off/permanent" {
		t.Errorf("switch after a reload = %q", got)
	}
	// Back to the schedule.
	setValue(t, ctx, "#edit-override-buero", "")
	if out := previewAt(t, ctx, "2027-01-13", "10:01", "09:01 UTC"); !strings.Contains(out, "Bürozeiten") {
		t.Errorf("by schedule again: the call goes to %q", out)
	}
}

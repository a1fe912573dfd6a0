package wasm

import (
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// TestPagesRenderEveryState renders the pages and the edit dialog natively
// in their states (empty, loaded, with every condition kind, errors,
// confirmations, both languages): no state may panic.
func TestPagesRenderEveryState(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	plan := officePlan()
	plan.Rules = append(plan.Rules,
		routing.Rule{ID: "z", Name: "Zeitraum", Priority: 3, Enabled: false,
			Condition: routing.Between(routing.DateTime{Date: routing.D(2026, 8, 1)}, routing.DateTime{Date: routing.D(2026, 8, 6)}),
			Targets:   []routing.Target{{Kind: routing.TargetRingGroup, Ref: "rg-empfang", RingSeconds: 17}}},
		routing.Rule{ID: "f", Name: "Feiertage", Priority: 4, Enabled: true, Condition: routing.OnHolidays("NW"),
			Targets: []routing.Target{{Kind: routing.TargetDevice, Ref: "unbekannt"}}},
		routing.Rule{ID: "a", Name: "Immer", Priority: 5, Enabled: true, Condition: routing.Always(),
			Filter: &routing.CallerFilter{Anonymous: true}, Targets: []routing.Target{{Kind: routing.TargetMailbox, Ref: "mb-zentrale"}}})
	n := &numbers.Number{ID: numberdesk.NewNumberID(), E164: "+4922112345614", Base: "+49221123456", Extension: "14",
		Status: numbers.StatusActive, UsageType: routing.UsageVoice}
	dialogs := []*EditDialog{
		{},
		{loaded: true, errs: NewFieldErrors(numberdesk.E(numberdesk.CodeNotFound, "op", "number", "Nicht gefunden."))},
		{loaded: true, n: n, usage: routing.UsageVoice, form: formFromPlan(plan), loc: loc, pvDate: "2026-07-15", pvTime: "17:59",
			errs: slotErrors(numberdesk.E(numberdesk.CodeInvalid, "op", "rules[2].condition.to", "x"))},
		{loaded: true, n: n, usage: routing.UsageVoice, form: formFromPlan(plan), loc: loc, pvDate: "kaputt", pvTime: "25:00", pvCaller: "abc"},
		{loaded: true, n: n, usage: routing.UsageConference, hasPlan: true, loc: loc},
		{loaded: true, n: n, usage: routing.UsageVoice, saved: true, loc: loc},
	}
	emp := &staff.Employee{ID: numberdesk.NewStaffID(), FirstName: "Tom", LastName: "Neu", Email: "tom@muster.example",
		Role: numberdesk.RoleEmployee, Preferences: staff.DefaultPreferences}
	owner := numberdesk.Actor{Role: numberdesk.RoleOwner}
	rows := employeeRows([]*staff.Employee{emp}, map[numberdesk.StaffID][]string{emp.ID: {"0221 123456-14"}})
	pages := []app.Composer{
		&EmployeesPage{},
		&EmployeesPage{actor: owner, emps: []*staff.Employee{emp}, rows: rows, free: []*numbers.Number{n}, dialog: empCreateID,
			formErr: NewFieldErrors(numberdesk.E(numberdesk.CodeInvalid, "op", "email", "x"), empFields...)},
		&EmployeesPage{actor: owner, rows: rows, dialog: empCreateID, created: "Tom Neu"},
		&EmployeesPage{actor: emp.Actor(), rows: rows, dialog: empPrefsID, prefsFor: emp},
		&EmployeesPage{actor: owner, rows: rows, dialog: empPrefsID, prefsFor: emp, prefsDone: true},
		&EventLogPage{},
		&EventLogPage{rows: []logRow{{Seq: 1, Label: "x"}}, shown: 0, err: "Fehler"},
	}
	for _, d := range dialogs {
		pages = append(pages, d)
	}
	old := pagesLangFn
	defer func() { pagesLangFn = old }()
	for _, lang := range []string{"de", "en"} {
		pagesLangFn = func() string { return lang }
		for i, c := range pages {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s: page %d (%T) panics: %v", lang, i, c, r)
					}
				}()
				if c.Render() == nil {
					t.Errorf("page %d renders nothing", i)
				}
			}()
		}
	}
}

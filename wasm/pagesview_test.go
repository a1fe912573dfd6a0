package wasm

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// pagesFixture is a tenant with an owner, numbers and services.
type pagesFixture struct {
	nums  *numbers.Service
	staff *staff.Service
	owner *staff.Employee
	block []*numbers.Number
}

func newPagesFixture(t *testing.T) *pagesFixture {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	clock := numberdesk.Clock(func() time.Time { return time.Date(2026, 7, 15, 10, 0, 0, 0, time.UTC) })
	nums, err := numbers.NewService(numbers.Config{Store: st, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ss := staff.NewService(staff.Config{Store: st, Numbers: nums, Clock: clock})
	_, owner, err := ss.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH", TimeZone: "Europe/Berlin",
		Owner: staff.Person{FirstName: "Anna", LastName: "Admin", Email: "admin@muster.example"}})
	if err != nil {
		t.Fatal(err)
	}
	block, err := nums.Provision(ctx, owner.Actor(), numbers.ProvisionRequest{Number: "0221 123456", ExtensionFrom: "10", ExtensionTo: "13"})
	if err != nil {
		t.Fatal(err)
	}
	return &pagesFixture{nums: nums, staff: ss, owner: owner, block: block}
}

func TestEmployeeFormCreatesWithNumbers(t *testing.T) {
	fx := newPagesFixture(t)
	ctx := context.Background()
	offered := assignable(fx.block)
	if len(offered) != 4 {
		t.Fatalf("assignable = %d", len(offered))
	}
	f := employeeForm{FirstName: " Tom ", LastName: "Neu", Email: "tom.neu@muster.example"}
	f.toggle(offered[2].ID)
	f.toggle(offered[0].ID)
	f.toggle(offered[1].ID)
	f.toggle(offered[1].ID) // off again
	req := f.request(offered)
	if len(req.Numbers) != 2 || req.Numbers[0] != offered[0].ID || req.FirstName != "Tom" {
		t.Fatalf("request = %+v", req)
	}
	e, err := fx.staff.Create(ctx, fx.owner.Actor(), req)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := fx.nums.Overview(ctx, fx.owner.Actor(), numbers.Query{})
	held := heldNumbers(p.Numbers)
	rows := employeeRows([]*staff.Employee{e}, held)
	if rows[0].Name != "Tom Neu" || strings.Join(rows[0].Numbers, ";") != "0221 123456-10;0221 123456-12" || rows[0].Prefs != "alle" || rows[0].Status != "aktiv" {
		t.Fatalf("row = %+v", rows[0])
	}
	if len(assignable(p.Numbers)) != 2 {
		t.Fatal("assigned numbers are still offered")
	}

	// a bad e-mail is shown next to its field
	_, err = fx.staff.Create(ctx, fx.owner.Actor(), staff.CreateRequest{FirstName: "A", LastName: "B", Email: "kaputt"})
	if staffSlot(numberdesk.ErrorField(err)) != "email" || numberdesk.ErrorMessage(err) != "Die E-Mail-Adresse ist ungültig." {
		t.Fatalf("err = %v", err)
	}
	for in, want := range map[string]string{"numbers[0]": "numbers", "first_name": "first_name", "employee": "", "": ""} {
		if got := staffSlot(in); got != want {
			t.Errorf("staffSlot(%q) = %q", in, got)
		}
	}

	// preferences
	prefs := e.Preferences
	prefCategories[0].Set(&prefs, false)
	prefCategories[2].Set(&prefs, false)
	if got := prefsSummary(prefs); got != "Faxe, andere Ereignisse" {
		t.Fatal(got)
	}
	if got := prefsSummary(staff.Preferences{}); got != "keine" {
		t.Fatal(got)
	}
}

func TestEventLogRowsAndFilter(t *testing.T) {
	fx := newPagesFixture(t)
	ctx := context.Background()
	a := fx.owner.Actor()
	e, err := fx.staff.Create(ctx, a, staff.CreateRequest{FirstName: "Tom", LastName: "Neu", Email: "tom@muster.example", Numbers: []numberdesk.NumberID{fx.block[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.staff.SetLocked(ctx, a, e.ID, true); err != nil {
		t.Fatal(err)
	}
	q, err := fx.nums.Quote(ctx, a, []numberdesk.NumberID{fx.block[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.nums.Activate(ctx, a, numbers.ActivateRequest{QuoteToken: q.Token}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.nums.SaveRouting(ctx, a, numbers.SaveRoutingRequest{Number: fx.block[1].ID, Plan: routing.Plan{
		Base: routing.BaseRule{Kind: routing.BaseRingingTone},
		Rules: []routing.Rule{{ID: "r", Name: "Immer", Priority: 1, Enabled: true, Condition: routing.Always(),
			Targets: []routing.Target{{Kind: routing.TargetExternal, Ref: "+491712345678"}}}}}}); err != nil {
		t.Fatal(err)
	}
	evs, err := fx.nums.Events(ctx, a, numberdesk.EventFilter{Desc: true})
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	names := staffNames(func(id numberdesk.StaffID) string {
		if id == fx.owner.ID {
			return "Anna Admin"
		}
		return ""
	})
	all := logRows(evs, logFilter{}, loc, names)
	if len(all) != len(evs) {
		t.Fatal("unfiltered rows lost events")
	}
	first := all[0]
	if first.Label != "Routing geändert" || first.Number != "0221 123456-11" || first.Summary != "Regeln: 0 → 1" || first.Actor != "Anna Admin" {
		t.Fatalf("newest = %+v", first)
	}
	if first.At != "15.07.2026 12:00" {
		t.Fatalf("at = %q (Berlin time)", first.At)
	}
	act := logRows(evs, logFilter{Type: "activation"}, loc, names)
	if len(act) != 1 || act[0].Summary != "neu → aktiv · Zustimmung: „Rufnummern jetzt kostenpflichtig aktivieren“" {
		t.Fatalf("activation rows = %+v", act)
	}
	byNumber := logRows(evs, logFilter{Number: "0221 123456-10"}, loc, names)
	if len(byNumber) == 0 {
		t.Fatal("no events of -10")
	}
	for _, r := range byNumber {
		if r.Number != "0221 123456-10" {
			t.Fatalf("number filter let through %+v", r)
		}
	}
	staffRows := logRows(evs, logFilter{Type: "staff"}, loc, names)
	if len(staffRows) != 3 || staffRows[0].Label != "Mitarbeiter gesperrt" || !strings.HasPrefix(staffRows[0].Summary, "Tom Neu (tom@muster.example)") {
		t.Fatalf("staff rows = %+v", staffRows)
	}
	assigned := logRows(evs, logFilter{Type: "assignment"}, loc, func(id numberdesk.StaffID) string {
		if id == e.ID {
			return "Tom Neu"
		}
		return ""
	})
	if len(assigned) != 1 || assigned[0].Summary != "– → Tom Neu" {
		t.Fatalf("assigned = %+v", assigned)
	}
	if len(logRows(evs, logFilter{Number: "0999"}, loc, names)) != 0 {
		t.Fatal("unknown number matched")
	}
	if got := eventLabel("efax.something_new"); got != "efax.something_new" {
		t.Fatal(got)
	}
}

// TestPagesTextsComplete checks that every literal key the pages pass to pt
// is in the catalog with a German and an English text.
func TestPagesTextsComplete(t *testing.T) {
	re := regexp.MustCompile(`pt\("([a-z0-9_.]+)"[,)]`)
	files, _ := filepath.Glob("*.go")
	seen := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			if strings.HasSuffix(f, "_test.go") && m[1] == "no.such.key" {
				continue
			}
			seen++
			k := i18n.Key(pagesPrefix + m[1])
			if !i18n.Has(k) {
				t.Errorf("%s: text %q is not registered", f, m[1])
				continue
			}
			if i18n.In(i18n.EN, k) == i18n.In(i18n.DE, k) && i18n.In(i18n.DE, k) != "Routing" && i18n.In(i18n.DE, k) != "Name" && i18n.In(i18n.DE, k) != "Status" && i18n.In(i18n.DE, k) != "Details" && i18n.In(i18n.DE, k) != "System" && i18n.In(i18n.DE, k) != "Administrator" && i18n.In(i18n.DE, k) != "Mailbox" {
				t.Errorf("%s: text %q has no English", f, m[1])
			}
		}
	}
	if seen < 50 {
		t.Fatalf("only %d keys found; the pattern is broken", seen)
	}
	for _, o := range eventTypeOptions {
		if !i18n.Has(i18n.Key(pagesPrefix + o.Label)) {
			t.Errorf("filter %s has no text", o.Key)
		}
	}
	for _, u := range routing.UsageTypes {
		if pt("usage."+string(u)) == "usage."+string(u) {
			t.Errorf("usage type %s has no text", u)
		}
	}
}

func TestEmployeeRights(t *testing.T) {
	owner := numberdesk.Actor{Role: numberdesk.RoleOwner, Staff: "o"}
	manager := numberdesk.Actor{Role: numberdesk.RoleManager, Staff: "m"}
	emp := numberdesk.Actor{Role: numberdesk.RoleEmployee, Staff: "e"}
	rows := map[string]employeeRow{
		"o":  {ID: "o", Owner: true, role: numberdesk.RoleOwner},
		"m":  {ID: "m", role: numberdesk.RoleManager},
		"m2": {ID: "m2", role: numberdesk.RoleManager},
		"e":  {ID: "e", role: numberdesk.RoleEmployee},
		"e2": {ID: "e2", role: numberdesk.RoleEmployee},
	}
	type rights struct{ change, lock, grant bool }
	for _, c := range []struct {
		actor numberdesk.Actor
		row   string
		want  rights
	}{
		{owner, "o", rights{true, false, false}},
		{owner, "m", rights{true, true, true}},
		{owner, "e", rights{true, true, true}},
		{manager, "o", rights{false, false, false}},
		{manager, "m", rights{true, false, false}}, // itself: notifications only
		{manager, "m2", rights{false, false, false}},
		{manager, "e", rights{true, true, false}},
		{emp, "e", rights{true, false, false}},
		{emp, "e2", rights{false, false, false}},
	} {
		r := rows[c.row]
		got := rights{mayChange(c.actor, r), canLock(c.actor, r), canGrant(c.actor, r)}
		if got != c.want {
			t.Errorf("%s on %s: %+v, want %+v", c.actor.Role, c.row, got, c.want)
		}
	}
	if !canManage(manager) || canManage(emp) {
		t.Error("canManage")
	}
}

// TestEmployeeRightsAgreeWithSDK checks the page's rights against
// staff.Service on a real tenant: what the page offers succeeds, and what
// it leaves out fails.
func TestEmployeeRightsAgreeWithSDK(t *testing.T) {
	fx := newPagesFixture(t)
	ctx := context.Background()
	a := fx.owner.Actor()
	mgr, err := fx.staff.Create(ctx, a, staff.CreateRequest{FirstName: "M", LastName: "G", Email: "m@muster.example", Role: numberdesk.RoleManager})
	if err != nil {
		t.Fatal(err)
	}
	emp, err := fx.staff.Create(ctx, a, staff.CreateRequest{FirstName: "E", LastName: "M", Email: "e@muster.example"})
	if err != nil {
		t.Fatal(err)
	}
	all := []*staff.Employee{fx.owner, mgr, emp}
	for _, actor := range []numberdesk.Actor{a, mgr.Actor(), emp.Actor()} {
		for _, r := range employeeRows(all, nil) {
			_, lockErr := fx.staff.SetLocked(ctx, actor, r.ID, true)
			if lockErr == nil {
				_, _ = fx.staff.SetLocked(ctx, a, r.ID, false)
			}
			if (lockErr == nil) != canLock(actor, r) {
				t.Errorf("%s locks %s: SDK %v, page %v", actor.Role, r.Name, lockErr, canLock(actor, r))
			}
			_, grantErr := fx.staff.SetRoutingEdit(ctx, actor, r.ID, true)
			if (grantErr == nil) != canGrant(actor, r) {
				t.Errorf("%s grants %s: SDK %v, page %v", actor.Role, r.Name, grantErr, canGrant(actor, r))
			}
			_, prefErr := fx.staff.SetPreferences(ctx, actor, r.ID, staff.Preferences{Faxes: true})
			if (prefErr == nil) != mayChange(actor, r) {
				t.Errorf("%s sets notifications of %s: SDK %v, page %v", actor.Role, r.Name, prefErr, mayChange(actor, r))
			}
		}
	}
}

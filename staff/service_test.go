package staff_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

var bg = context.Background()

// fakeNumbers records what staff asks of the number inventory.
type fakeNumbers struct {
	assigned map[numberdesk.StaffID][]numberdesk.NumberID
	released map[numberdesk.StaffID]bool // purge flag
	fail     error
}

func (f *fakeNumbers) AssignNumbers(_ context.Context, _ numberdesk.Actor, e numberdesk.StaffID, ids []numberdesk.NumberID) error {
	if f.fail != nil {
		return f.fail
	}
	f.assigned[e] = append(f.assigned[e], ids...)
	return nil
}

func (f *fakeNumbers) ReleaseHolder(_ context.Context, _ numberdesk.Actor, e numberdesk.StaffID, purge bool) error {
	f.released[e] = purge
	return nil
}

type fixture struct {
	store *memstore.Store
	svc   *staff.Service
	nums  *fakeNumbers
	owner *staff.Employee
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New(), nums: &fakeNumbers{assigned: map[numberdesk.StaffID][]numberdesk.NumberID{}, released: map[numberdesk.StaffID]bool{}}}
	f.svc = staff.NewService(staff.Config{Store: f.store, Numbers: f.nums})
	_, owner, err := f.svc.CreateTenant(bg, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Anna", LastName: "Admin", Email: "IT@Muster.example"}})
	require.NoError(t, err)
	f.owner = owner
	return f
}

// otherOwner creates a second tenant in the fixture's store and returns its owner.
func (f *fixture) otherOwner(t *testing.T) *staff.Employee {
	t.Helper()
	_, owner, err := f.svc.CreateTenant(bg, staff.TenantRequest{Name: "Andere GmbH",
		Owner: staff.Person{FirstName: "Otto", LastName: "Andere", Email: "it@andere.example"}})
	require.NoError(t, err)
	return owner
}

func (f *fixture) create(t *testing.T, first, email string, role numberdesk.Role) *staff.Employee {
	t.Helper()
	e, err := f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{FirstName: first, LastName: "Muster", Email: email, Role: role})
	require.NoError(t, err)
	return e
}

func TestCreateTenantWithOwner(t *testing.T) {
	f := newFixture(t)
	require.Equal(t, numberdesk.RoleOwner, f.owner.Role)
	require.Equal(t, "it@muster.example", f.owner.Email, "e-mails are stored normalized")
	require.Equal(t, staff.DefaultPreferences, f.owner.Preferences)
	tn, err := f.store.FindTenantByID(bg, f.owner.Tenant)
	require.NoError(t, err)
	require.Equal(t, "Europe/Berlin", tn.TimeZone)
	evs, err := f.store.FindEvents(bg, f.owner.Tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.Equal(t, []numberdesk.EventType{staff.EventTenantCreated, staff.EventCreated}, []numberdesk.EventType{evs[0].Type, evs[1].Type})
}

func TestCreateWithNumbers(t *testing.T) {
	f := newFixture(t)
	ids := []numberdesk.NumberID{numberdesk.NewNumberID(), numberdesk.NewNumberID()}
	e, err := f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{
		FirstName: "Max", LastName: "Muster", Email: "max@muster.example", Numbers: ids})
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleEmployee, e.Role)
	require.Equal(t, ids, f.nums.assigned[e.ID])

	// If the assignment fails, the employee is not created either: one change.
	f.nums.fail = numberdesk.E(numberdesk.CodePrecondition, "numbers.Assign", "number", "inaktiv")
	_, err = f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{
		FirstName: "Eva", LastName: "Muster", Email: "eva@muster.example", Numbers: ids})
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
	_, total, err := f.store.FindEmployees(bg, f.owner.Tenant, staff.Filter{Email: "eva@muster.example"})
	require.NoError(t, err)
	require.Zero(t, total)
}

func TestOwnerRules(t *testing.T) {
	f := newFixture(t)
	manager := f.create(t, "Mia", "mia@muster.example", numberdesk.RoleManager)
	// The owner's e-mail can change; the owner cannot be demoted, locked or deleted.
	o, err := f.svc.Update(bg, f.owner.Actor(), f.owner.ID, staff.UpdateRequest{FirstName: "Anna", LastName: "Admin", Email: "admin@muster.example"})
	require.NoError(t, err)
	require.Equal(t, "admin@muster.example", o.Email)
	_, err = f.svc.Update(bg, f.owner.Actor(), f.owner.ID, staff.UpdateRequest{FirstName: "A", LastName: "B", Email: "admin@muster.example", Role: numberdesk.RoleManager})
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
	_, err = f.svc.Update(bg, f.owner.Actor(), manager.ID, staff.UpdateRequest{FirstName: "Mia", LastName: "Muster", Email: "mia@muster.example", Role: numberdesk.RoleOwner})
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err), "exactly one owner")
	_, err = f.svc.SetLocked(bg, manager.Actor(), f.owner.ID, true)
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
	_, err = f.svc.SetLocked(bg, f.owner.Actor(), f.owner.ID, true)
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
	err = f.svc.Delete(bg, f.owner.Actor(), f.owner.ID, false)
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
	// A manager cannot create managers.
	_, err = f.svc.Create(bg, manager.Actor(), staff.CreateRequest{FirstName: "X", LastName: "Y", Email: "x@muster.example", Role: numberdesk.RoleManager})
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
}

func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	emp := f.create(t, "Max", "max@muster.example", numberdesk.RoleEmployee)
	other := f.otherOwner(t)
	tests := []struct {
		name  string
		call  func() error
		code  numberdesk.Code
		field string
	}{
		{"InvalidEmail", func() error {
			_, err := f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{FirstName: "A", LastName: "B", Email: "not-an-email"})
			return err
		}, numberdesk.CodeInvalid, "email"},
		{"EmailWithName", func() error {
			_, err := f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{FirstName: "A", LastName: "B", Email: "Evil <e@x.example>"})
			return err
		}, numberdesk.CodeInvalid, "email"},
		{"EmailHeaderInjection", func() error {
			_, err := f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{FirstName: "A", LastName: "B", Email: "a@x.example\r\nBcc: b@x.example"})
			return err
		}, numberdesk.CodeInvalid, "email"},
		{"DuplicateEmailOtherCase", func() error {
			_, err := f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{FirstName: "A", LastName: "B", Email: "MAX@muster.example"})
			return err
		}, numberdesk.CodeConflict, "email"},
		{"MissingName", func() error {
			_, err := f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{LastName: "B", Email: "n@muster.example"})
			return err
		}, numberdesk.CodeInvalid, "first_name"},
		{"UnknownRole", func() error {
			_, err := f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{FirstName: "A", LastName: "B", Email: "r@muster.example", Role: "root"})
			return err
		}, numberdesk.CodeInvalid, "role"},
		{"EmployeeCreates", func() error {
			_, err := f.svc.Create(bg, emp.Actor(), staff.CreateRequest{FirstName: "A", LastName: "B", Email: "z@muster.example"})
			return err
		}, numberdesk.CodePermission, ""},
		{"EmployeeReadsOther", func() error { _, err := f.svc.Employee(bg, emp.Actor(), f.owner.ID); return err }, numberdesk.CodeNotFound, "employee"},
		{"OtherTenantReads", func() error { _, err := f.svc.Employee(bg, other.Actor(), emp.ID); return err }, numberdesk.CodeNotFound, "employee"},
		{"OtherTenantLocks", func() error { _, err := f.svc.SetLocked(bg, other.Actor(), emp.ID, true); return err }, numberdesk.CodeNotFound, "employee"},
		{"EmployeeChangesOthersPrefs", func() error {
			_, err := f.svc.SetPreferences(bg, emp.Actor(), f.owner.ID, staff.Preferences{})
			return err
		}, numberdesk.CodeNotFound, "employee"},
		{"DeleteUnknown", func() error { return f.svc.Delete(bg, f.owner.Actor(), numberdesk.NewStaffID(), false) }, numberdesk.CodeNotFound, "employee"},
		{"BadTimeZone", func() error {
			_, _, err := f.svc.CreateTenant(bg, staff.TenantRequest{Name: "X", TimeZone: "Mars/Olympus", Owner: staff.Person{FirstName: "A", LastName: "B", Email: "a@b.example"}})
			return err
		}, numberdesk.CodeInvalid, "time_zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _, err := f.store.FindEmployees(bg, f.owner.Tenant, staff.Filter{})
			require.NoError(t, err)
			evsBefore, err := f.store.FindEvents(bg, f.owner.Tenant, numberdesk.EventFilter{})
			require.NoError(t, err)
			err = tt.call()
			require.Equal(t, tt.code, numberdesk.ErrorCode(err), "%v", err)
			require.Equal(t, tt.field, numberdesk.ErrorField(err), "%v", err)
			after, _, err := f.store.FindEmployees(bg, f.owner.Tenant, staff.Filter{})
			require.NoError(t, err)
			evsAfter, err := f.store.FindEvents(bg, f.owner.Tenant, numberdesk.EventFilter{})
			require.NoError(t, err)
			require.Equal(t, before, after)
			require.Equal(t, evsBefore, evsAfter)
		})
	}
}

func TestPreferencesLockAndDelete(t *testing.T) {
	f := newFixture(t)
	emp := f.create(t, "Max", "max@muster.example", numberdesk.RoleEmployee)
	require.Equal(t, staff.DefaultPreferences, emp.Preferences, "all notifications on by default")
	p := staff.DefaultPreferences
	p.MissedCalls = false
	got, err := f.svc.SetPreferences(bg, emp.Actor(), emp.ID, p)
	require.NoError(t, err)
	require.False(t, got.Preferences.Wants(staff.CategoryMissedCall))
	require.True(t, got.Preferences.Wants(staff.CategoryFax))

	locked, err := f.svc.SetLocked(bg, f.owner.Actor(), emp.ID, true)
	require.NoError(t, err)
	require.True(t, locked.Locked)

	require.NoError(t, f.svc.Delete(bg, f.owner.Actor(), emp.ID, true))
	require.True(t, f.nums.released[emp.ID], "its numbers are released, with the caller's purge choice")
	_, err = f.svc.Employee(bg, f.owner.Actor(), emp.ID)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
}

func TestListSearchAndPaging(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"Bernd", "Clara", "Dora", "Emil"} {
		f.create(t, n, n+"@muster.example", numberdesk.RoleEmployee)
	}
	es, total, err := f.svc.List(bg, f.owner.Actor(), staff.Query{Search: "ra", Limit: 1})
	require.NoError(t, err)
	require.Equal(t, 2, total) // Clara, Dora
	require.Len(t, es, 1)
	_, total, err = f.svc.List(bg, f.owner.Actor(), staff.Query{})
	require.NoError(t, err)
	require.Equal(t, 5, total)
}

// 16 concurrent creates with one e-mail: exactly one employee.
func TestConcurrentCreateSameEmail(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 16 {
		wg.Go(func() {
			_, err := f.svc.Create(bg, f.owner.Actor(), staff.CreateRequest{FirstName: "A", LastName: "B", Email: "same@muster.example"})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
				return
			}
			require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err))
		})
	}
	wg.Wait()
	require.Equal(t, 1, ok)
}

func TestSetRoutingEdit(t *testing.T) {
	f := newFixture(t)
	emp := f.create(t, "Max", "max@muster.example", numberdesk.RoleEmployee)
	manager := f.create(t, "Mia", "mia@muster.example", numberdesk.RoleManager)
	require.False(t, emp.RoutingEdit, "no grant by default")
	events := func() []numberdesk.Event {
		t.Helper()
		evs, err := f.store.FindEvents(bg, f.owner.Tenant, numberdesk.EventFilter{})
		require.NoError(t, err)
		return evs
	}
	stored := func() *staff.Employee {
		t.Helper()
		e, err := f.store.FindEmployeeByID(bg, f.owner.Tenant, emp.ID)
		require.NoError(t, err)
		return e
	}

	// Only the owner grants; never on the owner itself.
	n := len(events())
	for _, a := range []numberdesk.Actor{manager.Actor(), emp.Actor(), numberdesk.System(f.owner.Tenant)} {
		_, err := f.svc.SetRoutingEdit(bg, a, emp.ID, true)
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
	}
	_, err := f.svc.SetRoutingEdit(bg, f.owner.Actor(), f.owner.ID, true)
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err), "%v", err)
	require.Equal(t, "employee", numberdesk.ErrorField(err))
	other := f.otherOwner(t)
	_, err = f.svc.SetRoutingEdit(bg, other.Actor(), emp.ID, true)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err), "%v", err)
	require.False(t, stored().RoutingEdit)
	require.Len(t, events(), n)

	got, err := f.svc.SetRoutingEdit(bg, f.owner.Actor(), emp.ID, true)
	require.NoError(t, err)
	require.True(t, got.RoutingEdit)
	require.True(t, stored().RoutingEdit)
	evs := events()
	require.Len(t, evs, n+1)
	last := evs[len(evs)-1]
	for _, e := range evs {
		if e.Seq > last.Seq {
			last = e
		}
	}
	require.Equal(t, staff.EventUpdated, last.Type)
	var d staff.EventData
	require.NoError(t, last.Decode(&d))
	require.Equal(t, emp.ID, d.Employee)
	require.False(t, d.Before.RoutingEdit)
	require.True(t, d.After.RoutingEdit)

	// Granting again changes nothing; revoking is one more event.
	_, err = f.svc.SetRoutingEdit(bg, f.owner.Actor(), emp.ID, true)
	require.NoError(t, err)
	require.Len(t, events(), n+1)
	got, err = f.svc.SetRoutingEdit(bg, f.owner.Actor(), emp.ID, false)
	require.NoError(t, err)
	require.False(t, got.RoutingEdit)
	require.False(t, stored().RoutingEdit)
	require.Len(t, events(), n+2)
}

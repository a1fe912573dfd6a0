package staff_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
)

// staffState is what a refused command must leave alone: the tenant's
// employees and events, and what was asked of the number inventory.
type staffState struct {
	employees []*staff.Employee
	events    []numberdesk.Event
	released  int
}

func (f *fixture) state(t *testing.T) staffState {
	t.Helper()
	es, _, err := f.store.FindEmployees(bg, f.owner.Tenant, staff.Filter{})
	require.NoError(t, err)
	evs, err := f.store.FindEvents(bg, f.owner.Tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	return staffState{employees: es, events: evs, released: len(f.nums.released)}
}

// stored returns the employee id as stored.
func (f *fixture) stored(t *testing.T, id numberdesk.StaffID) *staff.Employee {
	t.Helper()
	e, err := f.store.FindEmployeeByID(bg, f.owner.Tenant, id)
	require.NoError(t, err)
	return e
}

// requireRefused checks that err has code and field and that nothing changed
// since before.
func (f *fixture) requireRefused(t *testing.T, before staffState, err error, code numberdesk.Code, field string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, numberdesk.ErrorCode(err), "%v", err)
	require.Equal(t, field, numberdesk.ErrorField(err), "%v", err)
	require.NotEmpty(t, numberdesk.ErrorMessage(err))
	require.Equal(t, before, f.state(t), "a refused command changes nothing")
}

func update(e *staff.Employee, role numberdesk.Role) staff.UpdateRequest {
	return staff.UpdateRequest{FirstName: e.FirstName, LastName: e.LastName, Email: e.Email, Role: role}
}

// Only the owner changes roles, between manager and employee; the owner
// stays owner and nobody becomes one; a manager may not touch the owner or
// another manager at all, and may not change any role, its own included.
func TestRoleChangeGuards(t *testing.T) {
	f := newFixture(t)
	mia := f.create(t, "Mia", "mia@muster.example", numberdesk.RoleManager)
	max := f.create(t, "Max", "max@muster.example", numberdesk.RoleEmployee)
	tom := f.create(t, "Tom", "tom@muster.example", numberdesk.RoleManager)
	owner, manager := f.owner.Actor(), mia.Actor()

	refusals := []struct {
		name   string
		actor  numberdesk.Actor
		target *staff.Employee
		req    staff.UpdateRequest
		code   numberdesk.Code
		field  string
	}{
		{"OwnerDemotesItselfToManager", owner, f.owner, update(f.owner, numberdesk.RoleManager), numberdesk.CodePrecondition, "role"},
		{"OwnerDemotesItselfToEmployee", owner, f.owner, update(f.owner, numberdesk.RoleEmployee), numberdesk.CodePrecondition, "role"},
		{"OwnerMakesAManagerOwner", owner, mia, update(mia, numberdesk.RoleOwner), numberdesk.CodePrecondition, "role"},
		{"OwnerMakesAnEmployeeOwner", owner, max, update(max, numberdesk.RoleOwner), numberdesk.CodePrecondition, "role"},
		{"ManagerPromotesAnEmployee", manager, max, update(max, numberdesk.RoleManager), numberdesk.CodePermission, "role"},
		{"ManagerDemotesItself", manager, mia, update(mia, numberdesk.RoleEmployee), numberdesk.CodePermission, "role"},
		{"ManagerMakesAnEmployeeOwner", manager, max, update(max, numberdesk.RoleOwner), numberdesk.CodePrecondition, "role"},
		{"ManagerDemotesAnotherManager", manager, tom, update(tom, numberdesk.RoleEmployee), numberdesk.CodePermission, "employee"},
		{"ManagerRenamesAnotherManager", manager, tom, staff.UpdateRequest{FirstName: "Thomas", LastName: tom.LastName, Email: tom.Email}, numberdesk.CodePermission, "employee"},
		{"ManagerRenamesTheOwner", manager, f.owner, staff.UpdateRequest{FirstName: "Anne", LastName: f.owner.LastName, Email: f.owner.Email}, numberdesk.CodePermission, "employee"},
		{"ManagerDemotesTheOwner", manager, f.owner, update(f.owner, numberdesk.RoleEmployee), numberdesk.CodePermission, "employee"},
		{"EmployeeRenamesItself", max.Actor(), max, staff.UpdateRequest{FirstName: "Maximilian", LastName: max.LastName, Email: max.Email}, numberdesk.CodePermission, ""},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			before := f.state(t)
			_, err := f.svc.Update(bg, c.actor, c.target.ID, c.req)
			f.requireRefused(t, before, err, c.code, c.field)
		})
	}

	// What is allowed: a manager edits an employee and itself without
	// touching roles (an empty or unchanged role keeps it).
	got, err := f.svc.Update(bg, manager, max.ID, staff.UpdateRequest{FirstName: "Maximilian", LastName: "Muster", Email: max.Email})
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleEmployee, got.Role)
	require.Equal(t, "Maximilian", f.stored(t, max.ID).FirstName)
	got, err = f.svc.Update(bg, manager, mia.ID, update(mia, numberdesk.RoleManager))
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleManager, got.Role)
	got, err = f.svc.Update(bg, manager, mia.ID, staff.UpdateRequest{FirstName: "Maria", LastName: "Muster", Email: mia.Email})
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleManager, got.Role, "an empty role keeps the role")
	require.Equal(t, numberdesk.RoleManager, f.stored(t, mia.ID).Role)

	// The owner changes roles both ways, and an empty role keeps a
	// manager a manager.
	got, err = f.svc.Update(bg, owner, max.ID, update(f.stored(t, max.ID), numberdesk.RoleManager))
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleManager, got.Role)
	require.Equal(t, numberdesk.RoleManager, f.stored(t, max.ID).Role)
	got, err = f.svc.Update(bg, owner, tom.ID, staff.UpdateRequest{FirstName: "Thomas", LastName: "Muster", Email: tom.Email})
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleManager, got.Role, "an empty role keeps the role")
	got, err = f.svc.Update(bg, owner, tom.ID, update(f.stored(t, tom.ID), numberdesk.RoleEmployee))
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleEmployee, got.Role)
	require.Equal(t, numberdesk.RoleEmployee, f.stored(t, tom.ID).Role)
	evs, err := f.store.FindEvents(bg, f.owner.Tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{staff.EventUpdated}})
	require.NoError(t, err)
	var last staff.EventData
	require.NoError(t, evs[len(evs)-1].Decode(&last))
	require.Equal(t, numberdesk.RoleManager, last.Before.Role)
	require.Equal(t, numberdesk.RoleEmployee, last.After.Role)
	// The owner's own data, with its role given unchanged, is fine.
	got, err = f.svc.Update(bg, owner, f.owner.ID, staff.UpdateRequest{FirstName: "Anna", LastName: "Admin", Email: "chefin@muster.example", Role: numberdesk.RoleOwner})
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleOwner, got.Role)

	// A demoted manager acts as an employee from then on.
	_, err = f.svc.Update(bg, tom.Actor(), max.ID, update(max, ""))
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
}

// Delete: the owner can never be deleted, a manager deletes employees only,
// employees delete nobody; the owner deletes managers and employees. A
// refused delete changes nothing and releases no numbers; a successful one
// releases the employee's numbers with the caller's purge choice.
func TestDeleteGuards(t *testing.T) {
	f := newFixture(t)
	mia := f.create(t, "Mia", "mia@muster.example", numberdesk.RoleManager)
	tom := f.create(t, "Tom", "tom@muster.example", numberdesk.RoleManager)
	max := f.create(t, "Max", "max@muster.example", numberdesk.RoleEmployee)
	eva := f.create(t, "Eva", "eva@muster.example", numberdesk.RoleEmployee)
	owner, manager := f.owner.Actor(), mia.Actor()

	for _, c := range []struct {
		name   string
		actor  numberdesk.Actor
		target *staff.Employee
		code   numberdesk.Code
		field  string
	}{
		{"OwnerDeletesItself", owner, f.owner, numberdesk.CodePrecondition, "employee"},
		{"ManagerDeletesTheOwner", manager, f.owner, numberdesk.CodePrecondition, "employee"},
		{"ManagerDeletesAnotherManager", manager, tom, numberdesk.CodePermission, "employee"},
		{"ManagerDeletesItself", manager, mia, numberdesk.CodePermission, "employee"},
		{"EmployeeDeletesAnEmployee", max.Actor(), eva, numberdesk.CodePermission, ""},
		{"EmployeeDeletesItself", max.Actor(), max, numberdesk.CodePermission, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, purge := range []bool{false, true} {
				before := f.state(t)
				err := f.svc.Delete(bg, c.actor, c.target.ID, purge)
				f.requireRefused(t, before, err, c.code, c.field)
				require.NotContains(t, f.nums.released, c.target.ID, "a refused delete releases nothing")
				f.stored(t, c.target.ID)
			}
		})
	}

	// Another tenant's owner: not found, nothing happens.
	other := f.otherOwner(t)
	before := f.state(t)
	err := f.svc.Delete(bg, other.Actor(), max.ID, true)
	f.requireRefused(t, before, err, numberdesk.CodeNotFound, "employee")

	// A manager deletes an employee (keeping its records), the owner a
	// manager (purging them).
	require.NoError(t, f.svc.Delete(bg, manager, max.ID, false))
	require.Contains(t, f.nums.released, max.ID)
	require.False(t, f.nums.released[max.ID], "no purge")
	require.NoError(t, f.svc.Delete(bg, owner, tom.ID, true))
	require.True(t, f.nums.released[tom.ID], "purge")
	for _, id := range []numberdesk.StaffID{max.ID, tom.ID} {
		_, err := f.store.FindEmployeeByID(bg, f.owner.Tenant, id)
		require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
	}
	evs, err := f.store.FindEvents(bg, f.owner.Tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{staff.EventDeleted}})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	// The deleted manager acts no more.
	_, err = f.svc.Update(bg, tom.Actor(), eva.ID, update(eva, ""))
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))

	// Without the number inventory a delete cannot release the numbers:
	// refused, the employee stays.
	bare := staff.NewService(staff.Config{Store: f.store})
	before = f.state(t)
	err = bare.Delete(bg, owner, eva.ID, false)
	f.requireRefused(t, before, err, numberdesk.CodeInternal, "numbers")
}

// A manager may not lock the owner or another manager, nor itself; the
// owner locks managers.
func TestLockGuards(t *testing.T) {
	f := newFixture(t)
	mia := f.create(t, "Mia", "mia@muster.example", numberdesk.RoleManager)
	tom := f.create(t, "Tom", "tom@muster.example", numberdesk.RoleManager)
	max := f.create(t, "Max", "max@muster.example", numberdesk.RoleEmployee)
	for _, c := range []struct {
		name   string
		actor  numberdesk.Actor
		target *staff.Employee
		code   numberdesk.Code
		field  string
	}{
		{"ManagerLocksAnotherManager", mia.Actor(), tom, numberdesk.CodePermission, "employee"},
		{"ManagerLocksItself", mia.Actor(), mia, numberdesk.CodePrecondition, "employee"},
		{"OwnerLocksItself", f.owner.Actor(), f.owner, numberdesk.CodePrecondition, "employee"},
		{"EmployeeLocksAnEmployee", max.Actor(), max, numberdesk.CodePermission, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := f.state(t)
			_, err := f.svc.SetLocked(bg, c.actor, c.target.ID, true)
			f.requireRefused(t, before, err, c.code, c.field)
		})
	}
	e, err := f.svc.SetLocked(bg, mia.Actor(), max.ID, true)
	require.NoError(t, err)
	require.True(t, e.Locked)
	e, err = f.svc.SetLocked(bg, f.owner.Actor(), tom.ID, true)
	require.NoError(t, err)
	require.True(t, e.Locked)
	require.True(t, f.stored(t, tom.ID).Locked)
}

// failingFinder is a Finder whose store is down.
type failingFinder struct{}

func (failingFinder) FindEmployeeByID(context.Context, numberdesk.TenantID, numberdesk.StaffID) (*staff.Employee, error) {
	return nil, errors.New("connection refused")
}

// Verify accepts an actor only as stored: its employee exists in its tenant,
// is not locked and holds the claimed role; RoleSystem needs no employee.
// Service.Actor turns a stored employee into such an actor. Everything else
// is CodePermission on Field "actor"; a store that fails is CodeInternal,
// never a permission.
func TestVerifyAndActor(t *testing.T) {
	f := newFixture(t)
	mia := f.create(t, "Mia", "mia@muster.example", numberdesk.RoleManager)
	max := f.create(t, "Max", "max@muster.example", numberdesk.RoleEmployee)
	tenant := f.owner.Tenant
	other := f.otherOwner(t)

	for _, e := range []*staff.Employee{f.owner, mia, max} {
		require.NoError(t, staff.Verify(bg, f.store, "op", e.Actor()), "%s as stored", e.FirstName)
		a, err := f.svc.Actor(bg, tenant, e.ID)
		require.NoError(t, err)
		require.Equal(t, e.Actor(), a, "the actor of %s", e.FirstName)
	}
	require.NoError(t, staff.Verify(bg, f.store, "op", numberdesk.System(tenant)))
	require.NoError(t, staff.Verify(bg, failingFinder{}, "op", numberdesk.System(tenant)), "the system needs no employee")

	denied := func(t *testing.T, err error, msg string) {
		t.Helper()
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, "actor", numberdesk.ErrorField(err))
		require.Equal(t, msg, numberdesk.ErrorMessage(err))
	}
	for _, c := range []struct {
		name  string
		actor numberdesk.Actor
	}{
		{"EmployeeClaimsManager", numberdesk.Actor{Tenant: tenant, Staff: max.ID, Role: numberdesk.RoleManager}},
		{"EmployeeClaimsOwner", numberdesk.Actor{Tenant: tenant, Staff: max.ID, Role: numberdesk.RoleOwner}},
		{"ManagerClaimsOwner", numberdesk.Actor{Tenant: tenant, Staff: mia.ID, Role: numberdesk.RoleOwner}},
		{"OwnerClaimsEmployee", numberdesk.Actor{Tenant: tenant, Staff: f.owner.ID, Role: numberdesk.RoleEmployee}},
		{"Unknown", numberdesk.Actor{Tenant: tenant, Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleEmployee}},
		{"OtherTenantsOwner", numberdesk.Actor{Tenant: tenant, Staff: other.ID, Role: numberdesk.RoleOwner}},
	} {
		t.Run(c.name, func(t *testing.T) {
			denied(t, staff.Verify(bg, f.store, "op", c.actor), "Keine Berechtigung.")
		})
	}
	for _, c := range []struct {
		name   string
		tenant numberdesk.TenantID
		id     numberdesk.StaffID
	}{
		{"NoTenant", "", max.ID},
		{"NoEmployee", tenant, ""},
		{"Unknown", tenant, numberdesk.NewStaffID()},
		{"OtherTenant", tenant, other.ID},
	} {
		t.Run("Actor"+c.name, func(t *testing.T) {
			a, err := f.svc.Actor(bg, c.tenant, c.id)
			denied(t, err, "Keine Berechtigung.")
			require.Zero(t, a)
		})
	}

	// Locked: refused, saying so.
	_, err := f.svc.SetLocked(bg, f.owner.Actor(), max.ID, true)
	require.NoError(t, err)
	denied(t, staff.Verify(bg, f.store, "op", max.Actor()), "Ihr Zugang ist gesperrt.")
	a, err := f.svc.Actor(bg, tenant, max.ID)
	denied(t, err, "Ihr Zugang ist gesperrt.")
	require.Zero(t, a)

	// A store that fails is an internal error, not a refusal or a panic.
	err = staff.Verify(bg, failingFinder{}, "op", mia.Actor())
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "connection refused")
	err = staff.Authorize(bg, failingFinder{}, "op", mia.Actor(), numberdesk.RoleManager)
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err), "%v", err)
	// Authorize checks the claimed role first, without the store.
	err = staff.Authorize(bg, failingFinder{}, "op", mia.Actor(), numberdesk.RoleOwner)
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
}

// TestIfVersion: a change based on a version (staff.IfVersion) is refused,
// changing nothing, once the employee has changed since (CodeConflict,
// Field "version"); based on the stored version it runs and keeps the
// change made meanwhile. Every change method honours it.
func TestIfVersion(t *testing.T) {
	f := newFixture(t)
	max := f.create(t, "Max", "max@muster.example", numberdesk.RoleEmployee)
	owner := f.owner.Actor()
	rename := func(ctx context.Context) error {
		_, err := f.svc.Update(ctx, owner, max.ID, staff.UpdateRequest{FirstName: "Maximilian", LastName: "Muster", Email: max.Email})
		return err
	}
	changes := map[string]func(ctx context.Context) error{
		"Update": rename,
		"SetLocked": func(ctx context.Context) error {
			_, err := f.svc.SetLocked(ctx, owner, max.ID, true)
			return err
		},
		"SetRoutingEdit": func(ctx context.Context) error {
			_, err := f.svc.SetRoutingEdit(ctx, owner, max.ID, true)
			return err
		},
		"SetPreferences": func(ctx context.Context) error {
			_, err := f.svc.SetPreferences(ctx, owner, max.ID, staff.Preferences{Faxes: true})
			return err
		},
	}
	for name, change := range changes {
		read := f.stored(t, max.ID)
		_, err := f.svc.Update(bg, owner, max.ID, staff.UpdateRequest{FirstName: "Max" + name, LastName: "Muster", Email: max.Email})
		require.NoError(t, err, "a change meanwhile")
		before := f.state(t)
		f.requireRefused(t, before, change(staff.IfVersion(bg, read.Version)), numberdesk.CodeConflict, "version")
		cur := f.stored(t, max.ID)
		require.NoError(t, change(staff.IfVersion(bg, cur.Version)), name)
		want := "Max" + name // the change meanwhile, kept
		if name == "Update" {
			want = "Maximilian" // the change itself, based on it
		}
		require.Equal(t, want, f.stored(t, max.ID).FirstName, name)
	}
	require.NoError(t, rename(bg), "without IfVersion: whatever is stored")
}

// TestCreateTenantWithID: a tenant may be created under an ID of the
// caller's (the vendor's customer ID, a fixed demo tenant): the tenant,
// its owner and the event carry it; the same ID again is CodeConflict and
// an ID that is no UUID CodeInvalid, both changing nothing.
func TestCreateTenantWithID(t *testing.T) {
	f := newFixture(t)
	id := numberdesk.NewTenantID()
	req := staff.TenantRequest{ID: id, Name: "Kunde 4711", Owner: staff.Person{FirstName: "Karl", LastName: "Kunde", Email: "karl@kunde.example"}}
	tn, owner, err := f.svc.CreateTenant(bg, req)
	require.NoError(t, err)
	require.Equal(t, id, tn.ID)
	require.Equal(t, id, owner.Tenant)
	stored, err := f.store.FindTenantByID(bg, id)
	require.NoError(t, err)
	require.Equal(t, "Kunde 4711", stored.Name)
	evs, err := f.store.FindEvents(bg, id, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	for _, e := range evs {
		require.Equal(t, id, e.Tenant)
	}
	_, _, err = f.svc.CreateTenant(bg, req)
	require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err))
	evs2, err := f.store.FindEvents(bg, id, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.Len(t, evs2, len(evs), "the refused one changed nothing")
	req.ID = "kunde-4711"
	_, _, err = f.svc.CreateTenant(bg, req)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "id", numberdesk.ErrorField(err))
}

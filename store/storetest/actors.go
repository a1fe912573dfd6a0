package storetest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// testActors runs every service method on the store with actors that claim
// more than what is stored (DESIGN.md §11: the embedding application
// authenticates, the SDK authorizes): an employee claiming the owner role,
// a locked manager, a deleted manager, an owner role with a made-up staff
// ID, another tenant's owner claiming this tenant and the system naming an
// employee. Each is CodePermission and changes nothing; the same calls by
// the real owner succeed afterwards, so the refusals are the actor's doing.
func testActors(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := t.Context()
	st := newStore(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	nums, err := numbers.NewService(numbers.Config{Store: st, Clock: clock})
	require.NoError(t, err)
	people := staff.NewService(staff.Config{Store: st, Numbers: nums, Clock: clock})
	fax, err := efax.New(efax.Config{Store: st, Clock: clock, AllowWeakParams: true, SealKey: make([]byte, 32),
		Params: efax.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)

	tn, admin, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Geprüft GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@geprueft.example"}})
	require.NoError(t, err)
	owner, err := people.Actor(ctx, tn.ID, admin.ID)
	require.NoError(t, err)
	require.Equal(t, admin.Actor(), owner)
	_, adminB, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Andere GmbH",
		Owner: staff.Person{FirstName: "Otto", LastName: "Andere", Email: "otto@andere.example"}})
	require.NoError(t, err)
	hire := func(first string, role numberdesk.Role) *staff.Employee {
		e, err := people.Create(ctx, owner, staff.CreateRequest{FirstName: first, LastName: "Muster", Email: first + "@geprueft.example", Role: role})
		require.NoError(t, err)
		return e
	}
	emp, holder := hire("emil", numberdesk.RoleEmployee), hire("hanna", numberdesk.RoleEmployee)
	locked, gone := hire("lars", numberdesk.RoleManager), hire("greta", numberdesk.RoleManager)
	lockedActor, goneActor := locked.Actor(), gone.Actor()
	_, err = people.SetLocked(ctx, owner, locked.ID, true)
	require.NoError(t, err)
	require.NoError(t, people.Delete(ctx, owner, gone.ID, false))

	ns, err := nums.Provision(ctx, owner, numbers.ProvisionRequest{Number: "+49 221 777000", ExtensionFrom: "10", ExtensionTo: "17"})
	require.NoError(t, err)
	held, active, pending, swapOld, swapNew, fresh, faxNo, shared := ns[0], ns[1], ns[2], ns[3], ns[4], ns[5], ns[6], ns[7]
	q, err := nums.Quote(ctx, owner, []numberdesk.NumberID{held.ID, active.ID, pending.ID, swapOld.ID, faxNo.ID, shared.ID})
	require.NoError(t, err)
	_, err = nums.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	_, err = nums.Deactivate(ctx, owner, numbers.DeactivateRequest{Number: pending.ID})
	require.NoError(t, err)
	for _, n := range []*numbers.Number{held, faxNo} {
		_, err = nums.Assign(ctx, owner, numbers.AssignRequest{Number: n.ID, Employee: holder.ID})
		require.NoError(t, err)
	}
	_, err = nums.SetUsageType(ctx, owner, numbers.SetUsageTypeRequest{Number: faxNo.ID, UsageType: routing.UsageFaxPersonal})
	require.NoError(t, err)
	_, err = nums.SetUsageType(ctx, owner, numbers.SetUsageTypeRequest{Number: shared.ID, UsageType: routing.UsageFaxShared})
	require.NoError(t, err)
	quote, err := nums.Quote(ctx, owner, []numberdesk.NumberID{fresh.ID})
	require.NoError(t, err)

	// Every method, as the real owner would call it. The commands come
	// last, in an order in which each succeeds for the owner.
	calls := []struct {
		name string
		call func(a numberdesk.Actor) error
	}{
		{"numbers.Overview", func(a numberdesk.Actor) error { _, err := nums.Overview(ctx, a, numbers.Query{}); return err }},
		{"numbers.Number", func(a numberdesk.Actor) error { _, err := nums.Number(ctx, a, active.ID); return err }},
		{"numbers.History", func(a numberdesk.Actor) error { _, err := nums.History(ctx, a, active.ID); return err }},
		{"numbers.Events", func(a numberdesk.Actor) error {
			_, err := nums.Events(ctx, a, numberdesk.EventFilter{})
			return err
		}},
		{"numbers.Records", func(a numberdesk.Actor) error { _, _, err := nums.Records(ctx, a, numbers.RecordQuery{}); return err }},
		{"numbers.Holders", func(a numberdesk.Actor) error { _, err := nums.Holders(ctx, a, held.ID); return err }},
		{"numbers.PreviewDeactivation", func(a numberdesk.Actor) error { _, err := nums.PreviewDeactivation(ctx, a, active.ID); return err }},
		{"numbers.Quote", func(a numberdesk.Actor) error {
			_, err := nums.Quote(ctx, a, []numberdesk.NumberID{fresh.ID})
			return err
		}},
		{"numbers.Routing", func(a numberdesk.Actor) error { _, err := nums.Routing(ctx, a, active.ID); return err }},
		{"numbers.Blocklist", func(a numberdesk.Actor) error { _, err := nums.Blocklist(ctx, a); return err }},
		{"numbers.RouteCall", func(a numberdesk.Actor) error {
			_, err := nums.RouteCall(ctx, a, active.ID, routing.Call{From: "+4917112345678"}, now, routing.AllAnswer)
			return err
		}},
		{"staff.Employee", func(a numberdesk.Actor) error { _, err := people.Employee(ctx, a, emp.ID); return err }},
		{"staff.List", func(a numberdesk.Actor) error { _, _, err := people.List(ctx, a, staff.Query{}); return err }},
		{"efax.Recipients", func(a numberdesk.Actor) error { _, err := fax.Recipients(ctx, a, faxNo.ID); return err }},
		{"efax.Credentials", func(a numberdesk.Actor) error { _, err := fax.Credentials(ctx, a, faxNo.ID); return err }},
		{"efax.Reconcile", func(a numberdesk.Actor) error { _, err := fax.Reconcile(ctx, a); return err }},
		{"numbers.Provision", func(a numberdesk.Actor) error {
			_, err := nums.Provision(ctx, a, numbers.ProvisionRequest{Number: "+49 221 777099"})
			return err
		}},
		{"numbers.Activate", func(a numberdesk.Actor) error {
			_, err := nums.Activate(ctx, a, numbers.ActivateRequest{QuoteToken: quote.Token})
			return err
		}},
		{"numbers.Deactivate", func(a numberdesk.Actor) error {
			_, err := nums.Deactivate(ctx, a, numbers.DeactivateRequest{Number: active.ID})
			return err
		}},
		{"numbers.Withdraw", func(a numberdesk.Actor) error {
			_, err := nums.Withdraw(ctx, a, numbers.WithdrawRequest{Number: pending.ID})
			return err
		}},
		{"numbers.Swap", func(a numberdesk.Actor) error {
			_, err := nums.Swap(ctx, a, numbers.SwapRequest{Old: swapOld.ID, New: swapNew.ID})
			return err
		}},
		{"numbers.Assign", func(a numberdesk.Actor) error {
			_, err := nums.Assign(ctx, a, numbers.AssignRequest{Number: active.ID, Employee: emp.ID})
			return err
		}},
		{"numbers.Unassign", func(a numberdesk.Actor) error { _, err := nums.Unassign(ctx, a, active.ID, emp.ID, false); return err }},
		{"numbers.AddMember", func(a numberdesk.Actor) error { _, err := nums.AddMember(ctx, a, shared.ID, emp.ID); return err }},
		{"numbers.SetUsageType", func(a numberdesk.Actor) error {
			_, err := nums.SetUsageType(ctx, a, numbers.SetUsageTypeRequest{Number: held.ID, UsageType: routing.UsageConference})
			return err
		}},
		{"numbers.SaveRouting", func(a numberdesk.Actor) error {
			_, err := nums.SaveRouting(ctx, a, numbers.SaveRoutingRequest{Number: swapNew.ID, Plan: routing.DefaultPlan()})
			return err
		}},
		{"numbers.SaveBlocklist", func(a numberdesk.Actor) error {
			_, err := nums.SaveBlocklist(ctx, a, routing.Blocklist{}, 0)
			return err
		}},
		{"efax.Send", func(a numberdesk.Actor) error {
			_, err := fax.Send(ctx, a, efax.SendRequest{Number: faxNo.ID, Staff: []numberdesk.StaffID{holder.ID}})
			return err
		}},
		{"efax.Revoke", func(a numberdesk.Actor) error { return fax.Revoke(ctx, a, faxNo.ID, holder.ID) }},
		{"numbers.AssignNumbers", func(a numberdesk.Actor) error {
			return nums.AssignNumbers(ctx, a, emp.ID, []numberdesk.NumberID{swapNew.ID})
		}},
		{"numbers.ReleaseHolder", func(a numberdesk.Actor) error { return nums.ReleaseHolder(ctx, a, emp.ID, false) }},
		{"numbers.Feed", func(a numberdesk.Actor) error {
			_, err := nums.Feed(ctx, a, []numbers.RecordInput{{Number: "+49 221 77710", Kind: numbers.RecordCall, At: now}})
			return err
		}},
		{"numbers.ApplyDue", func(a numberdesk.Actor) error { _, err := nums.ApplyDue(ctx, a, now); return err }},
		{"staff.Create", func(a numberdesk.Actor) error {
			_, err := people.Create(ctx, a, staff.CreateRequest{FirstName: "Neu", LastName: "Muster", Email: "neu@geprueft.example"})
			return err
		}},
		{"staff.Update", func(a numberdesk.Actor) error {
			_, err := people.Update(ctx, a, emp.ID, staff.UpdateRequest{FirstName: "Emil", LastName: "Muster", Email: "emil@geprueft.example", Role: numberdesk.RoleManager})
			return err
		}},
		{"staff.SetRoutingEdit", func(a numberdesk.Actor) error { _, err := people.SetRoutingEdit(ctx, a, holder.ID, true); return err }},
		{"staff.SetPreferences", func(a numberdesk.Actor) error {
			_, err := people.SetPreferences(ctx, a, emp.ID, staff.Preferences{})
			return err
		}},
		{"staff.SetLocked", func(a numberdesk.Actor) error { _, err := people.SetLocked(ctx, a, locked.ID, false); return err }},
		{"staff.Delete", func(a numberdesk.Actor) error { return people.Delete(ctx, a, emp.ID, true) }},
	}

	forged := map[string]numberdesk.Actor{
		"EmployeeClaimingOwner":     {Tenant: tn.ID, Staff: emp.ID, Role: numberdesk.RoleOwner},
		"EmployeeClaimingManager":   {Tenant: tn.ID, Staff: emp.ID, Role: numberdesk.RoleManager},
		"LockedManager":             lockedActor,
		"LockedManagerAsOwner":      {Tenant: tn.ID, Staff: locked.ID, Role: numberdesk.RoleOwner},
		"DeletedManager":            goneActor,
		"OwnerRoleMadeUpStaff":      {Tenant: tn.ID, Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleOwner},
		"OtherTenantsOwnerHere":     {Tenant: tn.ID, Staff: adminB.ID, Role: numberdesk.RoleOwner},
		"OwnerInAnotherTenant":      {Tenant: adminB.Tenant, Staff: admin.ID, Role: numberdesk.RoleOwner},
		"SystemNamingTheOwner":      {Tenant: tn.ID, Staff: admin.ID, Role: numberdesk.RoleSystem},
		"OwnerRoleMalformedStaffID": {Tenant: tn.ID, Staff: "'; --", Role: numberdesk.RoleOwner},
	}
	before := stateOf(t, st, tn.ID)
	for name, a := range forged {
		for _, c := range calls {
			err := c.call(a)
			require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%s %s: %v", name, c.name, err)
			require.NotEmpty(t, numberdesk.ErrorMessage(err), "%s %s", name, c.name)
		}
	}
	require.Equal(t, before, stateOf(t, st, tn.ID), "a refused actor changed something")

	// An Actor obtained before a lock is refused after it.
	_, err = people.Actor(ctx, tn.ID, locked.ID)
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
	for _, id := range []numberdesk.StaffID{gone.ID, numberdesk.NewStaffID(), adminB.ID, "", "'; --"} {
		_, err = people.Actor(ctx, tn.ID, id)
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%q", id)
		require.Equal(t, "actor", numberdesk.ErrorField(err))
	}
	empActor, err := people.Actor(ctx, tn.ID, emp.ID)
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleEmployee, empActor.Role)

	// The real owner gets through every call: the refusals above were
	// the actor's doing, not the input's.
	for _, c := range calls {
		a := owner
		if c.name == "numbers.Feed" || c.name == "numbers.ApplyDue" { // the system's jobs
			a = numberdesk.System(tn.ID)
		}
		require.NoError(t, c.call(a), c.name)
	}
}

// actorState is what a refused command must leave as it was.
type actorState struct {
	Numbers   []*numbers.Number
	Events    int
	Employees []*staff.Employee
}

func stateOf(t *testing.T, st store.Store, tenant numberdesk.TenantID) actorState {
	t.Helper()
	ctx := context.Background()
	ns, _, err := st.FindNumbers(ctx, tenant, numbers.Filter{})
	require.NoError(t, err)
	evs, err := st.FindEvents(ctx, tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	es, _, err := st.FindEmployees(ctx, tenant, staff.Filter{})
	require.NoError(t, err)
	return actorState{Numbers: ns, Events: len(evs), Employees: es}
}

package numbers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// matrixFixture is one tenant with every role and a number in every state
// an operation needs, plus the owner of another tenant in the same store.
type matrixFixture struct {
	nums  *numbers.Service
	staff *staff.Service
	actor map[string]numberdesk.Actor

	holder, employee                           *staff.Employee
	held, active, pending, fresh, swapOld, fax *numbers.Number
	token                                      string
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	nums, err := numbers.NewService(numbers.Config{Store: st, Clock: func() time.Time { return now }})
	require.NoError(t, err)
	f := &matrixFixture{nums: nums}
	f.staff = staff.NewService(staff.Config{Store: st, Numbers: f.nums, Clock: func() time.Time { return now }})
	_, owner, err := f.staff.CreateTenant(ctx, staff.TenantRequest{Name: "A", Owner: staff.Person{FirstName: "O", LastName: "A", Email: "o@a.example"}})
	require.NoError(t, err)
	_, foreign, err := f.staff.CreateTenant(ctx, staff.TenantRequest{Name: "B", Owner: staff.Person{FirstName: "O", LastName: "B", Email: "o@b.example"}})
	require.NoError(t, err)
	o := owner.Actor()
	create := func(first string, role numberdesk.Role) *staff.Employee {
		e, err := f.staff.Create(ctx, o, staff.CreateRequest{FirstName: first, LastName: "A", Email: first + "@a.example", Role: role})
		require.NoError(t, err)
		return e
	}
	manager := create("mia", numberdesk.RoleManager)
	f.holder, f.employee = create("hans", numberdesk.RoleEmployee), create("emil", numberdesk.RoleEmployee)
	f.actor = map[string]numberdesk.Actor{
		"owner": o, "manager": manager.Actor(), "holder": f.holder.Actor(), "employee": f.employee.Actor(),
		"system": numberdesk.System(owner.Tenant), "foreign": foreign.Actor(),
	}
	ns, err := f.nums.Provision(ctx, o, numbers.ProvisionRequest{Number: "0221 123456", ExtensionFrom: "10", ExtensionTo: "16"})
	require.NoError(t, err)
	f.held, f.active, f.pending, f.swapOld, f.fax, f.fresh = ns[0], ns[1], ns[2], ns[3], ns[4], ns[5]
	q, err := f.nums.Quote(ctx, o, []numberdesk.NumberID{f.held.ID, f.active.ID, f.pending.ID, f.swapOld.ID, f.fax.ID})
	require.NoError(t, err)
	_, err = f.nums.Activate(ctx, o, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	_, err = f.nums.Assign(ctx, o, numbers.AssignRequest{Number: f.held.ID, Employee: f.holder.ID})
	require.NoError(t, err)
	_, err = f.nums.Deactivate(ctx, o, numbers.DeactivateRequest{Number: f.pending.ID})
	require.NoError(t, err)
	fax, err := st.FindNumberByID(ctx, owner.Tenant, f.fax.ID)
	require.NoError(t, err)
	fax.UsageType = routing.UsageFaxShared
	require.NoError(t, st.UpdateNumbers(ctx, fax))
	q, err = f.nums.Quote(ctx, o, []numberdesk.NumberID{ns[6].ID})
	require.NoError(t, err)
	f.token = q.Token
	return f
}

// TestPermissionMatrix calls every service method as every role: owner,
// manager, the employee holding the number, an employee not holding it, the
// system, and the owner of another tenant (who always gets not_found for
// this tenant's IDs). "" means allowed.
func TestPermissionMatrix(t *testing.T) {
	const (
		ok   = numberdesk.Code("")
		perm = numberdesk.CodePermission
		nf   = numberdesk.CodeNotFound
	)
	roles := []string{"owner", "manager", "holder", "employee", "system", "foreign"}
	ctx := context.Background()
	type op = func(f *matrixFixture, a numberdesk.Actor) error
	matrix := []struct {
		name string
		call op
		want [6]numberdesk.Code // in the order of roles
	}{
		{"numbers.Provision", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Provision(ctx, a, numbers.ProvisionRequest{Number: "030 555000"})
			return err
		}, [6]numberdesk.Code{ok, perm, perm, perm, ok, ok}},
		{"numbers.Overview", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Overview(ctx, a, numbers.Query{})
			return err
		}, [6]numberdesk.Code{ok, ok, ok, ok, ok, ok}},
		{"numbers.Number", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Number(ctx, a, f.held.ID)
			return err
		}, [6]numberdesk.Code{ok, ok, ok, nf, ok, nf}},
		{"numbers.History", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.History(ctx, a, f.held.ID)
			return err
		}, [6]numberdesk.Code{ok, ok, ok, nf, ok, nf}},
		{"numbers.Events", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Events(ctx, a, numberdesk.EventFilter{})
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, ok, ok}},
		{"numbers.Quote", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Quote(ctx, a, []numberdesk.NumberID{f.fresh.ID})
			return err
		}, [6]numberdesk.Code{ok, perm, perm, perm, perm, nf}},
		{"numbers.Activate", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Activate(ctx, a, numbers.ActivateRequest{QuoteToken: f.token})
			return err
		}, [6]numberdesk.Code{ok, perm, perm, perm, perm, nf}},
		{"numbers.PreviewDeactivation", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.PreviewDeactivation(ctx, a, f.active.ID)
			return err
		}, [6]numberdesk.Code{ok, perm, perm, perm, perm, nf}},
		{"numbers.Deactivate", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Deactivate(ctx, a, numbers.DeactivateRequest{Number: f.active.ID})
			return err
		}, [6]numberdesk.Code{ok, perm, perm, perm, perm, nf}},
		{"numbers.Withdraw", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Withdraw(ctx, a, numbers.WithdrawRequest{Number: f.pending.ID})
			return err
		}, [6]numberdesk.Code{ok, perm, perm, perm, perm, nf}},
		{"numbers.ApplyDue", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.ApplyDue(ctx, a, time.Time{}) // the Service's clock
			return err
		}, [6]numberdesk.Code{perm, perm, perm, perm, ok, perm}},
		{"numbers.Swap", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Swap(ctx, a, numbers.SwapRequest{Old: f.swapOld.ID, New: f.fresh.ID})
			return err
		}, [6]numberdesk.Code{ok, perm, perm, perm, perm, nf}},
		{"numbers.Assign", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Assign(ctx, a, numbers.AssignRequest{Number: f.active.ID, Employee: f.employee.ID})
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"numbers.AddMember", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.AddMember(ctx, a, f.fax.ID, f.employee.ID)
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"numbers.Unassign", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Unassign(ctx, a, f.held.ID, f.holder.ID, true)
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"numbers.Holders", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Holders(ctx, a, f.held.ID)
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"numbers.Feed", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Feed(ctx, a, []numbers.RecordInput{{Number: f.held.E164, Kind: numbers.RecordCall, At: time.Now()}})
			return err
		}, [6]numberdesk.Code{perm, perm, perm, perm, ok, perm}},
		{"numbers.Records", func(f *matrixFixture, a numberdesk.Actor) error {
			_, _, err := f.nums.Records(ctx, a, numbers.RecordQuery{Number: f.held.ID})
			return err
		}, [6]numberdesk.Code{ok, ok, ok, nf, ok, nf}},
		{"numbers.SetUsageType", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.SetUsageType(ctx, a, numbers.SetUsageTypeRequest{Number: f.active.ID, UsageType: routing.UsageConference})
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"numbers.Routing", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Routing(ctx, a, f.held.ID)
			return err
		}, [6]numberdesk.Code{ok, ok, ok, nf, ok, nf}},
		{"numbers.SaveRouting", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.SaveRouting(ctx, a, numbers.SaveRoutingRequest{Number: f.held.ID, Plan: officePlan()})
			return err
		}, [6]numberdesk.Code{ok, ok, perm, nf, perm, nf}}, // the holder only with the owner's grant
		{"numbers.SaveRouting/granted", func(f *matrixFixture, a numberdesk.Actor) error {
			// The owner grants both employees; only the holder may save.
			for _, e := range []*staff.Employee{f.holder, f.employee} {
				if _, err := f.staff.SetRoutingEdit(ctx, f.actor["owner"], e.ID, true); err != nil {
					return err
				}
			}
			_, err := f.nums.SaveRouting(ctx, a, numbers.SaveRoutingRequest{Number: f.held.ID, Plan: officePlan()})
			return err
		}, [6]numberdesk.Code{ok, ok, ok, nf, perm, nf}},
		{"numbers.Blocklist", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.Blocklist(ctx, a)
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, ok}},
		{"numbers.SaveBlocklist", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.SaveBlocklist(ctx, a, routing.Blocklist{Numbers: []string{"+4930*"}}, 0)
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, ok}},
		{"numbers.RouteCall", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.nums.RouteCall(ctx, a, f.held.ID, routing.Call{From: "+4930123456"}, time.Now(), nil)
			return err
		}, [6]numberdesk.Code{ok, ok, ok, nf, ok, nf}},
		{"staff.Create", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.staff.Create(ctx, a, staff.CreateRequest{FirstName: "N", LastName: "N", Email: "new@x.example"})
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, ok}},
		{"staff.Employee", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.staff.Employee(ctx, a, f.holder.ID)
			return err
		}, [6]numberdesk.Code{ok, ok, ok, nf, ok, nf}},
		{"staff.List", func(f *matrixFixture, a numberdesk.Actor) error {
			_, _, err := f.staff.List(ctx, a, staff.Query{})
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, ok, ok}},
		{"staff.Update", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.staff.Update(ctx, a, f.employee.ID, staff.UpdateRequest{FirstName: "E", LastName: "A", Email: "emil@a.example"})
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"staff.SetLocked", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.staff.SetLocked(ctx, a, f.employee.ID, true)
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"staff.SetRoutingEdit", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.staff.SetRoutingEdit(ctx, a, f.holder.ID, true)
			return err
		}, [6]numberdesk.Code{ok, perm, perm, perm, perm, nf}},
		{"staff.SetPreferences", func(f *matrixFixture, a numberdesk.Actor) error {
			_, err := f.staff.SetPreferences(ctx, a, f.holder.ID, staff.Preferences{})
			return err
		}, [6]numberdesk.Code{ok, ok, ok, nf, perm, nf}},
		{"staff.Delete", func(f *matrixFixture, a numberdesk.Actor) error {
			return f.staff.Delete(ctx, a, f.employee.ID, false)
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
	}
	for _, m := range matrix {
		for i, role := range roles {
			t.Run(m.name+"/"+role, func(t *testing.T) {
				t.Parallel()
				f := newMatrixFixture(t)
				err := m.call(f, f.actor[role])
				require.Equal(t, m.want[i], numberdesk.ErrorCode(err), "%v", err)
			})
		}
	}
}

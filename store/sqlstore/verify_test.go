package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// TestCommandsVerifyTheActorInTheirRead: without an idempotency key, the
// commands verify their actor with their first read of numbers
// (numbers.ActorReader), or before they commit. Whatever the command and
// whether its numbers exist, an Actor claiming the owner's role for an
// owner locked since it was issued, a manager, a deleted or unknown
// employee or another tenant's owner is CodePermission on field "actor",
// never not_found or a precondition, and nothing is written; the owner as
// stored succeeds.
func TestCommandsVerifyTheActorInTheirRead(t *testing.T) {
	backends(t, func(t *testing.T, _ sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		ctx := t.Context()
		s := newStore(t)
		nums, people, owner := newTenantServices(t, s)
		_, other, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "B", Owner: staff.Person{FirstName: "O", LastName: "B", Email: "o@b.example"}})
		require.NoError(t, err)
		o := owner.Actor()
		hans, err := people.Create(ctx, o, staff.CreateRequest{FirstName: "Hans", LastName: "A", Email: "hans@a.example", Role: numberdesk.RoleEmployee})
		require.NoError(t, err)

		missing := numberdesk.NewNumberID()
		blocks := 0
		// commands returns each command as *m runs it, on numbers in the
		// states it needs (or on a number that does not exist), in an order
		// in which each succeeds.
		commands := func(t *testing.T, m *numberdesk.Actor, exist bool) []command {
			blocks++
			ns, err := nums.Provision(ctx, o, numbers.ProvisionRequest{Number: fmt.Sprintf("0221 47%03d", blocks), ExtensionFrom: "0", ExtensionTo: "3"})
			require.NoError(t, err)
			active, pending, fresh, spare := ns[0], ns[1], ns[2], ns[3]
			q, err := nums.Quote(ctx, o, []numberdesk.NumberID{active.ID, pending.ID})
			require.NoError(t, err)
			_, err = nums.Activate(ctx, o, numbers.ActivateRequest{QuoteToken: q.Token})
			require.NoError(t, err)
			_, err = nums.Deactivate(ctx, o, numbers.DeactivateRequest{Number: pending.ID})
			require.NoError(t, err)
			quote, err := nums.Quote(ctx, o, []numberdesk.NumberID{fresh.ID})
			require.NoError(t, err)
			id := func(n *numbers.Number) numberdesk.NumberID {
				if exist {
					return n.ID
				}
				return missing
			}
			return []command{
				{"Assign", func() error {
					_, err := nums.Assign(ctx, *m, numbers.AssignRequest{Number: id(active), Employee: hans.ID})
					return err
				}},
				{"Activate", func() error {
					_, err := nums.Activate(ctx, *m, numbers.ActivateRequest{QuoteToken: quote.Token})
					return err
				}},
				{"Deactivate", func() error {
					_, err := nums.Deactivate(ctx, *m, numbers.DeactivateRequest{Number: id(active)})
					return err
				}},
				{"Withdraw", func() error {
					_, err := nums.Withdraw(ctx, *m, numbers.WithdrawRequest{Number: id(pending)})
					return err
				}},
				{"Swap", func() error {
					_, err := nums.Swap(ctx, *m, numbers.SwapRequest{Old: id(active), New: spare.ID})
					return err
				}},
			}
		}
		// Each case: an Actor claiming the owner's role, and how to undo
		// the change it needed.
		cases := map[string]func() (numberdesk.Actor, func()){
			"locked": func() (numberdesk.Actor, func()) {
				lock := func(locked bool) {
					e, err := s.FindEmployeeByID(ctx, o.Tenant, o.Staff)
					require.NoError(t, err)
					e.Locked = locked
					require.NoError(t, s.UpdateEmployee(ctx, e))
				}
				lock(true)
				return o, func() { lock(false) }
			},
			"demoted": func() (numberdesk.Actor, func()) {
				m, err := people.Create(ctx, o, staff.CreateRequest{FirstName: "Mia", LastName: "A", Email: fmt.Sprintf("mia%d@a.example", blocks), Role: numberdesk.RoleManager})
				require.NoError(t, err)
				return numberdesk.Actor{Tenant: o.Tenant, Staff: m.ID, Role: numberdesk.RoleOwner}, func() {}
			},
			"deleted": func() (numberdesk.Actor, func()) {
				m, err := people.Create(ctx, o, staff.CreateRequest{FirstName: "Mia", LastName: "A", Email: fmt.Sprintf("mia%d@a.example", blocks), Role: numberdesk.RoleManager})
				require.NoError(t, err)
				require.NoError(t, people.Delete(ctx, o, m.ID, false))
				return numberdesk.Actor{Tenant: o.Tenant, Staff: m.ID, Role: numberdesk.RoleOwner}, func() {}
			},
			"other tenant's": func() (numberdesk.Actor, func()) {
				return numberdesk.Actor{Tenant: o.Tenant, Staff: other.ID, Role: numberdesk.RoleOwner}, func() {}
			},
			"unknown": func() (numberdesk.Actor, func()) {
				return numberdesk.Actor{Tenant: o.Tenant, Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleOwner}, func() {}
			},
		}
		for name, change := range cases {
			for _, exist := range []bool{true, false} {
				var actor numberdesk.Actor
				cmds := commands(t, &actor, exist)
				var undo func()
				actor, undo = change()
				for _, c := range cmds {
					cmd, run := c.name, c.run
					events := eventCount(t, s, o.Tenant)
					err := run()
					require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%s as the %s owner, numbers exist %v: %v", cmd, name, exist, err)
					require.Equal(t, "actor", numberdesk.ErrorField(err), "%s as the %s owner, numbers exist %v: %v", cmd, name, exist, err)
					require.Equal(t, events, eventCount(t, s, o.Tenant), "%s as the %s owner: nothing written", cmd, name)
				}
				undo()
			}
		}
		for _, c := range commands(t, &o, true) {
			require.NoError(t, c.run(), "%s as the owner stored", c.name)
		}
		for _, c := range commands(t, &o, false) {
			if c.name != "Activate" { // its quote names numbers that exist
				require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(c.run()), "%s of a missing number", c.name)
			}
		}
	})
}

type command struct {
	name string
	run  func() error
}

// eventCount is how many events the tenant has.
func eventCount(t *testing.T, s *sqlstore.Store, tenant numberdesk.TenantID) int {
	t.Helper()
	evs, err := s.FindEvents(context.Background(), tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	return len(evs)
}

// newTenantServices returns the number and staff services on s, with a
// clock standing still, and the owner of a new tenant "A".
func newTenantServices(t *testing.T, s store.Store) (*numbers.Service, *staff.Service, *staff.Employee) {
	t.Helper()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	nums, err := numbers.NewService(numbers.Config{Store: s, Clock: clock})
	require.NoError(t, err)
	people := staff.NewService(staff.Config{Store: s, Numbers: nums, Clock: clock})
	_, owner, err := people.CreateTenant(t.Context(), staff.TenantRequest{Name: "A", Owner: staff.Person{FirstName: "O", LastName: "A", Email: "o@a.example"}})
	require.NoError(t, err)
	return nums, people, owner
}

// hookStore is a sqlstore that runs afterRead once, after the first read of
// numbers with the actor (numbers.ActorReader): what another request does
// between a command's read and its write.
type hookStore struct {
	*sqlstore.Store
	afterRead func()
}

func (s *hookStore) FindNumbersAs(ctx context.Context, actor numberdesk.Actor, ids []numberdesk.NumberID) ([]*numbers.Number, *staff.Standing, error) {
	ns, sd, err := s.Store.FindNumbersAs(ctx, actor, ids)
	if after := s.afterRead; after != nil {
		s.afterRead = nil
		after()
	}
	return ns, sd, err
}

// TestSwapVerifiesTheActorInItsWrite: on PostgreSQL a swap without an
// idempotency key runs without a transaction (numbers.SoloWriter), so its
// write verifies the actor once more, in its statement. An owner locked
// after the swap read the pair in good standing is refused there: CodePermission
// on field "actor" from numbers.Swap, and neither number nor the event log
// changes. Unlocked, the owner swaps.
func TestSwapVerifiesTheActorInItsWrite(t *testing.T) {
	postgresDSN(t)
	ctx := t.Context()
	s := &hookStore{Store: newPostgres(t)}
	require.True(t, s.SoloWrites())
	nums, _, owner := newTenantServices(t, s)
	o := owner.Actor()
	ns, err := nums.Provision(ctx, o, numbers.ProvisionRequest{Number: "0221 47000", ExtensionFrom: "0", ExtensionTo: "1"})
	require.NoError(t, err)
	relActivate(t, nums, o, "", ns[0].ID)
	state := func() ([]*numbers.Number, int) {
		got, _, err := s.FindNumbers(ctx, o.Tenant, numbers.Filter{})
		require.NoError(t, err)
		evs, err := s.FindEvents(ctx, o.Tenant, numberdesk.EventFilter{})
		require.NoError(t, err)
		return got, len(evs)
	}
	setLocked := func(locked bool) {
		e, err := s.FindEmployeeByID(ctx, o.Tenant, o.Staff)
		require.NoError(t, err)
		e.Locked = locked
		require.NoError(t, s.UpdateEmployee(ctx, e))
	}
	before, events := state()
	s.afterRead = func() { setLocked(true) }
	_, err = nums.Swap(ctx, o, numbers.SwapRequest{Old: ns[0].ID, New: ns[1].ID})
	var e *numberdesk.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, numberdesk.CodePermission, e.Code, "%v", err)
	require.Equal(t, "actor", e.Field)
	require.Equal(t, "numbers.Swap", e.Op)
	require.Nil(t, s.afterRead, "the swap read the pair")
	after, eventsAfter := state()
	require.Equal(t, before, after, "no number changed")
	require.Equal(t, events, eventsAfter, "no event appended")

	setLocked(false)
	res, err := nums.Swap(ctx, o, numbers.SwapRequest{Old: ns[0].ID, New: ns[1].ID})
	require.NoError(t, err)
	require.Equal(t, numbers.StatusActive, res.New.Status)
}

package numbers_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// soloStore is a memstore whose Write the Service may take for one
// statement (numbers.SoloWriter), as sqlstore's on PostgreSQL: it reads the
// actor's standing with the numbers by ID (numbers.ActorReader), counts the
// transactions the Service opens and, once, runs afterRead after a read by
// ID: what another request does between a command's read and its write.
type soloStore struct {
	*memstore.Store
	txs       atomic.Int64
	afterRead func()
}

func (s *soloStore) SoloWrites() bool { return true }

func (s *soloStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	s.txs.Add(1)
	return s.Store.InTx(ctx, fn)
}

func (s *soloStore) FindNumbersAs(ctx context.Context, actor numberdesk.Actor, ids []numberdesk.NumberID) ([]*numbers.Number, *staff.Standing, error) {
	ns, _, err := s.FindNumbers(ctx, actor.Tenant, numbers.Filter{IDs: ids})
	if err != nil || len(ns) == 0 {
		return ns, nil, err
	}
	sd := &staff.Standing{}
	e, err := s.FindEmployeeByID(ctx, actor.Tenant, actor.Staff)
	switch {
	case err == nil:
		sd = &staff.Standing{Found: true, Role: e.Role, Locked: e.Locked}
	case numberdesk.ErrorCode(err) != numberdesk.CodeNotFound:
		return nil, nil, err
	}
	if after := s.afterRead; after != nil {
		s.afterRead = nil
		after()
	}
	return ns, sd, nil
}

func newSoloFixture(t *testing.T) (*fixture, *soloStore) {
	var solo *soloStore
	f := newFixture(t, func(c *numbers.Config) {
		solo = &soloStore{Store: c.Store.(*memstore.Store)}
		c.Store = solo
	})
	return f, solo
}

// soloCommands are the commands that write once, each set up on a fresh
// fixture and run as the owner, with an idempotency key or without.
var soloCommands = map[string]func(t *testing.T, f *fixture) func(key string) error{
	"Activate": func(t *testing.T, f *fixture) func(string) error {
		ns := f.provision(t, "0221 123456", 2)
		q, err := f.svc.Quote(bg, f.owner, ids(ns))
		require.NoError(t, err)
		return func(key string) error {
			_, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token, IdempotencyKey: key})
			return err
		}
	},
	"Deactivate": func(t *testing.T, f *fixture) func(string) error {
		ns := f.provision(t, "0221 123456", 1)
		f.activate(t, ns...)
		return func(key string) error {
			_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[0].ID, IdempotencyKey: key})
			return err
		}
	},
	"Withdraw": func(t *testing.T, f *fixture) func(string) error {
		ns := f.provision(t, "0221 123456", 1)
		f.activate(t, ns...)
		_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[0].ID})
		require.NoError(t, err)
		return func(key string) error {
			_, err := f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: ns[0].ID, IdempotencyKey: key})
			return err
		}
	},
	"Swap": func(t *testing.T, f *fixture) func(string) error {
		ns := f.provision(t, "0221 123456", 2)
		f.activate(t, ns[0])
		return func(key string) error {
			_, err := f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: ns[0].ID, New: ns[1].ID, IdempotencyKey: key})
			return err
		}
	},
}

// On a SoloWriter, a command that writes once runs without a transaction
// when it has no idempotency key (its write is its transaction), and in one
// when it has (the key's record goes with the effect).
func TestSoloCommandsRunWithoutTransaction(t *testing.T) {
	for name, setup := range soloCommands {
		t.Run(name, func(t *testing.T) {
			for _, key := range []string{"", "key-1"} {
				f, solo := newSoloFixture(t)
				run := setup(t, f)
				_, before := f.snapshot(t)
				txs := solo.txs.Load()
				require.NoError(t, run(key))
				_, after := f.snapshot(t)
				require.Greater(t, len(after), len(before), "the command wrote its events")
				if key == "" {
					require.Equal(t, txs, solo.txs.Load(), "no transaction without a key")
				} else {
					require.Equal(t, txs+1, solo.txs.Load(), "one transaction with a key")
				}
			}
		})
	}
}

// The actor is verified in the command's transaction: without one, by its
// write. An actor locked, demoted or deleted between the command's read
// (which found it in good standing) and its write is refused with the
// command's CodePermission (Field "actor"), and nothing is written.
func TestSoloWriteVerifiesActor(t *testing.T) {
	changes := map[string]func(e *staff.Employee){
		"locked":  func(e *staff.Employee) { e.Locked = true },
		"demoted": func(e *staff.Employee) { e.Role = numberdesk.RoleEmployee },
		"deleted": nil,
	}
	for name, setup := range soloCommands {
		for change, fn := range changes {
			t.Run(name+"/"+change, func(t *testing.T) {
				f, solo := newSoloFixture(t)
				// A second owner, so that the first may be demoted or
				// deleted.
				f.member(t, f.tenant, "Otto", numberdesk.RoleOwner)
				run := setup(t, f)
				solo.afterRead = func() {
					if fn == nil {
						require.NoError(t, f.store.DeleteEmployee(bg, f.tenant, f.owner.Staff))
						return
					}
					e, err := f.store.FindEmployeeByID(bg, f.tenant, f.owner.Staff)
					require.NoError(t, err)
					fn(e)
					require.NoError(t, f.store.UpdateEmployee(bg, e))
				}
				ns, evs := f.snapshot(t)
				err := run("")
				var e *numberdesk.Error
				require.True(t, errors.As(err, &e), "%v", err)
				require.Equal(t, numberdesk.CodePermission, e.Code)
				require.Equal(t, "actor", e.Field)
				require.Equal(t, "numbers."+name, e.Op)
				require.Nil(t, solo.afterRead, "the command read its numbers")
				ns2, evs2 := f.snapshot(t)
				require.Equal(t, ns, ns2, "no number changed")
				require.Equal(t, evs, evs2, "no event appended")
			})
		}
	}
}

// A swap whose new number lapsed while held writes twice (the lapse, then
// the swap): on a SoloWriter it starts again in a transaction before its
// first write, and each happens once.
func TestSoloSwapOfLapsedNumberUsesTransaction(t *testing.T) {
	f, solo := newSoloFixture(t)
	ns := f.provision(t, "0221 123456", 2)
	f.activate(t, ns...)
	old, nw := ns[0], ns[1]
	f.assign(t, nw, f.employee(t, "ben"), false)
	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: nw.ID})
	require.NoError(t, err)
	f.advance(d.EffectiveAt.Sub(f.clock()) + time.Hour) // nw lapsed, not stored
	_, before := f.snapshot(t)
	txs := solo.txs.Load()
	_, err = f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: old.ID, New: nw.ID})
	require.NoError(t, err)
	require.Equal(t, txs+1, solo.txs.Load(), "the swap ran in a transaction")
	_, after := f.snapshot(t)
	types := map[numberdesk.EventType]int{}
	for _, ev := range after[len(before):] {
		types[ev.Type]++
	}
	require.Equal(t, map[numberdesk.EventType]int{
		numbers.EventDeactivated: 1, numbers.EventSwappedOut: 1, numbers.EventSwappedIn: 1,
	}, types)
	require.Equal(t, numbers.StatusActive, f.get(t, nw.ID).Status)
	require.Equal(t, numbers.StatusInactive, f.get(t, old.ID).Status)
}

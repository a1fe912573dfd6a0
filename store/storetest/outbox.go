package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/store"
)

func init() {
	isolationExempt["ClaimDeliveries"] = "serves the vendor's dispatcher across all tenants, never a tenant; " +
		"FinishDelivery and FindDeliveries, which tenants' code may reach, have cases"
	isolationCases["FindDeliveries"] = func(t *testing.T, fx *isoFixture) {
		ds, total, err := fx.s.FindDeliveries(t.Context(), fx.b.ID, notify.DeliveryFilter{})
		require.NoError(t, err)
		require.Equal(t, 1, total, "B sees only its own event's delivery")
		require.Len(t, ds, 1)
		for _, e := range fx.aEvents {
			require.NotEqual(t, e.ID, ds[0].Event)
		}
	}
	isolationCases["FinishDelivery"] = func(t *testing.T, fx *isoFixture) {
		before, _, err := fx.s.FindDeliveries(t.Context(), fx.a.ID, notify.DeliveryFilter{})
		require.NoError(t, err)
		finish := func(id numberdesk.EventID) error {
			return fx.s.FinishDelivery(t.Context(), notify.Finish{Tenant: fx.b.ID, Event: id, Worker: "w",
				State: notify.StateDelivered, Attempts: 1, At: t0})
		}
		random := finish(numberdesk.NewEventID())
		requireCode(t, random, numberdesk.CodeNotFound, "*")
		for _, e := range fx.aEvents {
			requireSameError(t, random, finish(e.ID))
		}
		after, _, err := fx.s.FindDeliveries(t.Context(), fx.a.ID, notify.DeliveryFilter{})
		require.NoError(t, err)
		require.Equal(t, before, after)
	}
}

// appendN appends n events of tenant and returns them (with Seq).
func appendN(t *testing.T, s store.Store, tenant numberdesk.TenantID, n int) []numberdesk.Event {
	t.Helper()
	evs := make([]numberdesk.Event, n)
	for i := range evs {
		evs[i] = newEvent(tenant, "", "test.event")
	}
	require.NoError(t, s.AppendEvents(t.Context(), evs...))
	return evs
}

func claimedIDs(cs []notify.Claim) []numberdesk.EventID {
	ids := make([]numberdesk.EventID, len(cs))
	for i, c := range cs {
		ids[i] = c.Event.ID
	}
	return ids
}

func deliveryOf(t *testing.T, s store.Store, e numberdesk.Event) notify.Delivery {
	t.Helper()
	ds, _, err := s.FindDeliveries(t.Context(), e.Tenant, notify.DeliveryFilter{})
	require.NoError(t, err)
	for _, d := range ds {
		if d.Event == e.ID {
			return d
		}
	}
	t.Fatalf("no delivery for event %s", e.ID)
	return notify.Delivery{}
}

// testOutbox: every appended event starts pending; claims lease the oldest
// due events to one worker at a time; outcomes are recorded and visible.
func testOutbox(t *testing.T, newStore func(t *testing.T) store.Store) {
	const lease = time.Minute
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"AppendedEventsArePending": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 3)
			ds, total, err := s.FindDeliveries(t.Context(), tn.ID, notify.DeliveryFilter{})
			require.NoError(t, err)
			require.Equal(t, 3, total)
			for i, d := range ds {
				require.Equal(t, evs[i].ID, d.Event)
				require.Equal(t, evs[i].Seq, d.Seq)
				require.Equal(t, tn.ID, d.Tenant)
				require.Equal(t, numberdesk.EventType("test.event"), d.Type)
				require.Equal(t, notify.StatePending, d.State)
				require.Zero(t, d.Attempts)
			}
		},
		"ClaimLeasesOldestFirstAcrossTenants": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			ea := appendN(t, s, a.ID, 2)
			eb := appendN(t, s, b.ID, 2)
			cs, err := s.ClaimDeliveries(t.Context(), "w1", t0, lease, 3)
			require.NoError(t, err)
			require.Equal(t, []numberdesk.EventID{ea[0].ID, ea[1].ID, eb[0].ID}, claimedIDs(cs))
			require.Equal(t, ea[0].Type, cs[0].Event.Type)
			require.JSONEq(t, string(ea[0].Data), string(cs[0].Event.Data))
			// Leased events are not claimed again before the lease runs out.
			cs, err = s.ClaimDeliveries(t.Context(), "w2", t0.Add(lease-time.Second), lease, 10)
			require.NoError(t, err)
			require.Equal(t, []numberdesk.EventID{eb[1].ID}, claimedIDs(cs))
			// After it, another worker takes them over.
			cs, err = s.ClaimDeliveries(t.Context(), "w2", t0.Add(2*lease), lease, 10)
			require.NoError(t, err)
			require.ElementsMatch(t, []numberdesk.EventID{ea[0].ID, ea[1].ID, eb[0].ID, eb[1].ID}, claimedIDs(cs))
			// The first worker has lost its lease.
			err = s.FinishDelivery(t.Context(), notify.Finish{Tenant: a.ID, Event: ea[0].ID, Worker: "w1", State: notify.StateDelivered, Attempts: 1, At: t0})
			requireCode(t, err, numberdesk.CodeConflict, "*")
		},
		"FinishDeliveredIsFinal": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 1)
			_, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 1)
			require.NoError(t, err)
			require.NoError(t, s.FinishDelivery(t.Context(), notify.Finish{Tenant: tn.ID, Event: evs[0].ID, Worker: "w",
				State: notify.StateDelivered, Attempts: 1, At: t0.Add(time.Second)}))
			d := deliveryOf(t, s, evs[0])
			require.Equal(t, notify.StateDelivered, d.State)
			require.Equal(t, 1, d.Attempts)
			require.True(t, d.DeliveredAt.Equal(t0.Add(time.Second)))
			cs, err := s.ClaimDeliveries(t.Context(), "w", t0.Add(time.Hour), lease, 10)
			require.NoError(t, err)
			require.Empty(t, cs, "a delivered event is never claimed again")
			err = s.FinishDelivery(t.Context(), notify.Finish{Tenant: tn.ID, Event: evs[0].ID, Worker: "w", State: notify.StateDelivered, Attempts: 2, At: t0})
			requireCode(t, err, numberdesk.CodeConflict, "*")
		},
		"RetryWaitsForNextAttempt": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 1)
			cs, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 1)
			require.NoError(t, err)
			require.Equal(t, 0, cs[0].Attempts)
			require.NoError(t, s.FinishDelivery(t.Context(), notify.Finish{Tenant: tn.ID, Event: evs[0].ID, Worker: "w",
				State: notify.StatePending, Attempts: 1, NextAttempt: t0.Add(time.Hour), Error: "451 try later", At: t0}))
			d := deliveryOf(t, s, evs[0])
			require.Equal(t, notify.StatePending, d.State)
			require.Equal(t, "451 try later", d.LastError)
			require.True(t, d.NextAttempt.Equal(t0.Add(time.Hour)))
			cs, err = s.ClaimDeliveries(t.Context(), "w", t0.Add(time.Hour-time.Second), lease, 1)
			require.NoError(t, err)
			require.Empty(t, cs)
			cs, err = s.ClaimDeliveries(t.Context(), "w", t0.Add(time.Hour), lease, 1)
			require.NoError(t, err)
			require.Len(t, cs, 1)
			require.Equal(t, 1, cs[0].Attempts)
		},
		"FailedIsVisible": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 3)
			_, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 3)
			require.NoError(t, err)
			require.NoError(t, s.FinishDelivery(t.Context(), notify.Finish{Tenant: tn.ID, Event: evs[1].ID, Worker: "w",
				State: notify.StateFailed, Attempts: 1, Error: "550 no such user", At: t0}))
			ds, total, err := s.FindDeliveries(t.Context(), tn.ID, notify.DeliveryFilter{States: []notify.State{notify.StateFailed}})
			require.NoError(t, err)
			require.Equal(t, 1, total)
			require.Equal(t, evs[1].ID, ds[0].Event)
			require.Equal(t, "550 no such user", ds[0].LastError)
			_, total, err = s.FindDeliveries(t.Context(), tn.ID, notify.DeliveryFilter{States: []notify.State{notify.StatePending}})
			require.NoError(t, err)
			require.Equal(t, 2, total)
		},
		"Paging": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 5)
			ds, total, err := s.FindDeliveries(t.Context(), tn.ID, notify.DeliveryFilter{Offset: 1, Limit: 2})
			require.NoError(t, err)
			require.Equal(t, 5, total)
			require.Equal(t, []numberdesk.EventID{evs[1].ID, evs[2].ID}, []numberdesk.EventID{ds[0].Event, ds[1].Event})
		},
		"RolledBackEventsAreNeverDelivered": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			boom := errors.New("boom")
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.AppendEvents(ctx, newEvent(tn.ID, "", "test.event")))
				return boom
			})
			require.ErrorIs(t, err, boom)
			cs, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 10)
			require.NoError(t, err)
			require.Empty(t, cs)
			// A finish rolled back restores the lease-free pending state.
			evs := appendN(t, s, tn.ID, 1)
			_, err = s.ClaimDeliveries(t.Context(), "w", t0, lease, 10)
			require.NoError(t, err)
			err = s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.FinishDelivery(ctx, notify.Finish{Tenant: tn.ID, Event: evs[0].ID, Worker: "w", State: notify.StateDelivered, Attempts: 1, At: t0}))
				return boom
			})
			require.ErrorIs(t, err, boom)
			require.Equal(t, notify.StatePending, deliveryOf(t, s, evs[0]).State)
		},
		"InvalidArguments": func(t *testing.T, s store.Store) {
			_, err := s.ClaimDeliveries(t.Context(), "", t0, lease, 1)
			requireCode(t, err, numberdesk.CodeInvalid, "*")
			_, err = s.ClaimDeliveries(t.Context(), "w", t0, lease, 0)
			requireCode(t, err, numberdesk.CodeInvalid, "*")
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 1)
			err = s.FinishDelivery(t.Context(), notify.Finish{Tenant: tn.ID, Event: evs[0].ID, Worker: "w", State: "lost"})
			requireCode(t, err, numberdesk.CodeInvalid, "*")
		},
		"ConcurrentClaimsNeverShare": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 100)
			// The workers only collect what they claimed; every check runs
			// after wg.Wait, on the test's goroutine and without a lock, so
			// that a store whose leases do not hold fails here at once
			// instead of blocking the other workers (a FailNow in a worker
			// would end it with the lock held). Each worker stops after as
			// many rounds as there are events (a correct store hands out at
			// least one per round until none is left), so that a store that
			// hands out leased events again ends too.
			workers := []string{"w1", "w2", "w3", "w4"}
			claimed := make([][]numberdesk.EventID, len(workers))
			errs := make([]error, len(workers))
			var wg sync.WaitGroup
			for i, w := range workers {
				wg.Go(func() {
					for range len(evs) + 1 {
						cs, err := s.ClaimDeliveries(context.Background(), w, t0, lease, 7)
						if err != nil {
							errs[i] = err
							return
						}
						if len(cs) == 0 {
							return
						}
						claimed[i] = append(claimed[i], claimedIDs(cs)...)
					}
					errs[i] = fmt.Errorf("worker %s still claims events after %d rounds", w, len(evs)+1)
				})
			}
			wg.Wait()
			for i, err := range errs {
				require.NoError(t, err, "worker %s", workers[i])
			}
			seen := map[numberdesk.EventID]string{}
			for i, w := range workers {
				for _, id := range claimed[i] {
					require.Empty(t, seen[id], "event %s claimed by %s and %s", id, seen[id], w)
					seen[id] = w
				}
			}
			require.Len(t, seen, len(evs))
			for _, id := range eventIDs(evs) {
				require.NotEmpty(t, seen[id])
			}
		},
	})
}

package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
		"FinishDeliveries and FindDeliveries, which tenants' code may reach, have cases"
	isolationCases["FindDeliveries"] = func(t *testing.T, fx *isoFixture) {
		ds, total, err := fx.s.FindDeliveries(t.Context(), fx.b.ID, notify.DeliveryFilter{})
		require.NoError(t, err)
		require.Equal(t, 1, total, "B sees only its own event's delivery")
		require.Len(t, ds, 1)
		for _, e := range fx.aEvents {
			require.NotEqual(t, e.ID, ds[0].Event)
		}
	}
	isolationCases["FinishDeliveries"] = func(t *testing.T, fx *isoFixture) {
		// A's events are leased to "w"; B's Finishes of them with that
		// worker are lost, exactly like an unknown event's, and A's leases
		// stay intact.
		cs, err := fx.s.ClaimDeliveries(t.Context(), "w", t0, time.Minute, 10)
		require.NoError(t, err)
		require.Len(t, cs, len(fx.aEvents)+1)
		before, _, err := fx.s.FindDeliveries(t.Context(), fx.a.ID, notify.DeliveryFilter{})
		require.NoError(t, err)
		fs := []notify.Finish{{Tenant: fx.b.ID, Event: numberdesk.NewEventID(), Worker: "w", State: notify.StateDelivered, Attempts: 1, At: t0}}
		for _, e := range fx.aEvents {
			fs = append(fs, notify.Finish{Tenant: fx.b.ID, Event: e.ID, Worker: "w", State: notify.StateDelivered, Attempts: 1, At: t0})
		}
		lost, err := fx.s.FinishDeliveries(t.Context(), fs)
		require.NoError(t, err)
		require.Equal(t, fs, lost, "A's events are as unknown to B as a random one")
		after, _, err := fx.s.FindDeliveries(t.Context(), fx.a.ID, notify.DeliveryFilter{})
		require.NoError(t, err)
		require.Equal(t, before, after)
		for i := range fs {
			fs[i].Tenant = fx.a.ID
		}
		lost, err = fx.s.FinishDeliveries(t.Context(), fs[1:])
		require.NoError(t, err)
		require.Nil(t, lost, "A's leases were intact")
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

// requireFinished records fs with one FinishDeliveries call and requires
// that none was lost.
func requireFinished(t *testing.T, s store.Store, fs ...notify.Finish) {
	t.Helper()
	lost, err := s.FinishDeliveries(t.Context(), fs)
	require.NoError(t, err)
	require.Nil(t, lost)
}

// finishAll records fs with one FinishDeliveries call and returns the lost.
func finishAll(t *testing.T, s store.Store, fs ...notify.Finish) []notify.Finish {
	t.Helper()
	lost, err := s.FinishDeliveries(t.Context(), fs)
	require.NoError(t, err)
	return lost
}

// delivered is the Finish of worker w that marks e delivered at t0.
func delivered(w string, e numberdesk.Event) notify.Finish {
	return notify.Finish{Tenant: e.Tenant, Event: e.ID, Worker: w, State: notify.StateDelivered, Attempts: 1, At: t0}
}

// allDeliveries returns the tenant's deliveries, by Seq.
func allDeliveries(t *testing.T, s store.Store, tenant numberdesk.TenantID) []notify.Delivery {
	t.Helper()
	ds, _, err := s.FindDeliveries(t.Context(), tenant, notify.DeliveryFilter{})
	require.NoError(t, err)
	return ds
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
			f := delivered("w1", ea[0])
			require.Equal(t, []notify.Finish{f}, finishAll(t, s, f))
		},
		"FinishDeliveredIsFinal": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 1)
			_, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 1)
			require.NoError(t, err)
			requireFinished(t, s, notify.Finish{Tenant: tn.ID, Event: evs[0].ID, Worker: "w",
				State: notify.StateDelivered, Attempts: 1, At: t0.Add(time.Second)})
			d := deliveryOf(t, s, evs[0])
			require.Equal(t, notify.StateDelivered, d.State)
			require.Equal(t, 1, d.Attempts)
			require.True(t, d.DeliveredAt.Equal(t0.Add(time.Second)))
			cs, err := s.ClaimDeliveries(t.Context(), "w", t0.Add(time.Hour), lease, 10)
			require.NoError(t, err)
			require.Empty(t, cs, "a delivered event is never claimed again")
			// Finishing it again is lost, and changes nothing.
			again := notify.Finish{Tenant: tn.ID, Event: evs[0].ID, Worker: "w", State: notify.StateFailed, Attempts: 2, Error: "again", At: t0}
			require.Equal(t, []notify.Finish{again}, finishAll(t, s, again))
			require.Equal(t, d, deliveryOf(t, s, evs[0]))
		},
		"RetryWaitsForNextAttempt": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 1)
			cs, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 1)
			require.NoError(t, err)
			require.Equal(t, 0, cs[0].Attempts)
			requireFinished(t, s, notify.Finish{Tenant: tn.ID, Event: evs[0].ID, Worker: "w",
				State: notify.StatePending, Attempts: 1, NextAttempt: t0.Add(time.Hour), Error: "451 try later", At: t0})
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
			requireFinished(t, s, notify.Finish{Tenant: tn.ID, Event: evs[1].ID, Worker: "w",
				State: notify.StateFailed, Attempts: 1, Error: "550 no such user", At: t0})
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
				lost, err := s.FinishDeliveries(ctx, []notify.Finish{delivered("w", evs[0])})
				require.NoError(t, err)
				require.Nil(t, lost)
				return boom
			})
			require.ErrorIs(t, err, boom)
			require.Equal(t, notify.StatePending, deliveryOf(t, s, evs[0]).State)
			requireFinished(t, s, delivered("w", evs[0])) // and the lease
		},
		"InvalidArguments": func(t *testing.T, s store.Store) {
			_, err := s.ClaimDeliveries(t.Context(), "", t0, lease, 1)
			requireCode(t, err, numberdesk.CodeInvalid, "*")
			_, err = s.ClaimDeliveries(t.Context(), "w", t0, lease, 0)
			requireCode(t, err, numberdesk.CodeInvalid, "*")
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 1)
			_, err = s.FinishDeliveries(t.Context(), []notify.Finish{{Tenant: tn.ID, Event: evs[0].ID, Worker: "w", State: "lost"}})
			requireCode(t, err, numberdesk.CodeInvalid, "state")
		},
		"FinishBatchStates": func(t *testing.T, s store.Store) {
			// One call records delivered, failed and pending-for-a-retry
			// outcomes, each as its Finish says.
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 4)
			cs, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 10)
			require.NoError(t, err)
			require.Len(t, cs, 4)
			at := t0.Add(time.Second)
			fs := []notify.Finish{
				{Tenant: tn.ID, Event: evs[0].ID, Worker: "w", State: notify.StateDelivered, Attempts: 1, At: at},
				{Tenant: tn.ID, Event: evs[1].ID, Worker: "w", State: notify.StateFailed, Attempts: 1, Error: "550 no such user", At: at},
				{Tenant: tn.ID, Event: evs[2].ID, Worker: "w", State: notify.StatePending, Attempts: 1, Error: "451 try later",
					NextAttempt: t0.Add(time.Hour), At: at},
				{Tenant: tn.ID, Event: evs[3].ID, Worker: "w", State: notify.StateDelivered, Attempts: 3, Error: "", At: at.Add(time.Second)},
			}
			requireFinished(t, s, fs...)
			ds := allDeliveries(t, s, tn.ID)
			require.Len(t, ds, 4)
			for i, d := range ds {
				require.Equal(t, evs[i].ID, d.Event)
				require.Equal(t, fs[i].State, d.State, "event %d", i)
				require.Equal(t, fs[i].Attempts, d.Attempts, "event %d", i)
				require.Equal(t, fs[i].Error, d.LastError, "event %d", i)
			}
			require.True(t, ds[0].DeliveredAt.Equal(at))
			require.True(t, ds[3].DeliveredAt.Equal(at.Add(time.Second)))
			require.True(t, ds[1].DeliveredAt.IsZero())
			require.True(t, ds[1].NextAttempt.IsZero())
			require.True(t, ds[2].NextAttempt.Equal(t0.Add(time.Hour)))
			require.True(t, ds[2].DeliveredAt.IsZero())
			// The leases ended: only the retry comes back, at its time.
			cs, err = s.ClaimDeliveries(t.Context(), "w2", t0.Add(time.Hour-time.Second), lease, 10)
			require.NoError(t, err)
			require.Empty(t, cs)
			cs, err = s.ClaimDeliveries(t.Context(), "w2", t0.Add(time.Hour), lease, 10)
			require.NoError(t, err)
			require.Equal(t, []numberdesk.EventID{evs[2].ID}, claimedIDs(cs))
			require.Equal(t, 1, cs[0].Attempts)
		},
		"FinishLeaseLostForOneOfSeveral": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 3)
			_, err := s.ClaimDeliveries(t.Context(), "w1", t0, lease, 10)
			require.NoError(t, err)
			// w1's leases run out; w2 takes over the oldest event.
			cs, err := s.ClaimDeliveries(t.Context(), "w2", t0.Add(2*lease), lease, 1)
			require.NoError(t, err)
			require.Equal(t, []numberdesk.EventID{evs[0].ID}, claimedIDs(cs))
			fs := []notify.Finish{delivered("w1", evs[0]), delivered("w1", evs[1]),
				{Tenant: tn.ID, Event: evs[2].ID, Worker: "w1", State: notify.StateFailed, Attempts: 1, Error: "550", At: t0}}
			lost := finishAll(t, s, fs...)
			require.Equal(t, []notify.Finish{fs[0]}, lost)
			// lost is a copy: changing it changes neither fs nor the store.
			lost[0].Error = "changed"
			require.Empty(t, fs[0].Error)
			ds := allDeliveries(t, s, tn.ID)
			require.Equal(t, []notify.State{notify.StatePending, notify.StateDelivered, notify.StateFailed},
				[]notify.State{ds[0].State, ds[1].State, ds[2].State})
			require.Zero(t, ds[0].Attempts)
			// The others' leases ended, w2's holds.
			cs, err = s.ClaimDeliveries(t.Context(), "w3", t0.Add(2*lease), lease, 10)
			require.NoError(t, err)
			require.Empty(t, cs)
			requireFinished(t, s, delivered("w2", evs[0]))
			require.Equal(t, notify.StateDelivered, deliveryOf(t, s, evs[0]).State)
		},
		"FinishAllLost": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 2)
			_, err := s.ClaimDeliveries(t.Context(), "w1", t0, lease, 10)
			require.NoError(t, err)
			cs, err := s.ClaimDeliveries(t.Context(), "w2", t0.Add(2*lease), lease, 10)
			require.NoError(t, err)
			require.Len(t, cs, 2)
			before := allDeliveries(t, s, tn.ID)
			fs := []notify.Finish{delivered("w1", evs[1]), delivered("w1", evs[0])}
			require.Equal(t, fs, finishAll(t, s, fs...), "all lost, in the order of the batch")
			require.Equal(t, before, allDeliveries(t, s, tn.ID))
			requireFinished(t, s, delivered("w2", evs[0]), delivered("w2", evs[1]))
		},
		"FinishUnknownOrUnclaimed": func(t *testing.T, s store.Store) {
			// An unknown event, one of another tenant, and one nobody
			// holds (also with no worker) are lost; the others in the batch
			// are recorded.
			a, b := newTenant(t, s), newTenant(t, s)
			ea := appendN(t, s, a.ID, 2)
			_, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 1)
			require.NoError(t, err)
			eb := appendN(t, s, b.ID, 1)
			unknown := notify.Finish{Tenant: a.ID, Event: numberdesk.NewEventID(), Worker: "w", State: notify.StateDelivered, Attempts: 1, At: t0}
			noTenant := notify.Finish{Tenant: numberdesk.NewTenantID(), Event: ea[0].ID, Worker: "w", State: notify.StateDelivered, Attempts: 1, At: t0}
			otherTenant := notify.Finish{Tenant: b.ID, Event: ea[0].ID, Worker: "w", State: notify.StateDelivered, Attempts: 1, At: t0}
			badIDs := notify.Finish{Tenant: "kein-mandant", Event: "kein-ereignis", Worker: "w", State: notify.StateDelivered, Attempts: 1, At: t0}
			unclaimed, unclaimedB := delivered("w", ea[1]), delivered("w", eb[0])
			fs := []notify.Finish{unknown, noTenant, otherTenant, badIDs, unclaimed, unclaimedB}
			lost := finishAll(t, s, unknown, noTenant, otherTenant, badIDs, delivered("w", ea[0]), unclaimed, unclaimedB)
			require.Equal(t, fs, lost)
			noWorker := delivered("", ea[1])
			require.Equal(t, []notify.Finish{noWorker}, finishAll(t, s, noWorker))
			require.Equal(t, []notify.State{notify.StateDelivered, notify.StatePending},
				[]notify.State{deliveryOf(t, s, ea[0]).State, deliveryOf(t, s, ea[1]).State})
			require.Equal(t, notify.StatePending, deliveryOf(t, s, eb[0]).State)
			require.Zero(t, deliveryOf(t, s, ea[1]).Attempts)
			// They can still be claimed.
			cs, err := s.ClaimDeliveries(t.Context(), "w2", t0, lease, 10)
			require.NoError(t, err)
			require.Equal(t, []numberdesk.EventID{ea[1].ID, eb[0].ID}, claimedIDs(cs))
		},
		"FinishSameIDInTwoTenants": func(t *testing.T, s store.Store) {
			// The same event ID in two tenants: two events, one batch.
			a, b := newTenant(t, s), newTenant(t, s)
			ea := newEvent(a.ID, "", "test.event")
			eb := newEvent(b.ID, "", "test.event")
			eb.ID = ea.ID
			require.NoError(t, s.AppendEvents(t.Context(), ea, eb))
			_, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 10)
			require.NoError(t, err)
			requireFinished(t, s, delivered("w", ea),
				notify.Finish{Tenant: b.ID, Event: eb.ID, Worker: "w", State: notify.StateFailed, Attempts: 1, Error: "550", At: t0})
			require.Equal(t, notify.StateDelivered, deliveryOf(t, s, ea).State)
			require.Equal(t, notify.StateFailed, deliveryOf(t, s, eb).State)
			require.Equal(t, "550", deliveryOf(t, s, eb).LastError)
		},
		"FinishEmptyBatch": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			appendN(t, s, tn.ID, 1)
			_, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 10)
			require.NoError(t, err)
			before := allDeliveries(t, s, tn.ID)
			for _, fs := range [][]notify.Finish{nil, {}} {
				lost, err := s.FinishDeliveries(t.Context(), fs)
				require.NoError(t, err)
				require.Nil(t, lost)
			}
			require.Equal(t, before, allDeliveries(t, s, tn.ID))
		},
		"FinishInvalidChangesNothing": func(t *testing.T, s store.Store) {
			// A bad State or an event twice anywhere in the batch refuses
			// the whole batch: the valid Finishes are not recorded either.
			tn := newTenant(t, s)
			evs := appendN(t, s, tn.ID, 3)
			_, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, 10)
			require.NoError(t, err)
			before := allDeliveries(t, s, tn.ID)
			bad := delivered("w", evs[2])
			bad.State = "lost"
			for name, tc := range map[string]struct {
				fs    []notify.Finish
				field string
			}{
				"bad state last":  {[]notify.Finish{delivered("w", evs[0]), delivered("w", evs[1]), bad}, "state"},
				"bad state first": {[]notify.Finish{bad, delivered("w", evs[0])}, "state"},
				"empty state":     {[]notify.Finish{delivered("w", evs[0]), {Tenant: tn.ID, Event: evs[1].ID, Worker: "w"}}, "state"},
				"event twice":     {[]notify.Finish{delivered("w", evs[0]), delivered("w", evs[1]), delivered("w", evs[0])}, "event"},
			} {
				lost, err := s.FinishDeliveries(t.Context(), tc.fs)
				requireCode(t, err, numberdesk.CodeInvalid, tc.field)
				require.Nil(t, lost, name)
				require.Equal(t, before, allDeliveries(t, s, tn.ID), name)
			}
			// The leases are intact.
			requireFinished(t, s, delivered("w", evs[0]), delivered("w", evs[1]), delivered("w", evs[2]))
		},
		"FinishLargeBatch": func(t *testing.T, s store.Store) {
			// More outcomes than one multi-row statement carries (see
			// sqlstore): all recorded, the lost ones reported wherever they
			// are, and a bad one at the very end refuses all.
			const n = 2500
			tn := newTenant(t, s)
			evs := make([]numberdesk.Event, 0, n)
			for len(evs) < n {
				evs = append(evs, appendN(t, s, tn.ID, 500)...)
			}
			cs, err := s.ClaimDeliveries(t.Context(), "w", t0, lease, n)
			require.NoError(t, err)
			require.Len(t, cs, n)
			fs := make([]notify.Finish, n)
			for i, e := range evs {
				fs[i] = delivered("w", e)
			}
			bad := slices.Clone(fs)
			bad[n-1].State = "lost"
			_, err = s.FinishDeliveries(t.Context(), bad)
			requireCode(t, err, numberdesk.CodeInvalid, "state")
			_, total, err := s.FindDeliveries(t.Context(), tn.ID, notify.DeliveryFilter{States: []notify.State{notify.StatePending}})
			require.NoError(t, err)
			require.Equal(t, n, total, "nothing recorded")
			var want []notify.Finish
			for _, i := range []int{3, 1200, 2400} {
				fs[i].Event = numberdesk.NewEventID()
				want = append(want, fs[i])
			}
			require.Equal(t, want, finishAll(t, s, fs...))
			_, total, err = s.FindDeliveries(t.Context(), tn.ID, notify.DeliveryFilter{States: []notify.State{notify.StateDelivered}})
			require.NoError(t, err)
			require.Equal(t, n-3, total)
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

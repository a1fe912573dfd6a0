package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
)

// isoFixture: tenant A with numbers, events and an idempotency record; tenant
// B, the attacker, with a number, an event and a record of its own.
type isoFixture struct {
	s        store.Store
	a, b     *numberdesk.Tenant
	aNumbers []*numbers.Number
	aEvents  []numberdesk.Event
	aKey     string
	bNumber  *numbers.Number
}

// isoSnapshot is everything of tenant A a store method could leak or change.
type isoSnapshot struct {
	Tenant  *numberdesk.Tenant
	Numbers []*numbers.Number
	Events  []numberdesk.Event
	Records []*numberdesk.IdempotencyRecord
	Periods []numbers.HolderPeriod
}

func newIsoFixture(t *testing.T, s store.Store) *isoFixture {
	t.Helper()
	fx := &isoFixture{s: s, a: newTenant(t, s), b: newTenant(t, s), aKey: "key-of-a"}
	for i := range 3 {
		n := newNumber(fx.a.ID, e164(i), numbers.StatusActive)
		n.Holders, n.HoldersSince = []numberdesk.StaffID{numberdesk.NewStaffID()}, t0
		fx.aNumbers = append(fx.aNumbers, n)
	}
	createNumbers(t, s, fx.aNumbers...)
	// A holder history: the third number changed hands.
	reassign(t, s, fx.aNumbers[2], t0.Add(time.Hour), numberdesk.NewStaffID())
	require.Len(t, allPeriods(t, s, fx.a.ID), 1)
	fx.aEvents = []numberdesk.Event{
		newEvent(fx.a.ID, fx.aNumbers[0].ID, "number.activated"),
		newEvent(fx.a.ID, fx.aNumbers[1].ID, "number.activated"),
		newEvent(fx.a.ID, "", "tenant.note"),
	}
	require.NoError(t, s.AppendEvents(t.Context(), fx.aEvents...))
	require.NoError(t, s.CreateIdempotencyRecord(t.Context(), newRecord(fx.a.ID, fx.aKey)))

	fx.bNumber = newNumber(fx.b.ID, "+4940111222", numbers.StatusNew)
	createNumbers(t, s, fx.bNumber)
	require.NoError(t, s.AppendEvents(t.Context(), newEvent(fx.b.ID, fx.bNumber.ID, "number.provisioned")))
	require.NoError(t, s.CreateIdempotencyRecord(t.Context(), newRecord(fx.b.ID, "key-of-b")))
	return fx
}

func (fx *isoFixture) snapshotA(t *testing.T) isoSnapshot {
	t.Helper()
	tn, err := fx.s.FindTenantByID(t.Context(), fx.a.ID)
	require.NoError(t, err)
	var snap isoSnapshot
	snap.Tenant = normTenant(tn)
	snap.Numbers = normAll(allNumbers(t, fx.s, fx.a.ID))
	snap.Events = normEvents(t, allEvents(t, fx.s, fx.a.ID))
	r, err := fx.s.FindIdempotencyRecord(t.Context(), fx.a.ID, fx.aKey)
	require.NoError(t, err)
	snap.Records = append(snap.Records, normRecord(t, r))
	snap.Periods = allPeriods(t, fx.s, fx.a.ID)
	return snap
}

// isolationExempt lists the Store methods that need no tenant-isolation case,
// with the reason.
var isolationExempt = map[string]string{
	// InTx takes no tenant and returns no data: it only groups calls of the
	// other methods, each of which has its own case.
	"InTx": "groups other calls; reads and writes nothing itself",
	"DeleteIdempotencyRecords": "the system's retention purge across all tenants, never a tenant's call; " +
		"it deletes by creation time only (storetest's PurgeByCreationTime)",
}

// isolationCases proves for each Store method that tenant B, given tenant A's
// IDs and keys, gets exactly what an unknown ID gets and leaves A unchanged.
var isolationCases = map[string]func(t *testing.T, fx *isoFixture){
	"FindNumberByID": func(t *testing.T, fx *isoFixture) {
		got, random := fx.s.FindNumberByID(t.Context(), fx.b.ID, numberdesk.NewNumberID())
		require.Nil(t, got)
		requireCode(t, random, numberdesk.CodeNotFound, "*")
		for _, n := range fx.aNumbers {
			got, err := fx.s.FindNumberByID(t.Context(), fx.b.ID, n.ID)
			require.Nil(t, got)
			requireSameError(t, random, err)
		}
		// And the other way round: A cannot read B's number.
		_, random = fx.s.FindNumberByID(t.Context(), fx.a.ID, numberdesk.NewNumberID())
		_, err := fx.s.FindNumberByID(t.Context(), fx.a.ID, fx.bNumber.ID)
		requireSameError(t, random, err)
	},
	"FindNumbers": func(t *testing.T, fx *isoFixture) {
		for _, f := range []numbers.Filter{
			{IDs: numberIDs(fx.aNumbers)},
			{Digits: fx.aNumbers[0].E164[1:]},
			{Holder: fx.aNumbers[0].Holders[0]},
			{Statuses: []numbers.Status{numbers.StatusActive}},
		} {
			ns, total, err := fx.s.FindNumbers(t.Context(), fx.b.ID, f)
			require.NoError(t, err)
			require.Empty(t, ns)
			require.Zero(t, total)
		}
		ns, total, err := fx.s.FindNumbers(t.Context(), fx.b.ID, numbers.Filter{})
		require.NoError(t, err)
		require.Equal(t, 1, total)
		require.Equal(t, []*numbers.Number{norm(fx.bNumber)}, normAll(ns))
	},
	"CreateNumbers": func(t *testing.T, fx *isoFixture) {
		// A's ID and E.164 in tenant B: as good as new ones.
		n := newNumber(fx.b.ID, fx.aNumbers[0].E164, numbers.StatusNew)
		n.ID = fx.aNumbers[0].ID
		require.NoError(t, fx.s.CreateNumbers(t.Context(), n))
		requireNumber(t, fx.s, n)
		requireNumber(t, fx.s, fx.aNumbers[0])
	},
	"UpdateNumbers": func(t *testing.T, fx *isoFixture) {
		random := newNumber(fx.b.ID, "+4940999999", numbers.StatusInactive)
		random.Version = 1
		want := fx.s.UpdateNumbers(t.Context(), random)
		requireCode(t, want, numberdesk.CodeNotFound, "id")
		for _, n := range fx.aNumbers {
			c := n.Clone()
			c.Tenant = fx.b.ID
			c.Status = numbers.StatusInactive
			c.Holders = nil
			requireSameError(t, want, fx.s.UpdateNumbers(t.Context(), c))
			require.Equal(t, n.Version, c.Version)
		}
		// A foreign number in a batch with B's own: nothing written.
		own := fx.bNumber.Clone()
		own.Status = numbers.StatusActive
		foreign := fx.aNumbers[1].Clone()
		foreign.Tenant = fx.b.ID
		requireSameError(t, want, fx.s.UpdateNumbers(t.Context(), own, foreign))
		requireNumber(t, fx.s, fx.bNumber)
	},
	"AppendEvents": func(t *testing.T, fx *isoFixture) {
		// A's event ID and number ID in tenant B: as good as new ones.
		e := newEvent(fx.b.ID, fx.aNumbers[0].ID, "number.activated")
		e.ID = fx.aEvents[0].ID
		require.NoError(t, fx.s.AppendEvents(t.Context(), e))
		es, err := fx.s.FindEvents(t.Context(), fx.b.ID, numberdesk.EventFilter{Number: fx.aNumbers[0].ID})
		require.NoError(t, err)
		require.Len(t, es, 1)
		require.Equal(t, fx.b.ID, es[0].Tenant)
	},
	"FindEvents": func(t *testing.T, fx *isoFixture) {
		for _, n := range fx.aNumbers {
			es, err := fx.s.FindEvents(t.Context(), fx.b.ID, numberdesk.EventFilter{Number: n.ID})
			require.NoError(t, err)
			require.Empty(t, es)
		}
		for _, f := range []numberdesk.EventFilter{{}, {Types: []numberdesk.EventType{"number.activated", "tenant.note"}}, {Desc: true}} {
			es, err := fx.s.FindEvents(t.Context(), fx.b.ID, f)
			require.NoError(t, err)
			for _, e := range es {
				require.Equal(t, fx.b.ID, e.Tenant)
				require.False(t, slices.ContainsFunc(fx.aEvents, func(a numberdesk.Event) bool { return a.ID == e.ID }))
			}
		}
	},
	"FindIdempotencyRecord": func(t *testing.T, fx *isoFixture) {
		got, random := fx.s.FindIdempotencyRecord(t.Context(), fx.b.ID, "key-never-used")
		require.Nil(t, got)
		requireCode(t, random, numberdesk.CodeNotFound, "*")
		got, err := fx.s.FindIdempotencyRecord(t.Context(), fx.b.ID, fx.aKey)
		require.Nil(t, got)
		requireSameError(t, random, err)
	},
	"CreateIdempotencyRecord": func(t *testing.T, fx *isoFixture) {
		// Keys are scoped per tenant: A's key is free in B.
		r := newRecord(fx.b.ID, fx.aKey)
		r.Op, r.Fingerprint, r.Result = "numbers.Deactivate", "fp-b", []byte(`{"b":1}`)
		require.NoError(t, fx.s.CreateIdempotencyRecord(t.Context(), r))
		got, err := fx.s.FindIdempotencyRecord(t.Context(), fx.b.ID, fx.aKey)
		require.NoError(t, err)
		require.Equal(t, normRecord(t, r), normRecord(t, got))
	},
	"CreateTenant": func(t *testing.T, fx *isoFixture) {
		// Tenant IDs are global (the platform's registry): A's ID is taken.
		// Creating it again must not overwrite A.
		dup := &numberdesk.Tenant{ID: fx.a.ID, Name: "Angreifer GmbH", CreatedAt: t0}
		requireCode(t, fx.s.CreateTenant(t.Context(), dup), numberdesk.CodeConflict, "id")
		newTenant(t, fx.s)
	},
	"FindHolderPeriods": func(t *testing.T, fx *isoFixture) {
		a := fx.aNumbers[2]
		for _, f := range []numbers.HolderPeriodFilter{
			{}, {Numbers: numberIDs(fx.aNumbers)}, {Holder: fx.aNumbers[2].Holders[0]}, {After: t0},
		} {
			ps, err := fx.s.FindHolderPeriods(t.Context(), fx.b.ID, f)
			require.NoError(t, err)
			require.Empty(t, ps)
		}
		// B's own number with A's ID changes hands: B's history, not A's.
		n := newNumber(fx.b.ID, a.E164, numbers.StatusActive)
		n.ID, n.Holders, n.HoldersSince = a.ID, []numberdesk.StaffID{a.Holders[0]}, t0.Add(-time.Hour)
		createNumbers(t, fx.s, n)
		reassign(t, fx.s, n, t0.Add(2*time.Hour))
		ps, err := fx.s.FindHolderPeriods(t.Context(), fx.b.ID, numbers.HolderPeriodFilter{Numbers: []numberdesk.NumberID{a.ID}})
		require.NoError(t, err)
		require.Equal(t, []numbers.HolderPeriod{period(n, t0.Add(-time.Hour), t0.Add(2*time.Hour), a.Holders[0])}, normPeriods(ps))
	},
	"FindDueTenants": func(t *testing.T, fx *isoFixture) {
		// It spans tenants and returns IDs only. A due number of B with
		// A's number ID and E.164 makes B due, never A.
		known := []numberdesk.TenantID{fx.a.ID, fx.b.ID}
		requireDueTenants(t, fx.s, t0.AddDate(1, 0, 0), known, nil)
		n := newNumber(fx.b.ID, fx.aNumbers[0].E164, numbers.StatusDeactivationPending)
		n.ID, n.DeactivationAt = fx.aNumbers[0].ID, t0
		createNumbers(t, fx.s, n)
		requireDueTenants(t, fx.s, t0, known, []numberdesk.TenantID{fx.b.ID})
		requireDueTenants(t, fx.s, t0.Add(-time.Microsecond), known, nil)
	},
	"FindTenantByID": func(t *testing.T, fx *isoFixture) {
		got, err := fx.s.FindTenantByID(t.Context(), fx.b.ID)
		require.NoError(t, err)
		require.Equal(t, normTenant(fx.b), normTenant(got))
	},
}

func testTenantIsolation(t *testing.T, newStore func(t *testing.T) store.Store) {
	st := reflect.TypeFor[store.Store]()
	methods := make(map[string]bool, st.NumMethod())
	for i := range st.NumMethod() {
		name := st.Method(i).Name
		methods[name] = true
		if _, ok := isolationExempt[name]; ok {
			continue
		}
		var run func(t *testing.T, s store.Store)
		if c, ok := isolationCases[name]; ok {
			run = func(t *testing.T, s store.Store) {
				fx := newIsoFixture(t, s)
				before := fx.snapshotA(t)
				c(t, fx)
				require.Equal(t, before, fx.snapshotA(t), "tenant A's data changed")
			}
		} else if c, ok := staffIsolationCases[name]; ok {
			run = func(t *testing.T, s store.Store) {
				fx := newStaffIsoFixture(t, s)
				before, staffBefore := fx.snapshotA(t), fx.snapshotStaffA(t)
				c(t, fx)
				require.Equal(t, before, fx.snapshotA(t), "tenant A's data changed")
				require.Equal(t, staffBefore, fx.snapshotStaffA(t), "tenant A's staff or records changed")
			}
		} else {
			t.Errorf("Store.%s has no tenant-isolation case: add one", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run(t, newStore(t))
		})
	}
	for _, cs := range []map[string]bool{keys(isolationCases), keys(staffIsolationCases)} {
		for name := range cs {
			if !methods[name] {
				t.Errorf("tenant-isolation case %s names no Store method: remove it", name)
			}
		}
	}
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

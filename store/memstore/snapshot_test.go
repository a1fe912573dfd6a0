package memstore_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// populate fills st with a tenant that uses every part of the store:
// numbers in every state, events with delivered and pending deliveries,
// idempotency records, employees, records, routing settings and a block list.
func populate(t *testing.T, st *memstore.Store) numberdesk.Actor {
	t.Helper()
	ctx := t.Context()
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc, err := numbers.NewService(numbers.Config{Store: st, Clock: clock})
	require.NoError(t, err)
	people := staff.NewService(staff.Config{Store: st, Numbers: svc, Clock: clock})
	tenant, admin, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "it@muster.example"}})
	require.NoError(t, err)
	owner := admin.Actor()
	block, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: "0221 123456", ExtensionFrom: "10", ExtensionTo: "14", Options: []string{"festnetz_flat"}})
	require.NoError(t, err)
	q, err := svc.Quote(ctx, owner, []numberdesk.NumberID{block[0].ID, block[1].ID, block[2].ID})
	require.NoError(t, err)
	_, err = svc.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token, IdempotencyKey: "k1"})
	require.NoError(t, err)
	_, err = svc.Deactivate(ctx, owner, numbers.DeactivateRequest{Number: block[0].ID})
	require.NoError(t, err)
	emp, err := people.Create(ctx, owner, staff.CreateRequest{FirstName: "Max", LastName: "Muster", Email: "max@muster.example",
		Numbers: []numberdesk.NumberID{block[1].ID}})
	require.NoError(t, err)
	_, err = people.SetLocked(ctx, owner, emp.ID, false)
	require.NoError(t, err)
	_, err = svc.Feed(ctx, numberdesk.System(tenant.ID), []numbers.RecordInput{{Number: block[1].E164, Kind: numbers.RecordCall,
		At: now, Caller: "+491712345678", Result: numbers.ResultMissed}})
	require.NoError(t, err)
	_, err = svc.SaveRouting(ctx, owner, numbers.SaveRoutingRequest{Number: block[2].ID, Plan: routing.Plan{
		Rules: []routing.Rule{{ID: "office", Name: "Bürozeiten", Priority: 1, Enabled: true,
			Condition: routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)}),
			Targets:   []routing.Target{{Kind: routing.TargetExternal, Ref: "+4915112345678", RingSeconds: 20}}}},
		Base: routing.BaseRule{Kind: routing.BaseHolderMailbox}}})
	require.NoError(t, err)
	_, err = svc.SaveBlocklist(ctx, owner, routing.Blocklist{Anonymous: true, Numbers: []string{"0900 123*"}}, 0)
	require.NoError(t, err)
	// Deliver some events, lease others, leave the rest pending.
	claims, err := st.ClaimDeliveries(ctx, "w1", now, time.Minute, 3)
	require.NoError(t, err)
	for _, c := range claims[:2] {
		lost, err := st.FinishDeliveries(ctx, []notify.Finish{{Tenant: c.Event.Tenant, Event: c.Event.ID, Worker: "w1", State: notify.StateDelivered, At: now, Attempts: 1}})
		require.NoError(t, err)
		require.Empty(t, lost)
	}
	return owner
}

func TestSnapshotRoundTrip(t *testing.T) {
	ctx := t.Context()
	st := memstore.New()
	owner := populate(t, st)
	snap, err := st.Snapshot()
	require.NoError(t, err)

	r, err := memstore.Restore(snap)
	require.NoError(t, err)
	again, err := r.Snapshot()
	require.NoError(t, err)
	require.True(t, bytes.Equal(snap, again), "a restored store must snapshot to the same bytes")

	// Same answers from both stores.
	for _, s := range []*memstore.Store{st, r} {
		ns, total, err := s.FindNumbers(ctx, owner.Tenant, numbers.Filter{Statuses: []numbers.Status{numbers.StatusActive}})
		require.NoError(t, err)
		require.Equal(t, 2, total)
		require.Len(t, ns, 2)
	}
	evA, err := st.FindEvents(ctx, owner.Tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	evB, err := r.FindEvents(ctx, owner.Tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.Equal(t, len(evA), len(evB))
	require.JSONEq(t, string(evA[len(evA)-1].Data), string(evB[len(evB)-1].Data))
	for _, s := range []*memstore.Store{st, r} {
		ds, _, err := s.FindDeliveries(ctx, owner.Tenant, notify.DeliveryFilter{States: []notify.State{notify.StateDelivered}})
		require.NoError(t, err)
		require.Len(t, ds, 2)
		// The third claim is still leased to w1: another worker gets the rest only.
		claims, err := s.ClaimDeliveries(ctx, "w2", time.Date(2026, 1, 15, 10, 0, 30, 0, time.UTC), time.Minute, 1000)
		require.NoError(t, err)
		require.Len(t, claims, len(evA)-3)
	}

	// The restored store keeps working: the event sequence continues, the
	// idempotency record answers, a service runs on it.
	svc, err := numbers.NewService(numbers.Config{Store: r})
	require.NoError(t, err)
	page, err := svc.Overview(ctx, owner, numbers.Query{})
	require.NoError(t, err)
	require.Equal(t, 5, page.Total)
	_, err = r.FindIdempotencyRecord(ctx, owner.Tenant, "k1")
	require.NoError(t, err)
	set, err := svc.Routing(ctx, owner, page.Numbers[2].ID)
	require.NoError(t, err)
	require.Len(t, set.Plan.Rules, 1)
	bl, err := svc.Blocklist(ctx, owner)
	require.NoError(t, err)
	require.True(t, bl.List.Anonymous)
	ev := storetest.Event(t, "test.event", owner, time.Now(), "", map[string]int{"a": 1})
	require.NoError(t, r.AppendEvents(ctx, ev))
	all, err := r.FindEvents(ctx, owner.Tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.Equal(t, evA[len(evA)-1].Seq+1, all[len(all)-1].Seq)
}

func TestRestoreRefusesBadSnapshots(t *testing.T) {
	for name, data := range map[string]string{
		"not json":        "{",
		"other version":   `{"version":99}`,
		"events disorder": `{"version":1,"seq":5,"events":[{"id":"a","tenant":"t","seq":3},{"id":"b","tenant":"t","seq":2}]}`,
		"orphan delivery": `{"version":1,"seq":5,"deliveries":[{"event":"x","tenant":"t","seq":1}]}`,
	} {
		_, err := memstore.Restore([]byte(data))
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), name)
	}
}

// The conformance suite passes on a store restored from a snapshot (of a
// store that already holds another tenant's data, all of whose events were
// delivered: the outbox cases count claims store-wide).
func TestConformanceAfterRestore(t *testing.T) {
	base := memstore.New()
	populate(t, base)
	later := time.Date(2026, 1, 16, 0, 0, 0, 0, time.UTC)
	claims, err := base.ClaimDeliveries(t.Context(), "w3", later, time.Minute, 10000)
	require.NoError(t, err)
	for _, c := range claims {
		lost, err := base.FinishDeliveries(t.Context(), []notify.Finish{{Tenant: c.Event.Tenant, Event: c.Event.ID, Worker: "w3", State: notify.StateDelivered, At: later, Attempts: 1}})
		require.NoError(t, err)
		require.Empty(t, lost)
	}
	snap, err := base.Snapshot()
	require.NoError(t, err)
	storetest.Run(t, func(t *testing.T) store.Store {
		r, err := memstore.Restore(snap)
		require.NoError(t, err)
		return r
	})
}

// A snapshot of an empty store restores to an empty, working store.
func TestSnapshotEmpty(t *testing.T) {
	snap, err := memstore.New().Snapshot()
	require.NoError(t, err)
	r, err := memstore.Restore(snap)
	require.NoError(t, err)
	require.NoError(t, r.CreateTenant(context.Background(), &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "x"}))
}

// A program keeps a memstore between runs by saving its snapshot and
// restoring it on the next start.
func ExampleStore_Snapshot() {
	ctx := context.Background()
	st := memstore.New()
	tenant := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "Muster GmbH"}
	_ = st.CreateTenant(ctx, tenant)

	data, _ := st.Snapshot() // e.g. into localStorage

	restored, _ := memstore.Restore(data)
	t, _ := restored.FindTenantByID(ctx, tenant.ID)
	fmt.Println(t.Name)
	// Output: Muster GmbH
}

// E-Fax-App credentials survive a snapshot with their hash and the sealed
// secret that awaits delivery: the restored store delivers it, and the
// delivered secret logs in there.
func TestSnapshotKeepsCredentials(t *testing.T) {
	ctx := t.Context()
	st := memstore.New()
	nums, err := numbers.NewService(numbers.Config{Store: st})
	require.NoError(t, err)
	people := staff.NewService(staff.Config{Store: st, Numbers: nums})
	_, owner, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "owner@muster.example"}})
	require.NoError(t, err)
	admin := owner.Actor()
	anna, err := people.Create(ctx, admin, staff.CreateRequest{FirstName: "Anna", LastName: "Berg", Email: "anna@muster.example"})
	require.NoError(t, err)
	ns, err := nums.Provision(ctx, admin, numbers.ProvisionRequest{Number: "0221 123456", ExtensionFrom: "20", ExtensionTo: "20"})
	require.NoError(t, err)
	q, err := nums.Quote(ctx, admin, []numberdesk.NumberID{ns[0].ID})
	require.NoError(t, err)
	_, err = nums.Activate(ctx, admin, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	_, err = nums.Assign(ctx, admin, numbers.AssignRequest{Number: ns[0].ID, Employee: anna.ID})
	require.NoError(t, err)
	_, err = nums.SetUsageType(ctx, admin, numbers.SetUsageTypeRequest{Number: ns[0].ID, UsageType: routing.UsageFaxPersonal})
	require.NoError(t, err)

	key := bytes.Repeat([]byte{7}, 32)
	cfg := efax.Config{Store: st, SealKey: key, AllowWeakParams: true,
		Params: efax.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	fax, err := efax.New(cfg)
	require.NoError(t, err)
	_, err = fax.Send(ctx, admin, efax.SendRequest{Number: ns[0].ID, Staff: []numberdesk.StaffID{anna.ID}})
	require.NoError(t, err)

	snap, err := st.Snapshot()
	require.NoError(t, err)
	r, err := memstore.Restore(snap)
	require.NoError(t, err)
	again, err := r.Snapshot()
	require.NoError(t, err)
	require.True(t, bytes.Equal(snap, again))

	cfg.Store = r
	restored, err := efax.New(cfg)
	require.NoError(t, err)
	rec := &notify.Recorder{}
	_, err = (&notify.Dispatcher{Outbox: r, Notifier: restored.Notifier(rec)}).RunOnce(ctx)
	require.NoError(t, err)
	var login efax.Delivery
	for _, e := range rec.Events() {
		if d, ok := efax.DeliveryOf(e); ok {
			login = d
		}
	}
	require.NotEmpty(t, login.Secret.Reveal(), "the sealed secret is delivered from the restored store")
	l, err := restored.Authenticate(ctx, login.Username, login.Secret.Reveal())
	require.NoError(t, err)
	require.Equal(t, anna.ID, l.Staff)
	require.NotContains(t, string(snap), login.Secret.Reveal(), "a snapshot never holds a plaintext secret")
}

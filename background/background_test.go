package background_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/background"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// One pass deactivates exactly the numbers whose effective instant has
// come, in every tenant, each with its event at that instant; the next pass
// at the same time finds nothing; a later one the rest.
func TestApplyDueAllThreeTenants(t *testing.T) {
	t.Parallel()
	n := newNode(t, memstore.New(), newClock())
	a, b, c := n.tenant(t), n.tenant(t), n.tenant(t)
	an, bn, cn := n.active(t, a, "0221 4000", 3), n.active(t, b, "0221 4000", 3), n.active(t, c, "0221 5000", 2)
	at := map[numberdesk.NumberID]time.Time{}

	// January: A gives notice for two numbers (effective end of February).
	febEnd := n.deactivate(t, a, an[0], an[1])
	require.Equal(t, time.Date(2026, 3, 1, 0, 0, 0, 0, berlin), febEnd.In(berlin))
	at[an[0].ID], at[an[1].ID] = febEnd, febEnd
	// February: B for one (end of March).
	n.clock.Set(time.Date(2026, 2, 10, 12, 0, 0, 0, berlin))
	marEnd := n.deactivate(t, b, bn[0])
	at[bn[0].ID] = marEnd
	// March: C for one and A for its third (end of April).
	n.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, berlin))
	aprEnd := n.deactivate(t, c, cn[0])
	n.deactivate(t, a, an[2])
	at[cn[0].ID], at[an[2].ID] = aprEnd, aprEnd

	// April 10th: February's and March's deactivations are due.
	n.clock.Set(time.Date(2026, 4, 10, 12, 0, 0, 0, berlin))
	done, err := background.ApplyDueAll(t.Context(), n.st, n.svc, n.clock.Now())
	require.NoError(t, err)
	require.Equal(t, 3, done)
	requireStatus(t, n.st, numbers.StatusInactive, an[0], an[1], bn[0])
	requireStatus(t, n.st, numbers.StatusDeactivationPending, an[2], cn[0])
	requireStatus(t, n.st, numbers.StatusActive, bn[1], bn[2], cn[1])
	requireDeactivatedOnce(t, n.st, at, an[0], an[1], bn[0])
	require.Empty(t, deactivations(t, n.st, c.Tenant))
	for _, x := range []*numbers.Number{an[0], an[1], bn[0]} {
		got, err := n.st.FindNumberByID(t.Context(), x.Tenant, x.ID)
		require.NoError(t, err)
		require.Empty(t, got.BillingLine, "billing ended")
		require.True(t, got.DeactivationAt.IsZero())
	}

	// Again at the same time: nothing to do, nothing written.
	done, err = background.ApplyDueAll(t.Context(), n.st, n.svc, n.clock.Now())
	require.NoError(t, err)
	require.Zero(t, done)
	requireDeactivatedOnce(t, n.st, at, an[0], an[1], bn[0])

	// May: the rest.
	n.clock.Set(time.Date(2026, 5, 2, 8, 0, 0, 0, berlin))
	done, err = background.ApplyDueAll(t.Context(), n.st, n.svc, n.clock.Now())
	require.NoError(t, err)
	require.Equal(t, 2, done)
	requireStatus(t, n.st, numbers.StatusInactive, an[2], cn[0])
	requireDeactivatedOnce(t, n.st, at, an[0], an[1], an[2], bn[0], cn[0])
}

// failingFinds is a store whose FindNumbers fails for one tenant.
type failingFinds struct {
	store.Store
	tenant numberdesk.TenantID
}

var errUnreachable = errors.New("the database is unreachable")

func (f *failingFinds) FindNumbers(ctx context.Context, tenant numberdesk.TenantID, flt numbers.Filter) ([]*numbers.Number, int, error) {
	if tenant == f.tenant {
		return nil, 0, numberdesk.Internal("failingFinds.FindNumbers", errUnreachable)
	}
	return f.Store.FindNumbers(ctx, tenant, flt)
}

// ApplyDueAll reads the tenants page by page, and a tenant that fails does
// not stop the pass: its error comes back as a TenantError after the
// others are done.
func TestApplyDueAllPagesAndGoesOn(t *testing.T) { // not parallel: SetDuePage
	background.SetDuePage(t, 2)
	st, clock := memstore.New(), newClock()
	past := t0.Add(-time.Hour)
	var tenants []numberdesk.TenantID
	var due []*numbers.Number
	for range 7 {
		tn := numberdesk.NewTenantID()
		tenants = append(tenants, tn)
		due = append(due, dueNumbers(t, st, tn, 2, past)...)
	}
	broken := tenants[3]
	svc, err := numbers.NewService(numbers.Config{Store: &failingFinds{Store: st, tenant: broken}, Clock: clock.Now})
	require.NoError(t, err)

	done, err := background.ApplyDueAll(t.Context(), st, svc, clock.Now())
	require.Equal(t, 12, done)
	var te *background.TenantError
	require.ErrorAs(t, err, &te)
	require.Equal(t, broken, te.Tenant)
	require.ErrorIs(t, err, errUnreachable)
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
	require.Contains(t, err.Error(), string(broken))
	for _, n := range due {
		want := numbers.StatusInactive
		if n.Tenant == broken {
			want = numbers.StatusDeactivationPending
		}
		requireStatus(t, st, want, n)
	}
	left, err := st.FindDueTenants(t.Context(), clock.Now(), "", 0)
	require.NoError(t, err)
	require.Equal(t, []numberdesk.TenantID{broken}, left)
}

// conflicting is a store whose UpdateNumbers reports a conflict, as if
// another node had written first, the first times it is called for one
// tenant (all of them if times is negative).
type conflicting struct {
	store.Store
	tenant numberdesk.TenantID
	mu     sync.Mutex
	times  int
	calls  int
}

func (c *conflicting) UpdateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	if len(ns) > 0 && ns[0].Tenant == c.tenant {
		c.mu.Lock()
		c.calls++
		conflict := c.times < 0 || c.calls <= c.times
		c.mu.Unlock()
		if conflict {
			return numberdesk.E(numberdesk.CodeConflict, "conflicting.UpdateNumbers", "version", "Die Rufnummer wurde zwischenzeitlich geändert.")
		}
	}
	return c.Store.UpdateNumbers(ctx, ns...)
}

// A conflict is another node at work on the tenant: ApplyDueAll runs the
// tenant's ApplyDue again, beyond the Service's own ten attempts, and
// reports no error. Only a conflict that never ends is one.
func TestApplyDueAllConflicts(t *testing.T) {
	t.Parallel()
	t.Run("Passing", func(t *testing.T) {
		t.Parallel()
		st, clock := memstore.New(), newClock()
		tn := numberdesk.NewTenantID()
		due := dueNumbers(t, st, tn, 3, t0.Add(-time.Hour))
		c := &conflicting{Store: st, tenant: tn, times: 25} // the Service gives up twice
		svc, err := numbers.NewService(numbers.Config{Store: c, Clock: clock.Now})
		require.NoError(t, err)
		done, err := background.ApplyDueAll(t.Context(), st, svc, clock.Now())
		require.NoError(t, err)
		require.Equal(t, 3, done)
		require.Greater(t, c.calls, 25)
		requireStatus(t, st, numbers.StatusInactive, due...)
		requireDeactivatedOnce(t, st, nil, due...)
	})
	t.Run("Endless", func(t *testing.T) {
		t.Parallel()
		st, clock := memstore.New(), newClock()
		tn, other := numberdesk.NewTenantID(), numberdesk.NewTenantID()
		due := dueNumbers(t, st, tn, 1, t0.Add(-time.Hour))
		fine := dueNumbers(t, st, other, 1, t0.Add(-time.Hour))
		svc, err := numbers.NewService(numbers.Config{Store: &conflicting{Store: st, tenant: tn, times: -1}, Clock: clock.Now})
		require.NoError(t, err)
		done, err := background.ApplyDueAll(t.Context(), st, svc, clock.Now())
		require.Equal(t, 1, done)
		var te *background.TenantError
		require.ErrorAs(t, err, &te)
		require.Equal(t, tn, te.Tenant)
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err))
		requireStatus(t, st, numbers.StatusDeactivationPending, due...)
		requireStatus(t, st, numbers.StatusInactive, fine...)
	})
}

func TestApplyDueAllInvalid(t *testing.T) {
	t.Parallel()
	n := newNode(t, memstore.New(), newClock())
	_, err := background.ApplyDueAll(t.Context(), n.st, n.svc, time.Time{})
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "now", numberdesk.ErrorField(err))
	_, err = background.ApplyDueAll(t.Context(), nil, n.svc, t0)
	require.Equal(t, "store", numberdesk.ErrorField(err))
	_, err = background.ApplyDueAll(t.Context(), n.st, nil, t0)
	require.Equal(t, "numbers", numberdesk.ErrorField(err))
	// A now ahead of the Service's clock is the Service's refusal, for
	// each tenant that has due numbers then.
	tn := numberdesk.NewTenantID()
	dueNumbers(t, n.st, tn, 1, t0.Add(time.Minute))
	done, err := background.ApplyDueAll(t.Context(), n.st, n.svc, t0.Add(time.Hour))
	require.Zero(t, done)
	var te *background.TenantError
	require.ErrorAs(t, err, &te)
	require.Equal(t, tn, te.Tenant)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "now", numberdesk.ErrorField(err))
}

func TestRunInvalidConfig(t *testing.T) {
	t.Parallel()
	n := newNode(t, memstore.New(), newClock())
	for field, cfg := range map[string]background.Config{
		"Store":                {Numbers: n.svc},
		"Numbers":              {Store: n.st},
		"Dispatcher":           {Store: n.st, Numbers: n.svc, Dispatcher: &notify.Dispatcher{Outbox: n.st}},
		"DueEvery":             {Store: n.st, Numbers: n.svc, DueEvery: -1},
		"DispatchEvery":        {Store: n.st, Numbers: n.svc, DispatchEvery: -time.Second},
		"PurgeEvery":           {Store: n.st, Numbers: n.svc, PurgeEvery: -time.Hour},
		"IdempotencyRetention": {Store: n.st, Numbers: n.svc, IdempotencyRetention: -1},
		"Grace":                {Store: n.st, Numbers: n.svc, Grace: -1},
	} {
		err := background.Run(t.Context(), cfg)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), field)
		require.Equal(t, field, numberdesk.ErrorField(err))
	}
}

// Run delivers the outbox, applies due deactivations as their time comes
// and purges old idempotency records, on short intervals; cancelling its
// ctx returns nil.
func TestRun(t *testing.T) {
	t.Parallel()
	n := newNode(t, memstore.New(), newClock())
	owner := n.tenant(t)
	ns := n.active(t, owner, "0221 4000", 3)
	effective := n.deactivate(t, owner, ns[0])
	ctx := t.Context()
	old := &numberdesk.IdempotencyRecord{Tenant: owner.Tenant, Key: "old", Op: "numbers.Activate", Fingerprint: "f", CreatedAt: t0.Add(-25 * time.Hour)}
	fresh := &numberdesk.IdempotencyRecord{Tenant: owner.Tenant, Key: "fresh", Op: "numbers.Activate", Fingerprint: "f", CreatedAt: t0.Add(-time.Hour)}
	require.NoError(t, n.st.CreateIdempotencyRecord(ctx, old))
	require.NoError(t, n.st.CreateIdempotencyRecord(ctx, fresh))

	var rec notify.Recorder
	lg, log := newLogs(t)
	cfg := n.config(&rec, log, "node-1")
	// A further purge (expired sessions, say) runs with the idempotency
	// purge; its failure is logged and the loop goes on.
	var purges atomic.Int64
	var failed atomic.Bool
	cfg.Purges = []func(context.Context) (int, error){
		func(context.Context) (int, error) {
			if failed.CompareAndSwap(false, true) {
				return 0, errors.New("sessions unreachable")
			}
			return 0, nil
		},
		func(context.Context) (int, error) { return int(purges.Add(1)), nil },
	}
	r := start(t, cfg)
	eventually(t, "the further purges run, again and again", func() bool { return purges.Load() >= 2 })
	require.NotEmpty(t, lg.atLeast(slog.LevelError), "the failed purge is logged")
	lg.reset()

	// The events so far reach the recorder; the old record goes.
	events, err := n.st.FindEvents(ctx, owner.Tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, events)
	waitFor(t, &rec, len(events))
	eventually(t, "the old idempotency record is purged", func() bool {
		_, err := n.st.FindIdempotencyRecord(ctx, owner.Tenant, "old")
		return numberdesk.ErrorCode(err) == numberdesk.CodeNotFound
	})
	_, err = n.st.FindIdempotencyRecord(ctx, owner.Tenant, "fresh")
	require.NoError(t, err, "a record within the retention stays")
	requireStatus(t, n.st, numbers.StatusDeactivationPending, ns[0])

	// The deactivation's time comes: the next pass stores it, and the
	// dispatcher delivers its event.
	n.clock.Set(effective.Add(time.Second))
	eventually(t, "the due number is stored inactive", func() bool {
		got, err := n.st.FindNumberByID(ctx, owner.Tenant, ns[0].ID)
		require.NoError(t, err)
		return got.Status == numbers.StatusInactive
	})
	waitFor(t, &rec, len(events)+1)
	last := rec.Events()[len(events)]
	require.Equal(t, numbers.EventDeactivated, last.Type)
	require.Equal(t, ns[0].ID, last.Number)
	requireDeactivatedOnce(t, n.st, map[numberdesk.NumberID]time.Time{ns[0].ID: effective}, ns[0])

	r.stop(t)
	require.Zero(t, rec.Duplicates())
	require.Empty(t, lg.atLeast(slog.LevelWarn))
}

// Two nodes run the background work against one store at once: every due
// number is deactivated once (one event each), every event delivered once.
func TestTwoNodesMemstore(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	testTwoNodes(t, st, st)
}

// testTwoNodes runs two nodes over st1 and st2 (one store, or two
// connections to one database).
func testTwoNodes(t *testing.T, st1, st2 store.Store) {
	ctx := t.Context()
	clock := newClock()
	n1, n2 := newNode(t, st1, clock), newNode(t, st2, clock)
	var tenants []numberdesk.TenantID
	var due []*numbers.Number
	at := map[numberdesk.NumberID]time.Time{}
	for i := range 4 {
		owner := n1.tenant(t)
		tenants = append(tenants, owner.Tenant)
		ns := n1.active(t, owner, "0221 4000", 8)
		if i == 3 {
			continue // nothing due
		}
		effective := n1.deactivate(t, owner, ns[:6]...)
		for _, x := range ns[:6] {
			at[x.ID] = effective
		}
		due = append(due, ns[:6]...)
	}
	// The nodes start before the deactivations are due, then the time
	// comes for both at once.
	var rec notify.Recorder
	lg, log := newLogs(t)
	r1, r2 := start(t, n1.config(&rec, log, "node-1")), start(t, n2.config(&rec, log, "node-2"))
	// The events so far delivered before the clock jumps: a jump past
	// the leases of deliveries in flight would let the other node claim
	// them again (at least once, not exactly once).
	eventually(t, "the events before the due date are delivered", func() bool { return pendingDeliveries(t, st1, tenants...) == 0 })
	clock.Set(time.Date(2026, 3, 2, 0, 0, 0, 0, berlin))

	eventually(t, "every due number is stored inactive", func() bool {
		left, err := st1.FindDueTenants(ctx, clock.Now(), "", 0)
		require.NoError(t, err)
		return len(left) == 0
	})
	eventually(t, "every event is delivered", func() bool { return pendingDeliveries(t, st1, tenants...) == 0 })
	r1.stop(t)
	r2.stop(t)

	requireStatus(t, st1, numbers.StatusInactive, due...)
	requireDeactivatedOnce(t, st1, at, due...)
	require.Empty(t, deactivations(t, st1, tenants[3]))
	total := 0
	for _, tn := range tenants {
		es, err := st1.FindEvents(ctx, tn, numberdesk.EventFilter{})
		require.NoError(t, err)
		total += len(es)
	}
	require.Len(t, rec.Events(), total, "every event delivered")
	require.Zero(t, rec.Duplicates(), "leases keep the two dispatchers apart")
	require.Empty(t, lg.atLeast(slog.LevelWarn), "a concurrent pass is no error")
}

// gate blocks the first call that reaches it until released, telling the
// test when that call has arrived.
type gate struct {
	once     sync.Once
	arrived  chan struct{}
	release  chan struct{}
	mu       sync.Mutex
	ctxErr   error // the call's ctx.Err() when it went on
	returned bool
}

func newGate() *gate { return &gate{arrived: make(chan struct{}), release: make(chan struct{})} }

// pass blocks the first caller until release is closed (or its ctx is
// done) and reports whether it was the first.
func (g *gate) pass(ctx context.Context) bool {
	first := false
	g.once.Do(func() { first = true })
	if !first {
		return false
	}
	close(g.arrived)
	select {
	case <-g.release:
	case <-ctx.Done():
	}
	g.mu.Lock()
	g.ctxErr, g.returned = ctx.Err(), true
	g.mu.Unlock()
	return true
}

func (g *gate) wait(t testing.TB) {
	t.Helper()
	<-g.arrived // no deadline: see eventually
}

func (g *gate) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ctxErr
}

// A delivery under way when the ctx of Run ends is finished and recorded;
// Run returns only then, and starts nothing new.
func TestShutdownFinishesTheDeliveryInProgress(t *testing.T) {
	t.Parallel()
	n := newNode(t, memstore.New(), newClock())
	tn := numberdesk.NewTenantID()
	evs := []numberdesk.Event{
		storetest.Event(t, "test.first", numberdesk.System(tn), t0, "", nil),
		storetest.Event(t, "test.second", numberdesk.System(tn), t0, "", nil),
	}
	require.NoError(t, n.st.AppendEvents(t.Context(), evs...))
	g := newGate()
	var rec notify.Recorder
	notifier := notify.NotifierFunc(func(ctx context.Context, e numberdesk.Event) error {
		g.pass(ctx)
		return rec.Notify(ctx, e)
	})
	cfg := n.config(notifier, nil, "node-1")
	cfg.Dispatcher.Batch = 1 // the second event would be a new round
	r := start(t, cfg)
	g.wait(t)
	r.cancel()
	require.False(t, r.returned(), "Run waits for the delivery in progress")
	close(g.release)
	r.wait(t)

	require.NoError(t, g.err(), "the delivery ran to its end, not cancelled")
	require.Len(t, rec.Events(), 1)
	require.Equal(t, evs[0].ID, rec.Events()[0].ID)
	ds, _, err := n.st.FindDeliveries(t.Context(), tn, notify.DeliveryFilter{})
	require.NoError(t, err)
	require.Equal(t, notify.StateDelivered, ds[0].State, "its outcome is recorded")
	require.Equal(t, notify.StatePending, ds[1].State, "no new round after the ctx ended")
	require.Zero(t, ds[1].Attempts)
}

// Work that outlasts the grace is cancelled; Run returns nil all the same.
func TestShutdownGraceEndsTheWork(t *testing.T) {
	t.Parallel()
	n := newNode(t, memstore.New(), newClock())
	tn := numberdesk.NewTenantID()
	require.NoError(t, n.st.AppendEvents(t.Context(), storetest.Event(t, "test.slow", numberdesk.System(tn), t0, "", nil)))
	g := newGate()
	notifier := notify.NotifierFunc(func(ctx context.Context, e numberdesk.Event) error {
		g.pass(ctx) // never released: waits for its ctx
		return ctx.Err()
	})
	cfg := n.config(notifier, nil, "node-1")
	cfg.Grace = time.Millisecond
	r := start(t, cfg)
	g.wait(t)
	r.stop(t)
	require.ErrorIs(t, g.err(), context.Canceled, "the grace ended the delivery")
	ds, _, err := n.st.FindDeliveries(t.Context(), tn, notify.DeliveryFilter{})
	require.NoError(t, err)
	require.Equal(t, notify.StatePending, ds[0].State, "not delivered: another round delivers it")
}

// gatedDue is a store whose read of due numbers waits at a gate.
type gatedDue struct {
	store.Store
	g *gate
}

func (s *gatedDue) FindNumbers(ctx context.Context, tenant numberdesk.TenantID, f numbers.Filter) ([]*numbers.Number, int, error) {
	if !f.DueBefore.IsZero() {
		s.g.pass(ctx)
	}
	return s.Store.FindNumbers(ctx, tenant, f)
}

// A tenant's ApplyDue under way when the ctx of Run ends is finished; the
// pass starts no further tenant.
func TestShutdownFinishesTheTenantInProgress(t *testing.T) {
	t.Parallel()
	st, clock := memstore.New(), newClock()
	g := newGate()
	svc, err := numbers.NewService(numbers.Config{Store: &gatedDue{Store: st, g: g}, Clock: clock.Now})
	require.NoError(t, err)
	a, b := numberdesk.NewTenantID(), numberdesk.NewTenantID()
	if b < a {
		a, b = b, a // the pass takes a first
	}
	first, second := dueNumbers(t, st, a, 3, t0.Add(-time.Hour)), dueNumbers(t, st, b, 3, t0.Add(-time.Hour))
	r := start(t, background.Config{Store: st, Numbers: svc, Clock: clock.Now})
	g.wait(t)
	r.cancel()
	require.False(t, r.returned(), "Run waits for the tenant in progress")
	close(g.release)
	r.wait(t)
	require.NoError(t, g.err())
	requireStatus(t, st, numbers.StatusInactive, first...)
	requireStatus(t, st, numbers.StatusDeactivationPending, second...)
}

// gatedPurge is a store whose purge waits at a gate.
type gatedPurge struct {
	store.Store
	g *gate
}

func (s *gatedPurge) DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int, error) {
	s.g.pass(ctx)
	return s.Store.DeleteIdempotencyRecords(ctx, before)
}

// A purge under way when the ctx of Run ends is finished.
func TestShutdownFinishesThePurgeInProgress(t *testing.T) {
	t.Parallel()
	n := newNode(t, memstore.New(), newClock())
	old := &numberdesk.IdempotencyRecord{Tenant: numberdesk.NewTenantID(), Key: "old", Op: "numbers.Activate", Fingerprint: "f", CreatedAt: t0.Add(-25 * time.Hour)}
	require.NoError(t, n.st.CreateIdempotencyRecord(t.Context(), old))
	g := newGate()
	r := start(t, background.Config{Store: &gatedPurge{Store: n.st, g: g}, Numbers: n.svc, Clock: n.clock.Now})
	g.wait(t)
	r.cancel()
	require.False(t, r.returned(), "Run waits for the purge in progress")
	close(g.release)
	r.wait(t)
	require.NoError(t, g.err())
	_, err := n.st.FindIdempotencyRecord(t.Context(), old.Tenant, old.Key)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err), "purged")
}

// After Run returns, none of its goroutines is left. Not parallel, so that
// no other test's Run is running.
func TestRunLeavesNoGoroutine(t *testing.T) {
	n := newNode(t, memstore.New(), newClock())
	owner := n.tenant(t)
	ns := n.active(t, owner, "0221 4000", 2)
	effective := n.deactivate(t, owner, ns...)
	n.clock.Set(effective)
	var rec notify.Recorder
	r := start(t, n.config(&rec, nil, "node-1"))
	eventually(t, "the due numbers are stored inactive", func() bool {
		left, err := n.st.FindDueTenants(t.Context(), n.clock.Now(), "", 0)
		require.NoError(t, err)
		return len(left) == 0
	})
	r.stop(t)
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, g := range strings.Split(stacks, "\n\n") {
		require.NotContains(t, g, "numberdesk/background.", "a goroutine of Run is left:\n%s", g)
	}
}

// With its ctx done before it starts, Run does nothing and returns nil.
func TestRunCancelled(t *testing.T) {
	t.Parallel()
	n := newNode(t, memstore.New(), newClock())
	dueNumbers(t, n.st, numberdesk.NewTenantID(), 1, t0.Add(-time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.NoError(t, background.Run(ctx, background.Config{Store: n.st, Numbers: n.svc, Clock: n.clock.Now}))
	left, err := n.st.FindDueTenants(t.Context(), n.clock.Now(), "", 0)
	require.NoError(t, err)
	require.Len(t, left, 1, "nothing applied")
}

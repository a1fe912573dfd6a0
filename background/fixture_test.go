package background_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/background"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// berlin is the tenants' time zone.
var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// t0 is where the fake clocks start: 2026-01-15 10:00 Berlin.
var t0 = time.Date(2026, 1, 15, 10, 0, 0, 0, berlin)

// fakeClock is a clock the test sets; safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// node is one server process: a Service over its store, sharing the clock.
type node struct {
	st    store.Store
	clock *fakeClock
	svc   *numbers.Service
}

func newNode(t testing.TB, st store.Store, clock *fakeClock) *node {
	t.Helper()
	svc, err := numbers.NewService(numbers.Config{Store: st, Clock: clock.Now})
	require.NoError(t, err)
	return &node{st: st, clock: clock, svc: svc}
}

// tenant stores a tenant with its owner and returns the owner.
func (n *node) tenant(t testing.TB) numberdesk.Actor {
	t.Helper()
	owner, err := storetest.NewTenant(t.Context(), n.st, "Muster GmbH", n.clock.Now())
	require.NoError(t, err)
	return owner
}

// active provisions a block of count numbers (extensions 10, 11, ...) and
// activates them.
func (n *node) active(t testing.TB, owner numberdesk.Actor, base string, count int) []*numbers.Number {
	t.Helper()
	ctx := t.Context()
	ns, err := n.svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: base, ExtensionFrom: "10", ExtensionTo: fmt.Sprint(10 + count - 1)})
	require.NoError(t, err)
	q, err := n.svc.Quote(ctx, owner, ids(ns))
	require.NoError(t, err)
	_, err = n.svc.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	return ns
}

// deactivate deactivates ns now and returns when that takes effect.
func (n *node) deactivate(t testing.TB, owner numberdesk.Actor, ns ...*numbers.Number) time.Time {
	t.Helper()
	var at time.Time
	for _, x := range ns {
		d, err := n.svc.Deactivate(t.Context(), owner, numbers.DeactivateRequest{Number: x.ID})
		require.NoError(t, err)
		at = d.EffectiveAt
	}
	return at
}

// config is a Run configuration of n with short intervals, delivering to
// notifier (nil: no Dispatcher).
func (n *node) config(notifier notify.Notifier, log *slog.Logger, worker string) background.Config {
	cfg := background.Config{
		Store: n.st, Numbers: n.svc, Clock: n.clock.Now, Logger: log,
		DueEvery: time.Millisecond, DispatchEvery: time.Millisecond, PurgeEvery: time.Millisecond,
	}
	if notifier != nil {
		// The dispatchers' clock stands still: a round that read the
		// shared clock just before a test moved it forward would lease
		// its claims until a time already past, and the other node could
		// claim them again (at least once, not exactly once). Leases
		// that never run out keep the two dispatchers apart.
		still := func() time.Time { return t0 }
		cfg.Dispatcher = &notify.Dispatcher{Outbox: n.st, Notifier: notifier, Worker: worker, Clock: still, Logger: log}
	}
	return cfg
}

// dueNumbers stores count numbers of tenant directly, pending with the
// effective instant at, as Deactivate leaves them.
func dueNumbers(t testing.TB, st numbers.Store, tenant numberdesk.TenantID, count int, at time.Time) []*numbers.Number {
	t.Helper()
	ns := make([]*numbers.Number, count)
	for i := range ns {
		e164 := fmt.Sprintf("+4922155%05d", i)
		ns[i] = &numbers.Number{
			ID: numberdesk.NewNumberID(), Tenant: tenant, E164: e164, Origin: numbers.OriginNew,
			Status: numbers.StatusDeactivationPending, UsageType: routing.UsageVoice,
			BillingLine: "line-" + e164, BilledSince: t0, DeactivationAt: at,
			CreatedAt: t0, UpdatedAt: t0,
		}
	}
	require.NoError(t, st.CreateNumbers(t.Context(), ns...))
	return ns
}

func ids(ns []*numbers.Number) []numberdesk.NumberID {
	out := make([]numberdesk.NumberID, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

// requireStatus checks the stored status of every number of ns.
func requireStatus(t testing.TB, st numbers.Store, want numbers.Status, ns ...*numbers.Number) {
	t.Helper()
	for _, n := range ns {
		got, err := st.FindNumberByID(t.Context(), n.Tenant, n.ID)
		require.NoError(t, err)
		require.Equal(t, want, got.Status, "number %s (%s)", n.E164, n.ID)
	}
}

// deactivations returns the EventDeactivated events of tenant by number.
func deactivations(t testing.TB, st numbers.Store, tenant numberdesk.TenantID) map[numberdesk.NumberID][]numberdesk.Event {
	t.Helper()
	es, err := st.FindEvents(t.Context(), tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{numbers.EventDeactivated}})
	require.NoError(t, err)
	out := make(map[numberdesk.NumberID][]numberdesk.Event)
	for _, e := range es {
		out[e.Number] = append(out[e.Number], e)
	}
	return out
}

// requireDeactivatedOnce checks that each number of ns has exactly one
// EventDeactivated, by the system, at its effective instant at, ending its
// billing line there, and that no other number of the tenants has one.
func requireDeactivatedOnce(t testing.TB, st numbers.Store, at map[numberdesk.NumberID]time.Time, ns ...*numbers.Number) {
	t.Helper()
	want := make(map[numberdesk.TenantID][]numberdesk.NumberID)
	for _, n := range ns {
		want[n.Tenant] = append(want[n.Tenant], n.ID)
	}
	for tenant, wantIDs := range want {
		got := deactivations(t, st, tenant)
		gotIDs := make([]numberdesk.NumberID, 0, len(got))
		for id, es := range got {
			gotIDs = append(gotIDs, id)
			require.Len(t, es, 1, "number %s: one number.deactivated", id)
			e := es[0]
			require.Equal(t, numberdesk.System(tenant), e.Actor)
			var d numbers.EventData
			require.NoError(t, json.Unmarshal(e.Data, &d))
			require.NotNil(t, d.Billing)
			require.Equal(t, numbers.StatusInactive, d.After.Status)
			if want, ok := at[id]; ok {
				require.True(t, want.Equal(e.At), "event at %s, effective %s", e.At, want)
				require.True(t, want.Equal(d.Billing.End), "billing ends %s, effective %s", d.Billing.End, want)
			}
		}
		slices.Sort(gotIDs)
		slices.Sort(wantIDs)
		require.Equal(t, wantIDs, gotIDs, "tenant %s: the numbers deactivated", tenant)
	}
}

// eventually waits until cond holds, failing t after a minute: a deadline
// for a hung test, not a measurement.
//
// It has no deadline of its own: a slow machine makes the wait longer,
// never red; a condition that never comes is the test binary's -timeout,
// whose panic shows every goroutine.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatalf("the test ended waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFor waits until rec has n distinct events (no deadline: see
// eventually).
func waitFor(t testing.TB, rec *notify.Recorder, n int) {
	t.Helper()
	require.NoError(t, rec.WaitFor(t.Context(), n), "waiting for %d events, got %d", n, len(rec.Events()))
}

// running is a Run in a goroutine.
type running struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// start runs background.Run(cfg) until stop or the end of t.
func start(t testing.TB, cfg background.Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	r := &running{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = background.Run(ctx, cfg)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// stop cancels the Run and waits (a minute at most) for it to return nil.
func (r *running) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	r.wait(t)
}

func (r *running) wait(t testing.TB) {
	t.Helper()
	<-r.done // Run returns once its ctx is done (no deadline: see eventually)
	require.NoError(t, r.err)
}

// returned reports whether Run has returned.
func (r *running) returned() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// logs records what Run logs; safe for concurrent use.
type logs struct {
	mu      sync.Mutex
	t       testing.TB
	records []slog.Record
}

func newLogs(t testing.TB) (*logs, *slog.Logger) {
	l := &logs{t: t}
	return l, slog.New(l)
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }

func (l *logs) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}

func (l *logs) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logs) WithGroup(string) slog.Handler      { return l }

// reset forgets what was logged so far.
func (l *logs) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = nil
}

// atLeast returns the messages logged at level or above, with their
// attributes.
func (l *logs) atLeast(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level < level {
			continue
		}
		var b strings.Builder
		b.WriteString(r.Level.String() + " " + r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.String())
			return true
		})
		out = append(out, b.String())
	}
	return out
}

// pendingDeliveries returns how many events of the tenants are not
// delivered yet.
func pendingDeliveries(t testing.TB, st notify.Outbox, tenants ...numberdesk.TenantID) int {
	t.Helper()
	n := 0
	for _, tn := range tenants {
		_, total, err := st.FindDeliveries(t.Context(), tn, notify.DeliveryFilter{States: []notify.State{notify.StatePending}})
		require.NoError(t, err)
		n += total
	}
	return n
}

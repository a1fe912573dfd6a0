package notify_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// outboxFixture is a memstore with count events of one tenant in its outbox
// and a fake clock.
type outboxFixture struct {
	store  *memstore.Store
	tenant numberdesk.TenantID
	ids    []numberdesk.EventID
	mu     sync.Mutex
	now    time.Time
}

func newOutbox(t testing.TB, count int) *outboxFixture {
	t.Helper()
	f := &outboxFixture{store: memstore.New(), tenant: numberdesk.NewTenantID(), now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	actor := numberdesk.System(f.tenant)
	for i := 0; i < count; i += 1000 {
		batch := make([]numberdesk.Event, 0, 1000)
		for j := i; j < min(i+1000, count); j++ {
			e, err := numberdesk.NewEvent("test.event", actor, f.now, "", map[string]int{"i": j})
			require.NoError(t, err)
			batch = append(batch, e)
		}
		require.NoError(t, f.store.AppendEvents(context.Background(), batch...))
		for _, e := range batch {
			f.ids = append(f.ids, e.ID)
		}
	}
	return f
}

func (f *outboxFixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *outboxFixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *outboxFixture) dispatcher(n notify.Notifier) *notify.Dispatcher {
	return &notify.Dispatcher{Outbox: f.store, Notifier: n, Clock: f.clock, Batch: 7,
		Backoff: func(int) time.Duration { return time.Second }}
}

// drain runs rounds, advancing the clock past back-offs, until nothing is due.
func (f *outboxFixture) drain(t *testing.T, d *notify.Dispatcher) {
	t.Helper()
	for range 1000 {
		res, err := d.RunOnce(context.Background())
		require.NoError(t, err)
		if res.Delivered+res.Retried+res.Failed == 0 {
			f.advance(2 * time.Second)
			if res, err = d.RunOnce(context.Background()); err == nil && res.Delivered+res.Retried+res.Failed == 0 {
				return
			}
			require.NoError(t, err)
		}
	}
	t.Fatal("the outbox never drained")
}

func (f *outboxFixture) requireAll(t *testing.T, rec *notify.Recorder, state notify.State) {
	t.Helper()
	got := rec.Events()
	seen := map[numberdesk.EventID]bool{}
	for _, e := range got {
		seen[e.ID] = true
	}
	for _, id := range f.ids {
		require.True(t, seen[id], "event %s never delivered", id)
	}
	ds, total, err := f.store.FindDeliveries(context.Background(), f.tenant, notify.DeliveryFilter{States: []notify.State{state}})
	require.NoError(t, err)
	require.Equal(t, len(f.ids), total)
	require.Len(t, ds, len(f.ids))
}

func TestDispatcherDeliversEverythingOnce(t *testing.T) {
	f := newOutbox(t, 50)
	rec := &notify.Recorder{}
	f.drain(t, f.dispatcher(rec))
	f.requireAll(t, rec, notify.StateDelivered)
	require.Len(t, rec.Events(), 50)
	require.Zero(t, rec.Duplicates())
}

// A notifier that fails the first N times, or panics, still gets every event
// delivered after retries.
func TestDispatcherRetriesTransientFailures(t *testing.T) {
	for _, mode := range []string{"error", "panic"} {
		t.Run(mode, func(t *testing.T) {
			f := newOutbox(t, 20)
			rec := &notify.Recorder{}
			var calls atomic.Int64
			flaky := notify.NotifierFunc(func(ctx context.Context, e numberdesk.Event) error {
				if calls.Add(1)%3 != 0 { // two of three calls fail
					if mode == "panic" {
						panic("boom")
					}
					return errors.New("connection reset")
				}
				return rec.Notify(ctx, e)
			})
			f.drain(t, f.dispatcher(flaky))
			f.requireAll(t, rec, notify.StateDelivered)
			require.Zero(t, rec.Duplicates())
			ds, _, err := f.store.FindDeliveries(context.Background(), f.tenant, notify.DeliveryFilter{})
			require.NoError(t, err)
			for _, d := range ds {
				require.GreaterOrEqual(t, d.Attempts, 1)
				require.False(t, d.DeliveredAt.IsZero())
			}
		})
	}
}

// A permanent error is not retried: the event is failed and visible.
func TestDispatcherPermanentFailureIsVisible(t *testing.T) {
	f := newOutbox(t, 5)
	var calls atomic.Int64
	n := notify.NotifierFunc(func(context.Context, numberdesk.Event) error {
		calls.Add(1)
		return notify.Permanent(errors.New("550 mailbox unavailable"))
	})
	f.drain(t, f.dispatcher(n))
	require.Equal(t, int64(5), calls.Load(), "a permanent failure is tried once")
	ds, total, err := f.store.FindDeliveries(context.Background(), f.tenant, notify.DeliveryFilter{States: []notify.State{notify.StateFailed}})
	require.NoError(t, err)
	require.Equal(t, 5, total)
	require.Contains(t, ds[0].LastError, "550")
	require.Equal(t, 1, ds[0].Attempts)
}

// Transient errors give up after MaxAttempts.
func TestDispatcherGivesUpAfterMaxAttempts(t *testing.T) {
	f := newOutbox(t, 3)
	d := f.dispatcher(notify.NotifierFunc(func(context.Context, numberdesk.Event) error { return errors.New("451 try later") }))
	d.MaxAttempts = 4
	f.drain(t, d)
	ds, total, err := f.store.FindDeliveries(context.Background(), f.tenant, notify.DeliveryFilter{States: []notify.State{notify.StateFailed}})
	require.NoError(t, err)
	require.Equal(t, 3, total)
	require.Equal(t, 4, ds[0].Attempts)
}

// A dispatcher that dies in the middle of a batch (after delivering, before
// recording) loses nothing: when its lease runs out another one delivers
// again, and the recorder de-duplicates by event ID.
func TestDispatcherRestartMidBatch(t *testing.T) {
	f := newOutbox(t, 30)
	rec := &notify.Recorder{}
	ctx, crash := context.WithCancel(context.Background())
	delivered := 0
	dying := f.dispatcher(notify.NotifierFunc(func(_ context.Context, e numberdesk.Event) error {
		_ = rec.Notify(context.Background(), e)
		if delivered++; delivered == 4 {
			crash() // the process dies right after the notifier accepted the 4th event
		}
		return nil
	}))
	dying.Worker, dying.Lease = "dying", time.Minute
	_, err := dying.RunOnce(ctx)
	require.ErrorIs(t, err, context.Canceled)

	next := f.dispatcher(rec)
	next.Worker = "next"
	res, err := next.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 7, res.Delivered, "the dead worker's leased batch waits for its lease to run out")
	f.advance(2 * time.Minute)
	f.drain(t, next)
	f.requireAll(t, rec, notify.StateDelivered)
	require.Len(t, rec.Events(), 30, "every event delivered, de-duplicated by ID")
	require.LessOrEqual(t, rec.Duplicates(), 4, "only what the dead worker had delivered comes again")
}

// Several dispatchers on one store never deliver the same event twice when
// none of them dies.
func TestDispatchersConcurrent(t *testing.T) {
	f := newOutbox(t, 1000)
	rec := &notify.Recorder{}
	var inFlight sync.Map
	n := notify.NotifierFunc(func(ctx context.Context, e numberdesk.Event) error {
		if _, busy := inFlight.LoadOrStore(e.ID, true); busy {
			return fmt.Errorf("event %s delivered concurrently", e.ID)
		}
		defer inFlight.Delete(e.ID)
		return rec.Notify(ctx, e)
	})
	var wg sync.WaitGroup
	for i := range 4 {
		d := f.dispatcher(n)
		d.Worker = fmt.Sprint("w", i)
		wg.Go(func() {
			for {
				res, err := d.RunOnce(context.Background())
				require.NoError(t, err)
				if res.Delivered+res.Retried+res.Failed == 0 {
					return
				}
				require.Zero(t, res.Retried+res.Failed)
			}
		})
	}
	wg.Wait()
	f.requireAll(t, rec, notify.StateDelivered)
	require.Zero(t, rec.Duplicates())
}

func TestExponential(t *testing.T) {
	b := notify.Exponential(time.Second, time.Minute)
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 10: time.Minute} {
		got := b(attempt)
		require.InDelta(t, float64(want), float64(got), 0.2*float64(want)+1, "attempt %d", attempt)
	}
}

// BenchmarkDispatch10000 delivers 10,000 events through the outbox to a
// Recorder.
func BenchmarkDispatch10000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		f := newOutbox(b, 10_000)
		rec := &notify.Recorder{}
		d := f.dispatcher(rec)
		d.Batch = 500
		b.StartTimer()
		for {
			res, err := d.RunOnce(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if res.Delivered == 0 {
				break
			}
		}
		if len(rec.Events()) != 10_000 {
			b.Fatal(len(rec.Events()))
		}
	}
}

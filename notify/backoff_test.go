package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
)

// scriptedOutbox is an Outbox whose ClaimDeliveries answers from a script,
// one entry per call (nothing due past its end), and which records every
// FinishDeliveries call. It is safe for concurrent use.
type scriptedOutbox struct {
	mu       sync.Mutex
	script   []claimAnswer
	claims   int
	finishes [][]Finish
	// finish, if set, answers FinishDeliveries (after recording the call).
	finish func(ctx context.Context, fs []Finish) ([]Finish, error)
	// claimed is closed at the first ClaimDeliveries call.
	claimed chan struct{}
}

type claimAnswer struct {
	claims []Claim
	err    error
}

func (o *scriptedOutbox) ClaimDeliveries(_ context.Context, _ string, _ time.Time, _ time.Duration, _ int) ([]Claim, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.claims == 0 && o.claimed != nil {
		close(o.claimed)
	}
	o.claims++
	if o.claims > len(o.script) {
		return nil, nil
	}
	a := o.script[o.claims-1]
	return a.claims, a.err
}

func (o *scriptedOutbox) FinishDeliveries(ctx context.Context, fs []Finish) ([]Finish, error) {
	o.mu.Lock()
	o.finishes = append(o.finishes, append([]Finish(nil), fs...))
	finish := o.finish
	o.mu.Unlock()
	if finish != nil {
		return finish(ctx, fs)
	}
	return nil, nil
}

func (o *scriptedOutbox) FindDeliveries(context.Context, numberdesk.TenantID, DeliveryFilter) ([]Delivery, int, error) {
	return nil, 0, nil
}

// claimsOf returns n claims of events of one tenant.
func claimsOf(t *testing.T, n int) []Claim {
	t.Helper()
	tenant := numberdesk.NewTenantID()
	cs := make([]Claim, n)
	for i := range cs {
		e, err := numberdesk.NewEvent("test.event", numberdesk.System(tenant), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "", map[string]int{"i": i})
		require.NoError(t, err)
		e.Seq = int64(i + 1)
		cs[i] = Claim{Event: e, Attempts: i % 2}
	}
	return cs
}

// logRecord is what a test reads of a log line.
type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]any
}

// logCollector is a slog.Handler that keeps every record.
type logCollector struct {
	mu      sync.Mutex
	records []logRecord
}

func (c *logCollector) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCollector) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *logCollector) WithGroup(string) slog.Handler            { return c }
func (c *logCollector) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]any{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.Resolve().Any()
		return true
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, rec)
	return nil
}

func (c *logCollector) all() []logRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]logRecord(nil), c.records...)
}

// fakeTime is a clock that only the test's sleeps advance.
type fakeTime struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeTime) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// TestRunBacksOffOnErrors: while rounds fail, Run waits interval, then twice
// as long each time up to MaxErrorWait, instead of polling every interval; it
// logs when the failures start, when the error changes and once per
// MaxErrorWait of waiting, and once when a round succeeds again; a success
// resets the back-off. The waits are recorded, not slept, and the jitter is
// off, so that nothing depends on the machine's speed.
func TestRunBacksOffOnErrors(t *testing.T) {
	down := numberdesk.Internal("sqlstore.ClaimDeliveries", errors.New("dial tcp: connection refused"))
	other := numberdesk.Internal("sqlstore.ClaimDeliveries", errors.New("too many connections"))
	script := []claimAnswer{
		{err: down}, {err: down}, // 1, 2
		{err: other}, {err: down}, // 3, 4: the error changes twice
		{err: down}, {err: down}, {err: down}, {err: down}, // 5-8
		{},                       // 9: nothing due: recovered
		{claims: claimsOf(t, 2)}, // 10: a batch: the next round starts at once
		{},                       // 11: nothing due
		{err: down},              // 12: a new run of failures starts from interval
	}
	ob := &scriptedOutbox{script: script}
	ft := &fakeTime{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	logs := &logCollector{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waits []time.Duration
	d := &Dispatcher{Outbox: ob, Notifier: NotifierFunc(func(context.Context, numberdesk.Event) error { return nil }),
		Worker: "w", MaxErrorWait: 8 * time.Second, Clock: ft.clock, Logger: slog.New(logs),
		jitter: func(d time.Duration) time.Duration { return d },
		sleep: func(ctx context.Context, d time.Duration) error {
			waits = append(waits, d)
			ft.advance(d)
			if len(waits) == 11 {
				cancel()
				return ctx.Err()
			}
			return nil
		}}

	err := d.Run(ctx, time.Second)
	require.ErrorIs(t, err, context.Canceled)

	s := time.Second
	require.Equal(t, []time.Duration{1 * s, 2 * s, 4 * s, 8 * s, 8 * s, 8 * s, 8 * s, 8 * s, // failures 1-8
		1 * s, // 9: nothing due
		1 * s, // 11: nothing due (10 had events: no wait)
		1 * s, // 12: a failure again, back-off from the start
	}, waits)
	require.Equal(t, 12, ob.claims, "one round per wait, and one after the batch")
	require.Len(t, ob.finishes, 1, "round 10's batch")

	type line struct {
		level    slog.Level
		failures int64
		err      string
	}
	var got []line
	var downFor any
	for _, r := range logs.all() {
		switch r.msg {
		case "notify: dispatch round failed; backing off":
			require.Equal(t, slog.LevelError, r.level)
			got = append(got, line{r.level, r.attrs["failures"].(int64), fmt.Sprint(r.attrs["err"])})
		case "notify: dispatch rounds succeed again":
			require.Equal(t, slog.LevelInfo, r.level)
			got = append(got, line{r.level, r.attrs["failures"].(int64), ""})
			downFor = r.attrs["down_for"]
		default:
			t.Errorf("unexpected log line %q", r.msg)
		}
	}
	require.Equal(t, []line{
		{slog.LevelError, 1, down.Error()},  // the failures start; 1 s waited before the 2nd: quiet
		{slog.LevelError, 3, other.Error()}, // another error
		{slog.LevelError, 4, down.Error()},  // and back
		{slog.LevelError, 5, down.Error()},  // the same, but 8 s waited since the last line
		{slog.LevelError, 6, down.Error()},  // and so on, once per MaxErrorWait
		{slog.LevelError, 7, down.Error()},
		{slog.LevelError, 8, down.Error()},
		{slog.LevelInfo, 8, ""},            // recovered
		{slog.LevelError, 1, down.Error()}, // failing again
	}, got)
	require.Equal(t, (1+2+4+8*5)*time.Second, downFor, "from the end of the first failed round to the recovery")
}

// TestRunErrorWaitDefaults: MaxErrorWait defaults to a minute, and Run never
// waits less than its interval; the default jitter stays within ±20 %.
func TestRunErrorWaitDefaults(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		want     []time.Duration
	}{
		{10 * time.Second, []time.Duration{10, 20, 40, 60, 60}},
		{2 * time.Minute, []time.Duration{120, 120, 120}},
	} {
		t.Run(tc.interval.String(), func(t *testing.T) {
			script := make([]claimAnswer, len(tc.want))
			for i := range script {
				script[i].err = errors.New("down")
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var waits []time.Duration
			d := &Dispatcher{Outbox: &scriptedOutbox{script: script}, Notifier: &Recorder{}, Logger: slog.New(&logCollector{}),
				sleep: func(ctx context.Context, d time.Duration) error {
					if waits = append(waits, d); len(waits) == len(tc.want) {
						cancel()
						return ctx.Err()
					}
					return nil
				}}
			require.ErrorIs(t, d.Run(ctx, tc.interval), context.Canceled)
			require.Len(t, waits, len(tc.want))
			for i, w := range waits {
				want := tc.want[i] * time.Second
				require.InDelta(t, float64(want), float64(w), 0.2*float64(want)+1, "wait %d", i+1)
			}
		})
	}
}

// TestRunStopsWhileWaiting: with the real timer, Run returns ctx's error as
// soon as ctx is done, also in the middle of a long wait.
func TestRunStopsWhileWaiting(t *testing.T) {
	for name, answer := range map[string]claimAnswer{"idle": {}, "failing": {err: errors.New("down")}} {
		t.Run(name, func(t *testing.T) {
			ob := &scriptedOutbox{script: []claimAnswer{answer}, claimed: make(chan struct{})}
			d := &Dispatcher{Outbox: ob, Notifier: &Recorder{}, Logger: slog.New(&logCollector{})}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx, time.Hour) }()
			<-ob.claimed
			cancel()
			require.ErrorIs(t, <-done, context.Canceled)
		})
	}
}

func TestRunRefusesANonPositiveInterval(t *testing.T) {
	d := &Dispatcher{Outbox: &scriptedOutbox{}, Notifier: &Recorder{}}
	for _, interval := range []time.Duration{0, -time.Second} {
		err := d.Run(context.Background(), interval)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, "interval", numberdesk.ErrorField(err))
	}
}

// TestRunOnceFinishesABatchInOneCall: the outcomes of a batch, each as the
// Notifier's answer says, go to the Outbox in one FinishDeliveries call, in
// the order of the claims.
func TestRunOnceFinishesABatchInOneCall(t *testing.T) {
	cs := claimsOf(t, 5)
	ob := &scriptedOutbox{script: []claimAnswer{{claims: cs}}}
	ft := &fakeTime{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	n := NotifierFunc(func(_ context.Context, e numberdesk.Event) error {
		ft.advance(time.Second)
		switch e.ID {
		case cs[1].Event.ID:
			return errors.New("451 try later")
		case cs[2].Event.ID:
			return Permanent(errors.New("550 no such user"))
		}
		return nil
	})
	d := &Dispatcher{Outbox: ob, Notifier: n, Worker: "w", Clock: ft.clock, Logger: slog.New(&logCollector{}),
		Backoff: func(attempt int) time.Duration { return time.Duration(attempt) * time.Minute }}
	res, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, Result{Delivered: 3, Retried: 1, Failed: 1}, res)
	require.Len(t, ob.finishes, 1)
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i+1) * time.Second) }
	f := func(i int, st State) Finish {
		return Finish{Tenant: cs[i].Event.Tenant, Event: cs[i].Event.ID, Worker: "w", State: st, Attempts: cs[i].Attempts + 1, At: at(i)}
	}
	retry, failed := f(1, StatePending), f(2, StateFailed)
	retry.Error, retry.NextAttempt = "451 try later", at(1).Add(2*time.Minute) // its 2nd attempt
	failed.Error = "550 no such user"
	require.Equal(t, []Finish{f(0, StateDelivered), retry, failed, f(3, StateDelivered), f(4, StateDelivered)}, ob.finishes[0])
}

// TestRunOnceLostOutcomes: outcomes the Outbox reports lost (another
// dispatcher holds the lease) do not fail the round; an error of the Outbox
// does.
func TestRunOnceLostOutcomes(t *testing.T) {
	cs := claimsOf(t, 3)
	ob := &scriptedOutbox{script: []claimAnswer{{claims: cs}, {claims: cs}}}
	ob.finish = func(_ context.Context, fs []Finish) ([]Finish, error) { return fs[1:2], nil }
	d := &Dispatcher{Outbox: ob, Notifier: &Recorder{}, Logger: slog.New(&logCollector{})}
	res, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, Result{Delivered: 3}, res)
	boom := numberdesk.Internal("store.FinishDeliveries", errors.New("connection reset"))
	ob.finish = func(context.Context, []Finish) ([]Finish, error) { return nil, boom }
	_, err = d.RunOnce(context.Background())
	require.ErrorIs(t, err, boom)
	require.Len(t, ob.finishes, 2)
}

// TestRunOnceSlowNotifier: once half the lease has passed since the claim,
// the outcomes so far are recorded at once, while the leases hold, and so
// is each one after.
func TestRunOnceSlowNotifier(t *testing.T) {
	cs := claimsOf(t, 6)
	ob := &scriptedOutbox{script: []claimAnswer{{claims: cs}}}
	ft := &fakeTime{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	n := NotifierFunc(func(context.Context, numberdesk.Event) error { ft.advance(10 * time.Second); return nil })
	d := &Dispatcher{Outbox: ob, Notifier: n, Clock: ft.clock, Lease: time.Minute, Logger: slog.New(&logCollector{})}
	res, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 6, res.Delivered)
	var sizes []int
	for _, fs := range ob.finishes {
		sizes = append(sizes, len(fs))
	}
	require.Equal(t, []int{3, 1, 1, 1}, sizes, "30 s after the claim: the first three; then each")
}

// TestRunOnceCancelled: when ctx is done mid-batch, RunOnce delivers no
// further event, still records the outcomes so far (with a ctx that is not
// done), leaves out the delivery that ctx interrupted, and returns ctx's
// error.
func TestRunOnceCancelled(t *testing.T) {
	for name, interrupted := range map[string]bool{"after a delivery": false, "interrupting a delivery": true} {
		t.Run(name, func(t *testing.T) {
			cs := claimsOf(t, 5)
			ob := &scriptedOutbox{script: []claimAnswer{{claims: cs}}}
			var finishCtxErr error
			ob.finish = func(ctx context.Context, _ []Finish) ([]Finish, error) {
				finishCtxErr = ctx.Err()
				return nil, nil
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls := 0
			n := NotifierFunc(func(ctx context.Context, _ numberdesk.Event) error {
				if calls++; calls == 3 {
					cancel()
					if interrupted {
						return ctx.Err()
					}
				}
				return nil
			})
			d := &Dispatcher{Outbox: ob, Notifier: n, Logger: slog.New(&logCollector{})}
			res, err := d.RunOnce(ctx)
			require.ErrorIs(t, err, context.Canceled)
			require.Equal(t, 3, calls, "no delivery after ctx is done")
			want := 3
			if interrupted {
				want = 2
			}
			require.Equal(t, want, res.Delivered)
			require.Len(t, ob.finishes, 1)
			require.Len(t, ob.finishes[0], want)
			for i, f := range ob.finishes[0] {
				require.Equal(t, cs[i].Event.ID, f.Event)
				require.Equal(t, StateDelivered, f.State)
			}
			require.NoError(t, finishCtxErr)
		})
	}
}

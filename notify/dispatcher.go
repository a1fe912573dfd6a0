package notify

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// State is the delivery state of an event in the outbox.
type State string

// The delivery states.
const (
	StatePending   State = "pending"   // not yet delivered; retried from NextAttempt on
	StateDelivered State = "delivered" // the Notifier accepted it
	StateFailed    State = "failed"    // given up: a permanent error, or too many attempts
)

// Delivery is the delivery state of one event, as the outbox keeps it.
type Delivery struct {
	Event       numberdesk.EventID   `json:"event"`
	Tenant      numberdesk.TenantID  `json:"tenant"`
	Seq         int64                `json:"seq"`
	Type        numberdesk.EventType `json:"type"`
	State       State                `json:"state"`
	Attempts    int                  `json:"attempts"`
	NextAttempt time.Time            `json:"next_attempt,omitzero"`
	LastError   string               `json:"last_error,omitempty"`
	DeliveredAt time.Time            `json:"delivered_at,omitzero"`
}

// Claim is an event leased to one dispatcher for delivery.
type Claim struct {
	Event    numberdesk.Event
	Attempts int // attempts before this one
}

// Finish records the outcome of delivering a claimed event (see
// Outbox.FinishDeliveries).
type Finish struct {
	Tenant      numberdesk.TenantID
	Event       numberdesk.EventID
	Worker      string    // must still hold the lease, else the Finish is lost
	State       State     // delivered, failed, or pending for a retry
	Attempts    int       // attempts so far, including this one
	NextAttempt time.Time // for a retry
	Error       string    // the last error, for the operator
	At          time.Time
}

// DeliveryFilter selects deliveries of one tenant, by Seq.
type DeliveryFilter struct {
	States []State
	Offset int
	Limit  int // 0: no limit
}

// Check checks a filter given to Outbox.FindDeliveries: a negative Offset
// or Limit is CodeInvalid (Field "offset" or "limit", see
// numberdesk.CheckPage). Backends call it first, so that all of them refuse
// alike.
func (f DeliveryFilter) Check(op string) error {
	return numberdesk.CheckPage(op, f.Offset, f.Limit)
}

// CheckClaim checks the arguments of Outbox.ClaimDeliveries: a worker, a
// positive lease and a positive limit are required (CodeInvalid with Field
// "worker", "lease" or "limit"). Backends call it first.
func CheckClaim(op, worker string, lease time.Duration, limit int) error {
	switch {
	case worker == "":
		return numberdesk.E(numberdesk.CodeInvalid, op, "worker", "Der Arbeiter fehlt.")
	case lease <= 0:
		return numberdesk.E(numberdesk.CodeInvalid, op, "lease", "Die Frist muss positiv sein.")
	case limit <= 0:
		return numberdesk.E(numberdesk.CodeInvalid, op, "limit", "Die Anzahl muss positiv sein.")
	}
	return nil
}

// CheckFinishes checks the batch given to Outbox.FinishDeliveries: every
// State must be delivered, failed or pending (CodeInvalid, Field "state"),
// and no event may appear twice, that is, no two Finishes may have the same
// Tenant and Event (CodeInvalid, Field "event"; the same Event of two
// tenants are two events). Backends call it first, so that all of them
// refuse alike and a refused batch changes nothing.
func CheckFinishes(op string, fs []Finish) error {
	type key struct {
		tenant numberdesk.TenantID
		event  numberdesk.EventID
	}
	var seen map[key]struct{}
	if len(fs) > 1 {
		seen = make(map[key]struct{}, len(fs))
	}
	for _, f := range fs {
		switch f.State {
		case StateDelivered, StateFailed, StatePending:
		default:
			return numberdesk.E(numberdesk.CodeInvalid, op, "state", "Der Zustand ist ungültig.")
		}
		if seen == nil {
			continue
		}
		k := key{f.Tenant, f.Event}
		if _, dup := seen[k]; dup {
			return numberdesk.E(numberdesk.CodeInvalid, op, "event", "Das Ereignis ist mehrfach angegeben.")
		}
		seen[k] = struct{}{}
	}
	return nil
}

// Outbox is the part of a Store the Dispatcher needs. Every appended event
// starts pending.
type Outbox interface {
	// ClaimDeliveries leases up to limit pending events of any tenant whose
	// NextAttempt has come and whose lease (if any) has run out, oldest Seq
	// first, to worker until now+lease. Two workers never hold the same
	// event. It is the one Store method that spans tenants: it serves the
	// vendor's dispatcher, never a tenant. A worker, a positive lease and a
	// positive limit are required (CheckClaim).
	ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]Claim, error)
	// FinishDeliveries records the outcomes of claimed events, a whole batch
	// in one call, each Finish independently of the others. A Finish is
	// recorded if f.Worker holds the lease on the pending event f.Event of
	// f.Tenant: its State becomes f.State (delivered, with DeliveredAt f.At;
	// failed; or pending, to be retried from f.NextAttempt), Attempts and
	// the last error become f.Attempts and f.Error, and the lease ends.
	// Otherwise it is skipped and returned in lost: another worker took the
	// event over, it is finished already, nobody holds it, or f.Tenant has
	// no such event (another tenant's event and an unknown one look alike).
	// lost holds copies of the skipped Finishes in the order of fs, nil if
	// all were recorded; an empty fs does nothing. A State other than the
	// three, or the same event twice in fs, is CodeInvalid (CheckFinishes)
	// and changes nothing; on any error nothing is recorded.
	FinishDeliveries(ctx context.Context, fs []Finish) (lost []Finish, err error)
	// FindDeliveries returns the tenant's deliveries matching f and the total:
	// a failed send is visible, never silently dropped. A negative Offset or
	// Limit is CodeInvalid (DeliveryFilter.Check).
	FindDeliveries(ctx context.Context, tenant numberdesk.TenantID, f DeliveryFilter) ([]Delivery, int, error)
}

// Dispatcher delivers the events of an Outbox to a Notifier at least once:
// it claims a batch, delivers each event, and records the outcomes of the
// batch with one Outbox.FinishDeliveries call; transient errors are retried
// with exponential back-off and jitter, permanent ones (see Permanent) and
// events that failed MaxAttempts times are marked failed. A transient error
// carrying a hint (see RetryAfter) is retried no sooner than the hint says:
// after the longer of the hint and the back-off. If a dispatcher
// dies mid-batch, its leases run out and another one delivers the batch's
// events again, those delivered before the death included, so recipients
// de-duplicate by Event.ID. Several dispatchers may run against one store.
// A Notifier that panics fails transiently; the stored last error and the
// log line name the event, its type, the panic value's type and where it
// panicked, never the value.
type Dispatcher struct {
	Outbox   Outbox
	Notifier Notifier
	// Worker names this dispatcher in leases; default a random name.
	Worker string
	// Batch is how many events one round claims; default 100.
	Batch int
	// Lease is how long a claim lasts; default 1 minute. It should exceed
	// the time a batch takes to deliver: RunOnce records the outcomes so
	// far once half of it has passed, and an event whose lease ran out may
	// be claimed and delivered again by another dispatcher.
	Lease time.Duration
	// MaxAttempts before an event is marked failed; default 25.
	MaxAttempts int
	// Backoff returns the wait after the n-th failed attempt; default
	// exponential from 1 s, doubling, capped at 1 h, with ±20 % jitter.
	Backoff func(attempt int) time.Duration
	// MaxErrorWait is the longest wait of Run after failed rounds (the
	// outbox cannot be reached, say), before jitter; default 1 minute. Run
	// never waits less than its interval.
	MaxErrorWait time.Duration
	Clock        numberdesk.Clock
	Logger       *slog.Logger // default slog.Default()

	// sleep waits d, or until ctx is done (ctx's error then); default a
	// timer. jitter spreads Run's waits after failed rounds; default ±20 %.
	// Tests replace them.
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(time.Duration) time.Duration
}

func (d *Dispatcher) defaults() {
	if d.Worker == "" {
		d.Worker = fmt.Sprintf("dispatcher-%08x", rand.Uint32())
	}
	if d.Batch <= 0 {
		d.Batch = 100
	}
	if d.Lease <= 0 {
		d.Lease = time.Minute
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 25
	}
	if d.Backoff == nil {
		d.Backoff = Exponential(time.Second, time.Hour)
	}
	if d.MaxErrorWait <= 0 {
		d.MaxErrorWait = time.Minute
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.sleep == nil {
		d.sleep = sleep
	}
	if d.jitter == nil {
		d.jitter = jitter
	}
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Exponential returns a back-off that waits base after the first failed
// attempt and doubles up to limit, each with ±20 % jitter.
func Exponential(base, limit time.Duration) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		return jitter(doubled(base, limit, attempt))
	}
}

// doubled returns base doubled for each attempt after the first, up to
// limit.
func doubled(base, limit time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// jitter returns d changed by a random amount of up to ±20 %.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}

// Result counts what a round did.
type Result struct {
	Delivered, Retried, Failed int
}

// finishGrace is how long RunOnce still gives the Outbox to record the
// outcomes so far after ctx is done.
const finishGrace = 5 * time.Second

// RunOnce claims one batch, delivers its events in Seq order, and records
// their outcomes with one Outbox.FinishDeliveries call at the end, or
// earlier, for the outcomes so far, once half the Lease has passed since the
// claim (a slow Notifier): the leases still hold then. An outcome whose
// lease another dispatcher holds by then is not recorded; that one delivers
// the event again. If ctx is done mid-batch, RunOnce delivers no further
// event, records the outcomes so far (giving the Outbox finishGrace, 5 s,
// beyond ctx; the delivery that ctx interrupted is not an outcome) and
// returns ctx's error; the rest of the batch waits for its leases to run
// out. RunOnce returns how many events it handled; zero means the outbox
// had nothing due.
func (d *Dispatcher) RunOnce(ctx context.Context) (Result, error) {
	d.defaults()
	var res Result
	claimed := d.Clock.Now()
	claims, err := d.Outbox.ClaimDeliveries(ctx, d.Worker, claimed, d.Lease, d.Batch)
	if err != nil {
		return res, err
	}
	fs := make([]Finish, 0, len(claims))
	for _, c := range claims {
		if ctx.Err() != nil {
			break // the leases run out; another round delivers the rest
		}
		f := Finish{Tenant: c.Event.Tenant, Event: c.Event.ID, Worker: d.Worker, Attempts: c.Attempts + 1}
		err := d.deliver(ctx, c.Event)
		f.At = d.Clock.Now()
		switch {
		case err != nil && ctx.Err() != nil:
			continue // interrupted, not failed: its lease runs out
		case err == nil:
			f.State = StateDelivered
			res.Delivered++
		case IsPermanent(err) || f.Attempts >= d.MaxAttempts:
			f.State, f.Error = StateFailed, err.Error()
			res.Failed++
			d.Logger.Warn("notify: delivery failed", "event", c.Event.ID, "type", c.Event.Type, "attempts", f.Attempts, "err", err)
		default:
			wait := d.Backoff(f.Attempts)
			if hint, ok := RetryAfterOf(err); ok && hint > wait {
				wait = hint // the Notifier asked for a later retry (RetryAfter)
			}
			f.State, f.Error, f.NextAttempt = StatePending, err.Error(), f.At.Add(wait)
			res.Retried++
		}
		fs = append(fs, f)
		if f.At.Sub(claimed) >= d.Lease/2 {
			if err := d.finish(ctx, fs); err != nil {
				return res, err
			}
			fs = fs[:0]
		}
	}
	if err := d.finish(ctx, fs); err != nil {
		return res, err
	}
	return res, ctx.Err()
}

// finish records the outcomes fs, if any, with one Outbox call; after ctx
// is done, it gives the Outbox finishGrace.
func (d *Dispatcher) finish(ctx context.Context, fs []Finish) error {
	if len(fs) == 0 {
		return nil
	}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), finishGrace)
		defer cancel()
	}
	lost, err := d.Outbox.FinishDeliveries(ctx, fs)
	if err != nil {
		return err
	}
	for _, f := range lost {
		// Our lease ran out and another dispatcher owns the event now.
		d.Logger.DebugContext(ctx, "notify: outcome not recorded: the lease has passed to another dispatcher", "event", f.Event, "state", f.State)
	}
	return nil
}

// deliver calls the Notifier, turning a panic into a transient error.
//
// The panic's value is never formatted: it may hold the event or its payload
// (a notifier down the chain may panic with what it was given, and the
// login data of efax travel in the event), and the error goes to the
// outbox's stored last error and to the log. The error and the log line
// name only the event, the panic value's type and where the panic started.
func (d *Dispatcher) deliver(ctx context.Context, e numberdesk.Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			pe := &panicError{event: e.ID, typ: e.Type, value: fmt.Sprintf("%T", p), at: panicSite()}
			d.Logger.ErrorContext(ctx, "notify: notifier panicked", "event", e.ID, "type", e.Type, "panic", pe.value, "at", pe.at)
			err = pe
		}
	}()
	return d.Notifier.Notify(ctx, e)
}

// panicError is the transient error of a delivery whose Notifier panicked.
// It holds no value of the panic or of the event but their types.
type panicError struct {
	event numberdesk.EventID
	typ   numberdesk.EventType
	value string // the type of the panic's value, e.g. "string" or "runtime.boundsError"
	at    string // the function and line where the panic started
}

func (p *panicError) Error() string {
	return fmt.Sprintf("notify: the notifier panicked (%s at %s) delivering event %s (%s)", p.value, p.at, p.event, p.typ)
}

// panicSite returns the function, file and line where the panic being
// recovered started: the first frame below runtime.gopanic outside the
// runtime. Called from a deferred function during the panic.
func panicSite() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			panicking = true
		case panicking && !strings.HasPrefix(f.Function, "runtime."):
			return f.Function + " (" + path.Base(f.File) + ":" + strconv.Itoa(f.Line) + ")"
		}
		if !more {
			return "an unknown place"
		}
	}
}

// Run delivers until ctx is done and returns ctx's error. After a round
// that handled events it starts the next at once; after one that found
// nothing due it waits interval. After a failed round (the outbox cannot be
// reached, say) it backs off: it waits interval after the first failure in
// a row and twice as long after each further one, up to MaxErrorWait (never
// less than interval), each wait with ±20 % jitter (see Exponential); a
// round that succeeds ends the back-off. Run logs a failure (at level
// Error) when the failures start, and then only when the error changes or
// once MaxErrorWait has been waited since it last logged, and it logs (at
// level Info) when a round succeeds again. A non-positive interval is
// CodeInvalid (Field "interval").
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return numberdesk.E(numberdesk.CodeInvalid, "notify.Dispatcher.Run", "interval", "Das Intervall muss positiv sein.")
	}
	d.defaults()
	limit := max(d.MaxErrorWait, interval)
	var (
		failures int           // failed rounds in a row
		since    time.Time     // when the first of them ended
		logged   string        // the error last logged
		waited   time.Duration // the waits since it was logged
	)
	for {
		res, err := d.RunOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := interval
		switch {
		case err != nil:
			if failures++; failures == 1 {
				since = d.Clock.Now()
			}
			wait = d.jitter(doubled(interval, limit, failures))
			if msg := err.Error(); failures == 1 || msg != logged || waited >= limit {
				d.Logger.ErrorContext(ctx, "notify: dispatch round failed; backing off",
					"err", err, "failures", failures, "retry_in", wait)
				logged, waited = msg, 0
			}
			waited += wait
		case failures > 0:
			d.Logger.InfoContext(ctx, "notify: dispatch rounds succeed again",
				"failures", failures, "down_for", d.Clock.Now().Sub(since))
			failures, logged, waited = 0, "", 0
		}
		if err == nil && res.Delivered+res.Retried+res.Failed > 0 {
			continue // there may be more
		}
		if err := d.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

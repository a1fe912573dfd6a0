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

// Finish records the outcome of delivering a claimed event.
type Finish struct {
	Tenant      numberdesk.TenantID
	Event       numberdesk.EventID
	Worker      string    // must still hold the lease, else CodeConflict
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
	// FinishDelivery records an outcome; CodeConflict if f.Worker no longer
	// holds the lease (another worker took the event over).
	FinishDelivery(ctx context.Context, f Finish) error
	// FindDeliveries returns the tenant's deliveries matching f and the total:
	// a failed send is visible, never silently dropped. A negative Offset or
	// Limit is CodeInvalid (DeliveryFilter.Check).
	FindDeliveries(ctx context.Context, tenant numberdesk.TenantID, f DeliveryFilter) ([]Delivery, int, error)
}

// Dispatcher delivers the events of an Outbox to a Notifier at least once:
// it claims a batch, delivers each event, and records the outcome; transient
// errors are retried with exponential back-off and jitter, permanent ones
// (see Permanent) and events that failed MaxAttempts times are marked
// failed. If a dispatcher dies mid-batch, its lease runs out and another one
// delivers the events again, so recipients de-duplicate by Event.ID. Several
// dispatchers may run against one store. A Notifier that panics fails
// transiently; the stored last error and the log line name the event, its
// type, the panic value's type and where it panicked, never the value.
type Dispatcher struct {
	Outbox   Outbox
	Notifier Notifier
	// Worker names this dispatcher in leases; default a random name.
	Worker string
	// Batch is how many events one round claims; default 100.
	Batch int
	// Lease is how long a claim lasts; default 1 minute. It must exceed the
	// time a batch takes to deliver.
	Lease time.Duration
	// MaxAttempts before an event is marked failed; default 25.
	MaxAttempts int
	// Backoff returns the wait after the n-th failed attempt; default
	// exponential from 1 s, doubling, capped at 1 h, with ±20 % jitter.
	Backoff func(attempt int) time.Duration
	Clock   numberdesk.Clock
	Logger  *slog.Logger // default slog.Default()
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
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
}

// Exponential returns a back-off that waits base after the first failed
// attempt and doubles up to limit, each with ±20 % jitter.
func Exponential(base, limit time.Duration) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		d := base
		for i := 1; i < attempt && d < limit; i++ {
			d *= 2
		}
		d = min(d, limit)
		return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
	}
}

// Result counts what a round did.
type Result struct {
	Delivered, Retried, Failed int
}

// RunOnce claims one batch and delivers it. It returns how many events it
// handled; zero means the outbox had nothing due.
func (d *Dispatcher) RunOnce(ctx context.Context) (Result, error) {
	d.defaults()
	var res Result
	claims, err := d.Outbox.ClaimDeliveries(ctx, d.Worker, d.Clock.Now(), d.Lease, d.Batch)
	if err != nil {
		return res, err
	}
	for _, c := range claims {
		if err := ctx.Err(); err != nil {
			return res, err // the leases run out; another round delivers them
		}
		f := Finish{Tenant: c.Event.Tenant, Event: c.Event.ID, Worker: d.Worker, Attempts: c.Attempts + 1}
		err := d.deliver(ctx, c.Event)
		f.At = d.Clock.Now()
		switch {
		case err == nil:
			f.State = StateDelivered
			res.Delivered++
		case IsPermanent(err) || f.Attempts >= d.MaxAttempts:
			f.State, f.Error = StateFailed, err.Error()
			res.Failed++
			d.Logger.Warn("notify: delivery failed", "event", c.Event.ID, "type", c.Event.Type, "attempts", f.Attempts, "err", err)
		default:
			f.State, f.Error, f.NextAttempt = StatePending, err.Error(), f.At.Add(d.Backoff(f.Attempts))
			res.Retried++
		}
		if err := d.Outbox.FinishDelivery(ctx, f); err != nil {
			if numberdesk.ErrorCode(err) == numberdesk.CodeConflict {
				continue // our lease ran out and another dispatcher owns the event now
			}
			return res, err
		}
	}
	return res, nil
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

// Run delivers until ctx is done, polling every interval when the outbox
// has nothing due. It returns ctx's error.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) error {
	d.defaults()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.Logger.Error("notify: dispatch round", "err", err)
		}
		if err == nil && res.Delivered+res.Retried+res.Failed > 0 {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

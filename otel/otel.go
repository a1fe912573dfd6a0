// Package otel instruments NumberDesk with OpenTelemetry, from the outside:
// the core packages (numberdesk, numbers, staff, routing, efax, notify,
// the stores, httpapi) do not import OpenTelemetry, and neither does the
// browser build.
//
// A Telemetry is
//
//   - a numberdesk.Observer: give it to the services as Config.Observer
//     (numbers, staff, efax). Every command then runs in a span named
//     after its op ("numbers.Activate") with the attributes
//     numberdesk.tenant, numberdesk.op, numberdesk.code ("ok" or the
//     error's Code) and numberdesk.request_id, and is counted
//     (numberdesk.commands, by op and code) and timed
//     (numberdesk.command.duration, seconds, by op and code); efax's
//     lockouts are counted (numberdesk.efax.lockouts);
//   - a store decorator, Telemetry.Store: one span per store call
//     ("store.FindNumberByID", with the tenant and the code), children of
//     the command's span, so a trace shows what a command read and wrote;
//   - an outbox decorator, Telemetry.Outbox, for the notify.Dispatcher:
//     the dispatcher's outcomes (numberdesk.outbox.delivered, .retried,
//     .failed) and the lag (numberdesk.outbox.lag: how long the oldest
//     event of the dispatcher's last round had waited since its Event.At,
//     0 after a round that found nothing due); and, with Config.Backlog,
//     the gauge numberdesk.outbox.backlog.
//
// Neither spans nor metrics carry a payload or a secret: IDs, ops and
// codes only. Metric attributes have a bounded set of values (op, code,
// never the tenant); spans carry the tenant.
package otel

import (
	"context"
	"errors"
	"time"

	gotel "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/numberdesk/numberdesk/otel"

// The attribute keys of spans and metrics.
const (
	AttrTenant    = attribute.Key("numberdesk.tenant")
	AttrOp        = attribute.Key("numberdesk.op")
	AttrCode      = attribute.Key("numberdesk.code") // "ok" or a numberdesk.Code
	AttrRequestID = attribute.Key("numberdesk.request_id")
)

// CodeOK is the value of AttrCode for a success.
const CodeOK = "ok"

// The metric names.
const (
	MetricCommands        = "numberdesk.commands"         // counter, by op and code
	MetricCommandDuration = "numberdesk.command.duration" // histogram, seconds, by op and code
	MetricOutboxDelivered = "numberdesk.outbox.delivered" // counter
	MetricOutboxRetried   = "numberdesk.outbox.retried"   // counter
	MetricOutboxFailed    = "numberdesk.outbox.failed"    // counter: dead-lettered
	MetricOutboxLag       = "numberdesk.outbox.lag"       // gauge, seconds
	MetricOutboxBacklog   = "numberdesk.outbox.backlog"   // gauge, events (Config.Backlog)
	MetricEfaxLockouts    = "numberdesk.efax.lockouts"    // counter
)

// Config configures New.
type Config struct {
	// TracerProvider and MeterProvider; nil: OpenTelemetry's global ones.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// Backlog, if set, counts the events waiting in the outbox (pending,
	// of every tenant); it is read at every collection for the gauge
	// MetricOutboxBacklog. A store-specific query: sqlstore's events
	// table, say.
	Backlog func(ctx context.Context) (int64, error)
}

// Telemetry creates the spans and records the metrics. It is safe for
// concurrent use.
type Telemetry struct {
	tracer    trace.Tracer
	commands  metric.Int64Counter
	duration  metric.Float64Histogram
	delivered metric.Int64Counter
	retried   metric.Int64Counter
	failed    metric.Int64Counter
	lag       metric.Float64Gauge
	lockouts  metric.Int64Counter
}

var _ numberdesk.Observer = (*Telemetry)(nil)

// New returns a Telemetry with cfg's providers, or the error of creating
// an instrument.
func New(cfg Config) (*Telemetry, error) {
	tp, mp := cfg.TracerProvider, cfg.MeterProvider
	if tp == nil {
		tp = gotel.GetTracerProvider()
	}
	if mp == nil {
		mp = gotel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName)
	t := &Telemetry{tracer: tp.Tracer(ScopeName)}
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	t.commands, err = m.Int64Counter(MetricCommands, metric.WithUnit("{command}"),
		metric.WithDescription("Commands of the NumberDesk services, by op and code (ok or the error's code)."))
	add(err)
	t.duration, err = m.Float64Histogram(MetricCommandDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of the commands of the NumberDesk services, by op and code."),
		metric.WithExplicitBucketBoundaries(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
	add(err)
	t.delivered, err = m.Int64Counter(MetricOutboxDelivered, metric.WithUnit("{event}"),
		metric.WithDescription("Events the outbox dispatcher delivered."))
	add(err)
	t.retried, err = m.Int64Counter(MetricOutboxRetried, metric.WithUnit("{event}"),
		metric.WithDescription("Deliveries that failed transiently and will be retried."))
	add(err)
	t.failed, err = m.Int64Counter(MetricOutboxFailed, metric.WithUnit("{event}"),
		metric.WithDescription("Events the dispatcher gave up on (permanent error or too many attempts)."))
	add(err)
	t.lag, err = m.Float64Gauge(MetricOutboxLag, metric.WithUnit("s"),
		metric.WithDescription("How long the oldest event of the dispatcher's last round had waited (0: nothing was due)."))
	add(err)
	t.lockouts, err = m.Int64Counter(MetricEfaxLockouts, metric.WithUnit("{lockout}"),
		metric.WithDescription("E-Fax-App logins locked after repeated failed logins."))
	add(err)
	if cfg.Backlog != nil {
		backlog := cfg.Backlog
		_, err = m.Int64ObservableGauge(MetricOutboxBacklog, metric.WithUnit("{event}"),
			metric.WithDescription("Events waiting in the outbox."),
			metric.WithInt64Callback(func(ctx context.Context, o metric.Int64Observer) error {
				n, err := backlog(ctx)
				if err != nil {
					return err
				}
				o.Observe(n)
				return nil
			}))
		add(err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// code is the AttrCode value of err.
func code(err error) string {
	if err == nil {
		return CodeOK
	}
	return string(numberdesk.ErrorCode(err))
}

// StartCommand starts the span of the command op and returns the function
// that ends it and records the command's metrics (numberdesk.Observer).
func (t *Telemetry) StartCommand(ctx context.Context, op string, tenant numberdesk.TenantID) (context.Context, func(error)) {
	start := time.Now()
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, AttrOp.String(op))
	if tenant != "" {
		attrs = append(attrs, AttrTenant.String(string(tenant)))
	}
	if id := numberdesk.RequestID(ctx); id != "" {
		attrs = append(attrs, AttrRequestID.String(id))
	}
	ctx, span := t.tracer.Start(ctx, op, trace.WithAttributes(attrs...))
	return ctx, func(err error) {
		c := code(err)
		span.SetAttributes(AttrCode.String(c))
		if c == string(numberdesk.CodeInternal) {
			span.SetStatus(codes.Error, c)
		}
		span.End()
		set := metric.WithAttributeSet(attribute.NewSet(AttrOp.String(op), AttrCode.String(c)))
		t.commands.Add(context.WithoutCancel(ctx), 1, set)
		t.duration.Record(context.WithoutCancel(ctx), time.Since(start).Seconds(), set)
	}
}

// Occurred counts what (numberdesk.Observer): OccurrenceLockout in
// MetricEfaxLockouts, and adds an event to the current span.
func (t *Telemetry) Occurred(ctx context.Context, what numberdesk.Occurrence, tenant numberdesk.TenantID) {
	if what == numberdesk.OccurrenceLockout {
		t.lockouts.Add(context.WithoutCancel(ctx), 1)
	}
	trace.SpanFromContext(ctx).AddEvent(string(what), trace.WithAttributes(AttrTenant.String(string(tenant))))
}

// storeSpan starts the span of the store method name.
func (t *Telemetry) storeSpan(ctx context.Context, name string, tenant numberdesk.TenantID) (context.Context, func(error)) {
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
	if tenant != "" {
		opts = append(opts, trace.WithAttributes(AttrTenant.String(string(tenant))))
	}
	ctx, span := t.tracer.Start(ctx, "store."+name, opts...)
	return ctx, func(err error) {
		if err != nil {
			c := code(err)
			span.SetAttributes(AttrCode.String(c))
			if c == string(numberdesk.CodeInternal) {
				span.SetStatus(codes.Error, c)
			}
		}
		span.End()
	}
}

// Store returns st with a span around every call of store.Store's methods
// ("store." + the method's name), a child of the command's span. The
// optional interfaces the services look for, numbers.ActorReader and
// numbers.Writer, are kept: the result has them exactly when st has them;
// its SoloWrites (numbers.SoloWriter) is st's, false if st has none.
// Other interfaces of st (a backend's own methods) are not; use st for
// those.
func (t *Telemetry) Store(st store.Store) store.Store {
	s := &storeSpans{next: st, t: t}
	ar, isAR := st.(numbers.ActorReader)
	w, isW := st.(numbers.Writer)
	switch {
	case isAR && isW:
		return &storeSpansBoth{s, ar, w}
	case isAR:
		return &storeSpansAR{s, ar}
	case isW:
		return &storeSpansW{s, w}
	}
	return s
}

// storeSpans is Telemetry.Store's decorator (store_methods.go).
type storeSpans struct {
	next store.Store
	t    *Telemetry
}

var _ store.Store = (*storeSpans)(nil)

// SoloWrites is st's (numbers.SoloWriter), false if st has none.
func (s *storeSpans) SoloWrites() bool {
	sw, ok := s.next.(numbers.SoloWriter)
	return ok && sw.SoloWrites()
}

// InTx is store.Store's, in a span around the whole transaction.
func (s *storeSpans) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, end := s.t.storeSpan(ctx, "InTx", "")
	err := s.next.InTx(ctx, fn)
	end(err)
	return err
}

type storeSpansAR struct {
	*storeSpans
	ar numbers.ActorReader
}

type storeSpansW struct {
	*storeSpans
	w numbers.Writer
}

type storeSpansBoth struct {
	*storeSpans
	ar numbers.ActorReader
	w  numbers.Writer
}

func findNumbersAs(s *storeSpans, ar numbers.ActorReader, ctx context.Context, actor numberdesk.Actor, ids []numberdesk.NumberID) ([]*numbers.Number, *staff.Standing, error) {
	ctx, end := s.t.storeSpan(ctx, "FindNumbersAs", actor.Tenant)
	ns, sd, err := ar.FindNumbersAs(ctx, actor, ids)
	end(err)
	return ns, sd, err
}

func write(s *storeSpans, w numbers.Writer, ctx context.Context, wr numbers.Write) error {
	tenant := wr.Tenant
	if tenant == "" {
		tenant = numbersTenant(wr.Numbers)
	}
	ctx, end := s.t.storeSpan(ctx, "Write", tenant)
	err := w.Write(ctx, wr)
	end(err)
	return err
}

// FindNumbersAs is numbers.ActorReader's, in a span.
func (s *storeSpansAR) FindNumbersAs(ctx context.Context, actor numberdesk.Actor, ids []numberdesk.NumberID) ([]*numbers.Number, *staff.Standing, error) {
	return findNumbersAs(s.storeSpans, s.ar, ctx, actor, ids)
}

// Write is numbers.Writer's, in a span.
func (s *storeSpansW) Write(ctx context.Context, w numbers.Write) error {
	return write(s.storeSpans, s.w, ctx, w)
}

// FindNumbersAs is numbers.ActorReader's, in a span.
func (s *storeSpansBoth) FindNumbersAs(ctx context.Context, actor numberdesk.Actor, ids []numberdesk.NumberID) ([]*numbers.Number, *staff.Standing, error) {
	return findNumbersAs(s.storeSpans, s.ar, ctx, actor, ids)
}

// Write is numbers.Writer's, in a span.
func (s *storeSpansBoth) Write(ctx context.Context, w numbers.Write) error {
	return write(s.storeSpans, s.w, ctx, w)
}

func eventsTenant(es []numberdesk.Event) numberdesk.TenantID {
	if len(es) == 0 {
		return ""
	}
	return es[0].Tenant
}

func numbersTenant(ns []*numbers.Number) numberdesk.TenantID {
	if len(ns) == 0 || ns[0] == nil {
		return ""
	}
	return ns[0].Tenant
}

func recordsTenant(rs []*numbers.Record) numberdesk.TenantID {
	if len(rs) == 0 || rs[0] == nil {
		return ""
	}
	return rs[0].Tenant
}

// Outbox returns o measuring the dispatcher's rounds: the outcomes it
// records (MetricOutboxDelivered, MetricOutboxRetried, MetricOutboxFailed;
// an outcome lost to another dispatcher is not counted) and the lag of
// each round's claim (MetricOutboxLag). Give it to notify.Dispatcher as
// its Outbox.
func (t *Telemetry) Outbox(o notify.Outbox) notify.Outbox {
	return &outbox{next: o, t: t}
}

type outbox struct {
	next notify.Outbox
	t    *Telemetry
}

// ClaimDeliveries is notify.Outbox's; it records the lag.
func (o *outbox) ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]notify.Claim, error) {
	cs, err := o.next.ClaimDeliveries(ctx, worker, now, lease, limit)
	if err != nil {
		return cs, err
	}
	lag := time.Duration(0)
	for _, c := range cs {
		lag = max(lag, now.Sub(c.Event.At))
	}
	o.t.lag.Record(context.WithoutCancel(ctx), lag.Seconds())
	return cs, nil
}

// FinishDeliveries is notify.Outbox's; it counts the recorded outcomes.
func (o *outbox) FinishDeliveries(ctx context.Context, fs []notify.Finish) ([]notify.Finish, error) {
	lost, err := o.next.FinishDeliveries(ctx, fs)
	if err != nil {
		return lost, err
	}
	gone := make(map[numberdesk.EventID]int, len(lost))
	for _, f := range lost {
		gone[f.Event]++
	}
	var delivered, retried, failed int64
	for _, f := range fs {
		if gone[f.Event] > 0 {
			gone[f.Event]--
			continue
		}
		switch f.State {
		case notify.StateDelivered:
			delivered++
		case notify.StatePending:
			retried++
		case notify.StateFailed:
			failed++
		}
	}
	ctx = context.WithoutCancel(ctx)
	if delivered > 0 {
		o.t.delivered.Add(ctx, delivered)
	}
	if retried > 0 {
		o.t.retried.Add(ctx, retried)
	}
	if failed > 0 {
		o.t.failed.Add(ctx, failed)
	}
	return lost, nil
}

// FindDeliveries is notify.Outbox's.
func (o *outbox) FindDeliveries(ctx context.Context, tenant numberdesk.TenantID, f notify.DeliveryFilter) ([]notify.Delivery, int, error) {
	return o.next.FindDeliveries(ctx, tenant, f)
}

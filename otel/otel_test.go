package otel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/otel"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// env is a Telemetry on an in-memory span exporter and a manual metric
// reader, over a memstore with a tenant.
type env struct {
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
	tel    *otel.Telemetry
	st     store.Store
	nums   *numbers.Service
	owner  numberdesk.Actor
}

func newEnv(t *testing.T, backlog func(context.Context) (int64, error)) *env {
	t.Helper()
	e := &env{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(e.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	var err error
	e.tel, err = otel.New(otel.Config{TracerProvider: tp, MeterProvider: mp, Backlog: backlog})
	require.NoError(t, err)
	e.st = e.tel.Store(memstore.New())
	e.nums, err = numbers.NewService(numbers.Config{Store: e.st, Observer: e.tel})
	require.NoError(t, err)
	people := staff.NewService(staff.Config{Store: e.st, Numbers: e.nums, Observer: e.tel})
	_, owner, err := people.CreateTenant(context.Background(), staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@muster.example"}})
	require.NoError(t, err)
	e.owner = owner.Actor()
	e.spans.Reset()
	return e
}

// metrics collects the metrics by name.
func (e *env) metrics(t *testing.T) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, e.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		require.Equal(t, otel.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

func attrs(kvs []attribute.KeyValue) map[attribute.Key]string {
	out := map[attribute.Key]string{}
	for _, kv := range kvs {
		out[kv.Key] = kv.Value.String()
	}
	return out
}

// A command runs in a span named after its op with tenant, op, code and
// request ID; the store's calls are its children; the commands are
// counted and timed by op and code.
func TestCommandSpansAndMetrics(t *testing.T) {
	e := newEnv(t, nil)
	ctx := numberdesk.WithRequestID(context.Background(), "req-42")
	_, err := e.nums.Provision(ctx, e.owner, numbers.ProvisionRequest{Number: "0221 123456"})
	require.NoError(t, err)
	_, err = e.nums.Activate(ctx, e.owner, numbers.ActivateRequest{QuoteToken: "nonsense"})
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))

	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range e.spans.GetSpans().Snapshots() {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	require.Len(t, byName["numbers.Provision"], 1)
	prov := byName["numbers.Provision"][0]
	require.Equal(t, map[attribute.Key]string{
		otel.AttrOp: "numbers.Provision", otel.AttrTenant: string(e.owner.Tenant),
		otel.AttrCode: "ok", otel.AttrRequestID: "req-42",
	}, attrs(prov.Attributes()))
	require.Len(t, byName["numbers.Activate"], 1)
	act := byName["numbers.Activate"][0]
	require.Equal(t, "invalid", attrs(act.Attributes())[otel.AttrCode])

	// The store's calls of the Provision are children of its span.
	var children []string
	for _, s := range e.spans.GetSpans().Snapshots() {
		if s.Parent().SpanID() == prov.SpanContext().SpanID() {
			children = append(children, s.Name())
		}
	}
	require.Contains(t, children, "store.InTx")
	for _, s := range e.spans.GetSpans().Snapshots() {
		if s.Name() == "store.CreateNumbers" {
			require.Equal(t, string(e.owner.Tenant), attrs(s.Attributes())[otel.AttrTenant])
			require.Equal(t, prov.SpanContext().TraceID(), s.SpanContext().TraceID())
		}
	}
	require.NotEmpty(t, byName["store.CreateNumbers"])

	ms := e.metrics(t)
	cmds, ok := ms[otel.MetricCommands].(metricdata.Sum[int64])
	require.True(t, ok, "%s is a Sum[int64]: %T", otel.MetricCommands, ms[otel.MetricCommands])
	got := map[string]int64{}
	for _, dp := range cmds.DataPoints {
		a := dp.Attributes
		op, _ := a.Value(otel.AttrOp)
		c, _ := a.Value(otel.AttrCode)
		require.Equal(t, 2, a.Len(), "only op and code: no tenant in metrics")
		got[op.AsString()+" "+c.AsString()] += dp.Value
	}
	require.Equal(t, map[string]int64{"staff.CreateTenant ok": 1, "numbers.Provision ok": 1, "numbers.Activate invalid": 1}, got)

	dur, ok := ms[otel.MetricCommandDuration].(metricdata.Histogram[float64])
	require.True(t, ok, "%T", ms[otel.MetricCommandDuration])
	var count uint64
	for _, dp := range dur.DataPoints {
		count += dp.Count
	}
	require.Equal(t, uint64(3), count)
}

// The outbox decorator counts the dispatcher's outcomes and records the
// lag; the backlog gauge reads Config.Backlog; a lockout is counted.
func TestOutboxAndLockoutMetrics(t *testing.T) {
	e := newEnv(t, func(context.Context) (int64, error) { return 7, nil })
	_, err := e.nums.Provision(context.Background(), e.owner, numbers.ProvisionRequest{Number: "0221 123456"})
	require.NoError(t, err)

	rec := &notify.Recorder{}
	d := &notify.Dispatcher{Outbox: e.tel.Outbox(e.st), Notifier: rec, Worker: "test"}
	res, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Positive(t, res.Delivered)

	e.tel.Occurred(context.Background(), numberdesk.OccurrenceLockout, e.owner.Tenant)

	ms := e.metrics(t)
	sum := func(name string) int64 {
		s, ok := ms[name].(metricdata.Sum[int64])
		require.True(t, ok, "%s: %T", name, ms[name])
		var n int64
		for _, dp := range s.DataPoints {
			n += dp.Value
		}
		return n
	}
	require.Equal(t, int64(res.Delivered), sum(otel.MetricOutboxDelivered))
	require.Equal(t, int64(1), sum(otel.MetricEfaxLockouts))
	_, retried := ms[otel.MetricOutboxRetried]
	require.False(t, retried, "nothing was retried")

	lag, ok := ms[otel.MetricOutboxLag].(metricdata.Gauge[float64])
	require.True(t, ok, "%T", ms[otel.MetricOutboxLag])
	require.Len(t, lag.DataPoints, 1)
	require.GreaterOrEqual(t, lag.DataPoints[0].Value, 0.0)

	backlog, ok := ms[otel.MetricOutboxBacklog].(metricdata.Gauge[int64])
	require.True(t, ok, "%T", ms[otel.MetricOutboxBacklog])
	require.Equal(t, int64(7), backlog.DataPoints[0].Value)
}

// The store decorator has numbers.Writer and numbers.ActorReader exactly
// when the store it wraps has them, and the wrapped store's SoloWrites.
func TestStoreKeepsOptionalInterfaces(t *testing.T) {
	tel, err := otel.New(otel.Config{})
	require.NoError(t, err)
	mem := memstore.New()
	_, memW := any(mem).(numbers.Writer)
	_, memAR := any(mem).(numbers.ActorReader)
	wrapped := tel.Store(mem)
	_, w := wrapped.(numbers.Writer)
	_, ar := wrapped.(numbers.ActorReader)
	require.Equal(t, memW, w)
	require.Equal(t, memAR, ar)
	both := tel.Store(struct {
		store.Store
		numbers.Writer
		numbers.ActorReader
	}{mem, mem, fakeAR{}})
	_, w = both.(numbers.Writer)
	_, ar = both.(numbers.ActorReader)
	require.True(t, w && ar)

	// SoloWrites is the wrapped store's, false if it has none.
	solo := func(st store.Store) bool {
		sw, ok := tel.Store(st).(numbers.SoloWriter)
		return ok && sw.SoloWrites()
	}
	require.False(t, solo(mem))
	require.True(t, solo(struct {
		store.Store
		fakeSolo
	}{mem, true}))
	require.False(t, solo(struct {
		store.Store
		fakeSolo
	}{mem, false}))
}

type fakeSolo bool

func (f fakeSolo) SoloWrites() bool { return bool(f) }

type fakeAR struct{}

func (fakeAR) FindNumbersAs(context.Context, numberdesk.Actor, []numberdesk.NumberID) ([]*numbers.Number, *staff.Standing, error) {
	return nil, nil, nil
}

package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	promexporter "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	ndotel "github.com/numberdesk/numberdesk/otel"
)

// MetricsPath is where the metrics listener (AppConfig.Metrics) serves.
const MetricsPath = "/metrics"

// metrics is the server's OpenTelemetry instrumentation with its own,
// non-public listener serving the metrics in the Prometheus text format.
type metrics struct {
	tel *ndotel.Telemetry
	mp  *sdkmetric.MeterProvider
	ln  net.Listener
	srv *http.Server
}

// startMetrics listens on addr and serves the metrics of a Telemetry
// there (at MetricsPath), whose outbox backlog is backlog.
func startMetrics(addr string, backlog func(context.Context) (int64, error)) (*metrics, error) {
	reg := prometheus.NewRegistry()
	exp, err := promexporter.New(promexporter.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("server: the Prometheus exporter: %w", err)
	}
	m := &metrics{mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))}
	// No TracerProvider: OpenTelemetry's global one, which records nothing
	// unless the embedding program installs one.
	if m.tel, err = ndotel.New(ndotel.Config{MeterProvider: m.mp, Backlog: backlog}); err != nil {
		_ = m.mp.Shutdown(context.Background())
		return nil, err
	}
	if m.ln, err = net.Listen("tcp", addr); err != nil {
		_ = m.mp.Shutdown(context.Background())
		return nil, fmt.Errorf("server: -metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+MetricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = m.srv.Serve(m.ln) }()
	return m, nil
}

// close stops the listener and the meter provider.
func (m *metrics) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = m.srv.Close()
	}
	_ = m.mp.Shutdown(ctx)
}

// backlog counts the pending events of the outbox (sqlstore's events
// table; the partial index events_pending holds exactly these rows).
func (a *App) backlog(ctx context.Context) (int64, error) {
	var n int64
	err := a.db.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE state = 'pending'`).Scan(&n)
	return n, err
}

// MetricsAddr is the address of the metrics listener, "" if
// AppConfig.Metrics was empty.
func (a *App) MetricsAddr() string {
	if a.metrics == nil {
		return ""
	}
	return a.metrics.ln.Addr().String()
}

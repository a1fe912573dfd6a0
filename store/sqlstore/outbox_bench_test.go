package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// BenchmarkDispatchBacklog delivers a backlog of 10,000 pending events (of
// 10 tenants) through one notify.Dispatcher (default batch of 100) to a
// notify.Recorder, and reports the events delivered per second and the
// statements per event (claims and finishes; the backlog's appends are not
// measured). Run it with
//
//	go test -run '^$' -bench DispatchBacklog -benchtime 3x ./store/sqlstore/
//
// (PostgreSQL too with NUMBERDESK_POSTGRES_DSN set).
func BenchmarkDispatchBacklog(b *testing.B) {
	const backlog, tenants = 10_000, 10
	benchBackends(b, func(b *testing.B, newStore func(testing.TB) *sqlstore.Store) {
		var stmts int64
		for b.Loop() {
			b.StopTimer()
			s := newStore(b)
			at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			evs := make([]numberdesk.Event, 0, backlog/tenants)
			for range tenants {
				tn := numberdesk.NewTenantID()
				evs = evs[:0]
				for i := range backlog / tenants {
					evs = append(evs, storetest.Event(b, "test.event", numberdesk.System(tn), at, "", map[string]int{"i": i}))
				}
				require.NoError(b, s.AppendEvents(b.Context(), evs...))
			}
			rec := &notify.Recorder{}
			d := &notify.Dispatcher{Outbox: s, Notifier: rec, Worker: "bench"}
			before := sqlstore.Statements(s)
			b.StartTimer()
			for {
				res, err := d.RunOnce(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if res.Delivered+res.Retried+res.Failed == 0 {
					break
				}
			}
			b.StopTimer()
			stmts += sqlstore.Statements(s) - before
			if n := len(rec.Events()); n != backlog {
				b.Fatalf("%d of %d events delivered", n, backlog)
			}
			b.StartTimer()
		}
		events := float64(backlog * b.N)
		b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(stmts)/events, "stmts/event")
	})
}

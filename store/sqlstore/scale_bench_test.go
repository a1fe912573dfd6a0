package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// The Scale benchmarks run the commands through numbers.Service on
// memstore, SQLite and PostgreSQL side by side, in a tenant of 100,000
// numbers. Besides time and allocations they report, per command:
//
//   - stmts/op (SQL backends): the statements the store sent, BEGIN, COMMIT
//     and SAVEPOINT included (sqlstore.Statements);
//   - rtts/op (PostgreSQL): the round trips, counted as the writes pgx makes
//     on its TCP connections (pgx sends one batch of messages per round trip;
//     a statement pgx has not seen yet on a connection costs one more, to
//     prepare it).
//
// Run them with NUMBERDESK_POSTGRES_DSN set, e.g.
//
//	go test -run '^$' -bench Scale -benchmem -benchtime 3x ./store/sqlstore/

const (
	scaleSize = 100_000 // numbers in the tenant
	scaleDue  = 1_000   // numbers due for ApplyDue
)

// scaleNow is the benchmarks' fixed clock.
var scaleNow = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

// scaleNumbers returns the numbers from..to-1 of the tenant as
// numbers/bench_test.go seeds them: E.164 +49221 and seven digits, every
// third one active with a billing line.
func scaleNumbers(tenant numberdesk.TenantID, now time.Time, from, to int) []*numbers.Number {
	ns := make([]*numbers.Number, 0, to-from)
	for j := from; j < to; j++ {
		n := &numbers.Number{
			ID: numberdesk.NewNumberID(), Tenant: tenant, E164: fmt.Sprintf("+49221%07d", j),
			Base: fmt.Sprintf("+49221%05d", j/100), Extension: fmt.Sprintf("%02d", j%100), // blocks of 100
			Origin: numbers.OriginNew, Status: numbers.StatusNew, UsageType: routing.UsageVoice,
			CreatedAt: now, UpdatedAt: now,
		}
		if j%3 == 0 {
			n.Status, n.BillingLine, n.BilledSince = numbers.StatusActive, fmt.Sprint("line-", j), now
		}
		ns = append(ns, n)
	}
	return ns
}

// scaleEnv is one backend: a service over a store, with a tenant and its
// owner.
type scaleEnv struct {
	store numbers.Store
	sql   *sqlstore.Store // nil on memstore
	db    *sql.DB         // nil on memstore
	rtts  *atomic.Int64   // PostgreSQL: writes to the server; nil otherwise
	svc   *numbers.Service
	owner numberdesk.Actor
}

// scaleBackends runs fn on memstore, SQLite and PostgreSQL (skipped without
// a test database, failed on CI).
func scaleBackends(b *testing.B, fn func(b *testing.B, e *scaleEnv)) {
	b.Run("Mem", func(b *testing.B) {
		fn(b, newScaleEnv(b, memstore.New(), nil, nil, nil))
	})
	b.Run("SQLite", func(b *testing.B) {
		db := openSQLite(b)
		s := sqlstore.New(db, sqlstore.SQLite)
		require.NoError(b, s.Migrate(b.Context()))
		fn(b, newScaleEnv(b, s, s, db, nil))
	})
	b.Run("Postgres", func(b *testing.B) {
		db, rtts := openCountedPostgres(b)
		s := sqlstore.New(db, sqlstore.Postgres)
		require.NoError(b, s.Migrate(b.Context()))
		fn(b, newScaleEnv(b, s, s, db, rtts))
	})
}

func newScaleEnv(b *testing.B, st numbers.Store, s *sqlstore.Store, db *sql.DB, rtts *atomic.Int64) *scaleEnv {
	e := &scaleEnv{store: st, sql: s, db: db, rtts: rtts}
	e.owner = createScaleTenant(b, st.(storetest.TenantStore), scaleNow)
	svc, err := numbers.NewService(numbers.Config{Store: st, Clock: func() time.Time { return scaleNow }})
	require.NoError(b, err)
	e.svc = svc
	return e
}

// seed stores scaleSize numbers directly, 1,000 per CreateNumbers call, and
// on PostgreSQL updates the planner's statistics.
func (e *scaleEnv) seed(b *testing.B) []*numbers.Number {
	b.Helper()
	start := time.Now()
	all := make([]*numbers.Number, 0, scaleSize)
	for i := 0; i < scaleSize; i += 1000 {
		batch := scaleNumbers(e.owner.Tenant, scaleNow, i, min(i+1000, scaleSize))
		require.NoError(b, e.store.CreateNumbers(b.Context(), batch...))
		all = append(all, batch...)
	}
	e.analyze(b)
	b.Logf("%d numbers seeded in %v", len(all), time.Since(start).Round(time.Millisecond))
	return all
}

// analyze vacuums and analyzes the tables on PostgreSQL, as autovacuum
// would have in a steady state: statistics, and the visibility map that
// lets the capped count read the index only (a no-op elsewhere).
func (e *scaleEnv) analyze(b *testing.B) {
	if e.rtts == nil {
		return
	}
	_, err := e.db.ExecContext(b.Context(), "VACUUM (ANALYZE) numbers, number_holders, events")
	require.NoError(b, err)
}

// meter sums the statements and round trips of the timed parts.
type meter struct {
	e            *scaleEnv
	stmts, rtts  int64
	stmt0, rtts0 int64
}

func (m *meter) start() {
	if m.e.sql != nil {
		m.stmt0 = sqlstore.Statements(m.e.sql)
	}
	if m.e.rtts != nil {
		m.rtts0 = m.e.rtts.Load()
	}
}

func (m *meter) stop() {
	if m.e.sql != nil {
		m.stmts += sqlstore.Statements(m.e.sql) - m.stmt0
	}
	if m.e.rtts != nil {
		m.rtts += m.e.rtts.Load() - m.rtts0
	}
}

// report reports stmts/op and rtts/op where the backend has them; call it
// after the b.Loop loop, when b.N is the number of iterations.
func (m *meter) report(b *testing.B) {
	if m.e.sql != nil {
		b.ReportMetric(float64(m.stmts)/float64(b.N), "stmts/op")
	}
	if m.e.rtts != nil {
		b.ReportMetric(float64(m.rtts)/float64(b.N), "rtts/op")
	}
}

// BenchmarkScaleOverview: a page of 50 active numbers at offset 10,000, out
// of 100,000 numbers (33,334 active).
func BenchmarkScaleOverview(b *testing.B) {
	scaleBackends(b, func(b *testing.B, e *scaleEnv) {
		e.seed(b)
		q := numbers.Query{Statuses: []numbers.Status{numbers.StatusActive}, Offset: 10_000, Limit: 50}
		m := &meter{e: e}
		b.ReportAllocs()
		m.start()
		for b.Loop() {
			p, err := e.svc.Overview(b.Context(), e.owner, q)
			if err != nil || len(p.Numbers) != 50 || p.Total != numbers.MaxTotal || !p.TotalIsLowerBound { // 33,334 active
				b.Fatal(err, len(p.Numbers), p.Total)
			}
		}
		m.stop()
		m.report(b)
	})
}

// BenchmarkScaleActivate1: quote and activate one new number.
func BenchmarkScaleActivate1(b *testing.B) {
	scaleBackends(b, func(b *testing.B, e *scaleEnv) { benchScaleActivate(b, e, 1) })
}

// BenchmarkScaleActivate100: quote and activate a block of 100 new numbers.
func BenchmarkScaleActivate100(b *testing.B) {
	scaleBackends(b, func(b *testing.B, e *scaleEnv) { benchScaleActivate(b, e, 100) })
}

// benchScaleActivate provisions size numbers (not timed), then quotes and
// activates them (timed).
func benchScaleActivate(b *testing.B, e *scaleEnv, size int) {
	e.seed(b)
	ctx := b.Context()
	m := &meter{e: e}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		req := numbers.ProvisionRequest{Number: fmt.Sprintf("0221 77%06d", i)} // +4922177..., beside the seeded +49221 and 7 digits
		if size > 1 {
			req = numbers.ProvisionRequest{Number: fmt.Sprintf("0221 5%05d", i), ExtensionFrom: "00", ExtensionTo: fmt.Sprintf("%02d", size-1)}
		}
		ns, err := e.svc.Provision(ctx, e.owner, req)
		require.NoError(b, err)
		require.Len(b, ns, size)
		ids := make([]numberdesk.NumberID, len(ns))
		for j, n := range ns {
			ids[j] = n.ID
		}
		i++
		b.StartTimer()
		m.start()
		q, err := e.svc.Quote(ctx, e.owner, ids)
		if err != nil {
			b.Fatal(err)
		}
		res, err := e.svc.Activate(ctx, e.owner, numbers.ActivateRequest{QuoteToken: q.Token})
		m.stop()
		if err != nil || res.Activated() != size {
			b.Fatal(err, res)
		}
	}
	m.report(b)
}

// BenchmarkScaleApplyDue: ApplyDue over 100,000 numbers of which 1,000 are
// due (two transactions of 500, and a third that finds none).
func BenchmarkScaleApplyDue(b *testing.B) {
	scaleBackends(b, func(b *testing.B, e *scaleEnv) {
		all := e.seed(b)
		var active []numberdesk.NumberID
		for _, n := range all {
			if n.Status == numbers.StatusActive {
				active = append(active, n.ID)
			}
		}
		ctx := b.Context()
		sys := numberdesk.System(e.owner.Tenant)
		m := &meter{e: e}
		b.ReportAllocs()
		round := 0
		for b.Loop() {
			b.StopTimer()
			// The next 1,000 active numbers become due (after the first
			// 33 rounds the inactive ones are made due again).
			start := round % (len(active) / scaleDue) * scaleDue
			round++
			due, _, err := e.store.FindNumbers(ctx, e.owner.Tenant, numbers.Filter{IDs: active[start : start+scaleDue]})
			require.NoError(b, err)
			require.Len(b, due, scaleDue)
			for _, n := range due {
				n.Status, n.DeactivationAt = numbers.StatusDeactivationPending, scaleNow.Add(-time.Hour)
				if n.BillingLine == "" {
					n.BillingLine, n.BilledSince = "line", scaleNow.Add(-24*time.Hour)
				}
			}
			require.NoError(b, e.store.UpdateNumbers(ctx, due...))
			b.StartTimer()
			m.start()
			done, err := e.svc.ApplyDue(ctx, sys, scaleNow)
			m.stop()
			if err != nil || len(done) != scaleDue {
				b.Fatal(err, len(done))
			}
		}
		m.report(b)
	})
}

// openCountedPostgres creates a fresh schema (dropped at the end) and opens
// a pool of pgx connections to it whose writes to the server are counted.
func openCountedPostgres(b testing.TB) (*sql.DB, *atomic.Int64) {
	b.Helper()
	dsn := postgresDSN(b)
	adm, err := admin()
	require.NoError(b, err)
	buf := make([]byte, 8)
	_, _ = rand.Read(buf)
	schema := "test_" + hex.EncodeToString(buf)
	_, err = adm.ExecContext(b.Context(), "CREATE SCHEMA "+schema)
	require.NoError(b, err)
	b.Cleanup(func() {
		_, err := adm.Exec("DROP SCHEMA " + schema + " CASCADE")
		require.NoError(b, err)
	})
	cfg, err := pgx.ParseConfig(withSchema(b, dsn, schema))
	require.NoError(b, err)
	writes := new(atomic.Int64)
	dialer := &net.Dialer{KeepAlive: 5 * time.Minute}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, writes: writes}, nil
	}
	name := stdlib.RegisterConnConfig(cfg)
	b.Cleanup(func() { stdlib.UnregisterConnConfig(name) })
	db, err := sql.Open("pgx", name)
	require.NoError(b, err)
	db.SetMaxOpenConns(16)
	// Keep the connections (database/sql keeps 2 idle by default): a new
	// one prepares every statement again, and PostgreSQL plans each of
	// them five times before it settles on a generic plan.
	db.SetMaxIdleConns(16)
	b.Cleanup(func() { _ = db.Close() })
	return db, writes
}

// countingConn counts the writes on a connection: pgx flushes what it has
// to send in one write per round trip.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

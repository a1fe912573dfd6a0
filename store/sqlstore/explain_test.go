package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// ---------------------------------------------------------------------------
// A database/sql driver wrapper that records what the store sends.

// sentStmt is one call that reached the driver: its kind ("query", "exec",
// "stmt query", "stmt exec", "prepare", "begin", "commit", "rollback"), its
// SQL text and its arguments as the driver got them (after database/sql's
// conversion and the driver's NamedValueChecker).
type sentStmt struct {
	kind  string
	query string
	args  []any
}

// sqlTrace collects the calls of one pool while recording.
type sqlTrace struct {
	mu        sync.Mutex
	recording bool
	sent      []sentStmt
}

// start forgets what was recorded and records from now on.
func (tr *sqlTrace) start() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.recording, tr.sent = true, nil
}

// stop ends the recording and returns it.
func (tr *sqlTrace) stop() []sentStmt {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.recording = false
	return tr.sent
}

func (tr *sqlTrace) record(kind, query string, nvs []driver.NamedValue) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if !tr.recording {
		return
	}
	args := make([]any, len(nvs))
	for i, nv := range nvs {
		args[i] = nv.Value
	}
	tr.sent = append(tr.sent, sentStmt{kind: kind, query: query, args: args})
}

// traceConnector opens connections of the inner driver and wraps them. It
// is handed to sql.OpenDB, so that each pool has its own trace (a driver
// registered with sql.Register would share one among all pools).
type traceConnector struct {
	inner driver.Driver
	dsn   string
	tr    *sqlTrace
}

var _ driver.Connector = (*traceConnector)(nil)

func (c *traceConnector) Connect(ctx context.Context) (driver.Conn, error) {
	var (
		conn driver.Conn
		err  error
	)
	if dc, ok := c.inner.(driver.DriverContext); ok { // pgx
		var cn driver.Connector
		if cn, err = dc.OpenConnector(c.dsn); err == nil {
			conn, err = cn.Connect(ctx)
		}
	} else {
		conn, err = c.inner.Open(c.dsn)
	}
	if err != nil {
		return nil, err
	}
	return &traceConn{inner: conn, tr: c.tr}, nil
}

func (c *traceConnector) Driver() driver.Driver { return traceDriver{c} }

// traceDriver is the Driver of a traceConnector (sql.DB.Driver returns it).
type traceDriver struct{ c *traceConnector }

func (d traceDriver) Open(name string) (driver.Conn, error) {
	conn, err := d.c.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &traceConn{inner: conn, tr: d.c.tr}, nil
}

// traceConn forwards every optional interface database/sql uses to the
// inner connection; where the inner one lacks it, it answers as
// database/sql would without it (driver.ErrSkip for the fast paths and the
// argument check, the legacy method otherwise).
type traceConn struct {
	inner driver.Conn
	tr    *sqlTrace
}

var (
	_ driver.Conn               = (*traceConn)(nil)
	_ driver.ConnBeginTx        = (*traceConn)(nil)
	_ driver.ConnPrepareContext = (*traceConn)(nil)
	_ driver.QueryerContext     = (*traceConn)(nil)
	_ driver.ExecerContext      = (*traceConn)(nil)
	_ driver.NamedValueChecker  = (*traceConn)(nil)
	_ driver.SessionResetter    = (*traceConn)(nil)
	_ driver.Validator          = (*traceConn)(nil)
	_ driver.Pinger             = (*traceConn)(nil)
)

func (c *traceConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *traceConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := c.inner.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.inner.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	c.tr.record("prepare", query, nil)
	return &traceStmt{inner: st, conn: c, query: query}, nil
}

func (c *traceConn) Close() error { return c.inner.Close() }

func (c *traceConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *traceConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var (
		tx  driver.Tx
		err error
	)
	if b, ok := c.inner.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		//lint:ignore SA1019 the fallback database/sql uses too, for drivers without BeginTx
		tx, err = c.inner.Begin()
	}
	if err != nil {
		return nil, err
	}
	c.tr.record("begin", "BEGIN", nil)
	return &traceTx{inner: tx, tr: c.tr}, nil
}

func (c *traceConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.inner.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares instead
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.tr.record("query", query, args)
	}
	return rows, err
}

func (c *traceConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.inner.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.tr.record("exec", query, args)
	}
	return res, err
}

// CheckNamedValue matters: pgx takes []string, []*time.Time etc. only
// through it.
func (c *traceConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip // the default conversion
}

func (c *traceConn) ResetSession(ctx context.Context) error {
	if r, ok := c.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *traceConn) IsValid() bool {
	if v, ok := c.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *traceConn) Ping(ctx context.Context) error {
	if p, ok := c.inner.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// traceStmt is a prepared statement (SQLite: the store's cached ones).
type traceStmt struct {
	inner driver.Stmt
	conn  *traceConn
	query string
}

var (
	_ driver.Stmt              = (*traceStmt)(nil)
	_ driver.StmtQueryContext  = (*traceStmt)(nil)
	_ driver.StmtExecContext   = (*traceStmt)(nil)
	_ driver.NamedValueChecker = (*traceStmt)(nil)
)

func (s *traceStmt) Close() error  { return s.inner.Close() }
func (s *traceStmt) NumInput() int { return s.inner.NumInput() }

func (s *traceStmt) Exec(args []driver.Value) (driver.Result, error) {
	//lint:ignore SA1019 a wrapping driver must forward the legacy interface
	return s.inner.Exec(args)
}

func (s *traceStmt) Query(args []driver.Value) (driver.Rows, error) {
	//lint:ignore SA1019 a wrapping driver must forward the legacy interface
	return s.inner.Query(args)
}

func (s *traceStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.conn.tr.record("stmt query", s.query, args)
	if q, ok := s.inner.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	vs, err := namedToValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 a wrapping driver must forward the legacy interface
	return s.inner.Query(vs)
}

func (s *traceStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.conn.tr.record("stmt exec", s.query, args)
	if e, ok := s.inner.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	vs, err := namedToValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 a wrapping driver must forward the legacy interface
	return s.inner.Exec(vs)
}

// CheckNamedValue: database/sql asks the statement first, then the
// connection.
func (s *traceStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return s.conn.CheckNamedValue(nv)
}

func namedToValues(nvs []driver.NamedValue) ([]driver.Value, error) {
	vs := make([]driver.Value, len(nvs))
	for i, nv := range nvs {
		if nv.Name != "" {
			return nil, fmt.Errorf("named argument %q: the driver supports positional ones only", nv.Name)
		}
		vs[i] = nv.Value
	}
	return vs, nil
}

type traceTx struct {
	inner driver.Tx
	tr    *sqlTrace
}

func (t *traceTx) Commit() error {
	t.tr.record("commit", "COMMIT", nil)
	return t.inner.Commit()
}

func (t *traceTx) Rollback() error {
	t.tr.record("rollback", "ROLLBACK", nil)
	return t.inner.Rollback()
}

// openTracedSQLite opens a fresh SQLite database through the trace wrapper,
// with the pool size the package documentation advises, and migrates it.
func openTracedSQLite(t testing.TB) (*sqlstore.Store, *sql.DB, *sqlTrace) {
	t.Helper()
	tr := &sqlTrace{}
	db := sql.OpenDB(&traceConnector{inner: &sqlite.Driver{}, dsn: sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "numberdesk.db")), tr: tr})
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { _ = db.Close() })
	s := sqlstore.New(db, sqlstore.SQLite)
	require.NoError(t, s.Migrate(t.Context()))
	return s, db, tr
}

// openTracedPostgres creates a fresh schema (dropped at the end), opens it
// through the trace wrapper around pgx's stdlib driver, and migrates it.
func openTracedPostgres(t testing.TB) (*sqlstore.Store, *sql.DB, *sqlTrace) {
	t.Helper()
	dsn := postgresDSN(t)
	adm, err := admin()
	require.NoError(t, err)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	_, err = adm.ExecContext(t.Context(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := adm.Exec("DROP SCHEMA " + schema + " CASCADE")
		require.NoError(t, err)
	})
	tr := &sqlTrace{}
	db := sql.OpenDB(&traceConnector{inner: stdlib.GetDefaultDriver(), dsn: withSchema(t, dsn, schema), tr: tr})
	db.SetMaxOpenConns(16)
	t.Cleanup(func() { _ = db.Close() })
	s := sqlstore.New(db, sqlstore.Postgres)
	require.NoError(t, s.Migrate(t.Context()))
	return s, db, tr
}

// ---------------------------------------------------------------------------
// The plans

// TestOverviewUsesIndex captures the statement FindNumbers sends for the
// overview (active numbers, offset 10,000, limit 50) and for ApplyDue's read
// (due numbers, limit 500) in a tenant of 100,000 numbers (1,000 of them
// due), runs EXPLAIN on it with its arguments, logs the plan and checks that
// the numbers table is read through an index. It does the same for the read
// of Quote and Activate (100 numbers by ID).
//
// The statements are captured below database/sql, by a driver wrapper, so
// they are exactly what the driver got: SQLite's prepared statements
// included, arguments after conversion.
func TestOverviewUsesIndex(t *testing.T) {
	t.Parallel() // seeding SQLite takes half a minute under -race
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		s, db, tr := openTracedSQLite(t)
		testPlans(t, sqlstore.SQLite, s, db, tr)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		postgresDSN(t)
		s, db, tr := openTracedPostgres(t)
		testPlans(t, sqlstore.Postgres, s, db, tr)
	})
}

func testPlans(t *testing.T, d sqlstore.Dialect, s *sqlstore.Store, db *sql.DB, tr *sqlTrace) {
	ctx := t.Context()
	now := scaleNow
	owner := createScaleTenant(t, s, now)
	tn := owner.Tenant

	// 100,000 numbers, every third active, in one call (SQLite: one
	// transaction of 100 statements; PostgreSQL: one statement).
	start := time.Now()
	all := scaleNumbers(tn, now, 0, scaleSize)
	require.NoError(t, s.CreateNumbers(ctx, all...))
	// 1,000 of the active ones due, as ApplyDue finds them.
	due := make([]*numbers.Number, 0, scaleDue)
	for _, n := range all {
		if n.Status == numbers.StatusActive && len(due) < scaleDue {
			n.Status, n.DeactivationAt = numbers.StatusDeactivationPending, now.Add(-time.Hour)
			due = append(due, n)
		}
	}
	require.NoError(t, s.UpdateNumbers(ctx, due...))
	if d == sqlstore.Postgres {
		_, err := db.ExecContext(ctx, "ANALYZE numbers, number_holders")
		require.NoError(t, err)
	}
	t.Logf("%s: %d numbers seeded in %v", d, len(all), time.Since(start).Round(time.Millisecond))
	active := (scaleSize+2)/3 - scaleDue

	// The overview, through the service, as a portal asks for it.
	svc, err := numbers.NewService(numbers.Config{Store: s, Clock: func() time.Time { return now }})
	require.NoError(t, err)
	tr.start()
	page, err := svc.Overview(ctx, owner, numbers.Query{Statuses: []numbers.Status{numbers.StatusActive}, Offset: 10_000, Limit: 50})
	sent := tr.stop()
	require.NoError(t, err)
	require.Len(t, page.Numbers, 50)
	require.Greater(t, active, numbers.MaxTotal)
	require.Equal(t, numbers.MaxTotal, page.Total, "counted up to MaxTotal")
	require.True(t, page.TotalIsLowerBound)
	// Two queries: the actor's verification (its employee, by primary key)
	// and the page.
	qs := queries(sent)
	require.Len(t, qs, 2, "Overview sends two queries: %v", sent)
	require.Contains(t, qs[0].query, "FROM employees e WHERE e.tenant_id = ")
	overview := qs[1]

	// ApplyDue's read: the due numbers, a chunk of 500.
	tr.start()
	ns, total, err := s.FindNumbers(ctx, tn, numbers.Filter{DueBefore: now, Limit: 500})
	sent = tr.stop()
	require.NoError(t, err)
	require.Len(t, ns, 500)
	require.Equal(t, scaleDue, total)
	applyDue := onlyQuery(t, sent)

	// Quote's and Activate's read (Service.fetch): 100 numbers by ID,
	// spread over the tenant.
	ids := make([]numberdesk.NumberID, 100)
	for i := range ids {
		ids[i] = all[i*997].ID
	}
	tr.start()
	ns, _, err = s.FindNumbers(ctx, tn, numbers.Filter{IDs: ids})
	sent = tr.stop()
	require.NoError(t, err)
	require.Len(t, ns, 100)
	fetch := onlyQuery(t, sent)

	type shape struct {
		name string
		q    sentStmt
		byID bool // the rows are found by ID (SQLite: asserted on the plan; PostgreSQL: on both plans)
		slow bool // the documented slow path: its plan is logged, not asserted
	}
	shapes := []shape{{"OverviewActiveOffset", overview, false, false}, {"ApplyDue", applyDue, false, false}, {"FetchByIDs", fetch, true, false}}

	// Every other shape of the overview, through the service: the first
	// page, the next one by cursor, each search, each sort.
	run := func(q numbers.Query) (*numbers.Page, sentStmt) {
		t.Helper()
		tr.start()
		p, err := svc.Overview(ctx, owner, q)
		sent := tr.stop()
		require.NoError(t, err)
		qs := queries(sent)
		require.Len(t, qs, 2, "Overview sends two queries: %v", sent)
		return p, qs[1]
	}
	first, q := run(numbers.Query{})
	require.Equal(t, numbers.MaxTotal, first.Total)
	require.True(t, first.TotalIsLowerBound)
	shapes = append(shapes, shape{name: "OverviewFirstPage", q: q})
	_, q = run(numbers.Query{Cursor: first.NextCursor})
	shapes = append(shapes, shape{name: "OverviewNextPage", q: q})
	act, q := run(numbers.Query{Statuses: []numbers.Status{numbers.StatusActive}, Limit: 50})
	shapes = append(shapes, shape{name: "OverviewActive", q: q})
	_, q = run(numbers.Query{Statuses: []numbers.Status{numbers.StatusActive}, Cursor: act.NextCursor, Limit: 50})
	shapes = append(shapes, shape{name: "OverviewActiveNextPage", q: q})
	pfx, q := run(numbers.Query{Search: "0221 0012"})
	require.Equal(t, 1_000, pfx.Total)
	shapes = append(shapes, shape{name: "OverviewSearchPrefix", q: q})
	_, q = run(numbers.Query{Search: "0221 0012", Cursor: pfx.NextCursor})
	shapes = append(shapes, shape{name: "OverviewSearchPrefixNextPage", q: q})
	_, q = run(numbers.Query{Search: "0221 0012", Desc: true})
	shapes = append(shapes, shape{name: "OverviewSearchPrefixDesc", q: q})
	ext, q := run(numbers.Query{Search: "15"})
	require.Equal(t, scaleSize/100, ext.Total)
	shapes = append(shapes, shape{name: "OverviewSearchExtension", q: q})
	_, q = run(numbers.Query{Search: "15", Cursor: ext.NextCursor})
	shapes = append(shapes, shape{name: "OverviewSearchExtensionNextPage", q: q})
	_, q = run(numbers.Query{Search: "12345", Contains: true})
	shapes = append(shapes, shape{name: "OverviewSearchContains", q: q, slow: true})
	for _, sort := range []numbers.SortKey{numbers.SortNumber, numbers.SortStatus, numbers.SortCreated, numbers.SortDeactivationAt} {
		for _, desc := range []bool{false, true} {
			name := "OverviewSort_" + string(sort)
			if desc {
				name += "_Desc"
			}
			p, q := run(numbers.Query{Sort: sort, Desc: desc})
			shapes = append(shapes, shape{name: name, q: q})
			_, q = run(numbers.Query{Sort: sort, Desc: desc, Cursor: p.NextCursor})
			shapes = append(shapes, shape{name: name + "_NextPage", q: q})
		}
	}

	for _, c := range shapes {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("%s sends:\n%s\nargs: %s", d, c.q.query, formatArgs(c.q.args))
			if c.slow {
				t.Logf("NOTE: the documented slow path (Query.Contains): plan logged, not asserted")
			}
			if d == sqlstore.Postgres {
				custom, generic := explainPostgres(t, db, c.q, !c.slow)
				if c.byID {
					// Both plans find the rows by their key. The generic one
					// once walked the tenant's E.164 index to stop at a
					// LIMIT it could not know was NULL, filtering by ID.
					for name, plan := range map[string]string{"custom": custom, "generic": generic} {
						assert.Regexp(t, pgByID, plan, "%s plan: numbers is not looked up by ID", name)
						assert.NotRegexp(t, pgWalkFilteringIDs, plan, "%s plan: numbers is walked in index order, filtered by ID", name)
					}
					// And PostgreSQL settles on the generic plan: every
					// command reads this way, and planning it costs more
					// than running it (0.39 ms against 0.08 ms, measured
					// with pg_stat_statements in the Swap baseline, whose
					// table of about 100 numbers made PostgreSQL plan it
					// anew in 1,672 of 2,754 runs).
					generic, custom := preparedPlans(t, db, c.q, 10)
					assert.Positive(t, generic, "the prepared read is planned anew on every run (%d custom plans in 10 runs)", custom)
				}
			} else {
				explainSQLite(t, db, c.q, c.byID, !c.slow)
			}
		})
	}
}

// preparedPlans prepares q on one connection as pgx does (the parameters'
// types inferred), executes it runs times under the default
// plan_cache_mode and returns how many of those runs used the generic and
// how many a custom plan (pg_prepared_statements, PostgreSQL 14 and later).
func preparedPlans(t *testing.T, db *sql.DB, q sentStmt, runs int) (generic, custom int64) {
	t.Helper()
	ctx := t.Context()
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	lits := pgLiterals(t, q.args)
	script := "PREPARE nd_plans AS " + q.query + "; " +
		strings.Repeat("EXECUTE nd_plans("+strings.Join(lits, ", ")+"); ", runs)
	_, err = conn.ExecContext(ctx, script)
	require.NoError(t, err)
	require.NoError(t, conn.QueryRowContext(ctx, "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'nd_plans'").Scan(&generic, &custom))
	_, err = conn.ExecContext(ctx, "DEALLOCATE nd_plans")
	require.NoError(t, err)
	return generic, custom
}

// pgLiterals returns args as SQL literals (pgLiteral), for EXECUTE.
func pgLiterals(t *testing.T, args []any) []string {
	t.Helper()
	lits := make([]string, len(args))
	for i, a := range args {
		lits[i] = pgLiteral(t, a)
	}
	return lits
}

// onlyQuery returns the one query among sent (prepares aside): FindNumbers
// reads with one statement.
func onlyQuery(t *testing.T, sent []sentStmt) sentStmt {
	t.Helper()
	qs := queries(sent)
	require.Len(t, qs, 1, "FindNumbers sends one query: %v", sent)
	return qs[0]
}

// queries returns the queries among sent, prepares aside.
func queries(sent []sentStmt) []sentStmt {
	var qs []sentStmt
	for _, st := range sent {
		if st.kind == "query" || st.kind == "stmt query" {
			qs = append(qs, st)
		}
	}
	return qs
}

func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprintf("$%d=%#v", i+1, a)
	}
	return strings.Join(parts, " ")
}

// explainSQLite runs EXPLAIN QUERY PLAN on q and checks that every access
// to numbers (alias n) goes through an index. With byID, it notes (without
// failing) the accesses that do not look the numbers up by ID. It returns
// the accesses to numbers, one detail each.
func explainSQLite(t *testing.T, db *sql.DB, q sentStmt, byID, strict bool) []string {
	fail := t.Errorf
	if !strict {
		fail = func(format string, args ...any) { t.Logf("NOTE: "+format, args...) }
	}
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q.query, q.args...)
	require.NoError(t, err)
	defer rows.Close()
	type node struct {
		parent int
		detail string
	}
	var nodes []node
	depth := map[int]int{0: -1}
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		depth[id] = depth[parent] + 1
		fmt.Fprintf(&plan, "%s%s\n", strings.Repeat("   ", depth[id]), detail)
		nodes = append(nodes, node{parent, detail})
	}
	require.NoError(t, rows.Err())
	t.Logf("EXPLAIN QUERY PLAN:\n%s", plan.String())

	// "SCAN n" alone is a full scan of the table; "SEARCH n USING INDEX
	// x (...)" and "SCAN n USING [COVERING] INDEX x" go through an index.
	access := regexp.MustCompile(`^(SCAN|SEARCH) n\b`)
	indexed := regexp.MustCompile(`^(SCAN|SEARCH) n USING (COVERING )?INDEX \S+`)
	byIDAccess := regexp.MustCompile(`\bid=\?`) // not tenant_id=?
	var used []string
	for _, n := range nodes {
		if !access.MatchString(n.detail) {
			continue
		}
		if !indexed.MatchString(n.detail) {
			fail("numbers is read without an index: %s", n.detail)
		}
		used = append(used, n.detail)
		if byID {
			assert.Regexp(t, byIDAccess, n.detail, "numbers is not looked up by ID but walked in index order")
		}
	}
	assert.NotEmpty(t, used, "no access to numbers in the plan")
	return used
}

// explainPostgres runs EXPLAIN (ANALYZE, BUFFERS) on q with its arguments
// (the custom plan, planned for these values) and checks that it reads
// numbers through an index. It also logs the generic plan, which a
// statement cached by pgx gets from its sixth run on if PostgreSQL finds it
// no costlier than the custom ones, and notes whether that one reads
// numbers without an index (not a failure: PostgreSQL keeps the custom plan
// when the generic one costs more). It returns both plans.
func explainPostgres(t *testing.T, db *sql.DB, q sentStmt, strict bool) (custom, generic string) {
	fail := t.Errorf
	if !strict {
		fail = func(format string, args ...any) { t.Logf("NOTE: "+format, args...) }
	}
	ctx := t.Context()
	custom = queryPlan(t, db, "EXPLAIN (ANALYZE, BUFFERS) "+q.query, q.args...)
	t.Logf("EXPLAIN (ANALYZE, BUFFERS), custom plan:\n%s", custom)

	// The generic plan: PREPARE with the parameters' types inferred, as
	// for pgx's Parse, and EXECUTE it under force_generic_plan.
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	lits := pgLiterals(t, q.args)
	err = conn.Raw(func(dc any) error {
		pg := dc.(*traceConn).inner.(*stdlib.Conn).Conn().PgConn()
		script := "SET plan_cache_mode = force_generic_plan; PREPARE nd_explain AS " + q.query + "; " +
			"EXPLAIN (ANALYZE, BUFFERS) EXECUTE nd_explain(" + strings.Join(lits, ", ") + "); " +
			"DEALLOCATE nd_explain; RESET plan_cache_mode"
		results, err := pg.Exec(ctx, script).ReadAll()
		if err != nil {
			return err
		}
		var lines []string
		for _, r := range results {
			for _, row := range r.Rows {
				lines = append(lines, string(row[0]))
			}
		}
		generic = strings.Join(lines, "\n")
		return nil
	})
	require.NoError(t, err)
	t.Logf("EXPLAIN (ANALYZE, BUFFERS) EXECUTE, generic plan (plan_cache_mode = force_generic_plan):\n%s", generic)

	for _, p := range postgresPlanProblems(custom) {
		fail("custom plan: %s", p)
	}
	for _, p := range postgresPlanProblems(generic) {
		t.Logf("NOTE: generic plan: %s", p)
	}
	return custom, generic
}

func queryPlan(t *testing.T, db *sql.DB, query string, args ...any) string {
	rows, err := db.QueryContext(t.Context(), query, args...)
	require.NoError(t, err)
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		lines = append(lines, line)
	}
	require.NoError(t, rows.Err())
	return strings.Join(lines, "\n")
}

var (
	// pgByID is an index condition on the ID; pgWalkFilteringIDs a filter.
	pgByID             = regexp.MustCompile(`Index Cond: \(\(tenant_id = [^)]*\) AND \(id = ANY`)
	pgWalkFilteringIDs = regexp.MustCompile(`Filter: \(id = ANY`)
	pgSeqScan          = regexp.MustCompile(`Seq Scan on numbers\b`)
	pgIndexScan        = regexp.MustCompile(`(Index Scan|Index Only Scan)( Backward)? using numbers_\w+ on numbers\b|Bitmap Index Scan on numbers_\w+`)
)

// postgresPlanProblems returns the parts of the plan that read numbers
// without an index, or a complaint if no part reads it through one of its
// indexes.
func postgresPlanProblems(plan string) []string {
	var out []string
	for _, line := range strings.Split(plan, "\n") {
		if pgSeqScan.MatchString(line) {
			out = append(out, "numbers is read without an index: "+strings.TrimSpace(line))
		}
	}
	if !pgIndexScan.MatchString(plan) {
		out = append(out, "numbers is not read through any of its indexes")
	}
	return out
}

// pgLiteral writes a captured argument as an SQL literal for EXECUTE.
func pgLiteral(t *testing.T, v any) string {
	t.Helper()
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return quote(v)
	case []string:
		qs := make([]string, len(v))
		for i, s := range v {
			qs[i] = quote(s)
		}
		return "ARRAY[" + strings.Join(qs, ", ") + "]::text[]"
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return quote(v.Format(time.RFC3339Nano)) + "::timestamptz"
	case []int32:
		xs := make([]string, len(v))
		for i, x := range v {
			xs[i] = strconv.Itoa(int(x))
		}
		return "ARRAY[" + strings.Join(xs, ", ") + "]::int[]"
	case []int64:
		xs := make([]string, len(v))
		for i, x := range v {
			xs[i] = strconv.FormatInt(x, 10)
		}
		return "ARRAY[" + strings.Join(xs, ", ") + "]::bigint[]"
	case []*time.Time:
		xs := make([]string, len(v))
		for i, x := range v {
			xs[i] = "NULL"
			if x != nil {
				xs[i] = quote(x.Format(time.RFC3339Nano))
			}
		}
		return "ARRAY[" + strings.Join(xs, ", ") + "]::timestamptz[]"
	}
	t.Fatalf("no literal for %T", v)
	return ""
}

// createScaleTenant stores a tenant and returns its owner.
func createScaleTenant(t testing.TB, s storetest.TenantStore, now time.Time) numberdesk.Actor {
	t.Helper()
	owner, err := storetest.NewTenant(context.Background(), s, "Muster GmbH", now)
	require.NoError(t, err)
	return owner
}

// TestWritesUseIndexes: the statement of a command's write (Swap's, with
// holders and routing settings to wipe), in a tenant of 20,000 numbers with
// holders and routing settings, statistics current, finds the
// rows it locks, updates and deletes through indexes in its custom and in
// its generic plan (what a prepared statement runs from its sixth run on:
// its array parameters are opaque, so that PostgreSQL keeps it), and
// updates the rows it locked by their address (a Tid Scan). It logs both
// plans.
func TestWritesUseIndexes(t *testing.T) {
	postgresDSN(t)
	s, db, tr := openTracedPostgres(t)
	ctx := t.Context()
	now := scaleNow
	owner := createScaleTenant(t, s, now)
	svc, err := numbers.NewService(numbers.Config{Store: s, Clock: func() time.Time { return now }})
	require.NoError(t, err)
	bulk := scaleNumbers(owner.Tenant, now, 0, 20_000)
	for _, n := range bulk {
		n.Holders, n.HoldersSince = []numberdesk.StaffID{owner.Staff}, now
	}
	for i := 0; i < len(bulk); i += 5_000 {
		require.NoError(t, s.CreateNumbers(ctx, bulk[i:i+5_000]...))
	}
	var wg sync.WaitGroup // the settings of every number, by 8 writers
	for w := range 8 {
		wg.Go(func() {
			for _, n := range bulk[w*len(bulk)/8 : (w+1)*len(bulk)/8] {
				assert.NoError(t, s.SaveSettings(ctx, &routing.Settings{Tenant: owner.Tenant, Number: n.ID, Plan: routing.DefaultPlan(), UpdatedAt: now}))
			}
		})
	}
	wg.Wait()
	ns, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: "0221 4000", ExtensionFrom: "00", ExtensionTo: "09"})
	require.NoError(t, err)
	relActivate(t, svc, owner, "", ns[0].ID)
	require.NoError(t, svc.AssignNumbers(ctx, owner, owner.Staff, []numberdesk.NumberID{ns[0].ID}))
	_, err = svc.SaveRouting(ctx, owner, numbers.SaveRoutingRequest{Number: ns[0].ID, Plan: routing.DefaultPlan()})
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "ANALYZE numbers, number_holders, number_holder_periods, routing_settings, events")
	require.NoError(t, err)

	tr.start()
	_, err = svc.Swap(ctx, owner, numbers.SwapRequest{Old: ns[0].ID, New: ns[1].ID})
	sent := tr.stop()
	require.NoError(t, err)
	var write sentStmt
	for _, st := range queries(sent) {
		if strings.Contains(st.query, "INSERT INTO events") && strings.Contains(st.query, "UPDATE numbers") {
			write = st
		}
	}
	require.NotEmpty(t, write.query, "the swap's write: %v", sent)

	lits := pgLiterals(t, write.args)
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		var plan []string
		err = conn.Raw(func(dc any) error {
			pg := dc.(*traceConn).inner.(*stdlib.Conn).Conn().PgConn()
			script := "SET plan_cache_mode = " + mode + "; PREPARE nd_write AS " + write.query + "; " +
				"EXPLAIN EXECUTE nd_write(" + strings.Join(lits, ", ") + "); DEALLOCATE nd_write; RESET plan_cache_mode"
			results, err := pg.Exec(ctx, script).ReadAll()
			for _, r := range results {
				for _, row := range r.Rows {
					plan = append(plan, string(row[0]))
				}
			}
			return err
		})
		require.NoError(t, err)
		t.Logf("EXPLAIN, %s:\n%s", mode, strings.Join(plan, "\n"))
		for _, line := range plan {
			assert.NotRegexp(t, `Seq Scan on (numbers|number_holders|routing_settings)\b`, line, mode)
		}
		// The update goes to the rows the statement locked by their
		// address, not through an index again.
		assert.Regexp(t, `Tid Scan on numbers`, strings.Join(plan, "\n"), mode)
	}
}

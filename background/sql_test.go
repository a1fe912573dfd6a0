package background_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/background"
	"github.com/numberdesk/numberdesk/internal/testdb"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// Two nodes, each with its own connection pool to one SQLite database.
func TestTwoNodesSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(tempDir(t), "numberdesk.db")
	st1, st2 := openSQLite(t, path), openSQLite(t, path)
	require.NoError(t, st1.Migrate(t.Context()))
	testTwoNodes(t, st1, st2)
}

// Two nodes, each with its own connection pool to one PostgreSQL schema.
func TestTwoNodesPostgres(t *testing.T) {
	t.Parallel()
	dsn := postgresSchema(t)
	st1, st2 := openPostgres(t, dsn), openPostgres(t, dsn)
	require.NoError(t, st1.Migrate(t.Context()))
	testTwoNodes(t, st1, st2)
}

// Two nodes run ApplyDueAll at the same moment over many due numbers of
// the same tenants, on PostgreSQL, where their transactions do run at once
// (READ COMMITTED): the loser of each race gets a conflict and reads again.
// Neither reports an error, and together they deactivate every number
// once.
func TestConcurrentPassesPostgres(t *testing.T) {
	t.Parallel()
	dsn := postgresSchema(t)
	st1, st2 := openPostgres(t, dsn), openPostgres(t, dsn)
	require.NoError(t, st1.Migrate(t.Context()))
	clock := newClock()
	c1, c2 := &conflicts{Store: st1}, &conflicts{Store: st2}
	n1, n2 := newNode(t, c1, clock), newNode(t, c2, clock)
	for round := range 3 {
		var due []*numbers.Number
		at := t0.Add(time.Duration(round) * time.Minute)
		for range 3 {
			due = append(due, dueNumbers(t, st1, numberdesk.NewTenantID(), 1000, at)...)
		}
		clock.Set(at)
		var wg sync.WaitGroup
		var done [2]int
		var errs [2]error
		ready := make(chan struct{})
		for i, n := range []*node{n1, n2} {
			wg.Go(func() {
				<-ready
				done[i], errs[i] = background.ApplyDueAll(t.Context(), n.st, n.svc, clock.Now())
			})
		}
		close(ready)
		wg.Wait()
		require.NoError(t, errs[0], "node 1")
		require.NoError(t, errs[1], "node 2")
		require.Equal(t, len(due), done[0]+done[1], "round %d: every number once (node 1: %d, node 2: %d)", round, done[0], done[1])
		t.Logf("round %d: node 1 deactivated %d, node 2 %d; writes that lost a race so far: %d, %d",
			round, done[0], done[1], c1.count.Load(), c2.count.Load())
		left, err := st1.FindDueTenants(t.Context(), at, "", 0)
		require.NoError(t, err)
		require.Empty(t, left, "nothing due is left")
		requireDeactivatedOnce(t, st1, nil, due...)
	}
}

// conflicts counts the writes of numbers that lost a race (CodeConflict).
type conflicts struct {
	*sqlstore.Store
	count atomic.Int64
}

func (c *conflicts) counted(err error) error {
	if numberdesk.ErrorCode(err) == numberdesk.CodeConflict {
		c.count.Add(1)
	}
	return err
}

func (c *conflicts) UpdateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	return c.counted(c.Store.UpdateNumbers(ctx, ns...))
}

func (c *conflicts) Write(ctx context.Context, w numbers.Write) error {
	return c.counted(c.Store.Write(ctx, w))
}

// tempDir returns a directory removed at the end of the test. database/sql
// may still be opening a connection when Close returns, and opening a WAL
// tempDir is testdb.Dir.
func tempDir(t *testing.T) string { return testdb.Dir(t, "background-test-") }

// openSQLite opens the SQLite database at path as sqlstore's tests do: its
// DSN, with the busy timeout raised to ten minutes (a wall-clock budget a
// loaded machine must not exhaust), four connections.
func openSQLite(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	dsn := sqlstore.SQLiteDSN(path)
	const busy, patient = "busy_timeout%2810000%29", "busy_timeout%28600000%29"
	require.Contains(t, dsn, busy)
	db, err := sql.Open("sqlite", strings.Replace(dsn, busy, patient, 1))
	require.NoError(t, err)
	db.SetMaxOpenConns(4)
	st := sqlstore.New(db, sqlstore.SQLite)
	t.Cleanup(func() {
		_ = st.Close()
		_ = db.Close()
	})
	return st
}

// postgresSchema is testdb.PostgresSchema.
func postgresSchema(t *testing.T) string { return testdb.PostgresSchema(t) }

// openPostgres opens a pool of its own on dsn: one node's.
func openPostgres(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	db.SetMaxOpenConns(8)
	st := sqlstore.New(db, sqlstore.Postgres)
	t.Cleanup(func() {
		_ = st.Close()
		_ = db.Close()
	})
	return st
}

package sqlstore_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also driver "pgx"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// dsnEnv names the environment variable with the PostgreSQL test database.
const dsnEnv = "NUMBERDESK_POSTGRES_DSN"

// openSQLite opens a fresh SQLite database file in a temporary directory
// (not migrated).
func openSQLite(t testing.TB) *sql.DB {
	t.Helper()
	dir, err := os.MkdirTemp("", "sqlstore-test-")
	require.NoError(t, err)
	// The store's busy_timeout of 10 s is a wall-clock budget: a machine
	// slowed down by other jobs could exhaust it (and the store's 5 retries)
	// under the concurrency tests. The tests wait 10 minutes instead; the
	// package's -timeout still ends a real deadlock.
	dsn := sqlstore.SQLiteDSN(filepath.Join(dir, "numberdesk.db"))
	const busy, patient = "busy_timeout%2810000%29", "busy_timeout%28600000%29"
	require.Contains(t, dsn, busy)
	db, err := sql.Open("sqlite", strings.Replace(dsn, busy, patient, 1))
	require.NoError(t, err)
	db.SetMaxOpenConns(4) // as the package documentation advises
	t.Cleanup(func() {
		_ = db.Close()
		removeDir(t, dir)
	})
	return db
}

// removeDir removes a test's database directory. database/sql may still be
// opening a connection in the background when Close returns (it closes it
// as soon as the open finishes), and opening a WAL database creates its -shm
// file, so one RemoveAll can race that file into the directory and fail
// with "directory not empty" (seen once under load, as t.TempDir's cleanup).
// A few retries outlast the open.
func removeDir(t testing.TB, dir string) {
	var err error
	for range 50 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("remove %s: %v", dir, err)
}

// newSQLite returns a migrated store over a fresh SQLite database.
func newSQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	s := sqlstore.New(openSQLite(t), sqlstore.SQLite)
	require.NoError(t, s.Migrate(t.Context()))
	return s
}

// postgresDSN returns the DSN of the PostgreSQL test database, or skips the
// test if there is none (fails it on CI).
func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(dsnEnv + " not set: PostgreSQL tests are required on CI")
		}
		t.Skip(dsnEnv + " not set: PostgreSQL tests skipped")
	}
	return dsn
}

// admin is the pool that creates and drops the test schemas.
var admin = sync.OnceValues(func() (*sql.DB, error) { return sql.Open("pgx", os.Getenv(dsnEnv)) })

// withSchema returns dsn (URL or key=value form) with search_path set to
// schema, and application_name too, so that a test can find its sessions in
// pg_stat_activity.
func withSchema(t testing.TB, dsn, schema string) string {
	t.Helper()
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema + " application_name=" + schema
	}
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openPostgres creates a fresh schema, dropped when the test ends, and opens
// a pool whose connections use it (not migrated). It returns the pool and
// the DSN; the schema is the application_name of its sessions.
func openPostgres(t testing.TB) (*sql.DB, string) {
	t.Helper()
	return openPostgresTraced(t, nil)
}

// openPostgresTraced is openPostgres with a pgx tracer on the pool's
// connections (nil: none), which sees every statement they send, BEGIN and
// COMMIT included.
func openPostgresTraced(t testing.TB, tracer pgx.QueryTracer) (*sql.DB, string) {
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
	dsn = withSchema(t, dsn, schema)
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.Tracer = tracer
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	t.Cleanup(func() { _ = db.Close() })
	return db, dsn
}

// newPostgres returns a migrated store over a fresh schema.
func newPostgres(t testing.TB) *sqlstore.Store {
	t.Helper()
	db, _ := openPostgres(t)
	s := sqlstore.New(db, sqlstore.Postgres)
	require.NoError(t, s.Migrate(t.Context()))
	return s
}

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newSQLite(t) })
}

func TestConformancePostgres(t *testing.T) {
	postgresDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store { return newPostgres(t) })
}

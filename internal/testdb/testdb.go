// Package testdb gives tests a PostgreSQL schema of their own: the
// database NUMBERDESK_POSTGRES_DSN names, a fresh schema in it for each
// test, dropped at its end. Without the variable the test is skipped, and
// with CI=true it fails, so that CI never passes by skipping.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"github.com/stretchr/testify/require"
)

// PostgresSchema creates a fresh schema, dropped when t ends, and returns
// a DSN whose sessions use it (search_path): in URL form for a URL DSN,
// else as a key=value pair.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("NUMBERDESK_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("NUMBERDESK_POSTGRES_DSN not set: PostgreSQL tests are required on CI")
		}
		t.Skip("NUMBERDESK_POSTGRES_DSN not set: PostgreSQL tests skipped")
	}
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	_, err = admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		require.NoError(t, err)
		_ = admin.Close()
	})
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Dir returns a directory for a test's SQLite database, removed at the end
// of the test. database/sql may still be opening a connection when Close
// returns, and opening a WAL database creates its -shm file, so the removal
// is tried again until the directory is gone: no budget in seconds, so a
// slow machine makes it slower, never red.
func Dir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	require.NoError(t, err)
	t.Cleanup(func() {
		for os.RemoveAll(dir) != nil {
			time.Sleep(20 * time.Millisecond)
		}
	})
	return dir
}

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

package server

import (
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// postgresSchema creates a fresh schema in the database NUMBERDESK_POSTGRES_DSN
// names, dropped at the end of the test, and returns a DSN whose sessions
// use it; without the variable the test is skipped (failed on CI).
func postgresSchema(t *testing.T) string {
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
	schema := "test_" + hex.EncodeToString(randomBytes(8))
	_, err = admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		require.NoError(t, err)
		_ = admin.Close()
	})
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(u.Scheme, "postgres"), "NUMBERDESK_POSTGRES_DSN must be a postgres:// URL here")
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// On PostgreSQL too, processes that start at once seed one tenant.
func TestNewAppsStartingAtOnceSeedOncePostgres(t *testing.T) {
	testStartingAtOnce(t, postgresSchema(t), testSecret)
}

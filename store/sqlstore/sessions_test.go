package sqlstore_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/httpapi/sessiontest"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// The SQL store is the SessionStore of the server processes that share a
// database.
var _ httpapi.SessionStore = (*sqlstore.Store)(nil)

// TestSessionStore runs the SessionStore contract on both dialects.
func TestSessionStore(t *testing.T) {
	backends(t, func(t *testing.T, _ sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		sessiontest.Run(t, func(t *testing.T) httpapi.SessionStore { return newStore(t) })
	})
}

// TestSessionsAcrossProcesses: two pools on one database (two server
// processes) see each other's sessions and deletions, and the row holds the
// hash only.
func TestSessionsAcrossProcesses(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, _ func(testing.TB) *sqlstore.Store) {
		var a, b *sql.DB
		if d == sqlstore.SQLite {
			path := filepath.Join(t.TempDir(), "nd.db")
			open := func() *sql.DB {
				db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
				require.NoError(t, err)
				t.Cleanup(func() { _ = db.Close() })
				return db
			}
			a, b = open(), open()
		} else {
			var dsn string
			a, dsn = openPostgres(t)
			var err error
			b, err = sql.Open("pgx", dsn)
			require.NoError(t, err)
			t.Cleanup(func() { _ = b.Close() })
		}
		one, two := sqlstore.New(a, d), sqlstore.New(b, d)
		require.NoError(t, one.Migrate(t.Context()))
		require.NoError(t, two.Migrate(t.Context()))

		now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
		s := &numberdesk.StoredSession{Hash: sessiontest.NewHash(), Tenant: numberdesk.NewTenantID(), Staff: numberdesk.NewStaffID(),
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		require.NoError(t, one.CreateSession(t.Context(), s))
		got, err := two.FindSession(t.Context(), s.Hash)
		require.NoError(t, err)
		require.Equal(t, s.Staff, got.Staff)
		require.True(t, s.ExpiresAt.Equal(got.ExpiresAt))

		var hash, tenant, staffID string
		require.NoError(t, a.QueryRow("SELECT hash, tenant_id, staff_id FROM sessions").Scan(&hash, &tenant, &staffID))
		require.Equal(t, []string{s.Hash, string(s.Tenant), string(s.Staff)}, []string{hash, tenant, staffID})

		require.NoError(t, two.DeleteSession(t.Context(), s.Hash))
		_, err = one.FindSession(t.Context(), s.Hash)
		require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))

		// Both purge at once: each expired session is deleted once.
		for range 10 {
			e := *s
			e.Hash, e.ExpiresAt = sessiontest.NewHash(), now
			require.NoError(t, one.CreateSession(t.Context(), &e))
		}
		ns := make(chan int, 2)
		for _, st := range []*sqlstore.Store{one, two} {
			go func() {
				n, err := st.DeleteExpiredSessions(t.Context(), now)
				if err != nil {
					n = -1000
				}
				ns <- n
			}()
		}
		require.Equal(t, 10, <-ns+<-ns)
	})
}

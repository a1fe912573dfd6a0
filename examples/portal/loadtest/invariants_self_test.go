package loadtest

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// seededSQLite returns a SQLite store with the demo tenant (its history
// includes activations, deactivations, one of them applied, assignments and
// notifications).
func seededSQLite(t *testing.T) *sqlstore.Store {
	t.Helper()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "ledger.db")))
	require.NoError(t, err)
	db.SetMaxOpenConns(4)
	st := sqlstore.New(db, sqlstore.SQLite)
	t.Cleanup(func() {
		_ = st.Close()
		_ = db.Close()
	})
	require.NoError(t, st.Migrate(t.Context()))
	_, err = demo.SeedStore(t.Context(), st, demo.Config{})
	require.NoError(t, err)
	return st
}

// activeNumbers returns the demo tenant's active numbers.
func activeNumbers(t *testing.T, st *sqlstore.Store) []*numbers.Number {
	t.Helper()
	ns, _, err := st.FindNumbers(t.Context(), demo.TenantID, numbers.Filter{Statuses: []numbers.Status{numbers.StatusActive}})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(ns), 2)
	return ns
}

// appendEvent appends an event about n at the instant at, which leaves n
// as it is: damage to the billing feed.
func appendEvent(t *testing.T, st *sqlstore.Store, typ numberdesk.EventType, at time.Time, n *numbers.Number, d numbers.EventData) {
	t.Helper()
	snap := &numbers.Snapshot{Status: n.Status, UsageType: n.UsageType, Holders: n.Holders, Options: n.Options, BillingLine: n.BillingLine}
	d.E164, d.Before, d.After = n.E164, snap, snap
	e, err := numberdesk.NewEvent(typ, numberdesk.Actor{Tenant: n.Tenant, Role: numberdesk.RoleOwner}, at, n.ID, d)
	require.NoError(t, err)
	require.NoError(t, st.AppendEvents(t.Context(), e))
}

// The ledger check passes the demo tenant's history and bites on each
// kind of damage it is there to find.
func TestLedgerCheckBites(t *testing.T) {
	check := func(t *testing.T, st *sqlstore.Store) []string {
		var p problems
		require.NoError(t, checkLedger(context.Background(), st, demo.TenantID, time.Now(), &p))
		return p.list
	}
	t.Run("intact", func(t *testing.T) {
		st := seededSQLite(t)
		var p problems
		require.NoError(t, checkLedger(t.Context(), st, demo.TenantID, time.Now(), &p))
		require.Empty(t, p.list)
		require.Positive(t, p.checked["billing intervals closed"], "the seed deactivates a number")
		want, err := expectedMails(t.Context(), st, demo.TenantID)
		require.NoError(t, err)
		require.NotEmpty(t, want, "the seed's deactivation requests and missed calls make mails")
	})
	t.Run("state without its event", func(t *testing.T) {
		st := seededSQLite(t)
		n := activeNumbers(t, st)[0]
		n.Status, n.BillingLine, n.BilledSince = numbers.StatusInactive, "", time.Time{}
		require.NoError(t, st.UpdateNumbers(t.Context(), n))
		require.Contains(t, strings.Join(check(t, st), "\n"), "but its last event left")
	})
	t.Run("two open intervals", func(t *testing.T) {
		st := seededSQLite(t)
		n := activeNumbers(t, st)[0]
		at := time.Now().UTC().Truncate(time.Microsecond)
		appendEvent(t, st, numbers.EventActivated, at, n, numbers.EventData{Billing: &numbers.Billing{Line: uuid.NewString(), Start: at}})
		require.Contains(t, strings.Join(check(t, st), "\n"), "two open intervals")
	})
	t.Run("line billed twice", func(t *testing.T) {
		st := seededSQLite(t)
		ns := activeNumbers(t, st)
		a, b := ns[0], ns[1]
		// b takes a's line over without a swap out, and a's own line ends.
		at := time.Now().UTC().Truncate(time.Microsecond)
		appendEvent(t, st, numbers.EventSwappedOut, at, b, numbers.EventData{Billing: &numbers.Billing{Line: b.BillingLine, End: at}, Counterpart: a.ID})
		appendEvent(t, st, numbers.EventSwappedIn, at, b, numbers.EventData{Billing: &numbers.Billing{Line: a.BillingLine, Start: at}, Counterpart: a.ID})
		got := strings.Join(check(t, st), "\n")
		require.Contains(t, got, "while it is still billed on another number")
		require.Contains(t, got, "is billed twice at once")
	})
}

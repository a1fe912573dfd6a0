package sqlstore_test

import (
	"database/sql"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// TestDueTenantsUsesIndex captures the statement FindDueTenants sends (the
// first page, and a next one after a tenant) in a store of 4,000 numbers in
// 40 tenants, 120 of them pending but not due and 21 due in 11 tenants, runs
// EXPLAIN on it as TestOverviewUsesIndex does, logs the plan and checks that
// numbers is read through the partial index numbers_pending_due (migration
// 0009), never scanned.
func TestDueTenantsUsesIndex(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		s, db, tr := openTracedSQLite(t)
		testDueTenantsPlan(t, sqlstore.SQLite, s, db, tr)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		postgresDSN(t)
		s, db, tr := openTracedPostgres(t)
		testDueTenantsPlan(t, sqlstore.Postgres, s, db, tr)
	})
}

func testDueTenantsPlan(t *testing.T, d sqlstore.Dialect, s *sqlstore.Store, db *sql.DB, tr *sqlTrace) {
	ctx := t.Context()
	now := scaleNow
	const tenants, perTenant = 40, 100
	var due []numberdesk.TenantID
	for i := range tenants {
		tn := numberdesk.NewTenantID()
		ns := scaleNumbers(tn, now, i*perTenant, (i+1)*perTenant)
		// Every tenant has three numbers pending until next month, and one
		// inactive whose deactivation lies in the past.
		for _, n := range ns[1:4] {
			n.Status, n.DeactivationAt = numbers.StatusDeactivationPending, now.AddDate(0, 1, 0)
		}
		ns[4].Status, ns[4].DeactivationAt = numbers.StatusInactive, now.AddDate(0, -1, 0)
		switch {
		case i%4 == 0: // two due numbers
			for _, n := range ns[5:7] {
				n.Status, n.DeactivationAt = numbers.StatusDeactivationPending, now.Add(-time.Hour)
			}
			due = append(due, tn)
		case i == 1: // pending without a date: due at any instant
			ns[5].Status = numbers.StatusDeactivationPending
			due = append(due, tn)
		}
		require.NoError(t, s.CreateNumbers(ctx, ns...))
	}
	slices.Sort(due)
	if d == sqlstore.Postgres {
		_, err := db.ExecContext(ctx, "ANALYZE numbers")
		require.NoError(t, err)
	}

	tr.start()
	got, err := s.FindDueTenants(ctx, now, "", 0)
	sent := tr.stop()
	require.NoError(t, err)
	require.Equal(t, due, got)
	first := onlyQuery(t, sent)

	tr.start()
	got, err = s.FindDueTenants(ctx, now, due[4], 3)
	sent = tr.stop()
	require.NoError(t, err)
	require.Equal(t, due[5:8], got)
	next := onlyQuery(t, sent)

	for _, c := range []struct {
		name string
		q    sentStmt
	}{{"FirstPage", first}, {"NextPage", next}} {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("%s sends:\n%s\nargs: %s", d, c.q.query, formatArgs(c.q.args))
			if d == sqlstore.Postgres {
				custom, generic := explainPostgres(t, db, c.q, true)
				requirePendingDueOnly(t, "custom plan", pgIndexes.FindAllStringSubmatch(custom, -1))
				requirePendingDueOnly(t, "generic plan", pgIndexes.FindAllStringSubmatch(generic, -1))
				return
			}
			var used [][]string
			for _, detail := range explainSQLite(t, db, c.q, false, true) {
				used = append(used, sqliteIndex.FindStringSubmatch(detail))
			}
			requirePendingDueOnly(t, "plan", used)
		})
	}
}

var (
	// pgIndexes finds the indexes a PostgreSQL plan reads numbers through.
	pgIndexes = regexp.MustCompile(`(?:Index Scan|Index Only Scan)(?: Backward)? using (\w+) on numbers\b|Bitmap Index Scan on (numbers_\w+)`)
	// sqliteIndex finds the index of an access to numbers in a detail of
	// SQLite's plan.
	sqliteIndex = regexp.MustCompile(`^(?:SCAN|SEARCH) n USING (?:COVERING )?INDEX (\S+)`)
)

// requirePendingDueOnly checks that every access to numbers (the matches of
// pgIndexes or sqliteIndex) reads the partial index numbers_pending_due:
// the pending numbers only, not an index of every number.
func requirePendingDueOnly(t *testing.T, what string, accesses [][]string) {
	t.Helper()
	require.NotEmpty(t, accesses, "%s: no access to numbers", what)
	for _, m := range accesses {
		require.NotNil(t, m, "%s: numbers is read without an index", what)
		index := m[1]
		if index == "" && len(m) > 2 {
			index = m[2]
		}
		assert.Equal(t, "numbers_pending_due", index, "%s: %s", what, m[0])
	}
}

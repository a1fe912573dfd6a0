package sqlstore_test

import (
	"database/sql"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// commandStatements pins the statements (BEGIN, COMMIT and SAVEPOINT
// included) that each command of numbers.Service sends, without an
// idempotency key, by dialect. TestCommandStatements fails when a command
// costs one more, or when its cost depends on how many numbers it touches
// or the tenant holds: then this table, and the README, are to be
// reconsidered together.
var commandStatements = map[sqlstore.Dialect]map[string]int64{
	sqlstore.Postgres: {
		// Activate, Deactivate, Withdraw and Swap run without a transaction
		// (numbers.SoloWriter): their reads and their one write.
		"Provision": 8, "Quote": 2, "Activate": 2, "AssignNumbers": 6, "SaveRouting": 7, "Assign": 5,
		"Deactivate": 3, "Withdraw": 2, "Swap": 2, "ApplyDue": 7,
	},
	sqlstore.SQLite: {
		"Provision": 7, "Quote": 2, "Activate": 7, "AssignNumbers": 13, "SaveRouting": 8, "Assign": 12,
		"Deactivate": 8, "Withdraw": 7, "Swap": 12, "ApplyDue": 15,
	},
}

// TestCommandStatements runs every command of numbers.Service on a batch
// (or a tenant) of 1 and of 100 numbers and counts the statements it sends:
// the same for both sizes, and as pinned in commandStatements. On
// PostgreSQL it counts the round trips too (a statement the connection has
// prepared before costs one): Swap takes 2.
func TestCommandStatements(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, _ func(testing.TB) *sqlstore.Store) {
		var (
			db   *sql.DB
			rtts *atomic.Int64
		)
		if d == sqlstore.Postgres {
			db, rtts = openCountedPostgres(t)
		} else {
			db = openSQLite(t)
		}
		s := sqlstore.New(db, d)
		require.NoError(t, s.Migrate(t.Context()))
		now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
		svc, err := numbers.NewService(numbers.Config{Store: s, Clock: func() time.Time { return now }})
		require.NoError(t, err)

		type cost struct{ stmts, rtts int64 }
		// run measures each command of one round on a fresh tenant: batch
		// commands on size numbers, single-number commands in a tenant of
		// size numbers.
		run := func(round, size int) map[string]cost {
			ctx := t.Context()
			owner := createScaleTenant(t, s, now)
			got := map[string]cost{}
			measure := func(name string, fn func() error) {
				t.Helper()
				s0 := sqlstore.Statements(s)
				var r0 int64
				if rtts != nil {
					r0 = rtts.Load()
				}
				require.NoError(t, fn(), name)
				c := cost{stmts: sqlstore.Statements(s) - s0}
				if rtts != nil {
					c.rtts = rtts.Load() - r0
				}
				got[name] = c
			}
			employee := func(name string) numberdesk.StaffID {
				e := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: owner.Tenant, FirstName: name, LastName: "Muster",
					Email: fmt.Sprintf("%s.%d@muster.de", name, round), Role: numberdesk.RoleEmployee, Preferences: staff.DefaultPreferences}
				require.NoError(t, s.CreateEmployee(ctx, e))
				return e.ID
			}
			anna, ben := employee("anna"), employee("ben")

			req := numbers.ProvisionRequest{Number: fmt.Sprintf("0221 77%04d", round)}
			if size > 1 {
				req = numbers.ProvisionRequest{Number: fmt.Sprintf("0221 5%04d", round), ExtensionFrom: "00", ExtensionTo: fmt.Sprintf("%02d", size-1)}
			}
			var ns []*numbers.Number
			measure("Provision", func() (err error) { ns, err = svc.Provision(ctx, owner, req); return err })
			require.Len(t, ns, size)
			ids := make([]numberdesk.NumberID, size)
			for i, n := range ns {
				ids[i] = n.ID
			}
			var q *numbers.Quote
			measure("Quote", func() (err error) { q, err = svc.Quote(ctx, owner, ids); return err })
			measure("Activate", func() error {
				res, err := svc.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token})
				if err == nil && res.Activated() != size {
					err = fmt.Errorf("%d of %d activated", res.Activated(), size)
				}
				return err
			})
			measure("AssignNumbers", func() error { return svc.AssignNumbers(ctx, owner, anna, ids) })
			plan := routing.DefaultPlan()
			for _, id := range ids { // every number has settings: the wipes below delete something
				_, err := svc.SaveRouting(ctx, owner, numbers.SaveRoutingRequest{Number: id, Plan: plan})
				require.NoError(t, err)
			}
			measure("SaveRouting", func() error {
				_, err := svc.SaveRouting(ctx, owner, numbers.SaveRoutingRequest{Number: ids[0], Plan: plan, Version: 1})
				return err
			})
			measure("Assign", func() error {
				_, err := svc.Assign(ctx, owner, numbers.AssignRequest{Number: ids[0], Employee: ben})
				return err
			})
			measure("Deactivate", func() error {
				_, err := svc.Deactivate(ctx, owner, numbers.DeactivateRequest{Number: ids[0]})
				return err
			})
			measure("Withdraw", func() error {
				_, err := svc.Withdraw(ctx, owner, numbers.WithdrawRequest{Number: ids[0]})
				return err
			})
			spare, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: fmt.Sprintf("0221 88%04d", round)})
			require.NoError(t, err)
			measure("Swap", func() error {
				_, err := svc.Swap(ctx, owner, numbers.SwapRequest{Old: ids[0], New: spare[0].ID})
				return err
			})
			// Every number of the batch becomes due (as if deactivated a
			// while ago), with its routing settings: ApplyDue stores
			// them all and wipes their settings.
			found, _, err := s.FindNumbers(ctx, owner.Tenant, numbers.Filter{Statuses: []numbers.Status{numbers.StatusActive}})
			require.NoError(t, err)
			require.Len(t, found, size)
			for _, n := range found {
				n.Status, n.DeactivationAt = numbers.StatusDeactivationPending, now.Add(-time.Hour)
			}
			require.NoError(t, s.UpdateNumbers(ctx, found...))
			measure("ApplyDue", func() error {
				done, err := svc.ApplyDue(ctx, numberdesk.System(owner.Tenant), now)
				if err == nil && len(done) != size {
					err = fmt.Errorf("%d of %d due numbers applied", len(done), size)
				}
				return err
			})
			rest, _, err := s.FindNumbers(ctx, owner.Tenant, numbers.Filter{})
			require.NoError(t, err)
			for _, n := range rest {
				if _, err := s.FindSettings(ctx, owner.Tenant, n.ID); numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
					t.Fatalf("%s still has routing settings after ApplyDue: %v", n.E164, err)
				}
			}
			return got
		}
		// Round 0 prepares the statements on the connections (pgx) and
		// fills the statement cache (SQLite); rounds 1 and 2 count.
		run(0, 100)
		small, large := run(1, 1), run(2, 100)
		names := make([]string, 0, len(large))
		for name := range large {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			rt := ""
			if rtts != nil {
				rt = fmt.Sprintf("; round trips %d and %d", small[name].rtts, large[name].rtts)
			}
			t.Logf("%-8s %-14s %2d statements for 1 number, %2d for 100%s", d, name, small[name].stmts, large[name].stmts, rt)
		}
		for _, name := range names {
			require.Equal(t, small[name].stmts, large[name].stmts, "%s: the statements depend on the number of numbers", name)
			require.Equal(t, commandStatements[d][name], large[name].stmts, "%s: statements", name)
		}
		if d == sqlstore.Postgres {
			require.LessOrEqual(t, large["Swap"].rtts, int64(2), "Swap: round trips on PostgreSQL (the pair with the actor, the write with the actor)")
		}

		// ApplyDue of 1,000 due numbers (two transactions of 500, and a
		// third that finds none): at most 20 statements.
		ctx := t.Context()
		owner := createScaleTenant(t, s, now)
		ns, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: "0221 9876", ExtensionFrom: "000", ExtensionTo: "999"})
		require.NoError(t, err)
		for _, n := range ns {
			n.Status, n.BillingLine, n.BilledSince = numbers.StatusDeactivationPending, "line", now.Add(-48*time.Hour)
			n.DeactivationAt = now.Add(-time.Hour)
		}
		require.NoError(t, s.UpdateNumbers(ctx, ns...))
		before := sqlstore.Statements(s)
		done, err := svc.ApplyDue(ctx, numberdesk.System(owner.Tenant), now)
		require.NoError(t, err)
		require.Len(t, done, 1000)
		stmts := sqlstore.Statements(s) - before
		t.Logf("%-8s ApplyDue of 1,000 due numbers: %d statements", d, stmts)
		require.LessOrEqual(t, stmts, int64(20), "ApplyDue of 1,000 due numbers")
	})
}

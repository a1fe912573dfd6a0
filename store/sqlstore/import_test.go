package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/csvio"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

var importNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// importTenant is a fresh tenant with its owner and two employees, Anna and
// Ben, whose e-mail addresses are the same in every tenant.
func importTenant(t testing.TB, s *sqlstore.Store) numberdesk.Actor {
	t.Helper()
	owner := createScaleTenant(t, s, importNow)
	for _, name := range []string{"anna", "ben"} {
		e := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: owner.Tenant, FirstName: name, LastName: "Muster",
			Email: name + "@muster.example", Role: numberdesk.RoleEmployee, Preferences: staff.DefaultPreferences,
			CreatedAt: importNow, UpdatedAt: importNow}
		require.NoError(t, s.CreateEmployee(t.Context(), e))
	}
	return owner
}

// importRows returns n rows of single numbers of one shape: plain (the
// number alone) or full (ported with a porting date, a personal fax number
// with a holder: three events per number).
func importRows(n int, full bool) []numbers.ImportRow {
	rows := make([]numbers.ImportRow, n)
	for i := range rows {
		rows[i] = numbers.ImportRow{Row: i + 2, Number: fmt.Sprintf("+4922150%06d", i)}
		if full {
			rows[i].Origin, rows[i].PortingDate = numbers.OriginPorted, "2026-04-01"
			rows[i].UsageType, rows[i].Holders = routing.UsageFaxPersonal, []string{"anna@muster.example"}
		}
	}
	return rows
}

// importStatements pins the statements of Import (BEGIN, COMMIT and
// SAVEPOINT included) by dialect and shape: a dry run and an apply of one
// chunk of numbers.ImportChunk numbers, and what each further chunk adds.
// TestImportStatements fails when they change.
var importStatements = map[sqlstore.Dialect]map[string][2]int64{
	sqlstore.Postgres: {
		"plain dry run": {2, 1}, "plain apply": {10, 5},
		"full dry run": {4, 1}, "full apply": {12, 5},
	},
	sqlstore.SQLite: {
		"plain dry run": {2, 1}, "plain apply": {9, 3},
		"full dry run": {4, 1}, "full apply": {18, 10},
	},
}

// TestImportStatements: the statements of an import (a dry run, then an
// apply under a key) do not depend on its rows but on its chunks of
// numbers.ImportChunk numbers: the same for 100 and for 1,000 rows, the
// same for 1,001 and 2,000 rows, so a chunk more costs the same whatever
// it holds (TestImportTenThousandPostgres checks ten chunks). One
// exception, SQLite's own chunks: its store writes at most 1,000 rows per
// statement, so a chunk of 1,000 numbers with three events each (full)
// appends them in three statements in a savepoint, where 1 or 100 such
// numbers take one.
func TestImportStatements(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		svc, err := numbers.NewService(numbers.Config{Store: s, Clock: func() time.Time { return importNow }})
		require.NoError(t, err)
		ctx := t.Context()
		for _, full := range []bool{false, true} {
			shape := map[bool]string{false: "plain", true: "full"}[full]
			cost := map[int][2]int64{}
			for _, n := range []int{100, 1000, 1001, 2000} {
				owner := importTenant(t, s)
				rows := importRows(n, full)
				s0 := sqlstore.Statements(s)
				res, err := svc.Import(ctx, owner, numbers.ImportRequest{Rows: rows, DryRun: true})
				require.NoError(t, err)
				require.Equal(t, n, res.Summary.Numbers)
				s1 := sqlstore.Statements(s)
				res, err = svc.Import(ctx, owner, numbers.ImportRequest{Rows: rows, IdempotencyKey: "k"})
				require.NoError(t, err)
				require.Equal(t, n, res.Summary.Numbers)
				cost[n] = [2]int64{s1 - s0, sqlstore.Statements(s) - s1}
			}
			for i, kind := range []string{"dry run", "apply"} {
				name := shape + " " + kind
				t.Logf("%-8s %-14s %3d statements for 100 rows, %3d for 1,000, %3d for 1,001, %3d for 2,000",
					d, name, cost[100][i], cost[1000][i], cost[1001][i], cost[2000][i])
			}
			for i, kind := range []string{"dry run", "apply"} {
				name := shape + " " + kind
				one, per := cost[1000][i], cost[2000][i]-cost[1000][i]
				if d == sqlstore.SQLite && name == "full apply" {
					// A chunk of 1,000 numbers with 3,000 events appends them in
					// three statements in a savepoint, a chunk of 1 or 100
					// numbers in one.
					require.Equal(t, cost[100][i]+4, one, "%s: a chunk of 1,000 numbers", name)
					require.Equal(t, cost[100][i]-(one-per), cost[1001][i]-one, "%s: a chunk of 1 number costs what one of 100 does", name)
				} else {
					require.Equal(t, cost[100][i], one, "%s: 100 and 1,000 rows are one chunk", name)
					require.Equal(t, cost[1001][i], cost[2000][i], "%s: 1,001 and 2,000 rows are two chunks", name)
				}
				require.Equal(t, importStatements[d][name], [2]int64{one, per}, "%s: statements of one chunk, per further chunk", name)
			}
		}
	})
}

// On both dialects: a file with one bad row applies nothing; a retry with
// the key creates nothing twice.
func TestImportAllOrNothingSQL(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		svc, err := numbers.NewService(numbers.Config{Store: s, Clock: func() time.Time { return importNow }})
		require.NoError(t, err)
		ctx := t.Context()
		owner := importTenant(t, s)
		rows := importRows(1500, true)
		rows[1400].Holders = []string{"nobody@muster.example"}
		res, err := svc.Import(ctx, owner, numbers.ImportRequest{Rows: rows, IdempotencyKey: "k"})
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
		require.Equal(t, numberdesk.CodeNotFound, res.Rows[1400].Errors[0].Code)
		_, total, err := s.FindNumbers(ctx, owner.Tenant, numbers.Filter{Limit: 1})
		require.NoError(t, err)
		require.Zero(t, total)
		evs, err := s.FindEvents(ctx, owner.Tenant, numberdesk.EventFilter{})
		require.NoError(t, err)
		require.Empty(t, evs)

		rows[1400].Holders = []string{"ben@muster.example"}
		first, err := svc.Import(ctx, owner, numbers.ImportRequest{Rows: rows, IdempotencyKey: "k"})
		require.NoError(t, err)
		again, err := svc.Import(ctx, owner, numbers.ImportRequest{Rows: rows, IdempotencyKey: "k"})
		require.NoError(t, err)
		require.Equal(t, first, again)
		_, total, err = s.FindNumbers(ctx, owner.Tenant, numbers.Filter{Limit: 1})
		require.NoError(t, err)
		require.Equal(t, 1500, total)
		evs, err = s.FindEvents(ctx, owner.Tenant, numberdesk.EventFilter{})
		require.NoError(t, err)
		require.Len(t, evs, 3*1500)
		ns, _, err := s.FindNumbers(ctx, owner.Tenant, numbers.Filter{E164s: []string{rows[1400].Number}})
		require.NoError(t, err)
		require.Equal(t, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).Add(-2*time.Hour), ns[0].PortingDate, "00:00 Berlin (CEST)")
		require.Len(t, ns[0].Holders, 1)
		_, err = svc.Import(ctx, owner, numbers.ImportRequest{Rows: rows[:1], IdempotencyKey: "k"})
		require.Equal(t, "idempotency_key", numberdesk.ErrorField(err))

		// An actor that is not the owner (any more) is refused before the
		// import reads or writes anything, also without a key.
		other := importTenant(t, s)
		es, _, err := s.FindEmployees(ctx, other.Tenant, staff.Filter{Email: "anna@muster.example"})
		require.NoError(t, err)
		demoted := numberdesk.Actor{Tenant: other.Tenant, Staff: es[0].ID, Role: numberdesk.RoleOwner}
		var queries []string
		sqlstore.Trace(s, func(q string, _ []any) { queries = append(queries, q) })
		defer sqlstore.Trace(s, nil)
		s0 := sqlstore.Statements(s)
		_, err = svc.Import(ctx, demoted, numbers.ImportRequest{Rows: importRows(3000, true)})
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
		t.Logf("%-8s a refused apply: %d statements", d, sqlstore.Statements(s)-s0)
		require.Len(t, queries, map[sqlstore.Dialect]int{sqlstore.Postgres: 1, sqlstore.SQLite: 2}[d],
			"the actor's employee (SQLite: after taking the write lock): %q", queries)
	})
}

// racingStore lets another node provision a number of the import's second
// chunk right before the import writes its first: committed after the
// import's check, it makes the import's write conflict.
type racingStore struct {
	*sqlstore.Store
	once  sync.Once
	other func()
}

func (s *racingStore) CreateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	s.once.Do(s.other)
	return s.Store.CreateNumbers(ctx, ns...)
}

// A conflicting change committed while the import runs makes the whole
// import fail cleanly: without a key with CodeConflict, nothing of it
// written (not its first chunk either); under a key the retry finds the
// number and names its row.
func TestImportConcurrentConflictPostgres(t *testing.T) {
	postgresDSN(t)
	s := newPostgres(t)
	ctx := t.Context()
	clock := func() time.Time { return importNow }
	plain, err := numbers.NewService(numbers.Config{Store: s, Clock: clock})
	require.NoError(t, err)
	for _, key := range []string{"", "k"} {
		owner := importTenant(t, s)
		rows := importRows(1500, false)
		racy := &racingStore{Store: s, other: func() {
			_, err := plain.Provision(ctx, owner, numbers.ProvisionRequest{Number: rows[1200].Number})
			require.NoError(t, err)
		}}
		svc, err := numbers.NewService(numbers.Config{Store: racy, Clock: clock})
		require.NoError(t, err)
		res, err := svc.Import(ctx, owner, numbers.ImportRequest{Rows: rows, IdempotencyKey: key})
		if key == "" {
			require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		} else {
			require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%v", err)
			require.Equal(t, 1, res.Summary.Invalid)
			require.Equal(t, 1202, res.Rows[1200].Row)
			require.Equal(t, numberdesk.CodeConflict, res.Rows[1200].Errors[0].Code)
		}
		ns, _, err := s.FindNumbers(ctx, owner.Tenant, numbers.Filter{})
		require.NoError(t, err)
		require.Len(t, ns, 1, "only the other node's number")
		require.Equal(t, rows[1200].Number, ns[0].E164)
		evs, err := s.FindEvents(ctx, owner.Tenant, numberdesk.EventFilter{})
		require.NoError(t, err)
		require.Len(t, evs, 1)
	}
}

// TestImportTenThousandPostgres imports a generated file of 10,000 rows
// through the SDK on PostgreSQL: csvio.Parse, the dry run and the apply.
// It logs their wall times (never asserted) and asserts that the
// statements grow by the same count per chunk of numbers.ImportChunk
// numbers, measured against imports of 1,000 and 2,000 rows of the same
// file.
func TestImportTenThousandPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 rows on PostgreSQL")
	}
	postgresDSN(t)
	s := newPostgres(t)
	ctx := t.Context()
	svc, err := numbers.NewService(numbers.Config{Store: s, Clock: func() time.Time { return importNow }})
	require.NoError(t, err)

	// The file: ten kinds of rows, in turn.
	var b strings.Builder
	b.WriteString("\uFEFFRufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail)\r\n")
	for i := range 10_000 {
		num := fmt.Sprintf("0221 5%06d", i)
		switch i % 10 {
		case 6:
			fmt.Fprintf(&b, "%s;;;portiert;01.04.2026;Sprache;\r\n", num)
		case 7:
			fmt.Fprintf(&b, "%s;;;reserviert;;Konferenz;\r\n", num)
		case 8:
			fmt.Fprintf(&b, "%s;;;neu;;persönliche Faxnummer;anna@muster.example\r\n", num)
		case 9:
			fmt.Fprintf(&b, "%s;;;neu;;Sprache;ben@muster.example\r\n", num)
		default:
			fmt.Fprintf(&b, "%s;;;neu;;Sprache;\r\n", num)
		}
	}
	file := b.String()
	start := time.Now()
	f, err := csvio.Parse(strings.NewReader(file), csvio.Limits{})
	parsed := time.Since(start)
	require.NoError(t, err)
	require.Empty(t, f.Errors)
	require.Len(t, f.Rows, 10_000)

	type run struct {
		dry, apply         int64
		dryTime, applyTime time.Duration
	}
	importRun := func(rows []numbers.ImportRow) run {
		owner := importTenant(t, s)
		var r run
		s0, t0 := sqlstore.Statements(s), time.Now()
		res, err := svc.Import(ctx, owner, numbers.ImportRequest{Rows: rows, DryRun: true})
		r.dryTime = time.Since(t0)
		require.NoError(t, err)
		require.Zero(t, res.Summary.Invalid)
		require.Equal(t, len(rows), res.Summary.Numbers)
		s1, t1 := sqlstore.Statements(s), time.Now()
		res, err = svc.Import(ctx, owner, numbers.ImportRequest{Rows: rows, IdempotencyKey: "import"})
		r.applyTime = time.Since(t1)
		require.NoError(t, err)
		require.Equal(t, len(rows), res.Summary.Numbers)
		r.dry, r.apply = s1-s0, sqlstore.Statements(s)-s1
		_, total, err := s.FindNumbers(ctx, owner.Tenant, numbers.Filter{Limit: 1})
		require.NoError(t, err)
		require.Equal(t, len(rows), total)
		return r
	}
	one, two := importRun(f.Rows[:1000]), importRun(f.Rows[:2000])
	all := importRun(f.Rows)
	chunks := int64(10_000 / numbers.ImportChunk)
	t.Logf("10,000 rows (%d KiB): parse %v, dry run %v (%d statements), apply %v (%d statements)",
		len(file)>>10, parsed.Round(time.Millisecond), all.dryTime.Round(time.Millisecond), all.dry, all.applyTime.Round(time.Millisecond), all.apply)
	t.Logf("statements per chunk of %d numbers: dry run %d, apply %d (1,000 rows: %d and %d, in %v and %v)",
		numbers.ImportChunk, two.dry-one.dry, two.apply-one.apply, one.dry, one.apply, one.dryTime.Round(time.Millisecond), one.applyTime.Round(time.Millisecond))
	require.Equal(t, one.dry+(chunks-1)*(two.dry-one.dry), all.dry, "dry run: the same statements per chunk")
	require.Equal(t, one.apply+(chunks-1)*(two.apply-one.apply), all.apply, "apply: the same statements per chunk")
	require.LessOrEqual(t, two.apply-one.apply, int64(5), "apply: statements per chunk")
}

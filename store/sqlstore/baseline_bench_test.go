package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// The Baseline benchmarks put numbers.Service next to a raw-SQL transaction
// doing the same logical work on the same schema, in the same process,
// interleaved, and report the SDK's throughput as a ratio of the raw one:
//
//   - Swap: the SDK's Swap; raw: lock both rows (SELECT … FOR UPDATE on
//     PostgreSQL), update both with version checks in one statement, delete
//     their routing settings, insert the two events (data of the SDK's shape
//     and size), commit.
//   - Activate: the SDK's Activate of one number with a quote taken before
//     (untimed); raw: lock the row, update it with a version check, insert
//     the event, commit.
//
// Each iteration runs both sides, with 1 and with 8 workers, each worker
// doing baselineOps operations on numbers of its own: in turns of
// baselineChunk operations per worker, the side going first alternating,
// so that neither always runs on a warmer cache and a slow spell of the
// machine (an fsync stall) costs both alike. Reported per
// sub-benchmark: sdk-ops/s, raw-ops/s and ratio, the median of the
// iterations' sdk/raw ratios (run with -benchtime 3x for the median of 3).
// The figures are reported, never asserted: they depend on the machine.
// PostgreSQL's fsync and synchronous_commit settings are logged with them,
// and its statistics are brought up to date before a timed part when the
// numbers grew past autovacuum's default thresholds (50 rows and 10 %):
// both sides' plans depend on them. SQLite runs with the store's
// synchronous=FULL.
//
//	make bench-baseline   # NUMBERDESK_POSTGRES_DSN for PostgreSQL

const (
	baselineOps   = 100 // operations per worker per side and iteration
	baselineChunk = 10  // operations per worker per side and turn
)

func BenchmarkBaselineSwap(b *testing.B) {
	baselineRun(b, baselineSwap)
}

func BenchmarkBaselineActivate(b *testing.B) {
	baselineRun(b, baselineActivate)
}

// baselineEnv is one database with the SDK's service and a tenant.
type baselineEnv struct {
	d     sqlstore.Dialect
	db    *sql.DB
	s     *sqlstore.Store
	svc   *numbers.Service
	owner numberdesk.Actor
	now   time.Time
	seq   int // for unique E.164s
	// provisioned counts the numbers provisioned, analyzed how many there
	// were at the last ANALYZE (PostgreSQL).
	provisioned, analyzed int
}

// baselineWork prepares what one worker needs for ops operations on one
// side (untimed) and returns the operations to run (timed).
// The operations run in turns: each call runs the next n.
type baselineWork func(b *testing.B, e *baselineEnv, sdk bool, ops int) func(ctx context.Context, n int) error

func baselineRun(b *testing.B, work baselineWork) {
	for _, d := range []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres} {
		b.Run(strings.ToUpper(d.String()[:1])+d.String()[1:], func(b *testing.B) {
			var db *sql.DB
			var writes *atomic.Int64 // PostgreSQL: the client's writes to the server
			if d == sqlstore.Postgres {
				db, writes = openCountedPostgres(b)
				var fsync, sync string
				require.NoError(b, db.QueryRowContext(b.Context(), "SELECT current_setting('fsync'), current_setting('synchronous_commit')").Scan(&fsync, &sync))
				b.Logf("PostgreSQL fsync=%s synchronous_commit=%s", fsync, sync)
			} else {
				db = openSQLite(b)
			}
			s := sqlstore.New(db, d)
			require.NoError(b, s.Migrate(b.Context()))
			now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
			svc, err := numbers.NewService(numbers.Config{Store: s, Clock: func() time.Time { return now }})
			require.NoError(b, err)
			e := &baselineEnv{d: d, db: db, s: s, svc: svc, owner: createScaleTenant(b, s, now), now: now}
			for _, workers := range []int{1, 8} {
				b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
					var sdkTime, rawTime time.Duration
					var ratios []float64
					var rtts [2]int64 // PostgreSQL: round trips of each side
					for b.Loop() {
						b.StopTimer()
						// Both sides' workers, prepared (untimed) before
						// either runs.
						var runs [2][]func(context.Context, int) error
						for side, sdk := range []bool{true, false} {
							runs[side] = make([]func(context.Context, int) error, workers)
							for w := range runs[side] {
								runs[side][w] = work(b, e, sdk, baselineOps)
							}
						}
						if d == sqlstore.Postgres && e.provisioned > e.analyzed+e.analyzed/10+50 {
							// Statistics current, as autovacuum keeps them:
							// after 50 rows and 10 % more (its default
							// thresholds). ANALYZE also makes the prepared
							// statements plan anew.
							_, err := db.ExecContext(b.Context(), "ANALYZE numbers, number_holders, routing_settings, events")
							require.NoError(b, err)
							e.analyzed = e.provisioned
						}
						// The sides take turns in rounds of baselineChunk
						// operations per worker, the first side alternating,
						// so that a slow spell of the machine (an fsync
						// stall) hits both alike.
						var took [2]time.Duration
						for round := 0; round < baselineOps/baselineChunk; round++ {
							for k := range 2 {
								side := (round + k) % 2
								var w0 int64
								if writes != nil {
									w0 = writes.Load()
								}
								took[side] += baselineParallel(b, runs[side], baselineChunk)
								if writes != nil {
									rtts[side] += writes.Load() - w0
								}
							}
						}
						sdkTime += took[0]
						rawTime += took[1]
						ratios = append(ratios, float64(took[1])/float64(took[0]))
						b.StartTimer()
					}
					ops := float64(b.N * workers * baselineOps)
					slices.Sort(ratios)
					b.ReportMetric(0, "ns/op")
					b.ReportMetric(ops/sdkTime.Seconds(), "sdk-ops/s")
					b.ReportMetric(ops/rawTime.Seconds(), "raw-ops/s")
					b.ReportMetric(ratios[len(ratios)/2], "ratio")
					if writes != nil {
						b.ReportMetric(float64(rtts[0])/ops, "sdk-rtts/op")
						b.ReportMetric(float64(rtts[1])/ops, "raw-rtts/op")
					}
				})
			}
		})
	}
}

// baselineParallel runs the workers at once, each for its next n
// operations, and returns the wall time until the last has finished.
func baselineParallel(b *testing.B, runs []func(context.Context, int) error, n int) time.Duration {
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	start := time.Now()
	for i, run := range runs {
		wg.Go(func() { errs[i] = run(b.Context(), n) })
	}
	wg.Wait()
	took := time.Since(start)
	for _, err := range errs {
		require.NoError(b, err)
	}
	return took
}

// provision adds n new numbers to the tenant (untimed setup).
func (e *baselineEnv) provision(b *testing.B, n int) []*numbers.Number {
	b.Helper()
	var out []*numbers.Number
	for len(out) < n {
		e.seq++
		k := min(n-len(out), 100)
		req := numbers.ProvisionRequest{Number: fmt.Sprintf("0221 4%05d", e.seq), ExtensionFrom: "00", ExtensionTo: fmt.Sprintf("%02d", k-1)}
		ns, err := e.svc.Provision(b.Context(), e.owner, req)
		require.NoError(b, err)
		out = append(out, ns...)
		e.provisioned += len(ns)
	}
	return out
}

// activate activates ns through the SDK (untimed setup).
func (e *baselineEnv) activate(b *testing.B, ns []*numbers.Number) {
	b.Helper()
	relActivate(b, e.svc, e.owner, "", relIDs(ns)...)
}

// baselineSwap: each worker swaps one active number with a new one, then
// back, ops times.
func baselineSwap(b *testing.B, e *baselineEnv, sdk bool, _ int) func(context.Context, int) error {
	pair := e.provision(b, 2)
	e.activate(b, pair[:1])
	old, nw := pair[0].ID, pair[1].ID
	return func(ctx context.Context, n int) error {
		for range n {
			var err error
			if sdk {
				_, err = e.svc.Swap(ctx, e.owner, numbers.SwapRequest{Old: old, New: nw})
			} else {
				err = e.rawSwap(ctx, old, nw)
			}
			if err != nil {
				return err
			}
			old, nw = nw, old
		}
		return nil
	}
}

// baselineActivate: each worker activates ops new numbers one at a time,
// with quotes taken before (untimed).
func baselineActivate(b *testing.B, e *baselineEnv, sdk bool, ops int) func(context.Context, int) error {
	ns := e.provision(b, ops)
	tokens := make([]string, ops)
	if sdk {
		for i, n := range ns {
			q, err := e.svc.Quote(b.Context(), e.owner, []numberdesk.NumberID{n.ID})
			require.NoError(b, err)
			tokens[i] = q.Token
		}
	}
	next := 0
	return func(ctx context.Context, n int) error {
		for ; n > 0; n-- {
			i := next
			next++
			if !sdk {
				if err := e.rawActivate(ctx, ns[i].ID); err != nil {
					return err
				}
				continue
			}
			res, err := e.svc.Activate(ctx, e.owner, numbers.ActivateRequest{QuoteToken: tokens[i]})
			if err != nil {
				return err
			}
			if res.Activated() != 1 {
				return fmt.Errorf("not activated: %+v", res.Results)
			}
		}
		return nil
	}
}

// at returns the statement argument of a time: on SQLite the store keeps
// UTC microseconds.
func (e *baselineEnv) at(t time.Time) any {
	if e.d == sqlstore.SQLite {
		return t.UnixMicro()
	}
	return t
}

// rebind turns the ? placeholders of q into $1, $2, … on PostgreSQL.
func (e *baselineEnv) rebind(q string) string {
	if e.d != sqlstore.Postgres {
		return q
	}
	var sb strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// rawRow is what the raw transactions read of a number.
type rawRow struct {
	id, e164, status, line string
	version                int64
}

// rawLock reads (PostgreSQL: and locks, in key order) the tenant's numbers
// ids.
func (e *baselineEnv) rawLock(ctx context.Context, tx *sql.Tx, ids ...numberdesk.NumberID) (map[numberdesk.NumberID]rawRow, error) {
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	q := "SELECT id, e164, status, billing_line, version FROM numbers WHERE tenant_id = ? AND id IN (" + ph + ") ORDER BY id"
	if e.d == sqlstore.Postgres {
		q += " FOR UPDATE"
	}
	args := []any{string(e.owner.Tenant)}
	for _, id := range ids {
		args = append(args, string(id))
	}
	rows, err := tx.QueryContext(ctx, e.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[numberdesk.NumberID]rawRow, len(ids))
	for rows.Next() {
		var r rawRow
		if err := rows.Scan(&r.id, &r.e164, &r.status, &r.line, &r.version); err != nil {
			return nil, err
		}
		out[numberdesk.NumberID(r.id)] = r
	}
	return out, rows.Err()
}

// rawEvent returns the values of one events row: the same columns, and data
// of the same shape (number before and after, billing) as the SDK's.
// rawEvent is the event row of typ about r, with data of the shape and size
// the SDK's events have (the number, its display form, the state before
// and after, the billing interval; a swap's counterpart in extra).
func (e *baselineEnv) rawEvent(typ string, r rawRow, after map[string]any, extra ...string) []any {
	fields := map[string]any{
		"e164": r.e164, "display": phone.E164(r.e164).National(),
		"before": map[string]any{"status": r.status, "usage_type": "voice", "billing_line": r.line},
		"after":  after, "billing": map[string]any{"line": after["billing_line"], "start": e.now},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		fields[extra[i]] = extra[i+1]
	}
	data, _ := json.Marshal(fields)
	return []any{uuid.NewString(), string(e.owner.Tenant), typ, e.at(e.now), string(e.owner.Tenant), string(e.owner.Staff),
		string(e.owner.Role), r.id, string(data)}
}

func (e *baselineEnv) rawInsertEvents(ctx context.Context, tx *sql.Tx, rows ...[]any) error {
	jsonCast := "?"
	if e.d == sqlstore.Postgres {
		jsonCast = "CAST(? AS jsonb)"
	}
	one := "(?, ?, ?, ?, ?, ?, ?, ?, " + jsonCast + ")"
	q := "INSERT INTO events (id, tenant_id, type, at, actor_tenant, actor_staff, actor_role, number_id, data) VALUES " +
		strings.TrimSuffix(strings.Repeat(one+", ", len(rows)), ", ")
	var args []any
	for _, r := range rows {
		args = append(args, r...)
	}
	_, err := tx.ExecContext(ctx, e.rebind(q), args...)
	return err
}

// rawSwap is Swap's logical work in plain SQL, in one transaction.
func (e *baselineEnv) rawSwap(ctx context.Context, oldID, newID numberdesk.NumberID) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := e.rawLock(ctx, tx, oldID, newID)
	if err != nil {
		return err
	}
	old, nw := rows[oldID], rows[newID]
	if old.status != string(numbers.StatusActive) || nw.status == string(numbers.StatusActive) {
		return fmt.Errorf("raw swap: %s is %s, %s is %s", old.id, old.status, nw.id, nw.status)
	}
	tenant := string(e.owner.Tenant)
	// Both rows in one statement, each with its version check.
	q := `UPDATE numbers SET
		status = CASE WHEN id = ? THEN 'inactive' ELSE 'active' END,
		billing_line = CASE WHEN id = ? THEN '' ELSE ? END,
		billed_since = CASE WHEN id = ? THEN NULL ELSE ? END,
		updated_at = ?, version = version + 1
		WHERE tenant_id = ? AND ((id = ? AND version = ?) OR (id = ? AND version = ?))`
	if e.d == sqlstore.Postgres {
		q = strings.Replace(q, "ELSE ? END,\n\t\tupdated_at", "ELSE CAST(? AS timestamptz) END,\n\t\tupdated_at", 1)
	}
	res, err := tx.ExecContext(ctx, e.rebind(q), old.id, old.id, old.line, old.id, e.at(e.now), e.at(e.now), tenant, old.id, old.version, nw.id, nw.version)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 2 {
		return fmt.Errorf("raw swap: %d rows updated: %v", n, err)
	}
	if _, err := tx.ExecContext(ctx, e.rebind("DELETE FROM routing_settings WHERE tenant_id = ? AND number_id IN (?, ?)"), tenant, old.id, nw.id); err != nil {
		return err
	}
	err = e.rawInsertEvents(ctx, tx,
		e.rawEvent(string(numbers.EventSwappedOut), old, map[string]any{"status": "inactive", "usage_type": "voice", "billing_line": ""},
			"counterpart", nw.id, "counterpart_e164", nw.e164),
		e.rawEvent(string(numbers.EventSwappedIn), nw, map[string]any{"status": "active", "usage_type": "voice", "billing_line": old.line},
			"counterpart", old.id, "counterpart_e164", old.e164))
	if err != nil {
		return err
	}
	return tx.Commit()
}

// rawActivate is Activate's logical work for one number in plain SQL.
func (e *baselineEnv) rawActivate(ctx context.Context, id numberdesk.NumberID) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := e.rawLock(ctx, tx, id)
	if err != nil {
		return err
	}
	r := rows[id]
	if r.status != string(numbers.StatusNew) && r.status != string(numbers.StatusInactive) {
		return fmt.Errorf("raw activate: %s is %s", r.id, r.status)
	}
	line := uuid.NewString()
	res, err := tx.ExecContext(ctx, e.rebind("UPDATE numbers SET status = 'active', billing_line = ?, billed_since = ?, updated_at = ?, version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ?"),
		line, e.at(e.now), e.at(e.now), string(e.owner.Tenant), r.id, r.version)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("raw activate: %d rows updated: %v", n, err)
	}
	if err := e.rawInsertEvents(ctx, tx, e.rawEvent(string(numbers.EventActivated), r,
		map[string]any{"status": "active", "billing_line": line, "version": r.version + 1})); err != nil {
		return err
	}
	return tx.Commit()
}

package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// openBackend opens a fresh, unmigrated database of dialect d.
func openBackend(t testing.TB, d sqlstore.Dialect) *sql.DB {
	t.Helper()
	if d == sqlstore.SQLite {
		return openSQLite(t)
	}
	db, _ := openPostgres(t)
	return db
}

// TestMigrateFrom0001: a database of the first release, whose events were
// appended before the outbox existed, is migrated; those events start
// pending (at least once) and are claimed oldest first, like new ones.
func TestMigrateFrom0001(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, _ func(testing.TB) *sqlstore.Store) {
		db := openBackend(t, d)
		schema, err := os.ReadFile(filepath.Join("migrations", d.String(), "0001_init.sql"))
		require.NoError(t, err)
		record := "INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, '0001_init', ?)"
		var now any = time.Now().UnixMicro()
		applied := "integer"
		if d == sqlstore.Postgres {
			record, now, applied = strings.Replace(record, "?", "$1", 1), time.Now(), "timestamptz"
		}
		_, err = db.Exec("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at " + applied + " NOT NULL)")
		require.NoError(t, err)
		_, err = db.Exec(string(schema))
		require.NoError(t, err)
		_, err = db.Exec(record, now)
		require.NoError(t, err)

		s := sqlstore.New(db, d)
		tn := numberdesk.NewTenantID()
		old := []numberdesk.Event{
			storetest.Event(t, "old.one", numberdesk.System(tn), t0, "", map[string]int{"i": 1}),
			storetest.Event(t, "old.two", numberdesk.System(tn), t0, "", nil),
		}
		require.NoError(t, s.AppendEvents(t.Context(), old...), "the release-1 schema takes events")
		require.NoError(t, s.Migrate(t.Context()))
		var version int
		require.NoError(t, db.QueryRow("SELECT max(version) FROM schema_migrations").Scan(&version))
		require.Equal(t, migrationCount, version)

		fresh := storetest.Event(t, "new.one", numberdesk.System(tn), t0, "", nil)
		require.NoError(t, s.AppendEvents(t.Context(), fresh))
		ds, total, err := s.FindDeliveries(t.Context(), tn, notify.DeliveryFilter{States: []notify.State{notify.StatePending}})
		require.NoError(t, err)
		require.Equal(t, 3, total, "events from before the migration are pending too")
		for i, want := range []numberdesk.Event{old[0], old[1], fresh} {
			require.Equal(t, want.ID, ds[i].Event)
			require.Zero(t, ds[i].Attempts)
		}
		cs, err := s.ClaimDeliveries(t.Context(), "w", t0, time.Minute, 10)
		require.NoError(t, err)
		require.Len(t, cs, 3)
		require.Equal(t, old[0].ID, cs[0].Event.ID)
		require.JSONEq(t, `{"i":1}`, string(cs[0].Event.Data))
	})
}

// TestDispatcherOverSQL: four dispatchers deliver three tenants' events
// through the SQL outbox: every event once (none to two dispatchers at a
// time), transient failures retried after their back-off, permanent ones
// failed and visible.
func TestDispatcherOverSQL(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		var (
			mu       sync.Mutex
			now      = t0
			kind     = map[numberdesk.EventID]int{} // index of the event
			attempts = map[numberdesk.EventID]int{}
			inFlight sync.Map
		)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		tenants := []numberdesk.TenantID{numberdesk.NewTenantID(), numberdesk.NewTenantID(), numberdesk.NewTenantID()}
		const perTenant = 120
		for _, tn := range tenants {
			evs := make([]numberdesk.Event, perTenant)
			for i := range evs {
				evs[i] = storetest.Event(t, "test.event", numberdesk.System(tn), t0, "", map[string]int{"i": i})
				kind[evs[i].ID] = i
			}
			require.NoError(t, s.AppendEvents(t.Context(), evs...))
		}
		rec := &notify.Recorder{}
		n := notify.NotifierFunc(func(ctx context.Context, e numberdesk.Event) error {
			if _, busy := inFlight.LoadOrStore(e.ID, true); busy {
				t.Errorf("event %s delivered by two dispatchers at once", e.ID)
			}
			defer inFlight.Delete(e.ID)
			var data struct{ I int }
			if err := json.Unmarshal(e.Data, &data); err != nil || data.I != kind[e.ID] {
				return notify.Permanent(fmt.Errorf("bad data %s", e.Data))
			}
			mu.Lock()
			attempts[e.ID]++
			a := attempts[e.ID]
			mu.Unlock()
			switch {
			case data.I%40 == 39:
				return notify.Permanent(errors.New("550 no such user"))
			case data.I%7 == 0 && a < 3:
				return errors.New("451 try again later")
			}
			return rec.Notify(ctx, e)
		})
		round := func() (handled int) {
			var wg sync.WaitGroup
			var total sync.Mutex
			for w := range 4 {
				disp := &notify.Dispatcher{Outbox: s, Notifier: n, Worker: fmt.Sprint("w", w), Batch: 9, Lease: time.Minute,
					Clock: clock, Backoff: func(int) time.Duration { return time.Second }}
				wg.Go(func() {
					for {
						res, err := disp.RunOnce(context.Background())
						require.NoError(t, err)
						k := res.Delivered + res.Retried + res.Failed
						if k == 0 {
							return
						}
						total.Lock()
						handled += k
						total.Unlock()
					}
				})
			}
			wg.Wait()
			return handled
		}
		for i := 0; ; i++ {
			require.Less(t, i, 20, "the outbox never drained")
			if round() == 0 {
				break
			}
			mu.Lock()
			now = now.Add(2 * time.Second)
			mu.Unlock()
		}
		require.Zero(t, rec.Duplicates())
		require.Len(t, rec.Events(), len(tenants)*(perTenant-perTenant/40))
		for _, tn := range tenants {
			ds, total, err := s.FindDeliveries(t.Context(), tn, notify.DeliveryFilter{States: []notify.State{notify.StateFailed}})
			require.NoError(t, err)
			require.Equal(t, perTenant/40, total)
			for _, d := range ds {
				require.Equal(t, 1, d.Attempts)
				require.Contains(t, d.LastError, "550")
			}
			ds, total, err = s.FindDeliveries(t.Context(), tn, notify.DeliveryFilter{States: []notify.State{notify.StateDelivered}})
			require.NoError(t, err)
			require.Equal(t, perTenant-perTenant/40, total)
			for _, d := range ds {
				require.False(t, d.DeliveredAt.IsZero())
				want := 1
				if kind[d.Event]%7 == 0 {
					want = 3
				}
				require.Equal(t, want, d.Attempts, "event %d", kind[d.Event])
			}
			_, total, err = s.FindDeliveries(t.Context(), tn, notify.DeliveryFilter{States: []notify.State{notify.StatePending}})
			require.NoError(t, err)
			require.Zero(t, total)
		}
	})
}

// TestFinishDeliveryKeepsAnyError: the error text of a failed delivery is
// kept, even when PostgreSQL cannot store it as it is (NUL bytes, invalid
// UTF-8): refusing it would stall the dispatcher on that event.
func TestFinishDeliveryKeepsAnyError(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		tn := numberdesk.NewTenantID()
		e := storetest.Event(t, "test.event", numberdesk.System(tn), t0, "", nil)
		require.NoError(t, s.AppendEvents(t.Context(), e))
		_, err := s.ClaimDeliveries(t.Context(), "w", t0, time.Minute, 1)
		require.NoError(t, err)
		msg := "550 bad\x00 mailbox \xff"
		lost, err := s.FinishDeliveries(t.Context(), []notify.Finish{{Tenant: tn, Event: e.ID, Worker: "w", State: notify.StateFailed, Attempts: 1, Error: msg, At: t0}})
		require.NoError(t, err)
		require.Empty(t, lost)
		ds, _, err := s.FindDeliveries(t.Context(), tn, notify.DeliveryFilter{})
		require.NoError(t, err)
		want := msg
		if d == sqlstore.Postgres {
			want = "550 bad\uFFFD mailbox \uFFFD"
		}
		require.Equal(t, want, ds[0].LastError)
		require.Equal(t, notify.StateFailed, ds[0].State)
		// A worker name PostgreSQL cannot hold holds no lease.
		lost, err = s.FinishDeliveries(t.Context(), []notify.Finish{{Tenant: tn, Event: e.ID, Worker: "w\x00", State: notify.StateFailed, Attempts: 1, At: t0}})
		require.NoError(t, err)
		require.Len(t, lost, 1)
	})
}

// TestEmployeeSearchFoldsUnicode: search and order fold case as Go does,
// umlauts included, on both dialects (SQLite's lower() would fold ASCII
// only).
func TestEmployeeSearchFoldsUnicode(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		tn := numberdesk.NewTenantID()
		mk := func(first, last, email string) *staff.Employee {
			e := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: tn, FirstName: first, LastName: last, Email: email, Role: numberdesk.RoleEmployee}
			require.NoError(t, s.CreateEmployee(t.Context(), e))
			return e
		}
		oe := mk("Ödön", "Über", "oedoen@muster.de")
		ae := mk("Ärne", "Übel", "ÄRNE@MÜSTER.DE")
		mk("Zoe", "Adler", "zoe@muster.de")
		for search, want := range map[string][]numberdesk.StaffID{
			"ÜB":        {ae.ID, oe.ID},
			"ödön über": {oe.ID},
			"ärne@mü":   {ae.ID},
		} {
			es, total, err := s.FindEmployees(t.Context(), tn, staff.Filter{Search: search})
			require.NoError(t, err)
			require.Equal(t, len(want), total, search)
			var got []numberdesk.StaffID
			for _, e := range es {
				got = append(got, e.ID)
			}
			require.Equal(t, want, got, search)
		}
		es, _, err := s.FindEmployees(t.Context(), tn, staff.Filter{Email: "ärne@müster.de"})
		require.NoError(t, err)
		require.Len(t, es, 1)
		err = s.CreateEmployee(t.Context(), &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: tn, Email: "ärne@müster.de"})
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err))
		require.Equal(t, "email", numberdesk.ErrorField(err))
	})
}

// TestRecordsZeroTime: a record without a time is the oldest: last in the
// list, inside every To, outside every From.
func TestRecordsZeroTime(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		tn, num, holder := numberdesk.NewTenantID(), numberdesk.NewNumberID(), numberdesk.NewStaffID()
		zero := &numbers.Record{ID: numberdesk.NewEventID(), Tenant: tn, Number: num, Kind: numbers.RecordCall, Holder: holder}
		dated := &numbers.Record{ID: numberdesk.NewEventID(), Tenant: tn, Number: num, Kind: numbers.RecordFax, At: t0, Pages: 2}
		require.NoError(t, s.CreateRecords(t.Context(), zero, dated))
		rs, _, err := s.FindRecords(t.Context(), tn, numbers.RecordFilter{})
		require.NoError(t, err)
		require.Len(t, rs, 2)
		require.Equal(t, dated.ID, rs[0].ID)
		require.Equal(t, *zero, *rs[1], "the zero time comes back as the zero time")
		rs, _, err = s.FindRecords(t.Context(), tn, numbers.RecordFilter{To: t0})
		require.NoError(t, err)
		require.Len(t, rs, 1)
		require.Equal(t, zero.ID, rs[0].ID)
		_, total, err := s.FindRecords(t.Context(), tn, numbers.RecordFilter{From: t0.AddDate(-100, 0, 0)})
		require.NoError(t, err)
		require.Equal(t, 1, total)
	})
}

// traced is a statement a Store ran.
type traced struct {
	query string
	args  []any
}

// TestIndexesServeTheQueries explains the statements of the employee, record
// and outbox methods and of the E.164 filter on a populated database: no
// table is scanned in full (SQLite: no SCAN without an index; PostgreSQL: no
// Seq Scan where the planner may use an index).
func TestIndexesServeTheQueries(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, _ func(testing.TB) *sqlstore.Store) {
		db := openBackend(t, d)
		s := sqlstore.New(db, d)
		ctx := t.Context()
		require.NoError(t, s.Migrate(ctx))
		// The explained tenant, and a ten times larger one: the tenant is a
		// small part of each table, as in a shared database.
		var (
			tn      numberdesk.TenantID
			ns      []*numbers.Number
			holders []numberdesk.StaffID
		)
		for _, scale := range []int{10, 1} {
			tn = numberdesk.NewTenantID()
			ns = benchNumbers(tn, "30", 200*scale)
			require.NoError(t, s.CreateNumbers(ctx, ns...))
			holders = nil
			require.NoError(t, s.InTx(ctx, func(ctx context.Context) error {
				for i := range 20 * scale {
					e := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: tn, FirstName: fmt.Sprint("Vor", i), LastName: fmt.Sprint("Nach", i%50),
						Email: fmt.Sprintf("p%d@muster.de", i), Role: numberdesk.RoleEmployee}
					if err := s.CreateEmployee(ctx, e); err != nil {
						return err
					}
					holders = append(holders, e.ID)
				}
				return nil
			}))
			var rs []*numbers.Record
			for i := range 300 * scale {
				rs = append(rs, &numbers.Record{ID: numberdesk.NewEventID(), Tenant: tn, Number: ns[i%100].ID, Kind: numbers.RecordCall,
					At: t0.Add(time.Duration(i) * time.Minute), Holder: holders[i%len(holders)]})
			}
			require.NoError(t, s.CreateRecords(ctx, rs...))
			evs := make([]numberdesk.Event, 200*scale)
			for i := range evs {
				evs[i] = storetest.Event(t, "test.event", numberdesk.System(tn), t0, "", nil)
			}
			require.NoError(t, s.AppendEvents(ctx, evs...))
		}
		// Most events are delivered, as in a running system.
		_, err := db.ExecContext(ctx, "UPDATE events SET state = 'delivered' WHERE seq % 50 <> 0")
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, "ANALYZE")
		require.NoError(t, err)

		// On PostgreSQL, the plans come from a session that avoids
		// sequential scans wherever an index can serve: a small table may
		// rightly be scanned, but a sequential scan left means no index
		// fits.
		conn, err := db.Conn(ctx)
		require.NoError(t, err)
		defer conn.Close()
		if d == sqlstore.Postgres {
			_, err = conn.ExecContext(ctx, "SET enable_seqscan = off")
			require.NoError(t, err)
		}

		var got []traced
		sqlstore.Trace(s, func(q string, args []any) { got = append(got, traced{q, args}) })
		explain := func(name string, call func() error) {
			t.Helper()
			got = nil
			require.NoError(t, call(), name)
			require.NotEmpty(t, got, name)
			for _, st := range got {
				prefix := "EXPLAIN "
				if d == sqlstore.SQLite {
					prefix = "EXPLAIN QUERY PLAN "
				}
				rows, err := conn.QueryContext(ctx, prefix+st.query, st.args...)
				require.NoError(t, err, name)
				var plan []string
				cols, err := rows.Columns()
				require.NoError(t, err)
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					require.NoError(t, rows.Scan(ptrs...))
					plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
				}
				require.NoError(t, rows.Err())
				rows.Close()
				text := strings.Join(plan, "\n")
				t.Logf("%s:\n%s", name, text)
				for _, line := range plan {
					line = strings.TrimSpace(line)
					full := strings.Contains(line, "Seq Scan") // PostgreSQL
					if d == sqlstore.SQLite {
						// "SCAN t" without an index; p is FindNumbers' page,
						// json_each the list of a filter, v and its CONSTANT
						// ROWs the VALUES of FinishDeliveries' batch.
						full = strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, " USING ") &&
							!strings.Contains(line, "VIRTUAL TABLE") && line != "SCAN p" && line != "SCAN v" &&
							!strings.Contains(line, "CONSTANT ROW")
					}
					if full {
						t.Errorf("%s: a full scan: %s", name, text)
					}
				}
			}
		}
		e164s := []string{ns[3].E164, ns[150].E164, "+49301"}
		explain("FindNumbers E164s", func() error {
			_, total, err := s.FindNumbers(ctx, tn, numbers.Filter{E164s: e164s})
			require.Equal(t, 2, total)
			return err
		})
		explain("FindNumbers E164s and IDs", func() error {
			_, total, err := s.FindNumbers(ctx, tn, numbers.Filter{E164s: e164s, IDs: []numberdesk.NumberID{ns[3].ID}})
			require.Equal(t, 1, total)
			return err
		})
		explain("FindRecords holder", func() error {
			_, _, err := s.FindRecords(ctx, tn, numbers.RecordFilter{Holder: holders[7], Limit: 20})
			return err
		})
		explain("FindRecords numbers", func() error {
			_, _, err := s.FindRecords(ctx, tn, numbers.RecordFilter{Numbers: []numberdesk.NumberID{ns[1].ID, ns[2].ID}, Limit: 20})
			return err
		})
		explain("FindRecords time range", func() error {
			_, total, err := s.FindRecords(ctx, tn, numbers.RecordFilter{From: t0.Add(100 * time.Minute), To: t0.Add(130 * time.Minute), Limit: 20})
			require.Equal(t, 30, total)
			return err
		})
		explain("DeleteRecords", func() error {
			_, err := s.DeleteRecords(ctx, tn, numbers.RecordFilter{Holder: holders[9], Numbers: []numberdesk.NumberID{ns[9].ID}})
			return err
		})
		explain("FindEmployees", func() error {
			_, _, err := s.FindEmployees(ctx, tn, staff.Filter{Limit: 20})
			return err
		})
		explain("FindEmployees e-mail", func() error {
			_, _, err := s.FindEmployees(ctx, tn, staff.Filter{Email: "p7@muster.de"})
			return err
		})
		explain("UpdateEmployee", func() error {
			e, err := s.FindEmployeeByID(ctx, tn, holders[3])
			require.NoError(t, err)
			got = nil
			e.Locked = true
			return s.UpdateEmployee(ctx, e)
		})
		var claims []notify.Claim
		explain("ClaimDeliveries", func() error {
			var err error
			claims, err = s.ClaimDeliveries(ctx, "w", t0, time.Minute, 10)
			require.Len(t, claims, 10)
			return err
		})
		explain("FinishDeliveries", func() error {
			c := claims[0].Event
			_, err := s.FinishDeliveries(ctx, []notify.Finish{{Tenant: c.Tenant, Event: c.ID, Worker: "w", State: notify.StateDelivered, Attempts: 1, At: t0}})
			return err
		})
		explain("FindDeliveries", func() error {
			_, _, err := s.FindDeliveries(ctx, tn, notify.DeliveryFilter{States: []notify.State{notify.StateFailed}, Limit: 20})
			return err
		})
	})
}

// TestFindNumbersE164sExact: the E.164 filter matches byte for byte, also
// values that do not survive JSON (NUL, invalid UTF-8) on SQLite, which
// stores them; PostgreSQL cannot store them, and they match nothing there.
func TestFindNumbersE164sExact(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		tn := numberdesk.NewTenantID()
		plain, other := newNumber(tn, "+4930111"), newNumber(tn, "+4930222")
		require.NoError(t, s.CreateNumbers(t.Context(), plain, other))
		odd := []string{"+49\x0030", "+4930\xff"}
		if d == sqlstore.SQLite {
			for _, e := range odd {
				require.NoError(t, s.CreateNumbers(t.Context(), newNumber(tn, e)))
			}
		}
		for _, c := range []struct {
			e164s []string
			want  []string
		}{
			{[]string{"+4930111"}, []string{"+4930111"}},
			{[]string{"+4930111", "+4930222", "+4930111", "+4930333"}, []string{"+4930111", "+4930222"}},
			{[]string{"+4930"}, nil},
			{append([]string{"+4930222"}, odd...), append([]string{"+4930222"}, odd...)},
			{odd[:1], odd[:1]},
			{[]string{"+49\x00", "+4930\xfe"}, nil},
		} {
			if d == sqlstore.Postgres {
				c.want = slices.DeleteFunc(c.want, func(e string) bool { return slices.Contains(odd, e) })
			}
			ns, total, err := s.FindNumbers(t.Context(), tn, numbers.Filter{E164s: c.e164s})
			require.NoError(t, err)
			var got []string
			for _, n := range ns {
				got = append(got, n.E164)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.want))
			require.Equal(t, want, got, "%q", c.e164s)
			require.Equal(t, len(want), total)
		}
		// With IDs: the intersection.
		ns, _, err := s.FindNumbers(t.Context(), tn, numbers.Filter{E164s: []string{"+4930111", "+4930222"}, IDs: []numberdesk.NumberID{other.ID}})
		require.NoError(t, err)
		require.Len(t, ns, 1)
		require.Equal(t, other.ID, ns[0].ID)
	})
}

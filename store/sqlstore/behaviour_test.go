package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// backends runs fn once per dialect, each as a parallel subtest. The
// PostgreSQL one is skipped without a test database (and fails on CI).
func backends(t *testing.T, fn func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store)) {
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		fn(t, sqlstore.SQLite, newSQLite)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		postgresDSN(t)
		fn(t, sqlstore.Postgres, newPostgres)
	})
}

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func newNumber(tenant numberdesk.TenantID, e164 string) *numbers.Number {
	return &numbers.Number{
		ID: numberdesk.NewNumberID(), Tenant: tenant, E164: e164, Origin: numbers.OriginNew,
		Status: numbers.StatusNew, UsageType: routing.UsageVoice, CreatedAt: t0, UpdatedAt: t0,
	}
}

func clone(ns []*numbers.Number) []*numbers.Number {
	out := make([]*numbers.Number, len(ns))
	for i, n := range ns {
		out[i] = n.Clone()
	}
	return out
}

func TestDialectString(t *testing.T) {
	require.Equal(t, "sqlite", sqlstore.SQLite.String())
	require.Equal(t, "postgres", sqlstore.Postgres.String())
	require.Equal(t, "Dialect(7)", sqlstore.Dialect(7).String())
	require.Panics(t, func() { sqlstore.New(&sql.DB{}, 0) })
}

func TestSQLiteDSN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#", "nd.db")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, sqlstore.New(db, sqlstore.SQLite).Migrate(t.Context()))
	require.FileExists(t, path)
	for pragma, want := range map[string]string{"busy_timeout": "10000", "journal_mode": "wal", "foreign_keys": "1", "synchronous": "2"} {
		var got string
		require.NoError(t, db.QueryRow("PRAGMA "+pragma).Scan(&got))
		require.Equal(t, want, got, pragma)
	}
}

func TestMigrate(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, _ func(testing.TB) *sqlstore.Store) {
		// Four pools (as four processes) migrate one fresh database at once.
		var open func() *sql.DB
		if d == sqlstore.SQLite {
			path := filepath.Join(t.TempDir(), "nd.db")
			open = func() *sql.DB {
				db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
				require.NoError(t, err)
				t.Cleanup(func() { _ = db.Close() })
				return db
			}
		} else {
			_, dsn := openPostgres(t)
			open = func() *sql.DB {
				db, err := sql.Open("pgx", dsn)
				require.NoError(t, err)
				t.Cleanup(func() { _ = db.Close() })
				return db
			}
		}
		dbs := []*sql.DB{open(), open(), open(), open()}
		var wg sync.WaitGroup
		errs := make([]error, len(dbs))
		for i, db := range dbs {
			wg.Go(func() { errs[i] = sqlstore.New(db, d).Migrate(t.Context()) })
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		var applied int
		require.NoError(t, dbs[0].QueryRow("SELECT count(*) FROM schema_migrations").Scan(&applied))
		require.Equal(t, migrationCount, applied)

		// Again: a no-op.
		s := sqlstore.New(dbs[1], d)
		require.NoError(t, s.Migrate(t.Context()))
		require.NoError(t, dbs[0].QueryRow("SELECT count(*) FROM schema_migrations").Scan(&applied))
		require.Equal(t, migrationCount, applied)
		n := newNumber(numberdesk.NewTenantID(), "+4930123")
		require.NoError(t, s.CreateNumbers(t.Context(), n))
		require.NoError(t, s.Migrate(t.Context()))
		_, err := s.FindNumberByID(t.Context(), n.Tenant, n.ID)
		require.NoError(t, err, "data survives a second Migrate")
	})
}

// migrationCount is the number of embedded migrations (per dialect).
const migrationCount = 10

// TestRoundTrips counts the statements of the commands: constant, whatever
// the number of numbers.
func TestRoundTrips(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		type counts map[string]int64
		measure := func(size int) counts {
			s := newStore(t)
			ctx := t.Context()
			tn := numberdesk.NewTenantID()
			count := func(fn func() error) int64 {
				before := sqlstore.Statements(s)
				require.NoError(t, fn())
				return sqlstore.Statements(s) - before
			}
			var ns, bare []*numbers.Number
			var ids []numberdesk.NumberID
			for i := range size {
				n := newNumber(tn, fmt.Sprintf("+4930%07d", i))
				n.Holders = []numberdesk.StaffID{numberdesk.NewStaffID()}
				ns = append(ns, n)
				ids = append(ids, n.ID)
				bare = append(bare, newNumber(tn, fmt.Sprintf("+4940%07d", i)))
			}
			c := counts{}
			c["CreateNumbers (with holders)"] = count(func() error { return s.CreateNumbers(ctx, ns...) })
			c["CreateNumbers (no holders)"] = count(func() error { return s.CreateNumbers(ctx, bare...) })
			for _, n := range ns {
				n.Status = numbers.StatusActive
			}
			c["UpdateNumbers (status)"] = count(func() error { return s.UpdateNumbers(ctx, ns...) })
			for _, n := range ns {
				n.Holders = append(n.Holders, numberdesk.NewStaffID())
			}
			c["UpdateNumbers (holders)"] = count(func() error { return s.UpdateNumbers(ctx, ns...) })
			c["FindNumbers (page of 50)"] = count(func() error {
				page, total, err := s.FindNumbers(ctx, tn, numbers.Filter{Statuses: []numbers.Status{numbers.StatusActive}, Limit: 50})
				require.Equal(t, 2*size, total+size)
				require.Len(t, page, min(50, size))
				return err
			})
			c["FindNumbers (IDs)"] = count(func() error {
				page, _, err := s.FindNumbers(ctx, tn, numbers.Filter{IDs: ids})
				require.Len(t, page, size)
				return err
			})
			c["FindNumberByID"] = count(func() error { _, err := s.FindNumberByID(ctx, tn, ids[0]); return err })
			// The same writes inside InTx, less its BEGIN and COMMIT (and,
			// on SQLite, the write that takes the lock).
			inTx := func(fn func(ctx context.Context) error) int64 {
				overhead := int64(2)
				if d == sqlstore.SQLite {
					overhead = 3
				}
				return count(func() error { return s.InTx(ctx, fn) }) - overhead
			}
			more := benchNumbers(tn, "50", size)
			c["CreateNumbers in InTx (with holders)"] = inTx(func(ctx context.Context) error { return s.CreateNumbers(ctx, more...) })
			for _, n := range ns {
				n.Status = numbers.StatusInactive
			}
			c["UpdateNumbers in InTx (status)"] = inTx(func(ctx context.Context) error { return s.UpdateNumbers(ctx, ns...) })
			for _, n := range ns {
				n.Holders = n.Holders[:1]
			}
			c["UpdateNumbers in InTx (holders)"] = inTx(func(ctx context.Context) error { return s.UpdateNumbers(ctx, ns...) })
			events := make([]numberdesk.Event, size)
			for i, n := range ns {
				events[i] = storetest.Event(t, "number.test", numberdesk.System(tn), t0, n.ID, map[string]int{"i": i})
			}
			c["AppendEvents"] = count(func() error { return s.AppendEvents(ctx, events...) })
			// A command as the services run it: idempotency lookup, read by
			// IDs, write, events, record; all in one transaction.
			c["InTx command"] = count(func() error {
				return s.InTx(ctx, func(ctx context.Context) error {
					if _, err := s.FindIdempotencyRecord(ctx, tn, "k"); numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
						return err
					}
					found, _, err := s.FindNumbers(ctx, tn, numbers.Filter{IDs: ids})
					if err != nil {
						return err
					}
					evs := make([]numberdesk.Event, len(found))
					for i, n := range found {
						n.Status = numbers.StatusDeactivationPending
						n.DeactivationAt = t0.AddDate(0, 1, 0)
						evs[i] = storetest.Event(t, "number.test", numberdesk.System(tn), t0, n.ID, nil)
					}
					if err := s.UpdateNumbers(ctx, found...); err != nil {
						return err
					}
					if err := s.AppendEvents(ctx, evs...); err != nil {
						return err
					}
					return s.CreateIdempotencyRecord(ctx, &numberdesk.IdempotencyRecord{Tenant: tn, Key: "k", Op: "op", Result: json.RawMessage(`{}`)})
				})
			})

			// Employees: one at a time, whatever the staff's size.
			var staffIDs []numberdesk.StaffID
			for i := range size {
				e := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: tn, FirstName: "Anna", LastName: fmt.Sprint("Meier", i),
					Email: fmt.Sprintf("anna%d@muster.de", i), Role: numberdesk.RoleEmployee, Preferences: staff.DefaultPreferences}
				c["CreateEmployee"] = max(c["CreateEmployee"], count(func() error { return s.CreateEmployee(ctx, e) }))
				staffIDs = append(staffIDs, e.ID)
			}
			emp, err := s.FindEmployeeByID(ctx, tn, staffIDs[0])
			require.NoError(t, err)
			emp.Locked = true
			c["UpdateEmployee (lock)"] = count(func() error { return s.UpdateEmployee(ctx, emp) })
			emp.Email = "anna.neu@muster.de"
			c["UpdateEmployee (e-mail)"] = count(func() error { return s.UpdateEmployee(ctx, emp) })
			emp.Email = "anna.neuer@muster.de"
			c["UpdateEmployee in InTx (e-mail)"] = inTx(func(ctx context.Context) error { return s.UpdateEmployee(ctx, emp) })
			c["FindEmployees (search, page of 50)"] = count(func() error {
				page, total, err := s.FindEmployees(ctx, tn, staff.Filter{Search: "meier", Limit: 50})
				require.Equal(t, size, total)
				require.Len(t, page, min(50, size))
				return err
			})

			// Records: a batch of size records, one per number.
			recs := make([]*numbers.Record, size)
			for i, n := range ns {
				recs[i] = &numbers.Record{ID: numberdesk.NewEventID(), Tenant: tn, Number: n.ID, Kind: numbers.RecordCall,
					At: t0.Add(time.Duration(i) * time.Minute), Direction: numbers.Inbound, Result: numbers.ResultMissed, Holder: staffIDs[i%2]}
			}
			c["CreateRecords"] = count(func() error { return s.CreateRecords(ctx, recs...) })
			c["CreateRecords in InTx"] = inTx(func(ctx context.Context) error {
				more := make([]*numbers.Record, size)
				for i := range more {
					r := *recs[i]
					r.ID = numberdesk.NewEventID()
					more[i] = &r
				}
				return s.CreateRecords(ctx, more...)
			})
			c["FindRecords (holder, page of 50)"] = count(func() error {
				page, total, err := s.FindRecords(ctx, tn, numbers.RecordFilter{Holder: staffIDs[0], Limit: 50})
				require.Equal(t, size, total) // half of each batch
				require.Len(t, page, min(50, size))
				return err
			})
			c["DeleteRecords (holder)"] = count(func() error {
				deleted, err := s.DeleteRecords(ctx, tn, numbers.RecordFilter{Holder: staffIDs[1]})
				require.Equal(t, size, deleted)
				return err
			})

			// The outbox: the events appended above are pending.
			var claims []notify.Claim
			c["ClaimDeliveries"] = count(func() error {
				var err error
				claims, err = s.ClaimDeliveries(ctx, "w", t0, time.Minute, size)
				require.Len(t, claims, size)
				return err
			})
			// All claims but the last, in one batch of every state, then
			// the last with a lease that another worker holds.
			c["FinishDeliveries (batch)"] = count(func() error {
				fs := make([]notify.Finish, size-1)
				for i, cl := range claims[:size-1] {
					fs[i] = notify.Finish{Tenant: tn, Event: cl.Event.ID, Worker: "w", State: notify.StateDelivered, Attempts: 1, At: t0}
					switch i % 3 {
					case 1:
						fs[i].State, fs[i].Error = notify.StateFailed, "550"
					case 2:
						fs[i].State, fs[i].Error, fs[i].NextAttempt = notify.StatePending, "451", t0.Add(time.Hour)
					}
				}
				lost, err := s.FinishDeliveries(ctx, fs)
				require.Empty(t, lost)
				return err
			})
			c["FinishDeliveries (lease lost)"] = count(func() error {
				lost, err := s.FinishDeliveries(ctx, []notify.Finish{{Tenant: tn, Event: claims[size-1].Event.ID, Worker: "other", State: notify.StateDelivered, Attempts: 1, At: t0}})
				require.Len(t, lost, 1)
				return err
			})
			pending := size + 1 + (size-1)/3 // the command's events, the lease-lost one, the retries
			c["FindDeliveries (pending, page of 50)"] = count(func() error {
				page, total, err := s.FindDeliveries(ctx, tn, notify.DeliveryFilter{States: []notify.State{notify.StatePending}, Limit: 50})
				require.Equal(t, pending, total)
				require.Len(t, page, min(50, pending))
				return err
			})
			return c
		}
		small, large := measure(10), measure(100)
		names := make([]string, 0, len(large))
		for name := range large {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			t.Logf("%-8s %-38s %d statements for 10 numbers, %d for 100", d, name, small[name], large[name])
			require.Equal(t, small[name], large[name], "%s: the statements do not depend on the batch size", name)
		}
		for _, name := range []string{"CreateEmployee", "UpdateEmployee (lock)", "UpdateEmployee (e-mail)", "FindEmployees (search, page of 50)",
			"CreateRecords", "CreateRecords in InTx", "FindRecords (holder, page of 50)", "DeleteRecords (holder)",
			"ClaimDeliveries", "FinishDeliveries (batch)", "FinishDeliveries (lease lost)", "FindDeliveries (pending, page of 50)"} {
			require.Equal(t, int64(1), large[name], name)
		}
		if d == sqlstore.Postgres {
			require.Equal(t, int64(4), large["UpdateEmployee in InTx (e-mail)"], "the statement, and again in a savepoint")
			require.Equal(t, int64(1), large["CreateNumbers (with holders)"])
			require.Equal(t, int64(1), large["UpdateNumbers (holders)"])
			require.Equal(t, int64(1), large["FindNumbers (page of 50)"])
		}
	})
}

// TestSQLiteConcurrentWriters: writers queue on the write lock; none sees
// SQLITE_BUSY.
func TestSQLiteConcurrentWriters(t *testing.T) {
	t.Parallel()
	testSQLiteWriters(t, newSQLite(t), 8, 200)
}

// Transactions take the write lock first even when the DSN asks for
// deferred ones: a transaction that reads, then writes, does not fail with
// SQLITE_BUSY when another one wrote meanwhile.
func TestSQLiteDeferredDSN(t *testing.T) {
	t.Parallel()
	// A busy_timeout longer than any test run (10 minutes, not the 10 s of
	// SQLiteDSN): a busy machine makes a writer wait longer for the lock,
	// never fail. The SQLITE_BUSY this test is about, a deferred
	// transaction's read-to-write upgrade, comes at once, whatever the
	// busy_timeout.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "nd.db")+"?_pragma=busy_timeout(600000)&_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	s := sqlstore.New(db, sqlstore.SQLite)
	require.NoError(t, s.Migrate(t.Context()))
	testSQLiteWriters(t, s, 8, 25)
}

// A pool of one connection works: nothing waits for a second one.
func TestSQLiteSingleConnection(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	db.SetMaxOpenConns(1)
	s := sqlstore.New(db, sqlstore.SQLite)
	// No deadline of its own: if something waited for a second connection,
	// the test would hang and fail at the test binary's deadline (with the
	// stuck goroutine in the dump), however busy the machine is.
	ctx := t.Context()
	require.NoError(t, s.Migrate(ctx))
	tn := numberdesk.NewTenantID()
	for i := range 20 {
		n := newNumber(tn, fmt.Sprintf("+4930%03d", i))
		n.Holders = []numberdesk.StaffID{numberdesk.NewStaffID()}
		require.NoError(t, s.InTx(ctx, func(ctx context.Context) error {
			if err := s.CreateNumbers(ctx, n); err != nil {
				return err
			}
			return s.InTx(ctx, func(ctx context.Context) error {
				got, err := s.FindNumberByID(ctx, tn, n.ID)
				if err != nil {
					return err
				}
				got.Status = numbers.StatusActive
				return s.UpdateNumbers(ctx, got)
			})
		}))
		_, total, err := s.FindNumbers(ctx, tn, numbers.Filter{})
		require.NoError(t, err)
		require.Equal(t, i+1, total)
	}
	require.NoError(t, s.Close())
}

func testSQLiteWriters(t *testing.T, s *sqlstore.Store, writers, txs int) {
	const count = 20
	tn := numberdesk.NewTenantID()
	var ns []*numbers.Number
	for i := range count {
		ns = append(ns, newNumber(tn, fmt.Sprintf("+4930%07d", i)))
	}
	require.NoError(t, s.CreateNumbers(t.Context(), ns...))
	var writing, reading sync.WaitGroup
	var failures atomic.Int64
	errs := make(chan error, writers+2)
	report := func(err error) {
		failures.Add(1)
		select {
		case errs <- err:
		default:
		}
	}
	for w := range writers {
		writing.Go(func() {
			for i := range txs {
				id := ns[(w*txs+i)%count].ID
				err := s.InTx(t.Context(), func(ctx context.Context) error {
					n, err := s.FindNumberByID(ctx, tn, id)
					if err != nil {
						return err
					}
					n.Options = append(n.Options, fmt.Sprint(w))
					if err := s.UpdateNumbers(ctx, n); err != nil {
						return err
					}
					return numberdesk.AppendEvent(ctx, s, "number.test", numberdesk.System(tn), t0, id, nil)
				})
				if err != nil {
					report(err)
				}
			}
		})
	}
	// Readers alongside (WAL): they do not wait for the writers. They read
	// until the writers are done, every 5 ms (pacing, so as not to starve
	// the writers; how many reads happen is only logged, never asserted).
	stop := make(chan struct{})
	var reads atomic.Int64
	for range 2 {
		reading.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				_, total, err := s.FindNumbers(t.Context(), tn, numbers.Filter{Limit: 5})
				if err == nil && total != count {
					err = fmt.Errorf("reader saw %d numbers", total)
				}
				if err != nil {
					report(err)
					return
				}
				reads.Add(1)
			}
		})
	}
	writing.Wait()
	close(stop)
	reading.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, failures.Load())
	all, _, err := s.FindNumbers(t.Context(), tn, numbers.Filter{})
	require.NoError(t, err)
	var versions int
	for _, n := range all {
		versions += int(n.Version) - 1
	}
	require.Equal(t, writers*txs, versions)
	es, err := s.FindEvents(t.Context(), tn, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.Len(t, es, writers*txs)
	t.Logf("%d transactions by %d writers, %d reads alongside", writers*txs, writers, reads.Load())
}

// fakeSerialization looks like PostgreSQL's serialization failure.
type fakeSerialization struct{}

func (fakeSerialization) Error() string    { return "fake serialization failure" }
func (fakeSerialization) SQLState() string { return "40001" }

func TestInTxRetriesSerializationFailures(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		tn := numberdesk.NewTenantID()
		n := newNumber(tn, "+4930123")
		runs := 0
		err := s.InTx(t.Context(), func(ctx context.Context) error {
			runs++
			// The same create every run: the failed runs were rolled back.
			if err := s.CreateNumbers(ctx, n.Clone()); err != nil {
				return err
			}
			if runs < 3 {
				return numberdesk.Internal("test", fmt.Errorf("wrapped: %w", fakeSerialization{}))
			}
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, 3, runs)
		_, err = s.FindNumberByID(t.Context(), tn, n.ID)
		require.NoError(t, err)

		// Bounded: a failure that persists is returned after 5 runs.
		runs = 0
		err = s.InTx(t.Context(), func(ctx context.Context) error { runs++; return fakeSerialization{} })
		require.Equal(t, fakeSerialization{}, err)
		require.Equal(t, 5, runs)

		// Other errors are not retried.
		runs = 0
		boom := errors.New("boom")
		err = s.InTx(t.Context(), func(ctx context.Context) error { runs++; return boom })
		require.Equal(t, boom, err)
		require.Equal(t, 1, runs)
	})
}

// TestPostgresDeadlockIsRetried: two transactions that lock two numbers in
// opposite order deadlock; PostgreSQL aborts one (after deadlock_timeout)
// and InTx runs it again, so both succeed.
func TestPostgresDeadlockIsRetried(t *testing.T) {
	t.Parallel()
	postgresDSN(t)
	s := newPostgres(t)
	tn := numberdesk.NewTenantID()
	a, b := newNumber(tn, "+4930111"), newNumber(tn, "+4930222")
	require.NoError(t, s.CreateNumbers(t.Context(), a, b))
	var barrier sync.WaitGroup
	barrier.Add(2)
	var runs atomic.Int64
	write := func(first, second numberdesk.NumberID, opt string) error {
		attempt := 0
		// The run after the deadlock may read a version the winner is
		// about to replace: a conflict, retried as the services do.
		for range 10 {
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				runs.Add(1)
				attempt++
				for i, id := range []numberdesk.NumberID{first, second} {
					n, err := s.FindNumberByID(ctx, tn, id)
					if err != nil {
						return err
					}
					n.Options = append(n.Options, opt)
					if err := s.UpdateNumbers(ctx, n); err != nil {
						return err
					}
					if i == 0 && attempt == 1 {
						barrier.Done()
						barrier.Wait() // both hold their first lock
					}
				}
				return nil
			})
			if numberdesk.ErrorCode(err) != numberdesk.CodeConflict {
				return err
			}
		}
		return errors.New("still conflicting")
	}
	var wg sync.WaitGroup
	var e1, e2 error
	wg.Go(func() { e1 = write(a.ID, b.ID, "x") })
	wg.Go(func() { e2 = write(b.ID, a.ID, "y") })
	wg.Wait()
	require.NoError(t, e1)
	require.NoError(t, e2)
	require.GreaterOrEqual(t, runs.Load(), int64(3), "the deadlock's loser ran again")
	for _, id := range []numberdesk.NumberID{a.ID, b.ID} {
		n, err := s.FindNumberByID(t.Context(), tn, id)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"x", "y"}, n.Options)
	}
}

// TestTimes: instants round-trip to the microsecond, in UTC; the zero time
// is NULL.
func TestTimes(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		tn := numberdesk.NewTenantID()
		berlin, err := time.LoadLocation("Europe/Berlin")
		require.NoError(t, err)
		times := []time.Time{
			time.Date(2026, 3, 29, 2, 30, 0, 123456789, berlin),
			time.Date(1969, 12, 31, 23, 59, 59, 999999500, time.UTC),
			time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC), // a microsecond after the zero time
			time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		}
		for i, tm := range times {
			n := newNumber(tn, fmt.Sprintf("+49301%d", i))
			n.PortingDate, n.BilledSince, n.DeactivationAt, n.CreatedAt = tm, tm, tm, tm
			n.UpdatedAt = time.Time{}
			require.NoError(t, s.CreateNumbers(t.Context(), n))
			got, err := s.FindNumberByID(t.Context(), tn, n.ID)
			require.NoError(t, err)
			want := tm.Truncate(time.Microsecond).UTC()
			for _, g := range []time.Time{got.PortingDate, got.BilledSince, got.DeactivationAt, got.CreatedAt} {
				require.Equal(t, want, g, "%v", tm)
				require.Equal(t, time.UTC, g.Location())
			}
			require.True(t, got.UpdatedAt.IsZero())
		}
		// DueBefore compares instants.
		due, _, err := s.FindNumbers(t.Context(), tn, numbers.Filter{})
		require.NoError(t, err)
		for _, n := range due {
			n.Status = numbers.StatusDeactivationPending
		}
		require.NoError(t, s.UpdateNumbers(t.Context(), due...))
		got, _, err := s.FindNumbers(t.Context(), tn, numbers.Filter{DueBefore: times[0].Truncate(time.Microsecond)})
		require.NoError(t, err)
		require.Len(t, got, 3) // times[0], [1] and [2]
		got, _, err = s.FindNumbers(t.Context(), tn, numbers.Filter{DueBefore: times[0].Truncate(time.Microsecond).Add(-time.Nanosecond)})
		require.NoError(t, err)
		require.Len(t, got, 2)
	})
}

// TestHolders: holders keep their order through writes that grow, shrink,
// reorder and clear them; the holder filter sees the change.
func TestHolders(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		tn := numberdesk.NewTenantID()
		staff := []numberdesk.StaffID{numberdesk.NewStaffID(), numberdesk.NewStaffID(), numberdesk.NewStaffID()}
		n := newNumber(tn, "+4930123")
		n.Holders = []numberdesk.StaffID{staff[2], staff[0]}
		require.NoError(t, s.CreateNumbers(t.Context(), n))
		for _, hs := range [][]numberdesk.StaffID{{staff[0], staff[2], staff[1]}, {staff[1]}, nil, {staff[0], staff[1]}, {staff[1], staff[0]}} {
			n.Holders = hs
			require.NoError(t, s.UpdateNumbers(t.Context(), n))
			got, err := s.FindNumberByID(t.Context(), tn, n.ID)
			require.NoError(t, err)
			require.Equal(t, hs, got.Holders)
			for _, st := range staff {
				page, _, err := s.FindNumbers(t.Context(), tn, numbers.Filter{Holder: st})
				require.NoError(t, err)
				require.Equal(t, slices.Contains(hs, st), len(page) == 1)
			}
			page, _, err := s.FindNumbers(t.Context(), tn, numbers.Filter{Unassigned: true})
			require.NoError(t, err)
			require.Equal(t, len(hs) == 0, len(page) == 1)
		}
		bad := n.Clone()
		bad.Holders = []numberdesk.StaffID{"not-a-uuid"}
		err := s.UpdateNumbers(t.Context(), bad)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
		require.Equal(t, "holders", numberdesk.ErrorField(err))
	})
}

// nasty are values that would break a statement built by concatenation, or
// act as wildcards.
var nasty = []string{
	`'`, `''`, `"`, `\`, `\'`, `' OR '1'='1`, `'; DROP TABLE numbers; --`, `--`, `/* */`, `;`,
	`%`, `_`, `%_%`, `\%`, `[a-z]`, `*`, `?`, `?1`, `$1`, `:name`, `@p`,
	"äöü ß €", "日本語", "🙂", "a\nb\tc\r", "\u202e", "null", `{"a":1}`,
}

// nul is a value with a NUL byte: SQLite stores it, PostgreSQL cannot.
const nul = "a\x00b"

func TestInjectionIsLiteral(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		ctx := t.Context()
		tn := numberdesk.NewTenantID()
		values := slices.Clone(nasty)
		if d == sqlstore.SQLite {
			values = append(values, nul)
		}
		var ns []*numbers.Number
		for i, v := range values {
			n := newNumber(tn, fmt.Sprintf("+49%d", 300+i)+v)
			n.Base, n.Extension, n.Origin, n.BillingLine = v, v, numbers.Origin(v), v
			n.Status, n.UsageType = numbers.Status(v), routing.UsageType(v)
			n.Options = []string{v, "x" + v}
			ns = append(ns, n)
		}
		// A number that the wildcards would match.
		plain := newNumber(tn, "+4930555123")
		ns = append(ns, plain)
		require.NoError(t, s.CreateNumbers(ctx, clone(ns)...))
		for _, n := range ns {
			n.Version = 1
			got, err := s.FindNumberByID(ctx, tn, n.ID)
			require.NoError(t, err)
			require.Equal(t, n, got)
		}
		// Updates write them literally too.
		for _, n := range ns {
			n.Extension += "!"
		}
		require.NoError(t, s.UpdateNumbers(ctx, ns...))

		// Every filter takes them literally.
		for _, v := range append(values, "0", "30", "+") {
			want := func(match func(n *numbers.Number) bool) []numberdesk.NumberID {
				var ids []numberdesk.NumberID
				sorted := clone(ns)
				slices.SortFunc(sorted, func(a, b *numbers.Number) int { return strings.Compare(a.E164, b.E164) })
				for _, n := range sorted {
					if match(n) {
						ids = append(ids, n.ID)
					}
				}
				return ids
			}
			for name, c := range map[string]struct {
				f     numbers.Filter
				match func(n *numbers.Number) bool
			}{
				"Digits":     {numbers.Filter{Digits: v}, func(n *numbers.Number) bool { return strings.Contains(strings.TrimPrefix(n.E164, "+"), v) }},
				"Statuses":   {numbers.Filter{Statuses: []numbers.Status{numbers.Status(v)}}, func(n *numbers.Number) bool { return string(n.Status) == v }},
				"UsageTypes": {numbers.Filter{UsageTypes: []routing.UsageType{routing.UsageType(v)}}, func(n *numbers.Number) bool { return string(n.UsageType) == v }},
			} {
				got, total, err := s.FindNumbers(ctx, tn, c.f)
				require.NoError(t, err, "%s %q", name, v)
				w := want(c.match)
				require.Equal(t, w, ids(got), "%s %q", name, v)
				require.Len(t, w, total)
			}
		}

		// Tenants, events and idempotency records.
		for i, v := range values {
			tenant := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: v, TimeZone: v, CreatedAt: t0}
			require.NoError(t, s.CreateTenant(ctx, tenant))
			got, err := s.FindTenantByID(ctx, tenant.ID)
			require.NoError(t, err)
			require.Equal(t, tenant, got)

			data, err := json.Marshal(map[string]string{"v": v})
			require.NoError(t, err)
			e := numberdesk.Event{ID: numberdesk.NewEventID(), Tenant: tn, Type: numberdesk.EventType(v), At: t0,
				Actor: numberdesk.Actor{Tenant: numberdesk.TenantID(v), Staff: numberdesk.StaffID(v), Role: numberdesk.Role(v)}, Data: data}
			es := []numberdesk.Event{e}
			require.NoError(t, s.AppendEvents(ctx, es...))
			found, err := s.FindEvents(ctx, tn, numberdesk.EventFilter{Types: []numberdesk.EventType{numberdesk.EventType(v)}})
			require.NoError(t, err)
			require.Len(t, found, 1, "%q", v)
			require.Equal(t, e.Actor, found[0].Actor)
			var back map[string]string
			require.NoError(t, json.Unmarshal(found[0].Data, &back))
			require.Equal(t, v, back["v"])

			r := &numberdesk.IdempotencyRecord{Tenant: tn, Key: v, Op: v, Fingerprint: v, Result: data, CreatedAt: t0}
			require.NoError(t, s.CreateIdempotencyRecord(ctx, r))
			gotR, err := s.FindIdempotencyRecord(ctx, tn, v)
			require.NoError(t, err, "%q", v)
			require.Equal(t, r, gotR)
			_, err = s.FindIdempotencyRecord(ctx, tn, v+"x")
			require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
			require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(s.CreateIdempotencyRecord(ctx, r)), "%d", i)
		}
		all, total, err := s.FindNumbers(ctx, tn, numbers.Filter{})
		require.NoError(t, err)
		require.Len(t, all, total)
		require.Len(t, all, len(ns), "nothing dropped")
	})
}

func ids(ns []*numbers.Number) []numberdesk.NumberID {
	var out []numberdesk.NumberID
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

// TestPostgresRefusesNUL: PostgreSQL cannot store NUL bytes in text. Writes
// refuse them with CodeInvalid, reads match nothing, and a transaction goes
// on.
func TestPostgresRefusesNUL(t *testing.T) {
	t.Parallel()
	postgresDSN(t)
	s := newPostgres(t)
	tn := numberdesk.NewTenantID()
	ok := newNumber(tn, "+4930123")
	require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
		require.NoError(t, s.CreateNumbers(ctx, ok))
		for _, mutate := range []func(n *numbers.Number){
			func(n *numbers.Number) { n.E164 = "+49" + nul },
			func(n *numbers.Number) { n.BillingLine = nul },
			func(n *numbers.Number) { n.Options = []string{nul} },
			func(n *numbers.Number) { n.Status = "\xff" }, // invalid UTF-8
		} {
			n := newNumber(tn, "+4930999")
			mutate(n)
			require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(s.CreateNumbers(ctx, n)))
		}
		e := storetest.Event(t, "t", numberdesk.System(tn), t0, "", nil)
		e.Data = json.RawMessage(`{"v":"\u0000"}`) // valid JSON, but not for jsonb
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(s.AppendEvents(ctx, e)))
		for _, f := range []numbers.Filter{{Digits: nul}, {Statuses: []numbers.Status{nul}}, {UsageTypes: []routing.UsageType{nul}}} {
			page, total, err := s.FindNumbers(ctx, tn, f)
			require.NoError(t, err)
			require.Empty(t, page)
			require.Zero(t, total)
		}
		_, err := s.FindIdempotencyRecord(ctx, tn, nul)
		require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
		ok.Status = numbers.StatusActive
		return s.UpdateNumbers(ctx, ok)
	}))
	got, err := s.FindNumberByID(t.Context(), tn, ok.ID)
	require.NoError(t, err)
	require.Equal(t, numbers.StatusActive, got.Status)
}

// TestManyNumbers crosses the SQLite chunk size in every bulk statement.
func TestManyNumbers(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		const count = 1200 // more than one SQLite chunk of 1000
		s := newStore(t)
		tn := numberdesk.NewTenantID()
		var ns []*numbers.Number
		var ids []numberdesk.NumberID
		for i := range count {
			n := newNumber(tn, fmt.Sprintf("+4930%07d", i))
			n.Holders = []numberdesk.StaffID{numberdesk.NewStaffID()}
			ns = append(ns, n)
			ids = append(ids, n.ID)
		}
		require.NoError(t, s.CreateNumbers(t.Context(), ns...))
		// Reverse the E.164s (every number moves), change every holder.
		for i, n := range ns {
			n.E164 = fmt.Sprintf("+4930%07d", count-1-i)
			n.Holders = []numberdesk.StaffID{numberdesk.NewStaffID(), n.Holders[0]}
		}
		require.NoError(t, s.UpdateNumbers(t.Context(), ns...))
		got, total, err := s.FindNumbers(t.Context(), tn, numbers.Filter{IDs: ids})
		require.NoError(t, err)
		require.Equal(t, count, total)
		for i, n := range got {
			want := ns[count-1-i]
			require.Equal(t, want.ID, n.ID)
			require.Equal(t, want.Holders, n.Holders)
			require.Equal(t, int64(2), n.Version)
		}
		events := make([]numberdesk.Event, count)
		for i := range events {
			events[i] = storetest.Event(t, "number.test", numberdesk.System(tn), t0, ids[i], nil)
		}
		require.NoError(t, s.AppendEvents(t.Context(), events...))
		for i := 1; i < count; i++ {
			require.Greater(t, events[i].Seq, events[i-1].Seq)
		}
		// A stale number at the end of a large batch: nothing written.
		stale := clone(ns)
		stale[count-1].Version = 1
		for _, n := range stale {
			n.Status = numbers.StatusInactive
		}
		err = s.UpdateNumbers(t.Context(), stale...)
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err))
		page, _, err := s.FindNumbers(t.Context(), tn, numbers.Filter{Statuses: []numbers.Status{numbers.StatusInactive}})
		require.NoError(t, err)
		require.Empty(t, page)
	})
}

// TestPostgresRacesKeepTxUsable: writes that lose a race to a concurrent
// transaction only when that one commits (a new E.164, an event ID) report
// CodeConflict and leave the caller's transaction usable.
func TestPostgresRacesKeepTxUsable(t *testing.T) {
	t.Parallel()
	postgresDSN(t)
	db, dsn := openPostgres(t)
	s := sqlstore.New(db, sqlstore.Postgres)
	require.NoError(t, s.Migrate(t.Context()))
	adm, err := admin()
	require.NoError(t, err)
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	app := u.Query().Get("application_name")
	tn := numberdesk.NewTenantID()
	a := newNumber(tn, "+4930111")
	require.NoError(t, s.CreateNumbers(t.Context(), a))

	// race runs winner in a transaction that commits only once loser's
	// statement waits for it; loser runs in a transaction of its own.
	// The poller lets the winner commit once the loser waits for its lock,
	// however long the loser takes to get there: it gives up only when the
	// loser has finished without waiting, not after a number of polls that
	// a busy machine could run through first.
	race := func(winner func(ctx context.Context) error, loser func(ctx context.Context) error) {
		t.Helper()
		written, commit, loserDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- s.InTx(t.Context(), func(ctx context.Context) error {
				if err := winner(ctx); err != nil {
					return err
				}
				close(written)
				<-commit
				return nil
			})
		}()
		<-written
		finishLoser := sync.OnceFunc(func() { close(loserDone) })
		var polling sync.WaitGroup
		defer polling.Wait() // also when a require in loser ends the test
		defer finishLoser()  // runs first
		polling.Go(func() {
			defer close(commit)
			for {
				var waiting int
				err := adm.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", app).Scan(&waiting)
				if err != nil {
					t.Errorf("polling pg_stat_activity: %v", err)
					return
				}
				if waiting > 0 {
					return
				}
				select {
				case <-loserDone:
					t.Error("the loser never waited for the winner")
					return
				case <-time.After(2 * time.Millisecond): // pacing, not a limit
				}
			}
		})
		err := s.InTx(t.Context(), loser)
		finishLoser()
		polling.Wait()
		require.NoError(t, err)
		require.NoError(t, <-done)
	}

	// UpdateNumbers moving a number to an E.164 that a concurrent
	// transaction creates.
	race(func(ctx context.Context) error {
		return s.CreateNumbers(ctx, newNumber(tn, "+4930999"))
	}, func(ctx context.Context) error {
		moved := a.Clone()
		moved.E164 = "+4930999"
		err := s.UpdateNumbers(ctx, moved)
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, "number", numberdesk.ErrorField(err))
		return numberdesk.AppendEvent(ctx, s, "after.update", numberdesk.System(tn), t0, "", nil)
	})

	// CreateNumbers with an E.164 a concurrent transaction creates.
	race(func(ctx context.Context) error {
		return s.CreateNumbers(ctx, newNumber(tn, "+4930888"))
	}, func(ctx context.Context) error {
		err := s.CreateNumbers(ctx, newNumber(tn, "+4930777"), newNumber(tn, "+4930888"))
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		return numberdesk.AppendEvent(ctx, s, "after.create", numberdesk.System(tn), t0, "", nil)
	})

	// AppendEvents with an event ID a concurrent transaction appends.
	dup := storetest.Event(t, "dup", numberdesk.System(tn), t0, "", nil)
	other := storetest.Event(t, "other", numberdesk.System(tn), t0, "", nil)
	race(func(ctx context.Context) error {
		return s.AppendEvents(ctx, dup)
	}, func(ctx context.Context) error {
		err := s.AppendEvents(ctx, other, dup)
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		return numberdesk.AppendEvent(ctx, s, "after.append", numberdesk.System(tn), t0, "", nil)
	})

	es, err := s.FindEvents(t.Context(), tn, numberdesk.EventFilter{})
	require.NoError(t, err)
	var types []numberdesk.EventType
	for _, e := range es {
		types = append(types, e.Type)
	}
	require.Equal(t, []numberdesk.EventType{"after.update", "after.create", "dup", "after.append"}, types)
	_, total, err := s.FindNumbers(t.Context(), tn, numbers.Filter{})
	require.NoError(t, err)
	require.Equal(t, 3, total) // a, +4930999, +4930888

	// The employee and record writes: each loser reports the conflict and
	// goes on with a write that must stay.
	employee := func(email string) *staff.Employee {
		return &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: tn, FirstName: "Anna", LastName: "Meier", Email: email, Role: numberdesk.RoleEmployee}
	}
	anna := employee("anna@muster.de")
	require.NoError(t, s.CreateEmployee(t.Context(), anna))
	var kept []*staff.Employee
	keep := func(ctx context.Context) error {
		e := employee(fmt.Sprintf("kept%d@muster.de", len(kept)))
		kept = append(kept, e)
		return s.CreateEmployee(ctx, e)
	}

	// CreateEmployee with an address a concurrent transaction takes.
	race(func(ctx context.Context) error {
		return s.CreateEmployee(ctx, employee("bernd@muster.de"))
	}, func(ctx context.Context) error {
		err := s.CreateEmployee(ctx, employee("BERND@muster.de"))
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, "email", numberdesk.ErrorField(err))
		return keep(ctx)
	})

	// UpdateEmployee moving to an address a concurrent transaction takes.
	race(func(ctx context.Context) error {
		return s.CreateEmployee(ctx, employee("carla@muster.de"))
	}, func(ctx context.Context) error {
		moved := anna.Clone()
		moved.Email = "Carla@muster.de"
		err := s.UpdateEmployee(ctx, moved)
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, "email", numberdesk.ErrorField(err))
		require.Equal(t, int64(1), moved.Version)
		return keep(ctx)
	})

	// UpdateEmployee against a concurrent update of the same employee.
	race(func(ctx context.Context) error {
		c := anna.Clone()
		c.Locked = true
		return s.UpdateEmployee(ctx, c)
	}, func(ctx context.Context) error {
		c := anna.Clone()
		c.FirstName = "Anne"
		err := s.UpdateEmployee(ctx, c)
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, "version", numberdesk.ErrorField(err))
		return keep(ctx)
	})

	// CreateRecords with a record ID a concurrent transaction creates.
	record := func() *numbers.Record {
		return &numbers.Record{ID: numberdesk.NewEventID(), Tenant: tn, Number: a.ID, Kind: numbers.RecordCall, At: t0}
	}
	dupRecord, otherRecord := record(), record()
	race(func(ctx context.Context) error {
		return s.CreateRecords(ctx, dupRecord)
	}, func(ctx context.Context) error {
		err := s.CreateRecords(ctx, otherRecord, dupRecord)
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		return keep(ctx)
	})

	got, err := s.FindEmployeeByID(t.Context(), tn, anna.ID)
	require.NoError(t, err)
	require.True(t, got.Locked)
	require.Equal(t, "Anna", got.FirstName)
	require.Equal(t, "anna@muster.de", got.Email)
	es2, total, err := s.FindEmployees(t.Context(), tn, staff.Filter{})
	require.NoError(t, err)
	require.Equal(t, 3+len(kept), total, "anna, bernd, carla and what the losers kept: %v", es2)
	for _, e := range kept {
		_, err := s.FindEmployeeByID(t.Context(), tn, e.ID)
		require.NoError(t, err)
	}
	rs, _, err := s.FindRecords(t.Context(), tn, numbers.RecordFilter{})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.Equal(t, dupRecord.ID, rs[0].ID, "the loser's other record was taken back")
}

package efax_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// postgresDSNEnv names the environment variable with the PostgreSQL test
// database (as in store/sqlstore).
const postgresDSNEnv = "NUMBERDESK_POSTGRES_DSN"

// statementCounter is a pgx tracer that counts the statements a pool sends,
// BEGIN and COMMIT included.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// postgresStore returns a migrated sqlstore over a fresh schema of the
// PostgreSQL test database (dropped when the test ends) and a counter of its
// statements, or skips the test if NUMBERDESK_POSTGRES_DSN is not set.
func postgresStore(t testing.TB) (*sqlstore.Store, *statementCounter) {
	t.Helper()
	st, _, counter := postgresStoreDB(t)
	return st, counter
}

// postgresStoreDB is postgresStore that also returns the pool.
func postgresStoreDB(t testing.TB) (*sqlstore.Store, *sql.DB, *statementCounter) {
	t.Helper()
	dsn := os.Getenv(postgresDSNEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(postgresDSNEnv + " not set: PostgreSQL tests are required on CI")
		}
		t.Skip(postgresDSNEnv + " not set: PostgreSQL skipped")
	}
	adm, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = adm.Close() })
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "test_efax_" + hex.EncodeToString(b)
	_, err = adm.ExecContext(t.Context(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := adm.Exec("DROP SCHEMA " + schema + " CASCADE")
		require.NoError(t, err)
	})
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	} else {
		dsn += " search_path=" + schema
	}
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	counter := &statementCounter{}
	cfg.Tracer = counter
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(8)
	t.Cleanup(func() { _ = db.Close() })
	st := sqlstore.New(db, sqlstore.Postgres)
	require.NoError(t, st.Migrate(t.Context()))
	return st, db, counter
}

// sqliteStore returns a migrated sqlstore over a fresh SQLite file.
func sqliteStore(t testing.TB) *sqlstore.Store {
	t.Helper()
	st, _ := sqliteStoreDB(t)
	return st
}

// sqliteStoreDB is sqliteStore that also returns the database.
func sqliteStoreDB(t testing.TB) (*sqlstore.Store, *sql.DB) {
	t.Helper()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "efax.db")))
	require.NoError(t, err)
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { _ = db.Close() })
	st := sqlstore.New(db, sqlstore.SQLite)
	require.NoError(t, st.Migrate(t.Context()))
	return st, db
}

// countingStore records which Store methods efax calls, in order.
type countingStore struct {
	efax.Store
	mu    sync.Mutex
	calls []string
}

func (s *countingStore) note(m string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, m)
}

// take returns the calls so far and forgets them.
func (s *countingStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.calls
	s.calls = nil
	return out
}

func (s *countingStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	s.note("InTx")
	return s.Store.InTx(ctx, fn)
}

func (s *countingStore) AppendEvents(ctx context.Context, events ...numberdesk.Event) error {
	s.note("AppendEvents")
	return s.Store.AppendEvents(ctx, events...)
}

func (s *countingStore) FindEvents(ctx context.Context, tenant numberdesk.TenantID, f numberdesk.EventFilter) ([]numberdesk.Event, error) {
	s.note("FindEvents")
	return s.Store.FindEvents(ctx, tenant, f)
}

func (s *countingStore) FindIdempotencyRecord(ctx context.Context, tenant numberdesk.TenantID, key string) (*numberdesk.IdempotencyRecord, error) {
	s.note("FindIdempotencyRecord")
	return s.Store.FindIdempotencyRecord(ctx, tenant, key)
}

func (s *countingStore) CreateIdempotencyRecord(ctx context.Context, r *numberdesk.IdempotencyRecord) error {
	s.note("CreateIdempotencyRecord")
	return s.Store.CreateIdempotencyRecord(ctx, r)
}

func (s *countingStore) DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int, error) {
	s.note("DeleteIdempotencyRecords")
	return s.Store.DeleteIdempotencyRecords(ctx, before)
}

func (s *countingStore) FindNumberByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.NumberID) (*numbers.Number, error) {
	s.note("FindNumberByID")
	return s.Store.FindNumberByID(ctx, tenant, id)
}

func (s *countingStore) FindEmployeeByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (*staff.Employee, error) {
	s.note("FindEmployeeByID")
	return s.Store.FindEmployeeByID(ctx, tenant, id)
}

func (s *countingStore) FindEmployees(ctx context.Context, tenant numberdesk.TenantID, f staff.Filter) ([]*staff.Employee, int, error) {
	s.note("FindEmployees")
	return s.Store.FindEmployees(ctx, tenant, f)
}

func (s *countingStore) FindCredentialByID(ctx context.Context, tenant numberdesk.TenantID, id efax.CredentialID) (*efax.StoredCredential, error) {
	s.note("FindCredentialByID")
	return s.Store.FindCredentialByID(ctx, tenant, id)
}

func (s *countingStore) FindCredentialByUsername(ctx context.Context, username string) (*efax.StoredCredential, error) {
	s.note("FindCredentialByUsername")
	return s.Store.FindCredentialByUsername(ctx, username)
}

func (s *countingStore) FindCredentials(ctx context.Context, tenant numberdesk.TenantID, f efax.CredentialFilter) ([]*efax.StoredCredential, error) {
	s.note("FindCredentials")
	return s.Store.FindCredentials(ctx, tenant, f)
}

func (s *countingStore) CreateCredential(ctx context.Context, c *efax.StoredCredential) error {
	s.note("CreateCredential")
	return s.Store.CreateCredential(ctx, c)
}

func (s *countingStore) UpdateCredential(ctx context.Context, c *efax.StoredCredential) error {
	s.note("UpdateCredential")
	return s.Store.UpdateCredential(ctx, c)
}

// unknownUser has the shape of an issued username but was never issued.
const unknownUser = "4922112345620-zzzzzzzz"

// wrongSecret has the shape of a secret but was never issued.
var wrongSecret = strings.Repeat("2", efax.SecretLength)

// An unknown username costs what a wrong secret costs: one argon2id
// computation, and the same Store calls in the same order (a lookup by
// username, then one transaction that reads the login, updates it and
// touches the events: the unknown one reads where the wrong secret appends),
// and on PostgreSQL the same number of SQL statements (BEGIN and COMMIT
// included). Counted, not timed; TestAuthenticateTiming reports the time.
func TestAuthenticateSameWorkUnknownOrWrong(t *testing.T) {
	backends := []struct {
		name string
		open func(t *testing.T) (store.Store, *statementCounter)
	}{
		{"memstore", func(t *testing.T) (store.Store, *statementCounter) { return memstore.New(), nil }},
		{"sqlite", func(t *testing.T) (store.Store, *statementCounter) { return sqliteStore(t), nil }},
		{"postgres", func(t *testing.T) (store.Store, *statementCounter) { return postgresStore(t) }},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			base, stmts := b.open(t)
			f := newFixtureOn(t, base, func(c *efax.Config) { c.MaxFailures = math.MaxInt32 })
			user, _ := f.sendAndDeliver(t, f.personal, f.anna)
			counting := &countingStore{Store: f.st}
			cfg := f.cfg
			cfg.Store = counting
			fax, err := efax.New(cfg)
			require.NoError(t, err)
			type work struct {
				calls      []string
				hashes     int64
				statements int64
			}
			measure := func(username string) work {
				counting.take()
				var before int64
				if stmts != nil {
					before = stmts.n.Load()
				}
				hashes := efax.Hashes(fax)
				requireAuthFails(t, fax, username, wrongSecret)
				w := work{calls: counting.take(), hashes: efax.Hashes(fax) - hashes}
				if stmts != nil {
					w.statements = stmts.n.Load() - before
				}
				return w
			}
			for range 3 {
				unknown, wrong := measure(unknownUser), measure(user)
				t.Logf("unknown login: %+v; wrong secret: %+v", unknown, wrong)
				require.Equal(t, []string{"FindCredentialByUsername", "InTx", "FindCredentialByID", "UpdateCredential", "AppendEvents"},
					wrong.calls, "a wrong secret counts a failure and appends the audit event in one transaction")
				// The unknown login reads the events where the wrong secret
				// appends one: it has no tenant to log to.
				require.Equal(t, []string{"FindCredentialByUsername", "InTx", "FindCredentialByID", "UpdateCredential", "FindEvents"},
					unknown.calls, "an unknown login runs the same transaction")
				require.Equal(t, int64(1), wrong.hashes)
				require.Equal(t, wrong.hashes, unknown.hashes, "the same argon2id computations")
				require.Equal(t, wrong.statements, unknown.statements, "the same number of SQL statements (PostgreSQL; 0: not counted)")
			}
		})
	}
}

// TestAuthenticateTiming reports (never asserts: wall-clock time is not a
// test oracle on a shared machine) the median time of 200 failed logins with
// an unknown username and 200 with a wrong secret, interleaved, on
// PostgreSQL if NUMBERDESK_POSTGRES_DSN is set, else on SQLite: with the
// default argon2id parameters (what a fax-app backend sees), and with cheap
// ones (what is left is the store's work). Under the race detector only the
// latter runs.
func TestAuthenticateTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: timing report skipped")
	}
	for _, p := range []struct {
		name   string
		params efax.Params
	}{{"DefaultParams", efax.DefaultParams}, {"cheap params", cheap}} {
		t.Run(p.name, func(t *testing.T) {
			if raceDetector && p.params == efax.DefaultParams {
				t.Skip("the race detector: 420 argon2id computations with DefaultParams take minutes")
			}
			var base store.Store
			backend := "postgres"
			if os.Getenv(postgresDSNEnv) != "" {
				base, _ = postgresStore(t)
			} else {
				backend, base = "sqlite", sqliteStore(t)
			}
			f := newFixtureOn(t, base, func(c *efax.Config) {
				c.Params, c.AllowWeakParams, c.MaxFailures = p.params, true, math.MaxInt32
			})
			user, _ := f.sendAndDeliver(t, f.personal, f.anna)
			ctx := context.Background()
			run := func(username string) time.Duration {
				start := time.Now()
				l, err := f.fax.Authenticate(ctx, username, wrongSecret)
				d := time.Since(start)
				require.Nil(t, l)
				require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
				return d
			}
			for range 10 { // warm up the pool, the caches and the hasher
				run(unknownUser)
				run(user)
			}
			const n = 200
			unknown, wrong := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
			for i := range n {
				if i%2 == 0 {
					unknown = append(unknown, run(unknownUser))
					wrong = append(wrong, run(user))
				} else {
					wrong = append(wrong, run(user))
					unknown = append(unknown, run(unknownUser))
				}
			}
			median := func(ds []time.Duration) time.Duration {
				slices.Sort(ds)
				return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
			}
			mu, mw := median(unknown), median(wrong)
			t.Logf("%s, %s, median of %d each: unknown login %.2f ms, wrong secret %.2f ms (difference %+.2f ms)",
				backend, p.name, n, ms(mu), ms(mw), ms(mw-mu))
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

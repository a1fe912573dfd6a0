// Package sqlstore is the SQL backend of the SDK: the contract of [store.Store]
// over database/sql, for SQLite (modernc.org/sqlite, pure Go) and PostgreSQL
// (github.com/jackc/pgx/v5/stdlib). It passes store/storetest on both.
//
// # Drivers and dialects
//
// The package registers no driver and imports none: the embedding program
// imports the one it uses and hands New an open *sql.DB with the matching
// [Dialect]:
//
//	import _ "modernc.org/sqlite"             // sql.Open("sqlite", sqlstore.SQLiteDSN(path)), Dialect SQLite
//	import _ "github.com/jackc/pgx/v5/stdlib" // sql.Open("pgx", "postgres://..."), Dialect Postgres
//
// Call [Store.Migrate] once at start-up: it is cheap when there is nothing to
// do, and safe when several processes start at once. The schema is tables
// with typed columns (see the migrations directory): tenants, numbers,
// number_holders (one row per holder, so that a portal may join and filter by
// employee), number_holder_periods (the holder history: one row per past
// period, its holders as JSON), events (with the delivery state of the
// outbox), idempotency,
// employees, records (call records, fax journal, voicemail),
// routing_settings (a number's plan and overrides, as JSON), blocklists (a
// tenant's block list, as JSON) and efax_credentials (E-Fax-App logins: an
// argon2id hash and, until delivery, an AES-GCM-sealed secret, never a
// plaintext one); the filters and orders of the lists have their indexes.
// Every query names the tenant, except ClaimDeliveries, which serves the
// vendor's dispatcher across tenants, FindDueTenants, which tells the
// vendor's scheduled work for which tenants ApplyDue has work (tenant IDs
// only), and FindCredentialByUsername, which serves
// efax.Service.Authenticate (usernames are unique store-wide).
//
// # Employees and records
//
// Employees carry, beside their fields, keys the store lower-cases with Go's
// strings.ToLower: email_key, unique per tenant, so that e-mail addresses are
// compared case-insensitively, and last_key and first_key. The list is
// sorted by last_key, first_key, email_key and ID in byte order, and a search
// is a substring of first_key + " " + last_key or of email_key: umlauts fold
// as in memstore on both dialects (SQLite's lower() folds ASCII only).
//
// Records are listed newest first, ties by ID; their time is never NULL (the
// zero time is stored as year 1, which sorts before every other time), so
// that the indexes by tenant, by number and by holder serve the order and
// the From/To ranges.
//
// # Outbox
//
// The delivery state of an event (state, attempts, next attempt, last error,
// delivered at, lease owner and lease end) is kept on its row in events. The
// columns' defaults make an event pending in the very INSERT of AppendEvents,
// so an event is pending exactly if it was committed. Events appended before
// migration 0002 start pending too: nothing has delivered them, and the
// outbox delivers at least once (to skip them instead, an operator runs
// UPDATE events SET state = 'delivered' before starting dispatchers).
//
// ClaimDeliveries is one statement on both dialects. On PostgreSQL it is an
// UPDATE of the rows that a subquery picks, oldest Seq first, with FOR UPDATE
// SKIP LOCKED: concurrent claims skip each other's rows, and a row another
// claim took meanwhile is re-checked (its lease has not run out) and left out,
// so two workers never hold the same event. On SQLite the UPDATE holds the
// write lock from start to end. Both read the pending events through a
// partial index, events_pending. FinishDeliveries records each outcome of a
// batch only if its event is pending and leased to its worker, and reports
// the others lost; FindDeliveries lists a tenant's deliveries by Seq.
//
// # SQLite
//
// Open the database with [SQLiteDSN]: busy_timeout (first, so that the other
// settings wait for locks too), WAL, foreign keys, and synchronous=FULL, as
// billing and consent records must survive a power cut. Every transaction
// takes the write lock at its start (as BEGIN IMMEDIATE does, whatever the
// DSN's _txlock says), so writers queue under busy_timeout instead of failing
// with SQLITE_BUSY on a read-to-write upgrade; readers run alongside in WAL
// mode. A small pool is best: SQLite's busy handler polls with sleeps, so
// many writers on many connections lose time, while one connection makes
// reads wait for writes. Measured on 2 cores, 8 writers and a reader: one
// connection 1,694 transactions and 184 reads a second, four 2,434 and 394,
// unlimited 1,633 and 614; so db.SetMaxOpenConns(4). A ":memory:" database
// exists per connection: use a file (a temporary one in tests).
//
// Times are integers of UTC microseconds since 1970 (NULL for the zero time),
// so that they sort and compare as numbers. Text is stored and compared byte
// for byte, NUL bytes included. The store keeps its statements prepared (up
// to 256 of them) until [Store.Close].
//
// # PostgreSQL
//
// Times are timestamptz (microseconds), JSON is jsonb (options, event data) or
// json (idempotency results, kept byte for byte); the text columns that are
// sorted or compared use the "C" collation, so that the order is Go's byte
// order whatever the database's locale. PostgreSQL cannot store NUL bytes or
// invalid UTF-8 in text: writes refuse them with CodeInvalid, filters treat
// them as matching nothing. pgx prepares and caches the statements itself.
//
// # Transactions, isolation and retries
//
// InTx runs fn in one database transaction, carried in the ctx; a nested InTx
// is a SAVEPOINT. A Store method that fails inside a transaction has changed
// nothing and leaves the transaction usable. On PostgreSQL a failing statement
// aborts the whole transaction, so the writes are built not to fail on the
// outcomes a caller handles: UpdateNumbers and UpdateEmployee check the
// versions in their statement and write nothing if one is stale;
// AppendEvents, CreateRecords, CreateEmployee, CreateTenant and
// CreateIdempotencyRecord write nothing on a duplicate; FinishDeliveries
// writes nothing without the lease. The writes that may still fail
// (CreateNumbers on a duplicate, UpdateNumbers changing an E.164,
// UpdateEmployee changing the e-mail address) run in a savepoint of their
// own.
//
// PostgreSQL runs at its default isolation, READ COMMITTED. Lost updates are
// impossible all the same: UpdateNumbers locks the rows it writes (in key
// order, so that concurrent batches do not deadlock) and writes only if every
// stored version is the expected one, as UpdateEmployee does for its row, so
// the loser of a race gets CodeConflict and re-reads; uniqueness (E.164 and
// e-mail address per tenant, idempotency keys, event and record IDs) is
// enforced by unique constraints; every read is one statement, so it sees one
// snapshot. Concurrent swaps and overview reads pass storetest's
// linearizability check. SQLite transactions are serializable: one writer at
// a time.
//
// When the outermost InTx fails with a serialization failure or a deadlock
// (PostgreSQL SQLSTATE 40001, 40P01) or a busy database (SQLITE_BUSY, once
// busy_timeout has run out), the transaction is rolled back and fn runs again,
// up to 5 times in all, after a short jittered backoff (1 ms, doubling). So fn
// may run more than once: it must re-read what it writes, as the services do,
// and keep no state across runs. A Store method called outside InTx runs as
// one statement, or in a short transaction of its own, and is retried the
// same way. A ctx that is done ends the transaction with a rollback.
//
// # Round trips
//
// A command costs a constant number of statements, however many numbers it
// writes. On PostgreSQL, CreateNumbers and UpdateNumbers are one statement
// each (arrays unnested on the server, the holders and the holder history
// written in the same statement), as are AppendEvents, CreateRecords, DeleteRecords,
// CreateEmployee, UpdateEmployee (inside InTx, one that changes the e-mail
// address runs again in a savepoint: four), DeleteEmployee, ClaimDeliveries,
// FinishDeliveries (a whole batch) and every read: FindNumbers, FindEmployees, FindRecords and
// FindDeliveries return the page and the total count at once; SaveSettings
// and SaveBlocklist (an INSERT ... ON CONFLICT DO NOTHING to create, an
// UPDATE of the expected version that also tells why it wrote nothing) and
// DeleteSettings (for any number of numbers) are one statement each;
// Write (numbers.Writer) verifies the command's actor, deletes the routing
// settings and appends the events in UpdateNumbers' statement, which is a
// transaction of its own (numbers.SoloWriter), so that a swap costs 2
// round trips: its read by ID and its write, no BEGIN and COMMIT. AppendEvents and CreateRecords never probe for existing IDs:
// in autocommit the unique key refuses a duplicate, in a transaction ON
// CONFLICT DO NOTHING skips it and the others are deleted again, both
// served by the unique index whatever the planner's statistics. The
// statements of every command of numbers.Service are pinned by
// TestCommandStatements (make statements). On SQLite,
// multi-row statements carry up to 1000 rows each; UpdateNumbers reads, then
// writes the numbers (and the holders that changed, and the holder
// periods it records); CreateEmployee,
// UpdateEmployee are one statement when they write, and take a second to
// tell why when they do not, as does an update by SaveSettings or
// SaveBlocklist; ClaimDeliveries is one, FinishDeliveries one per 1000
// outcomes.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
)

var (
	_ store.Store    = (*Store)(nil)
	_ numbers.Writer = (*Store)(nil)
)

// Dialect is the SQL dialect of the database behind a Store.
type Dialect int

// The dialects.
const (
	// SQLite is SQLite 3.44 or later, via modernc.org/sqlite (driver
	// "sqlite").
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL 13 or later, via github.com/jackc/pgx/v5/stdlib
	// (driver "pgx").
	Postgres
)

// String returns "sqlite" or "postgres".
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// SQLiteDSN returns the modernc.org/sqlite data source name of the database
// file at path, with the settings the store expects: busy_timeout 10 s
// (applied first, so that the other pragmas wait for locks too), WAL, foreign
// keys on, synchronous FULL (billing and consent records must be durable), and
// _txlock=immediate for transactions begun through database/sql. Open it with
// sql.Open("sqlite", SQLiteDSN(path)).
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q["_pragma"] = []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"}
	// Encode keeps the order of the _pragma values; the keys are sorted.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Store is the SQL backend. Create it with New; it is safe for concurrent
// use.
type Store struct {
	db *sql.DB
	d  Dialect

	// stmts counts the statements sent to the database (tests read it).
	stmts atomic.Int64
	// trace, if set (by tests, before use), sees every statement of exec
	// and query.
	trace func(query string, args []any)

	// SQLite: prepared statements by SQL text. Preparing is most of the
	// cost of a small query (a read by ID: 62 µs unprepared, 13 µs
	// prepared); pgx caches PostgreSQL's statements itself.
	cacheMu sync.Mutex
	cache   map[string]*sql.Stmt
	pending map[string]bool // being prepared by prepareLater
	closed  bool
}

// New returns a Store over db, an open database of dialect d. The caller
// imports and registers the driver (the SDK never does) and keeps owning db.
// Call Migrate before the first use. Keep one Store per database: on SQLite
// it caches prepared statements until Close. New panics on an unknown
// dialect.
func New(db *sql.DB, d Dialect) *Store {
	if d != SQLite && d != Postgres {
		panic("sqlstore.New: unknown dialect " + d.String())
	}
	if db == nil {
		panic("sqlstore.New: nil *sql.DB")
	}
	return &Store{db: db, d: d}
}

// Close releases the statements the Store has prepared. It does not close
// the database, and the Store must not be used after. A program that keeps
// its Store as long as the database need not call it.
func (s *Store) Close() error {
	s.cacheMu.Lock()
	cache := s.cache
	s.cache, s.closed = nil, true
	s.cacheMu.Unlock()
	// Closed outside cacheMu: see closeStmt.
	var errs []error
	for _, st := range cache {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// closeStmt closes a prepared statement the cache does not keep. Callers
// must not hold cacheMu: closing waits for every connection the statement
// was prepared on, and on SQLite such a connection may be busy waiting for
// the write lock, held by a transaction that waits for cacheMu to run its
// next statement (a deadlock until busy_timeout).
func closeStmt(st *sql.Stmt) {
	if st != nil {
		_ = st.Close()
	}
}

// querier is what a statement runs on: the pool or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Statement cache limits: statements with many arguments (the multi-row
// VALUES of bulk writes) are not worth keeping, and a full cache keeps what
// it has.
const (
	cacheMaxArgs  = 64
	cacheMaxStmts = 256
)

// prepared returns the cached prepared statement for query on q, or nil if
// it is not to be cached.
func (s *Store) prepared(ctx context.Context, q querier, query string, nargs int) *sql.Stmt {
	if s.d != SQLite || nargs > cacheMaxArgs {
		return nil
	}
	s.cacheMu.Lock()
	st := s.cache[query]
	full := len(s.cache) >= cacheMaxStmts || s.closed
	s.cacheMu.Unlock()
	if st == nil {
		if full {
			return nil
		}
		if _, ok := q.(*sql.Tx); ok {
			// Preparing on the pool would wait for a second connection,
			// forever if the pool has one: run it unprepared this time.
			s.prepareLater(query)
			return nil
		}
		var err error
		if st, err = s.db.PrepareContext(ctx, query); err != nil {
			return nil // the caller runs it unprepared and reports the error
		}
		var spare *sql.Stmt // prepared twice (or after Close): closed outside cacheMu
		s.cacheMu.Lock()
		if old := s.cache[query]; old != nil || s.closed {
			spare, st = st, old
		} else {
			if s.cache == nil {
				s.cache = make(map[string]*sql.Stmt)
			}
			s.cache[query] = st
		}
		s.cacheMu.Unlock()
		closeStmt(spare)
		if st == nil {
			return nil
		}
	}
	if tx, ok := q.(*sql.Tx); ok {
		// Reuses the statement prepared on the transaction's connection;
		// released with the transaction.
		return tx.StmtContext(ctx, st)
	}
	return st
}

// prepareLater prepares query on the pool in the background, once a
// connection is free, and caches it.
func (s *Store) prepareLater(query string) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.pending[query] || s.closed {
		return
	}
	if s.pending == nil {
		s.pending = make(map[string]bool)
	}
	s.pending[query] = true
	go func() {
		st, err := s.db.PrepareContext(context.Background(), query)
		if err != nil {
			st = nil
		}
		s.cacheMu.Lock()
		delete(s.pending, query)
		if st != nil && !s.closed && s.cache[query] == nil && len(s.cache) < cacheMaxStmts {
			if s.cache == nil {
				s.cache = make(map[string]*sql.Stmt)
			}
			s.cache[query], st = st, nil
		}
		s.cacheMu.Unlock()
		closeStmt(st) // not kept: closed outside cacheMu
	}()
}

// exec runs a statement and counts it.
func (s *Store) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	s.stmts.Add(1)
	if s.trace != nil {
		s.trace(query, args)
	}
	if st := s.prepared(ctx, q, query, len(args)); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.ExecContext(ctx, query, args...)
}

// query runs a query and counts it.
func (s *Store) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	s.stmts.Add(1)
	if s.trace != nil {
		s.trace(query, args)
	}
	if st := s.prepared(ctx, q, query, len(args)); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, query, args...)
}

// ---------------------------------------------------------------------------
// Transactions

// txKey is the context key of a transaction of one Store.
type txKey struct{ s *Store }

// txState is a running InTx. mu serializes the calls made with its ctx
// (fn may use it from several goroutines).
type txState struct {
	mu     sync.Mutex
	db     *dbTx
	done   bool
	broken error // PostgreSQL: the error that aborted the transaction
	sp     int   // savepoints made so far, for unique names
}

func (s *Store) txFrom(ctx context.Context) *txState {
	t, _ := ctx.Value(txKey{s}).(*txState)
	return t
}

// dbTx is one database transaction.
type dbTx struct {
	q  querier
	tx *sql.Tx
}

// sqliteWriteLock is a write that writes nothing: as the first statement of
// a transaction it takes SQLite's write lock (waiting for it under
// busy_timeout), so that every transaction is IMMEDIATE whatever the DSN's
// _txlock says. A deferred transaction that reads first and writes later
// fails with SQLITE_BUSY, without waiting, if another writer came first.
const sqliteWriteLock = "UPDATE schema_migrations SET version = version WHERE 0"

// begin starts a database transaction; on SQLite it holds the write lock.
func (s *Store) begin(ctx context.Context) (*dbTx, error) {
	s.stmts.Add(1)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if s.d == SQLite {
		if _, err := s.exec(ctx, tx, sqliteWriteLock); err != nil {
			_ = tx.Rollback()
			return nil, err
		}
	}
	return &dbTx{q: tx, tx: tx}, nil
}

// commit commits t (database/sql rolls back a failed COMMIT).
func (s *Store) commit(t *dbTx) error {
	s.stmts.Add(1)
	if err := t.tx.Commit(); err != nil {
		return commitError{err}
	}
	return nil
}

// commitError is an error of COMMIT itself. If the connection was lost
// there, the outcome is unknown, so it is not retried as a lost connection.
type commitError struct{ error }

func (e commitError) Unwrap() error { return e.error }

// rollback rolls t back. database/sql closes a connection it cannot roll
// back, so none goes back to the pool inside a transaction.
func (s *Store) rollback(t *dbTx) {
	s.stmts.Add(1)
	_ = t.tx.Rollback() // sql.ErrTxDone if database/sql did it already (ctx done)
}

// maxAttempts bounds the runs of a transaction that fails with a retryable
// error.
const maxAttempts = 5

// backoff waits before attempt (1, 2, ...) of a retried transaction: about
// 1 ms, doubling, jittered by ±50%. It returns early if ctx is done.
func backoff(ctx context.Context, attempt int) {
	d := time.Millisecond << (attempt - 1)
	d = d/2 + rand.N(d)
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
	case <-tm.C:
	}
}

// InTx runs fn in a database transaction; see the store package for the
// semantics and this package's documentation for isolation and retries. A
// nested call joins the running transaction as a savepoint. fn may run again
// (up to 5 times in all) when the transaction fails with a serialization
// failure, a deadlock or a busy database, or loses its connection before
// COMMIT (then the server has rolled it back). A COMMIT whose connection is
// lost is not run again: its outcome is unknown, and the error says so;
// callers retry with their idempotency key.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	const op = "sqlstore.InTx"
	if fn == nil {
		return numberdesk.E(numberdesk.CodeInvalid, op, "fn", "Die Funktion fehlt.")
	}
	if err := ctx.Err(); err != nil {
		return numberdesk.Internal(op, err)
	}
	if t := s.txFrom(ctx); t != nil {
		return s.nestedTx(ctx, t, fn)
	}
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, op, fn)
		if err == nil || attempt == maxAttempts || !(retryable(err) || lostBeforeCommit(err)) || ctx.Err() != nil {
			return err
		}
		backoff(ctx, attempt)
	}
}

// runTx is one run of an outermost InTx.
func (s *Store) runTx(ctx context.Context, op string, fn func(ctx context.Context) error) (err error) {
	dt, err := s.begin(ctx)
	if err != nil {
		return numberdesk.Internal(op, err)
	}
	t := &txState{db: dt}
	finished := false
	defer func() {
		if finished {
			return
		}
		// fn failed or panicked: roll back (the panic goes on).
		t.mu.Lock()
		t.done = true
		t.mu.Unlock()
		s.rollback(dt)
	}()
	if err := fn(context.WithValue(ctx, txKey{s}, t)); err != nil {
		return err
	}
	t.mu.Lock()
	t.done = true
	broken := t.broken
	t.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return numberdesk.Internal(op, err)
	}
	if broken != nil {
		return numberdesk.Internal(op, fmt.Errorf("the transaction was aborted by an earlier error: %w", broken))
	}
	finished = true
	if err := s.commit(dt); err != nil {
		return numberdesk.Internal(op, err)
	}
	return nil
}

// nestedTx runs fn inside the running transaction t as a savepoint.
func (s *Store) nestedTx(ctx context.Context, t *txState, fn func(ctx context.Context) error) error {
	const op = "sqlstore.InTx"
	t.mu.Lock()
	name, err := s.savepoint(ctx, op, t)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.done {
			return
		}
		if !ok {
			s.rollbackTo(ctx, t, name)
			return
		}
		s.release(ctx, t, name)
	}()
	if err := fn(ctx); err != nil {
		return err
	}
	ok = true
	return nil
}

// savepoint makes a savepoint in t (locked) and returns its name. Errors
// are *numberdesk.Error for op.
func (s *Store) savepoint(ctx context.Context, op string, t *txState) (string, error) {
	if err := t.usable(op); err != nil {
		return "", err
	}
	t.sp++
	name := "sp" + strconv.Itoa(t.sp)
	if _, err := s.exec(ctx, t.db.q, "SAVEPOINT "+name); err != nil {
		t.fail(s, err)
		return "", numberdesk.Internal(op, err)
	}
	return name, nil
}

// rollbackTo undoes everything since savepoint name of t (locked) and drops
// the savepoint. It also ends an abort that happened after the savepoint.
func (s *Store) rollbackTo(ctx context.Context, t *txState, name string) {
	ctx = context.WithoutCancel(ctx)
	if _, err := s.exec(ctx, t.db.q, "ROLLBACK TO SAVEPOINT "+name); err != nil {
		t.fail(s, err)
		if t.broken == nil {
			t.broken = err
		}
		return
	}
	t.broken = nil
	s.release(ctx, t, name)
}

// release drops savepoint name of t (locked), keeping its writes.
func (s *Store) release(ctx context.Context, t *txState, name string) {
	if _, err := s.exec(ctx, t.db.q, "RELEASE SAVEPOINT "+name); err != nil {
		t.fail(s, err)
	}
}

// usable reports whether t (locked) can take another statement.
func (t *txState) usable(op string) error {
	if t.done {
		return store.ErrTxDone(op)
	}
	if t.broken != nil {
		return numberdesk.Internal(op, fmt.Errorf("the transaction was aborted by an earlier error: %w", t.broken))
	}
	return nil
}

// fail records that a statement of t (locked) failed outside a savepoint
// if that ended the transaction: on PostgreSQL every failure aborts it; on
// SQLite a full disk, an I/O error, a lack of memory, a busy database or an
// interrupt (a ctx done mid-statement) may roll it back, and the following
// statements would run outside any transaction.
func (t *txState) fail(s *Store, err error) {
	if t.broken != nil {
		return
	}
	if s.d == Postgres {
		t.broken = err
		return
	}
	switch sqliteCode(err) & 0xff {
	case sqliteBusy, 7, 9, 10, 11, 13: // BUSY, NOMEM, INTERRUPT, IOERR, CORRUPT, FULL
		t.broken = err
		return
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.broken = err
	}
}

// call is the context of one Store method: where its statements go.
type call struct {
	s      *Store
	q      querier
	t      *txState // the caller's transaction (InTx), or nil
	sp     string   // the savepoint atomic made in t, if any
	failed error    // a database error the call turned into a *numberdesk.Error
}

// decided records that the database failed with err, which the call reports
// as an outcome (e.g. a unique violation as CodeConflict), and returns
// outcome. Without a savepoint, such a failure still aborts a PostgreSQL
// transaction.
func (c *call) decided(err, outcome error) error {
	if c.failed == nil {
		c.failed = err
	}
	return outcome
}

func (c *call) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.s.exec(ctx, c.q, query, args...)
}

// execCount runs a statement and returns how many rows it affected.
func (c *call) execCount(ctx context.Context, query string, args []any) (int, error) {
	res, err := c.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// insertOnce runs an INSERT … ON CONFLICT DO NOTHING of one row: when no row
// was inserted (the key exists) it returns conflict.
func (c *call) insertOnce(ctx context.Context, query string, args []any, conflict error) error {
	res, err := c.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return conflict
	}
	return nil
}

func (c *call) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.s.query(ctx, c.q, query, args...)
}

// atomic makes the statements that follow, up to the end of the call, one
// unit within the caller's transaction: a savepoint, rolled back if the call
// fails. A write calls it before several statements that must stand or fall
// together, and, on PostgreSQL, before a statement that may fail with an
// error the caller is to handle (such as a unique violation), since that
// would abort the whole transaction. Outside InTx it does nothing: there a
// write runs as one statement or in a transaction of its own.
func (c *call) atomic(ctx context.Context) error {
	if c.t == nil || c.sp != "" {
		return nil
	}
	name, err := c.s.savepoint(ctx, "", c.t)
	if err != nil {
		return err
	}
	c.sp = name
	return nil
}

// read runs fn, a read, in the ctx's transaction or on the pool. fn returns
// *numberdesk.Error values as they are and database errors raw; read wraps
// the latter as CodeInternal.
func (s *Store) read(ctx context.Context, op string, fn func(c *call) error) error {
	if err := ctx.Err(); err != nil {
		return numberdesk.Internal(op, err)
	}
	if t := s.txFrom(ctx); t != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		if err := t.usable(op); err != nil {
			return err
		}
		err := fn(&call{s: s, q: t.db.q, t: t})
		if err != nil && !isSDKError(err) {
			t.fail(s, err)
		}
		return numberdesk.Internal(op, err)
	}
	for attempt := 1; ; attempt++ {
		err := fn(&call{s: s, q: s.db})
		// A read can always run again: also after a lost connection (a
		// pooled connection whose server backend ended while it was idle).
		if err == nil || attempt == maxAttempts || !(retryable(err) || lostConnection(err)) || ctx.Err() != nil {
			return numberdesk.Internal(op, err)
		}
		backoff(ctx, attempt)
	}
}

// write runs fn, a write, so that it is all or none and a failure leaves a
// surrounding transaction usable. In the ctx's transaction, fn protects
// itself with call.atomic where needed. Outside, it runs on the pool (a
// single statement), or in a transaction of its own if ownTx; either way it
// is retried on retryable errors.
func (s *Store) write(ctx context.Context, op string, ownTx bool, fn func(c *call) error) error {
	if err := ctx.Err(); err != nil {
		return numberdesk.Internal(op, err)
	}
	if t := s.txFrom(ctx); t != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		if err := t.usable(op); err != nil {
			return err
		}
		c := &call{s: s, q: t.db.q, t: t}
		err := fn(c)
		switch {
		case c.sp != "" && err != nil:
			s.rollbackTo(ctx, t, c.sp)
		case c.sp != "":
			s.release(ctx, t, c.sp)
		case c.failed != nil:
			t.fail(s, c.failed)
		case err != nil && !isSDKError(err):
			t.fail(s, err)
		}
		return numberdesk.Internal(op, err)
	}
	for attempt := 1; ; attempt++ {
		var err error
		retry := retryable
		if ownTx {
			err = s.ownTx(ctx, fn)
			retry = func(err error) bool { return retryable(err) || lostBeforeCommit(err) }
		} else {
			err = fn(&call{s: s, q: s.db}) // a lost connection leaves its outcome unknown: no retry
		}
		if err == nil || attempt == maxAttempts || !retry(err) || ctx.Err() != nil {
			return numberdesk.Internal(op, err)
		}
		backoff(ctx, attempt)
	}
}

// ownTx runs fn in a transaction of its own.
func (s *Store) ownTx(ctx context.Context, fn func(c *call) error) (err error) {
	dt, err := s.begin(ctx)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			s.rollback(dt)
		}
	}()
	if err := fn(&call{s: s, q: dt.q}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	done = true
	return s.commit(dt)
}

// ---------------------------------------------------------------------------
// Errors

// isSDKError reports whether err is an *numberdesk.Error (a decided outcome,
// not a database failure).
func isSDKError(err error) bool {
	var e *numberdesk.Error
	return errors.As(err, &e)
}

// sqlState returns the SQLSTATE of a PostgreSQL error (pgconn.PgError and
// lib/pq's Error have the method), or "".
// onEvents reports whether a unique violation is one of the events table's
// keys. The store does not import the driver, so it reads the constraint
// from the message PostgreSQL words in every locale with the quoted name
// (events_pkey, events_tenant_id_id_key).
func onEvents(err error) bool {
	return err != nil && strings.Contains(err.Error(), `"events_`)
}

func sqlState(err error) string {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState()
	}
	return ""
}

// sqliteCode returns the extended result code of a modernc.org/sqlite error,
// or 0.
func sqliteCode(err error) int {
	var e interface{ Code() int }
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// SQLite result codes (https://www.sqlite.org/rescode.html).
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteConstraintPK     = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintUnique = 2067 // SQLITE_CONSTRAINT_UNIQUE
)

// isUnique reports whether err is a unique or primary key violation.
func isUnique(err error) bool {
	if sqlState(err) == "23505" {
		return true
	}
	switch sqliteCode(err) {
	case sqliteConstraintPK, sqliteConstraintUnique:
		return true
	}
	return false
}

// isBadText reports whether PostgreSQL refused a value as text or JSON: NUL
// bytes, invalid UTF-8, \u0000 in jsonb, malformed JSON.
func isBadText(err error) bool {
	switch sqlState(err) {
	case "22021", "22P05", "22P02", "22025":
		return true
	}
	return false
}

// retryable reports whether err (anywhere in its chain) says that the
// transaction lost a race it may win when run again.
// lostConnection reports whether err says the connection to the server was
// lost: the server ended the backend (SQLSTATE 57P01 and the like, class
// 08), or the connection broke. The server has then rolled back whatever
// transaction ran on it.
func lostConnection(err error) bool {
	if err == nil {
		return false
	}
	st := sqlState(err)
	return st == "57P01" || st == "57P02" || st == "57P03" || strings.HasPrefix(st, "08") ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// lostBeforeCommit reports whether a transaction failed because its
// connection was lost before COMMIT was sent: then nothing of it happened
// and it may run again.
func lostBeforeCommit(err error) bool {
	var c commitError
	return lostConnection(err) && !errors.As(err, &c)
}

func retryable(err error) bool {
	if err == nil {
		return false
	}
	switch sqlState(err) {
	case "40001", "40P01":
		return true
	}
	switch sqliteCode(err) & 0xff {
	case sqliteBusy, sqliteLocked:
		return true
	}
	return false
}

func errBadText(op, field string) error {
	return numberdesk.E(numberdesk.CodeInvalid, op, field, "Die Eingabe enthält ungültige Zeichen.")
}

// textOK reports whether the database can store s as text: everything on
// SQLite; valid UTF-8 without NUL bytes on PostgreSQL.
func (s *Store) textOK(v string) bool {
	return s.d == SQLite || utf8.ValidString(v) && !strings.ContainsRune(v, 0)
}

// ---------------------------------------------------------------------------
// Times

// timeArg returns t as a statement argument: NULL for the zero time, UTC
// microseconds on SQLite, the time itself on PostgreSQL (stored to the
// microsecond).
func (s *Store) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if s.d == SQLite {
		return t.UnixMicro()
	}
	return t
}

// instantArg returns t as a statement argument for a column that is never
// NULL: the zero time is year 1 (UTC microseconds -62135596800000000 on
// SQLite), which sorts and compares before every other time.
func (s *Store) instantArg(t time.Time) any {
	if s.d == SQLite {
		return t.UnixMicro()
	}
	return t.UTC()
}

// timeCol scans a time column: NULL is the zero time; times come back in UTC.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	case time.Time:
		*c.t = v.UTC()
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a time", src)
	}
	if c.t.IsZero() {
		*c.t = time.Time{} // year 1, see instantArg
	}
	return nil
}

// ---------------------------------------------------------------------------
// Statement building

// args collects the arguments of a statement and writes their placeholders:
// $1, $2, ... on PostgreSQL, ? on SQLite, so the statement text must have
// them in the order of the add calls. (Numbered ?NNN parameters would be
// named ones for SQLite, and modernc's binding looks each name up in a list:
// quadratic in the number of parameters of a multi-row VALUES.)
type args struct {
	d    Dialect
	list []any
}

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	a.list = append(a.list, v)
	if a.d == Postgres {
		return "$" + strconv.Itoa(len(a.list))
	}
	return "?"
}

// valuesRow appends one row of a VALUES list: "(?, ?, ...)".
func (a *args) valuesRow(b *strings.Builder, vs ...any) {
	b.WriteByte('(')
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.add(v))
	}
	b.WriteByte(')')
}

// chunkRows is the most rows one multi-row SQLite statement carries; with at
// most 17 arguments a row that stays far below SQLite's limit of 32766.
const chunkRows = 1000

// chunks calls fn for consecutive ranges [lo, hi) of n items, each at most
// chunkRows long.
func chunks(n int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += chunkRows {
		if err := fn(lo, min(lo+chunkRows, n)); err != nil {
			return err
		}
	}
	return nil
}

// inList returns the condition "col is one of vs" (vs not empty) with its
// arguments: = ANY(array) on PostgreSQL; on SQLite IN over json_each of one
// JSON array, so that the statement text does not depend on the number of
// values, for values that survive JSON exactly (valid UTF-8 without NUL), and
// a placeholder each for the others.
func (s *Store) inList(a *args, col string, vs []string) string {
	if s.d == Postgres {
		return col + " = ANY(" + a.add(vs) + "::text[])"
	}
	var plain, odd []string
	for _, v := range vs {
		if jsonExact(v) {
			plain = append(plain, v)
		} else {
			odd = append(odd, v)
		}
	}
	var conds []string
	if len(plain) > 0 {
		b, _ := json.Marshal(plain)
		conds = append(conds, col+" IN (SELECT value FROM json_each("+a.add(string(b))+"))")
	}
	if len(odd) > 0 {
		ph := make([]string, len(odd))
		for i, v := range odd {
			ph[i] = a.add(v)
		}
		conds = append(conds, col+" IN ("+strings.Join(ph, ", ")+")")
	}
	if len(conds) == 1 {
		return conds[0]
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// jsonExact reports whether v comes back from a JSON string unchanged in
// SQLite's json_each: valid UTF-8 without NUL.
func jsonExact(v string) bool {
	return utf8.ValidString(v) && !strings.ContainsRune(v, 0)
}

// distinct returns the values of vs that pass keep, without duplicates, in
// order.
func distinct[S ~string](vs []S, keep func(S) bool) []string {
	out := make([]string, 0, len(vs))
	seen := make(map[S]bool, len(vs))
	for _, v := range vs {
		if !seen[v] && keep(v) {
			seen[v] = true
			out = append(out, string(v))
		}
	}
	return out
}

// limitArg is the LIMIT argument of limit (0: none).
func (s *Store) limitArg(limit int) any {
	if limit > 0 {
		return limit
	}
	if s.d == SQLite {
		return -1
	}
	return nil // PostgreSQL: LIMIT NULL is no limit
}

// count runs a query of one count into total.
func (s *Store) count(ctx context.Context, c *call, q string, argv []any, total *int) error {
	rows, err := c.query(ctx, q, argv...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(total); err != nil {
			return err
		}
	}
	return rows.Err()
}

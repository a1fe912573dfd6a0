package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// migrationFiles are the schema migrations: migrations/<dialect>/NNNN_name.sql,
// applied in the order of NNNN, each once, never edited after a release.
//
//go:embed migrations
var migrationFiles embed.FS

// migration is one schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the migrations of dialect d in order.
func migrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", d.String())
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %s: the name must start with a positive number", e.Name())
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("sqlstore: two migrations numbered %d", ms[i].version)
		}
	}
	return ms, nil
}

// Migrate brings the database schema up to date: it applies, in one
// transaction, the embedded migrations the database has not seen yet, and
// records them in the table schema_migrations. Migrations only go forward; a
// database migrated by a newer release keeps its newer migrations. Running
// Migrate again is a no-op; several processes may run it at once (PostgreSQL:
// they queue on a transaction-level advisory lock per schema; SQLite: on the
// write lock).
func (s *Store) Migrate(ctx context.Context) error {
	const op = "sqlstore.Migrate"
	ms, err := migrations(s.d)
	if err != nil {
		return numberdesk.Internal(op, err)
	}
	for attempt := 1; ; attempt++ {
		var err error
		if s.d == SQLite {
			// The table first, on its own: every transaction's first
			// statement, sqliteWriteLock, writes to it. (On PostgreSQL
			// two CREATE TABLE IF NOT EXISTS may collide: there it waits
			// for the advisory lock, in the transaction.)
			_, err = s.exec(ctx, s.db, migrationsTable(s.d))
		}
		if err == nil {
			err = s.ownTx(ctx, func(c *call) error { return s.migrate(ctx, c, ms) })
		}
		if err == nil || attempt == maxAttempts || !retryable(err) || ctx.Err() != nil {
			return numberdesk.Internal(op, err)
		}
		backoff(ctx, attempt)
	}
}

// migrationsTable is the statement that creates the table of applied
// migrations.
func migrationsTable(d Dialect) string {
	applied := "integer" // UTC microseconds
	if d == Postgres {
		applied = "timestamptz"
	}
	return "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at " + applied + " NOT NULL)"
}

// migrate applies the migrations ms that the database lacks, in c's
// transaction (SQLite: which holds the write lock).
func (s *Store) migrate(ctx context.Context, c *call, ms []migration) error {
	if s.d == Postgres {
		// Serializes concurrent Migrate calls on this schema until commit.
		if _, err := c.exec(ctx, "SELECT pg_advisory_xact_lock(1316315717, hashtext(current_schema()))"); err != nil {
			return err
		}
		if _, err := c.exec(ctx, migrationsTable(s.d)); err != nil {
			return err
		}
	}
	rows, err := c.query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return err
	}
	done := make(map[int]bool)
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		done[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range ms {
		if done[m.version] {
			continue
		}
		if _, err := c.exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		a := &args{d: s.d}
		q := "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" + a.add(m.version) + ", " + a.add(m.name) + ", " + a.add(s.timeArg(time.Now())) + ")"
		if _, err := c.exec(ctx, q, a.list...); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

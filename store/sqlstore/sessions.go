package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/numberdesk/numberdesk"
)

// ---------------------------------------------------------------------------
// Cookie sessions
//
// sessions (migration 0010) keeps the login sessions of the server mode,
// one row per session keyed by the hash of its ID (never the ID): the
// methods below are httpapi.SessionStore, so that every server process
// sharing the database accepts the sessions of the others and sees their
// logouts. The package does not import httpapi; the interface is satisfied
// structurally. Each method is one statement; the purge is served by the
// index on expires_at.

// CreateSession stores s (its times to the microsecond, truncated):
// CodeInvalid if s fails its CheckWrite, CodeConflict (Field "hash") if a
// session with the hash exists. One
// statement, which cannot fail on a duplicate (INSERT ... ON CONFLICT DO
// NOTHING), so it needs no savepoint.
func (s *Store) CreateSession(ctx context.Context, ss *numberdesk.StoredSession) error {
	const op = "sqlstore.CreateSession"
	if err := ss.CheckWrite(op); err != nil {
		return err
	}
	return s.write(ctx, op, false, func(c *call) error {
		a := &args{d: s.d}
		q := "INSERT INTO sessions (hash, tenant_id, staff_id, created_at, expires_at) VALUES (" +
			a.add(ss.Hash) + ", " + a.add(string(ss.Tenant)) + ", " + a.add(string(ss.Staff)) + ", " +
			a.add(s.instantArg(ss.CreatedAt.Truncate(time.Microsecond))) + ", " + a.add(s.instantArg(ss.ExpiresAt.Truncate(time.Microsecond))) + ") ON CONFLICT (hash) DO NOTHING"
		return c.insertOnce(ctx, q, a.list, numberdesk.E(numberdesk.CodeConflict, op, "hash", "Die Sitzung besteht bereits."))
	})
}

// FindSession returns the session with the hash, expired or not, or
// CodeNotFound (also for a malformed hash, without a query). One query.
func (s *Store) FindSession(ctx context.Context, hash string) (*numberdesk.StoredSession, error) {
	const op = "sqlstore.FindSession"
	var out *numberdesk.StoredSession
	err := s.read(ctx, op, func(c *call) error {
		out = nil
		if !numberdesk.ValidSessionHash(hash) {
			return errSessionNotFound(op)
		}
		a := &args{d: s.d}
		rows, err := c.query(ctx, "SELECT hash, tenant_id, staff_id, created_at, expires_at FROM sessions WHERE hash = "+a.add(hash), a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			out, err = scanSession(rows)
			if err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if out == nil {
			return errSessionNotFound(op)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanSession scans a row of the sessions table's columns in their order.
func scanSession(rows *sql.Rows) (*numberdesk.StoredSession, error) {
	ss := &numberdesk.StoredSession{}
	var tenant, staffID string
	if err := rows.Scan(&ss.Hash, &tenant, &staffID, timeCol{&ss.CreatedAt}, timeCol{&ss.ExpiresAt}); err != nil {
		return nil, err
	}
	ss.Tenant, ss.Staff = numberdesk.TenantID(tenant), numberdesk.StaffID(staffID)
	return ss, nil
}

func errSessionNotFound(op string) error {
	return numberdesk.E(numberdesk.CodeNotFound, op, "hash", "Die Sitzung wurde nicht gefunden.")
}

// DeleteSession deletes the session with the hash; none is no error. One
// statement (none for a malformed hash).
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	const op = "sqlstore.DeleteSession"
	if !numberdesk.ValidSessionHash(hash) {
		return nil // never stored
	}
	return s.write(ctx, op, false, func(c *call) error {
		a := &args{d: s.d}
		_, err := c.exec(ctx, "DELETE FROM sessions WHERE hash = "+a.add(hash), a.list...)
		return err
	})
}

// DeleteExpiredSessions deletes the sessions of every tenant that have
// expired at now (expires_at not after now) and returns how many. One
// statement, served by the index on expires_at; several processes may run
// it at once.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	const op = "sqlstore.DeleteExpiredSessions"
	n := 0
	err := s.write(ctx, op, false, func(c *call) error {
		a := &args{d: s.d}
		var err error
		n, err = c.execCount(ctx, "DELETE FROM sessions WHERE expires_at <= "+a.add(s.instantArg(now.Truncate(time.Microsecond))), a.list)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

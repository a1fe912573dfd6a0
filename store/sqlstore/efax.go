package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/store"
)

// ---------------------------------------------------------------------------
// E-Fax-App credentials
//
// efax_credentials holds one row per login: unique per tenant by ID and by
// the pair of number and employee, and store-wide by username. A creation is
// an INSERT ... ON CONFLICT DO NOTHING (no row inserted: a key is taken,
// CodeConflict), an update an UPDATE of the row with the expected version
// (saveVersioned), so neither aborts a PostgreSQL transaction on the outcomes
// a caller handles. Every read is one statement.

// credentialCols are the columns scanCredential reads.
const credentialCols = "tenant_id, id, number_id, staff_id, username, status, generation, hash, sealed, issued_at, rotated_at, " +
	"delivered_at, revoked_at, reason, last_login_at, failures, locked_until, updated_at, version"

// scanCredential scans credentialCols.
func scanCredential(rows *sql.Rows) (*efax.StoredCredential, error) {
	c := &efax.StoredCredential{}
	var tenant, id, number, staffID, status, reason string
	if err := rows.Scan(&tenant, &id, &number, &staffID, &c.Username, &status, &c.Generation, &c.Hash, &c.Sealed,
		timeCol{&c.IssuedAt}, timeCol{&c.RotatedAt}, timeCol{&c.DeliveredAt}, timeCol{&c.RevokedAt}, &reason,
		timeCol{&c.LastLoginAt}, &c.Failures, timeCol{&c.LockedUntil}, timeCol{&c.UpdatedAt}, &c.Version); err != nil {
		return nil, err
	}
	c.Tenant, c.ID, c.Number, c.Staff = numberdesk.TenantID(tenant), efax.CredentialID(id), numberdesk.NumberID(number), numberdesk.StaffID(staffID)
	c.Status, c.Reason = efax.Status(status), efax.Reason(reason)
	if len(c.Sealed) == 0 {
		c.Sealed = nil
	}
	return c, nil
}

// findCredentials runs a query of credentialCols and returns its rows.
func (s *Store) findCredentials(ctx context.Context, c *call, q string, argv []any) ([]*efax.StoredCredential, error) {
	rows, err := c.query(ctx, q, argv...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*efax.StoredCredential{}
	for rows.Next() {
		cr, err := scanCredential(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cr)
	}
	return out, rows.Err()
}

// findOneCredential runs a query of at most one credential; CodeNotFound
// for none.
func (s *Store) findOneCredential(ctx context.Context, op, cond string, argv []any) (*efax.StoredCredential, error) {
	var out *efax.StoredCredential
	err := s.read(ctx, op, func(c *call) error {
		if cond == "" {
			return store.ErrCredentialNotFound(op) // never stored
		}
		cs, err := s.findCredentials(ctx, c, "SELECT "+credentialCols+" FROM efax_credentials WHERE "+cond, argv)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			return store.ErrCredentialNotFound(op)
		}
		out = cs[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindCredentialByID returns the tenant's credential, or CodeNotFound (also
// for malformed IDs and another tenant's credential). One query.
func (s *Store) FindCredentialByID(ctx context.Context, tenant numberdesk.TenantID, id efax.CredentialID) (*efax.StoredCredential, error) {
	a := &args{d: s.d}
	cond := ""
	if numberdesk.ValidID(tenant) && numberdesk.ValidID(id) {
		cond = "tenant_id = " + a.add(string(tenant)) + " AND id = " + a.add(string(id))
	}
	return s.findOneCredential(ctx, "sqlstore.FindCredentialByID", cond, a.list)
}

// FindCredentialByUsername returns the credential with exactly this
// username, of any tenant, or CodeNotFound. One query.
func (s *Store) FindCredentialByUsername(ctx context.Context, username string) (*efax.StoredCredential, error) {
	a := &args{d: s.d}
	cond := ""
	if username != "" && s.textOK(username) {
		cond = "username = " + a.add(username)
	}
	return s.findOneCredential(ctx, "sqlstore.FindCredentialByUsername", cond, a.list)
}

// FindCredentials returns the tenant's credentials matching f, sorted by
// username. One query.
func (s *Store) FindCredentials(ctx context.Context, tenant numberdesk.TenantID, f efax.CredentialFilter) ([]*efax.StoredCredential, error) {
	const op = "sqlstore.FindCredentials"
	out := []*efax.StoredCredential{}
	err := s.read(ctx, op, func(c *call) error {
		out = []*efax.StoredCredential{}
		if !numberdesk.ValidID(tenant) || f.Number != "" && !numberdesk.ValidID(f.Number) || f.Staff != "" && !numberdesk.ValidID(f.Staff) {
			return nil // never stored
		}
		a := &args{d: s.d}
		conds := []string{"tenant_id = " + a.add(string(tenant))}
		if f.Number != "" {
			conds = append(conds, "number_id = "+a.add(string(f.Number)))
		}
		if f.Staff != "" {
			conds = append(conds, "staff_id = "+a.add(string(f.Staff)))
		}
		if len(f.Statuses) > 0 {
			sts := distinct(f.Statuses, func(st efax.Status) bool { return st.Valid() })
			if len(sts) == 0 {
				return nil
			}
			conds = append(conds, s.inList(a, "status", sts))
		}
		var err error
		out, err = s.findCredentials(ctx, c, "SELECT "+credentialCols+" FROM efax_credentials WHERE "+
			strings.Join(conds, " AND ")+" ORDER BY username", a.list)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkCredential checks c as every backend does, and what the database
// can store.
func (s *Store) checkCredential(op string, c *efax.StoredCredential) error {
	if err := c.CheckWrite(op); err != nil {
		return err
	}
	if !s.textOK(string(c.Reason)) {
		return errBadText(op, "reason")
	}
	return nil
}

// sealedArg is the sealed secret as an argument: NULL for none.
func sealedArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateCredential stores c with Version 1 (in c too). CodeConflict (Field
// "id") if the ID or the pair of number and employee exists in the tenant,
// else (Field "username") if the username exists in any tenant. One
// statement, which cannot fail on a duplicate, so it needs no savepoint; on
// SQLite a refused insert takes a second one to tell why.
func (s *Store) CreateCredential(ctx context.Context, c *efax.StoredCredential) error {
	const op = "sqlstore.CreateCredential"
	if err := s.checkCredential(op, c); err != nil {
		return err
	}
	err := s.write(ctx, op, false, func(cl *call) error {
		for range raceRuns {
			a := &args{d: s.d}
			var b strings.Builder
			b.WriteString("INSERT INTO efax_credentials (" + credentialCols + ") VALUES ")
			a.valuesRow(&b, string(c.Tenant), string(c.ID), string(c.Number), string(c.Staff), c.Username, string(c.Status),
				c.Generation, c.Hash, sealedArg(c.Sealed), s.timeArg(c.IssuedAt), s.timeArg(c.RotatedAt), s.timeArg(c.DeliveredAt),
				s.timeArg(c.RevokedAt), string(c.Reason), s.timeArg(c.LastLoginAt), c.Failures, s.timeArg(c.LockedUntil),
				s.timeArg(c.UpdatedAt), 1)
			b.WriteString(" ON CONFLICT DO NOTHING")
			// What is taken (PostgreSQL: the EXISTS see the snapshot
			// before the insert).
			taken := "SELECT EXISTS (SELECT 1 FROM efax_credentials WHERE tenant_id = " + a.add(string(c.Tenant)) + " AND (id = " +
				a.add(string(c.ID)) + " OR (number_id = " + a.add(string(c.Number)) + " AND staff_id = " + a.add(string(c.Staff)) +
				"))), EXISTS (SELECT 1 FROM efax_credentials WHERE username = " + a.add(c.Username) + ")"
			var inserted, keyTaken, nameTaken bool
			if s.d == Postgres {
				q := "WITH ins AS (" + b.String() + " RETURNING 1) SELECT (SELECT count(*) FROM ins) > 0, t.* FROM (" + taken + ") t"
				if err := s.scanOne(ctx, cl, q, a.list, &inserted, &keyTaken, &nameTaken); err != nil {
					return err
				}
			} else {
				n := len(a.list) - 5 // the insert's arguments
				res, err := cl.exec(ctx, b.String(), a.list[:n]...)
				if err != nil {
					return err
				}
				rows, err := res.RowsAffected()
				if err != nil {
					return err
				}
				if inserted = rows == 1; !inserted {
					if err := s.scanOne(ctx, cl, taken, a.list[n:], &keyTaken, &nameTaken); err != nil {
						return err
					}
				}
			}
			switch {
			case inserted:
				return nil
			case keyTaken:
				return store.ErrCredentialExists(op)
			case nameTaken:
				return store.ErrUsernameTaken(op)
			}
			// A concurrent transaction took a key after the statement's
			// snapshot, or freed it again: look again.
		}
		return fmt.Errorf("sqlstore: credential %s: insert refused %d times without a conflicting row", c.ID, raceRuns)
	})
	if err != nil {
		return err
	}
	c.Version = 1
	return nil
}

// UpdateCredential writes c if it carries the stored Version (CodeConflict,
// Field "version", otherwise; CodeNotFound if the tenant has no such
// credential), keeping the stored number, employee, username and issue
// time, and increments the Version (in c too). One statement (on SQLite a
// refused update takes a second to tell why).
func (s *Store) UpdateCredential(ctx context.Context, c *efax.StoredCredential) error {
	const op = "sqlstore.UpdateCredential"
	if err := s.checkCredential(op, c); err != nil {
		return err
	}
	version := c.Version
	if version <= 0 {
		version = -1 // never stored: stale, or not found
	}
	err := s.write(ctx, op, false, func(cl *call) error {
		return s.saveVersioned(ctx, cl, versionedRow{
			table:   "efax_credentials",
			keyCols: []string{"tenant_id", "id"},
			keyArgs: []any{string(c.Tenant), string(c.ID)},
			valCols: []string{"status", "generation", "hash", "sealed", "rotated_at", "delivered_at", "revoked_at", "reason",
				"last_login_at", "failures", "locked_until", "updated_at"},
			valArgs: []any{string(c.Status), c.Generation, c.Hash, sealedArg(c.Sealed), s.timeArg(c.RotatedAt), s.timeArg(c.DeliveredAt),
				s.timeArg(c.RevokedAt), string(c.Reason), s.timeArg(c.LastLoginAt), c.Failures, s.timeArg(c.LockedUntil), s.timeArg(c.UpdatedAt)},
			version:  version,
			notFound: func() error { return store.ErrCredentialNotFound(op) },
			stale:    func() error { return store.ErrCredentialStale(op) },
		})
	})
	if err != nil {
		return err
	}
	c.Version++
	return nil
}

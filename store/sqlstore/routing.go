package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store"
)

// ---------------------------------------------------------------------------
// Routing settings and block lists
//
// routing_settings holds a number's plan and overrides, blocklists a tenant's
// block list, each as JSON (jsonb on PostgreSQL, text on SQLite) with the
// time of the last save and a version. Every read is one statement. A save is
// one statement that cannot fail on the outcomes a caller handles, so it
// needs no savepoint: a creation is an INSERT ... ON CONFLICT DO NOTHING (no
// row inserted: the row exists, CodeConflict); an update is an UPDATE of the
// row with the expected version. On PostgreSQL the update statement also
// tells why it wrote nothing (no row: CodeNotFound; else CodeConflict); on
// SQLite a second statement does, only then. A delete is one statement.

// encodeJSON encodes v for a JSON column; CodeInvalid (field) if it cannot
// be encoded or, on PostgreSQL, holds a NUL character (jsonb refuses
// \u0000).
func (s *Store) encodeJSON(op, field string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", store.ErrRoutingEncoding(op, field)
	}
	if s.d == Postgres && hasJSONNul(b) {
		return "", errBadText(op, field)
	}
	return string(b), nil
}

// hasJSONNul reports whether the JSON text b has an escaped NUL (\u0000
// not preceded by an escaping backslash).
func hasJSONNul(b []byte) bool {
	for i := 0; i+6 <= len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if string(b[i:i+6]) == `\u0000` {
			return true
		}
		i++ // skip the escaped character
	}
	return false
}

// versionedRow is a row of routing_settings or blocklists to save: its key
// and value columns and arguments.
type versionedRow struct {
	table    string
	keyCols  []string
	keyArgs  []any
	valCols  []string
	valArgs  []any
	version  int64 // the expected stored version, 0 to create
	notFound func() error
	stale    func() error
}

// save writes r with the version rules of routing.Store; nil on success.
func (s *Store) saveVersioned(ctx context.Context, c *call, r versionedRow) error {
	a := &args{d: s.d}
	var b strings.Builder
	if r.version == 0 {
		b.WriteString("INSERT INTO " + r.table + " (" + strings.Join(r.keyCols, ", ") + ", " + strings.Join(r.valCols, ", ") + ", version) VALUES ")
		a.valuesRow(&b, append(append(append([]any{}, r.keyArgs...), r.valArgs...), 1)...)
		b.WriteString(" ON CONFLICT DO NOTHING")
		res, err := c.exec(ctx, b.String(), a.list...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return r.stale()
		}
		return nil
	}
	keyCond := func(a *args) string {
		conds := make([]string, len(r.keyCols))
		for i, col := range r.keyCols {
			conds[i] = col + " = " + a.add(r.keyArgs[i])
		}
		return strings.Join(conds, " AND ")
	}
	b.WriteString("UPDATE " + r.table + " SET ")
	for i, col := range r.valCols {
		b.WriteString(col + " = " + a.add(r.valArgs[i]) + ", ")
	}
	b.WriteString("version = version + 1 WHERE " + keyCond(a) + " AND version = " + a.add(r.version))
	if s.d == Postgres {
		// The EXISTS sees the snapshot before the update.
		q := "WITH upd AS (" + b.String() + " RETURNING 1) SELECT (SELECT count(*) FROM upd), EXISTS (SELECT 1 FROM " +
			r.table + " WHERE " + keyCond(a) + ")"
		var updated int64
		var exists bool
		if err := s.scanOne(ctx, c, q, a.list, &updated, &exists); err != nil {
			return err
		}
		switch {
		case updated == 1:
			return nil
		case exists:
			return r.stale()
		}
		return r.notFound()
	}
	res, err := c.exec(ctx, b.String(), a.list...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	a = &args{d: s.d}
	var exists bool
	if err := s.scanOne(ctx, c, "SELECT EXISTS (SELECT 1 FROM "+r.table+" WHERE "+keyCond(a)+")", a.list, &exists); err != nil {
		return err
	}
	if exists {
		return r.stale()
	}
	return r.notFound()
}

// scanOne runs a query that returns one row and scans it into dest.
func (s *Store) scanOne(ctx context.Context, c *call, q string, argv []any, dest ...any) error {
	rows, err := c.query(ctx, q, argv...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return fmt.Errorf("sqlstore: no row from %q", q)
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Err()
}

// FindSettings returns the number's routing settings, or CodeNotFound if
// none are stored (also for malformed IDs and another tenant's number). One
// query.
func (s *Store) FindSettings(ctx context.Context, tenant numberdesk.TenantID, number numberdesk.NumberID) (*routing.Settings, error) {
	const op = "sqlstore.FindSettings"
	var out *routing.Settings
	err := s.read(ctx, op, func(c *call) error {
		if !numberdesk.ValidID(tenant) || !numberdesk.ValidID(number) {
			return store.ErrSettingsNotFound(op) // never stored
		}
		a := &args{d: s.d}
		q := "SELECT plan, overrides, updated_at, version FROM routing_settings WHERE tenant_id = " + a.add(string(tenant)) +
			" AND number_id = " + a.add(string(number))
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var plan, overrides []byte
			st := &routing.Settings{Tenant: tenant, Number: number}
			if err := rows.Scan(&plan, &overrides, timeCol{&st.UpdatedAt}, &st.Version); err != nil {
				return err
			}
			if err := json.Unmarshal(plan, &st.Plan); err != nil {
				return fmt.Errorf("sqlstore: plan of number %s: %w", number, err)
			}
			if len(overrides) > 0 {
				if err := json.Unmarshal(overrides, &st.Overrides); err != nil {
					return fmt.Errorf("sqlstore: overrides of number %s: %w", number, err)
				}
			}
			out = st
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if out == nil {
			return store.ErrSettingsNotFound(op)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SaveSettings stores rs: with Version 0 it creates them (CodeConflict,
// Field "version", if the number has settings already), otherwise rs.Version
// must be the stored one (CodeConflict, Field "version", if stale;
// CodeNotFound if none are stored). On success the Version is incremented,
// in rs too (1 after creation). One statement (on SQLite a refused update
// takes a second to tell why).
func (s *Store) SaveSettings(ctx context.Context, rs *routing.Settings) error {
	const op = "sqlstore.SaveSettings"
	if err := rs.CheckWrite(op); err != nil {
		return err
	}
	plan, err := s.encodeJSON(op, "plan", rs.Plan)
	if err != nil {
		return err
	}
	var overrides any
	if len(rs.Overrides) > 0 {
		o, err := s.encodeJSON(op, "overrides", rs.Overrides)
		if err != nil {
			return err
		}
		overrides = o
	}
	err = s.write(ctx, op, false, func(c *call) error {
		return s.saveVersioned(ctx, c, versionedRow{
			table:    "routing_settings",
			keyCols:  []string{"tenant_id", "number_id"},
			keyArgs:  []any{string(rs.Tenant), string(rs.Number)},
			valCols:  []string{"plan", "overrides", "updated_at"},
			valArgs:  []any{plan, overrides, s.timeArg(rs.UpdatedAt)},
			version:  rs.Version,
			notFound: func() error { return store.ErrSettingsNotFound(op) },
			stale:    func() error { return store.ErrSettingsStale(op) },
		})
	})
	if err != nil {
		return err
	}
	rs.Version++
	return nil
}

// DeleteSettings removes the routing settings of the numbers; a number
// without settings is no error. One statement, whatever the number of
// numbers (the IDs travel as one array, on SQLite as one JSON array).
func (s *Store) DeleteSettings(ctx context.Context, tenant numberdesk.TenantID, numbers ...numberdesk.NumberID) error {
	const op = "sqlstore.DeleteSettings"
	ids := make([]string, 0, len(numbers))
	for _, n := range numbers {
		if numberdesk.ValidID(n) { // others are never stored
			ids = append(ids, string(n))
		}
	}
	return s.write(ctx, op, false, func(c *call) error {
		if !numberdesk.ValidID(tenant) {
			return nil // never stored
		}
		return s.deleteSettings(ctx, c, tenant, ids)
	})
}

// deleteSettings deletes the routing settings of the tenant's numbers ids
// (canonical IDs) in one statement; none is no statement.
func (s *Store) deleteSettings(ctx context.Context, c *call, tenant numberdesk.TenantID, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	a := &args{d: s.d}
	_, err := c.exec(ctx, "DELETE FROM routing_settings WHERE tenant_id = "+a.add(string(tenant))+
		" AND "+s.inList(a, "number_id", ids), a.list...)
	return err
}

// FindBlocklist returns the tenant's block list; a tenant without one (also
// a malformed tenant ID) gets an empty list with Version 0. One query.
func (s *Store) FindBlocklist(ctx context.Context, tenant numberdesk.TenantID) (*routing.TenantBlocklist, error) {
	const op = "sqlstore.FindBlocklist"
	out := &routing.TenantBlocklist{Tenant: tenant}
	err := s.read(ctx, op, func(c *call) error {
		*out = routing.TenantBlocklist{Tenant: tenant}
		if !numberdesk.ValidID(tenant) {
			return nil // never stored
		}
		a := &args{d: s.d}
		rows, err := c.query(ctx, "SELECT list, updated_at, version FROM blocklists WHERE tenant_id = "+a.add(string(tenant)), a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var list []byte
			if err := rows.Scan(&list, timeCol{&out.UpdatedAt}, &out.Version); err != nil {
				return err
			}
			if err := json.Unmarshal(list, &out.List); err != nil {
				return fmt.Errorf("sqlstore: block list of tenant %s: %w", tenant, err)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SaveBlocklist stores b with the version rules of SaveSettings
// (CodeNotFound, Field "tenant", for an update of a list never stored). One
// statement (on SQLite a refused update takes a second to tell why).
func (s *Store) SaveBlocklist(ctx context.Context, b *routing.TenantBlocklist) error {
	const op = "sqlstore.SaveBlocklist"
	if err := b.CheckWrite(op); err != nil {
		return err
	}
	list, err := s.encodeJSON(op, "list", b.List)
	if err != nil {
		return err
	}
	err = s.write(ctx, op, false, func(c *call) error {
		return s.saveVersioned(ctx, c, versionedRow{
			table:    "blocklists",
			keyCols:  []string{"tenant_id"},
			keyArgs:  []any{string(b.Tenant)},
			valCols:  []string{"list", "updated_at"},
			valArgs:  []any{list, s.timeArg(b.UpdatedAt)},
			version:  b.Version,
			notFound: func() error { return store.ErrBlocklistNotFound(op) },
			stale:    func() error { return store.ErrBlocklistStale(op) },
		})
	})
	if err != nil {
		return err
	}
	b.Version++
	return nil
}

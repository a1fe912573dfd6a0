package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// ---------------------------------------------------------------------------
// Tenants

// CreateTenant stores t; CodeConflict (Field "id") if its ID exists,
// CodeInvalid if the ID is not a canonical UUID. One statement.
func (s *Store) CreateTenant(ctx context.Context, t *numberdesk.Tenant) error {
	const op = "sqlstore.CreateTenant"
	if t == nil {
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant fehlt.")
	}
	if !numberdesk.ValidID(t.ID) {
		return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung des Mandanten ist ungültig.")
	}
	if !s.textOK(t.Name) {
		return errBadText(op, "name")
	}
	if !s.textOK(t.TimeZone) {
		return errBadText(op, "time_zone")
	}
	return s.write(ctx, op, false, func(c *call) error {
		a := &args{d: s.d}
		q := "INSERT INTO tenants (id, name, time_zone, created_at) VALUES (" + a.add(string(t.ID)) + ", " + a.add(t.Name) + ", " +
			a.add(t.TimeZone) + ", " + a.add(s.timeArg(t.CreatedAt)) + ") ON CONFLICT (id) DO NOTHING"
		return c.insertOnce(ctx, q, a.list, numberdesk.E(numberdesk.CodeConflict, op, "id", "Der Mandant ist bereits vorhanden."))
	})
}

// FindTenantByID returns the tenant, or CodeNotFound.
func (s *Store) FindTenantByID(ctx context.Context, id numberdesk.TenantID) (*numberdesk.Tenant, error) {
	const op = "sqlstore.FindTenantByID"
	var out *numberdesk.Tenant
	err := s.read(ctx, op, func(c *call) error {
		if numberdesk.ValidID(id) {
			a := &args{d: s.d}
			rows, err := c.query(ctx, "SELECT name, time_zone, created_at FROM tenants WHERE id = "+a.add(string(id)), a.list...)
			if err != nil {
				return err
			}
			defer rows.Close()
			if rows.Next() {
				t := &numberdesk.Tenant{ID: id}
				if err := rows.Scan(&t.Name, &t.TimeZone, timeCol{&t.CreatedAt}); err != nil {
					return err
				}
				out = t
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if out == nil {
			return numberdesk.E(numberdesk.CodeNotFound, op, "id", "Der Mandant wurde nicht gefunden.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Events

// AppendEvents stores events, all or none, assigning each the next Seq
// (written back into events), increasing in the order of events. Tenant and
// ID must be canonical UUIDs, Number empty or one, Type set, Data empty or
// valid JSON (CodeInvalid); an event ID that exists in the tenant or appears
// twice is CodeConflict (Field "id"). One statement (SQLite: per 1000
// events).
//
// Seq increases with every append, store-wide; on PostgreSQL, as with any
// sequence, concurrent transactions may commit their events out of Seq order.
func (s *Store) AppendEvents(ctx context.Context, events ...numberdesk.Event) error {
	const op = "sqlstore.AppendEvents"
	for i := range events {
		if err := s.checkEvent(op, &events[i]); err != nil {
			return err
		}
	}
	if len(events) == 0 {
		return numberdesk.Internal(op, ctx.Err())
	}
	type key struct {
		tenant numberdesk.TenantID
		id     numberdesk.EventID
	}
	errExists := func() error {
		return numberdesk.E(numberdesk.CodeConflict, op, "id", "Das Ereignis ist bereits vorhanden.")
	}
	seqs := make(map[key]int64, len(events))
	several := s.d == SQLite && len(events) > chunkRows
	// jsonb refuses some valid JSON (\u0000, unpaired surrogates): such data
	// is written in a savepoint, so that the refusal leaves the caller's
	// transaction usable.
	guard := several || s.d == Postgres && needsSavepoint(events)
	err := s.write(ctx, op, several, func(c *call) error {
		clear(seqs)
		for _, e := range events { // an ID twice in events
			k := key{e.Tenant, e.ID}
			if _, dup := seqs[k]; dup {
				return errExists()
			}
			seqs[k] = 0
		}
		clear(seqs)
		if guard {
			if err := c.atomic(ctx); err != nil {
				return err
			}
		}
		// insert appends events[lo:hi] (PostgreSQL: all at once).
		insert := func(lo, hi int) error {
			var (
				q    string
				argv []any
			)
			if s.d == Postgres {
				q, argv = pgAppendEvents, s.pgEventArrays(events)
				if c.t != nil {
					q = pgAppendEventsInTx
				}
			} else {
				a := &args{d: s.d}
				var b strings.Builder
				b.WriteString("INSERT INTO events (id, tenant_id, type, at, actor_tenant, actor_staff, actor_role, number_id, data) VALUES ")
				for i, e := range events[lo:hi] {
					if i > 0 {
						b.WriteString(", ")
					}
					a.valuesRow(&b, string(e.ID), string(e.Tenant), string(e.Type), s.timeArg(e.At), string(e.Actor.Tenant),
						string(e.Actor.Staff), string(e.Actor.Role), nullString(string(e.Number)), nullString(string(e.Data)))
				}
				b.WriteString(" RETURNING tenant_id, id, seq")
				q, argv = b.String(), a.list
			}
			rows, err := c.query(ctx, q, argv...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var (
					tenant, id string
					seq        int64
				)
				if err := rows.Scan(&tenant, &id, &seq); err != nil {
					return err
				}
				seqs[key{numberdesk.TenantID(tenant), numberdesk.EventID(id)}] = seq
			}
			return rows.Err()
		}
		var err error
		if s.d == Postgres {
			err = insert(0, len(events))
		} else {
			err = chunks(len(events), insert)
		}
		switch {
		case isUnique(err):
			// SQLite, and PostgreSQL in autocommit: nothing was written.
			return c.decided(err, errExists())
		case isBadText(err):
			return c.decided(err, errBadText(op, "data"))
		case err != nil:
			return err
		case len(seqs) == len(events):
			return nil
		case len(seqs) > 0:
			// PostgreSQL in a transaction: one of the IDs exists (or a
			// concurrent transaction appended it meanwhile); take back
			// the others.
			tenants, ss := make([]string, 0, len(seqs)), make([]int64, 0, len(seqs))
			for k, seq := range seqs {
				tenants, ss = append(tenants, string(k.tenant)), append(ss, seq)
			}
			if _, err := c.exec(ctx, "DELETE FROM events e USING unnest($1::text[], $2::bigint[]) AS d(tenant_id, seq) WHERE e.tenant_id = d.tenant_id AND e.seq = d.seq", tenants, ss); err != nil {
				return err
			}
		}
		return errExists() // PostgreSQL: an ID exists, nothing appended
	})
	if err != nil {
		return err
	}
	for i := range events {
		events[i].Seq = seqs[key{events[i].Tenant, events[i].ID}]
	}
	return nil
}

// checkEvent checks what every AppendEvents requires of e, and what the
// database can hold.
func (s *Store) checkEvent(op string, e *numberdesk.Event) error {
	if err := e.CheckWrite(op); err != nil {
		return err
	}
	for _, f := range [...]struct{ field, v string }{
		{"type", string(e.Type)}, {"actor", string(e.Actor.Tenant)}, {"actor", string(e.Actor.Staff)},
		{"actor", string(e.Actor.Role)}, {"data", string(e.Data)},
	} {
		if !s.textOK(f.v) {
			return errBadText(op, f.field)
		}
	}
	return nil
}

// checkEvents checks events as AppendEvents does before it writes: each
// event (checkEvent), and no ID twice in a tenant (CodeConflict).
func (s *Store) checkEvents(op string, events []numberdesk.Event) error {
	type key struct {
		tenant numberdesk.TenantID
		id     numberdesk.EventID
	}
	seen := make(map[key]bool, len(events))
	for i := range events {
		if err := s.checkEvent(op, &events[i]); err != nil {
			return err
		}
		k := key{events[i].Tenant, events[i].ID}
		if seen[k] {
			return numberdesk.E(numberdesk.CodeConflict, op, "id", "Das Ereignis ist bereits vorhanden.")
		}
		seen[k] = true
	}
	return nil
}

// needsSavepoint reports whether PostgreSQL's jsonb may refuse the data of
// one of events although it is valid JSON (\u0000, unpaired surrogates):
// such data is written in a savepoint, so that the refusal leaves the
// caller's transaction usable.
func needsSavepoint(events []numberdesk.Event) bool {
	return slices.ContainsFunc(events, func(e numberdesk.Event) bool {
		return bytes.Contains(e.Data, []byte(`\u0000`)) || bytes.Contains(bytes.ToLower(e.Data), []byte(`\ud`))
	})
}

// pgAppendEvents appends all events, Seq in their order: in autocommit, an
// event whose ID exists in its tenant fails the statement on the unique key,
// and nothing is written; in a transaction (where a failed statement would
// abort it), pgAppendEventsInTx skips such an event instead (ON CONFLICT DO
// NOTHING, served by the unique index under any statistics), and
// AppendEvents deletes the others again, so that the transaction stays
// usable. There is no probe that the planner could turn into a scan of the
// tenant's events.
const pgAppendEvents = `WITH v AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
		WITH ORDINALITY AS v(id, tenant_id, type, at, actor_tenant, actor_staff, actor_role, number_id, data, ord)
)
INSERT INTO events (id, tenant_id, type, at, actor_tenant, actor_staff, actor_role, number_id, data)
SELECT v.id, v.tenant_id, v.type, v.at, v.actor_tenant, v.actor_staff, v.actor_role, NULLIF(v.number_id, ''), NULLIF(v.data, '')::jsonb
FROM v
ORDER BY v.ord
RETURNING tenant_id, id, seq`

var pgAppendEventsInTx = strings.Replace(pgAppendEvents, "RETURNING", "ON CONFLICT (tenant_id, id) DO NOTHING\nRETURNING", 1)

func (s *Store) pgEventArrays(events []numberdesk.Event) []any {
	cols := make([][]string, 8)
	for i := range cols {
		cols[i] = make([]string, len(events))
	}
	at := make([]*time.Time, len(events))
	for i, e := range events {
		for j, v := range [...]string{string(e.ID), string(e.Tenant), string(e.Type), string(e.Actor.Tenant),
			string(e.Actor.Staff), string(e.Actor.Role), string(e.Number), string(e.Data)} {
			cols[j][i] = v
		}
		if !e.At.IsZero() {
			t := e.At
			at[i] = &t
		}
	}
	return []any{pgTextArray(cols[0]), pgTextArray(cols[1]), pgTextArray(cols[2]), pgTimeArray(at),
		pgTextArray(cols[3]), pgTextArray(cols[4]), pgTextArray(cols[5]), pgTextArray(cols[6]), pgTextArray(cols[7])}
}

// FindEvents returns the tenant's events matching f, by Seq (newest first
// with f.Desc). A negative AfterSeq or Limit is CodeInvalid
// (EventFilter.Check). One query.
func (s *Store) FindEvents(ctx context.Context, tenant numberdesk.TenantID, f numberdesk.EventFilter) ([]numberdesk.Event, error) {
	const op = "sqlstore.FindEvents"
	if err := f.Check(op); err != nil {
		return nil, err
	}
	out := []numberdesk.Event{}
	err := s.read(ctx, op, func(c *call) error {
		if !numberdesk.ValidID(tenant) || f.Number != "" && !numberdesk.ValidID(f.Number) {
			return nil // never stored
		}
		a := &args{d: s.d}
		conds := []string{"tenant_id = " + a.add(string(tenant))}
		if f.Number != "" {
			conds = append(conds, "number_id = "+a.add(string(f.Number)))
		}
		if len(f.Types) > 0 {
			var types []string
			for _, t := range f.Types {
				if s.textOK(string(t)) {
					types = append(types, string(t))
				}
			}
			if len(types) == 0 {
				return nil
			}
			if s.d == Postgres {
				conds = append(conds, "type = ANY("+a.add(types)+"::text[])")
			} else {
				ph := make([]string, len(types))
				for i, t := range types {
					ph[i] = a.add(t)
				}
				conds = append(conds, "type IN ("+strings.Join(ph, ", ")+")")
			}
		}
		if f.AfterSeq != 0 {
			conds = append(conds, "seq > "+a.add(f.AfterSeq))
		}
		q := "SELECT seq, id, type, at, actor_tenant, actor_staff, actor_role, number_id, data FROM events WHERE " +
			strings.Join(conds, " AND ") + " ORDER BY seq"
		if f.Desc {
			q += " DESC"
		}
		if f.Limit > 0 {
			q += " LIMIT " + a.add(f.Limit)
		}
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := numberdesk.Event{Tenant: tenant}
			var (
				id, typ, actorTenant, actorStaff, actorRole string
				number                                      sql.NullString
				data                                        []byte
			)
			if err := rows.Scan(&e.Seq, &id, &typ, timeCol{&e.At}, &actorTenant, &actorStaff, &actorRole, &number, &data); err != nil {
				return err
			}
			e.ID, e.Type, e.Number = numberdesk.EventID(id), numberdesk.EventType(typ), numberdesk.NumberID(number.String)
			e.Actor = numberdesk.Actor{Tenant: numberdesk.TenantID(actorTenant), Staff: numberdesk.StaffID(actorStaff), Role: numberdesk.Role(actorRole)}
			if len(data) > 0 {
				e.Data = json.RawMessage(data)
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Idempotency records

func errKeyNotFound(op string) error {
	return numberdesk.E(numberdesk.CodeNotFound, op, "key", "Der Idempotenzschlüssel wurde nicht gefunden.")
}

// FindIdempotencyRecord returns the tenant's record for key, or CodeNotFound.
func (s *Store) FindIdempotencyRecord(ctx context.Context, tenant numberdesk.TenantID, key string) (*numberdesk.IdempotencyRecord, error) {
	const op = "sqlstore.FindIdempotencyRecord"
	var out *numberdesk.IdempotencyRecord
	err := s.read(ctx, op, func(c *call) error {
		if !numberdesk.ValidID(tenant) || key == "" || !s.textOK(key) {
			return errKeyNotFound(op) // never stored
		}
		a := &args{d: s.d}
		rows, err := c.query(ctx, "SELECT op, fingerprint, result, created_at FROM idempotency WHERE tenant_id = "+
			a.add(string(tenant))+" AND key = "+a.add(key), a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			r := &numberdesk.IdempotencyRecord{Tenant: tenant, Key: key}
			var result []byte
			if err := rows.Scan(&r.Op, &r.Fingerprint, &result, timeCol{&r.CreatedAt}); err != nil {
				return err
			}
			if len(result) > 0 {
				r.Result = json.RawMessage(result)
			}
			out = r
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if out == nil {
			return errKeyNotFound(op)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteIdempotencyRecords deletes the records of every tenant created before
// the instant (one statement, served by the index on created_at) and returns
// how many.
func (s *Store) DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int, error) {
	const op = "sqlstore.DeleteIdempotencyRecords"
	n := 0
	err := s.write(ctx, op, false, func(c *call) error {
		a := &args{d: s.d}
		var err error
		n, err = c.execCount(ctx, "DELETE FROM idempotency WHERE created_at < "+a.add(s.instantArg(before)), a.list)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// CreateIdempotencyRecord stores r. Tenant must be a canonical UUID, Key set
// and Result empty or valid JSON (CodeInvalid); CodeConflict (Field "key") if
// the tenant has the key. One statement, which cannot fail on a duplicate
// (INSERT ... ON CONFLICT DO NOTHING), so it needs no savepoint.
func (s *Store) CreateIdempotencyRecord(ctx context.Context, r *numberdesk.IdempotencyRecord) error {
	const op = "sqlstore.CreateIdempotencyRecord"
	if err := r.CheckWrite(op); err != nil {
		return err
	}
	for _, f := range [...]struct{ field, v string }{{"key", r.Key}, {"op", r.Op}, {"fingerprint", r.Fingerprint}, {"result", string(r.Result)}} {
		if !s.textOK(f.v) {
			return errBadText(op, f.field)
		}
	}
	return s.write(ctx, op, false, func(c *call) error {
		a := &args{d: s.d}
		q := fmt.Sprintf("INSERT INTO idempotency (tenant_id, key, op, fingerprint, result, created_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, key) DO NOTHING",
			a.add(string(r.Tenant)), a.add(r.Key), a.add(r.Op), a.add(r.Fingerprint), a.add(nullString(string(r.Result))), a.add(s.timeArg(r.CreatedAt)))
		return c.insertOnce(ctx, q, a.list, numberdesk.E(numberdesk.CodeConflict, op, "key", "Der Idempotenzschlüssel wurde bereits verwendet."))
	})
}

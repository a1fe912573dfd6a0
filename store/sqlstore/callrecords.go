package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// ---------------------------------------------------------------------------
// Records (call records, fax journal, voicemail)
//
// One row per record in the table records, with indexes for the three ways
// they are read: all of a tenant, by number and by holder, each newest first
// (at DESC, then ID). at is never NULL, so that the indexes serve the order
// and the From/To ranges; the zero time is stored as year 1 (see instantArg).

// recordKinds are the kinds a stored record may have.
var recordKinds = []numbers.RecordKind{numbers.RecordCall, numbers.RecordFax, numbers.RecordVoicemail}

func errRecordExists(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "id", "Der Eintrag ist bereits vorhanden.")
}

// checkRecord checks a record to be stored, as memstore does, and what the
// database can store.
func (s *Store) checkRecord(op string, r *numbers.Record) error {
	switch {
	case r == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "record", "Der Eintrag fehlt.")
	case !numberdesk.ValidID(r.Tenant):
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant des Eintrags fehlt oder ist ungültig.")
	case !numberdesk.ValidID(r.ID):
		return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung des Eintrags fehlt oder ist ungültig.")
	case !numberdesk.ValidID(r.Number):
		return numberdesk.E(numberdesk.CodeInvalid, op, "number", "Die Rufnummer des Eintrags fehlt oder ist ungültig.")
	case !slices.Contains(recordKinds, r.Kind):
		return numberdesk.E(numberdesk.CodeInvalid, op, "kind", "Die Art des Eintrags ist ungültig.")
	case r.Holder != "" && !numberdesk.ValidID(r.Holder):
		return numberdesk.E(numberdesk.CodeInvalid, op, "holder", "Der Inhaber des Eintrags ist ungültig.")
	}
	for _, f := range [...]struct{ field, v string }{
		{"direction", string(r.Direction)}, {"caller", r.Caller}, {"callee", r.Callee}, {"result", string(r.Result)},
	} {
		if !s.textOK(f.v) {
			return errBadText(op, f.field)
		}
	}
	return nil
}

// recordValueCols are the columns of a record, in this order.
const recordValueCols = "tenant_id, id, number_id, kind, at, direction, caller, callee, duration, result, pages, holder"

// CreateRecords stores records, all or none. Tenant, ID and Number must be
// canonical UUIDs, Holder empty or one, Kind one of the record kinds
// (CodeInvalid); an ID that exists in the tenant or appears twice in rs is
// CodeConflict (Field "id"). Neither the tenant nor the number need exist.
// PostgreSQL: one statement, which writes nothing (and does not fail) if an
// ID exists; SQLite: one per 1000 records.
func (s *Store) CreateRecords(ctx context.Context, rs ...*numbers.Record) error {
	const op = "sqlstore.CreateRecords"
	for _, r := range rs {
		if err := s.checkRecord(op, r); err != nil {
			return err
		}
	}
	if len(rs) == 0 {
		return numberdesk.Internal(op, ctx.Err())
	}
	type key struct {
		tenant numberdesk.TenantID
		id     numberdesk.EventID
	}
	seen := make(map[key]bool, len(rs))
	for _, r := range rs {
		seen[key{r.Tenant, r.ID}] = true
	}
	several := s.d == SQLite && len(rs) > chunkRows
	return s.write(ctx, op, several, func(c *call) error {
		if len(seen) < len(rs) { // an ID twice in rs
			return errRecordExists(op)
		}
		var err error
		if s.d == Postgres {
			err = s.createRecordsPG(ctx, c, op, rs)
		} else {
			if several {
				if err := c.atomic(ctx); err != nil {
					return err
				}
			}
			err = chunks(len(rs), func(lo, hi int) error {
				a := &args{d: s.d}
				var b strings.Builder
				b.WriteString("INSERT INTO records (" + recordValueCols + ") VALUES ")
				for i, r := range rs[lo:hi] {
					if i > 0 {
						b.WriteString(", ")
					}
					a.valuesRow(&b, string(r.Tenant), string(r.ID), string(r.Number), string(r.Kind), s.instantArg(r.At),
						string(r.Direction), r.Caller, r.Callee, int64(r.Duration), string(r.Result), r.Pages, nullString(string(r.Holder)))
				}
				_, err := c.exec(ctx, b.String(), a.list...)
				return err
			})
		}
		switch {
		case isUnique(err):
			// SQLite, and PostgreSQL in autocommit: nothing was written.
			return c.decided(err, errRecordExists(op))
		case isBadText(err):
			return c.decided(err, errBadText(op, ""))
		}
		return err
	})
}

// pgCreateRecords inserts all records: in autocommit, a record whose ID
// exists in its tenant fails the statement on the unique key, and nothing is
// written; in a transaction (where a failed statement would abort it),
// pgCreateRecordsInTx skips such a record instead (ON CONFLICT DO NOTHING,
// served by the unique index under any statistics), and createRecordsPG
// deletes the others again. There is no probe that the planner could turn
// into a scan of the tenant's records.
const pgCreateRecords = `WITH v AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
		$8::text[], $9::bigint[], $10::text[], $11::bigint[], $12::text[]) AS v(` + recordValueCols + `)
)
INSERT INTO records (` + recordValueCols + `)
SELECT v.tenant_id, v.id, v.number_id, v.kind, v.at, v.direction, v.caller, v.callee, v.duration, v.result, v.pages, NULLIF(v.holder, '')
FROM v
RETURNING tenant_id, id`

var pgCreateRecordsInTx = strings.Replace(pgCreateRecords, "RETURNING", "ON CONFLICT (tenant_id, id) DO NOTHING\nRETURNING", 1)

func (s *Store) createRecordsPG(ctx context.Context, c *call, op string, rs []*numbers.Record) error {
	n := len(rs)
	tenants, ids, nums, kinds := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	dirs, callers, callees, results, holders := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at, durations, pages := make([]time.Time, n), make([]int64, n), make([]int64, n)
	for i, r := range rs {
		tenants[i], ids[i], nums[i], kinds[i] = string(r.Tenant), string(r.ID), string(r.Number), string(r.Kind)
		dirs[i], callers[i], callees[i], results[i], holders[i] = string(r.Direction), r.Caller, r.Callee, string(r.Result), string(r.Holder)
		at[i], durations[i], pages[i] = r.At.UTC(), int64(r.Duration), int64(r.Pages)
	}
	q := pgCreateRecords
	if c.t != nil {
		q = pgCreateRecordsInTx
	}
	rows, err := c.query(ctx, q, tenants, ids, nums, kinds, at, dirs, callers, callees, durations, results, pages, holders)
	if err != nil {
		return err
	}
	var insTenants, insIDs []string
	for rows.Next() {
		var tenant, id string
		if err := rows.Scan(&tenant, &id); err != nil {
			rows.Close()
			return err
		}
		insTenants, insIDs = append(insTenants, tenant), append(insIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	switch len(insIDs) {
	case n:
		return nil
	case 0:
		return errRecordExists(op)
	}
	// In a transaction: one of the IDs exists (or a concurrent transaction
	// created it meanwhile); take back the others.
	if _, err := c.exec(ctx, "DELETE FROM records r USING unnest($1::text[], $2::text[]) AS d(tenant_id, id) WHERE r.tenant_id = d.tenant_id AND r.id = d.id", insTenants, insIDs); err != nil {
		return err
	}
	return errRecordExists(op)
}

// recordWhere returns the WHERE condition of f for the tenant's records
// (row r), or none = true if nothing can match. Offset and Limit are not
// part of it.
func (s *Store) recordWhere(a *args, tenant numberdesk.TenantID, f numbers.RecordFilter) (cond string, none bool) {
	if !numberdesk.ValidID(tenant) {
		return "", true
	}
	conds := []string{"r.tenant_id = " + a.add(string(tenant))}
	if len(f.Numbers) > 0 {
		nums := distinct(f.Numbers, func(id numberdesk.NumberID) bool { return numberdesk.ValidID(id) }) // only UUIDs are stored
		if len(nums) == 0 {
			return "", true
		}
		conds = append(conds, s.inList(a, "r.number_id", nums))
	}
	if f.Holder != "" {
		holder := "FALSE" // no stored holder is malformed; Shared still may match
		if numberdesk.ValidID(f.Holder) {
			holder = "r.holder = " + a.add(string(f.Holder))
		}
		// Each period of a shared journal: its fax records without a
		// holder in [From, To).
		var periods []string
		for _, p := range f.Shared {
			if !numberdesk.ValidID(p.Number) || (!p.To.IsZero() && !p.From.Before(p.To)) {
				continue // never stored, or empty
			}
			c := "r.number_id = " + a.add(string(p.Number)) + " AND r.at >= " + a.add(s.instantArg(p.From))
			if !p.To.IsZero() {
				c += " AND r.at < " + a.add(s.instantArg(p.To))
			}
			periods = append(periods, "("+c+")")
		}
		if len(periods) > 0 {
			holder = "(" + holder + " OR r.holder IS NULL AND r.kind = '" + string(numbers.RecordFax) + "' AND (" + strings.Join(periods, " OR ") + "))"
		} else if holder == "FALSE" {
			return "", true
		}
		conds = append(conds, holder)
	}
	if len(f.Kinds) > 0 {
		kinds := distinct(f.Kinds, func(k numbers.RecordKind) bool { return slices.Contains(recordKinds, k) })
		if len(kinds) == 0 {
			return "", true
		}
		conds = append(conds, s.inList(a, "r.kind", kinds))
	}
	if !f.From.IsZero() {
		conds = append(conds, "r.at >= "+a.add(s.instantArg(f.From)))
	}
	if !f.To.IsZero() {
		conds = append(conds, "r.at < "+a.add(s.instantArg(f.To)))
	}
	return strings.Join(conds, " AND "), false
}

// recordCols are the columns scanRecord reads, of the records row r.
const recordCols = "r.id, r.number_id, r.kind, r.at, r.direction, r.caller, r.callee, r.duration, r.result, r.pages, r.holder"

// scanRecord scans recordCols, then extra.
func scanRecord(rows *sql.Rows, tenant numberdesk.TenantID, extra ...any) (*numbers.Record, error) {
	r := &numbers.Record{Tenant: tenant}
	var (
		id, number, kind, direction, result string
		duration, pages                     int64
		holder                              sql.NullString
	)
	dest := []any{&id, &number, &kind, timeCol{&r.At}, &direction, &r.Caller, &r.Callee, &duration, &result, &pages, &holder}
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	r.ID, r.Number, r.Kind, r.Direction = numberdesk.EventID(id), numberdesk.NumberID(number), numbers.RecordKind(kind), numbers.Direction(direction)
	r.Duration, r.Result, r.Pages, r.Holder = time.Duration(duration), numbers.Result(result), int(pages), numberdesk.StaffID(holder.String)
	return r, nil
}

// FindRecords returns the page of the tenant's records matching f, newest
// first (ties by ID), and the total count of matches before paging. A
// negative Offset or Limit is CodeInvalid (RecordFilter.Check). One query
// (plus a count when Offset is past the end).
func (s *Store) FindRecords(ctx context.Context, tenant numberdesk.TenantID, f numbers.RecordFilter) ([]*numbers.Record, int, error) {
	const op = "sqlstore.FindRecords"
	if err := f.Check(op); err != nil {
		return nil, 0, err
	}
	offset, limit := f.Offset, f.Limit
	out := []*numbers.Record{}
	total := 0
	err := s.read(ctx, op, func(c *call) error {
		a := &args{d: s.d}
		countCond, none := s.recordWhere(a, tenant, f)
		if none {
			return nil
		}
		cond, _ := s.recordWhere(a, tenant, f)
		q := "SELECT " + recordCols + ", (SELECT count(*) FROM records r WHERE " + countCond + ") FROM records r WHERE " + cond +
			" ORDER BY r.at DESC, r.id LIMIT " + a.add(s.limitArg(limit)) + " OFFSET " + a.add(offset)
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecord(rows, tenant, &total)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) > 0 || offset == 0 {
			return nil
		}
		a = &args{d: s.d}
		cond, _ = s.recordWhere(a, tenant, f)
		return s.count(ctx, c, "SELECT count(*) FROM records r WHERE "+cond, a.list, &total)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// DeleteRecords deletes every record of the tenant matching f (Offset and
// Limit do not apply, but a negative one is CodeInvalid) and returns how many
// it deleted. f.Holder is required (CodeInvalid, Field "holder"): records are
// purged per holder, and an empty filter must never wipe a tenant. One statement.
func (s *Store) DeleteRecords(ctx context.Context, tenant numberdesk.TenantID, f numbers.RecordFilter) (int, error) {
	const op = "sqlstore.DeleteRecords"
	if err := f.CheckPurge(op); err != nil {
		return 0, err
	}
	deleted := 0
	err := s.write(ctx, op, false, func(c *call) error {
		a := &args{d: s.d}
		cond, none := s.recordWhere(a, tenant, f)
		if none {
			return nil
		}
		var err error
		deleted, err = c.execCount(ctx, "DELETE FROM records AS r WHERE "+cond, a.list)
		return err
	})
	if err != nil {
		return 0, err
	}
	return deleted, nil
}

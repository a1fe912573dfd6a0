package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// checkStorable checks what the database needs of a written number: holders
// are canonical UUIDs (malformed IDs are never stored), options valid UTF-8
// (they are stored as JSON), and, on PostgreSQL, text without NUL bytes.
func (s *Store) checkStorable(op string, n *numbers.Number) error {
	for _, f := range [...]struct {
		field, v string
	}{
		{"number", n.E164}, {"base", n.Base}, {"extension", n.Extension}, {"origin", string(n.Origin)},
		{"status", string(n.Status)}, {"usage_type", string(n.UsageType)}, {"billing_line", n.BillingLine},
	} {
		if !s.textOK(f.v) {
			return errBadText(op, f.field)
		}
	}
	for _, h := range n.Holders {
		if !numberdesk.ValidID(h) {
			return numberdesk.E(numberdesk.CodeInvalid, op, "holders", "Ein Inhaber der Rufnummer ist ungültig.")
		}
	}
	for _, o := range n.Options {
		if !utf8.ValidString(o) || !s.textOK(o) {
			return errBadText(op, "options")
		}
	}
	return nil
}

// optionsArg returns the options as a JSON array, "" for none.
func optionsArg(opts []string) string {
	if len(opts) == 0 {
		return ""
	}
	b, err := json.Marshal(opts)
	if err != nil { // cannot happen for strings
		panic("sqlstore: " + err.Error())
	}
	return string(b)
}

// nullString is s, or NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ---------------------------------------------------------------------------
// Reading

// numberCols are the columns scanNumber reads, of the numbers row a.
func numberCols(a string) string {
	return strings.NewReplacer("@", a).Replace("@.tenant_id, @.id, @.e164, @.base, @.extension, @.origin, @.porting_date, @.status, " +
		"@.usage_type, @.options, @.billing_line, @.billed_since, @.deactivation_at, @.created_at, @.updated_at, @.version, @.holders_since")
}

// holdersCol is the JSON array of the holders of the numbers row a, in
// order (NULL or [] for none).
func (s *Store) holdersCol(a string) string {
	if s.d == Postgres {
		return "(SELECT json_agg(h.staff_id ORDER BY h.position) FROM number_holders h WHERE h.tenant_id = " + a + ".tenant_id AND h.number_id = " + a + ".id)"
	}
	return "(SELECT json_group_array(h.staff_id ORDER BY h.position) FROM number_holders h WHERE h.tenant_id = " + a + ".tenant_id AND h.number_id = " + a + ".id)"
}

// scanNumber scans numberCols and the holders column, then extra.
func scanNumber(rows *sql.Rows, extra ...any) (*numbers.Number, error) {
	var (
		n                     numbers.Number
		options, holders      []byte
		origin, status, usage string
		tenant, id            string
	)
	dest := []any{&tenant, &id, &n.E164, &n.Base, &n.Extension, &origin, timeCol{&n.PortingDate}, &status,
		&usage, &options, &n.BillingLine, timeCol{&n.BilledSince}, timeCol{&n.DeactivationAt}, timeCol{&n.CreatedAt},
		timeCol{&n.UpdatedAt}, &n.Version, timeCol{&n.HoldersSince}, &holders}
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	n.Tenant, n.ID = numberdesk.TenantID(tenant), numberdesk.NumberID(id)
	n.Origin, n.Status, n.UsageType = numbers.Origin(origin), numbers.Status(status), routing.UsageType(usage)
	if len(options) > 0 {
		if err := json.Unmarshal(options, &n.Options); err != nil {
			return nil, fmt.Errorf("sqlstore: options of number %s: %w", id, err)
		}
		if len(n.Options) == 0 {
			n.Options = nil
		}
	}
	if len(holders) > 0 {
		if err := json.Unmarshal(holders, &n.Holders); err != nil {
			return nil, fmt.Errorf("sqlstore: holders of number %s: %w", id, err)
		}
		if len(n.Holders) == 0 {
			n.Holders = nil
		}
	}
	return &n, nil
}

// FindNumberByID returns the tenant's number, or CodeNotFound.
func (s *Store) FindNumberByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.NumberID) (*numbers.Number, error) {
	const op = "sqlstore.FindNumberByID"
	var out *numbers.Number
	err := s.read(ctx, op, func(c *call) error {
		if !numberdesk.ValidID(tenant) || !numberdesk.ValidID(id) {
			return store.ErrNumberNotFound(op) // never stored
		}
		a := &args{d: s.d}
		q := "SELECT " + numberCols("n") + ", " + s.holdersCol("n") + " FROM numbers n WHERE n.tenant_id = " +
			a.add(string(tenant)) + " AND n.id = " + a.add(string(id))
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			if out, err = scanNumber(rows); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if out == nil {
			return store.ErrNumberNotFound(op)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// statusRank is the SQL expression of the lifecycle rank of the status
// expression st (unknown states last).
func statusRank(st string) string {
	var b strings.Builder
	b.WriteString("CASE " + st)
	for i, st := range numbers.Statuses {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", st, i)
	}
	fmt.Fprintf(&b, " ELSE %d END", len(numbers.Statuses))
	return b.String()
}

// lapsed is the SQL condition that the numbers row a is stored as pending
// but inactive at now (numbers.Number.Due: its deactivation_at is not after
// now), with now added to the arguments.
func (s *Store) lapsed(a *args, row string, now time.Time) string {
	return "(" + row + ".status = '" + string(numbers.StatusDeactivationPending) + "' AND (" + row +
		".deactivation_at IS NULL OR " + row + ".deactivation_at <= " + a.add(s.timeArg(now)) + "))"
}

// sortTerm is one key of an overview's order.
type sortTerm struct {
	expr func(a *args) string // adds its arguments to a where it stands
	desc bool
	// nulls: 0 if the key is never NULL; nullsFirst or nullsLast: where
	// NULLs stand in the order (whatever the direction).
	nulls int
}

const (
	nullsFirst = 1 + iota
	nullsLast
)

// sortTerms returns the keys of f's order for the numbers row: the sort
// key, then the E.164; Desc reverses both, but numbers without a
// DeactivationAt stay last and a NULL created_at (the zero time) is the
// earliest. With f.Now, the status and the deactivation date are those at
// Now (a lapsed number is inactive, without a date).
func (s *Store) sortTerms(f numbers.Filter, row string) []sortTerm {
	e164 := sortTerm{expr: func(*args) string { return row + ".e164" }, desc: f.Desc}
	switch f.Sort {
	case numbers.SortStatus:
		st := func(a *args) string {
			if f.Now.IsZero() {
				return row + ".status"
			}
			return "CASE WHEN " + s.lapsed(a, row, f.Now) + " THEN '" + string(numbers.StatusInactive) + "' ELSE " + row + ".status END"
		}
		return []sortTerm{{expr: func(a *args) string { return statusRank(st(a)) }, desc: f.Desc}, {expr: st, desc: f.Desc}, e164}
	case numbers.SortCreated:
		nulls := nullsFirst // the zero time is the earliest
		if f.Desc {
			nulls = nullsLast
		}
		return []sortTerm{{expr: func(*args) string { return row + ".created_at" }, desc: f.Desc, nulls: nulls}, e164}
	case numbers.SortDeactivationAt:
		dat := func(a *args) string {
			if f.Now.IsZero() {
				return row + ".deactivation_at"
			}
			return "CASE WHEN " + s.lapsed(a, row, f.Now) + " THEN NULL ELSE " + row + ".deactivation_at END"
		}
		return []sortTerm{{expr: dat, desc: f.Desc, nulls: nullsLast}, e164}
	}
	return []sortTerm{e164}
}

// orderBy is the ORDER BY list of f for the numbers row (sortTerms). Its
// arguments are added to a: build it where it stands in the statement.
func (s *Store) orderBy(a *args, f numbers.Filter, row string) string {
	var b strings.Builder
	for i, t := range s.sortTerms(f, row) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.expr(a))
		if t.desc {
			b.WriteString(" DESC")
		} else {
			b.WriteString(" ASC")
		}
		switch t.nulls {
		case nullsFirst:
			b.WriteString(" NULLS FIRST")
		case nullsLast:
			b.WriteString(" NULLS LAST")
		}
	}
	return b.String()
}

// segment is a part of an overview's order that one index reads in order:
// the numbers matching cond (nil: all), in the order order, and of those
// only the ones after the cursor (f.After) if after is set. The order of f
// is the merge of its segments (see segments).
type segment struct {
	cond, order, after func(a *args) string
}

// segments returns the parts of f's order, each read in index order, so
// that a page costs O(offset + limit) per segment whatever the tenant's
// size; the page is the merge of the segments' first offset+limit numbers.
// Segments that lie wholly before the cursor are left out.
//
//   - By number: one segment, the (tenant_id, e164) index (or that of the
//     state, prefix or extension filtered by); the cursor is "e164 > c".
//   - By creation: one segment, numbers_created, the cursor a row
//     comparison (created_at, e164) > (c, e).
//   - By state: one segment per state as at f.Now, each in E.164 order
//     (numbers_status); the inactive state is two (stored inactive, and
//     pending but lapsed at Now); unknown states one more, by name.
//   - By deactivation date: the dated numbers (numbers_deactivation), the
//     undated ones and those lapsed at Now (no date as at Now), each of the
//     last two in E.164 order.
func (s *Store) segments(f numbers.Filter) []segment {
	dir, op := " ASC", " > "
	if f.Desc {
		dir, op = " DESC", " < "
	}
	var after numbers.Position
	if f.After != nil {
		after = *f.After
	}
	byE164 := func(*args) string { return "n.e164" + dir }
	e164After := func(a *args) string { return "n.e164" + op + a.add(after.E164) }
	lapsed := func(a *args) string { return s.lapsed(a, "n", f.Now) }
	fixed := func(sql string) func(*args) string { return func(*args) string { return sql } }
	var segs []segment
	switch f.Sort {
	case numbers.SortStatus:
		cursor := rankOf(after.Status)
		add := func(rank int, cond func(*args) string, order func(*args) string, at func(*args) string) {
			var seg = segment{cond: cond, order: order}
			if f.After != nil {
				switch {
				case !f.Desc && rank < cursor, f.Desc && rank > cursor:
					return // wholly before the cursor
				case rank == cursor:
					seg.after = at
				}
			}
			segs = append(segs, seg)
		}
		selected := func(st numbers.Status) bool { return len(f.Statuses) == 0 || slices.Contains(f.Statuses, st) }
		stored := func(st numbers.Status) func(*args) string { return fixed("n.status = '" + string(st) + "'") }
		for rank, st := range numbers.Statuses {
			if !selected(st) {
				continue
			}
			switch {
			case f.Now.IsZero() || st == numbers.StatusNew || st == numbers.StatusActive:
				add(rank, stored(st), byE164, e164After)
			case st == numbers.StatusDeactivationPending:
				add(rank, func(a *args) string { return "n.status = '" + string(st) + "' AND NOT " + lapsed(a) }, byE164, e164After)
			default: // inactive: stored so, or lapsed at Now
				add(rank, stored(st), byE164, e164After)
				add(rank, lapsed, byE164, e164After)
			}
		}
		if len(f.Statuses) == 0 || slices.ContainsFunc(f.Statuses, func(st numbers.Status) bool { return rankOf(st) == len(numbers.Statuses) }) {
			for _, gap := range unknownStates {
				add(len(numbers.Statuses), fixed(gap), fixed("n.status"+dir+", n.e164"+dir), func(a *args) string {
					return "(n.status, n.e164)" + op + "(" + a.add(string(after.Status)) + ", " + a.add(after.E164) + ")"
				})
			}
		}
	case numbers.SortDeactivationAt:
		at := s.timeArg(after.At)
		dated := fixed("n.deactivation_at IS NOT NULL")
		if !f.Now.IsZero() {
			dated = func(a *args) string { return "n.deactivation_at IS NOT NULL AND NOT " + lapsed(a) }
		}
		undated := segment{cond: fixed("n.deactivation_at IS NULL"), order: byE164}
		lapsedDated := segment{order: byE164, cond: func(a *args) string {
			return "n.status = '" + string(numbers.StatusDeactivationPending) + "' AND n.deactivation_at <= " + a.add(s.timeArg(f.Now))
		}}
		switch {
		case f.After == nil:
		case at == nil: // the undated come last in both directions
			undated.after, lapsedDated.after = e164After, e164After
		default:
			undated.after, lapsedDated.after = nil, nil
		}
		if f.After == nil || at != nil {
			seg := segment{cond: dated, order: fixed("n.deactivation_at" + dir + ", n.e164" + dir)}
			if f.After != nil {
				seg.after = func(a *args) string {
					return "(n.deactivation_at, n.e164)" + op + "(" + a.add(at) + ", " + a.add(after.E164) + ")"
				}
			}
			segs = append(segs, seg)
		}
		segs = append(segs, undated)
		if !f.Now.IsZero() {
			segs = append(segs, lapsedDated)
		}
	case numbers.SortCreated:
		seg := segment{order: func(a *args) string { return s.orderBy(a, f, "n") }}
		if f.After != nil {
			at := s.timeArg(after.At)
			seg.after = func(a *args) string {
				switch {
				case at == nil && !f.Desc: // NULL first: after it the later NULLs, then every date
					return "(n.created_at IS NOT NULL OR n.e164 > " + a.add(after.E164) + ")"
				case at == nil:
					return "(n.created_at IS NULL AND n.e164 < " + a.add(after.E164) + ")"
				case !f.Desc:
					return "(n.created_at, n.e164) > (" + a.add(at) + ", " + a.add(after.E164) + ")"
				}
				return "((n.created_at, n.e164) < (" + a.add(at) + ", " + a.add(after.E164) + ") OR n.created_at IS NULL)"
			}
		}
		segs = append(segs, seg)
	default:
		seg := segment{order: byE164}
		if f.After != nil {
			seg.after = e164After
		}
		segs = append(segs, seg)
	}
	if len(segs) == 0 { // every number is before the cursor
		segs = append(segs, segment{cond: fixed("1 = 0"), order: byE164})
	}
	return segs
}

// unknownStates are the conditions that a number's state is none of
// numbers.Statuses: the ranges of numbers_status (tenant_id, status, e164)
// around them, one segment each. "status NOT IN (…)", or the ranges joined
// by OR, would be a filter on every number of the tenant (SQLite).
var unknownStates = func() []string {
	known := slices.Clone(numbers.Statuses)
	slices.Sort(known) // byte order: the "C" collation and SQLite's BINARY
	gaps := []string{"n.status < '" + string(known[0]) + "'"}
	for i := 1; i < len(known); i++ {
		gaps = append(gaps, "n.status > '"+string(known[i-1])+"' AND n.status < '"+string(known[i])+"'")
	}
	return append(gaps, "n.status > '"+string(known[len(known)-1])+"'")
}()

// rankOf is st's place in numbers.Statuses; unknown states rank after them.
func rankOf(st numbers.Status) int {
	if i := slices.Index(numbers.Statuses, st); i >= 0 {
		return i
	}
	return len(numbers.Statuses)
}

// prefixEnd returns the least string greater than every string that starts
// with prefix, in byte order (the "C" collation and SQLite's BINARY): prefix
// with its last rune increased, so that it stays valid UTF-8. ok is false
// if there is none (a prefix of U+10FFFF only).
func prefixEnd(prefix string) (end string, ok bool) {
	for prefix != "" {
		r, size := utf8.DecodeLastRuneInString(prefix)
		last := prefix[len(prefix)-1]
		prefix = prefix[:len(prefix)-size]
		switch {
		case r == utf8.RuneError && size == 1: // not UTF-8 (SQLite only): by bytes
			if last < 0xff {
				return prefix + string([]byte{last + 1}), true
			}
		case r == 0xD7FF:
			return prefix + string(rune(0xE000)), true // past the surrogates
		case r < utf8.MaxRune:
			return prefix + string(r+1), true
		}
	}
	return "", false
}

// where returns the WHERE condition of f for the tenant's numbers (row n),
// or none = true if nothing can match.
func (s *Store) where(a *args, tenant numberdesk.TenantID, f numbers.Filter) (cond string, none bool) {
	if !numberdesk.ValidID(tenant) {
		return "", true
	}
	conds := []string{"n.tenant_id = " + a.add(string(tenant))}
	// in adds "col IN list" for a list of strings; values the database
	// cannot hold match nothing and are left out.
	in := func(col string, vs []string) bool {
		vs = slices.DeleteFunc(slices.Clone(vs), func(v string) bool { return !s.textOK(v) })
		if len(vs) == 0 {
			return false
		}
		if s.d == Postgres && len(vs) == 1 {
			// Plain equality lets the planner walk (tenant_id, status, e164)
			// in order; "= ANY(array)" cannot (measured: 4× fewer buffers).
			conds = append(conds, col+" = "+a.add(vs[0]))
			return true
		}
		if s.d == Postgres {
			conds = append(conds, col+" = ANY("+a.add(vs)+"::text[])")
			return true
		}
		ph := make([]string, len(vs))
		for i, v := range vs {
			ph[i] = a.add(v)
		}
		conds = append(conds, col+" IN ("+strings.Join(ph, ", ")+")")
		return true
	}
	if len(f.IDs) > 0 {
		var ids []string
		seen := make(map[numberdesk.NumberID]bool, len(f.IDs))
		for _, id := range f.IDs {
			if numberdesk.ValidID(id) && !seen[id] { // only UUIDs are stored
				seen[id] = true
				ids = append(ids, string(id))
			}
		}
		if len(ids) == 0 {
			return "", true
		}
		switch {
		case s.d == Postgres:
			// Opaque: with the array's length hidden, the custom plan's
			// estimate is the generic one's, so that PostgreSQL keeps the
			// generic plan from the sixth run on. On a small table it
			// planned every command's read anew (the Swap baseline: 1,672
			// plans in 2,754 runs, 0.32–0.53 ms each against 0.08 ms to
			// run it).
			conds = append(conds, "n.id = ANY("+opaque(a.add(ids)+"::text[]")+"::text[])")
		case len(ids) <= maxIDPlaceholders:
			// A list of placeholders lets SQLite look each ID up in the
			// primary key; with json_each its planner (without ANALYZE
			// statistics) scanned the tenant instead: 19 ms at 100,000
			// numbers.
			ph := make([]string, len(ids))
			for i, id := range ids {
				ph[i] = a.add(id)
			}
			conds = append(conds, "n.id IN ("+strings.Join(ph, ", ")+")")
		default:
			b, _ := json.Marshal(ids)
			conds = append(conds, "n.id IN (SELECT value FROM json_each("+a.add(string(b))+"))")
		}
	}
	if len(f.E164s) > 0 {
		// Exact matches, served by the unique index (tenant_id, e164).
		// Values the database cannot hold match nothing.
		e164s := distinct(f.E164s, s.textOK)
		if len(e164s) == 0 {
			return "", true
		}
		conds = append(conds, s.inList(a, "n.e164", e164s))
	}
	// atNow makes the last condition one on the numbers as they are at
	// f.Now (numbers.Number.At): a lapsed number matches if it matches
	// as lapsed, and never by its stored value.
	atNow := func(lapsedMatches bool) {
		if f.Now.IsZero() {
			return
		}
		last := &conds[len(conds)-1]
		if lapsedMatches {
			*last = "(" + *last + " OR " + s.lapsed(a, "n", f.Now) + ")"
		} else {
			*last = "(" + *last + " AND NOT " + s.lapsed(a, "n", f.Now) + ")"
		}
	}
	if len(f.Statuses) > 0 {
		if !in("n.status", toStrings(f.Statuses)) {
			return "", true
		}
		// A lapsed number is stored as pending and is inactive at Now.
		pending, inactive := slices.Contains(f.Statuses, numbers.StatusDeactivationPending), slices.Contains(f.Statuses, numbers.StatusInactive)
		if pending != inactive {
			atNow(inactive)
		}
	}
	if len(f.UsageTypes) > 0 {
		if !in("n.usage_type", toStrings(f.UsageTypes)) {
			return "", true
		}
		atNow(slices.Contains(f.UsageTypes, routing.UsageVoice)) // a lapsed number is voice
	}
	if f.Holder != "" {
		if !numberdesk.ValidID(f.Holder) { // holders are UUIDs
			return "", true
		}
		conds = append(conds, "EXISTS (SELECT 1 FROM number_holders h WHERE h.tenant_id = n.tenant_id AND h.number_id = n.id AND h.staff_id = "+a.add(string(f.Holder))+")")
		atNow(false) // a lapsed number has no holder
	}
	if f.Unassigned {
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM number_holders h WHERE h.tenant_id = n.tenant_id AND h.number_id = n.id)")
		atNow(true)
	}
	if f.Prefix != "" {
		// A range of the (tenant_id, e164) index.
		if !s.textOK(f.Prefix) {
			return "", true
		}
		conds = append(conds, "n.e164 >= "+a.add(f.Prefix))
		if end, ok := prefixEnd(f.Prefix); ok {
			conds = append(conds, "n.e164 < "+a.add(end))
		}
	}
	if f.Extension != "" {
		if !s.textOK(f.Extension) {
			return "", true
		}
		conds = append(conds, "n.extension = "+a.add(f.Extension))
	}
	if f.Digits != "" {
		// A substring of the E.164 without its "+", taken literally (no
		// wildcards); byte-wise on SQLite, so that NUL bytes count too.
		if !s.textOK(f.Digits) {
			return "", true
		}
		if s.d == Postgres {
			conds = append(conds, "strpos(CASE WHEN left(n.e164, 1) = '+' THEN substr(n.e164, 2) ELSE n.e164 END, "+a.add(f.Digits)+") > 0")
		} else {
			conds = append(conds, "instr(CASE WHEN substr(n.e164, 1, 1) = '+' THEN substr(CAST(n.e164 AS BLOB), 2) ELSE CAST(n.e164 AS BLOB) END, "+a.add([]byte(f.Digits))+") > 0")
		}
	}
	if !f.DueBefore.IsZero() {
		conds = append(conds, "n.status = '"+string(numbers.StatusDeactivationPending)+"' AND (n.deactivation_at IS NULL OR n.deactivation_at <= "+a.add(s.timeArg(f.DueBefore))+")")
	}
	return strings.Join(conds, " AND "), false
}

// maxIDPlaceholders is the longest ID list SQLite gets as placeholders.
const maxIDPlaceholders = 1000

func toStrings[S ~string](vs []S) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// FindNumbers returns the page of the tenant's numbers matching f and the
// total count of matches before paging. It is one query (the page, the
// holders of each number and the count, up to f.CountLimit; without paging
// the rows are the count), plus a count query when the page is empty because
// Offset or After is past the end. The page merges the segments of f's order
// (see segments), each read in index order.
func (s *Store) FindNumbers(ctx context.Context, tenant numberdesk.TenantID, f numbers.Filter) ([]*numbers.Number, int, error) {
	const op = "sqlstore.FindNumbers"
	ns, total, _, err := s.findNumbers(ctx, op, tenant, f, nil)
	return ns, total, err
}

// FindNumbersAs implements numbers.ActorReader: the employee's standing
// comes with every row of the read by IDs (a LEFT JOIN of its key).
func (s *Store) FindNumbersAs(ctx context.Context, actor numberdesk.Actor, ids []numberdesk.NumberID) ([]*numbers.Number, *staff.Standing, error) {
	const op = "sqlstore.FindNumbersAs"
	ns, _, sd, err := s.findNumbers(ctx, op, actor.Tenant, numbers.Filter{IDs: ids}, &actor)
	return ns, sd, err
}

// findNumbers is FindNumbers; with as, it also returns the standing of as's
// employee if a number was read (see FindNumbersAs).
func (s *Store) findNumbers(ctx context.Context, op string, tenant numberdesk.TenantID, f numbers.Filter, as *numberdesk.Actor) ([]*numbers.Number, int, *staff.Standing, error) {
	if err := f.Check(op); err != nil {
		return nil, 0, nil, err
	}
	var sd *staff.Standing
	offset, limit := f.Offset, f.Limit
	out := []*numbers.Number{}
	total := 0
	err := s.read(ctx, op, func(c *call) error {
		a := &args{d: s.d}
		// Without paging the page is every match, and its length the
		// total: no count (the reads of the commands, by ID).
		whole := limit == 0 && offset == 0 && f.After == nil
		count := "0"
		if whole {
			if _, none := s.where(&args{d: s.d}, tenant, f); none {
				return nil
			}
		} else {
			countCond, none := s.where(a, tenant, f)
			if none {
				return nil
			}
			count = s.countQuery(countCond, f.CountLimit)
		}
		var lim any = limit
		if limit == 0 {
			lim = nil // PostgreSQL: LIMIT NULL is no limit
			if s.d == SQLite {
				lim = -1
			}
		}
		// The count is an uncorrelated scalar subquery, run once: cheaper
		// than count(*) OVER (), which materializes every matching row
		// (measured: 4 µs against 50 µs for 48 numbers on SQLite). The
		// holders are read for the rows of the page only.
		// The arguments are added in the order their placeholders
		// stand in the statement (SQLite's are positional).
		branch := func(seg segment, order string) string {
			cond, _ := s.where(a, tenant, f)
			if seg.cond != nil {
				cond += " AND " + seg.cond(a)
			}
			if seg.after != nil {
				cond += " AND " + seg.after(a)
			}
			return "SELECT n.* FROM numbers n WHERE " + cond + " ORDER BY " + order
		}
		var inner string
		if segs := s.segments(f); s.d == Postgres && whole && len(segs) == 1 && (len(f.IDs) > 0 || len(f.E164s) > 0) {
			// PostgreSQL, a few numbers by key (the commands' reads): no
			// order and no LIMIT inside, so that the planner does not walk
			// the tenant in E.164 order to stop early, as the generic plan
			// of the prepared statement did (it cannot know that the limit
			// is NULL); the outer ORDER BY sorts the few rows found.
			inner = branch(segs[0], "")
			inner = strings.TrimSuffix(inner, " ORDER BY ")
		} else if len(segs) == 1 {
			order := segs[0].order(a)
			if s.d == SQLite && (len(f.IDs) > 0 || len(f.E164s) > 0) {
				// A few numbers by key: look them up and sort them, rather
				// than walk the tenant in E.164 order (SQLite's planner has no
				// statistics to tell). The unary + keeps the sort off indexes.
				order = "+" + order
			}
			inner = branch(segs[0], order) + " LIMIT " + a.add(lim) + " OFFSET " + a.add(offset)
		} else {
			// Each segment's first offset+limit numbers, merged.
			lead := lim
			if limit > 0 {
				lead = offset + limit
			}
			parts := make([]string, len(segs))
			for i, seg := range segs {
				parts[i] = "SELECT * FROM (" + branch(seg, seg.order(a)) + " LIMIT " + a.add(lead) + ") s" + strconv.Itoa(i)
			}
			inner = "SELECT u.* FROM (" + strings.Join(parts, " UNION ALL ") + ") u ORDER BY " + s.orderBy(a, f, "u") +
				" LIMIT " + a.add(lim) + " OFFSET " + a.add(offset)
		}
		cols, from := numberCols("p")+", "+s.holdersCol("p")+", "+count, " FROM ("+inner+") p"
		if as != nil {
			// Malformed IDs were never stored.
			staffID := ""
			if numberdesk.ValidID(as.Staff) {
				staffID = string(as.Staff)
			}
			cols += ", e.role, e.locked"
			from += " LEFT JOIN employees e ON e.tenant_id = p.tenant_id AND e.id = " + a.add(staffID)
		}
		q := "SELECT " + cols + from + " ORDER BY " + s.orderBy(a, f, "p")
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			dest := []any{&total}
			var role sql.NullString
			var locked sql.NullBool
			if as != nil {
				dest = append(dest, &role, &locked)
			}
			n, err := scanNumber(rows, dest...)
			if err != nil {
				return err
			}
			if as != nil {
				sd = &staff.Standing{Found: role.Valid, Role: numberdesk.Role(role.String), Locked: locked.Bool}
			}
			out = append(out, n)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if whole {
			total = len(out)
			if f.CountLimit > 0 {
				total = min(total, f.CountLimit)
			}
		}
		if len(out) > 0 || offset == 0 && f.After == nil {
			return nil
		}
		// Past the end: the count came with no row.
		a = &args{d: s.d}
		cond, _ := s.where(a, tenant, f)
		rows, err = c.query(ctx, "SELECT "+s.countQuery(cond, f.CountLimit), a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(&total); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, nil, err
	}
	return out, total, sd, nil
}

// countQuery is the scalar subquery that counts the numbers (row n)
// matching cond, up to limit if it is positive: then it reads at most limit
// index entries, however many match. On PostgreSQL the capped count walks
// the E.164 order, so that the planner reads an index of the tenant (or of
// its state, prefix or extension), never the table from its start: a
// sequential scan that stops after limit matches is cheap only while the
// tenant owns most of the table.
func (s *Store) countQuery(cond string, limit int) string {
	if limit <= 0 {
		return "(SELECT count(*) FROM numbers n WHERE " + cond + ")"
	}
	order := ""
	if s.d == Postgres {
		order = " ORDER BY n.e164"
	}
	return "(SELECT count(*) FROM (SELECT 1 FROM numbers n WHERE " + cond + order + " LIMIT " + strconv.Itoa(limit) + ") c)"
}

// ---------------------------------------------------------------------------
// Creating

// defaultDueTenants is the limit of FindDueTenants when it is given 0.
const defaultDueTenants = 1000

// FindDueTenants returns the tenants after after, in ID order, that have a
// number stored as pending whose deactivation_at is not after before (or is
// NULL, the zero time), at most limit of them (0: 1000). It is one
// statement, which reads only the due rows, through the partial index
// numbers_pending_due of the pending numbers (migration 0009: by
// deactivation_at, with their tenant), and then groups them by tenant: its
// cost grows with the due numbers, not with the table
// (TestDueTenantsUsesIndex). The literal status in the statement is the
// index's condition, so that the planner of either dialect can prove that
// the index serves the query (a parameter could not).
func (s *Store) FindDueTenants(ctx context.Context, before time.Time, after numberdesk.TenantID, limit int) ([]numberdesk.TenantID, error) {
	const op = "sqlstore.FindDueTenants"
	switch {
	case before.IsZero():
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "before", "Der Zeitpunkt fehlt.")
	case after != "" && !numberdesk.ValidID(after):
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "after", "Die Position ist ungültig.")
	}
	if err := numberdesk.CheckPage(op, 0, limit); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = defaultDueTenants
	}
	var out []numberdesk.TenantID
	err := s.read(ctx, op, func(c *call) error {
		out = out[:0]
		a := &args{d: s.d}
		// Two ranges of the index, the due dates and the NULL ones (an OR
		// of the two would read every pending number). Their union is
		// grouped and sorted afterwards: a plain UNION or DISTINCT asks
		// for rows in tenant order, which the planners (SQLite's without
		// statistics, PostgreSQL's for a small LIMIT) then read from the
		// index (tenant_id, status, deactivation_at) of every number.
		pending := "SELECT n.tenant_id FROM numbers n WHERE n.status = '" + string(numbers.StatusDeactivationPending) + "' AND "
		q := "SELECT d.tenant_id FROM (" +
			pending + "n.deactivation_at <= " + a.add(s.timeArg(before)) + " AND n.tenant_id > " + a.add(string(after)) +
			" UNION ALL " + pending + "n.deactivation_at IS NULL AND n.tenant_id > " + a.add(string(after)) +
			") d GROUP BY d.tenant_id ORDER BY d.tenant_id LIMIT " + a.add(limit)
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, numberdesk.TenantID(id))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateNumbers stores new numbers, all or none, and sets Version to 1 (in ns
// too). Tenant, ID (canonical UUIDs) and E164 are required, holders must be
// canonical UUIDs (CodeInvalid); an ID or E.164 that exists in the tenant or
// appears twice in ns is CodeConflict (Field "number"). The tenant need not
// exist. PostgreSQL: one statement; SQLite: one per 1000 numbers and one per
// 1000 holders.
func (s *Store) CreateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	const op = "sqlstore.CreateNumbers"
	holders := 0
	for _, n := range ns {
		if err := n.CheckWrite(op); err != nil {
			return err
		}
		if !numberdesk.ValidID(n.ID) {
			return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung der Rufnummer ist ungültig.")
		}
		if err := s.checkStorable(op, n); err != nil {
			return err
		}
		holders += len(n.Holders)
	}
	if len(ns) == 0 {
		return numberdesk.Internal(op, ctx.Err())
	}
	// SQLite: one statement per chunk of numbers and of holders.
	several := s.d == SQLite && (len(ns) > chunkRows || holders > 0)
	err := s.write(ctx, op, several, func(c *call) error {
		// PostgreSQL: a duplicate fails the statement (and would abort the
		// caller's transaction).
		if several || s.d == Postgres {
			if err := c.atomic(ctx); err != nil {
				return err
			}
		}
		var err error
		if s.d == Postgres {
			err = s.createNumbersPG(ctx, c, ns)
		} else {
			err = s.createNumbersSQLite(ctx, c, ns)
		}
		return numberWriteError(c, op, err)
	})
	if err != nil {
		return err
	}
	for _, n := range ns {
		n.Version = 1
	}
	return nil
}

// numberValueCols are the written columns of a number, in this order.
const numberValueCols = "tenant_id, id, e164, base, extension, origin, porting_date, status, usage_type, options, billing_line, billed_since, deactivation_at, created_at, updated_at, holders_since"

func (s *Store) createNumbersSQLite(ctx context.Context, c *call, ns []*numbers.Number) error {
	err := chunks(len(ns), func(lo, hi int) error {
		a := &args{d: s.d}
		var b strings.Builder
		b.WriteString("INSERT INTO numbers (" + numberValueCols + ", version) VALUES ")
		for i, n := range ns[lo:hi] {
			if i > 0 {
				b.WriteString(", ")
			}
			a.valuesRow(&b, string(n.Tenant), string(n.ID), n.E164, n.Base, n.Extension, string(n.Origin), s.timeArg(n.PortingDate),
				string(n.Status), string(n.UsageType), nullString(optionsArg(n.Options)), n.BillingLine, s.timeArg(n.BilledSince),
				s.timeArg(n.DeactivationAt), s.timeArg(n.CreatedAt), s.timeArg(n.UpdatedAt), s.timeArg(n.HoldersSince), 1)
		}
		_, err := c.exec(ctx, b.String(), a.list...)
		return err
	})
	if err != nil {
		return err
	}
	return s.insertHoldersSQLite(ctx, c, ns)
}

// holderRow is one row of number_holders.
type holderRow struct {
	tenant, number, staff string
	pos                   int32
}

func holderRows(ns []*numbers.Number) []holderRow {
	var hs []holderRow
	for _, n := range ns {
		for i, h := range n.Holders {
			hs = append(hs, holderRow{string(n.Tenant), string(n.ID), string(h), int32(i)})
		}
	}
	return hs
}

func (s *Store) insertHoldersSQLite(ctx context.Context, c *call, ns []*numbers.Number) error {
	hs := holderRows(ns)
	return chunks(len(hs), func(lo, hi int) error {
		a := &args{d: s.d}
		var b strings.Builder
		b.WriteString("INSERT INTO number_holders (tenant_id, number_id, position, staff_id) VALUES ")
		for i, h := range hs[lo:hi] {
			if i > 0 {
				b.WriteString(", ")
			}
			a.valuesRow(&b, h.tenant, h.number, h.pos, h.staff)
		}
		_, err := c.exec(ctx, b.String(), a.list...)
		return err
	})
}

// pgNumberArrays are the columns of ns as arrays for unnest, in the order of
// numberValueCols.
func (s *Store) pgNumberArrays(ns []*numbers.Number) []any {
	cols := make([][]string, 11)
	times := make([][]*time.Time, 6)
	for i := range cols {
		cols[i] = make([]string, len(ns))
	}
	for i := range times {
		times[i] = make([]*time.Time, len(ns))
	}
	tp := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	for i, n := range ns {
		for j, v := range [...]string{string(n.Tenant), string(n.ID), n.E164, n.Base, n.Extension, string(n.Origin),
			string(n.Status), string(n.UsageType), optionsArg(n.Options), n.BillingLine} {
			cols[j][i] = v
		}
		for j, t := range [...]time.Time{n.PortingDate, n.BilledSince, n.DeactivationAt, n.CreatedAt, n.UpdatedAt, n.HoldersSince} {
			times[j][i] = tp(t)
		}
	}
	return []any{pgTextArray(cols[0]), cols[1], pgTextArray(cols[2]), pgTextArray(cols[3]), pgTextArray(cols[4]),
		pgTextArray(cols[5]), pgTimeArray(times[0]), pgTextArray(cols[6]), pgTextArray(cols[7]), pgTextArray(cols[8]),
		pgTextArray(cols[9]), pgTimeArray(times[1]), pgTimeArray(times[2]), pgTimeArray(times[3]),
		pgTimeArray(times[4]), pgTimeArray(times[5])}
}

// pgNumberUnnest is the FROM item of the arrays of pgNumberArrays, starting
// at placeholder $first, as rows v with the columns of numberValueCols.
func pgNumberUnnest(first int, extraTypes ...string) string {
	types := []string{"text", "text", "text", "text", "text", "text", "timestamptz", "text", "text", "text", "text",
		"timestamptz", "timestamptz", "timestamptz", "timestamptz", "timestamptz"}
	types = append(types, extraTypes...)
	ph := make([]string, len(types))
	for i, t := range types {
		ph[i] = opaque(fmt.Sprintf("$%d::%s[]", first+i, t))
	}
	return "unnest(" + strings.Join(ph, ", ") + ")"
}

// opaque hides an array parameter's length from the planner: a scalar
// subquery is no constant, so a custom plan estimates the rows of its
// unnest as a generic plan does (10), not from the array it got. With
// estimates that do not depend on the arguments, PostgreSQL keeps the
// generic plan of a prepared statement after its fifth run, instead of
// planning the statement anew on every run (measured on the big writes:
// 1.4 ms of planning per run, more than their execution).
func opaque(param string) string { return "(SELECT " + param + ")" }

// opaqueList is the array parameters $first… of types, each opaque, as a
// list of arguments.
func opaqueList(first int, types ...string) string {
	ps := make([]string, len(types))
	for i, t := range types {
		ps[i] = opaque(fmt.Sprintf("$%d::%s[]", first+i, t))
	}
	return strings.Join(ps, ", ")
}

// pgHolderArrays are the holders of ns as arrays for unnest.
func pgHolderArrays(hs []holderRow) []any {
	tenants, nums, staff := make([]string, len(hs)), make([]string, len(hs)), make([]string, len(hs))
	pos := make([]int32, len(hs))
	for i, h := range hs {
		tenants[i], nums[i], pos[i], staff[i] = h.tenant, h.number, h.pos, h.staff
	}
	return []any{pgTextArray(tenants), pgTextArray(nums), pos, pgTextArray(staff)}
}

var pgCreateNumbers = `WITH ins AS (
	INSERT INTO numbers (` + numberValueCols + `, version)
	SELECT v.tenant_id, v.id, v.e164, v.base, v.extension, v.origin, v.porting_date, v.status, v.usage_type,
		NULLIF(v.options, '')::jsonb, v.billing_line, v.billed_since, v.deactivation_at, v.created_at, v.updated_at,
		v.holders_since, 1
	FROM ` + pgNumberUnnest(1) + ` AS v(` + numberValueCols + `)
	RETURNING 1
), hold AS (
	INSERT INTO number_holders (tenant_id, number_id, position, staff_id)
	SELECT * FROM unnest($17::text[], $18::text[], $19::int[], $20::text[])
)
SELECT count(*) FROM ins`

func (s *Store) createNumbersPG(ctx context.Context, c *call, ns []*numbers.Number) error {
	arrays := s.pgNumberArrays(ns)
	arrays[1] = pgTextArray(arrays[1].([]string))
	_, err := c.exec(ctx, pgCreateNumbers, append(arrays, pgHolderArrays(holderRows(ns))...)...)
	return err
}

// ---------------------------------------------------------------------------
// Updating

// current is what UpdateNumbers learns of the stored number in place of
// ns[i] before it writes.
type current struct {
	found        bool
	version      int64
	e164         string
	holdersSince time.Time
	taken        bool     // the new E.164 belongs to a number outside the batch
	moved        bool     // the E.164 changes (PostgreSQL only)
	holders      []string // SQLite only
}

// checkUpdate decides an UpdateNumbers batch as memstore does: the first
// number (in order) that is missing or stale fails the batch, then the first
// whose new E.164 is taken, then the first whose HoldersSince goes backwards.
func checkUpdate(op string, ns []*numbers.Number, dup []bool, cur []current) error {
	for i, n := range ns {
		if !cur[i].found {
			return store.ErrNumberNotFound(op)
		}
		if dup[i] || cur[i].version != n.Version {
			return store.ErrStaleVersion(op)
		}
	}
	type key struct {
		tenant numberdesk.TenantID
		e164   string
	}
	finals := make(map[key]bool, len(ns))
	for i, n := range ns {
		k := key{n.Tenant, n.E164}
		if finals[k] {
			return store.ErrNumberExists(op)
		}
		finals[k] = true
		if n.E164 != cur[i].e164 && cur[i].taken {
			return store.ErrNumberExists(op)
		}
	}
	for i, n := range ns {
		if n.HoldersSince.Before(cur[i].holdersSince) {
			return store.ErrHoldersSinceBackwards(op)
		}
	}
	return nil
}

// UpdateNumbers writes numbers, all or none. Each must exist in its Tenant
// (CodeNotFound, Field "id") and carry the stored Version (CodeConflict,
// Field "version"); a changed E164 must stay unique in the tenant
// (CodeConflict, Field "number"). On success every Version is incremented, in
// ns too. PostgreSQL: one statement, which locks the rows in key order and
// writes only if every version matches; SQLite: a read, then the writes.
func (s *Store) UpdateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	return s.updateNumbers(ctx, "sqlstore.UpdateNumbers", nil, "", nil, ns, nil)
}

// Write is DeleteSettings, UpdateNumbers and AppendEvents of w as one write
// (numbers.Writer), all or none, verifying w.Actor first if set.
// PostgreSQL: one statement, UpdateNumbers' with the actor's verification,
// the deletion and the events' insert gated by its checks (a duplicate
// event ID fails the statement, and with it the transaction it runs in),
// unless an event's data needs AppendEvents' savepoint; SQLite: the three
// in one transaction.
func (s *Store) Write(ctx context.Context, w numbers.Write) error {
	const op = "sqlstore.Write"
	if s.d == Postgres && len(w.Events) > 0 && !needsSavepoint(w.Events) {
		if err := s.checkEvents(op, w.Events); err != nil {
			return err
		}
		return s.updateNumbers(ctx, op, w.Actor, w.Tenant, w.Wipe, w.Numbers, w.Events)
	}
	each := func(ctx context.Context) error {
		if w.Actor != nil {
			if err := staff.Verify(ctx, s, op, *w.Actor); err != nil {
				return err
			}
		}
		if err := s.updateNumbers(ctx, op, nil, w.Tenant, w.Wipe, w.Numbers, nil); err != nil || len(w.Events) == 0 {
			return err
		}
		return s.AppendEvents(ctx, w.Events...)
	}
	if s.txFrom(ctx) != nil {
		return each(ctx) // the caller's transaction: it rolls back on an error
	}
	return s.InTx(ctx, each)
}

// SoloWrites reports whether Write is one statement (numbers.SoloWriter):
// on PostgreSQL, for the events that need no savepoint (every command's).
// A Write that is not runs in a transaction of its own, verifying
// Write.Actor in it.
func (s *Store) SoloWrites() bool { return s.d == Postgres }

// updateNumbers is UpdateNumbers that also deletes the routing settings of
// wipe of tenant and, on PostgreSQL, verifies actor (if not nil) and
// appends events (checked by the caller), all in one statement.
func (s *Store) updateNumbers(ctx context.Context, op string, actor *numberdesk.Actor, tenant numberdesk.TenantID, wipe []numberdesk.NumberID, ns []*numbers.Number, events []numberdesk.Event) error {
	for _, n := range ns {
		if err := n.CheckWrite(op); err != nil {
			return err
		}
		if err := s.checkStorable(op, n); err != nil {
			return err
		}
	}
	if len(ns) == 0 {
		return numberdesk.Internal(op, ctx.Err())
	}
	type key struct {
		tenant numberdesk.TenantID
		id     numberdesk.NumberID
	}
	dup := make([]bool, len(ns))
	seen := make(map[key]bool, len(ns))
	for i, n := range ns {
		k := key{n.Tenant, n.ID}
		dup[i] = seen[k]
		seen[k] = true
	}
	// The routing settings to delete: malformed IDs were never stored.
	var wipeIDs []string
	if numberdesk.ValidID(tenant) {
		for _, id := range wipe {
			if numberdesk.ValidID(id) {
				wipeIDs = append(wipeIDs, string(id))
			}
		}
	}
	// SQLite reads, then writes: in a transaction. PostgreSQL: one
	// statement.
	err := s.write(ctx, op, s.d == SQLite, func(c *call) error {
		var err error
		if s.d == Postgres {
			err = s.updateNumbersPG(ctx, c, op, actor, ns, dup, string(tenant), wipeIDs, events)
		} else if err = s.updateNumbersSQLite(ctx, c, op, ns, dup); err == nil {
			err = s.deleteSettings(ctx, c, tenant, wipeIDs)
		}
		return numberWriteError(c, op, err)
	})
	if err != nil {
		return err
	}
	for _, n := range ns {
		n.Version++
	}
	return nil
}

// idArg is the ID to look up for n: IDs that are no UUID are never stored,
// and "" finds nothing without troubling the database.
func idArg(n *numbers.Number) string {
	if numberdesk.ValidID(n.ID) {
		return string(n.ID)
	}
	return ""
}

var pgUpdateNumbers = `WITH v AS (
	SELECT * FROM ` + pgNumberUnnest(1, "int", "bigint", "int") + `
		AS v(` + numberValueCols + `, ord, version, nholders)
), cur AS (
	-- Each number locked through its key, in key order (the locking
	-- subquery cannot be flattened into a join, which a small table's
	-- plan made a scan of the whole table, in every statement, under the
	-- other writers' page locks), with its row's address for upd.
	SELECT n.tenant_id, n.id, n.version, n.e164, n.holders_since, n.row
	FROM (SELECT DISTINCT v.tenant_id, v.id FROM v ORDER BY v.tenant_id, v.id) k
	CROSS JOIN LATERAL (SELECT n.tenant_id, n.id, n.version, n.e164, n.holders_since, n.ctid AS row FROM numbers n
		WHERE n.tenant_id = k.tenant_id AND n.id = k.id FOR UPDATE) n
), chk AS (
	SELECT v.ord, cur.version AS cur_version, cur.e164 AS cur_e164, cur.holders_since AS cur_holders_since,
		coalesce(v.e164 <> cur.e164 AND EXISTS (
			SELECT 1 FROM numbers o WHERE o.tenant_id = v.tenant_id AND o.e164 = v.e164
			AND (o.tenant_id, o.id) NOT IN (SELECT w.tenant_id, w.id FROM v w)), false) AS taken,
		coalesce(cur.version = v.version, false) AS fresh,
		coalesce(v.e164 <> cur.e164, false) AS moved,
		coalesce(v.holders_since, '-infinity') < coalesce(cur.holders_since, '-infinity') AS back
	FROM v LEFT JOIN cur ON cur.tenant_id = v.tenant_id AND cur.id = v.id
), act AS (
	-- The actor's employee, as staff.Verify reads it, if $28 (Write.Actor):
	-- the statement is the command's transaction.
	SELECT e.role, e.locked FROM employees e WHERE $28::boolean AND e.tenant_id = $29::text AND e.id = $30::text
), ok AS (
	SELECT $24::boolean AND bool_and(fresh AND NOT taken AND NOT back AND ($25::boolean OR NOT moved))
		AND (NOT $28::boolean OR EXISTS (SELECT 1 FROM act WHERE NOT act.locked AND ($31::text = '' OR act.role = $31::text))) AS ok
	FROM chk
), upd AS (
	UPDATE numbers n SET e164 = v.e164, base = v.base, extension = v.extension, origin = v.origin,
		porting_date = v.porting_date, status = v.status, usage_type = v.usage_type,
		options = NULLIF(v.options, '')::jsonb, billing_line = v.billing_line, billed_since = v.billed_since,
		deactivation_at = v.deactivation_at, created_at = v.created_at, updated_at = v.updated_at,
		holders_since = v.holders_since, version = n.version + 1
	FROM v JOIN cur ON cur.tenant_id = v.tenant_id AND cur.id = v.id, ok
	-- The locked row, by its address: cur locked the version the
	-- statement's snapshot sees (one a concurrent writer changed meanwhile
	-- has another version, and ok is false).
	WHERE ok.ok AND n.ctid = cur.row AND n.tenant_id = v.tenant_id AND n.id = v.id
	RETURNING n.id
), hdel AS (
	DELETE FROM number_holders h USING v, ok
	WHERE ok.ok AND h.tenant_id = v.tenant_id AND h.number_id = v.id AND h.position >= v.nholders
), hput AS (
	INSERT INTO number_holders (tenant_id, number_id, position, staff_id)
	SELECT x.tenant_id, x.number_id, x.position, x.staff_id
	FROM unnest(` + opaque("$20::text[]") + `, ` + opaque("$21::text[]") + `, ` + opaque("$22::int[]") + `, ` + opaque("$23::text[]") + `) AS x(tenant_id, number_id, position, staff_id), ok
	WHERE ok.ok
	ON CONFLICT (tenant_id, number_id, position) DO UPDATE SET staff_id = EXCLUDED.staff_id
	WHERE number_holders.staff_id <> EXCLUDED.staff_id
), pput AS (
	-- The stored holders held the number until the new holders_since (the
	-- statement's snapshot still has them).
	INSERT INTO number_holder_periods (tenant_id, number_id, from_at, to_at, holders)
	SELECT v.tenant_id, v.id, cur.holders_since, v.holders_since, hs.holders
	FROM v JOIN cur ON cur.tenant_id = v.tenant_id AND cur.id = v.id
	CROSS JOIN LATERAL (SELECT jsonb_agg(h.staff_id ORDER BY h.position) AS holders FROM number_holders h
		WHERE h.tenant_id = v.tenant_id AND h.number_id = v.id) hs, ok
	WHERE ok.ok AND hs.holders IS NOT NULL AND v.holders_since > coalesce(cur.holders_since, '-infinity')
), rdel AS (
	-- Write: the routing settings go with the update.
	DELETE FROM routing_settings r USING ok
	WHERE ok.ok AND r.tenant_id = $26::text AND r.number_id = ANY($27::text[])
)
SELECT chk.ord, chk.cur_version, chk.cur_e164, chk.cur_holders_since, chk.taken, chk.moved, (SELECT count(*) FROM upd),
	(SELECT act.role FROM act), (SELECT act.locked FROM act) FROM chk`

// pgWriteNumbers is pgUpdateNumbers that also appends events ($32 to $40,
// pgEventArrays), gated by the same checks, Seq in their order, and returns
// what it appended as JSON [[tenant_id, id, seq], …] in every row.
var pgWriteNumbers = strings.Replace(pgUpdateNumbers, "\n)\nSELECT chk.ord, chk.cur_version, chk.cur_e164, chk.cur_holders_since, chk.taken, chk.moved, (SELECT count(*) FROM upd),\n\t(SELECT act.role FROM act), (SELECT act.locked FROM act) FROM chk", pgWriteEvents, 1)

// pgWriteEvents is what pgWriteNumbers puts in place of pgUpdateNumbers' final
// SELECT: the events' CTE and the SELECT that also returns them.
var pgWriteEvents = `
), ev AS (
	INSERT INTO events (id, tenant_id, type, at, actor_tenant, actor_staff, actor_role, number_id, data)
	SELECT e.id, e.tenant_id, e.type, e.at, e.actor_tenant, e.actor_staff, e.actor_role, NULLIF(e.number_id, ''), NULLIF(e.data, '')::jsonb
	FROM unnest(` + opaqueList(32, "text", "text", "text", "timestamptz", "text", "text", "text", "text", "text") + `)
		WITH ORDINALITY AS e(id, tenant_id, type, at, actor_tenant, actor_staff, actor_role, number_id, data, ord), ok
	WHERE ok.ok
	ORDER BY e.ord
	RETURNING tenant_id, id, seq
)
SELECT chk.ord, chk.cur_version, chk.cur_e164, chk.cur_holders_since, chk.taken, chk.moved, (SELECT count(*) FROM upd),
	(SELECT act.role FROM act), (SELECT act.locked FROM act),
	(SELECT json_agg(json_build_array(ev.tenant_id, ev.id, ev.seq)) FROM ev) FROM chk`

// updateNumbersPG runs pgUpdateNumbers (pgWriteNumbers with events). The statement locks the rows (in key
// order), checks everything and writes only if all is well, so it fails only
// if a concurrent transaction takes a new E.164 meanwhile: a batch that
// changes no E.164 needs no savepoint. One that does runs again, allowed to,
// in a savepoint.
func (s *Store) updateNumbersPG(ctx context.Context, c *call, op string, actor *numberdesk.Actor, ns []*numbers.Number, dup []bool, tenant string, wipe []string, events []numberdesk.Event) error {
	ord, versions, nholders := make([]int32, len(ns)), make([]int64, len(ns)), make([]int32, len(ns))
	for i, n := range ns {
		ord[i], versions[i], nholders[i] = int32(i), n.Version, int32(len(n.Holders))
	}
	arrays := s.pgNumberArrays(ns)
	ids := arrays[1].([]string)
	for i, n := range ns {
		ids[i] = idArg(n)
	}
	arrays[1] = pgTextArray(ids)
	argv := append(arrays, ord, versions, nholders)
	argv = append(argv, pgHolderArrays(holderRows(ns))...)
	argv = append(argv, !slices.Contains(dup, true))
	// The actor to verify: the system actor needs no employee.
	verify := actor != nil && !(actor.Role == numberdesk.RoleSystem && actor.Staff == "")
	var as numberdesk.Actor
	if verify {
		as = *actor
	}
	for _, move := range []bool{false, true} {
		if move {
			if err := c.atomic(ctx); err != nil {
				return err
			}
		}
		q, all := pgUpdateNumbers, append(argv, move, tenant, wipe, verify, string(as.Tenant), string(as.Staff), string(as.Role))
		if len(events) > 0 {
			q, all = pgWriteNumbers, append(all, s.pgEventArrays(events)...)
		}
		cur, sd, updated, appended, err := s.queryUpdatePG(ctx, c, q, len(ns), all)
		if isUnique(err) && len(events) > 0 && onEvents(err) {
			return c.decided(err, numberdesk.E(numberdesk.CodeConflict, op, "id", "Das Ereignis ist bereits vorhanden."))
		}
		if err != nil {
			return err
		}
		if verify {
			// Refused: the statement wrote nothing.
			if err := sd.Verify(op, as); err != nil {
				return err
			}
		}
		if err := checkUpdate(op, ns, dup, cur); err != nil {
			return err
		}
		if updated == len(ns) {
			return setSeqs(events, appended)
		}
		if move || !slices.ContainsFunc(cur, func(c current) bool { return c.moved }) {
			return fmt.Errorf("sqlstore: updated %d of %d numbers", updated, len(ns))
		}
	}
	panic("unreachable")
}

// queryUpdatePG runs q, pgUpdateNumbers or pgWriteNumbers, and returns what
// is stored of the count numbers, the standing of the actor it verified, how
// many it updated and, for pgWriteNumbers, the events it appended (JSON, see
// there).
func (s *Store) queryUpdatePG(ctx context.Context, c *call, q string, count int, argv []any) (cur []current, sd staff.Standing, updated int, appended []byte, err error) {
	rows, err := c.query(ctx, q, argv...)
	if err != nil {
		return nil, sd, 0, nil, err
	}
	defer rows.Close()
	cur = make([]current, count)
	for rows.Next() {
		var (
			i            int
			version      sql.NullInt64
			e164         sql.NullString
			taken, moved bool
			since        time.Time
			role         sql.NullString
			locked       sql.NullBool
		)
		dest := []any{&i, &version, &e164, timeCol{&since}, &taken, &moved, &updated, &role, &locked}
		if q == pgWriteNumbers {
			dest = append(dest, &appended)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, sd, 0, nil, err
		}
		cur[i] = current{found: version.Valid, version: version.Int64, e164: e164.String, holdersSince: since, taken: taken, moved: moved}
		sd = staff.Standing{Found: role.Valid, Role: numberdesk.Role(role.String), Locked: locked.Bool}
	}
	return cur, sd, updated, appended, rows.Err()
}

// setSeqs sets the Seq of each of events from appended, pgWriteNumbers'
// JSON of what it appended.
func setSeqs(events []numberdesk.Event, appended []byte) error {
	if len(events) == 0 {
		return nil
	}
	var rows [][3]json.RawMessage
	if err := json.Unmarshal(appended, &rows); err != nil {
		return fmt.Errorf("sqlstore: appended events: %w", err)
	}
	type key struct{ tenant, id string }
	seqs := make(map[key]int64, len(rows))
	for _, r := range rows {
		var (
			k   key
			seq int64
		)
		if err := errors.Join(json.Unmarshal(r[0], &k.tenant), json.Unmarshal(r[1], &k.id), json.Unmarshal(r[2], &seq)); err != nil {
			return fmt.Errorf("sqlstore: appended events: %w", err)
		}
		seqs[k] = seq
	}
	if len(seqs) != len(events) {
		return fmt.Errorf("sqlstore: appended %d of %d events", len(seqs), len(events))
	}
	for i := range events {
		events[i].Seq = seqs[key{string(events[i].Tenant), string(events[i].ID)}]
	}
	return nil
}

func (s *Store) updateNumbersSQLite(ctx context.Context, c *call, op string, ns []*numbers.Number, dup []bool) error {
	// 1. What is stored: versions, E.164s, holders, and who owns the new
	// E.164s. The transaction holds the write lock (see begin):
	// nothing changes after. A failed check has written nothing.
	cur := make([]current, len(ns))
	type key struct{ tenant, id string }
	inBatch := make(map[key]bool, len(ns))
	for _, n := range ns {
		inBatch[key{string(n.Tenant), string(n.ID)}] = true
	}
	err := chunks(len(ns), func(lo, hi int) error {
		a := &args{d: s.d}
		var b strings.Builder
		b.WriteString("WITH v(ord, tenant_id, id, e164) AS (VALUES ")
		for i, n := range ns[lo:hi] {
			if i > 0 {
				b.WriteString(", ")
			}
			a.valuesRow(&b, lo+i, string(n.Tenant), idArg(n), n.E164)
		}
		b.WriteString(") SELECT v.ord, n.version, n.e164, n.holders_since, " + s.holdersCol("n") +
			", (SELECT o.id FROM numbers o WHERE o.tenant_id = v.tenant_id AND o.e164 = v.e164)" +
			" FROM v LEFT JOIN numbers n ON n.tenant_id = v.tenant_id AND n.id = v.id")
		rows, err := c.query(ctx, b.String(), a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				i       int
				version sql.NullInt64
				e164    sql.NullString
				since   time.Time
				holders []byte
				owner   sql.NullString
			)
			if err := rows.Scan(&i, &version, &e164, timeCol{&since}, &holders, &owner); err != nil {
				return err
			}
			cu := current{found: version.Valid, version: version.Int64, e164: e164.String, holdersSince: since}
			cu.taken = owner.Valid && !inBatch[key{string(ns[i].Tenant), owner.String}]
			if len(holders) > 0 {
				if err := json.Unmarshal(holders, &cu.holders); err != nil {
					return err
				}
			}
			cur[i] = cu
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	if err := checkUpdate(op, ns, dup, cur); err != nil {
		return err
	}

	// 2. Numbers whose E.164 changes move to a temporary one first, as
	// SQLite checks uniqueness row by row (a swap within the batch would
	// fail): NUL and the ID, which no real number has.
	var moved, reheld []*numbers.Number
	var periods []holderPeriodRow
	for i, n := range ns {
		if n.E164 != cur[i].e164 {
			moved = append(moved, n)
		}
		if !slices.Equal(toStrings(n.Holders), cur[i].holders) {
			reheld = append(reheld, n)
		}
		if len(cur[i].holders) > 0 && cur[i].holdersSince.Before(n.HoldersSince) {
			// The stored holders held it until the new HoldersSince.
			periods = append(periods, holderPeriodRow{n.Tenant, n.ID, cur[i].holdersSince, n.HoldersSince, cur[i].holders})
		}
	}
	// One statement is atomic by itself; more need a savepoint in the
	// caller's transaction.
	if len(moved) > 0 || len(reheld) > 0 || len(periods) > 0 || len(ns) > chunkRows {
		if err := c.atomic(ctx); err != nil {
			return err
		}
	}
	err = chunks(len(moved), func(lo, hi int) error {
		a, cond := s.sqliteKeys(moved[lo:hi])
		_, err := c.exec(ctx, "UPDATE numbers SET e164 = char(0) || id WHERE (tenant_id, id) IN ("+cond+")", a.list...)
		return err
	})
	if err != nil {
		return err
	}

	// 3. The numbers, with the version check (which cannot fail here).
	err = chunks(len(ns), func(lo, hi int) error {
		a := &args{d: s.d}
		var b strings.Builder
		b.WriteString("WITH v(" + numberValueCols + ", version) AS (VALUES ")
		for i, n := range ns[lo:hi] {
			if i > 0 {
				b.WriteString(", ")
			}
			a.valuesRow(&b, string(n.Tenant), string(n.ID), n.E164, n.Base, n.Extension, string(n.Origin), s.timeArg(n.PortingDate),
				string(n.Status), string(n.UsageType), nullString(optionsArg(n.Options)), n.BillingLine, s.timeArg(n.BilledSince),
				s.timeArg(n.DeactivationAt), s.timeArg(n.CreatedAt), s.timeArg(n.UpdatedAt), s.timeArg(n.HoldersSince), n.Version)
		}
		b.WriteString(`) UPDATE numbers SET e164 = v.e164, base = v.base, extension = v.extension, origin = v.origin,
			porting_date = v.porting_date, status = v.status, usage_type = v.usage_type, options = v.options,
			billing_line = v.billing_line, billed_since = v.billed_since, deactivation_at = v.deactivation_at,
			created_at = v.created_at, updated_at = v.updated_at, holders_since = v.holders_since, version = numbers.version + 1
			FROM v WHERE numbers.tenant_id = v.tenant_id AND numbers.id = v.id AND numbers.version = v.version`)
		res, err := c.exec(ctx, b.String(), a.list...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(hi-lo) {
			return fmt.Errorf("sqlstore: updated %d of %d numbers (%v)", n, hi-lo, err)
		}
		return nil
	})
	if err != nil {
		return err
	}

	// 4. The holders of the numbers whose holders changed.
	err = chunks(len(reheld), func(lo, hi int) error {
		a, cond := s.sqliteKeys(reheld[lo:hi])
		_, err := c.exec(ctx, "DELETE FROM number_holders WHERE (tenant_id, number_id) IN ("+cond+")", a.list...)
		return err
	})
	if err != nil {
		return err
	}
	if err := s.insertHoldersSQLite(ctx, c, reheld); err != nil {
		return err
	}

	// 5. The holder history.
	return chunks(len(periods), func(lo, hi int) error {
		a := &args{d: s.d}
		var b strings.Builder
		b.WriteString("INSERT INTO number_holder_periods (tenant_id, number_id, from_at, to_at, holders) VALUES ")
		for i, p := range periods[lo:hi] {
			if i > 0 {
				b.WriteString(", ")
			}
			hs, err := json.Marshal(p.holders)
			if err != nil {
				return err
			}
			a.valuesRow(&b, string(p.tenant), string(p.number), s.timeArg(p.from), s.timeArg(p.to), string(hs))
		}
		_, err := c.exec(ctx, b.String(), a.list...)
		return err
	})
}

// holderPeriodRow is one row of number_holder_periods to insert.
type holderPeriodRow struct {
	tenant   numberdesk.TenantID
	number   numberdesk.NumberID
	from, to time.Time
	holders  []string
}

// sqliteKeys returns "VALUES (?, ?), ..." of the tenants and IDs of ns.
func (s *Store) sqliteKeys(ns []*numbers.Number) (*args, string) {
	a := &args{d: s.d}
	var b strings.Builder
	b.WriteString("VALUES ")
	for i, n := range ns {
		if i > 0 {
			b.WriteString(", ")
		}
		a.valuesRow(&b, string(n.Tenant), string(n.ID))
	}
	return a, b.String()
}

// numberWriteError maps what the database refused of a write of numbers: a
// taken E.164 (unique index) is the contract's ErrNumberExists, text the
// database cannot hold is CodeInvalid; other errors stay as they are.
func numberWriteError(c *call, op string, err error) error {
	switch {
	case isUnique(err):
		return c.decided(err, store.ErrNumberExists(op))
	case isBadText(err):
		return c.decided(err, errBadText(op, ""))
	}
	return err
}

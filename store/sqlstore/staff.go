package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// ---------------------------------------------------------------------------
// Employees
//
// The table keeps, beside the employee's fields, three keys the store
// computes with Go's strings.ToLower (SQLite's lower() folds ASCII only, and
// PostgreSQL's depends on the collation): email_key, unique per tenant, so
// that addresses are compared case-insensitively; last_key and first_key,
// which with email_key and the ID are the list order, in byte order as in
// memstore. A search looks for the lower-cased text in first_key || ' ' ||
// last_key and in email_key.

// emailKey is the form in which e-mail addresses are unique in a tenant.
func emailKey(email string) string { return strings.ToLower(email) }

// checkEmployee checks what every written employee needs (as memstore does)
// and what the database can store.
func (s *Store) checkEmployee(op string, e *staff.Employee) error {
	switch {
	case e == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "employee", "Der Mitarbeiter fehlt.")
	case !numberdesk.ValidID(e.Tenant):
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant des Mitarbeiters fehlt oder ist ungültig.")
	case e.Email == "":
		return numberdesk.E(numberdesk.CodeInvalid, op, "email", "Die E-Mail-Adresse fehlt.")
	}
	for _, f := range [...]struct{ field, v string }{
		{"first_name", e.FirstName}, {"last_name", e.LastName}, {"email", e.Email}, {"role", string(e.Role)},
	} {
		if !s.textOK(f.v) {
			return errBadText(op, f.field)
		}
	}
	return nil
}

// employeeCols are the columns scanEmployee reads, of the employees row a.
func employeeCols(a string) string {
	return strings.NewReplacer("@", a).Replace("@.id, @.first_name, @.last_name, @.email, @.role, @.locked, " +
		"@.pref_missed_calls, @.pref_faxes, @.pref_voicemail, @.pref_other, @.created_at, @.updated_at, @.version, @.routing_edit")
}

// scanEmployee scans employeeCols, then extra.
func scanEmployee(rows *sql.Rows, tenant numberdesk.TenantID, extra ...any) (*staff.Employee, error) {
	e := &staff.Employee{Tenant: tenant}
	var id, role string
	p := &e.Preferences
	dest := []any{&id, &e.FirstName, &e.LastName, &e.Email, &role, &e.Locked, &p.MissedCalls, &p.Faxes, &p.Voicemail,
		&p.Other, timeCol{&e.CreatedAt}, timeCol{&e.UpdatedAt}, &e.Version, &e.RoutingEdit}
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	e.ID, e.Role = numberdesk.StaffID(id), numberdesk.Role(role)
	return e, nil
}

// FindEmployeeByID returns the tenant's employee, or CodeNotFound (also for
// a malformed ID and for another tenant's employee). One query.
func (s *Store) FindEmployeeByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (*staff.Employee, error) {
	const op = "sqlstore.FindEmployeeByID"
	var out *staff.Employee
	err := s.read(ctx, op, func(c *call) error {
		if !numberdesk.ValidID(tenant) || !numberdesk.ValidID(id) {
			return store.ErrEmployeeNotFound(op) // never stored
		}
		a := &args{d: s.d}
		q := "SELECT " + employeeCols("e") + " FROM employees e WHERE e.tenant_id = " + a.add(string(tenant)) +
			" AND e.id = " + a.add(string(id))
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			if out, err = scanEmployee(rows, tenant); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if out == nil {
			return store.ErrEmployeeNotFound(op)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// employeeWhere returns the WHERE condition of f for the tenant's employees
// (row e), or none = true if nothing can match.
func (s *Store) employeeWhere(a *args, tenant numberdesk.TenantID, f staff.Filter) (cond string, none bool) {
	if !numberdesk.ValidID(tenant) {
		return "", true
	}
	conds := []string{"e.tenant_id = " + a.add(string(tenant))}
	if len(f.IDs) > 0 {
		ids := distinct(f.IDs, func(id numberdesk.StaffID) bool { return numberdesk.ValidID(id) })
		if len(ids) == 0 {
			return "", true
		}
		conds = append(conds, s.inList(a, "e.id", ids))
	}
	if f.Email != "" {
		key := emailKey(f.Email)
		if !s.textOK(key) {
			return "", true
		}
		conds = append(conds, "e.email_key = "+a.add(key))
	}
	if len(f.Roles) > 0 {
		roles := distinct(f.Roles, func(r numberdesk.Role) bool { return s.textOK(string(r)) })
		if len(roles) == 0 {
			return "", true
		}
		conds = append(conds, s.inList(a, "e.role", roles))
	}
	if f.Search != "" {
		search := strings.ToLower(f.Search)
		if !s.textOK(search) {
			return "", true
		}
		if s.d == Postgres {
			conds = append(conds, "(strpos(e.first_key || ' ' || e.last_key, "+a.add(search)+") > 0 OR strpos(e.email_key, "+a.add(search)+") > 0)")
		} else {
			// Byte-wise, so that NUL bytes count too.
			conds = append(conds, "(instr(CAST(e.first_key || ' ' || e.last_key AS BLOB), "+a.add([]byte(search))+
				") > 0 OR instr(CAST(e.email_key AS BLOB), "+a.add([]byte(search))+") > 0)")
		}
	}
	return strings.Join(conds, " AND "), false
}

// employeeOrder is the list order: last name, first name, e-mail (each
// case-insensitively), then ID.
const employeeOrder = "e.last_key, e.first_key, e.email_key, e.id"

// FindEmployees returns the page of the tenant's employees matching f,
// sorted by last name, first name and e-mail (case-insensitively, in byte
// order of the lower-cased text), then ID, and the total count of matches
// before paging. A negative Offset or Limit is CodeInvalid (Filter.Check).
// One query (plus a count when Offset is past the end).
func (s *Store) FindEmployees(ctx context.Context, tenant numberdesk.TenantID, f staff.Filter) ([]*staff.Employee, int, error) {
	const op = "sqlstore.FindEmployees"
	if err := f.Check(op); err != nil {
		return nil, 0, err
	}
	offset, limit := f.Offset, f.Limit
	out := []*staff.Employee{}
	total := 0
	err := s.read(ctx, op, func(c *call) error {
		a := &args{d: s.d}
		countCond, none := s.employeeWhere(a, tenant, f)
		if none {
			return nil
		}
		cond, _ := s.employeeWhere(a, tenant, f)
		q := "SELECT " + employeeCols("e") + ", (SELECT count(*) FROM employees e WHERE " + countCond + ") FROM employees e WHERE " +
			cond + " ORDER BY " + employeeOrder + " LIMIT " + a.add(s.limitArg(limit)) + " OFFSET " + a.add(offset)
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEmployee(rows, tenant, &total)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) > 0 || offset == 0 {
			return nil
		}
		a = &args{d: s.d}
		cond, _ = s.employeeWhere(a, tenant, f)
		return s.count(ctx, c, "SELECT count(*) FROM employees e WHERE "+cond, a.list, &total)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// employeeArgs are the values of the written columns of e (employeeValueCols).
func (s *Store) employeeArgs(e *staff.Employee) []any {
	p := e.Preferences
	return []any{string(e.Tenant), string(e.ID), e.FirstName, e.LastName, e.Email, emailKey(e.Email),
		strings.ToLower(e.FirstName), strings.ToLower(e.LastName), string(e.Role), e.Locked,
		p.MissedCalls, p.Faxes, p.Voicemail, p.Other, s.timeArg(e.CreatedAt), s.timeArg(e.UpdatedAt), e.RoutingEdit}
}

// employeeValueCols are the written columns of an employee, in the order of
// employeeArgs.
const employeeValueCols = "tenant_id, id, first_name, last_name, email, email_key, first_key, last_key, role, locked, " +
	"pref_missed_calls, pref_faxes, pref_voicemail, pref_other, created_at, updated_at, routing_edit"

// raceRuns bounds how often a write that lost a race to a concurrent one,
// and cannot tell why it failed, runs again.
const raceRuns = 3

// CreateEmployee stores e and sets Version to 1 (in e too). Tenant and ID
// must be canonical UUIDs and Email set (CodeInvalid); CodeConflict (Field
// "id") if the ID exists in the tenant, else (Field "email") if another
// employee of the tenant has the e-mail, compared case-insensitively. The
// tenant need not exist. One statement, which cannot fail on a duplicate
// (INSERT ... ON CONFLICT DO NOTHING), so it needs no savepoint; on SQLite a
// refused insert takes a second one to tell why.
func (s *Store) CreateEmployee(ctx context.Context, e *staff.Employee) error {
	const op = "sqlstore.CreateEmployee"
	if err := s.checkEmployee(op, e); err != nil {
		return err
	}
	if !numberdesk.ValidID(e.ID) {
		return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung des Mitarbeiters ist ungültig.")
	}
	err := s.write(ctx, op, false, func(c *call) error {
		for range raceRuns {
			inserted, idTaken, emailTaken, err := s.insertEmployee(ctx, c, e)
			switch {
			case err != nil:
				return err
			case inserted:
				return nil
			case idTaken:
				return store.ErrEmployeeExists(op)
			case emailTaken:
				return store.ErrEmailTaken(op)
			}
			// A concurrent transaction took the ID or the address after
			// the statement's snapshot (PostgreSQL), or freed it again
			// (SQLite, outside InTx): look again.
		}
		return fmt.Errorf("sqlstore: employee %s: insert refused %d times without a conflicting row", e.ID, raceRuns)
	})
	if err != nil {
		return err
	}
	e.Version = 1
	return nil
}

// insertEmployee inserts e unless its ID or e-mail is taken, and reports
// which.
func (s *Store) insertEmployee(ctx context.Context, c *call, e *staff.Employee) (inserted, idTaken, emailTaken bool, err error) {
	a := &args{d: s.d}
	var b strings.Builder
	b.WriteString("INSERT INTO employees (" + employeeValueCols + ", version) VALUES ")
	a.valuesRow(&b, append(s.employeeArgs(e), 1)...)
	b.WriteString(" ON CONFLICT DO NOTHING")
	if s.d == Postgres {
		// The EXISTS see the snapshot before the insert.
		q := "WITH ins AS (" + b.String() + " RETURNING 1) SELECT (SELECT count(*) FROM ins) > 0, " +
			"EXISTS (SELECT 1 FROM employees WHERE tenant_id = $1 AND id = $2), " +
			"EXISTS (SELECT 1 FROM employees WHERE tenant_id = $1 AND email_key = $6)"
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return false, false, false, err
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(&inserted, &idTaken, &emailTaken); err != nil {
				return false, false, false, err
			}
		}
		return inserted, idTaken, emailTaken, rows.Err()
	}
	res, err := c.exec(ctx, b.String(), a.list...)
	if err != nil {
		return false, false, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, false, false, err
	}
	idTaken, emailTaken, err = s.employeeTaken(ctx, c, e.Tenant, e.ID, emailKey(e.Email), "")
	return false, idTaken, emailTaken, err
}

// employeeTaken reports whether the tenant has an employee id, and whether
// an employee other than except has the e-mail key.
func (s *Store) employeeTaken(ctx context.Context, c *call, tenant numberdesk.TenantID, id numberdesk.StaffID, key string, except numberdesk.StaffID) (idTaken, emailTaken bool, err error) {
	a := &args{d: s.d}
	q := "SELECT EXISTS (SELECT 1 FROM employees WHERE tenant_id = " + a.add(string(tenant)) + " AND id = " + a.add(string(id)) +
		"), EXISTS (SELECT 1 FROM employees WHERE tenant_id = " + a.add(string(tenant)) + " AND email_key = " + a.add(key) +
		" AND id <> " + a.add(string(except)) + ")"
	rows, err := c.query(ctx, q, a.list...)
	if err != nil {
		return false, false, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&idTaken, &emailTaken); err != nil {
			return false, false, err
		}
	}
	return idTaken, emailTaken, rows.Err()
}

// UpdateEmployee writes e. It must exist in its Tenant (CodeNotFound, Field
// "id"), carry the stored Version (CodeConflict, Field "version"), and its
// e-mail must not belong to another employee of the tenant (CodeConflict,
// Field "email"); checked in this order. On success the Version is
// incremented, in e too.
//
// PostgreSQL: one statement, which locks the row, checks everything and
// writes only if all is well. If the e-mail key changes inside InTx, it runs
// again in a savepoint, as a concurrent transaction may take the address
// meanwhile and fail it. SQLite: one conditional UPDATE, and a read to tell
// why if it wrote nothing.
func (s *Store) UpdateEmployee(ctx context.Context, e *staff.Employee) error {
	const op = "sqlstore.UpdateEmployee"
	if err := s.checkEmployee(op, e); err != nil {
		return err
	}
	err := s.write(ctx, op, false, func(c *call) error {
		if !numberdesk.ValidID(e.ID) {
			return store.ErrEmployeeNotFound(op) // never stored
		}
		var err error
		if s.d == Postgres {
			err = s.updateEmployeePG(ctx, c, op, e)
		} else {
			err = s.updateEmployeeSQLite(ctx, c, op, e)
		}
		if isUnique(err) {
			return c.decided(err, store.ErrEmailTaken(op))
		}
		return err
	})
	if err != nil {
		return err
	}
	e.Version++
	return nil
}

// pgUpdateEmployee writes an employee ($1–$17 as employeeArgs) if it exists,
// has version $18, the e-mail key $6 belongs to no other employee, and, unless
// $19, the key stays the same. It reports what it found and whether it wrote.
var pgUpdateEmployee = `WITH cur AS (
	SELECT version, email_key FROM employees WHERE tenant_id = $1 AND id = $2 FOR UPDATE
), chk AS (
	SELECT EXISTS (SELECT 1 FROM employees o WHERE o.tenant_id = $1 AND o.email_key = $6 AND o.id <> $2) AS taken
), upd AS (
	UPDATE employees e SET first_name = $3, last_name = $4, email = $5, email_key = $6, first_key = $7, last_key = $8,
		role = $9, locked = $10, pref_missed_calls = $11, pref_faxes = $12, pref_voicemail = $13, pref_other = $14,
		created_at = $15, updated_at = $16, routing_edit = $17, version = e.version + 1
	FROM chk
	WHERE e.tenant_id = $1 AND e.id = $2 AND e.version = $18 AND NOT chk.taken AND ($19 OR e.email_key = $6)
	RETURNING 1
)
SELECT cur.version, cur.email_key, chk.taken, (SELECT count(*) FROM upd) FROM chk LEFT JOIN cur ON true`

func (s *Store) updateEmployeePG(ctx context.Context, c *call, op string, e *staff.Employee) error {
	// Outside InTx a failing statement aborts nothing: the key may move in
	// the first run.
	for _, move := range []bool{c.t == nil, true} {
		if move && c.t != nil {
			if err := c.atomic(ctx); err != nil {
				return err
			}
		}
		rows, err := c.query(ctx, pgUpdateEmployee, append(s.employeeArgs(e), e.Version, move)...)
		if err != nil {
			return err
		}
		var (
			version sql.NullInt64
			key     sql.NullString
			taken   bool
			updated int
		)
		for rows.Next() {
			if err := rows.Scan(&version, &key, &taken, &updated); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		switch {
		case !version.Valid:
			return store.ErrEmployeeNotFound(op)
		case version.Int64 != e.Version:
			return store.ErrEmployeeStale(op)
		case taken:
			return store.ErrEmailTaken(op)
		case updated == 1:
			return nil
		case move || key.String == emailKey(e.Email):
			return fmt.Errorf("sqlstore: employee %s: not updated although every check passed", e.ID)
		}
	}
	panic("unreachable")
}

func (s *Store) updateEmployeeSQLite(ctx context.Context, c *call, op string, e *staff.Employee) error {
	argv := s.employeeArgs(e)
	key := emailKey(e.Email)
	for range raceRuns {
		a := &args{d: s.d}
		q := "UPDATE employees SET first_name = " + a.add(argv[2]) + ", last_name = " + a.add(argv[3]) + ", email = " + a.add(argv[4]) +
			", email_key = " + a.add(argv[5]) + ", first_key = " + a.add(argv[6]) + ", last_key = " + a.add(argv[7]) +
			", role = " + a.add(argv[8]) + ", locked = " + a.add(argv[9]) + ", pref_missed_calls = " + a.add(argv[10]) +
			", pref_faxes = " + a.add(argv[11]) + ", pref_voicemail = " + a.add(argv[12]) + ", pref_other = " + a.add(argv[13]) +
			", created_at = " + a.add(argv[14]) + ", updated_at = " + a.add(argv[15]) + ", routing_edit = " + a.add(argv[16]) +
			", version = version + 1" +
			" WHERE tenant_id = " + a.add(argv[0]) + " AND id = " + a.add(argv[1]) + " AND version = " + a.add(e.Version) +
			" AND NOT EXISTS (SELECT 1 FROM employees o WHERE o.tenant_id = " + a.add(argv[0]) + " AND o.email_key = " + a.add(key) +
			" AND o.id <> " + a.add(argv[1]) + ")"
		res, err := c.exec(ctx, q, a.list...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		// Why not? (In a transaction nothing changes in between; outside,
		// a concurrent write may have, and then it runs again.)
		a = &args{d: s.d}
		q = "SELECT e.version, EXISTS (SELECT 1 FROM employees o WHERE o.tenant_id = " + a.add(argv[0]) + " AND o.email_key = " + a.add(key) +
			" AND o.id <> " + a.add(argv[1]) + ") FROM employees e WHERE e.tenant_id = " + a.add(argv[0]) + " AND e.id = " + a.add(argv[1])
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		found, version, taken := false, int64(0), false
		for rows.Next() {
			found = true
			if err := rows.Scan(&version, &taken); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		switch {
		case !found:
			return store.ErrEmployeeNotFound(op)
		case version != e.Version:
			return store.ErrEmployeeStale(op)
		case taken:
			return store.ErrEmailTaken(op)
		}
	}
	return fmt.Errorf("sqlstore: employee %s: update refused %d times although every check passed", e.ID, raceRuns)
}

// DeleteEmployee removes the tenant's employee, or reports CodeNotFound. Its
// records stay (see DeleteRecords). One statement.
func (s *Store) DeleteEmployee(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) error {
	const op = "sqlstore.DeleteEmployee"
	return s.write(ctx, op, false, func(c *call) error {
		if !numberdesk.ValidID(tenant) || !numberdesk.ValidID(id) {
			return store.ErrEmployeeNotFound(op) // never stored
		}
		a := &args{d: s.d}
		res, err := c.exec(ctx, "DELETE FROM employees WHERE tenant_id = "+a.add(string(tenant))+" AND id = "+a.add(string(id)), a.list...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrEmployeeNotFound(op)
		}
		return nil
	})
}

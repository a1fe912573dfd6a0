package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// ---------------------------------------------------------------------------
// Employees and records: layout

// staffData is the part of a Store that holds employees and records (see
// staff.go and records.go), per tenant. Like everything else it is guarded by
// Store.mu (or the running transaction, which holds Store.mu).
type staffData struct {
	spaces map[numberdesk.TenantID]*staffSpace
}

// staffSpace is the employees and records of one tenant. Stored employees and
// records are never changed in place: a write replaces them with a fresh copy.
type staffSpace struct {
	employees map[numberdesk.StaffID]*staff.Employee
	byEmail   map[string]numberdesk.StaffID // emailKey → ID

	records  map[numberdesk.EventID]*numbers.Record
	byNumber map[numberdesk.NumberID]map[numberdesk.EventID]*numbers.Record
	byHolder map[numberdesk.StaffID]map[numberdesk.EventID]*numbers.Record // records without a holder are not in it
}

// staffData returns the Store's employees and records.
func (s *Store) staffData() *staffData { return &s.staff }

// spaceFor returns the tenant's space, creating it. An empty space is
// indistinguishable from none, so its creation needs no undo.
func (d *staffData) spaceFor(tenant numberdesk.TenantID) *staffSpace {
	sp := d.spaces[tenant]
	if sp == nil {
		sp = &staffSpace{
			employees: make(map[numberdesk.StaffID]*staff.Employee),
			byEmail:   make(map[string]numberdesk.StaffID),
			records:   make(map[numberdesk.EventID]*numbers.Record),
			byNumber:  make(map[numberdesk.NumberID]map[numberdesk.EventID]*numbers.Record),
			byHolder:  make(map[numberdesk.StaffID]map[numberdesk.EventID]*numbers.Record),
		}
		d.spaces[tenant] = sp
	}
	return sp
}

// ---------------------------------------------------------------------------
// Employees

// emailKey is the form in which e-mail addresses are unique in a tenant:
// compared case-insensitively.
func emailKey(email string) string { return strings.ToLower(email) }

// checkEmployee validates what every employee write needs.
func checkEmployee(op string, e *staff.Employee) error {
	switch {
	case e == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "employee", "Der Mitarbeiter fehlt.")
	case !numberdesk.ValidID(e.Tenant):
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant des Mitarbeiters fehlt oder ist ungültig.")
	case e.Email == "":
		return numberdesk.E(numberdesk.CodeInvalid, op, "email", "Die E-Mail-Adresse fehlt.")
	}
	return nil
}

// FindEmployeeByID returns a copy of the tenant's employee, or CodeNotFound
// (also for a malformed ID and for another tenant's employee).
func (s *Store) FindEmployeeByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (*staff.Employee, error) {
	const op = "memstore.FindEmployeeByID"
	d := s.staffData()
	var out *staff.Employee
	err := s.read(ctx, op, func() error {
		sp := d.spaces[tenant]
		if sp == nil {
			return store.ErrEmployeeNotFound(op)
		}
		e, ok := sp.employees[id]
		if !ok {
			return store.ErrEmployeeNotFound(op)
		}
		out = e.Clone()
		return nil
	})
	return out, err
}

// FindEmployees returns copies of the page of the tenant's employees matching
// f, sorted by last name, first name and e-mail (case-insensitively), then ID,
// and the total count of matches before paging. A negative Offset or Limit
// is CodeInvalid (Filter.Check).
func (s *Store) FindEmployees(ctx context.Context, tenant numberdesk.TenantID, f staff.Filter) ([]*staff.Employee, int, error) {
	const op = "memstore.FindEmployees"
	if err := f.Check(op); err != nil {
		return nil, 0, err
	}
	d := s.staffData()
	search := strings.ToLower(f.Search)
	match := func(e *staff.Employee) bool {
		if len(f.Roles) > 0 && !slices.Contains(f.Roles, e.Role) {
			return false
		}
		if search != "" && !strings.Contains(strings.ToLower(e.FirstName+" "+e.LastName), search) &&
			!strings.Contains(strings.ToLower(e.Email), search) {
			return false
		}
		return true
	}
	// keyed is a match with its sort key, lower-cased once.
	type keyed struct {
		last, first, email string
		e                  *staff.Employee
	}
	var hits []keyed
	take := func(e *staff.Employee) {
		if match(e) {
			hits = append(hits, keyed{strings.ToLower(e.LastName), strings.ToLower(e.FirstName), emailKey(e.Email), e})
		}
	}
	out := []*staff.Employee{}
	total := 0
	err := s.read(ctx, op, func() error {
		sp := d.spaces[tenant]
		if sp == nil {
			return nil
		}
		switch {
		case f.Email != "":
			// At most one employee has the address.
			id, ok := sp.byEmail[emailKey(f.Email)]
			if ok && (len(f.IDs) == 0 || slices.Contains(f.IDs, id)) {
				take(sp.employees[id])
			}
		case len(f.IDs) > 0:
			seen := make(map[numberdesk.StaffID]struct{}, len(f.IDs))
			for _, id := range f.IDs {
				if _, dup := seen[id]; dup {
					continue
				}
				seen[id] = struct{}{}
				if e, ok := sp.employees[id]; ok {
					take(e)
				}
			}
		default:
			for _, e := range sp.employees {
				take(e)
			}
		}
		slices.SortFunc(hits, func(a, b keyed) int {
			return cmp.Or(
				strings.Compare(a.last, b.last),
				strings.Compare(a.first, b.first),
				strings.Compare(a.email, b.email),
				strings.Compare(string(a.e.ID), string(b.e.ID)),
			)
		})
		total = len(hits)
		for _, h := range page(hits, f.Offset, f.Limit) {
			out = append(out, h.e.Clone())
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// page returns the part of all that Offset and Limit select (both checked
// not to be negative); a Limit of 0 means no limit.
func page[T any](all []T, offset, limit int) []T {
	if offset >= len(all) {
		return nil
	}
	all = all[offset:]
	if limit > 0 && limit < len(all) {
		all = all[:limit]
	}
	return all
}

// CreateEmployee stores a copy of e and sets Version to 1 (in e too). Tenant
// and ID must be canonical UUIDs and Email set (CodeInvalid). CodeConflict
// (Field "email") if another employee of the tenant has the e-mail
// (compared case-insensitively), (Field "id") if the ID exists in the tenant.
// The tenant need not exist.
func (s *Store) CreateEmployee(ctx context.Context, e *staff.Employee) error {
	const op = "memstore.CreateEmployee"
	if err := checkEmployee(op, e); err != nil {
		return err
	}
	if !numberdesk.ValidID(e.ID) {
		return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung des Mitarbeiters ist ungültig.")
	}
	d := s.staffData()
	return s.write(ctx, op, func(tx *tx) error {
		if sp := d.spaces[e.Tenant]; sp != nil {
			if _, ok := sp.employees[e.ID]; ok {
				return store.ErrEmployeeExists(op)
			}
			if _, ok := sp.byEmail[emailKey(e.Email)]; ok {
				return store.ErrEmailTaken(op)
			}
		}
		sp := d.spaceFor(e.Tenant)
		c := e.Clone()
		c.Version = 1
		sp.putEmployee(c)
		tx.record(func() { sp.dropEmployee(c) })
		e.Version = 1
		return nil
	})
}

// UpdateEmployee writes a copy of e. It must exist in its Tenant
// (CodeNotFound, Field "id") and carry the stored Version (CodeConflict,
// Field "version"); its e-mail must not belong to another employee of the
// tenant (CodeConflict, Field "email"). On success the Version is
// incremented, in e too.
func (s *Store) UpdateEmployee(ctx context.Context, e *staff.Employee) error {
	const op = "memstore.UpdateEmployee"
	if err := checkEmployee(op, e); err != nil {
		return err
	}
	d := s.staffData()
	return s.write(ctx, op, func(tx *tx) error {
		sp := d.spaces[e.Tenant]
		if sp == nil {
			return store.ErrEmployeeNotFound(op)
		}
		old, ok := sp.employees[e.ID]
		if !ok {
			return store.ErrEmployeeNotFound(op)
		}
		if e.Version != old.Version {
			return store.ErrEmployeeStale(op)
		}
		if owner, ok := sp.byEmail[emailKey(e.Email)]; ok && owner != e.ID {
			return store.ErrEmailTaken(op)
		}
		c := e.Clone()
		c.Version = old.Version + 1
		sp.dropEmployee(old)
		sp.putEmployee(c)
		tx.record(func() {
			sp.dropEmployee(c)
			sp.putEmployee(old)
		})
		e.Version = c.Version
		return nil
	})
}

// DeleteEmployee removes the tenant's employee, or reports CodeNotFound. Its
// records stay (see DeleteRecords).
func (s *Store) DeleteEmployee(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) error {
	const op = "memstore.DeleteEmployee"
	d := s.staffData()
	return s.write(ctx, op, func(tx *tx) error {
		sp := d.spaces[tenant]
		if sp == nil {
			return store.ErrEmployeeNotFound(op)
		}
		old, ok := sp.employees[id]
		if !ok {
			return store.ErrEmployeeNotFound(op)
		}
		sp.dropEmployee(old)
		tx.record(func() { sp.putEmployee(old) })
		return nil
	})
}

// putEmployee adds e (checked: its ID and e-mail are free).
func (sp *staffSpace) putEmployee(e *staff.Employee) {
	sp.employees[e.ID] = e
	sp.byEmail[emailKey(e.Email)] = e.ID
}

// dropEmployee removes the stored e.
func (sp *staffSpace) dropEmployee(e *staff.Employee) {
	delete(sp.employees, e.ID)
	if sp.byEmail[emailKey(e.Email)] == e.ID {
		delete(sp.byEmail, emailKey(e.Email))
	}
}

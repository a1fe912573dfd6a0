package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// staffRecordStore was the part of store.Store the employee and record
// sections need; store.Store embeds it now.
type staffRecordStore = store.Store

// casesFor runs each named case as a parallel subtest with a fresh store of
// type S (like cases, for sections that need more than store.Store).
func casesFor[S any](t *testing.T, newStore func(t *testing.T) S, cs map[string]func(t *testing.T, s S)) {
	names := make([]string, 0, len(cs))
	for name := range cs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cs[name](t, newStore(t))
		})
	}
}

// newEmployee returns an employee of tenant (not stored yet) with a new ID.
func newEmployee(tenant numberdesk.TenantID, first, last, email string, role numberdesk.Role) *staff.Employee {
	return &staff.Employee{
		ID:          numberdesk.NewStaffID(),
		Tenant:      tenant,
		FirstName:   first,
		LastName:    last,
		Email:       email,
		Role:        role,
		Preferences: staff.DefaultPreferences,
		CreatedAt:   t0,
		UpdatedAt:   t0,
	}
}

// createEmployees stores es one by one and checks that they got version 1.
func createEmployees(t *testing.T, s staffRecordStore, es ...*staff.Employee) {
	t.Helper()
	for _, e := range es {
		require.NoError(t, s.CreateEmployee(t.Context(), e))
		require.Equal(t, int64(1), e.Version)
	}
}

// normEmployee returns a copy of e in a canonical form for comparisons.
func normEmployee(e *staff.Employee) *staff.Employee {
	if e == nil {
		return nil
	}
	c := e.Clone()
	c.CreatedAt = normTime(c.CreatedAt)
	c.UpdatedAt = normTime(c.UpdatedAt)
	return c
}

func normEmployees(es []*staff.Employee) []*staff.Employee {
	out := make([]*staff.Employee, len(es))
	for i, e := range es {
		out[i] = normEmployee(e)
	}
	return out
}

// requireEmployee checks that the store holds want (compared normalized).
func requireEmployee(t *testing.T, s staffRecordStore, want *staff.Employee) {
	t.Helper()
	got, err := s.FindEmployeeByID(t.Context(), want.Tenant, want.ID)
	require.NoError(t, err)
	require.Equal(t, normEmployee(want), normEmployee(got))
}

// requireNoEmployee checks that the tenant has no employee id.
func requireNoEmployee(t *testing.T, s staffRecordStore, tenant numberdesk.TenantID, id numberdesk.StaffID) {
	t.Helper()
	got, err := s.FindEmployeeByID(t.Context(), tenant, id)
	require.Nil(t, got)
	requireCode(t, err, numberdesk.CodeNotFound, "*")
}

// allEmployees returns every employee of tenant in the list order.
func allEmployees(t *testing.T, s staffRecordStore, tenant numberdesk.TenantID) []*staff.Employee {
	t.Helper()
	es, total, err := s.FindEmployees(t.Context(), tenant, staff.Filter{})
	require.NoError(t, err)
	require.Len(t, es, total)
	return es
}

// employeeIDs returns the IDs of es in order.
func employeeIDs(es []*staff.Employee) []numberdesk.StaffID {
	ids := make([]numberdesk.StaffID, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

// wantEmployees is the reference model of FindEmployees, written from the doc
// comments of staff.Filter: the matches sorted by last name, first name and
// e-mail (case-insensitively), then ID, and their total before paging.
func wantEmployees(all []*staff.Employee, f staff.Filter) ([]*staff.Employee, int) {
	var hits []*staff.Employee
	search := strings.ToLower(f.Search)
	for _, e := range all {
		if len(f.IDs) > 0 && !slices.Contains(f.IDs, e.ID) ||
			len(f.Roles) > 0 && !slices.Contains(f.Roles, e.Role) ||
			f.Email != "" && strings.ToLower(e.Email) != f.Email ||
			search != "" && !strings.Contains(strings.ToLower(e.FirstName+" "+e.LastName), search) && !strings.Contains(strings.ToLower(e.Email), search) {
			continue
		}
		hits = append(hits, e)
	}
	slices.SortFunc(hits, func(a, b *staff.Employee) int {
		return cmp.Or(
			strings.Compare(strings.ToLower(a.LastName), strings.ToLower(b.LastName)),
			strings.Compare(strings.ToLower(a.FirstName), strings.ToLower(b.FirstName)),
			strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email)),
			strings.Compare(string(a.ID), string(b.ID)),
		)
	})
	total := len(hits)
	off, lim := min(max(f.Offset, 0), len(hits)), max(f.Limit, 0)
	hits = hits[off:]
	if lim > 0 && lim < len(hits) {
		hits = hits[:lim]
	}
	return hits, total
}

// employeeFixture is a tenant with a varied staff (and a second tenant with
// look-alikes that must never show up). Names and e-mails are ASCII where
// case matters, so that every backend folds case alike.
type employeeFixture struct {
	tenant numberdesk.TenantID
	all    []*staff.Employee // as stored, in creation order
}

func newEmployeeFixture(t *testing.T, s staffRecordStore) *employeeFixture {
	t.Helper()
	tn, other := newTenant(t, s), newTenant(t, s)
	fx := &employeeFixture{tenant: tn.ID}
	people := []struct {
		first, last, email string
		role               numberdesk.Role
	}{
		{"Anna", "Meier", "anna.meier@muster.de", numberdesk.RoleOwner},
		{"bernd", "meier", "bernd@muster.de", numberdesk.RoleManager},
		{"Carla", "Becker", "c.becker@muster.de", numberdesk.RoleEmployee},
		{"anna", "Becker", "zz-anna@muster.de", numberdesk.RoleEmployee},
		{"Anna", "becker", "aa-anna@muster.de", numberdesk.RoleManager},
		{"Jürgen", "Müller", "juergen.mueller@beispiel.de", numberdesk.RoleEmployee},
		{"Dora", "Zander", "Dora.Zander@Beispiel.de", numberdesk.RoleEmployee}, // stored mixed case
		{"Emil", "Schmidt", "emil@muster.de", numberdesk.RoleEmployee},
		{"Frieda", "Schmidt-Lang", "frieda@muster.de", numberdesk.RoleManager},
		{"Gustav", "Adler", "gustav@beispiel.de", numberdesk.RoleEmployee},
		{"Hanna", "Adler", "hanna@beispiel.de", numberdesk.RoleEmployee},
		{"Ida", "Nolte", "ida@muster.de", numberdesk.RoleEmployee},
	}
	for i, p := range people {
		e := newEmployee(tn.ID, p.first, p.last, p.email, p.role)
		e.Locked = i%5 == 4
		e.RoutingEdit = i%3 == 1
		e.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
		fx.all = append(fx.all, e)
	}
	createEmployees(t, s, fx.all...)
	// The other tenant has the same names, e-mails and roles.
	for _, e := range fx.all[:6] {
		createEmployees(t, s, newEmployee(other.ID, e.FirstName, e.LastName, e.Email, e.Role))
	}
	return fx
}

func testEmployees(t *testing.T, newStore func(t *testing.T) staffRecordStore) {
	casesFor(t, newStore, map[string]func(t *testing.T, s staffRecordStore){
		"CreateAndFind": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			e := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			e.Locked, e.RoutingEdit = true, true
			e.Preferences = staff.Preferences{MissedCalls: true, Voicemail: true}
			e.UpdatedAt = t0.Add(time.Hour)
			e.Version = 7 // ignored: a new employee has version 1
			createEmployees(t, s, e)
			requireEmployee(t, s, e)
			require.Equal(t, []*staff.Employee{normEmployee(e)}, normEmployees(allEmployees(t, s, tn.ID)))
		},
		"TenantNeedNotExist": func(t *testing.T, s staffRecordStore) {
			e := newEmployee(numberdesk.NewTenantID(), "Anna", "Meier", "anna@muster.de", numberdesk.RoleEmployee)
			createEmployees(t, s, e)
			requireEmployee(t, s, e)
		},
		"CopiesInAndOut": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			e := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleEmployee)
			createEmployees(t, s, e)
			want := normEmployee(e)
			e.FirstName, e.Email, e.Preferences.Faxes = "Changed", "changed@muster.de", false
			requireEmployee(t, s, want)

			got, err := s.FindEmployeeByID(t.Context(), tn.ID, want.ID)
			require.NoError(t, err)
			got.LastName, got.Locked = "Changed", true
			requireEmployee(t, s, want)

			list, _, err := s.FindEmployees(t.Context(), tn.ID, staff.Filter{})
			require.NoError(t, err)
			require.Len(t, list, 1)
			list[0].Email, list[0].Role = "x@muster.de", numberdesk.RoleOwner
			requireEmployee(t, s, want)

			// The same on update.
			upd := want.Clone()
			upd.FirstName = "Anne"
			require.NoError(t, s.UpdateEmployee(t.Context(), upd))
			want = normEmployee(upd)
			upd.FirstName, upd.Preferences.Other = "Again", false
			requireEmployee(t, s, want)
			// The old address is not taken by the discarded changes.
			createEmployees(t, s, newEmployee(tn.ID, "Other", "Person", "changed@muster.de", numberdesk.RoleEmployee))
		},
		"DuplicateEmailIsConflictAndWritesNothing": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			old := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			createEmployees(t, s, old)
			for _, email := range []string{"anna@muster.de", "Anna@Muster.DE", "ANNA@MUSTER.DE"} {
				dup := newEmployee(tn.ID, "Andere", "Anna", email, numberdesk.RoleEmployee)
				err := s.CreateEmployee(t.Context(), dup)
				requireCode(t, err, numberdesk.CodeConflict, "email")
				require.ErrorIs(t, err, numberdesk.ErrConflict)
				require.Zero(t, dup.Version, "a failed create must not set the version")
				requireNoEmployee(t, s, tn.ID, dup.ID)
			}
			require.Equal(t, []*staff.Employee{normEmployee(old)}, normEmployees(allEmployees(t, s, tn.ID)))
		},
		"DuplicateIDIsConflict": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			old := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			createEmployees(t, s, old)
			dup := newEmployee(tn.ID, "Bernd", "Meier", "bernd@muster.de", numberdesk.RoleEmployee)
			dup.ID = old.ID
			requireCode(t, s.CreateEmployee(t.Context(), dup), numberdesk.CodeConflict, "id")
			require.Zero(t, dup.Version)
			requireEmployee(t, s, old)
			// The refused address is still free.
			createEmployees(t, s, newEmployee(tn.ID, "Bernd", "Meier", "bernd@muster.de", numberdesk.RoleEmployee))
		},
		"SameEmailInTwoTenants": func(t *testing.T, s staffRecordStore) {
			ta, tb := newTenant(t, s), newTenant(t, s)
			a := newEmployee(ta.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			b := newEmployee(tb.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			createEmployees(t, s, a, b)
			requireEmployee(t, s, a)
			requireEmployee(t, s, b)
		},
		"InvalidIsRefusedAndWritesNothing": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			valid := func() *staff.Employee {
				return newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleEmployee)
			}
			noTenant, badTenant := valid(), valid()
			noTenant.Tenant, badTenant.Tenant = "", "tenant-1"
			noID, badID := valid(), valid()
			noID.ID, badID.ID = "", "staff-1"
			noEmail := valid()
			noEmail.Email = ""
			for _, c := range []struct {
				e     *staff.Employee
				field string
			}{{nil, "*"}, {noTenant, "tenant"}, {badTenant, "tenant"}, {noID, "id"}, {badID, "id"}, {noEmail, "email"}} {
				requireCode(t, s.CreateEmployee(t.Context(), c.e), numberdesk.CodeInvalid, c.field)
				if c.e != nil {
					require.Zero(t, c.e.Version)
				}
			}
			require.Empty(t, allEmployees(t, s, tn.ID))
			// Update refuses the same (and nil).
			e := valid()
			createEmployees(t, s, e)
			requireCode(t, s.UpdateEmployee(t.Context(), nil), numberdesk.CodeInvalid, "*")
			c := e.Clone()
			c.Email = ""
			requireCode(t, s.UpdateEmployee(t.Context(), c), numberdesk.CodeInvalid, "email")
			require.Equal(t, int64(1), c.Version)
			requireEmployee(t, s, e)
		},
		"UnknownAndMalformedIDsAreNotFound": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			e := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			createEmployees(t, s, e)
			_, want := s.FindEmployeeByID(t.Context(), tn.ID, numberdesk.NewStaffID())
			requireCode(t, want, numberdesk.CodeNotFound, "*")
			wantDel := s.DeleteEmployee(t.Context(), tn.ID, numberdesk.NewStaffID())
			requireCode(t, wantDel, numberdesk.CodeNotFound, "*")
			ghost := newEmployee(tn.ID, "Geist", "Unbekannt", "geist@muster.de", numberdesk.RoleEmployee)
			ghost.Version = 1
			wantUpd := s.UpdateEmployee(t.Context(), ghost)
			requireCode(t, wantUpd, numberdesk.CodeNotFound, "id")
			for _, id := range []numberdesk.StaffID{"", "1", "not-a-uuid", numberdesk.StaffID(string(e.ID) + "x"), e.ID[:35]} {
				got, err := s.FindEmployeeByID(t.Context(), tn.ID, id)
				require.Nil(t, got)
				requireSameError(t, want, err)
				requireSameError(t, wantDel, s.DeleteEmployee(t.Context(), tn.ID, id))
				g := ghost.Clone()
				g.ID = id
				requireSameError(t, wantUpd, s.UpdateEmployee(t.Context(), g))
				require.Equal(t, int64(1), g.Version)
			}
			for _, tenant := range []numberdesk.TenantID{"", "x", numberdesk.NewTenantID()} {
				_, err := s.FindEmployeeByID(t.Context(), tenant, e.ID)
				requireSameError(t, want, err)
				requireSameError(t, wantDel, s.DeleteEmployee(t.Context(), tenant, e.ID))
			}
			requireEmployee(t, s, e)
		},
		"Update": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			a := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleManager)
			b := newEmployee(tn.ID, "Bernd", "Becker", "bernd@muster.de", numberdesk.RoleEmployee)
			createEmployees(t, s, a, b)
			a.FirstName, a.LastName, a.Email = "Anne", "Zander", "anne.zander@muster.de"
			a.Role, a.Locked, a.RoutingEdit = numberdesk.RoleEmployee, true, true
			a.Preferences = staff.Preferences{Other: true}
			a.UpdatedAt = t0.Add(time.Hour)
			require.NoError(t, s.UpdateEmployee(t.Context(), a))
			require.Equal(t, int64(2), a.Version)
			requireEmployee(t, s, a)
			require.Equal(t, []numberdesk.StaffID{b.ID, a.ID}, employeeIDs(allEmployees(t, s, tn.ID)), "the list order follows the new name")
			// The old address is free again, the new one taken.
			createEmployees(t, s, newEmployee(tn.ID, "Neu", "Person", "anna@muster.de", numberdesk.RoleEmployee))
			requireCode(t, s.CreateEmployee(t.Context(), newEmployee(tn.ID, "Neu", "Person", "ANNE.zander@muster.de", numberdesk.RoleEmployee)), numberdesk.CodeConflict, "email")
			// An employee may keep its address, or change only its case.
			for want := int64(3); want <= 4; want++ {
				a.Email = strings.ToUpper(a.Email)
				if want == 4 {
					a.Email = strings.ToLower(a.Email)
					a.RoutingEdit = false // the grant is revoked too
				}
				require.NoError(t, s.UpdateEmployee(t.Context(), a))
				require.Equal(t, want, a.Version)
				requireEmployee(t, s, a)
			}
		},
		"UpdateStaleVersionIsConflict": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			e := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleEmployee)
			createEmployees(t, s, e)
			first, err := s.FindEmployeeByID(t.Context(), tn.ID, e.ID)
			require.NoError(t, err)
			second, err := s.FindEmployeeByID(t.Context(), tn.ID, e.ID)
			require.NoError(t, err)

			first.FirstName = "Erste"
			require.NoError(t, s.UpdateEmployee(t.Context(), first))
			require.Equal(t, int64(2), first.Version)

			second.FirstName, second.Email, second.Locked = "Zweite", "zweite@muster.de", true
			err = s.UpdateEmployee(t.Context(), second)
			requireCode(t, err, numberdesk.CodeConflict, "version")
			require.ErrorIs(t, err, numberdesk.ErrConflict)
			require.Equal(t, int64(1), second.Version, "a failed update must not change the caller's version")
			requireEmployee(t, s, first)
			// The loser's address was not taken.
			createEmployees(t, s, newEmployee(tn.ID, "Zweite", "Person", "zweite@muster.de", numberdesk.RoleEmployee))

			for _, v := range []int64{0, 5} {
				c := first.Clone()
				c.Version, c.LastName = v, "Zukunft"
				requireCode(t, s.UpdateEmployee(t.Context(), c), numberdesk.CodeConflict, "version")
			}
			requireEmployee(t, s, first)
		},
		"UpdateToTakenEmailIsConflict": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			a := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleEmployee)
			b := newEmployee(tn.ID, "Bernd", "Becker", "bernd@muster.de", numberdesk.RoleEmployee)
			createEmployees(t, s, a, b)
			want := normEmployees(allEmployees(t, s, tn.ID))
			for _, email := range []string{b.Email, strings.ToUpper(b.Email)} {
				c := a.Clone()
				c.Email, c.FirstName = email, "Geändert"
				requireCode(t, s.UpdateEmployee(t.Context(), c), numberdesk.CodeConflict, "email")
				require.Equal(t, int64(1), c.Version)
			}
			require.Equal(t, want, normEmployees(allEmployees(t, s, tn.ID)))
			// Both addresses are still taken by their owners.
			for _, email := range []string{a.Email, b.Email} {
				requireCode(t, s.CreateEmployee(t.Context(), newEmployee(tn.ID, "X", "Y", email, numberdesk.RoleEmployee)), numberdesk.CodeConflict, "email")
			}
		},
		"Delete": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			a := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleEmployee)
			b := newEmployee(tn.ID, "Bernd", "Becker", "bernd@muster.de", numberdesk.RoleEmployee)
			createEmployees(t, s, a, b)
			require.NoError(t, s.DeleteEmployee(t.Context(), tn.ID, a.ID))
			requireNoEmployee(t, s, tn.ID, a.ID)
			requireEmployee(t, s, b)
			require.Equal(t, []numberdesk.StaffID{b.ID}, employeeIDs(allEmployees(t, s, tn.ID)))
			requireCode(t, s.DeleteEmployee(t.Context(), tn.ID, a.ID), numberdesk.CodeNotFound, "*")
			stale := a.Clone()
			stale.FirstName = "Wieder"
			requireCode(t, s.UpdateEmployee(t.Context(), stale), numberdesk.CodeNotFound, "id")
			// The address is free again.
			createEmployees(t, s, newEmployee(tn.ID, "Anna", "Neu", "ANNA@muster.de", numberdesk.RoleEmployee))
			require.Len(t, allEmployees(t, s, tn.ID), 2)
		},
		"Filters": func(t *testing.T, s staffRecordStore) {
			fx := newEmployeeFixture(t, s)
			some := []numberdesk.StaffID{fx.all[5].ID, fx.all[1].ID, fx.all[9].ID, fx.all[3].ID}
			filters := map[string]staff.Filter{
				"None":                  {},
				"IDs":                   {IDs: some},
				"IDsWithUnknownAndDups": {IDs: append([]numberdesk.StaffID{numberdesk.NewStaffID(), "kaputt", some[0]}, some...)},
				"IDsUnknownOnly":        {IDs: []numberdesk.StaffID{numberdesk.NewStaffID()}},
				"SearchFirstName":       {Search: "ANNA"},
				"SearchLastName":        {Search: "meier"},
				"SearchAcrossName":      {Search: "a sch"}, // "Frieda Schmidt-Lang"
				"SearchFullName":        {Search: "emil schmidt"},
				"SearchUmlaut":          {Search: "jürg"},
				"SearchEmailDomain":     {Search: "@BEISPIEL"},
				"SearchEmailOnly":       {Search: "zz-"},
				"SearchNoMatch":         {Search: "xyz"},
				"RoleOne":               {Roles: []numberdesk.Role{numberdesk.RoleManager}},
				"RoleAnyOf":             {Roles: []numberdesk.Role{numberdesk.RoleOwner, numberdesk.RoleEmployee}},
				"RoleNone":              {Roles: []numberdesk.Role{numberdesk.RoleSystem}},
				"Email":                 {Email: "bernd@muster.de"},
				"EmailStoredMixedCase":  {Email: "dora.zander@beispiel.de"},
				"EmailUnknown":          {Email: "niemand@muster.de"},
				"EmailIsNoSubstring":    {Email: "muster.de"},
				"EmailAndRole":          {Email: "bernd@muster.de", Roles: []numberdesk.Role{numberdesk.RoleEmployee}},
				"EmailAndIDs":           {Email: "bernd@muster.de", IDs: some},
				"EmailAndOtherIDs":      {Email: "bernd@muster.de", IDs: some[2:]},
				"SearchAndRole":         {Search: "muster", Roles: []numberdesk.Role{numberdesk.RoleManager}},
				"IDsAndSearch":          {IDs: some, Search: "a"},
			}
			for name, f := range filters {
				want, wantTotal := wantEmployees(fx.all, f)
				got, total, err := s.FindEmployees(t.Context(), fx.tenant, f)
				require.NoError(t, err)
				require.Equal(t, wantTotal, total, name)
				require.Equal(t, normEmployees(want), normEmployees(got), name)
			}
			// Guard against a vacuous reference model.
			for _, name := range []string{"IDs", "SearchFirstName", "SearchAcrossName", "SearchUmlaut", "SearchEmailDomain", "RoleOne", "RoleAnyOf", "SearchAndRole"} {
				_, total := wantEmployees(fx.all, filters[name])
				require.Greater(t, total, 0, name)
				require.Less(t, total, len(fx.all), name)
			}
			for _, name := range []string{"Email", "EmailStoredMixedCase", "EmailAndIDs", "SearchFullName", "SearchEmailOnly"} {
				_, total := wantEmployees(fx.all, filters[name])
				require.Equal(t, 1, total, name)
			}
		},
		"SortOrder": func(t *testing.T, s staffRecordStore) {
			fx := newEmployeeFixture(t, s)
			var got []string
			for _, e := range allEmployees(t, s, fx.tenant) {
				got = append(got, e.FirstName+" "+e.LastName+" <"+e.Email+">")
			}
			require.Equal(t, []string{
				"Gustav Adler <gustav@beispiel.de>",
				"Hanna Adler <hanna@beispiel.de>",
				"Anna becker <aa-anna@muster.de>", // last and first name tie: by e-mail
				"anna Becker <zz-anna@muster.de>",
				"Carla Becker <c.becker@muster.de>",
				"Anna Meier <anna.meier@muster.de>",
				"bernd meier <bernd@muster.de>",
				"Jürgen Müller <juergen.mueller@beispiel.de>",
				"Ida Nolte <ida@muster.de>",
				"Emil Schmidt <emil@muster.de>",
				"Frieda Schmidt-Lang <frieda@muster.de>",
				"Dora Zander <Dora.Zander@Beispiel.de>",
			}, got)
		},
		"Paging": func(t *testing.T, s staffRecordStore) {
			fx := newEmployeeFixture(t, s)
			for _, base := range []staff.Filter{{}, {Roles: []numberdesk.Role{numberdesk.RoleEmployee}}, {Search: "muster"}} {
				requirePaging(t, func(offset, limit int) ([]*staff.Employee, int, error) {
					f := base
					f.Offset, f.Limit = offset, limit
					return s.FindEmployees(t.Context(), fx.tenant, f)
				}, normEmployees, 1, 5, 50)
			}
		},
		"UnknownTenantIsEmpty": func(t *testing.T, s staffRecordStore) {
			fx := newEmployeeFixture(t, s)
			for _, tenant := range []numberdesk.TenantID{numberdesk.NewTenantID(), "", "kaputt"} {
				for _, f := range []staff.Filter{{}, {IDs: employeeIDs(fx.all)}, {Email: fx.all[0].Email}} {
					es, total, err := s.FindEmployees(t.Context(), tenant, f)
					require.NoError(t, err)
					require.Empty(t, es)
					require.Zero(t, total)
				}
			}
		},
		"RollbackRestoresEverything": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			kept := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			changed := newEmployee(tn.ID, "Bernd", "Becker", "bernd@muster.de", numberdesk.RoleEmployee)
			gone := newEmployee(tn.ID, "Carla", "Adler", "carla@muster.de", numberdesk.RoleEmployee)
			createEmployees(t, s, kept, changed, gone)
			want := normEmployees(allEmployees(t, s, tn.ID))
			created := newEmployee(tn.ID, "Dora", "Zander", "dora@muster.de", numberdesk.RoleEmployee)

			err := s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.CreateEmployee(ctx, created))
				c := changed.Clone()
				c.FirstName, c.Email = "Berta", "berta@muster.de"
				require.NoError(t, s.UpdateEmployee(ctx, c))
				c.Locked = true
				require.NoError(t, s.UpdateEmployee(ctx, c))
				require.Equal(t, int64(3), c.Version)
				require.NoError(t, s.DeleteEmployee(ctx, tn.ID, gone.ID))
				// Reads in the transaction see its writes.
				got, err := s.FindEmployeeByID(ctx, tn.ID, c.ID)
				require.NoError(t, err)
				require.Equal(t, normEmployee(c), normEmployee(got))
				_, err = s.FindEmployeeByID(ctx, tn.ID, gone.ID)
				requireCode(t, err, numberdesk.CodeNotFound, "*")
				es, total, err := s.FindEmployees(ctx, tn.ID, staff.Filter{Email: "berta@muster.de"})
				require.NoError(t, err)
				require.Equal(t, 1, total)
				require.Equal(t, c.ID, es[0].ID)
				// Inside, the new addresses are taken and the freed ones free.
				requireCode(t, s.CreateEmployee(ctx, newEmployee(tn.ID, "X", "Y", "dora@muster.de", numberdesk.RoleEmployee)), numberdesk.CodeConflict, "email")
				requireCode(t, s.CreateEmployee(ctx, newEmployee(tn.ID, "X", "Y", "berta@muster.de", numberdesk.RoleEmployee)), numberdesk.CodeConflict, "email")
				for _, email := range []string{"bernd@muster.de", "carla@muster.de"} {
					require.NoError(t, s.CreateEmployee(ctx, newEmployee(tn.ID, "X", "Y", email, numberdesk.RoleEmployee)))
				}
				return errBoom
			})
			require.ErrorIs(t, err, errBoom)
			require.Equal(t, want, normEmployees(allEmployees(t, s, tn.ID)))
			requireNoEmployee(t, s, tn.ID, created.ID)
			requireEmployee(t, s, changed)
			requireEmployee(t, s, gone)
			// The indexes are restored too: old addresses taken, new ones free.
			for _, email := range []string{"bernd@muster.de", "carla@muster.de"} {
				requireCode(t, s.CreateEmployee(t.Context(), newEmployee(tn.ID, "X", "Y", email, numberdesk.RoleEmployee)), numberdesk.CodeConflict, "email")
			}
			created.Version = 0
			createEmployees(t, s, created, newEmployee(tn.ID, "Berta", "Becker", "berta@muster.de", numberdesk.RoleEmployee))
			// The stale version of the rolled-back update is current again.
			changed.LastName = "Neu"
			require.NoError(t, s.UpdateEmployee(t.Context(), changed))
			require.Equal(t, int64(2), changed.Version)
		},
		"NestedErrorHandledIsSavepoint": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			a := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			b := newEmployee(tn.ID, "Bernd", "Becker", "bernd@muster.de", numberdesk.RoleEmployee)
			createEmployees(t, s, a, b)
			outer := newEmployee(tn.ID, "Carla", "Adler", "carla@muster.de", numberdesk.RoleEmployee)
			inner := newEmployee(tn.ID, "Dora", "Zander", "dora@muster.de", numberdesk.RoleEmployee)
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.CreateEmployee(ctx, outer))
				err := s.InTx(ctx, func(ctx context.Context) error {
					require.NoError(t, s.CreateEmployee(ctx, inner))
					c := a.Clone()
					c.FirstName = "Innen"
					require.NoError(t, s.UpdateEmployee(ctx, c))
					require.NoError(t, s.DeleteEmployee(ctx, tn.ID, b.ID))
					return errBoom
				})
				require.ErrorIs(t, err, errBoom)
				_, err = s.FindEmployeeByID(ctx, tn.ID, inner.ID)
				requireCode(t, err, numberdesk.CodeNotFound, "*")
				_, err = s.FindEmployeeByID(ctx, tn.ID, b.ID)
				require.NoError(t, err)
				a.LastName = "Außen"
				return s.UpdateEmployee(ctx, a) // a's version is 1 again
			}))
			require.Equal(t, int64(2), a.Version)
			requireEmployee(t, s, a)
			requireEmployee(t, s, b)
			requireEmployee(t, s, outer)
			requireNoEmployee(t, s, tn.ID, inner.ID)
		},
		"FailedCallKeepsTxUsable": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			a := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			createEmployees(t, s, a)
			b := newEmployee(tn.ID, "Bernd", "Becker", "bernd@muster.de", numberdesk.RoleEmployee)
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				requireCode(t, s.CreateEmployee(ctx, newEmployee(tn.ID, "X", "Y", "ANNA@muster.de", numberdesk.RoleEmployee)), numberdesk.CodeConflict, "email")
				stale := a.Clone()
				stale.Version = 9
				requireCode(t, s.UpdateEmployee(ctx, stale), numberdesk.CodeConflict, "version")
				requireCode(t, s.DeleteEmployee(ctx, tn.ID, numberdesk.NewStaffID()), numberdesk.CodeNotFound, "*")
				return s.CreateEmployee(ctx, b)
			}))
			requireEmployee(t, s, a)
			requireEmployee(t, s, b)
			require.Len(t, allEmployees(t, s, tn.ID), 2)
		},
		"ConcurrentCreateSameEmail": func(t *testing.T, s staffRecordStore) {
			const writers = 16
			tn := newTenant(t, s)
			var wg sync.WaitGroup
			results := make(chan error, writers)
			for g := range writers {
				wg.Go(func() {
					email := "same@muster.de"
					if g%2 == 1 {
						email = "Same@Muster.de"
					}
					results <- s.CreateEmployee(t.Context(), newEmployee(tn.ID, "Gleich", fmt.Sprint(g), email, numberdesk.RoleEmployee))
				})
			}
			wg.Wait()
			close(results)
			ok := 0
			for err := range results {
				if err == nil {
					ok++
					continue
				}
				requireCode(t, err, numberdesk.CodeConflict, "email")
			}
			require.Equal(t, 1, ok, "exactly one create wins")
			require.Len(t, allEmployees(t, s, tn.ID), 1)
		},
		"ConcurrentUpdatesLoseNothing": func(t *testing.T, s staffRecordStore) {
			const writers = 16
			tn := newTenant(t, s)
			e := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleEmployee)
			createEmployees(t, s, e)
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for g := range writers {
				wg.Go(func() {
					_, err := retryOnConflict(func() error {
						c, err := s.FindEmployeeByID(t.Context(), tn.ID, e.ID)
						if err != nil {
							return err
						}
						c.LastName += fmt.Sprintf("|%d", g)
						return s.UpdateEmployee(t.Context(), c)
					})
					if err != nil {
						errs <- fmt.Errorf("writer %d: %w", g, err)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			got, err := s.FindEmployeeByID(t.Context(), tn.ID, e.ID)
			require.NoError(t, err)
			require.Equal(t, int64(1+writers), got.Version, "one version per successful write")
			parts := strings.Split(got.LastName, "|")[1:]
			want := make([]string, writers)
			for g := range writers {
				want[g] = fmt.Sprint(g)
			}
			require.ElementsMatch(t, want, parts, "no update is lost")
		},
		"CanceledContext": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			a := newEmployee(tn.ID, "Anna", "Meier", "anna@muster.de", numberdesk.RoleOwner)
			createEmployees(t, s, a)
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, err := s.FindEmployeeByID(ctx, tn.ID, a.ID)
			requireCode(t, err, numberdesk.CodeInternal, "*")
			require.ErrorIs(t, err, context.Canceled)
			_, _, err = s.FindEmployees(ctx, tn.ID, staff.Filter{})
			require.ErrorIs(t, err, context.Canceled)
			b := newEmployee(tn.ID, "Bernd", "Becker", "bernd@muster.de", numberdesk.RoleEmployee)
			err = s.CreateEmployee(ctx, b)
			requireCode(t, err, numberdesk.CodeInternal, "*")
			require.ErrorIs(t, err, context.Canceled)
			require.Zero(t, b.Version)
			c := a.Clone()
			c.FirstName = "Abgebrochen"
			require.ErrorIs(t, s.UpdateEmployee(ctx, c), context.Canceled)
			require.Equal(t, int64(1), c.Version)
			require.ErrorIs(t, s.DeleteEmployee(ctx, tn.ID, a.ID), context.Canceled)
			requireEmployee(t, s, a)
			require.Len(t, allEmployees(t, s, tn.ID), 1)
		},
	})
}

// ---------------------------------------------------------------------------
// Tenant isolation of the employee and record methods

// staffIsoFixture extends isoFixture: tenant A's numbers are held by
// employees of A, and A has records of them; tenant B, the attacker, has an
// employee with the e-mail of one of A's and a record of B's own that names
// A's number ID.
//
// When store.Store embeds these methods, its fields move into isoFixture and
// staffIsolationCases into isolationCases (the case bodies compile unchanged:
// they use fx.s, fx.a, fx.b and the fields below).
type staffIsoFixture struct {
	*isoFixture
	s          staffRecordStore
	aEmployees []*staff.Employee // the holders of A's numbers, in order
	aRecords   []*numbers.Record
	bEmployee  *staff.Employee
	bRecord    *numbers.Record
}

// staffIsoSnapshot is everything of tenant A a store method could leak or
// change.
type staffIsoSnapshot struct {
	Base      isoSnapshot
	Employees []*staff.Employee
	Records   []*numbers.Record
}

func newStaffIsoFixture(t *testing.T, s staffRecordStore) *staffIsoFixture {
	t.Helper()
	fx := &staffIsoFixture{isoFixture: newIsoFixture(t, s), s: s}
	for i, n := range fx.aNumbers {
		e := newEmployee(fx.a.ID, "Anna", fmt.Sprintf("Meier%d", i), fmt.Sprintf("anna%d@muster.de", i), numberdesk.RoleEmployee)
		e.ID = n.Holders[0]
		fx.aEmployees = append(fx.aEmployees, e)
		fx.aRecords = append(fx.aRecords,
			newCallRecord(fx.a.ID, n.ID, e.ID, numbers.RecordCall, t0.Add(time.Duration(i)*time.Hour)),
			newCallRecord(fx.a.ID, n.ID, e.ID, numbers.RecordFax, t0.Add(time.Duration(i)*time.Hour+time.Minute)))
	}
	fx.aRecords = append(fx.aRecords, newCallRecord(fx.a.ID, fx.aNumbers[0].ID, "", numbers.RecordVoicemail, t0.Add(-time.Hour)))
	createEmployees(t, s, fx.aEmployees...)
	require.NoError(t, s.CreateRecords(t.Context(), fx.aRecords...))

	fx.bEmployee = newEmployee(fx.b.ID, "Mallory", "Angreifer", fx.aEmployees[0].Email, numberdesk.RoleOwner)
	createEmployees(t, s, fx.bEmployee)
	fx.bRecord = newCallRecord(fx.b.ID, fx.aNumbers[0].ID, fx.bEmployee.ID, numbers.RecordCall, t0)
	require.NoError(t, s.CreateRecords(t.Context(), fx.bRecord))
	return fx
}

func (fx *staffIsoFixture) snapshotStaffA(t *testing.T) staffIsoSnapshot {
	t.Helper()
	return staffIsoSnapshot{
		Base:      fx.snapshotA(t),
		Employees: normEmployees(allEmployees(t, fx.s, fx.a.ID)),
		Records:   normCallRecords(allCallRecords(t, fx.s, fx.a.ID)),
	}
}

// staffIsolationCases proves for each employee and record method that tenant
// B, given tenant A's IDs, e-mails and holders, gets exactly what an unknown
// value gets and leaves A unchanged.
var staffIsolationCases = map[string]func(t *testing.T, fx *staffIsoFixture){
	"FindEmployeeByID": func(t *testing.T, fx *staffIsoFixture) {
		got, random := fx.s.FindEmployeeByID(t.Context(), fx.b.ID, numberdesk.NewStaffID())
		require.Nil(t, got)
		requireCode(t, random, numberdesk.CodeNotFound, "*")
		for _, e := range fx.aEmployees {
			got, err := fx.s.FindEmployeeByID(t.Context(), fx.b.ID, e.ID)
			require.Nil(t, got)
			requireSameError(t, random, err)
		}
		// And the other way round: A cannot read B's employee.
		_, random = fx.s.FindEmployeeByID(t.Context(), fx.a.ID, numberdesk.NewStaffID())
		_, err := fx.s.FindEmployeeByID(t.Context(), fx.a.ID, fx.bEmployee.ID)
		requireSameError(t, random, err)
	},
	"FindEmployees": func(t *testing.T, fx *staffIsoFixture) {
		for _, f := range []staff.Filter{
			{IDs: employeeIDs(fx.aEmployees)},
			{Email: fx.aEmployees[1].Email},
			{Search: "Meier"},
			{Search: "muster", Roles: []numberdesk.Role{numberdesk.RoleEmployee}},
		} {
			es, total, err := fx.s.FindEmployees(t.Context(), fx.b.ID, f)
			require.NoError(t, err)
			require.Empty(t, es)
			require.Zero(t, total)
		}
		// A's e-mail in B finds B's employee only.
		for _, f := range []staff.Filter{{}, {Email: fx.aEmployees[0].Email}} {
			es, total, err := fx.s.FindEmployees(t.Context(), fx.b.ID, f)
			require.NoError(t, err)
			require.Equal(t, 1, total)
			require.Equal(t, []*staff.Employee{normEmployee(fx.bEmployee)}, normEmployees(es))
		}
	},
	"CreateEmployee": func(t *testing.T, fx *staffIsoFixture) {
		// A's ID and e-mail in tenant B: as good as new ones.
		e := newEmployee(fx.b.ID, "Mallory", "Zwei", fx.aEmployees[1].Email, numberdesk.RoleEmployee)
		e.ID = fx.aEmployees[1].ID
		require.NoError(t, fx.s.CreateEmployee(t.Context(), e))
		requireEmployee(t, fx.s, e)
		requireEmployee(t, fx.s, fx.aEmployees[1])
	},
	"UpdateEmployee": func(t *testing.T, fx *staffIsoFixture) {
		random := newEmployee(fx.b.ID, "Niemand", "Unbekannt", "niemand@muster.de", numberdesk.RoleEmployee)
		random.Version = 1
		want := fx.s.UpdateEmployee(t.Context(), random)
		requireCode(t, want, numberdesk.CodeNotFound, "id")
		for _, e := range fx.aEmployees {
			c := e.Clone()
			c.Tenant = fx.b.ID
			c.Locked, c.Role = true, numberdesk.RoleOwner
			requireSameError(t, want, fx.s.UpdateEmployee(t.Context(), c))
			require.Equal(t, e.Version, c.Version)
			// With a fresh e-mail too: the not_found comes first.
			c.Email = "frei@muster.de"
			requireSameError(t, want, fx.s.UpdateEmployee(t.Context(), c))
		}
		// B may take an e-mail of A for its own employee.
		own := fx.bEmployee.Clone()
		own.Email = fx.aEmployees[2].Email
		require.NoError(t, fx.s.UpdateEmployee(t.Context(), own))
		requireEmployee(t, fx.s, own)
	},
	"DeleteEmployee": func(t *testing.T, fx *staffIsoFixture) {
		random := fx.s.DeleteEmployee(t.Context(), fx.b.ID, numberdesk.NewStaffID())
		requireCode(t, random, numberdesk.CodeNotFound, "*")
		for _, e := range fx.aEmployees {
			requireSameError(t, random, fx.s.DeleteEmployee(t.Context(), fx.b.ID, e.ID))
		}
		requireEmployee(t, fx.s, fx.bEmployee)
	},
	"CreateRecords": func(t *testing.T, fx *staffIsoFixture) {
		// A's record ID, number and holder in tenant B: as good as new ones.
		r := newCallRecord(fx.b.ID, fx.aNumbers[1].ID, fx.aEmployees[1].ID, numbers.RecordFax, t0.Add(time.Hour))
		r.ID = fx.aRecords[0].ID
		require.NoError(t, fx.s.CreateRecords(t.Context(), r))
		rs, total, err := fx.s.FindRecords(t.Context(), fx.b.ID, numbers.RecordFilter{Holder: fx.aEmployees[1].ID})
		require.NoError(t, err)
		require.Equal(t, 1, total)
		require.Equal(t, []*numbers.Record{normCallRecord(r)}, normCallRecords(rs))
	},
	"FindRecords": func(t *testing.T, fx *staffIsoFixture) {
		for _, f := range []numbers.RecordFilter{
			{Numbers: numberIDs(fx.aNumbers[1:])},
			{Holder: fx.aEmployees[0].ID},
			{Numbers: numberIDs(fx.aNumbers), Holder: fx.aEmployees[0].ID},
			{Kinds: []numbers.RecordKind{numbers.RecordFax, numbers.RecordVoicemail}},
		} {
			rs, total, err := fx.s.FindRecords(t.Context(), fx.b.ID, f)
			require.NoError(t, err)
			require.Empty(t, rs)
			require.Zero(t, total)
		}
		// B's record that names A's number is B's only; A does not see it.
		for _, f := range []numbers.RecordFilter{{}, {Numbers: numberIDs(fx.aNumbers[:1])}} {
			rs, total, err := fx.s.FindRecords(t.Context(), fx.b.ID, f)
			require.NoError(t, err)
			require.Equal(t, 1, total)
			require.Equal(t, []*numbers.Record{normCallRecord(fx.bRecord)}, normCallRecords(rs))
		}
		rs, _, err := fx.s.FindRecords(t.Context(), fx.a.ID, numbers.RecordFilter{Numbers: numberIDs(fx.aNumbers[:1])})
		require.NoError(t, err)
		require.NotContains(t, callRecordIDs(rs), fx.bRecord.ID)
	},
	"DeleteRecords": func(t *testing.T, fx *staffIsoFixture) {
		for _, e := range fx.aEmployees {
			for _, f := range []numbers.RecordFilter{
				{Holder: e.ID},
				{Holder: e.ID, Numbers: numberIDs(fx.aNumbers)},
			} {
				n, err := fx.s.DeleteRecords(t.Context(), fx.b.ID, f)
				require.NoError(t, err)
				require.Zero(t, n)
			}
		}
		// B's own purge of A's number ID deletes B's record only.
		n, err := fx.s.DeleteRecords(t.Context(), fx.b.ID, numbers.RecordFilter{Holder: fx.bEmployee.ID, Numbers: numberIDs(fx.aNumbers[:1])})
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Empty(t, allCallRecords(t, fx.s, fx.b.ID))
	},
}

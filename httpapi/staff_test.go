package httpapi_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
)

// anonymous is a request without an identity.
var anonymous numberdesk.Actor

func staffURL(id numberdesk.StaffID, rest string) string { return "/api/v1/staff/" + string(id) + rest }

// expectProblem checks that r is a problem with status, code and field.
func expectProblem(t *testing.T, r *resp, status int, code, field string) httpapi.Problem {
	t.Helper()
	require.Equal(t, status, r.Code, "%s", r.Body)
	p := r.problem(t)
	require.Equal(t, code, p.Code, "%s", r.Body)
	require.Equal(t, field, p.Field, "%s", r.Body)
	return p
}

// sameProblem checks that two problems say the same (but for the request
// ID): another tenant's ID tells nothing a random one does not.
func sameProblem(t *testing.T, a, b httpapi.Problem) {
	t.Helper()
	a.RequestID, b.RequestID = "", ""
	require.Equal(t, a, b)
}

func employeeOf(t *testing.T, r *resp, status int) staff.Employee {
	t.Helper()
	require.Equal(t, status, r.Code, "%s", r.Body)
	var emp staff.Employee
	r.json(t, &emp)
	require.Equal(t, `"`+strconv.FormatInt(emp.Version, 10)+`"`, r.Header.Get("ETag"))
	return emp
}

// randomStaff is an ID no employee has.
func randomStaff() numberdesk.StaffID { return numberdesk.NewStaffID() }

// numbersFixture provisions the block 0221 7770-<from>…<to> and activates
// it, through the services.
func numbersFixture(t *testing.T, e *env, from, to string) []numberdesk.NumberID {
	t.Helper()
	ctx := context.Background()
	ns, err := e.nums.Provision(ctx, e.owner, numbers.ProvisionRequest{Number: "0221 7770", ExtensionFrom: from, ExtensionTo: to})
	require.NoError(t, err)
	ids := make([]numberdesk.NumberID, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	q, err := e.nums.Quote(ctx, e.owner, ids)
	require.NoError(t, err)
	_, err = e.nums.Activate(ctx, e.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	return ids
}

func holdersOf(t *testing.T, e *env, id numberdesk.NumberID) []numberdesk.StaffID {
	t.Helper()
	n, err := e.nums.Number(context.Background(), e.owner, id)
	require.NoError(t, err)
	return n.Holders
}

func (e *env) deleteReq(t *testing.T, as numberdesk.Actor, path string) *resp {
	t.Helper()
	return e.do(t, req{as: as, method: http.MethodDelete, path: path})
}

func TestMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, a := range []numberdesk.Actor{e.owner, e.manager, e.employee, e.foreign} {
		r := e.get(t, a, "/api/v1/me")
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
		var me struct {
			Employee staff.Employee    `json:"employee"`
			Role     numberdesk.Role   `json:"role"`
			Tenant   numberdesk.Tenant `json:"tenant"`
		}
		r.json(t, &me)
		require.Equal(t, a.Staff, me.Employee.ID)
		require.Equal(t, a.Role, me.Role)
		require.Equal(t, a.Role, me.Employee.Role)
		require.Equal(t, a.Tenant, me.Tenant.ID)
		require.Equal(t, `"1"`, r.Header.Get("ETag"))
		if a == e.foreign {
			require.Equal(t, "Fremd AG", me.Tenant.Name)
		} else {
			require.Equal(t, "Muster GmbH", me.Tenant.Name)
		}
	}
	expectProblem(t, e.get(t, anonymous, "/api/v1/me"), http.StatusUnauthorized, "unauthenticated", "")

	// A locked or deleted employee is refused, with the SDK's message.
	ctx := context.Background()
	_, err := e.people.SetLocked(ctx, e.owner, e.employee.Staff, true)
	require.NoError(t, err)
	p := expectProblem(t, e.get(t, e.employee, "/api/v1/me"), http.StatusForbidden, "permission", "actor")
	require.Contains(t, p.Detail, "gesperrt")
	require.NoError(t, e.people.Delete(ctx, e.owner, e.employee2.Staff, false))
	expectProblem(t, e.get(t, e.employee2, "/api/v1/me"), http.StatusForbidden, "permission", "actor")
}

type employeePage struct {
	Items             []staff.Employee `json:"items"`
	NextCursor        string           `json:"next_cursor"`
	Total             int              `json:"total"`
	TotalIsLowerBound bool             `json:"total_is_lower_bound"`
}

func TestStaffList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	page := func(as numberdesk.Actor, query string) employeePage {
		t.Helper()
		r := e.get(t, as, "/api/v1/staff"+query)
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
		var p employeePage
		r.json(t, &p)
		return p
	}
	names := func(p employeePage) (out []string) {
		for _, emp := range p.Items {
			out = append(out, emp.FirstName)
		}
		return out
	}

	all := page(e.owner, "")
	require.Equal(t, []string{"Emil", "Erna", "Mia", "Olga"}, names(all)) // by last name, first name
	require.Equal(t, 4, all.Total)
	require.Empty(t, all.NextCursor)
	require.False(t, all.TotalIsLowerBound)
	require.Equal(t, all, page(e.manager, ""))

	// Pages of two: the cursor continues, the last page has none.
	p1 := page(e.owner, "?limit=2")
	require.Equal(t, []string{"Emil", "Erna"}, names(p1))
	require.Equal(t, 4, p1.Total)
	require.NotEmpty(t, p1.NextCursor)
	p2 := page(e.owner, "?limit=2&cursor="+p1.NextCursor)
	require.Equal(t, []string{"Mia", "Olga"}, names(p2))
	require.Empty(t, p2.NextCursor)

	s := page(e.owner, "?search=EMIL")
	require.Equal(t, []string{"Emil"}, names(s))
	require.Equal(t, 1, s.Total)
	require.Empty(t, page(e.owner, "?search=nobody").Items)

	// Another tenant sees its own staff only.
	f := page(e.foreign, "")
	require.Equal(t, []string{"Fritz"}, names(f))

	expectProblem(t, e.get(t, e.employee, "/api/v1/staff"), http.StatusForbidden, "permission", "")
	expectProblem(t, e.get(t, anonymous, "/api/v1/staff"), http.StatusUnauthorized, "unauthenticated", "")
	expectProblem(t, e.get(t, e.owner, "/api/v1/staff?cursor=bogus"), http.StatusUnprocessableEntity, "invalid", "cursor")
	for _, q := range []string{"?limit=0", "?limit=1001", "?limit=x"} {
		r := e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/staff" + q, invalid: true})
		expectProblem(t, r, http.StatusUnprocessableEntity, "invalid", "limit")
	}
	r := e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/staff?search=" + strings.Repeat("x", 101), invalid: true})
	expectProblem(t, r, http.StatusUnprocessableEntity, "invalid", "search")
}

func TestStaffCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := numbersFixture(t, e, "1", "2")
	body := map[string]any{"first_name": "Anna", "last_name": "Berg", "email": " Anna.Berg@Muster.example ", "role": "manager", "numbers": ids}
	emp := employeeOf(t, e.post(t, e.owner, "/api/v1/staff", body), http.StatusCreated)
	require.Equal(t, "Anna", emp.FirstName)
	require.Equal(t, "anna.berg@muster.example", emp.Email)
	require.Equal(t, numberdesk.RoleManager, emp.Role)
	require.Equal(t, staff.DefaultPreferences, emp.Preferences)
	require.Equal(t, e.owner.Tenant, emp.Tenant)
	require.Equal(t, int64(1), emp.Version)
	for _, id := range ids {
		require.Equal(t, []numberdesk.StaffID{emp.ID}, holdersOf(t, e, id))
	}
	// It exists: the owner reads it.
	require.Equal(t, emp, employeeOf(t, e.get(t, e.owner, staffURL(emp.ID, "")), http.StatusOK))

	// A manager creates employees (the default role), not managers.
	emp = employeeOf(t, e.post(t, e.manager, "/api/v1/staff", map[string]any{"first_name": "Ben", "last_name": "Kurz", "email": "ben@muster.example"}), http.StatusCreated)
	require.Equal(t, numberdesk.RoleEmployee, emp.Role)
	expectProblem(t, e.post(t, e.manager, "/api/v1/staff", map[string]any{"first_name": "C", "last_name": "D", "email": "cd@muster.example", "role": "manager"}),
		http.StatusForbidden, "permission", "role")
	expectProblem(t, e.post(t, e.employee, "/api/v1/staff", map[string]any{"first_name": "C", "last_name": "D", "email": "cd@muster.example"}),
		http.StatusForbidden, "permission", "")
	expectProblem(t, e.post(t, anonymous, "/api/v1/staff", map[string]any{"first_name": "C", "last_name": "D", "email": "cd@muster.example"}),
		http.StatusUnauthorized, "unauthenticated", "")

	// The e-mail is unique in the tenant (another tenant may use it).
	expectProblem(t, e.post(t, e.owner, "/api/v1/staff", map[string]any{"first_name": "E", "last_name": "M", "email": "EMIL@muster.example"}),
		http.StatusConflict, "conflict", "email")
	employeeOf(t, e.post(t, e.foreign, "/api/v1/staff", map[string]any{"first_name": "E", "last_name": "M", "email": "emil@muster.example"}), http.StatusCreated)

	// Invalid values: 422 on the field; not the operation's shape: 400.
	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"last_name": "B", "email": "x@muster.example"}, "first_name"},
		{map[string]any{"first_name": strings.Repeat("a", 101), "last_name": "B", "email": "x@muster.example"}, "first_name"},
		{map[string]any{"first_name": "A", "last_name": "B", "email": "no address"}, "email"},
		{map[string]any{"first_name": "A", "last_name": "B", "email": "x@muster.example", "role": "owner"}, "role"},
	} {
		r := e.do(t, req{as: e.owner, method: http.MethodPost, path: "/api/v1/staff", body: c.body, invalid: true})
		expectProblem(t, r, http.StatusUnprocessableEntity, "invalid", c.field)
	}
	for _, c := range []struct {
		body  string
		field string
	}{
		{`{"first_name": "A", "last_name": "B", "email": "x@muster.example", "admin": true}`, "admin"},
		{`{"first_name": 1, "last_name": "B", "email": "x@muster.example"}`, "first_name"},
		{`{"first_name": "A"`, ""},
		{`[]`, ""},
		{`{"first_name": "A", "last_name": "B", "email": "x@muster.example"} {}`, ""},
	} {
		r := e.do(t, req{as: e.owner, method: http.MethodPost, path: "/api/v1/staff", body: c.body, invalid: true})
		expectProblem(t, r, http.StatusBadRequest, "malformed", c.field)
	}

	// Another tenant's number, or an unknown one: 404, and no employee.
	before := e.get(t, e.owner, "/api/v1/staff")
	foreignNumbers, err := e.nums.Provision(context.Background(), e.foreign, numbers.ProvisionRequest{Number: "0228 1234"})
	require.NoError(t, err)
	pf := expectProblem(t, e.post(t, e.owner, "/api/v1/staff", map[string]any{"first_name": "F", "last_name": "G", "email": "fg@muster.example", "numbers": []any{foreignNumbers[0].ID}}),
		http.StatusNotFound, "not_found", "number")
	pr := expectProblem(t, e.post(t, e.owner, "/api/v1/staff", map[string]any{"first_name": "F", "last_name": "G", "email": "fg@muster.example", "numbers": []any{numberdesk.NewNumberID()}}),
		http.StatusNotFound, "not_found", "number")
	sameProblem(t, pf, pr)
	require.Equal(t, before.Body, e.get(t, e.owner, "/api/v1/staff").Body)
}

func TestStaffIdempotency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]any{"first_name": "Anna", "last_name": "Berg", "email": "anna@muster.example"}
	first := e.post(t, e.owner, "/api/v1/staff", body, "Idempotency-Key", "create-anna")
	emp := employeeOf(t, first, http.StatusCreated)
	require.Empty(t, first.Header.Get("Idempotent-Replayed"))

	again := e.post(t, e.owner, "/api/v1/staff", body, "Idempotency-Key", "create-anna")
	require.Equal(t, http.StatusCreated, again.Code, "%s", again.Body)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.Equal(t, first.Body, again.Body)
	require.Equal(t, first.Header.Get("ETag"), again.Header.Get("ETag"))
	// No second employee (without the key, the same request conflicts).
	var p employeePage
	e.get(t, e.owner, "/api/v1/staff?search=anna").json(t, &p)
	require.Len(t, p.Items, 1)
	require.Equal(t, emp.ID, p.Items[0].ID)

	// Another request under the key: 422; another route under it too.
	other := map[string]any{"first_name": "Anna", "last_name": "Berg", "email": "anna.berg@muster.example"}
	expectProblem(t, e.post(t, e.owner, "/api/v1/staff", other, "Idempotency-Key", "create-anna"),
		http.StatusUnprocessableEntity, "invalid", "idempotency_key")
	expectProblem(t, e.post(t, e.owner, staffURL(emp.ID, "/lock"), nil, "Idempotency-Key", "create-anna"),
		http.StatusUnprocessableEntity, "invalid", "idempotency_key")
	require.False(t, employeeOf(t, e.get(t, e.owner, staffURL(emp.ID, "")), http.StatusOK).Locked)

	// A lock replayed: the same response, one event.
	lock := e.post(t, e.owner, staffURL(emp.ID, "/lock"), nil, "Idempotency-Key", `"lock-anna"`)
	require.True(t, employeeOf(t, lock, http.StatusOK).Locked)
	lock2 := e.post(t, e.owner, staffURL(emp.ID, "/lock"), nil, "Idempotency-Key", `"lock-anna"`)
	require.Equal(t, "true", lock2.Header.Get("Idempotent-Replayed"))
	require.Equal(t, lock.Body, lock2.Body)
	evs, err := e.nums.Events(context.Background(), e.owner, numberdesk.EventFilter{Types: []numberdesk.EventType{staff.EventLocked}})
	require.NoError(t, err)
	require.Len(t, evs, 1)

	// A failed request stores nothing: corrected, it runs under the key.
	expectProblem(t, e.post(t, e.owner, "/api/v1/staff", map[string]any{"first_name": "X", "last_name": "Y", "email": "emil@muster.example"}, "Idempotency-Key", "retry"),
		http.StatusConflict, "conflict", "email")
	employeeOf(t, e.post(t, e.owner, "/api/v1/staff", map[string]any{"first_name": "X", "last_name": "Y", "email": "xy@muster.example"}, "Idempotency-Key", "retry"),
		http.StatusCreated)
}

// crossTenant checks that the foreign tenant's employee and a random ID get
// the same 404 from the request built by do.
func crossTenant(t *testing.T, e *env, do func(id numberdesk.StaffID) *resp) {
	t.Helper()
	pf := expectProblem(t, do(e.foreign.Staff), http.StatusNotFound, "not_found", "employee")
	pr := expectProblem(t, do(randomStaff()), http.StatusNotFound, "not_found", "employee")
	sameProblem(t, pf, pr)
}

func TestStaffGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, a := range []numberdesk.Actor{e.owner, e.manager} {
		emp := employeeOf(t, e.get(t, a, staffURL(e.employee.Staff, "")), http.StatusOK)
		require.Equal(t, e.employee.Staff, emp.ID)
		require.Equal(t, "Emil", emp.FirstName)
		require.Equal(t, "emil@muster.example", emp.Email)
		require.Equal(t, numberdesk.RoleEmployee, emp.Role)
		require.False(t, emp.Locked)
		require.False(t, emp.RoutingEdit)
		require.Equal(t, staff.DefaultPreferences, emp.Preferences)
		require.Equal(t, e.now, emp.CreatedAt)
	}
	// An employee reads itself only; another employee is not found for it.
	require.Equal(t, e.employee.Staff, employeeOf(t, e.get(t, e.employee, staffURL(e.employee.Staff, "")), http.StatusOK).ID)
	expectProblem(t, e.get(t, e.employee, staffURL(e.employee2.Staff, "")), http.StatusNotFound, "not_found", "employee")

	crossTenant(t, e, func(id numberdesk.StaffID) *resp { return e.get(t, e.owner, staffURL(id, "")) })
	expectProblem(t, e.get(t, e.foreign, staffURL(e.owner.Staff, "")), http.StatusNotFound, "not_found", "employee")
	expectProblem(t, e.get(t, anonymous, staffURL(e.owner.Staff, "")), http.StatusUnauthorized, "unauthenticated", "")
}

func TestStaffUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := staffURL(e.employee.Staff, "")
	body := map[string]any{"first_name": "Emil", "last_name": "Neu", "email": "Emil.Neu@muster.example"}
	emp := employeeOf(t, e.put(t, e.owner, u, body), http.StatusOK)
	require.Equal(t, "Neu", emp.LastName)
	require.Equal(t, "emil.neu@muster.example", emp.Email)
	require.Equal(t, numberdesk.RoleEmployee, emp.Role) // absent: kept
	require.Equal(t, int64(2), emp.Version)
	// The same again changes nothing: the version stays.
	require.Equal(t, int64(2), employeeOf(t, e.put(t, e.manager, u, body), http.StatusOK).Version)

	// If-Match: the read version, else 412 and nothing changes.
	body["first_name"] = "Emilio"
	expectProblem(t, e.put(t, e.owner, u, body, "If-Match", `"1"`), http.StatusPreconditionFailed, "stale", "If-Match")
	expectProblem(t, e.put(t, e.owner, u, body, "If-Match", `nonsense`), http.StatusPreconditionFailed, "stale", "If-Match")
	require.Equal(t, "Emil", employeeOf(t, e.get(t, e.owner, u), http.StatusOK).FirstName)
	emp = employeeOf(t, e.put(t, e.owner, u, body, "If-Match", `"2"`), http.StatusOK)
	require.Equal(t, "Emilio", emp.FirstName)
	require.Equal(t, int64(3), emp.Version)

	// Roles: the owner promotes; a manager changes no role and not the owner.
	body["role"] = "manager"
	expectProblem(t, e.put(t, e.manager, u, body), http.StatusForbidden, "permission", "role")
	require.Equal(t, numberdesk.RoleManager, employeeOf(t, e.put(t, e.owner, u, body, "If-Match", `W/"3"`), http.StatusOK).Role)
	owner := map[string]any{"first_name": "Olga", "last_name": "Owner", "email": "olga@muster.example"}
	expectProblem(t, e.put(t, e.manager, staffURL(e.owner.Staff, ""), owner), http.StatusForbidden, "permission", "employee")
	owner["role"] = "employee"
	expectProblem(t, e.put(t, e.owner, staffURL(e.owner.Staff, ""), owner), http.StatusConflict, "precondition", "role")
	body["role"] = "owner"
	expectProblem(t, e.put(t, e.owner, u, body), http.StatusConflict, "precondition", "role")
	delete(body, "role")

	// An employee changes nobody, not even itself (If-Match or not).
	self := map[string]any{"first_name": "Erna", "last_name": "X", "email": "erna@muster.example"}
	expectProblem(t, e.put(t, e.employee2, staffURL(e.employee2.Staff, ""), self), http.StatusForbidden, "permission", "")
	expectProblem(t, e.put(t, e.employee2, u, body, "If-Match", `"4"`), http.StatusForbidden, "permission", "")
	expectProblem(t, e.put(t, anonymous, u, body), http.StatusUnauthorized, "unauthenticated", "")

	// Another employee's e-mail: 409.
	body["email"] = "mia@muster.example"
	expectProblem(t, e.put(t, e.owner, u, body), http.StatusConflict, "conflict", "email")
	body["email"] = "emil@muster.example"

	crossTenant(t, e, func(id numberdesk.StaffID) *resp { return e.put(t, e.owner, staffURL(id, ""), body) })
	crossTenant(t, e, func(id numberdesk.StaffID) *resp { return e.put(t, e.owner, staffURL(id, ""), body, "If-Match", `"1"`) })

	r := e.do(t, req{as: e.owner, method: http.MethodPut, path: u, body: map[string]any{"first_name": "A", "last_name": "B"}, invalid: true})
	expectProblem(t, r, http.StatusUnprocessableEntity, "invalid", "email")
	r = e.do(t, req{as: e.owner, method: http.MethodPut, path: u, body: map[string]any{"first_name": "A", "last_name": "B", "email": "a@muster.example", "locked": true}, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "locked")
	r = e.do(t, req{as: e.owner, method: http.MethodPut, path: u, body: "{", invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "")
}

func TestStaffDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ids := numbersFixture(t, e, "1", "2")
	_, err := e.nums.Assign(ctx, e.owner, numbers.AssignRequest{Number: ids[0], Employee: e.employee.Staff})
	require.NoError(t, err)
	_, err = e.nums.Assign(ctx, e.owner, numbers.AssignRequest{Number: ids[1], Employee: e.employee2.Staff})
	require.NoError(t, err)
	other, err := e.people.Create(ctx, e.owner, staff.CreateRequest{FirstName: "Max", LastName: "Muster", Email: "max@muster.example", Role: numberdesk.RoleManager})
	require.NoError(t, err)

	// Refused: the employee, a manager deleting a manager, the owner.
	expectProblem(t, e.deleteReq(t, e.employee, staffURL(e.employee2.Staff, "")), http.StatusForbidden, "permission", "")
	expectProblem(t, e.deleteReq(t, e.manager, staffURL(other.ID, "")), http.StatusForbidden, "permission", "employee")
	expectProblem(t, e.deleteReq(t, e.manager, staffURL(e.owner.Staff, "")), http.StatusConflict, "precondition", "employee")
	expectProblem(t, e.deleteReq(t, e.owner, staffURL(e.owner.Staff, "")), http.StatusConflict, "precondition", "employee")
	expectProblem(t, e.deleteReq(t, anonymous, staffURL(e.employee.Staff, "")), http.StatusUnauthorized, "unauthenticated", "")
	r := e.do(t, req{as: e.owner, method: http.MethodDelete, path: staffURL(e.employee.Staff, "?purge=maybe"), invalid: true})
	expectProblem(t, r, http.StatusUnprocessableEntity, "invalid", "purge")
	crossTenant(t, e, func(id numberdesk.StaffID) *resp { return e.deleteReq(t, e.owner, staffURL(id, "")) })
	require.Equal(t, []numberdesk.StaffID{e.employee.Staff}, holdersOf(t, e, ids[0]))

	// Deleted: 204, its numbers unassigned, gone for every route.
	r = e.deleteReq(t, e.manager, staffURL(e.employee.Staff, "?purge=false"))
	require.Equal(t, http.StatusNoContent, r.Code, "%s", r.Body)
	require.Empty(t, r.Body)
	require.Empty(t, holdersOf(t, e, ids[0]))
	expectProblem(t, e.get(t, e.owner, staffURL(e.employee.Staff, "")), http.StatusNotFound, "not_found", "employee")
	expectProblem(t, e.deleteReq(t, e.owner, staffURL(e.employee.Staff, "")), http.StatusNotFound, "not_found", "employee")
	expectProblem(t, e.get(t, e.employee, "/api/v1/me"), http.StatusForbidden, "permission", "actor")

	r = e.deleteReq(t, e.owner, staffURL(e.employee2.Staff, "?purge=true"))
	require.Equal(t, http.StatusNoContent, r.Code, "%s", r.Body)
	require.Empty(t, holdersOf(t, e, ids[1]))
	r = e.deleteReq(t, e.owner, staffURL(other.ID, ""))
	require.Equal(t, http.StatusNoContent, r.Code, "%s", r.Body)
}

func TestStaffLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	emp := employeeOf(t, e.post(t, e.manager, staffURL(e.employee.Staff, "/lock"), nil), http.StatusOK)
	require.True(t, emp.Locked)
	require.Equal(t, int64(2), emp.Version)
	// The locked employee is refused everywhere, with the SDK's message.
	p := expectProblem(t, e.get(t, e.employee, staffURL(e.employee.Staff, "")), http.StatusForbidden, "permission", "actor")
	require.Contains(t, p.Detail, "gesperrt")
	// Locking again changes nothing.
	require.Equal(t, emp, employeeOf(t, e.post(t, e.owner, staffURL(e.employee.Staff, "/lock"), map[string]any{}), http.StatusOK))

	emp = employeeOf(t, e.post(t, e.owner, staffURL(e.employee.Staff, "/unlock"), nil), http.StatusOK)
	require.False(t, emp.Locked)
	require.Equal(t, int64(3), emp.Version)
	employeeOf(t, e.get(t, e.employee, staffURL(e.employee.Staff, "")), http.StatusOK)

	// Not the owner, not oneself; a manager touches employees only.
	expectProblem(t, e.post(t, e.owner, staffURL(e.owner.Staff, "/lock"), nil), http.StatusConflict, "precondition", "employee")
	expectProblem(t, e.post(t, e.manager, staffURL(e.manager.Staff, "/lock"), nil), http.StatusConflict, "precondition", "employee")
	expectProblem(t, e.post(t, e.manager, staffURL(e.owner.Staff, "/lock"), nil), http.StatusForbidden, "permission", "employee")
	expectProblem(t, e.post(t, e.employee, staffURL(e.employee2.Staff, "/lock"), nil), http.StatusForbidden, "permission", "")
	expectProblem(t, e.post(t, e.employee, staffURL(e.employee.Staff, "/unlock"), nil), http.StatusForbidden, "permission", "")
	expectProblem(t, e.post(t, anonymous, staffURL(e.employee.Staff, "/lock"), nil), http.StatusUnauthorized, "unauthenticated", "")
	crossTenant(t, e, func(id numberdesk.StaffID) *resp { return e.post(t, e.owner, staffURL(id, "/lock"), nil) })
	crossTenant(t, e, func(id numberdesk.StaffID) *resp { return e.post(t, e.owner, staffURL(id, "/unlock"), nil) })

	// A body is empty or {}.
	r := e.do(t, req{as: e.owner, method: http.MethodPost, path: staffURL(e.employee.Staff, "/lock"), body: `{"locked": true}`, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "locked")
	r = e.do(t, req{as: e.owner, method: http.MethodPost, path: staffURL(e.employee.Staff, "/unlock"), body: `nope`, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "")
	require.False(t, employeeOf(t, e.get(t, e.owner, staffURL(e.employee.Staff, "")), http.StatusOK).Locked)
}

func TestStaffPreferences(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	off := map[string]any{"missed_calls": false, "faxes": true, "voicemail": false, "other": true}
	want := staff.Preferences{Faxes: true, Other: true}

	// An employee sets its own.
	emp := employeeOf(t, e.put(t, e.employee, staffURL(e.employee.Staff, "/preferences"), off), http.StatusOK)
	require.Equal(t, want, emp.Preferences)
	require.Equal(t, int64(2), emp.Version)
	expectProblem(t, e.put(t, e.employee, staffURL(e.employee2.Staff, "/preferences"), off), http.StatusNotFound, "not_found", "employee")
	expectProblem(t, e.put(t, e.employee, staffURL(e.employee2.Staff, "/preferences"), off, "If-Match", `"1"`), http.StatusNotFound, "not_found", "employee")

	// Owner and manager anyone's; a manager not the owner's.
	require.Equal(t, want, employeeOf(t, e.put(t, e.manager, staffURL(e.employee2.Staff, "/preferences"), off), http.StatusOK).Preferences)
	require.Equal(t, want, employeeOf(t, e.put(t, e.owner, staffURL(e.manager.Staff, "/preferences"), off, "If-Match", `"1"`), http.StatusOK).Preferences)
	expectProblem(t, e.put(t, e.manager, staffURL(e.owner.Staff, "/preferences"), off), http.StatusForbidden, "permission", "employee")
	expectProblem(t, e.put(t, anonymous, staffURL(e.owner.Staff, "/preferences"), off), http.StatusUnauthorized, "unauthenticated", "")
	crossTenant(t, e, func(id numberdesk.StaffID) *resp { return e.put(t, e.owner, staffURL(id, "/preferences"), off) })

	// A stale If-Match: 412, nothing changes.
	on := map[string]any{"missed_calls": true, "faxes": true, "voicemail": true, "other": true}
	expectProblem(t, e.put(t, e.employee, staffURL(e.employee.Staff, "/preferences"), on, "If-Match", `"1"`), http.StatusPreconditionFailed, "stale", "If-Match")
	emp = employeeOf(t, e.put(t, e.employee, staffURL(e.employee.Staff, "/preferences"), on, "If-Match", `"2"`), http.StatusOK)
	require.Equal(t, staff.DefaultPreferences, emp.Preferences)

	// Every category is required: leaving one out does not switch it off.
	r := e.do(t, req{as: e.employee, method: http.MethodPut, path: staffURL(e.employee.Staff, "/preferences"),
		body: map[string]any{"missed_calls": false, "faxes": false, "other": false}, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "voicemail")
	r = e.do(t, req{as: e.employee, method: http.MethodPut, path: staffURL(e.employee.Staff, "/preferences"),
		body: map[string]any{"missed_calls": false, "faxes": false, "other": false, "voicemail": "no"}, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "voicemail")
	r = e.do(t, req{as: e.employee, method: http.MethodPut, path: staffURL(e.employee.Staff, "/preferences"),
		body: map[string]any{"missed_calls": false, "faxes": false, "other": false, "voicemail": false, "sms": true}, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "sms")
	require.Equal(t, staff.DefaultPreferences, employeeOf(t, e.get(t, e.employee, staffURL(e.employee.Staff, "")), http.StatusOK).Preferences)
}

func TestStaffRoutingEdit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := staffURL(e.employee.Staff, "/routing-edit")
	emp := employeeOf(t, e.put(t, e.owner, u, map[string]any{"allowed": true}), http.StatusOK)
	require.True(t, emp.RoutingEdit)
	emp = employeeOf(t, e.put(t, e.owner, u, map[string]any{"allowed": false}, "If-Match", `"2"`), http.StatusOK)
	require.False(t, emp.RoutingEdit)
	require.Equal(t, int64(3), emp.Version)
	expectProblem(t, e.put(t, e.owner, u, map[string]any{"allowed": true}, "If-Match", `"2"`), http.StatusPreconditionFailed, "stale", "If-Match")

	// Owner only, and not for the owner.
	expectProblem(t, e.put(t, e.manager, u, map[string]any{"allowed": true}), http.StatusForbidden, "permission", "")
	expectProblem(t, e.put(t, e.employee, u, map[string]any{"allowed": true}), http.StatusForbidden, "permission", "")
	expectProblem(t, e.put(t, anonymous, u, map[string]any{"allowed": true}), http.StatusUnauthorized, "unauthenticated", "")
	expectProblem(t, e.put(t, e.owner, staffURL(e.owner.Staff, "/routing-edit"), map[string]any{"allowed": true}), http.StatusConflict, "precondition", "employee")
	crossTenant(t, e, func(id numberdesk.StaffID) *resp {
		return e.put(t, e.owner, staffURL(id, "/routing-edit"), map[string]any{"allowed": true})
	})

	r := e.do(t, req{as: e.owner, method: http.MethodPut, path: u, body: map[string]any{}, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "allowed")
	r = e.do(t, req{as: e.owner, method: http.MethodPut, path: u, body: `{"allowed": 1}`, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "allowed")
	require.False(t, employeeOf(t, e.get(t, e.owner, staffURL(e.employee.Staff, "")), http.StatusOK).RoutingEdit)
}

func TestStaffNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := numbersFixture(t, e, "1", "3")
	u := staffURL(e.employee.Staff, "/numbers")

	r := e.post(t, e.owner, u, map[string]any{"numbers": ids[:2]})
	require.Equal(t, http.StatusNoContent, r.Code, "%s", r.Body)
	require.Empty(t, r.Body)
	require.Equal(t, []numberdesk.StaffID{e.employee.Staff}, holdersOf(t, e, ids[0]))
	require.Equal(t, []numberdesk.StaffID{e.employee.Staff}, holdersOf(t, e, ids[1]))
	// A manager reassigns: the previous holder is replaced.
	r = e.post(t, e.manager, staffURL(e.employee2.Staff, "/numbers"), map[string]any{"numbers": ids[1:]})
	require.Equal(t, http.StatusNoContent, r.Code, "%s", r.Body)
	require.Equal(t, []numberdesk.StaffID{e.employee2.Staff}, holdersOf(t, e, ids[1]))
	require.Equal(t, []numberdesk.StaffID{e.employee2.Staff}, holdersOf(t, e, ids[2]))
	// Nothing to assign: nothing changes.
	r = e.post(t, e.owner, u, map[string]any{"numbers": []string{}})
	require.Equal(t, http.StatusNoContent, r.Code, "%s", r.Body)

	expectProblem(t, e.post(t, e.employee, u, map[string]any{"numbers": ids[2:]}), http.StatusForbidden, "permission", "")
	expectProblem(t, e.post(t, anonymous, u, map[string]any{"numbers": ids[2:]}), http.StatusUnauthorized, "unauthenticated", "")
	// Another tenant's employee, with numbers or without: 404 and nothing
	// changes.
	crossTenant(t, e, func(id numberdesk.StaffID) *resp {
		return e.post(t, e.owner, staffURL(id, "/numbers"), map[string]any{"numbers": ids[2:]})
	})
	crossTenant(t, e, func(id numberdesk.StaffID) *resp {
		return e.post(t, e.owner, staffURL(id, "/numbers"), map[string]any{"numbers": []string{}})
	})
	// Another tenant's number: 404.
	foreign, err := e.nums.Provision(context.Background(), e.foreign, numbers.ProvisionRequest{Number: "0228 1234"})
	require.NoError(t, err)
	pf := expectProblem(t, e.post(t, e.owner, u, map[string]any{"numbers": []any{ids[2], foreign[0].ID}}), http.StatusNotFound, "not_found", "number")
	pr := expectProblem(t, e.post(t, e.owner, u, map[string]any{"numbers": []any{ids[2], numberdesk.NewNumberID()}}), http.StatusNotFound, "not_found", "number")
	sameProblem(t, pf, pr)
	require.Equal(t, []numberdesk.StaffID{e.employee2.Staff}, holdersOf(t, e, ids[2]))
	// A locked employee gets no number.
	_, err = e.people.SetLocked(context.Background(), e.owner, e.employee.Staff, true)
	require.NoError(t, err)
	expectProblem(t, e.post(t, e.owner, u, map[string]any{"numbers": ids[2:]}), http.StatusConflict, "precondition", "employee")

	r = e.do(t, req{as: e.owner, method: http.MethodPost, path: u, body: map[string]any{}, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "numbers")
	r = e.do(t, req{as: e.owner, method: http.MethodPost, path: u, body: map[string]any{"numbers": ids[2]}, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "numbers")
	require.Equal(t, []numberdesk.StaffID{e.employee2.Staff}, holdersOf(t, e, ids[2]))
}

func TestStaffRelease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ids := numbersFixture(t, e, "1", "2")
	require.NoError(t, e.nums.AssignNumbers(ctx, e.owner, e.employee.Staff, ids))
	u := staffURL(e.employee.Staff, "/release")

	expectProblem(t, e.post(t, e.employee, u, nil), http.StatusForbidden, "permission", "")
	expectProblem(t, e.post(t, anonymous, u, nil), http.StatusUnauthorized, "unauthenticated", "")
	crossTenant(t, e, func(id numberdesk.StaffID) *resp { return e.post(t, e.owner, staffURL(id, "/release"), nil) })
	r := e.do(t, req{as: e.owner, method: http.MethodPost, path: u, body: map[string]any{"purge": "yes"}, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "purge")
	r = e.do(t, req{as: e.owner, method: http.MethodPost, path: u, body: map[string]any{"numbers": ids}, invalid: true})
	expectProblem(t, r, http.StatusBadRequest, "malformed", "numbers")
	require.Equal(t, []numberdesk.StaffID{e.employee.Staff}, holdersOf(t, e, ids[0]))

	first := e.post(t, e.manager, u, map[string]any{"purge": true}, "Idempotency-Key", "release-emil")
	require.Equal(t, http.StatusNoContent, first.Code, "%s", first.Body)
	for _, id := range ids {
		require.Empty(t, holdersOf(t, e, id))
	}
	again := e.post(t, e.manager, u, map[string]any{"purge": true}, "Idempotency-Key", "release-emil")
	require.Equal(t, http.StatusNoContent, again.Code, "%s", again.Body)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	expectProblem(t, e.post(t, e.manager, u, map[string]any{"purge": false}, "Idempotency-Key", "release-emil"),
		http.StatusUnprocessableEntity, "invalid", "idempotency_key")

	// Nothing held: nothing to do.
	r = e.post(t, e.owner, u, nil)
	require.Equal(t, http.StatusNoContent, r.Code, "%s", r.Body)
	evs, err := e.nums.Events(ctx, e.owner, numberdesk.EventFilter{Types: []numberdesk.EventType{numbers.EventUnassigned}})
	require.NoError(t, err)
	require.Len(t, evs, 2)
}

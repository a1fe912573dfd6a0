package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store"
)

// numberList is the list shape with numbers.
type numberList struct {
	Items             []numbers.Number `json:"items"`
	NextCursor        string           `json:"next_cursor"`
	Total             int              `json:"total"`
	TotalIsLowerBound bool             `json:"total_is_lower_bound"`
}

// e164s are the E.164 forms of ns, in their order.
func e164s(ns []numbers.Number) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.E164
	}
	return out
}

// provision adds the block 0221 4711-<from>…<to> as the owner.
func (e *env) provision(t *testing.T, from, to string) []numbers.Number {
	t.Helper()
	r := e.post(t, e.owner, "/api/v1/numbers", map[string]any{"number": "0221 4711", "extension_from": from, "extension_to": to})
	require.Equal(t, http.StatusCreated, r.Code, "%s", r.Body)
	var l numberList
	r.json(t, &l)
	return l.Items
}

// activate quotes and activates ids as the owner.
func (e *env) activate(t *testing.T, ids ...numberdesk.NumberID) {
	t.Helper()
	r := e.post(t, e.owner, "/api/v1/quotes", map[string]any{"numbers": ids})
	require.Equal(t, http.StatusCreated, r.Code, "%s", r.Body)
	var q struct {
		Token        string `json:"token"`
		ConfirmLabel string `json:"confirm_label"`
	}
	r.json(t, &q)
	require.Equal(t, "Rufnummern jetzt kostenpflichtig aktivieren", q.ConfirmLabel)
	r = e.post(t, e.owner, "/api/v1/activations", map[string]any{"quote_token": q.Token})
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var res numbers.ActivateResult
	r.json(t, &res)
	require.Equal(t, len(ids), res.Activated())
}

func path(id numberdesk.NumberID, rest string) string { return "/api/v1/numbers/" + string(id) + rest }

// TestNumberLifecycle walks the seed page's flows through the API: provision,
// quote and activate, deactivate and withdraw, swap, assign and release,
// usage type and fax members, routing with If-Match, preview and a call's
// route, the block list, history, lookup, records and the overview.
func TestNumberLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := e.provision(t, "10", "13")
	a, b, c, d := ns[0], ns[1], ns[2], ns[3]
	require.Equal(t, "+49221471110", a.E164)
	e.activate(t, a.ID, c.ID)

	// Deactivate: the dialog's text and button, then the command.
	r := e.get(t, e.owner, path(c.ID, "/deactivation"))
	require.Equal(t, http.StatusOK, r.Code)
	var dv struct {
		Changed      bool   `json:"changed"`
		Message      string `json:"message"`
		ConfirmLabel string `json:"confirm_label"`
	}
	r.json(t, &dv)
	require.Equal(t, "Rufnummer jetzt deaktivieren", dv.ConfirmLabel)
	require.Contains(t, dv.Message, "0221 4711-12 wird zum 30.06.2026 deaktiviert")
	r = e.post(t, e.owner, path(c.ID, "/deactivate"), nil)
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	r.json(t, &dv)
	require.True(t, dv.Changed)
	r = e.post(t, e.owner, path(c.ID, "/withdraw"), map[string]any{})
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var n numbers.Number
	r.json(t, &n)
	require.Equal(t, numbers.StatusActive, n.Status)
	require.Equal(t, `"`+itoa(n.Version)+`"`, r.Header.Get("ETag"))

	// Assign, then swap a → b: b takes a's holder and billing line.
	r = e.post(t, e.manager, path(a.ID, "/assign"), map[string]any{"employee": e.employee.Staff})
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	r = e.get(t, e.manager, path(a.ID, "/holders"))
	require.Equal(t, http.StatusOK, r.Code)
	require.Contains(t, string(r.Body), `"name":"Emil Muster"`)
	r = e.get(t, e.owner, path(a.ID, "/swap"))
	require.Equal(t, http.StatusOK, r.Code)
	require.Contains(t, string(r.Body), `"confirm_label":"Rufnummerntausch jetzt abschließen"`)
	r = e.post(t, e.owner, path(a.ID, "/swap"), map[string]any{"new": b.ID})
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var sw numbers.SwapResult
	r.json(t, &sw)
	require.Equal(t, numbers.StatusInactive, sw.Old.Status)
	require.Equal(t, numbers.StatusActive, sw.New.Status)
	require.Equal(t, []numberdesk.StaffID{e.employee.Staff}, sw.New.Holders)

	// The employee sees b (it holds it) and nothing else.
	r = e.get(t, e.employee, "/api/v1/numbers")
	var l numberList
	r.json(t, &l)
	require.Len(t, l.Items, 1)
	require.Equal(t, b.ID, l.Items[0].ID)

	// Routing: read with its ETag, save with If-Match; a stale one is 412.
	r = e.get(t, e.owner, path(b.ID, "/routing"))
	require.Equal(t, http.StatusOK, r.Code)
	require.Equal(t, `"0"`, r.Header.Get("ETag"))
	plan := routing.Plan{Base: routing.BaseRule{Kind: routing.BaseMailbox}}
	r = e.put(t, e.owner, path(b.ID, "/routing"), map[string]any{"plan": plan}, "If-Match", `"0"`)
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	require.Equal(t, `"1"`, r.Header.Get("ETag"))
	r = e.put(t, e.owner, path(b.ID, "/routing"), map[string]any{"plan": plan}, "If-Match", `"0"`)
	require.Equal(t, http.StatusPreconditionFailed, r.Code)
	require.Equal(t, "stale", r.problem(t).Code)
	r = e.put(t, e.owner, path(b.ID, "/routing"), map[string]any{"plan": plan})
	require.Equal(t, http.StatusPreconditionRequired, r.Code)
	require.Equal(t, "If-Match", r.problem(t).Field)
	r = e.get(t, e.employee, path(b.ID, "/routing/preview?from="+url.QueryEscape("2026-05-04T09:00:00Z")+"&to="+url.QueryEscape("2026-05-05T09:00:00Z")))
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	require.Contains(t, string(r.Body), "Basisregel")
	r = e.get(t, e.owner, path(b.ID, "/route?from=0221999&at="+url.QueryEscape("2026-05-04T10:00:00+02:00")))
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var dec routing.Decision
	r.json(t, &dec)
	require.Equal(t, routing.OutcomeBase, dec.Outcome.Kind)

	// Block list: anonymous callers; then a call without a number is blocked.
	r = e.get(t, e.manager, "/api/v1/blocklist")
	require.Equal(t, `"0"`, r.Header.Get("ETag"))
	r = e.put(t, e.manager, "/api/v1/blocklist", map[string]any{"anonymous": true, "numbers": []string{"0221 666"}}, "If-Match", `"0"`)
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	r = e.get(t, e.owner, path(b.ID, "/route?anonymous=true"))
	r.json(t, &dec)
	require.True(t, dec.Blocked)

	// Release, usage type, shared fax member.
	r = e.post(t, e.manager, path(b.ID, "/unassign"), map[string]any{"employee": e.employee.Staff})
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	r = e.post(t, e.manager, path(b.ID, "/usage-type"), map[string]any{"usage_type": "fax_shared"})
	require.Equal(t, http.StatusConflict, r.Code, "leaving voice with stored routing needs confirm")
	require.Equal(t, "confirm", r.problem(t).Field)
	r = e.post(t, e.manager, path(b.ID, "/usage-type"), map[string]any{"usage_type": "fax_shared", "confirm": true})
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	for _, m := range []numberdesk.Actor{e.employee, e.employee2} {
		r = e.post(t, e.manager, path(b.ID, "/members"), map[string]any{"employee": m.Staff})
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	}
	r = e.get(t, e.owner, path(b.ID, ""))
	r.json(t, &n)
	require.Len(t, n.Holders, 2)

	// History, lookup, records, one number.
	r = e.get(t, e.owner, path(b.ID, "/history"))
	var evs struct {
		Items []numberdesk.Event `json:"items"`
	}
	r.json(t, &evs)
	require.Equal(t, numbers.EventProvisioned, evs.Items[0].Type)
	r = e.get(t, e.owner, "/api/v1/numbers/lookup?e164="+url.QueryEscape("+49 221 4711 11"))
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	r.json(t, &n)
	require.Equal(t, b.ID, n.ID)
	r = e.get(t, e.owner, "/api/v1/numbers/lookup?e164=0221471199")
	require.Equal(t, http.StatusNotFound, r.Code)
	r = e.get(t, e.owner, "/api/v1/records?number="+string(b.ID)+"&kind=call&kind=fax&limit=10")
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	r = e.get(t, e.owner, path(d.ID, ""))
	require.Equal(t, `"1"`, r.Header.Get("ETag"))
}

// TestOverviewPages: the cursor walks every number once, in order, under
// filters; a tampered cursor and a limit over 1000 are 422.
func TestOverviewPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := e.provision(t, "10", "24")
	e.activate(t, ns[0].ID, ns[5].ID)
	var seen []string
	next := "/api/v1/numbers?limit=4&sort=number"
	for pages := 0; next != ""; pages++ {
		require.Less(t, pages, 10)
		r := e.get(t, e.owner, next)
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
		var l numberList
		r.json(t, &l)
		require.Equal(t, 15, l.Total)
		for _, n := range l.Items {
			seen = append(seen, n.E164)
		}
		next = ""
		if l.NextCursor != "" {
			next = "/api/v1/numbers?limit=4&sort=number&cursor=" + url.QueryEscape(l.NextCursor)
		}
	}
	require.Len(t, seen, 15)
	require.IsIncreasing(t, seen)

	// An offset skips rows, also after a cursor (the portal's pager).
	r := e.get(t, e.owner, "/api/v1/numbers?limit=4&sort=number&offset=6")
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var page numberList
	r.json(t, &page)
	require.Equal(t, 15, page.Total)
	require.Equal(t, seen[6:10], e164s(page.Items))
	r = e.get(t, e.owner, "/api/v1/numbers?limit=4&sort=number&offset=2&cursor="+url.QueryEscape(page.NextCursor))
	r.json(t, &page)
	require.Equal(t, seen[12:15], e164s(page.Items))
	r = e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/numbers?offset=-1", invalid: true})
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	require.Equal(t, "offset", r.problem(t).Field)

	r = e.get(t, e.owner, "/api/v1/numbers?status=active&status=new&usage_type=voice&search=0221%204711&desc=true")
	var l numberList
	r.json(t, &l)
	require.Equal(t, 15, l.Total)
	r = e.get(t, e.owner, "/api/v1/numbers?status=active")
	r.json(t, &l)
	require.Equal(t, 2, l.Total)
	r = e.get(t, e.owner, "/api/v1/numbers?search=15")
	r.json(t, &l)
	require.Len(t, l.Items, 1, "1 to 5 digits: the extension")

	r = e.get(t, e.owner, "/api/v1/numbers?limit=4&cursor=bm9wZQ")
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	require.Equal(t, "cursor", r.problem(t).Field)
	r = e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/numbers?limit=1001", invalid: true})
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	require.Equal(t, "limit", r.problem(t).Field)
	r = e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/numbers?status=gone", invalid: true})
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
}

// TestProblems: one status per Code, each as problem details with the
// SDK's code, field and German message.
func TestProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := e.provision(t, "10", "11")
	e.activate(t, ns[0].ID)
	cases := []struct {
		name   string
		req    req
		status int
		code   string
		field  string
	}{
		{"invalid", req{as: e.owner, method: "POST", path: "/api/v1/numbers", body: map[string]any{"number": "keine Nummer"}}, 422, "invalid", "number"},
		{"not found", req{as: e.owner, method: "GET", path: path(numberdesk.NewNumberID(), "")}, 404, "not_found", "number"},
		{"conflict", req{as: e.owner, method: "POST", path: "/api/v1/numbers", body: map[string]any{"number": "0221 4711", "extension_from": "11", "extension_to": "11"}}, 409, "conflict", "number"},
		{"precondition", req{as: e.owner, method: "POST", path: path(ns[0].ID, "/withdraw")}, 409, "precondition", "number"},
		{"permission", req{as: e.manager, method: "POST", path: path(ns[0].ID, "/deactivate")}, 403, "permission", ""},
		{"unauthenticated", req{method: "GET", path: "/api/v1/numbers"}, 401, "unauthenticated", ""},
		{"malformed JSON", req{as: e.owner, method: "POST", path: "/api/v1/numbers", body: `{"number": `, invalid: true}, 400, "malformed", ""},
		{"unknown field", req{as: e.owner, method: "POST", path: path(ns[1].ID, "/swap"), body: `{"new": "x", "role": "owner"}`, invalid: true}, 400, "malformed", "role"},
		{"wrong type", req{as: e.owner, method: "POST", path: "/api/v1/quotes", body: `{"numbers": "a"}`, invalid: true}, 400, "malformed", "numbers"},
		{"two objects", req{as: e.owner, method: "POST", path: "/api/v1/quotes", body: `{} {}`, invalid: true}, 400, "malformed", ""},
		{"no such path", req{as: e.owner, method: "GET", path: "/api/v1/nothing", invalid: true}, 404, "not_found", ""},
		{"too large", req{as: e.owner, method: "POST", path: "/api/v1/numbers", body: `{"number": "` + strings.Repeat("1", httpapi.DefaultMaxBody) + `"}`, invalid: true}, 413, "malformed", ""},
		{"too large, with a key", req{as: e.owner, method: "POST", path: "/api/v1/numbers", body: `{"number": "` + strings.Repeat("1", httpapi.DefaultMaxBody) + `"}`, header: map[string]string{"Idempotency-Key": "big"}, invalid: true}, 413, "malformed", ""},
		{"no such method", req{as: e.owner, method: "DELETE", path: "/api/v1/numbers", invalid: true}, 405, "method_not_allowed", ""},
		{"bad key", req{as: e.owner, method: "POST", path: path(ns[0].ID, "/deactivate"), header: map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}, invalid: true}, 422, "invalid", "idempotency_key"},
	}
	for _, c := range cases {
		r := e.do(t, c.req)
		require.Equal(t, c.status, r.Code, "%s: %s", c.name, r.Body)
		p := r.problem(t)
		require.Equal(t, c.code, p.Code, c.name)
		require.Equal(t, c.field, p.Field, c.name)
		require.NotEmpty(t, p.Detail, c.name)
		if r.Code == http.StatusMethodNotAllowed {
			require.Equal(t, "GET, POST", r.Header.Get("Allow"))
		}
	}
	// A locked employee: 403 with the SDK's message.
	_, err := e.people.SetLocked(context.Background(), e.owner, e.employee.Staff, true)
	require.NoError(t, err)
	r := e.get(t, e.employee, "/api/v1/numbers")
	require.Equal(t, http.StatusForbidden, r.Code)
	require.Equal(t, "Ihr Zugang ist gesperrt.", r.problem(t).Detail)

	// Internal: the cause stays in the log; the client gets the request ID.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rq := httptestRequest(t, e, e.owner, "GET", "/api/v1/numbers").WithContext(ctx)
	rec := serve(e, rq)
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	var p httpapi.Problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	require.Equal(t, "internal", p.Code)
	require.Empty(t, p.Detail)
	require.Equal(t, rec.Header().Get("X-Request-ID"), p.RequestID)
}

// TestCrossTenant: another tenant's IDs are 404 on every number route,
// with the problem a random ID gets.
func TestCrossTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := e.provision(t, "10", "11")
	e.activate(t, ns[0].ID)
	own, random := ns[0].ID, numberdesk.NewNumberID()
	for _, rq := range []struct{ method, rest string }{
		{"GET", ""}, {"GET", "/history"}, {"GET", "/holders"}, {"GET", "/deactivation"}, {"POST", "/deactivate"},
		{"POST", "/withdraw"}, {"GET", "/swap"}, {"GET", "/routing"}, {"GET", "/routing/preview"}, {"GET", "/route"},
	} {
		var bodies []string
		for _, id := range []numberdesk.NumberID{own, random} {
			r := e.do(t, req{as: e.foreign, method: rq.method, path: path(id, rq.rest)})
			require.Equal(t, http.StatusNotFound, r.Code, "%s %s: %s", rq.method, rq.rest, r.Body)
			p := r.problem(t)
			p.RequestID = ""
			b, _ := json.Marshal(p)
			bodies = append(bodies, string(b))
		}
		require.Equal(t, bodies[0], bodies[1], "%s %s: another tenant's number looks like none", rq.method, rq.rest)
	}
	for _, rq := range []struct {
		rest string
		body map[string]any
	}{
		{"/swap", map[string]any{"new": ns[1].ID}}, {"/assign", map[string]any{"employee": e.foreign.Staff}},
		{"/unassign", map[string]any{"employee": e.foreign.Staff}}, {"/members", map[string]any{"employee": e.foreign.Staff}},
		{"/usage-type", map[string]any{"usage_type": "fax_shared", "confirm": true}},
	} {
		r := e.post(t, e.foreign, path(own, rq.rest), rq.body)
		require.Equal(t, http.StatusNotFound, r.Code, "%s: %s", rq.rest, r.Body)
	}
	r := e.put(t, e.foreign, path(own, "/routing"), map[string]any{"plan": routing.DefaultPlan(), "version": 0})
	require.Equal(t, http.StatusNotFound, r.Code)
	r = e.post(t, e.foreign, "/api/v1/quotes", map[string]any{"numbers": []numberdesk.NumberID{ns[1].ID}})
	require.Equal(t, http.StatusNotFound, r.Code)
	r = e.get(t, e.foreign, "/api/v1/numbers")
	var l numberList
	r.json(t, &l)
	require.Empty(t, l.Items)
}

// TestRoles: the role comes from the store, never from the request; the
// services' rules decide.
func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := e.provision(t, "10", "12")
	e.activate(t, ns[0].ID)
	forged := e.employee
	forged.Role = numberdesk.RoleOwner // the headers carry no role: the store's counts
	for _, c := range []struct {
		as     numberdesk.Actor
		method string
		path   string
		body   any
		want   int
	}{
		{e.manager, "POST", "/api/v1/quotes", map[string]any{"numbers": []numberdesk.NumberID{ns[1].ID}}, 403},
		{e.employee, "POST", "/api/v1/numbers", map[string]any{"number": "0221 999"}, 403},
		{forged, "POST", path(ns[0].ID, "/deactivate"), nil, 403},
		{e.employee, "GET", path(ns[0].ID, ""), nil, 404}, // not its number
		{e.employee, "GET", "/api/v1/blocklist", nil, 403},
		{e.manager, "GET", path(ns[0].ID, "/history"), nil, 200},
		{e.manager, "POST", path(ns[0].ID, "/assign"), map[string]any{"employee": e.employee.Staff}, 200},
		{e.employee, "GET", path(ns[0].ID, ""), nil, 200}, // now it holds it
		{e.employee, "GET", path(ns[0].ID, "/holders"), nil, 403},
		{e.employee, "POST", path(ns[0].ID, "/swap"), map[string]any{"new": ns[1].ID}, 403},
	} {
		r := e.do(t, req{as: c.as, method: c.method, path: c.path, body: c.body})
		require.Equal(t, c.want, r.Code, "%s %s as %s: %s", c.method, c.path, c.as.Role, r.Body)
	}
}

// TestIdempotencyKey: a retried POST gets the stored response and has no
// second effect; another request under the key is 422; a failure is not
// stored; a request while the first with the key runs is 409.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := e.provision(t, "10", "12")
	e.activate(t, ns[0].ID, ns[1].ID)
	key := "Idempotency-Key"

	first := e.post(t, e.owner, path(ns[0].ID, "/deactivate"), nil, key, `"k-1"`)
	require.Equal(t, http.StatusOK, first.Code, "%s", first.Body)
	require.Empty(t, first.Header.Get("Idempotent-Replayed"))
	e.now = e.now.AddDate(0, 0, 1) // a retry a day later still replays
	again := e.post(t, e.owner, path(ns[0].ID, "/deactivate"), nil, key, "k-1")
	require.Equal(t, http.StatusOK, again.Code)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.JSONEq(t, string(first.Body), string(again.Body))
	r := e.get(t, e.owner, path(ns[0].ID, "/history"))
	require.Equal(t, 1, strings.Count(string(r.Body), string(numbers.EventDeactivationRequested)), "one effect")

	r = e.post(t, e.owner, path(ns[1].ID, "/deactivate"), nil, key, "k-1")
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	require.Equal(t, "idempotency_key", r.problem(t).Field)
	// The key is bound to who sent it, with the role it had: another
	// employee, or the same one after a change of role, gets no stored result.
	r = e.post(t, e.manager, path(ns[0].ID, "/deactivate"), nil, key, "k-1")
	require.Equal(t, http.StatusUnprocessableEntity, r.Code)
	require.Equal(t, "idempotency_key", r.problem(t).Field)

	// A failure is not stored: the corrected request runs under the key.
	r = e.post(t, e.owner, path(ns[1].ID, "/swap"), map[string]any{"new": ns[0].ID}, key, "k-2")
	require.Equal(t, http.StatusConflict, r.Code, "%s", r.Body)
	r = e.post(t, e.owner, path(ns[1].ID, "/swap"), map[string]any{"new": ns[2].ID}, key, "k-2")
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)

	// Provision (201) replays with its status.
	body := map[string]any{"number": "0221 5555"}
	first = e.post(t, e.owner, "/api/v1/numbers", body, key, "k-3")
	require.Equal(t, http.StatusCreated, first.Code)
	again = e.post(t, e.owner, "/api/v1/numbers", body, key, "k-3")
	require.Equal(t, http.StatusCreated, again.Code)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.JSONEq(t, string(first.Body), string(again.Body))
}

// TestIdempotencyKeyInProgress: while the first request with a key runs,
// another with the key is 409 with Retry-After: 1; afterwards it replays.
func TestIdempotencyKeyInProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := e.provision(t, "10", "10")
	e.activate(t, ns[0].ID)
	gate := &gatedStore{Store: e.st, entered: make(chan struct{}), release: make(chan struct{})}
	e.rebuild(t, gate)
	var wg sync.WaitGroup
	var first *resp
	wg.Go(func() { first = e.post(t, e.owner, path(ns[0].ID, "/deactivate"), nil, "Idempotency-Key", "k") })
	<-gate.entered
	r := e.post(t, e.owner, path(ns[0].ID, "/deactivate"), nil, "Idempotency-Key", "k")
	require.Equal(t, http.StatusConflict, r.Code)
	require.Equal(t, "1", r.Header.Get("Retry-After"))
	require.Equal(t, "in_progress", r.problem(t).Code)
	close(gate.release)
	wg.Wait()
	require.Equal(t, http.StatusOK, first.Code, "%s", first.Body)
	r = e.post(t, e.owner, path(ns[0].ID, "/deactivate"), nil, "Idempotency-Key", "k")
	require.Equal(t, "true", r.Header.Get("Idempotent-Replayed"))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// httptestRequest is the request env.do would send, for tests that need
// to change it (its context).
func httptestRequest(t *testing.T, e *env, as numberdesk.Actor, method, target string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, "http://numberdesk.test"+target, nil)
	r.Header.Set(hdrTenant, string(as.Tenant))
	r.Header.Set(hdrStaff, string(as.Staff))
	return r
}

func serve(e *env, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, r)
	return rec
}

// gatedStore holds the first transaction the handler begins until
// release: a request with a key that is still running (memstore's
// transactions hold the whole store, so it holds it before).
type gatedStore struct {
	store.Store
	once             sync.Once
	entered, release chan struct{}
}

func (g *gatedStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	g.once.Do(func() {
		close(g.entered)
		<-g.release
	})
	return g.Store.InTx(ctx, fn)
}

// rebuild makes the API run on st (the services keep theirs).
func (e *env) rebuild(t *testing.T, st store.Store) {
	t.Helper()
	api, err := httpapi.New(httpapi.Config{Store: st, Numbers: e.nums, Staff: e.people, Efax: e.fax, Auth: e.auth, Clock: func() time.Time { return e.now }})
	require.NoError(t, err)
	e.api = api
}

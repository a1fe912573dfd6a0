package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// The contract: openapi.yaml, loaded and validated once. Every request a
// test sends through env.do and every response it gets is validated
// against it, and TestMain fails a full run that leaves an operation of the
// document unexercised.
var (
	spec       *openapi3.T
	specRouter routers.Router
	covered    sync.Map // "METHOD /api/v1/path/{id}" → true
)

func TestMain(m *testing.M) {
	flag.Parse()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(httpapi.OpenAPI)
	if err == nil {
		err = doc.Validate(context.Background())
	}
	if err == nil {
		specRouter, err = gorillamux.NewRouter(doc)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi.yaml:", err)
		os.Exit(1)
	}
	spec = doc
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		var missing []string
		for _, op := range specOperations() {
			if _, ok := covered.Load(op); !ok {
				missing = append(missing, op)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "operations of openapi.yaml no test exercised:\n  %s\n", strings.Join(missing, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

// specOperations are the document's operations as "METHOD /path".
func specOperations() []string {
	var out []string
	for path, item := range spec.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// env is one memstore with tenant A (owner, manager, two employees) and
// tenant B (owner), the services and the API handler, at a fixed clock.
type env struct {
	t      *testing.T
	st     *memstore.Store
	nums   *numbers.Service
	people *staff.Service
	fax    *efax.Service
	api    http.Handler
	auth   httpapi.Authenticator
	now    time.Time

	owner, manager, employee, employee2, foreign numberdesk.Actor
}

// Test identities: the test authenticator trusts these headers.
const (
	hdrTenant = "X-Test-Tenant"
	hdrStaff  = "X-Test-Staff"
)

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, st: memstore.New(), now: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	var err error
	e.nums, err = numbers.NewService(numbers.Config{Store: e.st, Clock: clock})
	require.NoError(t, err)
	e.people = staff.NewService(staff.Config{Store: e.st, Numbers: e.nums, Clock: clock})
	e.fax, err = efax.New(efax.Config{Store: e.st, Clock: clock, Params: efax.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, AllowWeakParams: true})
	require.NoError(t, err)
	_, owner, err := e.people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH", Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@muster.example"}})
	require.NoError(t, err)
	_, foreign, err := e.people.CreateTenant(ctx, staff.TenantRequest{Name: "Fremd AG", Owner: staff.Person{FirstName: "Fritz", LastName: "Fremd", Email: "fritz@fremd.example"}})
	require.NoError(t, err)
	e.owner, e.foreign = owner.Actor(), foreign.Actor()
	create := func(first string, role numberdesk.Role) numberdesk.Actor {
		emp, err := e.people.Create(ctx, e.owner, staff.CreateRequest{FirstName: first, LastName: "Muster", Email: strings.ToLower(first) + "@muster.example", Role: role})
		require.NoError(t, err)
		return emp.Actor()
	}
	e.manager = create("Mia", numberdesk.RoleManager)
	e.employee = create("Emil", numberdesk.RoleEmployee)
	e.employee2 = create("Erna", numberdesk.RoleEmployee)
	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (numberdesk.TenantID, numberdesk.StaffID, error) {
		tn, sf := r.Header.Get(hdrTenant), r.Header.Get(hdrStaff)
		if tn == "" || sf == "" {
			return "", "", httpapi.ErrUnauthenticated
		}
		return numberdesk.TenantID(tn), numberdesk.StaffID(sf), nil
	})
	e.auth = auth
	e.api, err = httpapi.New(httpapi.Config{Store: e.st, Numbers: e.nums, Staff: e.people, Efax: e.fax, Auth: auth, Clock: clock})
	require.NoError(t, err)
	return e
}

// resp is a response as a test sees it.
type resp struct {
	Code   int
	Header http.Header
	Body   []byte
}

// json decodes the body into v.
func (r *resp) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// problem decodes a problem body and checks its shape against the status.
func (r *resp) problem(t *testing.T) httpapi.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), "body: %s", r.Body)
	var p httpapi.Problem
	r.json(t, &p)
	require.Equal(t, r.Code, p.Status)
	require.Equal(t, httpapi.ProblemType+p.Code, p.Type)
	require.Equal(t, http.StatusText(r.Code), p.Title)
	require.Equal(t, r.Header.Get("X-Request-ID"), p.RequestID)
	require.NotEmpty(t, p.RequestID)
	return p
}

// req is one request of a test.
type req struct {
	as      numberdesk.Actor // zero: unauthenticated
	method  string
	path    string
	body    any // marshalled unless []byte or string (sent as is)
	header  map[string]string
	invalid bool // the request breaks the contract on purpose: not validated
}

// do sends rq to the API, validating the request and the response
// against openapi.yaml, and records the operation as exercised.
func (e *env) do(t *testing.T, rq req) *resp {
	t.Helper()
	var body []byte
	switch b := rq.body.(type) {
	case nil:
	case []byte:
		body = b
	case string:
		body = []byte(b)
	default:
		var err error
		body, err = json.Marshal(b)
		require.NoError(t, err)
	}
	r := httptest.NewRequest(rq.method, "http://numberdesk.test"+rq.path, bytes.NewReader(body))
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if rq.as.Staff != "" {
		r.Header.Set(hdrTenant, string(rq.as.Tenant))
		r.Header.Set(hdrStaff, string(rq.as.Staff))
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	route, params, err := specRouter.FindRoute(r)
	var in *openapi3filter.RequestValidationInput
	if err == nil {
		covered.Store(r.Method+" "+route.Path, true)
		in = &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
		if !rq.invalid {
			require.NoError(t, openapi3filter.ValidateRequest(t.Context(), in), "request %s %s breaks openapi.yaml", rq.method, rq.path)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
	} else {
		require.True(t, rq.invalid, "%s %s: no operation of openapi.yaml: %v", rq.method, rq.path, err)
	}
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, r)
	out := &resp{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if in != nil {
		in.Options.IncludeResponseStatus = true
		err := openapi3filter.ValidateResponse(t.Context(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: out.Code, Header: out.Header, Body: io.NopCloser(bytes.NewReader(out.Body)),
			Options: in.Options,
		})
		require.NoError(t, err, "response %d to %s %s breaks openapi.yaml: %s", out.Code, rq.method, rq.path, out.Body)
	}
	return out
}

// get, post and put are do for the common cases.
func (e *env) get(t *testing.T, as numberdesk.Actor, path string) *resp {
	t.Helper()
	return e.do(t, req{as: as, method: http.MethodGet, path: path})
}

func (e *env) post(t *testing.T, as numberdesk.Actor, path string, body any, header ...string) *resp {
	t.Helper()
	return e.do(t, req{as: as, method: http.MethodPost, path: path, body: body, header: pairs(header)})
}

func (e *env) put(t *testing.T, as numberdesk.Actor, path string, body any, header ...string) *resp {
	t.Helper()
	return e.do(t, req{as: as, method: http.MethodPut, path: path, body: body, header: pairs(header)})
}

func pairs(kv []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

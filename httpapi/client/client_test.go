package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/httpapi/client"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// server is the API on a memstore behind a real HTTP server; the
// identity comes from two headers the client's transport sets.
type server struct {
	st    *memstore.Store
	nums  *numbers.Service
	url   string
	owner *staff.Employee
	now   time.Time
}

func newServer(t *testing.T) *server {
	t.Helper()
	ctx := context.Background()
	s := &server{st: memstore.New(), now: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return s.now }
	var err error
	s.nums, err = numbers.NewService(numbers.Config{Store: s.st, Clock: clock})
	require.NoError(t, err)
	people := staff.NewService(staff.Config{Store: s.st, Numbers: s.nums, Clock: clock})
	fax, err := efax.New(efax.Config{Store: s.st, Clock: clock, Params: efax.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, AllowWeakParams: true})
	require.NoError(t, err)
	_, s.owner, err = people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH", Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@muster.example"}})
	require.NoError(t, err)
	api, err := httpapi.New(httpapi.Config{Store: s.st, Numbers: s.nums, Staff: people, Efax: fax, Clock: clock,
		Auth: httpapi.AuthenticatorFunc(func(r *http.Request) (numberdesk.TenantID, numberdesk.StaffID, error) {
			if r.Header.Get("X-Staff") == "" {
				return "", "", httpapi.ErrUnauthenticated
			}
			return numberdesk.TenantID(r.Header.Get("X-Tenant")), numberdesk.StaffID(r.Header.Get("X-Staff")), nil
		})})
	require.NoError(t, err)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// as is a client acting as e.
func (s *server) as(e *staff.Employee) (*client.Client, *client.HTTP) {
	tr := &client.HTTP{Base: s.url, Header: map[string]string{"X-Tenant": string(e.Tenant), "X-Staff": string(e.ID)}}
	return client.New(tr), tr
}

// TestClientFlows: the seed page's flows through the client and a real
// HTTP server, with the SDK's types in and out.
func TestClientFlows(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c, _ := s.as(s.owner)
	ctx := t.Context()

	me, err := c.Me(ctx)
	require.NoError(t, err)
	require.Equal(t, numberdesk.RoleOwner, me.Role)
	require.Equal(t, "Muster GmbH", me.Tenant.Name)

	ns, err := c.Provision(ctx, numbers.ProvisionRequest{Number: "0221 4711", ExtensionFrom: "10", ExtensionTo: "14"})
	require.NoError(t, err)
	require.Len(t, ns, 5)
	q, err := c.Quote(ctx, []numberdesk.NumberID{ns[0].ID, ns[1].ID})
	require.NoError(t, err)
	require.Equal(t, "Rufnummern jetzt kostenpflichtig aktivieren", q.ConfirmLabel)
	res, err := c.Activate(ctx, q.Token)
	require.NoError(t, err)
	require.Equal(t, 2, res.Activated())

	// Pages by cursor.
	var seen int
	query := numbers.Query{Limit: 2}
	for {
		page, err := c.Overview(ctx, query)
		require.NoError(t, err)
		require.Equal(t, 5, page.Total)
		seen += len(page.Numbers)
		if page.NextCursor == "" {
			break
		}
		query.Cursor = page.NextCursor
	}
	require.Equal(t, 5, seen)
	page, err := c.Overview(ctx, numbers.Query{Statuses: []numbers.Status{numbers.StatusActive}})
	require.NoError(t, err)
	require.Equal(t, 2, page.Total)

	d, err := c.PreviewDeactivation(ctx, ns[1].ID)
	require.NoError(t, err)
	require.Equal(t, "Rufnummer jetzt deaktivieren", d.ConfirmLabel)
	_, err = c.Deactivate(ctx, ns[1].ID)
	require.NoError(t, err)
	n, err := c.Withdraw(ctx, ns[1].ID)
	require.NoError(t, err)
	require.Equal(t, numbers.StatusActive, n.Status)

	emp, err := c.CreateEmployee(ctx, staff.CreateRequest{FirstName: "Emil", LastName: "Muster", Email: "emil@muster.example"})
	require.NoError(t, err)
	_, err = c.Assign(ctx, ns[0].ID, emp.ID, false)
	require.NoError(t, err)
	sw, err := c.Swap(ctx, ns[0].ID, ns[2].ID)
	require.NoError(t, err)
	require.Equal(t, []numberdesk.StaffID{emp.ID}, sw.New.Holders)

	// Routing: a stale version is CodeConflict, as on the SDK.
	set, err := c.Routing(ctx, ns[2].ID)
	require.NoError(t, err)
	plan := routing.DefaultPlan()
	set, err = c.SaveRouting(ctx, numbers.SaveRoutingRequest{Number: ns[2].ID, Plan: plan, Version: set.Version})
	require.NoError(t, err)
	require.EqualValues(t, 1, set.Version)
	_, err = c.SaveRouting(ctx, numbers.SaveRoutingRequest{Number: ns[2].ID, Plan: plan, Version: 0})
	require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err))
	require.Equal(t, http.StatusPreconditionFailed, client.Status(err))
	dec, err := c.RouteCall(ctx, ns[2].ID, routing.Call{From: "+4930123456"}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, routing.OutcomeBase, dec.Outcome.Kind)

	// Errors carry the SDK's code, field and German message.
	_, err = c.Provision(ctx, numbers.ProvisionRequest{Number: "keine Nummer"})
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "number", numberdesk.ErrorField(err))
	require.NotEmpty(t, numberdesk.ErrorMessage(err))
	require.Equal(t, http.StatusUnprocessableEntity, client.Status(err))
	_, err = c.Number(ctx, numberdesk.NewNumberID())
	require.ErrorIs(t, err, numberdesk.ErrNotFound)

	// Staff, e-fax, the event log.
	l, err := c.Employees(ctx, "", "", 1)
	require.NoError(t, err)
	require.Equal(t, 2, l.Total)
	require.NotEmpty(t, l.NextCursor)
	_, err = c.SetLocked(ctx, emp.ID, true)
	require.NoError(t, err)
	ec, _ := s.as(emp)
	_, err = ec.Me(ctx)
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
	require.Equal(t, "Ihr Zugang ist gesperrt.", numberdesk.ErrorMessage(err))
	_, err = c.SetLocked(ctx, emp.ID, false)
	require.NoError(t, err)
	_, err = c.SetUsageType(ctx, ns[3].ID, routing.UsageFaxPersonal, false)
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err), "a new number: %v", err)
	evs, err := c.Events(ctx, numberdesk.EventFilter{Limit: 3})
	require.NoError(t, err)
	require.Len(t, evs.Items, 3)
	more, err := c.Events(ctx, numberdesk.EventFilter{AfterSeq: evs.Items[2].Seq})
	require.NoError(t, err)
	require.Greater(t, more.Items[0].Seq, evs.Items[2].Seq)

	// Unauthenticated.
	anon := client.New(&client.HTTP{Base: s.url})
	_, err = anon.Me(ctx)
	require.Equal(t, http.StatusUnauthorized, client.Status(err))
}

// lossy runs every request, then loses the response of the first POST:
// the command ran, the client does not know.
type lossy struct {
	next client.Transport
	lost bool
}

func (l *lossy) RoundTrip(ctx context.Context, r *client.Request) (*client.Response, error) {
	resp, err := l.next.RoundTrip(ctx, r)
	if err == nil && r.Method == "POST" && !l.lost {
		l.lost = true
		return nil, errors.New("connection reset")
	}
	return resp, err
}

// TestClientRetriesAPostOnce: a POST whose response was lost is sent again
// with the same Idempotency-Key, and the server ran it once.
func TestClientRetriesAPostOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	_, tr := s.as(s.owner)
	c := client.New(&lossy{next: tr})
	ns, err := c.Provision(t.Context(), numbers.ProvisionRequest{Number: "0221 4711"})
	require.NoError(t, err, "the retry got the stored response")
	require.Len(t, ns, 1)
	page, err := c.Overview(t.Context(), numbers.Query{})
	require.NoError(t, err)
	require.Equal(t, 1, page.Total, "one number: the command ran once")

	// A key of the caller's: the second call is the first one's result.
	ctx := client.WithIdempotencyKey(t.Context(), "block-1")
	first, err := c.Provision(ctx, numbers.ProvisionRequest{Number: "0221 4712"})
	require.NoError(t, err)
	again, err := c.Provision(ctx, numbers.ProvisionRequest{Number: "0221 4712"})
	require.NoError(t, err, "not a conflict: the stored response")
	require.Equal(t, first[0].ID, again[0].ID)

	// A GET is not retried: its error is the transport's.
	dead := client.New(&client.HTTP{Base: "http://127.0.0.1:1"})
	_, err = dead.Me(t.Context())
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
	require.Equal(t, "Der Server ist nicht erreichbar.", numberdesk.ErrorMessage(err))
	require.Zero(t, client.Status(err))
	require.ErrorIs(t, err, client.ErrUnreachable)
	// An answer, even a failure, is not unreachable.
	_, err = c.Number(t.Context(), "no-such-number")
	require.Equal(t, http.StatusNotFound, client.Status(err))
	require.NotErrorIs(t, err, client.ErrUnreachable)
}

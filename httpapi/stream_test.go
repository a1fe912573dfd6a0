package httpapi_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
)

func init() {
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.FileBodyDecoder)
}

// feed is an open change feed as a browser's EventSource reads it.
type feed struct {
	resp   *http.Response
	lines  chan string
	cancel context.CancelFunc
}

// openFeed connects to GET /api/v1/changes of srv as actor.
func openFeed(t *testing.T, srv *httptest.Server, as numberdesk.Actor, header map[string]string, query string) *feed {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/changes"+query, nil)
	require.NoError(t, err)
	r.Header.Set(hdrTenant, string(as.Tenant))
	r.Header.Set(hdrStaff, string(as.Staff))
	for k, v := range header {
		r.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(r)
	require.NoError(t, err)
	f := &feed{resp: resp, lines: make(chan string, 100), cancel: cancel}
	go func() {
		defer close(f.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			f.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	return f
}

// next returns the next change event's id, skipping comments and the
// retry line; "" when the feed ended.
func (f *feed) next(t *testing.T) string {
	t.Helper()
	var id string
	for line := range f.lines {
		switch {
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		case line == "event: changed":
		case strings.HasPrefix(line, "data: "):
			require.Equal(t, `data: {"seq":`+id+`}`, line)
			return id
		}
	}
	return ""
}

// TestChangeFeed: another admin's change reaches a connected client; an
// employee follows the feed too; Last-Event-ID resumes; a locked
// employee's feed ends; bad starts are 422 and no identity 401.
func TestChangeFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	api, err := httpapi.New(httpapi.Config{Store: e.st, Numbers: e.nums, Staff: e.people, Efax: e.fax, Auth: e.auth,
		Clock: func() time.Time { return e.now }, StreamPoll: 5 * time.Millisecond, StreamKeepAlive: 10 * time.Millisecond})
	require.NoError(t, err)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	owner := openFeed(t, srv, e.owner, nil, "")
	require.Equal(t, http.StatusOK, owner.resp.StatusCode)
	require.Equal(t, "text/event-stream", owner.resp.Header.Get("Content-Type"))
	employee := openFeed(t, srv, e.employee, nil, "")

	// The manager provisions: both feeds hear of it.
	r := e.do(t, req{as: e.manager, method: "POST", path: "/api/v1/numbers", body: map[string]any{"number": "0221 4711"}})
	require.Equal(t, http.StatusForbidden, r.Code, "provisioning is the owner's")
	ns := e.provision(t, "10", "10")
	evs, err := e.st.FindEvents(t.Context(), e.owner.Tenant, numberdesk.EventFilter{Desc: true, Limit: 1})
	require.NoError(t, err)
	newest := itoa(evs[0].Seq)
	require.Equal(t, newest, owner.next(t))
	require.Equal(t, newest, employee.next(t))

	// Resuming after an older event reports the newest at once.
	resumed := openFeed(t, srv, e.owner, map[string]string{"Last-Event-ID": "1"}, "")
	require.Equal(t, newest, resumed.next(t))
	fromQuery := openFeed(t, srv, e.owner, nil, "?after=1")
	require.Equal(t, newest, fromQuery.next(t))

	// A locked employee's feed ends with the next change.
	_, err = e.people.SetLocked(t.Context(), e.owner, e.employee.Staff, true)
	require.NoError(t, err)
	e.activate(t, ns[0].ID)
	require.Equal(t, "", employee.next(t), "the feed ended")
	require.NotEmpty(t, owner.next(t))

	// Through the contract: a bad start, no identity, a locked employee.
	for _, c := range []struct {
		req    req
		status int
	}{
		{req{as: e.owner, method: "GET", path: "/api/v1/changes?after=-1", invalid: true}, http.StatusUnprocessableEntity},
		{req{as: e.owner, method: "GET", path: "/api/v1/changes", header: map[string]string{"Last-Event-ID": "x"}}, http.StatusUnprocessableEntity},
		{req{method: "GET", path: "/api/v1/changes"}, http.StatusUnauthorized},
		{req{as: e.employee, method: "GET", path: "/api/v1/changes"}, http.StatusForbidden},
	} {
		r := e.do(t, c.req)
		require.Equal(t, c.status, r.Code, "%s: %s", c.req.path, r.Body)
		r.problem(t)
	}
	// The feeds above are the contract's 200 (text/event-stream, checked
	// at the start); the statuses here went through env.do, which marks the
	// operation exercised.
}

// A server's ReadTimeout must not end the feed: net/http cancels a
// request's context when the connection's read deadline passes, which for
// a stream that lives longer than the timeout would end it (and a browser
// would show the portal offline every ReadTimeout until it reconnects).
// The feed outlives a ReadTimeout and a WriteTimeout many times over: it
// still delivers keep-alives after 20 of them and then a change.
func TestChangeFeedOutlivesTheServersTimeouts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const timeout = 20 * time.Millisecond
	api, err := httpapi.New(httpapi.Config{Store: e.st, Numbers: e.nums, Staff: e.people, Efax: e.fax, Auth: e.auth,
		Clock: func() time.Time { return e.now }, StreamPoll: 5 * time.Millisecond, StreamKeepAlive: timeout})
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(api)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = timeout, timeout
	srv.Start()
	t.Cleanup(srv.Close)

	f := openFeed(t, srv, e.owner, nil, "")
	require.Equal(t, http.StatusOK, f.resp.StatusCode)
	for alive := 0; alive < 20; {
		line, ok := <-f.lines
		require.True(t, ok, "the feed ended after %d keep-alives", alive)
		if line == ": keep-alive" {
			alive++
		}
	}
	e.provision(t, "10", "10")
	require.NotEmpty(t, f.next(t), "the feed still reports changes")
}

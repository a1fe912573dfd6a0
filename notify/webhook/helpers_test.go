package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify/webhook"
)

// fakeClock is a clock that only the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testEvent returns an event of tenant with data.
func testEvent(t testing.TB, tenant numberdesk.TenantID, typ numberdesk.EventType, data any) numberdesk.Event {
	t.Helper()
	e, err := numberdesk.NewEvent(typ, numberdesk.System(tenant), time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC), numberdesk.NewNumberID(), data)
	require.NoError(t, err)
	return e
}

// request is what a receiver got.
type request struct {
	header http.Header
	body   []byte
	path   string
}

// answer is a receiver's reply: a status, headers, and, if hang is set, no
// reply until the request is gone (the client gave up).
type answer struct {
	status int
	header map[string]string
	hang   bool
}

// receiver is an httptest server that records every request and answers
// as respond says (200 if respond is nil). Its respond gets the request and
// how many requests with the same webhook-id and path came before it.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []request
	seen    map[string]int
	respond func(r request, before int) answer
	closed  chan struct{}
}

func newReceiver(t *testing.T, respond func(r request, before int) answer) *receiver {
	t.Helper()
	rv := &receiver{seen: map[string]int{}, respond: respond, closed: make(chan struct{})}
	rv.srv = httptest.NewServer(http.HandlerFunc(rv.serve))
	t.Cleanup(func() {
		close(rv.closed)
		rv.srv.Close()
	})
	return rv
}

func (rv *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := request{header: r.Header.Clone(), body: body, path: r.URL.RequestURI()}
	rv.mu.Lock()
	rv.reqs = append(rv.reqs, req)
	key := r.URL.Path + " " + r.Header.Get(webhook.HeaderID)
	before := rv.seen[key]
	rv.seen[key]++
	respond := rv.respond
	rv.mu.Unlock()
	a := answer{status: http.StatusOK}
	if respond != nil {
		a = respond(req, before)
	}
	if a.hang {
		select {
		case <-r.Context().Done():
		case <-rv.closed:
		}
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(body) // echo the payload: it must not reach an error
}

// setRespond replaces the receiver's answers.
func (rv *receiver) setRespond(respond func(r request, before int) answer) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.respond = respond
}

// requests returns what the receiver got so far.
func (rv *receiver) requests() []request {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]request(nil), rv.reqs...)
}

// count returns how many requests reached path.
func (rv *receiver) count(path string) int {
	n := 0
	for _, r := range rv.requests() {
		if r.path == path {
			n++
		}
	}
	return n
}

// url returns the receiver's URL with path.
func (rv *receiver) url(path string) string { return rv.srv.URL + path }

// mustSecret returns a fresh secret.
func mustSecret(t testing.TB) webhook.Secret {
	t.Helper()
	s := webhook.NewSecret()
	_, err := webhook.ParseSecret(string(s))
	require.NoError(t, err)
	return s
}

// newNotifier returns a Notifier for cfg with the clock c.
func newNotifier(t testing.TB, c *fakeClock, cfg webhook.Config) *webhook.Notifier {
	t.Helper()
	cfg.Clock = c.Now
	cfg.AllowPrivateTargets = true // the receivers are httptest servers on 127.0.0.1
	n, err := webhook.New(cfg)
	require.NoError(t, err)
	return n
}

var background = context.Background()

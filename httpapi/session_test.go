package httpapi_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/httpapi/sessiontest"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// TestMemorySessions: MemorySessions keeps the SessionStore contract.
func TestMemorySessions(t *testing.T) {
	t.Parallel()
	sessiontest.Run(t, func(*testing.T) httpapi.SessionStore { return &httpapi.MemorySessions{} })
}

// sessionAPI is an API of e's services authenticated by s, as the
// portal's server mode runs it (Auth and Sessions the same).
func sessionAPI(t *testing.T, e *env, s *httpapi.Sessions) http.Handler {
	t.Helper()
	api, err := httpapi.New(httpapi.Config{Store: e.st, Numbers: e.nums, Staff: e.people, Efax: e.fax, Auth: s, Sessions: s,
		Clock: func() time.Time { return e.now }})
	require.NoError(t, err)
	return api
}

// newSessionEnv is newEnv with e.api authenticated by cookie sessions in
// memory, at e's clock (so that e.do validates the session routes too).
func newSessionEnv(t *testing.T) (*env, *httpapi.Sessions, *httpapi.MemorySessions) {
	t.Helper()
	e := newEnv(t)
	mem := &httpapi.MemorySessions{}
	s := &httpapi.Sessions{Store: mem, Clock: func() time.Time { return e.now }}
	e.api = sessionAPI(t, e, s)
	return e, s, mem
}

// loginRequest is a request of the browser to the embedding application's
// login, over plain HTTP, with the cookies given.
func loginRequest(cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://numberdesk.test/login", nil)
	for _, c := range cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return r
}

// login logs a in through s from r (nil: a fresh browser) and returns the
// session cookie set.
func login(t *testing.T, s *httpapi.Sessions, a numberdesk.Actor, r *http.Request) *http.Cookie {
	t.Helper()
	if r == nil {
		r = loginRequest()
	}
	w := httptest.NewRecorder()
	ss, err := s.Login(w, r, a.Tenant, a.Staff)
	require.NoError(t, err)
	cs := w.Result().Cookies()
	require.Len(t, cs, 1)
	require.Equal(t, ss.ID, cs[0].Value)
	require.Equal(t, a.Tenant, ss.Tenant)
	require.Equal(t, a.Staff, ss.Staff)
	return cs[0]
}

// withCookie is the header of a request that carries c.
func withCookie(c *http.Cookie) map[string]string {
	return map[string]string{"Cookie": c.Name + "=" + c.Value}
}

// sessionOf GETs /api/v1/session with c.
func sessionOf(t *testing.T, e *env, c *http.Cookie) *resp {
	t.Helper()
	return e.do(t, req{method: http.MethodGet, path: "/api/v1/session", header: withCookie(c)})
}

// logout DELETEs /api/v1/session with c.
func logout(t *testing.T, e *env, c *http.Cookie) *resp {
	t.Helper()
	return e.do(t, req{method: http.MethodDelete, path: "/api/v1/session", header: withCookie(c)})
}

// requireStatus checks the status, and the problem's shape for an error.
func requireStatus(t *testing.T, r *resp, status int, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, status, r.Code, "body: %s %v", r.Body, msgAndArgs)
	if status >= 400 {
		p := r.problem(t)
		if status == http.StatusUnauthorized {
			require.Equal(t, "unauthenticated", p.Code)
		}
	}
}

// setCookie is the one session cookie a response sets.
func setCookie(t *testing.T, h http.Header) *http.Cookie {
	t.Helper()
	cs := (&http.Response{Header: h}).Cookies()
	require.Len(t, cs, 1, "Set-Cookie: %v", h.Values("Set-Cookie"))
	return cs[0]
}

// TestSessionCookie: the cookie's value is 256 random bits, base64url; it
// is HttpOnly, SameSite=Lax, Path=/, with Max-Age = TTL, and Secure by the
// rule of CookieSecurity; Logout expires it with the same attributes.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	e, s, _ := newSessionEnv(t)

	c := login(t, s, e.employee, nil)
	require.Equal(t, httpapi.DefaultSessionCookie, c.Name)
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	require.NoError(t, err)
	require.Len(t, raw, 32)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.Equal(t, "/", c.Path)
	require.Empty(t, c.Domain)
	require.Equal(t, int((12 * time.Hour).Seconds()), c.MaxAge)
	require.False(t, c.Secure, "plain HTTP")
	require.Equal(t, "numberdesk_session="+c.Value+"; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax", c.Raw)
	require.NotEqual(t, c.Value, login(t, s, e.employee, nil).Value, "every login a new ID")

	overTLS := loginRequest()
	overTLS.TLS = &tls.ConnectionState{}
	c = login(t, s, e.employee, overTLS)
	require.True(t, c.Secure, "TLS")
	require.Equal(t, "numberdesk_session="+c.Value+"; Path=/; Max-Age=43200; HttpOnly; Secure; SameSite=Lax", c.Raw)

	secure := func(s *httpapi.Sessions, header ...string) bool {
		r := loginRequest()
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Add(header[i], header[i+1])
		}
		return login(t, s, e.employee, r).Secure
	}
	require.True(t, secure(s, "X-Forwarded-Proto", "https"), "a TLS-terminating proxy says so")
	require.True(t, secure(s, "X-Forwarded-Proto", "HTTPS, http"))
	require.True(t, secure(s, "Forwarded", `for=192.0.2.60;proto=https;by=203.0.113.43`))
	require.True(t, secure(s, "Forwarded", `for=192.0.2.60, for=10.0.0.1;Proto="https"`))
	require.False(t, secure(s, "X-Forwarded-Proto", "http"))
	require.False(t, secure(s, "Forwarded", "for=192.0.2.60;proto=http"))
	require.False(t, secure(s, "X-Forwarded-Proto", "httpsx"))

	always := &httpapi.Sessions{Store: s.Store, Secure: httpapi.SecureAlways}
	require.True(t, secure(always), "SecureAlways over plain HTTP")
	never := &httpapi.Sessions{Store: s.Store, Secure: httpapi.SecureNever}
	r := loginRequest()
	r.TLS = &tls.ConnectionState{}
	require.False(t, login(t, never, e.employee, r).Secure, "SecureNever over TLS")
	require.False(t, secure(never, "X-Forwarded-Proto", "https"))

	custom := &httpapi.Sessions{Store: s.Store, Cookie: "portal", TTL: 90 * time.Minute}
	c = login(t, custom, e.employee, nil)
	require.Equal(t, "portal", c.Name)
	require.Equal(t, 5400, c.MaxAge)
	tiny := &httpapi.Sessions{Store: s.Store, TTL: time.Millisecond}
	require.Equal(t, 1, login(t, tiny, e.employee, nil).MaxAge, "never 0 (no Max-Age: a browser session)")

	// Logout expires the cookie with the same attributes.
	c = login(t, s, e.employee, overTLS)
	lr := httptest.NewRequest(http.MethodDelete, "https://numberdesk.test/api/v1/session", nil)
	lr.AddCookie(c)
	w := httptest.NewRecorder()
	require.NoError(t, s.Logout(w, lr))
	gone := setCookie(t, w.Header())
	require.Equal(t, httpapi.DefaultSessionCookie, gone.Name)
	require.Empty(t, gone.Value)
	require.Negative(t, gone.MaxAge, "Max-Age=0")
	require.Equal(t, "numberdesk_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax", gone.Raw)
}

// TestSessionAuthenticates: the cookie authenticates every route; GET
// /session tells the session; no cookie is 401.
func TestSessionAuthenticates(t *testing.T) {
	t.Parallel()
	e, s, _ := newSessionEnv(t)
	c := login(t, s, e.employee, nil)

	r := e.do(t, req{method: http.MethodGet, path: "/api/v1/me", header: withCookie(c)})
	requireStatus(t, r, http.StatusOK)
	var me struct {
		Employee struct {
			ID numberdesk.StaffID `json:"id"`
		} `json:"employee"`
		Role numberdesk.Role `json:"role"`
	}
	r.json(t, &me)
	require.Equal(t, e.employee.Staff, me.Employee.ID)
	require.Equal(t, numberdesk.RoleEmployee, me.Role, "the stored role")

	r = sessionOf(t, e, c)
	requireStatus(t, r, http.StatusOK)
	require.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	var got struct {
		Tenant    numberdesk.TenantID `json:"tenant"`
		Staff     numberdesk.StaffID  `json:"staff"`
		CreatedAt time.Time           `json:"created_at"`
		ExpiresAt time.Time           `json:"expires_at"`
	}
	r.json(t, &got)
	require.Equal(t, e.employee.Tenant, got.Tenant)
	require.Equal(t, e.employee.Staff, got.Staff)
	require.True(t, e.now.Equal(got.CreatedAt))
	require.True(t, e.now.Add(httpapi.DefaultSessionTTL).Equal(got.ExpiresAt))

	requireStatus(t, e.do(t, req{method: http.MethodGet, path: "/api/v1/session"}), http.StatusUnauthorized)
	requireStatus(t, e.do(t, req{method: http.MethodGet, path: "/api/v1/numbers"}), http.StatusUnauthorized)
	requireStatus(t, e.do(t, req{method: http.MethodDelete, path: "/api/v1/session"}), http.StatusUnauthorized)

	// The request's own identity headers of the test env count for nothing.
	requireStatus(t, e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/me"}), http.StatusUnauthorized)

	// Another browser's session is another employee's.
	c2 := login(t, s, e.manager, nil)
	r = sessionOf(t, e, c2)
	requireStatus(t, r, http.StatusOK)
	r.json(t, &got)
	require.Equal(t, e.manager.Staff, got.Staff)
}

// TestSessionRotation: a login from a browser that has a session deletes
// that session: its cookie is worthless afterwards, also when the same
// employee logs in again, also to someone who planted it before.
func TestSessionRotation(t *testing.T) {
	t.Parallel()
	e, s, _ := newSessionEnv(t)
	first := login(t, s, e.employee, nil)
	requireStatus(t, sessionOf(t, e, first), http.StatusOK)

	second := login(t, s, e.employee, loginRequest(first))
	require.NotEqual(t, first.Value, second.Value)
	requireStatus(t, sessionOf(t, e, first), http.StatusUnauthorized)
	requireStatus(t, sessionOf(t, e, second), http.StatusOK)

	// Fixation: the attacker's session planted in the victim's browser
	// ends when the victim logs in.
	planted := login(t, s, e.employee2, nil)
	victim := login(t, s, e.manager, loginRequest(planted))
	requireStatus(t, sessionOf(t, e, planted), http.StatusUnauthorized)
	r := sessionOf(t, e, victim)
	requireStatus(t, r, http.StatusOK)
	require.Contains(t, string(r.Body), string(e.manager.Staff))

	// A login with a cookie that names no session is a plain login.
	third := login(t, s, e.employee, loginRequest(&http.Cookie{Name: httpapi.DefaultSessionCookie, Value: "garbage"}))
	requireStatus(t, sessionOf(t, e, third), http.StatusOK)
	requireStatus(t, sessionOf(t, e, second), http.StatusOK, "other browsers keep theirs")
}

// TestSessionLogout: DELETE /session ends the session server-side (the
// cookie replayed is 401) and expires the cookie; the other sessions stay.
func TestSessionLogout(t *testing.T) {
	t.Parallel()
	e, s, mem := newSessionEnv(t)
	c := login(t, s, e.employee, nil)
	other := login(t, s, e.employee, nil) // the same employee in another browser

	r := logout(t, e, c)
	requireStatus(t, r, http.StatusNoContent)
	gone := setCookie(t, r.Header)
	require.Equal(t, c.Name, gone.Name)
	require.Empty(t, gone.Value)
	require.Negative(t, gone.MaxAge)
	require.True(t, gone.HttpOnly)

	requireStatus(t, sessionOf(t, e, c), http.StatusUnauthorized)
	requireStatus(t, e.do(t, req{method: http.MethodGet, path: "/api/v1/me", header: withCookie(c)}), http.StatusUnauthorized)
	requireStatus(t, sessionOf(t, e, other), http.StatusOK)

	// Again: 401, and the cookie is expired all the same.
	r = logout(t, e, c)
	requireStatus(t, r, http.StatusUnauthorized)
	require.Negative(t, setCookie(t, r.Header).MaxAge)

	// Logout called by the application directly.
	w := httptest.NewRecorder()
	lr := loginRequest(other)
	require.NoError(t, s.Logout(w, lr))
	requireStatus(t, sessionOf(t, e, other), http.StatusUnauthorized)
	require.NotContains(t, fmt.Sprintf("%+v", mem), "Hash:", "no session left")
}

// TestSessionExpiry: a session is valid for TTL after the login, by the
// clock; Purge deletes the expired ones.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	e, s, mem := newSessionEnv(t)
	s.TTL = time.Hour
	start := e.now
	c := login(t, s, e.employee, nil)
	e.now = start.Add(30 * time.Minute)
	later := login(t, s, e.manager, nil)

	e.now = start.Add(time.Hour - time.Microsecond)
	requireStatus(t, sessionOf(t, e, c), http.StatusOK)
	n, err := s.Purge(t.Context())
	require.NoError(t, err)
	require.Zero(t, n)

	e.now = start.Add(time.Hour)
	requireStatus(t, sessionOf(t, e, c), http.StatusUnauthorized)
	requireStatus(t, e.do(t, req{method: http.MethodGet, path: "/api/v1/me", header: withCookie(c)}), http.StatusUnauthorized)
	requireStatus(t, sessionOf(t, e, later), http.StatusOK)

	n, err = s.Purge(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NotContains(t, fmt.Sprintf("%+v", mem), hashOf(c.Value))
	require.Contains(t, fmt.Sprintf("%+v", mem), hashOf(later.Value))

	e.now = start.Add(90 * time.Minute)
	requireStatus(t, sessionOf(t, e, later), http.StatusUnauthorized)
	n, err = s.Purge(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func hashOf(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// TestSessionForged: cookies that name no stored session are 401, whatever
// they look like; the stored hash is no cookie either.
func TestSessionForged(t *testing.T) {
	t.Parallel()
	e, s, _ := newSessionEnv(t)
	c := login(t, s, e.owner, nil)
	flipped := []byte(c.Value)
	flipped[10] ^= 1
	random := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	for name, v := range map[string]string{
		"unknown ID":       random,
		"one bit changed":  string(flipped),
		"truncated":        c.Value[:42],
		"extended":         c.Value + "A",
		"padded":           c.Value + "=",
		"standard base64":  strings.NewReplacer("-", "+", "_", "/").Replace(c.Value) + "+",
		"the stored hash":  hashOf(c.Value),
		"garbage":          "garbage",
		"empty":            "",
		"another tenant's": string(e.foreign.Staff),
	} {
		r := e.do(t, req{method: http.MethodGet, path: "/api/v1/session", header: map[string]string{"Cookie": httpapi.DefaultSessionCookie + "=" + v}})
		require.Equal(t, http.StatusUnauthorized, r.Code, name)
		r.problem(t)
	}
	wrongName := e.do(t, req{method: http.MethodGet, path: "/api/v1/session", header: map[string]string{"Cookie": "session=" + c.Value}})
	require.Equal(t, http.StatusUnauthorized, wrongName.Code)
	requireStatus(t, sessionOf(t, e, c), http.StatusOK, "the real one still works")
}

// recordingStore records what a Sessions hands its store.
type recordingStore struct {
	httpapi.SessionStore
	mu      sync.Mutex
	created []numberdesk.StoredSession
	asked   []string
}

func (r *recordingStore) CreateSession(ctx context.Context, s *numberdesk.StoredSession) error {
	r.mu.Lock()
	r.created = append(r.created, *s)
	r.mu.Unlock()
	return r.SessionStore.CreateSession(ctx, s)
}

func (r *recordingStore) FindSession(ctx context.Context, hash string) (*numberdesk.StoredSession, error) {
	r.mu.Lock()
	r.asked = append(r.asked, hash)
	r.mu.Unlock()
	return r.SessionStore.FindSession(ctx, hash)
}

// TestSessionStoresHash: the store gets and keeps the SHA-256 of the
// session ID, never the ID.
func TestSessionStoresHash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mem := &httpapi.MemorySessions{}
	rec := &recordingStore{SessionStore: mem}
	s := &httpapi.Sessions{Store: rec, Clock: func() time.Time { return e.now }}
	e.api = sessionAPI(t, e, s)

	c := login(t, s, e.employee, nil)
	requireStatus(t, sessionOf(t, e, c), http.StatusOK)
	require.Len(t, rec.created, 1)
	require.Equal(t, hashOf(c.Value), rec.created[0].Hash)
	require.NotContains(t, fmt.Sprintf("%+v", rec.created), c.Value)
	require.NotEmpty(t, rec.asked)
	for _, h := range rec.asked {
		require.Equal(t, hashOf(c.Value), h)
	}
	contents := fmt.Sprintf("%+v", mem)
	require.Contains(t, contents, hashOf(c.Value), "the memory store's contents")
	require.NotContains(t, contents, c.Value)

	// A malformed cookie never reaches the store.
	n := len(rec.asked)
	requireStatus(t, e.do(t, req{method: http.MethodGet, path: "/api/v1/session", header: map[string]string{"Cookie": httpapi.DefaultSessionCookie + "=x"}}), http.StatusUnauthorized)
	require.Len(t, rec.asked, n)
}

// TestSessionOfLockedOrDeletedEmployee: a valid session of an employee
// locked or deleted since the login is 403 on every route, as the actor is
// loaded for every request; logout still ends it.
func TestSessionOfLockedOrDeletedEmployee(t *testing.T) {
	t.Parallel()
	e, s, _ := newSessionEnv(t)
	ctx := t.Context()
	locked := login(t, s, e.employee, nil)
	deleted := login(t, s, e.employee2, nil)
	_, err := e.people.SetLocked(ctx, e.owner, e.employee.Staff, true)
	require.NoError(t, err)
	require.NoError(t, e.people.Delete(ctx, e.owner, e.employee2.Staff, false))

	for _, c := range []*http.Cookie{locked, deleted} {
		requireStatus(t, e.do(t, req{method: http.MethodGet, path: "/api/v1/me", header: withCookie(c)}), http.StatusForbidden)
		requireStatus(t, sessionOf(t, e, c), http.StatusForbidden)
	}

	// The locked employee logs out: 403, but the session has ended.
	r := logout(t, e, locked)
	requireStatus(t, r, http.StatusForbidden)
	require.Negative(t, setCookie(t, r.Header).MaxAge)
	_, err = e.people.SetLocked(ctx, e.owner, e.employee.Staff, false)
	require.NoError(t, err)
	requireStatus(t, sessionOf(t, e, locked), http.StatusUnauthorized)
}

// TestSessionCSRF: behind http.CrossOriginProtection a cross-site request
// that changes state is refused (403) before it reaches the API, with the
// browser's valid session cookie; same-origin requests pass, as do reads.
func TestSessionCSRF(t *testing.T) {
	t.Parallel()
	e, s, _ := newSessionEnv(t)
	protected := http.NewCrossOriginProtection().Handler(e.api)
	owner := login(t, s, e.owner, nil)
	send := func(method, path, body string, header ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://numberdesk.test"+path, strings.NewReader(body))
		r.AddCookie(owner)
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		protected.ServeHTTP(w, r)
		return w
	}
	newEmployee := func(first string) string {
		return `{"first_name":"` + first + `","last_name":"Muster","email":"` + strings.ToLower(first) + `@muster.example","role":"employee"}`
	}
	staffCount := func() int {
		_, n, err := e.people.List(t.Context(), e.owner, staff.Query{Limit: 100})
		require.NoError(t, err)
		return n
	}
	before := staffCount()

	for name, hdr := range map[string][]string{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site", "cross-site"},
		"Sec-Fetch-Site same-site":  {"Sec-Fetch-Site", "same-site"},
		"Origin of another host":    {"Origin", "https://evil.example"},
		"both":                      {"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
	} {
		w := send(http.MethodPost, "/api/v1/staff", newEmployee("Eve"), hdr...)
		require.Equal(t, http.StatusForbidden, w.Code, name)
		w = send(http.MethodDelete, "/api/v1/session", "", hdr...)
		require.Equal(t, http.StatusForbidden, w.Code, name)
		require.Empty(t, w.Header().Values("Set-Cookie"), name)
	}
	require.Equal(t, before, staffCount(), "nothing created")
	requireStatus(t, sessionOf(t, e, owner), http.StatusOK)

	// Reads pass cross-site (SameSite=Lax sends the cookie on top-level
	// navigations; CORS keeps the answer from other origins' scripts).
	require.Equal(t, http.StatusOK, send(http.MethodGet, "/api/v1/session", "", "Sec-Fetch-Site", "cross-site").Code)

	w := send(http.MethodPost, "/api/v1/staff", newEmployee("Sina"), "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	w = send(http.MethodPost, "/api/v1/staff", newEmployee("Otto"), "Origin", "http://numberdesk.test")
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	w = send(http.MethodPost, "/api/v1/staff", newEmployee("Nina"))
	require.Equal(t, http.StatusCreated, w.Code, "no browser headers: not a browser's cross-site request")
	require.Equal(t, before+3, staffCount())

	w = send(http.MethodDelete, "/api/v1/session", "", "Sec-Fetch-Site", "same-origin")
	require.Equal(t, http.StatusNoContent, w.Code)
	requireStatus(t, sessionOf(t, e, owner), http.StatusUnauthorized)
}

// TestSessionsAcrossNodes: two server processes ("nodes"), each with its
// own handler, Sessions and database pool, share one SQL SessionStore: a
// session from a login on one is valid on the other, and a logout on one
// is seen by the other.
func TestSessionsAcrossNodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "sessions.db")
	node := func() (http.Handler, *httpapi.Sessions) {
		db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		st := sqlstore.New(db, sqlstore.SQLite)
		require.NoError(t, st.Migrate(t.Context()))
		s := &httpapi.Sessions{Store: st, Clock: func() time.Time { return e.now }}
		return sessionAPI(t, e, s), s
	}
	apiA, sessA := node()
	apiB, sessB := node()
	on := func(api http.Handler) *env { n := *e; n.api = api; return &n }
	a, b := on(apiA), on(apiB)

	c := login(t, sessA, e.manager, nil)
	requireStatus(t, sessionOf(t, b, c), http.StatusOK)
	requireStatus(t, b.do(t, req{method: http.MethodGet, path: "/api/v1/me", header: withCookie(c)}), http.StatusOK)

	// Rotation on B ends A's session everywhere.
	c2 := login(t, sessB, e.manager, loginRequest(c))
	requireStatus(t, sessionOf(t, a, c), http.StatusUnauthorized)
	requireStatus(t, sessionOf(t, a, c2), http.StatusOK)

	requireStatus(t, logout(t, b, c2), http.StatusNoContent)
	requireStatus(t, sessionOf(t, a, c2), http.StatusUnauthorized)
	requireStatus(t, sessionOf(t, b, c2), http.StatusUnauthorized)

	// Expiry and purge are the database's, whichever node purges.
	c3 := login(t, sessB, e.employee, nil)
	e.now = e.now.Add(httpapi.DefaultSessionTTL)
	requireStatus(t, sessionOf(t, a, c3), http.StatusUnauthorized)
	n, err := sessA.Purge(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = sessB.Purge(t.Context())
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestSessionRoutesWithoutSessions: a handler without Config.Sessions
// answers the session routes 404 (after authenticating, as every route).
func TestSessionRoutesWithoutSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	requireStatus(t, e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/session"}), http.StatusNotFound)
	requireStatus(t, e.do(t, req{as: e.owner, method: http.MethodDelete, path: "/api/v1/session"}), http.StatusNotFound)
	requireStatus(t, e.do(t, req{method: http.MethodGet, path: "/api/v1/session"}), http.StatusUnauthorized)
	requireStatus(t, e.do(t, req{method: http.MethodDelete, path: "/api/v1/session"}), http.StatusUnauthorized)
	r := e.do(t, req{as: e.owner, method: http.MethodPost, path: "/api/v1/session", invalid: true})
	require.Equal(t, http.StatusMethodNotAllowed, r.Code)
	require.Equal(t, "GET, DELETE", r.Header.Get("Allow"))
}

// TestSessionsWithAnotherAuthenticator: with Config.Auth another
// authenticator (the env's headers), GET /session is 401 for a request it
// authenticated without a session cookie or with someone else's, and
// logout still ends the cookie's session.
func TestSessionsWithAnotherAuthenticator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := &httpapi.Sessions{Store: &httpapi.MemorySessions{}, Clock: func() time.Time { return e.now }}
	api, err := httpapi.New(httpapi.Config{Store: e.st, Numbers: e.nums, Staff: e.people, Auth: e.auth, Sessions: s})
	require.NoError(t, err)
	e.api = api
	c := login(t, s, e.manager, nil)

	requireStatus(t, e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/session"}), http.StatusUnauthorized)
	requireStatus(t, e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/session", header: withCookie(c)}), http.StatusUnauthorized)
	requireStatus(t, e.do(t, req{as: e.manager, method: http.MethodGet, path: "/api/v1/session", header: withCookie(c)}), http.StatusOK)

	r := e.do(t, req{as: e.owner, method: http.MethodDelete, path: "/api/v1/session", header: withCookie(c)})
	requireStatus(t, r, http.StatusNoContent)
	require.Negative(t, setCookie(t, r.Header).MaxAge)
	_, _, err = s.Authenticate(loginRequest(c))
	require.ErrorIs(t, err, httpapi.ErrUnauthenticated, "ended server-side")
}

// failingStore fails every call, as a database that is down.
type failingStore struct{}

var errDown = errors.New("database down")

func (failingStore) CreateSession(context.Context, *numberdesk.StoredSession) error { return errDown }
func (failingStore) FindSession(context.Context, string) (*numberdesk.StoredSession, error) {
	return nil, errDown
}
func (failingStore) DeleteSession(context.Context, string) error { return errDown }
func (failingStore) DeleteExpiredSessions(context.Context, time.Time) (int, error) {
	return 0, errDown
}

// TestSessionsFailures: a store that fails is 500 (not 401: the session
// may be fine), Login sets no cookie then; IDs that are not UUIDs and a
// missing store are refused.
func TestSessionsFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := &httpapi.Sessions{Store: failingStore{}}
	e.api = sessionAPI(t, e, s)
	valid := &http.Cookie{Name: httpapi.DefaultSessionCookie, Value: base64.RawURLEncoding.EncodeToString(make([]byte, 32))}

	r := sessionOf(t, e, valid)
	requireStatus(t, r, http.StatusInternalServerError)
	r = logout(t, e, valid)
	requireStatus(t, r, http.StatusInternalServerError)
	require.Negative(t, setCookie(t, r.Header).MaxAge, "the cookie is expired all the same")

	w := httptest.NewRecorder()
	_, err := s.Login(w, loginRequest(), e.owner.Tenant, e.owner.Staff)
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
	require.ErrorIs(t, err, errDown)
	require.Empty(t, w.Header().Values("Set-Cookie"))
	_, err = s.Login(httptest.NewRecorder(), loginRequest(valid), e.owner.Tenant, e.owner.Staff)
	require.ErrorIs(t, err, errDown, "the rotation's delete")
	_, err = s.Purge(t.Context())
	require.ErrorIs(t, err, errDown)

	mem := &httpapi.Sessions{Store: &httpapi.MemorySessions{}}
	_, err = mem.Login(httptest.NewRecorder(), loginRequest(), "acme", e.owner.Staff)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	_, err = mem.Login(httptest.NewRecorder(), loginRequest(), e.owner.Tenant, "admin")
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))

	none := &httpapi.Sessions{}
	_, err = none.Login(httptest.NewRecorder(), loginRequest(), e.owner.Tenant, e.owner.Staff)
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
	_, _, err = none.Authenticate(loginRequest(valid))
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
	require.Error(t, none.Logout(httptest.NewRecorder(), loginRequest()))
	_, err = none.Purge(t.Context())
	require.Error(t, err)
}

// The portal's server mode: the API authenticated by cookie sessions, and
// a login page. The SDK has no passwords: in demo mode the page logs in the
// demo account the visitor picks; a vendor calls Sessions.Login from its
// SSO callback instead. Everything sits behind http.CrossOriginProtection,
// the login form too (against login CSRF).
func ExampleSessions() {
	ctx := context.Background()
	st := memstore.New() // or a *sqlstore.Store, which is the SessionStore too
	nums, err := numbers.NewService(numbers.Config{Store: st})
	if err != nil {
		log.Fatal(err)
	}
	people := staff.NewService(staff.Config{Store: st, Numbers: nums})
	_, owner, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Demo GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@demo.example"}})
	if err != nil {
		log.Fatal(err)
	}

	sessions := &httpapi.Sessions{Store: &httpapi.MemorySessions{}}
	api, err := httpapi.New(httpapi.Config{Store: st, Numbers: nums, Staff: people, Auth: sessions, Sessions: sessions})
	if err != nil {
		log.Fatal(err)
	}
	demoMode := true
	mux := http.NewServeMux()
	mux.Handle(httpapi.Prefix, api)
	if demoMode {
		// POST /demo/login tenant=…&staff=…: the demo account picked.
		mux.HandleFunc("POST /demo/login", func(w http.ResponseWriter, r *http.Request) {
			tenant := numberdesk.TenantID(r.PostFormValue("tenant"))
			id := numberdesk.StaffID(r.PostFormValue("staff"))
			if _, err := people.Actor(r.Context(), tenant, id); err != nil { // unknown or locked
				http.Error(w, "Anmeldung nicht möglich.", http.StatusForbidden)
				return
			}
			if _, err := sessions.Login(w, r, tenant, id); err != nil {
				http.Error(w, "Anmeldung nicht möglich.", http.StatusInternalServerError)
				return
			}
			http.Redirect(w, r, "/", http.StatusSeeOther)
		})
	}
	server := http.NewCrossOriginProtection().Handler(mux)
	// A background job calls sessions.Purge(ctx) periodically.

	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		server.ServeHTTP(w, r)
		return w
	}
	form := url.Values{"tenant": {string(owner.Tenant)}, "staff": {string(owner.ID)}}.Encode()
	postForm := func(site string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/demo/login", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", site)
		return r
	}

	w := serve(postForm("same-origin"))
	fmt.Println("login:", w.Code)
	cookie := w.Result().Cookies()[0]

	r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	r.AddCookie(cookie)
	fmt.Println("me:", serve(r).Code)

	fmt.Println("cross-site login:", serve(postForm("cross-site")).Code)

	r = httptest.NewRequest(http.MethodDelete, "/api/v1/session", nil)
	r.AddCookie(cookie)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	fmt.Println("cross-site logout:", serve(r).Code)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	fmt.Println("logout:", serve(r).Code)

	r = httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	r.AddCookie(cookie)
	fmt.Println("me after logout:", serve(r).Code)
	// Output:
	// login: 303
	// me: 200
	// cross-site login: 403
	// cross-site logout: 403
	// logout: 204
	// me after logout: 401
}

package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/numberdesk/numberdesk"
)

// Session defaults.
const (
	// DefaultSessionTTL is how long a session lasts by default.
	DefaultSessionTTL = 12 * time.Hour
	// DefaultSessionCookie is the session cookie's default name.
	DefaultSessionCookie = "numberdesk_session"
)

// sessionIDBytes is the entropy of a session ID: 256 bits.
const sessionIDBytes = 32

// Session is a login session as Sessions hands it out.
type Session struct {
	// ID is the session's secret, the cookie's value: 256 bits of
	// crypto/rand, base64url without padding. It is never stored.
	ID string
	// Tenant and Staff are who logged in.
	Tenant numberdesk.TenantID
	Staff  numberdesk.StaffID
	// CreatedAt is the login; from ExpiresAt on the session is void.
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionStore keeps sessions by the hash of their ID. Implementations:
// MemorySessions (one process), and the SQL store
// (github.com/numberdesk/numberdesk/store/sqlstore), which several server
// processes share; package httpapi/sessiontest checks the contract.
type SessionStore interface {
	// CreateSession stores s: CodeInvalid if s fails its CheckWrite,
	// CodeConflict if a session with the hash exists.
	CreateSession(ctx context.Context, s *numberdesk.StoredSession) error
	// FindSession returns the session with the hash, expired or not, or
	// CodeNotFound (also for a malformed hash).
	FindSession(ctx context.Context, hash string) (*numberdesk.StoredSession, error)
	// DeleteSession deletes the session with the hash; none is no error.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteExpiredSessions deletes the sessions that have expired at now
	// (ExpiresAt not after now) and returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// CookieSecurity is when the session cookie carries the Secure attribute
// (the browser then sends it over HTTPS only).
type CookieSecurity int

// The rules of the Secure attribute.
const (
	// SecureAuto (the default) sets Secure when the request came over TLS
	// (r.TLS is set) or when it says it did through a proxy:
	// X-Forwarded-Proto: https, or Forwarded: proto=https. Those headers
	// need no trust: they can only add the attribute, and a client that
	// forges them only keeps its own cookie off plain HTTP. A proxy that
	// ends TLS and sends neither header gets cookies without Secure; behind
	// such a proxy, and in production generally, use SecureAlways.
	SecureAuto CookieSecurity = iota
	// SecureAlways always sets Secure.
	SecureAlways
	// SecureNever never sets it: for development over plain HTTP on
	// another host than localhost (browsers accept Secure cookies from
	// http://localhost).
	SecureNever
)

// Sessions is the session-cookie Authenticator of the reference portal.
// The SDK knows no passwords: the embedding application authenticates the
// person (the vendor's SSO callback, the portal's demo login in demo mode)
// and calls Login, which sets the cookie. From then on the cookie
// authenticates the person's requests, and every request loads the Actor
// from the store as with any Authenticator, so a locked or deleted
// employee's session is refused with 403 while it lasts.
//
// The session's ID is 256 bits of crypto/rand, base64url-encoded, and is
// only ever in the cookie: the SessionStore keeps its SHA-256 hash, so a
// leaked sessions table logs nobody in. The cookie is HttpOnly,
// SameSite=Lax, Path=/, with Max-Age = TTL, and Secure by the rule of
// CookieSecurity. A session ends at its expiry (TTL after the login; there
// is no sliding expiry: a person logs in again), by Logout, or by the next
// Login from the same browser (rotation: the old session is deleted, so a
// session ID planted before the login is worthless after it).
//
// SameSite=Lax keeps the cookie off cross-site subrequests; against the
// rest of CSRF mount the API (and the login form) behind
// http.CrossOriginProtection, which refuses cross-origin requests that
// change state:
//
//	sessions := &httpapi.Sessions{Store: st} // st: a *sqlstore.Store, or &httpapi.MemorySessions{}
//	api, err := httpapi.New(httpapi.Config{ /* ... */ Auth: sessions, Sessions: sessions})
//	mux.Handle(httpapi.Prefix, http.NewCrossOriginProtection().Handler(api))
//
// With a SessionStore in a database the server processes share (the SQL
// store) every process accepts the sessions of the others, and a logout on
// one is seen by all. Expired sessions stay stored (and refused) until
// Purge deletes them: the server's background work calls it periodically.
//
// Its zero value with a Store is ready: TTL 12 h, the cookie
// "numberdesk_session", the wall clock, SecureAuto. It is safe for
// concurrent use.
type Sessions struct {
	// Store keeps the sessions; it is required.
	Store SessionStore
	// TTL is how long a session lasts after its login; 0 means
	// DefaultSessionTTL.
	TTL time.Duration
	// Cookie is the cookie's name; empty means DefaultSessionCookie.
	Cookie string
	// Clock is the time of logins and expiries; nil is the wall clock.
	Clock numberdesk.Clock
	// Secure says when the cookie is Secure (default SecureAuto).
	Secure CookieSecurity
}

var _ Authenticator = (*Sessions)(nil)

func (s *Sessions) ttl() time.Duration {
	if s.TTL <= 0 {
		return DefaultSessionTTL
	}
	return s.TTL
}

func (s *Sessions) cookieName() string {
	if s.Cookie == "" {
		return DefaultSessionCookie
	}
	return s.Cookie
}

// now is the clock's time in UTC to the microsecond, as the SQL store
// keeps times.
func (s *Sessions) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

func (s *Sessions) store(op string) (SessionStore, error) {
	if s.Store == nil {
		return nil, numberdesk.Internal(op, errors.New("httpapi: Sessions.Store is nil"))
	}
	return s.Store, nil
}

// secure reports whether the cookie of a response to r is Secure.
func (s *Sessions) secure(r *http.Request) bool {
	switch s.Secure {
	case SecureAlways:
		return true
	case SecureNever:
		return false
	}
	if r.TLS != nil {
		return true
	}
	for _, v := range r.Header.Values("X-Forwarded-Proto") {
		for p := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "https") {
				return true
			}
		}
	}
	for _, v := range r.Header.Values("Forwarded") {
		for elem := range strings.SplitSeq(v, ",") {
			for pair := range strings.SplitSeq(elem, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(pair), "=")
				if strings.EqualFold(k, "proto") && strings.EqualFold(strings.Trim(val, `"`), "https") {
					return true
				}
			}
		}
	}
	return false
}

// requestHash is the hash of the session ID in r's cookie, or "" without a
// cookie of a session ID's form.
func (s *Sessions) requestHash(r *http.Request) string {
	c, err := r.Cookie(s.cookieName())
	if err != nil || !validSessionID(c.Value) {
		return ""
	}
	return hashSessionID(c.Value)
}

// validSessionID reports whether id has the form of the IDs Login issues.
func validSessionID(id string) bool {
	if len(id) != base64.RawURLEncoding.EncodedLen(sessionIDBytes) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(id)
	return err == nil && len(b) == sessionIDBytes
}

// hashSessionID is the stored form of a session ID: hex SHA-256.
func hashSessionID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// Session returns the request's session: the one its cookie names, if it is
// stored and has not expired. ErrUnauthenticated otherwise; a failing store
// is CodeInternal.
func (s *Sessions) Session(r *http.Request) (*Session, error) {
	const op = "httpapi.Sessions"
	st, err := s.store(op)
	if err != nil {
		return nil, err
	}
	c, err := r.Cookie(s.cookieName())
	if err != nil || !validSessionID(c.Value) {
		return nil, ErrUnauthenticated
	}
	stored, err := st.FindSession(r.Context(), hashSessionID(c.Value))
	switch {
	case numberdesk.ErrorCode(err) == numberdesk.CodeNotFound:
		return nil, ErrUnauthenticated
	case err != nil:
		return nil, numberdesk.Internal(op, err)
	case !s.now().Before(stored.ExpiresAt):
		return nil, ErrUnauthenticated
	}
	return &Session{ID: c.Value, Tenant: stored.Tenant, Staff: stored.Staff, CreatedAt: stored.CreatedAt, ExpiresAt: stored.ExpiresAt}, nil
}

// Authenticate implements Authenticator: the tenant and employee of the
// request's session (see Session).
func (s *Sessions) Authenticate(r *http.Request) (numberdesk.TenantID, numberdesk.StaffID, error) {
	ss, err := s.Session(r)
	if err != nil {
		return "", "", err
	}
	return ss.Tenant, ss.Staff, nil
}

// Login starts a session of the employee and sets its cookie on w. The
// caller has authenticated the person (the vendor's SSO callback, the
// portal's demo login); Login does not check the employee, as every
// request with the session does (a locked or unknown one is refused). It
// rotates: the session the request's cookie names, if any, is deleted
// first. It returns the new session. CodeInvalid for IDs that are not
// UUIDs; a failing store is CodeInternal (and no cookie is set).
func (s *Sessions) Login(w http.ResponseWriter, r *http.Request, tenant numberdesk.TenantID, staff numberdesk.StaffID) (*Session, error) {
	const op = "httpapi.Sessions.Login"
	st, err := s.store(op)
	if err != nil {
		return nil, err
	}
	if !numberdesk.ValidID(tenant) {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant ist ungültig.")
	}
	if !numberdesk.ValidID(staff) {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "staff", "Der Mitarbeiter ist ungültig.")
	}
	if old := s.requestHash(r); old != "" {
		if err := st.DeleteSession(r.Context(), old); err != nil {
			return nil, numberdesk.Internal(op, err)
		}
	}
	var b [sessionIDBytes]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand crashes the program instead)
	now := s.now()
	ss := &Session{ID: base64.RawURLEncoding.EncodeToString(b[:]), Tenant: tenant, Staff: staff, CreatedAt: now, ExpiresAt: now.Add(s.ttl())}
	stored := &numberdesk.StoredSession{Hash: hashSessionID(ss.ID), Tenant: tenant, Staff: staff, CreatedAt: ss.CreatedAt, ExpiresAt: ss.ExpiresAt}
	if err := st.CreateSession(r.Context(), stored); err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	http.SetCookie(w, s.cookie(r, ss.ID, max(1, int(s.ttl()/time.Second))))
	return ss, nil
}

// Logout ends the request's session: it deletes it from the store (if the
// cookie names one, valid or not) and expires the cookie on w. A failing
// store is CodeInternal (the cookie is expired all the same).
func (s *Sessions) Logout(w http.ResponseWriter, r *http.Request) error {
	const op = "httpapi.Sessions.Logout"
	st, err := s.store(op)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, "", -1))
	if h := s.requestHash(r); h != "" {
		if err := st.DeleteSession(r.Context(), h); err != nil {
			return numberdesk.Internal(op, err)
		}
	}
	return nil
}

// Purge deletes the expired sessions from the store and returns how many:
// the server's background work calls it periodically (every node may; the
// deletes do not conflict).
func (s *Sessions) Purge(ctx context.Context) (int, error) {
	const op = "httpapi.Sessions.Purge"
	st, err := s.store(op)
	if err != nil {
		return 0, err
	}
	n, err := st.DeleteExpiredSessions(ctx, s.now())
	if err != nil {
		return 0, numberdesk.Internal(op, err)
	}
	return n, nil
}

// cookie is the session cookie with value; maxAge < 0 expires it.
func (s *Sessions) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.cookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	}
}

// MemorySessions is a SessionStore in memory, for one server process and
// tests. Its zero value is ready; it is safe for concurrent use.
type MemorySessions struct {
	mu sync.Mutex
	m  map[string]numberdesk.StoredSession // by hash
}

var _ SessionStore = (*MemorySessions)(nil)

// CreateSession implements SessionStore.
func (m *MemorySessions) CreateSession(_ context.Context, s *numberdesk.StoredSession) error {
	const op = "httpapi.MemorySessions.CreateSession"
	if err := s.CheckWrite(op); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.m[s.Hash]; ok {
		return numberdesk.E(numberdesk.CodeConflict, op, "hash", "Die Sitzung besteht bereits.")
	}
	if m.m == nil {
		m.m = map[string]numberdesk.StoredSession{}
	}
	m.m[s.Hash] = *s
	return nil
}

// FindSession implements SessionStore.
func (m *MemorySessions) FindSession(_ context.Context, hash string) (*numberdesk.StoredSession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[hash]
	if !ok {
		return nil, numberdesk.E(numberdesk.CodeNotFound, "httpapi.MemorySessions.FindSession", "hash", "Die Sitzung wurde nicht gefunden.")
	}
	return &s, nil
}

// DeleteSession implements SessionStore.
func (m *MemorySessions) DeleteSession(_ context.Context, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, hash)
	return nil
}

// DeleteExpiredSessions implements SessionStore.
func (m *MemorySessions) DeleteExpiredSessions(_ context.Context, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.m)
	maps.DeleteFunc(m.m, func(_ string, s numberdesk.StoredSession) bool { return !now.Before(s.ExpiresAt) })
	return n - len(m.m), nil
}

// ---------------------------------------------------------------------------
// Routes: GET and DELETE /api/v1/session

// errNoSessions answers the session routes of a handler without
// Config.Sessions, as an unknown path.
var errNoSessions = &httpError{status: http.StatusNotFound, code: string(numberdesk.CodeNotFound), message: "Diese Adresse gibt es nicht."}

// sessionRoutes registers the routes of the cookie session. They are
// always registered (the contract has them), and answer 404 after the
// authentication without Config.Sessions.
func (h *handler) sessionRoutes() {
	h.handle("GET /api/v1/session", h.currentSession)
	// DELETE needs the ResponseWriter (the cookie), which operations do
	// not get: the preamble of handle, by hand.
	const logout = "DELETE /api/v1/session"
	h.routes = append(h.routes, logout)
	h.mux.HandleFunc(logout, h.logout)
}

// sessionReply is the request's session.
type sessionReply struct {
	Tenant    numberdesk.TenantID `json:"tenant"`
	Staff     numberdesk.StaffID  `json:"staff"`
	CreatedAt time.Time           `json:"created_at"`
	ExpiresAt time.Time           `json:"expires_at"`
}

// GET /session: the session of the request's cookie, if the request was
// authenticated by it (401 otherwise).
func (h *handler) currentSession(r *http.Request, a numberdesk.Actor) (reply, error) {
	if h.cfg.Sessions == nil {
		return reply{}, errNoSessions
	}
	s, err := h.cfg.Sessions.Session(r)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return reply{}, errUnauthenticated
	case err != nil:
		return reply{}, err
	case s.Tenant != a.Tenant || s.Staff != a.Staff:
		return reply{}, errUnauthenticated // Config.Auth names someone else
	}
	return ok(sessionReply{Tenant: s.Tenant, Staff: s.Staff, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt}), nil
}

// DELETE /session: logout. The request is authenticated and its actor
// loaded as on every route, but the cookie's session ends and the cookie is
// expired whatever the outcome: a locked employee (403) or an expired
// session (401) can log out too.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	_, authErr := h.actor(r)
	if h.cfg.Sessions == nil {
		if authErr == nil {
			authErr = errNoSessions
		}
		h.writeProblem(w, r, authErr)
		return
	}
	if err := h.cfg.Sessions.Logout(w, r); err != nil {
		h.writeProblem(w, r, err)
		return
	}
	if authErr != nil {
		h.writeProblem(w, r, authErr)
		return
	}
	writeReply(w, noContent(), false)
}

package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/internal/testdb"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// testSecret is the secret of the tests that pass one.
const testSecret = "a test secret that is long enough for the portal"

// dbDir returns a directory for a test's database, removed at the end of
// the test. database/sql may still be opening a connection when Close
// returns, and opening a WAL database creates its -shm file, so the removal
// dbDir is testdb.Dir.
func dbDir(t *testing.T) string { return testdb.Dir(t, "portal-test-") }

// newApp returns an App for cfg, closed at the end of the test: by
// default the PWA of a test web directory, a SQLite file of its own, and a
// silent log.
func newApp(t *testing.T, cfg AppConfig) *App {
	t.Helper()
	if cfg.Web == "" {
		cfg.Web = webDir(t, fakeWasm)
	}
	if cfg.DB == "" && !cfg.BrowserOnly {
		cfg.DB = "sqlite:" + filepath.Join(dbDir(t), "portal.db")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := NewApp(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	return a
}

// run runs the App's background work until the end of the test.
func run(t *testing.T, a *App) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
}

// browser is a client of an App served on 127.0.0.1: it keeps cookies and
// does not follow redirects.
type browser struct {
	t   *testing.T
	url string
	c   *http.Client
}

func serve(t *testing.T, a *App) *browser {
	t.Helper()
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, url: srv.URL, c: c}
}

// do sends a request and returns the response with its body read.
func (b *browser) do(method, path string, body io.Reader, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.url+path, body)
	require.NoError(b.t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return res, string(raw)
}

func (b *browser) get(path string) (*http.Response, string) {
	return b.do(http.MethodGet, path, nil, nil)
}

// postForm posts a form as a browser does from the page (same origin).
func (b *browser) postForm(path string, form url.Values, header map[string]string) (*http.Response, string) {
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
	for k, v := range header {
		h[k] = v
	}
	return b.do(http.MethodPost, path, strings.NewReader(form.Encode()), h)
}

// api sends a JSON request to the API and decodes the answer into out
// (if not nil); it returns the status.
func (b *browser) api(method, path string, in, out any) int {
	b.t.Helper()
	var body io.Reader
	h := map[string]string{"Sec-Fetch-Site": "same-origin"}
	if in != nil {
		raw, err := json.Marshal(in)
		require.NoError(b.t, err)
		body = bytes.NewReader(raw)
		h["Content-Type"] = "application/json"
		h["Idempotency-Key"] = hex.EncodeToString(randomBytes(8))
	}
	res, text := b.do(method, path, body, h)
	if out != nil && res.StatusCode < 300 {
		require.NoError(b.t, json.Unmarshal([]byte(text), out), text)
	}
	return res.StatusCode
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// employee returns the demo employee with the name.
func employee(t *testing.T, a *App, name string) *staff.Employee {
	t.Helper()
	es, _, err := a.st.FindEmployees(t.Context(), demo.TenantID, staff.Filter{})
	require.NoError(t, err)
	for _, e := range es {
		if e.Name() == name {
			return e
		}
	}
	t.Fatalf("no employee %q", name)
	return nil
}

// count returns the number of rows of a table.
func count(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&n))
	return n
}

// The first start on a database migrates it and seeds the demo tenant;
// the next start on it seeds nothing.
func TestNewAppSeedsTheDemoTenantOnce(t *testing.T) {
	db := "sqlite:" + filepath.Join(dbDir(t), "portal.db")
	first := newApp(t, AppConfig{DB: db, Demo: true})
	require.Equal(t, 1, count(t, first.db, "tenants"))
	require.Equal(t, 6, count(t, first.db, "employees"))
	events := count(t, first.db, "events")
	require.NotZero(t, events)
	tenant, err := first.st.FindTenantByID(t.Context(), demo.TenantID)
	require.NoError(t, err)
	require.Equal(t, demo.TenantName, tenant.Name)
	first.Close()

	again := newApp(t, AppConfig{DB: db, Demo: true})
	require.Equal(t, 1, count(t, again.db, "tenants"))
	require.Equal(t, 6, count(t, again.db, "employees"))
	require.Equal(t, events, count(t, again.db, "events"))
}

// Processes that start at once on one database (here: Apps with pools of
// their own on one SQLite file) seed one tenant between them, and share
// the demo secret: a quote one of them signs, another accepts.
func TestNewAppsStartingAtOnceSeedOnce(t *testing.T) {
	testStartingAtOnce(t, "sqlite:"+filepath.Join(dbDir(t), "portal.db"), "")
}

func testStartingAtOnce(t *testing.T, db, secret string) {
	web := webDir(t, fakeWasm)
	apps := make([]*App, 3)
	errs := make([]error, len(apps))
	var wg sync.WaitGroup
	for i := range apps {
		wg.Go(func() {
			apps[i], errs[i] = NewApp(t.Context(), AppConfig{Config: Config{Web: web}, DB: db, Demo: true, Secret: secret,
				Logger: slog.New(slog.DiscardHandler)})
		})
	}
	wg.Wait()
	for i, a := range apps {
		require.NoError(t, errs[i])
		t.Cleanup(a.Close)
	}
	require.Equal(t, 1, count(t, apps[0].db, "tenants"))
	require.Equal(t, 6, count(t, apps[0].db, "employees"))
	ctx := t.Context()
	created, err := apps[0].st.FindEvents(ctx, demo.TenantID, numberdesk.EventFilter{Types: []numberdesk.EventType{staff.EventTenantCreated}})
	require.NoError(t, err)
	require.Len(t, created, 1)

	owner := employee(t, apps[0], "Anna Admin").Actor()
	page, err := apps[0].nums.Overview(ctx, owner, numbers.Query{Statuses: []numbers.Status{numbers.StatusNew}, Limit: 1})
	require.NoError(t, err)
	q, err := apps[1].nums.Quote(ctx, owner, []numberdesk.NumberID{page.Numbers[0].ID})
	require.NoError(t, err)
	res, err := apps[2].nums.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err, "a quote signed by one process is accepted by another")
	require.Equal(t, 1, res.Activated())
}

// Outside demo mode the server needs a secret.
func TestNewAppNeedsASecretOutsideDemoMode(t *testing.T) {
	_, err := NewApp(t.Context(), AppConfig{Config: Config{Web: webDir(t, fakeWasm)},
		DB: "sqlite:" + filepath.Join(dbDir(t), "portal.db"), Logger: slog.New(slog.DiscardHandler)})
	require.ErrorContains(t, err, SecretEnv)
	_, err = NewApp(t.Context(), AppConfig{Config: Config{Web: webDir(t, fakeWasm)}, Secret: "short",
		DB: "sqlite:" + filepath.Join(dbDir(t), "portal.db"), Logger: slog.New(slog.DiscardHandler)})
	require.ErrorContains(t, err, "at least 32")
}

// accountButton matches a demo account's button on the login page.
var accountButton = regexp.MustCompile(`<button[^>]* name="staff" value="([0-9a-f-]{36})"[^>]*>Anmelden als ([^<]+)</button>`)

// In demo mode the login page lists the demo tenant's accounts, a locked
// one disabled; outside demo mode it lists none (the same database) and
// names the vendor's SSO. Its policy lets its forms post to the portal.
func TestLoginPageListsTheDemoAccountsInDemoModeOnly(t *testing.T) {
	db := "sqlite:" + filepath.Join(dbDir(t), "portal.db")
	a := newApp(t, AppConfig{DB: db, Demo: true})
	res, page := serve(t, a).get("/login")
	require.Equal(t, http.StatusOK, res.StatusCode)
	checkPageHeaders(t, res)
	var names []string
	for _, m := range accountButton.FindAllStringSubmatch(page, -1) {
		require.Equal(t, employee(t, a, m[2]).ID, numberdesk.StaffID(m[1]))
		names = append(names, m[2])
	}
	require.ElementsMatch(t, []string{"Anna Admin", "Max Muster", "Erika Beispiel", "Paul Gesperrt", "Jana Schmidt", "Lena Fax"}, names)
	require.Regexp(t, `<button[^>]*disabled>Anmelden als Paul Gesperrt</button> Mitarbeiter \(gesperrt\)`, page)
	require.Contains(t, page, `href="/mails"`)
	a.Close()

	sso := newApp(t, AppConfig{DB: db, Secret: testSecret})
	res, page = serve(t, sso).get("/login")
	require.Equal(t, http.StatusOK, res.StatusCode)
	checkPageHeaders(t, res)
	require.NotContains(t, page, "Anmelden als")
	require.NotContains(t, page, "Anna Admin")
	require.Contains(t, page, "Single Sign-on")
	require.NotContains(t, page, `href="/mails"`)
	// And no demo login.
	res, _ = serve(t, sso).postForm("/login", url.Values{"staff": {string(employee(t, sso, "Anna Admin").ID)}}, nil)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.Empty(t, res.Cookies())
}

// checkPageHeaders checks the headers of a server-rendered page: those of
// every response, the page's policy, no caching.
func checkPageHeaders(t *testing.T, res *http.Response) {
	t.Helper()
	for k, v := range SecurityHeaders() {
		if k == "Content-Security-Policy" {
			continue
		}
		require.Equal(t, v, res.Header.Get(k), k)
	}
	csp := directives(res.Header.Get("Content-Security-Policy"))
	want := directives(ContentSecurityPolicy)
	want["form-action"] = []string{"'self'"}
	require.Equal(t, want, csp)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
}

// POST /login starts a session of the account (the cookie); the API then
// answers as that employee; POST /logout ends it.
func TestLoginAndLogout(t *testing.T) {
	a := newApp(t, AppConfig{Demo: true})
	b := serve(t, a)
	require.Equal(t, http.StatusUnauthorized, b.api(http.MethodGet, "/api/v1/me", nil, nil))

	maxM := employee(t, a, "Max Muster")
	res, _ := b.postForm("/login", url.Values{"staff": {string(maxM.ID)}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/", res.Header.Get("Location"))
	require.Len(t, res.Cookies(), 1)
	c := res.Cookies()[0]
	require.Equal(t, httpapi.DefaultSessionCookie, c.Name)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)

	var me struct {
		Employee staff.Employee  `json:"employee"`
		Role     numberdesk.Role `json:"role"`
	}
	require.Equal(t, http.StatusOK, b.api(http.MethodGet, "/api/v1/me", nil, &me))
	require.Equal(t, maxM.ID, me.Employee.ID)
	require.Equal(t, numberdesk.RoleEmployee, me.Role)
	_, page := b.get("/login")
	require.Contains(t, page, "Sie sind angemeldet als <strong>Max Muster</strong>")

	res, _ = b.postForm("/logout", nil, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/login", res.Header.Get("Location"))
	require.Equal(t, http.StatusUnauthorized, b.api(http.MethodGet, "/api/v1/me", nil, nil))
	require.Zero(t, count(t, a.db, "sessions"), "the session is deleted, not only its cookie")

	// A locked account and an unknown one get no session.
	for name, want := range map[numberdesk.StaffID]int{
		employee(t, a, "Paul Gesperrt").ID: http.StatusForbidden,
		numberdesk.NewStaffID():            http.StatusUnprocessableEntity,
		"not-an-id":                        http.StatusUnprocessableEntity,
	} {
		res, page := b.postForm("/login", url.Values{"staff": {string(name)}}, nil)
		require.Equal(t, want, res.StatusCode, name)
		require.Empty(t, res.Cookies(), name)
		require.Contains(t, page, `role="alert"`)
	}
	require.Zero(t, count(t, a.db, "sessions"))
}

// A login form posted from another site is refused
// (http.CrossOriginProtection), and so is a cross-site API call with the
// cookie.
func TestCrossSiteLoginIsRefused(t *testing.T) {
	a := newApp(t, AppConfig{Demo: true})
	b := serve(t, a)
	anna := url.Values{"staff": {string(employee(t, a, "Anna Admin").ID)}}
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
	} {
		res, _ := b.postForm("/login", anna, h)
		require.Equal(t, http.StatusForbidden, res.StatusCode, h)
		require.Empty(t, res.Cookies(), h)
	}
	require.Zero(t, count(t, a.db, "sessions"))

	res, _ := b.postForm("/login", anna, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, _ = b.do(http.MethodPost, "/logout", nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	res, _ = b.do(http.MethodPost, "/api/v1/quotes", strings.NewReader(`{"numbers":[]}`),
		map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"})
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Equal(t, 1, count(t, a.db, "sessions"))
}

// Every response of the App carries the security headers, the API's and
// the errors' too.
func TestAppSetsTheSecurityHeaders(t *testing.T) {
	b := serve(t, newApp(t, AppConfig{Demo: true}))
	for _, path := range []string{"/api/v1/me", "/api/v1/nothing", "/mails", "/", "/nothing"} {
		res, _ := b.get(path)
		checkSecurityHeaders(t, path, res)
	}
	res, _ := b.do(http.MethodPut, "/login", nil, nil)
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	checkSecurityHeaders(t, "PUT /login", res)
}

// With -browser-only the App is the PWA alone: no API, no login, no
// database.
func TestBrowserOnlyServesNoAPI(t *testing.T) {
	dir := dbDir(t)
	a := newApp(t, AppConfig{BrowserOnly: true, DB: "sqlite:" + filepath.Join(dir, "portal.db"), Demo: true})
	run(t, a)
	b := serve(t, a)
	for _, path := range []string{"/api/v1/me", "/api/v1/openapi.yaml", "/login", "/mails"} {
		res, _ := b.get(path)
		require.Equal(t, http.StatusNotFound, res.StatusCode, path)
	}
	res, _ := b.postForm("/login", url.Values{"staff": {string(numberdesk.NewStaffID())}}, nil)
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	res, page := b.get("/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, page, "app.js")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "no database")
}

// The PWA learns its mode from the page script's environment: server mode
// sets wasm.EnvAPI (and, in demo mode without SMTP, wasm.EnvMails), the
// browser-only mode neither. The environment is part of the default
// Version, so that an installed client of the other mode updates.
func TestThePWALearnsItsModeFromTheEnvironment(t *testing.T) {
	env := func(cfg AppConfig) (appJS, version string) {
		t.Helper()
		b := serve(t, newApp(t, cfg))
		res, js := b.get("/app.js")
		require.Equal(t, http.StatusOK, res.StatusCode)
		_, worker := b.get("/app-worker.js")
		m := regexp.MustCompile(`installing app worker (\S+)`).FindStringSubmatch(worker)
		require.NotNil(t, m, "the worker names its version")
		return js, m[1]
	}
	demoJS, demoVersion := env(AppConfig{Demo: true})
	require.Contains(t, demoJS, `"`+wasm.EnvAPI+`":"/api/v1/"`)
	require.Contains(t, demoJS, `"`+wasm.EnvMails+`":"/mails"`)

	prodJS, _ := env(AppConfig{Secret: testSecret})
	require.Contains(t, prodJS, `"`+wasm.EnvAPI+`":"/api/v1/"`)
	require.NotContains(t, prodJS, wasm.EnvMails, "no mail sink outside demo mode")

	onlyJS, onlyVersion := env(AppConfig{BrowserOnly: true})
	require.NotContains(t, onlyJS, wasm.EnvAPI)
	require.NotEqual(t, demoVersion, onlyVersion, "the same build in another mode is another version")
}

// Package e2e drives the served NumberDesk portal in headless Chromium
// (chromedp v0.23.0). It holds tests only.
//
// TestMain builds the client-only wasm once and starts one browser for the
// package; each test starts its own portal (an httptest server on
// 127.0.0.1, so each test is its own origin) and opens tabs in a fresh
// browser context (its own localStorage, caches and service workers):
//
//	p := startPortal(t)
//	ctx := newTab(t)
//	open(t, ctx, p.URL+"/?demo=reset")
//	click(t, ctx, "#some-button")
//	waitText(t, ctx, "#numbers-table", "aktiv")
//	shot(t, ctx, "overview")
//
// Without Chromium the tests skip with a message; under CI=true they fail.
// NUMBERDESK_SCREENSHOTS=1 makes shot write docs/screenshots/<name>.png.
//
// A busy machine makes the tests slower, never red: every wait is a wait
// on a condition whose deadline is a base figure times one factor
// (scale_test.go: $NUMBERDESK_TEST_SCALE or a calibration), and a tab's
// deadline ends before the test binary's own (go test -timeout), so that a
// stuck test fails with evidence: with $NUMBERDESK_TEST_ARTIFACTS set, a
// failed test leaves a screenshot and its console there
// (artifacts_test.go). $NUMBERDESK_PORTAL_WASM names a client wasm built
// like `make wasm` to use instead of building one. Temporary files live in
// numberdesk-e2e-<pid>-* under os.TempDir() (or /tmp when that path is too
// long for Chromium's socket), which the next run sweeps when a killed run
// left it (tmpdir_test.go).
package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/numberdesk/numberdesk/examples/portal/internal/prebuilt"
	"github.com/numberdesk/numberdesk/examples/portal/server"
)

const (
	// portalPkg is the program whose wasm build is the client.
	portalPkg = "github.com/numberdesk/numberdesk/examples/portal"
	// webDir holds the portal's static files (icons, portal.css).
	webDir = "../web"
	// screenshotDir is docs/screenshots of the repository.
	screenshotDir = "../../../docs/screenshots"
)

var (
	// browserCtx holds the one browser of the package; nil when skipping.
	browserCtx context.Context
	// skipReason says why browser tests skip (no Chromium).
	skipReason string
	// wasmFile is the client wasm that TestMain built (or found in
	// $NUMBERDESK_PORTAL_WASM).
	wasmFile string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if err := setTimeScale(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("e2e: %s\n", scaleDescription())
	}
	if testing.Short() {
		// make check: the fast inner loop runs no browser (not even
		// under CI=true: -short is asked for).
		skipReason = "-short: the browser tests skip"
		return m.Run()
	}
	ci := os.Getenv("CI") == "true"
	exe := findChromium()
	if exe == "" {
		const missing = "no Chromium found (install the Debian package `chromium` or set NUMBERDESK_CHROMIUM)"
		if ci {
			fmt.Fprintln(os.Stderr, "e2e: "+missing+"; CI=true, so the browser tests fail instead of skipping")
			return 1
		}
		skipReason = missing + "; the browser tests skip"
		return m.Run()
	}

	dir, err := makeTempDir(tempRoot(), func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer func() {
		if err := removeAllRetry(dir); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
		}
	}()
	// Short names: Chromium's singleton socket lives under its TMPDIR, and
	// a Unix socket's path has at most 107 bytes.
	profileDir, chromiumTmp := filepath.Join(dir, "p"), filepath.Join(dir, "t")
	for _, d := range []string{profileDir, chromiumTmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
	}
	if file, ok := prebuilt.Wasm("e2e"); ok {
		wasmFile = file
		if testing.Verbose() {
			fmt.Printf("e2e: client wasm from $%s: %s\n", prebuilt.Env, wasmFile)
		}
	} else {
		start := time.Now()
		wasmFile = filepath.Join(dir, "app.wasm")
		if err := buildWasm(wasmFile); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		if testing.Verbose() {
			fmt.Printf("e2e: client wasm built in %v\n", time.Since(start).Round(time.Millisecond))
		}
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(exe),
			chromedp.WindowSize(1280, 900),
			// Profile and temporary files inside dir, so that the next
			// run sweeps them when this one is killed.
			chromedp.UserDataDir(profileDir),
			chromedp.Env("TMPDIR="+chromiumTmp),
		)...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The first action starts the browser, which lives as long as the
	// context of that action: so no timeout on it, only a watchdog.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }()
	select {
	case err := <-started:
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e: starting Chromium:", err)
			return 1
		}
	case <-time.After(scaled(chromiumStartTimeoutBase)):
		fmt.Fprintf(os.Stderr, "e2e: Chromium did not start within %v (%s)\n", scaled(chromiumStartTimeoutBase), scaleDescription())
		return 1
	}
	browserCtx = bctx
	return m.Run()
}

// findChromium returns the browser to drive: $NUMBERDESK_CHROMIUM, or the
// first of the usual names on PATH.
func findChromium() string {
	if p := os.Getenv("NUMBERDESK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// buildWasm builds the portal's client exactly as `make wasm` does.
func buildWasm(out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, portalPkg)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the client wasm: %v\n%s", err, b)
	}
	return nil
}

// requireBrowser skips (or, without a browser under CI, fails) a test.
func requireBrowser(t testing.TB) {
	t.Helper()
	if browserCtx == nil {
		t.Skip(skipReason)
	}
}

// portal is one served portal.
type portal struct {
	// URL is the base URL, like http://127.0.0.1:41234 (no trailing slash).
	URL string

	srv     *httptest.Server
	handler atomic.Pointer[http.Handler]
	t       testing.TB
}

type portalOption func(*server.Config)

// withVersion serves the portal under a fixed Version.
func withVersion(v string) portalOption {
	return func(c *server.Config) { c.Version = v }
}

// startPortal serves the real portal handler (the client wasm TestMain built)
// on 127.0.0.1 until the test ends, with the timeouts and limits of the
// portal's own http.Server (server.NewHTTPServer).
func startPortal(t testing.TB, opts ...portalOption) *portal {
	t.Helper()
	requireBrowser(t)
	p := &portal{t: t}
	p.setHandler(opts...)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*p.handler.Load()).ServeHTTP(w, r)
	})
	p.srv = httptest.NewUnstartedServer(h)
	p.srv.Config = server.NewHTTPServer(h)
	p.srv.Start()
	p.URL = p.srv.URL
	t.Cleanup(p.Close)
	return p
}

func (p *portal) setHandler(opts ...portalOption) {
	p.t.Helper()
	cfg := server.Config{Web: webDir, Wasm: wasmFile}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := server.New(cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	p.handler.Store(&h)
}

// deploy replaces the served handler on the same origin, like a deployment
// of another build (use withVersion to make it one).
func (p *portal) deploy(opts ...portalOption) {
	p.t.Helper()
	p.setHandler(opts...)
}

// Close stops the server: the browser is offline for this origin from now
// on. It is safe to call more than once.
func (p *portal) Close() {
	p.srv.CloseClientConnections()
	p.srv.Close()
}

// tab is the per-tab state of newTab.
type tab struct {
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	allowed  []string
	// timeout is the base figure of the tab's deadline (scaled).
	timeout time.Duration
}

type tabOption func(*tab)

// allowException tolerates uncaught exceptions and console errors whose text
// contains substr (for example network failures an offline test causes).
func allowException(substr string) tabOption {
	return func(tb *tab) { tb.allowed = append(tb.allowed, substr) }
}

// newTab opens a tab in a fresh browser context (its own storage, caches and
// service workers) with a deadline: tabTimeoutBase scaled, but ending before
// the test binary's own deadline (go test -timeout) with a margin, so that a
// stuck test fails with evidence instead of being killed. The tab records
// the console; the test fails if the page panics in Go (a "panic:" or
// "fatal error:" line, a non-zero exit of the Go program), throws an
// uncaught JavaScript exception or violates its Content-Security-Policy
// (Chromium's report in the console), and such a message cancels the returned
// context at once, so the test's next wait fails instead of running into
// its deadline. On failure the console and the time scale are logged, and
// with $NUMBERDESK_TEST_ARTIFACTS set the tab's screenshot and console are
// written there. Tabs are independent: tests may call t.Parallel.
func newTab(t testing.TB, opts ...tabOption) context.Context {
	t.Helper()
	requireBrowser(t)
	tb := &tab{timeout: tabTimeoutBase}
	for _, o := range opts {
		o(tb)
	}
	deadline, err := tabDeadline(t, scaled(tb.timeout))
	if err != nil {
		t.Fatal(err)
	}
	// The first action on a chromedp context binds the tab (its target's
	// event loop) to the context of that action. So the tab is created
	// with tabCtx, which has no deadline, and the test's deadline is on a
	// child: after it has passed (or a fatal console message canceled it),
	// the tab still answers, for the failure screenshot.
	tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	if err := createTab(tabCtx, deadline); err != nil {
		cancelTab()
		t.Fatalf("opening a tab: %v (%s)", err, scaleDescription())
	}
	ctx, cancel := context.WithDeadline(tabCtx, deadline)
	consoleCtx, stopConsole := context.WithCancel(tabCtx)
	messages := chromedp.Console(consoleCtx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.messages = append(tb.messages, m)
			tb.mu.Unlock()
			if tb.fatal(m) {
				// Fail fast: the waits of the test end with "context
				// canceled", and the cleanup reports the message.
				cancel()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		stopConsole()
		<-done
		tb.check(t)
		if t.Failed() {
			t.Logf("e2e: %s; this tab's deadline was %s", scaleDescription(), deadline.Format(time.RFC3339))
			if dir := artifactDir(); dir != "" {
				// tabCtx is still open: the tab closes with cancelTab.
				png, err := failureScreenshot(t, tabCtx)
				tb.mu.Lock()
				console := slices.Clone(tb.messages)
				tb.mu.Unlock()
				writeArtifacts(t, dir, png, err, console, deadline)
			}
		}
		cancelTab()
	})
	return ctx
}

// createTab creates the tab of tabCtx, bound to tabCtx; a watchdog gives up
// after tabCreateTimeoutBase (scaled) or at the deadline.
func createTab(tabCtx context.Context, deadline time.Time) error {
	created := make(chan error, 1)
	go func() { created <- chromedp.Do(tabCtx) }()
	limit := min(scaled(tabCreateTimeoutBase), time.Until(deadline))
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case err := <-created:
		return err
	case <-timer.C:
		return fmt.Errorf("no tab after %v", limit.Round(time.Millisecond))
	}
}

// tabDeadline is now+d, or earlier when the test binary's deadline
// (t.Deadline, from go test -timeout) comes first: then it leaves a margin
// for the cleanup (screenshot, console) before the binary's deadline.
func tabDeadline(t testing.TB, d time.Duration) (time.Time, error) {
	deadline := time.Now().Add(d)
	td, ok := testDeadline(t)
	if !ok {
		return deadline, nil
	}
	if limit := td.Add(-deadlineMargin(time.Until(td))); limit.Before(deadline) {
		deadline = limit
	}
	if time.Until(deadline) <= 0 {
		return deadline, fmt.Errorf("the test binary's deadline %s (go test -timeout) leaves no time for this test; "+
			"give go test a larger -timeout (%s)", td.Format(time.RFC3339), scaleDescription())
	}
	return deadline, nil
}

// deadlineMargin is the time a tab leaves before the test binary's deadline
// for its cleanup: a tenth of the time left, at least 5 s, at most a minute.
func deadlineMargin(left time.Duration) time.Duration {
	return min(max(left/10, 5*time.Second), time.Minute)
}

// testDeadline is t.Deadline() for a *testing.T.
func testDeadline(t testing.TB) (time.Time, bool) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		return d.Deadline()
	}
	return time.Time{}, false
}

// fatal reports whether a console message means the app broke.
func (tb *tab) fatal(m chromedp.ConsoleMessage) bool {
	text := m.Text
	bad := m.IsException() ||
		strings.HasPrefix(text, "panic:") || strings.Contains(text, "\npanic:") ||
		strings.Contains(text, "fatal error:") ||
		(m.Type == chromedp.ConsoleWarning && strings.HasPrefix(text, "exit code:")) ||
		// Chromium's report of a CSP violation: the page needs something
		// its policy (server.ContentSecurityPolicy) does not allow.
		isCSPReport(text)
	if !bad {
		return false
	}
	for _, a := range tb.allowed {
		if strings.Contains(text, a) {
			return false
		}
	}
	return true
}

func (tb *tab) check(t testing.TB) {
	t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, m := range tb.messages {
		if tb.fatal(m) {
			t.Errorf("browser console: %s (%s:%d)", m, m.URL, m.Line)
		}
	}
	if t.Failed() {
		for _, m := range tb.messages {
			t.Logf("console %s", m)
		}
	}
}

// open navigates the tab and waits until the wasm has started (go-app
// removes #app-wasm-loader after go.run).
func open(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitNotPresent(chromedp.ID("app-wasm-loader")),
	); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

// reload reloads the page and waits until the wasm has started again.
func reload(t testing.TB, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitNotPresent(chromedp.ID("app-wasm-loader")),
	); err != nil {
		t.Fatalf("reload: %v", err)
	}
}

// click clicks the first element matching the CSS selector once it is
// visible.
func click(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// setValue sets the value of an input or select and fires input and change
// events (for selects and date fields, where typing is awkward).
func setValue(t testing.TB, ctx context.Context, sel, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return false;
		e.value = %s; e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, jsString(sel), jsString(value))
	if !eval[bool](t, ctx, js) {
		t.Fatalf("set value of %s: no such element", sel)
	}
}

// text returns the visible text of the first element matching sel, waiting
// until it exists.
func text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// attr returns an attribute of the first element matching sel ("" if unset).
func attr(t testing.TB, ctx context.Context, sel, name string) string {
	t.Helper()
	r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return r.Value
}

// count returns how many elements match sel now (no waiting).
func count(t testing.TB, ctx context.Context, sel string) int {
	t.Helper()
	return eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel)))
}

// exists reports whether an element matches sel now (no waiting).
func exists(t testing.TB, ctx context.Context, sel string) bool {
	t.Helper()
	return count(t, ctx, sel) > 0
}

// waitVisible waits until an element matching sel is visible.
func waitVisible(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		t.Fatalf("wait for %s to be visible: %v", sel, err)
	}
}

// waitGone waits until no element matches sel.
func waitGone(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitNotPresent(chromedp.CSS(sel))); err != nil {
		t.Fatalf("wait for %s to disappear: %v", sel, err)
	}
}

// waitText waits until the text of the first element matching sel contains
// want.
func waitText(t testing.TB, ctx context.Context, sel, want string) {
	t.Helper()
	poll(t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && e.innerText.includes(%s); })()`, jsString(sel), jsString(want)),
		fmt.Sprintf("%s contains %q", sel, want))
}

// poll waits until the JavaScript expression is truthy, polling every 50 ms
// for at most pollTimeoutBase (scaled), or until the tab's time runs out.
// what describes the condition in the failure message.
func poll(t testing.TB, ctx context.Context, expr, what string) {
	t.Helper()
	pollFor(t, ctx, expr, what, pollTimeoutBase)
}

// pollFor is poll with another base figure of the time limit (scaled).
func pollFor(t testing.TB, ctx context.Context, expr, what string, base time.Duration) {
	t.Helper()
	d := scaled(base)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(`+expr+`)`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(d)))
	if err != nil {
		t.Fatalf("waiting for %s (up to %v): %v", what, d.Round(time.Millisecond), err)
	}
}

// waitJS evaluates the JavaScript expression (a promise is awaited) every
// 100 ms until it is truthy, for at most pollTimeoutBase (scaled), or until
// the tab's time runs out. Errors in between count as "not yet", so it also
// waits across a reload or navigation.
func waitJS(t testing.TB, ctx context.Context, expr, what string) {
	t.Helper()
	d := scaled(pollTimeoutBase)
	deadline := time.Now().Add(d)
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`Promise.resolve(`+expr+`).then(v => !!v)`, chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return
		}
		lastErr = err
		if ctx.Err() != nil || time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not true within %v (last error: %v; tab: %v)", what, d.Round(time.Millisecond), lastErr, ctx.Err())
		}
		// The pause between two evaluations, not a verdict.
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// jsString returns v as a JavaScript literal (JSON).
func jsString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// httpGet fetches a URL from Go (not through the browser).
func httpGet(url string) (*http.Response, error) {
	c := &http.Client{Timeout: scaled(httpTimeoutBase)}
	res, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	return res, nil
}

// eval evaluates a JavaScript expression and returns its value; a promise is
// awaited.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// viewport sets the size of the tab's viewport (e.g. 360×740 for a phone).
func viewport(t testing.TB, ctx context.Context, width, height int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("viewport %dx%d: %v", width, height, err)
	}
}

// screenshotsWanted reports whether shot writes files.
func screenshotsWanted() bool { return os.Getenv("NUMBERDESK_SCREENSHOTS") == "1" }

// shot writes a PNG screenshot of the whole page to
// docs/screenshots/<name>.png when NUMBERDESK_SCREENSHOTS=1, and does
// nothing otherwise.
func shot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	if !screenshotsWanted() {
		return
	}
	// Let pending renders and CSS transitions settle.
	if err := chromedp.Do(ctx, chromedp.Sleep(150*time.Millisecond)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(screenshotDir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", file)
}

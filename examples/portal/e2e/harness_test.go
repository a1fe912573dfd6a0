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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/numberdesk/numberdesk/examples/portal/server"
)

const (
	// portalPkg is the program whose wasm build is the client.
	portalPkg = "github.com/numberdesk/numberdesk/examples/portal"
	// webDir holds the portal's static files (icons, portal.css).
	webDir = "../web"
	// screenshotDir is docs/screenshots of the repository.
	screenshotDir = "../../../docs/screenshots"
	// defaultTabTimeout bounds every test's browser work.
	defaultTabTimeout = 90 * time.Second
)

var (
	// browserCtx holds the one browser of the package; nil when skipping.
	browserCtx context.Context
	// skipReason says why browser tests skip (no Chromium).
	skipReason string
	// wasmFile is the client wasm that TestMain built.
	wasmFile string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
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

	dir, err := os.MkdirTemp("", "numberdesk-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	wasmFile = filepath.Join(dir, "app.wasm")
	if err := buildWasm(wasmFile); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("e2e: client wasm built in %v\n", time.Since(start).Round(time.Millisecond))
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(exe),
			chromedp.WindowSize(1280, 900),
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
	case <-time.After(60 * time.Second):
		fmt.Fprintln(os.Stderr, "e2e: Chromium did not start within 60 s")
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
// on 127.0.0.1 until the test ends.
func startPortal(t testing.TB, opts ...portalOption) *portal {
	t.Helper()
	requireBrowser(t)
	p := &portal{t: t}
	p.setHandler(opts...)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*p.handler.Load()).ServeHTTP(w, r)
	}))
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
	timeout  time.Duration
}

type tabOption func(*tab)

// allowException tolerates uncaught exceptions and console errors whose text
// contains substr (for example network failures an offline test causes).
func allowException(substr string) tabOption {
	return func(tb *tab) { tb.allowed = append(tb.allowed, substr) }
}

// newTab opens a tab in a fresh browser context (its own storage, caches and
// service workers) with a time limit. The tab records the console; the test
// fails if the page panics in Go (a "panic:" or "fatal error:" line, a
// non-zero exit of the Go program) or throws an uncaught JavaScript
// exception, and such a message closes the tab at once, so the test's
// next wait fails instead of running into its timeout. On failure the
// console is logged. Tabs are independent: tests may call t.Parallel.
func newTab(t testing.TB, opts ...tabOption) context.Context {
	t.Helper()
	requireBrowser(t)
	tb := &tab{timeout: defaultTabTimeout}
	for _, o := range opts {
		o(tb)
	}
	tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	ctx, cancel := context.WithTimeout(tabCtx, tb.timeout)
	messages := chromedp.Console(ctx) // creates the tab and subscribes
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
		cancelTab()
		<-done
		tb.check(t)
	})
	return ctx
}

// fatal reports whether a console message means the app broke.
func (tb *tab) fatal(m chromedp.ConsoleMessage) bool {
	text := m.Text
	bad := m.IsException() ||
		strings.HasPrefix(text, "panic:") || strings.Contains(text, "\npanic:") ||
		strings.Contains(text, "fatal error:") ||
		(m.Type == chromedp.ConsoleWarning && strings.HasPrefix(text, "exit code:"))
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
// for at most 20 s (or until the tab's time runs out). what describes the
// condition in the failure message.
func poll(t testing.TB, ctx context.Context, expr, what string) {
	t.Helper()
	pollFor(t, ctx, expr, what, 20*time.Second)
}

// pollFor is poll with another time limit.
func pollFor(t testing.TB, ctx context.Context, expr, what string, d time.Duration) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(`+expr+`)`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(d)))
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// waitJS evaluates the JavaScript expression (a promise is awaited) every
// 100 ms until it is truthy, for at most 20 s. Errors in between count as
// "not yet", so it also waits across a reload or navigation.
func waitJS(t testing.TB, ctx context.Context, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`Promise.resolve(`+expr+`).then(v => !!v)`, chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return
		}
		lastErr = err
		if ctx.Err() != nil || time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not true within 20 s (last error: %v)", what, lastErr)
		}
		time.Sleep(100 * time.Millisecond)
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
	c := &http.Client{Timeout: 5 * time.Second}
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

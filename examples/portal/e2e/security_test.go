package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/numberdesk/numberdesk/examples/portal/server"
)

// cspListener records every securitypolicyviolation of a document in
// sessionStorage (so that a full navigation in the same tab keeps what the
// previous document saw). It is installed before any script of the page
// runs (page.AddScriptToEvaluateOnNewDocument).
const cspListener = `(() => {
	const key = "__numberdeskCSPViolations";
	const record = (e) => {
		const seen = JSON.parse(sessionStorage.getItem(key) || "[]");
		seen.push({directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile || "",
			line: e.lineNumber || 0, sample: e.sample || "", document: e.documentURI});
		sessionStorage.setItem(key, JSON.stringify(seen));
	};
	document.addEventListener("securitypolicyviolation", record, true);
})()`

// cspViolation is one securitypolicyviolation event the listener recorded.
type cspViolation struct {
	Directive string `json:"directive"`
	Blocked   string `json:"blocked"`
	Source    string `json:"source"`
	Line      int    `json:"line"`
	Sample    string `json:"sample"`
	Document  string `json:"document"`
}

// violations returns what cspListener recorded in this tab so far.
func violations(t *testing.T, ctx context.Context) []cspViolation {
	t.Helper()
	raw := eval[string](t, ctx, `sessionStorage.getItem("__numberdeskCSPViolations") || "[]"`)
	var v []cspViolation
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("the recorded violations %q: %v", raw, err)
	}
	return v
}

// consoleRecord records the console of a tab (calls of the console API,
// exceptions and the browser's log, where Chromium reports CSP violations)
// for a test that looks at messages the harness does not fail on.
type consoleRecord struct {
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	changed  chan struct{}
}

// recordConsole subscribes to the tab's console until the test ends.
func recordConsole(t *testing.T, ctx context.Context) *consoleRecord {
	t.Helper()
	l := &consoleRecord{changed: make(chan struct{}, 1)}
	cctx, stop := context.WithCancel(ctx)
	messages := chromedp.Console(cctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			l.mu.Lock()
			l.messages = append(l.messages, m)
			l.mu.Unlock()
			select {
			case l.changed <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() { stop(); <-done })
	return l
}

// matching returns the messages whose text satisfies match.
func (l *consoleRecord) matching(match func(text string) bool) []chromedp.ConsoleMessage {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []chromedp.ConsoleMessage
	for _, m := range l.messages {
		if match(m.Text) {
			out = append(out, m)
		}
	}
	return out
}

// containing matches a text that contains substr.
func containing(substr string) func(string) bool {
	return func(text string) bool { return strings.Contains(text, substr) }
}

// wait waits until a message contains substr, for at most pollTimeoutBase
// (scaled) or until the tab's time runs out.
func (l *consoleRecord) wait(t *testing.T, ctx context.Context, substr string) chromedp.ConsoleMessage {
	t.Helper()
	d := scaled(pollTimeoutBase)
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		if m := l.matching(containing(substr)); len(m) > 0 {
			return m[0]
		}
		select {
		case <-l.changed:
		case <-timer.C:
			t.Fatalf("no console message containing %q within %v", substr, d.Round(time.Millisecond))
		case <-ctx.Done():
			t.Fatalf("no console message containing %q: %v", substr, ctx.Err())
		}
	}
}

// isCSPReport reports whether a console text is Chromium's report of a CSP
// violation. Chromium spells the phrase "Content Security Policy" and, in
// the CompileError of a refused wasm, "Content Security policy".
func isCSPReport(text string) bool {
	return strings.Contains(strings.ToLower(text), "content security policy")
}

// TestContentSecurityPolicy loads the portal from the real handler, under
// the policy it sends, and goes through a real flow (the overview, the
// activation dialog up to its paid-consent button "Rufnummern jetzt
// kostenpflichtig aktivieren" and the confirmation, the other pages, the
// service worker's precache): the page reports no CSP violation, neither to
// a securitypolicyviolation listener installed before the page's scripts
// nor in Chromium's console (the harness fails every browser test on such a
// message). Then a canary proves the policy is in force and the listener
// works: an inline script injected into the page does not run, and its
// violation is reported.
func TestContentSecurityPolicy(t *testing.T) {
	p := startPortal(t)
	const canary = `window.__numberdeskInlineRan = true;`
	sum := sha256.Sum256([]byte(canary))
	canaryHash := "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
	// Chromium's report of the canary names its hash: that one message is
	// expected, every other CSP report fails the test.
	ctx := newTab(t, allowException(canaryHash))
	console := recordConsole(t, ctx)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener}); err != nil {
		t.Fatal(err)
	}

	openOverview(t, ctx, p)
	// The policy the browser got with the document is the server's.
	got := eval[string](t, ctx, `fetch(location.href, {cache: "no-store"}).then(r => r.headers.get("content-security-policy") || "")`)
	if got != server.ContentSecurityPolicy {
		t.Fatalf("the page came with Content-Security-Policy %q, want %q", got, server.ContentSecurityPolicy)
	}

	click(t, ctx, action("0221 123456-25", "activate"))
	waitVisible(t, ctx, "#dlg-activate #quote-table")
	if got := text(t, ctx, "#dlg-activate-submit"); got != "Rufnummern jetzt kostenpflichtig aktivieren" {
		t.Errorf("the consent button = %q", got)
	}
	click(t, ctx, "#dlg-activate-submit")
	waitText(t, ctx, "#dlg-activate-confirmation", "Die Rufnummer 0221 123456-25 haben Sie nun aktiviert.")
	closeDialog(t, ctx, "dlg-activate")
	waitStatus(t, ctx, "0221 123456-25", "aktiv")

	// The other pages (client-side navigation) and the service worker,
	// whose script runs under the same policy and fetches everything it
	// precaches.
	click(t, ctx, `nav a[href="/mitarbeiter"]`)
	poll(t, ctx, `location.pathname === "/mitarbeiter" && document.querySelector("tr[data-email]")`, "the employees page")
	click(t, ctx, `nav a[href="/protokoll"]`)
	poll(t, ctx, `location.pathname === "/protokoll" && document.body.innerText.includes("Ereignisprotokoll")`, "the event log")
	waitOffline(t, ctx)
	// A full load from the service worker's cache.
	reload(t, ctx)
	poll(t, ctx, `document.querySelector("main h1")`, "the page after a reload")

	if v := violations(t, ctx); len(v) > 0 {
		t.Errorf("the page reported %d CSP violations: %+v", len(v), v)
	}
	if m := console.matching(isCSPReport); len(m) > 0 {
		t.Errorf("Chromium reported CSP violations: %v", m)
	}

	// The canary. An inline script runs when it is inserted, so without the
	// policy the flag is set at once.
	if ran := eval[bool](t, ctx, `(() => {
		const s = document.createElement("script");
		s.textContent = `+jsString(canary)+`;
		document.head.appendChild(s);
		return window.__numberdeskInlineRan === true;
	})()`); ran {
		t.Fatal("an inline script ran: the page is not under the Content-Security-Policy")
	}
	poll(t, ctx, `(JSON.parse(sessionStorage.getItem("__numberdeskCSPViolations") || "[]")).some(v => v.directive === "script-src-elem" && v.blocked === "inline")`,
		"the listener's report of the blocked inline script")
	console.wait(t, ctx, canaryHash)
}

// framer serves, from a second origin, a page that embeds the portal in an
// iframe and counts the frame's load events.
func framer(t *testing.T, portalURL string) *httptest.Server {
	t.Helper()
	body := `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Fremde Seite</title></head><body>
<h1>Fremde Seite</h1>
<iframe id="portal" title="Portal" src="` + portalURL + `" width="1200" height="800"
	onload="window.__frameLoads = (window.__frameLoads || 0) + 1"></iframe>
</body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// frameDocument is what a script in the frame's own document sees.
type frameDocument struct {
	Href     string `json:"href"`
	Portal   bool   `json:"portal"`
	Consent  bool   `json:"consent"`
	Manifest bool   `json:"manifest"`
}

// TestPortalRefusesToBeFramed embeds the portal in a page of another origin
// (a second httptest server): Chromium refuses to render it (CSP
// frame-ancestors 'none'; X-Frame-Options: DENY for older browsers), so the
// frame's document is not the portal, no portal markup and no
// paid-consent button is reachable in it, and Chromium reports the
// frame-ancestors violation.
func TestPortalRefusesToBeFramed(t *testing.T) {
	p := startPortal(t)
	f := framer(t, p.URL+"/?demo=reset")
	// Chromium's report of the refusal is the expected message of this tab.
	ctx := newTab(t, allowException("frame-ancestors"))
	console := recordConsole(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(f.URL+"/")); err != nil {
		t.Fatal(err)
	}
	// The frame's load event fires for a refused frame too (with an error
	// page), so this waits for the end of its navigation either way.
	poll(t, ctx, `window.__frameLoads >= 1`, "the frame's load event")

	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.FrameTree.ChildFrames) != 1 {
		t.Fatalf("the framing page has %d child frames, want 1", len(tree.FrameTree.ChildFrames))
	}
	frame := tree.FrameTree.ChildFrames[0].Frame
	t.Logf("the frame: url %q, unreachable url %q, origin %q", frame.URL, frame.UnreachableURL, frame.SecurityOrigin)
	if strings.HasPrefix(frame.URL, p.URL) || frame.SecurityOrigin == p.URL {
		t.Errorf("the frame holds the portal's document (%s, origin %s)", frame.URL, frame.SecurityOrigin)
	}

	// Look into the frame's document from a script of its own (an
	// isolated world; the framing page itself may not, another origin).
	doc := inFrame[frameDocument](t, ctx, frame.ID, `({
		href: location.href,
		portal: !!document.querySelector("#app-wasm-loader, #main, .shell"),
		consent: !!document.querySelector("#dlg-activate-submit, button[data-action=activate]"),
		manifest: !!document.querySelector('link[rel="manifest"]'),
	})`)
	t.Logf("in the frame: %+v", doc)
	if doc.Portal || doc.Consent || doc.Manifest || strings.HasPrefix(doc.Href, p.URL) {
		t.Errorf("the portal rendered in a frame of another origin: %+v", doc)
	}
	m := console.wait(t, ctx, "frame-ancestors 'none'")
	t.Logf("Chromium: %s", m.Text)
}

// inFrame evaluates a JavaScript expression in an isolated world of the
// frame and returns its value (as JSON).
func inFrame[T any](t *testing.T, ctx context.Context, frameID cdp.FrameID, expr string) T {
	t.Helper()
	world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frameID, WorldName: "numberdesk-e2e"})
	if err != nil {
		t.Fatalf("an isolated world in the frame: %v", err)
	}
	byValue := true
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{
		Expression: "JSON.stringify(" + expr + ")", ContextID: world.ExecutionContextID, ReturnByValue: &byValue,
	})
	if err != nil {
		t.Fatalf("evaluate in the frame: %v", err)
	}
	if res.ExceptionDetails != nil {
		t.Fatalf("evaluate in the frame: %s", res.ExceptionDetails.Text)
	}
	var s string
	if err := json.Unmarshal(res.Result.Value, &s); err != nil {
		t.Fatalf("the frame's answer %s: %v", res.Result.Value, err)
	}
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("the frame's answer %s: %v", s, err)
	}
	return v
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/numberdesk/numberdesk/wasm"
)

// overviewReady is the contract's sign that the overview rendered with data.
const overviewReady = `#numbers-table[data-total]`

// TestBoot loads the portal: the wasm starts (go-app removes the loader only
// after go.run) and the Go components render the overview with data.
func TestBoot(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	open(t, ctx, p.URL+"/?demo=reset")
	if got := eval[string](t, ctx, `document.documentElement.lang`); got != "de" {
		t.Errorf("<html lang> = %q, want de", got)
	}
	if got := eval[string](t, ctx, `document.title`); !strings.Contains(got, "NumberDesk") {
		t.Errorf("title %q", got)
	}
	// The prerendered page has no data: only the running Go program fills
	// the table from the in-browser store.
	poll(t, ctx, `document.querySelector(`+jsString(overviewReady)+`)`, "the overview table with data")
	if total := attr(t, ctx, overviewReady, "data-total"); total == "" || total == "0" {
		t.Errorf("data-total = %q, want the seed's numbers", total)
	}
	shot(t, ctx, "overview")
}

// TestWasmIsServedCompressed checks what the browser received for app.wasm:
// gzip on the wire (the resource timing's encoded size is the compressed
// one), Content-Type application/wasm, and the uncompressed size go-app's
// progress bar was told (WasmContentLength).
func TestWasmIsServedCompressed(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	open(t, ctx, p.URL+"/")
	fi, err := os.Stat(wasmFile)
	if err != nil {
		t.Fatal(err)
	}
	type timing struct {
		Encoded int64 `json:"encoded"`
		Decoded int64 `json:"decoded"`
	}
	tm := eval[timing](t, ctx, `(() => {
		const e = performance.getEntriesByType("resource").find(e => new URL(e.name).pathname === "/web/app.wasm");
		return e ? {encoded: e.encodedBodySize, decoded: e.decodedBodySize} : {encoded: -1, decoded: -1};
	})()`)
	if tm.Decoded != fi.Size() {
		t.Errorf("the page decoded %d bytes of app.wasm, the file has %d", tm.Decoded, fi.Size())
	}
	if tm.Encoded <= 0 || tm.Encoded > tm.Decoded*2/5 {
		t.Errorf("app.wasm came with %d bytes on the wire for %d decoded; want gzip (< 40 %%)", tm.Encoded, tm.Decoded)
	}
	t.Logf("app.wasm: %d bytes on the wire, %d decoded (%.1f %%)", tm.Encoded, tm.Decoded, 100*float64(tm.Encoded)/float64(tm.Decoded))

	type headers struct {
		Type     string `json:"type"`
		Encoding string `json:"encoding"`
		Vary     string `json:"vary"`
		Length   int64  `json:"length"`
	}
	h := eval[headers](t, ctx, `fetch("/web/app.wasm", {cache: "no-store"}).then(async r => ({
		type: r.headers.get("content-type") || "", encoding: r.headers.get("content-encoding") || "",
		vary: r.headers.get("vary") || "", length: (await r.arrayBuffer()).byteLength}))`)
	if h.Type != "application/wasm" || h.Encoding != "gzip" || h.Vary != "Accept-Encoding" || h.Length != fi.Size() {
		t.Errorf("fetch /web/app.wasm: %+v; want application/wasm, gzip, Vary Accept-Encoding, %d bytes", h, fi.Size())
	}
	if js := eval[string](t, ctx, `fetch("/app.js").then(r => r.text())`); !strings.Contains(js, fmt.Sprintf(`goappWasmContentLength = "%d"`, fi.Size())) {
		t.Errorf("app.js does not tell the uncompressed wasm size %d", fi.Size())
	}
}

// precached lists what the service worker must hold for offline use: every
// route and go-app's own files (the static files are checked by the server's
// unit tests).
func precached() []string {
	return append([]string{"/app.js", "/app.css", "/wasm_exec.js", "/manifest.webmanifest", "/web/app.wasm", "/web/portal.css"}, wasm.Paths()...)
}

// waitOffline waits until the service worker is activated, controls the page
// and has every precached resource in its cache. (go-app's install handler
// does not hold the install open, so "activated" alone does not mean
// "cached".)
func waitOffline(t *testing.T, ctx context.Context) {
	t.Helper()
	poll(t, ctx, `navigator.serviceWorker.controller && navigator.serviceWorker.controller.state === "activated"`,
		"an activated service worker controlling the page")
	waitJS(t, ctx, `Promise.all(`+jsString(precached())+`.map(u => caches.match(u))).then(rs => rs.every(r => !!r))`,
		"every route and go-app file in the service worker's cache")
}

// TestOfflineReload stops the server and reloads: the service worker serves
// the app, also on a deep link.
func TestOfflineReload(t *testing.T) {
	p := startPortal(t)
	// Offline, the browser's update check of app-worker.js fails; go-app
	// logs it.
	ctx := newTab(t, allowException("Failed to fetch"), allowException("ERR_CONNECTION_REFUSED"))
	open(t, ctx, p.URL+"/?demo=reset")
	poll(t, ctx, `document.querySelector(`+jsString(overviewReady)+`)`, "the overview table with data")
	total := attr(t, ctx, overviewReady, "data-total")
	waitOffline(t, ctx)

	p.Close()
	if _, err := httpGet(p.URL + "/"); err == nil {
		t.Fatal("the server still answers after Close")
	}
	start := time.Now()
	reload(t, ctx)
	poll(t, ctx, `document.querySelector(`+jsString(overviewReady)+`)`, "the overview offline")
	if got := attr(t, ctx, overviewReady, "data-total"); got != total {
		t.Errorf("offline data-total = %q, want %q (the state persisted in localStorage)", got, total)
	}
	t.Logf("offline reload: %v", time.Since(start).Round(time.Millisecond))

	for _, path := range wasm.Paths() {
		if path == "/" {
			continue
		}
		open(t, ctx, p.URL+path)
		if got := eval[string](t, ctx, `location.pathname`); got != path {
			t.Errorf("offline deep link %s landed on %s", path, got)
		}
		if n := eval[int](t, ctx, `document.body.innerText.trim().length`); n == 0 {
			t.Errorf("offline deep link %s rendered nothing", path)
		}
	}
}

// TestUpdateBanner deploys a new build (another Version, so another
// app-worker.js) under a running client: the new worker installs, the app
// shows "Update verfügbar – neu laden", and its button reloads into the new
// build.
func TestUpdateBanner(t *testing.T) {
	p := startPortal(t, withVersion("build-A"))
	ctx := newTab(t)
	open(t, ctx, p.URL+"/")
	waitOffline(t, ctx)
	if exists(t, ctx, "#update-banner") && eval[bool](t, ctx, `document.querySelector("#update-banner").offsetParent !== null`) {
		t.Fatal("the update banner shows before any update")
	}

	p.deploy(withVersion("build-B"))
	waitJS(t, ctx, `navigator.serviceWorker.getRegistration().then(r => r.update()).then(() => true)`, "the update check")
	waitVisible(t, ctx, "#update-banner")
	if got := text(t, ctx, "#update-banner"); !strings.Contains(got, "Update verfügbar – neu laden") {
		t.Errorf("update banner text %q", got)
	}
	if v := eval[string](t, ctx, `goappGetenv("GOAPP_VERSION")`); v != "build-A" {
		t.Errorf("before the reload the page runs %q, want build-A", v)
	}
	shot(t, ctx, "update-banner")

	eval[bool](t, ctx, `window.__numberdeskBeforeReload = true`)
	click(t, ctx, "#update-reload")
	waitJS(t, ctx, `!window.__numberdeskBeforeReload && !document.getElementById("app-wasm-loader") && goappGetenv("GOAPP_VERSION") === "build-B"`,
		"the page reloaded into build-B")
	if exists(t, ctx, "#update-banner") && eval[bool](t, ctx, `document.querySelector("#update-banner").offsetParent !== null`) {
		t.Error("the update banner still shows after the reload")
	}
}

// TestTimeToInteractive1000 measures the time from navigation to an
// interactive overview of 1,000 numbers (the table rendered with
// data-total="1000"), cold (nothing cached) and warm (reload from the
// service worker). A MutationObserver installed before the page's own
// scripts notes the moment; times are performance.now(), i.e. from the
// navigation start. Reported, not asserted.
func TestTimeToInteractive1000(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	const observer = `(() => {
		const sel = '#numbers-table[data-total="1000"]';
		const mark = () => {
			if (window.__ndReady || !document.querySelector(sel)) return !!window.__ndReady;
			window.__ndReady = performance.now();
			return true;
		};
		if (mark()) return;
		const mo = new MutationObserver(() => { if (mark()) mo.disconnect(); });
		mo.observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-total"]});
	})()`
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: observer}); err != nil {
		t.Fatal(err)
	}
	type milestones struct {
		Ready      float64 `json:"ready"`
		WasmEnd    float64 `json:"wasmEnd"`
		DOMContent float64 `json:"domContent"`
	}
	url := p.URL + "/?demo-numbers=1000"
	measure := func(label string) milestones {
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			t.Fatalf("navigate %s: %v", url, err)
		}
		pollFor(t, ctx, `window.__ndReady`, `#numbers-table[data-total="1000"]`, slowPollTimeoutBase)
		m := eval[milestones](t, ctx, `(() => {
			const w = performance.getEntriesByType("resource").find(e => new URL(e.name).pathname === "/web/app.wasm");
			const n = performance.getEntriesByType("navigation")[0];
			return {ready: window.__ndReady, wasmEnd: w ? w.responseEnd : -1, domContent: n ? n.domContentLoadedEventEnd : -1};
		})()`)
		t.Logf("%s: interactive overview of 1,000 numbers %.0f ms after navigation start (DOMContentLoaded %.0f ms, app.wasm received %.0f ms)",
			label, m.Ready, m.DOMContent, m.WasmEnd)
		return m
	}
	cold := measure("cold")
	waitOffline(t, ctx)
	warm := measure("warm")
	shot(t, ctx, "overview-1000")
	writeReport(t, "time-to-interactive.txt", fmt.Sprintf(
		"Time from navigation to an interactive overview of 1,000 numbers\n"+
			"(#numbers-table[data-total=\"1000\"]), headless Chromium, portal on 127.0.0.1, %s, %s\n\n"+
			"cold (empty caches):             %6.0f ms  (DOMContentLoaded %.0f ms, app.wasm received %.0f ms)\n"+
			"warm (from the service worker):  %6.0f ms  (DOMContentLoaded %.0f ms, app.wasm received %.0f ms)\n",
		time.Now().UTC().Format(time.DateOnly), runtime.Version(),
		cold.Ready, cold.DOMContent, cold.WasmEnd, warm.Ready, warm.DOMContent, warm.WasmEnd))
}

// writeReport logs a report and, with NUMBERDESK_SCREENSHOTS=1 (make
// screenshots), writes it to docs/screenshots/<name> next to the images.
func writeReport(t *testing.T, name, body string) {
	t.Helper()
	t.Log("\n" + body)
	if !screenshotsWanted() {
		return
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

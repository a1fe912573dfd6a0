package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk/wasm"
)

// fakeWasm stands in for app.wasm: the handler never parses it.
var fakeWasm = bytes.Repeat([]byte("\x00asm\x01\x00\x00\x00 NumberDesk "), 4096)

// webDir writes a /web directory with the files the handler requires and
// the given wasm, and returns its path.
func webDir(t *testing.T, wasmBytes []byte) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"icon-192.png":      "png192",
		"icon-512.png":      "png512",
		"icon-maskable.png": "pngmask",
		"icon.svg":          "<svg/>",
		"portal.css":        "body{}",
		"app.wasm":          string(wasmBytes),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newHandler(t *testing.T, cfg Config) http.Handler {
	t.Helper()
	if cfg.Web == "" {
		cfg.Web = webDir(t, fakeWasm)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, method, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWasmIsServedGzipCompressed(t *testing.T) {
	h := newHandler(t, Config{Version: "v1"})
	for _, path := range []string{"/web/app.wasm", "/app.wasm"} {
		res := get(t, h, http.MethodGet, path, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, res.StatusCode)
		}
		want := map[string]string{
			"Content-Type":     "application/wasm",
			"Content-Encoding": "gzip",
			"Vary":             "Accept-Encoding",
			"Etag":             `"v1"`,
			"Cache-Control":    "no-cache",
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, v)
			}
		}
		gz := body(t, res)
		if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(gz)) {
			t.Errorf("GET %s: Content-Length %s, body %d bytes", path, got, len(gz))
		}
		if len(gz) >= len(fakeWasm)/2 {
			t.Errorf("GET %s: %d compressed bytes for %d raw; not compressed", path, len(gz), len(fakeWasm))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, fakeWasm) {
			t.Errorf("GET %s: the decompressed body is not the wasm", path)
		}
	}
}

func TestWasmIsServedUncompressedWithoutGzip(t *testing.T) {
	h := newHandler(t, Config{})
	for _, ae := range []string{"", "identity", "br", "gzip;q=0", "*;q=0", "gzip;q=0, *"} {
		res := get(t, h, http.MethodGet, "/web/app.wasm", map[string]string{"Accept-Encoding": ae})
		b := body(t, res)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" || !bytes.Equal(b, fakeWasm) {
			t.Errorf("Accept-Encoding %q: status %d, Content-Encoding %q, %d bytes; want the raw wasm",
				ae, res.StatusCode, res.Header.Get("Content-Encoding"), len(b))
		}
		if res.Header.Get("Content-Type") != "application/wasm" || res.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: headers %v", ae, res.Header)
		}
	}
	res := get(t, h, http.MethodHead, "/web/app.wasm", map[string]string{"Accept-Encoding": "gzip"})
	if b := body(t, res); res.StatusCode != http.StatusOK || len(b) != 0 || res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("HEAD: status %d, %d body bytes, headers %v", res.StatusCode, len(b), res.Header)
	}
	if res := get(t, h, http.MethodPost, "/web/app.wasm", nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", res.StatusCode)
	}
}

func TestAcceptsGzip(t *testing.T) {
	cases := map[string]bool{
		"":                    false,
		"gzip":                true,
		"GZIP":                true,
		"x-gzip":              true,
		"deflate, gzip;q=1.0": true,
		"gzip;q=0.001":        true,
		"gzip;q=0":            false,
		"gzip; q=0.0":         false,
		"*":                   true,
		"*;q=0":               false,
		"gzip;q=0, *":         false,
		"br, deflate":         false,
		"gzip;q=bogus":        false,
	}
	for in, want := range cases {
		if got := AcceptsGzip([]string{in}); got != want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", in, got, want)
		}
	}
	if !AcceptsGzip([]string{"br", "gzip"}) {
		t.Error("gzip in a second header line is not seen")
	}
}

func TestStaticFilesAnd404(t *testing.T) {
	h := newHandler(t, Config{})
	res := get(t, h, http.MethodGet, "/web/portal.css", nil)
	if b := body(t, res); res.StatusCode != http.StatusOK || string(b) != "body{}" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("portal.css: status %d, type %q, body %q", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	for _, path := range []string{"/web/missing.png", "/web/", "/web/sub/", "/web/sub", "/web/../go.mod", "/kein-solcher-pfad"} {
		if res := get(t, h, http.MethodGet, path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, res.StatusCode)
		}
	}
}

func TestPagesAndManifest(t *testing.T) {
	h := newHandler(t, Config{Version: "v1"})
	for _, path := range wasm.Paths() {
		res := get(t, h, http.MethodGet, path, nil)
		b := string(body(t, res))
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", path, res.StatusCode)
			continue
		}
		// The pages set their own titles; each names the product.
		if !regexp.MustCompile(`<title>[^<]*NumberDesk[^<]*</title>`).MatchString(b) {
			t.Errorf("GET %s: the title does not name NumberDesk", path)
		}
		for _, want := range []string{`<html lang="de"`, `href="/web/portal.css"`, `href="/web/icon.svg"`, `href="/manifest.webmanifest"`} {
			if !strings.Contains(b, want) {
				t.Errorf("GET %s: the page lacks %q", path, want)
			}
		}
	}
	res := get(t, h, http.MethodGet, "/manifest.webmanifest", nil)
	m := string(body(t, res))
	for _, want := range []string{`"name": "NumberDesk Rufnummernverwaltung"`, "/web/icon-maskable.png", "/web/icon.svg", "/web/icon-512.png"} {
		if !strings.Contains(strings.ReplaceAll(m, `":"`, `": "`), want) {
			t.Errorf("manifest lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "githubusercontent") {
		t.Errorf("manifest refers to remote icons:\n%s", m)
	}
	js := string(body(t, get(t, h, http.MethodGet, "/app.js", nil)))
	if !strings.Contains(js, strconv.Itoa(len(fakeWasm))) {
		t.Errorf("app.js does not carry the uncompressed wasm length %d (WasmContentLength)", len(fakeWasm))
	}
}

func TestAppWorkerCachesEveryRouteAndStaticFile(t *testing.T) {
	h := newHandler(t, Config{Version: "build-42"})
	res := get(t, h, http.MethodGet, "/app-worker.js", nil)
	js := string(body(t, res))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if !strings.Contains(js, `"build-42"`) && !strings.Contains(js, "app-build-42") {
		t.Errorf("app-worker.js does not carry the Version:\n%s", js)
	}
	want := append([]string{"/web/app.wasm", "/web/icon-192.png", "/web/icon-512.png", "/web/icon-maskable.png", "/web/icon.svg", "/web/portal.css"}, wasm.Paths()...)
	for _, w := range want {
		if !strings.Contains(js, `"`+w+`"`) {
			t.Errorf("app-worker.js does not precache %s", w)
		}
	}
	if strings.Contains(js, "http") {
		t.Errorf("app-worker.js precaches a remote resource:\n%s", js)
	}
}

func TestVersionIsPerBuild(t *testing.T) {
	dir := webDir(t, fakeWasm)
	version := func(cfg Config) string {
		t.Helper()
		js := string(body(t, get(t, newHandler(t, cfg), http.MethodGet, "/app.js", nil)))
		i := strings.Index(js, `"GOAPP_VERSION":"`)
		if i < 0 {
			t.Fatalf("app.js without GOAPP_VERSION:\n%s", js)
		}
		rest := js[i+len(`"GOAPP_VERSION":"`):]
		return rest[:strings.IndexByte(rest, '"')]
	}
	v1 := version(Config{Web: dir})
	if v2 := version(Config{Web: dir}); v1 != v2 || v1 == "" {
		t.Errorf("a restart of the same build changed the Version: %q, %q", v1, v2)
	}
	other := filepath.Join(t.TempDir(), "other.wasm")
	if err := os.WriteFile(other, append(fakeWasm, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if v3 := version(Config{Web: dir, Wasm: other}); v3 == v1 {
		t.Errorf("another wasm kept the Version %q", v3)
	}
	if err := os.WriteFile(filepath.Join(dir, "portal.css"), []byte("body{color:red}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if v4 := version(Config{Web: dir}); v4 == v1 {
		t.Errorf("another stylesheet kept the Version %q", v4)
	}
	if v := version(Config{Web: dir, Version: "fixed"}); v != "fixed" {
		t.Errorf("Config.Version ignored: %q", v)
	}
}

// go-app answers 304 when If-None-Match equals the Version; an old Version
// must get the new files.
func TestETagIsTheVersion(t *testing.T) {
	h := newHandler(t, Config{Version: "v2"})
	if res := get(t, h, http.MethodGet, "/web/app.wasm", map[string]string{"If-None-Match": `"v2"`}); res.StatusCode != http.StatusNotModified {
		t.Errorf("same Version: status %d, want 304", res.StatusCode)
	}
	if res := get(t, h, http.MethodGet, "/web/app.wasm", map[string]string{"If-None-Match": `"v1"`}); res.StatusCode != http.StatusOK {
		t.Errorf("old Version: status %d, want 200", res.StatusCode)
	}
}

func TestNewRefusesAnIncompleteWebDir(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no Web dir: no error")
	}
	dir := webDir(t, fakeWasm)
	if _, err := New(Config{Web: dir, Wasm: filepath.Join(dir, "nope.wasm")}); err == nil || !strings.Contains(err.Error(), "wasm") {
		t.Errorf("missing wasm: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "icon-512.png")); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Web: dir}); err == nil || !strings.Contains(err.Error(), "icon-512.png") {
		t.Errorf("missing icon: %v", err)
	}
}

func TestServiceWorkerRepairs(t *testing.T) {
	h := newHandler(t, Config{Version: "v1"})
	js := string(body(t, get(t, h, http.MethodGet, "/app-worker.js", nil)))
	for _, want := range []string{
		`event.waitUntil(installWorker().then(() => self.skipWaiting()))`,
		`ignoreSearch: request.mode === "navigate"`,
		`const cacheName = "app-" + "v1";`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("app-worker.js lacks %q", want)
		}
	}
	if strings.Contains(js, `self.addEventListener("install", async`) {
		t.Error("app-worker.js still has go-app's install handler")
	}
}

package server

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk/wasm"
)

// wantCSP is the policy the handler must send, spelled out here so that a
// change of the constant is a change of this test too.
const wantCSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; " +
	"manifest-src 'self'; connect-src 'self'; worker-src 'self'; base-uri 'none'; object-src 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

// wantHeaders are the security headers of every response.
var wantHeaders = map[string]string{
	"Content-Security-Policy":      wantCSP,
	"X-Frame-Options":              "DENY",
	"X-Content-Type-Options":       "nosniff",
	"Referrer-Policy":              "no-referrer",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
}

// checkSecurityHeaders fails unless res carries every security header with
// exactly its value, once.
func checkSecurityHeaders(t *testing.T, what string, res *http.Response) {
	t.Helper()
	for k, v := range wantHeaders {
		if got := res.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s (status %d): %s = %q, want %q", what, res.StatusCode, k, got, v)
		}
	}
}

// directives parses a policy into its directives and their sources.
func directives(policy string) map[string][]string {
	out := map[string][]string{}
	for d := range strings.SplitSeq(policy, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// The policy: self and 'wasm-unsafe-eval' for scripts, no framing, no
// <base>, no plugins, and nothing that would let injected code run.
func TestContentSecurityPolicyDirectives(t *testing.T) {
	if ContentSecurityPolicy != wantCSP {
		t.Errorf("ContentSecurityPolicy = %q, want %q", ContentSecurityPolicy, wantCSP)
	}
	d := directives(ContentSecurityPolicy)
	for name, want := range map[string][]string{
		"default-src":     {"'none'"},
		"script-src":      {"'self'", "'wasm-unsafe-eval'"},
		"style-src":       {"'self'"},
		"frame-ancestors": {"'none'"},
		"base-uri":        {"'none'"},
		"object-src":      {"'none'"},
		"form-action":     {"'none'"},
	} {
		if !slices.Equal(d[name], want) {
			t.Errorf("%s %q, want %q", name, d[name], want)
		}
	}
	for name, sources := range d {
		for _, s := range sources {
			if s == "'unsafe-inline'" || s == "'unsafe-eval'" || s == "*" || strings.HasSuffix(s, ":") {
				t.Errorf("%s allows %s", name, s)
			}
		}
	}
	got := SecurityHeaders()
	if len(got) != len(wantHeaders) {
		t.Errorf("SecurityHeaders() = %v, want %v", got, wantHeaders)
	}
	for k, v := range wantHeaders {
		if got[k] != v {
			t.Errorf("SecurityHeaders()[%s] = %q, want %q", k, got[k], v)
		}
	}
}

// request is one request of a table test.
type request struct {
	method, path string
	header       map[string]string
	body         string
	status       int
}

func (r request) String() string {
	s := r.method + " " + r.path
	for _, k := range slices.Sorted(maps.Keys(r.header)) {
		s += fmt.Sprintf(" [%s: %s]", k, r.header[k])
	}
	if r.body != "" {
		s += fmt.Sprintf(" with a %d-byte body", len(r.body))
	}
	return s
}

func (r request) serve(h http.Handler) *http.Response {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// Every response path carries the security headers: the pages, go-app's
// files, the static files, app.wasm (both names, gzip or not), HEAD, 304,
// 404, 405, 413 and a refused dotfile.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	dir := webDir(t, fakeWasm)
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("SECRET=1"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, Config{Web: dir, Version: "v1"})
	var reqs []request
	for _, p := range wasm.Paths() {
		reqs = append(reqs, request{method: "GET", path: p, status: 200}, request{method: "HEAD", path: p, status: 200})
	}
	for _, p := range []string{"/app.js", "/app-worker.js", "/wasm_exec.js", "/app.css", "/manifest.webmanifest",
		"/web/portal.css", "/web/icon.svg", "/web/icon-192.png", "/web/app.wasm", "/app.wasm"} {
		reqs = append(reqs, request{method: "GET", path: p, status: 200}, request{method: "HEAD", path: p, status: 200})
	}
	reqs = append(reqs,
		request{method: "GET", path: "/web/app.wasm", header: map[string]string{"Accept-Encoding": "gzip"}, status: 200},
		request{method: "GET", path: "/", header: map[string]string{"If-None-Match": `"v1"`}, status: 304},
		request{method: "GET", path: "/web/portal.css", header: map[string]string{"If-None-Match": `"v1"`}, status: 304},
		request{method: "GET", path: "/kein-solcher-pfad", status: 404},
		request{method: "GET", path: "/web/missing.png", status: 404},
		request{method: "GET", path: "/web/sub/", status: 404},
		request{method: "GET", path: "/web/.env", status: 404},
		request{method: "POST", path: "/", status: 405},
		request{method: "DELETE", path: "/web/portal.css", status: 405},
		request{method: "GET", path: "/", body: "abc", status: 413},
	)
	for _, r := range reqs {
		res := r.serve(h)
		if res.StatusCode != r.status {
			t.Errorf("%s: status %d, want %d", r, res.StatusCode, r.status)
		}
		checkSecurityHeaders(t, r.String(), res)
	}
}

// Every path is static: any method but GET and HEAD is a 405 with
// Allow: GET, HEAD, and nothing of the resource in the body.
func TestMethodsOtherThanGetAndHeadAre405(t *testing.T) {
	h := newHandler(t, Config{Version: "v1"})
	paths := []string{"/", "/mitarbeiter", "/app.js", "/app-worker.js", "/manifest.webmanifest",
		"/web/portal.css", "/web/app.wasm", "/app.wasm", "/web/missing.png", "/kein-solcher-pfad"}
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"} {
		for _, p := range paths {
			r := request{method: method, path: p}
			if method == "POST" || method == "PUT" || method == "PATCH" {
				r.body = `{"x":1}`
			}
			res := r.serve(h)
			b := body(t, res)
			if res.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s: status %d, want 405", r, res.StatusCode)
			}
			if got := res.Header.Values("Allow"); !slices.Equal(got, []string{"GET, HEAD"}) {
				t.Errorf("%s: Allow %q, want GET, HEAD", r, got)
			}
			if strings.Contains(string(b), "body{}") || strings.Contains(string(b), "<html") || strings.Contains(string(b), "asm") {
				t.Errorf("%s: the body serves the resource: %.80q", r, b)
			}
		}
	}
	// GET and HEAD stay allowed.
	for _, method := range []string{"GET", "HEAD"} {
		if res := (request{method: method, path: "/web/portal.css"}).serve(h); res.StatusCode != http.StatusOK {
			t.Errorf("%s /web/portal.css: status %d", method, res.StatusCode)
		}
	}
}

// A static path takes no request body: a declared one (Content-Length or
// chunked) is refused with 413 before anything reads it.
func TestRequestBodiesAreRefused(t *testing.T) {
	h := newHandler(t, Config{})
	for _, r := range []request{
		{method: "GET", path: "/", body: "x"},
		{method: "GET", path: "/web/portal.css", body: strings.Repeat("x", 1<<20)},
		{method: "HEAD", path: "/app.js", body: "x"},
	} {
		if res := r.serve(h); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: status %d, want 413", r, res.StatusCode)
		}
	}
	// Chunked: the length is unknown (-1).
	req := httptest.NewRequest("GET", "/web/portal.css", strings.NewReader("x"))
	req.ContentLength = -1
	req.TransferEncoding = []string{"chunked"}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("GET with a chunked body: status %d, want 413", rec.Code)
	}
	// An empty body is no body.
	if res := (request{method: "GET", path: "/web/portal.css", header: map[string]string{"Content-Length": "0"}}).serve(h); res.StatusCode != http.StatusOK {
		t.Errorf("GET with Content-Length: 0: status %d, want 200", res.StatusCode)
	}
}

// Hidden files and directories (a name starting with ".") are neither
// served nor precached, whatever the spelling of the path.
func TestDotfilesAreNotServed(t *testing.T) {
	dir := webDir(t, fakeWasm)
	for name, content := range map[string]string{
		".env":            "SECRET=env",
		".git/config":     "SECRET=git",
		"sub/.htpasswd":   "SECRET=htpasswd",
		".well-known/x":   "SECRET=wellknown",
		"sub/visible.txt": "visible",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newHandler(t, Config{Web: dir, Version: "v1"})
	for _, p := range []string{"/web/.env", "/web/.git/config", "/web/sub/.htpasswd", "/web/.well-known/x",
		"/web/%2eenv", "/web/sub/%2Ehtpasswd", "/.env", "/.git/config", "/web/./portal.css", "/web/sub/../.env"} {
		res := (request{method: "GET", path: p}).serve(h)
		b := body(t, res)
		if res.StatusCode != http.StatusNotFound || strings.Contains(string(b), "SECRET") {
			t.Errorf("GET %s: status %d, body %.60q; want 404", p, res.StatusCode, b)
		}
	}
	if res := (request{method: "GET", path: "/web/sub/visible.txt"}).serve(h); res.StatusCode != http.StatusOK {
		t.Errorf("GET /web/sub/visible.txt: status %d, want 200", res.StatusCode)
	}
	worker := string(body(t, (request{method: "GET", path: "/app-worker.js"}).serve(h)))
	if strings.Contains(worker, "/web/.") || strings.Contains(worker, "htpasswd") {
		t.Errorf("app-worker.js precaches a hidden file:\n%s", worker)
	}
	if !strings.Contains(worker, `"/web/sub/visible.txt"`) {
		t.Errorf("app-worker.js does not precache /web/sub/visible.txt")
	}
}

// outsideDir makes a directory next to the web directory with a secret
// file, and returns its path.
func outsideDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("SECRET=outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
}

// A symbolic link that leads out of the web directory is never followed: a
// link that appears under the running server is a 404, and New refuses a
// directory that holds one (the service worker would precache it).
func TestSymlinksOutOfTheWebDirAreNotFollowed(t *testing.T) {
	outside := outsideDir(t)
	dir := webDir(t, fakeWasm)
	h := newHandler(t, Config{Web: dir, Version: "v1"})
	rel, err := filepath.Rel(dir, outside)
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"leak.txt":     filepath.Join(rel, "secret.txt"),     // relative, out
		"abs.txt":      filepath.Join(outside, "secret.txt"), // absolute
		"leakdir":      rel,                                  // a directory out
		"sub/up.txt":   filepath.Join("..", rel, "secret.txt"),
		"dangling.txt": "nowhere.txt",
	}
	for name, target := range links {
		symlink(t, target, filepath.Join(dir, filepath.FromSlash(name)))
	}
	for _, p := range []string{"/web/leak.txt", "/web/abs.txt", "/web/leakdir/secret.txt", "/web/sub/up.txt", "/web/dangling.txt"} {
		res := (request{method: "GET", path: p}).serve(h)
		b := body(t, res)
		if res.StatusCode != http.StatusNotFound || strings.Contains(string(b), "SECRET") {
			t.Errorf("GET %s: status %d, body %.60q; want 404", p, res.StatusCode, b)
		}
		checkSecurityHeaders(t, "GET "+p, res)
	}

	for name, target := range links {
		d := webDir(t, fakeWasm)
		symlink(t, target, filepath.Join(d, filepath.FromSlash(name)))
		if name == "leakdir" {
			// A link to a directory is not walked, so New cannot see
			// where it leads; its files are refused when requested
			// (above).
			continue
		}
		if _, err := New(Config{Web: d}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("New with %s -> %s: %v, want an error about the symbolic link", name, target, err)
		}
	}
}

// A relative symbolic link that stays inside the web directory is served
// like its target (and precached); os.Root resolves it without leaving the
// directory. An absolute one is refused, also when it names a file inside.
func TestSymlinksInsideTheWebDirAreServed(t *testing.T) {
	dir := webDir(t, fakeWasm)
	if err := os.WriteFile(filepath.Join(dir, "sub", "inner.txt"), []byte("inner"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, "portal.css", filepath.Join(dir, "alias.css"))
	symlink(t, "sub", filepath.Join(dir, "linkdir"))
	symlink(t, filepath.Join("..", "portal.css"), filepath.Join(dir, "sub", "up.css"))
	h := newHandler(t, Config{Web: dir, Version: "v1"})
	for p, want := range map[string]string{
		"/web/alias.css":         "body{}",
		"/web/sub/up.css":        "body{}",
		"/web/linkdir/inner.txt": "inner",
	} {
		res := (request{method: "GET", path: p}).serve(h)
		if b := body(t, res); res.StatusCode != http.StatusOK || string(b) != want {
			t.Errorf("GET %s: status %d, body %q; want 200 %q", p, res.StatusCode, b, want)
		}
	}
	worker := string(body(t, (request{method: "GET", path: "/app-worker.js"}).serve(h)))
	for _, want := range []string{`"/web/alias.css"`, `"/web/sub/up.css"`} {
		if !strings.Contains(worker, want) {
			t.Errorf("app-worker.js does not precache %s", want)
		}
	}
	// An absolute link is refused even when it names a file inside
	// (os.Root follows relative links only).
	symlink(t, filepath.Join(dir, "portal.css"), filepath.Join(dir, "abs.css"))
	if res := (request{method: "GET", path: "/web/abs.css"}).serve(h); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /web/abs.css (absolute link inside): status %d, want 404", res.StatusCode)
	}
	if _, err := New(Config{Web: dir}); err == nil || !strings.Contains(err.Error(), "abs.css") {
		t.Errorf("New with an absolute link inside: %v, want an error naming abs.css", err)
	}
}

// The pages need nothing the policy forbids: no inline script, no <style>
// element, no style attribute, no event-handler attribute, no javascript:
// URL, and every script and stylesheet comes from the portal's own origin.
// (go-app v10.1.3 prerenders none of these; an upgrade that starts to would
// fail here before it fails in the browser.)
func TestPagesNeedNoInlineCode(t *testing.T) {
	h := newHandler(t, Config{Version: "v1"})
	script := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	forbidden := map[string]*regexp.Regexp{
		"a <style> element":          regexp.MustCompile(`(?i)<style\b`),
		"a style attribute":          regexp.MustCompile(`(?i)<[a-z][^>]*\sstyle\s*=`),
		"an event-handler attribute": regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`),
		"a javascript: URL":          regexp.MustCompile(`(?i)javascript:`),
		"a <base> element":           regexp.MustCompile(`(?i)<base\b`),
	}
	srcs := regexp.MustCompile(`(?i)<(?:script|link|img)\b[^>]*\s(?:src|href)="([^"]*)"`)
	for _, p := range wasm.Paths() {
		page := string(body(t, (request{method: "GET", path: p}).serve(h)))
		scripts := script.FindAllStringSubmatch(page, -1)
		if len(scripts) == 0 {
			t.Errorf("GET %s: no <script> at all; the test no longer sees the page", p)
		}
		for _, m := range scripts {
			if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
				t.Errorf("GET %s: an inline script: %.120q", p, m[0])
			}
		}
		for what, re := range forbidden {
			if loc := re.FindStringIndex(page); loc != nil {
				t.Errorf("GET %s: %s: %.120q", p, what, page[loc[0]:])
			}
		}
		for _, m := range srcs.FindAllStringSubmatch(page, -1) {
			if u := m[1]; !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
				t.Errorf("GET %s: %q is not a path on the portal's origin", p, u)
			}
		}
	}
}

// The http.Server of NewHTTPServer has every timeout and a header limit.
func TestNewHTTPServerLimits(t *testing.T) {
	h := http.NotFoundHandler()
	srv := NewHTTPServer(h)
	if srv.Handler == nil {
		t.Error("no handler")
	}
	for name, got := range map[string]int64{
		"ReadHeaderTimeout": int64(srv.ReadHeaderTimeout),
		"ReadTimeout":       int64(srv.ReadTimeout),
		"WriteTimeout":      int64(srv.WriteTimeout),
		"IdleTimeout":       int64(srv.IdleTimeout),
		"MaxHeaderBytes":    int64(srv.MaxHeaderBytes),
	} {
		if got <= 0 {
			t.Errorf("%s is not set", name)
		}
	}
	if srv.ReadHeaderTimeout > srv.ReadTimeout {
		t.Errorf("ReadHeaderTimeout %v > ReadTimeout %v", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
	if srv.MaxHeaderBytes >= http.DefaultMaxHeaderBytes {
		t.Errorf("MaxHeaderBytes %d is not below the default %d", srv.MaxHeaderBytes, http.DefaultMaxHeaderBytes)
	}
}

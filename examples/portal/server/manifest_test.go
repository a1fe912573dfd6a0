package server

import (
	"encoding/json"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk/wasm"
)

// writeJPEG writes a w×h JPEG to dir/name.
func writeJPEG(t *testing.T, dir, name string, w, h int) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, image.NewRGBA(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
}

// The served manifest is complete: id, lang, start_url, every icon with a
// purpose, and the screenshots found in Config.Web with their real sizes
// and form factors; at both of go-app's manifest paths, with go-app's
// ETag, Cache-Control and 304.
func TestManifestIsComplete(t *testing.T) {
	dir := webDir(t, fakeWasm)
	writeJPEG(t, dir, "screenshot-wide.jpg", 64, 40)
	writeJPEG(t, dir, "screenshot-narrow.jpg", 36, 74)
	h := newHandler(t, Config{Web: dir, Version: "v1"})
	for _, path := range manifestPaths {
		res := get(t, h, http.MethodGet, path, nil)
		b := body(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/manifest+json" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		if res.Header.Get("ETag") != `"v1"` || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: ETag %q, Cache-Control %q; want go-app's", path, res.Header.Get("ETag"), res.Header.Get("Cache-Control"))
		}
		if cl := res.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(b)) {
			t.Errorf("GET %s: Content-Length %s for %d bytes", path, cl, len(b))
		}
		var m webManifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, b)
		}
		if m.ID != "/" || m.Lang != "de" || m.StartURL != "/" || m.Scope != "/" || m.Name == "" || m.ShortName == "" || m.Display != "standalone" {
			t.Errorf("GET %s: %+v", path, m)
		}
		if len(m.Icons) != 4 {
			t.Errorf("GET %s: %d icons, want 4", path, len(m.Icons))
		}
		for _, ic := range m.Icons {
			if ic.Purpose == "" || ic.Src == "" || ic.Sizes == "" || !strings.HasPrefix(ic.Src, "/web/") {
				t.Errorf("GET %s: icon %+v lacks a purpose, a size or a local source", path, ic)
			}
		}
		want := map[string]manifestImage{
			"/web/screenshot-wide.jpg":   {Src: "/web/screenshot-wide.jpg", Type: "image/jpeg", Sizes: "64x40", FormFactor: "wide"},
			"/web/screenshot-narrow.jpg": {Src: "/web/screenshot-narrow.jpg", Type: "image/jpeg", Sizes: "36x74", FormFactor: "narrow"},
		}
		if len(m.Screenshots) != len(want) {
			t.Errorf("GET %s: screenshots %+v", path, m.Screenshots)
		}
		for _, s := range m.Screenshots {
			w := want[s.Src]
			if s.Label == "" || s.Type != w.Type || s.Sizes != w.Sizes || s.FormFactor != w.FormFactor {
				t.Errorf("GET %s: screenshot %+v, want %+v with a label", path, s, w)
			}
		}
	}
	if res := get(t, h, http.MethodGet, "/manifest.webmanifest", map[string]string{"If-None-Match": `"v1"`}); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", res.StatusCode)
	}
	if res := get(t, h, http.MethodHead, "/manifest.webmanifest", nil); res.StatusCode != http.StatusOK {
		t.Errorf("HEAD: status %d", res.StatusCode)
	}
}

// Without screenshot files the manifest has an empty list (not a missing
// file), and a screenshot that is not an image is refused at start.
func TestManifestScreenshotsOptional(t *testing.T) {
	h := newHandler(t, Config{Version: "v1"})
	var m webManifest
	if err := json.Unmarshal(body(t, get(t, h, http.MethodGet, "/manifest.webmanifest", nil)), &m); err != nil {
		t.Fatal(err)
	}
	if m.Screenshots == nil || len(m.Screenshots) != 0 {
		t.Errorf("screenshots %+v, want []", m.Screenshots)
	}
	dir := webDir(t, fakeWasm)
	if err := os.WriteFile(filepath.Join(dir, "screenshot-wide.jpg"), []byte("kein Bild"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Web: dir}); err == nil || !strings.Contains(err.Error(), "screenshot-wide.jpg") {
		t.Errorf("New with a broken screenshot: %v", err)
	}
}

// The pages carry no og:image or og:url without a host ("https://"): the
// server knows no public origin, so it leaves them out; the rest of the
// head (title, manifest link, og:title) stays and Content-Length matches.
func TestPagesHaveNoBrokenOpenGraphURLs(t *testing.T) {
	h := newHandler(t, Config{Version: "v1"})
	for _, path := range append(wasm.Paths(), "/kein-solcher-pfad") {
		res := get(t, h, http.MethodGet, path, nil)
		b := string(body(t, res))
		if strings.Contains(b, `content="https://"`) || strings.Contains(b, `content="https:///`) {
			t.Errorf("GET %s: a meta tag with the URL https:// is left", path)
		}
		if strings.Contains(b, `"og:image"`) || strings.Contains(b, `"og:url"`) {
			t.Errorf("GET %s: og:image or og:url without a public origin", path)
		}
		if res.StatusCode != http.StatusOK {
			continue
		}
		for _, want := range []string{`href="/manifest.webmanifest"`, `property="og:title"`, "<title>"} {
			if !strings.Contains(b, want) {
				t.Errorf("GET %s: the page lacks %s", path, want)
			}
		}
		if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(b)) {
			t.Errorf("GET %s: Content-Length %s for %d bytes", path, cl, len(b))
		}
	}
	// A tag that names a host stays, in either attribute order; other
	// meta tags stay.
	page := `<meta property="og:image" content="https://portal.example/web/icon-512.png"><meta content="https://" property="og:url">` +
		`<meta content="https:///mitarbeiter" property="og:url"> <meta name="twitter:image" content="/web/x.png"><meta property="og:type" content="website">`
	want := `<meta property="og:image" content="https://portal.example/web/icon-512.png"><meta property="og:type" content="website">`
	if got := string(dropBrokenOG([]byte(page))); got != want {
		t.Errorf("dropBrokenOG = %q, want %q", got, want)
	}
}

// Only pages are held back for the og rewrite: app.js, the wasm at its
// alias /app.wasm and other responses pass through as they are written.
func TestWithManifestStreamsWhatIsNoPage(t *testing.T) {
	for _, c := range []struct {
		path, contentType string
		held              bool
	}{
		{"/app.wasm", "application/wasm", false},
		{"/app.js", "application/javascript", false},
		{"/mitarbeiter", "text/html", true},
		{"/manifest.webmanifest", "application/manifest+json", true},
	} {
		rec := httptest.NewRecorder()
		var seen int
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", c.contentType)
			w.Write([]byte("abc"))
			seen = rec.Body.Len()
		})
		withManifest(next, []byte(`{}`)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		if held := seen == 0; held != c.held {
			t.Errorf("%s: held back %v, want %v", c.path, held, c.held)
		}
	}
}

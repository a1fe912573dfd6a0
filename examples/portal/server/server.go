// Package server is the HTTP side of the NumberDesk portal: a go-app
// app.Handler configured as an installable, offline-capable PWA (German
// names, local icons, every route cacheable, one Version per build) whose
// static files come from a directory and whose app.wasm is sent
// gzip-compressed.
//
// [New] is the PWA alone (browser-only mode): the SDK's rules run in the
// browser on the in-memory store, persisted in localStorage. [NewApp] is
// server mode around it: the HTTP API (package httpapi) on a SQLite or
// PostgreSQL database, cookie sessions with a login page (which lists the
// demo accounts in demo mode), the background work (package background)
// and, in demo mode, a mail sink that shows the mails at /mails. The
// client-only wasm is built separately (see examples/portal and the
// Makefile) and named in [Config.Wasm].
//
// The handler is safe by default: every response carries the headers of
// [SecurityHeaders] (a Content-Security-Policy that allows the page exactly
// what it loads, no framing, nosniff, no referrer, an own browsing context
// group); every path accepts GET and HEAD only (405 otherwise) and no
// request body (413); no path segment may start with "." (404); and the
// files of Config.Web are opened through an [os.Root], so a symbolic link
// that leads out of the directory is never followed. [NewHTTPServer] adds
// the timeouts and the header limit of the http.Server.
package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/brand"
	"github.com/numberdesk/numberdesk/wasm"
)

// The static files the handler refers to by name. They live in Config.Web.
const (
	IconDefault  = "/web/icon-192.png"
	IconLarge    = "/web/icon-512.png"
	IconMaskable = "/web/icon-maskable.png"
	IconSVG      = "/web/icon.svg"
	Stylesheet   = "/web/portal.css"
	wasmPath     = "/web/app.wasm"
)

// Config configures the portal handler.
type Config struct {
	// Web is the directory served at /web/: icons and portal.css. It must
	// contain the icons named by IconDefault, IconLarge, IconMaskable and
	// IconSVG and the stylesheet Stylesheet, because the service worker
	// precaches them and an install with a missing file leaves its cache
	// empty (no offline use).
	Web string

	// Wasm is the path of the client-only app.wasm. Empty means
	// Web/app.wasm.
	Wasm string

	// Version identifies the build for the service worker: a changed Version
	// makes installed clients fetch everything again and show the update
	// banner. Empty means a hash of app.wasm and every file in Web, so each
	// build that changes something gets a new Version and a restart of the
	// same build does not.
	Version string

	// Env is passed to the PWA (app.Getenv), e.g. wasm.EnvAPI in server
	// mode. It is part of the default Version: the page script that
	// carries it is cached by the service worker, so another Env must
	// reach installed clients as an update.
	Env map[string]string

	// Brand is the vendor's white label (package brand): the names, logo,
	// colours, hotline, help and legal links and the consent wording the
	// PWA shows. nil is brand.Default(), NumberDesk's own look. New refuses
	// a brand that does not validate (brand.Validate: e.g. colours below
	// the contrast of WCAG 2.2 AA). The handler serves its colours at
	// brand.CSSPath and its logo at brand.LogoPath, and passes the rest to
	// the PWA (wasm.EnvBrand); all of it is part of the default Version.
	Brand *brand.Brand
}

// New returns the portal's http.Handler. It reads and compresses app.wasm
// once; later changes to the files in Config.Web other than app.wasm are
// served as they are, but only a new handler computes a new Version.
//
// Files are served from Config.Web through an [os.Root]: a symbolic link
// is followed only when it is relative and stays inside the directory (a
// link to another file of the directory is served like that file); one that
// leads out of it, or is absolute, is a 404, and New refuses a directory
// that holds one (the service worker would try to precache it). Hidden
// files (a name starting with ".") are neither listed nor served.
func New(cfg Config) (http.Handler, error) {
	if cfg.Web == "" {
		return nil, errors.New("server: Config.Web is empty")
	}
	if cfg.Wasm == "" {
		cfg.Wasm = filepath.Join(cfg.Web, "app.wasm")
	}
	raw, err := os.ReadFile(cfg.Wasm)
	if err != nil {
		return nil, fmt.Errorf("server: reading the client wasm (build it with `make wasm`): %w", err)
	}
	static, err := staticFiles(cfg.Web)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{IconDefault, IconLarge, IconMaskable, IconSVG, Stylesheet} {
		if !slices.Contains(static, p) {
			return nil, fmt.Errorf("server: %s is missing in %s; the service worker would cache nothing", strings.TrimPrefix(p, "/web/"), cfg.Web)
		}
	}
	b := cfg.Brand
	if b == nil {
		b = brand.Default()
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("server: the brand %q: %w", b.ID, err)
	}
	js, err := b.ForClient()
	if err != nil {
		return nil, fmt.Errorf("server: the brand %q: %w", b.ID, err)
	}
	// The pages this process prerenders show the brand as the PWA does
	// (one brand per process: the last handler built sets it).
	wasm.SetBrand(brand.FromClient(string(js)))
	if cfg.Brand != nil {
		cfg.Env = maps.Clone(cfg.Env)
		if cfg.Env == nil {
			cfg.Env = map[string]string{}
		}
		cfg.Env[wasm.EnvBrand] = string(js)
	}
	res := &resources{
		dir:      cfg.Web,
		wasm:     raw,
		gz:       compressed(raw),
		brandCSS: []byte(b.CSS()),
	}
	if b.Logo.SVG != "" {
		res.logo = []byte(b.Logo.SVG)
	}
	if cfg.Version == "" {
		cfg.Version, err = buildVersion(raw, cfg.Web, static, cfg.Env, res.brandCSS, res.logo)
		if err != nil {
			return nil, err
		}
	}

	worker, err := serviceWorker()
	if err != nil {
		return nil, err
	}
	wasm.Routes()
	cacheable := append([]string(nil), wasm.Paths()...)
	cacheable = append(cacheable, static...)
	cacheable = append(cacheable, brand.CSSPath)
	if res.logo != nil {
		cacheable = append(cacheable, brand.LogoPath)
	}

	h := &app.Handler{
		Name:            b.Name,
		ShortName:       b.ShortName,
		Title:           b.Product + " – Rufnummernverwaltung",
		Description:     b.Description,
		Lang:            "de",
		LoadingLabel:    b.Product + " wird geladen … {progress} %",
		BackgroundColor: b.Colors.Surface,
		ThemeColor:      b.Colors.Theme,
		Icon: app.Icon{
			Default:  IconDefault,
			Large:    IconLarge,
			Maskable: IconMaskable,
			SVG:      IconSVG,
		},
		// The brand's colours after the stylesheet's defaults.
		Styles:                []string{Stylesheet, brand.CSSPath},
		CacheableResources:    cacheable,
		Resources:             res,
		ServiceWorkerTemplate: worker,
		Env:                   maps.Clone(cfg.Env),
		Version:               cfg.Version,
		// app.wasm travels compressed; the progress bar needs the size of
		// what the browser gets after decompression.
		WasmContentLength: strconv.Itoa(len(raw)),
	}
	// go-app's own manifest lacks id, lang, screenshots and icon purposes
	// (manifest.go).
	manifest, err := manifestJSON(h, cfg.Web, static)
	if err != nil {
		return nil, err
	}
	return harden(withManifest(h, manifest)), nil
}

// The service worker is go-app's DefaultAppWorkerJS with two repairs:
//
//   - install holds the event open (event.waitUntil). go-app's handler does
//     not, so a worker whose precaching fails still activates, with an empty
//     cache (no offline use, and on an update the old cache is purged). Now a
//     failed install leaves the previous worker in charge. (activate stays
//     as it is: go-app's page script takes a worker that reaches "activated"
//     while it already controls the page for an update, so claiming the
//     page before "activated" would announce an update on the first visit.)
//   - a navigation whose URL has a query (/?demo=reset, /?demo-numbers=1000)
//     is answered from the cached page of its path: go-app matches the whole
//     URL, so such a reload failed offline.
var workerRepairs = []struct{ old, new string }{
	{`self.addEventListener("install", async (event) => {
  try {
    console.log("installing app worker {{.Version}}");
    await installWorker();
    await self.skipWaiting();
  } catch (error) {
    console.error("error during installation:", error);
  }
});`, `self.addEventListener("install", (event) => {
  console.log("installing app worker {{.Version}}");
  event.waitUntil(installWorker().then(() => self.skipWaiting()));
});`},
	{`const cachedResponse = await caches.match(request);`,
		`const cachedResponse = await caches.match(request, { ignoreSearch: request.mode === "navigate" });`},
}

// serviceWorker returns the repaired app-worker.js template. It fails if
// go-app's template changed, so that an upgrade cannot silently drop a
// repair.
func serviceWorker() (string, error) {
	s := app.DefaultAppWorkerJS
	for _, r := range workerRepairs {
		if strings.Count(s, r.old) != 1 {
			return "", fmt.Errorf("server: go-app's app-worker.js changed; cannot apply the repair %q", strings.SplitN(r.new, "\n", 2)[0])
		}
		s = strings.Replace(s, r.old, r.new, 1)
	}
	return s, nil
}

// staticFiles lists the files in dir as /web/ paths, sorted, without
// app.wasm (go-app caches it anyway), without hidden files and without what
// ServeHTTP does not serve (precompressed copies, directories). A symbolic
// link to a file of dir is listed; one to a directory of dir is not walked
// (its files are served but not precached); one that leads out of dir, is
// absolute or dangles is an error, because it cannot be served.
func staticFiles(dir string) ([]string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("server: listing the static files: %w", err)
	}
	defer root.Close()
	var out []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") && p != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err := root.Stat(p)
			if err != nil {
				return fmt.Errorf("%s is a symbolic link that cannot be served (it must be relative and stay inside the directory): %w", p, err)
			}
			if fi.IsDir() {
				return nil
			}
		} else if d.IsDir() {
			return nil
		}
		webPath := "/web/" + p
		if webPath == wasmPath || strings.HasSuffix(name, ".gz") {
			return nil
		}
		out = append(out, webPath)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("server: listing the static files of %s: %w", dir, err)
	}
	slices.Sort(out)
	return out, nil
}

// buildVersion hashes app.wasm, the static files, the environment and the
// files served from memory (the brand's stylesheet and logo).
func buildVersion(raw []byte, dir string, static []string, env map[string]string, served ...[]byte) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", fmt.Errorf("server: hashing the static files: %w", err)
	}
	defer root.Close()
	h := sha256.New()
	h.Write(raw)
	for _, p := range static {
		b, err := root.ReadFile(strings.TrimPrefix(p, "/web/"))
		if err != nil {
			return "", fmt.Errorf("server: hashing the static files: %w", err)
		}
		fmt.Fprintf(h, "\x00%s\x00%d\x00", p, len(b))
		h.Write(b)
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		fmt.Fprintf(h, "\x00env\x00%q=%q", k, env[k])
	}
	for _, b := range served {
		fmt.Fprintf(h, "\x00served\x00%d\x00", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

var (
	gzMu    sync.Mutex
	gzCache = map[[sha256.Size]byte][]byte{}
)

// compressed returns raw compressed with gzip at the best compression. The
// result is kept per content, so that handlers built for the same wasm (tests
// start many) compress it once.
func compressed(raw []byte) []byte {
	key := sha256.Sum256(raw)
	gzMu.Lock()
	defer gzMu.Unlock()
	if gz, ok := gzCache[key]; ok {
		return gz
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(raw)                                            // a bytes.Buffer does not fail
	zw.Close()
	gzCache[key] = buf.Bytes()
	return buf.Bytes()
}

// resources is the app.ResourceResolver of the portal. /web/ paths resolve to
// themselves (served by this host), and ServeHTTP serves them: app.wasm from
// memory, compressed when the client accepts gzip, everything else from the
// directory, opened through an os.Root. go-app's Handler has already set
// ETag (the Version) and Cache-Control: no-cache.
type resources struct {
	dir  string
	wasm []byte
	gz   []byte
	// The brand's stylesheet (brand.CSSPath) and logo (brand.LogoPath;
	// nil: none).
	brandCSS, logo []byte
}

// Resolve implements app.ResourceResolver.
func (r *resources) Resolve(location string) string {
	if location == "" || location == "/" {
		return "/"
	}
	if strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://") {
		return location
	}
	if location == "web" || location == "/web" || strings.HasPrefix(location, "web/") || strings.HasPrefix(location, "/web/") {
		return "/" + strings.Trim(location, "/")
	}
	return location
}

// ServeHTTP serves a /web/ request.
func (r *resources) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	p := path.Clean(req.URL.Path)
	if p == wasmPath {
		r.serveWasm(w, req)
		return
	}
	switch {
	case p == brand.CSSPath:
		serveBytes(w, req, "text/css; charset=utf-8", r.brandCSS)
		return
	case p == brand.LogoPath && r.logo != nil:
		serveBytes(w, req, "image/svg+xml", r.logo)
		return
	}
	rel, ok := strings.CutPrefix(p, "/web/")
	// Regular files only: no directory listings, no precompressed copies,
	// no hidden files (harden refuses them first; this keeps the resolver
	// safe on its own).
	if !ok || rel == "" || strings.HasSuffix(rel, ".gz") || hasDotSegment(rel) {
		http.NotFound(w, req)
		return
	}
	// The root refuses a path or symbolic link that leads out of r.dir
	// (and absolute links); the directory is opened per request, so a
	// directory replaced under the running server is served as it is now.
	f, err := os.OpenInRoot(r.dir, rel)
	if err != nil {
		http.NotFound(w, req)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, req)
		return
	}
	// The Content-Type comes from the extension of the requested name.
	http.ServeContent(w, req, path.Base(rel), fi.ModTime(), f)
}

// serveBytes serves a file held in memory (GET and HEAD; harden refuses
// other methods first).
func serveBytes(w http.ResponseWriter, req *http.Request, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(b))
}

func (r *resources) serveWasm(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/wasm")
	hdr.Add("Vary", "Accept-Encoding")
	body := r.wasm
	if AcceptsGzip(req.Header.Values("Accept-Encoding")) {
		hdr.Set("Content-Encoding", "gzip")
		body = r.gz
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodGet {
		w.Write(body)
	}
}

// AcceptsGzip reports whether the values of the Accept-Encoding headers of a
// request allow a gzip-coded response (RFC 9110 §12.5.3): gzip or x-gzip or
// "*" with a q-value above zero, where an explicit gzip entry wins over "*".
func AcceptsGzip(values []string) bool {
	star := false
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			q := 1.0
			for _, param := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					if err != nil {
						f = 0
					}
					q = f
				}
			}
			switch name {
			case "gzip", "x-gzip":
				return q > 0
			case "*":
				star = q > 0
			}
		}
	}
	return star
}

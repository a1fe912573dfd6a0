package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"image"
	_ "image/jpeg" // the screenshots' sizes
	_ "image/png"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The web app manifest. go-app v10.1.3 generates /manifest.webmanifest
// itself (Handler.makeManifestJSON) without "id", "lang" and "screenshots",
// and with an empty "purpose" on three of its four icons. The portal
// serves its own, complete manifest at the paths go-app links and
// answers (/manifest.webmanifest and its alias /manifest.json), built from
// the same Handler fields, through go-app's handler: the ETag (the
// Version), Cache-Control: no-cache and the 304 stay go-app's.
//
// go-app also writes <meta property="og:image"> and <meta
// property="og:url"> into every page, resolved against Handler.Domain;
// without a Domain (the portal does not know the public origin it is
// served under: 127.0.0.1, a reverse proxy's name, a tenant's host) both
// read "https://", a broken URL. The portal leaves such a tag out of
// the page instead of guessing an origin; a tag that names a host stays.

// manifestPaths are the paths at which go-app serves the manifest.
var manifestPaths = []string{"/manifest.webmanifest", "/manifest.json"}

// Screenshot is a screenshot of the manifest ("screenshots", shown by the
// richer install dialog of Chromium-based browsers).
type Screenshot struct {
	// Path is the file under Config.Web, as a /web/ path.
	Path string
	// FormFactor is "wide" (desktop) or "narrow" (phone).
	FormFactor string
	// Label describes the screenshot (German, like the manifest).
	Label string
}

// Screenshots are the manifest's screenshots. Each is listed only when
// its file is in Config.Web; its size is read from the file (PNG or JPEG).
var Screenshots = []Screenshot{
	{Path: "/web/screenshot-wide.jpg", FormFactor: "wide", Label: "Rufnummern-Übersicht mit Status und Aktionen"},
	{Path: "/web/screenshot-narrow.jpg", FormFactor: "narrow", Label: "Rufnummern-Übersicht auf dem Smartphone"},
}

// manifestImage is an icon or a screenshot of the manifest.
type manifestImage struct {
	Src        string `json:"src"`
	Type       string `json:"type"`
	Sizes      string `json:"sizes"`
	Purpose    string `json:"purpose,omitempty"`
	FormFactor string `json:"form_factor,omitempty"`
	Label      string `json:"label,omitempty"`
}

// webManifest is the portal's web app manifest (W3C Web Application
// Manifest).
type webManifest struct {
	ID              string          `json:"id"`
	Name            string          `json:"name"`
	ShortName       string          `json:"short_name"`
	Description     string          `json:"description"`
	Lang            string          `json:"lang"`
	Dir             string          `json:"dir"`
	StartURL        string          `json:"start_url"`
	Scope           string          `json:"scope"`
	Display         string          `json:"display"`
	BackgroundColor string          `json:"background_color"`
	ThemeColor      string          `json:"theme_color"`
	Categories      []string        `json:"categories"`
	Icons           []manifestImage `json:"icons"`
	Screenshots     []manifestImage `json:"screenshots"`
}

// manifestJSON returns the manifest of h: its names, colours and icons
// (each with a purpose), "id" and "start_url" the app's root, "lang" the
// page's language, and the Screenshots found in dir (static lists the
// files there as /web/ paths).
func manifestJSON(h *app.Handler, dir string, static []string) ([]byte, error) {
	m := webManifest{
		ID:              "/",
		Name:            h.Name,
		ShortName:       h.ShortName,
		Description:     h.Description,
		Lang:            h.Lang,
		Dir:             "ltr",
		StartURL:        "/",
		Scope:           "/",
		Display:         "standalone",
		BackgroundColor: h.BackgroundColor,
		ThemeColor:      h.ThemeColor,
		Categories:      []string{"business", "productivity", "utilities"},
		Icons: []manifestImage{
			{Src: h.Icon.Maskable, Type: "image/png", Sizes: "512x512", Purpose: "maskable"},
			{Src: h.Icon.SVG, Type: "image/svg+xml", Sizes: "any", Purpose: "any"},
			{Src: h.Icon.Large, Type: "image/png", Sizes: "512x512", Purpose: "any"},
			{Src: h.Icon.Default, Type: "image/png", Sizes: "192x192", Purpose: "any"},
		},
		Screenshots: []manifestImage{},
	}
	for _, s := range Screenshots {
		if !slices.Contains(static, s.Path) {
			continue
		}
		img, err := screenshot(dir, s)
		if err != nil {
			return nil, err
		}
		m.Screenshots = append(m.Screenshots, img)
	}
	return json.Marshal(m)
}

// screenshot reads the size and type of the screenshot s in dir.
func screenshot(dir string, s Screenshot) (manifestImage, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return manifestImage{}, fmt.Errorf("server: the manifest's screenshots: %w", err)
	}
	defer root.Close()
	f, err := root.Open(strings.TrimPrefix(s.Path, "/web/"))
	if err != nil {
		return manifestImage{}, fmt.Errorf("server: the manifest's screenshots: %w", err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return manifestImage{}, fmt.Errorf("server: the manifest's screenshot %s: %w", s.Path, err)
	}
	return manifestImage{Src: s.Path, Type: "image/" + format,
		Sizes:      strconv.Itoa(cfg.Width) + "x" + strconv.Itoa(cfg.Height),
		FormFactor: s.FormFactor, Label: s.Label}, nil
}

// metaTag matches a meta tag of a page; metaAttr one of its attributes.
var (
	metaTag  = regexp.MustCompile(`<meta\s[^>]*>\s*`)
	metaAttr = regexp.MustCompile(`(\w+)="([^"]*)"`)
)

// dropBrokenOG removes go-app's og:image, og:url and twitter:image tags
// whose URL has no host ("https://", "https:///mitarbeiter") from page, in
// whatever order their attributes come.
func dropBrokenOG(page []byte) []byte {
	return metaTag.ReplaceAllFunc(page, func(tag []byte) []byte {
		attrs := map[string]string{}
		for _, m := range metaAttr.FindAllSubmatch(tag, -1) {
			attrs[string(m[1])] = string(m[2])
		}
		switch attrs["property"] + attrs["name"] {
		case "og:image", "og:url", "twitter:image":
		default:
			return tag
		}
		u, err := url.Parse(html.UnescapeString(attrs["content"]))
		if err == nil && u.IsAbs() && u.Host != "" {
			return tag
		}
		return nil
	})
}

// withManifest serves manifest (the body) at go-app's manifest paths and
// removes the og:image and og:url tags without a host from the pages;
// everything else, headers and status codes included, is next's.
func withManifest(next http.Handler, manifest []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &rewriter{ResponseWriter: w}
		switch {
		case slices.Contains(manifestPaths, r.URL.Path):
			rw.rewrite = func(hdr http.Header, _ []byte) []byte {
				hdr.Set("Content-Type", "application/manifest+json")
				return manifest
			}
		case !strings.HasPrefix(r.URL.Path, "/web/"):
			// Pages only: app.js, the wasm (also at /app.wasm) and the
			// rest pass through unbuffered.
			rw.only = func(hdr http.Header) bool { return strings.HasPrefix(hdr.Get("Content-Type"), "text/html") }
			rw.rewrite = func(_ http.Header, body []byte) []byte { return dropBrokenOG(body) }
		default:
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(rw, r)
		rw.finish()
	})
}

// rewriter holds back a 200 response of go-app's (when only is nil or
// says so by its headers; the manifest and pages are small) and writes it
// through rewrite at finish; everything else passes through.
type rewriter struct {
	http.ResponseWriter
	only    func(hdr http.Header) bool
	rewrite func(hdr http.Header, body []byte) []byte
	status  int
	buf     *bytes.Buffer
}

func (rw *rewriter) WriteHeader(code int) {
	if rw.status != 0 {
		return
	}
	rw.status = code
	if code == http.StatusOK && (rw.only == nil || rw.only(rw.Header())) {
		rw.buf = &bytes.Buffer{}
		return
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *rewriter) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.buf != nil {
		return rw.buf.Write(b)
	}
	return rw.ResponseWriter.Write(b)
}

// finish writes the held-back response.
func (rw *rewriter) finish() {
	if rw.buf == nil {
		return
	}
	hdr := rw.Header()
	body := rw.rewrite(hdr, rw.buf.Bytes())
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	rw.ResponseWriter.WriteHeader(http.StatusOK)
	rw.ResponseWriter.Write(body)
}

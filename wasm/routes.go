package wasm

import (
	"slices"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// Page is a screen of the portal at a route. The shell (header, navigation,
// language switch, "Demo zurücksetzen", update banner) frames it.
type Page struct {
	// Path is the route, e.g. "/mitarbeiter".
	Path string
	// Title is the catalog key of the page's name in the navigation and the
	// document title.
	Title i18n.Key
	// New returns the page's body component. It is called on every render of
	// the shell; go-app keeps the mounted instance (same type) and only
	// copies exported fields, so keep page state in unexported fields.
	New func() app.Composer
	// Order sorts the navigation (ascending).
	Order int
}

var (
	pagesMu sync.Mutex
	pages   = map[string]Page{}
)

// RegisterPage adds (or replaces) the page at p.Path. Call it from an init
// function of the page's own file; a page registered for one of the fixed
// routes (Paths) replaces the built-in placeholder.
func RegisterPage(p Page) {
	if p.Path == "" || p.New == nil {
		panic("wasm.RegisterPage: Path and New are required")
	}
	pagesMu.Lock()
	defer pagesMu.Unlock()
	pages[p.Path] = p
}

// pageAt returns the page registered at path, or a placeholder for the fixed
// routes nobody has built yet.
func pageAt(path string) Page {
	pagesMu.Lock()
	p, ok := pages[path]
	pagesMu.Unlock()
	if ok {
		return p
	}
	for _, f := range fixedPages {
		if f.Path == path {
			return f
		}
	}
	return Page{Path: path, Title: "nav.overview", New: func() app.Composer { return &placeholderPage{} }}
}

// navPages returns the pages of the navigation, sorted by Order.
func navPages() []Page {
	var out []Page
	for _, p := range Paths() {
		out = append(out, pageAt(p))
	}
	slices.SortStableFunc(out, func(a, b Page) int { return a.Order - b.Order })
	return out
}

// fixedPages are the routes of the contract with their defaults: the number
// overview, and placeholders for the employees page and the event log until
// their pages are registered.
var fixedPages = []Page{
	{Path: "/", Title: "nav.overview", Order: 10, New: func() app.Composer { return &Overview{} }},
	{Path: "/mitarbeiter", Title: "nav.employees", Order: 20, New: func() app.Composer { return &placeholderPage{} }},
	{Path: "/protokoll", Title: "nav.log", Order: 30, New: func() app.Composer { return &placeholderPage{} }},
}

var routesOnce sync.Once

// Routes registers every route of the portal with go-app. It is safe to call
// more than once (go-app's route registry is a package global).
func Routes() {
	routesOnce.Do(func() {
		for _, p := range Paths() {
			app.Route(p, func() app.Composer { return &Shell{Path: p} })
		}
	})
}

// Paths lists every route of the portal, for the service worker's
// CacheableResources (every route must be cacheable for offline use): the
// fixed routes, then any other registered page, sorted.
func Paths() []string {
	out := []string{}
	for _, f := range fixedPages {
		out = append(out, f.Path)
	}
	pagesMu.Lock()
	var extra []string
	for p := range pages {
		if !slices.Contains(out, p) {
			extra = append(extra, p)
		}
	}
	pagesMu.Unlock()
	slices.Sort(extra)
	return append(out, extra...)
}

// placeholderPage stands in for a page that is not built yet.
type placeholderPage struct {
	app.Compo
	lang i18n.Lang
}

func (p *placeholderPage) OnMount(ctx app.Context) { UseLang(ctx, &p.lang) }

func (p *placeholderPage) Render() app.UI {
	return app.P().Class("empty").Text(i18n.T("page.placeholder"))
}

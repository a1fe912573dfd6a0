// Package wasm is the reference UI of NumberDesk: go-app v10 components that
// run the SDK's rules in the browser against memstore (demo mode).
//
// PLACEHOLDER: this file fixes the contract between the UI components (wasm/)
// and the portal program (examples/portal). The components replace the body.
package wasm

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

var routesOnce sync.Once

// Routes registers every route of the portal with go-app. It is safe to call
// more than once (go-app's route registry is a package global).
func Routes() {
	routesOnce.Do(func() {
		for _, p := range Paths() {
			app.Route(p, func() app.Composer { return &placeholder{} })
		}
	})
}

// Paths lists every route of the portal, for the service worker's
// CacheableResources (every route must be cacheable for offline use).
func Paths() []string { return []string{"/", "/mitarbeiter", "/protokoll"} }

type placeholder struct{ app.Compo }

func (p *placeholder) Render() app.UI {
	return app.Main().ID("app").Body(app.H1().Text("Rufnummern-Übersicht"))
}

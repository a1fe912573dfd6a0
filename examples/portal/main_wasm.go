//go:build wasm

package main

import (
	// The routing rules compute in the tenant's zone (Europe/Berlin); the
	// browser has no zoneinfo, so the wasm carries the zone database.
	_ "time/tzdata"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/wasm"
)

// main is the client: register the routes and run the app in the browser.
// Nothing of the server (net/http, the handler) is linked into the wasm.
func main() {
	wasm.Routes()
	app.RunWhenOnBrowser()
}

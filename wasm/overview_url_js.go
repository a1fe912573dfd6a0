//go:build js && wasm

package wasm

import (
	"syscall/js"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// pushURL adds u (path and query) to the browser's history and shows it,
// without a navigation: opening a dialog, so that Back closes it.
func pushURL(u string) { js.Global().Get("history").Call("pushState", nil, "", u) }

// historyBack goes one entry back in the browser's history (a popstate
// follows).
func historyBack() { js.Global().Get("history").Call("back") }

// watchHistory calls f on the UI goroutine after every popstate (Back,
// Forward) until the returned stop is called. go-app navigates on popstate
// only when the URL differs from the last one it navigated to itself, which
// misses the entries pushURL added; this listener sees every one.
func watchHistory(ctx app.Context, f func(ctx app.Context)) (stop func()) {
	fn := listen(ctx, js.Global(), "popstate", func(ctx app.Context, _ js.Value) { f(ctx) })
	return func() {
		js.Global().Call("removeEventListener", "popstate", fn)
		fn.Release()
	}
}

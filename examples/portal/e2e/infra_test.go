package e2e

import (
	"testing"
)

// TestBoot loads the portal: the wasm starts (go-app removes the loader only
// after go.run) and the Go components render the overview.
func TestBoot(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	open(t, ctx, p.URL+"/")
	if got := eval[string](t, ctx, `document.documentElement.lang`); got != "de" {
		t.Errorf("<html lang> = %q, want de", got)
	}
	// Only the running Go program can have removed the loader and set up
	// go-app's client: the prerendered page has neither.
	if !eval[bool](t, ctx, `typeof goappNav === "function" || typeof Go === "function"`) {
		t.Error("go-app's client did not start")
	}
	shot(t, ctx, "overview")
}

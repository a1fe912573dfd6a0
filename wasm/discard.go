package wasm

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// discardGuard is the unsaved-changes guard of a dialog with a form (the
// edit and the import dialog): with changes, Esc, ✕ and "Abbrechen" first
// ask in a confirmation (ConfirmDialog) whether to drop them, and the
// dialog stays open; "Verwerfen" closes both, the confirmation's
// "Weiter bearbeiten" (or its Esc) only the confirmation. Its zero value
// needs the element IDs of the dialog and of the confirmation.
type discardGuard struct {
	dialog, confirm string
	// asking: the confirmation is open.
	asking bool
}

// guard is the dialog's GuardedModal guard: true if it has taken over,
// because the confirmation is open or, with dirty, opens now (in own, the
// dialog's own context).
func (g *discardGuard) guard(own app.Context, dirty bool) bool {
	if g.asking {
		return true
	}
	if !dirty {
		return false
	}
	g.asking = true
	ShowModal(own, g.confirm)
	return true
}

// cancel is "Abbrechen": the dialog closes, unless the guard asks first.
func (g *discardGuard) cancel(own, ctx app.Context, dirty bool) {
	if !g.guard(own, dirty) {
		CloseModal(ctx, g.dialog)
	}
}

// discard is the confirmation's "Verwerfen": the changes go, and so does
// the dialog.
func (g *discardGuard) discard(ctx app.Context, e app.Event) {
	CloseConfirm(g.confirm)
	CloseModal(ctx, g.dialog)
}

// keep is the confirmation's close: the dialog stays, with its changes.
func (g *discardGuard) keep(ctx app.Context, e app.Event) { g.asking = false }

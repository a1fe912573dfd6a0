package wasm

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// step is where a dialog is in its flow.
type step int

const (
	stepLoading step = iota // fetching what the form shows
	stepForm                // the form and its primary button
	stepDone                // the confirmation
	stepFailed              // loading failed: only the error and "Schließen"
)

// footer returns the buttons of a dialog id at step s: "Abbrechen" and the
// primary button (id "<id>-submit", label) in the form, "Schließen" (id
// "<id>-done") after it.
func footer(id string, s step, label string, disabled bool, submit app.EventHandler) []app.UI {
	closeBtn := func(bid, key string) app.HTMLButton {
		return app.Button().Type("button").ID(bid).Class("btn").Text(i18n.T(i18n.Key(key))).
			OnClick(func(ctx app.Context, e app.Event) { CloseModal(ctx, id) }, app.EventScope(id))
	}
	switch s {
	case stepForm:
		return []app.UI{
			closeBtn(id+"-cancel", "dialog.cancel"),
			app.Button().Type("button").ID(id + "-submit").Class("btn btn-primary").Disabled(disabled).
				Text(label).OnClick(submit),
		}
	case stepDone:
		return []app.UI{closeBtn(id+"-done", "dialog.close").Class("btn btn-primary").AutoFocus(true)}
	}
	return []app.UI{closeBtn(id+"-cancel", "dialog.close")}
}

// focusDone moves the focus to the confirmation's close button.
func focusDone(ctx app.Context, id string) { FocusByID(ctx, id+"-done", id) }

// loading is the body of a dialog while it loads.
func loading() app.UI { return app.P().Class("loading").Text(i18n.T("dialog.load")) }

// confirmation renders a confirmation paragraph (role status, so screen
// readers announce it).
func confirmation(id string, lines ...string) app.UI {
	return app.Div().ID(id+"-confirmation").Class("confirmation").Attr("role", "status").Body(
		app.Range(lines).Slice(func(i int) app.UI { return app.P().Text(lines[i]) }),
	)
}

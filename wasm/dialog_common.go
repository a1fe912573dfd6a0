package wasm

import (
	"context"

	"github.com/google/uuid"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// flow is the state every dialog of this package shares: its element ID,
// language, step, last error and the idempotency key of its command (one per
// opening, so a repeated click cannot apply it twice). Dialogs embed it.
type flow struct {
	id   string
	lang i18n.Lang
	step step
	err  error
	key  string
	// ctx is the dialog component's own context (from OnMount): the focus
	// moves with it, because a handler's context dies with its button.
	ctx app.Context
}

// openFlow loads what the form shows (load, on the backend) and opens the
// dialog id; a load error is kept in err for the form to show.
func (f *flow) openFlow(ctx app.Context, id string, load func(ctx context.Context, d API) error) {
	f.id, f.ctx = id, ctx
	UseLang(ctx, &f.lang)
	f.key = uuid.NewString()
	f.err = Read(ctx, load)
	f.step = stepForm
	ShowModal(ctx, id)
}

// runFlow runs the dialog's command with Do and, on success, shows the
// confirmation and moves the focus to its close button (the submit button
// that had it is gone).
func (f *flow) runFlow(ctx app.Context, cmd func(ctx context.Context, d API) error) {
	if f.err = Do(ctx, cmd); f.err == nil {
		f.step = stepDone
		focusDone(f.ctx, f.id)
	}
}

// choice renders a labelled select of form formID for the SDK field field,
// with the field's error next to it (and aria-invalid, aria-describedby).
func choice(formID, field, selectID, label string, fe FieldErrors, onChange app.EventHandler, options ...app.UI) app.UI {
	return app.Div().Class("field").Body(
		app.Label().For(selectID).Text(label),
		app.Select().ID(selectID).Attr("aria-describedby", ErrorID(formID, field)).
			Attr("aria-invalid", boolAttr(fe.On(field))).OnChange(onChange).Body(options...),
		fe.For(formID, field),
	)
}

// edited returns the change handler of a form field: it stores the field's
// new value with set and clears the flow's error, which was about the value
// before (an error stays visible only until the user acts on it).
func (f *flow) edited(set func(v string)) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		set(targetValue(e))
		f.err = nil
	}
}

// targetValue returns the value of the element an event happened on.
func targetValue(e app.Event) string { return e.Get("target").Get("value").String() }

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
	return footerOf(id, s, primary{label: label, disabled: disabled, submit: submit})
}

// primary is the primary button of a dialog's form step: its label, its
// handler, whether it is disabled, whether its action is destructive
// (danger: red, and "Abbrechen" takes the first focus of a dialog without
// fields), and what stands beside it in the footer (the gross total of a
// priced consent).
type primary struct {
	label    string
	disabled bool
	danger   bool
	submit   app.EventHandler
	beside   app.UI
}

// footerOf is footer with the primary button p.
func footerOf(id string, s step, p primary) []app.UI {
	closeBtn := func(bid, key string) app.HTMLButton {
		return app.Button().Type("button").ID(bid).Class("btn").Text(i18n.T(i18n.Key(key))).
			OnClick(func(ctx app.Context, e app.Event) { CloseModal(ctx, id) }, app.EventScope(id))
	}
	switch s {
	case stepForm:
		cancel, class := closeBtn(id+"-cancel", "dialog.cancel"), "btn btn-primary"
		if p.danger {
			cancel, class = cancel.DataSet("autofocus", "true"), "btn btn-danger"
		}
		return []app.UI{
			cancel,
			p.beside,
			command(app.Button().Type("button").ID(id + "-submit").Class(class).Disabled(p.disabled).
				Text(p.label).OnClick(p.submit)),
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

// loadFailed is the body of a dialog whose data could not be loaded: the
// error, announced (role alert).
func loadFailed(fe FieldErrors) app.UI {
	return app.P().Class("form-error").Attr("role", "alert").Text(fe.Message())
}

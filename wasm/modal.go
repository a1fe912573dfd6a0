package wasm

import (
	"errors"
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// ActionDialogClosed is the go-app action a dialog emits when it has closed
// (Esc, its close button, or after its confirmation). The page that opened
// it handles it (ctx.Handle) to remove the dialog and return the focus.
const ActionDialogClosed = "numberdesk/dialog-closed"

// Modal renders the frame of a modal dialog: a <dialog> with id, an
// accessible title, the body and the footer (the buttons). Open it with
// ShowModal from the dialog component's OnMount; the browser then traps the
// focus inside, moves it to the first focusable element (or the one with
// autofocus), and closes the dialog on Esc. Closing (for whatever reason)
// emits ActionDialogClosed.
func Modal(id, title string, body []app.UI, footer []app.UI) app.HTMLDialog {
	return app.Dialog().ID(id).Class("modal").
		Attr("aria-labelledby", id+"-title").
		On("close", func(ctx app.Context, e app.Event) { ctx.NewAction(ActionDialogClosed) }).
		Body(
			app.Div().Class("modal-head").Body(
				app.H2().ID(id+"-title").Text(title),
				app.Button().Type("button").Class("icon-btn modal-x").
					Attr("aria-label", i18n.T("dialog.close")).Title(i18n.T("dialog.close")).
					OnClick(func(ctx app.Context, e app.Event) { CloseModal(ctx, id) }, app.EventScope(id)).
					Body(Icon("close")),
			),
			app.Div().Class("modal-body").Body(body...),
			app.Div().Class("modal-foot").Body(footer...),
		)
}

// ShowModal opens the dialog id as a modal once it is in the DOM. Call it
// from OnMount.
func ShowModal(ctx app.Context, id string) {
	ctx.Defer(func(ctx app.Context) {
		if d := app.Window().GetElementByID(id); d.Truthy() && !d.Get("open").Bool() {
			d.Call("showModal")
		}
	})
}

// CloseModal closes the dialog id; its close event emits
// ActionDialogClosed.
func CloseModal(ctx app.Context, id string) {
	if d := app.Window().GetElementByID(id); d.Truthy() {
		d.Call("close")
		return
	}
	ctx.NewAction(ActionDialogClosed) // not in the DOM (native tests)
}

// FocusByID moves the focus to the element id, if it exists; otherwise to
// the element fallback.
func FocusByID(ctx app.Context, id, fallback string) {
	ctx.Defer(func(ctx app.Context) {
		for _, x := range []string{id, fallback} {
			if x == "" {
				continue
			}
			if el := app.Window().GetElementByID(x); el.Truthy() {
				el.Call("focus")
				return
			}
		}
	})
}

// FieldErrors is an SDK error laid out for a form: the message of the field
// the error names (Error.Field) is shown next to that field, any other error
// at the top of the form. Construct it with NewFieldErrors and the fields the
// form shows.
type FieldErrors struct {
	field   string // the form field the error belongs to, "" for the top
	message string
}

// NewFieldErrors lays out err for a form showing fields (their Error.Field
// names, e.g. "employee"). A field matches exactly or as the prefix of a
// nested field ("numbers" matches "numbers[2]").
func NewFieldErrors(err error, fields ...string) FieldErrors {
	if err == nil {
		return FieldErrors{}
	}
	fe := FieldErrors{message: i18n.Error(err)}
	var e *numberdesk.Error
	if errors.As(err, &e) && e.Field != "" {
		if slices.Contains(fields, e.Field) {
			fe.field = e.Field
		}
		for _, f := range fields {
			if len(e.Field) > len(f) && e.Field[:len(f)] == f && (e.Field[len(f)] == '[' || e.Field[len(f)] == '.') {
				fe.field = f
			}
		}
	}
	return fe
}

// Any reports whether there is an error.
func (fe FieldErrors) Any() bool { return fe.message != "" }

// On reports whether the error belongs to field.
func (fe FieldErrors) On(field string) bool { return fe.message != "" && fe.field == field }

// Message returns the error's text.
func (fe FieldErrors) Message() string { return fe.message }

// For renders the error of field next to it (id "<formID>-<field>-error",
// which the field's aria-describedby should name), or nothing.
func (fe FieldErrors) For(formID, field string) app.UI {
	if !fe.On(field) {
		return nil
	}
	return app.P().ID(ErrorID(formID, field)).Class("field-error").Attr("role", "alert").Attr("data-field", field).Text(fe.message)
}

// Top renders an error that belongs to no shown field, or nothing.
func (fe FieldErrors) Top(formID string) app.UI {
	if fe.message == "" || fe.field != "" {
		return nil
	}
	return app.P().ID(formID+"-error").Class("form-error").Attr("role", "alert").Text(fe.message)
}

// ErrorID is the element ID of the error of field in form formID.
func ErrorID(formID, field string) string { return formID + "-" + field + "-error" }

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"dialog.close":  {DE: "Schließen", EN: "Close"},
		"dialog.cancel": {DE: "Abbrechen", EN: "Cancel"},
		"dialog.load":   {DE: "Wird geladen …", EN: "Loading …"},
	})
}

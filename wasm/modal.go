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

// ActionDialogOpened is the go-app action ShowModal emits, with the
// dialog's element ID, once the dialog is shown: a page learns from it which
// element its dialog is, and so which close events are its dialog's.
const ActionDialogOpened = "numberdesk/dialog-opened"

// Modal renders the frame of a modal dialog: a <dialog> with id, an
// accessible title, the body (its own scroll area) and the footer (the
// buttons, always in view). Open it with ShowModal from the dialog
// component's OnMount; the browser then traps the focus inside, and
// ShowModal moves it to the dialog's first field (see ShowModal). Esc
// closes it. Closing (for whatever reason) emits ActionDialogClosed.
func Modal(id, title string, body []app.UI, footer []app.UI) app.HTMLDialog {
	return GuardedModal(id, title, body, footer, nil)
}

// GuardedModal is Modal whose close by the user (Esc, ✕) first asks guard:
// when guard returns true it has taken over (for example it asks "Änderungen
// verwerfen?") and the dialog stays open. A nil guard never intervenes.
// A "Abbrechen" button of the footer should ask the guard too.
func GuardedModal(id, title string, body []app.UI, footer []app.UI, guard func(ctx app.Context) bool) app.HTMLDialog {
	// The handlers below capture guard: their scope names whether there is
	// one, so that go-app replaces a handler mounted without it (a dialog
	// renders its loading step unguarded).
	scope := app.EventScope(id, guard != nil)
	d := app.Dialog().ID(id).Class("modal").
		Attr("aria-labelledby", id+"-title").
		On("close", func(ctx app.Context, e app.Event) {
			if ownEvent(e, id) {
				ctx.NewActionWithValue(ActionDialogClosed, id)
			}
		}, app.EventScope(id))
	if guard != nil {
		// Esc: the keydown comes first (and, unlike the cancel event, can
		// always be prevented); cancel stays as the second line.
		intercept := func(ctx app.Context, e app.Event) {
			if ownEvent(e, id) && guard(ctx) {
				e.PreventDefault()
			}
		}
		d = d.On("keydown", func(ctx app.Context, e app.Event) {
			if e.Get("key").String() == "Escape" {
				intercept(ctx, e)
			}
		}, scope).On("cancel", intercept, scope)
	}
	return d.Body(
		app.Div().Class("modal-head").Body(
			app.H2().ID(id+"-title").Text(title),
			app.Button().Type("button").ID(id+"-x").Class("icon-btn modal-x").
				Attr("aria-label", i18n.T("dialog.close")).Title(i18n.T("dialog.close")).
				OnClick(func(ctx app.Context, e app.Event) {
					if guard == nil || !guard(ctx) {
						CloseModal(ctx, id)
					}
				}, scope).
				Body(Icon("close")),
		),
		// The brand's help hint (hotline, help chapter) ends the body.
		modalBody(id).Body(append(body[:len(body):len(body)], dialogHelp(id))...),
		app.If(len(footer) > 0, func() app.UI { return app.Div().Class("modal-foot").Body(footer...) }),
	)
}

// ownEvent reports whether e happened in the dialog id itself, not in a
// dialog nested in it (a confirmation step): keydown bubbles out of a
// nested dialog.
func ownEvent(e app.Event, id string) bool {
	t := e.Get("target")
	if !t.Truthy() || t.Get("closest").IsUndefined() {
		return true
	}
	d := t.Call("closest", "dialog")
	return !d.Truthy() || d.Get("id").String() == id
}

// ConfirmDialog renders a confirmation step before a destructive action
// (role alertdialog): the question as title, what happens in text, the
// danger button confirm (id "<id>-confirm") and "Abbrechen" (id
// "<id>-cancel", which ShowModal focuses first; cancel, if given, is
// another label for it). Render it while the question is open and open it
// with ShowModal; onClose runs when it has closed (Esc, ✕, "Abbrechen", or
// after onConfirm, which should close it with CloseConfirm). It never emits
// ActionDialogClosed, so it can be nested in another dialog.
func ConfirmDialog(id, title, text, confirm string, onConfirm, onClose app.EventHandler, cancel ...string) app.HTMLDialog {
	closeIt := func(ctx app.Context, e app.Event) { CloseConfirm(id) }
	cancelLabel := i18n.T("dialog.cancel")
	if len(cancel) > 0 {
		cancelLabel = cancel[0]
	}
	return app.Dialog().ID(id).Class("modal modal-confirm").Attr("role", "alertdialog").
		Attr("aria-labelledby", id+"-title").Attr("aria-describedby", id+"-text").
		On("close", func(ctx app.Context, e app.Event) {
			if ownEvent(e, id) {
				onClose(ctx, e)
			}
		}, app.EventScope(id)).
		Body(
			app.Div().Class("modal-head").Body(
				app.H2().ID(id+"-title").Text(title),
				app.Button().Type("button").ID(id+"-x").Class("icon-btn modal-x").
					Attr("aria-label", i18n.T("dialog.close")).Title(i18n.T("dialog.close")).
					OnClick(closeIt, app.EventScope(id)).Body(Icon("close")),
			),
			app.Div().Class("modal-body").Body(app.P().ID(id+"-text").Text(text)),
			app.Div().Class("modal-foot").Body(
				app.Button().Type("button").ID(id+"-cancel").Class("btn").DataSet("autofocus", "true").
					Text(cancelLabel).OnClick(closeIt, app.EventScope(id)),
				command(app.Button().Type("button").ID(id+"-confirm").Class("btn btn-danger").
					Text(confirm).OnClick(onConfirm, app.EventScope(id))),
			),
		)
}

// dialogSlot is the fixed place of an optional dialog (or other optional
// element) among siblings: go-app reuses elements by position, so without
// it an element leaving the DOM would hand its place to the next one (an
// open <dialog> would become a closed one).
func dialogSlot(dialog app.UI) app.UI {
	return app.Div().Class("dialog-slot").Body(dialog)
}

// CloseConfirm closes the confirmation step id (its close event runs its
// onClose).
func CloseConfirm(id string) {
	if d := app.Window().GetElementByID(id); d.Truthy() && d.Get("open").Bool() {
		d.Call("close")
	}
}

// ShowModal opens the dialog id as a modal once it is in the DOM and moves
// the focus into it: to its first field; a dialog without fields to the
// element marked data-autofocus ("Abbrechen" of a destructive step), else
// to its enabled primary button, else to its first button; it emits
// ActionDialogOpened. Call it from OnMount.
func ShowModal(ctx app.Context, id string) {
	ctx.Defer(func(ctx app.Context) {
		d := app.Window().GetElementByID(id)
		if !d.Truthy() || d.Get("open").Bool() {
			return
		}
		d.Call("showModal")
		ctx.NewActionWithValue(ActionDialogOpened, id)
		for _, sel := range initialFocus {
			if el := d.Call("querySelector", sel); el.Truthy() && focus(el) {
				return
			}
		}
	})
}

// initialFocus are the selectors ShowModal tries, in order.
var initialFocus = []string{
	`.modal-body :is(input, select, textarea):not([disabled]):not([type="hidden"])`,
	`[data-autofocus]:not([disabled])`,
	`.modal-foot .btn-primary:not([disabled])`,
	`.modal-foot button:not([disabled])`,
}

// focus focuses el and reports whether it has the focus now.
func focus(el app.Value) bool {
	if el.Get("disabled").Truthy() {
		return false
	}
	el.Call("focus")
	return app.Window().Get("document").Get("activeElement").Equal(el)
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

// FocusByID moves the focus, after the current update, to the first of ids
// that is in the DOM and can take it (not disabled; "" is skipped). ctx
// must belong to a component that stays mounted: go-app drops a deferred
// function whose source element has left the DOM, so a handler whose
// button the update removes (a form's submit, replaced by the
// confirmation's close button) passes its component's context, kept from
// OnMount.
func FocusByID(ctx app.Context, ids ...string) {
	ctx.Defer(func(ctx app.Context) {
		for _, x := range ids {
			if x == "" {
				continue
			}
			if el := app.Window().GetElementByID(x); el.Truthy() && focus(el) {
				return
			}
		}
	})
}

// FieldErrors are the errors of a form: each message next to the field it
// names, the others at the top of the form, and all of them in an error
// summary (Summary). Construct it with NewFieldErrors (an SDK error and the
// fields the form shows) and add a form's own checks with With.
type FieldErrors struct {
	items []fieldError
}

type fieldError struct {
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
	fe := fieldError{message: i18n.Error(err)}
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
	return FieldErrors{items: []fieldError{fe}}
}

// With returns fe with one more error: message on field ("" for the top).
// A field keeps its first message.
func (fe FieldErrors) With(field, message string) FieldErrors {
	if message == "" || (field != "" && fe.On(field)) {
		return fe
	}
	return FieldErrors{items: append(slices.Clip(fe.items), fieldError{field: field, message: message})}
}

// Any reports whether there is an error.
func (fe FieldErrors) Any() bool { return len(fe.items) > 0 }

// Len is the number of errors.
func (fe FieldErrors) Len() int { return len(fe.items) }

// On reports whether there is an error on field.
func (fe FieldErrors) On(field string) bool {
	return slices.ContainsFunc(fe.items, func(x fieldError) bool { return x.field == field })
}

// Message returns the text of the first error.
func (fe FieldErrors) Message() string {
	if len(fe.items) == 0 {
		return ""
	}
	return fe.items[0].message
}

// Fields returns the fields with errors, in order ("" for the top).
func (fe FieldErrors) Fields() []string {
	out := make([]string, len(fe.items))
	for i, x := range fe.items {
		out[i] = x.field
	}
	return out
}

func (fe FieldErrors) messageOf(field string) string {
	for _, x := range fe.items {
		if x.field == field {
			return x.message
		}
	}
	return ""
}

// For renders the error of field next to it (id "<formID>-<field>-error",
// which the field's aria-describedby should name), or nothing.
func (fe FieldErrors) For(formID, field string) app.UI {
	if !fe.On(field) {
		return nil
	}
	return app.P().ID(ErrorID(formID, field)).Class("field-error").Attr("role", "alert").Attr("data-field", field).Text(fe.messageOf(field))
}

// Top renders an error that belongs to no shown field, or nothing.
func (fe FieldErrors) Top(formID string) app.UI {
	if !fe.On("") {
		return nil
	}
	return app.P().ID(formID+"-error").Class("form-error").Attr("role", "alert").Text(fe.messageOf(""))
}

// Summary renders the error summary at the top of form formID (the GOV.UK
// pattern): "Es gibt ein Problem" and every error as a link that focuses
// its field (the element ID inputID returns for it); an error of no field
// is plain text. The summary (id "<formID>-summary", role alert) takes the
// focus after a failed submit (FocusByID). Nothing without errors.
func (fe FieldErrors) Summary(formID string, inputID func(field string) string) app.UI {
	if !fe.Any() {
		return nil
	}
	items := fe.items
	return app.Div().ID(SummaryID(formID)).Class("error-summary").Attr("role", "alert").Attr("tabindex", "-1").
		Attr("aria-labelledby", SummaryID(formID)+"-title").Body(
		app.H3().ID(SummaryID(formID)+"-title").Class("error-summary-title").Text(i18n.T("form.problem")),
		app.Ul().Class("error-summary-list").Body(app.Range(items).Slice(func(i int) app.UI {
			x := items[i]
			if x.field == "" {
				return app.Li().Text(x.message)
			}
			target := inputID(x.field)
			return app.Li().Body(app.A().Href("#"+target).DataSet("target", x.field).Text(x.message).
				OnClick(func(ctx app.Context, e app.Event) {
					// Focus the field itself (a fragment link would only
					// scroll), and keep go-app from navigating.
					e.PreventDefault()
					e.Call("stopPropagation")
					if el := app.Window().GetElementByID(target); el.Truthy() {
						el.Call("focus")
					}
				}, app.EventScope(target)))
		})),
	)
}

// SummaryID is the element ID of the error summary of form formID.
func SummaryID(formID string) string { return formID + "-summary" }

// ErrorID is the element ID of the error of field in form formID.
func ErrorID(formID, field string) string { return formID + "-" + field + "-error" }

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"dialog.close":  {DE: "Schließen", EN: "Close"},
		"dialog.cancel": {DE: "Abbrechen", EN: "Cancel"},
		"dialog.load":   {DE: "Wird geladen …", EN: "Loading …"},
		"form.problem":  {DE: "Es gibt ein Problem", EN: "There is a problem"},
	})
}

// readOnlyModals are the dialogs whose body may hold nothing focusable (the
// detail view of an employee, who has no commands): their body, which
// scrolls, is a focusable region itself, so that the keyboard scrolls it
// (WCAG 2.1.1; axe's scrollable-region-focusable).
var readOnlyModals = map[string]bool{DetailID: true}

// modalBody is the scrolling body of the dialog id.
func modalBody(id string) app.HTMLDiv {
	d := app.Div().Class("modal-body")
	if readOnlyModals[id] {
		d = d.TabIndex(0).Attr("role", "region").Attr("aria-labelledby", id+"-title")
	}
	return d
}

package wasm

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// DetailID is the element ID of the detail view's dialog.
const DetailID = "dlg-detail"

// ActionDetailCommand is the go-app action the detail view emits when the
// user picks one of the number's commands there; its value is the Target.
// The overview handles it and opens the command's dialog over the detail
// view.
const ActionDetailCommand = "numberdesk/detail-command"

// DetailDialog is the detail view of a number ("Informationen zur
// Rufnummer"), a modal dialog: the number in national and E.164 form, its
// status, origin, porting and activation date, the Kündigungsdatum (also
// of a number that is already inactive), its holders and usage type, what
// its routing does, its history (newest first) and the commands its state
// allows. It reloads after every command. Reading only: the commands open
// their own dialogs (ActionDetailCommand).
type DetailDialog struct {
	app.Compo
	// Number is the number shown.
	Number numberdesk.NumberID

	lang    i18n.Lang
	rev     int
	loaded  numberdesk.NumberID // the number detail was loaded for
	detail  *NumberDetail
	actions []ActionKind
	err     error
}

// OnMount loads the number and opens the dialog.
func (c *DetailDialog) OnMount(ctx app.Context) {
	UseLang(ctx, &c.lang, c.load) // the detail holds translated texts
	ObserveRevision(ctx, &c.rev, c.load)
	c.load(ctx)
	ShowModal(ctx, DetailID)
}

// OnUpdate loads another number when Number changed.
func (c *DetailDialog) OnUpdate(ctx app.Context) {
	if c.Number != c.loaded {
		c.load(ctx)
	}
}

// load reads the number, its history, routing and holders' names.
func (c *DetailDialog) load(ctx app.Context) {
	id := c.Number
	var (
		d       NumberDetail
		actions []ActionKind
	)
	err := Read(ctx, func(ctx context.Context, api API) error {
		n, err := api.Number(ctx, id)
		if err != nil {
			return err
		}
		evs, err := api.History(ctx, id)
		if err != nil {
			return err
		}
		// What the account may not read (another's names, the routing of
		// a number it may not edit) leaves that part short, not the view.
		names, _ := api.Names(ctx)
		var settings *routing.Settings
		if n.UsageType == routing.UsageVoice {
			settings, _ = api.Routing(ctx, id)
		}
		loc := api.Location()
		if loc == nil {
			loc = time.UTC
		}
		d = DetailOf(n, evs, settings, names, loc, demoNames)
		actions = RowActions(n, AccessOf(api.Acting()))
		return nil
	})
	c.loaded, c.err = id, err
	if err != nil {
		c.detail, c.actions = nil, nil
		return
	}
	c.detail, c.actions = &d, actions
}

// command opens the dialog of action k for the number (over this view).
func (c *DetailDialog) command(k ActionKind) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ctx.NewActionWithValue(ActionDetailCommand, Target{Kind: k, Numbers: []numberdesk.NumberID{c.Number}})
	}
}

// Render draws the view.
func (c *DetailDialog) Render() app.UI {
	title := i18n.T("detail.title")
	var body []app.UI
	switch {
	case c.err != nil:
		body = []app.UI{loadFailed(NewFieldErrors(c.err))}
	case c.detail == nil:
		body = []app.UI{loading()}
	default:
		d := c.detail
		title = i18n.T("detail.title_of", d.Display)
		body = c.renderDetail(d)
	}
	foot := []app.UI{app.Button().Type("button").ID(DetailID + "-done").Class("btn").Text(i18n.T("dialog.close")).
		OnClick(func(ctx app.Context, e app.Event) { CloseModal(ctx, DetailID) })}
	return Modal(DetailID, title, body, foot).Class("modal-detail").DataSet("number", string(c.Number))
}

func (c *DetailDialog) renderDetail(d *NumberDetail) []app.UI {
	title := i18n.T("detail.title_of", d.Display)
	// A table of label and value (th scope row, td): read like a
	// description list, and no element types the wasm has not yet.
	fact := func(id, key string, value app.UI) app.UI {
		return app.Tr().ID(id).Class("fact").Body(app.Th().Scope("row").Text(i18n.T(i18n.Key(key))), app.Td().Body(value))
	}
	text := func(s string) app.UI {
		if s == "" {
			return app.Text("–")
		}
		return app.Text(s)
	}
	cancel := []app.UI{text(d.Cancellation)}
	if d.CancellationNote != "" {
		cancel = append(cancel, app.Span().Class("row-hint").Text(d.CancellationNote))
	}
	return []app.UI{
		app.Table().ID("detail-facts").Class("detail-facts").Body(app.Caption().Class("sr-only").Text(title), app.TBody().Body(
			fact("detail-number", "detail.number", app.Text(d.Display)),
			fact("detail-e164", "detail.e164", app.Text(d.E164)),
			fact("detail-status", "detail.status", app.Span().Class("badge badge-"+d.StatusClass).Text(d.StatusLabel)),
			fact("detail-origin", "detail.origin", text(d.Origin)),
			app.If(d.PortingDate != "", func() app.UI { return fact("detail-porting", "detail.porting", app.Text(d.PortingDate)) }),
			fact("detail-activated", "detail.activated", text(d.Activated)),
			fact("detail-cancellation", "detail.cancellation", app.Span().Body(cancel...)),
			app.If(d.SwappedOut != "", func() app.UI { return fact("detail-swapped", "detail.swapped", app.Text(d.SwappedOut)) }),
			fact("detail-holders", "detail.holders", text(d.Holders)),
			fact("detail-usage", "detail.usage", app.Text(d.Usage)),
		)),
		app.H3().Class("detail-head").Text(i18n.T("detail.routing")),
		app.Div().ID("detail-routing").Class("detail-routing").Body(
			app.Range(d.Routing).Slice(func(i int) app.UI { return app.P().Text(d.Routing[i]) }),
		),
		app.If(len(c.actions) > 0, func() app.UI {
			return app.Div().ID("detail-actions").Class("detail-actions").Attr("role", "group").
				Attr("aria-label", i18n.T("overview.col_actions")).Body(
				app.Range(c.actions).Slice(func(i int) app.UI {
					k := c.actions[i]
					return command(app.Button().Type("button").ID("detail-act-"+string(k)).Class("btn btn-small").
						DataSet("action", string(k)).OnClick(c.command(k), app.EventScope(string(k))).
						Body(Icon(k.Icon()), app.Span().Text(k.Label())))
				}),
			)
		}),
		app.H3().Class("detail-head").Text(i18n.T("detail.history")),
		app.If(len(d.History) == 0, func() app.UI {
			return app.P().ID("detail-history-empty").Class("empty").Text(i18n.T("detail.history_none"))
		}).Else(func() app.UI {
			return app.Ol().ID("detail-history").Class("detail-history").Body(
				app.Range(d.History).Slice(func(i int) app.UI {
					r := d.History[i]
					return app.Li().Class("history-item").DataSet("type", string(r.Type)).Body(
						app.Span().Class("history-at").Text(r.At),
						app.Strong().Class("history-event").Text(r.Label),
						app.Span().Class("history-actor").Text(r.Actor),
						app.If(r.Summary != "", func() app.UI { return app.Span().Class("history-details").Text(r.Summary) }),
					)
				}),
			)
		}),
	}
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"detail.title":        {DE: "Informationen zur Rufnummer", EN: "Number information"},
		"detail.title_of":     {DE: "Informationen zur Rufnummer {1}", EN: "Information on number {1}"},
		"detail.open":         {DE: "Informationen zur Rufnummer {1} anzeigen", EN: "Show information on number {1}"},
		"detail.number":       {DE: "Rufnummer", EN: "Number"},
		"detail.e164":         {DE: "Internationales Format (E.164)", EN: "International format (E.164)"},
		"detail.status":       {DE: "Status", EN: "Status"},
		"detail.origin":       {DE: "Herkunft", EN: "Origin"},
		"detail.porting":      {DE: "Portierungsdatum", EN: "Porting date"},
		"detail.activated":    {DE: "Aktiviert am", EN: "Activated on"},
		"detail.cancellation": {DE: "Kündigungsdatum", EN: "Cancellation date"},
		"detail.swapped":      {DE: "Durch Rufnummerntausch ersetzt am", EN: "Replaced by a swap on"},
		"detail.holders":      {DE: "Mitarbeiter", EN: "Employee"},
		"detail.usage":        {DE: "Verwendungstyp", EN: "Usage type"},
		"detail.routing":      {DE: "Routing", EN: "Routing"},
		"detail.history":      {DE: "Verlauf", EN: "History"},
		"detail.history_none": {DE: "Noch keine Ereignisse.", EN: "No events yet."},
	})
}

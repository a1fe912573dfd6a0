package wasm

// The event log page ("/protokoll"): the tenant's audit trail, newest
// first, filterable by kind of event and by number.

import (
	"context"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

func init() {
	RegisterPage(Page{Path: "/protokoll", Title: "nav.log", Order: 30, New: func() app.Composer { return &EventLogPage{} }})
}

// logPageSize is how many rows the log shows before "Weitere laden".
const logPageSize = 100

// EventLogPage lists the audit trail of numbers.Service.Events.
type EventLogPage struct {
	app.Compo

	lang   i18n.Lang
	rev    int
	filter logFilter
	rows   []logRow
	evs    []numberdesk.Event
	names  map[numberdesk.StaffID]string
	loc    *time.Location
	// rowsLang is the language the rows were presented in; a switch
	// reloads them.
	rowsLang i18n.Lang
	shown    int
	err      string
}

// OnMount loads the log, reads a number filter from the URL
// ("/protokoll?nummer=0221+123456-10") and reloads after every command.
func (p *EventLogPage) OnMount(ctx app.Context) {
	UseLang(ctx, &p.lang)
	if u := ctx.Page().URL(); u != nil {
		q := u.Query()
		p.filter.Number = q.Get("nummer")
		p.filter.Type = q.Get("typ")
	}
	p.shown = logPageSize
	ObserveRevision(ctx, &p.rev, p.load)
	p.load(ctx)
}

// load reads the events of the type filter; present applies the number
// filter and presents them.
func (p *EventLogPage) load(ctx app.Context) {
	typ := p.filter.Type
	var (
		evs   []numberdesk.Event
		names map[numberdesk.StaffID]string
		loc   *time.Location
	)
	err := Read(ctx, func(c context.Context, d API) error {
		var err error
		if evs, err = d.Events(c, numberdesk.EventFilter{Desc: true, Types: eventTypesOf(typ)}); err != nil {
			return err
		}
		names, err = d.Names(c)
		loc = d.Location()
		return err
	})
	p.err = ""
	if err != nil {
		// nothing of a log the account may not read stays on screen
		p.err, p.evs, p.rows = i18n.Error(err), nil, nil
		return
	}
	p.evs, p.names, p.loc = evs, names, loc
	p.present()
}

// present builds the rows of the loaded events that pass the filter, in the
// current language.
func (p *EventLogPage) present() {
	p.rows = logRows(p.evs, p.filter, p.loc, func(id numberdesk.StaffID) string { return p.names[id] })
	p.rowsLang = i18n.Current()
}

func (p *EventLogPage) setType(ctx app.Context, e app.Event) {
	p.filter.Type = ctx.JSSrc().Get("value").String()
	p.shown = logPageSize
	p.load(ctx)
}

func (p *EventLogPage) setNumber(ctx app.Context, e app.Event) {
	p.filter.Number = ctx.JSSrc().Get("value").String()
	p.shown = logPageSize
	p.present()
}

func (p *EventLogPage) resetFilter(ctx app.Context, e app.Event) {
	p.filter = logFilter{}
	p.shown = logPageSize
	p.load(ctx)
}

// Render draws the filters and the table (cards on narrow screens).
func (p *EventLogPage) Render() app.UI {
	if p.rowsLang != i18n.Current() && p.evs != nil {
		p.present()
	}
	shown := p.rows
	if len(shown) > p.shown {
		shown = shown[:p.shown]
	}
	return app.Section().ID("log-page").Class("page-log").Body(
		app.P().Class("page-intro").Text(pt("log.intro")),
		app.Form().ID("log-filter").Class("log-filter").Attr("role", "search").
			OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault() }).Body(
			app.Div().Class("field").Body(
				app.Label().For("log-type").Text(pt("log.filter.type")),
				app.Select().ID("log-type").OnChange(p.setType).Body(
					app.Option().Value("").Selected(p.filter.Type == "").Text(pt("log.type.all")),
					app.Range(eventTypeOptions).Slice(func(i int) app.UI {
						o := eventTypeOptions[i]
						return app.Option().Value(o.Key).Selected(p.filter.Type == o.Key).Text(pt(o.Label))
					}),
				),
			),
			app.Div().Class("field").Body(
				app.Label().For("log-number").Text(pt("log.filter.number")),
				app.Input().ID("log-number").Type("search").Value(p.filter.Number).
					Placeholder(pt("log.filter.number.ph")).Attr("inputmode", "tel").OnInput(p.setNumber),
			),
			app.Button().ID("log-reset").Type("button").Class("btn btn-small").Text(pt("log.filter.reset")).OnClick(p.resetFilter),
		),
		app.If(p.err != "", func() app.UI {
			return app.P().ID("log-error").Class("form-error").Attr("role", "alert").Text(p.err)
		}),
		app.P().ID("log-count").Class("log-count").Attr("aria-live", "polite").Text(countText("log.count", len(p.rows))),
		app.If(len(p.rows) == 0, func() app.UI {
			return app.P().ID("log-empty").Class("empty").Text(pt("log.empty"))
		}).Else(func() app.UI {
			return app.Div().Class("table-wrap").Body(app.Table().ID("log-table").Class("log-table").Body(
				app.Caption().Class("sr-only").Text(i18n.T("nav.log")),
				app.THead().Body(app.Tr().Body(
					app.Th().Scope("col").Text(pt("log.col.at")),
					app.Th().Scope("col").Text(pt("log.col.event")),
					app.Th().Scope("col").Text(pt("log.col.number")),
					app.Th().Scope("col").Text(pt("log.col.actor")),
					app.Th().Scope("col").Text(pt("log.col.details")),
				)),
				app.TBody().Body(app.Range(shown).Slice(func(i int) app.UI {
					r := shown[i]
					return app.Tr().Class("log-row").DataSet("type", string(r.Type)).DataSet("seq", strconv.FormatInt(r.Seq, 10)).Body(
						app.Td().Class("log-at").DataSet("label", pt("log.col.at")).Text(r.At),
						app.Td().Class("log-event").DataSet("label", pt("log.col.event")).Text(r.Label),
						app.Td().Class("log-number").DataSet("label", pt("log.col.number")).Text(r.Number),
						app.Td().Class("log-actor").DataSet("label", pt("log.col.actor")).Text(r.Actor),
						app.Td().Class("log-details").DataSet("label", pt("log.col.details")).Text(r.Summary),
					)
				})),
			))
		}),
		app.If(len(p.rows) > p.shown, func() app.UI {
			return app.Button().ID("log-more").Type("button").Class("btn").Text(pt("log.more")).
				OnClick(func(ctx app.Context, e app.Event) { p.shown += logPageSize })
		}),
	)
}

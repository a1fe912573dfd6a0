package wasm

// The statement page ("/abrechnung"): the billing statement of a month in
// the tenant's zone (the current one by default, a forecast), a month
// picker, the proration rule, and the downloads.

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// StatementPath is the route of the statement page; QueryMonth its query
// parameter ("/abrechnung?monat=2026-11").
const (
	StatementPath = "/abrechnung"
	QueryMonth    = "monat"
)

func init() {
	RegisterPage(Page{Path: StatementPath, Title: "nav.statement", Order: 40, New: func() app.Composer { return &StatementPage{} }})
}

// StatementPage shows the statement of a month: its lines (number(s),
// billed days, monthly, net, VAT and gross amounts), the totals per VAT
// rate and overall, the proration rule, whether it is a forecast, and
// the downloads "Als CSV (Excel)", "Als CSV (RFC 4180)" and "Als JSON".
// Owner and manager see it (the SDK shows the event log, its source, to
// them only); an employee reads why not.
type StatementPage struct {
	app.Compo

	lang   i18n.Lang
	rev    int
	role   numberdesk.Role
	loc    *time.Location
	now    time.Time
	year   int
	month  time.Month
	st     *billing.MonthlyStatement
	loaded bool
	err    string
	// dl is the note of the last download, dlErr its error.
	dl, dlErr string
}

// OnMount reads the month from the URL, loads the statement and reloads
// after every command.
func (p *StatementPage) OnMount(ctx app.Context) {
	UseLang(ctx, &p.lang)
	if u := ctx.Page().URL(); u != nil {
		if y, m, ok := ParseMonthKey(u.Query().Get(QueryMonth)); ok {
			p.year, p.month = y, m
		}
	}
	ObserveRevision(ctx, &p.rev, p.load)
	p.load(ctx)
}

// load reads who acts and the chosen month's statement.
func (p *StatementPage) load(ctx app.Context) {
	var st *billing.MonthlyStatement
	err := Read(ctx, func(c context.Context, d API) error {
		p.role, p.loc, p.now = d.Acting().Role, d.Location(), d.Now()
		cur := p.now.In(p.loc)
		if p.year == 0 || MonthKey(p.year, p.month) > MonthKey(cur.Year(), cur.Month()) {
			p.year, p.month = cur.Year(), cur.Month()
		}
		if !mayReadStatement(p.role) {
			return nil
		}
		var err error
		st, err = d.Statement(c, p.year, p.month)
		return err
	})
	p.loaded, p.err, p.st = true, "", st
	if err != nil {
		p.err, p.st = i18n.Error(err), nil
	}
}

// show switches to the month key and keeps it in the URL.
func (p *StatementPage) show(ctx app.Context, key string) {
	y, m, ok := ParseMonthKey(key)
	if !ok {
		return
	}
	p.year, p.month, p.dl, p.dlErr = y, m, "", ""
	if u := ctx.Page().URL(); u != nil && app.IsClient {
		c := *u
		q := c.Query()
		q.Set(QueryMonth, key)
		c.RawQuery = q.Encode()
		ctx.Page().ReplaceURL(&c)
	}
	p.load(ctx)
}

// step returns the handler of "Vorheriger Monat" (-1) and "Nächster
// Monat" (+1).
func (p *StatementPage) step(delta int) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		t := time.Date(p.year, p.month+time.Month(delta), 1, 12, 0, 0, 0, time.UTC)
		p.show(ctx, MonthKey(t.Year(), t.Month()))
	}
}

// download makes the statement's file in format f and hands it to the
// browser.
func (p *StatementPage) download(f ExportFormat) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		var file *Download
		err := Read(ctx, func(c context.Context, d API) error {
			var err error
			file, err = d.Export(c, Export{Kind: ExportStatement, Format: f, Year: p.year, Month: p.month})
			return err
		})
		p.dl, p.dlErr = "", i18n.Error(err)
		if err == nil {
			saveFile(file)
			p.dl = i18n.T("statement.downloaded", file.Name)
		}
	}
}

// Render draws the picker, the statement and the downloads.
func (p *StatementPage) Render() app.UI {
	if !p.loaded {
		return app.Section().ID("statement-page").Body(app.P().Class("loading").Text(i18n.T("dialog.load")))
	}
	if !mayReadStatement(p.role) {
		return app.Section().ID("statement-page").Class("page-statement").Body(
			app.P().ID("statement-role").Class("role-note").Text(i18n.T("statement.role_employee")),
		)
	}
	months := StatementMonths(p.now, p.loc, pickerMonths)
	cur := MonthKey(p.year, p.month)
	first, last := months[len(months)-1], months[0]
	return app.Section().ID("statement-page").Class("page-statement").Body(
		app.P().Class("page-intro").Text(i18n.T("statement.intro")),
		app.Form().ID("statement-picker").Class("toolbar statement-picker").Attr("aria-label", i18n.T("statement.month")).
			OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault() }).Body(
			app.Button().Type("button").ID("statement-prev").Class("btn btn-small").Disabled(cur <= first).
				Text("‹ "+i18n.T("statement.prev")).OnClick(p.step(-1)),
			app.Div().Class("field field-inline").Body(
				app.Label().For("statement-month").Text(i18n.T("statement.month")),
				app.Select().ID("statement-month").OnChange(func(ctx app.Context, e app.Event) {
					p.show(ctx, ctx.JSSrc().Get("value").String())
				}).Body(app.Range(months).Slice(func(i int) app.UI {
					y, m, _ := ParseMonthKey(months[i])
					return app.Option().Value(months[i]).Selected(months[i] == cur).Text(MonthLabel(y, m))
				})),
			),
			app.Button().Type("button").ID("statement-next").Class("btn btn-small").Disabled(cur >= last).
				Text(i18n.T("statement.next")+" ›").OnClick(p.step(1)),
		),
		app.If(p.err != "", func() app.UI {
			return app.P().ID("statement-error").Class("form-error").Attr("role", "alert").Text(p.err)
		}),
		app.If(p.st != nil, func() app.UI { return p.renderStatement() }),
	)
}

// renderStatement draws the loaded statement.
func (p *StatementPage) renderStatement() app.UI {
	v := ViewStatement(p.st, p.now)
	count := i18n.T("statement.count", FormatCount(len(v.Lines)))
	if len(v.Lines) == 1 {
		count = i18n.T("statement.count_one")
	}
	money := func(cls string, s string) app.UI { return app.Td().Class("num " + cls).Text(s) }
	return app.Div().ID("statement").DataSet("month", MonthKey(p.st.Year, p.st.Month)).DataSet("forecast", boolAttr(v.Forecast)).Body(
		app.H2().ID("statement-title").Text(i18n.T("statement.heading", v.Month)),
		app.P().ID("statement-period").Text(i18n.T("statement.period", v.Period, v.TimeZone, FormatCount(v.DaysInMonth))+" · "+count),
		app.If(v.Forecast, func() app.UI {
			return app.P().ID("statement-forecast").Class("warning").Text(i18n.T("statement.forecast"))
		}),
		app.P().ID("statement-rule").Class("info").Text(v.Proration),
		app.If(len(v.Lines) == 0, func() app.UI {
			return app.P().ID("statement-empty").Class("empty").Text(i18n.T("statement.none"))
		}).Else(func() app.UI {
			return app.Div().Class("table-wrap").Body(app.Table().ID("statement-table").Class("quote-table statement-table").Body(
				app.Caption().Class("sr-only").Text(i18n.T("statement.heading", v.Month)),
				app.THead().Body(app.Tr().Body(
					app.Th().Scope("col").Text(i18n.T("statement.col_number")),
					app.Th().Scope("col").Text(i18n.T("statement.col_period")),
					app.Th().Scope("col").Class("num").Text(i18n.T("statement.col_days")),
					app.Th().Scope("col").Class("num").Text(i18n.T("statement.col_monthly")),
					app.Th().Scope("col").Class("num").Text(i18n.T("statement.col_net")),
					app.Th().Scope("col").Class("num").Text(i18n.T("statement.col_vat")),
					app.Th().Scope("col").Class("num").Text(i18n.T("statement.col_gross")),
				)),
				app.TBody().Body(app.Range(v.Lines).Slice(func(i int) app.UI {
					l := v.Lines[i]
					return app.Tr().Class("statement-line").DataSet("line", l.Line).Body(
						app.Th().Scope("row").Class("col-number").Text(l.Numbers),
						app.Td().Class("statement-intervals").Body(app.Range(l.Intervals).Slice(func(j int) app.UI {
							return app.Span().Class("interval").Text(l.Intervals[j])
						})),
						money("st-days", l.Days),
						money("monthly", l.Monthly),
						app.Td().Class("num net").Body(
							app.Text(l.Net),
							app.If(l.OneTime != "", func() app.UI {
								return app.Span().Class("row-hint").Text(i18n.T("statement.one_time", l.OneTime))
							}),
						),
						money("vat", l.VAT+" ("+l.Rate+")"),
						money("gross", l.Gross),
					)
				})),
				app.TFoot().Body(
					app.Range(v.Rates).Slice(func(i int) app.UI { return totalRow("statement-rate", v.Rates[i]) }),
					totalRow("statement-total total", v.Total).ID("statement-total"),
				),
			))
		}),
		app.P().Class("hint").Text(i18n.T("statement.vat_note")),
		app.Div().ID("statement-downloads").Class("export-group").Attr("role", "group").Attr("aria-labelledby", "statement-downloads-label").Body(
			app.P().ID("statement-downloads-label").Class("export-label").Text(i18n.T("statement.downloads")),
			command(app.Button().Type("button").ID("statement-csv-excel").Class("btn btn-small").Title(i18n.T("statement.csv_excel_hint")).
				Text(i18n.T("statement.csv_excel")).OnClick(p.download(FormatExcel))),
			command(app.Button().Type("button").ID("statement-csv-rfc").Class("btn btn-small").Title(i18n.T("statement.csv_rfc_hint")).
				Text(i18n.T("statement.csv_rfc")).OnClick(p.download(FormatRFC4180))),
			command(app.Button().Type("button").ID("statement-json").Class("btn btn-small").
				Text(i18n.T("statement.json")).OnClick(p.download(FormatJSON))),
		),
		app.P().ID("statement-download-status").Class("hint").Attr("role", "status").Text(p.dl),
		app.If(p.dlErr != "", func() app.UI {
			return app.P().ID("statement-download-error").Class("form-error").Attr("role", "alert").Text(p.dlErr)
		}),
	)
}

// totalRow is a totals row of the statement's table.
func totalRow(class string, t StatementTotal) app.HTMLTr {
	return app.Tr().Class(class).Body(
		app.Th().Scope("row").ColSpan(4).Text(t.Label),
		app.Td().Class("num net").Text(t.Net),
		app.Td().Class("num vat").Text(t.VAT),
		app.Td().Class("num gross").Text(t.Gross),
	)
}

package wasm

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// ActivateDialog is "Rufnummer aktivieren": the cost overview of the
// numbers (Quote: per number its fee and booked options, the totals with
// VAT), then "Rufnummern jetzt kostenpflichtig aktivieren", then the
// confirmation. It serves the row's blue circle and the bulk activation.
type ActivateDialog struct {
	app.Compo
	// Numbers are the numbers to activate.
	Numbers []numberdesk.NumberID

	flow
	quote  *numbers.Quote
	result *numbers.ActivateResult
}

const activateID = "dlg-activate"

// OnMount fetches the quote and opens the dialog.
func (c *ActivateDialog) OnMount(ctx app.Context) {
	c.openFlow(ctx, activateID, func(ctx context.Context, d API) error {
		q, err := d.Quote(ctx, c.Numbers)
		c.quote = q
		return err
	})
}

func (c *ActivateDialog) submit(ctx app.Context, e app.Event) {
	if c.quote == nil {
		return
	}
	c.runFlow(ctx, func(ctx context.Context, d API) error {
		r, err := d.Activate(ctx, numbers.ActivateRequest{QuoteToken: c.quote.Token, IdempotencyKey: c.key})
		c.result = r
		return err
	})
}

// Render draws the step.
func (c *ActivateDialog) Render() app.UI {
	fe := NewFieldErrors(c.err, "numbers", "quote")
	var body []app.UI
	switch {
	case c.step == stepLoading:
		body = []app.UI{loading()}
	case c.step == stepDone && c.result != nil:
		body = []app.UI{c.renderResult()}
	default:
		body = []app.UI{
			app.P().Text(i18n.T("activate.intro")),
			fe.For(activateID, "numbers"),
			app.If(c.quote != nil, func() app.UI { return c.renderQuote() }),
			fe.For(activateID, "quote"),
			fe.Top(activateID),
		}
	}
	return Modal(activateID, i18n.T("activate.title"), body,
		footer(activateID, c.step, numbers.DefaultConsentLabel, c.quote == nil, c.submit))
}

func (c *ActivateDialog) renderQuote() app.UI {
	q := c.quote
	var rows []app.UI
	for _, l := range q.Lines {
		rows = append(rows, app.Tr().Class("quote-number").Body(app.Th().Scope("rowgroup").ColSpan(2).Text(l.Display)))
		for i, p := range l.Price.Monthly {
			label := p.Label
			if i > 0 {
				label = i18n.T("activate.option", p.Label)
			}
			rows = append(rows, app.Tr().Body(app.Td().Text(label), app.Td().Class("num").Text(p.Net.String())))
		}
		for _, p := range l.Price.OneTime {
			rows = append(rows, app.Tr().Body(app.Td().Text(i18n.T("activate.one_time", p.Label)), app.Td().Class("num").Text(p.Net.String())))
		}
	}
	total := func(id, label, value string, strong bool) app.UI {
		td := app.Td().Class("num").ID(id).Text(value)
		if strong {
			td = app.Td().Class("num").ID(id).Body(app.Strong().Text(value))
		}
		return app.Tr().Class("total").Body(app.Th().Scope("row").Text(label), td)
	}
	return app.Div().Class("quote").Body(
		app.H3().Text(i18n.T("activate.costs")),
		app.Div().Class("quote-scroll").Body(app.Table().ID("quote-table").Class("quote-table").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Text(i18n.T("activate.position")),
				app.Th().Scope("col").Class("num").Text(i18n.T("activate.monthly")),
			)),
			app.TBody().Body(rows...),
			app.TFoot().Body(
				total("quote-net", i18n.T("activate.sum_net"), q.Monthly.Net.String(), false),
				total("quote-vat", i18n.T("activate.vat", numbers.FormatRate(q.VATRate)), q.Monthly.VAT.String(), false),
				total("quote-gross", i18n.T("activate.sum_gross"), q.Monthly.Gross.String(), true),
				app.If(q.OneTime.Net.Cents != 0, func() app.UI {
					return total("quote-one-time", i18n.T("activate.one_time_total"), q.OneTime.Gross.String(), false)
				}),
			),
		)),
		app.P().Class("hint").Text(i18n.T("activate.billing")),
	)
}

func (c *ActivateDialog) renderResult() app.UI {
	r := c.result
	lines := []string{}
	switch n := r.Activated(); {
	case n == 1 && len(r.Results) == 1:
		lines = append(lines, i18n.T("activate.done_one", displayOf(c.quote, r.Results[0].Number)))
	case n > 0:
		lines = append(lines, i18n.T("activate.done_many", FormatCount(n)))
	}
	for _, x := range r.Results {
		if x.Outcome == numbers.OutcomeFailed {
			lines = append(lines, displayOf(c.quote, x.Number)+": "+i18n.Error(x.Error))
		}
	}
	switch r.Activated() {
	case 0:
	case 1:
		lines = append(lines, i18n.T("activate.listed_one"))
	default:
		lines = append(lines, i18n.T("activate.listed_many"))
	}
	return confirmation(activateID, lines...)
}

func displayOf(q *numbers.Quote, id numberdesk.NumberID) string {
	if q != nil {
		for _, l := range q.Lines {
			if l.Number == id {
				return l.Display
			}
		}
	}
	return string(id)
}

func init() {
	RegisterDialog(ActActivate, func(t Target) app.Composer { return &ActivateDialog{Numbers: t.Numbers} })
	i18n.Register(map[i18n.Key]i18n.Text{
		"activate.title":          {DE: "Information zur Rufnummernaktivierung", EN: "Activating numbers"},
		"activate.intro":          {DE: "Sie sehen hier die Kostenübersicht, in der Sie auch erkennen, welche Optionen Sie gebucht haben.", EN: "This is the cost overview, including the options you booked."},
		"activate.costs":          {DE: "Kostenübersicht", EN: "Cost overview"},
		"activate.position":       {DE: "Position", EN: "Item"},
		"activate.monthly":        {DE: "monatlich (netto)", EN: "monthly (net)"},
		"activate.option":         {DE: "Option: {1}", EN: "Option: {1}"},
		"activate.one_time":       {DE: "einmalig: {1}", EN: "one-time: {1}"},
		"activate.sum_net":        {DE: "Summe monatlich (netto)", EN: "Monthly total (net)"},
		"activate.vat":            {DE: "zzgl. {1} MwSt.", EN: "plus {1} VAT"},
		"activate.sum_gross":      {DE: "Gesamt monatlich (brutto)", EN: "Monthly total (gross)"},
		"activate.one_time_total": {DE: "Einmalige Gebühren (brutto)", EN: "One-time fees (gross)"},
		"activate.billing":        {DE: "Erst nach der Aktivierung entstehen Gebühren für diese Nummer.", EN: "Fees apply only from the activation on."},
		"activate.done_one":       {DE: "Die Rufnummer {1} haben Sie nun aktiviert.", EN: "You have activated the number {1}."},
		"activate.done_many":      {DE: "{1} Rufnummern haben Sie nun aktiviert.", EN: "You have activated {1} numbers."},
		// English text of the SDK's quote errors (expired; a quoted number or the prices changed since).
		"err.precondition.quote": {DE: "-", EN: "The cost overview has expired, or its numbers or prices have changed since. Please open it again."},
		"activate.listed_one":    {DE: "Sie ist von nun an als „aktiv“ in der Rufnummern-Übersicht gelistet.", EN: "From now on it is listed as “active” in the overview."},
		"activate.listed_many":   {DE: "Sie sind von nun an als „aktiv“ in der Rufnummern-Übersicht gelistet.", EN: "From now on they are listed as “active” in the overview."},
	})
}

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
	// skipped are the numbers of the selection that cannot be activated
	// now, each with why (ported: the porting date); the quote and the
	// activation are of the others.
	skipped []string
	// from is the porting date of a single number that cannot be
	// activated before it.
	from string
}

const activateID = "dlg-activate"

// OnMount fetches the quote and opens the dialog.
func (c *ActivateDialog) OnMount(ctx app.Context) {
	c.openFlow(ctx, activateID, c.load)
}

// load quotes the numbers. When the SDK refuses one of them (a ported
// number before its porting date, a number another admin activated
// meanwhile), it reads the numbers, sets aside those that cannot be
// activated now with their reason, and quotes the others: one number that
// waits for its porting date does not block a bulk activation. A single
// number keeps the SDK's error, with the porting date added.
func (c *ActivateDialog) load(ctx context.Context, d API) error {
	c.skipped, c.from = nil, ""
	q, err := d.Quote(ctx, c.Numbers)
	if err == nil || numberdesk.ErrorCode(err) != numberdesk.CodePrecondition {
		c.quote = q
		return err
	}
	now, loc, access := d.Now(), d.Location(), AccessOf(d.Acting())
	var ok []numberdesk.NumberID
	for _, id := range c.Numbers {
		n, rerr := d.Number(ctx, id)
		switch {
		case rerr != nil:
			c.skipped = append(c.skipped, i18n.T("activate.skip_error", string(id), i18n.Error(rerr)))
		case ActivatableFrom(n, now, loc) != "":
			c.from = ActivatableFrom(n, now, loc)
			c.skipped = append(c.skipped, i18n.T("activate.skip_porting", n.Display(), c.from))
		case !ActActivate.Applies(n, access):
			c.skipped = append(c.skipped, i18n.T("activate.skip_status", n.Display(), StatusLabel(n)))
		default:
			ok = append(ok, id)
		}
	}
	if len(c.Numbers) == 1 {
		c.skipped = nil
		return err // the SDK's reason; Render adds the date
	}
	if len(ok) == 0 {
		return nil // nothing to quote: the list says why
	}
	c.quote, err = d.Quote(ctx, ok)
	return err
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
		if c.from != "" && fe.On("numbers") {
			// The SDK's message says "ab dem Portierungstermin"; the
			// dialog names the date.
			fe = FieldErrors{}.With("numbers", fe.Message()+" "+i18n.T("activate.from_date", c.from))
		}
		body = []app.UI{
			app.If(c.quote != nil, func() app.UI { return app.P().Text(i18n.T("activate.intro")) }),
			fe.For(activateID, "numbers"),
			c.renderSkipped(),
			app.If(c.quote != nil, func() app.UI { return c.renderQuote() }),
			fe.For(activateID, "quote"),
			fe.Top(activateID),
		}
	}
	// The paid consent in the brand's wording (default the seed's), which
	// the server's SDK records with the activation.
	p := primary{label: Brand().Consent, disabled: c.quote == nil, submit: c.submit}
	if c.quote != nil {
		// The gross total stands next to the paid button, in view.
		p.beside = app.P().ID("foot-gross").Class("foot-total").Body(
			app.Span().Class("foot-total-label").Text(i18n.T("activate.sum_gross")+": "),
			app.Strong().Text(c.quote.Monthly.Gross.String()),
		)
	}
	return Modal(activateID, i18n.T("activate.title"), body, footerOf(activateID, c.step, p))
}

// renderSkipped lists the numbers of a bulk activation that cannot be
// activated now, each with its reason, or nothing.
func (c *ActivateDialog) renderSkipped() app.UI {
	if len(c.skipped) == 0 {
		return nil
	}
	skipped := c.skipped
	title := i18n.T("activate.skipped")
	if c.quote == nil {
		title = i18n.T("activate.skipped_all")
	}
	return app.Div().ID("activate-skipped").Class("warning skipped").Attr("role", "status").Body(
		app.P().Class("skipped-title").Text(title),
		app.Ul().Body(app.Range(skipped).Slice(func(i int) app.UI { return app.Li().Text(skipped[i]) })),
	)
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
		app.H3().ID("quote-title").Text(i18n.T("activate.costs")),
		// focusable: on a phone the cost overview is the dialog's scroll
		// area, and the keyboard scrolls what has the focus (WCAG 2.1.1)
		app.Div().Class("quote-scroll").Attr("tabindex", "0").Attr("role", "region").Attr("aria-labelledby", "quote-title").Body(app.Table().ID("quote-table").Class("quote-table").Body(
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
	if len(c.skipped) > 0 {
		lines = append(lines, i18n.T("activate.skipped_done"))
		lines = append(lines, c.skipped...)
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
		"activate.from_date":      {DE: "Sie können sie ab dem {1} aktivieren.", EN: "You can activate it from {1}."},
		"activate.skipped":        {DE: "Diese Rufnummern werden nicht aktiviert:", EN: "These numbers are not activated:"},
		"activate.skipped_done":   {DE: "Nicht aktiviert wurden:", EN: "Not activated:"},
		"activate.skipped_all":    {DE: "Keine der ausgewählten Rufnummern lässt sich jetzt aktivieren:", EN: "None of the selected numbers can be activated now:"},
		"activate.skip_porting":   {DE: "{1}: kann erst ab dem Portierungstermin am {2} aktiviert werden.", EN: "{1}: can only be activated from its porting date, {2}."},
		"activate.skip_status":    {DE: "{1}: ist {2} und kann nicht aktiviert werden.", EN: "{1}: is {2} and cannot be activated."},
		"activate.skip_error":     {DE: "{1}: {2}", EN: "{1}: {2}"},
		// English text of the SDK's quote errors (expired; a quoted number or the prices changed since).
		"err.precondition.quote": {DE: "-", EN: "The cost overview has expired, or its numbers or prices have changed since. Please open it again."},
		"activate.listed_one":    {DE: "Sie ist von nun an als „aktiv“ in der Rufnummern-Übersicht gelistet.", EN: "From now on it is listed as “active” in the overview."},
		"activate.listed_many":   {DE: "Sie sind von nun an als „aktiv“ in der Rufnummern-Übersicht gelistet.", EN: "From now on they are listed as “active” in the overview."},
	})
}

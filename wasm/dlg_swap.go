package wasm

import (
	"context"

	"github.com/google/uuid"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/demo"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// SwapDialog is "Rufnummerntausch" (the crossed arrows): the number to
// replace (a dropdown, preset to the row's number), the new, previously
// inactive or new number that takes its place, "Rufnummerntausch jetzt
// abschließen", then the confirmation with the reminder to set up a
// forwarding to the IP device.
type SwapDialog struct {
	app.Compo
	// Number is the number to replace (preselected).
	Number numberdesk.NumberID

	lang       i18n.Lang
	step       step
	olds       []*numbers.Number
	candidates []*numbers.Number
	old, new   string
	result     *numbers.SwapResult
	err        error
	key        string
}

const swapID = "dlg-swap"

// OnMount loads the choices and opens the dialog.
func (c *SwapDialog) OnMount(ctx app.Context) {
	UseLang(ctx, &c.lang)
	c.key = uuid.NewString()
	c.old = string(c.Number)
	c.err = Read(ctx, func(ctx context.Context, d *demo.Demo) error {
		p, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{
			Statuses: []numbers.Status{numbers.StatusActive, numbers.StatusDeactivationPending}, Limit: numbers.MaxPageSize})
		if err != nil {
			return err
		}
		c.olds = p.Numbers
		c.candidates, err = d.Candidates(ctx)
		return err
	})
	c.step = stepForm
	ShowModal(ctx, swapID)
}

func (c *SwapDialog) submit(ctx app.Context, e app.Event) {
	c.err = Do(ctx, func(ctx context.Context, d *demo.Demo) error {
		r, err := d.Numbers.Swap(ctx, d.Actor(), numbers.SwapRequest{
			Old: numberdesk.NumberID(c.old), New: numberdesk.NumberID(c.new), IdempotencyKey: c.key})
		c.result = r
		return err
	})
	if c.err == nil {
		c.step = stepDone
		focusDone(ctx, swapID)
	}
}

// Render draws the step.
func (c *SwapDialog) Render() app.UI {
	fe := NewFieldErrors(c.err, "old", "new")
	var body []app.UI
	switch {
	case c.step == stepLoading:
		body = []app.UI{loading()}
	case c.step == stepDone && c.result != nil:
		body = []app.UI{
			confirmation(swapID, i18n.T("swap.done", c.result.Old.Display(), c.result.New.Display()), i18n.T("swap.no_cost")),
			app.If(c.result.ForwardingRequired, func() app.UI {
				return app.P().ID("swap-reminder").Class("reminder").Attr("role", "note").Text(i18n.T("swap.forwarding"))
			}),
			app.P().Text(i18n.T("swap.setup")),
		}
	default:
		body = []app.UI{
			app.P().Text(i18n.T("swap.intro")),
			app.Div().Class("field").Body(
				app.Label().For("swap-old").Text(i18n.T("swap.old")),
				app.Select().ID("swap-old").Attr("aria-describedby", ErrorID(swapID, "old")).
					Attr("aria-invalid", boolAttr(fe.On("old"))).
					OnChange(func(ctx app.Context, e app.Event) { c.old = e.Get("target").Get("value").String() }).Body(
					app.Range(c.olds).Slice(func(i int) app.UI {
						n := c.olds[i]
						return app.Option().Value(string(n.ID)).Selected(string(n.ID) == c.old).
							Text(n.Display() + " (" + StatusLabel(n) + ")")
					}),
				),
				fe.For(swapID, "old"),
			),
			app.Div().Class("field").Body(
				app.Label().For("swap-new").Text(i18n.T("swap.new")),
				app.Select().ID("swap-new").Attr("aria-describedby", ErrorID(swapID, "new")).
					Attr("aria-invalid", boolAttr(fe.On("new"))).
					OnChange(func(ctx app.Context, e app.Event) { c.new = e.Get("target").Get("value").String() }).Body(
					app.Option().Value("").Selected(c.new == "").Text(i18n.T("swap.choose")),
					app.Range(c.candidates).Slice(func(i int) app.UI {
						n := c.candidates[i]
						return app.Option().Value(string(n.ID)).Selected(string(n.ID) == c.new).
							Text(n.Display() + " (" + StatusLabel(n) + ")")
					}),
				),
				fe.For(swapID, "new"),
			),
			app.P().Class("warning").Text(i18n.T("swap.loss")),
			fe.Top(swapID),
		}
	}
	return Modal(swapID, i18n.T("swap.title"), body, footer(swapID, c.step, i18n.T("swap.submit"), false, c.submit))
}

func init() {
	RegisterDialog(ActSwap, func(t Target) app.Composer { return &SwapDialog{Number: t.Numbers[0]} })
	i18n.Register(map[i18n.Key]i18n.Text{
		"swap.title":      {DE: "Rufnummerntausch", EN: "Swap a number"},
		"swap.intro":      {DE: "Beim Austauschen deaktivieren Sie eine Rufnummer und setzen an ihre Stelle eine ganz neue, zuvor inaktive Rufnummer. Da sich dadurch die Anzahl der Nummern nicht verändert, entstehen auch keine zusätzlichen Kosten.", EN: "A swap deactivates a number and puts a new, previously inactive number in its place. The number of numbers stays the same, so there is no extra cost."},
		"swap.old":        {DE: "Welche Nummer soll ersetzt werden?", EN: "Which number is replaced?"},
		"swap.new":        {DE: "Welche Nummer soll an ihre Stelle treten?", EN: "Which number takes its place?"},
		"swap.choose":     {DE: "Bitte wählen …", EN: "Please choose …"},
		"swap.loss":       {DE: "Alle Einstellungen der alten Nummer gehen dabei verloren.", EN: "All settings of the old number are lost."},
		"swap.submit":     {DE: "Rufnummerntausch jetzt abschließen", EN: "Complete the swap now"},
		"swap.done":       {DE: "Die Rufnummer {1} wurde durch {2} ersetzt.", EN: "The number {1} has been replaced by {2}."},
		"swap.no_cost":    {DE: "Es entstehen keine zusätzlichen Kosten.", EN: "There is no extra cost."},
		"swap.forwarding": {DE: "Damit diese Rufnummer angerufen werden kann, müssen Sie zudem eine Weiterleitung auf das IP-Gerät schalten.", EN: "For this number to be reachable, you must also set up a forwarding to the IP device."},
		"swap.setup":      {DE: "Die neue Rufnummer können Sie jetzt direkt einrichten.", EN: "You can set up the new number right away."},
	})
}

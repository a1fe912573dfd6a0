package wasm

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// SwapDialog is "Rufnummerntausch" (the crossed arrows): the number to
// replace (a dropdown, preset to the row's number), the new, previously
// inactive or new number that takes its place, "Rufnummerntausch jetzt
// abschließen", then the confirmation with the reminder to set up a
// forwarding to the IP device. Up to pickerLimit choices are a dropdown;
// more (10,000 numbers) a searchable picker (picker.go) that asks the SDK's
// search and shows at most pickerLimit matches.
type SwapDialog struct {
	app.Compo
	// Number is the number to replace (preselected).
	Number numberdesk.NumberID

	flow
	olds       []*numbers.Number
	candidates []*numbers.Number
	old, new   string
	result     *numbers.SwapResult
	// oldPick and newPick replace the dropdowns when there are more than
	// pickerLimit choices (nil: the dropdown).
	oldPick, newPick *picker
}

// swapOlds are the numbers a swap may replace, swapNews those that may
// take their place (past any porting date: swapReady).
var (
	swapOlds = numbers.Query{Statuses: []numbers.Status{numbers.StatusActive, numbers.StatusDeactivationPending}}
	swapNews = numbers.Query{Statuses: []numbers.Status{numbers.StatusNew, numbers.StatusInactive}}
)

func swapReady(d API, n *numbers.Number) bool {
	return n.PortingDate.IsZero() || !d.Now().Before(n.PortingDate)
}

const swapID = "dlg-swap"

// OnMount loads the choices and opens the dialog.
func (c *SwapDialog) OnMount(ctx app.Context) {
	c.old = string(c.Number)
	c.openFlow(ctx, swapID, func(cx context.Context, d API) error {
		q := swapOlds
		q.Limit = pickerLimit
		p, err := d.Overview(cx, q)
		if err != nil {
			return err
		}
		c.olds, c.oldPick = p.Numbers, nil
		if p.Total > len(p.Numbers) || p.TotalIsLowerBound {
			c.olds = nil
			c.oldPick = &picker{ID: "swap-old", Hint: i18n.T("picker.hint.number"), Source: numberSource(swapOlds, nil),
				OnChange: func(ctx app.Context) { c.old, c.err = c.oldPick.Value(), nil }}
			if n, err := d.Number(cx, c.Number); err == nil {
				c.oldPick.Preset(numberOption(n))
			}
		}
		q = swapNews
		q.Limit = pickerLimit
		if p, err = d.Overview(cx, q); err != nil {
			return err
		}
		c.candidates, c.newPick = nil, nil
		for _, n := range p.Numbers {
			if swapReady(d, n) {
				c.candidates = append(c.candidates, n)
			}
		}
		if p.Total > len(p.Numbers) || p.TotalIsLowerBound {
			c.candidates = nil
			c.newPick = &picker{ID: "swap-new", Hint: i18n.T("picker.hint.number"), Source: numberSource(swapNews, swapReady),
				OnChange: func(ctx app.Context) { c.new, c.err = c.newPick.Value(), nil }}
		}
		return nil
	})
}

func (c *SwapDialog) submit(ctx app.Context, e app.Event) {
	// An empty choice is the portal's own message, not the SDK's text for
	// an empty text field.
	if c.err = requireChoice("wasm.SwapDialog", "old", c.old); c.err == nil {
		c.err = requireChoice("wasm.SwapDialog", "new", c.new)
	}
	if c.err != nil {
		FocusByID(c.ctx, "swap-"+numberdesk.ErrorField(c.err))
		return
	}
	c.runFlow(ctx, func(ctx context.Context, d API) error {
		r, err := d.Swap(ctx, numbers.SwapRequest{
			Old: numberdesk.NumberID(c.old), New: numberdesk.NumberID(c.new), IdempotencyKey: c.key})
		c.result = r
		return err
	})
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
			app.If(c.oldPick != nil, func() app.UI { return c.oldPick.render(i18n.T("swap.old"), swapID, "old", fe) }).
				Else(func() app.UI {
					return choice(swapID, "old", "swap-old", i18n.T("swap.old"), fe, c.edited(func(v string) { c.old = v }),
						app.Range(c.olds).Slice(func(i int) app.UI { return c.option(c.olds[i], c.old) }))
				}),
			app.If(c.newPick != nil, func() app.UI { return c.newPick.render(i18n.T("swap.new"), swapID, "new", fe) }).
				Else(func() app.UI {
					return choice(swapID, "new", "swap-new", i18n.T("swap.new"), fe, c.edited(func(v string) { c.new = v }),
						app.Option().Value("").Selected(c.new == "").Text(i18n.T("swap.choose")),
						app.Range(c.candidates).Slice(func(i int) app.UI { return c.option(c.candidates[i], c.new) }))
				}),
			app.P().Class("warning").Text(i18n.T("swap.loss")),
			fe.Top(swapID),
		}
	}
	// A swap wipes the old number's settings: a red button.
	return Modal(swapID, i18n.T("swap.title"), body, footerOf(swapID, c.step, primary{label: i18n.T("swap.submit"), danger: true, submit: c.submit}))
}

// option is a number in one of the selects: "0221 123456-16 (inaktiv)".
func (c *SwapDialog) option(n *numbers.Number, selected string) app.UI {
	return app.Option().Value(string(n.ID)).Selected(string(n.ID) == selected).Text(n.Display() + " (" + StatusLabel(n) + ")")
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
		// English texts of the SDK's errors on these fields (German: the SDK's message).
		"err.invalid.new":      {DE: "-", EN: "Please choose the number that takes the old one's place (another one than the old)."},
		"err.invalid.old":      {DE: "-", EN: "Please choose the number to replace."},
		"err.precondition.old": {DE: "-", EN: "Only active numbers can be replaced."},
	})
}

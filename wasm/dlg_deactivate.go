package wasm

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// DeactivateDialog is "Rufnummer deaktivieren" (the red circle): when the
// deactivation takes effect (PreviewDeactivation) and that the number's
// settings are lost, then "Rufnummer jetzt deaktivieren", then the
// confirmation that the number is "Zur Deaktivierung vorgemerkt". With
// Withdraw it is "Deaktivierung zurücknehmen" for a pending number.
type DeactivateDialog struct {
	app.Compo
	// Number is the number to deactivate (or whose deactivation to withdraw).
	Number numberdesk.NumberID
	// Withdraw selects "Deaktivierung zurücknehmen".
	Withdraw bool

	flow
	display string
	date    string // the notice date ("Kündigungsdatum")
}

func (c *DeactivateDialog) id() string {
	if c.Withdraw {
		return "dlg-withdraw"
	}
	return "dlg-deactivate"
}

// OnMount fetches the date and opens the dialog.
func (c *DeactivateDialog) OnMount(ctx app.Context) {
	c.openFlow(ctx, c.id(), func(ctx context.Context, d API) error {
		n, err := d.Number(ctx, c.Number)
		if err != nil {
			return err
		}
		c.display = n.Display()
		if c.Withdraw {
			if n.Status != numbers.StatusDeactivationPending {
				return numberdesk.E(numberdesk.CodePrecondition, "wasm.Withdraw", "number", "Für diese Rufnummer ist keine Deaktivierung vorgemerkt.")
			}
			c.date = numbers.FormatDate(numbers.NoticeDate(n.DeactivationAt, d.Location()))
			return nil
		}
		p, err := d.PreviewDeactivation(ctx, c.Number)
		if err != nil {
			return err
		}
		c.date = numbers.FormatDate(p.NoticeDate)
		return nil
	})
	if c.err != nil && c.date == "" {
		c.step = stepFailed
	}
}

func (c *DeactivateDialog) submit(ctx app.Context, e app.Event) {
	c.runFlow(ctx, func(ctx context.Context, d API) error {
		if c.Withdraw {
			_, err := d.Withdraw(ctx, numbers.WithdrawRequest{Number: c.Number})
			return err
		}
		r, err := d.Deactivate(ctx, numbers.DeactivateRequest{Number: c.Number, IdempotencyKey: c.key})
		if err == nil {
			c.date = numbers.FormatDate(r.NoticeDate)
		}
		return err
	})
}

// Render draws the step.
func (c *DeactivateDialog) Render() app.UI {
	id := c.id()
	fe := NewFieldErrors(c.err, "number")
	title, label := i18n.T("deactivate.title"), i18n.T("deactivate.submit")
	if c.Withdraw {
		title, label = i18n.T("withdraw.title"), i18n.T("withdraw.submit")
	}
	var body []app.UI
	switch c.step {
	case stepLoading:
		body = []app.UI{loading()}
	case stepDone:
		if c.Withdraw {
			body = []app.UI{confirmation(id, i18n.T("withdraw.done", c.display), i18n.T("withdraw.done2"))}
		} else {
			body = []app.UI{confirmation(id, i18n.T("deactivate.done", c.display, c.date), i18n.T("deactivate.done2"))}
		}
	case stepFailed:
		body = []app.UI{loadFailed(fe)}
	default:
		if c.Withdraw {
			body = []app.UI{
				app.P().Text(i18n.T("withdraw.info", c.display, c.date)),
				app.P().Text(i18n.T("withdraw.keep")),
			}
		} else {
			body = []app.UI{
				app.P().Text(i18n.T("deactivate.confirm", c.display)),
				app.P().ID("deactivate-date").Class("info").Text(i18n.T("deactivate.date", c.date)),
				app.P().Class("warning").Text(i18n.T("deactivate.loss")),
			}
		}
		body = append(body, fe.For(id, "number"), fe.Top(id))
	}
	// Deactivating is destructive (the settings are lost): a red button,
	// and "Abbrechen" takes the first focus. Withdrawing is not.
	return Modal(id, title, body, footerOf(id, c.step, primary{label: label, danger: !c.Withdraw, submit: c.submit}))
}

func init() {
	RegisterDialog(ActDeactivate, func(t Target) app.Composer { return &DeactivateDialog{Number: t.Numbers[0]} })
	RegisterDialog(ActWithdraw, func(t Target) app.Composer { return &DeactivateDialog{Number: t.Numbers[0], Withdraw: true} })
	i18n.Register(map[i18n.Key]i18n.Text{
		"deactivate.title":   {DE: "Information zur Rufnummerndeaktivierung", EN: "Deactivating a number"},
		"deactivate.confirm": {DE: "Möchten Sie die Rufnummer {1} wirklich deaktivieren?", EN: "Do you really want to deactivate the number {1}?"},
		"deactivate.date":    {DE: "Die Deaktivierung findet zum {1} statt (Kündigungsdatum). Bis dahin können Sie die Rufnummer weiter nutzen.", EN: "The deactivation takes effect on {1} (cancellation date). Until then the number stays usable."},
		"deactivate.loss":    {DE: "Mit der Deaktivierung verlieren Sie alle Voreinstellungen dieser Rufnummer.", EN: "With the deactivation all settings of this number are lost."},
		"deactivate.done":    {DE: "Wir haben die Rufnummer {1} zum {2} zur Deaktivierung vorgemerkt.", EN: "The number {1} is scheduled for deactivation on {2}."},
		"deactivate.done2":   {DE: "Die Rufnummer wird nun in der Übersicht als „Zur Deaktivierung vorgemerkt“ angezeigt.", EN: "The overview now shows it as “Scheduled for deactivation”."},
		"deactivate.submit":  {DE: "Rufnummer jetzt deaktivieren", EN: "Deactivate number now"},
		"withdraw.submit":    {DE: "Deaktivierung zurücknehmen", EN: "Withdraw deactivation"},
		"withdraw.title":     {DE: "Deaktivierung zurücknehmen", EN: "Withdraw the deactivation"},
		"withdraw.info":      {DE: "Die Rufnummer {1} ist zum {2} zur Deaktivierung vorgemerkt.", EN: "The number {1} is scheduled for deactivation on {2}."},
		"withdraw.keep":      {DE: "Nehmen Sie die Deaktivierung zurück, bleibt die Rufnummer aktiv: Ihre Einstellungen bleiben erhalten, und es entstehen keine neuen Gebühren.", EN: "If you withdraw it, the number stays active with its settings, and no new fees apply."},
		"withdraw.done":      {DE: "Die Deaktivierung der Rufnummer {1} wurde zurückgenommen.", EN: "The deactivation of the number {1} has been withdrawn."},
		"withdraw.done2":     {DE: "Die Rufnummer ist wieder aktiv.", EN: "The number is active again."},
	})
}

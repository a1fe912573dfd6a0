package wasm

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// EfaxDialog is "Zugangsdaten E-Fax-App versenden" (the browser-window
// icon): the recipients by the eligibility rules of package efax (a personal
// fax number's holder only, fixed; for a shared one the owner picks members;
// locked employees and those without e-mail shown but not selectable, with
// the reason), "Zugangsdaten an Mitarbeiter versenden", then the
// confirmation "Die Zugangsdaten wurden an … versendet.". Sending again
// rotates the login: the old password stops working.
type EfaxDialog struct {
	app.Compo
	// Number is the fax number.
	Number numberdesk.NumberID

	flow
	el       *efax.Eligibility
	loc      *time.Location
	selected []numberdesk.StaffID
	conf     *efax.Confirmation
}

const efaxID = "dlg-efax"

// OnMount loads the candidates; a personal fax number's holder and a sole
// eligible member are preselected.
func (c *EfaxDialog) OnMount(ctx app.Context) {
	c.openFlow(ctx, efaxID, func(ctx context.Context, d API) error {
		el, err := d.EfaxRecipients(ctx, c.Number)
		c.el, c.loc = el, d.Location()
		return err
	})
	if c.el == nil {
		c.step = stepFailed
		return
	}
	c.selected = preselect(c.el)
}

// preselect returns the recipients chosen when the dialog opens: every
// eligible candidate of a personal number (its holder), or the only eligible
// member of a shared one.
func preselect(el *efax.Eligibility) []numberdesk.StaffID {
	var ok []numberdesk.StaffID
	for _, cand := range el.Candidates {
		if cand.Eligible {
			ok = append(ok, cand.Staff)
		}
	}
	if el.Fixed || len(ok) == 1 {
		return ok
	}
	return nil
}

// toggle adds or removes a member of a shared fax number (and clears an
// error about the previous choice).
func (c *EfaxDialog) toggle(id numberdesk.StaffID, on bool) {
	c.err = nil
	c.selected = slices.DeleteFunc(c.selected, func(s numberdesk.StaffID) bool { return s == id })
	if on {
		c.selected = append(c.selected, id)
	}
}

func (c *EfaxDialog) submit(ctx app.Context, e app.Event) {
	c.runFlow(ctx, func(ctx context.Context, d API) error {
		conf, err := d.EfaxSend(ctx, efax.SendRequest{Number: c.Number, Staff: c.selected, IdempotencyKey: c.key})
		c.conf = conf
		return err
	})
}

// Render draws the step.
func (c *EfaxDialog) Render() app.UI {
	fe := NewFieldErrors(c.err, "staff")
	var body []app.UI
	switch c.step {
	case stepLoading:
		body = []app.UI{loading()}
	case stepFailed:
		body = []app.UI{loadFailed(fe)}
	case stepDone:
		lines := []string{c.doneMessage()}
		for _, r := range c.conf.Recipients {
			if r.Rotated {
				lines = append(lines, i18n.T("efax.rotated", r.Name))
			}
		}
		body = []app.UI{confirmation(efaxID, lines...)}
	default:
		body = []app.UI{
			app.P().Text(i18n.T("efax.number", c.el.Display)),
			app.P().Class("hint").Text(i18n.T("efax.intro")),
			app.If(c.el.Fixed, func() app.UI { return app.P().Class("hint").Text(i18n.T("efax.fixed")) }),
			app.If(c.el.Message != "", func() app.UI {
				return app.P().Class("hint warning").Attr("role", "note").Text(c.el.Message)
			}),
			app.FieldSet().ID("efax-recipients").Class("field").Attr("aria-describedby", ErrorID(efaxID, "staff")).Body(
				app.Legend().Text(i18n.T("efax.recipients")),
				app.Range(c.el.Candidates).Slice(func(i int) app.UI { return c.candidate(i) }),
			),
			fe.For(efaxID, "staff"),
			fe.Top(efaxID),
		}
	}
	return Modal(efaxID, i18n.T("efax.title"), body,
		footer(efaxID, c.step, i18n.T("efax.submit"), len(c.selected) == 0, c.submit))
}

// candidate renders the checkbox of candidate i with its state: the reason
// why it cannot be chosen, or when its login was last sent.
func (c *EfaxDialog) candidate(i int) app.UI {
	cand := c.el.Candidates[i]
	id := "efax-staff-" + string(cand.Staff)
	hint := cand.Reason
	if cand.Eligible && cand.Credential != nil && cand.Credential.Status == efax.StatusActive {
		hint = i18n.T("efax.sent_before", cand.Credential.RotatedAt.In(c.loc).Format("02.01.2006 15:04"))
	}
	return app.Div().Class("field check").Body(
		app.Input().Type("checkbox").ID(id).Value(string(cand.Staff)).
			Checked(slices.Contains(c.selected, cand.Staff)).
			Disabled(!cand.Eligible || c.el.Fixed).
			Attr("aria-describedby", id+"-hint").
			OnChange(func(ctx app.Context, e app.Event) {
				c.toggle(cand.Staff, e.Get("target").Get("checked").Bool())
			}, app.EventScope(string(cand.Staff))),
		app.Label().For(id).Text(cand.Name+" <"+cand.Email+">"),
		app.If(hint != "", func() app.UI {
			return app.P().ID(id + "-hint").Class("hint").Class(warnIf(!cand.Eligible)).Text(hint)
		}),
	)
}

func warnIf(b bool) string {
	if b {
		return "warning"
	}
	return ""
}

// doneMessage is the SDK's confirmation in German, or its English form.
func (c *EfaxDialog) doneMessage() string {
	if i18n.Current() == i18n.DE {
		return c.conf.Message
	}
	names := make([]string, len(c.conf.Recipients))
	for i, r := range c.conf.Recipients {
		names[i] = r.Name
	}
	return i18n.T("efax.done", joinEnglish(names))
}

// joinEnglish joins names as "A", "A and B", "A, B and C".
func joinEnglish(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func init() {
	RegisterDialog(ActEfax, func(t Target) app.Composer { return &EfaxDialog{Number: t.Numbers[0]} })
	i18n.Register(map[i18n.Key]i18n.Text{
		"efax.title":       {DE: "Zugangsdaten E-Fax-App versenden", EN: "Send e-fax app credentials"},
		"efax.number":      {DE: "Faxnummer {1}", EN: "Fax number {1}"},
		"efax.intro":       {DE: "Bestimmen Sie, welcher Mitarbeiter die Zugangsdaten zur E-Fax-App bekommt. Jeder Empfänger erhält eine eigene Anmeldung per E-Mail.", EN: "Choose which employee gets the e-fax app credentials. Every recipient gets a login of their own by e-mail."},
		"efax.fixed":       {DE: "Wird für den Mitarbeiter eine individuelle Faxnummer vergeben, bekommt nur er die Zugangsdaten.", EN: "A personal fax number's credentials go to its employee only."},
		"efax.recipients":  {DE: "Empfänger", EN: "Recipients"},
		"efax.sent_before": {DE: "Zugangsdaten zuletzt versendet am {1}. Erneutes Versenden ersetzt das bisherige Passwort.", EN: "Credentials last sent on {1}. Sending again replaces the previous password."},
		"efax.submit":      {DE: "Zugangsdaten an Mitarbeiter versenden", EN: "Send credentials to employees"},
		"efax.done":        {DE: "Die Zugangsdaten wurden an {1} versendet.", EN: "The credentials have been sent to {1}."},
		"efax.rotated":     {DE: "Das bisherige Passwort von {1} gilt nicht mehr.", EN: "The previous password of {1} no longer works."},
		// The event log's names of package efax's events.
		"pages.event.efax.credentials_sent":      {DE: "E-Fax-Zugangsdaten versendet", EN: "E-fax credentials sent"},
		"pages.event.efax.credentials_delivered": {DE: "E-Fax-Zugangsdaten zugestellt", EN: "E-fax credentials delivered"},
		"pages.event.efax.login_succeeded":       {DE: "Anmeldung E-Fax-App", EN: "E-fax app login"},
		"pages.event.efax.login_failed":          {DE: "Anmeldung E-Fax-App fehlgeschlagen", EN: "E-fax app login failed"},
		"pages.event.efax.login_locked":          {DE: "Anmeldung E-Fax-App gesperrt", EN: "E-fax app login locked"},
		// English texts of the SDK's errors on this field (German: the SDK's message).
		"err.invalid.staff":      {DE: "-", EN: "Please choose at least one recipient."},
		"err.precondition.staff": {DE: "-", EN: "This employee cannot receive the credentials."},
	})
}

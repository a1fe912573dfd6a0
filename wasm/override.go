package wasm

// The "Umschaltung" of the edit dialog: manual switches that force a rule
// on or off (routing.Override), until the rule's own schedule next changes
// or until they are switched back. The choice per rule is pure Go
// (overrideChoiceOf, withOverrideChoice); renderOverrides draws it.

import (
	"slices"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// overrideChoice is the value of a rule's switch in the dialog: "" (the
// schedule decides), mode "/" until (e.g. "force_off/permanent"), or
// overrideKeep for a stored switch until a fixed time, which the dialog
// shows and keeps but does not create.
type overrideChoice string

const overrideKeep overrideChoice = "keep"

// overrideChoices are the switches the dialog offers, in order.
var overrideChoices = []overrideChoice{
	"",
	overrideChoice(string(routing.ForceOn) + "/" + string(routing.UntilNextChange)),
	overrideChoice(string(routing.ForceOn) + "/" + string(routing.UntilPermanent)),
	overrideChoice(string(routing.ForceOff) + "/" + string(routing.UntilNextChange)),
	overrideChoice(string(routing.ForceOff) + "/" + string(routing.UntilPermanent)),
}

// overrideOf returns the stored switch of rule id, or nil.
func overrideOf(over []routing.Override, id string) *routing.Override {
	for i := range over {
		if over[i].RuleID == id {
			return &over[i]
		}
	}
	return nil
}

// overrideChoiceOf returns the choice that shows the switch of rule id.
func overrideChoiceOf(over []routing.Override, id string) overrideChoice {
	o := overrideOf(over, id)
	switch {
	case o == nil:
		return ""
	case o.Until == routing.UntilTime:
		return overrideKeep
	}
	return overrideChoice(string(o.Mode) + "/" + string(o.Until))
}

// withOverrideChoice returns over with the switch of rule id set to ch, set
// at now (an "until the next change" switch counts from when it was set).
// overrideKeep and an unchanged choice keep the stored switch as it is.
func withOverrideChoice(over []routing.Override, id string, ch overrideChoice, now time.Time) []routing.Override {
	if ch == overrideKeep || ch == overrideChoiceOf(over, id) {
		return over
	}
	out := slices.DeleteFunc(slices.Clone(over), func(o routing.Override) bool { return o.RuleID == id })
	if ch == "" {
		return out
	}
	if !slices.Contains(overrideChoices, ch) {
		return over // not a choice the dialog offers
	}
	mode, until, _ := strings.Cut(string(ch), "/")
	return append(out, routing.Override{RuleID: id, Mode: routing.OverrideMode(mode), Until: routing.OverrideUntil(until),
		SetAt: now.UTC().Truncate(time.Second)})
}

// overridesOfRules returns the switches of over whose rule is still in the
// form (a switch of a deleted rule goes with it).
func overridesOfRules(over []routing.Override, rules []ruleForm) []routing.Override {
	return slices.DeleteFunc(slices.Clone(over), func(o routing.Override) bool {
		return !slices.ContainsFunc(rules, func(r ruleForm) bool { return r.ID == o.RuleID })
	})
}

// overrideLabel is the text of a choice; a kept switch names its end in
// the tenant zone.
func overrideLabel(ch overrideChoice, o *routing.Override, loc *time.Location) string {
	if ch == overrideKeep && o != nil {
		key := "override.keep.on"
		if o.Mode == routing.ForceOff {
			key = "override.keep.off"
		}
		return i18n.T(i18n.Key(key), o.At.In(loc).Format("02.01.2006 15:04"))
	}
	if ch == "" {
		return i18n.T("override.schedule")
	}
	return i18n.T(i18n.Key("override." + string(ch)))
}

// renderOverrides draws one switch per rule of the form.
func (c *EditDialog) renderOverrides() app.UI {
	if len(c.form.Rules) == 0 {
		return app.Text("")
	}
	return app.FieldSet().ID("edit-overrides").Class("edit-overrides").Body(
		app.Legend().Text(i18n.T("override.title")),
		app.P().Class("hint").Text(i18n.T("override.hint")),
		app.Range(c.form.Rules).Slice(func(i int) app.UI {
			r := c.form.Rules[i]
			id := "edit-override-" + r.ID
			cur := overrideChoiceOf(c.over, r.ID)
			choices := overrideChoices
			if cur == overrideKeep {
				choices = append([]overrideChoice{overrideKeep}, overrideChoices...)
			}
			name := r.Name
			if name == "" {
				name = r.ID
			}
			return app.Div().Class("field").Body(
				app.Label().For(id).Text(name),
				app.Select().ID(id).Attr("data-rule", r.ID).OnChange(func(ctx app.Context, e app.Event) {
					c.over = withOverrideChoice(c.over, r.ID, overrideChoice(targetValue(e)), time.Now())
				}, app.EventScope(r.ID)).Body(
					app.Range(choices).Slice(func(j int) app.UI {
						ch := choices[j]
						return app.Option().Value(string(ch)).Selected(ch == cur).Text(overrideLabel(ch, overrideOf(c.over, r.ID), c.loc))
					}),
				),
			)
		}),
	)
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"override.title":                 {DE: "Umschaltung", EN: "Manual switch"},
		"override.hint":                  {DE: "Schalten Sie eine Regel von Hand ein oder aus, unabhängig von ihrem Zeitplan.", EN: "Switch a rule on or off by hand, whatever its schedule says."},
		"override.schedule":              {DE: "nach Zeitplan", EN: "by schedule"},
		"override.force_on/next_change":  {DE: "eingeschaltet bis zur nächsten planmäßigen Änderung", EN: "on until the schedule next changes"},
		"override.force_on/permanent":    {DE: "dauerhaft eingeschaltet", EN: "on until switched back"},
		"override.force_off/next_change": {DE: "ausgeschaltet bis zur nächsten planmäßigen Änderung", EN: "off until the schedule next changes"},
		"override.force_off/permanent":   {DE: "dauerhaft ausgeschaltet", EN: "off until switched back"},
		"override.keep.on":               {DE: "eingeschaltet bis {1}", EN: "on until {1}"},
		"override.keep.off":              {DE: "ausgeschaltet bis {1}", EN: "off until {1}"},
	})
}

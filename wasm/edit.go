package wasm

// The edit dialog of the pencil icon ("Rufnummer bearbeiten"): the usage type
// ("Verwendungstyp"), and for voice numbers the routing: forwarding rules
// with the time-based forwarding editor, the base rule ("Basisregel"), and a
// live answer to "Wohin geht ein Anruf jetzt?" from routing.Evaluate and
// routing.Preview on the plan as the form holds it. "Speichern" stores it
// (numbers.SetUsageType, numbers.SaveRouting), then a confirmation.

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

func init() {
	RegisterDialog(ActEdit, func(t Target) app.Composer {
		var id numberdesk.NumberID
		if len(t.Numbers) > 0 {
			id = t.Numbers[0]
		}
		return &EditDialog{Number: id}
	})
}

// editDialogID is the element ID of the dialog, editFormID of its form.
const (
	editDialogID  = "edit-dialog"
	editFormID    = "edit-form"
	editDiscardID = "edit-discard" // "Änderungen verwerfen?"
)

// demoTarget is a device, mailbox or ring group of the demo tenant that a
// rule can ring (the SDK leaves the directory of targets to the vendor).
type demoTarget struct {
	Kind routing.TargetKind
	Ref  string
	Name string
}

// demoTargets are the demo tenant's targets.
var demoTargets = []demoTarget{
	{routing.TargetDevice, "tisch-max", "Tischtelefon Max"},
	{routing.TargetDevice, "softphone-erika", "Softphone Erika"},
	{routing.TargetDevice, "fritzbox-empfang", "FRITZ!Box Empfang"},
	{routing.TargetMailbox, "mb-zentrale", "Mailbox Zentrale"},
	{routing.TargetMailbox, "mb-vertrieb", "Mailbox Vertrieb"},
	{routing.TargetRingGroup, "rg-empfang", "Rufgruppe Empfang"},
	{routing.TargetRingGroup, "rg-vertrieb", "Rufgruppe Vertrieb"},
}

// demoNames names the demo targets.
func demoNames(kind routing.TargetKind, ref string) string {
	for _, t := range demoTargets {
		if t.Kind == kind && t.Ref == ref {
			return t.Name
		}
	}
	return ""
}

// demoMailboxes returns the demo's mailboxes.
func demoMailboxes() []demoTarget {
	var out []demoTarget
	for _, t := range demoTargets {
		if t.Kind == routing.TargetMailbox {
			out = append(out, t)
		}
	}
	return out
}

// ringChoices are the ring durations offered: unlimited, then 5–120 s.
var ringChoices = func() []int {
	out := []int{0}
	for s := 5; s <= 120; s += 5 {
		out = append(out, s)
	}
	return out
}()

// EditDialog edits the usage type and the routing of one number.
type EditDialog struct {
	app.Compo
	// Number is the number to edit.
	Number numberdesk.NumberID

	lang     i18n.Lang
	loaded   bool
	n        *numbers.Number
	usage    routing.UsageType
	manages  bool // owner or manager: may change the usage type
	confirm  bool // consent to drop the routing when leaving voice
	hasPlan  bool // the number has stored routing settings
	form     routingForm
	version  int64
	over     []routing.Override
	loc      *time.Location
	pvDate   string
	pvTime   string
	pvCaller string
	errs     FieldErrors
	saved    bool
	saving   bool
	// orig is the fingerprint of the settings as loaded (dirty compares);
	// discards asks "Änderungen verwerfen?".
	orig     string
	discards discardGuard
	// ctx is the dialog's own context (from OnMount), for moving the focus
	// after an update that removes the form.
	ctx app.Context
}

// OnMount loads the number and its routing and opens the dialog.
func (c *EditDialog) OnMount(ctx app.Context) {
	c.ctx = ctx
	c.discards = discardGuard{dialog: editDialogID, confirm: editDiscardID}
	UseLang(ctx, &c.lang)
	c.load(ctx)
	ShowModal(ctx, editDialogID)
}

func (c *EditDialog) load(ctx app.Context) {
	id := c.Number
	var (
		n   *numbers.Number
		st  *routing.Settings
		loc *time.Location
		now time.Time
	)
	err := Read(ctx, func(cx context.Context, d API) error {
		var err error
		if n, err = d.Number(cx, id); err != nil {
			return err
		}
		if st, err = d.Routing(cx, id); err != nil {
			return err
		}
		loc, now = d.Location(), d.Now()
		role := d.Actor().Role
		c.manages = role == numberdesk.RoleOwner || role == numberdesk.RoleManager
		return nil
	})
	c.loaded = true
	if err != nil {
		c.errs = NewFieldErrors(err)
		return
	}
	if loc == nil {
		loc = time.UTC
	}
	c.n, c.usage, c.loc = n, n.UsageType, loc
	c.form, c.version, c.over, c.hasPlan = formFromPlan(st.Plan), st.Version, st.Overrides, st.Version > 0
	now = now.In(loc)
	c.pvDate, c.pvTime = now.Format("02.01.2006"), now.Format("15:04")
	c.errs = FieldErrors{}
	c.orig = c.fingerprint()
}

// fingerprint identifies what the form would save: the usage type, the
// plan (the form itself while it does not make a plan) and the switches.
func (c *EditDialog) fingerprint() string {
	var v any = c.form
	if p, err := c.form.plan(); err == nil {
		v = p
	}
	b, err := json.Marshal(struct {
		Usage routing.UsageType
		Plan  any
		Over  []routing.Override
	}{c.usage, v, overridesOfRules(c.over, c.form.Rules)})
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// dirty reports whether the form holds changes that are not saved.
func (c *EditDialog) dirty() bool {
	return c.n != nil && !c.saved && c.fingerprint() != c.orig
}

// guard is the unsaved-changes guard of Esc, ✕ and "Abbrechen": with
// changes it asks "Änderungen verwerfen?" and keeps the dialog open.
func (c *EditDialog) guard(ctx app.Context) bool { return c.discards.guard(c.ctx, c.dirty()) }

// cancel is "Abbrechen": close, unless the guard asks first.
func (c *EditDialog) cancel(ctx app.Context, e app.Event) { c.discards.cancel(c.ctx, ctx, c.dirty()) }

// onRule returns the handler of an input of rule i: fn gets the rule as
// it is when the event fires, and the element. go-app keeps the first
// handler of an element unless its code or scope changes, so handlers must
// not capture pointers into the form (its slices move when rules are
// added); the scope (the input's slot) makes go-app replace the handler
// when the element comes to stand for another input.
func (c *EditDialog) onRule(scope string, i int, fn func(r *ruleForm, src app.Value)) (app.EventHandler, app.EventOption) {
	return func(ctx app.Context, e app.Event) {
		if i >= 0 && i < len(c.form.Rules) {
			fn(&c.form.Rules[i], ctx.JSSrc())
		}
	}, app.EventScope(scope)
}

// removeButton is the × button of the window or target at slot of rule i;
// remove takes it out of the rule.
func (c *EditDialog) removeButton(slot string, i int, label string, remove func(r *ruleForm)) app.UI {
	return app.Button().Type("button").Class("icon-btn").ID(slotID(slot+".remove")).
		Attr("aria-label", label).Title(label).Body(Icon("close")).
		OnClick(c.onRule(slot+".remove", i, func(r *ruleForm, _ app.Value) {
			remove(r)
			c.errs = FieldErrors{}
		}))
}

// slotErrors lays out an SDK error on the form: its Field mapped to the
// input that shows it (errorSlot).
func slotErrors(err error) FieldErrors {
	var e *numberdesk.Error
	if err == nil || !errors.As(err, &e) {
		return NewFieldErrors(err)
	}
	m := *e
	m.Field = errorSlot(e.Field)
	if m.Field == "" {
		return NewFieldErrors(&m)
	}
	return NewFieldErrors(&m, m.Field)
}

// save stores the usage type and, for a voice number, the routing.
func (c *EditDialog) save(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.n == nil || c.saving {
		return
	}
	var plan routing.Plan
	voice := c.usage == routing.UsageVoice
	if voice {
		var err error
		if plan, err = c.form.checkPlan(nil); err != nil {
			c.fail(ctx, err)
			return
		}
	}
	id, usage, confirm, version, over, changeUsage := c.n.ID, c.usage, c.confirm, c.version, overridesOfRules(c.over, c.form.Rules), c.usage != c.n.UsageType
	c.saving = true
	err := Do(ctx, func(cx context.Context, d API) error {
		if changeUsage {
			if _, err := d.SetUsageType(cx, numbers.SetUsageTypeRequest{Number: id, UsageType: usage, Confirm: confirm}); err != nil {
				return err
			}
		}
		if voice {
			if _, err := d.SaveRouting(cx, numbers.SaveRoutingRequest{Number: id, Plan: plan, Overrides: over, Version: version}); err != nil {
				return err
			}
		}
		return nil
	})
	c.saving = false
	if err != nil {
		if changeUsage && voice {
			c.load(ctx) // the usage type may have changed before the routing failed
			c.usage = usage
		}
		c.fail(ctx, err)
		return
	}
	c.saved, c.errs = true, FieldErrors{}
	FocusByID(c.ctx, "edit-done")
}

// fail shows err next to its field and moves the focus there.
func (c *EditDialog) fail(ctx app.Context, err error) {
	c.errs = slotErrors(err)
	slot := errorSlot(numberdesk.ErrorField(err))
	target := slotID(slot)
	switch slot {
	case "usage_type":
		target = "edit-usage"
	case "confirm":
		target = "edit-usage-confirm"
	case "":
		target = ""
	}
	FocusByID(c.ctx, target, "edit-save")
}

// field renders the error of slot (or nothing) and the attributes of its
// input.
func (c *EditDialog) fieldErr(slot string) app.UI { return c.errs.For(editFormID, slot) }

func (c *EditDialog) invalid(in app.HTMLInput, slot string) app.HTMLInput {
	if c.errs.On(slot) {
		return in.Attr("aria-invalid", "true").Attr("aria-describedby", ErrorID(editFormID, slot))
	}
	return in
}

func (c *EditDialog) close(ctx app.Context, e app.Event) { CloseModal(ctx, editDialogID) }

// Render draws the dialog.
func (c *EditDialog) Render() app.UI {
	title := i18n.T("action.edit")
	if c.n != nil {
		title = pt("edit.title", c.n.Display())
	}
	if !c.loaded {
		return Modal(editDialogID, title, []app.UI{app.P().Text(i18n.T("dialog.load"))}, nil)
	}
	if c.n == nil {
		return Modal(editDialogID, title, []app.UI{c.errs.Top(editFormID)},
			[]app.UI{app.Button().Type("button").Class("btn").Text(pt("edit.close")).OnClick(c.close)})
	}
	if c.saved {
		return Modal(editDialogID, pt("edit.saved.title"), []app.UI{
			app.P().ID("edit-saved").Class("confirmation").Attr("role", "status").Text(pt("edit.saved", c.n.Display())),
			app.P().Class("hint").Text(pt("edit.usage") + ": " + pt("usage."+string(c.usage))),
			app.P().Body(app.A().ID("edit-log-link").Href("/protokoll?nummer=" + url.QueryEscape(c.n.Display())).Text(pt("edit.log"))),
		}, []app.UI{app.Button().ID("edit-done").Type("button").Class("btn btn-primary").Text(pt("edit.close")).OnClick(c.close)})
	}
	voice := c.usage == routing.UsageVoice
	body := []app.UI{
		app.Form().ID(editFormID).Class("form edit-form").OnSubmit(c.save).Body(
			c.errs.Top(editFormID),
			c.renderUsage(),
			app.If(voice, func() app.UI { return c.renderRouting() }).Else(func() app.UI {
				return app.P().ID("edit-nonvoice").Class("hint").Text(pt("edit.nonvoice"))
			}),
		),
		app.If(voice, func() app.UI { return c.renderPreview() }),
	}
	footer := []app.UI{
		app.Button().ID("edit-cancel").Type("button").Class("btn").Text(pt("edit.cancel")).OnClick(c.cancel),
		command(app.Button().ID("edit-save").Type("submit").Attr("form", editFormID).Class("btn btn-primary").Text(pt("edit.save"))),
		app.If(c.discards.asking, func() app.UI {
			return ConfirmDialog(editDiscardID, pt("edit.discard.title"), pt("edit.discard.text", c.n.Display()), pt("edit.discard"),
				c.discards.discard, c.discards.keep, pt("edit.discard.keep"))
		}),
	}
	return GuardedModal(editDialogID, title, body, footer, c.guard).Class("modal-wide")
}

func (c *EditDialog) renderUsage() app.UI {
	if !c.manages {
		// An employee with the routing grant edits the routing only.
		return app.P().ID("edit-usage-fixed").Class("hint").Text(pt("edit.usage") + ": " + pt("usage."+string(c.usage)))
	}
	leaving := c.n.UsageType == routing.UsageVoice && c.usage != routing.UsageVoice && c.hasPlan
	sel := app.Select().ID("edit-usage").OnChange(func(ctx app.Context, e app.Event) {
		c.usage = routing.UsageType(ctx.JSSrc().Get("value").String())
		c.errs = FieldErrors{}
	}).Body(app.Range(routing.UsageTypes).Slice(func(i int) app.UI {
		u := routing.UsageTypes[i]
		return app.Option().Value(string(u)).Selected(u == c.usage).Text(pt("usage." + string(u)))
	}))
	if c.errs.On("usage_type") {
		sel = sel.Attr("aria-invalid", "true").Attr("aria-describedby", ErrorID(editFormID, "usage_type"))
	}
	return app.FieldSet().Class("edit-usage").Body(
		app.Legend().Text(pt("edit.usage")),
		app.Div().Class("field").Body(
			app.Label().For("edit-usage").Class("sr-only").Text(pt("edit.usage")),
			sel,
			c.fieldErr("usage_type"),
		),
		app.If(leaving, func() app.UI {
			return app.Div().Class("field check").Body(
				app.Label().For("edit-usage-confirm").Class("check").Body(
					c.invalid(app.Input().Type("checkbox").ID("edit-usage-confirm").Checked(c.confirm), "confirm").
						OnChange(func(ctx app.Context, e app.Event) { c.confirm = ctx.JSSrc().Get("checked").Bool() }),
					app.Span().Text(pt("edit.usage.confirm")),
				),
				c.fieldErr("confirm"),
			)
		}),
	)
}

// renderRouting draws the rules, the buttons that add rules, and the base
// rule.
func (c *EditDialog) renderRouting() app.UI {
	return app.Div().ID("edit-routing").Class("edit-routing").Body(
		app.H3().Text(pt("edit.rules")),
		app.If(len(c.form.Rules) == 0, func() app.UI {
			return app.P().ID("edit-norules").Class("hint").Text(pt("edit.norules"))
		}),
		app.Ol().Class("rules").Body(app.Range(c.form.Rules).Slice(func(i int) app.UI { return c.renderRule(i) })),
		app.Div().Class("rule-add").Body(
			app.Button().ID("edit-add-office").Type("button").Class("btn btn-small").Text(pt("edit.rule.add.office")).
				OnClick(func(ctx app.Context, e app.Event) {
					c.form.addRule(routing.CondWeekdays, targetForm{Kind: routing.TargetDevice, Ref: demoTargets[0].Ref, Ring: 20})
					FocusByID(ctx, slotID("rules["+strconv.Itoa(len(c.form.Rules)-1)+"].name"), "")
				}),
			app.Button().ID("edit-add-rule").Type("button").Class("btn btn-small").Text(pt("edit.rule.add")).
				OnClick(func(ctx app.Context, e app.Event) {
					c.form.addRule(routing.CondAlways, targetForm{Kind: routing.TargetExternal, Ring: 30})
					FocusByID(ctx, slotID("rules["+strconv.Itoa(len(c.form.Rules)-1)+"].name"), "")
				}),
		),
		c.renderOverrides(),
		c.renderBase(),
	)
}

// renderRule draws rule i: name, on/off, order, kind, time condition,
// caller filter, targets and its summary.
func (c *EditDialog) renderRule(i int) app.UI {
	r := &c.form.Rules[i]
	pre := "rules[" + strconv.Itoa(i) + "]"
	sid := func(s string) string { return slotID(pre + "." + s) }
	kinds := []routing.ConditionKind{routing.CondAlways, routing.CondWeekdays, routing.CondDates, routing.CondPeriod, routing.CondHolidays}
	summary := ""
	if p, err := (&routingForm{Rules: []ruleForm{*r}, BaseKind: routing.BaseRingingTone}).plan(); err == nil {
		summary = ruleSummary(p.Rules[0], demoNames)
	}
	return app.Li().ID("edit-rule-"+strconv.Itoa(i)).Class("rule").DataSet("rule", r.ID).Body(
		app.FieldSet().Body(
			app.Legend().Text(pt("edit.rule", i+1)+" · "+pt("edit.priority", i+1)),
			app.Div().Class("rule-head").Body(
				app.Div().Class("field").Body(
					app.Label().For(sid("name")).Text(pt("edit.rule.name")),
					c.invalid(app.Input().ID(sid("name")).Type("text").Value(r.Name).MaxLength(100), pre+".name").
						OnChange(c.onRule(pre+".name", i, func(r *ruleForm, v app.Value) { r.Name = v.Get("value").String() })),
					c.fieldErr(pre+".name"),
				),
				app.Label().For(sid("enabled")).Class("check").Body(
					app.Input().Type("checkbox").ID(sid("enabled")).Checked(r.Enabled).
						OnChange(c.onRule(pre+".enabled", i, func(r *ruleForm, v app.Value) { r.Enabled = v.Get("checked").Bool() })),
					app.Span().Text(pt("edit.rule.enabled")),
				),
				app.Div().Class("rule-tools").Body(
					app.Button().Type("button").Class("icon-btn").ID(sid("up")).Disabled(i == 0).
						Attr("aria-label", pt("edit.rule.up")).Title(pt("edit.rule.up")).Text("↑").
						OnClick(c.onRule(pre+".up", i, func(*ruleForm, app.Value) { c.form.moveRule(i, -1) })),
					app.Button().Type("button").Class("icon-btn").ID(sid("down")).Disabled(i == len(c.form.Rules)-1).
						Attr("aria-label", pt("edit.rule.down")).Title(pt("edit.rule.down")).Text("↓").
						OnClick(c.onRule(pre+".down", i, func(*ruleForm, app.Value) { c.form.moveRule(i, 1) })),
					app.Button().Type("button").Class("icon-btn").ID(sid("delete")).
						Attr("aria-label", pt("edit.rule.delete")).Title(pt("edit.rule.delete")).Body(Icon("close")).
						OnClick(c.onRule(pre+".delete", i, func(*ruleForm, app.Value) { c.form.removeRule(i); c.errs = FieldErrors{} })),
				),
			),
			app.Div().Class("field").Body(
				app.Label().For(sid("condition.kind")).Text(pt("edit.rule.kind")),
				app.Select().ID(sid("condition.kind")).OnChange(c.onRule(pre+".condition.kind", i, func(r *ruleForm, v app.Value) {
					r.Kind = routing.ConditionKind(v.Get("value").String())
					if r.Kind == routing.CondWeekdays && r.Days == [7]bool{} {
						r.Days = [7]bool{true, true, true, true, true}
					}
					if r.Kind == routing.CondHolidays && r.State == "" {
						r.State = "NW"
					}
				})).Body(app.Range(kinds).Slice(func(k int) app.UI {
					return app.Option().Value(string(kinds[k])).Selected(kinds[k] == r.Kind).Text(pt("edit.kind." + string(kinds[k])))
				})),
				c.fieldErr(pre+".condition.kind"),
			),
			c.renderCondition(i),
			c.renderFilter(i),
			c.renderTargets(i),
			app.If(summary != "", func() app.UI {
				return app.P().Class("rule-summary").ID(sid("summary")).Text(summary)
			}),
		),
	)
}

// renderCondition is the time-based forwarding editor of rule i: weekdays
// and time windows, dates, a period, or the holidays of a state.
func (c *EditDialog) renderCondition(i int) app.UI {
	r := &c.form.Rules[i]
	pre := "rules[" + strconv.Itoa(i) + "].condition"
	var parts []app.UI
	switch r.Kind {
	case routing.CondWeekdays:
		parts = append(parts, app.FieldSet().ID(slotID(pre+".weekdays")).Class("days").Body(
			app.Legend().Text(pt("edit.days")),
			app.Range(r.Days[:]).Slice(func(d int) app.UI {
				id := slotID(pre + ".day-" + strconv.Itoa(d))
				return app.Label().For(id).Class("day").Body(
					app.Input().Type("checkbox").ID(id).Checked(r.Days[d]).
						OnChange(c.onRule(pre+".day"+strconv.Itoa(d), i, func(r *ruleForm, v app.Value) { r.Days[d] = v.Get("checked").Bool() })),
					app.Span().Text(weekdayShort(mondayFirst(d))),
				)
			}),
			c.fieldErr(pre+".weekdays"),
		))
	case routing.CondDates:
		id := slotID(pre + ".dates")
		parts = append(parts, app.Div().Class("field").Body(
			app.Label().For(id).Text(pt("edit.dates")),
			c.invalid(app.Input().ID(id).Type("text").Value(r.Dates), pre+".dates").
				OnChange(c.onRule(pre+".dates", i, func(r *ruleForm, v app.Value) { r.Dates = v.Get("value").String() })),
			c.fieldErr(pre+".dates"),
		))
	case routing.CondPeriod:
		for _, end := range []string{"from", "to"} {
			id := slotID(pre + "." + end)
			val, label := r.From, pt("edit.period.from")
			if end == "to" {
				val, label = r.To, pt("edit.period.to")
			}
			isTo := end == "to"
			parts = append(parts, app.Div().Class("field").Body(
				app.Label().For(id).Text(label),
				c.invalid(dateField(id, val, dateTimePlaceholderKey, nil, nil), pre+"."+end).
					OnChange(c.onRule(pre+"."+end, i, func(r *ruleForm, v app.Value) {
						val := normalizeInput(v, NormalizeDateTimeField)
						if isTo {
							r.To = val
						} else {
							r.From = val
						}
					})),
				c.fieldErr(pre+"."+end),
			))
		}
	case routing.CondHolidays:
		id := slotID(pre + ".state")
		parts = append(parts, app.Div().Class("field").Body(
			app.Label().For(id).Text(pt("edit.state")),
			app.Select().ID(id).OnChange(c.onRule(pre+".state", i, func(r *ruleForm, v app.Value) { r.State = v.Get("value").String() })).
				Body(app.Range(routing.States).Slice(func(k int) app.UI {
					s := routing.States[k]
					return app.Option().Value(s.Code).Selected(s.Code == r.State).Text(s.Name)
				})),
			c.fieldErr(pre+".state"),
		))
	}
	if r.Kind == routing.CondWeekdays || r.Kind == routing.CondDates || r.Kind == routing.CondHolidays {
		parts = append(parts, app.FieldSet().ID(slotID(pre+".windows")).Class("windows").Body(
			app.Legend().Text(pt("edit.windows")),
			app.If(len(r.Windows) == 0, func() app.UI { return app.P().Class("hint").Text(pt("edit.window.allday")) }),
			app.Range(r.Windows).Slice(func(k int) app.UI {
				slot := pre + ".windows[" + strconv.Itoa(k) + "]"
				w := &r.Windows[k]
				return app.Div().Class("window").Body(
					app.Label().For(slotID(slot+".start")).Text(pt("edit.window.from")),
					c.invalid(dateField(slotID(slot+".start"), w.Start, clockPlaceholderKey, nil, nil), slot).
						OnChange(c.onRule(slot+".start", i, func(r *ruleForm, v app.Value) { r.window(k).Start = normalizeInput(v, NormalizeClockField) })),
					app.Label().For(slotID(slot+".end")).Text(pt("edit.window.to")),
					c.invalid(dateField(slotID(slot+".end"), w.End, clockPlaceholderKey, nil, nil), slot).
						OnChange(c.onRule(slot+".end", i, func(r *ruleForm, v app.Value) { r.window(k).End = normalizeInput(v, NormalizeClockField) })),
					c.removeButton(slot, i, pt("edit.window.remove"), func(r *ruleForm) { r.Windows = removeAt(r.Windows, k) }),
					c.fieldErr(slot),
				)
			}),
			app.Button().Type("button").Class("btn btn-small").ID(slotID(pre+".windows.add")).Text(pt("edit.window.add")).
				OnClick(c.onRule(pre+".windows.add", i, func(r *ruleForm, _ app.Value) {
					r.Windows = append(r.Windows, windowForm{"08:00", "18:00"})
				})),
			c.fieldErr(pre+".windows"),
		))
	}
	if r.Kind != routing.CondPeriod {
		parts = append(parts, c.renderSpecImport(i))
	}
	return app.Div().Class("condition").Body(parts...)
}

// renderSpecImport takes over an Asterisk/FreePBX time spec as the rule's
// condition (routing.ParseAsteriskTimeSpec), for vendors moving time groups.
func (c *EditDialog) renderSpecImport(i int) app.UI {
	r := &c.form.Rules[i]
	slot := "rules[" + strconv.Itoa(i) + "].condition.spec"
	id := slotID(slot)
	return app.Details().Class("spec-import").Open(r.Spec != "" || c.errs.On(slot)).Body(
		app.Summary().Text(pt("edit.spec")),
		app.Div().Class("field").Body(
			app.Label().For(id).Text(pt("edit.spec.label")),
			app.Div().Class("spec-row").Body(
				c.invalid(app.Input().ID(id).Type("text").Value(r.Spec).Placeholder("08:00-18:00,mon-fri,*,*"), slot).
					OnChange(c.onRule(slot, i, func(r *ruleForm, v app.Value) { r.Spec = v.Get("value").String() })),
				app.Button().Type("button").Class("btn btn-small").ID(id+"-apply").Text(pt("edit.spec.apply")).
					OnClick(c.onRule(slot+".apply", i, func(r *ruleForm, _ app.Value) {
						c.errs = FieldErrors{}
						if err := r.importSpec(i); err != nil {
							c.errs = slotErrors(err)
						}
					})),
			),
			c.fieldErr(slot),
		),
	)
}

// renderFilter is the caller filter ("Anruffilter") of rule i.
func (c *EditDialog) renderFilter(i int) app.UI {
	r := &c.form.Rules[i]
	pre := "rules[" + strconv.Itoa(i) + "].filter"
	on := slotID(pre + ".on")
	return app.Div().Class("filter").Body(
		app.Label().For(on).Class("check").Body(
			app.Input().Type("checkbox").ID(on).Checked(r.FilterOn).
				OnChange(c.onRule(pre+".on", i, func(r *ruleForm, v app.Value) { r.FilterOn = v.Get("checked").Bool() })),
			app.Span().Text(pt("edit.filter")),
		),
		app.If(r.FilterOn, func() app.UI {
			return app.Div().Class("filter-body").Body(
				app.Label().For(slotID(pre+".anonymous")).Class("check").Body(
					app.Input().Type("checkbox").ID(slotID(pre+".anonymous")).Checked(r.Anonymous).
						OnChange(c.onRule(pre+".anonymous", i, func(r *ruleForm, v app.Value) { r.Anonymous = v.Get("checked").Bool() })),
					app.Span().Text(pt("edit.filter.anonymous")),
				),
				app.Div().Class("field").Body(
					app.Label().For(slotID(pre+".numbers")).Text(pt("edit.filter.numbers")),
					c.invalid(app.Input().ID(slotID(pre+".numbers")).Type("text").Value(r.Numbers), pre).
						OnChange(c.onRule(pre+".numbers", i, func(r *ruleForm, v app.Value) { r.Numbers = v.Get("value").String() })),
				),
				c.fieldErr(pre),
			)
		}),
	)
}

// renderTargets lists the targets of rule i with kind, target, ring
// duration and parallel ringing.
func (c *EditDialog) renderTargets(i int) app.UI {
	r := &c.form.Rules[i]
	pre := "rules[" + strconv.Itoa(i) + "].targets"
	kinds := []routing.TargetKind{routing.TargetDevice, routing.TargetMailbox, routing.TargetRingGroup, routing.TargetExternal}
	return app.FieldSet().Class("targets").ID(slotID(pre)).Body(
		app.Legend().Text(pt("edit.targets")),
		app.Ol().Body(app.Range(r.Targets).Slice(func(k int) app.UI {
			t := &r.Targets[k]
			slot := pre + "[" + strconv.Itoa(k) + "]"
			var ref app.UI
			if t.Kind == routing.TargetExternal {
				ref = c.invalid(app.Input().ID(slotID(slot+".ref")).Type("tel").Value(t.Ref).Placeholder(pt("edit.target.external.ph")), slot+".ref").
					OnChange(c.onRule(slot+".ref.text", i, func(r *ruleForm, v app.Value) { r.target(k).Ref = v.Get("value").String() }))
			} else {
				var opts []demoTarget
				known := false
				for _, d := range demoTargets {
					if d.Kind == t.Kind {
						opts = append(opts, d)
						known = known || d.Ref == t.Ref
					}
				}
				if !known && t.Ref != "" {
					opts = append(opts, demoTarget{t.Kind, t.Ref, t.Ref})
				}
				s := app.Select().ID(slotID(slot+".ref")).OnChange(c.onRule(slot+".ref.select", i, func(r *ruleForm, v app.Value) { r.target(k).Ref = v.Get("value").String() })).
					Body(
						app.Option().Value("").Selected(t.Ref == "").Text("–"),
						app.Range(opts).Slice(func(j int) app.UI {
							return app.Option().Value(opts[j].Ref).Selected(opts[j].Ref == t.Ref).Text(opts[j].Name)
						}),
					)
				if c.errs.On(slot + ".ref") {
					s = s.Attr("aria-invalid", "true").Attr("aria-describedby", ErrorID(editFormID, slot+".ref"))
				}
				ref = s
			}
			ring := ringChoices
			if t.Ring > 0 && (t.Ring%5 != 0 || t.Ring > 120) {
				ring = append(append([]int(nil), ringChoices...), t.Ring)
			}
			return app.Li().Class("target").Body(
				app.Div().Class("field").Body(
					app.Label().For(slotID(slot+".kind")).Text(pt("edit.target.kind")),
					app.Select().ID(slotID(slot+".kind")).OnChange(c.onRule(slot+".kind", i, func(r *ruleForm, v app.Value) {
						t := r.target(k)
						t.Kind, t.Ref = routing.TargetKind(v.Get("value").String()), ""
					})).Body(app.Range(kinds).Slice(func(j int) app.UI {
						return app.Option().Value(string(kinds[j])).Selected(kinds[j] == t.Kind).Text(targetKindLabel(kinds[j]))
					})),
					c.fieldErr(slot+".kind"),
				),
				app.Div().Class("field").Body(
					app.Label().For(slotID(slot+".ref")).Text(pt("edit.target.ref")),
					ref,
					c.fieldErr(slot+".ref"),
				),
				app.Div().Class("field").Body(
					app.Label().For(slotID(slot+".ring")).Text(pt("edit.target.ring")),
					app.Select().ID(slotID(slot+".ring")).OnChange(c.onRule(slot+".ring", i, func(r *ruleForm, v app.Value) {
						r.target(k).Ring, _ = strconv.Atoi(v.Get("value").String())
					})).Body(app.Range(ring).Slice(func(j int) app.UI {
						label := pt("edit.target.ring.unl")
						if ring[j] > 0 {
							label = pt("edit.target.ring.sec", ring[j])
						}
						return app.Option().Value(strconv.Itoa(ring[j])).Selected(ring[j] == t.Ring).Text(label)
					})),
					c.fieldErr(slot+".ring_seconds"),
				),
				app.If(k > 0, func() app.UI {
					return app.Label().For(slotID(slot+".parallel")).Class("check").Body(
						app.Input().Type("checkbox").ID(slotID(slot+".parallel")).Checked(t.Parallel).
							OnChange(c.onRule(slot+".parallel", i, func(r *ruleForm, v app.Value) { r.target(k).Parallel = v.Get("checked").Bool() })),
						app.Span().Text(pt("edit.target.parallel")),
					)
				}),
				c.removeButton(slot, i, pt("edit.target.remove"), func(r *ruleForm) { r.Targets = removeAt(r.Targets, k) }),
			)
		})),
		app.Button().Type("button").Class("btn btn-small").ID(slotID(pre+".add")).Text(pt("edit.target.add")).
			OnClick(c.onRule(pre+".add", i, func(r *ruleForm, _ app.Value) {
				r.Targets = append(r.Targets, targetForm{Kind: routing.TargetExternal, Ring: 30})
			})),
		c.fieldErr(pre),
	)
}

// renderBase is the base rule ("Basisregel").
func (c *EditDialog) renderBase() app.UI {
	kinds := []routing.BaseKind{routing.BaseMailbox, routing.BaseHolderMailbox, routing.BaseRingingTone}
	return app.FieldSet().ID("edit-base").Class("base").Body(
		app.Legend().Text(pt("edit.base")),
		app.P().Class("hint").Text(pt("edit.base.hint")),
		app.Div().Class("field").Body(
			app.Label().For("f-base-kind").Class("sr-only").Text(pt("edit.base")),
			app.Select().ID("f-base-kind").OnChange(func(ctx app.Context, e app.Event) {
				c.form.BaseKind = routing.BaseKind(ctx.JSSrc().Get("value").String())
			}).Body(app.Range(kinds).Slice(func(i int) app.UI {
				label := pt("base." + string(kinds[i]))
				if kinds[i] == routing.BaseMailbox {
					label = pt("edit.base.mailbox")
				}
				return app.Option().Value(string(kinds[i])).Selected(kinds[i] == c.form.BaseKind).Text(label)
			})),
			c.fieldErr("base.kind"),
		),
		app.If(c.form.BaseKind == routing.BaseMailbox, func() app.UI {
			return app.Div().Class("field").Body(
				app.Label().For("f-base-ref").Text(pt("edit.base.mailbox")),
				app.Select().ID("f-base-ref").OnChange(func(ctx app.Context, e app.Event) {
					c.form.BaseRef = ctx.JSSrc().Get("value").String()
				}).Body(
					app.Option().Value("").Selected(c.form.BaseRef == "").Text(pt("edit.base.mailbox.std")),
					app.Range(demoMailboxes()).Slice(func(i int) app.UI {
						d := demoMailboxes()[i]
						return app.Option().Value(d.Ref).Selected(d.Ref == c.form.BaseRef).Text(d.Name)
					}),
				),
				c.fieldErr("base.ref"),
			)
		}),
	)
}

// renderPreview answers "Wohin geht ein Anruf jetzt?" for the chosen local
// date, time and caller, on the plan as the form holds it.
func (c *EditDialog) renderPreview() app.UI {
	var (
		res      callPreview
		pvErr    error
		planNote string
	)
	plan, err := c.form.plan()
	if err != nil {
		planNote = i18n.Error(err)
	} else {
		if verr := routing.Validate(plan, nil); verr != nil {
			planNote = i18n.Error(verr)
		}
		var at time.Time
		at, pvErr = previewInstant(c.pvDate, c.pvTime, c.loc)
		var call routing.Call
		if pvErr == nil {
			call, pvErr = previewCaller(c.pvCaller)
			if pvErr == nil && c.pvCaller == "" {
				call = ordinaryCall
			}
		}
		if pvErr == nil {
			res = evaluateAt(plan, call, at, c.loc, demoNames, overridesOfRules(c.over, c.form.Rules)...)
		}
	}
	pvErrs := NewFieldErrors(pvErr, "preview.date", "preview.time", "preview.caller")
	input := func(id, slot, typ, label, value string, set func(string)) app.UI {
		var in app.HTMLInput
		switch typ {
		case "date":
			in = dateField(id, value, datePlaceholderKey, NormalizeDateField, set)
		case "time":
			in = dateField(id, value, clockPlaceholderKey, NormalizeClockField, set)
		default:
			in = app.Input().ID(id).Type(typ).Value(value).
				OnChange(func(ctx app.Context, e app.Event) { set(ctx.JSSrc().Get("value").String()) })
		}
		if pvErrs.On(slot) {
			in = in.Attr("aria-invalid", "true").Attr("aria-describedby", ErrorID("preview", slot))
		}
		return app.Div().Class("field").Body(app.Label().For(id).Text(label), in, pvErrs.For("preview", slot))
	}
	zone := ""
	if c.loc != nil {
		zone = c.loc.String()
	}
	return app.Section().ID("edit-preview").Class("preview").Attr("aria-labelledby", "preview-title").Body(
		app.H3().ID("preview-title").Text(pt("preview.title")),
		app.P().Class("hint").Text(pt("preview.unsaved")+" "+pt("preview.zone", zone)),
		app.Div().Class("preview-inputs").Body(
			input("preview-date", "preview.date", "date", pt("preview.date"), c.pvDate, func(v string) { c.pvDate = v }),
			input("preview-time", "preview.time", "time", pt("preview.time"), c.pvTime, func(v string) { c.pvTime = v }),
			input("preview-caller", "preview.caller", "text", pt("preview.caller"), c.pvCaller, func(v string) { c.pvCaller = v }),
			app.Button().ID("preview-now").Type("button").Class("btn btn-small").Text(pt("preview.now")).
				OnClick(func(ctx app.Context, e app.Event) {
					_ = Read(ctx, func(_ context.Context, d API) error {
						now := d.Now().In(c.loc)
						c.pvDate, c.pvTime = now.Format("02.01.2006"), now.Format("15:04")
						return nil
					})
				}),
		),
		app.If(planNote != "", func() app.UI {
			return app.P().ID("preview-invalid").Class("form-error").Text(pt("preview.invalid") + " " + planNote)
		}),
		app.If(res.Outcome != "", func() app.UI {
			return app.Div().ID("preview-result").Class("preview-result").Attr("role", "status").Attr("aria-live", "polite").
				DataSet("rule", res.RuleID).Body(
				app.P().Body(
					app.Span().Class("preview-label").Text(pt("preview.when")+": "),
					app.Span().ID("preview-when").Text(res.When),
					app.Text(" · "+pt("preview.utc")+" "),
					app.Span().ID("preview-utc").Text(res.UTC),
				),
				app.P().Class("preview-goes").Body(
					app.Span().Class("preview-label").Text(pt("preview.goes")+": "),
					app.Strong().ID("preview-outcome").Text(res.Outcome),
				),
				app.Details().Body(
					app.Summary().Text(pt("preview.trace")),
					app.Ul().ID("preview-trace").Body(app.Range(res.Trace).Slice(func(i int) app.UI { return app.Li().Text(res.Trace[i]) })),
				),
				app.H4().Text(pt("preview.changes")),
				app.If(len(res.Changes) == 0, func() app.UI { return app.P().Class("hint").Text(pt("preview.nochanges")) }).
					Else(func() app.UI {
						return app.Ul().ID("preview-changes").Body(app.Range(res.Changes).Slice(func(i int) app.UI { return app.Li().Text(res.Changes[i]) }))
					}),
			)
		}),
	)
}

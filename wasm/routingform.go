package wasm

// The form model of the edit dialog's routing editor ("Routing", "zeitbedingte
// Weiterleitung", "Basisregel"): a routing.Plan as the inputs hold it
// (strings and flags), its conversion in both directions, the mapping of
// Validate's Field paths onto the form's error slots, and the live answer
// to "Wohin geht ein Anruf jetzt?". Pure Go; the component in edit.go only
// binds it to inputs.

import (
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
)

// routingForm is a routing plan as the editor holds it. The priority of a
// rule is its position (1 first); moving a rule up or down reorders it.
type routingForm struct {
	Rules    []ruleForm
	BaseKind routing.BaseKind
	BaseRef  string
}

// ruleForm is one forwarding rule ("Weiterleitungsregel").
type ruleForm struct {
	ID      string
	Name    string
	Enabled bool
	Kind    routing.ConditionKind
	// Days are the weekdays of a weekly rule, Monday first.
	Days    [7]bool
	Windows []windowForm
	// Dates of a date rule, German or ISO, separated by commas or spaces:
	// "24.12., 31.12.2026".
	Dates string
	// From and To of a period, as their text inputs hold them
	// ("01.08.2026 00:00", see datefield.go).
	From, To string
	State    string // Bundesland of a holiday rule
	// The caller filter ("Anruffilter"): off, or anonymous callers and/or
	// numbers and prefixes ("0043*, 0221 12345").
	FilterOn  bool
	Anonymous bool
	Numbers   string
	Targets   []targetForm
	// Spec is an Asterisk/FreePBX time spec to take over as the condition
	// ("08:00-18:00,mon-fri,*,*"); it is input only, not part of the plan.
	Spec string
}

// windowForm is a time window as two "HH:MM" inputs.
type windowForm struct{ Start, End string }

// targetForm is a forwarding target; Ring is the ring duration in seconds,
// 0 for "Unbegrenzt".
type targetForm struct {
	Kind         routing.TargetKind
	Ref          string
	Ring         int
	Parallel     bool
	Announcement string
}

// mondayFirst maps the form's day index (0 = Monday) to time.Weekday.
func mondayFirst(i int) time.Weekday { return time.Weekday((i + 1) % 7) }

// formFromPlan returns the form of p, rules in priority order.
func formFromPlan(p routing.Plan) routingForm {
	rules := append([]routing.Rule(nil), p.Rules...)
	// stable insertion sort by priority (plans are short)
	for i := 1; i < len(rules); i++ {
		for j := i; j > 0 && rules[j].Priority < rules[j-1].Priority; j-- {
			rules[j], rules[j-1] = rules[j-1], rules[j]
		}
	}
	f := routingForm{BaseKind: p.Base.Kind, BaseRef: p.Base.Ref}
	if f.BaseKind == "" {
		f.BaseKind = routing.BaseMailbox
	}
	for _, r := range rules {
		rf := ruleForm{ID: r.ID, Name: r.Name, Enabled: r.Enabled, Kind: r.Condition.Kind, State: r.Condition.State}
		c := r.Condition
		for i := range rf.Days {
			rf.Days[i] = c.Weekdays.Has(mondayFirst(i))
		}
		for _, w := range c.Windows {
			rf.Windows = append(rf.Windows, windowForm{w.Start.String(), w.End.String()})
		}
		ds := make([]string, len(c.Dates))
		for i, d := range c.Dates {
			ds[i] = d.Label()
		}
		rf.Dates = strings.Join(ds, ", ")
		rf.From, rf.To = FormatDateTimeField(c.From), FormatDateTimeField(c.To)
		if r.Filter != nil {
			rf.FilterOn, rf.Anonymous = true, r.Filter.Anonymous
			rf.Numbers = strings.Join(r.Filter.Numbers, ", ")
		}
		for _, t := range r.Targets {
			ref := t.Ref
			if t.Kind == routing.TargetExternal && phone.E164(ref).Valid() {
				ref = phone.E164(ref).National() // as people write it; plan() reads it back
			}
			rf.Targets = append(rf.Targets, targetForm{Kind: t.Kind, Ref: ref, Ring: t.RingSeconds, Parallel: t.Parallel, Announcement: t.Announcement})
		}
		f.Rules = append(f.Rules, rf)
	}
	return f
}

// formError is the error of a form input the SDK cannot read, with the
// Field path Validate would use for it.
func formError(field, msg string) error {
	return numberdesk.E(numberdesk.CodeInvalid, "wasm.routingForm", field, msg)
}

// plan converts the form into a plan: priorities from the positions, dates,
// times and numbers parsed. An input that cannot be read is a
// *numberdesk.Error with CodeInvalid and the Field path of Validate
// ("rules[1].condition.windows[0]"). The plan is not validated here.
func (f *routingForm) plan() (routing.Plan, error) {
	p := routing.Plan{Base: routing.BaseRule{Kind: f.BaseKind}}
	if f.BaseKind == routing.BaseMailbox {
		p.Base.Ref = strings.TrimSpace(f.BaseRef)
	}
	for i, rf := range f.Rules {
		pre := "rules[" + strconv.Itoa(i) + "]"
		r := routing.Rule{ID: rf.ID, Name: strings.TrimSpace(rf.Name), Priority: i + 1, Enabled: rf.Enabled}
		c := routing.Condition{Kind: rf.Kind}
		cf := pre + ".condition"
		switch rf.Kind {
		case routing.CondWeekdays:
			for d, on := range rf.Days {
				if on {
					c.Weekdays |= routing.Days(mondayFirst(d))
				}
			}
		case routing.CondDates:
			for k, s := range splitList(rf.Dates) {
				d, err := routing.ParseDate(s)
				if err != nil {
					return routing.Plan{}, formError(cf+".dates["+strconv.Itoa(k)+"]", "Das Datum „"+s+"“ ist ungültig; bitte als TT.MM. oder TT.MM.JJJJ angeben.")
				}
				c.Dates = append(c.Dates, d)
			}
		case routing.CondPeriod:
			var err error
			if c.From, err = parseLocalDateTime(rf.From); err != nil {
				return routing.Plan{}, periodError(cf+".from", rf.From, "Bitte geben Sie den Beginn des Zeitraums an.", err)
			}
			if c.To, err = parseLocalDateTime(rf.To); err != nil {
				return routing.Plan{}, periodError(cf+".to", rf.To, "Bitte geben Sie das Ende des Zeitraums an.", err)
			}
		case routing.CondHolidays:
			c.State = rf.State
		}
		if rf.Kind == routing.CondWeekdays || rf.Kind == routing.CondDates || rf.Kind == routing.CondHolidays {
			for k, w := range rf.Windows {
				wf := cf + ".windows[" + strconv.Itoa(k) + "]"
				s, err1 := ParseClockField(w.Start, false)
				e, err2 := ParseClockField(w.End, true)
				if err1 != nil || err2 != nil || s >= routing.MinutesPerDay {
					return routing.Plan{}, formError(wf, "Bitte geben Sie das Zeitfenster als HH:MM bis HH:MM an.")
				}
				c.Windows = append(c.Windows, routing.Window{Start: s, End: e})
			}
		}
		r.Condition = c
		if rf.FilterOn {
			r.Filter = &routing.CallerFilter{Anonymous: rf.Anonymous}
			for k, s := range splitList(rf.Numbers) {
				n, err := routing.NormalizePattern(s)
				if err != nil {
					return routing.Plan{}, formError(pre+".filter.numbers["+strconv.Itoa(k)+"]", "„"+s+"“: "+numberdesk.ErrorMessage(err))
				}
				r.Filter.Numbers = append(r.Filter.Numbers, n)
			}
		}
		for k, tf := range rf.Targets {
			t := routing.Target{Kind: tf.Kind, Ref: strings.TrimSpace(tf.Ref), RingSeconds: tf.Ring, Parallel: tf.Parallel && k > 0, Announcement: strings.TrimSpace(tf.Announcement)}
			if t.Kind == routing.TargetExternal && t.Ref != "" {
				n, err := phone.Parse(t.Ref)
				if err != nil {
					return routing.Plan{}, formError(pre+".targets["+strconv.Itoa(k)+"].ref", numberdesk.ErrorMessage(err))
				}
				t.Ref = string(n)
			}
			r.Targets = append(r.Targets, t)
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

// splitList splits user input at commas, semicolons and line breaks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseLocalDateTime reads the German "02.01.2006 15:04" (or ISO
// "2006-01-02T15:04") with the shared parser of datefield.go.
func parseLocalDateTime(s string) (routing.DateTime, error) { return ParseDateTimeField(s) }

// periodError is the error of a period's start or end: missing (the
// SDK's German text), or not a date and time (the parser's message,
// which names the expected form TT.MM.JJJJ HH:MM).
func periodError(field, input, missing string, err error) error {
	if strings.TrimSpace(input) == "" {
		return formError(field, missing)
	}
	return formError(field, numberdesk.ErrorMessage(err))
}

// importSpec replaces the rule's time condition by the Asterisk/FreePBX
// time spec in r.Spec (routing.ParseAsteriskTimeSpec). Errors carry the
// Field "rules[i].condition.spec" of rule i.
func (r *ruleForm) importSpec(i int) error {
	c, err := routing.ParseAsteriskTimeSpec(r.Spec)
	if err != nil {
		return formError("rules["+strconv.Itoa(i)+"].condition.spec", numberdesk.ErrorMessage(err))
	}
	f := formFromPlan(routing.Plan{Rules: []routing.Rule{{Condition: c}}}).Rules[0]
	r.Kind, r.Days, r.Windows, r.Dates, r.From, r.To, r.State = f.Kind, f.Days, f.Windows, f.Dates, f.From, f.To, f.State
	r.Spec = ""
	return nil
}

// window returns window k of r; a scratch value if there is none (an event
// of an input that is about to disappear).
func (r *ruleForm) window(k int) *windowForm {
	if k >= 0 && k < len(r.Windows) {
		return &r.Windows[k]
	}
	return &windowForm{}
}

// target returns target k of r, or a scratch value if there is none.
func (r *ruleForm) target(k int) *targetForm {
	if k >= 0 && k < len(r.Targets) {
		return &r.Targets[k]
	}
	return &targetForm{}
}

// newRuleID returns a rule ID not used in the form.
func (f *routingForm) newRuleID() string {
	for n := len(f.Rules) + 1; ; n++ {
		id := "regel-" + strconv.Itoa(n)
		used := false
		for _, r := range f.Rules {
			used = used || r.ID == id
		}
		if !used {
			return id
		}
	}
}

// addRule appends a rule of kind k with one target: office hours for a
// weekly rule, so that the typical "Bürozeiten" needs no typing.
func (f *routingForm) addRule(k routing.ConditionKind, target targetForm) {
	r := ruleForm{ID: f.newRuleID(), Enabled: true, Kind: k, Targets: []targetForm{target}}
	switch k {
	case routing.CondWeekdays:
		r.Name = "Bürozeiten"
		for i := 0; i < 5; i++ {
			r.Days[i] = true
		}
		r.Windows = []windowForm{{"08:00", "18:00"}}
	case routing.CondDates:
		r.Name = "Feiertage"
		r.Dates = "24.12., 31.12."
	case routing.CondPeriod:
		r.Name = "Urlaub"
	case routing.CondHolidays:
		r.Name = "Gesetzliche Feiertage"
		r.State = "NW"
	default:
		r.Name = "Weiterleitung"
	}
	f.Rules = append(f.Rules, r)
}

// moveRule moves rule i by delta (-1 up, +1 down), changing priorities.
func (f *routingForm) moveRule(i, delta int) {
	j := i + delta
	if i < 0 || j < 0 || i >= len(f.Rules) || j >= len(f.Rules) {
		return
	}
	f.Rules[i], f.Rules[j] = f.Rules[j], f.Rules[i]
}

// removeRule deletes rule i.
func (f *routingForm) removeRule(i int) { f.Rules = removeAt(f.Rules, i) }

// removeAt returns s without element k (s itself if there is none); it
// never writes into s's array.
func removeAt[T any](s []T, k int) []T {
	if k < 0 || k >= len(s) {
		return s
	}
	return append(s[:k:k], s[k+1:]...)
}

// errorSlot maps the Field of an SDK error onto the form input that shows
// it: the path itself where the form has that input, else its nearest
// parent that has one ("rules[1].filter.numbers[2]" →
// "rules[1].filter.numbers", "rules[0].id" → "rules[0].name"), else ""
// (the dialog's general error line, e.g. for "version", a stale save).
// The usage type's fields ("usage_type", "confirm") keep their names.
func errorSlot(field string) string {
	switch field {
	case "usage_type", "confirm", "base.kind", "base.ref":
		return field
	case "base":
		return "base.kind"
	}
	if !strings.HasPrefix(field, "rules[") {
		return ""
	}
	end := strings.IndexByte(field, ']')
	if end < 0 {
		return ""
	}
	rule, rest := field[:end+1], strings.TrimPrefix(field[end+1:], ".")
	switch {
	case rest == "" || rest == "id" || rest == "name" || rest == "priority":
		return rule + ".name"
	case strings.HasPrefix(rest, "condition.windows["):
		if k := strings.IndexByte(rest, ']'); k > 0 {
			return rule + "." + rest[:k+1]
		}
		return rule + ".condition.windows"
	case strings.HasPrefix(rest, "condition.weekdays"):
		return rule + ".condition.weekdays"
	case strings.HasPrefix(rest, "condition.dates"):
		return rule + ".condition.dates"
	case rest == "condition.from" || rest == "condition.to" || rest == "condition.state" || rest == "condition.windows" || rest == "condition.spec":
		return rule + "." + rest
	case strings.HasPrefix(rest, "condition"):
		return rule + ".condition.kind"
	case strings.HasPrefix(rest, "filter"):
		return rule + ".filter"
	case strings.HasPrefix(rest, "targets["):
		k := strings.IndexByte(rest, ']')
		if k < 0 {
			return rule + ".targets"
		}
		t, sub := rest[:k+1], strings.TrimPrefix(rest[k+1:], ".")
		switch sub {
		case "kind", "ring_seconds":
			return rule + "." + t + "." + sub
		}
		return rule + "." + t + ".ref"
	case strings.HasPrefix(rest, "targets"):
		return rule + ".targets"
	}
	return rule + ".name"
}

// slotID turns an error slot into an HTML id: "rules[1].targets[0].ref" →
// "f-rules-1-targets-0-ref". Inputs carry it, and their error line carries
// it with the suffix "-err" (aria-describedby).
func slotID(slot string) string {
	var b strings.Builder
	b.WriteString("f-")
	last := byte('-')
	for i := 0; i < len(slot); i++ {
		c := slot[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			b.WriteByte(c)
			last = c
		default:
			if last != '-' {
				b.WriteByte('-')
				last = '-'
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// checkPlan converts the form and validates the plan against dir (nil
// skips the directory checks), returning the plan or the first error.
func (f *routingForm) checkPlan(dir routing.Directory) (routing.Plan, error) {
	p, err := f.plan()
	if err != nil {
		return p, err
	}
	return p, routing.Validate(p, dir)
}

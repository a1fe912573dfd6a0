package wasm

// German (and English) summaries of routing plans for the edit dialog and
// the live answer to "Wohin geht ein Anruf jetzt?" from routing.Evaluate and
// routing.Preview. Pure Go.

import (
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
)

// targetNamer returns the display name of a device, mailbox or ring group
// ("Büro", "Zentrale"), or "" if it has none.
type targetNamer func(kind routing.TargetKind, ref string) string

func (n targetNamer) name(kind routing.TargetKind, ref string) string {
	if n != nil {
		if s := n(kind, ref); s != "" {
			return s
		}
	}
	return ref
}

// targetKindLabel returns the label of a target kind in the current
// language.
func targetKindLabel(k routing.TargetKind) string { return pt("target." + string(k)) }

// targetLabel describes a target: "Endgerät „Büro“", "externe Rufnummer
// 0171 2345678", "Mailbox „Zentrale“".
func targetLabel(t routing.Target, names targetNamer) string {
	if t.Kind == routing.TargetExternal {
		return targetKindLabel(t.Kind) + " " + phone.E164(t.Ref).National()
	}
	return targetKindLabel(t.Kind) + " „" + names.name(t.Kind, t.Ref) + "“"
}

// ringLabel returns "30 s" or "unbegrenzt".
func ringLabel(sec int) string {
	if sec <= 0 {
		return pt("ring.unlimited")
	}
	return strconv.Itoa(sec) + " s"
}

// baseLabel describes the base rule: "Mailbox „Zentrale“", "Mailbox
// (Standardansage)", "eigene Mailbox", "Freizeichen".
func baseLabel(b routing.BaseRule, names targetNamer) string {
	switch b.Kind {
	case routing.BaseMailbox:
		if b.Ref == "" {
			return pt("base.mailbox.default")
		}
		return targetKindLabel(routing.TargetMailbox) + " „" + names.name(routing.TargetMailbox, b.Ref) + "“"
	case routing.BaseHolderMailbox, routing.BaseRingingTone:
		return pt("base." + string(b.Kind))
	}
	return string(b.Kind)
}

// conditionLabel describes when a rule applies, in the current language:
// "Mo–Fr 08:00–18:00", "ohne Regel (immer)".
func conditionLabel(c routing.Condition) string {
	if pagesLang() == "de" {
		if c.Kind == routing.CondAlways {
			return "immer (ohne Regel)"
		}
		return c.Label()
	}
	win := func() string {
		if len(c.Windows) == 0 {
			return "all day"
		}
		parts := make([]string, len(c.Windows))
		for i, w := range c.Windows {
			parts[i] = w.Start.String() + "–" + w.End.String()
		}
		return strings.Join(parts, ", ")
	}
	switch c.Kind {
	case routing.CondAlways:
		return "always"
	case routing.CondWeekdays:
		var days []string
		for i := 0; i < 7; i++ {
			if c.Weekdays.Has(mondayFirst(i)) {
				days = append(days, mondayFirst(i).String()[:3])
			}
		}
		return strings.Join(days, ", ") + " " + win()
	case routing.CondDates:
		ds := make([]string, len(c.Dates))
		for i, d := range c.Dates {
			ds[i] = d.Label()
		}
		return strings.Join(ds, ", ") + " " + win()
	case routing.CondPeriod:
		return c.From.Label() + " – " + c.To.Label()
	case routing.CondHolidays:
		return "public holidays " + c.State + " " + win()
	}
	return string(c.Kind)
}

// ruleSummary describes a rule in one line: "Mo–Fr 08:00–18:00: Endgerät
// „Büro“ (30 s), dann Mailbox „Zentrale“ (unbegrenzt)", with the caller
// filter and a note if the rule is switched off.
func ruleSummary(r routing.Rule, names targetNamer) string {
	var b strings.Builder
	b.WriteString(conditionLabel(r.Condition))
	if f := r.Filter; f != nil {
		var who []string
		if f.Anonymous {
			who = append(who, pt("filter.anonymous"))
		}
		for _, n := range f.Numbers {
			if strings.HasSuffix(n, "*") {
				who = append(who, n)
			} else {
				who = append(who, phone.E164(n).National())
			}
		}
		b.WriteString(" (" + pt("filter.only") + " " + strings.Join(who, ", ") + ")")
	}
	b.WriteString(": ")
	for i, t := range r.Targets {
		if i > 0 {
			if t.Parallel {
				b.WriteString(" " + pt("targets.parallel") + " ")
			} else {
				b.WriteString(", " + pt("targets.then") + " ")
			}
		}
		b.WriteString(targetLabel(t, names) + " (" + ringLabel(t.RingSeconds) + ")")
	}
	if !r.Enabled {
		b.WriteString(" – " + pt("rule.disabled"))
	}
	return b.String()
}

// callPreview is the answer to "Wohin geht ein Anruf jetzt?" for one
// instant: where the call goes, why, and when that next changes.
type callPreview struct {
	At      time.Time // the instant evaluated, in the tenant's zone
	When    string    // "Mi, 15.07.2026 17:59 MESZ (UTC+02:00)"
	UTC     string    // "15:59 UTC"
	Outcome string    // "Regel „Bürozeiten“: Endgerät „Büro“"
	RuleID  string    // the answering rule, "" for the base rule
	Trace   []string  // the rules considered, in order
	Changes []string  // the next changes of the active rule ("Mo 18:00 → Basisregel")
}

// zoneLabel returns the German name of the zone abbreviations of
// Europe/Berlin (MEZ, MESZ), else the abbreviation itself.
func zoneLabel(t time.Time) string {
	abbr, _ := t.Zone()
	if pagesLang() == "de" {
		switch abbr {
		case "CET":
			return "MEZ"
		case "CEST":
			return "MESZ"
		}
	}
	return abbr
}

// offsetLabel returns "UTC+02:00".
func offsetLabel(t time.Time) string {
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return "UTC" + sign + twoDigit(off/3600) + ":" + twoDigit(off%3600/60)
}

func twoDigit(n int) string { return string([]byte{byte('0' + n/10%10), byte('0' + n%10)}) }

// weekdayShort returns "Mo" … "So" (or "Mon" … "Sun").
func weekdayShort(d time.Weekday) string {
	if pagesLang() == "de" {
		return [7]string{"So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"}[d]
	}
	return d.String()[:3]
}

// previewInstant reads the preview's date ("2026-07-15" from a date input,
// or "15.07.2026") and time ("17:59") as a wall-clock time in loc. A wall
// time in a DST gap moves forward by the gap (02:30 on the spring-forward
// night is 03:30 CEST), as time.Date does; one that occurs twice (the
// fall-back night) is its first occurrence (02:30 CEST, not CET). Errors
// carry the Field "preview.date" or "preview.time".
func previewInstant(date, clock string, loc *time.Location) (time.Time, error) {
	d, err := routing.ParseDate(date)
	if err != nil || d.Recurring() {
		return time.Time{}, numberdesk.E(numberdesk.CodeInvalid, "wasm.preview", "preview.date", pt("preview.err.date"))
	}
	t, err := routing.ParseTimeOfDay(clock)
	if err != nil || t >= routing.MinutesPerDay {
		return time.Time{}, numberdesk.E(numberdesk.CodeInvalid, "wasm.preview", "preview.time", pt("preview.err.time"))
	}
	at := time.Date(d.Year, d.Month, d.Day, t.Hour(), t.Minute(), 0, 0, loc)
	// A wall time that occurs twice (the fall-back night) means its first
	// occurrence, as for routing periods; time.Date may pick either.
	for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if e := at.Add(-back).In(loc); e.Day() == at.Day() && e.Hour() == at.Hour() && e.Minute() == at.Minute() {
			return e, nil
		}
	}
	return at, nil
}

// previewCaller reads the caller of the preview: "" or "anonym" for an
// anonymous call, else a number (Field "preview.caller").
func previewCaller(s string) (routing.Call, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "anonym") || strings.EqualFold(s, "anonymous") {
		return routing.Call{Anonymous: s != ""}, nil
	}
	n, err := phone.Parse(s)
	if err != nil {
		return routing.Call{}, numberdesk.E(numberdesk.CodeInvalid, "wasm.preview", "preview.caller", numberdesk.ErrorMessage(err))
	}
	return routing.Call{From: n}, nil
}

// ordinaryCall is the call the preview assumes without a caller: a German
// number no filter of the demo lists.
var ordinaryCall = routing.Call{From: "+4930901820"}

// evaluateAt answers "Wohin geht ein Anruf jetzt?" for plan at instant at
// in loc, with every target answering (the schedule view): the outcome,
// the trace of the rules considered, and the changes of the active rule in
// the seven days from at.
func evaluateAt(plan routing.Plan, call routing.Call, at time.Time, loc *time.Location, names targetNamer, over ...routing.Override) callPreview {
	if loc == nil {
		loc = time.UTC
	}
	at = at.In(loc)
	d := routing.Evaluate(plan, call, at, loc, routing.AllAnswer, routing.WithTrace(nil), routing.WithOverrides(over))
	p := callPreview{
		At: at,
		When: weekdayShort(at.Weekday()) + ", " + at.Format("02.01.2006 15:04") + " " + zoneLabel(at) +
			" (" + offsetLabel(at) + ")",
		UTC: at.UTC().Format("15:04") + " UTC",
	}
	ruleName := func(id string) string {
		for i := range plan.Rules {
			if plan.Rules[i].ID == id {
				return plan.Rules[i].Label()
			}
		}
		return id
	}
	o := d.Outcome
	switch o.Kind {
	case routing.OutcomeAnswered, routing.OutcomeUnanswered:
		p.RuleID = o.RuleID
		p.Outcome = pt("outcome.rule", ruleName(o.RuleID)) + ": " + targetLabel(o.Target, names)
	case routing.OutcomeBase:
		p.Outcome = pt("outcome.base") + ": " + baseLabel(o.Base, names)
	case routing.OutcomeRejected:
		p.Outcome = pt("outcome.rejected")
	}
	for _, s := range d.Trace {
		if s.Kind != routing.StepRule {
			continue
		}
		p.Trace = append(p.Trace, pt("trace.rule", ruleName(s.RuleID))+": "+pt("reason."+string(s.Reason)))
	}
	for i, c := range routing.Preview(plan, at, at.Add(7*24*time.Hour), loc, routing.WithOverrides(over)) {
		if i == 0 {
			continue // the state at `at`, shown above
		}
		name := pt("outcome.base")
		if c.RuleID != "" {
			name = ruleName(c.RuleID)
		}
		t := c.At.In(loc)
		p.Changes = append(p.Changes, weekdayShort(t.Weekday())+" "+t.Format("02.01. 15:04")+" → "+name)
		if len(p.Changes) == 8 {
			break
		}
	}
	return p
}

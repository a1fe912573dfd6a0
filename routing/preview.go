package routing

import (
	"slices"
	"time"
)

// Change is an entry of a Preview: from At on, the rule RuleID is the
// active one ("" for the base rule). Label reads like "Mo 18:00 →
// Basisregel" or "Mo 08:00 → Bürozeiten".
type Change struct {
	At     time.Time `json:"at"`
	RuleID string    `json:"rule_id,omitempty"`
	Label  string    `json:"label"`
}

// MaxPreview is the longest span Preview covers; a longer one is cut.
const MaxPreview = 10 * 366 * 24 * time.Hour

// ordinaryCaller is a caller number no valid filter pattern matches.
const ordinaryCaller = "+0"

// Preview lists when the active rule changes within [from, to) in loc (nil
// means UTC), for an ordinary caller (not anonymous, listed in no caller
// filter) with every target answering: the active rule is the first rule by
// priority that applies and has a target, else the base rule. The first
// entry is the state at from; each further entry is an instant at which
// the active rule differs from the one before. Overrides given with
// WithOverrides are applied; the block list and trace options are ignored.
// Spans longer than MaxPreview are cut.
//
// At every instant t in [from, to), the rule of the last entry with
// At <= t is the rule Evaluate(plan, call, t, loc, AllAnswer) answers with.
func Preview(plan Plan, from, to time.Time, loc *time.Location, opts ...Option) []Change {
	if loc == nil {
		loc = time.UTC
	}
	from, to = clampScan(from), clampScan(to)
	if !to.After(from) {
		return nil
	}
	if to.Sub(from) > MaxPreview {
		to = from.Add(MaxPreview)
	}
	var overrides []Override
	for i := range opts {
		if opts[i].overrides != nil {
			overrides = opts[i].overrides
		}
	}
	// The conditions that decide which rule is active, and the instants at
	// which overrides begin and end.
	var conds []*Condition
	var extra []time.Time
	resolved := make([]Override, 0, len(overrides))
	for i := range plan.Rules {
		r := &plan.Rules[i]
		if r.Filter != nil || len(r.Targets) == 0 {
			continue
		}
		conds = append(conds, &r.Condition)
		for _, o := range overrides {
			if o.RuleID != r.ID || (o.Mode != ForceOn && o.Mode != ForceOff) {
				continue
			}
			ro := Override{RuleID: o.RuleID, Mode: o.Mode, Until: UntilTime, SetAt: o.SetAt, At: o.At}
			switch o.Until {
			case UntilPermanent:
				ro.Until, ro.At = UntilPermanent, time.Time{}
			case UntilTime:
			case UntilNextChange:
				if o.SetAt.IsZero() {
					continue
				}
				if x, ok := nextChange(&r.Condition, o.SetAt, to, loc); ok {
					ro.At = time.Unix(x, 0)
				} else {
					ro.Until, ro.At = UntilPermanent, time.Time{}
				}
			default:
				continue
			}
			resolved = append(resolved, ro)
			extra = append(extra, ro.SetAt, ro.At)
		}
	}

	e := evaluator{ringing: ringing{state: AllAnswer}, rules: plan.Rules, call: Call{From: ordinaryCaller}, loc: loc, overrides: resolved, resolved: true}
	active := func(t time.Time) string {
		e.d = Decision{}
		e.at, e.w, e.elapsed = t, wallOf(t, loc), 0
		if e.run() && e.d.Outcome.Kind == OutcomeAnswered {
			return e.d.Outcome.RuleID
		}
		return ""
	}
	label := func(t time.Time, id string) string {
		t = t.In(loc)
		name := "Basisregel"
		if id != "" {
			for i := range plan.Rules {
				if plan.Rules[i].ID == id {
					name = plan.Rules[i].Label()
					break
				}
			}
		}
		return germanDays[t.Weekday()] + " " + TimeOfDay(t.Hour()*60+t.Minute()).String() + " → " + name
	}

	cur := active(from)
	out := []Change{{At: from.In(loc), RuleID: cur, Label: label(from, cur)}}
	var cands []int64
	var times []time.Time
	var mins []int
	a, end := from.Unix(), to.Unix()
	if to.Nanosecond() == 0 {
		end-- // [from, to): an instant at to itself is outside
	}
	for a < end {
		b := min(a+86400, end)
		cands, mins = boundaryInstants(conds, loc, a, b, cands[:0], mins)
		times = times[:0]
		for _, x := range cands {
			times = append(times, time.Unix(x, 0))
		}
		lo, hi := time.Unix(a, 0), time.Unix(b, 0)
		for _, x := range extra {
			if !x.IsZero() && x.After(from) && x.After(lo) && !x.After(hi) && x.Before(to) {
				times = append(times, x)
			}
		}
		slices.SortFunc(times, time.Time.Compare)
		for i, t := range times {
			if i > 0 && t.Equal(times[i-1]) {
				continue
			}
			if id := active(t); id != cur {
				cur = id
				out = append(out, Change{At: t.In(loc), RuleID: id, Label: label(t, id)})
			}
		}
		a = b
	}
	return out
}

// The instants Preview and NextChange scan are kept within the years
// 1–9999, where the calendar arithmetic cannot overflow.
var (
	scanMin = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	scanMax = time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC)
)

func clampScan(t time.Time) time.Time {
	switch {
	case t.Before(scanMin):
		return scanMin
	case t.After(scanMax):
		return scanMax
	}
	return t
}

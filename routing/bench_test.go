package routing_test

import (
	"reflect"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk/routing"
)

// realisticPlan has ten rules of every kind, holidays and caller filters;
// at a Wednesday 10:00 the first seven do not apply and the eighth rings a
// ring group of three devices and a mobile in parallel.
func realisticPlan() routing.Plan {
	r := func(id string, prio int, c routing.Condition, ts ...routing.Target) routing.Rule {
		return routing.Rule{ID: id, Name: id, Priority: prio, Enabled: true, Condition: c, Targets: ts}
	}
	mobile := routing.Target{Kind: routing.TargetExternal, Ref: "+4915112345678", RingSeconds: 25, Parallel: true}
	rules := []routing.Rule{
		r("anon", 1, routing.Always(), mailbox("mb-anon")),
		r("vip", 2, routing.Always(), dev("boss", 20)),
		r("holidays", 3, routing.OnHolidays("NW"), mailbox("mb-1")),
		r("xmas", 4, routing.OnDates([]routing.Date{routing.D(0, 12, 24), routing.D(0, 12, 31)}, win(12, 0, 24, 0)), mailbox("mb-xmas")),
		r("vacation", 5, routing.Between(routing.DateTime{Date: routing.D(2026, 8, 1)}, routing.DateTime{Date: routing.D(2026, 8, 15)}), mailbox("mb-1")),
		r("friday", 6, routing.Weekly(routing.Days(time.Friday), win(13, 0, 18, 0)), ext(numB)),
		r("lunch", 7, routing.Weekly(routing.MonFri, win(12, 0, 13, 0)), mailbox("mb-1")),
		r("office", 8, routing.Weekly(routing.MonFri, win(8, 0, 12, 0), win(13, 0, 18, 0)), group("g-sales"), mobile),
		r("evening", 9, routing.Weekly(routing.MonFri, win(18, 0, 22, 0)), ext(numC)),
		r("night", 10, routing.Weekly(routing.AllWeek, win(22, 0, 6, 0)), mailbox("mb-1")),
	}
	rules[0].Filter = &routing.CallerFilter{Anonymous: true}
	rules[1].Filter = &routing.CallerFilter{Numbers: []string{"+4930*", "+43*", "+41*", "+4922112345", "+4989*"}}
	return routing.Plan{Rules: rules, Base: routing.BaseRule{Kind: routing.BaseHolderMailbox}}
}

func benchState() *routing.StateMap {
	return &routing.StateMap{
		Targets: map[routing.TargetKey]routing.Status{
			{Kind: routing.TargetDevice, Ref: "d1"}: routing.StatusBusy,
			{Kind: routing.TargetDevice, Ref: "d2"}: routing.StatusNoAnswer,
		},
		Groups: map[string][]routing.Target{"g-sales": {dev("d1", 0), dev("d2", 0), dev("d3", 0)}},
	}
}

func benchBlocklist() *routing.Blocklist {
	b := &routing.Blocklist{}
	for i := range 20 {
		b.Numbers = append(b.Numbers, "+49190"+strconv.Itoa(i)+"*")
	}
	return b
}

func TestEvaluateDoesNotAllocate(t *testing.T) {
	loc := berlin(t)
	p, state, bl := realisticPlan(), benchState(), benchBlocklist()
	when := at(loc, 2026, 3, 4, 10, 0)
	call := routing.Call{From: "+4922199999"}
	buf := make([]routing.Step, 0, 32)
	d := routing.Evaluate(p, call, when, loc, state, routing.WithTrace(buf[:0]), routing.WithBlocklist(bl))
	if d.Outcome.RuleID != "office" || d.Outcome.Member.Ref != "d3" || len(d.Trace) != 13 {
		t.Fatalf("outcome %+v, %d steps", d.Outcome, len(d.Trace))
	}
	n := testing.AllocsPerRun(200, func() {
		routing.Evaluate(p, call, when, loc, state, routing.WithTrace(buf[:0]), routing.WithBlocklist(bl))
	})
	if n != 0 {
		t.Fatalf("Evaluate allocates %v times per call", n)
	}
	// A next-change override scans the schedule, still without allocating.
	ov := []routing.Override{{RuleID: "office", Mode: routing.ForceOff, Until: routing.UntilNextChange, SetAt: when.Add(-3 * 24 * time.Hour)}}
	n = testing.AllocsPerRun(50, func() {
		routing.Evaluate(p, call, when, loc, state, routing.WithOverrides(ov))
	})
	if n != 0 {
		t.Fatalf("Evaluate with an override allocates %v times per call", n)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	loc := berlin(b)
	p, state, bl := realisticPlan(), benchState(), benchBlocklist()
	when := at(loc, 2026, 3, 4, 10, 0)
	call := routing.Call{From: "+4922199999"}
	buf := make([]routing.Step, 0, 32)
	b.Run("trace", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			routing.Evaluate(p, call, when, loc, state, routing.WithTrace(buf[:0]), routing.WithBlocklist(bl))
		}
	})
	b.Run("notrace", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			routing.Evaluate(p, call, when, loc, state, routing.WithBlocklist(bl))
		}
	})
	b.Run("holiday", func(b *testing.B) { // Fronleichnam: rule 3 answers
		h := at(loc, 2026, 6, 4, 10, 0)
		b.ReportAllocs()
		for b.Loop() {
			routing.Evaluate(p, call, h, loc, state, routing.WithTrace(buf[:0]), routing.WithBlocklist(bl))
		}
	})
	b.Run("base", func(b *testing.B) { // Sunday 15:00: every rule is checked, the base rule answers
		s := at(loc, 2026, 3, 8, 15, 0)
		b.ReportAllocs()
		for b.Loop() {
			routing.Evaluate(p, call, s, loc, state, routing.WithTrace(buf[:0]), routing.WithBlocklist(bl))
		}
	})
}

func BenchmarkPreviewYear(b *testing.B) {
	loc := berlin(b)
	p := realisticPlan()
	from := at(loc, 2026, 1, 1, 0, 0)
	to := at(loc, 2027, 1, 1, 0, 0)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		n = len(routing.Preview(p, from, to, loc))
	}
	b.ReportMetric(float64(n), "changes")
}

// straightforward is the evaluator one would write without the package's
// machinery, for the comparison in BenchmarkEvaluateVsStraightforward: a
// plain loop over the rules sorted by priority (sorted once, by
// newStraightforward, as a portal would store them), checking the block
// list entry by entry, Enabled, the caller filter pattern by pattern, the
// windows on the wall clock of time.In(loc), holidays with
// routing.IsHoliday, and the ring groups' members through the TargetState.
// It knows nothing of overrides, and it reads a period's bounds on the wall
// clock (so it differs from Evaluate in a skipped or repeated hour); for
// the benchmark's plan it decides like Evaluate, trace included
// (TestStraightforwardAgrees).
type straightforward struct {
	plan  routing.Plan
	order []int // indices of plan.Rules by priority
}

func newStraightforward(p routing.Plan) *straightforward {
	order := make([]int, len(p.Rules))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p.Rules[order[a]].Priority < p.Rules[order[b]].Priority })
	return &straightforward{plan: p, order: order}
}

// sfRun is one evaluation of the straightforward evaluator.
type sfRun struct {
	state   routing.TargetState
	trace   bool
	d       routing.Decision
	elapsed int
}

func (r *sfRun) step(s routing.Step) {
	if r.trace {
		r.d.Trace = append(r.d.Trace, s)
	}
}

// evaluate decides like routing.Evaluate with WithBlocklist(bl) and, if
// trace, WithTrace(buf).
func (s *straightforward) evaluate(call routing.Call, at time.Time, loc *time.Location, state routing.TargetState, bl *routing.Blocklist, trace bool, buf []routing.Step) routing.Decision {
	r := sfRun{state: state, trace: trace}
	if trace {
		r.d.Trace = buf
	}
	anonymous := call.Anonymous || call.From == ""
	if bl != nil {
		blocked := anonymous && bl.Anonymous
		if !anonymous {
			for _, p := range bl.Numbers {
				if routing.MatchPattern(p, string(call.From)) {
					blocked = true
					break
				}
			}
		}
		if blocked {
			r.d.Blocked = true
			r.d.Outcome = routing.Outcome{Kind: routing.OutcomeRejected}
			r.step(routing.Step{Kind: routing.StepBlocklist, Rule: -1, Reason: routing.ReasonBlocked})
			return r.d
		}
	}
	local := at.In(loc)
	minute := local.Hour()*60 + local.Minute()
	today := routing.DateOf(local)
	for _, i := range s.order {
		rule := &s.plan.Rules[i]
		reason := routing.ReasonMatched
		switch {
		case !rule.Enabled:
			reason = routing.ReasonDisabled
		case !sfHolds(&rule.Condition, today, minute):
			reason = routing.ReasonCondition
		case !sfAccepts(rule.Filter, call, anonymous):
			reason = routing.ReasonFilter
		}
		r.step(routing.Step{Kind: routing.StepRule, Rule: i, RuleID: rule.ID, Reason: reason})
		if reason == routing.ReasonMatched && r.ring(i, rule) {
			return r.d
		}
	}
	base := s.plan.Base
	r.d.Outcome = routing.Outcome{Kind: routing.OutcomeBase, Base: base, Seconds: r.elapsed}
	r.step(routing.Step{Kind: routing.StepBase, Rule: -1, Target: routing.Target{Kind: routing.TargetKind(base.Kind), Ref: base.Ref}, Offset: r.elapsed})
	return r.d
}

func sfHolds(c *routing.Condition, today routing.Date, minute int) bool {
	switch c.Kind {
	case routing.CondAlways:
		return true
	case routing.CondPeriod:
		now := routing.DateTime{Date: today, Time: routing.TimeOfDay(minute)}
		return now.Compare(c.From) >= 0 && now.Compare(c.To) < 0
	}
	if len(c.Windows) == 0 {
		return sfDay(c, today)
	}
	m := routing.TimeOfDay(minute)
	for _, w := range c.Windows {
		if w.Start < w.End {
			if m >= w.Start && m < w.End && sfDay(c, today) {
				return true
			}
			continue
		}
		if m >= w.Start && sfDay(c, today) || m < w.End && sfDay(c, today.AddDays(-1)) {
			return true
		}
	}
	return false
}

// sfDay reports whether the day predicate of c holds on d.
func sfDay(c *routing.Condition, d routing.Date) bool {
	switch c.Kind {
	case routing.CondWeekdays:
		return c.Weekdays.Has(d.Weekday())
	case routing.CondDates:
		for _, x := range c.Dates {
			if x.Month == d.Month && x.Day == d.Day && (x.Year == 0 || x.Year == d.Year) {
				return true
			}
		}
	case routing.CondHolidays:
		_, ok := routing.IsHoliday(c.State, d)
		return ok
	}
	return false
}

func sfAccepts(f *routing.CallerFilter, call routing.Call, anonymous bool) bool {
	if f == nil {
		return true
	}
	if anonymous {
		return f.Anonymous
	}
	for _, p := range f.Numbers {
		if routing.MatchPattern(p, string(call.From)) {
			return true
		}
	}
	return false
}

// ring rings the targets of rule (index i) in their sequential groups; it
// reports whether the call ended there.
func (r *sfRun) ring(i int, rule *routing.Rule) bool {
	ts := rule.Targets
	for start := 0; start < len(ts); {
		end := start + 1
		for end < len(ts) && ts[end].Parallel {
			end++
		}
		longest, unlimited, answered := 0, -1, -1
		var member routing.Target
		for k := start; k < end; k++ {
			at := len(r.d.Trace)
			r.step(routing.Step{Kind: routing.StepTarget, Rule: i, RuleID: rule.ID, Target: ts[k], Offset: r.elapsed})
			st, m := r.status(ts[k], i, rule.ID)
			if r.trace {
				r.d.Trace[at].Status = st
			}
			if st == routing.StatusAnswered && answered < 0 {
				answered, member = k, m
			}
			if st == routing.StatusAnswered || st == routing.StatusNoAnswer {
				if ts[k].RingSeconds <= 0 {
					if unlimited < 0 {
						unlimited = k
					}
				} else {
					longest = max(longest, ts[k].RingSeconds)
				}
			}
		}
		switch {
		case answered >= 0:
			r.d.Outcome = routing.Outcome{Kind: routing.OutcomeAnswered, RuleID: rule.ID, Target: ts[answered], Member: member, Seconds: r.elapsed}
			return true
		case unlimited >= 0:
			r.d.Outcome = routing.Outcome{Kind: routing.OutcomeUnanswered, RuleID: rule.ID, Target: ts[unlimited], Seconds: r.elapsed}
			return true
		}
		r.elapsed += longest
		start = end
	}
	return false
}

// status returns the state of t and the member of a ring group that
// answered (one level of groups, as in the benchmark).
func (r *sfRun) status(t routing.Target, i int, id string) (routing.Status, routing.Target) {
	if t.Kind != routing.TargetRingGroup {
		return r.state.Status(t), routing.Target{}
	}
	members, ok := r.state.Members(t.Ref)
	if !ok {
		return r.state.Status(t), routing.Target{}
	}
	var answered, noAnswer, busy, dnd bool
	var who routing.Target
	for _, m := range members {
		m.RingSeconds = t.RingSeconds
		at := len(r.d.Trace)
		r.step(routing.Step{Kind: routing.StepMember, Rule: i, RuleID: id, Target: m, Offset: r.elapsed})
		st := r.state.Status(m)
		if r.trace {
			r.d.Trace[at].Status = st
		}
		switch st {
		case routing.StatusAnswered:
			if !answered {
				answered, who = true, m
			}
		case routing.StatusNoAnswer:
			noAnswer = true
		case routing.StatusBusy:
			busy = true
		case routing.StatusDND:
			dnd = true
		}
	}
	switch {
	case answered:
		return routing.StatusAnswered, who
	case noAnswer:
		return routing.StatusNoAnswer, routing.Target{}
	case busy:
		return routing.StatusBusy, routing.Target{}
	case dnd:
		return routing.StatusDND, routing.Target{}
	}
	return routing.StatusOffline, routing.Target{}
}

// benchScenarios are the instants of BenchmarkEvaluate's cases and whether
// they record a trace.
func benchScenarios(loc *time.Location) []struct {
	name  string
	at    time.Time
	trace bool
} {
	return []struct {
		name  string
		at    time.Time
		trace bool
	}{
		{"trace", at(loc, 2026, 3, 4, 10, 0), true},    // Wednesday 10:00: rule 8 answers through its ring group
		{"notrace", at(loc, 2026, 3, 4, 10, 0), false}, // the same without a trace
		{"holiday", at(loc, 2026, 6, 4, 10, 0), true},  // Fronleichnam: rule 3 answers
		{"base", at(loc, 2026, 3, 8, 15, 0), true},     // Sunday 15:00: every rule is checked, the base rule answers
	}
}

// TestStraightforwardAgrees checks that the benchmark's straightforward
// evaluator decides like Evaluate (and the compiled plan) on the
// benchmark's plan: in its four cases, and every 20 minutes of a fortnight
// around Fronleichnam, of Christmas and of the switch to summer time, for
// an ordinary, a filtered, an anonymous and a blocked caller.
func TestStraightforwardAgrees(t *testing.T) {
	loc := berlin(t)
	p, state, bl := realisticPlan(), benchState(), benchBlocklist()
	sf, c, cb := newStraightforward(p), routing.Compile(p), routing.CompileBlocklist(*bl)
	check := func(name string, call routing.Call, when time.Time, trace bool) {
		t.Helper()
		var opts []routing.Option
		if trace {
			opts = append(opts, routing.WithTrace(nil))
		}
		want := routing.Evaluate(p, call, when, loc, state, append(opts, routing.WithBlocklist(bl))...)
		if got := sf.evaluate(call, when, loc, state, bl, trace, nil); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s %v at %v: straightforward\n%+v\nEvaluate\n%+v", name, call, when, got, want)
		}
		if got := c.Evaluate(call, when, loc, state, append(opts, routing.WithCompiledBlocklist(cb))...); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s %v at %v: compiled\n%+v\nEvaluate\n%+v", name, call, when, got, want)
		}
	}
	call := routing.Call{From: "+4922199999"}
	for _, sc := range benchScenarios(loc) {
		check(sc.name, call, sc.at, sc.trace)
	}
	callers := []routing.Call{call, {From: "+4930123456"}, {Anonymous: true}, {From: "+4919012345"}, {From: "+4922112345"}}
	for _, start := range []time.Time{at(loc, 2026, 5, 28, 0, 0), at(loc, 2026, 12, 18, 0, 0), at(loc, 2026, 3, 22, 0, 0)} {
		for when := start; when.Before(start.Add(14 * 24 * time.Hour)); when = when.Add(20 * time.Minute) {
			for _, c := range callers {
				check("sweep", c, when, true)
			}
		}
	}
}

// BenchmarkEvaluateVsStraightforward runs, in one run and interleaved per
// case, the compiled plan (Compile once, (*Compiled).Evaluate with a
// compiled block list), the straightforward evaluator above and Evaluate on
// the plain plan, on BenchmarkEvaluate's four cases.
func BenchmarkEvaluateVsStraightforward(b *testing.B) {
	loc := berlin(b)
	p, state, bl := realisticPlan(), benchState(), benchBlocklist()
	c, cb, sf := routing.Compile(p), routing.CompileBlocklist(*bl), newStraightforward(p)
	call := routing.Call{From: "+4922199999"}
	buf := make([]routing.Step, 0, 32)
	for _, sc := range benchScenarios(loc) {
		when := sc.at
		var tr []routing.Option
		if sc.trace {
			tr = []routing.Option{routing.WithTrace(buf[:0])}
		}
		b.Run(sc.name+"/compiled", func(b *testing.B) {
			opts := append(tr[:len(tr):len(tr)], routing.WithCompiledBlocklist(cb))
			b.ReportAllocs()
			for b.Loop() {
				c.Evaluate(call, when, loc, state, opts...)
			}
		})
		b.Run(sc.name+"/straightforward", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sf.evaluate(call, when, loc, state, bl, sc.trace, buf[:0])
			}
		})
		b.Run(sc.name+"/uncompiled", func(b *testing.B) {
			opts := append(tr[:len(tr):len(tr)], routing.WithBlocklist(bl))
			b.ReportAllocs()
			for b.Loop() {
				routing.Evaluate(p, call, when, loc, state, opts...)
			}
		})
	}
}

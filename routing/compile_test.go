package routing_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has installed

	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
)

// gen draws random plans, calls, instants, states, block lists and
// overrides for the differential test of Compile. Every choice comes from
// one PCG source with a fixed seed, so a failure reproduces.
type gen struct {
	r    *rand.Rand
	locs []*time.Location
}

// genZones have DST (north and south), a 30-minute DST shift (Lord Howe),
// a negative DST (Dublin), DST suspended during Ramadan (Casablanca), a
// skipped calendar day (Apia, 30 December 2011), a quarter-hour offset
// (Kathmandu); nil is UTC.
var genZones = []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Europe/Dublin",
	"Africa/Casablanca", "Pacific/Apia", "Asia/Kathmandu", "America/Sao_Paulo", "UTC"}

func newGen(t *testing.T, seed uint64) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), locs: []*time.Location{nil}}
	for _, z := range genZones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		g.locs = append(g.locs, loc)
	}
	return g
}

func (g *gen) n(k int) int                 { return g.r.IntN(k) }
func (g *gen) chance(p float64) bool       { return g.r.Float64() < p }
func pick[T any](g *gen, xs ...T) T        { return xs[g.n(len(xs))] }
func (g *gen) between(a, b int) int        { return a + g.n(b-a+1) }
func (g *gen) minutes(d int) time.Duration { return time.Duration(g.between(-d, d)) * time.Minute }

// genCallers share prefixes so that prefix patterns and exact numbers
// overlap.
var genCallers = []phone.E164{"+4922112345", "+4922112345610", "+4922199999", "+49221", "+4930123456",
	"+431234567", "+4919012345", "+4915112345678", "+41445556677"}

func (g *gen) pattern() string {
	switch g.n(6) {
	case 0, 1:
		return string(pick(g, genCallers...))
	case 2, 3: // a prefix of a caller
		c := string(pick(g, genCallers...))
		return c[:g.between(1, len(c))] + "*"
	case 4:
		return pick(g, "*", "+*", "+4*", "", "+", "abc", "+4922112345*", "+49*", "+492211234561*")
	}
	return fmt.Sprintf("+49%d*", g.n(300))
}

func (g *gen) patterns(max int) []string {
	var out []string
	for range g.n(max + 1) {
		out = append(out, g.pattern())
	}
	return out
}

func (g *gen) call() routing.Call {
	switch g.n(10) {
	case 0:
		return routing.Call{Anonymous: true}
	case 1:
		return routing.Call{}
	case 2:
		return routing.Call{From: pick(g, genCallers...), Anonymous: true}
	case 3:
		return routing.Call{From: pick[phone.E164](g, "+4922112345*", "+492211234", "+4")}
	}
	return routing.Call{From: pick(g, genCallers...)}
}

func (g *gen) loc() *time.Location { return g.locs[g.n(len(g.locs))] }

// instant draws an instant that stresses the evaluation in loc: near a
// zone transition, on or around a holiday, near a boundary of one of the
// plan's windows or period bounds, anywhere, or at an extreme.
func (g *gen) instant(loc *time.Location, p *routing.Plan) time.Time {
	l := loc
	if l == nil {
		l = time.UTC
	}
	year := g.between(1995, 2035)
	switch g.n(13) {
	case 0, 1, 2: // around a zone transition of that year
		start := time.Date(year, time.Month(g.between(1, 12)), 1, 0, 0, 0, 0, time.UTC)
		_, end := start.In(l).ZoneBounds()
		if end.IsZero() {
			end = start
		}
		return end.Add(g.minutes(26*60) + time.Duration(pick(g, 0, 0, -1, 1, 59, 30))*time.Second)
	case 3, 4: // on a holiday, or the day after
		hs := routing.Holidays(routing.States[g.n(len(routing.States))].Code, year)
		h := hs[g.n(len(hs))].Date
		return time.Date(h.Year, h.Month, h.Day+g.n(2), 0, g.between(-90, 24*60+90), 0, 0, l)
	case 5, 6, 7: // near a window or period boundary of the plan
		if len(p.Rules) == 0 {
			break
		}
		c := &p.Rules[g.n(len(p.Rules))].Condition
		if c.Kind == routing.CondPeriod && g.chance(0.7) {
			b := pick(g, c.From, c.To)
			if b.Date.Valid() && b.Date.Year != 0 {
				t := time.Date(b.Date.Year, b.Date.Month, b.Date.Day, 0, int(b.Time), 0, 0, l)
				if g.chance(0.5) { // on the bound, or a second or a fraction off it
					return t.Add(pick(g, 0, 0, time.Second, -time.Second, time.Second/2, -time.Second/2))
				}
				return t.Add(g.minutes(90))
			}
		}
		m := g.n(24 * 60)
		if len(c.Windows) > 0 {
			w := c.Windows[g.n(len(c.Windows))]
			m = int(pick(g, w.Start, w.End)) + g.between(-2, 1)
		}
		var y, mo, d = year, time.Month(g.between(1, 12)), g.between(1, 28)
		if len(c.Dates) > 0 && g.chance(0.6) {
			dt := c.Dates[g.n(len(c.Dates))]
			if dt.Year != 0 {
				y = dt.Year
			} else {
				y = pick(g, y, 2023, 2024, 2000, 2100) // leap years and common ones
			}
			mo, d = dt.Month, dt.Day+g.between(-1, 1)
		}
		return time.Date(y, mo, d, 0, m, g.n(60), 0, l)
	case 9: // from 28 February to 2 March, of leap years and common ones
		return time.Date(pick(g, 2023, 2024, 2025, 2000, 2100), 2, g.between(28, 30), 0, g.between(-30, 24*60+30), 0, 0, l)
	case 8:
		return pick(g, time.Time{}, time.Unix(1<<62, 0), time.Unix(-1<<62, 0), time.Date(9999, 12, 31, 23, 59, 0, 0, l),
			time.Date(1582, 10, 10, 0, 0, 0, 0, l), time.Date(2011, 12, 29, 23, 30, 0, 0, l), time.Date(1900, 2, 28, 23, 0, 0, 0, l),
			time.Date(2400, 2, 29, 12, 0, 0, 0, l), time.Date(1899, 12, 31, 23, 59, 0, 0, l), time.Date(2399, 12, 31, 23, 59, 0, 0, l))
	}
	return time.Unix(int64(g.between(631152000, 2082758400)), int64(g.n(1e9)))
}

func (g *gen) tod() routing.TimeOfDay {
	switch g.n(4) {
	case 0:
		return routing.TimeOfDay(pick(g, 0, 1, 60, 120, 150, 180, 1320, 1439, 1440, 1441, 2000))
	case 1:
		return routing.At(g.n(24), pick(g, 0, 30))
	}
	return routing.TimeOfDay(g.n(1441))
}

func (g *gen) windows() []routing.Window {
	if g.chance(0.35) {
		return nil
	}
	var out []routing.Window
	for range g.between(1, 3) {
		w := routing.Window{Start: g.tod(), End: g.tod()}
		if g.chance(0.1) {
			w.End = w.Start
		}
		out = append(out, w)
	}
	return out
}

func (g *gen) date() routing.Date {
	y := pick(g, 0, 0, 0, 2023, 2024, 2025, 2026, 2027, 2028, 2000, 2100, 10000, -5)
	if g.chance(0.3) { // around 29 February
		return routing.D(y, pick[time.Month](g, 2, 3), pick(g, 28, 29, 1, 30))
	}
	m := time.Month(pick(g, 1, 2, 3, 6, 10, 12, 12, 0, 13, time.Month(g.between(1, 12))))
	d := pick(g, 1, 24, 25, 26, 28, 29, 30, 31, 0, 32, g.between(1, 31))
	return routing.D(y, m, d)
}

func (g *gen) dateTime(loc *time.Location) routing.DateTime {
	if g.chance(0.1) {
		return pick(g, routing.DateTime{}, routing.DateTime{Date: routing.D(0, 5, 1)}, routing.DateTime{Date: routing.D(2026, 2, 30)},
			routing.DateTime{Date: routing.D(2026, 5, 1), Time: 1440})
	}
	l := loc
	if l == nil {
		l = time.UTC
	}
	// Often on a zone transition, whose wall times are skipped or repeated.
	start := time.Date(g.between(1995, 2035), time.Month(g.between(1, 12)), g.between(1, 28), 0, 0, 0, 0, time.UTC)
	if _, end := start.In(l).ZoneBounds(); !end.IsZero() && g.chance(0.6) {
		start = end.Add(g.minutes(120)).In(l)
	} else {
		start = start.Add(time.Duration(g.n(24*60)) * time.Minute).In(l)
	}
	return routing.DateTime{Date: routing.DateOf(start), Time: routing.TimeOfDay(start.Hour()*60 + start.Minute())}
}

func (g *gen) condition(loc *time.Location) routing.Condition {
	switch g.n(12) {
	case 0, 1:
		return routing.Always()
	case 2, 3, 4:
		days := routing.Weekdays(g.n(256))
		if g.chance(0.3) {
			days = pick(g, routing.MonFri, routing.Weekend, routing.AllWeek, routing.Days(time.Friday))
		}
		return routing.Weekly(days, g.windows()...)
	case 5, 6:
		var ds []routing.Date
		for range g.n(6) {
			ds = append(ds, g.date())
		}
		return routing.OnDates(ds, g.windows()...)
	case 7, 8:
		from, to := g.dateTime(loc), g.dateTime(loc)
		if from.Compare(to) > 0 && g.chance(0.8) {
			from, to = to, from
		}
		return routing.Between(from, to)
	case 9, 10:
		state := routing.States[g.n(len(routing.States))].Code
		if g.chance(0.1) {
			state = pick(g, "", "XX", "nw", "NWX")
		}
		return routing.OnHolidays(state, g.windows()...)
	}
	c := routing.Condition{Kind: pick[routing.ConditionKind](g, "", "sometimes"), Windows: g.windows()}
	return c
}

var (
	genIDs  = []string{"a", "b", "c", "d", "e", "f", "g"}
	genRefs = []string{"d1", "d2", "d3", "mb", "g1", "g2", "g3", "+4930123456"}
)

func (g *gen) target() routing.Target {
	return routing.Target{
		Kind:         pick(g, routing.TargetDevice, routing.TargetDevice, routing.TargetMailbox, routing.TargetRingGroup, routing.TargetRingGroup, routing.TargetExternal, "pager"),
		Ref:          pick(g, genRefs...),
		RingSeconds:  pick(g, 0, 10, 20, 30, 25, -5),
		Parallel:     g.chance(0.3),
		Announcement: pick(g, "", "", "ansage-1"),
	}
}

func (g *gen) plan(loc *time.Location) routing.Plan {
	p := routing.Plan{Base: routing.BaseRule{Kind: pick(g, routing.BaseMailbox, routing.BaseHolderMailbox, routing.BaseRingingTone, "odd"), Ref: pick(g, "", "mb")},
		Version: int64(g.n(5))}
	n := g.n(13)
	if g.chance(0.05) {
		n = g.between(13, 40) // beyond the sorts' insertion-sort threshold
	}
	for i := range n {
		r := routing.Rule{ID: pick(g, genIDs...), Name: "Regel", Priority: i + 1, Enabled: g.chance(0.85), Condition: g.condition(loc)}
		if g.chance(0.5) {
			r.Priority = g.between(-2, 8) // unsorted, with ties
		}
		if g.chance(0.4) {
			r.Filter = &routing.CallerFilter{Anonymous: g.chance(0.4), Numbers: g.patterns(4)}
		}
		for range pick(g, 0, 0, 1, 1, 2, 3, 4) { // no targets: the call falls through
			r.Targets = append(r.Targets, g.target())
		}
		p.Rules = append(p.Rules, r)
	}
	return p
}

var genStatuses = []routing.Status{routing.StatusAnswered, routing.StatusNoAnswer, routing.StatusBusy, routing.StatusOffline, routing.StatusDND, "weird"}

func (g *gen) state() routing.TargetState {
	if g.chance(0.1) {
		return nil
	}
	m := &routing.StateMap{Default: pick(g, "", routing.StatusNoAnswer, routing.StatusBusy, routing.StatusOffline, routing.StatusDND), Targets: map[routing.TargetKey]routing.Status{}, Groups: map[string][]routing.Target{}}
	for range g.n(8) {
		t := g.target()
		m.Targets[routing.TargetKey{Kind: t.Kind, Ref: t.Ref}] = pick(g, genStatuses...)
	}
	for _, id := range []string{"g1", "g2", "g3"} {
		if g.chance(0.3) {
			continue // not a known group: asked for its own status
		}
		var ms []routing.Target // may name groups, itself included: nesting is bounded
		for range g.n(4) {
			ms = append(ms, g.target())
		}
		m.Groups[id] = ms
	}
	return m
}

func (g *gen) overrides(p *routing.Plan, at time.Time) []routing.Override {
	if g.chance(0.6) {
		return nil
	}
	var out []routing.Override
	for range g.between(1, 3) {
		o := routing.Override{
			RuleID: pick(g, genIDs...),
			Mode:   pick(g, routing.ForceOn, routing.ForceOff, routing.ForceOn, routing.ForceOff, "toggle"),
			Until:  pick(g, routing.UntilNextChange, routing.UntilTime, routing.UntilPermanent, "sometime"),
		}
		if len(p.Rules) > 0 && g.chance(0.7) {
			o.RuleID = p.Rules[g.n(len(p.Rules))].ID
		}
		if g.chance(0.85) { // a next-change override scans from SetAt: keep it within days
			o.SetAt = at.Add(g.minutes(3 * 24 * 60))
		}
		if g.chance(0.8) {
			o.At = at.Add(g.minutes(2 * 24 * 60))
		}
		out = append(out, o)
	}
	return out
}

// TestCompiledMatchesEvaluate is the differential test of Compile: for
// random plans (valid or not: unsorted and tied priorities, duplicate IDs,
// windows crossing midnight or never matching, impossible dates, periods
// across DST changes, unknown states and kinds, caller filters with exact
// numbers, nested prefixes and bad patterns, nested and cyclic ring
// groups), calls, instants (zone transitions in nine zones, holidays,
// window and period boundaries, extremes), target states, block lists
// (plain and compiled) and overrides, (*Compiled).Evaluate returns exactly
// the Decision of Evaluate, trace included. The budget is a number of
// plans and evaluations, not a time.
func TestCompiledMatchesEvaluate(t *testing.T) {
	plans, evals := 5000, 8
	if testing.Short() {
		plans = 1000
	}
	g := newGen(t, 14)
	buf := make([]routing.Step, 0, 64)
	var blocked, answered, base, traced, forced int
	for pi := range plans {
		loc := g.loc()
		p := g.plan(loc)
		c := routing.Compile(p)
		for range evals {
			call, when, state := g.call(), g.instant(loc, &p), g.state()
			var ref, comp []routing.Option
			if g.chance(0.7) {
				tr := routing.WithTrace(pick(g, nil, buf[:0]))
				ref, comp = append(ref, tr), append(comp, tr)
				traced++
			}
			// mixed: Evaluate with the list compiled, after another one.
			var mixed []routing.Option
			if g.chance(0.6) {
				if g.chance(0.2) { // an earlier list the last one replaces
					other := &routing.Blocklist{Anonymous: true, Numbers: g.patterns(6)}
					comp = append(comp, routing.WithBlocklist(other))
					mixed = append(mixed, routing.WithBlocklist(other))
				}
				bl := &routing.Blocklist{Anonymous: g.chance(0.3), Numbers: g.patterns(6)}
				cb := routing.CompileBlocklist(*bl)
				ref = append(ref, routing.WithBlocklist(bl))
				mixed = append(mixed, routing.WithCompiledBlocklist(cb))
				if g.chance(0.7) {
					comp = append(comp, routing.WithCompiledBlocklist(cb))
				} else {
					comp = append(comp, routing.WithBlocklist(bl))
				}
			}
			if ov := g.overrides(&p, when); ov != nil {
				ref, comp = append(ref, routing.WithOverrides(ov)), append(comp, routing.WithOverrides(ov))
				forced++
			}
			want := routing.Evaluate(p, call, when, loc, state, ref...)
			want.Trace = append([]routing.Step(nil), want.Trace...) // buf is reused
			if mixed != nil {
				if got := routing.Evaluate(p, call, when, loc, state, mixed...); got.Blocked != want.Blocked {
					t.Fatalf("plan %d, call %+v: Evaluate with a compiled block list: blocked %v, with the list %v", pi, call, got.Blocked, want.Blocked)
				}
			}
			got := c.Evaluate(call, when, loc, state, comp...)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("plan %d, call %+v at %v in %v:\nplan %+v\ncompiled %+v\nEvaluate %+v", pi, call, when, loc, p, got, want)
			}
			switch want.Outcome.Kind {
			case routing.OutcomeRejected:
				blocked++
			case routing.OutcomeAnswered, routing.OutcomeUnanswered:
				answered++
			case routing.OutcomeBase:
				base++
			}
		}
	}
	t.Logf("%d plans × %d evaluations: %d blocked, %d answered by a rule, %d by the base rule; %d traced, %d with overrides",
		plans, evals, blocked, answered, base, traced, forced)
	// The generator must reach every outcome, or the test proves little.
	if blocked == 0 || answered == 0 || base == 0 {
		t.Fatal("the generator misses an outcome")
	}
}

// TestCompiledRuleReasons checks that the random cases reach every reason
// of a rule step, so that TestCompiledMatchesEvaluate compares each of
// them.
func TestCompiledRuleReasons(t *testing.T) {
	g := newGen(t, 15)
	seen := map[routing.Reason]int{}
	for range 400 {
		loc := g.loc()
		p := g.plan(loc)
		when := g.instant(loc, &p)
		d := routing.Compile(p).Evaluate(g.call(), when, loc, g.state(), routing.WithTrace(nil), routing.WithOverrides(g.overrides(&p, when)))
		for _, s := range d.Trace {
			if s.Kind == routing.StepRule {
				seen[s.Reason]++
			}
		}
	}
	for _, r := range []routing.Reason{routing.ReasonMatched, routing.ReasonForcedOn, routing.ReasonDisabled, routing.ReasonForcedOff, routing.ReasonCondition, routing.ReasonFilter} {
		if seen[r] == 0 {
			t.Errorf("no rule step with reason %s: %v", r, seen)
		}
	}
}

// TestCompiledBlocklistMatchesBlocklist compares CompiledBlocklist.Blocks
// with Blocklist.Blocks on random lists (nested prefixes, duplicates,
// exact numbers under a prefix, bad patterns) and callers.
func TestCompiledBlocklistMatchesBlocklist(t *testing.T) {
	g := newGen(t, 16)
	hits := 0
	for range 5000 {
		bl := routing.Blocklist{Anonymous: g.chance(0.5), Numbers: g.patterns(12)}
		cb := routing.CompileBlocklist(bl)
		for range 10 {
			call := g.call()
			if want := bl.Blocks(call); cb.Blocks(call) != want {
				t.Fatalf("%+v: %+v blocks %v, compiled %v", bl, call, want, !want)
			} else if want {
				hits++
			}
		}
	}
	if hits == 0 {
		t.Fatal("no call was blocked")
	}
	var none *routing.CompiledBlocklist
	if none.Blocks(routing.Call{Anonymous: true}) {
		t.Fatal("a nil list blocks")
	}
}

// A Compiled keeps its own copy of the plan: changing the plan afterwards
// changes nothing.
func TestCompiledIsACopy(t *testing.T) {
	loc := berlin(t)
	p, pristine := realisticPlan(), realisticPlan()
	c := routing.Compile(p)
	when := at(loc, 2026, 3, 4, 10, 0)
	call := routing.Call{From: "+4930111"}
	p.Rules[1].Filter.Numbers[0] = "+49*"
	p.Rules[7].Targets[0].Ref = "g-other"
	p.Rules[7].Condition.Windows[0] = win(0, 0, 1, 0)
	p.Rules[0], p.Rules[9] = p.Rules[9], p.Rules[0]
	for _, s := range []routing.TargetState{routing.AllAnswer, benchState()} {
		want := routing.Evaluate(pristine, call, when, loc, s, routing.WithTrace(nil))
		if got := c.Evaluate(call, when, loc, s, routing.WithTrace(nil)); !reflect.DeepEqual(got, want) {
			t.Fatalf("compiled %+v\nwant %+v", got, want)
		}
	}
}

// The compiled evaluation does not allocate, with or without trace, block
// list and overrides, holidays included.
func TestCompiledEvaluateDoesNotAllocate(t *testing.T) {
	loc := berlin(t)
	p, state, bl := realisticPlan(), benchState(), benchBlocklist()
	c, cb := routing.Compile(p), routing.CompileBlocklist(*bl)
	call := routing.Call{From: "+4922199999"}
	buf := make([]routing.Step, 0, 32)
	for _, sc := range benchScenarios(loc) {
		when := sc.at
		c.Evaluate(call, when, loc, state, routing.WithTrace(buf[:0])) // holiday tables of the year
		n := testing.AllocsPerRun(200, func() {
			if sc.trace {
				c.Evaluate(call, when, loc, state, routing.WithTrace(buf[:0]), routing.WithCompiledBlocklist(cb))
			} else {
				c.Evaluate(call, when, loc, state, routing.WithBlocklist(bl))
			}
		})
		if n != 0 {
			t.Errorf("%s: (*Compiled).Evaluate allocates %v times per call", sc.name, n)
		}
	}
	when := at(loc, 2026, 3, 4, 10, 0)
	ov := []routing.Override{{RuleID: "office", Mode: routing.ForceOff, Until: routing.UntilNextChange, SetAt: when.Add(-3 * 24 * time.Hour)}}
	n := testing.AllocsPerRun(50, func() {
		c.Evaluate(call, when, loc, state, routing.WithOverrides(ov), routing.WithTrace(buf[:0]))
	})
	if n != 0 {
		t.Fatalf("(*Compiled).Evaluate with an override allocates %v times per call", n)
	}
}

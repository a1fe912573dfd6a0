package routing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at returns the instant of the Berlin wall time y-m-d h:mi (time.Date's
// choice in gaps and folds; tests that care use UTC instants).
func at(loc *time.Location, y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, loc)
}

func dev(id string, secs int) routing.Target {
	return routing.Target{Kind: routing.TargetDevice, Ref: id, RingSeconds: secs}
}

func mailbox(id string) routing.Target {
	return routing.Target{Kind: routing.TargetMailbox, Ref: id}
}

func officeHours() routing.Condition {
	return routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)})
}

// seedPlan is the seed platform's example: office hours Mo–Fr 08:00–18:00
// ringing the desk phone, Christmas (24–26 December, every year) going to
// a holiday mailbox at a higher priority, anonymous callers filtered to a
// mailbox at priority 1, and the base rule (the holder's mailbox) outside.
func seedPlan() routing.Plan {
	return routing.Plan{
		Rules: []routing.Rule{
			{ID: "anon", Name: "Anonyme Anrufe", Priority: 1, Enabled: true, Condition: routing.Always(),
				Filter: &routing.CallerFilter{Anonymous: true}, Targets: []routing.Target{mailbox("mb-anon")}},
			{ID: "xmas", Name: "Weihnachten", Priority: 2, Enabled: true,
				Condition: routing.OnDates([]routing.Date{routing.D(0, 12, 24), routing.D(0, 12, 25), routing.D(0, 12, 26)}),
				Targets:   []routing.Target{mailbox("mb-xmas")}},
			{ID: "office", Name: "Bürozeiten", Priority: 3, Enabled: true, Condition: officeHours(),
				Targets: []routing.Target{dev("desk", 20)}},
		},
		Base: routing.BaseRule{Kind: routing.BaseHolderMailbox},
	}
}

const caller = "+4922199999"

func TestSeedExamples(t *testing.T) {
	loc := berlin(t)
	p := seedPlan()
	cases := []struct {
		name   string
		when   time.Time
		call   routing.Call
		kind   routing.OutcomeKind
		rule   string
		target string
	}{
		{"office hours, Wednesday 10:00", at(loc, 2026, 3, 4, 10, 0), routing.Call{From: caller}, routing.OutcomeAnswered, "office", "desk"},
		{"office hours start 08:00 inclusive", at(loc, 2026, 3, 4, 8, 0), routing.Call{From: caller}, routing.OutcomeAnswered, "office", "desk"},
		{"office hours 17:59:59", at(loc, 2026, 3, 4, 17, 59).Add(59 * time.Second), routing.Call{From: caller}, routing.OutcomeAnswered, "office", "desk"},
		{"office hours end 18:00 exclusive", at(loc, 2026, 3, 4, 18, 0), routing.Call{From: caller}, routing.OutcomeBase, "", ""},
		{"before office hours 07:59", at(loc, 2026, 3, 4, 7, 59), routing.Call{From: caller}, routing.OutcomeBase, "", ""},
		{"Saturday", at(loc, 2026, 3, 7, 10, 0), routing.Call{From: caller}, routing.OutcomeBase, "", ""},
		{"Christmas Eve, a Thursday", at(loc, 2026, 12, 24, 10, 0), routing.Call{From: caller}, routing.OutcomeAnswered, "xmas", "mb-xmas"},
		{"Christmas rule recurs in 2027", at(loc, 2027, 12, 24, 10, 0), routing.Call{From: caller}, routing.OutcomeAnswered, "xmas", "mb-xmas"},
		{"23 December is a normal day", at(loc, 2026, 12, 23, 10, 0), routing.Call{From: caller}, routing.OutcomeAnswered, "office", "desk"},
		{"anonymous caller at priority 1", at(loc, 2026, 3, 4, 10, 0), routing.Call{Anonymous: true}, routing.OutcomeAnswered, "anon", "mb-anon"},
		{"caller without number is anonymous", at(loc, 2026, 12, 24, 10, 0), routing.Call{}, routing.OutcomeAnswered, "anon", "mb-anon"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := routing.Evaluate(p, c.call, c.when, loc, routing.AllAnswer)
			if d.Outcome.Kind != c.kind || d.Outcome.RuleID != c.rule || d.Outcome.Target.Ref != c.target {
				t.Fatalf("outcome = %+v, want %s %s %s", d.Outcome, c.kind, c.rule, c.target)
			}
			if c.kind == routing.OutcomeBase && d.Outcome.Base.Kind != routing.BaseHolderMailbox {
				t.Fatalf("base = %+v", d.Outcome.Base)
			}
		})
	}
}

// A ring group whose members are all busy is busy: the call falls through
// to the next rule, and when that target is busy too, to the base rule.
func TestRingGroupAllBusyFallsThrough(t *testing.T) {
	loc := berlin(t)
	p := routing.Plan{
		Rules: []routing.Rule{
			{ID: "team", Name: "Team", Priority: 1, Enabled: true, Condition: officeHours(),
				Targets: []routing.Target{{Kind: routing.TargetRingGroup, Ref: "g-sales", RingSeconds: 30}}},
			{ID: "mobile", Name: "Handy", Priority: 2, Enabled: true, Condition: routing.Always(),
				Targets: []routing.Target{{Kind: routing.TargetExternal, Ref: "+4915112345678", RingSeconds: 20}}},
		},
		Base: routing.BaseRule{Kind: routing.BaseMailbox, Ref: "mb-1"},
	}
	state := &routing.StateMap{
		Targets: map[routing.TargetKey]routing.Status{
			{Kind: routing.TargetDevice, Ref: "d1"}: routing.StatusBusy,
			{Kind: routing.TargetDevice, Ref: "d2"}: routing.StatusBusy,
		},
		Groups: map[string][]routing.Target{"g-sales": {dev("d1", 0), dev("d2", 0)}},
	}
	when := at(loc, 2026, 3, 4, 10, 0)
	buf := make([]routing.Step, 0, 16)

	// The mobile answers: the group was busy, rule 2 takes it.
	d := routing.Evaluate(p, routing.Call{From: caller}, when, loc, state, routing.WithTrace(buf[:0]))
	if d.Outcome.Kind != routing.OutcomeAnswered || d.Outcome.RuleID != "mobile" {
		t.Fatalf("outcome = %+v, want the mobile", d.Outcome)
	}
	// The mobile is busy as well: the base rule.
	state.Targets[routing.TargetKey{Kind: routing.TargetExternal, Ref: "+4915112345678"}] = routing.StatusBusy
	d = routing.Evaluate(p, routing.Call{From: caller}, when, loc, state, routing.WithTrace(buf[:0]))
	if d.Outcome.Kind != routing.OutcomeBase || d.Outcome.Base.Ref != "mb-1" {
		t.Fatalf("outcome = %+v, want the base rule", d.Outcome)
	}
	want := []string{
		"rule team matched",
		"target ring_group g-sales busy",
		"member device d1 busy",
		"member device d2 busy",
		"rule mobile matched",
		"target external +4915112345678 busy",
		"base mailbox mb-1 ",
	}
	if got := traceLines(d.Trace); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trace:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Busy targets take no time: the base rule is reached at once.
	if d.Outcome.Seconds != 0 {
		t.Fatalf("seconds = %d", d.Outcome.Seconds)
	}
	// One member offline, one unanswered: the group rang, 30 s pass.
	state.Targets[routing.TargetKey{Kind: routing.TargetDevice, Ref: "d1"}] = routing.StatusOffline
	state.Targets[routing.TargetKey{Kind: routing.TargetDevice, Ref: "d2"}] = routing.StatusNoAnswer
	d = routing.Evaluate(p, routing.Call{From: caller}, when, loc, state)
	if d.Outcome.Kind != routing.OutcomeBase || d.Outcome.Seconds != 30 {
		t.Fatalf("outcome = %+v, want base after 30 s (the mobile is still busy)", d.Outcome)
	}
	if d.Trace != nil {
		t.Fatal("trace recorded without WithTrace")
	}
}

func traceLines(steps []routing.Step) []string {
	var out []string
	for _, s := range steps {
		switch s.Kind {
		case routing.StepRule:
			out = append(out, "rule "+s.RuleID+" "+string(s.Reason))
		case routing.StepTarget, routing.StepMember:
			out = append(out, string(s.Kind)+" "+string(s.Target.Kind)+" "+s.Target.Ref+" "+string(s.Status))
		case routing.StepBase:
			out = append(out, "base "+string(s.Target.Kind)+" "+s.Target.Ref+" ")
		default:
			out = append(out, string(s.Kind)+" "+string(s.Reason))
		}
	}
	return out
}

func TestSequentialParallelAndUnlimited(t *testing.T) {
	loc := berlin(t)
	when := at(loc, 2026, 3, 4, 10, 0)
	st := func(m map[string]routing.Status) *routing.StateMap {
		s := &routing.StateMap{Targets: map[routing.TargetKey]routing.Status{}}
		for k, v := range m {
			s.Targets[routing.TargetKey{Kind: routing.TargetDevice, Ref: k}] = v
		}
		return s
	}
	rule := func(ts ...routing.Target) routing.Plan {
		return routing.Plan{Rules: []routing.Rule{{ID: "r", Name: "r", Priority: 1, Enabled: true, Condition: routing.Always(), Targets: ts}},
			Base: routing.BaseRule{Kind: routing.BaseRingingTone}}
	}
	par := func(t routing.Target) routing.Target { t.Parallel = true; return t }

	// Sequential: a (15 s, no answer), b (DND, skipped), c answers at 15 s.
	d := routing.Evaluate(rule(dev("a", 15), dev("b", 10), dev("c", 10)), routing.Call{From: caller}, when, loc,
		st(map[string]routing.Status{"a": routing.StatusNoAnswer, "b": routing.StatusDND}), routing.WithTrace(nil))
	if d.Outcome.Target.Ref != "c" || d.Outcome.Seconds != 15 {
		t.Fatalf("outcome = %+v", d.Outcome)
	}
	if d.Trace[3].Offset != 15 || d.Trace[3].Target.Ref != "c" {
		t.Fatalf("trace = %+v", d.Trace)
	}
	// Parallel a+b ring together (longest 25 s), then c.
	d = routing.Evaluate(rule(dev("a", 10), par(dev("b", 25)), dev("c", 10)), routing.Call{From: caller}, when, loc,
		st(map[string]routing.Status{"a": routing.StatusNoAnswer, "b": routing.StatusNoAnswer}))
	if d.Outcome.Target.Ref != "c" || d.Outcome.Seconds != 25 {
		t.Fatalf("outcome = %+v", d.Outcome)
	}
	// Parallel: b answers while a rings.
	d = routing.Evaluate(rule(dev("a", 10), par(dev("b", 10))), routing.Call{From: caller}, when, loc,
		st(map[string]routing.Status{"a": routing.StatusNoAnswer}))
	if d.Outcome.Target.Ref != "b" || d.Outcome.Seconds != 0 {
		t.Fatalf("outcome = %+v", d.Outcome)
	}
	// Unlimited ("nach Unbegrenzt") unanswered: the call stays, c is never reached.
	d = routing.Evaluate(rule(dev("a", 0), dev("c", 10)), routing.Call{From: caller}, when, loc,
		st(map[string]routing.Status{"a": routing.StatusNoAnswer}))
	if d.Outcome.Kind != routing.OutcomeUnanswered || d.Outcome.Target.Ref != "a" {
		t.Fatalf("outcome = %+v", d.Outcome)
	}
	// Unlimited but offline: skipped.
	d = routing.Evaluate(rule(dev("a", 0), dev("c", 10)), routing.Call{From: caller}, when, loc,
		st(map[string]routing.Status{"a": routing.StatusOffline}))
	if d.Outcome.Target.Ref != "c" {
		t.Fatalf("outcome = %+v", d.Outcome)
	}
	// Everything unanswered: the base rule after 10 s.
	d = routing.Evaluate(rule(dev("a", 10)), routing.Call{From: caller}, when, loc,
		st(map[string]routing.Status{"a": routing.StatusNoAnswer}))
	if d.Outcome.Kind != routing.OutcomeBase || d.Outcome.Seconds != 10 || d.Outcome.Base.Kind != routing.BaseRingingTone {
		t.Fatalf("outcome = %+v", d.Outcome)
	}
}

func TestBlocklistAndFilters(t *testing.T) {
	loc := berlin(t)
	when := at(loc, 2026, 3, 4, 10, 0)
	p := routing.Plan{
		Rules: []routing.Rule{
			{ID: "at", Name: "Österreich", Priority: 1, Enabled: true, Condition: routing.Always(),
				Filter: &routing.CallerFilter{Numbers: []string{"+43*", "+4922112345"}}, Targets: []routing.Target{mailbox("mb-at")}},
			{ID: "all", Name: "Alle", Priority: 2, Enabled: true, Condition: routing.Always(), Targets: []routing.Target{dev("desk", 20)}},
		},
		Base: routing.BaseRule{Kind: routing.BaseRingingTone},
	}
	bl := &routing.Blocklist{Numbers: []string{"+49190*", "+4930666666"}}
	cases := []struct {
		from string
		anon bool
		want string
	}{
		{"+431234567", false, "mb-at"},
		{"+4922112345", false, "mb-at"},
		{"+49221123456", false, "desk"}, // exact entry, not a prefix
		{"+4930123456", false, "desk"},
		{"", true, "desk"}, // the filter does not list anonymous callers
		{"+491901234", false, "blocked"},
		{"+4930666666", false, "blocked"},
	}
	for _, c := range cases {
		d := routing.Evaluate(p, routing.Call{From: phone.E164(c.from), Anonymous: c.anon}, when, loc, routing.AllAnswer, routing.WithBlocklist(bl))
		got := d.Outcome.Target.Ref
		if d.Blocked {
			got = "blocked"
			if d.Outcome.Kind != routing.OutcomeRejected {
				t.Fatalf("blocked but %+v", d.Outcome)
			}
		}
		if got != c.want {
			t.Errorf("from %q: got %s, want %s", c.from, got, c.want)
		}
	}
	// An anonymous block.
	d := routing.Evaluate(p, routing.Call{Anonymous: true}, when, loc, routing.AllAnswer, routing.WithBlocklist(&routing.Blocklist{Anonymous: true}))
	if !d.Blocked {
		t.Fatal("anonymous call not blocked")
	}
}

func TestDisabledRuleAndOverrides(t *testing.T) {
	loc := berlin(t)
	p := seedPlan()
	wed10 := at(loc, 2026, 3, 4, 10, 0)
	wed19 := at(loc, 2026, 3, 4, 19, 0)
	call := routing.Call{From: caller}
	ruleOf := func(d routing.Decision) string { return d.Outcome.RuleID }

	p.Rules[2].Enabled = false
	if r := ruleOf(routing.Evaluate(p, call, wed10, loc, routing.AllAnswer)); r != "" {
		t.Fatalf("disabled rule applied: %s", r)
	}
	p.Rules[2].Enabled = true

	// Closed today: force the office rule off until its next change. Set
	// at 09:00 on Wednesday (office hours run), it lasts until 18:00, so the
	// rule is back on Thursday 08:00.
	off := []routing.Override{{RuleID: "office", Mode: routing.ForceOff, Until: routing.UntilNextChange, SetAt: at(loc, 2026, 3, 4, 9, 0)}}
	for _, c := range []struct {
		when time.Time
		want string
	}{
		{at(loc, 2026, 3, 4, 8, 30), "office"}, // before it was set
		{wed10, ""},
		{at(loc, 2026, 3, 4, 17, 59), ""},
		{at(loc, 2026, 3, 5, 8, 0), "office"},
	} {
		if r := ruleOf(routing.Evaluate(p, call, c.when, loc, routing.AllAnswer, routing.WithOverrides(off))); r != c.want {
			t.Errorf("%s: rule %q, want %q", c.when, r, c.want)
		}
	}
	// Force on until 20:00: the evening is covered, 20:00 is not.
	on := []routing.Override{{RuleID: "office", Mode: routing.ForceOn, Until: routing.UntilTime, At: at(loc, 2026, 3, 4, 20, 0)}}
	if r := ruleOf(routing.Evaluate(p, call, wed19, loc, routing.AllAnswer, routing.WithOverrides(on))); r != "office" {
		t.Fatalf("forced on: %q", r)
	}
	if r := ruleOf(routing.Evaluate(p, call, at(loc, 2026, 3, 4, 20, 0), loc, routing.AllAnswer, routing.WithOverrides(on))); r != "" {
		t.Fatalf("after the override: %q", r)
	}
	// Forced on still honours the filter: the anonymous rule stays for anonymous callers only.
	perm := []routing.Override{{RuleID: "anon", Mode: routing.ForceOn, Until: routing.UntilPermanent}}
	if r := ruleOf(routing.Evaluate(p, call, wed10, loc, routing.AllAnswer, routing.WithOverrides(perm))); r != "office" {
		t.Fatalf("filter ignored: %q", r)
	}
	// Forced on switches on a disabled rule, and the trace says so.
	p.Rules[2].Enabled = false
	d := routing.Evaluate(p, call, wed19, loc, routing.AllAnswer, routing.WithOverrides(on), routing.WithTrace(nil))
	if ruleOf(d) != "office" || d.Trace[2].Reason != routing.ReasonForcedOn {
		t.Fatalf("forced on a disabled rule: %+v", d.Trace)
	}
}

func TestTraceReasons(t *testing.T) {
	loc := berlin(t)
	p := seedPlan()
	d := routing.Evaluate(p, routing.Call{From: caller}, at(loc, 2026, 3, 7, 10, 0), loc, routing.AllAnswer, routing.WithTrace(nil))
	want := []string{"rule anon filter_rejected", "rule xmas condition_false", "rule office condition_false", "base holder_mailbox  "}
	if got := traceLines(d.Trace); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("trace %q, want %q", got, want)
	}
	for _, s := range d.Trace {
		if s.String() == "" {
			t.Fatal("empty step label")
		}
	}
	if d.Outcome.Label() != "Basisregel: eigene Mailbox" {
		t.Fatalf("label %q", d.Outcome.Label())
	}
}

// Unsorted rules are still considered by priority.
func TestPriorityOrderUnsorted(t *testing.T) {
	loc := berlin(t)
	p := seedPlan()
	p.Rules[0], p.Rules[2] = p.Rules[2], p.Rules[0]
	d := routing.Evaluate(p, routing.Call{Anonymous: true}, at(loc, 2026, 12, 24, 10, 0), loc, routing.AllAnswer)
	if d.Outcome.RuleID != "anon" {
		t.Fatalf("rule %q", d.Outcome.RuleID)
	}
	d = routing.Evaluate(p, routing.Call{From: caller}, at(loc, 2026, 12, 24, 10, 0), loc, routing.AllAnswer)
	if d.Outcome.RuleID != "xmas" {
		t.Fatalf("rule %q", d.Outcome.RuleID)
	}
}

// Instants at the ends of time.Time's range neither panic nor hang.
func TestExtremeInstants(t *testing.T) {
	loc := berlin(t)
	p := realisticPlan()
	ov := []routing.Override{{RuleID: "office", Mode: routing.ForceOff, Until: routing.UntilNextChange, SetAt: time.Time{}.Add(time.Hour)}}
	for _, when := range []time.Time{{}, time.Unix(1<<62, 0), time.Unix(-1<<62, 0), time.Date(9999, 12, 31, 23, 59, 0, 0, loc), time.Date(1582, 10, 10, 0, 0, 0, 0, loc)} {
		routing.Evaluate(p, routing.Call{From: caller}, when, loc, benchState(), routing.WithOverrides(ov), routing.WithTrace(nil))
		routing.Preview(p, when, when.Add(48*time.Hour), loc, routing.WithOverrides(ov))
		routing.Preview(p, when.Add(-48*time.Hour), when, loc)
		routing.NextChange(officeHours(), when, when.Add(72*time.Hour), loc)
		for _, r := range p.Rules {
			r.Condition.Holds(when, loc)
		}
	}
}

package routing_test

import (
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

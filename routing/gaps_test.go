package routing_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk/routing"
)

// permutations calls fn with every order of xs.
func permutations[T any](xs []T, fn func([]T)) {
	var rec func(k int)
	rec = func(k int) {
		if k == len(xs) {
			fn(slices.Clone(xs))
			return
		}
		for i := k; i < len(xs); i++ {
			xs[k], xs[i] = xs[i], xs[k]
			rec(k + 1)
			xs[k], xs[i] = xs[i], xs[k]
		}
	}
	rec(0)
}

// consideredRules returns the IDs of the rules a decision's trace
// considered, in order.
func consideredRules(d routing.Decision) []string {
	var out []string
	for _, s := range d.Trace {
		if s.Kind == routing.StepRule {
			out = append(out, s.RuleID)
		}
	}
	return out
}

// Whatever the order of Plan.Rules, Evaluate considers every rule exactly
// once, by priority, rules of equal priority in their order in the plan,
// and the same rule answers as in the plan sorted by priority. Each rule
// rings its own device; all are busy but one.
func TestUnsortedRulesAreConsideredByPriority(t *testing.T) {
	loc := berlin(t)
	when := at(loc, 2026, 3, 4, 10, 0)
	rules := []routing.Rule{
		{ID: "p1a", Priority: 1},
		{ID: "p1b", Priority: 1},
		{ID: "p2", Priority: 2},
		{ID: "p3", Priority: 3},
		{ID: "p7", Priority: 7},
	}
	for i := range rules {
		rules[i].Name, rules[i].Enabled, rules[i].Condition = rules[i].ID, true, routing.Always()
		rules[i].Targets = []routing.Target{dev("dev-"+rules[i].ID, 10)}
	}
	busy := func(except string) *routing.StateMap {
		m := &routing.StateMap{Targets: map[routing.TargetKey]routing.Status{}}
		for _, r := range rules {
			if r.ID != except {
				m.Targets[routing.TargetKey{Kind: routing.TargetDevice, Ref: "dev-" + r.ID}] = routing.StatusBusy
			}
		}
		return m
	}
	orders := 0
	permutations(rules, func(order []routing.Rule) {
		orders++
		p := routing.Plan{Rules: order, Base: routing.BaseRule{Kind: routing.BaseMailbox, Ref: "mb"}}
		// The expected order: stable by priority, so equal priorities
		// keep their order in the plan.
		want := slices.Clone(order)
		slices.SortStableFunc(want, func(a, b routing.Rule) int { return cmp.Compare(a.Priority, b.Priority) })
		var wantIDs []string
		for _, r := range want {
			wantIDs = append(wantIDs, r.ID)
		}
		name := strings.Join(ids(order), ",")

		// All busy: every rule is considered once, in order, then the base.
		d := routing.Evaluate(p, routing.Call{From: caller}, when, loc, busy(""), routing.WithTrace(nil))
		if got := consideredRules(d); !slices.Equal(got, wantIDs) {
			t.Fatalf("plan %s: considered %v, want %v", name, got, wantIDs)
		}
		if d.Outcome.Kind != routing.OutcomeBase {
			t.Fatalf("plan %s: outcome %+v, want the base rule", name, d.Outcome)
		}
		// One answers: the rules before it were considered, it answers.
		for k, r := range want {
			for _, trace := range []bool{false, true} {
				var opts []routing.Option
				if trace {
					opts = append(opts, routing.WithTrace(nil))
				}
				d := routing.Evaluate(p, routing.Call{From: caller}, when, loc, busy(r.ID), opts...)
				if d.Outcome.Kind != routing.OutcomeAnswered || d.Outcome.RuleID != r.ID {
					t.Fatalf("plan %s, %s answers (trace %v): outcome %+v", name, r.ID, trace, d.Outcome)
				}
				if trace {
					if got := consideredRules(d); !slices.Equal(got, wantIDs[:k+1]) {
						t.Fatalf("plan %s, %s answers: considered %v, want %v", name, r.ID, got, wantIDs[:k+1])
					}
				}
			}
		}
	})
	if orders != 120 {
		t.Fatalf("%d orders", orders)
	}
}

func ids(rs []routing.Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// A plan whose first rule has the lowest priority but that is not sorted
// otherwise still evaluates its first rule.
func TestUnsortedPlanEvaluatesItsFirstRule(t *testing.T) {
	loc := berlin(t)
	p := routing.Plan{
		Rules: []routing.Rule{
			{ID: "first", Name: "Zuerst", Priority: 1, Enabled: true, Condition: routing.Always(), Targets: []routing.Target{dev("d1", 20)}},
			{ID: "third", Name: "Drittens", Priority: 3, Enabled: true, Condition: routing.Always(), Targets: []routing.Target{dev("d3", 20)}},
			{ID: "second", Name: "Zweitens", Priority: 2, Enabled: true, Condition: routing.Always(), Targets: []routing.Target{dev("d2", 20)}},
		},
		Base: routing.BaseRule{Kind: routing.BaseRingingTone},
	}
	d := routing.Evaluate(p, routing.Call{From: caller}, at(loc, 2026, 3, 4, 10, 0), loc, routing.AllAnswer)
	if d.Outcome.Kind != routing.OutcomeAnswered || d.Outcome.RuleID != "first" || d.Outcome.Target.Ref != "d1" {
		t.Fatalf("outcome %+v, want rule first on d1", d.Outcome)
	}
}

func ringGroup(ref string, secs int) routing.Target {
	return routing.Target{Kind: routing.TargetRingGroup, Ref: ref, RingSeconds: secs}
}

// A ring group whose members the state knows takes its state from them: it
// answers when a member answers (the outcome names the group and the
// member), else it rang if a member rang, else it is busy, else DND, else
// offline; a known group without members is offline whatever
// Status would say of the group itself.
func TestRingGroupStateFromMembers(t *testing.T) {
	loc := berlin(t)
	when := at(loc, 2026, 3, 4, 10, 0)
	p := routing.Plan{
		Rules: []routing.Rule{{ID: "team", Name: "Team", Priority: 1, Enabled: true, Condition: routing.Always(),
			Targets: []routing.Target{ringGroup("g", 25)}}},
		Base: routing.BaseRule{Kind: routing.BaseMailbox, Ref: "mb"},
	}
	key := func(ref string) routing.TargetKey { return routing.TargetKey{Kind: routing.TargetDevice, Ref: ref} }
	for _, c := range []struct {
		name    string
		members map[string]routing.Status // device → state; nil: the group is unknown
		group   routing.Status            // the group's state in the trace
		member  string                    // the member that answers
		seconds int                       // ring time before the base rule
	}{
		{"OneOfThreeAnswers", map[string]routing.Status{"d1": routing.StatusNoAnswer, "d2": routing.StatusAnswered, "d3": routing.StatusBusy}, routing.StatusAnswered, "d2", 0},
		{"FirstOfTwoAnswers", map[string]routing.Status{"d1": routing.StatusAnswered, "d2": routing.StatusAnswered}, routing.StatusAnswered, "d1", 0},
		{"RangUnanswered", map[string]routing.Status{"d1": routing.StatusOffline, "d2": routing.StatusNoAnswer, "d3": routing.StatusBusy}, routing.StatusNoAnswer, "", 25},
		{"Busy", map[string]routing.Status{"d1": routing.StatusDND, "d2": routing.StatusBusy, "d3": routing.StatusOffline}, routing.StatusBusy, "", 0},
		{"DND", map[string]routing.Status{"d1": routing.StatusOffline, "d2": routing.StatusDND}, routing.StatusDND, "", 0},
		{"AllOffline", map[string]routing.Status{"d1": routing.StatusOffline, "d2": routing.StatusOffline}, routing.StatusOffline, "", 0},
		{"KnownButEmpty", map[string]routing.Status{}, routing.StatusOffline, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := &routing.StateMap{Default: routing.StatusAnswered, Targets: map[routing.TargetKey]routing.Status{},
				Groups: map[string][]routing.Target{"g": {}}}
			for _, ref := range []string{"d1", "d2", "d3"} {
				if st, ok := c.members[ref]; ok {
					state.Targets[key(ref)] = st
					state.Groups["g"] = append(state.Groups["g"], dev(ref, 0))
				}
			}
			d := routing.Evaluate(p, routing.Call{From: caller}, when, loc, state, routing.WithTrace(nil))
			if got := d.Trace[1]; got.Kind != routing.StepTarget || got.Target.Ref != "g" || got.Status != c.group {
				t.Fatalf("group step %+v, want %s", got, c.group)
			}
			if c.member != "" {
				if d.Outcome.Kind != routing.OutcomeAnswered || d.Outcome.Target.Ref != "g" || d.Outcome.Member.Ref != c.member ||
					d.Outcome.Member.RingSeconds != 25 {
					t.Fatalf("outcome %+v, want group g answered by %s", d.Outcome, c.member)
				}
				return
			}
			if d.Outcome.Kind != routing.OutcomeBase || d.Outcome.Seconds != c.seconds {
				t.Fatalf("outcome %+v, want the base rule after %d s", d.Outcome, c.seconds)
			}
		})
	}
	// An unknown group answers as the state says of the group itself.
	state := &routing.StateMap{Targets: map[routing.TargetKey]routing.Status{{Kind: routing.TargetRingGroup, Ref: "g"}: routing.StatusAnswered}}
	d := routing.Evaluate(p, routing.Call{From: caller}, when, loc, state)
	if d.Outcome.Kind != routing.OutcomeAnswered || d.Outcome.Target.Ref != "g" || d.Outcome.Member.Kind != "" {
		t.Fatalf("outcome %+v, want the group itself", d.Outcome)
	}
}

// Nested ring groups are followed four levels deep: a device in the fourth
// nested group answers; one level deeper the innermost group counts as
// offline (Validate refuses cycles; this bounds a bad directory).
func TestNestedRingGroupDepth(t *testing.T) {
	loc := berlin(t)
	when := at(loc, 2026, 3, 4, 10, 0)
	for depth := 1; depth <= 6; depth++ {
		t.Run(fmt.Sprint(depth), func(t *testing.T) {
			// g0 → g1 → … → g(depth-1) → device
			state := &routing.StateMap{Groups: map[string][]routing.Target{}}
			for i := range depth - 1 {
				state.Groups[fmt.Sprint("g", i)] = []routing.Target{ringGroup(fmt.Sprint("g", i+1), 0)}
			}
			state.Groups[fmt.Sprint("g", depth-1)] = []routing.Target{dev("inner", 0)}
			p := routing.Plan{
				Rules: []routing.Rule{{ID: "nest", Name: "Nest", Priority: 1, Enabled: true, Condition: routing.Always(),
					Targets: []routing.Target{ringGroup("g0", 15)}}},
				Base: routing.BaseRule{Kind: routing.BaseMailbox, Ref: "mb"},
			}
			d := routing.Evaluate(p, routing.Call{From: caller}, when, loc, state)
			if depth <= 4 {
				if d.Outcome.Kind != routing.OutcomeAnswered || d.Outcome.Member.Ref != "inner" {
					t.Fatalf("outcome %+v, want the inner device through %d groups", d.Outcome, depth)
				}
				return
			}
			if d.Outcome.Kind != routing.OutcomeBase || d.Outcome.Seconds != 0 {
				t.Fatalf("outcome %+v, want the base rule at once: %d nested groups are too deep", d.Outcome, depth)
			}
		})
	}
}

// Outcome.Label describes every outcome in German, naming the member of a
// ring group that answered.
func TestOutcomeLabel(t *testing.T) {
	for _, c := range []struct {
		o    routing.Outcome
		want string
	}{
		{routing.Outcome{Kind: routing.OutcomeAnswered, Target: dev("dev-1", 20)}, "angenommen: Endgerät dev-1"},
		{routing.Outcome{Kind: routing.OutcomeAnswered, Target: ringGroup("g-sales", 30), Member: dev("d2", 30)}, "angenommen: Rufgruppe g-sales (Endgerät d2)"},
		{routing.Outcome{Kind: routing.OutcomeAnswered, Target: routing.Target{Kind: routing.TargetExternal, Ref: "+4915112345678"}}, "angenommen: externe Rufnummer +4915112345678"},
		{routing.Outcome{Kind: routing.OutcomeBase, Base: routing.BaseRule{Kind: routing.BaseRingingTone}}, "Basisregel: Freizeichen"},
		{routing.Outcome{Kind: routing.OutcomeBase, Base: routing.BaseRule{Kind: routing.BaseMailbox, Ref: "mb"}}, "Basisregel: Mailbox"},
		{routing.Outcome{Kind: routing.OutcomeRejected}, "abgewiesen: Sperrliste"},
		{routing.Outcome{Kind: routing.OutcomeUnanswered, Target: mailbox("mb-7")}, "klingelt unbegrenzt: Mailbox mb-7"},
		{routing.Outcome{Kind: "lost"}, "lost"},
	} {
		if got := c.o.Label(); got != c.want {
			t.Errorf("%+v: label %q, want %q", c.o, got, c.want)
		}
	}
	// From an evaluation: the member that answered is named.
	loc := berlin(t)
	p := routing.Plan{
		Rules: []routing.Rule{{ID: "team", Name: "Team", Priority: 1, Enabled: true, Condition: routing.Always(),
			Targets: []routing.Target{ringGroup("g-sales", 30)}}},
		Base: routing.BaseRule{Kind: routing.BaseRingingTone},
	}
	state := &routing.StateMap{Default: routing.StatusBusy, Targets: map[routing.TargetKey]routing.Status{{Kind: routing.TargetDevice, Ref: "d2"}: routing.StatusAnswered},
		Groups: map[string][]routing.Target{"g-sales": {dev("d1", 0), dev("d2", 0)}}}
	d := routing.Evaluate(p, routing.Call{From: caller}, at(loc, 2026, 3, 4, 10, 0), loc, state)
	if got := d.Outcome.Label(); got != "angenommen: Rufgruppe g-sales (Endgerät d2)" {
		t.Fatalf("label %q", got)
	}
}

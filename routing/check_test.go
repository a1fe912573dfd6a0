package routing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
)

const (
	numA = phone.E164("+4922112345610")
	numB = phone.E164("+4922112345611")
	numC = phone.E164("+4922112345612")
)

func ext(n phone.E164) routing.Target {
	return routing.Target{Kind: routing.TargetExternal, Ref: string(n), RingSeconds: 20}
}

func group(id string) routing.Target {
	return routing.Target{Kind: routing.TargetRingGroup, Ref: id, RingSeconds: 30}
}

func forwardPlan(ts ...routing.Target) routing.Plan {
	return routing.Plan{Rules: []routing.Rule{{ID: "f", Name: "Weiterleitung", Priority: 1, Enabled: true, Condition: routing.Always(), Targets: ts}},
		Base: routing.BaseRule{Kind: routing.BaseRingingTone}}
}

func directory() *routing.StaticDirectory {
	return &routing.StaticDirectory{
		Number:    numA,
		Devices:   map[string]bool{"desk": true, "d1": true, "d2": true},
		Mailboxes: map[string]bool{"mb-anon": true, "mb-xmas": true, "mb-1": true},
		Groups:    map[string][]routing.Target{"g-sales": {dev("d1", 0), dev("d2", 0)}},
		Plans:     map[phone.E164]routing.Plan{},
	}
}

func TestValidateAcceptsSeedPlan(t *testing.T) {
	if err := routing.Validate(seedPlan(), directory()); err != nil {
		t.Fatal(err)
	}
	if err := routing.Validate(routing.DefaultPlan(), directory()); err != nil {
		t.Fatal(err)
	}
	// A "bei besetzt" chain below an always-rule is reachable: the desk may be busy.
	p := forwardPlan(dev("desk", 20))
	p.Rules = append(p.Rules, routing.Rule{ID: "busy", Name: "Bei besetzt", Priority: 2, Enabled: true, Condition: routing.Always(), Targets: []routing.Target{ext(numB)}})
	if err := routing.Validate(p, directory()); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRejects(t *testing.T) {
	mod := func(f func(p *routing.Plan, d *routing.StaticDirectory)) (routing.Plan, *routing.StaticDirectory) {
		p, d := seedPlan(), directory()
		f(&p, d)
		return p, d
	}
	cases := []struct {
		name  string
		setup func(p *routing.Plan, d *routing.StaticDirectory)
		field string
		msg   string
	}{
		{"missing base rule", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Base = routing.BaseRule{} }, "base.kind", "Basisregel fehlt"},
		{"unknown base mailbox", func(p *routing.Plan, _ *routing.StaticDirectory) {
			p.Base = routing.BaseRule{Kind: routing.BaseMailbox, Ref: "nope"}
		}, "base.ref", "existiert nicht"},
		{"ringing tone with a ref", func(p *routing.Plan, _ *routing.StaticDirectory) {
			p.Base.Kind, p.Base.Ref = routing.BaseRingingTone, "x"
		}, "base.ref", ""},
		{"duplicate priority", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[2].Priority = 2 }, "rules[2].priority", "Priorität 2"},
		{"priority 0", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[0].Priority = 0 }, "rules[0].priority", ""},
		{"duplicate ID", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[1].ID = "anon" }, "rules[1].id", ""},
		{"no name", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[1].Name = " " }, "rules[1].name", ""},
		{"dangling device", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[2].Targets[0].Ref = "gone" }, "rules[2].targets[0].ref", "existiert nicht"},
		{"dangling mailbox", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[0].Targets[0].Ref = "gone" }, "rules[0].targets[0].ref", "Mailbox"},
		{"dangling ring group", func(p *routing.Plan, _ *routing.StaticDirectory) {
			p.Rules[2].Targets = append(p.Rules[2].Targets, group("g-x"))
		}, "rules[2].targets[1].ref", "Rufgruppe"},
		{"external not E.164", func(p *routing.Plan, _ *routing.StaticDirectory) {
			p.Rules[2].Targets = append(p.Rules[2].Targets, routing.Target{Kind: routing.TargetExternal, Ref: "0221 123456"})
		}, "rules[2].targets[1].ref", "internationalen Format"},
		{"no targets", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[2].Targets = nil }, "rules[2].targets", ""},
		{"unknown target kind", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[2].Targets[0].Kind = "ivr" }, "rules[2].targets[0].kind", ""},
		{"ring duration out of range", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[2].Targets[0].RingSeconds = -1 }, "rules[2].targets[0].ring_seconds", ""},
		{"empty weekday set", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[2].Condition.Weekdays = 0 }, "rules[2].condition.weekdays", "Wochentag"},
		{"start == end", func(p *routing.Plan, _ *routing.StaticDirectory) {
			p.Rules[2].Condition.Windows[0].End = routing.At(8, 0)
		}, "rules[2].condition.windows[0]", "leer"},
		{"end after 24:00", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[2].Condition.Windows[0].End = 1441 }, "rules[2].condition.windows[0]", ""},
		{"no dates", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[1].Condition.Dates = nil }, "rules[1].condition.dates", ""},
		{"30 February", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[1].Condition.Dates[1] = routing.D(0, 2, 30) }, "rules[1].condition.dates[1]", ""},
		{"29 February 2026", func(p *routing.Plan, _ *routing.StaticDirectory) {
			p.Rules[1].Condition.Dates[1] = routing.D(2026, 2, 29)
		}, "rules[1].condition.dates[1]", ""},
		{"period ends before it starts", func(p *routing.Plan, _ *routing.StaticDirectory) {
			p.Rules[1].Condition = routing.Between(routing.DateTime{Date: routing.D(2026, 8, 5), Time: routing.At(8, 0)}, routing.DateTime{Date: routing.D(2026, 8, 1), Time: routing.At(8, 0)})
		}, "rules[1].condition.to", "nach dem Beginn"},
		{"empty period", func(p *routing.Plan, _ *routing.StaticDirectory) {
			b := routing.DateTime{Date: routing.D(2026, 8, 5), Time: routing.At(8, 0)}
			p.Rules[1].Condition = routing.Between(b, b)
		}, "rules[1].condition.to", ""},
		{"unknown state", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[1].Condition = routing.OnHolidays("XY") }, "rules[1].condition.state", "Bundesland"},
		{"unknown condition kind", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[0].Condition.Kind = "sometimes" }, "rules[0].condition.kind", ""},
		{"windows on an always-rule", func(p *routing.Plan, _ *routing.StaticDirectory) {
			p.Rules[0].Condition.Windows = []routing.Window{win(8, 0, 9, 0)}
		}, "rules[0].condition.windows", ""},
		{"empty filter", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[0].Filter.Anonymous = false }, "rules[0].filter", "leer"},
		{"national prefix in the filter", func(p *routing.Plan, _ *routing.StaticDirectory) {
			p.Rules[0].Filter.Numbers = []string{"+43*", "0043*"}
		}, "rules[0].filter.numbers[1]", "Vorwahl"},
		{"bad filter mode", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[0].Filter.Mode = "blacklist" }, "rules[0].filter.mode", ""},
		{"shadowed by an always-rule ending in a mailbox", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[0].Filter = nil }, "rules[1]", "nie erreicht"},
		{"loop A → B → A", func(p *routing.Plan, d *routing.StaticDirectory) {
			p.Rules[2].Targets = append(p.Rules[2].Targets, ext(numB))
			d.Plans[numB] = forwardPlan(ext(numA))
		}, "rules[2].targets[1].ref", "Schleife"},
		{"loop A → B → C → B", func(p *routing.Plan, d *routing.StaticDirectory) {
			p.Rules[2].Targets = append(p.Rules[2].Targets, ext(numB))
			d.Plans[numB] = forwardPlan(ext(numC))
			d.Plans[numC] = forwardPlan(dev("x", 10), ext(numB))
		}, "rules[2].targets[1].ref", "Schleife"},
		{"loop A → A", func(p *routing.Plan, _ *routing.StaticDirectory) { p.Rules[2].Targets[0] = ext(numA) }, "rules[2].targets[0].ref", "Schleife"},
		{"loop through a ring group", func(p *routing.Plan, d *routing.StaticDirectory) {
			d.Groups["g-out"] = []routing.Target{dev("d1", 0), ext(numB)}
			p.Rules[2].Targets[0] = group("g-out")
			d.Plans[numB] = forwardPlan(group("g-back"))
			d.Groups["g-back"] = []routing.Target{ext(numA)}
		}, "rules[2].targets[0].ref", "Schleife"},
		{"nested ring groups", func(p *routing.Plan, d *routing.StaticDirectory) {
			d.Groups["g1"] = []routing.Target{group("g2")}
			d.Groups["g2"] = []routing.Target{group("g1")}
			p.Rules[2].Targets[0] = group("g1")
		}, "rules[2].targets[0].ref", "Rufgruppe g1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, d := mod(c.setup)
			err := routing.Validate(p, d)
			var e *numberdesk.Error
			if !errors.As(err, &e) || e.Code != numberdesk.CodeInvalid {
				t.Fatalf("err = %v, want CodeInvalid", err)
			}
			if e.Field != c.field || !strings.Contains(e.Message, c.msg) {
				t.Fatalf("field %q message %q, want %q containing %q", e.Field, e.Message, c.field, c.msg)
			}
			if !errors.Is(err, numberdesk.ErrInvalid) {
				t.Fatal("errors.Is(ErrInvalid)")
			}
		})
	}
}

// A loop that only a disabled rule closes is still a loop: an override can
// switch the rule on without validation.
func TestValidateLoopThroughDisabledRule(t *testing.T) {
	d := directory()
	b := forwardPlan(ext(numA))
	b.Rules[0].Enabled = false
	d.Plans[numB] = b
	if err := routing.Validate(forwardPlan(ext(numB)), d); numberdesk.ErrorField(err) != "rules[0].targets[0].ref" {
		t.Fatalf("err = %v", err)
	}
	// Without a way back there is no loop; numbers outside the tenant end the search.
	d.Plans[numB] = forwardPlan(ext("+4930123456"))
	if err := routing.Validate(forwardPlan(ext(numB)), d); err != nil {
		t.Fatal(err)
	}
	// Without a directory the graph checks are skipped.
	if err := routing.Validate(forwardPlan(dev("unknown", 10)), nil); err != nil {
		t.Fatal(err)
	}
}

func TestValidateOverride(t *testing.T) {
	p := seedPlan()
	now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	ok := []routing.Override{
		{RuleID: "office", Mode: routing.ForceOff, Until: routing.UntilNextChange, SetAt: now},
		{RuleID: "office", Mode: routing.ForceOn, Until: routing.UntilTime, SetAt: now, At: now.Add(time.Hour)},
		{RuleID: "anon", Mode: routing.ForceOff, Until: routing.UntilPermanent},
	}
	for _, o := range ok {
		if err := routing.ValidateOverride(o, p); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
	bad := map[string]routing.Override{
		"rule_id": {RuleID: "nope", Mode: routing.ForceOn, Until: routing.UntilPermanent},
		"mode":    {RuleID: "office", Mode: "toggle", Until: routing.UntilPermanent},
		"until":   {RuleID: "office", Mode: routing.ForceOn},
		"at":      {RuleID: "office", Mode: routing.ForceOn, Until: routing.UntilTime, SetAt: now, At: now},
		"set_at":  {RuleID: "office", Mode: routing.ForceOn, Until: routing.UntilNextChange},
	}
	for field, o := range bad {
		if err := routing.ValidateOverride(o, p); numberdesk.ErrorField(err) != field {
			t.Errorf("%s: %v", field, err)
		}
	}
}

func TestBlocklistValidateAndNormalize(t *testing.T) {
	b, err := routing.Blocklist{Numbers: []string{"0190*", "+49 (0)221 123456", "0043*"}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(b.Numbers, " ") != "+49190* +49221123456 +43*" {
		t.Fatalf("normalised %q", b.Numbers)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	raw := routing.Blocklist{Numbers: []string{"+43*", "0221 123456"}}
	if err := raw.Validate(); numberdesk.ErrorField(err) != "numbers[1]" {
		t.Fatalf("err = %v", err)
	}
	if _, err := (routing.Blocklist{Numbers: []string{"43*"}}).Normalize(); numberdesk.ErrorField(err) != "numbers[0]" {
		t.Fatalf("err = %v", err)
	}
}

func TestNormalizePattern(t *testing.T) {
	for in, want := range map[string]string{
		"0043*":          "+43*",
		"+43*":           "+43*",
		"0221*":          "+49221*",
		"+49 (0)221 *":   "+49221*",
		"0221 123456-10": "+4922112345610",
		"+49 221 12345":  "+4922112345",
		"0151 1234 5678": "+4915112345678",
	} {
		got, err := routing.NormalizePattern(in)
		if err != nil || got != want {
			t.Errorf("%q → %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "*", "43*", "+*", "02*21*", "abc", "0221 12a", "+0*", "00*", "+4*9*"} {
		if _, err := routing.NormalizePattern(in); numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestPlanNormalize(t *testing.T) {
	p := seedPlan()
	p.Rules[0].Filter = &routing.CallerFilter{Numbers: []string{"0043*", "0221 12345"}}
	p.Rules[2].Targets = append(p.Rules[2].Targets, routing.Target{Kind: routing.TargetExternal, Ref: "0151 1234 5678"})
	n, err := p.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if n.Rules[0].Filter.Numbers[0] != "+43*" || n.Rules[0].Filter.Numbers[1] != "+4922112345" || n.Rules[2].Targets[1].Ref != "+4915112345678" {
		t.Fatalf("normalised %+v", n.Rules)
	}
	if p.Rules[0].Filter.Numbers[0] != "0043*" || p.Rules[2].Targets[1].Ref != "0151 1234 5678" {
		t.Fatal("Normalize changed its input")
	}
	p.Rules[2].Targets[1].Ref = "12345"
	if _, err := p.Normalize(); numberdesk.ErrorField(err) != "rules[2].targets[1].ref" {
		t.Fatalf("err = %v", err)
	}
}

func TestExpired(t *testing.T) {
	loc := berlin(t)
	p := seedPlan()
	p.Rules = append(p.Rules,
		routing.Rule{ID: "vac", Name: "Urlaub", Priority: 9, Enabled: true, Targets: []routing.Target{mailbox("mb-1")},
			Condition: routing.Between(routing.DateTime{Date: routing.D(2026, 8, 1), Time: 0}, routing.DateTime{Date: routing.D(2026, 8, 6), Time: 0})},
		routing.Rule{ID: "once", Name: "Betriebsausflug", Priority: 10, Enabled: true, Targets: []routing.Target{mailbox("mb-1")},
			Condition: routing.OnDates([]routing.Date{routing.D(2026, 6, 12)})})
	if got := routing.Expired(p, at(loc, 2026, 6, 1, 0, 0), loc); len(got) != 0 {
		t.Fatalf("expired %v", got)
	}
	if got := routing.Expired(p, at(loc, 2026, 9, 1, 0, 0), loc); strings.Join(got, ",") != "vac,once" {
		t.Fatalf("expired %v", got)
	}
}

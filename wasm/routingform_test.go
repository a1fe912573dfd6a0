package wasm

import (
	"strings"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
)

func officePlan() routing.Plan {
	return routing.Plan{
		Rules: []routing.Rule{
			{ID: "urlaub", Name: "Urlaub", Priority: 1, Enabled: true,
				Condition: routing.OnDates([]routing.Date{routing.D(0, 12, 24), routing.D(2026, 12, 31)}),
				Targets:   []routing.Target{{Kind: routing.TargetMailbox, Ref: "mb-zentrale"}}},
			{ID: "buero", Name: "Bürozeiten", Priority: 2, Enabled: true,
				Condition: routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)}),
				Filter:    &routing.CallerFilter{Numbers: []string{"+43*"}},
				Targets: []routing.Target{{Kind: routing.TargetDevice, Ref: "dev-buero", RingSeconds: 30},
					{Kind: routing.TargetExternal, Ref: "+491712345678", Parallel: true}}},
		},
		Base: routing.BaseRule{Kind: routing.BaseRingingTone},
	}
}

func TestFormRoundTrip(t *testing.T) {
	p := officePlan()
	f := formFromPlan(p)
	if got := f.Rules[1].Days; got != [7]bool{true, true, true, true, true, false, false} {
		t.Fatalf("days = %v", got)
	}
	if f.Rules[0].Dates != "24.12., 31.12.2026" || f.Rules[1].Windows[0] != (windowForm{"08:00", "18:00"}) {
		t.Fatalf("form = %+v", f.Rules)
	}
	back, err := f.plan()
	if err != nil {
		t.Fatal(err)
	}
	if err := routing.Validate(back, nil); err != nil {
		t.Fatal(err)
	}
	f2 := formFromPlan(back)
	if len(f2.Rules) != 2 || f2.Rules[1].Numbers != "+43*" || f2.Rules[1].Targets[1].Ref != "0171 2345678" || !f2.Rules[1].Targets[1].Parallel {
		t.Fatalf("round trip = %+v", f2)
	}
}

func TestFormPriorityFromPosition(t *testing.T) {
	p := officePlan()
	p.Rules[0].Priority, p.Rules[1].Priority = 7, 3 // stored order differs from priority
	f := formFromPlan(p)
	if f.Rules[0].ID != "buero" {
		t.Fatalf("rules not sorted by priority: %s", f.Rules[0].ID)
	}
	f.moveRule(1, -1)
	back, _ := f.plan()
	if back.Rules[0].ID != "urlaub" || back.Rules[0].Priority != 1 || back.Rules[1].Priority != 2 {
		t.Fatalf("after move: %+v", back.Rules)
	}
	f.removeRule(0)
	if len(f.Rules) != 1 || f.Rules[0].ID != "buero" {
		t.Fatal("remove")
	}
}

func TestFormParseErrorsCarryValidateFields(t *testing.T) {
	cases := []struct {
		edit  func(f *routingForm)
		field string
	}{
		{func(f *routingForm) { f.Rules[1].Windows[0].End = "18.00" }, "rules[1].condition.windows[0]"},
		{func(f *routingForm) { f.Rules[0].Dates = "24.12., 31.02.2026" }, "rules[0].condition.dates[1]"},
		{func(f *routingForm) { f.Rules[1].Numbers = "0043*, 43*" }, "rules[1].filter.numbers[1]"},
		{func(f *routingForm) { f.Rules[1].Targets[1].Ref = "12ab" }, "rules[1].targets[1].ref"},
		{func(f *routingForm) { f.Rules[0].Kind = routing.CondPeriod; f.Rules[0].From = "x" }, "rules[0].condition.from"},
	}
	for _, c := range cases {
		f := formFromPlan(officePlan())
		c.edit(&f)
		_, err := f.plan()
		if got := numberdesk.ErrorField(err); got != c.field {
			t.Errorf("field = %q, want %q (%v)", got, c.field, err)
		}
		if numberdesk.ErrorMessage(err) == "" || numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
			t.Errorf("err = %v", err)
		}
	}
}

func TestValidateErrorsMapToSlots(t *testing.T) {
	f := formFromPlan(officePlan())
	f.Rules[1].Targets[0].Ref = "dev-fehlt"
	dir := &routing.StaticDirectory{Devices: map[string]bool{"dev-buero": true}, Mailboxes: map[string]bool{"mb-zentrale": true}}
	_, err := f.checkPlan(dir)
	if numberdesk.ErrorField(err) != "rules[1].targets[0].ref" {
		t.Fatalf("err = %v", err)
	}
	fe := slotErrors(err)
	if !fe.On("rules[1].targets[0].ref") || !strings.Contains(fe.Message(), "existiert nicht") {
		t.Fatalf("slots = %+v", fe)
	}
	// an error of no input goes to the top of the form
	if fe := slotErrors(numberdesk.E(numberdesk.CodeConflict, "op", "version", "Das Routing wurde inzwischen geändert.")); !fe.On("") || !fe.Any() {
		t.Fatalf("version error = %+v", fe)
	}
	if id := slotID("rules[1].targets[0].ref"); id != "f-rules-1-targets-0-ref" {
		t.Fatalf("slotID = %q", id)
	}

	// an empty name
	f = formFromPlan(officePlan())
	f.Rules[0].Name = " "
	_, err = f.checkPlan(nil)
	if errorSlot(numberdesk.ErrorField(err)) != "rules[0].name" {
		t.Fatalf("err = %v", err)
	}
	// no weekday
	f = formFromPlan(officePlan())
	f.Rules[1].Days = [7]bool{}
	_, err = f.checkPlan(nil)
	if errorSlot(numberdesk.ErrorField(err)) != "rules[1].condition.weekdays" {
		t.Fatalf("err = %v", err)
	}

	for field, want := range map[string]string{
		"rules[2].targets[0].ref":          "rules[2].targets[0].ref",
		"rules[2].targets[0].ring_seconds": "rules[2].targets[0].ring_seconds",
		"rules[2].targets":                 "rules[2].targets",
		"rules[0].id":                      "rules[0].name",
		"rules[0].priority":                "rules[0].name",
		"rules[3]":                         "rules[3].name",
		"rules[1].filter.numbers[4]":       "rules[1].filter",
		"rules[1].filter":                  "rules[1].filter",
		"rules[1].condition.windows[2]":    "rules[1].condition.windows[2]",
		"rules[1].condition.dates[9]":      "rules[1].condition.dates",
		"rules[1].condition.weekdays":      "rules[1].condition.weekdays",
		"rules[1].condition.state":         "rules[1].condition.state",
		"rules[1].condition.kind":          "rules[1].condition.kind",
		"rules[1].condition":               "rules[1].condition.kind",
		"base.ref":                         "base.ref",
		"usage_type":                       "usage_type",
		"overrides[0].at":                  "",
		"":                                 "",
		"rules[":                           "",
	} {
		if got := errorSlot(field); got != want {
			t.Errorf("errorSlot(%q) = %q, want %q", field, got, want)
		}
	}
}

func TestAddRuleDefaults(t *testing.T) {
	var f routingForm
	f.BaseKind = routing.BaseMailbox
	f.addRule(routing.CondWeekdays, targetForm{Kind: routing.TargetDevice, Ref: "dev-buero", Ring: 30})
	f.addRule(routing.CondAlways, targetForm{Kind: routing.TargetMailbox, Ref: "mb-zentrale"})
	if f.Rules[0].ID == f.Rules[1].ID {
		t.Fatal("duplicate IDs")
	}
	p, err := f.checkPlan(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Rules[0].Condition.Label(); got != "Mo–Fr 08:00–18:00" {
		t.Fatalf("label = %q", got)
	}
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	return loc
}

func TestEvaluateAtBerlin(t *testing.T) {
	loc := berlin(t)
	plan := officePlan()
	plan.Rules[1].Filter = nil
	names := targetNamer(func(k routing.TargetKind, ref string) string {
		if ref == "dev-buero" {
			return "Büro"
		}
		return ""
	})
	at, err := previewInstant("2026-07-15", "17:59", loc) // a Wednesday in summer
	if err != nil {
		t.Fatal(err)
	}
	p := evaluateAt(plan, ordinaryCall, at, loc, names)
	if p.RuleID != "buero" || p.Outcome != "Regel „Bürozeiten“: Endgerät „Büro“" {
		t.Fatalf("17:59: %+v", p)
	}
	if p.When != "Mi, 15.07.2026 17:59 MESZ (UTC+02:00)" || p.UTC != "15:59 UTC" {
		t.Fatalf("when = %q %q", p.When, p.UTC)
	}
	if len(p.Changes) == 0 || p.Changes[0] != "Mi 15.07. 18:00 → Basisregel" {
		t.Fatalf("changes = %v", p.Changes)
	}
	at, _ = previewInstant("15.07.2026", "18:01", loc)
	p = evaluateAt(plan, ordinaryCall, at, loc, names)
	if p.RuleID != "" || p.Outcome != "Basisregel: Freizeichen" {
		t.Fatalf("18:01: %+v", p)
	}
	if len(p.Trace) != 2 || p.Trace[1] != "Regel „Bürozeiten“: Zeitbedingung nicht erfüllt" {
		t.Fatalf("trace = %v", p.Trace)
	}
	// winter: 17:59 CET is 16:59 UTC
	at, _ = previewInstant("2026-01-14", "17:59", loc)
	if p = evaluateAt(plan, ordinaryCall, at, loc, names); p.UTC != "16:59 UTC" || p.RuleID != "buero" {
		t.Fatalf("winter: %+v", p)
	}
	// a holiday (recurring 24.12.) beats the office hours
	at, _ = previewInstant("2026-12-24", "10:00", loc)
	if p = evaluateAt(plan, ordinaryCall, at, loc, names); p.RuleID != "urlaub" {
		t.Fatalf("24.12.: %+v", p)
	}
}

func TestEvaluateAtDSTNight(t *testing.T) {
	loc := berlin(t)
	plan := routing.Plan{Base: routing.BaseRule{Kind: routing.BaseMailbox},
		Rules: []routing.Rule{{ID: "nacht", Name: "Nachtschicht", Priority: 1, Enabled: true,
			Condition: routing.Weekly(routing.AllWeek, routing.Window{Start: routing.At(3, 0), End: routing.At(5, 0)}),
			Targets:   []routing.Target{{Kind: routing.TargetExternal, Ref: "+491712345678"}}}}}
	// 29.03.2026 02:30 does not exist in Berlin: it is 03:30 CEST, inside 03:00–05:00.
	at, _ := previewInstant("29.03.2026", "02:30", loc)
	p := evaluateAt(plan, ordinaryCall, at, loc, nil)
	if p.RuleID != "nacht" || p.UTC != "01:30 UTC" || !strings.Contains(p.When, "03:30 MESZ") {
		t.Fatalf("DST night: %+v", p)
	}
	if p.Outcome != "Regel „Nachtschicht“: externe Rufnummer 0171 2345678" {
		t.Fatalf("outcome = %q", p.Outcome)
	}
	// 25.10.2026 02:30 occurs twice: the first time (CEST, 00:30 UTC).
	at, _ = previewInstant("2026-10-25", "02:30", loc)
	if p = evaluateAt(plan, ordinaryCall, at, loc, nil); p.UTC != "00:30 UTC" || !strings.Contains(p.When, "02:30 MESZ") || p.RuleID != "" {
		t.Fatalf("fall-back night: %+v", p)
	}
	at, _ = previewInstant("2026-10-25", "03:30", loc)
	if p = evaluateAt(plan, ordinaryCall, at, loc, nil); p.UTC != "02:30 UTC" || p.RuleID != "nacht" {
		t.Fatalf("fall-back night 03:30: %+v", p)
	}
}

func TestPreviewInputErrors(t *testing.T) {
	if _, err := previewInstant("31.02.2026", "10:00", time.UTC); numberdesk.ErrorField(err) != "preview.date" {
		t.Fatal(err)
	}
	if _, err := previewInstant("2026-02-01", "25:00", time.UTC); numberdesk.ErrorField(err) != "preview.time" {
		t.Fatal(err)
	}
	if c, err := previewCaller("anonym"); err != nil || !c.Anonymous {
		t.Fatal(c, err)
	}
	if c, err := previewCaller("0043 1 234567"); err != nil || c.From != "+431234567" {
		t.Fatal(c, err)
	}
	if _, err := previewCaller("abc"); numberdesk.ErrorField(err) != "preview.caller" {
		t.Fatal(err)
	}
}

func TestSummariesAndEnglish(t *testing.T) {
	p := officePlan()
	s := ruleSummary(p.Rules[1], nil)
	want := "Mo–Fr 08:00–18:00 (nur +43*): Endgerät „dev-buero“ (30 s) parallel mit externe Rufnummer 0171 2345678 (unbegrenzt)"
	if s != want {
		t.Fatalf("summary = %q", s)
	}
	if got := baseLabel(routing.BaseRule{Kind: routing.BaseMailbox}, nil); got != "Mailbox (Standardansage)" {
		t.Fatal(got)
	}
	old := pagesLangFn
	defer func() { pagesLangFn = old }()
	pagesLangFn = func() string { return "en" }
	if got := ruleSummary(p.Rules[0], nil); got != "24.12., 31.12.2026 all day: mailbox „mb-zentrale“ (unlimited)" {
		t.Fatalf("en = %q", got)
	}
	if pt("no.such.key") != "no.such.key" {
		t.Fatal("missing key")
	}
}

func TestImportAsteriskSpec(t *testing.T) {
	f := formFromPlan(officePlan())
	r := &f.Rules[0]
	r.Spec = "09:00-12:30,mon&wed,*,*"
	if err := r.importSpec(0); err != nil {
		t.Fatal(err)
	}
	p, err := f.checkPlan(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Rules[0].Condition.Label(); got != "Mo, Mi 09:00–12:31" {
		t.Fatalf("imported = %q", got)
	}
	if r.Spec != "" || r.Dates != "" {
		t.Fatalf("left over: %+v", r)
	}
	r.Spec = "08:00-18:00,mon-fri,*,*,Europe/Berlin"
	err = r.importSpec(0)
	if numberdesk.ErrorField(err) != "rules[0].condition.spec" || errorSlot(numberdesk.ErrorField(err)) != "rules[0].condition.spec" {
		t.Fatalf("err = %v", err)
	}
}

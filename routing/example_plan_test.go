package routing_test

import (
	"fmt"
	"time"

	"github.com/numberdesk/numberdesk/routing"
)

// Office hours Monday to Friday 08:00–18:00 ring the desk phone for 20
// seconds, then the mobile; outside, and when nobody answers, the base rule
// (the holder's mailbox) takes the call.
func ExampleEvaluate() {
	loc, _ := time.LoadLocation("Europe/Berlin")
	plan := routing.Plan{
		Rules: []routing.Rule{{
			ID: "office", Name: "Bürozeiten", Priority: 1, Enabled: true,
			Condition: routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)}),
			Targets: []routing.Target{
				{Kind: routing.TargetDevice, Ref: "desk", RingSeconds: 20},
				{Kind: routing.TargetExternal, Ref: "+4915112345678", RingSeconds: 30},
			},
		}},
		Base: routing.BaseRule{Kind: routing.BaseHolderMailbox},
	}
	state := &routing.StateMap{Targets: map[routing.TargetKey]routing.Status{
		{Kind: routing.TargetDevice, Ref: "desk"}:             routing.StatusBusy,
		{Kind: routing.TargetExternal, Ref: "+4915112345678"}: routing.StatusNoAnswer,
	}}
	buf := make([]routing.Step, 0, 8)
	call := routing.Call{From: "+4922199999"}
	for _, at := range []time.Time{
		time.Date(2026, 3, 4, 10, 0, 0, 0, loc), // Wednesday
		time.Date(2026, 3, 7, 10, 0, 0, 0, loc), // Saturday
	} {
		d := routing.Evaluate(plan, call, at, loc, state, routing.WithTrace(buf[:0]))
		fmt.Println(at.Format("Mon 15:04:"), d.Outcome.Label(), "nach", d.Outcome.Seconds, "s")
		for _, s := range d.Trace {
			fmt.Println(s)
		}
	}
	// Output:
	// Wed 10:00: Basisregel: eigene Mailbox nach 30 s
	// Regel office: greift
	//   Ziel Endgerät desk ab 0 s: besetzt
	//   Ziel externe Rufnummer +4915112345678 ab 0 s: keine Annahme
	// Basisregel: holder_mailbox
	// Sat 10:00: Basisregel: eigene Mailbox nach 0 s
	// Regel office: Zeitbedingung nicht erfüllt
	// Basisregel: holder_mailbox
}

// Preview shows an admin when the routing changes.
func ExamplePreview() {
	loc, _ := time.LoadLocation("Europe/Berlin")
	plan := routing.Plan{
		Rules: []routing.Rule{
			{ID: "xmas", Name: "Weihnachten", Priority: 1, Enabled: true,
				Condition: routing.OnDates([]routing.Date{routing.D(0, 12, 24), routing.D(0, 12, 25), routing.D(0, 12, 26)}),
				Targets:   []routing.Target{{Kind: routing.TargetMailbox, Ref: "mb-xmas"}}},
			{ID: "office", Name: "Bürozeiten", Priority: 2, Enabled: true,
				Condition: routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)}),
				Targets:   []routing.Target{{Kind: routing.TargetDevice, Ref: "desk", RingSeconds: 20}}},
		},
		Base: routing.BaseRule{Kind: routing.BaseMailbox},
	}
	from := time.Date(2026, 12, 22, 12, 0, 0, 0, loc)
	for _, c := range routing.Preview(plan, from, from.Add(6*24*time.Hour), loc) {
		fmt.Println(c.At.Format("02.01."), c.Label)
	}
	// Output:
	// 22.12. Di 12:00 → Bürozeiten
	// 22.12. Di 18:00 → Basisregel
	// 23.12. Mi 08:00 → Bürozeiten
	// 23.12. Mi 18:00 → Basisregel
	// 24.12. Do 00:00 → Weihnachten
	// 27.12. So 00:00 → Basisregel
	// 28.12. Mo 08:00 → Bürozeiten
}

// A FreePBX time group migrates into a rule condition.
func ExampleParseAsteriskTimeSpec() {
	for _, spec := range []string{"08:00-18:00,mon-fri,*,*", "*|*|24-26|dec", "22:00-06:00,fri-mon,*,*", "*,mon,1-7,*"} {
		c, err := routing.ParseAsteriskTimeSpec(spec)
		if err != nil {
			fmt.Println(spec, "→", err)
			continue
		}
		back, _ := routing.FormatAsteriskTimeSpec(c)
		fmt.Println(spec, "→", c.Label(), "→", back)
	}
	// Output:
	// 08:00-18:00,mon-fri,*,* → Mo–Fr 08:00–18:01 → 08:00-18:00,mon-fri,*,*
	// *|*|24-26|dec → 24.12., 25.12., 26.12. ganztägig → *,*,24-26,dec
	// 22:00-06:00,fri-mon,*,* → Mo, Fr–So 00:00–06:01, 22:00–24:00 → 00:00-06:00&22:00-23:59,fri-mon,*,*
	// *,mon,1-7,* → routing.ParseAsteriskTimeSpec: spec: Wochentage zusammen mit Tagen oder Monaten lassen sich nicht als Regel darstellen; bitte in zwei Regeln aufteilen.
}

// The public holidays of Nordrhein-Westfalen in 2026.
func ExampleHolidays() {
	for _, h := range routing.Holidays("NW", 2026) {
		fmt.Println(h.Date.Label(), h.Name)
	}
	// Output:
	// 01.01.2026 Neujahr
	// 03.04.2026 Karfreitag
	// 06.04.2026 Ostermontag
	// 01.05.2026 Tag der Arbeit
	// 14.05.2026 Christi Himmelfahrt
	// 25.05.2026 Pfingstmontag
	// 04.06.2026 Fronleichnam
	// 03.10.2026 Tag der Deutschen Einheit
	// 01.11.2026 Allerheiligen
	// 25.12.2026 1. Weihnachtstag
	// 26.12.2026 2. Weihnachtstag
}

// Validate points at the rule and field at fault.
func ExampleValidate() {
	plan := routing.Plan{
		Rules: []routing.Rule{{
			ID: "office", Name: "Bürozeiten", Priority: 1, Enabled: true,
			Condition: routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)}),
			Targets:   []routing.Target{{Kind: routing.TargetExternal, Ref: "0221 123456", RingSeconds: 20}},
		}},
		Base: routing.BaseRule{Kind: routing.BaseRingingTone},
	}
	err := routing.Validate(plan, nil)
	fmt.Println(err)
	plan, _ = plan.Normalize()
	fmt.Println(plan.Rules[0].Targets[0].Ref, routing.Validate(plan, nil))
	// Output:
	// routing.Validate: rules[0].targets[0].ref: Die externe Rufnummer muss im internationalen Format (+49…) angegeben werden.
	// +49221123456 <nil>
}

package routing_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/numberdesk/numberdesk/routing"
)

func TestPreviewOfficeHours(t *testing.T) {
	loc := berlin(t)
	p := seedPlan()
	// Monday 2026-12-21 00:00 to Monday 2026-12-28 00:00: office hours Mon–Wed,
	// then Christmas Thu–Sat, then the base rule over the weekend.
	ch := routing.Preview(p, at(loc, 2026, 12, 21, 0, 0), at(loc, 2026, 12, 28, 0, 0), loc)
	var got []string
	for _, c := range ch {
		got = append(got, c.At.Format("02.01. ")+c.Label)
	}
	want := []string{
		"21.12. Mo 00:00 → Basisregel",
		"21.12. Mo 08:00 → Bürozeiten",
		"21.12. Mo 18:00 → Basisregel",
		"22.12. Di 08:00 → Bürozeiten",
		"22.12. Di 18:00 → Basisregel",
		"23.12. Mi 08:00 → Bürozeiten",
		"23.12. Mi 18:00 → Basisregel",
		"24.12. Do 00:00 → Weihnachten",
		"27.12. So 00:00 → Basisregel",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("preview:\n%q\nwant\n%q", got, want)
	}
	if ch[7].RuleID != "xmas" || ch[8].RuleID != "" {
		t.Fatal("rule IDs")
	}
	if routing.Preview(p, at(loc, 2026, 1, 2, 0, 0), at(loc, 2026, 1, 1, 0, 0), loc) != nil {
		t.Fatal("empty range")
	}
}

// uniform draws a uniformly distributed int64 in [lo, hi]: rapid's own
// integer generators favour small values, which would keep every span
// near its minimum.
func uniform(t *rapid.T, lo, hi int64, label string) int64 {
	r := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, label), 1))
	return lo + r.Int64N(hi-lo+1)
}

var previewZones = []string{"Europe/Berlin", "Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"}

func genWindow(t *rapid.T, label string) routing.Window {
	// Bias towards the small hours, where the DST changes are.
	minute := rapid.OneOf(rapid.Custom(func(t *rapid.T) int { return int(uniform(t, 0, routing.MinutesPerDay-1, "m")) }), rapid.SampledFrom([]int{0, 60, 90, 120, 135, 150, 180, 210, 1320, 1439}))
	s := minute.Draw(t, label+"start")
	e := minute.Draw(t, label+"end")
	if rapid.Bool().Draw(t, label+"endOfDay") {
		e = routing.MinutesPerDay
	}
	if s == e {
		e = (s + 30) % routing.MinutesPerDay
	}
	return routing.Window{Start: routing.TimeOfDay(s), End: routing.TimeOfDay(e)}
}

func genDateTime(t *rapid.T, loc *time.Location, from time.Time, span time.Duration, label string) routing.DateTime {
	at := from.Add(time.Duration(uniform(t, -int64(48*time.Hour), int64(span+48*time.Hour), label)))
	lt := at.In(loc)
	m := rapid.SampledFrom([]int{lt.Hour()*60 + lt.Minute(), 120, 150, 180, 0}).Draw(t, label+"min")
	return routing.DateTime{Date: routing.DateOf(lt), Time: routing.TimeOfDay(m)}
}

func genCondition(t *rapid.T, loc *time.Location, from time.Time, span time.Duration, label string) routing.Condition {
	windows := func() []routing.Window {
		n := int(uniform(t, 0, 3, label+"nwin"))
		var ws []routing.Window
		for i := range n {
			ws = append(ws, genWindow(t, label+"w"+strconv.Itoa(i)))
		}
		return ws
	}
	switch int(uniform(t, 0, 11, label+"kind")) {
	case 0:
		return routing.Always()
	case 1, 2, 3, 4, 5:
		return routing.Weekly(routing.Weekdays(int(uniform(t, 1, 127, label+"days"))), windows()...)
	case 6, 7:
		n := int(uniform(t, 1, 4, label+"ndates"))
		var ds []routing.Date
		for i := range n {
			d := genDateTime(t, loc, from, span, label+"d"+strconv.Itoa(i)).Date
			if rapid.Bool().Draw(t, label+"recurring"+strconv.Itoa(i)) {
				d.Year = 0
			}
			ds = append(ds, d)
		}
		return routing.OnDates(ds, windows()...)
	case 8, 9:
		a := genDateTime(t, loc, from, span, label+"from")
		b := genDateTime(t, loc, from, span, label+"to")
		if a.Compare(b) == 0 {
			b.Time = (b.Time + 90) % routing.MinutesPerDay
		}
		if a.Compare(b) > 0 {
			a, b = b, a
		}
		return routing.Between(a, b)
	}
	st := rapid.SampledFrom(routing.States).Draw(t, label+"state")
	return routing.OnHolidays(st.Code, windows()...)
}

// Preview agrees with Evaluate: at every instant in [from, to) the rule of
// the last change at or before it is the rule Evaluate answers with when
// every target answers; each reported change is a real change.
func TestPreviewAgreesWithEvaluate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		loc, err := time.LoadLocation(rapid.SampledFrom(previewZones).Draw(t, "zone"))
		if err != nil {
			t.Fatal(err)
		}
		// Start near a DST change now and then.
		base := rapid.SampledFrom([]time.Time{utc(2026, 3, 27, 0, 0), utc(2026, 10, 23, 0, 0), utc(2026, 3, 6, 0, 0), utc(2025, 9, 30, 0, 0), utc(2026, 12, 20, 0, 0)}).Draw(t, "base")
		from := base.Add(time.Duration(uniform(t, 0, int64(200*24*time.Hour), "offset")))
		if rapid.Bool().Draw(t, "nearChange") {
			from = base.Add(time.Duration(uniform(t, 0, int64(4*24*time.Hour), "small")))
		}
		span := time.Duration(uniform(t, int64(time.Hour), int64(15*24*time.Hour), "span"))
		to := from.Add(span)

		var p routing.Plan
		p.Base = routing.BaseRule{Kind: routing.BaseRingingTone}
		n := int(uniform(t, 1, 6, "rules"))
		prios := rapid.Permutation([]int{1, 2, 3, 4, 5, 6}).Draw(t, "prios")
		for i := range n {
			id := "r" + strconv.Itoa(i)
			r := routing.Rule{ID: id, Name: id, Priority: prios[i], Enabled: uniform(t, 0, 99, "enabled"+id) < 85,
				Condition: genCondition(t, loc, from, span, id)}
			if uniform(t, 0, 99, "filter"+id) < 15 {
				r.Filter = &routing.CallerFilter{Numbers: []string{"+43*"}}
			}
			if uniform(t, 0, 99, "targets"+id) < 95 {
				r.Targets = []routing.Target{dev("d"+id, 10)}
			}
			p.Rules = append(p.Rules, r)
		}
		var ovs []routing.Override
		for i := range int(uniform(t, 0, 2, "overrides")) {
			o := routing.Override{
				RuleID: "r" + strconv.Itoa(rapid.IntRange(0, n-1).Draw(t, "orule"+strconv.Itoa(i))),
				Mode:   rapid.SampledFrom([]routing.OverrideMode{routing.ForceOn, routing.ForceOff}).Draw(t, "omode"+strconv.Itoa(i)),
				Until:  rapid.SampledFrom([]routing.OverrideUntil{routing.UntilNextChange, routing.UntilTime, routing.UntilPermanent}).Draw(t, "ountil"+strconv.Itoa(i)),
				SetAt:  from.Add(time.Duration(uniform(t, -int64(24*time.Hour), int64(span), "oset"+strconv.Itoa(i)))),
			}
			o.At = o.SetAt.Add(time.Duration(uniform(t, 1, int64(3*24*time.Hour), "oat"+strconv.Itoa(i))))
			ovs = append(ovs, o)
		}
		opts := routing.WithOverrides(ovs)
		ch := routing.Preview(p, from, to, loc, opts)
		if len(ch) == 0 || !ch[0].At.Equal(from) {
			t.Fatalf("preview %v", ch)
		}
		call := routing.Call{From: "+4930123456"}
		active := func(at time.Time) string {
			return routing.Evaluate(p, call, at, loc, routing.AllAnswer, opts).Outcome.RuleID
		}
		for i, c := range ch {
			if got := active(c.At); got != c.RuleID {
				t.Fatalf("change %d at %s: preview %q, evaluate %q", i, c.At, c.RuleID, got)
			}
			if i > 0 {
				if !c.At.After(ch[i-1].At) || c.RuleID == ch[i-1].RuleID {
					t.Fatalf("changes %d and %d: %v, %v", i-1, i, ch[i-1], c)
				}
				if got := active(c.At.Add(-time.Nanosecond)); got != ch[i-1].RuleID {
					t.Fatalf("just before change %d at %s: evaluate %q, preview %q", i, c.At, got, ch[i-1].RuleID)
				}
			}
		}
		for i := range 40 {
			at := from.Add(time.Duration(uniform(t, 0, int64(span)-1, "sample"+strconv.Itoa(i))))
			k := len(ch) - 1
			for k > 0 && ch[k].At.After(at) {
				k--
			}
			if got := active(at); got != ch[k].RuleID {
				t.Fatalf("at %s (%s): preview %q (since %s), evaluate %q", at, at.In(loc), ch[k].RuleID, ch[k].At, got)
			}
		}
	})
}

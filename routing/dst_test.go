package routing_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk/routing"
)

// transition is a change of a zone's UTC offset.
type transition struct {
	at            time.Time
	before, after int // offsets in seconds
}

// transitions lists the offset changes of loc in [from, to).
func transitions(loc *time.Location, from, to time.Time) []transition {
	var out []transition
	t := from
	for {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			return out
		}
		_, before := end.Add(-time.Second).In(loc).Zone()
		_, after := end.In(loc).Zone()
		if before != after {
			out = append(out, transition{end, before, after})
		}
		t = end
	}
}

// oracle is a deliberately plain reading of the documented semantics,
// built on time.Time.In/Date/Clock rather than the package's own wall-clock
// arithmetic: a window is a predicate on the local date and time of day;
// the part of a window after midnight belongs to the previous day.
type oracle struct {
	days       routing.Weekdays // for weekday windows; 0 = use date
	date       routing.Date     // for a date rule
	start, end int              // minutes; end < start crosses midnight
}

func (o oracle) holds(t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	h, mi, _ := lt.Clock()
	m := h*60 + mi
	today := func() bool {
		if o.days == 0 {
			return routing.DateOf(lt) == o.date
		}
		return o.days.Has(lt.Weekday())
	}
	yesterday := func() bool {
		y, mo, d := lt.Date()
		prev := time.Date(y, mo, d-1, 12, 0, 0, 0, time.UTC)
		if o.days == 0 {
			return routing.DateOf(prev) == o.date
		}
		return o.days.Has(prev.Weekday())
	}
	if o.start < o.end {
		return m >= o.start && m < o.end && today()
	}
	return m >= o.start && today() || m < o.end && yesterday()
}

func (o oracle) condition() routing.Condition {
	w := routing.Window{Start: routing.TimeOfDay(o.start), End: routing.TimeOfDay(o.end)}
	if o.days == 0 {
		return routing.OnDates([]routing.Date{o.date}, w)
	}
	return routing.Weekly(o.days, w)
}

// TestDSTSweep checks, for several zones and every offset change from 2024
// to 2030, every minute within ±24 h, four rules against the oracle:
// office hours, an overnight window, an all-day closure on the day of the
// change and a window starting in the middle of the gap (or of the
// repeated hour). It also checks what the semantics promise at the
// change itself, and that Preview reports exactly the minutes at which the
// oracle flips. Zones without changes in the period are swept around their
// former change dates.
func TestDSTSweep(t *testing.T) {
	zones := []string{"Europe/Berlin", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Antarctica/Troll"}
	steady := map[string][]time.Time{ // zones without changes 2024–2030: the days they used to change
		"America/Regina":    {utc(2024, 3, 10, 9, 0), utc(2024, 11, 3, 8, 0)},
		"America/Sao_Paulo": {utc(2024, 11, 3, 3, 0), utc(2025, 2, 16, 2, 0)},
		"Asia/Tehran":       {utc(2024, 3, 20, 20, 30), utc(2024, 9, 21, 19, 30)},
	}
	from, to := utc(2024, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0)
	checked := 0
	for _, name := range append(zones, "America/Regina", "America/Sao_Paulo", "Asia/Tehran") {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		trs := transitions(loc, from, to)
		if _, ok := steady[name]; ok {
			if len(trs) != 0 {
				t.Fatalf("%s changes offset in 2024–2030", name)
			}
			for _, at := range steady[name] {
				_, off := at.In(loc).Zone()
				trs = append(trs, transition{at, off, off})
			}
		} else if len(trs) != 14 {
			t.Fatalf("%s: %d transitions 2024–2030, want 14", name, len(trs))
		}
		for _, tr := range trs {
			gapStart := minuteOfDay(tr.at.Add(time.Duration(tr.before) * time.Second).UTC())
			gapEnd := minuteOfDay(tr.at.Add(time.Duration(tr.after) * time.Second).UTC())
			mid := (gapStart + gapEnd) / 2
			if tr.before == tr.after {
				mid = 150 // 02:30
			}
			rules := map[string]oracle{
				"office":    {days: routing.MonFri, start: 8 * 60, end: 17 * 60},
				"overnight": {days: routing.MonFri, start: 22 * 60, end: 6 * 60},
				"closure":   {date: routing.DateOf(tr.at.In(loc)), start: 0, end: routing.MinutesPerDay},
				"gap":       {days: routing.AllWeek, start: mid, end: (mid + 150) % routing.MinutesPerDay},
			}
			for rname, o := range rules {
				c := o.condition()
				if err := routing.Validate(routing.Plan{Rules: []routing.Rule{{ID: "r", Name: "r", Priority: 1, Enabled: true, Condition: c, Targets: []routing.Target{dev("d", 10)}}},
					Base: routing.BaseRule{Kind: routing.BaseRingingTone}}, nil); err != nil {
					t.Fatalf("%s %s: %v", name, rname, err)
				}
				var flips []time.Time
				prev := false
				for m := -24 * 60; m <= 24*60; m++ {
					at := tr.at.Add(time.Duration(m) * time.Minute)
					want := o.holds(at, loc)
					if got := c.Holds(at, loc); got != want {
						t.Fatalf("%s %s, transition %s: at %s (%s) Holds = %v, oracle %v", name, rname, tr.at, at, at.In(loc).Format("Mon 15:04 MST"), got, want)
					}
					if m > -24*60 && want != prev {
						flips = append(flips, at)
					}
					prev = want
					checked++
				}
				checkPreviewFlips(t, fmt.Sprintf("%s %s %s", name, rname, tr.at), c, tr.at.Add(-24*time.Hour), tr.at.Add(24*time.Hour+time.Minute), loc, flips)
			}
			every := routing.Weekly(routing.AllWeek, win(22, 0, 6, 0))
			shift := (tr.before - tr.after) / 60
			if n := holdsMinutes(every, tr.at.Add(-12*time.Hour), tr.at.Add(12*time.Hour), loc); n != 8*60+shift {
				t.Errorf("%s %s: the overnight window covered %d minutes, want %d", name, tr.at, n, 8*60+shift)
			}
			closure := rules["closure"].condition()
			if n := holdsMinutes(closure, tr.at.Add(-48*time.Hour), tr.at.Add(48*time.Hour), loc); n != 24*60+shift {
				t.Errorf("%s %s: the all-day closure covered %d minutes, want %d", name, tr.at, n, 24*60+shift)
			}
			gap := rules["gap"].condition()
			switch {
			case tr.after > tr.before: // spring forward: true from the first instant after the gap
				if !gap.Holds(tr.at, loc) || gap.Holds(tr.at.Add(-time.Minute), loc) {
					t.Errorf("%s %s: a window starting in the gap must begin exactly at the end of the gap", name, tr.at)
				}
			case tr.after < tr.before: // fall back: true in both occurrences of its start
				first := tr.at.Add(-time.Duration(gapStart-mid) * time.Minute)
				second := tr.at.Add(time.Duration(mid-gapEnd) * time.Minute)
				for _, s := range []time.Time{first, second} {
					if !gap.Holds(s, loc) || minuteOfDay(s.In(loc)) != mid {
						t.Errorf("%s %s: the window must hold at both occurrences of its start (%s)", name, tr.at, s.In(loc))
					}
				}
				if gap.Holds(first.Add(-time.Minute), loc) {
					t.Errorf("%s %s: holds before its first start", name, tr.at)
				}
			}
		}
	}
	if checked < 800_000 {
		t.Fatalf("only %d checks", checked)
	}
}

func minuteOfDay(t time.Time) int { return t.Hour()*60 + t.Minute() }

// checkPreviewFlips checks that Preview of a one-rule plan changes exactly
// at the instants in flips.
func checkPreviewFlips(t *testing.T, name string, c routing.Condition, from, to time.Time, loc *time.Location, flips []time.Time) {
	t.Helper()
	p := routing.Plan{Rules: []routing.Rule{{ID: "r", Name: "r", Priority: 1, Enabled: true, Condition: c, Targets: []routing.Target{dev("d", 10)}}},
		Base: routing.BaseRule{Kind: routing.BaseRingingTone}}
	ch := routing.Preview(p, from, to, loc)
	if len(ch) == 0 || !ch[0].At.Equal(from) {
		t.Fatalf("%s: preview %v", name, ch)
	}
	var got []time.Time
	for _, x := range ch[1:] {
		got = append(got, x.At)
	}
	if len(got) != len(flips) {
		t.Fatalf("%s: preview changes %v, oracle flips %v", name, got, flips)
	}
	for i := range got {
		if !got[i].Equal(flips[i]) {
			t.Fatalf("%s: preview changes %v, oracle flips %v", name, got, flips)
		}
	}
}

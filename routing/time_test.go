package routing_test

import (
	"testing"
	"time"

	"github.com/numberdesk/numberdesk/routing"
)

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

func win(h1, m1, h2, m2 int) routing.Window {
	return routing.Window{Start: routing.At(h1, m1), End: routing.At(h2, m2)}
}

// holdsMinutes counts the minutes in [from, to) at which c holds.
func holdsMinutes(c routing.Condition, from, to time.Time, loc *time.Location) int {
	n := 0
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		if c.Holds(t, loc) {
			n++
		}
	}
	return n
}

func TestBerlinSpringForward(t *testing.T) {
	loc := berlin(t)
	// 2026-03-29: 02:00 CET (01:00 UTC) jumps to 03:00 CEST.
	inGap := routing.Weekly(routing.AllWeek, win(2, 30, 5, 0))
	if inGap.Holds(utc(2026, 3, 29, 0, 59), loc) {
		t.Fatal("holds at 01:59 CET")
	}
	if !inGap.Holds(utc(2026, 3, 29, 1, 0), loc) {
		t.Fatal("a window starting in the gap must hold at the first instant after it (03:00 CEST)")
	}
	if got := time.Date(2026, 3, 29, 2, 30, 0, 0, loc).UTC(); got != utc(2026, 3, 29, 1, 30) {
		t.Fatalf("time.Date pushes 02:30 to %s (documented pitfall changed?)", got)
	}
	// 03:00–05:00 CEST: two hours instead of two and a half.
	if n := holdsMinutes(inGap, utc(2026, 3, 28, 22, 0), utc(2026, 3, 29, 6, 0), loc); n != 120 {
		t.Fatalf("window 02:30–05:00 held %d minutes on the spring night, want 120", n)
	}
	// A window wholly inside the gap never holds that night.
	lost := routing.Weekly(routing.AllWeek, win(2, 0, 3, 0))
	if n := holdsMinutes(lost, utc(2026, 3, 28, 22, 0), utc(2026, 3, 29, 6, 0), loc); n != 0 {
		t.Fatalf("02:00–03:00 held %d minutes", n)
	}
	// The day is 23 hours long.
	day := routing.OnDates([]routing.Date{routing.D(2026, 3, 29)})
	if n := holdsMinutes(day, utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 12, 0), loc); n != 23*60 {
		t.Fatalf("29 March held %d minutes, want 23 h", n)
	}
}

func TestBerlinFallBack(t *testing.T) {
	loc := berlin(t)
	// 2026-10-25: 03:00 CEST (01:00 UTC) falls back to 02:00 CET.
	w := routing.Weekly(routing.AllWeek, win(2, 0, 2, 30))
	for _, c := range []struct {
		t    time.Time
		want bool
	}{
		{utc(2026, 10, 24, 23, 59), false}, // 01:59 CEST
		{utc(2026, 10, 25, 0, 0), true},    // 02:00 CEST, first occurrence
		{utc(2026, 10, 25, 0, 29), true},   // 02:29 CEST
		{utc(2026, 10, 25, 0, 30), false},  // 02:30 CEST
		{utc(2026, 10, 25, 1, 0), true},    // 02:00 CET, second occurrence
		{utc(2026, 10, 25, 1, 29), true},   // 02:29 CET
		{utc(2026, 10, 25, 1, 30), false},  // 02:30 CET
	} {
		if got := w.Holds(c.t, loc); got != c.want {
			t.Errorf("%s (%s): %v, want %v", c.t, c.t.In(loc), got, c.want)
		}
	}
	if n := holdsMinutes(w, utc(2026, 10, 24, 20, 0), utc(2026, 10, 25, 6, 0), loc); n != 60 {
		t.Fatalf("02:00–02:30 held %d minutes, want 60 (both occurrences)", n)
	}
	day := routing.OnDates([]routing.Date{routing.D(2026, 10, 25)})
	if n := holdsMinutes(day, utc(2026, 10, 24, 12, 0), utc(2026, 10, 26, 12, 0), loc); n != 25*60 {
		t.Fatalf("25 October held %d minutes, want 25 h", n)
	}
}

func TestOvernightWindow(t *testing.T) {
	loc := berlin(t)
	night := routing.Weekly(routing.MonFri, win(22, 0, 6, 0))
	for _, c := range []struct {
		when time.Time
		want bool
	}{
		{at(loc, 2026, 3, 6, 21, 59), false}, // Fri
		{at(loc, 2026, 3, 6, 22, 0), true},   // Fri
		{at(loc, 2026, 3, 6, 23, 59), true},  // Fri
		{at(loc, 2026, 3, 7, 0, 0), true},    // Sat: belongs to Friday's window
		{at(loc, 2026, 3, 7, 5, 59), true},   // Sat
		{at(loc, 2026, 3, 7, 6, 0), false},   // Sat, end exclusive
		{at(loc, 2026, 3, 7, 22, 30), false}, // Sat evening: Saturday not in the set
		{at(loc, 2026, 3, 9, 3, 0), false},   // Mon morning: belongs to Sunday
		{at(loc, 2026, 3, 10, 3, 0), true},   // Tue morning: Monday's window
	} {
		if got := night.Holds(c.when, loc); got != c.want {
			t.Errorf("%s: %v, want %v", c.when.Format("Mon 2006-01-02 15:04"), got, c.want)
		}
	}
	// Across DST: every night 22:00–06:00 covers 7 h on the spring night and 9 h on the autumn night.
	every := routing.Weekly(routing.AllWeek, win(22, 0, 6, 0))
	if n := holdsMinutes(every, utc(2026, 3, 28, 18, 0), utc(2026, 3, 29, 8, 0), loc); n != 7*60 {
		t.Errorf("spring night: %d minutes, want 7 h", n)
	}
	if n := holdsMinutes(every, utc(2026, 10, 24, 18, 0), utc(2026, 10, 25, 8, 0), loc); n != 9*60 {
		t.Errorf("autumn night: %d minutes, want 9 h", n)
	}
	// Saturday 22:00 → Sunday 06:00 in March 2026 is the DST night; Friday's window is untouched.
	fri := routing.Weekly(routing.Days(time.Saturday), win(22, 0, 6, 0))
	if !fri.Holds(utc(2026, 3, 29, 1, 0), loc) || fri.Holds(utc(2026, 3, 29, 4, 0), loc) {
		t.Error("Saturday night window across the spring change")
	}
}

func TestNewYearAndLeapDay(t *testing.T) {
	loc := berlin(t)
	ny := routing.OnDates([]routing.Date{routing.D(0, 1, 1)})
	if ny.Holds(at(loc, 2026, 12, 31, 23, 59), loc) || !ny.Holds(at(loc, 2027, 1, 1, 0, 0), loc) ||
		!ny.Holds(at(loc, 2027, 1, 1, 23, 59), loc) || ny.Holds(at(loc, 2027, 1, 2, 0, 0), loc) {
		t.Error("recurring 1 January")
	}
	// Silvester evening into the new year: the window belongs to 31 December.
	eve := routing.OnDates([]routing.Date{routing.D(2026, 12, 31)}, win(20, 0, 2, 0))
	if !eve.Holds(at(loc, 2027, 1, 1, 1, 59), loc) || eve.Holds(at(loc, 2027, 1, 1, 2, 0), loc) || eve.Holds(at(loc, 2026, 12, 31, 1, 0), loc) {
		t.Error("31.12. 20:00–02:00")
	}
	// A period over New Year.
	p := routing.Between(routing.DateTime{Date: routing.D(2026, 12, 31), Time: routing.At(18, 0)}, routing.DateTime{Date: routing.D(2027, 1, 2), Time: routing.At(8, 0)})
	if !p.Holds(at(loc, 2027, 1, 1, 12, 0), loc) || p.Holds(at(loc, 2027, 1, 2, 8, 0), loc) || !p.Holds(at(loc, 2026, 12, 31, 18, 0), loc) {
		t.Error("period over New Year")
	}
	// 29 February: recurring, only in leap years.
	leap := routing.OnDates([]routing.Date{routing.D(0, 2, 29)})
	for _, y := range []int{2024, 2028, 2000} {
		if !leap.Holds(at(loc, y, 2, 29, 12, 0), loc) {
			t.Errorf("29.02.%d", y)
		}
	}
	// time.Date normalises 2026-02-29 to 1 March: no match.
	for _, y := range []int{2026, 2100} {
		if leap.Holds(at(loc, y, 2, 29, 12, 0), loc) {
			t.Errorf("29 February matched in %d", y)
		}
	}
	if routing.D(2026, 2, 29).Valid() || !routing.D(2028, 2, 29).Valid() || routing.D(2100, 2, 29).Valid() || !routing.D(0, 2, 29).Valid() {
		t.Error("Date.Valid on 29 February")
	}
}

func TestPeriodBoundsInGapAndFold(t *testing.T) {
	loc := berlin(t)
	// From 02:30 on the spring day (in the gap) until 02:30 on the autumn day (repeated).
	p := routing.Between(routing.DateTime{Date: routing.D(2026, 3, 29), Time: routing.At(2, 30)},
		routing.DateTime{Date: routing.D(2026, 10, 25), Time: routing.At(2, 30)})
	if p.Holds(utc(2026, 3, 29, 0, 59), loc) || !p.Holds(utc(2026, 3, 29, 1, 0), loc) {
		t.Error("start in the gap: from 03:00 CEST")
	}
	// Ends at the first 02:30 (CEST, 00:30 UTC) and does not come back in the repeated hour.
	if !p.Holds(utc(2026, 10, 25, 0, 29), loc) || p.Holds(utc(2026, 10, 25, 0, 30), loc) || p.Holds(utc(2026, 10, 25, 1, 15), loc) {
		t.Error("end in the repeated hour: the first occurrence")
	}
}

func TestHolidaysNRWAndOthers(t *testing.T) {
	loc := berlin(t)
	holds := func(state string, y int, m time.Month, d int) bool {
		c := routing.OnHolidays(state)
		return c.Holds(at(loc, y, m, d, 12, 0), loc)
	}
	for _, c := range []struct {
		name       string
		y          int
		m          time.Month
		d          int
		nw, bb, sn bool
	}{
		{"Fronleichnam 2026", 2026, 6, 4, true, false, false},
		{"Allerheiligen 2026", 2026, 11, 1, true, false, false},
		{"Reformationstag 2026", 2026, 10, 31, false, true, true},
		{"Reformationstag 2017 (everywhere)", 2017, 10, 31, true, true, true},
		{"Buß- und Bettag 2026", 2026, 11, 18, false, false, true},
		{"Tag der Deutschen Einheit", 2026, 10, 3, true, true, true},
		{"Ostersonntag (Brandenburg only)", 2026, 4, 5, false, true, false},
		{"ordinary Wednesday", 2026, 6, 3, false, false, false},
	} {
		if got := holds("NW", c.y, c.m, c.d); got != c.nw {
			t.Errorf("%s in NW: %v", c.name, got)
		}
		if got := holds("BB", c.y, c.m, c.d); got != c.bb {
			t.Errorf("%s in BB: %v", c.name, got)
		}
		if got := holds("SN", c.y, c.m, c.d); got != c.sn {
			t.Errorf("%s in SN: %v", c.name, got)
		}
	}
	// A holiday is a whole local day: 25 h on the fall-back day would need
	// a holiday on a Sunday in October; check the 00:00/24:00 edges instead.
	c := routing.OnHolidays("NW")
	if !c.Holds(at(loc, 2026, 11, 1, 0, 0), loc) || c.Holds(at(loc, 2026, 10, 31, 23, 59), loc) || c.Holds(at(loc, 2026, 11, 2, 0, 0), loc) {
		t.Error("Allerheiligen edges")
	}
	// With a window: holidays from 12:00 on.
	pm := routing.OnHolidays("NW", win(12, 0, 24, 0))
	if pm.Holds(at(loc, 2026, 12, 25, 11, 59), loc) || !pm.Holds(at(loc, 2026, 12, 25, 12, 0), loc) {
		t.Error("holiday window")
	}
}

func TestEasterHolidaysOverYears(t *testing.T) {
	// Karfreitag, Ostermontag, Christi Himmelfahrt, Pfingstmontag, Fronleichnam in NW.
	want := map[int][5]string{
		2019: {"2019-04-19", "2019-04-22", "2019-05-30", "2019-06-10", "2019-06-20"},
		2024: {"2024-03-29", "2024-04-01", "2024-05-09", "2024-05-20", "2024-05-30"},
		2025: {"2025-04-18", "2025-04-21", "2025-05-29", "2025-06-09", "2025-06-19"},
		2026: {"2026-04-03", "2026-04-06", "2026-05-14", "2026-05-25", "2026-06-04"},
		2027: {"2027-03-26", "2027-03-29", "2027-05-06", "2027-05-17", "2027-05-27"},
		2038: {"2038-04-23", "2038-04-26", "2038-06-03", "2038-06-14", "2038-06-24"},
	}
	names := [5]string{"Karfreitag", "Ostermontag", "Christi Himmelfahrt", "Pfingstmontag", "Fronleichnam"}
	for y, dates := range want {
		got := map[string]string{}
		for _, h := range routing.Holidays("NW", y) {
			got[h.Name] = h.Date.String()
		}
		for i, n := range names {
			if got[n] != dates[i] {
				t.Errorf("%s %d: %s, want %s", n, y, got[n], dates[i])
			}
		}
	}
}

func TestNextChange(t *testing.T) {
	loc := berlin(t)
	c := officeHours()
	for _, x := range []struct {
		after, want time.Time
	}{
		{at(loc, 2026, 3, 4, 10, 0), at(loc, 2026, 3, 4, 18, 0)},
		{at(loc, 2026, 3, 4, 18, 0), at(loc, 2026, 3, 5, 8, 0)},
		{at(loc, 2026, 3, 6, 19, 0), at(loc, 2026, 3, 9, 8, 0)},
		{at(loc, 2026, 3, 27, 19, 0), at(loc, 2026, 3, 30, 8, 0)}, // over the spring change
	} {
		got, ok := routing.NextChange(c, x.after, x.after.Add(7*24*time.Hour), loc)
		if !ok || !got.Equal(x.want) {
			t.Errorf("after %s: %s %v, want %s", x.after, got, ok, x.want)
		}
	}
	if _, ok := routing.NextChange(routing.Always(), at(loc, 2026, 3, 4, 10, 0), at(loc, 2027, 3, 4, 10, 0), loc); ok {
		t.Error("an always-condition changed")
	}
	if _, ok := routing.NextChange(c, at(loc, 2026, 3, 7, 10, 0), at(loc, 2026, 3, 8, 10, 0), loc); ok {
		t.Error("changed on a weekend")
	}
}

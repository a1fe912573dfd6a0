package billing_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// statement returns f's statement of a month, which must succeed.
func statement(t *testing.T, f *feed, y int, m time.Month, loc *time.Location, p billing.Policy) *billing.MonthlyStatement {
	t.Helper()
	s, err := billing.Statement(f.events, f.tenant, y, m, loc, p)
	require.NoError(t, err)
	return s
}

// lineOf returns the line id of s.
func lineOf(t *testing.T, s *billing.MonthlyStatement, id string) billing.Line {
	t.Helper()
	for _, l := range s.Lines {
		if l.Line == id {
			return l
		}
	}
	t.Fatalf("no line %s in %d-%02d: %+v", id, s.Year, s.Month, s.Lines)
	return billing.Line{}
}

func TestStatementMonthBoundaries(t *testing.T) {
	berlin, newYork := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	for _, tc := range []struct {
		name      string
		at        time.Time
		loc       *time.Location
		jan, feb  int // days billed
		janNet    int64
		febNet    int64
		jan1stDay string
	}{
		{"the last minute of January", time.Date(2026, 1, 31, 23, 59, 0, 0, berlin), berlin, 1, 28, 9, 290, "2026-01-31"},
		{"midnight: February only", time.Date(2026, 2, 1, 0, 0, 0, 0, berlin), berlin, 0, 28, 0, 290, ""},
		{"Berlin's midnight is 18:00 in New York", time.Date(2026, 2, 1, 0, 0, 0, 0, berlin), newYork, 1, 28, 9, 290, "2026-01-31"},
		{"the first minute of the year", time.Date(2026, 1, 1, 0, 0, 0, 0, berlin), berlin, 31, 28, 290, 290, "2026-01-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, line := newFeed(), uuid.NewString()
			f.activated(newNum("+492211234510"), line, tc.at, price(290, 0, 1900))
			jan := statement(t, f, 2026, time.January, tc.loc, billing.Policy{})
			if tc.jan == 0 {
				require.Empty(t, jan.Lines)
			} else {
				l := lineOf(t, jan, line)
				require.Equal(t, tc.jan, l.Days)
				require.Equal(t, tc.janNet, l.NetCents)
				require.Equal(t, tc.jan1stDay, l.Intervals[0].FirstDay)
				require.Equal(t, "2026-01-31", l.Intervals[0].LastDay)
			}
			l := lineOf(t, statement(t, f, 2026, time.February, tc.loc, billing.Policy{}), line)
			require.Equal(t, tc.feb, l.Days)
			require.Equal(t, tc.febNet, l.NetCents)
			require.Equal(t, "2026-02-01", l.Intervals[0].FirstDay)
			require.Equal(t, "2026-02-28", l.Intervals[0].LastDay)
		})
	}
}

func TestStatementDST(t *testing.T) {
	berlin, asuncion := zone(t, "Europe/Berlin"), zone(t, "America/Asuncion")
	t.Run("a 23-hour day counts as one", func(t *testing.T) {
		f, n, line := newFeed(), newNum("+492211234510"), uuid.NewString()
		at, end := time.Date(2026, 3, 29, 0, 0, 0, 0, berlin), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin)
		f.activated(n, line, at, price(3100, 0, 1900))
		f.requested(n, line, at, end)
		f.deactivated(n, line, end)
		s := statement(t, f, 2026, time.March, berlin, billing.Policy{})
		require.Equal(t, 31, s.DaysInMonth)
		require.Equal(t, 31*24*time.Hour-time.Hour, s.To.Sub(s.From))
		l := lineOf(t, s, line)
		require.Equal(t, 1, l.Days)
		require.Equal(t, 23*time.Hour, l.Intervals[0].End.Sub(l.Intervals[0].Start))
		require.Equal(t, int64(100), l.NetCents)
	})
	t.Run("a 25-hour day counts as one", func(t *testing.T) {
		f, n, line := newFeed(), newNum("+492211234510"), uuid.NewString()
		at, end := time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), time.Date(2026, 10, 26, 0, 0, 0, 0, berlin)
		f.activated(n, line, at, price(3100, 0, 1900))
		f.requested(n, line, at, end)
		f.deactivated(n, line, end)
		s := statement(t, f, 2026, time.October, berlin, billing.Policy{})
		require.Equal(t, 31*24*time.Hour+time.Hour, s.To.Sub(s.From))
		l := lineOf(t, s, line)
		require.Equal(t, 1, l.Days)
		require.Equal(t, 25*time.Hour, l.Intervals[0].End.Sub(l.Intervals[0].Start))
		require.Equal(t, "2026-10-25", l.Intervals[0].LastDay)
	})
	t.Run("a month that begins at 01:00", func(t *testing.T) {
		// Asunción, 1 October 2023: the clocks went from 00:00 to 01:00.
		// time.Date's "midnight" is 23:00 on 30 September, which belongs
		// to September.
		f, n, line := newFeed(), newNum("+492211234510"), uuid.NewString()
		midnight := time.Date(2023, 10, 1, 0, 0, 0, 0, asuncion)
		f.activated(n, line, midnight, price(3000, 0, 1900))
		sep := statement(t, f, 2023, time.September, asuncion, billing.Policy{})
		oct := statement(t, f, 2023, time.October, asuncion, billing.Policy{})
		require.Equal(t, "2023-10-01T01:00:00-03:00", oct.From.Format(time.RFC3339))
		require.True(t, sep.To.Equal(oct.From))
		l := lineOf(t, sep, line)
		require.Equal(t, 1, l.Days)
		require.Equal(t, "2023-09-30", l.Intervals[0].FirstDay)
		require.Equal(t, time.Hour, l.Intervals[0].End.Sub(l.Intervals[0].Start))
		require.Equal(t, int64(100), l.NetCents)
		l = lineOf(t, oct, line)
		require.Equal(t, 31, l.Days)
		require.Equal(t, "2023-10-01", l.Intervals[0].FirstDay)
		require.Equal(t, int64(3000), l.NetCents)
	})
}

func TestStatementLeapFebruary(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	for _, tc := range []struct {
		year        int
		dim, days   int
		net         int64
		lastFebDay  string
		fullFeb     int64
		fullFebDays int
	}{
		{2028, 29, 15, 150, "2028-02-29", 290, 29}, // 290 × 15 / 29
		{2026, 28, 14, 145, "2026-02-28", 290, 28}, // 290 × 14 / 28
	} {
		f, line := newFeed(), uuid.NewString()
		f.activated(newNum("+492211234510"), line, time.Date(tc.year, 2, 15, 8, 0, 0, 0, berlin), price(290, 0, 1900))
		s := statement(t, f, tc.year, time.February, berlin, billing.Policy{})
		require.Equal(t, tc.dim, s.DaysInMonth)
		l := lineOf(t, s, line)
		require.Equal(t, tc.days, l.Days, "%d", tc.year)
		require.Equal(t, tc.net, l.NetCents, "%d", tc.year)
		require.Equal(t, tc.lastFebDay, l.Intervals[0].LastDay)
	}
}

func TestStatementSameDay(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	f, n := newFeed(), newNum("+492211234510")
	first, second := uuid.NewString(), uuid.NewString()
	day := func(h int) time.Time { return time.Date(2026, 5, 12, h, 0, 0, 0, berlin) }
	// Activated at 9, deactivated at 9:30 effective 18:00 (a vendor's
	// notice policy), activated again at 20:00: two lines, both billed on
	// the 12th.
	f.activated(n, first, day(9), price(310, 0, 1900))
	f.requested(n, first, day(9).Add(30*time.Minute), day(18))
	f.deactivated(n, first, day(18))
	f.activated(n, second, day(20), price(310, 0, 1900))
	s := statement(t, f, 2026, time.May, berlin, billing.Policy{})
	require.Len(t, s.Lines, 2)
	for id, want := range map[string]struct {
		days int
		net  int64
	}{first: {1, 10}, second: {20, 200}} { // 310 × 1 / 31, 310 × 20 / 31
		l := lineOf(t, s, id)
		require.Equal(t, want.days, l.Days)
		require.Equal(t, want.net, l.RecurringNetCents)
		require.Equal(t, "2026-05-12", l.Intervals[0].FirstDay)
	}
	require.Equal(t, "2026-05-12", lineOf(t, s, first).Intervals[0].LastDay)
	require.Equal(t, "2026-05-31", lineOf(t, s, second).Intervals[0].LastDay)
	require.Equal(t, first, s.Lines[0].Line, "by activation")

	// With the deactivation not stored yet, time decides all the same.
	f.events = append(f.events[:2], f.events[3:]...)
	require.Equal(t, s.Lines, statement(t, f, 2026, time.May, berlin, billing.Policy{}).Lines)
}

func TestStatementDeactivationAtMonthEnd(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	f, n, line := newFeed(), newNum("+492211234510"), uuid.NewString()
	requested := time.Date(2026, 3, 10, 11, 0, 0, 0, berlin)
	effective := numbers.EndOfFollowingMonth.EffectiveAt(requested, berlin) // 30 April 24:00
	require.Equal(t, time.Date(2026, 5, 1, 0, 0, 0, 0, berlin), effective)
	f.activated(n, line, time.Date(2026, 1, 5, 11, 0, 0, 0, berlin), price(290, 0, 1900))
	f.requested(n, line, requested, effective)
	for _, stored := range []bool{false, true} {
		if stored {
			f.deactivated(n, line, effective)
		}
		for _, p := range []billing.Policy{{}, {Proration: billing.FullMonth}} {
			apr := statement(t, f, 2026, time.April, berlin, p)
			l := lineOf(t, apr, line)
			require.Equal(t, 30, l.Days)
			require.Equal(t, int64(290), l.NetCents)
			require.Equal(t, "2026-04-30", l.Intervals[0].LastDay)
			require.True(t, l.Intervals[0].End.Equal(effective))
			require.Empty(t, statement(t, f, 2026, time.May, berlin, p).Lines, "stored %v, %+v", stored, p)
		}
	}
}

func TestStatementSwap(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	at := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, berlin) }
	t.Run("on the day of the activation", func(t *testing.T) {
		f, a, b, line := newFeed(), newNum("+492211234510"), newNum("+49221654321"), uuid.NewString()
		f.activated(a, line, at(10, 12), price(3100, 0, 1900))
		f.swapped(a, b, line, at(10, 15))
		s := statement(t, f, 2026, time.March, berlin, billing.Policy{})
		require.Len(t, s.Lines, 1)
		l := s.Lines[0]
		require.Equal(t, 22, l.Days)
		require.Equal(t, int64(2200), l.NetCents)
		require.Len(t, l.Intervals, 2)
		require.Equal(t, a.id, l.Intervals[0].Number)
		require.Equal(t, b.id, l.Intervals[1].Number)
		require.Equal(t, "0221 654321", l.Intervals[1].Display)
		require.True(t, l.Intervals[0].End.Equal(at(10, 15)))
		require.True(t, l.Intervals[1].Start.Equal(at(10, 15)))
	})
	t.Run("at midnight, and back", func(t *testing.T) {
		f, a, b, line := newFeed(), newNum("+492211234510"), newNum("+49221654321"), uuid.NewString()
		f.activated(a, line, at(1, 0), price(3100, 0, 1900))
		f.swapped(a, b, line, at(20, 0))
		f.swapped(b, a, line, at(25, 9))
		l := statement(t, f, 2026, time.March, berlin, billing.Policy{}).Lines[0]
		require.Equal(t, 31, l.Days)
		require.Equal(t, int64(3100), l.NetCents)
		require.Equal(t, []string{"2026-03-01", "2026-03-20", "2026-03-25"}, []string{l.Intervals[0].FirstDay, l.Intervals[1].FirstDay, l.Intervals[2].FirstDay})
		require.Equal(t, []string{"2026-03-19", "2026-03-25", "2026-03-31"}, []string{l.Intervals[0].LastDay, l.Intervals[1].LastDay, l.Intervals[2].LastDay})
	})
	t.Run("a pending deactivation ends with the swap", func(t *testing.T) {
		// numbers.Service.Swap leaves the new number active without a
		// deactivation: the line goes on.
		f, a, b, line := newFeed(), newNum("+492211234510"), newNum("+49221654321"), uuid.NewString()
		f.activated(a, line, at(1, 0), price(3100, 0, 1900))
		f.requested(a, line, at(2, 0), time.Date(2026, 5, 1, 0, 0, 0, 0, berlin))
		f.swapped(a, b, line, at(3, 0))
		require.Equal(t, 31, statement(t, f, 2026, time.May, berlin, billing.Policy{}).Lines[0].Days)
	})
	t.Run("a withdrawn deactivation", func(t *testing.T) {
		f, a, line := newFeed(), newNum("+492211234510"), uuid.NewString()
		f.activated(a, line, at(1, 0), price(3100, 0, 1900))
		f.requested(a, line, at(2, 0), time.Date(2026, 5, 1, 0, 0, 0, 0, berlin))
		f.withdrawn(a, line, at(3, 0))
		require.Equal(t, 31, statement(t, f, 2026, time.May, berlin, billing.Policy{}).Lines[0].Days)
	})
	t.Run("reactivated after a deactivation that was never stored", func(t *testing.T) {
		f, a, first, second := newFeed(), newNum("+492211234510"), uuid.NewString(), uuid.NewString()
		f.activated(a, first, at(1, 0), price(3100, 0, 1900))
		f.requested(a, first, at(2, 0), at(10, 0))
		f.activated(a, second, at(20, 0), price(3100, 0, 1900))
		s := statement(t, f, 2026, time.March, berlin, billing.Policy{})
		require.Equal(t, 9, lineOf(t, s, first).Days)
		require.Equal(t, 12, lineOf(t, s, second).Days)
	})
}

func TestStatementRoundingAndVAT(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	apr := func(d int) time.Time { return time.Date(2026, 4, d, 0, 0, 0, 0, berlin) }
	f := newFeed()
	lines := []string{uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()}
	f.activated(newNum("+492211234510"), lines[0], apr(16), price(31, 0, 1900))  // 31 × 15 / 30 = 15.5 → 16
	f.activated(newNum("+492211234511"), lines[1], apr(1), price(50, 0, 1900))   // VAT 9.5 → 10
	f.activated(newNum("+492211234512"), lines[2], apr(1), price(1000, 0, 700))  // 7 %
	f.activated(newNum("+492211234513"), lines[3], apr(1), price(1000, 0, 0))    // 0 % recorded
	f.activated(newNum("+492211234514"), lines[4], apr(1), price(1000, 499, -1)) // none recorded
	s := statement(t, f, 2026, time.April, berlin, billing.Policy{})
	for i, want := range []struct {
		rate                         int
		recurring, oneTime, vat, net int64
	}{
		{1900, 16, 0, 3, 16}, {1900, 50, 0, 10, 50}, {700, 1000, 0, 70, 1000}, {0, 1000, 0, 0, 1000}, {1900, 1000, 499, 285, 1499},
	} {
		l := lineOf(t, s, lines[i])
		require.Equal(t, want.rate, l.VATRate, "line %d", i)
		require.Equal(t, want.recurring, l.RecurringNetCents, "line %d", i)
		require.Equal(t, want.oneTime, l.OneTimeNetCents, "line %d", i)
		require.Equal(t, want.net, l.NetCents, "line %d", i)
		require.Equal(t, want.vat, l.VATCents, "line %d", i)
		require.Equal(t, l.NetCents+l.VATCents, l.GrossCents)
	}
	require.Equal(t, billing.Totals{NetCents: 3565, VATCents: 368, GrossCents: 3933}, s.Totals)
	require.Equal(t, []billing.RateTotals{
		{VATRate: 0, Totals: billing.Totals{NetCents: 1000, GrossCents: 1000}},
		{VATRate: 700, Totals: billing.Totals{NetCents: 1000, VATCents: 70, GrossCents: 1070}},
		{VATRate: 1900, Totals: billing.Totals{NetCents: 1565, VATCents: 298, GrossCents: 1863}},
	}, s.Rates)

	// The policy's rate applies where the activation recorded none; the
	// one-time fee only in the month of the activation.
	l := lineOf(t, statement(t, f, 2026, time.May, berlin, billing.Policy{VATRate: 700}), lines[4])
	require.Equal(t, 700, l.VATRate)
	require.Equal(t, int64(0), l.OneTimeNetCents)
	require.Equal(t, int64(1000), l.NetCents)
}

// A deactivation without a request before it (as a vendor's import might
// write it) ends the line at Billing.End; a negative monthly fee (a
// credit) rounds half away from zero; a price without currency is in euros.
func TestStatementOddButValid(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	f, n, line, credit := newFeed(), newNum("+492211234510"), uuid.NewString(), uuid.NewString()
	f.activated(n, line, time.Date(2026, 4, 1, 0, 0, 0, 0, berlin), price(300, 0, 1900))
	f.deactivated(n, line, time.Date(2026, 4, 11, 0, 0, 0, 0, berlin))
	p := price(-31, 0, 1900)
	p.Monthly[0].Net.Currency = ""
	f.activated(newNum("+492211234511"), credit, time.Date(2026, 4, 16, 0, 0, 0, 0, berlin), p)
	s := statement(t, f, 2026, time.April, berlin, billing.Policy{})
	require.Equal(t, "EUR", s.Currency)
	l := lineOf(t, s, line)
	require.Equal(t, 10, l.Days)
	require.Equal(t, int64(100), l.NetCents)
	l = lineOf(t, s, credit)
	require.Equal(t, int64(-16), l.NetCents) // -31 × 15 / 30 = -15.5
	require.Equal(t, int64(-3), l.VATCents)  // -3.04
	require.Equal(t, int64(-19), l.GrossCents)
}

func TestStatementFullMonth(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	f, n, line := newFeed(), newNum("+492211234510"), uuid.NewString()
	f.activated(n, line, time.Date(2026, 1, 31, 23, 0, 0, 0, berlin), price(290, 100, 1900))
	f.requested(n, line, time.Date(2026, 2, 2, 9, 0, 0, 0, berlin), time.Date(2026, 3, 1, 0, 0, 0, 0, berlin))
	p := billing.Policy{Proration: billing.FullMonth}
	jan := statement(t, f, 2026, time.January, berlin, p)
	require.Equal(t, billing.FullMonth, jan.Proration)
	l := lineOf(t, jan, line)
	require.Equal(t, 1, l.Days)
	require.Equal(t, int64(290), l.RecurringNetCents)
	require.Equal(t, int64(390), l.NetCents)
	require.Equal(t, int64(290), lineOf(t, statement(t, f, 2026, time.February, berlin, p), line).NetCents)
	require.Empty(t, statement(t, f, 2026, time.March, berlin, p).Lines)
}

// Events of other tenants and of other types are ignored, an event given
// twice counts once, and the order does not matter.
func TestStatementIgnores(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	f, a, b, line := newFeed(), newNum("+492211234510"), newNum("+49221654321"), uuid.NewString()
	f.activated(a, line, time.Date(2026, 3, 10, 9, 0, 0, 0, berlin), price(3100, 0, 1900))
	f.swapped(a, b, line, time.Date(2026, 3, 20, 9, 0, 0, 0, berlin))
	want := statement(t, f, 2026, time.March, berlin, billing.Policy{})

	other := newFeed()
	other.activated(newNum("+492211234510"), uuid.NewString(), time.Date(2026, 3, 1, 9, 0, 0, 0, berlin), price(5, 0, 1900))
	junk := []byte(`not json`)
	events := []numberdesk.Event{f.events[2], f.events[1], f.events[0], f.events[2], other.events[0],
		{ID: numberdesk.NewEventID(), Tenant: f.tenant, Type: numbers.EventAssigned, Number: a.id, Data: junk},
		{ID: numberdesk.NewEventID(), Tenant: f.tenant, Type: "x.unknown", Data: junk},
	}
	s, err := billing.Statement(events, f.tenant, 2026, time.March, berlin, billing.Policy{})
	require.NoError(t, err)
	require.Equal(t, want, s)
	require.Equal(t, 22, s.Lines[0].Days)
}

func TestStatementJSON(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	f, a, b, line := newFeed(), newNum("+492211234510"), newNum("+49221654321"), uuid.NewString()
	f.activated(a, line, time.Date(2026, 3, 17, 10, 30, 0, 0, berlin), price(690, 0, 1900))
	f.swapped(a, b, line, time.Date(2026, 4, 3, 14, 0, 0, 0, berlin))
	s := statement(t, f, 2026, time.April, berlin, billing.Policy{})
	data, err := json.Marshal(s)
	require.NoError(t, err)
	var back billing.MonthlyStatement
	require.NoError(t, json.Unmarshal(data, &back))
	require.Equal(t, s.Lines[0].Intervals[1].Start.Unix(), back.Lines[0].Intervals[1].Start.Unix())
	back.From, back.To = s.From, s.To
	for i := range back.Lines[0].Intervals {
		back.Lines[0].Intervals[i].Start, back.Lines[0].Intervals[i].End = s.Lines[0].Intervals[i].Start, s.Lines[0].Intervals[i].End
	}
	require.Equal(t, s, &back)

	var raw map[string]any
	require.NoError(t, json.Unmarshal(data, &raw))
	require.Equal(t, "2026-04-01T00:00:00+02:00", raw["from"])
	require.Equal(t, "per_day", raw["proration"])
	require.Equal(t, map[string]any{"net_cents": 690.0, "vat_cents": 131.0, "gross_cents": 821.0}, raw["totals"])
	l := raw["lines"].([]any)[0].(map[string]any)
	require.Equal(t, 30.0, l["days"])
	require.Equal(t, "2026-04-03", l["intervals"].([]any)[1].(map[string]any)["first_day"])
	require.Equal(t, "+49221654321", l["intervals"].([]any)[1].(map[string]any)["e164"])

	empty, err := json.Marshal(statement(t, newFeed(), 2026, time.April, berlin, billing.Policy{}))
	require.NoError(t, err)
	require.Contains(t, string(empty), `"lines":[]`)
	require.Contains(t, string(empty), `"currency":"EUR"`)
}

func TestStatementInvalid(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	tenant := numberdesk.NewTenantID()
	for _, tc := range []struct {
		name   string
		tenant numberdesk.TenantID
		year   int
		month  time.Month
		loc    *time.Location
		policy billing.Policy
		field  string
	}{
		{"tenant", "", 2026, 3, berlin, billing.Policy{}, "tenant"},
		{"tenant not a UUID", "muster", 2026, 3, berlin, billing.Policy{}, "tenant"},
		{"year", tenant, 0, 3, berlin, billing.Policy{}, "year"},
		{"year 9999", tenant, 9999, 3, berlin, billing.Policy{}, "year"},
		{"month", tenant, 2026, 13, berlin, billing.Policy{}, "month"},
		{"month 0", tenant, 2026, 0, berlin, billing.Policy{}, "month"},
		{"loc", tenant, 2026, 3, nil, billing.Policy{}, "loc"},
		{"proration", tenant, 2026, 3, berlin, billing.Policy{Proration: "weekly"}, "policy.proration"},
		{"vat rate", tenant, 2026, 3, berlin, billing.Policy{VATRate: -1}, "policy.vat_rate"},
		{"vat rate above 100 %", tenant, 2026, 3, berlin, billing.Policy{VATRate: 10001}, "policy.vat_rate"},
	} {
		_, err := billing.Statement(nil, tc.tenant, tc.year, tc.month, tc.loc, tc.policy)
		requireInvalid(t, err, tc.field, tc.name)
	}
}

func requireInvalid(t *testing.T, err error, field, name string) {
	t.Helper()
	require.Error(t, err, name)
	require.True(t, errors.Is(err, numberdesk.ErrInvalid), "%s: %v", name, err)
	var e *numberdesk.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "billing.Statement", e.Op, name)
	require.Equal(t, field, e.Field, "%s: %v", name, err)
	require.NotEmpty(t, e.Message)
}

// TestStatementMalformedEvents: an event billing cannot read is CodeInvalid
// with Field naming it by its index in the caller's slice.
func TestStatementMalformedEvents(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, berlin)
	a, b := newNum("+492211234510"), newNum("+49221654321")
	data := func(f *feed, i int) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(f.events[i].Data, &m))
		return m
	}
	set := func(f *feed, i int, m map[string]any) {
		d, err := json.Marshal(m)
		require.NoError(t, err)
		f.events[i].Data = d
	}
	for _, tc := range []struct {
		name  string
		build func(f *feed, line string)
		field string
	}{
		{"data not JSON", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.events[0].Data = []byte(`{"billing":`)
		}, "events[0].data"},
		{"no data", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.events[0].Data = nil
		}, "events[0].data"},
		{"billing of the wrong type", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			m := data(f, 0)
			m["billing"] = "monthly"
			set(f, 0, m)
		}, "events[0].data"},
		{"no number", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.events[0].Number = ""
		}, "events[0].number"},
		{"no billing", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			m := data(f, 0)
			delete(m, "billing")
			set(f, 0, m)
		}, "events[0].data.billing"},
		{"no line", func(f *feed, line string) { f.activated(a, "", at, price(290, 0, 1900)) }, "events[0].data.billing.line"},
		{"no start", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			m := data(f, 0)
			delete(m["billing"].(map[string]any), "start")
			set(f, 0, m)
		}, "events[0].data.billing.start"},
		{"no price", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			m := data(f, 0)
			delete(m, "price")
			set(f, 0, m)
		}, "events[0].data.price"},
		{"a VAT rate above 100 %", func(f *feed, line string) { f.activated(a, line, at, price(290, 0, 10001)) }, "events[0].data.price.vat_rate"},
		{"an amount beyond MaxCents", func(f *feed, line string) {
			f.activated(a, line, at, price(billing.MaxCents+1, 0, 1900))
		}, "events[0].data.price.monthly[0].net.cents"},
		{"a sum beyond MaxCents", func(f *feed, line string) {
			p := price(billing.MaxCents, 0, 1900)
			p.Monthly = append(p.Monthly, p.Monthly[0])
			f.activated(a, line, at, p)
		}, "events[0].data.price.monthly"},
		{"a one-time amount beyond MaxCents", func(f *feed, line string) {
			f.activated(a, line, at, price(290, -billing.MaxCents-1, 1900))
		}, "events[0].data.price.one_time[0].net.cents"},
		{"a currency that is no ISO code", func(f *feed, line string) {
			p := price(290, 0, 1900)
			p.Monthly[0].Net.Currency = "eur"
			f.activated(a, line, at, p)
		}, "events[0].data.price.monthly[0].net.currency"},
		{"two currencies in a price", func(f *feed, line string) {
			p := price(290, 100, 1900)
			p.OneTime[0].Net.Currency = "CHF"
			f.activated(a, line, at, p)
		}, "events[0].data.price.one_time[0].net.currency"},
		{"two currencies in a month", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			p := price(290, 0, 1900)
			p.Monthly[0].Net.Currency = "CHF"
			f.activated(b, uuid.NewString(), at.Add(time.Hour), p)
		}, "events[1].data.price"},
		{"a line activated twice", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.activated(b, line, at.Add(time.Hour), price(290, 0, 1900))
		}, "events[1].data.billing.line"},
		{"a number on two lines", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.activated(a, uuid.NewString(), at.Add(time.Hour), price(290, 0, 1900))
		}, "events[1].number"},
		{"a deactivation without activation", func(f *feed, line string) { f.deactivated(a, line, at) }, "events[0].data.billing.line"},
		{"a request without activation", func(f *feed, line string) { f.requested(a, line, at, at.AddDate(0, 1, 0)) }, "events[0].number"},
		{"a withdrawal without activation", func(f *feed, line string) { f.withdrawn(a, line, at) }, "events[0].number"},
		{"a request without effective instant", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.requested(a, line, at, time.Time{})
		}, "events[1].data.after.deactivation_at"},
		{"a request effective before the activation", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.requested(a, line, at.Add(time.Hour), at.Add(-time.Hour))
		}, "events[1].data.after.deactivation_at"},
		{"a deactivation without end", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.deactivated(a, line, time.Time{})
			f.events[1].At = at.Add(time.Hour)
		}, "events[1].data.billing.end"},
		{"a deactivation before the activation", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.deactivated(a, line, at.Add(-time.Hour))
			f.events[1].At = at.Add(time.Hour)
		}, "events[1].data.billing.end"},
		{"a deactivation of another number", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.deactivated(b, line, at.Add(time.Hour))
		}, "events[1].data.billing.line"},
		{"a swap without its new number", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.swapped(a, b, line, at.Add(time.Hour))
			f.events = f.events[:2]
		}, "events[1]"},
		{"a swap without its old number", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.swapped(a, b, line, at.Add(time.Hour))
			f.events = append(f.events[:1], f.events[2])
		}, "events[1].data.billing.line"},
		{"a swap with a gap", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.swapped(a, b, line, at.Add(time.Hour))
			m := data(f, 2)
			m["billing"].(map[string]any)["start"] = at.Add(2 * time.Hour)
			set(f, 2, m)
		}, "events[2].data.billing.start"},
		{"a swap of an unknown line", func(f *feed, line string) {
			f.swapped(a, b, line, at)
			f.events = f.events[1:]
		}, "events[0].data.billing.line"},
		{"a swap onto a billed number", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.activated(b, uuid.NewString(), at, price(290, 0, 1900))
			f.swapped(a, b, line, at.Add(time.Hour))
		}, "events[3].number"},
		{"a currency of four letters", func(f *feed, line string) {
			p := price(290, 0, 1900)
			p.Monthly[0].Net.Currency = "EURO"
			f.activated(a, line, at, p)
		}, "events[0].data.price.monthly[0].net.currency"},
		{"a swap after the deactivation took effect", func(f *feed, line string) {
			f.activated(a, line, at, price(290, 0, 1900))
			f.requested(a, line, at, at.Add(time.Hour))
			f.swapped(a, b, line, at.Add(2*time.Hour))
		}, "events[2].data.billing.line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFeed()
			tc.build(f, uuid.NewString())
			_, err := billing.Statement(f.events, f.tenant, 2026, time.March, berlin, billing.Policy{})
			requireInvalid(t, err, tc.field, tc.name)
		})
	}
}

package numbers_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk/numbers"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	return loc
}

// The default notice ends a number at 24:00 on the last day of the month
// after the request month, in the tenant's zone: across month ends, leap
// years, the year end and DST days.
func TestEndOfFollowingMonth(t *testing.T) {
	loc := berlin(t)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	asuncion, err := time.LoadLocation("America/Asuncion")
	require.NoError(t, err)
	tests := []struct {
		name      string
		requested time.Time
		loc       *time.Location
		date      string // notice date, the last day
		effective time.Time
	}{
		{"MonthEnd", time.Date(2026, 1, 31, 12, 0, 0, 0, loc), loc, "28.02.2026", time.Date(2026, 3, 1, 0, 0, 0, 0, loc)},
		{"MidMonthIntoNextYear", time.Date(2026, 12, 15, 9, 0, 0, 0, loc), loc, "31.01.2027", time.Date(2027, 2, 1, 0, 0, 0, 0, loc)},
		{"LeapYear", time.Date(2024, 1, 31, 23, 59, 0, 0, loc), loc, "29.02.2024", time.Date(2024, 3, 1, 0, 0, 0, 0, loc)},
		{"NonLeapCentury", time.Date(2100, 1, 1, 0, 0, 0, 0, loc), loc, "28.02.2100", time.Date(2100, 3, 1, 0, 0, 0, 0, loc)},
		{"FirstInstantOfMonth", time.Date(2026, 3, 1, 0, 0, 0, 0, loc), loc, "30.04.2026", time.Date(2026, 5, 1, 0, 0, 0, 0, loc)},
		{"LastInstantOfMonth", time.Date(2026, 3, 31, 23, 59, 59, 999999999, loc), loc, "30.04.2026", time.Date(2026, 5, 1, 0, 0, 0, 0, loc)},
		{"NovemberToDecember", time.Date(2026, 11, 30, 18, 0, 0, 0, loc), loc, "31.12.2026", time.Date(2027, 1, 1, 0, 0, 0, 0, loc)},
		// Spring forward in Berlin: 2026-03-29 02:00 → 03:00.
		{"SpringForwardDay", time.Date(2026, 3, 29, 3, 30, 0, 0, loc), loc, "30.04.2026", time.Date(2026, 5, 1, 0, 0, 0, 0, loc)},
		// Fall back in Berlin: 2026-10-25 03:00 → 02:00; the request is in the repeated hour.
		{"FallBackDayRepeatedHour", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), loc, "30.11.2026", time.Date(2026, 12, 1, 0, 0, 0, 0, loc)},
		// A period ending on a DST month: October has 25 hours on its last Sunday.
		{"EffectiveAfterDSTMonth", time.Date(2026, 9, 10, 0, 0, 0, 0, loc), loc, "31.10.2026", time.Date(2026, 11, 1, 0, 0, 0, 0, loc)},
		// The month is decided in tenant time, not UTC: 23:30 UTC on Jan 31 is Feb 1 in Berlin.
		{"TenantZoneDecidesMonth", time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC), loc, "31.03.2026", time.Date(2026, 4, 1, 0, 0, 0, 0, loc)},
		{"OtherZone", time.Date(2026, 2, 1, 2, 0, 0, 0, time.UTC), ny, "28.02.2026", time.Date(2026, 3, 1, 0, 0, 0, 0, ny)},
		// Asunción skipped the midnight of 2023-10-01 (00:00 -04 became
		// 01:00 -03): the day, and so the effective instant, starts at
		// 04:00 UTC, not an hour earlier on September 30.
		{"SkippedMidnight", time.Date(2023, 8, 15, 12, 0, 0, 0, time.UTC), asuncion, "30.09.2023", time.Date(2023, 10, 1, 4, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := numbers.EndOfFollowingMonth.EffectiveAt(tt.requested, tt.loc)
			require.True(t, got.Equal(tt.effective), "effective %v, want %v", got, tt.effective)
			require.Equal(t, tt.date, numbers.FormatDate(numbers.NoticeDate(got, tt.loc)))
		})
	}
}

// DayStart is the first instant of a day: 00:00, or the DST change that
// skips that midnight; never an instant of the day before.
func TestDayStart(t *testing.T) {
	for _, zone := range []string{"Europe/Berlin", "America/Asuncion", "America/Santiago", "America/Havana", "Asia/Beirut", "Australia/Lord_Howe", "UTC"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		for day := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2026; day = day.AddDate(0, 0, 1) {
			y, m, d := day.Date()
			start := numbers.DayStart(y, m, d, loc)
			sy, sm, sd := start.In(loc).Date()
			require.Equal(t, [3]int{y, int(m), d}, [3]int{sy, int(sm), sd}, "%s %s: %v lies on another day", zone, day.Format(time.DateOnly), start)
			before := start.Add(-time.Nanosecond).In(loc)
			require.NotEqual(t, d, before.Day(), "%s %s: %v is not the day's first instant", zone, day.Format(time.DateOnly), start)
			require.Equal(t, before.Format("02.01.2006"), numbers.FormatDate(numbers.NoticeDate(start, loc)), "%s %s: the notice date of a day start is the day before", zone, day.Format(time.DateOnly))
		}
	}
}

func TestNoticeDateOfNonMidnight(t *testing.T) {
	loc := berlin(t)
	// A custom policy may end at another hour; the notice date is that day.
	at := time.Date(2026, 6, 30, 18, 0, 0, 0, loc)
	require.Equal(t, "30.06.2026", numbers.FormatDate(numbers.NoticeDate(at, loc)))
}

func TestMoney(t *testing.T) {
	require.Equal(t, "2,90 €", numbers.EUR(290).String())
	require.Equal(t, "1.234.567,05 €", numbers.EUR(123456705).String())
	require.Equal(t, "-0,05 €", numbers.EUR(-5).String())
	require.Equal(t, "0,00 €", numbers.EUR(0).String())
	require.Equal(t, "3,50 CHF", numbers.Money{Cents: 350, Currency: "CHF"}.String())
	// 19 % of 2,90 € is 0,551 → 0,55 €; of 2,95 € is 0,5605 → 0,56 €; half rounds up.
	require.Equal(t, int64(55), numbers.EUR(290).VAT(1900).Cents)
	require.Equal(t, int64(56), numbers.EUR(295).VAT(1900).Cents)
	require.Equal(t, int64(1), numbers.EUR(50).VAT(100).Cents) // 0,5 ct → 1 ct
	require.Equal(t, int64(-1), numbers.EUR(-50).VAT(100).Cents)
	require.Equal(t, "19 %", numbers.FormatRate(1900))
	require.Equal(t, "7,7 %", numbers.FormatRate(770))
	require.Equal(t, "2,55 %", numbers.FormatRate(255))
}

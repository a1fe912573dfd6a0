package numbers

import "time"

// NoticePolicy decides when a deactivation requested at an instant takes
// effect. Implementations compute in loc, the tenant's time zone.
type NoticePolicy interface {
	EffectiveAt(requested time.Time, loc *time.Location) time.Time
}

// NoticeFunc adapts a function to NoticePolicy.
type NoticeFunc func(requested time.Time, loc *time.Location) time.Time

// EffectiveAt calls f.
func (f NoticeFunc) EffectiveAt(requested time.Time, loc *time.Location) time.Time {
	return f(requested, loc)
}

// EndOfFollowingMonth is the default notice: a deactivation takes effect at
// the end (24:00, tenant time) of the last day of the month after the month
// of the request. Requested on 2026-01-31 → 2026-02-28 24:00; on 2026-12-15 →
// 2027-01-31 24:00. There is no cut-off day.
//
// 24:00 of a day is the first instant of the next day: 00:00, or where a
// DST change skips that midnight (America/Asuncion on 2023-10-01: 00:00
// becomes 01:00), the instant of the change (see DayStart).
var EndOfFollowingMonth NoticePolicy = NoticeFunc(func(requested time.Time, loc *time.Location) time.Time {
	y, m, _ := requested.In(loc).Date()
	return DayStart(y, m+2, 1, loc)
})

// DayStart is the first instant of the day y-m-d in loc (m and d are
// normalised as time.Date does): 00:00, or the DST change that skips that
// midnight. time.Date alone answers such a midnight with an instant of the
// day before (23:00 in the old offset).
func DayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	want := time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // the normalised date
	if ty, tm, td := t.Date(); time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC).Before(want) {
		_, t = t.ZoneBounds() // the change that starts the day
	}
	return t
}

// NoticeDate returns the calendar day on which a deactivation effective at
// the instant effective ends ("Kündigungsdatum"): the day before effective
// if it is the first instant of its day (see DayStart), else effective's
// own day, as the first instant of that day in loc.
func NoticeDate(effective time.Time, loc *time.Location) time.Time {
	y, m, d := effective.In(loc).Date()
	if effective.Equal(DayStart(y, m, d, loc)) {
		d--
	}
	return DayStart(y, m, d, loc)
}

// FormatDate formats a day the German way, "28.02.2026".
func FormatDate(t time.Time) string { return t.Format("02.01.2006") }

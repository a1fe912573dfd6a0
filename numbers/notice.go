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
// 24:00 of a day is the instant 00:00 of the next day; in zones whose DST
// change happens at midnight, time.Date's normalisation applies (the first
// valid instant of that day).
var EndOfFollowingMonth NoticePolicy = NoticeFunc(func(requested time.Time, loc *time.Location) time.Time {
	y, m, _ := requested.In(loc).Date()
	return time.Date(y, m+2, 1, 0, 0, 0, 0, loc)
})

// NoticeDate returns the calendar day on which a deactivation effective at
// the instant effective ends ("Kündigungsdatum"): the day before effective
// if it is a midnight, else effective's own day, as a date at 00:00 in loc.
func NoticeDate(effective time.Time, loc *time.Location) time.Time {
	l := effective.In(loc)
	y, m, d := l.Date()
	if l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
		d--
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// FormatDate formats a day the German way, "28.02.2026".
func FormatDate(t time.Time) string { return t.Format("02.01.2006") }

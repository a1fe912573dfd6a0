package routing

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// MinutesPerDay is the number of minutes of a day on the wall clock, and the
// largest TimeOfDay: "24:00", the end of the day.
const MinutesPerDay = 24 * 60

// TimeOfDay is a local wall-clock time of day in minutes since midnight:
// 0 is "00:00", 1439 is "23:59", and MinutesPerDay (1440) is "24:00", which
// is valid only as the end of a Window. It carries no zone and no date: the
// zone is the tenant's, given at evaluation. In JSON it is the string
// "HH:MM".
type TimeOfDay uint16

// At returns the TimeOfDay hour:minute. It does not check the range; Valid
// does.
func At(hour, minute int) TimeOfDay { return TimeOfDay(hour*60 + minute) }

// Valid reports whether t is at most "24:00".
func (t TimeOfDay) Valid() bool { return t <= MinutesPerDay }

// Hour returns the hour, 0–24.
func (t TimeOfDay) Hour() int { return int(t) / 60 }

// Minute returns the minute within the hour, 0–59.
func (t TimeOfDay) Minute() int { return int(t) % 60 }

// String returns "HH:MM".
func (t TimeOfDay) String() string {
	var b [5]byte
	return string(t.appendTo(b[:0]))
}

func (t TimeOfDay) appendTo(b []byte) []byte {
	h, m := t.Hour(), t.Minute()
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10))
}

// MarshalText returns "HH:MM".
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, errTime("")
	}
	return t.appendTo(nil), nil
}

// UnmarshalText reads "HH:MM" (00:00–24:00; "H:MM" is accepted as well).
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, ok := parseHHMM(string(b))
	if !ok {
		return errTime("")
	}
	*t = v
	return nil
}

// ParseTimeOfDay reads "HH:MM" (00:00–24:00). Errors are *numberdesk.Error
// with Code invalid and Field "time".
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	v, ok := parseHHMM(strings.TrimSpace(s))
	if !ok {
		return 0, errTime("time")
	}
	return v, nil
}

func errTime(field string) error {
	return numberdesk.E(numberdesk.CodeInvalid, "routing.ParseTimeOfDay", field, "Bitte geben Sie die Uhrzeit als HH:MM an.")
}

// parseHHMM reads "HH:MM" or "H:MM", at most "24:00".
func parseHHMM(s string) (TimeOfDay, bool) {
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !digits(hs) || !digits(ms) {
		return 0, false
	}
	h, _ := strconv.Atoi(hs)
	m, _ := strconv.Atoi(ms)
	if h > 24 || m > 59 || h == 24 && m != 0 {
		return 0, false
	}
	return At(h, m), true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Window is a daily time window [Start, End) on the local wall clock,
// half-open: 08:00–18:00 includes 08:00 and 17:59:59 but not 18:00. An End
// before the Start crosses midnight: 22:00–06:00 runs from 22:00 of a day
// to 06:00 of the next, and the part after midnight belongs to the day the
// window started on (a Friday 22:00–06:00 window matches Saturday 03:00, not
// Friday 03:00). 00:00–24:00 is the whole day. Start == End never matches
// and is rejected by Validate. In JSON it is the string "HH:MM-HH:MM".
type Window struct {
	Start TimeOfDay
	End   TimeOfDay
}

// AllDay is the window 00:00–24:00.
var AllDay = Window{0, MinutesPerDay}

// Crosses reports whether w crosses midnight (End before Start).
func (w Window) Crosses() bool { return w.End < w.Start }

// Minutes returns the nominal length of w in minutes (on a day without a
// DST change).
func (w Window) Minutes() int {
	if w.Crosses() {
		return MinutesPerDay - int(w.Start) + int(w.End)
	}
	return int(w.End) - int(w.Start)
}

// String returns "HH:MM-HH:MM".
func (w Window) String() string {
	var b [11]byte
	return string(w.appendTo(b[:0], '-'))
}

func (w Window) appendTo(b []byte, sep byte) []byte {
	b = w.Start.appendTo(b)
	b = append(b, sep)
	return w.End.appendTo(b)
}

// MarshalText returns "HH:MM-HH:MM".
func (w Window) MarshalText() ([]byte, error) {
	if !w.Start.Valid() || !w.End.Valid() {
		return nil, errWindow()
	}
	return w.appendTo(nil, '-'), nil
}

// UnmarshalText reads "HH:MM-HH:MM".
func (w *Window) UnmarshalText(b []byte) error {
	a, z, ok := strings.Cut(string(b), "-")
	if !ok {
		return errWindow()
	}
	s, ok1 := parseHHMM(strings.TrimSpace(a))
	e, ok2 := parseHHMM(strings.TrimSpace(z))
	if !ok1 || !ok2 {
		return errWindow()
	}
	*w = Window{s, e}
	return nil
}

func errWindow() error {
	return numberdesk.E(numberdesk.CodeInvalid, "routing.Window", "", "Bitte geben Sie das Zeitfenster als HH:MM-HH:MM an.")
}

// Weekdays is a set of weekdays, bit i standing for time.Weekday(i)
// (Sunday = 0). In JSON it is a list of lower-case English abbreviations in
// calendar order from Monday: ["mon","tue","wed","thu","fri"].
type Weekdays uint8

// Common weekday sets.
const (
	MonFri  Weekdays = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday
	Weekend Weekdays = 1<<time.Saturday | 1<<time.Sunday
	AllWeek          = MonFri | Weekend
)

// Days returns the set of the given weekdays.
func Days(days ...time.Weekday) Weekdays {
	var w Weekdays
	for _, d := range days {
		w |= 1 << (d % 7)
	}
	return w
}

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool { return w&(1<<(d%7)) != 0 }

// weekdayNames are the JSON names, indexed by time.Weekday.
var weekdayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// germanDays are the German abbreviations ("Mo", "Di", ...), indexed by
// time.Weekday.
var germanDays = [7]string{"So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"}

// MarshalJSON returns the list of day names, Monday first.
func (w Weekdays) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	first := true
	for i := 1; i <= 7; i++ {
		d := time.Weekday(i % 7)
		if w.Has(d) {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, '"')
			b = append(b, weekdayNames[d]...)
			b = append(b, '"')
		}
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads a list of day names ("mon" … "sun", case-insensitive).
func (w *Weekdays) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return errWeekdays()
	}
	var v Weekdays
	for _, n := range names {
		d, ok := lookupWeekday(n)
		if !ok {
			return errWeekdays()
		}
		v |= 1 << d
	}
	*w = v
	return nil
}

func lookupWeekday(s string) (time.Weekday, bool) {
	for i, n := range weekdayNames {
		if strings.EqualFold(s, n) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

func errWeekdays() error {
	return numberdesk.E(numberdesk.CodeInvalid, "routing.Weekdays", "", "Die Wochentage sind ungültig.")
}

// Label returns the German short form of the set: "Mo–Fr", "Mo, Mi, Fr",
// "Sa–So", "täglich", or "" for the empty set. Runs of three or more days
// are written as ranges.
func (w Weekdays) Label() string {
	if w&AllWeek == AllWeek {
		return "täglich"
	}
	var parts []string
	// Monday-first order: index 0 = Monday … 6 = Sunday.
	has := func(i int) bool { return w.Has(time.Weekday((i + 1) % 7)) }
	for i := 0; i < 7; {
		if !has(i) {
			i++
			continue
		}
		j := i
		for j+1 < 7 && has(j+1) {
			j++
		}
		a, z := germanDays[(i+1)%7], germanDays[(j+1)%7]
		switch {
		case j == i:
			parts = append(parts, a)
		case j == i+1:
			parts = append(parts, a, z)
		default:
			parts = append(parts, a+"–"+z)
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// Date is a civil (calendar) date without a zone. A Year of 0 makes it a
// yearly recurring date ("jährlich"), e.g. every 24 December. In JSON it is
// "2006-01-02", or "--01-02" for a recurring date (the ISO 8601 form).
type Date struct {
	Year  int        // 1–9999, or 0 for every year
	Month time.Month // 1–12
	Day   int        // 1–31
}

// D returns the Date year-month-day; year 0 makes it recurring.
func D(year int, month time.Month, day int) Date { return Date{year, month, day} }

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Recurring reports whether d recurs every year (Year == 0).
func (d Date) Recurring() bool { return d.Year == 0 }

// Valid reports whether d is a real date (29 February only in leap years,
// and always for a recurring date).
func (d Date) Valid() bool {
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

// daysIn returns the number of days of month in year; year 0 (recurring)
// counts as a leap year.
func daysIn(year int, month time.Month) int {
	switch month {
	case time.February:
		if year == 0 || isLeap(year) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e, by year,
// month and day; recurring dates (year 0) sort before dated ones.
func (d Date) Compare(e Date) int {
	if c := cmpInt(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmpInt(int(d.Month), int(e.Month)); c != 0 {
		return c
	}
	return cmpInt(d.Day, e.Day)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Weekday returns the day of the week of a dated d (Sunday for a recurring
// one, which has none).
func (d Date) Weekday() time.Weekday {
	if d.Year == 0 {
		return time.Sunday
	}
	return weekdayOfDay(daysFromCivil(d.Year, int(d.Month), d.Day))
}

// AddDays returns d moved by n days (for a dated d).
func (d Date) AddDays(n int) Date {
	y, m, dd := civilFromDays(daysFromCivil(d.Year, int(d.Month), d.Day) + int64(n))
	return Date{y, time.Month(m), dd}
}

// String returns "2006-01-02" or "--01-02".
func (d Date) String() string {
	var b [10]byte
	return string(d.appendTo(b[:0]))
}

func (d Date) appendTo(b []byte) []byte {
	if d.Year == 0 {
		b = append(b, '-', '-')
	} else {
		y := d.Year
		b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	}
	m := int(d.Month)
	return append(b, byte('0'+m/10%10), byte('0'+m%10), '-', byte('0'+d.Day/10%10), byte('0'+d.Day%10))
}

// Label returns the German form "24.12.2026", or "24.12." for a recurring
// date.
func (d Date) Label() string {
	s := twoDigits(d.Day) + "." + twoDigits(int(d.Month)) + "."
	if d.Year != 0 {
		s += strconv.Itoa(d.Year)
	}
	return s
}

func twoDigits(n int) string {
	return string([]byte{byte('0' + n/10%10), byte('0' + n%10)})
}

// MarshalText returns "2006-01-02" or "--01-02".
func (d Date) MarshalText() ([]byte, error) {
	if !d.Valid() {
		return nil, errDate("")
	}
	return d.appendTo(nil), nil
}

// UnmarshalText reads "2006-01-02" or "--01-02" and checks the date.
func (d *Date) UnmarshalText(b []byte) error {
	v, ok := parseDate(string(b))
	if !ok {
		return errDate("")
	}
	*d = v
	return nil
}

// ParseDate reads "2006-01-02", "--01-02" (every year), or the German forms
// "02.01.2006" and "02.01." (every year). Errors are *numberdesk.Error with
// Code invalid and Field "date".
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if v, ok := parseDate(s); ok {
		return v, nil
	}
	if parts := strings.Split(s, "."); len(parts) == 3 && len(parts[0]) >= 1 && len(parts[0]) <= 2 && len(parts[1]) >= 1 && len(parts[1]) <= 2 &&
		digits(parts[0]) && digits(parts[1]) && (parts[2] == "" || len(parts[2]) == 4 && digits(parts[2])) {
		d, _ := strconv.Atoi(parts[0])
		m, _ := strconv.Atoi(parts[1])
		y := 0
		if parts[2] != "" {
			y, _ = strconv.Atoi(parts[2])
			if y == 0 {
				return Date{}, errDate("date")
			}
		}
		v := Date{y, time.Month(m), d}
		if v.Valid() {
			return v, nil
		}
	}
	return Date{}, errDate("date")
}

func parseDate(s string) (Date, bool) {
	var y int
	switch {
	case len(s) == 7 && s[:2] == "--":
		s = s[2:]
	case len(s) == 10 && s[4] == '-' && digits(s[:4]):
		y, _ = strconv.Atoi(s[:4])
		if y == 0 {
			return Date{}, false
		}
		s = s[5:]
	default:
		return Date{}, false
	}
	if len(s) != 5 || s[2] != '-' || !digits(s[:2]) || !digits(s[3:]) {
		return Date{}, false
	}
	m, _ := strconv.Atoi(s[:2])
	d, _ := strconv.Atoi(s[3:])
	v := Date{y, time.Month(m), d}
	return v, v.Valid()
}

func errDate(field string) error {
	return numberdesk.E(numberdesk.CodeInvalid, "routing.ParseDate", field, "Das Datum ist ungültig.")
}

// DateTime is a local wall-clock date and time of day without a zone, e.g.
// the start of a vacation period. In JSON it is "2006-01-02T15:04".
type DateTime struct {
	Date Date
	Time TimeOfDay
}

// IsZero reports whether dt is the zero value.
func (dt DateTime) IsZero() bool { return dt == DateTime{} }

// Valid reports whether dt is a dated (not recurring) valid date and a time
// of day before 24:00.
func (dt DateTime) Valid() bool {
	return dt.Date.Year != 0 && dt.Date.Valid() && dt.Time < MinutesPerDay
}

// Compare orders date-times on the wall clock.
func (dt DateTime) Compare(o DateTime) int {
	if c := dt.Date.Compare(o.Date); c != 0 {
		return c
	}
	return cmpInt(int(dt.Time), int(o.Time))
}

// String returns "2006-01-02T15:04".
func (dt DateTime) String() string {
	var b [16]byte
	x := dt.Date.appendTo(b[:0])
	x = append(x, 'T')
	return string(dt.Time.appendTo(x))
}

// Label returns the German form "24.12.2026 14:00".
func (dt DateTime) Label() string { return dt.Date.Label() + " " + dt.Time.String() }

// MarshalText returns "2006-01-02T15:04".
func (dt DateTime) MarshalText() ([]byte, error) {
	if !dt.Valid() && !dt.IsZero() {
		return nil, errDateTime()
	}
	if dt.IsZero() {
		return []byte{}, nil
	}
	return []byte(dt.String()), nil
}

// UnmarshalText reads "2006-01-02T15:04" (or "2006-01-02 15:04"); the
// empty string is the zero DateTime.
func (dt *DateTime) UnmarshalText(b []byte) error {
	s := string(b)
	if s == "" {
		*dt = DateTime{}
		return nil
	}
	if len(s) != 16 || (s[10] != 'T' && s[10] != ' ') {
		return errDateTime()
	}
	d, ok := parseDate(s[:10])
	t, ok2 := parseHHMM(s[11:])
	if !ok || !ok2 || d.Year == 0 || t >= MinutesPerDay {
		return errDateTime()
	}
	*dt = DateTime{d, t}
	return nil
}

func errDateTime() error {
	return numberdesk.E(numberdesk.CodeInvalid, "routing.DateTime", "", "Bitte geben Sie Datum und Uhrzeit als JJJJ-MM-TTTHH:MM an.")
}

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

// weekdayOfDay returns the weekday of the day number z (1970-01-01 was a
// Thursday).
func weekdayOfDay(z int64) time.Weekday {
	w := (z + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

package routing

import (
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

const opTimeSpec = "routing.ParseAsteriskTimeSpec"

// asteriskMonths are the month names of Asterisk time specs, January first.
var asteriskMonths = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func errSpec(msg string, args ...any) error {
	return numberdesk.E(numberdesk.CodeInvalid, opTimeSpec, "spec", msg, args...)
}

// ParseAsteriskTimeSpec reads an Asterisk/FreePBX time spec, as used by
// GotoIfTime and FreePBX time groups, into a Condition, so vendors can
// migrate existing time groups:
//
//	times,weekdays,days-of-month,months     08:00-18:00,mon-fri,*,*
//	times|weekdays|days-of-month|months     08:00-18:00|mon-fri|*|*
//
// It follows Asterisk's own parser (main/pbx_timing.c):
//
//   - A field is "*" (or empty, or missing at the end) for "any", a single
//     value, or a range "from-to"; ranges wrap around ("fri-mon",
//     "22:00-06:00", "nov-feb", "30-2"). Several values or ranges in one
//     field are joined with '&' ("mon&wed&fri"), Asterisk's list separator;
//     a comma always separates fields.
//   - Weekdays are sun…sat and months jan…dec (case-insensitive), or their
//     numbers (weekday 1 = Sunday, month 1 = January).
//   - A time range includes its end minute: "08:00-18:00" matches until
//     18:00:59, so it becomes the half-open window 08:00–18:01. A single
//     time "08:00" is the one minute 08:00–08:01.
//   - All four fields are checked against the same local date and time, so
//     "22:00-06:00,mon" matches Monday 00:00–06:00 and Monday 22:00–24:00
//     (not Tuesday morning); the result has two windows that do not cross
//     midnight.
//
// Any days of month or months other than "*" give a CondDates condition
// with recurring dates (every 24 December for "*,*,24,dec"); combined with
// a weekday restriction that is not representable and fails. A fifth field
// (a time zone) is refused: the zone is the tenant's. Asterisk skips
// malformed values with a warning; here they fail. Errors are
// *numberdesk.Error with Code invalid and Field "spec".
func ParseAsteriskTimeSpec(spec string) (Condition, error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		return Condition{}, errSpec("Die Zeitangabe ist leer.")
	}
	if len(s) > 200 {
		return Condition{}, errSpec("Die Zeitangabe ist zu lang.")
	}
	fields := splitAny(s)
	if len(fields) > 4 {
		return Condition{}, errSpec("Die Zeitangabe hat mehr als vier Felder; die Zeitzone wird beim Kunden eingestellt, nicht in der Zeitangabe.")
	}
	for len(fields) < 4 {
		fields = append(fields, "*")
	}
	minutes, err := parseTimes(strings.TrimSpace(fields[0]))
	if err != nil {
		return Condition{}, err
	}
	dow, err := parseRange(strings.TrimSpace(fields[1]), 7, weekdayNames[:], "Wochentag")
	if err != nil {
		return Condition{}, err
	}
	mdays, err := parseRange(strings.TrimSpace(fields[2]), 31, nil, "Tag")
	if err != nil {
		return Condition{}, err
	}
	months, err := parseRange(strings.TrimSpace(fields[3]), 12, asteriskMonths[:], "Monat")
	if err != nil {
		return Condition{}, err
	}
	windows := maskWindows(&minutes)
	const allDow, allMdays, allMonths = 1<<7 - 1, 1<<31 - 1, 1<<12 - 1
	if mdays == allMdays && months == allMonths {
		if dow == allDow && windows == nil {
			return Always(), nil
		}
		return Weekly(Weekdays(dow), windows...), nil
	}
	if dow != allDow {
		return Condition{}, errSpec("Wochentage zusammen mit Tagen oder Monaten lassen sich nicht als Regel darstellen; bitte in zwei Regeln aufteilen.")
	}
	var dates []Date
	for m := 1; m <= 12; m++ {
		if months&(1<<(m-1)) == 0 {
			continue
		}
		for d := 1; d <= daysIn(0, time.Month(m)); d++ {
			if mdays&(1<<(d-1)) != 0 {
				dates = append(dates, Date{0, time.Month(m), d})
			}
		}
	}
	if len(dates) == 0 {
		return Condition{}, errSpec("Die Zeitangabe trifft nie zu: Diese Tage gibt es in diesen Monaten nicht.")
	}
	return OnDates(dates, windows...), nil
}

// splitAny splits s at every ',' and '|', keeping empty fields as "*".
func splitAny(s string) []string {
	var out []string
	for {
		i := strings.IndexAny(s, ",|")
		f := s
		if i >= 0 {
			f = s[:i]
		}
		if strings.TrimSpace(f) == "" {
			f = "*"
		}
		out = append(out, f)
		if i < 0 {
			return out
		}
		s = s[i+1:]
	}
}

// minuteMask has a bit for each minute of the day.
type minuteMask [MinutesPerDay/64 + 1]uint64

func (m *minuteMask) set(i int)      { m[i/64] |= 1 << (i % 64) }
func (m *minuteMask) has(i int) bool { return m[i/64]&(1<<(i%64)) != 0 }

// parseTimes reads the times field into a minute mask.
func parseTimes(f string) (minuteMask, error) {
	var m minuteMask
	if f == "" || f == "*" {
		for i := 0; i < MinutesPerDay; i++ {
			m.set(i)
		}
		return m, nil
	}
	for _, part := range strings.Split(f, "&") {
		a, z, isRange := strings.Cut(part, "-")
		s, ok := parseClock(a)
		if !ok {
			return m, errSpec("Die Uhrzeit „%s“ ist ungültig.", strings.TrimSpace(a))
		}
		e := s
		if isRange {
			if e, ok = parseClock(z); !ok {
				return m, errSpec("Die Uhrzeit „%s“ ist ungültig.", strings.TrimSpace(z))
			}
		}
		// Asterisk: every minute from s to e, wrapping at midnight, e included.
		for x := s; x != e; x = (x + 1) % MinutesPerDay {
			m.set(x)
		}
		m.set(e)
	}
	return m, nil
}

// parseClock reads "H:MM" or "HH:MM" (00:00–23:59).
func parseClock(s string) (int, bool) {
	t, ok := parseHHMM(strings.TrimSpace(s))
	if !ok || t >= MinutesPerDay {
		return 0, false
	}
	return int(t), true
}

// maskWindows turns a minute mask into the sorted windows that do not
// cross midnight; nil for the whole day.
func maskWindows(m *minuteMask) []Window {
	var out []Window
	for i := 0; i < MinutesPerDay; {
		if !m.has(i) {
			i++
			continue
		}
		j := i
		for j < MinutesPerDay && m.has(j) {
			j++
		}
		out = append(out, Window{TimeOfDay(i), TimeOfDay(j)})
		i = j
	}
	if len(out) == 1 && out[0] == AllDay {
		return nil
	}
	return out
}

// parseRange reads a weekday (max 7), day (31) or month (12) field into a
// bit mask, bit i for value i (weekday 0 = Sunday, day 0 = the 1st, month
// 0 = January), like Asterisk's get_range.
func parseRange(f string, max int, names []string, what string) (uint32, error) {
	if f == "" || f == "*" {
		return 1<<max - 1, nil
	}
	var mask uint32
	for _, part := range strings.Split(f, "&") {
		a, z, isRange := strings.Cut(part, "-")
		s, ok := lookupValue(a, max, names)
		if !ok {
			return 0, errSpec("%s „%s“ ist ungültig.", what, strings.TrimSpace(a))
		}
		e := s
		if isRange {
			if e, ok = lookupValue(z, max, names); !ok {
				return 0, errSpec("%s „%s“ ist ungültig.", what, strings.TrimSpace(z))
			}
		}
		mask |= 1 << e
		for x := s; x != e; x = (x + 1) % max {
			mask |= 1 << x
		}
	}
	return mask, nil
}

// lookupValue reads a name (if names is given) or a number 1..max and
// returns its 0-based index.
func lookupValue(s string, max int, names []string) (int, bool) {
	s = strings.TrimSpace(s)
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return i, true
		}
	}
	if len(s) < 1 || len(s) > 2 || !digits(s) {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	if n < 1 || n > max {
		return 0, false
	}
	return n - 1, true
}

// FormatAsteriskTimeSpec writes c as an Asterisk time spec in the comma
// form, the inverse of ParseAsteriskTimeSpec: ParseAsteriskTimeSpec(
// FormatAsteriskTimeSpec(c)) == c for every c that ParseAsteriskTimeSpec
// returns. Conditions Asterisk cannot express fail with a
// *numberdesk.Error (Code invalid, Field "spec"): periods, holidays, dates
// with a year, date sets that are not all days × all months of a range, and
// windows crossing midnight other than on every day.
func FormatAsteriskTimeSpec(c Condition) (string, error) {
	switch c.Kind {
	case CondAlways:
		return "*,*,*,*", nil
	case CondWeekdays:
		if c.Weekdays&AllWeek == 0 || c.Weekdays&^AllWeek != 0 {
			return "", errSpec("Die Regel hat keinen Wochentag.")
		}
		times, err := formatTimes(c.Windows, c.Weekdays == AllWeek)
		if err != nil {
			return "", err
		}
		return times + "," + formatRange(uint32(c.Weekdays), 7, weekdayNames[:]) + ",*,*", nil
	case CondDates:
		times, err := formatTimes(c.Windows, false)
		if err != nil {
			return "", err
		}
		var months, days uint32
		set := map[Date]bool{}
		for _, d := range c.Dates {
			if d.Year != 0 || !d.Valid() {
				return "", errSpec("Daten mit Jahreszahl lassen sich nicht als Asterisk-Zeitangabe darstellen.")
			}
			months |= 1 << (d.Month - 1)
			days |= 1 << (d.Day - 1)
			set[d] = true
		}
		if len(set) == 0 {
			return "", errSpec("Die Regel hat kein Datum.")
		}
		for m := 1; m <= 12; m++ {
			for d := 1; d <= 31; d++ {
				if months&(1<<(m-1)) != 0 && days&(1<<(d-1)) != 0 && d <= daysIn(0, time.Month(m)) && !set[Date{0, time.Month(m), d}] {
					return "", errSpec("Diese Daten lassen sich nicht als eine Asterisk-Zeitangabe darstellen.")
				}
			}
		}
		return times + ",*," + formatRange(days, 31, nil) + "," + formatRange(months, 12, asteriskMonths[:]), nil
	}
	return "", errSpec("Die Zeitsteuerung „%s“ lässt sich nicht als Asterisk-Zeitangabe darstellen.", c.Kind.Label())
}

// formatTimes writes windows as the times field; a window crossing
// midnight is allowed only if it applies on every day (everyDay).
func formatTimes(ws []Window, everyDay bool) (string, error) {
	if len(ws) == 0 {
		return "*", nil
	}
	var m minuteMask
	for _, w := range ws {
		if w.Start >= MinutesPerDay || w.End > MinutesPerDay || w.Start == w.End {
			return "", errSpec("Das Zeitfenster %s ist ungültig.", w.String())
		}
		if w.Crosses() && !everyDay {
			return "", errSpec("Ein Zeitfenster über Mitternacht lässt sich nur für alle Tage als Asterisk-Zeitangabe darstellen.")
		}
		for x := int(w.Start); x != int(w.End); x = (x + 1) % MinutesPerDay {
			m.set(x)
			if x == MinutesPerDay-1 && w.End == MinutesPerDay {
				break
			}
		}
	}
	runs := maskWindows(&m)
	if runs == nil {
		return "*", nil
	}
	parts := make([]string, len(runs))
	for i, r := range runs {
		parts[i] = r.Start.String() + "-" + (r.End - 1).String() // Asterisk includes the end minute
	}
	return strings.Join(parts, "&"), nil
}

// formatRange writes a bit mask of max values as Asterisk ranges joined
// with '&' ("*" for all), each maximal run of consecutive values (wrapping
// around) as "from-to".
func formatRange(mask uint32, max int, names []string) string {
	all := uint32(1)<<max - 1
	mask &= all
	if mask == all {
		return "*"
	}
	name := func(i int) string {
		if names != nil {
			return names[i]
		}
		return strconv.Itoa(i + 1)
	}
	has := func(i int) bool { return mask&(1<<((i+max)%max)) != 0 }
	var parts []string
	for i := 0; i < max; i++ {
		if !has(i) || has(i-1) {
			continue // not the start of a run
		}
		j := i
		for has(j+1) && (j+1)%max != i {
			j++
		}
		if j == i {
			parts = append(parts, name(i))
		} else {
			parts = append(parts, name(i)+"-"+name(j%max))
		}
	}
	return strings.Join(parts, "&")
}

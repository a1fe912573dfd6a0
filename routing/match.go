package routing

import (
	"math"
	"time"
)

// wall is the local wall clock of an instant: the local civil date (as a
// day number and as year/month/day with the day of the year) and the
// minute of the day, for the day itself and for the day before (which owns
// the after-midnight part of a window that crosses midnight).
type wall struct {
	day    int64 // days since 1970-01-01
	minute int   // 0–1439
	today  civil
	prev   civil
}

type civil struct {
	y, m, d, doy int
	wd           time.Weekday
}

func civilOf(day int64) civil {
	y, m, d := civilFromDays(day)
	return civil{y, m, d, int(day - daysFromCivil(y, 1, 1)), weekdayOfDay(day)}
}

// wallOf reads the wall clock of t in loc: one zone lookup, no allocation.
func wallOf(t time.Time, loc *time.Location) wall {
	_, off := t.In(loc).Zone()
	secs := t.Unix() + int64(off)
	day := floorDiv(secs, 86400)
	w := wall{day: day, minute: int((secs - day*86400) / 60)}
	w.today = civilOf(day)
	if w.today.d > 1 {
		w.prev = civil{w.today.y, w.today.m, w.today.d - 1, w.today.doy - 1, (w.today.wd + 6) % 7}
	} else {
		w.prev = civilOf(day - 1)
	}
	return w
}

// dayHolds reports whether the day predicate of c (weekday, date or
// holiday; true for other kinds) holds on the civil day cv. si is the state
// index for CondHolidays.
func (c *Condition) dayHolds(cv *civil, si int) bool {
	switch c.Kind {
	case CondWeekdays:
		return c.Weekdays.Has(cv.wd)
	case CondDates:
		for i := range c.Dates {
			d := &c.Dates[i]
			if d.Day == cv.d && int(d.Month) == cv.m && (d.Year == 0 || d.Year == cv.y) {
				return true
			}
		}
		return false
	case CondHolidays:
		return si >= 0 && isHolidayDay(si, cv.y, cv.doy)
	}
	return true
}

// holds reports whether c holds at the instant t whose wall clock is w.
// Unknown kinds never hold.
func (c *Condition) holds(w *wall, t time.Time, loc *time.Location) bool {
	switch c.Kind {
	case CondAlways:
		return true
	case CondPeriod:
		return c.periodHolds(w, t, loc)
	case CondWeekdays, CondDates, CondHolidays:
	default:
		return false
	}
	si := -1
	if c.Kind == CondHolidays {
		if si = stateIndex(c.State); si < 0 {
			return false
		}
	}
	if len(c.Windows) == 0 {
		return c.dayHolds(&w.today, si)
	}
	m := TimeOfDay(w.minute)
	// Evaluate each day predicate at most once.
	todayKnown, prevKnown := false, false
	var today, prev bool
	for _, win := range c.Windows {
		if win.Start == win.End || !win.Start.Valid() || !win.End.Valid() {
			continue
		}
		var onToday, onPrev bool
		if win.Start < win.End {
			onToday = m >= win.Start && m < win.End
		} else { // crosses midnight
			onToday = m >= win.Start
			onPrev = m < win.End
		}
		if onToday {
			if !todayKnown {
				today, todayKnown = c.dayHolds(&w.today, si), true
			}
			if today {
				return true
			}
		}
		if onPrev {
			if !prevKnown {
				prev, prevKnown = c.dayHolds(&w.prev, si), true
			}
			if prev {
				return true
			}
		}
	}
	return false
}

// periodHolds reports whether t lies in the period [From, To). Each bound
// is the first instant at which the wall clock shows it (see firstInstant);
// far from the bounds the wall clock decides without zone arithmetic.
func (c *Condition) periodHolds(w *wall, t time.Time, loc *time.Location) bool {
	if !c.From.Valid() || !c.To.Valid() {
		return false
	}
	return afterBound(c.From, w, t, loc) && !afterBound(c.To, w, t, loc)
}

// afterBound reports whether t is at or after the first instant the wall
// clock shows b.
func afterBound(b DateTime, w *wall, t time.Time, loc *time.Location) bool {
	bd := daysFromCivil(b.Date.Year, int(b.Date.Month), b.Date.Day)
	switch {
	case w.day > bd+1:
		return true
	case w.day < bd-1:
		return false
	}
	return t.Unix() >= firstInstant(loc, bd*86400+int64(b.Time)*60)
}

// zoneSpan is a stretch of time with one UTC offset: [start, end) in Unix
// seconds, unbounded ends as math.MinInt64 / math.MaxInt64.
type zoneSpan struct {
	start, end int64
	off        int64
}

// maxSpans bounds the spans a lookup window holds; real zones have at most
// two or three transitions within two days.
const maxSpans = 8

// spansOver fills buf with the zone spans of loc covering the instants
// [from, to] and returns how many it found.
func spansOver(loc *time.Location, from, to int64, buf *[maxSpans]zoneSpan) int {
	t := time.Unix(from, 0).In(loc)
	n := 0
	for n < maxSpans {
		_, off := t.Zone()
		s, e := t.ZoneBounds()
		sp := zoneSpan{start: math.MinInt64, end: math.MaxInt64, off: int64(off)}
		if !s.IsZero() {
			sp.start = s.Unix()
		}
		if !e.IsZero() {
			sp.end = e.Unix()
		}
		buf[n] = sp
		n++
		if sp.end == math.MaxInt64 || sp.end > to || sp.end <= t.Unix() {
			break
		}
		t = time.Unix(sp.end, 0).In(loc)
	}
	return n
}

// The widest UTC offsets, with a margin: an instant whose wall clock shows
// u lies within [u-maxOffset, u+maxOffset].
const maxOffset = 16 * 3600

// wallInstants appends to out the instants (Unix seconds) at which the wall
// clock, as described by spans, shows u (seconds since 1970-01-01 00:00 on
// the wall clock): one normally, two in a repeated hour, and, if u falls
// into a skipped hour, the first instant after the gap.
func wallInstants(spans []zoneSpan, u int64, out []int64) []int64 {
	for i, sp := range spans {
		c := u - sp.off
		if c >= sp.start && c < sp.end {
			out = append(out, c)
		}
		if i > 0 {
			p := spans[i-1]
			if p.end == sp.start && sp.start+p.off <= u && u < sp.start+sp.off {
				out = append(out, sp.start)
			}
		}
	}
	return out
}

// firstInstant returns the first instant at which the wall clock of loc
// shows u or later: the instant itself, the first of two in a repeated hour,
// the end of the gap in a skipped hour.
func firstInstant(loc *time.Location, u int64) int64 {
	var buf [maxSpans]zoneSpan
	n := spansOver(loc, u-maxOffset, u+maxOffset, &buf)
	var ob [4]int64
	ins := wallInstants(buf[:n], u, ob[:0])
	if len(ins) == 0 { // cannot happen for real zones; fall back to the smallest offset
		return u - buf[0].off
	}
	m := ins[0]
	for _, c := range ins[1:] {
		m = min(m, c)
	}
	return m
}

// appendBoundaries appends to mins the minutes of the local day day at
// which the value of c may change: midnight, the window starts and ends,
// and the period bounds that fall on that day.
func (c *Condition) appendBoundaries(mins []int, day int64) []int {
	mins = append(mins, 0)
	switch c.Kind {
	case CondWeekdays, CondDates, CondHolidays:
		for _, w := range c.Windows {
			if w.Start < MinutesPerDay {
				mins = append(mins, int(w.Start))
			}
			if w.End < MinutesPerDay {
				mins = append(mins, int(w.End))
			}
		}
	case CondPeriod:
		for _, b := range [2]DateTime{c.From, c.To} {
			if b.Valid() && daysFromCivil(b.Date.Year, int(b.Date.Month), b.Date.Day) == day {
				mins = append(mins, int(b.Time))
			}
		}
	}
	return mins
}

// boundaryInstants appends to out the instants in (a, b] at which one of
// conds may change its value: the wall-clock boundaries of the conditions
// mapped to instants (both occurrences in a repeated hour, the end of a
// gap), and the zone transitions. The result is sorted and free of
// duplicates. b-a must be at most a few days.
func boundaryInstants(conds []*Condition, loc *time.Location, a, b int64, out []int64, mins []int) ([]int64, []int) {
	var sb [maxSpans]zoneSpan
	first := len(out)
	n := spansOver(loc, a-maxOffset, b+maxOffset, &sb)
	spans := sb[:n]
	for _, sp := range spans[1:] {
		if sp.start > a && sp.start <= b {
			out = append(out, sp.start)
		}
	}
	d0 := floorDiv(a-maxOffset, 86400)
	d1 := floorDiv(b+maxOffset, 86400)
	for day := d0; day <= d1; day++ {
		mins = mins[:0]
		for _, c := range conds {
			mins = c.appendBoundaries(mins, day)
		}
		sortInts(mins)
		last := -1
		for _, m := range mins {
			if m == last {
				continue
			}
			last = m
			k := len(out)
			out = wallInstants(spans, day*86400+int64(m)*60, out)
			// keep those in (a, b]
			j := k
			for _, x := range out[k:] {
				if x > a && x <= b {
					out[j] = x
					j++
				}
			}
			out = out[:j]
		}
	}
	seg := out[first:]
	sortInt64s(seg)
	j := 0
	for i, x := range seg {
		if i == 0 || x != seg[j-1] {
			seg[j] = x
			j++
		}
	}
	return out[:first+j], mins
}

// sortInts and sortInt64s are insertion sorts: the slices are short, and
// the sort package's generic functions would make the evaluation path
// allocate through interfaces.
func sortInts(s []int) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func sortInt64s(s []int64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Holds reports whether c holds at t in loc (nil means UTC), following the
// semantics in the package documentation. An invalid condition never
// holds.
func (c *Condition) Holds(t time.Time, loc *time.Location) bool {
	if loc == nil {
		loc = time.UTC
	}
	w := wallOf(t, loc)
	return c.holds(&w, t, loc)
}

// NextChange returns the first instant after `after` and not after limit at
// which c changes its value (from holding to not holding or back), in loc
// (nil means UTC). ok is false if it does not change in (after, limit].
// The scan walks the days in between, so keep limit within a year or so.
func NextChange(c Condition, after, limit time.Time, loc *time.Location) (at time.Time, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	s, ok := nextChange(&c, after, limit, loc)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(s, 0).In(loc), true
}

// nextChange is NextChange in Unix seconds, without allocating for
// conditions of up to MaxWindows windows.
func nextChange(c *Condition, after, limit time.Time, loc *time.Location) (int64, bool) {
	after, limit = clampScan(after), clampScan(limit)
	if c.Kind == CondAlways || !limit.After(after) {
		return 0, false
	}
	wa := wallOf(after, loc)
	v0 := c.holds(&wa, after, loc)
	conds := [1]*Condition{c}
	var ob [512]int64
	var mb [2*MaxWindows + 4]int
	mins := mb[:0]
	a, end := after.Unix(), limit.Unix()
	for a < end {
		b := min(a+86400, end)
		var out []int64
		out, mins = boundaryInstants(conds[:], loc, a, b, ob[:0], mins)
		for _, x := range out {
			t := time.Unix(x, 0)
			wx := wallOf(t, loc)
			if c.holds(&wx, t, loc) != v0 {
				return x, true
			}
		}
		a = b
	}
	return 0, false
}

package billing_test

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
)

// This file holds what the tests share: a builder of hand-made events in
// the shapes numbers.Service appends them (feed), a model of a tenant's
// lifecycle that knows the true billing intervals (world), and an oracle
// that computes a month's statement from the model day by day and compares
// it with billing.Statement's (checkMonth).

// num is a phone number of a test tenant.
type num struct {
	id      numberdesk.NumberID
	e164    string
	display string
}

func newNum(e164 string) num {
	return num{id: numberdesk.NewNumberID(), e164: e164, display: numbers.FormatNational(e164)}
}

// feed builds a tenant's events by hand.
type feed struct {
	tenant numberdesk.TenantID
	owner  numberdesk.Actor
	seq    int64
	events []numberdesk.Event
}

func newFeed() *feed {
	t := numberdesk.NewTenantID()
	return &feed{tenant: t, owner: numberdesk.Actor{Tenant: t, Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleOwner}}
}

// add appends an event of the numbers domain about n.
func (f *feed) add(typ numberdesk.EventType, actor numberdesk.Actor, n num, at time.Time, d numbers.EventData) *numberdesk.Event {
	d.E164, d.Display = n.e164, n.display
	ev, err := numberdesk.NewEvent(typ, actor, at, n.id, d)
	if err != nil {
		panic(err)
	}
	f.seq++
	ev.Seq = f.seq
	f.events = append(f.events, ev)
	return &f.events[len(f.events)-1]
}

// price is a price with one monthly fee, optional one-time fee and a VAT
// rate; a negative rate records none (no vat_rate in the event).
func price(monthly, oneTime int64, vat int) numbers.Price {
	p := numbers.Price{Monthly: []numbers.Line{{Code: "number", Label: "Rufnummer", Net: numbers.EUR(monthly)}}, VATRate: vat}
	if oneTime != 0 {
		p.OneTime = []numbers.Line{{Code: "setup", Label: "Einrichtung", Net: numbers.EUR(oneTime)}}
	}
	return p
}

func (f *feed) activated(n num, line string, at time.Time, p numbers.Price) {
	ev := f.add(numbers.EventActivated, f.owner, n, at, numbers.EventData{
		Before:  &numbers.Snapshot{Status: numbers.StatusNew},
		After:   &numbers.Snapshot{Status: numbers.StatusActive, BillingLine: line},
		Billing: &numbers.Billing{Line: line, Start: at}, Price: &p, Consent: numbers.DefaultConsentLabel})
	if p.VATRate < 0 {
		ev.Data = bytes.Replace(ev.Data, fmt.Appendf(nil, `,"vat_rate":%d`, p.VATRate), nil, 1)
	}
}

func (f *feed) requested(n num, line string, at, effective time.Time) {
	f.add(numbers.EventDeactivationRequested, f.owner, n, at, numbers.EventData{
		Before: &numbers.Snapshot{Status: numbers.StatusActive, BillingLine: line},
		After:  &numbers.Snapshot{Status: numbers.StatusDeactivationPending, BillingLine: line, DeactivationAt: effective}})
}

func (f *feed) withdrawn(n num, line string, at time.Time) {
	f.add(numbers.EventDeactivationWithdrawn, f.owner, n, at, numbers.EventData{
		Before: &numbers.Snapshot{Status: numbers.StatusDeactivationPending, BillingLine: line},
		After:  &numbers.Snapshot{Status: numbers.StatusActive, BillingLine: line}})
}

// deactivated is the lapse at the effective instant, by the system.
func (f *feed) deactivated(n num, line string, effective time.Time) {
	f.add(numbers.EventDeactivated, numberdesk.System(f.tenant), n, effective, numbers.EventData{
		Before:  &numbers.Snapshot{Status: numbers.StatusDeactivationPending, BillingLine: line, DeactivationAt: effective},
		After:   &numbers.Snapshot{Status: numbers.StatusInactive},
		Billing: &numbers.Billing{Line: line, End: effective}})
}

func (f *feed) swapped(old, nw num, line string, at time.Time) {
	f.add(numbers.EventSwappedOut, f.owner, old, at, numbers.EventData{
		Before:  &numbers.Snapshot{Status: numbers.StatusActive, BillingLine: line},
		After:   &numbers.Snapshot{Status: numbers.StatusInactive},
		Billing: &numbers.Billing{Line: line, End: at}, Counterpart: nw.id, CounterpartE164: nw.e164})
	f.add(numbers.EventSwappedIn, f.owner, nw, at, numbers.EventData{
		Before:  &numbers.Snapshot{Status: numbers.StatusNew},
		After:   &numbers.Snapshot{Status: numbers.StatusActive, BillingLine: line},
		Billing: &numbers.Billing{Line: line, Start: at}, Counterpart: old.id, CounterpartE164: old.e164})
}

// mnum is a number of the model.
type mnum struct {
	num
	status  numbers.Status // as stored
	due     time.Time      // the effective instant while stored pending
	line    *mline         // the line it is billed on, while stored active or pending
	options []string       // booked options (service lifecycles)
}

// mline is a billing line of the model with its true intervals.
type mline struct {
	id               string
	start            time.Time
	monthly, oneTime int64
	vat              int // basis points; negative: none recorded
	segs             []mseg
}

// mseg is a part of a line on one number: [start, end), zero end: open.
type mseg struct {
	n          *mnum
	start, end time.Time
}

// world is the model of one tenant's lifecycle: the numbers as stored, the
// lines with their true intervals, the clock. With a feed it appends the
// events numbers.Service would (the hand-made lifecycles).
type world struct {
	loc   *time.Location
	now   time.Time
	nums  []*mnum
	lines []*mline
	feed  *feed
}

// statusAt is n's state now: a pending number is inactive from its
// effective instant on.
func (w *world) statusAt(n *mnum) numbers.Status {
	if n.status == numbers.StatusDeactivationPending && !w.now.Before(n.due) {
		return numbers.StatusInactive
	}
	return n.status
}

// lapse stores n's deactivation if it has taken effect (as ApplyDue and
// commands on n do): its line ends at the effective instant.
func (w *world) lapse(n *mnum) {
	if n.status != numbers.StatusDeactivationPending || w.now.Before(n.due) {
		return
	}
	l := n.line
	l.segs[len(l.segs)-1].end = n.due
	if w.feed != nil {
		w.feed.deactivated(n.num, l.id, n.due)
	}
	n.status, n.line, n.due, n.options = numbers.StatusInactive, nil, time.Time{}, nil
}

// activate opens line id on n now.
func (w *world) activate(n *mnum, id string, monthly, oneTime int64, vat int) {
	w.lapse(n)
	l := &mline{id: id, start: w.now, monthly: monthly, oneTime: oneTime, vat: vat, segs: []mseg{{n: n, start: w.now}}}
	w.lines = append(w.lines, l)
	n.status, n.line = numbers.StatusActive, l
	if w.feed != nil {
		w.feed.activated(n.num, id, w.now, price(monthly, oneTime, vat))
	}
}

func (w *world) deactivate(n *mnum, effective time.Time) {
	n.status, n.due = numbers.StatusDeactivationPending, effective
	if w.feed != nil {
		w.feed.requested(n.num, n.line.id, w.now, effective)
	}
}

func (w *world) withdraw(n *mnum) {
	n.status, n.due = numbers.StatusActive, time.Time{}
	if w.feed != nil {
		w.feed.withdrawn(n.num, n.line.id, w.now)
	}
}

func (w *world) applyDue() {
	for _, n := range w.nums {
		w.lapse(n)
	}
}

// swap moves old's line to nw now: one line, no gap.
func (w *world) swap(old, nw *mnum) {
	w.lapse(nw)
	l := old.line
	l.segs[len(l.segs)-1].end = w.now
	l.segs = append(l.segs, mseg{n: nw, start: w.now})
	nw.status, nw.line, nw.options = numbers.StatusActive, l, old.options
	old.status, old.line, old.due, old.options = numbers.StatusInactive, nil, time.Time{}, nil
	if w.feed != nil {
		w.feed.swapped(old.num, nw.num, l.id, w.now)
	}
}

// segEnd is where s truly ends: its end, the effective instant of a
// pending deactivation of its number, or zero (open).
func (w *world) segEnd(l *mline, i int) time.Time {
	s := l.segs[i]
	if s.end.IsZero() && s.n.line == l && s.n.status == numbers.StatusDeactivationPending {
		return s.n.due
	}
	return s.end
}

// days is the oracle's calendar of a month in a zone: the first instant of
// every day, found by bisection over the instants (a zone's calendar date
// never runs backwards), not by time.Date as billing does.
type days struct {
	starts []time.Time // starts[d-1]: day d; starts[dim]: the next month's 1st
}

var calendars = map[string]days{}

func calendar(loc *time.Location, y int, m time.Month) days {
	key := fmt.Sprintf("%s %d %d", loc, y, m)
	if c, ok := calendars[key]; ok {
		return c
	}
	var c days
	for d := 1; ; d++ {
		want := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		c.starts = append(c.starts, civilStart(loc, want))
		if want.Month() != m {
			break
		}
	}
	calendars[key] = c
	return c
}

// civilStart is the first second whose date in loc is not before want's.
func civilStart(loc *time.Location, want time.Time) time.Time {
	date := func(u int64) time.Time {
		y, m, d := time.Unix(u, 0).In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	lo, hi := want.Unix()-2*86400, want.Unix()+2*86400
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if date(mid).Before(want) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Unix(hi, 0).In(loc)
}

func (c days) dim() int { return len(c.starts) - 1 }

// day returns the day of the month whose span holds the instant t.
func (c days) day(t time.Time) int {
	for d := c.dim(); d >= 1; d-- {
		if !t.Before(c.starts[d-1]) {
			return d
		}
	}
	return 0
}

// wantLine is the oracle's line of a month.
type wantLine struct {
	id                               string
	days                             int
	recurring, oneTime, net, vat, gr int64
	rate                             int
	numbers                          []numberdesk.NumberID
	starts, ends                     []time.Time
	firstDays, lastDays              []int
}

// expect computes the month's lines from the model, day by day.
func (w *world) expect(y int, m time.Month, p billing.Policy) ([]wantLine, days) {
	c := calendar(w.loc, y, m)
	from, to := c.starts[0], c.starts[c.dim()]
	var out []wantLine
	for _, l := range w.lines {
		wl := wantLine{id: l.id, rate: l.vat}
		if wl.rate < 0 {
			wl.rate = p.VATRate
			if wl.rate == 0 {
				wl.rate = 1900
			}
		}
		for d := 1; d <= c.dim(); d++ {
			ds, de := c.starts[d-1], c.starts[d]
			for i, s := range l.segs {
				end := w.segEnd(l, i)
				if s.start.Before(de) && (end.IsZero() || end.After(ds)) && (end.IsZero() || s.start.Before(end)) {
					wl.days++
					break
				}
			}
		}
		for i, s := range l.segs {
			start, end := s.start, w.segEnd(l, i)
			if start.Before(from) {
				start = from
			}
			if end.IsZero() || end.After(to) {
				end = to
			}
			if !start.Before(end) {
				continue
			}
			last := c.dim()
			for d := 1; d <= c.dim(); d++ {
				if !c.starts[d].Before(end) { // day d+1 starts at or after end: d is the last
					last = d
					break
				}
			}
			if k := len(wl.numbers) - 1; k >= 0 && wl.numbers[k] == s.n.id {
				// Swapped away and back at the same instant: the
				// statement shows one interval.
				wl.ends[k], wl.lastDays[k] = end, last
				continue
			}
			wl.numbers = append(wl.numbers, s.n.id)
			wl.starts, wl.ends = append(wl.starts, start), append(wl.ends, end)
			wl.firstDays = append(wl.firstDays, c.day(start))
			wl.lastDays = append(wl.lastDays, last)
		}
		if !l.start.Before(from) && l.start.Before(to) {
			wl.oneTime = l.oneTime
		}
		if wl.days == 0 && wl.oneTime == 0 {
			continue
		}
		dim := int64(c.dim())
		switch {
		case p.Proration == billing.FullMonth && wl.days > 0:
			wl.recurring = l.monthly
		case p.Proration != billing.FullMonth:
			// Half up, as a floor of (2·a·days + dim) / (2·dim): amounts
			// are not negative here.
			wl.recurring = (2*l.monthly*int64(wl.days) + dim) / (2 * dim)
		}
		wl.net = wl.recurring + wl.oneTime
		wl.vat = (2*wl.net*int64(wl.rate) + 10000) / 20000
		wl.gr = wl.net + wl.vat
		out = append(out, wl)
	}
	return out, c
}

// fataler is what *testing.T and *rapid.T offer to stop a test. The checks
// below call it only on failure: testify's require calls t.Helper on every
// assertion, which costs more than the statement itself.
type fataler interface {
	Fatalf(format string, args ...any)
}

// checkMonth compares s with the oracle's month and checks the invariants:
// each line's intervals join without gap, no number is on two lines at
// once, a swap keeps one line, totals are the sums of the lines and every
// line's cents add up.
func (w *world) checkMonth(t fataler, s *billing.MonthlyStatement, y int, m time.Month, p billing.Policy) {
	want, c := w.expect(y, m, p)
	ym := fmt.Sprintf("%d-%02d", y, m)
	if s.Year != y || s.Month != m || s.DaysInMonth != c.dim() || !s.From.Equal(c.starts[0]) || !s.To.Equal(c.starts[c.dim()]) {
		t.Fatalf("%s: statement of %d-%02d, %d days, [%s, %s); want %d days, [%s, %s)", ym, s.Year, s.Month,
			s.DaysInMonth, s.From, s.To, c.dim(), c.starts[0], c.starts[c.dim()])
	}
	got := map[string]billing.Line{}
	for _, l := range s.Lines {
		got[l.Line] = l
	}
	if len(got) != len(s.Lines) || len(s.Lines) != len(want) {
		t.Fatalf("%s: %d lines (%d distinct), want %d", ym, len(s.Lines), len(got), len(want))
	}
	var sum billing.Totals
	byNumber := map[numberdesk.NumberID][]billing.Interval{}
	for _, wl := range want {
		l, ok := got[wl.id]
		if !ok {
			t.Fatalf("%s: line %s missing", ym, wl.id)
		}
		if l.Days != wl.days || l.RecurringNetCents != wl.recurring || l.OneTimeNetCents != wl.oneTime || l.VATRate != wl.rate ||
			l.NetCents != wl.net || l.VATCents != wl.vat || l.GrossCents != wl.gr {
			t.Fatalf("%s: line %s: %d days, recurring %d, one-time %d, rate %d, net %d, VAT %d, gross %d; want %+v",
				ym, wl.id, l.Days, l.RecurringNetCents, l.OneTimeNetCents, l.VATRate, l.NetCents, l.VATCents, l.GrossCents, wl)
		}
		if l.NetCents != l.RecurringNetCents+l.OneTimeNetCents || l.GrossCents != l.NetCents+l.VATCents {
			t.Fatalf("%s: line %s: the cents do not add up: %+v", ym, wl.id, l)
		}
		if len(l.Intervals) != len(wl.numbers) {
			t.Fatalf("%s: line %s: %d intervals %+v, want %d", ym, wl.id, len(l.Intervals), l.Intervals, len(wl.numbers))
		}
		for i, iv := range l.Intervals {
			first, last := fmt.Sprintf("%s-%02d", ym, wl.firstDays[i]), fmt.Sprintf("%s-%02d", ym, wl.lastDays[i])
			if iv.Number != wl.numbers[i] || !iv.Start.Equal(wl.starts[i]) || !iv.End.Equal(wl.ends[i]) || iv.FirstDay != first || iv.LastDay != last {
				t.Fatalf("%s: line %s: interval %d is %+v; want %s [%s, %s) %s–%s", ym, wl.id, i, iv,
					wl.numbers[i], wl.starts[i], wl.ends[i], first, last)
			}
			if i > 0 && (!l.Intervals[i-1].End.Equal(iv.Start) || l.Intervals[i-1].Number == iv.Number) {
				t.Fatalf("%s: line %s: a gap or a split before interval %d: %+v", ym, wl.id, i, l.Intervals)
			}
			byNumber[iv.Number] = append(byNumber[iv.Number], iv)
		}
		sum.NetCents += l.NetCents
		sum.VATCents += l.VATCents
		sum.GrossCents += l.GrossCents
	}
	if s.Totals != sum {
		t.Fatalf("%s: totals %+v, the lines sum to %+v", ym, s.Totals, sum)
	}
	var rates billing.Totals
	for i, r := range s.Rates {
		if i > 0 && s.Rates[i-1].VATRate >= r.VATRate {
			t.Fatalf("%s: rates out of order: %+v", ym, s.Rates)
		}
		rates.NetCents += r.NetCents
		rates.VATCents += r.VATCents
		rates.GrossCents += r.GrossCents
	}
	if rates != sum {
		t.Fatalf("%s: the rates sum to %+v, the lines to %+v", ym, rates, sum)
	}
	for n, ivs := range byNumber {
		slices.SortFunc(ivs, func(a, b billing.Interval) int { return a.Start.Compare(b.Start) })
		for i := 1; i < len(ivs); i++ {
			if ivs[i].Start.Before(ivs[i-1].End) {
				t.Fatalf("%s: number %s billed on two lines at once: %+v", ym, n, ivs)
			}
		}
	}
}

// months lists the months from the one of first to the one of last.
func months(first, last time.Time, loc *time.Location) [][2]int {
	y, m, _ := first.In(loc).Date()
	ly, lm, _ := last.In(loc).Date()
	var out [][2]int
	for y < ly || y == ly && m <= lm {
		out = append(out, [2]int{y, int(m)})
		if m++; m > time.December {
			y, m = y+1, time.January
		}
	}
	return out
}

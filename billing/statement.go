package billing

import (
	"math/bits"
	"strconv"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// Proration says how a line billed for part of a month is charged.
type Proration string

// The prorations.
const (
	// PerDay charges monthly net × billed days / days in the month, rounded
	// half away from zero to the cent per line. The default.
	PerDay Proration = "per_day"
	// FullMonth charges the full monthly net for every month with at least
	// one billed day.
	FullMonth Proration = "full_month"
)

// StandardVATRate is the German standard VAT rate in basis points (19 %),
// the default of Policy.VATRate.
const StandardVATRate = 1900

// MaxLines is the most lines a statement holds: with amounts up to
// MaxCents its sums stay far from overflowing int64.
const MaxLines = 1_000_000

// DefaultCurrency is the currency of a price that names none, and of a
// statement without lines.
const DefaultCurrency = "EUR"

// Policy is how a vendor bills. The zero value is PerDay at the rates the
// activations recorded, with StandardVATRate for those that recorded none.
type Policy struct {
	// Proration: PerDay (also "") or FullMonth.
	Proration Proration `json:"proration"`
	// VATRate is the rate in basis points (1900 = 19 %) for a line whose
	// activation records no vat_rate in its price; 0 means
	// StandardVATRate. A recorded rate, 0 included, always wins.
	VATRate int `json:"vat_rate"`
}

// MonthlyStatement is what a tenant is billed for its numbers in one
// calendar month of its time zone. Amounts are integer cents of Currency.
type MonthlyStatement struct {
	Tenant   numberdesk.TenantID `json:"tenant"`
	Year     int                 `json:"year"`
	Month    time.Month          `json:"month"`
	TimeZone string              `json:"time_zone"`
	// From is the first instant of the month in the tenant's zone, To the
	// first instant of the next month: the statement covers [From, To).
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	DaysInMonth int       `json:"days_in_month"`
	Proration   Proration `json:"proration"`
	Currency    string    `json:"currency"`
	// Lines are the billing lines billed in the month, by activation time
	// (then line ID).
	Lines []Line `json:"lines"`
	// Totals are the sums of the lines' amounts.
	Totals Totals `json:"totals"`
	// Rates are the totals per VAT rate, by rate.
	Rates []RateTotals `json:"rates"`
}

// Line is one billing line (numbers.Billing.Line) of a statement: one
// activation with its price, billed on one number or, after swaps, on
// several in turn.
type Line struct {
	Line string `json:"line"`
	// Intervals are the parts of the month the line was billed on each
	// number, in order; a swap ends one where the next begins (swapped
	// away and back at the same instant: one interval).
	Intervals []Interval `json:"intervals"`
	// Days counts the days of the month (tenant time) on which the line was
	// billed for any instant; the day of a swap counts once.
	Days int `json:"days"`
	// MonthlyNetCents is the monthly fee of the activation's price (the
	// number and its booked options).
	MonthlyNetCents int64 `json:"monthly_net_cents"`
	// RecurringNetCents is the part of the monthly fee charged for this
	// month (Proration).
	RecurringNetCents int64 `json:"recurring_net_cents"`
	// OneTimeNetCents are the one-time fees of the activation, charged in
	// the month it falls in.
	OneTimeNetCents int64 `json:"one_time_net_cents"`
	// NetCents = RecurringNetCents + OneTimeNetCents.
	NetCents int64 `json:"net_cents"`
	// VATRate in basis points (1900 = 19 %); VATCents is NetCents at that
	// rate, rounded half away from zero; GrossCents = NetCents + VATCents.
	VATRate    int   `json:"vat_rate"`
	VATCents   int64 `json:"vat_cents"`
	GrossCents int64 `json:"gross_cents"`
}

// Interval is a part of the month a line was billed on one number:
// [Start, End), in the tenant's zone.
type Interval struct {
	Number  numberdesk.NumberID `json:"number"`
	E164    string              `json:"e164"`
	Display string              `json:"display"` // German format, "0221 123456-10"
	Start   time.Time           `json:"start"`
	End     time.Time           `json:"end"`
	// FirstDay and LastDay are the calendar days (tenant time, ISO 8601
	// "2006-01-02") of the interval's first and last billed instant.
	FirstDay string `json:"first_day"`
	LastDay  string `json:"last_day"`
}

// Totals are net, VAT and gross in cents.
type Totals struct {
	NetCents   int64 `json:"net_cents"`
	VATCents   int64 `json:"vat_cents"`
	GrossCents int64 `json:"gross_cents"`
}

// RateTotals are the totals of the lines at one VAT rate (basis points).
type RateTotals struct {
	VATRate int `json:"vat_rate"`
	Totals
}

// Statement returns the tenant's statement for a calendar month in loc,
// the tenant's time zone (numberdesk.Tenant.Location), computed from
// events alone: the tenant's events of the numbers domain as the store
// keeps them (numberdesk.EventStore.FindEvents, numbers.Service.Events; or
// History's, which add a deactivation that has taken effect but is not
// stored yet), in any order, since at least the activation of every line
// billed in the month; later events do no harm. Events of other tenants
// and of other types are ignored; an event given twice (same ID) counts
// once. The package documentation tells how lines, days and amounts are
// computed.
//
// A year outside 1–9998, a month outside 1–12, a nil loc, a tenant that is
// not a canonical ID or a policy it does not know is CodeInvalid (Field
// "year", "month", "loc", "tenant", "policy.proration" or
// "policy.vat_rate"). So is an event it cannot read, with Field
// "events[i]" or below it (e.g. "events[3].data.billing.line"): data that
// is not the numbers domain's EventData, a billing part without line,
// start or end, an activation without a price or with an amount beyond
// MaxCents, a line moved or closed whose activation is missing, an
// interval that ends before it starts, a swap with only one half or with a
// gap, a number on two lines at once, lines of the month in different
// currencies, or more than MaxLines lines.
func Statement(events []numberdesk.Event, tenant numberdesk.TenantID, year int, month time.Month, loc *time.Location, policy Policy) (*MonthlyStatement, error) {
	const op = "billing.Statement"
	if err := check(op, tenant, year, month, loc, &policy); err != nil {
		return nil, err
	}
	lines, err := replay(op, events, tenant)
	if err != nil {
		return nil, err
	}
	from, to := dayStart(year, month, 1, loc), dayStart(year, month+1, 1, loc)
	s := &MonthlyStatement{
		Tenant: tenant, Year: year, Month: month, TimeZone: loc.String(), From: from, To: to,
		DaysInMonth: time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day(), Proration: policy.Proration,
		Currency: DefaultCurrency, Lines: []Line{}, Rates: []RateTotals{},
	}
	for _, l := range lines {
		bl, ok := s.line(l, loc, policy)
		if !ok {
			continue
		}
		switch {
		case len(s.Lines) == 0:
			s.Currency = l.currency
		case l.currency != s.Currency:
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, "events["+strconv.Itoa(l.at)+"].data.price",
				"Die Positionen des Monats haben verschiedene Währungen (%s und %s).", s.Currency, l.currency)
		}
		if len(s.Lines) == MaxLines {
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, "events", "Der Monat hat mehr als %d Positionen.", MaxLines)
		}
		s.Lines = append(s.Lines, bl)
		s.Totals.add(bl)
		s.rate(bl.VATRate).add(bl)
	}
	return s, nil
}

// dayStart returns the first instant of a calendar day in loc: 00:00, or,
// where a DST change skips midnight, the instant the day begins (time.Date
// may normalise such a midnight into the day before).
func dayStart(year int, month time.Month, day int, loc *time.Location) time.Time {
	t := time.Date(year, month, day, 0, 0, 0, 0, loc)
	want := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	for range 4 { // a day begins within a few zone changes of its midnight
		y, m, d := t.Date()
		if !time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Before(want) {
			break
		}
		_, end := t.ZoneBounds()
		if end.IsZero() {
			break
		}
		t = end
	}
	return t
}

// check checks Statement's arguments and fills in policy's defaults.
func check(op string, tenant numberdesk.TenantID, year int, month time.Month, loc *time.Location, p *Policy) error {
	switch {
	case !numberdesk.ValidID(tenant):
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant fehlt oder ist ungültig.")
	case year < 1 || year > 9998: // the next month's first instant must marshal to JSON
		return numberdesk.E(numberdesk.CodeInvalid, op, "year", "Das Jahr ist ungültig.")
	case month < time.January || month > time.December:
		return numberdesk.E(numberdesk.CodeInvalid, op, "month", "Der Monat ist ungültig.")
	case loc == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "loc", "Die Zeitzone des Mandanten fehlt.")
	case p.Proration != "" && p.Proration != PerDay && p.Proration != FullMonth:
		return numberdesk.E(numberdesk.CodeInvalid, op, "policy.proration", "Die Abrechnungsart ist unbekannt.")
	case p.VATRate < 0 || p.VATRate > 10000:
		return numberdesk.E(numberdesk.CodeInvalid, op, "policy.vat_rate", "Der Steuersatz ist ungültig.")
	}
	if p.Proration == "" {
		p.Proration = PerDay
	}
	if p.VATRate == 0 {
		p.VATRate = StandardVATRate
	}
	return nil
}

// line returns the statement line of l, and false if l is not billed in
// the month at all (no billed day, no one-time fee).
func (s *MonthlyStatement) line(l *line, loc *time.Location, p Policy) (Line, bool) {
	bl := Line{Line: l.id, Intervals: []Interval{}, MonthlyNetCents: l.monthly, VATRate: l.vatRate}
	if bl.VATRate < 0 {
		bl.VATRate = p.VATRate
	}
	var days uint32 // bit d-1: day d of the month is billed
	for i, seg := range l.segs {
		start, end := seg.start, seg.end
		if i == len(l.segs)-1 {
			end = l.until()
		}
		if end.IsZero() || end.After(s.To) {
			end = s.To
		}
		if start.Before(s.From) {
			start = s.From
		}
		if !start.Before(end) {
			continue
		}
		first, last := start.In(loc), end.Add(-time.Nanosecond).In(loc)
		for d := first.Day(); d <= last.Day(); d++ {
			days |= 1 << (d - 1)
		}
		iv := Interval{Number: seg.number, E164: seg.e164, Display: seg.display,
			Start: start.In(loc), End: end.In(loc), FirstDay: first.Format(time.DateOnly), LastDay: last.Format(time.DateOnly)}
		if n := len(bl.Intervals); n > 0 && bl.Intervals[n-1].Number == iv.Number && bl.Intervals[n-1].End.Equal(iv.Start) {
			// Swapped away and back at one instant: one interval.
			iv.Start, iv.FirstDay = bl.Intervals[n-1].Start, bl.Intervals[n-1].FirstDay
			bl.Intervals = bl.Intervals[:n-1]
		}
		bl.Intervals = append(bl.Intervals, iv)
	}
	bl.Days = bits.OnesCount32(days)
	if !l.start.Before(s.From) && l.start.Before(s.To) {
		bl.OneTimeNetCents = l.oneTime
	}
	if bl.Days == 0 && bl.OneTimeNetCents == 0 {
		return Line{}, false
	}
	switch {
	case s.Proration == FullMonth && bl.Days > 0:
		bl.RecurringNetCents = l.monthly
	case s.Proration == PerDay:
		bl.RecurringNetCents = divRound(l.monthly*int64(bl.Days), int64(s.DaysInMonth))
	}
	bl.NetCents = bl.RecurringNetCents + bl.OneTimeNetCents
	bl.VATCents = numbers.Money{Cents: bl.NetCents}.VAT(bl.VATRate).Cents
	bl.GrossCents = bl.NetCents + bl.VATCents
	return bl, true
}

// rate returns the totals of rate, adding them in order if new.
func (s *MonthlyStatement) rate(rate int) *Totals {
	i := 0
	for i < len(s.Rates) && s.Rates[i].VATRate < rate {
		i++
	}
	if i == len(s.Rates) || s.Rates[i].VATRate != rate {
		s.Rates = append(s.Rates, RateTotals{})
		copy(s.Rates[i+1:], s.Rates[i:])
		s.Rates[i] = RateTotals{VATRate: rate}
	}
	return &s.Rates[i].Totals
}

func (t *Totals) add(l Line) {
	t.NetCents += l.NetCents
	t.VATCents += l.VATCents
	t.GrossCents += l.GrossCents
}

// divRound returns a/b rounded half away from zero; b > 0.
func divRound(a, b int64) int64 {
	q, r := a/b, a%b
	if r < 0 {
		r = -r
	}
	if 2*r >= b {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

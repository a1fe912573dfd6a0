package wasm

// The presenter of the statement page ("/abrechnung"): a
// billing.MonthlyStatement laid out with German amounts and days, the
// month picker's months, and the in-browser statement of the demo. Pure
// Go.

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// billingEvents are the event types a statement reads (billing's feed):
// the demo reads only these from its log.
var billingEvents = []numberdesk.EventType{numbers.EventActivated, numbers.EventDeactivationRequested,
	numbers.EventDeactivationWithdrawn, numbers.EventDeactivated, numbers.EventSwappedOut, numbers.EventSwappedIn}

// eventReader is what localStatement reads: numbers.Service.
type eventReader interface {
	Events(ctx context.Context, actor numberdesk.Actor, f numberdesk.EventFilter) ([]numberdesk.Event, error)
}

// localStatement computes the statement of a month in the browser: the
// tenant's billing events as the actor may read them (owner and manager;
// an employee gets the SDK's CodePermission), then billing.Statement with
// the default policy (PerDay).
func localStatement(ctx context.Context, src eventReader, actor numberdesk.Actor, loc *time.Location, year int, month time.Month) (*billing.MonthlyStatement, error) {
	evs, err := src.Events(ctx, actor, numberdesk.EventFilter{Types: billingEvents})
	if err != nil {
		return nil, err
	}
	return billing.Statement(evs, actor.Tenant, year, month, loc, billing.Policy{})
}

// mayReadStatement reports whether role may see the statement: it is
// computed from the event log, which the SDK shows to owner and manager
// only (numbers.Service.Events).
func mayReadStatement(role numberdesk.Role) bool {
	return role == numberdesk.RoleOwner || role == numberdesk.RoleManager
}

// StatementView is a statement laid out for the page: every amount as
// German money ("6,90 €"), every day as TT.MM.JJJJ.
type StatementView struct {
	Month string // "Dezember 2026" / "December 2026"
	// Period is the month's first and last day, "01.12.2026–31.12.2026".
	Period      string
	TimeZone    string
	DaysInMonth int
	// Forecast: the month is not over at now, so the statement is what it
	// will cost if nothing changes (a pending deactivation ends its line
	// at its effective instant).
	Forecast  bool
	Proration string // the rule, in a sentence
	Lines     []StatementLine
	// Rates are the totals per VAT rate, Total the overall totals.
	Rates []StatementTotal
	Total StatementTotal
}

// StatementLine is one billing line of the page.
type StatementLine struct {
	Line string // the billing line's ID
	// Numbers is the number, or after a swap the numbers in turn
	// ("0221 123456-10 → 0221 654321").
	Numbers string
	// Intervals are the billed days per number, "17.03.2026–31.03.2026".
	Intervals []string
	Days      string // "15 / 31"
	Monthly   string // the monthly net
	OneTime   string // the one-time net, "" if none
	Net       string
	Rate      string // "19 %"
	VAT       string
	Gross     string
}

// StatementTotal is a totals row: its label and amounts.
type StatementTotal struct {
	Label           string
	Rate            int // basis points; 0 for the overall total
	Net, VAT, Gross string
}

// ViewStatement lays out s at the instant now in the current language.
func ViewStatement(s *billing.MonthlyStatement, now time.Time) StatementView {
	money := func(c int64) string { return numbers.Money{Cents: c, Currency: s.Currency}.String() }
	last := s.To.Add(-time.Nanosecond)
	v := StatementView{
		Month:       MonthLabel(s.Year, s.Month),
		Period:      numbers.FormatDate(s.From) + "–" + numbers.FormatDate(last.In(s.From.Location())),
		TimeZone:    s.TimeZone,
		DaysInMonth: s.DaysInMonth,
		Forecast:    now.Before(s.To),
		Proration:   ProrationRule(s.Proration),
	}
	for _, l := range s.Lines {
		sl := StatementLine{Line: l.Line, Days: strconv.Itoa(l.Days) + " / " + strconv.Itoa(s.DaysInMonth),
			Monthly: money(l.MonthlyNetCents), Net: money(l.NetCents), Rate: numbers.FormatRate(l.VATRate),
			VAT: money(l.VATCents), Gross: money(l.GrossCents)}
		if l.OneTimeNetCents != 0 {
			sl.OneTime = money(l.OneTimeNetCents)
		}
		var nums []string
		for _, iv := range l.Intervals {
			if len(nums) == 0 || nums[len(nums)-1] != iv.Display {
				nums = append(nums, iv.Display)
			}
			span := isoToGerman(iv.FirstDay)
			if iv.LastDay != iv.FirstDay {
				span += "–" + isoToGerman(iv.LastDay)
			}
			if len(l.Intervals) > 1 {
				span = iv.Display + ": " + span
			}
			sl.Intervals = append(sl.Intervals, span)
		}
		sl.Numbers = strings.Join(nums, " → ")
		v.Lines = append(v.Lines, sl)
	}
	for _, r := range s.Rates {
		v.Rates = append(v.Rates, StatementTotal{Label: i18n.T("statement.rate_total", numbers.FormatRate(r.VATRate)), Rate: r.VATRate,
			Net: money(r.NetCents), VAT: money(r.VATCents), Gross: money(r.GrossCents)})
	}
	t := s.Totals
	v.Total = StatementTotal{Label: i18n.T("statement.total"), Net: money(t.NetCents), VAT: money(t.VATCents), Gross: money(t.GrossCents)}
	return v
}

// isoToGerman turns "2026-03-17" into "17.03.2026"; anything else stays.
func isoToGerman(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return numbers.FormatDate(t)
}

// ProrationRule names the proration rule in a sentence of the current
// language.
func ProrationRule(p billing.Proration) string {
	if p == billing.FullMonth {
		return i18n.T("statement.rule_full_month")
	}
	return i18n.T("statement.rule_per_day")
}

var monthsDE = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
	"September", "Oktober", "November", "Dezember"}

// MonthLabel names a month in the current language: "März 2026", "March
// 2026".
func MonthLabel(year int, month time.Month) string {
	if month < time.January || month > time.December {
		return ""
	}
	name := monthsDE[month-1]
	if i18n.Current() == i18n.EN {
		name = month.String()
	}
	return name + " " + strconv.Itoa(year)
}

// MonthKey is the value of a month in the picker and the URL: "2026-03".
func MonthKey(year int, month time.Month) string {
	return time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// ParseMonthKey reads a MonthKey; ok is false for anything else.
func ParseMonthKey(s string) (year int, month time.Month, ok bool) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, 0, false
	}
	return t.Year(), t.Month(), true
}

// StatementMonths are the months the picker offers at now in loc: the
// current month first, then the n previous ones (a month ahead has no
// statement yet).
func StatementMonths(now time.Time, loc *time.Location, n int) []string {
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	first := time.Date(t.Year(), t.Month(), 1, 12, 0, 0, 0, time.UTC)
	out := make([]string, 0, n+1)
	for i := 0; i <= n; i++ {
		m := first.AddDate(0, -i, 0)
		out = append(out, MonthKey(m.Year(), m.Month()))
	}
	return out
}

// pickerMonths is how many months back the picker goes.
const pickerMonths = 24

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"nav.statement":             {DE: "Abrechnung", EN: "Billing"},
		"statement.intro":           {DE: "Was Ihre Rufnummern im gewählten Monat kosten: je Abrechnungsposition die Rufnummer(n), die abgerechneten Tage und die Beträge, darunter die Summen je Steuersatz und insgesamt.", EN: "What your numbers cost in the chosen month: per billing line the number(s), the days billed and the amounts, then the totals per VAT rate and overall."},
		"statement.month":           {DE: "Monat", EN: "Month"},
		"statement.prev":            {DE: "Vorheriger Monat", EN: "Previous month"},
		"statement.next":            {DE: "Nächster Monat", EN: "Next month"},
		"statement.heading":         {DE: "Abrechnung {1}", EN: "Statement {1}"},
		"statement.period":          {DE: "Zeitraum {1} ({2}, {3} Tage)", EN: "Period {1} ({2}, {3} days)"},
		"statement.forecast":        {DE: "Prognose: Der Monat ist noch nicht abgeschlossen. Die Abrechnung zeigt, was er kostet, wenn sich nichts mehr ändert; eine vorgemerkte Deaktivierung beendet ihre Position zum Zeitpunkt, an dem sie wirksam wird.", EN: "Forecast: the month is not over yet. The statement shows what it will cost if nothing changes; a scheduled deactivation ends its line at the moment it takes effect."},
		"statement.rule_per_day":    {DE: "Abrechnung anteilig nach Tagen: Monatspreis netto × abgerechnete Tage ÷ Tage im Monat, je Position auf den Cent gerundet. Ein Tag zählt, wenn die Rufnummer an ihm zu irgendeinem Zeitpunkt abgerechnet wird; der Tag eines Rufnummerntauschs zählt einmal.", EN: "Billed pro rata by day: monthly net × days billed ÷ days in the month, rounded to the cent per line. A day counts if the number is billed at any moment of it; the day of a swap counts once."},
		"statement.rule_full_month": {DE: "Abrechnung nach vollen Monaten: der volle Monatspreis für jeden Monat mit mindestens einem abgerechneten Tag.", EN: "Billed by full months: the full monthly price for every month with at least one day billed."},
		"statement.vat_note":        {DE: "Alle Preise netto zzgl. der ausgewiesenen Umsatzsteuer.", EN: "All prices net, plus the VAT shown."},
		"statement.col_number":      {DE: "Rufnummer", EN: "Number"},
		"statement.col_period":      {DE: "Zeitraum", EN: "Period"},
		"statement.col_days":        {DE: "Tage", EN: "Days"},
		"statement.col_monthly":     {DE: "Monatspreis netto", EN: "Monthly net"},
		"statement.col_net":         {DE: "Netto", EN: "Net"},
		"statement.col_vat":         {DE: "USt", EN: "VAT"},
		"statement.col_gross":       {DE: "Brutto", EN: "Gross"},
		"statement.one_time":        {DE: "davon einmalig {1}", EN: "of which one-time {1}"},
		"statement.rate_total":      {DE: "Summe {1} USt", EN: "Total at {1} VAT"},
		"statement.total":           {DE: "Gesamt", EN: "Total"},
		"statement.none":            {DE: "In diesem Monat wird keine Rufnummer abgerechnet.", EN: "No number is billed in this month."},
		"statement.count":           {DE: "{1} Positionen", EN: "{1} lines"},
		"statement.count_one":       {DE: "1 Position", EN: "1 line"},
		"statement.downloads":       {DE: "Herunterladen", EN: "Download"},
		"statement.csv_excel":       {DE: "Als CSV (Excel)", EN: "As CSV (Excel)"},
		"statement.csv_rfc":         {DE: "Als CSV (RFC 4180)", EN: "As CSV (RFC 4180)"},
		"statement.json":            {DE: "Als JSON", EN: "As JSON"},
		"statement.csv_excel_hint":  {DE: "Für Tabellenkalkulationen mit deutschen Einstellungen: Semikolon, Dezimalkomma, TT.MM.JJJJ.", EN: "For spreadsheets with German settings: semicolons, decimal comma, DD.MM.YYYY."},
		"statement.csv_rfc_hint":    {DE: "Für Programme: Komma, Dezimalpunkt, JJJJ-MM-TT.", EN: "For programs: commas, decimal point, YYYY-MM-DD."},
		"statement.role_employee":   {DE: "Die Abrechnung sehen das Administrator-Konto und Manager: Sie wird aus dem Ereignisprotokoll des Mandanten berechnet, das nur diese Rollen lesen. Als Mitarbeiter sehen Sie hier daher keine Beträge.", EN: "The statement is shown to the administrator account and managers: it is computed from the tenant's event log, which only these roles read. As an employee you therefore see no amounts here."},
		"statement.downloaded":      {DE: "Die Datei „{1}“ wurde erstellt.", EN: "The file “{1}” has been created."},
	})
}

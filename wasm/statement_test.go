package wasm

// Native tests of the statement page's model: the in-browser statement
// agrees with billing.Statement of the whole event log, its layout (German
// money and days, swaps, totals per rate), who may read it, and the month
// picker.

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/demo"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

var (
	germanMoney = regexp.MustCompile(`^-?\d{1,3}(\.\d{3})*,\d{2} €$`)
	germanSpan  = regexp.MustCompile(`^(\S.*: )?\d{2}\.\d{2}\.\d{4}(–\d{2}\.\d{2}\.\d{4})?$`)
)

// actAs makes the demo act as the seed's employee with e-mail mail.
func actAs(t *testing.T, d *demo.Demo, mail string) {
	t.Helper()
	es, err := d.Employees(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Email == mail {
			if err := d.ActAs(t.Context(), e.ID); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no employee %s", mail)
}

// The demo's statement is billing.Statement of the tenant's whole event
// log (the page reads only the billing events), and the view shows its
// amounts to the cent in German money and its days as TT.MM.JJJJ.
func TestStatementOfTheSeed(t *testing.T) {
	i18n.SetLang(i18n.DE)
	ctx := t.Context()
	d, err := demo.Seed(ctx, 0, demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := d.Numbers.Events(ctx, numberdesk.System(d.Tenant.ID), numberdesk.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	loc, now := d.Location(), d.Now()
	for _, back := range []int{0, 1, 2, 3} {
		at := time.Date(now.In(loc).Year(), now.In(loc).Month()-time.Month(back), 1, 12, 0, 0, 0, loc)
		got, err := Local{d}.Statement(ctx, at.Year(), at.Month())
		if err != nil {
			t.Fatalf("%d months back: %v", back, err)
		}
		want, err := billing.Statement(all, d.Tenant.ID, at.Year(), at.Month(), loc, billing.Policy{})
		if err != nil {
			t.Fatal(err)
		}
		if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
			t.Fatalf("%s: the page's statement differs from billing.Statement of all events:\n%s\n%s", at.Format("2006-01"), g, w)
		}
		v := ViewStatement(got, now)
		if v.Forecast != (back == 0) {
			t.Errorf("%s: forecast = %v at %v", at.Format("2006-01"), v.Forecast, now)
		}
		if len(v.Lines) != len(got.Lines) || len(v.Rates) != len(got.Rates) {
			t.Fatalf("%s: %d lines, %d rates in the view of %d, %d", at.Format("2006-01"), len(v.Lines), len(v.Rates), len(got.Lines), len(got.Rates))
		}
		eur := func(c int64) string { return numbers.Money{Cents: c, Currency: got.Currency}.String() }
		for i, l := range got.Lines {
			vl := v.Lines[i]
			if vl.Net != eur(l.NetCents) || vl.VAT != eur(l.VATCents) || vl.Gross != eur(l.GrossCents) || vl.Monthly != eur(l.MonthlyNetCents) {
				t.Errorf("line %s: %+v, want the amounts of %+v", l.Line, vl, l)
			}
			for _, s := range []string{vl.Net, vl.VAT, vl.Gross, vl.Monthly} {
				if !germanMoney.MatchString(s) {
					t.Errorf("line %s: amount %q is not German money", l.Line, s)
				}
			}
			for _, s := range vl.Intervals {
				if !germanSpan.MatchString(s) {
					t.Errorf("line %s: interval %q is not TT.MM.JJJJ", l.Line, s)
				}
			}
			if want := " / " + itoa(got.DaysInMonth); !strings.HasSuffix(vl.Days, want) {
				t.Errorf("line %s: days %q", l.Line, vl.Days)
			}
		}
		if v.Total.Gross != eur(got.Totals.GrossCents) || v.Total.Net != eur(got.Totals.NetCents) || v.Total.VAT != eur(got.Totals.VATCents) {
			t.Errorf("%s: total %+v, want %+v", at.Format("2006-01"), v.Total, got.Totals)
		}
		if back == 0 && len(got.Lines) == 0 {
			t.Error("the seed's current month bills nothing")
		}
	}
}

// A pending deactivation ends its line at the effective instant, in the
// month it takes effect (the seed's 0221 123456-15).
func TestStatementEndsAPendingLineAtItsDate(t *testing.T) {
	i18n.SetLang(i18n.DE)
	ctx := t.Context()
	d, err := demo.Seed(ctx, 0, demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{Statuses: []numbers.Status{numbers.StatusDeactivationPending}})
	if err != nil || len(p.Numbers) == 0 {
		t.Fatalf("no pending number in the seed: %v", err)
	}
	n := p.Numbers[0]
	loc := d.Location()
	last := numbers.NoticeDate(n.DeactivationAt, loc)
	st, err := Local{d}.Statement(ctx, last.Year(), last.Month())
	if err != nil {
		t.Fatal(err)
	}
	v := ViewStatement(st, d.Now())
	found := false
	for _, l := range v.Lines {
		if l.Numbers != n.Display() {
			continue
		}
		found = true
		want := numbers.FormatDate(last)
		if got := l.Intervals[len(l.Intervals)-1]; !strings.HasSuffix(got, want) {
			t.Errorf("the pending line of %s ends %q, want on its notice date %s", n.Display(), got, want)
		}
	}
	if !found {
		t.Fatalf("no line of %s in %s", n.Display(), v.Month)
	}
}

// Owner and manager read the statement, an employee does not: the page's
// rule is the SDK's.
func TestStatementRoles(t *testing.T) {
	ctx := t.Context()
	d, err := demo.Seed(ctx, 0, demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	now := d.Now().In(d.Location())
	for _, c := range []struct {
		mail string
		role numberdesk.Role
	}{{"admin@muster.example", numberdesk.RoleOwner}, {"jana.schmidt@muster.example", numberdesk.RoleManager}, {"max.muster@muster.example", numberdesk.RoleEmployee}} {
		actAs(t, d, c.mail)
		if d.Acting().Role != c.role {
			t.Fatalf("%s acts as %s", c.mail, d.Acting().Role)
		}
		_, err := Local{d}.Statement(ctx, now.Year(), now.Month())
		if got := err == nil; got != mayReadStatement(c.role) {
			t.Errorf("%s: the SDK says %v (%v), the page %v", c.role, got, err, mayReadStatement(c.role))
		}
		if !mayReadStatement(c.role) && numberdesk.ErrorCode(err) != numberdesk.CodePermission {
			t.Errorf("%s: %v, want CodePermission", c.role, err)
		}
	}
	if mayReadStatement(numberdesk.RoleSystem) || mayReadStatement("") {
		t.Error("the page shows the statement to a role without an account")
	}
}

// A swap shows both numbers in turn and an interval per number; one-time
// fees and the totals per VAT rate are named; English keeps the amounts.
func TestViewStatementSwapAndRates(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 4, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 1, 0)
	swap := time.Date(2026, 4, 3, 14, 0, 0, 0, loc)
	s := &billing.MonthlyStatement{Year: 2026, Month: time.April, TimeZone: "Europe/Berlin", From: from, To: to, DaysInMonth: 30,
		Proration: billing.PerDay, Currency: "EUR",
		Lines: []billing.Line{{Line: "l1", Days: 30, MonthlyNetCents: 690, RecurringNetCents: 690, OneTimeNetCents: 123450, NetCents: 124140,
			VATRate: 1900, VATCents: 23587, GrossCents: 147727, Intervals: []billing.Interval{
				{Display: "0221 123456-10", Start: from, End: swap, FirstDay: "2026-04-01", LastDay: "2026-04-03"},
				{Display: "0221 654321", Start: swap, End: to, FirstDay: "2026-04-03", LastDay: "2026-04-30"},
			}}, {Line: "l2", Days: 1, MonthlyNetCents: 3000, RecurringNetCents: 100, NetCents: 100, VATRate: 700, VATCents: 7, GrossCents: 107,
			Intervals: []billing.Interval{{Display: "030 4455667", Start: from, End: from.Add(time.Hour), FirstDay: "2026-04-01", LastDay: "2026-04-01"}}}},
		Totals: billing.Totals{NetCents: 124240, VATCents: 23594, GrossCents: 147834},
		Rates: []billing.RateTotals{{VATRate: 700, Totals: billing.Totals{NetCents: 100, VATCents: 7, GrossCents: 107}},
			{VATRate: 1900, Totals: billing.Totals{NetCents: 124140, VATCents: 23587, GrossCents: 147727}}},
	}
	i18n.SetLang(i18n.DE)
	v := ViewStatement(s, to.Add(time.Hour))
	if v.Forecast {
		t.Error("a month that is over is a forecast")
	}
	if v.Month != "April 2026" || v.Period != "01.04.2026–30.04.2026" {
		t.Errorf("month %q, period %q", v.Month, v.Period)
	}
	l := v.Lines[0]
	if l.Numbers != "0221 123456-10 → 0221 654321" {
		t.Errorf("numbers of a swapped line: %q", l.Numbers)
	}
	if want := []string{"0221 123456-10: 01.04.2026–03.04.2026", "0221 654321: 03.04.2026–30.04.2026"}; strings.Join(l.Intervals, "|") != strings.Join(want, "|") {
		t.Errorf("intervals %q, want %q", l.Intervals, want)
	}
	if l.OneTime != "1.234,50 €" || l.Gross != "1.477,27 €" || l.Rate != "19 %" || l.Days != "30 / 30" {
		t.Errorf("line %+v", l)
	}
	if got := v.Lines[1].Intervals; len(got) != 1 || got[0] != "01.04.2026" {
		t.Errorf("a one-day interval: %q", got)
	}
	if v.Rates[0].Label != "Summe 7 % USt" || v.Rates[0].Gross != "1,07 €" || v.Rates[1].Label != "Summe 19 % USt" {
		t.Errorf("rates %+v", v.Rates)
	}
	if v.Total.Label != "Gesamt" || v.Total.Gross != "1.478,34 €" {
		t.Errorf("total %+v", v.Total)
	}
	if !strings.Contains(v.Proration, "anteilig nach Tagen") || ProrationRule(billing.FullMonth) == v.Proration {
		t.Errorf("proration %q", v.Proration)
	}
	if !ViewStatement(s, to.Add(-time.Nanosecond)).Forecast {
		t.Error("a month that is not over is no forecast")
	}
	i18n.SetLang(i18n.EN)
	defer i18n.SetLang(i18n.DE)
	ve := ViewStatement(s, to)
	if ve.Month != "April 2026" || ve.Total.Label != "Total" || ve.Total.Gross != v.Total.Gross || !strings.Contains(ve.Proration, "pro rata") {
		t.Errorf("English: %+v", ve)
	}
}

// The picker offers the current month and the ones before it, across a
// year's end; keys read back.
func TestStatementMonths(t *testing.T) {
	i18n.SetLang(i18n.DE)
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// 31 Dec 23:30 UTC is already January in Berlin.
	now := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	ms := StatementMonths(now, loc, pickerMonths)
	if len(ms) != pickerMonths+1 || ms[0] != "2027-01" || ms[1] != "2026-12" || ms[len(ms)-1] != "2025-01" {
		t.Fatalf("months %q", ms)
	}
	for i, k := range ms {
		y, m, ok := ParseMonthKey(k)
		if !ok || MonthKey(y, m) != k {
			t.Fatalf("%q does not read back", k)
		}
		if i > 0 {
			py, pm, _ := ParseMonthKey(ms[i-1])
			if time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC) != time.Date(py, pm, 1, 0, 0, 0, 0, time.UTC) {
				t.Errorf("%s does not follow %s", ms[i-1], k)
			}
		}
	}
	for _, bad := range []string{"", "2026-13", "2026-1", "x", "2026-03-01"} {
		if _, _, ok := ParseMonthKey(bad); ok {
			t.Errorf("ParseMonthKey(%q) accepted", bad)
		}
	}
	if MonthLabel(2026, time.March) != "März 2026" {
		t.Error(MonthLabel(2026, time.March))
	}
	i18n.SetLang(i18n.EN)
	defer i18n.SetLang(i18n.DE)
	if MonthLabel(2026, time.March) != "March 2026" {
		t.Error(MonthLabel(2026, time.March))
	}
}

func itoa(n int) string { return FormatCount(n) }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

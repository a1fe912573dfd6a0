package billing_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
)

// hostile is a statement whose text cells start like formulas and whose
// amounts are negative (a credit).
func hostile(t *testing.T) *billing.MonthlyStatement {
	berlin := zone(t, "Europe/Berlin")
	day := func(d int) time.Time { return time.Date(2026, 2, d, 0, 0, 0, 0, berlin) }
	return &billing.MonthlyStatement{
		Year: 2026, Month: time.February, TimeZone: "Europe/Berlin", From: day(1), To: day(29), DaysInMonth: 28,
		Proration: billing.PerDay, Currency: "EUR",
		Lines: []billing.Line{{
			Line: `=HYPERLINK("http://evil.example","x")`,
			Intervals: []billing.Interval{
				{E164: "+442079460958", Display: "+44 20 7946 0958", Start: day(1), End: day(10), FirstDay: "2026-02-01", LastDay: "2026-02-09"},
				{E164: "@SUM(A1)", Display: "-1+1", Start: day(10), End: day(29), FirstDay: "2026-02-10", LastDay: "2026-02-28"},
			},
			Days: 28, MonthlyNetCents: -150, RecurringNetCents: -150, NetCents: -150, VATRate: 770, VATCents: -12, GrossCents: -162,
		}},
		Totals: billing.Totals{NetCents: -150, VATCents: -12, GrossCents: -162},
	}
}

func TestWriteCSVExcelDE(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, hostile(t).WriteCSV(&b, billing.ExcelDE))
	out := b.String()
	require.True(t, strings.HasPrefix(out, "\uFEFF"), "byte order mark")
	require.Contains(t, out, "\r\n")
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Equal(t, []string{"Februar 2026", `'=HYPERLINK("http://evil.example","x")`, "'+44 20 7946 0958 → -1+1",
		"01.02.2026–09.02.2026, 10.02.2026–28.02.2026", "28", "28", "-1,50", "-1,50", "0,00", "-1,50", "7,7", "-0,12", "-1,62", "EUR"}, rows[1])
	require.Equal(t, []string{"Februar 2026", "Summe", "", "", "", "", "", "", "", "-1,50", "", "-0,12", "-1,62", "EUR"}, rows[2])
	for _, row := range rows {
		for i, cell := range row {
			if i >= 4 && i <= 12 {
				continue // numbers: never prefixed
			}
			require.False(t, cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])), "cell %q", cell)
		}
	}
}

func TestWriteCSVRFC4180(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, hostile(t).WriteCSV(&b, billing.RFC4180))
	out := b.String()
	require.False(t, strings.HasPrefix(out, "\uFEFF"))
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2, "no total row")
	require.Equal(t, []string{"period", "line", "numbers", "intervals", "days", "days_in_month", "monthly_net", "recurring_net",
		"one_time_net", "net", "vat_rate", "vat", "gross", "currency"}, rows[0])
	require.Equal(t, []string{"2026-02", `=HYPERLINK("http://evil.example","x")`, "+442079460958 @SUM(A1)",
		"2026-02-01/2026-02-09 2026-02-10/2026-02-28", "28", "28", "-1.50", "-1.50", "0.00", "-1.50", "7.7", "-0.12", "-1.62", "EUR"}, rows[1])
}

func TestWriteCSVEmpty(t *testing.T) {
	s, err := billing.Statement(nil, numberdesk.NewTenantID(), 2026, time.December, zone(t, "Europe/Berlin"), billing.Policy{})
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, s.WriteCSV(&b, billing.ExcelDE))
	require.Equal(t, "\uFEFFAbrechnungsmonat;Position;Rufnummer;Zeitraum;Tage;Tage im Monat;Monatspreis netto;Anteil netto;"+
		"Einmalig netto;Netto;USt-Satz %;USt;Brutto;Währung\r\nDezember 2026;Summe;;;;;;;;0,00;;0,00;0,00;EUR\r\n", b.String())
	b.Reset()
	require.NoError(t, s.WriteCSV(&b, billing.RFC4180))
	require.Equal(t, "period,line,numbers,intervals,days,days_in_month,monthly_net,recurring_net,one_time_net,net,vat_rate,vat,gross,currency\r\n", b.String())
}

func TestWriteCSVAmounts(t *testing.T) {
	s := &billing.MonthlyStatement{Year: 2026, Month: time.May, DaysInMonth: 31, Currency: "EUR", Lines: []billing.Line{
		{Line: "a", NetCents: 123456789, VATRate: 1900, VATCents: 5, GrossCents: -5},
		{Line: "b", NetCents: 7, VATRate: 1650, VATCents: -99, GrossCents: 100},
	}}
	var b bytes.Buffer
	require.NoError(t, s.WriteCSV(&b, billing.RFC4180))
	rows, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"1234567.89", "19", "0.05", "-0.05"}, []string{rows[1][9], rows[1][10], rows[1][11], rows[1][12]})
	require.Equal(t, []string{"0.07", "16.5", "-0.99", "1.00"}, []string{rows[2][9], rows[2][10], rows[2][11], rows[2][12]})

	// A day that is not ISO 8601 (a hand-made statement) stays as it is.
	s.Lines[0].Intervals = []billing.Interval{{FirstDay: "17.3.", LastDay: "2026-05-31"}}
	b.Reset()
	require.NoError(t, s.WriteCSV(&b, billing.ExcelDE))
	require.Contains(t, b.String(), ";17.3.–31.05.2026;")
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestWriteCSVErrors(t *testing.T) {
	s := hostile(t)
	err := s.WriteCSV(&bytes.Buffer{}, billing.CSVFormat(0))
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "format", numberdesk.ErrorField(err))
	// The byte order mark, the rows.
	for _, tc := range []struct {
		f     billing.CSVFormat
		after int
	}{{billing.ExcelDE, 0}, {billing.ExcelDE, 1}, {billing.RFC4180, 0}} {
		err := s.WriteCSV(&failingWriter{after: tc.after}, tc.f)
		require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err), "%+v", tc)
		require.ErrorContains(t, err, "disk full")
	}
}

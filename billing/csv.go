package billing

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// CSVFormat is a CSV dialect of WriteCSV.
type CSVFormat int

// The CSV dialects.
const (
	// ExcelDE is for spreadsheets with German settings (Excel, LibreOffice):
	// UTF-8 with a byte order mark, ";" between cells, CRLF line ends,
	// decimal comma ("1234,56", no thousands separator), days as TT.MM.JJJJ,
	// German headers, a "Summe" row at the end, and text cells guarded
	// against formula injection (see WriteCSV).
	ExcelDE CSVFormat = iota + 1
	// RFC4180 is for programs: plain RFC 4180 (UTF-8 without byte order
	// mark, "," between cells, CRLF line ends, quotes only where needed),
	// decimal point ("1234.56"), ISO 8601 days, snake_case headers, one row
	// per line and no total row; cells are written as they are.
	RFC4180
)

// WriteCSV writes the statement to w in format f: a header, then one row
// per line with its month, line ID, number(s), billed days as intervals of
// calendar days, days billed, days in the month, monthly net, the month's
// recurring net, one-time net, net, VAT rate in percent, VAT, gross and
// currency. A line moved by a swap has several numbers ("0221 123456-10 →
// 0221 654321" in ExcelDE, E.164 numbers separated by spaces in RFC4180)
// and as many intervals.
//
// Formula injection: in ExcelDE, a text cell that starts with "=", "+",
// "-", "@", a tab or a carriage return gets a leading apostrophe, so that a
// spreadsheet shows it as text instead of running it as a formula
// ("+44 20 …" becomes "'+44 20 …"; the apostrophe may stay visible). Amount
// and count cells are written from integers by WriteCSV itself and are
// never prefixed, so that a negative amount stays a number. RFC4180 leaves
// every cell as it is: it is for programs, not for spreadsheets.
//
// An unknown format is CodeInvalid (Field "format"); an error of w is
// returned as CodeInternal.
func (s *MonthlyStatement) WriteCSV(w io.Writer, f CSVFormat) error {
	const op = "billing.WriteCSV"
	var d dialect
	switch f {
	case ExcelDE:
		d = excelDE
	case RFC4180:
		d = rfc4180
	default:
		return numberdesk.E(numberdesk.CodeInvalid, op, "format", "Das CSV-Format ist unbekannt.")
	}
	if d.bom {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return numberdesk.Internal(op, err)
		}
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = d.comma, true
	cw.Write(d.header)
	period := d.period(s.Year, s.Month)
	for _, l := range s.Lines {
		var nums, spans []string
		for _, iv := range l.Intervals {
			num := iv.E164
			if d.bom {
				num = iv.Display
			}
			if len(nums) == 0 || nums[len(nums)-1] != num {
				nums = append(nums, num)
			}
			spans = append(spans, d.day(iv.FirstDay)+d.to+d.day(iv.LastDay))
		}
		cw.Write([]string{
			d.text(period), d.text(l.Line), d.text(strings.Join(nums, d.then)), d.text(strings.Join(spans, d.and)),
			strconv.Itoa(l.Days), strconv.Itoa(s.DaysInMonth),
			d.amount(l.MonthlyNetCents), d.amount(l.RecurringNetCents), d.amount(l.OneTimeNetCents),
			d.amount(l.NetCents), d.rate(l.VATRate), d.amount(l.VATCents), d.amount(l.GrossCents), d.text(s.Currency),
		})
	}
	if d.bom {
		t := s.Totals
		cw.Write([]string{d.text(period), "Summe", "", "", "", "", "", "", "",
			d.amount(t.NetCents), "", d.amount(t.VATCents), d.amount(t.GrossCents), d.text(s.Currency)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return numberdesk.Internal(op, err)
	}
	return nil
}

// dialect is what distinguishes the two CSV formats.
type dialect struct {
	bom     bool // ExcelDE: byte order mark, formula guard, German
	comma   rune
	decimal byte
	then    string // between the numbers of a line
	to      string // between the first and last day of an interval
	and     string // between intervals
	header  []string
}

var excelDE = dialect{
	bom: true, comma: ';', decimal: ',', then: " → ", to: "–", and: ", ",
	header: []string{"Abrechnungsmonat", "Position", "Rufnummer", "Zeitraum", "Tage", "Tage im Monat",
		"Monatspreis netto", "Anteil netto", "Einmalig netto", "Netto", "USt-Satz %", "USt", "Brutto", "Währung"},
}

var rfc4180 = dialect{
	comma: ',', decimal: '.', then: " ", to: "/", and: " ",
	header: []string{"period", "line", "numbers", "intervals", "days", "days_in_month",
		"monthly_net", "recurring_net", "one_time_net", "net", "vat_rate", "vat", "gross", "currency"},
}

var monthsDE = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
	"September", "Oktober", "November", "Dezember"}

// period names the month: "März 2026" or "2026-03".
func (d dialect) period(year int, month time.Month) string {
	if d.bom {
		return monthsDE[month-1] + " " + strconv.Itoa(year)
	}
	return time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// day formats an ISO day: "17.03.2026" or as it is.
func (d dialect) day(iso string) string {
	if !d.bom {
		return iso
	}
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02.01.2006")
}

// amount formats cents with the dialect's decimal mark: "-1234,05".
func (d dialect) amount(cents int64) string {
	var b []byte
	u := uint64(cents)
	if cents < 0 {
		b, u = append(b, '-'), -u
	}
	b = strconv.AppendUint(b, u/100, 10)
	return string(append(b, d.decimal, byte('0'+u%100/10), byte('0'+u%10)))
}

// rate formats basis points as percent: "19", "7,7" / "7.7".
func (d dialect) rate(bp int) string {
	s := strconv.Itoa(bp / 100)
	if f := bp % 100; f != 0 {
		s += string(d.decimal) + strings.TrimRight(strconv.Itoa(100 + f)[1:], "0")
	}
	return s
}

// text guards a text cell of ExcelDE against formula injection.
func (d dialect) text(s string) string {
	if d.bom && s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

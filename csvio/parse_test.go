package csvio_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/csvio"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

const bom = "\uFEFF"

func parse(t *testing.T, s string) *csvio.File {
	t.Helper()
	f, err := csvio.Parse(strings.NewReader(s), csvio.Limits{})
	require.NoError(t, err)
	return f
}

// The German variant as Excel saves it: byte order mark, ";", CRLF, German
// headers and labels, TT.MM.JJJJ, a guarded cell, a blank row and an empty
// column without header.
func TestParseExcelDE(t *testing.T) {
	f := parse(t, bom+"Rufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail);\r\n"+
		"0221 123456;10;19;neu;;Sprache;Anna@Muster.example;\r\n"+
		";;;;;;;\r\n"+
		"'+49 30 999888;;;portiert;1.3.2026;persönliche Faxnummer;ben@muster.example;\r\n"+
		"\"089 555001\";;;Reserviert;;Gemeinsame Faxnummer;\"anna@muster.example, ben@muster.example\";\r\n")
	require.Equal(t, csvio.ExcelDE, f.Variant)
	require.Empty(t, f.Errors)
	require.Equal(t, []numbers.ImportRow{
		{Row: 2, Number: "+49221123456", ExtensionFrom: "10", ExtensionTo: "19", Origin: numbers.OriginNew, UsageType: routing.UsageVoice,
			Holders: []string{"anna@muster.example"}},
		{Row: 4, Number: "+4930999888", Origin: numbers.OriginPorted, PortingDate: "2026-03-01", UsageType: routing.UsageFaxPersonal,
			Holders: []string{"ben@muster.example"}},
		{Row: 5, Number: "+4989555001", Origin: numbers.OriginReserved, UsageType: routing.UsageFaxShared,
			Holders: []string{"anna@muster.example", "ben@muster.example"}},
	}, f.Rows)
}

// Plain RFC 4180 with English headers and codes, in another order, and the
// columns WriteNumbers adds, which Parse ignores.
func TestParseRFC4180(t *testing.T) {
	f := parse(t, "status,holders,number,porting_date,origin,usage_type,id\n"+
		"active,anna@muster.example,+49 221 4711,,,conference,x\n"+
		"new,,0221 4712,2026-03-01,ported,,y\n")
	require.Equal(t, csvio.RFC4180, f.Variant)
	require.Empty(t, f.Errors)
	require.Equal(t, []numbers.ImportRow{
		{Row: 2, Number: "+492214711", UsageType: routing.UsageConference, Holders: []string{"anna@muster.example"}},
		{Row: 3, Number: "+492214712", Origin: numbers.OriginPorted, PortingDate: "2026-03-01"},
	}, f.Rows)
}

func TestParseDetectsVariant(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want csvio.Variant
	}{
		{"semicolons", "Rufnummer;Herkunft\n0221 4711;neu\n", csvio.ExcelDE},
		{"commas", "number,origin\n0221 4711,new\n", csvio.RFC4180},
		{"German names with commas", "Rufnummer,Herkunft\n0221 4711,neu\n", csvio.RFC4180},
		{"one column with byte order mark", bom + "Rufnummer\n0221 4711\n", csvio.ExcelDE},
		{"one column without", "Rufnummer\n0221 4711\n", csvio.RFC4180},
		{"Excel's hint line", "sep=;\nRufnummer\n0221 4711\n", csvio.ExcelDE},
		{"blank lines first", "\n\nnumber;origin\n0221 4711;new\n", csvio.ExcelDE},
		{"aliases", "Stammnummer;durchwahl_von;DURCHWAHL-BIS\n0221 4711;1;2\n", csvio.ExcelDE},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := parse(t, c.in)
			require.Equal(t, c.want, f.Variant)
			require.Empty(t, f.Errors)
			require.Len(t, f.Rows, 1)
			require.Equal(t, "+492214711", f.Rows[0].Number)
		})
	}
	f := parse(t, "sep=;\nRufnummer\n0221 4711\n")
	require.Equal(t, 3, f.Rows[0].Row, "the hint line counts")
}

// TestParseMalformedRows names every class of a malformed row: each is a
// *csvio.ParseError holding a *numberdesk.Error with CodeInvalid, the
// column's key as Field, a German message and the row; the other rows of
// the file are read all the same.
func TestParseMalformedRows(t *testing.T) {
	const head = "Rufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail)\n"
	cases := []struct {
		class  csvio.Class
		row    string
		field  string
		column string
		lim    csvio.Limits
	}{
		{csvio.ClassSyntax, `0221 123456;"10"x;19;;;;`, "row", "", csvio.Limits{}},
		{csvio.ClassCells, `0221 123456;;;;;;;zu viel`, "row", "", csvio.Limits{}},
		{csvio.ClassEncoding, "0221 123456;;;ne\xfc;;;", "origin", "Herkunft", csvio.Limits{}},
		{csvio.ClassCellSize, "0221 123456;;;;;;" + strings.Repeat("a", 40) + "@muster.example", "holders", "Inhaber (E-Mail)", csvio.Limits{MaxCellBytes: 32}},
		{csvio.ClassRequired, `;10;19;neu;;;`, "number", "Rufnummer", csvio.Limits{}},
		{csvio.ClassNumber, `0221 12a;;;;;;`, "number", "Rufnummer", csvio.Limits{}},
		{csvio.ClassNumber, `4,92211E+11;;;;;;`, "number", "Rufnummer", csvio.Limits{}},
		{csvio.ClassExtension, `0221 123456;1a;19;;;;`, "extension_from", "Durchwahl von", csvio.Limits{}},
		{csvio.ClassExtension, `0221 123456;1;123456;;;;`, "extension_to", "Durchwahl bis", csvio.Limits{}},
		{csvio.ClassOrigin, `0221 123456;;;gekauft;;;`, "origin", "Herkunft", csvio.Limits{}},
		{csvio.ClassDate, `0221 123456;;;portiert;31.02.2026;;`, "porting_date", "Portierungsdatum", csvio.Limits{}},
		{csvio.ClassDate, `0221 123456;;;portiert;01.03.26;;`, "porting_date", "Portierungsdatum", csvio.Limits{}},
		{csvio.ClassDate, `0221 123456;;;portiert;2026/03/01;;`, "porting_date", "Portierungsdatum", csvio.Limits{}},
		{csvio.ClassUsageType, `0221 123456;;;;;Fax;`, "usage_type", "Verwendungstyp", csvio.Limits{}},
		{csvio.ClassEmail, `0221 123456;;;;;;anna@`, "holders", "Inhaber (E-Mail)", csvio.Limits{}},
		{csvio.ClassEmail, `0221 123456;;;;;;Anna Muster <anna@muster.example>`, "holders", "Inhaber (E-Mail)", csvio.Limits{}},
	}
	for _, c := range cases {
		t.Run(string(c.class)+"/"+c.row, func(t *testing.T) {
			in := head + "0221 4711;;;;;;\n" + c.row + "\n0221 4712;;;;;;\n"
			f, err := csvio.Parse(strings.NewReader(in), c.lim)
			require.NoError(t, err)
			require.Len(t, f.Rows, 2, "the good rows around it")
			require.Equal(t, 2, f.Rows[0].Row)
			require.Equal(t, 4, f.Rows[1].Row)
			require.NotEmpty(t, f.Errors)
			pe := f.Errors[0]
			require.Equal(t, c.class, pe.Class, "%v", pe)
			require.Equal(t, 3, pe.Row)
			require.Equal(t, c.column, pe.Column)
			requireInvalid(t, pe, c.field)
			require.True(t, strings.HasPrefix(pe.Error(), "Zeile 3"), pe.Error())
		})
	}
}

// TestParseFile names every class of a file Parse refuses as a whole.
func TestParseFile(t *testing.T) {
	cases := []struct {
		name  string
		class csvio.Class
		in    string
		field string
		row   int
		lim   csvio.Limits
	}{
		{"empty", csvio.ClassHeader, "", "header", 0, csvio.Limits{}},
		{"no number column", csvio.ClassHeader, "Herkunft;Verwendungstyp\nneu;Sprache\n", "header", 1, csvio.Limits{}},
		{"no header", csvio.ClassHeader, "0221 4711;neu\n", "header", 1, csvio.Limits{}},
		{"unknown column", csvio.ClassHeader, "Rufnummer;Bemerkung\n0221 4711;x\n", "header", 1, csvio.Limits{}},
		{"repeated column", csvio.ClassHeader, "Rufnummer;Stammnummer\n0221 4711;0221 4712\n", "header", 1, csvio.Limits{}},
		{"header not UTF-8", csvio.ClassHeader, "Rufnummer;K\xfcndigungsdatum\n", "header", 1, csvio.Limits{}},
		{"header bad quotes", csvio.ClassHeader, "Rufnummer;\"Herkunft\n", "header", 1, csvio.Limits{}},
		{"no rows", csvio.ClassEmpty, bom + "Rufnummer;Herkunft\r\n;\r\n\r\n", "file", 0, csvio.Limits{}},
		{"UTF-16", csvio.ClassFileCode, "\xff\xfeR\x00u\x00", "file", 0, csvio.Limits{}},
		{"too many bytes", csvio.ClassBytes, "Rufnummer\n0221 4711\n0221 4712\n", "file", 0, csvio.Limits{MaxBytes: 20}},
		{"too many rows", csvio.ClassRows, "Rufnummer\n0221 4711\n\n0221 4712\n0221 4713\n", "file", 5, csvio.Limits{MaxRows: 2}},
		{"too many bad rows", csvio.ClassRows, "Rufnummer\n\"x\"y\n\"x\"y\n\"x\"y\n", "file", 4, csvio.Limits{MaxRows: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := csvio.Parse(strings.NewReader(c.in), c.lim)
			require.Nil(t, f)
			var pe *csvio.ParseError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, c.class, pe.Class, "%v", err)
			require.Equal(t, c.row, pe.Row)
			requireInvalid(t, err, c.field)
		})
	}
	// Up to the limits is fine.
	f, err := csvio.Parse(strings.NewReader("Rufnummer\n0221 4711\n0221 4712\n"), csvio.Limits{MaxRows: 2, MaxBytes: 31, MaxCellBytes: 11})
	require.NoError(t, err)
	require.Len(t, f.Rows, 2)
}

// A row with several problems has an error for each.
func TestParseRowWithSeveralProblems(t *testing.T) {
	f := parse(t, "Rufnummer;Herkunft;Verwendungstyp;Inhaber\nx;y;z;@;\n")
	var classes []csvio.Class
	for _, e := range f.Errors {
		require.Equal(t, 2, e.Row)
		classes = append(classes, e.Class)
	}
	require.Equal(t, []csvio.Class{csvio.ClassNumber, csvio.ClassOrigin, csvio.ClassUsageType, csvio.ClassEmail}, classes)
	require.Empty(t, f.Rows)
}

func requireInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var e *numberdesk.Error
	require.True(t, errors.As(err, &e), "%T %v", err, err)
	require.Equal(t, numberdesk.CodeInvalid, e.Code)
	require.Equal(t, "csvio.Parse", e.Op)
	require.Equal(t, field, e.Field, "%v", err)
	require.NotEmpty(t, e.Message)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, field, numberdesk.ErrorField(err))
}

// A failing reader is CodeInternal, before the header and after it.
func TestParseReaderError(t *testing.T) {
	for _, head := range []string{"", "Rufnummer\n0221 4711\n"} {
		_, err := csvio.Parse(io.MultiReader(strings.NewReader(head), iotest.ErrReader(errors.New("connection reset"))), csvio.Limits{})
		require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err), "%v", err)
		var pe *csvio.ParseError
		require.False(t, errors.As(err, &pe))
	}
}

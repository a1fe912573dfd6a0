package csvio

import (
	"strings"
	"time"
	"unicode"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// Variant is one of the two CSV variants csvio reads and writes.
type Variant int

// The variants.
const (
	// ExcelDE is for spreadsheets with German settings (Excel,
	// LibreOffice): UTF-8 with a byte order mark, ";" between cells, CRLF
	// line ends, days as TT.MM.JJJJ, decimal comma, German headers and
	// labels ("portiert", "persönliche Faxnummer"), and text cells guarded
	// against formula injection when written.
	ExcelDE Variant = iota + 1
	// RFC4180 is for programs: plain RFC 4180 (UTF-8 without byte order
	// mark, "," between cells, CRLF line ends, quotes only where needed),
	// ISO 8601 days, decimal point, snake_case headers and codes
	// ("ported", "fax_personal"), cells as they are.
	RFC4180
)

// String returns "excel-de" or "rfc4180".
func (v Variant) String() string {
	switch v {
	case ExcelDE:
		return "excel-de"
	case RFC4180:
		return "rfc4180"
	}
	return "unknown"
}

// comma is the separator of v.
func (v Variant) comma() rune {
	if v == ExcelDE {
		return ';'
	}
	return ','
}

// check returns CodeInvalid (Field "variant") for an unknown v.
func (v Variant) check(op string) error {
	if v != ExcelDE && v != RFC4180 {
		return numberdesk.E(numberdesk.CodeInvalid, op, "variant", "Das CSV-Format ist unbekannt.")
	}
	return nil
}

// billing returns the billing.CSVFormat of v.
func (v Variant) billing() billing.CSVFormat {
	if v == ExcelDE {
		return billing.ExcelDE
	}
	return billing.RFC4180
}

// column is a column of the inventory files.
type column struct {
	key     string   // the Field of its errors and the RFC 4180 header
	de      string   // the ExcelDE header
	aliases []string // further header names read (normalized, see norm)
	read    bool     // Parse reads it; the others are written by WriteNumbers and ignored by Parse
}

// columns are the inventory's columns in the order they are written.
var columns = []column{
	{key: "number", de: "Rufnummer", aliases: []string{"stammnummer", "nummer", "e164", "phonenumber"}, read: true},
	{key: "extension_from", de: "Durchwahl von", aliases: []string{"durchwahlab", "extfrom"}, read: true},
	{key: "extension_to", de: "Durchwahl bis", aliases: []string{"extto"}, read: true},
	{key: "origin", de: "Herkunft", read: true},
	{key: "porting_date", de: "Portierungsdatum", aliases: []string{"portierungstermin", "portierung"}, read: true},
	{key: "usage_type", de: "Verwendungstyp", aliases: []string{"usage"}, read: true},
	{key: "holders", de: "Inhaber (E-Mail)", aliases: []string{"inhaber", "email", "inhaberemails", "holder", "holderemail", "holderemails"}, read: true},
	{key: "status", de: "Status"},
	{key: "notice_date", de: "Kündigungsdatum", aliases: []string{"kuendigungsdatum"}},
	{key: "created_at", de: "Angelegt am", aliases: []string{"angelegt", "created"}},
	{key: "id", de: "ID"},
}

// readColumns is how many columns of columns Parse reads (they come first).
const readColumns = 7

// header returns the header of the first n columns in v.
func header(v Variant, n int) []string {
	h := make([]string, n)
	for i, c := range columns[:n] {
		h[i] = c.name(v)
	}
	return h
}

// name returns the header of c in v.
func (c column) name(v Variant) string {
	if v == ExcelDE {
		return c.de
	}
	return c.key
}

// ColumnName returns the header of the column whose errors have Field
// field ("porting_date" → "Portierungsdatum" in ExcelDE), so that a UI can
// name the column of a row's error (numbers.ImportRowResult); field itself
// if no column has it.
func ColumnName(field string, v Variant) string {
	for _, c := range columns {
		if c.key == field {
			return c.name(v)
		}
	}
	return field
}

// byName maps every normalized header name to its column.
var byName = func() map[string]*column {
	m := map[string]*column{}
	for i := range columns {
		c := &columns[i]
		for _, n := range append([]string{c.key, c.de}, c.aliases...) {
			m[norm(n)] = c
		}
	}
	return m
}()

// norm folds a header name or a label for comparison: lower case, letters
// and digits only ("Inhaber (E-Mail)" → "inhaberemail", "usage_type" →
// "usagetype").
func norm(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// The labels of the values, read in both variants (normalized, see norm).
var (
	origins = map[string]numbers.Origin{
		"neu": numbers.OriginNew, "new": numbers.OriginNew,
		"portiert": numbers.OriginPorted, "ported": numbers.OriginPorted,
		"reserviert": numbers.OriginReserved, "reserved": numbers.OriginReserved,
	}
	usages = map[string]routing.UsageType{
		"sprache": routing.UsageVoice, "voice": routing.UsageVoice,
		"konferenz": routing.UsageConference, "conference": routing.UsageConference,
		"persönlichefaxnummer": routing.UsageFaxPersonal, "persoenlichefaxnummer": routing.UsageFaxPersonal,
		"faxpersönlich": routing.UsageFaxPersonal, "faxpersonal": routing.UsageFaxPersonal, "personalfax": routing.UsageFaxPersonal,
		"gemeinsamefaxnummer": routing.UsageFaxShared, "faxgemeinsam": routing.UsageFaxShared,
		"faxshared": routing.UsageFaxShared, "sharedfax": routing.UsageFaxShared,
	}
)

// originLabel writes o in v: "portiert" or "ported".
func originLabel(o numbers.Origin, v Variant) string {
	if v != ExcelDE {
		return string(o)
	}
	switch o {
	case numbers.OriginNew:
		return "neu"
	case numbers.OriginPorted:
		return "portiert"
	case numbers.OriginReserved:
		return "reserviert"
	}
	return string(o)
}

// usageLabel writes u in v: "persönliche Faxnummer" or "fax_personal".
func usageLabel(u routing.UsageType, v Variant) string {
	if v != ExcelDE {
		return string(u)
	}
	return u.Label()
}

// roleLabel writes r in v.
func roleLabel(r numberdesk.Role, v Variant) string {
	if v != ExcelDE {
		return string(r)
	}
	switch r {
	case numberdesk.RoleOwner:
		return "Administrator"
	case numberdesk.RoleManager:
		return "Manager"
	case numberdesk.RoleEmployee:
		return "Mitarbeiter"
	case numberdesk.RoleSystem:
		return "System"
	}
	return string(r)
}

// parseDay reads a day as TT.MM.JJJJ (also T.M.JJJJ) or JJJJ-MM-TT and
// returns it as JJJJ-MM-TT.
func parseDay(s string) (string, bool) {
	layouts := []string{"2.1.2006", time.DateOnly}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil && t.Year() >= 1000 {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}

// day writes the ISO day iso in v: "01.03.2026" or "2026-03-01"; a value
// that is no ISO day as it is.
func day(iso string, v Variant) string {
	if v != ExcelDE {
		return iso
	}
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02.01.2006")
}

// guard protects a text cell of ExcelDE against formula injection, as
// billing.WriteCSV does: a cell starting with "=", "+", "-", "@", a tab or
// a carriage return gets a leading apostrophe.
func guard(s string, v Variant) string {
	if v == ExcelDE && s != "" && strings.IndexByte(guarded, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// guarded are the first bytes guard prefixes.
const guarded = "=+-@\t\r"

// unguard takes the apostrophe of guard off a cell again.
func unguard(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.IndexByte(guarded, s[1]) >= 0 {
		return s[1:]
	}
	return s
}

package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/staff"
)

// Limits bound what Parse reads. Zero fields take their defaults.
type Limits struct {
	// MaxRows is the most data rows (not counting the header and blank
	// rows); default numbers.MaxImportRows.
	MaxRows int
	// MaxCellBytes is the longest cell in bytes; default
	// DefaultMaxCellBytes.
	MaxCellBytes int
	// MaxBytes is the largest file in bytes; default DefaultMaxBytes.
	MaxBytes int64
}

// Defaults of Limits.
const (
	DefaultMaxCellBytes       = 256
	DefaultMaxBytes     int64 = 8 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxRows <= 0 {
		l.MaxRows = numbers.MaxImportRows
	}
	if l.MaxCellBytes <= 0 {
		l.MaxCellBytes = DefaultMaxCellBytes
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// Class is the kind of a ParseError.
type Class string

// The classes of ParseError. File classes end Parse (its error); row
// classes are collected in File.Errors, one per cell at fault (or per row,
// Field "row"), and Parse goes on with the next row.
const (
	// File classes (Field "file", or "header" for ClassHeader).
	ClassHeader   Class = "header"    // no header with a Rufnummer column, an unknown or a repeated column
	ClassEmpty    Class = "empty"     // a header and no data row
	ClassFileCode Class = "file_code" // UTF-16 (Excel's "Unicode-Text") instead of UTF-8
	ClassBytes    Class = "bytes"     // larger than Limits.MaxBytes
	ClassRows     Class = "rows"      // more data rows than Limits.MaxRows (Row: the first one too many)

	// Row classes (Field: the column's key, or "row").
	ClassSyntax    Class = "syntax"     // quotes out of place (Field "row")
	ClassCells     Class = "cells"      // values beyond the header's columns or under an empty header (Field "row")
	ClassEncoding  Class = "encoding"   // a cell that is not UTF-8
	ClassCellSize  Class = "cell_size"  // a cell longer than Limits.MaxCellBytes
	ClassRequired  Class = "required"   // no Rufnummer
	ClassNumber    Class = "number"     // a Rufnummer that is no phone number
	ClassExtension Class = "extension"  // a Durchwahl that is not 1 to 5 digits
	ClassOrigin    Class = "origin"     // an unknown Herkunft
	ClassDate      Class = "date"       // a Portierungsdatum that is no day
	ClassUsageType Class = "usage_type" // an unknown Verwendungstyp
	ClassEmail     Class = "email"      // an Inhaber that is no e-mail address
)

// ParseError is what Parse refuses: the whole file (Row 0 or the row where
// a limit was reached) or a malformed row. Err is a *numberdesk.Error with
// CodeInvalid, Op "csvio.Parse", Field the column's key ("porting_date";
// "row" for the row as a whole, "file" or "header" for the file) and a
// German Message; errors.As finds it through a ParseError.
type ParseError struct {
	Class Class `json:"class"`
	// Row is the line of the file where the row starts (the header is
	// line 1, or 2 after a "sep=;" line): the row number of a spreadsheet
	// as long as no cell holds a line break.
	Row int `json:"row"`
	// Column is the column's header as the file has it ("" if none).
	Column string            `json:"column,omitempty"`
	Err    *numberdesk.Error `json:"error"`
}

// Error returns "Zeile 5, Spalte „Portierungsdatum“: message".
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Row > 0 {
		b.WriteString("Zeile " + strconv.Itoa(e.Row))
	}
	if e.Column != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("Spalte „" + e.Column + "“")
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Message)
	return b.String()
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// File is a parsed inventory file.
type File struct {
	// Variant is the one detected: ExcelDE for ";" (or a byte order mark
	// where the header does not tell), RFC4180 for ",".
	Variant Variant
	// Rows are the well-formed rows, in file order, with their line in
	// Row and canonical values: Number in E.164, Origin and UsageType as
	// codes, PortingDate as JJJJ-MM-TT, Holders lower case.
	Rows []numbers.ImportRow
	// Errors are the malformed rows' errors, in file order; a malformed
	// row is not in Rows.
	Errors []*ParseError
}

const op = "csvio.Parse"

func fileError(c Class, row int, field, msg string, args ...any) *ParseError {
	return &ParseError{Class: c, Row: row, Err: numberdesk.E(numberdesk.CodeInvalid, op, field, msg, args...)}
}

// errTooLarge is what the reader of Parse returns beyond Limits.MaxBytes.
var errTooLarge = errors.New("csvio: file too large")

// limited reads at most n bytes and then fails with errTooLarge.
type limited struct {
	r io.Reader
	n int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if k, _ := io.ReadFull(l.r, one[:]); k > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// Parse reads an inventory file in either variant (see the package
// documentation) within lim. A file it cannot read at all is a
// *ParseError of a file class, and File is nil; otherwise the well-formed
// rows are in File.Rows and every malformed row's errors in File.Errors.
// An error of r other than the size limit is CodeInternal.
func Parse(r io.Reader, lim Limits) (*File, error) {
	lim = lim.withDefaults()
	br := bufio.NewReaderSize(&limited{r: r, n: lim.MaxBytes}, 64<<10)
	f := &File{}
	bom := false
	switch head, _ := br.Peek(3); {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		bom = true
		br.Discard(3)
	case bytes.HasPrefix(head, []byte("\xFF\xFE")) || bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return nil, fileError(ClassFileCode, 0, "file",
			"Die Datei ist als UTF-16 gespeichert. Bitte speichern Sie sie als „CSV UTF-8 (durch Trennzeichen getrennt)“.")
	}
	line := 1
	comma := rune(0)
	if head, _ := br.Peek(7); len(head) >= 5 && strings.EqualFold(string(head[:4]), "sep=") && (head[4] == ';' || head[4] == ',') &&
		(len(head) == 5 || head[5] == '\n' || head[5] == '\r') {
		// Excel's hint line: "sep=;".
		comma = rune(head[4])
		if _, err := br.ReadString('\n'); err != nil && err != io.EOF {
			return nil, readError(err)
		}
		line++
	}
	first, err := peekLine(br)
	if err != nil {
		return nil, readError(err)
	}
	if comma == 0 {
		comma = detect(first, bom)
	}
	f.Variant = RFC4180
	if comma == ';' {
		f.Variant = ExcelDE
	}

	cr := csv.NewReader(br)
	cr.Comma, cr.FieldsPerRecord, cr.ReuseRecord = comma, -1, false
	skipped := line - 1 // the hint line, which cr does not see
	head, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return nil, fileError(ClassHeader, 0, "header", "Die Datei ist leer.")
	case errors.As(err, &pe):
		return nil, fileError(ClassHeader, pe.StartLine+skipped, "header", "Die Kopfzeile ist kein gültiges CSV.")
	case err != nil:
		return nil, readError(err)
	}
	line, _ = cr.FieldPos(0)
	line += skipped
	cols, perr := readHeader(head, line)
	if perr != nil {
		return nil, perr
	}

	rows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		switch {
		case errors.As(err, &pe):
			rows++
			if rows > lim.MaxRows {
				return nil, tooManyRows(pe.StartLine+skipped, lim.MaxRows)
			}
			f.Errors = append(f.Errors, fileError(ClassSyntax, pe.StartLine+skipped, "row",
				"Die Zeile ist kein gültiges CSV: Anführungszeichen stehen falsch."))
			continue
		case err != nil:
			return nil, readError(err)
		}
		if blank(rec) {
			continue
		}
		row, _ := cr.FieldPos(0)
		row += skipped
		if rows++; rows > lim.MaxRows {
			return nil, tooManyRows(row, lim.MaxRows)
		}
		if ir, errs := readRow(rec, head, cols, row, lim); len(errs) > 0 {
			f.Errors = append(f.Errors, errs...)
		} else {
			f.Rows = append(f.Rows, ir)
		}
	}
	if len(f.Rows) == 0 && len(f.Errors) == 0 {
		return nil, fileError(ClassEmpty, 0, "file", "Die Datei enthält keine Rufnummern.")
	}
	return f, nil
}

func tooManyRows(row, max int) *ParseError {
	return fileError(ClassRows, row, "file", "Die Datei hat mehr als %d Zeilen. Bitte teilen Sie sie auf.", max)
}

// readError is a failure of the reader: the size limit, or CodeInternal.
func readError(err error) error {
	if errors.Is(err, errTooLarge) {
		return fileError(ClassBytes, 0, "file", "Die Datei ist zu groß.")
	}
	return numberdesk.Internal(op, err)
}

// peekLine returns the first line that is not blank among those br holds,
// without reading it (up to br's buffer size).
func peekLine(br *bufio.Reader) (string, error) {
	b, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", err
	}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(bytes.TrimSpace(line)) > 0 {
			return string(line), nil
		}
	}
	return "", nil
}

// detect returns the separator of a header line: the one under which more
// of its cells are known column names; on a tie ";" in a file with a byte
// order mark, else ",".
func detect(line string, bom bool) rune {
	score := func(comma rune) int {
		r := csv.NewReader(strings.NewReader(line))
		r.Comma, r.FieldsPerRecord, r.LazyQuotes = comma, -1, true
		rec, _ := r.Read()
		n := 0
		for _, c := range rec {
			if byName[norm(c)] != nil {
				n++
			}
		}
		return n
	}
	semi, comma := score(';'), score(',')
	switch {
	case semi > comma:
		return ';'
	case comma > semi:
		return ','
	case bom:
		return ';'
	}
	return ','
}

// readHeader maps the header's cells to columns: nil for an ignored one
// (empty, or written by WriteNumbers only).
func readHeader(head []string, line int) ([]*column, *ParseError) {
	cols := make([]*column, len(head))
	seen := map[string]string{}
	known := make([]string, readColumns)
	for i, c := range columns[:readColumns] {
		known[i] = c.de
	}
	for i, h := range head {
		if !utf8.ValidString(h) {
			return nil, fileError(ClassHeader, line, "header",
				"Die Kopfzeile ist nicht in UTF-8 gespeichert. Bitte speichern Sie die Datei als „CSV UTF-8 (durch Trennzeichen getrennt)“.")
		}
		name := strings.TrimSpace(unguard(strings.TrimSpace(h)))
		if name == "" {
			continue
		}
		c := byName[norm(name)]
		if c == nil {
			return nil, fileError(ClassHeader, line, "header", "Die Spalte „%s“ ist unbekannt. Bekannt sind: %s.",
				clip(name), strings.Join(known, ", "))
		}
		if prev, dup := seen[c.key]; dup {
			return nil, fileError(ClassHeader, line, "header", "Die Spalten „%s“ und „%s“ meinen dasselbe.", clip(prev), clip(name))
		}
		seen[c.key] = name
		if c.read {
			cols[i] = c
		}
	}
	if _, ok := seen["number"]; !ok {
		return nil, fileError(ClassHeader, line, "header", "Die Kopfzeile hat keine Spalte „Rufnummer“.")
	}
	return cols, nil
}

// blank reports whether every cell of rec is empty or white space.
func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readRow reads the record rec (starting on line row) with the header's
// columns: the row, or its errors.
func readRow(rec, head []string, cols []*column, row int, lim Limits) (numbers.ImportRow, []*ParseError) {
	ir := numbers.ImportRow{Row: row}
	var errs []*ParseError
	stray := false
	bad := func(c Class, i int, field, msg string, args ...any) {
		e := fileError(c, row, field, msg, args...)
		if i < len(head) {
			e.Column = strings.TrimSpace(head[i])
		}
		errs = append(errs, e)
	}
	for i, cell := range rec {
		var col *column
		if i < len(cols) {
			col = cols[i]
		}
		if col == nil {
			if i < len(head) && strings.TrimSpace(head[i]) != "" {
				continue // a column WriteNumbers writes, ignored
			}
			if strings.TrimSpace(cell) != "" && !stray {
				stray = true
				bad(ClassCells, len(head), "row", "Die Zeile hat einen Wert in Spalte %d, die keine Überschrift hat.", i+1)
			}
			continue
		}
		switch {
		case !utf8.ValidString(cell):
			bad(ClassEncoding, i, col.key,
				"Der Wert ist nicht in UTF-8 gespeichert. Bitte speichern Sie die Datei als „CSV UTF-8 (durch Trennzeichen getrennt)“.")
			continue
		case len(cell) > lim.MaxCellBytes:
			bad(ClassCellSize, i, col.key, "Der Wert ist länger als %d Byte.", lim.MaxCellBytes)
			continue
		}
		v := strings.TrimSpace(unguard(strings.TrimSpace(cell)))
		switch col.key {
		case "number":
			if v == "" {
				break // ClassRequired below
			}
			n, err := phone.Parse(v)
			if err != nil {
				bad(ClassNumber, i, col.key, "%s", numberdesk.ErrorMessage(err))
				break
			}
			ir.Number = string(n)
		case "extension_from", "extension_to":
			if v != "" && !extension(v) {
				bad(ClassExtension, i, col.key, "Eine Durchwahl besteht aus 1 bis 5 Ziffern, nicht „%s“.", clip(v))
				break
			}
			if col.key == "extension_from" {
				ir.ExtensionFrom = v
			} else {
				ir.ExtensionTo = v
			}
		case "origin":
			if v == "" {
				break
			}
			o, ok := origins[norm(v)]
			if !ok {
				bad(ClassOrigin, i, col.key, "Die Herkunft „%s“ ist unbekannt; möglich sind neu, portiert und reserviert.", clip(v))
				break
			}
			ir.Origin = o
		case "porting_date":
			if v == "" {
				break
			}
			d, ok := parseDay(v)
			if !ok {
				bad(ClassDate, i, col.key, "„%s“ ist kein gültiges Datum; bitte TT.MM.JJJJ oder JJJJ-MM-TT.", clip(v))
				break
			}
			ir.PortingDate = d
		case "usage_type":
			if v == "" {
				break
			}
			u, ok := usages[norm(v)]
			if !ok {
				bad(ClassUsageType, i, col.key, "Der Verwendungstyp „%s“ ist unbekannt; möglich sind Sprache, Konferenz, "+
					"persönliche Faxnummer und gemeinsame Faxnummer.", clip(v))
				break
			}
			ir.UsageType = u
		case "holders":
			for _, a := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
				e, err := staff.NormalizeEmail(op, col.key, a)
				if err != nil {
					bad(ClassEmail, i, col.key, "„%s“ ist keine gültige E-Mail-Adresse.", clip(a))
					continue
				}
				ir.Holders = append(ir.Holders, e)
			}
		}
	}
	if ir.Number == "" && !hasField(errs, "number") {
		i := len(head)
		for j, c := range cols {
			if c != nil && c.key == "number" {
				i = j
			}
		}
		bad(ClassRequired, i, "number", "Bitte geben Sie die Rufnummer an.")
	}
	return ir, errs
}

func hasField(errs []*ParseError, field string) bool {
	for _, e := range errs {
		if e.Err.Field == field {
			return true
		}
	}
	return false
}

// extension reports whether s is 1 to 5 digits.
func extension(s string) bool {
	if len(s) < 1 || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip returns a value for a message: at most 40 runes.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:39]) + "…"
}

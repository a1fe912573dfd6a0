package wasm

// The model behind the import/export dialog and the statement's
// downloads: exports as files, the in-browser import and export of the
// demo (csvio on the SDK's services), the per-row result table of an
// import, and the browser's side of files (reading a chosen file, saving
// a download through a Blob URL and an <a download>).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/csvio"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// ExportKind is what an export holds.
type ExportKind string

// The exports.
const (
	ExportNumbers   ExportKind = "numbers"   // the number overview, with its filters
	ExportEvents    ExportKind = "events"    // the event log (owner and manager)
	ExportStatement ExportKind = "statement" // a month's statement (owner and manager)
)

// ExportFormat is the form of an export file.
type ExportFormat string

// The forms: CSV for German spreadsheets, CSV for programs, and JSON (the
// statement only).
const (
	FormatExcel   ExportFormat = "excel"
	FormatRFC4180 ExportFormat = "rfc4180"
	FormatJSON    ExportFormat = "json"
)

// Export asks for an export file.
type Export struct {
	Kind   ExportKind
	Format ExportFormat
	// Query filters the overview (ExportNumbers); paging is ignored.
	Query numbers.Query
	// Year and Month name the statement's month (ExportStatement).
	Year  int
	Month time.Month
}

// Download is a file for the browser to save: its bytes, or in server
// mode the URL of the API's export (a same-origin link: the session cookie
// goes along, and the browser saves the server's bytes as they are).
type Download struct {
	Name string // "abrechnung-2026-12.csv"
	Type string // its media type
	Data []byte
	URL  string
}

// variant returns the csvio variant of a CSV format; JSON is CodeInvalid
// but for the statement.
func (x Export) variant(op string) (csvio.Variant, error) {
	switch x.Format {
	case FormatExcel:
		return csvio.ExcelDE, nil
	case FormatRFC4180:
		return csvio.RFC4180, nil
	case FormatJSON:
		if x.Kind == ExportStatement {
			return 0, nil
		}
	}
	return 0, numberdesk.E(numberdesk.CodeInvalid, op, "format", "Das Format der Datei ist unbekannt.")
}

// DownloadName is the file name of an export made at now in loc:
// "rufnummern-2026-12-05.csv", "ereignisprotokoll-2026-12-05.csv",
// "abrechnung-2026-12.json".
func DownloadName(x Export, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	ext := ".csv"
	if x.Format == FormatJSON {
		ext = ".json"
	}
	day := now.In(loc).Format(time.DateOnly)
	switch x.Kind {
	case ExportEvents:
		return "ereignisprotokoll-" + day + ext
	case ExportStatement:
		return "abrechnung-" + MonthKey(x.Year, x.Month) + ext
	}
	return "rufnummern-" + day + ext
}

// mediaType is the Content-Type of an export file.
func mediaType(f ExportFormat) string {
	if f == FormatJSON {
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

// localExport makes an export in the browser: csvio's writers on the
// demo's services, as the acting user may read them (the SDK refuses the
// event log and the statement to an employee). Holders are written by
// e-mail, so that an exported overview imports again.
func localExport(ctx context.Context, l Local, x Export) (*Download, error) {
	const op = "wasm.Export"
	v, err := x.variant(op)
	if err != nil {
		return nil, err
	}
	actor, loc := l.Actor(), l.Location()
	es, err := l.D.Employees(ctx)
	if err != nil {
		return nil, err
	}
	mails := make(map[numberdesk.StaffID]string, len(es))
	for _, e := range es {
		mails[e.ID] = e.Email
	}
	opts := csvio.Options{Variant: v, Location: loc, Holder: func(id numberdesk.StaffID) string { return mails[id] }}
	var buf bytes.Buffer
	switch x.Kind {
	case ExportNumbers:
		err = csvio.WriteNumbers(ctx, &buf, l.D.Numbers, actor, x.Query, opts)
	case ExportEvents:
		err = csvio.WriteEvents(ctx, &buf, l.D.Numbers, actor, numberdesk.EventFilter{}, opts)
	case ExportStatement:
		var st *billing.MonthlyStatement
		if st, err = localStatement(ctx, l.D.Numbers, actor, loc, x.Year, x.Month); err != nil {
			return nil, err
		}
		if x.Format == FormatJSON {
			var b []byte
			if b, err = json.MarshalIndent(st, "", "  "); err != nil {
				return nil, numberdesk.Internal(op, err)
			}
			buf.Write(b)
		} else {
			err = csvio.WriteStatement(&buf, st, v)
		}
	default:
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "kind", "Dieser Export ist unbekannt.")
	}
	if err != nil {
		return nil, err
	}
	return &Download{Name: DownloadName(x, l.Now(), loc), Type: mediaType(x.Format), Data: buf.Bytes()}, nil
}

// importer is what localImport calls: numbers.Service.
type importer interface {
	Import(ctx context.Context, actor numberdesk.Actor, req numbers.ImportRequest) (*numbers.ImportResult, error)
}

// localImport reads an inventory file in the browser (csvio.Parse) and
// hands its rows to the SDK's Import: a dry run reports every row of the
// file, the malformed ones included (csvio.File.Report); an apply of a file
// with malformed rows, or with rows the dry run would refuse, changes
// nothing. A file that cannot be read at all is CodeInvalid with Field
// "file" and the row in its message.
func localImport(ctx context.Context, svc importer, actor numberdesk.Actor, file []byte, dryRun bool, key string) (*numbers.ImportResult, error) {
	f, err := csvio.Parse(bytes.NewReader(file), csvio.Limits{})
	if err != nil {
		return nil, fileError(err)
	}
	req, err := f.Request(dryRun, key)
	if err != nil {
		return nil, err
	}
	if dryRun && len(f.Rows) == 0 {
		// Every row is malformed: nothing to ask the service.
		return f.Report(&numbers.ImportResult{DryRun: true}), nil
	}
	res, err := svc.Import(ctx, actor, req)
	if res != nil && dryRun {
		res = f.Report(res)
	}
	return res, err
}

// fileError is the error of a file Parse refused as a whole, with its row
// and column in the message ("Zeile 10.002: …").
func fileError(err error) error {
	var pe *csvio.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	return &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: "wasm.ImportCSV", Field: "file", Message: pe.Error(), Err: pe}
}

// ImportRowView is one line of the import's result table: a row of the
// file and one of its problems, or what it creates.
type ImportRowView struct {
	Row     string // the row of the file ("Zeile")
	Field   string // the column at fault ("Feld"), "–" for none
	Message string // the problem, or what the row creates ("Meldung")
	OK      bool
}

// ViewImportRows lays out the rows of an import result in the current
// language: one line per problem of a row (its column named as the German
// file names it, in English by its RFC 4180 key), and one line per row
// without problems saying what it creates. Rows with problems come first,
// so that they are seen.
func ViewImportRows(res *numbers.ImportResult) []ImportRowView {
	if res == nil {
		return nil
	}
	v := csvio.ExcelDE
	if i18n.Current() == i18n.EN {
		v = csvio.RFC4180
	}
	var bad, good []ImportRowView
	for _, r := range res.Rows {
		row := strconv.Itoa(r.Row)
		for _, e := range r.Errors {
			field := "–"
			if e.Field != "" && e.Field != "row" {
				field = csvio.ColumnName(e.Field, v)
			}
			bad = append(bad, ImportRowView{Row: row, Field: field, Message: i18n.Error(e)})
		}
		if r.OK() {
			good = append(good, ImportRowView{Row: row, Field: "–", Message: createsText(r), OK: true})
		}
	}
	return append(bad, good...)
}

// createsText says what a row without problems creates.
func createsText(r numbers.ImportRowResult) string {
	first := phone.E164(r.First).National()
	if r.Numbers > 1 && r.Last != "" {
		return i18n.T("import.creates_block", first, phone.E164(r.Last).National(), FormatCount(r.Numbers))
	}
	return i18n.T("import.creates", first)
}

// ImportSummary sums up an import result in a sentence of the current
// language: what a dry run would create, what an apply created, or how
// many rows are faulty (then nothing is imported).
func ImportSummary(res *numbers.ImportResult) string {
	if res == nil {
		return ""
	}
	s := res.Summary
	if s.Invalid > 0 {
		key := i18n.Key("import.summary_invalid")
		if s.Invalid == 1 {
			key = "import.summary_invalid_one"
		}
		return i18n.T(key, FormatCount(s.Invalid), FormatCount(s.Rows))
	}
	key := "import.summary_dry"
	if !res.DryRun {
		key = "import.summary_done"
	}
	if s.Numbers == 1 {
		key += "_one"
	}
	return i18n.T(i18n.Key(key), FormatCount(s.Numbers), counted(s.Singles, "import.singles"), counted(s.Blocks, "import.blocks"))
}

// counted is "1 Block" (key.one) or "3 Blöcke" (key).
func counted(n int, key string) string {
	if n == 1 {
		return i18n.T(i18n.Key(key + "_one"))
	}
	return i18n.T(i18n.Key(key), FormatCount(n))
}

// importable reports whether a dry run's result allows the apply: it
// creates numbers and has no faulty row.
func importable(res *numbers.ImportResult) bool {
	return res != nil && res.DryRun && res.Summary.Invalid == 0 && res.Summary.Numbers > 0
}

// saveFile hands f to the browser as a download: its URL, or a Blob URL of
// its bytes, on an <a download> that is clicked and removed again. go-app leaves a link
// with a download attribute alone (no navigation). Outside the browser it
// does nothing.
func saveFile(f *Download) {
	if !app.IsClient || f == nil {
		return
	}
	w := app.Window()
	var url any = f.URL
	if f.URL == "" {
		arr := w.Get("Uint8Array").New(len(f.Data))
		app.CopyBytesToJS(arr, f.Data)
		blob := w.Get("Blob").New([]any{arr}, map[string]any{"type": f.Type})
		url = w.Get("URL").Call("createObjectURL", blob)
	}
	doc := w.Get("document")
	a := doc.Call("createElement", "a")
	a.Set("href", url)
	a.Set("download", f.Name)
	a.Set("className", "download-link")
	a.Get("style").Set("display", "none")
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	// The URL stays valid for the page's lifetime: revoking it at once
	// could cancel the download before the browser has read the blob.
}

// readFile reads the file chosen in the <input type="file"> src (its
// first file) and calls done on the UI goroutine with its name and bytes.
// A file larger than csvio's limit is refused before it is read.
func readFile(ctx app.Context, src app.Value, done func(ctx app.Context, name string, data []byte, err error)) {
	files := src.Get("files")
	if !files.Truthy() || files.Get("length").Int() == 0 {
		done(ctx, "", nil, nil)
		return
	}
	file := files.Index(0)
	name := file.Get("name").String()
	if size := int64(file.Get("size").Float()); size > csvio.DefaultMaxBytes {
		done(ctx, name, nil, numberdesk.E(numberdesk.CodeInvalid, "wasm.ImportCSV", "file",
			"Die Datei ist größer als %d MiB.", csvio.DefaultMaxBytes>>20))
		return
	}
	file.Call("arrayBuffer").Then(func(buf app.Value) {
		arr := app.Window().Get("Uint8Array").New(buf)
		data := make([]byte, arr.Get("length").Int())
		app.CopyBytesToGo(data, arr)
		ctx.Dispatch(func(ctx app.Context) { done(ctx, name, data, nil) })
	})
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"import.creates":             {DE: "wird angelegt: {1}", EN: "will be created: {1}"},
		"import.creates_block":       {DE: "wird angelegt: {1} bis {2} ({3} Rufnummern)", EN: "will be created: {1} to {2} ({3} numbers)"},
		"import.summary_dry":         {DE: "{1} Rufnummern werden angelegt ({2}, {3}).", EN: "{1} numbers will be created ({2}, {3})."},
		"import.summary_dry_one":     {DE: "1 Rufnummer wird angelegt ({2}, {3}).", EN: "1 number will be created ({2}, {3})."},
		"import.summary_done":        {DE: "{1} Rufnummern wurden angelegt ({2}, {3}).", EN: "{1} numbers have been created ({2}, {3})."},
		"import.summary_done_one":    {DE: "1 Rufnummer wurde angelegt ({2}, {3}).", EN: "1 number has been created ({2}, {3})."},
		"import.singles":             {DE: "{1} Einzelnummern", EN: "{1} single numbers"},
		"import.singles_one":         {DE: "1 Einzelnummer", EN: "1 single number"},
		"import.blocks":              {DE: "{1} Blöcke", EN: "{1} blocks"},
		"import.blocks_one":          {DE: "1 Block", EN: "1 block"},
		"import.summary_invalid":     {DE: "{1} von {2} Zeilen sind fehlerhaft; es wird nichts importiert. Bitte korrigieren Sie die Datei und wählen Sie sie erneut.", EN: "{1} of {2} rows are faulty; nothing is imported. Please correct the file and choose it again."},
		"import.summary_invalid_one": {DE: "1 von {2} Zeilen ist fehlerhaft; es wird nichts importiert. Bitte korrigieren Sie die Datei und wählen Sie sie erneut.", EN: "1 of {2} rows is faulty; nothing is imported. Please correct the file and choose it again."},
		"err.invalid.format":         {DE: "-", EN: "The file format is unknown."},
	})
}

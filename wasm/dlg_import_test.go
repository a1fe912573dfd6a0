package wasm

// Native tests of the import/export dialog's model: the in-browser dry
// run reports every row and changes nothing, the apply is all or nothing
// and happens once per key, only the owner imports, and the exports are
// the files csvio writes for what the acting user may read.

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/csvio"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/demo"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

const importHeader = "\uFEFFRufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail)\r\n"

// state is what an import may change: the numbers and the events.
func state(t *testing.T, d *demo.Demo) (int, int) {
	t.Helper()
	p, err := d.Numbers.Overview(t.Context(), numberdesk.System(d.Tenant.ID), numbers.Query{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := d.Numbers.Events(t.Context(), numberdesk.System(d.Tenant.ID), numberdesk.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Total, len(evs)
}

func seeded(t *testing.T) *demo.Demo {
	t.Helper()
	d, err := demo.Seed(t.Context(), 0, demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A dry run names every faulty row — one the file cannot hold (a porting
// date that is no day) and one the tenant refuses (a number it has) — and
// what the good rows would create, and changes nothing; such a file does
// not import.
func TestImportDryRunReportsEveryRowAndChangesNothing(t *testing.T) {
	i18n.SetLang(i18n.DE)
	d := seeded(t)
	ctx := t.Context()
	file := []byte(importHeader +
		"0221 555000;10;19;neu;;Sprache;max.muster@muster.example\r\n" + // row 2: good, a block of 10
		"030 999888;;;portiert;30.02.2026;;\r\n" + // row 3: no such day
		demo.Block + "-10;;;neu;;;\r\n") // row 4: the tenant has it
	nums, evs := state(t, d)
	res, err := Local{d}.ImportCSV(ctx, file, true, "")
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if n, e := state(t, d); n != nums || e != evs {
		t.Fatalf("the dry run changed the tenant: %d→%d numbers, %d→%d events", nums, n, evs, e)
	}
	if importable(res) {
		t.Error("a file with faulty rows is importable")
	}
	if s := res.Summary; s.Rows != 3 || s.Invalid != 2 {
		t.Errorf("summary %+v, want 3 rows, 2 faulty", s)
	}
	if got := ImportSummary(res); !strings.HasPrefix(got, "2 von 3 Zeilen sind fehlerhaft; es wird nichts importiert.") {
		t.Errorf("summary text %q", got)
	}
	rows := ViewImportRows(res)
	byRow := map[string][]ImportRowView{}
	for _, r := range rows {
		byRow[r.Row] = append(byRow[r.Row], r)
	}
	if r := byRow["3"]; len(r) != 1 || r[0].Field != "Portierungsdatum" || !strings.Contains(r[0].Message, "30.02.2026") || r[0].OK {
		t.Errorf("row 3: %+v", r)
	}
	if r := byRow["4"]; len(r) != 1 || r[0].Field != "Rufnummer" || r[0].Message == "" || r[0].OK {
		t.Errorf("row 4: %+v", r)
	}
	if r := byRow["2"]; len(r) != 1 || !r[0].OK || !strings.HasPrefix(r[0].Message, "wird angelegt: 0221 555") || !strings.HasSuffix(r[0].Message, "(10 Rufnummern)") {
		t.Errorf("row 2: %+v", r)
	}
	if rows[len(rows)-1].Row != "2" {
		t.Errorf("the faulty rows do not come first: %+v", rows)
	}
	// The apply refuses the file and changes nothing.
	if _, err := (Local{d}).ImportCSV(ctx, file, false, "k1"); numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
		t.Errorf("apply of a faulty file: %v, want CodeInvalid", err)
	}
	if n, e := state(t, d); n != nums || e != evs {
		t.Fatalf("a refused apply changed the tenant: %d→%d numbers, %d→%d events", nums, n, evs, e)
	}
	i18n.SetLang(i18n.EN)
	defer i18n.SetLang(i18n.DE)
	for _, r := range ViewImportRows(res) {
		if r.Row == "3" && r.Field != "porting_date" {
			t.Errorf("English names the column by its key: %+v", r)
		}
	}
}

// The apply creates the rows' numbers once: the same key again (a double
// click, a retry) returns the same result and creates nothing more.
func TestImportAppliesOncePerKey(t *testing.T) {
	i18n.SetLang(i18n.DE)
	d := seeded(t)
	ctx := t.Context()
	file := []byte(importHeader + "0221 555000;10;12;neu;;;\r\n0221 555999;;;neu;;Konferenz;\r\n")
	nums, _ := state(t, d)
	dry, err := Local{d}.ImportCSV(ctx, file, true, "")
	if err != nil || !importable(dry) {
		t.Fatalf("dry run: %+v, %v", dry, err)
	}
	if got := ImportSummary(dry); got != "4 Rufnummern werden angelegt (1 Einzelnummer, 1 Block)." {
		t.Errorf("summary %q", got)
	}
	first, err := Local{d}.ImportCSV(ctx, file, false, "key-1")
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	again, err := Local{d}.ImportCSV(ctx, file, false, "key-1")
	if err != nil {
		t.Fatalf("apply again with the same key: %v", err)
	}
	if n, _ := state(t, d); n != nums+4 {
		t.Errorf("%d numbers after two applies with one key, want %d", n, nums+4)
	}
	if mustJSON(t, first) != mustJSON(t, again) {
		t.Errorf("the repeated apply answered differently:\n%+v\n%+v", first, again)
	}
	if got := ImportSummary(first); got != "4 Rufnummern wurden angelegt (1 Einzelnummer, 1 Block)." {
		t.Errorf("summary %q", got)
	}
	// Another key is another import: now every number exists.
	if _, err := (Local{d}).ImportCSV(ctx, file, false, "key-2"); err == nil {
		t.Error("a second import of the same numbers succeeded")
	}
	if n, _ := state(t, d); n != nums+4 {
		t.Errorf("%d numbers, want %d", n, nums+4)
	}
}

// Only the owner imports (the SDK says so); a file that cannot be read is
// an error on the file with the row in its message.
func TestImportRefusals(t *testing.T) {
	i18n.SetLang(i18n.DE)
	d := seeded(t)
	ctx := t.Context()
	file := []byte(importHeader + "0221 555000;;;;;;\r\n")
	actAs(t, d, "jana.schmidt@muster.example")
	if _, err := (Local{d}).ImportCSV(ctx, file, true, ""); numberdesk.ErrorCode(err) != numberdesk.CodePermission {
		t.Errorf("a manager's dry run: %v, want CodePermission", err)
	}
	actAs(t, d, "admin@muster.example")
	_, err := Local{d}.ImportCSV(ctx, []byte("Name;E-Mail\r\nx;y\r\n"), true, "")
	if numberdesk.ErrorCode(err) != numberdesk.CodeInvalid || numberdesk.ErrorField(err) != "file" || i18n.Error(err) == "" {
		t.Errorf("a file without Rufnummer: %v (field %q)", err, numberdesk.ErrorField(err))
	}
	// Every row malformed: the report, no service call.
	res, err := Local{d}.ImportCSV(ctx, []byte(importHeader+"abc;;;;;;\r\n"), true, "")
	if err != nil || res.Summary.Invalid != 1 || len(ViewImportRows(res)) != 1 {
		t.Errorf("a file of one malformed row: %+v, %v", res, err)
	}
}

// The exports are csvio's files of what the acting user may read: the
// overview with its filters (which imports again), the event log and the
// statement for owner and manager only.
func TestLocalExports(t *testing.T) {
	i18n.SetLang(i18n.DE)
	d := seeded(t)
	ctx := t.Context()
	l := Local{d}
	active := numbers.Query{Statuses: []numbers.Status{numbers.StatusActive}}
	p, err := d.Numbers.Overview(ctx, d.Actor(), active)
	if err != nil {
		t.Fatal(err)
	}
	xl, err := l.Export(ctx, Export{Kind: ExportNumbers, Format: FormatExcel, Query: active})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(xl.Data, []byte("\uFEFFRufnummer;")) || !strings.HasPrefix(xl.Name, "rufnummern-") || !strings.HasSuffix(xl.Name, ".csv") {
		t.Errorf("Excel export %q starts %q", xl.Name, xl.Data[:min(40, len(xl.Data))])
	}
	f, err := csvio.Parse(bytes.NewReader(xl.Data), csvio.Limits{})
	if err != nil || len(f.Errors) > 0 {
		t.Fatalf("the export does not read back: %v %v", err, f)
	}
	if len(f.Rows) != p.Total {
		t.Errorf("%d rows exported with the filter, the overview has %d", len(f.Rows), p.Total)
	}
	rfc, err := l.Export(ctx, Export{Kind: ExportNumbers, Format: FormatRFC4180})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(rfc.Data, []byte("\uFEFF")) || !bytes.HasPrefix(rfc.Data, []byte("number,")) {
		t.Errorf("RFC 4180 export starts %q", rfc.Data[:min(40, len(rfc.Data))])
	}
	now := d.Now().In(d.Location())
	js, err := l.Export(ctx, Export{Kind: ExportStatement, Format: FormatJSON, Year: now.Year(), Month: now.Month()})
	if err != nil {
		t.Fatal(err)
	}
	var back billing.MonthlyStatement
	if err := json.Unmarshal(js.Data, &back); err != nil {
		t.Fatal(err)
	}
	st, err := l.Statement(ctx, now.Year(), now.Month())
	if err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, &back) != mustJSON(t, st) || js.Name != "abrechnung-"+MonthKey(now.Year(), now.Month())+".json" {
		t.Errorf("the JSON export %s is not the statement", js.Name)
	}
	sc, err := l.Export(ctx, Export{Kind: ExportStatement, Format: FormatExcel, Year: now.Year(), Month: now.Month()})
	if err != nil || !bytes.HasPrefix(sc.Data, []byte("\uFEFFAbrechnungsmonat;")) {
		t.Errorf("statement CSV: %v %q", err, sc.Data[:min(40, len(sc.Data))])
	}
	if _, err := l.Export(ctx, Export{Kind: ExportNumbers, Format: FormatJSON}); numberdesk.ErrorField(err) != "format" {
		t.Errorf("the overview as JSON: %v", err)
	}
	ev, err := l.Export(ctx, Export{Kind: ExportEvents, Format: FormatExcel})
	if err != nil || !bytes.HasPrefix(ev.Data, []byte("\uFEFFNr.;")) || !strings.HasPrefix(ev.Name, "ereignisprotokoll-") {
		t.Errorf("event log: %v %q", err, ev)
	}
	actAs(t, d, "max.muster@muster.example")
	for _, k := range []ExportKind{ExportEvents, ExportStatement} {
		if _, err := l.Export(ctx, Export{Kind: k, Format: FormatExcel, Year: now.Year(), Month: now.Month()}); numberdesk.ErrorCode(err) != numberdesk.CodePermission {
			t.Errorf("an employee's export of %s: %v, want CodePermission", k, err)
		}
	}
	own, err := l.Export(ctx, Export{Kind: ExportNumbers, Format: FormatRFC4180})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(own.Data, []byte("\r\n")) - 1; lines != mine.Total {
		t.Errorf("an employee's export has %d rows, its overview %d", lines, mine.Total)
	}
}

// The dialog imports a file under one key: "Import ausführen" again (a
// double click, a retry) is the same import with the same result, while a
// file chosen anew is another import.
func TestImportDialogKeyPerFile(t *testing.T) {
	i18n.SetLang(i18n.DE)
	d := seeded(t)
	ctx := t.Context()
	data := []byte(importHeader + "0221 555000;;;neu;;;\r\n0221 555001;;;neu;;;\r\n")
	c := &ImportDialog{}
	c.setFile("inventar.csv", data, nil)
	key := c.key
	if key == "" {
		t.Fatal("no key for the file")
	}
	first, err := c.apply(ctx, Local{d})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.apply(ctx, Local{d})
	if err != nil {
		t.Fatalf("the repeated apply of the file: %v", err)
	}
	if c.key != key || mustJSON(t, first) != mustJSON(t, again) {
		t.Errorf("the repeated apply is another import: %+v, %+v", first, again)
	}
	if n, _ := state(t, d); n != demo.StandardCount+2 {
		t.Errorf("%d numbers, want %d", n, demo.StandardCount+2)
	}
	c.setFile("inventar.csv", data, nil)
	if c.key == key {
		t.Fatal("a file chosen anew keeps the old key")
	}
	if _, err := c.apply(ctx, Local{d}); numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
		t.Errorf("the file chosen anew imports again: %v", err)
	}
}

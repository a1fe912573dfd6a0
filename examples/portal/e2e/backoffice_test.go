package e2e

// The back office in the browser (issue 17): the statement page
// ("/abrechnung") against billing.Statement of the same demo events, its
// month picker and downloads, the employee's explanation; the import
// dialog's dry run (a faulty row is shown and nothing changes) and its
// apply (once, even when clicked twice), which the overview shows; an
// export download (byte order mark and ";"); and the statement and import
// in server mode.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// demoState loads the demo as the tab keeps it in localStorage, in Go.
func demoState(t *testing.T, ctx context.Context) *demo.Demo {
	t.Helper()
	raw := eval[string](t, ctx, `localStorage.getItem("numberdesk/demo") || ""`)
	if raw == "" {
		t.Fatal("no demo state in localStorage")
	}
	// The portal stores the compact form (a JSON string, demo.Compact);
	// Expand also takes the plain JSON of older versions.
	var packed string
	if err := json.Unmarshal([]byte(raw), &packed); err != nil {
		packed = raw
	}
	data, err := demo.Expand(packed)
	if err != nil {
		t.Fatalf("expanding the tab's demo state: %v", err)
	}
	d, err := demo.Load(context.Background(), data, demo.Config{})
	if err != nil {
		t.Fatalf("loading the tab's demo state: %v", err)
	}
	return d
}

// wantStatement is billing.Statement of month ("2026-12") computed in Go
// from every event of the demo the tab holds.
func wantStatement(t *testing.T, ctx context.Context, month string) *billing.MonthlyStatement {
	t.Helper()
	d := demoState(t, ctx)
	evs, err := d.Numbers.Events(context.Background(), numberdesk.System(d.Tenant.ID), numberdesk.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.Parse("2006-01", month)
	if err != nil {
		t.Fatalf("month %q: %v", month, err)
	}
	s, err := billing.Statement(evs, d.Tenant.ID, at.Year(), at.Month(), d.Location(), billing.Policy{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkStatementTable compares the page's table with want: one row per
// line with its number(s) and amounts, a totals row per VAT rate and the
// overall totals, all as German money.
func checkStatementTable(t *testing.T, ctx context.Context, want *billing.MonthlyStatement) {
	t.Helper()
	eur := func(c int64) string { return numbers.Money{Cents: c, Currency: want.Currency}.String() }
	type line struct{ Line, Number, Net, VAT, Gross string }
	got := eval[[]line](t, ctx, `[...document.querySelectorAll("#statement-table tbody tr.statement-line")].map(r => ({
		Line: r.dataset.line, Number: r.querySelector("th").innerText.trim(), Net: r.querySelector("td.net").firstChild.textContent.trim(),
		VAT: r.querySelector("td.vat").innerText.trim(), Gross: r.querySelector("td.gross").innerText.trim()}))`)
	if len(got) != len(want.Lines) {
		t.Fatalf("the page shows %d lines, billing.Statement has %d", len(got), len(want.Lines))
	}
	for i, l := range want.Lines {
		g := got[i]
		if g.Line != l.Line || g.Net != eur(l.NetCents) || g.Gross != eur(l.GrossCents) || !strings.HasPrefix(g.VAT, eur(l.VATCents)) {
			t.Errorf("line %d: page %+v, want %s net %s VAT %s gross %s", i, g, l.Line, eur(l.NetCents), eur(l.VATCents), eur(l.GrossCents))
		}
		if !strings.Contains(g.Number, l.Intervals[0].Display) {
			t.Errorf("line %d shows %q, want %s", i, g.Number, l.Intervals[0].Display)
		}
	}
	if n := count(t, ctx, "#statement-table tfoot tr.statement-rate"); n != len(want.Rates) {
		t.Errorf("%d totals per VAT rate, want %d", n, len(want.Rates))
	}
	for i, r := range want.Rates {
		if g := text(t, ctx, fmt.Sprintf("#statement-table tfoot tr.statement-rate:nth-child(%d) td.gross", i+1)); strings.TrimSpace(g) != eur(r.GrossCents) {
			t.Errorf("rate %d: gross %q, want %s", r.VATRate, g, eur(r.GrossCents))
		}
	}
	for sel, c := range map[string]int64{"#statement-total td.net": want.Totals.NetCents, "#statement-total td.vat": want.Totals.VATCents,
		"#statement-total td.gross": want.Totals.GrossCents} {
		if g := strings.TrimSpace(text(t, ctx, sel)); g != eur(c) {
			t.Errorf("%s = %q, want %s", sel, g, eur(c))
		}
	}
}

// saveDownload clicks sel, which makes the page save a file, and returns
// the file's name and content as the browser wrote it, once Chromium
// reports the download completed (Browser.downloadProgress).
func saveDownload(t *testing.T, ctx context.Context, sel string) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	c := chromedp.FromContext(ctx)
	// The tab's session reports the downloads of its browser context
	// (SetDownloadBehavior below); this tab's are those of its main frame,
	// whose ID is the target's.
	var (
		mu    sync.Mutex
		names = map[string]string{}                         // this tab's downloads by GUID: the file name
		done  = make(chan browser.EventDownloadProgress, 1) // the first of them that ended
	)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	chromedp.Listen(lctx, func(ev any) {
		switch ev := ev.(type) {
		case *browser.EventDownloadWillBegin:
			if string(ev.FrameID) == string(c.Target.TargetID) {
				mu.Lock()
				names[ev.GUID] = ev.SuggestedFilename
				mu.Unlock()
			}
		case *browser.EventDownloadProgress:
			mu.Lock()
			_, ours := names[ev.GUID]
			mu.Unlock()
			if ours && ev.State != browser.DownloadProgressStateInProgress {
				select {
				case done <- *ev:
				default:
				}
			}
		}
	})
	if _, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: c.BrowserContextID, DownloadPath: dir,
		EventsEnabled: new(true)}); err != nil {
		t.Fatalf("allowing downloads: %v", err)
	}
	click(t, ctx, sel)
	var ev browser.EventDownloadProgress
	select {
	case ev = <-done:
	case <-ctx.Done(): // the tab's deadline, scaled by the harness
		t.Fatalf("no download after clicking %s: %v", sel, ctx.Err())
	}
	if ev.State != browser.DownloadProgressStateCompleted {
		t.Fatalf("the download after clicking %s ended %s", sel, ev.State)
	}
	mu.Lock()
	name := names[ev.GUID]
	mu.Unlock()
	path := filepath.Join(dir, name)
	if ev.FilePath != "" {
		path, name = ev.FilePath, filepath.Base(ev.FilePath)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return name, data
}

// The statement page shows the seeded tenant's current month as a
// forecast, line by line and with totals equal to billing.Statement of the
// same events; the picker goes back a month (by keyboard too); the
// Excel download is the German CSV; an employee reads why it sees none.
func TestBackofficeStatementPage(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	click(t, ctx, `nav a[href="/abrechnung"]`)
	waitVisible(t, ctx, "#statement-table")
	month := attr(t, ctx, "#statement", "data-month")
	if now := time.Now().In(berlin(t)).Format("2006-01"); month != now {
		t.Errorf("the page opens on %s, want the current month %s", month, now)
	}
	if attr(t, ctx, "#statement", "data-forecast") != "true" || !strings.Contains(text(t, ctx, "#statement-forecast"), "Prognose") {
		t.Error("the current month is not called a forecast")
	}
	if r := text(t, ctx, "#statement-rule"); !strings.Contains(r, "anteilig nach Tagen") {
		t.Errorf("proration rule %q", r)
	}
	want := wantStatement(t, ctx, month)
	if len(want.Lines) == 0 {
		t.Fatal("the seed bills nothing this month")
	}
	checkStatementTable(t, ctx, want)
	shot(t, ctx, "statement")

	// A month back, by keyboard: the focus on "Vorheriger Monat", Enter.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#statement-prev")), chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	prev := time.Now().In(berlin(t))
	prev = time.Date(prev.Year(), prev.Month()-1, 1, 12, 0, 0, 0, time.UTC)
	prevKey := prev.Format("2006-01")
	poll(t, ctx, fmt.Sprintf(`document.querySelector('#statement[data-month=%q]')`, prevKey), "the statement of "+prevKey)
	if exists(t, ctx, "#statement-forecast") || attr(t, ctx, "#statement", "data-forecast") != "false" {
		t.Error("a past month is called a forecast")
	}
	if got := eval[string](t, ctx, `document.querySelector("#statement-month").value`); got != prevKey {
		t.Errorf("the picker shows %q, want %s", got, prevKey)
	}
	if w := wantStatement(t, ctx, prevKey); len(w.Lines) > 0 {
		checkStatementTable(t, ctx, w)
	}
	// Back to this month with the picker.
	setValue(t, ctx, "#statement-month", month)
	poll(t, ctx, fmt.Sprintf(`document.querySelector('#statement[data-month=%q]')`, month), "the statement of "+month)

	name, data := saveDownload(t, ctx, "#statement-csv-excel")
	if name != "abrechnung-"+month+".csv" {
		t.Errorf("download named %q", name)
	}
	if !bytes.HasPrefix(data, []byte("\uFEFFAbrechnungsmonat;Position;")) {
		t.Errorf("the Excel CSV starts %q", data[:min(len(data), 60)])
	}
	if n := bytes.Count(data, []byte("\r\n")); n != len(want.Lines)+2 {
		t.Errorf("the Excel CSV has %d lines, want a header, %d lines and the total", n, len(want.Lines))
	}

	// An employee sees why there is no statement.
	open(t, ctx, p.URL+"/")
	waitVisible(t, ctx, overviewReady)
	selectByText(t, ctx, "#actor-switch", "Max Muster (Mitarbeiter)")
	waitOverview(t, ctx, "2")
	click(t, ctx, `nav a[href="/abrechnung"]`)
	waitText(t, ctx, "#statement-role", "Administrator-Konto und Manager")
	if exists(t, ctx, "#statement-table") || exists(t, ctx, "#statement-csv-excel") {
		t.Error("an employee sees the statement or its downloads")
	}
}

// writeFile writes a CSV file for the file input.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// chooseFile sets the dialog's file input to path.
func chooseFile(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{path})); err != nil {
		t.Fatalf("choosing %s: %v", path, err)
	}
}

const importHead = "\uFEFFRufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail)\r\n"

// numberCount is how many numbers the tab's demo holds.
func numberCount(t *testing.T, ctx context.Context) int {
	t.Helper()
	d := demoState(t, ctx)
	p, err := d.Numbers.Overview(context.Background(), numberdesk.System(d.Tenant.ID), numbers.Query{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p.Total
}

// The import dialog: a file with a good and a faulty row shows the faulty
// row (Zeile, Feld, Meldung) and changes nothing; a good file imports once
// although "Import ausführen" is clicked twice, and the overview shows the
// new numbers; the overview's export is the German CSV.
func TestBackofficeImport(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	before := numberCount(t, ctx)
	click(t, ctx, "#open-import")
	waitVisible(t, ctx, "#dlg-import #import-file")
	if !eval[bool](t, ctx, `document.querySelector("#dlg-import-submit").disabled`) {
		t.Error("Import ausführen is enabled without a file")
	}

	chooseFile(t, ctx, writeFile(t, "inventar-fehler.csv", importHead+
		"0221 555000;;;neu;;Sprache;\r\n"+
		"030 999888;;;portiert;30.02.2026;;\r\n"))
	waitText(t, ctx, "#import-summary", "1 von 2 Zeilen ist fehlerhaft")
	type row struct{ Row, Field, Message string }
	rows := eval[[]row](t, ctx, `[...document.querySelectorAll("#import-rows tbody tr")].map(r => ({
		Row: r.cells[0].innerText.trim(), Field: r.cells[1].innerText.trim(), Message: r.cells[2].innerText.trim()}))`)
	if len(rows) != 2 || rows[0].Row != "3" || rows[0].Field != "Portierungsdatum" || !strings.Contains(rows[0].Message, "30.02.2026") {
		t.Errorf("result rows %+v, want row 3's Portierungsdatum first", rows)
	}
	if len(rows) == 2 && (rows[1].Row != "2" || !strings.Contains(rows[1].Message, "0221 555000")) {
		t.Errorf("the good row: %+v", rows[1])
	}
	headers := eval[[]string](t, ctx, `[...document.querySelectorAll("#import-rows thead th")].map(h => h.innerText.trim())`)
	if strings.Join(headers, "|") != "Zeile|Feld|Meldung" {
		t.Errorf("table headers %q", headers)
	}
	if !eval[bool](t, ctx, `document.querySelector("#dlg-import-submit").disabled`) {
		t.Error("a file with a faulty row can be imported")
	}
	if n := numberCount(t, ctx); n != before {
		t.Fatalf("the dry run changed the numbers: %d → %d", before, n)
	}
	waitOverview(t, ctx, seedTotal)

	// The corrected file: a single number and a block of three.
	chooseFile(t, ctx, writeFile(t, "inventar.csv", importHead+
		"0221 555000;;;neu;;Sprache;\r\n"+
		"0221 777000;10;12;neu;;;max.muster@muster.example\r\n"))
	waitText(t, ctx, "#import-summary", "4 Rufnummern werden angelegt (1 Einzelnummer, 1 Block).")
	poll(t, ctx, `!document.querySelector("#dlg-import-submit").disabled`, "Import ausführen enabled")
	dialogShot(t, ctx, "import-dialog", 1280)
	// Two clicks before the first has been handled: one import.
	eval[bool](t, ctx, `(() => { const b = document.querySelector("#dlg-import-submit"); b.click(); b.click(); return true; })()`)
	waitText(t, ctx, "#dlg-import-confirmation", "4 Rufnummern wurden angelegt")
	// Whether go-app drops the second click (its button has left the
	// DOM) or runs it (the same import, under the file's key), it is no
	// error.
	if exists(t, ctx, "#dlg-import [role=alert]") {
		t.Errorf("the second click ended in an error: %s", text(t, ctx, "#dlg-import [role=alert]"))
	}
	closeDialog(t, ctx, "dlg-import")
	waitOverview(t, ctx, "27")
	if n := numberCount(t, ctx); n != before+4 {
		t.Errorf("%d numbers after the import, want %d", n, before+4)
	}
	setValue(t, ctx, "#filter-search", "0221 777000")
	waitOverview(t, ctx, "3")
	waitText(t, ctx, "#numbers-table", "Max Muster")

	// The overview's export with the filter: the German CSV.
	click(t, ctx, "#open-import")
	waitVisible(t, ctx, "#export-numbers-excel")
	name, data := saveDownload(t, ctx, "#export-numbers-excel")
	if !strings.HasPrefix(name, "rufnummern-") || !strings.HasSuffix(name, ".csv") {
		t.Errorf("download named %q", name)
	}
	if !bytes.HasPrefix(data, []byte("\uFEFFRufnummer;")) {
		t.Errorf("the export starts %q", data[:min(len(data), 40)])
	}
	if n := bytes.Count(data, []byte("\r\n")); n != 1+3 {
		t.Errorf("the export with the filter has %d lines, want the header and 3 numbers:\n%s", n, data)
	}
}

// An unsaved import asks before Esc drops it.
func TestBackofficeImportGuard(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	click(t, ctx, "#open-import")
	waitVisible(t, ctx, "#dlg-import #import-file")
	chooseFile(t, ctx, writeFile(t, "inventar.csv", importHead+"0221 555000;;;neu;;;\r\n"))
	waitText(t, ctx, "#import-summary", "1 Rufnummer wird angelegt")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	waitVisible(t, ctx, "#import-discard")
	if !exists(t, ctx, "#dlg-import[open]") {
		t.Fatal("Esc closed the dialog with a checked file")
	}
	click(t, ctx, "#import-discard-confirm")
	waitGone(t, ctx, "#dlg-import")
	waitOverview(t, ctx, seedTotal)
}

// berlin is the demo tenant's zone.
func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(demo.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Server mode: the statement page shows the API's statement (the server
// computes it), and the import dialog checks and imports through the API,
// once, and the overview shows the new numbers; the statement's download
// comes from the API's export.
func TestBackofficeServerMode(t *testing.T) {
	p := startServerPortal(t)
	ctx := newTab(t)
	login(t, ctx, p, "Anna Admin")
	waitOverview(t, ctx, seedTotal)

	click(t, ctx, `nav a[href="/abrechnung"]`)
	waitVisible(t, ctx, "#statement-table")
	month := attr(t, ctx, "#statement", "data-month")
	type totals struct {
		Lines int   `json:"lines"`
		Gross int64 `json:"gross"`
		Net   int64 `json:"net"`
	}
	api := eval[totals](t, ctx, fmt.Sprintf(`fetch("/api/v1/billing/statement?month=%s").then(r => r.json()).then(s => ({
		lines: s.lines.length, gross: s.totals.gross_cents, net: s.totals.net_cents}))`, month))
	if api.Lines == 0 {
		t.Fatal("the server's statement of the seed has no lines")
	}
	if n := count(t, ctx, "#statement-table tbody tr.statement-line"); n != api.Lines {
		t.Errorf("the page shows %d lines, the API %d", n, api.Lines)
	}
	if g := strings.TrimSpace(text(t, ctx, "#statement-total td.gross")); g != numbers.EUR(api.Gross).String() {
		t.Errorf("total gross %q, the API's %s", g, numbers.EUR(api.Gross))
	}
	name, data := saveDownload(t, ctx, "#statement-csv-excel")
	if !strings.HasPrefix(name, "abrechnung-") || !bytes.HasPrefix(data, []byte("\uFEFFAbrechnungsmonat;")) {
		t.Errorf("the server's Excel CSV %q starts %q", name, data[:min(len(data), 40)])
	}

	click(t, ctx, `nav a[href="/"]`)
	waitOverview(t, ctx, seedTotal)
	click(t, ctx, "#open-import")
	waitVisible(t, ctx, "#dlg-import #import-file")
	chooseFile(t, ctx, writeFile(t, "inventar.csv", importHead+
		"0221 555000;;;neu;;Sprache;\r\n"+
		"030 999888;;;portiert;30.02.2026;;\r\n"))
	waitText(t, ctx, "#import-summary", "1 von 2 Zeilen ist fehlerhaft")
	waitText(t, ctx, "#import-rows", "Portierungsdatum")
	chooseFile(t, ctx, writeFile(t, "inventar2.csv", importHead+"0221 555000;;;neu;;Sprache;\r\n0221 555001;;;neu;;;\r\n"))
	waitText(t, ctx, "#import-summary", "2 Rufnummern werden angelegt")
	eval[bool](t, ctx, `(() => { const b = document.querySelector("#dlg-import-submit"); b.click(); b.click(); return true; })()`)
	waitText(t, ctx, "#dlg-import-confirmation", "2 Rufnummern wurden angelegt")
	if exists(t, ctx, "#dlg-import [role=alert]") {
		t.Errorf("the second click ended in an error: %s", text(t, ctx, "#dlg-import [role=alert]"))
	}
	closeDialog(t, ctx, "dlg-import")
	waitOverview(t, ctx, "25")
	got := eval[int](t, ctx, `fetch("/api/v1/numbers?limit=1").then(r => r.json()).then(l => l.total)`)
	if got != 25 {
		t.Errorf("the server has %d numbers after the import, want 25", got)
	}
}

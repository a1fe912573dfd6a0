package wasm

// The import/export dialog of the number overview: an inventory file is
// chosen, checked at once (the SDK's dry run: every row with its problems)
// and imported all or nothing with "Import ausführen"; the overview, the
// event log and the current month's statement download as files.

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// The element IDs of the dialog.
const (
	importID        = "dlg-import"
	importOpenID    = "open-import"    // the overview's button
	importDiscardID = "import-discard" // "Import verwerfen?"
)

// ImportExport is the overview's button "Import / Export" and the dialog
// it opens. The overview renders it with its current filters, which the
// export of the overview follows.
type ImportExport struct {
	app.Compo
	// Query is the overview's query (its filters).
	Query numbers.Query

	lang i18n.Lang
	open bool
}

// OnMount follows the language and the dialog's close action.
func (b *ImportExport) OnMount(ctx app.Context) {
	UseLang(ctx, &b.lang)
	ctx.Handle(ActionDialogClosed, b.closed)
}

// closed removes the dialog (when it is this one that closed) and returns
// the focus to the button.
func (b *ImportExport) closed(ctx app.Context, a app.Action) {
	if !b.open {
		return
	}
	b.open = false
	FocusByID(ctx, importOpenID)
}

// Render draws the button and, while it is open, the dialog.
func (b *ImportExport) Render() app.UI {
	return app.Div().Class("transfer").Body(
		app.Button().Type("button").ID(importOpenID).Class("btn btn-small").
			Attr("aria-haspopup", "dialog").Text(i18n.T("import.open")).
			OnClick(func(ctx app.Context, e app.Event) { b.open = true }),
		dialogSlot(app.If(b.open, func() app.UI { return &ImportDialog{Query: b.Query} })),
	)
}

// ImportDialog is "Import und Export". The owner chooses a CSV file of
// numbers (csvio's formats); the dialog reads it in the browser and runs
// the dry run at once: a summary ("n Rufnummern werden angelegt" or how
// many rows are faulty) and a table of every row (Zeile, Feld, Meldung).
// "Import ausführen" then imports the file all or nothing, with an
// idempotency key made once per file, so a double click or a retry cannot
// import it twice; the overview reloads. Below, the exports: the overview
// with the current filters (everyone who sees it), the event log and the
// current month's statement (owner and manager).
type ImportDialog struct {
	app.Compo
	// Query is the overview's query, for its export.
	Query numbers.Query

	flow
	role     numberdesk.Role
	loc      *time.Location
	now      time.Time
	fileName string
	file     []byte
	// result is the dry run's result (or a refused apply's).
	result *numbers.ImportResult
	done   *numbers.ImportResult
	// busy: a dry run or the import is running.
	busy bool
	// discards asks "Import verwerfen?".
	discards  discardGuard
	exportMsg string
	exportErr error
}

// OnMount loads who acts and opens the dialog.
func (c *ImportDialog) OnMount(ctx app.Context) {
	c.discards = discardGuard{dialog: importID, confirm: importDiscardID}
	c.openFlow(ctx, importID, func(ctx context.Context, d API) error {
		c.role, c.loc, c.now = d.Acting().Role, d.Location(), d.Now()
		return nil
	})
	if c.err != nil {
		c.step = stepFailed
	}
}

// choose reads the chosen file and checks it (the dry run).
func (c *ImportDialog) choose(ctx app.Context, e app.Event) {
	src := ctx.JSSrc()
	readFile(ctx, src, func(ctx app.Context, name string, data []byte, err error) {
		// Choosing the same file again (after correcting it) must fire
		// the change event again.
		src.Set("value", "")
		if name == "" && err == nil {
			return
		}
		c.setFile(name, data, err)
		if err == nil {
			c.check(ctx)
		}
	})
}

// setFile takes a newly chosen file (or the error of reading it) with a
// fresh idempotency key: one key per file, so that a repeated "Import
// ausführen" of this file (a double click, a retry after an error) is the
// same import, and another file is another import.
func (c *ImportDialog) setFile(name string, data []byte, err error) {
	c.fileName, c.file, c.result, c.done, c.err = name, data, nil, nil, err
	c.key = uuid.NewString()
}

// apply imports the chosen file, all or nothing, under its key.
func (c *ImportDialog) apply(ctx context.Context, d API) (*numbers.ImportResult, error) {
	return d.ImportCSV(ctx, c.file, false, c.key)
}

// check runs the dry run of the chosen file.
func (c *ImportDialog) check(ctx app.Context) {
	c.busy = true
	defer func() { c.busy = false }()
	var res *numbers.ImportResult
	c.err = Read(ctx, func(ctx context.Context, d API) error {
		var err error
		res, err = d.ImportCSV(ctx, c.file, true, "")
		return err
	})
	c.result = res
}

// submit is "Import ausführen": the apply, all or nothing, with the
// file's key.
func (c *ImportDialog) submit(ctx app.Context, e app.Event) {
	if c.busy || !importable(c.result) {
		return
	}
	c.busy = true
	defer func() { c.busy = false }()
	var res *numbers.ImportResult
	err := Do(ctx, func(ctx context.Context, d API) error {
		var err error
		res, err = c.apply(ctx, d)
		return err
	})
	if err != nil {
		c.err = err
		if res != nil {
			c.result = res // which rows a changed state refuses now
		}
		FocusByID(c.ctx, importID+"-error", importID+"-summary")
		return
	}
	c.done, c.err = res, nil
	c.step = stepDone
	focusDone(c.ctx, importID)
}

// dirty: a checked file is not imported yet.
func (c *ImportDialog) dirty() bool { return c.file != nil && c.done == nil }

// guard asks "Import verwerfen?" before Esc, ✕ or "Abbrechen" drop a
// checked file.
func (c *ImportDialog) guard(ctx app.Context) bool { return c.discards.guard(c.ctx, c.dirty()) }

func (c *ImportDialog) cancel(ctx app.Context, e app.Event) { c.discards.cancel(c.ctx, ctx, c.dirty()) }

// export makes an export file and hands it to the browser.
func (c *ImportDialog) export(x Export) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		var f *Download
		c.exportErr = Read(ctx, func(ctx context.Context, d API) error {
			var err error
			f, err = d.Export(ctx, x)
			return err
		})
		c.exportMsg = ""
		if c.exportErr == nil {
			saveFile(f)
			c.exportMsg = i18n.T("statement.downloaded", f.Name)
		}
	}
}

// Render draws the step.
func (c *ImportDialog) Render() app.UI {
	fe := NewFieldErrors(c.err, "file")
	var body, foot []app.UI
	switch c.step {
	case stepLoading:
		body = []app.UI{loading()}
		foot = footerOf(importID, stepFailed, primary{})
	case stepFailed:
		body = []app.UI{loadFailed(fe)}
		foot = footerOf(importID, stepFailed, primary{})
	case stepDone:
		// An error here is a repeated "Import ausführen" the server or the
		// SDK refused: with the file's one key it cannot happen.
		body = []app.UI{confirmation(importID, ImportSummary(c.done), i18n.T("import.reloaded")), fe.Top(importID)}
		foot = footerOf(importID, stepDone, primary{})
	default:
		body = []app.UI{c.renderImport(fe), c.renderExport()}
		foot = c.footer()
	}
	return GuardedModal(importID, i18n.T("import.title"), body, foot, c.guard).Class("modal-wide")
}

// footer is "Abbrechen" and, for the owner, "Import ausführen" with why
// it is disabled while it is.
func (c *ImportDialog) footer() []app.UI {
	cancel := app.Button().Type("button").ID(importID+"-cancel").Class("btn").OnClick(c.cancel, app.EventScope("cancel"))
	if c.role != numberdesk.RoleOwner {
		return []app.UI{cancel.Text(i18n.T("dialog.close"))}
	}
	why := ""
	switch {
	case c.busy:
		why = i18n.T("import.busy")
	case c.file == nil:
		why = i18n.T("import.need_file")
	case !importable(c.result):
		why = i18n.T("import.need_clean")
	}
	submit := app.Button().Type("button").ID(importID + "-submit").Class("btn btn-primary").
		Disabled(why != "").Text(i18n.T("import.submit")).OnClick(c.submit)
	if why != "" {
		submit = submit.Attr("aria-describedby", importID+"-why")
	}
	return []app.UI{
		cancel.Text(i18n.T("dialog.cancel")),
		app.If(why != "", func() app.UI { return app.Span().ID(importID + "-why").Class("hint foot-hint").Text(why) }),
		command(submit),
		app.If(c.discards.asking, func() app.UI {
			return ConfirmDialog(importDiscardID, i18n.T("import.discard_title"), i18n.T("import.discard_text", c.fileName),
				i18n.T("import.discard"), c.discards.discard, c.discards.keep, i18n.T("import.discard_keep"))
		}),
	}
}

// renderImport is the import's section: for the owner the file, the
// summary and the row table; for the others why they cannot import.
func (c *ImportDialog) renderImport(fe FieldErrors) app.UI {
	sec := app.Section().ID("import-section").Class("transfer-section").Attr("aria-labelledby", "import-heading")
	head := app.H3().ID("import-heading").Text(i18n.T("import.heading"))
	if c.role != numberdesk.RoleOwner {
		return sec.Body(head, app.P().ID("import-role").Class("role-note").Text(i18n.T("import.role")))
	}
	rows := ViewImportRows(c.result)
	return sec.Body(
		head,
		app.P().ID("import-help").Class("hint").Text(i18n.T("import.help")),
		app.Div().Class("field").Body(
			app.Label().For("import-file").Text(i18n.T("import.file")),
			app.Input().Type("file").ID("import-file").Accept(".csv,text/csv").
				Attr("aria-describedby", "import-help "+ErrorID(importID, "file")).
				Attr("aria-invalid", boolAttr(fe.On("file"))).Disabled(c.busy || Offline()).OnChange(c.choose),
			fe.For(importID, "file"),
		),
		app.If(c.fileName != "", func() app.UI {
			return app.P().ID("import-file-name").Class("hint").Text(i18n.T("import.chosen", c.fileName))
		}),
		fe.Top(importID),
		app.P().ID("import-summary").Class(summaryClass(c.result)).Attr("role", "status").Attr("tabindex", "-1").
			Text(ImportSummary(c.result)),
		app.If(len(rows) > 0, func() app.UI {
			return app.Div().Class("table-wrap import-rows-wrap").Body(app.Table().ID("import-rows").Class("quote-table import-rows").Body(
				app.Caption().Class("sr-only").Text(i18n.T("import.rows_caption")),
				app.THead().Body(app.Tr().Body(
					app.Th().Scope("col").Text(i18n.T("import.col_row")),
					app.Th().Scope("col").Text(i18n.T("import.col_field")),
					app.Th().Scope("col").Text(i18n.T("import.col_message")),
				)),
				app.TBody().Body(app.Range(rows).Slice(func(i int) app.UI {
					r := rows[i]
					cls := "import-row import-row-bad"
					if r.OK {
						cls = "import-row import-row-ok"
					}
					return app.Tr().Class(cls).Body(
						app.Td().Class("num").Text(r.Row),
						app.Td().Text(r.Field),
						app.Td().Text(r.Message),
					)
				})),
			))
		}),
	)
}

func summaryClass(res *numbers.ImportResult) string {
	switch {
	case res == nil:
		return "import-summary"
	case res.Summary.Invalid > 0:
		return "import-summary form-error"
	}
	return "import-summary info"
}

// renderExport is the exports' section.
func (c *ImportDialog) renderExport() app.UI {
	btn := func(id, label string, x Export) app.UI {
		return command(app.Button().Type("button").ID(id).Class("btn btn-small").Text(label).OnClick(c.export(x), app.EventScope(id)))
	}
	y, m := c.month()
	return app.Section().ID("export-section").Class("transfer-section").Attr("aria-labelledby", "export-heading").Body(
		app.H3().ID("export-heading").Text(i18n.T("export.heading")),
		app.Div().Class("export-group").Attr("role", "group").Attr("aria-labelledby", "export-numbers-label").Body(
			app.P().ID("export-numbers-label").Class("export-label").Text(i18n.T("export.numbers")),
			btn("export-numbers-excel", i18n.T("statement.csv_excel"), Export{Kind: ExportNumbers, Format: FormatExcel, Query: c.Query}),
			btn("export-numbers-rfc", i18n.T("statement.csv_rfc"), Export{Kind: ExportNumbers, Format: FormatRFC4180, Query: c.Query}),
		),
		app.If(mayReadStatement(c.role), func() app.UI {
			return app.Div().Body(
				app.Div().Class("export-group").Attr("role", "group").Attr("aria-labelledby", "export-events-label").Body(
					app.P().ID("export-events-label").Class("export-label").Text(i18n.T("export.events")),
					btn("export-events-excel", i18n.T("statement.csv_excel"), Export{Kind: ExportEvents, Format: FormatExcel}),
					btn("export-events-rfc", i18n.T("statement.csv_rfc"), Export{Kind: ExportEvents, Format: FormatRFC4180}),
				),
				app.Div().Class("export-group").Attr("role", "group").Attr("aria-labelledby", "export-statement-label").Body(
					app.P().ID("export-statement-label").Class("export-label").Text(i18n.T("export.statement", MonthLabel(y, m))),
					btn("export-statement-excel", i18n.T("statement.csv_excel"), Export{Kind: ExportStatement, Format: FormatExcel, Year: y, Month: m}),
					btn("export-statement-rfc", i18n.T("statement.csv_rfc"), Export{Kind: ExportStatement, Format: FormatRFC4180, Year: y, Month: m}),
					btn("export-statement-json", i18n.T("statement.json"), Export{Kind: ExportStatement, Format: FormatJSON, Year: y, Month: m}),
				),
			)
		}).Else(func() app.UI {
			return app.P().ID("export-role").Class("hint").Text(i18n.T("export.role"))
		}),
		app.P().ID("export-status").Class("hint").Attr("role", "status").Text(c.exportMsg),
		app.If(c.exportErr != nil, func() app.UI {
			return app.P().ID("export-error").Class("form-error").Attr("role", "alert").Text(i18n.Error(c.exportErr))
		}),
	)
}

// month is the current month in the tenant's zone.
func (c *ImportDialog) month() (int, time.Month) {
	loc := c.loc
	if loc == nil {
		loc = time.UTC
	}
	t := c.now.In(loc)
	return t.Year(), t.Month()
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"import.open":          {DE: "Import / Export", EN: "Import / export"},
		"import.title":         {DE: "Import und Export", EN: "Import and export"},
		"import.heading":       {DE: "Rufnummern importieren", EN: "Import numbers"},
		"import.help":          {DE: "Eine CSV-Datei im deutschen Excel-Format (Semikolon) oder nach RFC 4180 (Komma) mit der Spalte „Rufnummer“ und wahlweise „Durchwahl von“, „Durchwahl bis“, „Herkunft“, „Portierungsdatum“, „Verwendungstyp“ und „Inhaber (E-Mail)“. Die Datei wird sofort geprüft; angelegt wird erst mit „Import ausführen“, und nur ganz oder gar nicht.", EN: "A CSV file in the German Excel form (semicolons) or RFC 4180 (commas) with the column “number” and optionally “extension_from”, “extension_to”, “origin”, “porting_date”, “usage_type” and “holders”. The file is checked at once; numbers are created only with “Run import”, and all or nothing."},
		"import.file":          {DE: "CSV-Datei", EN: "CSV file"},
		"import.chosen":        {DE: "Gewählte Datei: {1}", EN: "Chosen file: {1}"},
		"import.rows_caption":  {DE: "Ergebnis der Prüfung je Zeile", EN: "Result of the check per row"},
		"import.col_row":       {DE: "Zeile", EN: "Row"},
		"import.col_field":     {DE: "Feld", EN: "Field"},
		"import.col_message":   {DE: "Meldung", EN: "Message"},
		"import.submit":        {DE: "Import ausführen", EN: "Run import"},
		"import.busy":          {DE: "Die Datei wird verarbeitet …", EN: "The file is being processed …"},
		"import.need_file":     {DE: "Wählen Sie zuerst eine CSV-Datei; sie wird sofort geprüft.", EN: "Choose a CSV file first; it is checked at once."},
		"import.need_clean":    {DE: "Importieren lässt sich erst eine Datei ohne fehlerhafte Zeilen.", EN: "Only a file without faulty rows can be imported."},
		"import.reloaded":      {DE: "Die Rufnummern-Übersicht zeigt die neuen Rufnummern.", EN: "The overview shows the new numbers."},
		"import.role":          {DE: "Rufnummern importieren kann nur das Administrator-Konto: Ein Import legt Rufnummern an, und das ist seine Aufgabe.", EN: "Only the administrator account can import numbers: an import creates numbers, which is its task."},
		"import.discard_title": {DE: "Import verwerfen?", EN: "Discard the import?"},
		"import.discard_text":  {DE: "Die geprüfte Datei „{1}“ ist noch nicht importiert. Verwerfen Sie sie, wird nichts angelegt.", EN: "The checked file “{1}” is not imported yet. If you discard it, nothing is created."},
		"import.discard":       {DE: "Verwerfen", EN: "Discard"},
		"import.discard_keep":  {DE: "Zurück zum Import", EN: "Back to the import"},
		"export.heading":       {DE: "Exportieren", EN: "Export"},
		"export.numbers":       {DE: "Rufnummern-Übersicht (mit den aktuellen Filtern)", EN: "Number overview (with the current filters)"},
		"export.events":        {DE: "Ereignisprotokoll", EN: "Event log"},
		"export.statement":     {DE: "Abrechnung {1}", EN: "Statement {1}"},
		"export.role":          {DE: "Das Ereignisprotokoll und die Abrechnung exportieren das Administrator-Konto und Manager.", EN: "The event log and the statement are exported by the administrator account and managers."},
	})
}

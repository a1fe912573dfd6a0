// Package csvio reads and writes the CSV files of NumberDesk: the import of
// a number inventory (Parse, for numbers.Service.Import), the number
// overview (WriteNumbers), the event log (WriteEvents) and the monthly
// statement (WriteStatement, billing's WriteCSV). It is pure Go without
// network or database and builds for the browser (GOOS=js GOARCH=wasm).
//
// # Variants
//
// Two variants, as in package billing:
//
//   - ExcelDE, for spreadsheets with German settings: UTF-8 with a byte
//     order mark, ";" between cells, CRLF, days as TT.MM.JJJJ, a decimal
//     comma where amounts appear (the statement), German headers and
//     labels.
//   - RFC4180, for programs: UTF-8 without byte order mark, "," between
//     cells, CRLF, ISO 8601 days (JJJJ-MM-TT), a decimal point,
//     snake_case headers and codes.
//
// Parse detects the variant from the header: the separator under which
// more header cells are known column names; on a tie (a single column) ";"
// if the file starts with a byte order mark, else ",". Excel's hint line
// "sep=;" (or "sep=,") before the header decides it too. It reads the byte
// order mark or its absence, LF or CRLF, and in either variant the labels
// and codes of both, days as TT.MM.JJJJ (also T.M.JJJJ) or JJJJ-MM-TT.
//
// # Columns
//
// The header names the columns, in any order; case, spaces and punctuation
// do not matter ("Durchwahl von", "durchwahl_von" and "DURCHWAHL-VON" are
// one name). Only Rufnummer is required.
//
//	ExcelDE            RFC4180 / alias   content
//	Rufnummer          number            the single number or the block's Stammnummer, any usual
//	                   (Stammnummer)     format ("0221 123456", "+49 221 123456"); read as E.164
//	Durchwahl von      extension_from    a block's first Durchwahl, 1 to 5 digits ("00" keeps the width)
//	Durchwahl bis      extension_to      a block's last Durchwahl; both empty for a single number
//	Herkunft           origin            neu/new (default), portiert/ported, reserviert/reserved
//	Portierungsdatum   porting_date      the porting day of a ported number (required for them)
//	Verwendungstyp     usage_type        Sprache/voice (default), Konferenz/conference,
//	                                     persönliche Faxnummer/fax_personal, gemeinsame Faxnummer/fax_shared
//	Inhaber (E-Mail)   holders           the holders' e-mail addresses (several, separated by ","
//	                   (Inhaber)         ";" or spaces, for a shared fax number only)
//	Status             status            written by WriteNumbers; ignored by Parse
//	Kündigungsdatum    notice_date       written by WriteNumbers; ignored by Parse
//	Angelegt am        created_at        written by WriteNumbers; ignored by Parse
//	ID                 id                written by WriteNumbers; ignored by Parse
//
// WriteRows writes the seven columns Parse reads (with no rows: a template);
// WriteNumbers writes all eleven, so an exported overview imports again
// (into another tenant, or after the numbers were removed). Blank rows are
// skipped, and so are columns without a header while they are empty.
//
// # Limits
//
// Limits bound a file: Limits.MaxRows data rows (default
// numbers.MaxImportRows, 10,000), Limits.MaxCellBytes bytes per cell
// (default 256) and Limits.MaxBytes bytes in all (default 8 MiB). A file
// beyond MaxRows or MaxBytes is refused as a whole (ClassRows, ClassBytes);
// a cell beyond MaxCellBytes makes its row malformed (ClassCellSize).
// numbers.Service.Import bounds the numbers (numbers.MaxImportNumbers) and
// the holders per row (numbers.MaxImportHolders) too.
//
// # Errors
//
// Every error of Parse (but a failure of the io.Reader itself, which is
// CodeInternal) is a *ParseError: its Class, the Row (the line of
// the file where the row starts; the header is line 1), the Column as the
// file names it, and Err, a *numberdesk.Error with CodeInvalid, Op
// "csvio.Parse", Field the column's key ("porting_date"; "row" for the row
// as a whole; "file" or "header" for the file) and a German Message.
// errors.As finds the *numberdesk.Error through it, so numberdesk.ErrorCode
// and numberdesk.ErrorField work.
//
// A file Parse cannot read at all is its error, and no File: no header with
// a Rufnummer column, an unknown or a repeated column (ClassHeader), no data
// row (ClassEmpty), UTF-16 (ClassFileCode), too large (ClassBytes), too
// many rows (ClassRows). Otherwise Parse returns the File: its well-formed
// rows in File.Rows and the errors of the others in File.Errors, one per
// cell at fault, so that a user sees every problem of the file at once:
// quotes out of place (ClassSyntax), values beyond the header's columns or
// under an empty header (ClassCells), a cell that is not UTF-8 (ClassEncoding: Excel's "CSV
// (Trennzeichen-getrennt)" saves Windows-1252) or too long (ClassCellSize),
// no Rufnummer (ClassRequired), a Rufnummer, Durchwahl, Herkunft,
// Portierungsdatum, Verwendungstyp or Inhaber that cannot be read
// (ClassNumber, ClassExtension, ClassOrigin, ClassDate, ClassUsageType,
// ClassEmail).
//
// What depends on more than one cell or on the tenant — a Durchwahl range
// (both ends, the end after the start, at most numbers.MaxBlockSize), the
// porting date of ported numbers only, how many holders a usage type
// allows, a number twice in the file or already in the tenant, an unknown
// or locked holder — is numbers.Service.Import's dry run. File.Request
// makes its request (and refuses to apply a file with malformed rows: that
// would not be all or nothing), File.Report merges the malformed rows into
// the dry run's result, so a UI shows one table of every row's problems,
// and ColumnName names a problem's column.
//
// # Formula injection
//
// The writers guard every text cell of ExcelDE as billing does: a cell
// starting with "=", "+", "-", "@", a tab or a carriage return gets a
// leading apostrophe, so that a spreadsheet shows it as text. Parse takes
// such an apostrophe off again, so a written file reads back as it was.
// RFC4180 cells are written as they are.
package csvio

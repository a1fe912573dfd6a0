package client

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
)

// The vendor's back office: the CSV import of a number inventory, the CSV
// exports, the monthly statement and the delivery status of the tenant's
// webhooks.

// rawBody is a request body sent as it is (not as JSON), with its
// Content-Type.
type rawBody struct {
	contentType string
	data        []byte
}

// ImportCSV is numbers.Service.Import of a CSV file (POST
// /api/v1/numbers/import): file is the file as the user chose it, in the
// German Excel form (byte order mark, ";") or RFC 4180, which the server
// detects (csvio.Parse).
//
// With dryRun it changes nothing and returns every row's result: the rows
// the server could not read (csvio's errors) and those the dry run refused
// (duplicates, unknown holders, …), each ImportRowResult with the Row (the
// line of the file), and Errors with Field (the column's key, see
// csvio.ColumnName) and the German Message; Summary and Message tell the
// totals. A file that cannot be read at all (no Rufnummer column, UTF-16,
// too large) is an error: CodeInvalid with Field "file" or "header" (422),
// or a status 413 (Status(err)) for a file over the server's limit.
//
// Without dryRun it imports all rows or none: a file with any faulty row
// is CodeInvalid with Field "rows" (422) and nothing is imported (run the
// dry run again to see which rows). idemKey is the Idempotency-Key: use
// one per file (generate it when the file is chosen), so that a second
// click or a retry after a lost response returns the first import's result
// and imports nothing twice; "" sends a fresh key (a retry of this call
// only). Owner only (403 otherwise).
func (c *Client) ImportCSV(ctx context.Context, file []byte, dryRun bool, idemKey string) (*numbers.ImportResult, error) {
	p := params{}
	p.flag("dry_run", dryRun)
	var h map[string]string
	if idemKey != "" && !dryRun {
		h = map[string]string{"Idempotency-Key": idemKey}
	}
	var r numbers.ImportResult
	_, err := c.call(ctx, "POST", p.path("/api/v1/numbers/import"), h, rawBody{contentType: "text/csv; charset=utf-8", data: file}, &r)
	return ptr(&r, err)
}

// Format is the form of a CSV export.
type Format string

// The forms of the CSV exports (csvio.ExcelDE and csvio.RFC4180).
const (
	// Excel is the German spreadsheet form: UTF-8 with byte order mark,
	// ";", TT.MM.JJJJ, decimal comma, German headers. The default.
	Excel Format = "excel"
	// RFC4180 is the form for programs: ",", ISO 8601, decimal point,
	// snake_case headers and codes.
	RFC4180 Format = "rfc4180"
)

// ExportNumbersPath is the path of the overview's CSV export (GET
// /api/v1/numbers/export) with the filters of q (as Overview sends them;
// its Cursor, Offset and Limit are ignored: the export holds every match).
// In a browser it can be a link's target (same origin, the session cookie
// goes along); Download fetches it.
func ExportNumbersPath(q numbers.Query, f Format) string {
	p := params{}
	p.set("format", string(f))
	for _, s := range q.Statuses {
		p.add("status", string(s))
	}
	for _, u := range q.UsageTypes {
		p.add("usage_type", string(u))
	}
	p.set("holder", string(q.Holder))
	p.flag("unassigned", q.Unassigned)
	p.set("search", q.Search)
	p.flag("contains", q.Contains)
	p.set("sort", string(q.Sort))
	p.flag("desc", q.Desc)
	return p.path("/api/v1/numbers/export")
}

// ExportEventsPath is the path of the event log's CSV export (GET
// /api/v1/events/export), oldest first, with f's Number, Types and
// AfterSeq (Limit and Desc are not sent). Owner and manager only.
func ExportEventsPath(f numberdesk.EventFilter, fm Format) string {
	p := params{}
	p.set("format", string(fm))
	p.set("number", string(f.Number))
	for _, t := range f.Types {
		p.add("type", string(t))
	}
	if f.AfterSeq > 0 {
		p.set("after", strconv.FormatInt(f.AfterSeq, 10))
	}
	return p.path("/api/v1/events/export")
}

// StatementCSVPath is the path of a month's statement as CSV (GET
// /api/v1/billing/statement/export): month is "YYYY-MM", "" the current
// month in the tenant's time zone. Owner and manager only.
func StatementCSVPath(month string, f Format) string {
	p := params{}
	p.set("month", month)
	p.set("format", string(f))
	return p.path("/api/v1/billing/statement/export")
}

// A Download is a file the API sent.
type Download struct {
	// Filename is the name the server proposes (Content-Disposition),
	// e.g. "rufnummern-2026-05-04.csv".
	Filename string
	// ContentType is e.g. "text/csv; charset=utf-8".
	ContentType string
	Body        []byte
}

// Download fetches one of the export paths (ExportNumbersPath,
// ExportEventsPath, StatementCSVPath). A refusal is the usual error (403
// for a role that may not read it, 422 for a bad filter). The whole file
// is held in memory: in a browser, hand Body to a Blob.
func (c *Client) Download(ctx context.Context, path string) (*Download, error) {
	resp, err := c.call(ctx, "GET", path, map[string]string{"Accept": "text/csv, application/problem+json"}, nil, nil)
	if err != nil {
		return nil, err
	}
	d := &Download{ContentType: resp.Get("Content-Type"), Body: resp.Body}
	d.Filename = filename(resp.Get("Content-Disposition"))
	return d, nil
}

// filename is the quoted filename parameter of a Content-Disposition as
// the API writes it (`attachment; filename="abrechnung-2026-05.csv"`), ""
// if it has none.
func filename(cd string) string {
	_, rest, ok := strings.Cut(cd, `filename="`)
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return ""
	}
	return name
}

// Statement is the tenant's billing statement of month ("YYYY-MM"; "" is
// the current month in the tenant's time zone) as billing.Statement
// computes it from the events (GET /api/v1/billing/statement), with the
// server's billing policy. The current month's statement is a forecast:
// lines without an end run to the month's end, pending deactivations end
// at their effective instant. Owner and manager only (403 otherwise); a
// malformed month is CodeInvalid with Field "month".
func (c *Client) Statement(ctx context.Context, month string) (*billing.MonthlyStatement, error) {
	p := params{}
	p.set("month", month)
	var s billing.MonthlyStatement
	_, err := c.call(ctx, "GET", p.path("/api/v1/billing/statement"), nil, nil, &s)
	return ptr(&s, err)
}

// WebhookStatus is the delivery status of one of the tenant's webhook
// endpoints, as the server's process saw it (GET /api/v1/webhooks/status).
type WebhookStatus struct {
	// Endpoint is the endpoint's name (default its host); never its URL.
	Endpoint string `json:"endpoint"`
	// State is the endpoint's circuit breaker: "closed" (delivering),
	// "open" (skipped until OpenUntil: the events wait in the outbox) or
	// "half_open" (one probe is under way).
	State     string    `json:"state"`
	OpenUntil time.Time `json:"open_until,omitzero"`
	// ConsecutiveFailures counts the failed attempts since the last
	// success.
	ConsecutiveFailures int       `json:"consecutive_failures"`
	LastAttempt         time.Time `json:"last_attempt,omitzero"`
	LastSuccess         time.Time `json:"last_success,omitzero"`
	// Failures are the latest failed attempts, newest first.
	Failures []WebhookFailure `json:"failures"`
}

// WebhookFailure is one failed webhook attempt.
type WebhookFailure struct {
	At    time.Time          `json:"at"`
	Event numberdesk.EventID `json:"event"`
	// Status is the HTTP status of the reply; 0 if there was none (a
	// timeout, a refused connection, a refused address).
	Status int `json:"status,omitempty"`
	// Error names the endpoint and the cause, never the URL or payload.
	Error string `json:"error"`
	// Permanent: retrying cannot help (a 4xx, a redirect, a refused
	// address); the event is dead-lettered for this endpoint.
	Permanent bool `json:"permanent"`
}

// WebhookStatuses returns the delivery status of the tenant's webhook
// endpoints, by name. Owner and manager only. A server without webhooks
// returns none.
func (c *Client) WebhookStatuses(ctx context.Context) ([]WebhookStatus, error) {
	var l List[WebhookStatus]
	_, err := c.call(ctx, "GET", "/api/v1/webhooks/status", nil, nil, &l)
	return l.Items, err
}

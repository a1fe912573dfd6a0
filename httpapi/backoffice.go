package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/csvio"
	"github.com/numberdesk/numberdesk/notify/webhook"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// The vendor's back office: the CSV import of a number inventory, the CSV
// exports (overview, event log, statement), the monthly statement as JSON
// and the delivery status of the tenant's webhooks.

// DefaultMaxImportBody is the largest import file by default: csvio's
// limit, 8 MiB (a 10,000-row file is well below 1 MiB).
const DefaultMaxImportBody = csvio.DefaultMaxBytes

// WebhookStatuses is what GET /api/v1/webhooks/status reports: a
// *webhook.Notifier implements it.
type WebhookStatuses interface {
	TenantStatus(ctx context.Context, tenant numberdesk.TenantID) ([]webhook.EndpointStatus, error)
}

// The forms of the CSV exports (query parameter format).
const (
	formatExcel   = "excel"   // csvio.ExcelDE, the default
	formatRFC4180 = "rfc4180" // csvio.RFC4180
)

// csvContentType is the Content-Type of every CSV export.
const csvContentType = "text/csv; charset=utf-8; header=present"

func (h *handler) backofficeRoutes() {
	h.handleImport("POST /api/v1/numbers/import", h.importCSV)
	h.handleCSV("GET /api/v1/numbers/export", h.exportNumbers)
	h.handleCSV("GET /api/v1/events/export", h.exportEvents)
	h.handle("GET /api/v1/billing/statement", h.statement)
	h.handleCSV("GET /api/v1/billing/statement/export", h.exportStatement)
	h.handle("GET /api/v1/webhooks/status", h.webhookStatus)
}

// maxImportBody is Config.MaxImportBody or its default.
func (h *handler) maxImportBody() int64 {
	if h.cfg.MaxImportBody > 0 {
		return h.cfg.MaxImportBody
	}
	return DefaultMaxImportBody
}

// handleImport registers the import as handle would, with two
// differences: the body may be as large as maxImportBody, and a dry run
// does not run under its Idempotency-Key (it changes nothing, and the key
// is the apply's: the client sends the dry run and then the apply of one
// file, and only the apply must run once).
func (h *handler) handleImport(pattern string, op operation) {
	h.routes = append(h.routes, pattern)
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, h.maxImportBody())
		}
		actor, err := h.actor(r)
		if err != nil {
			h.writeProblem(w, r, err)
			return
		}
		dry := newQuery(r).boolean("dry_run") // a malformed value: op's 422
		if key := r.Header.Get("Idempotency-Key"); key != "" && !dry {
			h.idempotent(w, r, actor, pattern, key, op)
			return
		}
		rep, err := op(r, actor)
		if err != nil {
			h.writeProblem(w, r, err)
			return
		}
		writeReply(w, rep, false)
	})
}

// importReply is an import's result with its German summary and the CSV
// variant the file was read in.
type importReply struct {
	*numbers.ImportResult
	Message string `json:"message"`
	Variant string `json:"variant"`
}

// errNotCSV: an import whose body is not text/csv (415).
var errNotCSV = &httpError{status: http.StatusUnsupportedMediaType, code: "malformed", field: "Content-Type",
	message: "Bitte senden Sie die Datei als text/csv."}

// POST /numbers/import[?dry_run=true], body text/csv: numbers.Service.Import
// of the file csvio.Parse reads. The dry run (200) reports every row: the
// malformed ones (csvio) and those the dry run refuses, in file order. The
// apply (201) imports all rows or none: a file with any faulty row is 422
// (Field "rows"). Owner only, checked before the file is read.
func (h *handler) importCSV(r *http.Request, a numberdesk.Actor) (reply, error) {
	ctx := r.Context()
	q := newQuery(r)
	dry := q.boolean("dry_run")
	if q.err != nil {
		return reply{}, q.err
	}
	// Import refuses a role that may not import before it looks at the
	// rows (no read, no write): so an employee's file is not even parsed.
	if _, err := h.cfg.Numbers.Import(ctx, a, numbers.ImportRequest{DryRun: true}); err != nil && numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
		return reply{}, err
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
		return reply{}, errNotCSV
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return reply{}, errTooLarge
		}
		return reply{}, malformed("", err)
	}
	f, err := csvio.Parse(bytes.NewReader(body), csvio.Limits{MaxBytes: h.maxImportBody()})
	if err != nil {
		if pe, ok := errors.AsType[*csvio.ParseError](err); ok {
			e := *pe.Err
			e.Message = pe.Error() // with the row and the column
			return reply{}, &e
		}
		return reply{}, err
	}
	if !dry {
		req, err := f.Request(false, "")
		if err != nil {
			return reply{}, err
		}
		res, err := h.cfg.Numbers.Import(ctx, a, req)
		if err != nil {
			return reply{}, err
		}
		return created(importReply{ImportResult: res, Message: res.Message(), Variant: f.Variant.String()}), nil
	}
	var res *numbers.ImportResult
	if len(f.Rows) > 0 {
		if res, err = h.cfg.Numbers.Import(ctx, a, numbers.ImportRequest{Rows: f.Rows, DryRun: true}); err != nil {
			return reply{}, err
		}
	}
	out := f.Report(res)
	out.DryRun = true
	if out.Rows == nil {
		out.Rows = []numbers.ImportRowResult{}
	}
	return ok(importReply{ImportResult: out, Message: out.Message(), Variant: f.Variant.String()}), nil
}

// csvExport is the first part of an export: it checks the request and
// returns the file's name and the function that writes the file. An error
// of write while the response has not started (the first holdBack bytes)
// is a problem; after that the response is cut off (the client sees an
// incomplete transfer, never a short file that looks whole).
type csvExport func(r *http.Request, a numberdesk.Actor, v csvio.Variant) (filename string, write func(w io.Writer) error, err error)

// handleCSV registers a CSV export under pattern (a GET).
func (h *handler) handleCSV(pattern string, export csvExport) {
	h.routes = append(h.routes, pattern)
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		actor, err := h.actor(r)
		if err != nil {
			h.writeProblem(w, r, err)
			return
		}
		v, err := variant(newQuery(r))
		if err != nil {
			h.writeProblem(w, r, err)
			return
		}
		name, write, err := export(r, actor, v)
		if err != nil {
			h.writeProblem(w, r, err)
			return
		}
		out := &lazyCSV{w: w, name: name}
		if err := write(out); err != nil {
			if !out.started {
				h.writeProblem(w, r, err)
				return
			}
			h.log.ErrorContext(r.Context(), "httpapi: export cut off", "request_id", requestID(r.Context()), "path", r.URL.Path, "err", err)
			panic(http.ErrAbortHandler)
		}
		_ = out.start() // an error here is the client's going away
	})
}

// variant is the CSV form of the format parameter: excel (default) or
// rfc4180.
func variant(q *query) (csvio.Variant, error) {
	switch q.str("format") {
	case "", formatExcel:
		return csvio.ExcelDE, nil
	case formatRFC4180:
		return csvio.RFC4180, nil
	}
	return 0, numberdesk.E(numberdesk.CodeInvalid, "httpapi.Export", "format", "Bitte geben Sie das Format excel oder rfc4180 an.")
}

// holdBack is how much of a CSV download is held back before the
// response starts: an error until then (the first page's read refused:
// the role, a filter) is still a problem.
const holdBack = 32 << 10

// lazyCSV writes the headers of a CSV download once holdBack bytes are
// written, or at the end (start), and then streams.
type lazyCSV struct {
	w       http.ResponseWriter
	name    string
	started bool
	held    []byte
}

// start writes the headers and what was held back.
func (l *lazyCSV) start() error {
	if l.started {
		return nil
	}
	l.started = true
	hd := l.w.Header()
	hd.Set("Content-Type", csvContentType)
	hd.Set("Content-Disposition", `attachment; filename="`+l.name+`"`)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	l.w.WriteHeader(http.StatusOK)
	_, err := l.w.Write(l.held)
	l.held = nil
	return err
}

func (l *lazyCSV) Write(p []byte) (int, error) {
	if !l.started {
		l.held = append(l.held, p...)
		if len(l.held) < holdBack {
			return len(p), nil
		}
		if err := l.start(); err != nil {
			return 0, err
		}
	} else if _, err := l.w.Write(p); err != nil {
		return 0, err
	}
	if f, ok := l.w.(http.Flusher); ok {
		f.Flush() // the writers write a page at a time: send it on
	}
	return len(p), nil
}

// tenantZone is the time zone of the tenant.
func (h *handler) tenantZone(ctx context.Context, tenant numberdesk.TenantID) (*time.Location, error) {
	t, err := h.cfg.Store.FindTenantByID(ctx, tenant)
	if err != nil {
		return nil, numberdesk.Internal("httpapi.Export", err)
	}
	return t.Location(), nil
}

// emails returns the Holder of csvio.Options: the e-mail addresses of the
// tenant's employees, so that an exported overview imports again, if the
// actor may list the employees (owner and manager); for an employee nil
// (IDs are written).
func (h *handler) emails(ctx context.Context, a numberdesk.Actor) (func(numberdesk.StaffID) string, error) {
	if a.Role != numberdesk.RoleOwner && a.Role != numberdesk.RoleManager {
		return nil, nil
	}
	byID := map[numberdesk.StaffID]string{}
	for offset := 0; ; offset += MaxLimit {
		es, total, err := h.cfg.Staff.List(ctx, a, staff.Query{Offset: offset, Limit: MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			byID[e.ID] = e.Email
		}
		if len(es) == 0 || offset+len(es) >= total {
			break
		}
	}
	return func(id numberdesk.StaffID) string { return byID[id] }, nil
}

// exportOf returns the file name of a tenant's export, prefix and today's
// date in the tenant's time zone ("rufnummern-2026-05-04.csv"), and the
// csvio.Options it is written with: variant v, that zone, and the
// employees' e-mail addresses where the actor may list them (emails).
func (h *handler) exportOf(ctx context.Context, a numberdesk.Actor, prefix string, v csvio.Variant) (string, csvio.Options, error) {
	loc, err := h.tenantZone(ctx, a.Tenant)
	if err != nil {
		return "", csvio.Options{}, err
	}
	holder, err := h.emails(ctx, a)
	if err != nil {
		return "", csvio.Options{}, err
	}
	return prefix + "-" + h.now().In(loc).Format(time.DateOnly) + ".csv", csvio.Options{Variant: v, Location: loc, Holder: holder}, nil
}

// GET /numbers/export?format=…: the overview with the filters of GET
// /numbers (status, usage_type, holder, unassigned, search, contains, sort,
// desc), all pages, as csvio.WriteNumbers writes it.
func (h *handler) exportNumbers(r *http.Request, a numberdesk.Actor, v csvio.Variant) (string, func(io.Writer) error, error) {
	q := newQuery(r)
	in := numbers.Query{
		Holder: numberdesk.StaffID(q.str("holder")), Unassigned: q.boolean("unassigned"),
		Search: q.str("search"), Contains: q.boolean("contains"),
		Sort: numbers.SortKey(q.str("sort")), Desc: q.boolean("desc"),
	}
	for _, s := range q.list("status") {
		in.Statuses = append(in.Statuses, numbers.Status(s))
	}
	for _, u := range q.list("usage_type") {
		in.UsageTypes = append(in.UsageTypes, routing.UsageType(u))
	}
	if q.err != nil {
		return "", nil, q.err
	}
	ctx := r.Context()
	name, opts, err := h.exportOf(ctx, a, "rufnummern", v)
	if err != nil {
		return "", nil, err
	}
	return name, func(w io.Writer) error { return csvio.WriteNumbers(ctx, w, h.cfg.Numbers, a, in, opts) }, nil
}

// GET /events/export?format=…&number=…&type=…&after=…: the audit log,
// oldest first, as csvio.WriteEvents writes it. Owner and manager
// (numbers.Service.Events).
func (h *handler) exportEvents(r *http.Request, a numberdesk.Actor, v csvio.Variant) (string, func(io.Writer) error, error) {
	q := newQuery(r)
	f := numberdesk.EventFilter{Number: numberdesk.NumberID(q.str("number")), AfterSeq: q.int64("after")}
	for _, t := range q.list("type") {
		f.Types = append(f.Types, numberdesk.EventType(t))
	}
	if q.err != nil {
		return "", nil, q.err
	}
	ctx := r.Context()
	// Refuse a role that may not read the log before anything else.
	if _, err := h.cfg.Numbers.Events(ctx, a, numberdesk.EventFilter{Limit: 1}); err != nil {
		return "", nil, err
	}
	name, opts, err := h.exportOf(ctx, a, "ereignisprotokoll", v)
	if err != nil {
		return "", nil, err
	}
	return name, func(w io.Writer) error { return csvio.WriteEvents(ctx, w, h.cfg.Numbers, a, f, opts) }, nil
}

// billingEvents are the event types a statement is computed from.
var billingEvents = []numberdesk.EventType{numbers.EventActivated, numbers.EventDeactivationRequested,
	numbers.EventDeactivationWithdrawn, numbers.EventDeactivated, numbers.EventSwappedOut, numbers.EventSwappedIn}

// monthlyStatement computes the statement of the month parameter
// ("YYYY-MM"; default the current month in the tenant's zone) from the
// tenant's billing events, which the actor must be allowed to read (owner
// and manager: numbers.Service.Events).
func (h *handler) monthlyStatement(r *http.Request, a numberdesk.Actor) (*billing.MonthlyStatement, error) {
	const op = "httpapi.Statement"
	ctx := r.Context()
	raw := newQuery(r).str("month")
	var year int
	var month time.Month
	if raw != "" {
		t, err := time.Parse("2006-01", raw)
		if err != nil || len(raw) != len("2006-01") || t.Year() < 1 || t.Year() > 9998 {
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, "month", "Bitte geben Sie den Monat als JJJJ-MM an, z. B. 2026-05.")
		}
		year, month = t.Year(), t.Month()
	}
	evs, err := h.cfg.Numbers.Events(ctx, a, numberdesk.EventFilter{Types: billingEvents})
	if err != nil {
		return nil, err
	}
	t, err := h.cfg.Store.FindTenantByID(ctx, a.Tenant)
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	loc := t.Location()
	if raw == "" {
		now := h.now().In(loc)
		year, month = now.Year(), now.Month()
	}
	st, err := billing.Statement(evs, a.Tenant, year, month, loc, h.cfg.Billing)
	if err != nil {
		// The events are the store's and the policy the vendor's: a
		// statement that cannot be computed is the server's fault.
		return nil, numberdesk.Internal(op, err)
	}
	return st, nil
}

// GET /billing/statement?month=YYYY-MM: the month's statement as JSON.
func (h *handler) statement(r *http.Request, a numberdesk.Actor) (reply, error) {
	st, err := h.monthlyStatement(r, a)
	if err != nil {
		return reply{}, err
	}
	return ok(st), nil
}

// GET /billing/statement/export?month=YYYY-MM&format=…: the month's
// statement as CSV (billing's WriteCSV).
func (h *handler) exportStatement(r *http.Request, a numberdesk.Actor, v csvio.Variant) (string, func(io.Writer) error, error) {
	st, err := h.monthlyStatement(r, a)
	if err != nil {
		return "", nil, err
	}
	name := "abrechnung-" + strconv.Itoa(st.Year) + "-" + twoDigits(int(st.Month)) + ".csv"
	return name, func(w io.Writer) error { return csvio.WriteStatement(w, st, v) }, nil
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// GET /webhooks/status: the delivery status of the tenant's webhook
// endpoints (Config.Webhooks), as the serving process has seen it. Owner
// and manager, as the outbox's deliveries.
func (h *handler) webhookStatus(r *http.Request, a numberdesk.Actor) (reply, error) {
	const op = "httpapi.WebhookStatus"
	if err := staff.Authorize(r.Context(), h.cfg.Store, op, a, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return reply{}, err
	}
	items := []webhook.EndpointStatus{}
	if h.cfg.Webhooks != nil {
		s, err := h.cfg.Webhooks.TenantStatus(r.Context(), a.Tenant)
		if err != nil {
			return reply{}, numberdesk.Internal(op, err)
		}
		items = s
	}
	return ok(List[webhook.EndpointStatus]{Items: items, Total: len(items)}), nil
}

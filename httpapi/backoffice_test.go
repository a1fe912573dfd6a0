package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/csvio"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/notify/webhook"
	"github.com/numberdesk/numberdesk/numbers"
)

func init() {
	// kin-openapi reads a text/csv body with encoding/csv's defaults (","
	// and no byte order mark), which the German Excel form is not: the
	// contract holds a CSV body as a string, and the tests below check
	// the files themselves.
	openapi3filter.RegisterBodyDecoder("text/csv", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	})
}

// importResult is the import's reply.
type importResult struct {
	numbers.ImportResult
	Message string `json:"message"`
	Variant string `json:"variant"`
}

// importFile sends file to the import as as, a dry run if dry.
func (e *env) importFile(t *testing.T, as numberdesk.Actor, file string, dry bool, header ...string) *resp {
	t.Helper()
	p := "/api/v1/numbers/import"
	if dry {
		p += "?dry_run=true"
	}
	h := pairs(header)
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = "text/csv; charset=utf-8"
	}
	return e.do(t, req{as: as, method: http.MethodPost, path: p, body: []byte(file), header: h})
}

// total is the overview's total as as sees it.
func (e *env) total(t *testing.T, as numberdesk.Actor) int {
	t.Helper()
	r := e.get(t, as, "/api/v1/numbers?limit=1")
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var l numberList
	r.json(t, &l)
	return l.Total
}

// The German Excel form, as a user saves it: a byte order mark, ";", days
// as TT.MM.JJJJ, German labels. Rows 2 and 3 are good (1 and 10 numbers),
// row 4 is malformed (csvio: no day), row 5 repeats row 2 (the dry run: a
// conflict) and row 6 names an unknown holder.
const excelFile = "\uFEFFRufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail)\r\n" +
	"0221 555100;;;neu;;Sprache;emil@muster.example\r\n" +
	"0221 5552;10;19;portiert;01.06.2026;Sprache;\r\n" +
	"0221 555300;;;neu;32.13.2026;Sprache;\r\n" +
	"0221 555100;;;neu;;Sprache;\r\n" +
	"0221 555400;;;neu;;Sprache;niemand@muster.example\r\n"

// The same good rows in RFC 4180, as a program writes them.
const rfcFile = "number,extension_from,extension_to,origin,porting_date,usage_type,holders\r\n" +
	"+49221555100,,,new,,voice,emil@muster.example\r\n" +
	"+492215552,10,19,ported,2026-06-01,voice,\r\n"

// TestImportCSV: the dry run reports every row of either CSV form and
// changes nothing; the apply is all or none, once per Idempotency-Key;
// only the owner imports, and that is checked before the file is read.
func TestImportCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.total(t, e.owner)

	// The dry run of the Excel form: every row in file order, each error
	// with its field and German message; nothing changes.
	r := e.importFile(t, e.owner, excelFile, true)
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var dry importResult
	r.json(t, &dry)
	require.True(t, dry.DryRun)
	require.Equal(t, "excel-de", dry.Variant)
	require.Equal(t, numbers.ImportSummary{Rows: 5, Invalid: 3, Numbers: 11, Singles: 1, Blocks: 1, Assigned: 1,
		Origins: map[numbers.Origin]int{numbers.OriginNew: 1, numbers.OriginPorted: 10}, UsageTypes: dry.Summary.UsageTypes}, dry.Summary)
	require.Equal(t, "3 von 5 Zeilen sind fehlerhaft; es wird nichts importiert.", dry.Message)
	type cell struct {
		row   int
		code  numberdesk.Code
		field string
	}
	var got []cell
	for i, row := range dry.Rows {
		require.Equal(t, i+2, row.Row, "file order, the header is line 1")
		for _, err := range row.Errors {
			require.NotEmpty(t, err.Message)
			got = append(got, cell{row.Row, err.Code, err.Field})
		}
	}
	require.Equal(t, []cell{
		{4, numberdesk.CodeInvalid, "porting_date"},
		{5, numberdesk.CodeConflict, "number"},
		{6, numberdesk.CodeNotFound, "holders"},
	}, got)
	require.Equal(t, 10, dry.Rows[1].Numbers)
	require.Equal(t, "+49221555210", dry.Rows[1].First)
	require.Equal(t, before, e.total(t, e.owner), "a dry run changes nothing")

	// The apply of a file with faulty rows imports nothing.
	r = e.importFile(t, e.owner, excelFile, false, "Idempotency-Key", "faulty")
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s", r.Body)
	require.Equal(t, "rows", r.problem(t).Field)
	require.Equal(t, before, e.total(t, e.owner))

	// RFC 4180 with the good rows: the dry run under the apply's key stores
	// nothing under it, so that the apply with the key runs.
	r = e.importFile(t, e.owner, rfcFile, true, "Idempotency-Key", "file-1")
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	r.json(t, &dry)
	require.Equal(t, "rfc4180", dry.Variant)
	require.Zero(t, dry.Summary.Invalid)
	require.Equal(t, "11 Rufnummern (1 Einzelnummer, 1 Block) würden angelegt.", dry.Message)
	require.Equal(t, before, e.total(t, e.owner))

	r = e.importFile(t, e.owner, rfcFile, false, "Idempotency-Key", "file-1")
	require.Equal(t, http.StatusCreated, r.Code, "%s", r.Body)
	require.Empty(t, r.Header.Get("Idempotent-Replayed"))
	var applied importResult
	r.json(t, &applied)
	require.False(t, applied.DryRun)
	require.Equal(t, "11 Rufnummern (1 Einzelnummer, 1 Block) wurden angelegt.", applied.Message)
	require.Equal(t, before+11, e.total(t, e.owner))
	first := r.Body

	// A retry with the key: the stored result, nothing twice.
	r = e.importFile(t, e.owner, rfcFile, false, "Idempotency-Key", "file-1")
	require.Equal(t, http.StatusCreated, r.Code, "%s", r.Body)
	require.Equal(t, "true", r.Header.Get("Idempotent-Replayed"))
	require.JSONEq(t, string(first), string(r.Body))
	require.Equal(t, before+11, e.total(t, e.owner))
	// Another file under the key: 422 on idempotency_key.
	r = e.importFile(t, e.owner, excelFile, false, "Idempotency-Key", "file-1")
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s", r.Body)
	require.Equal(t, "idempotency_key", r.problem(t).Field)
	// Without a key the same file again: every number exists now.
	r = e.importFile(t, e.owner, rfcFile, false)
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s", r.Body)
	require.Equal(t, before+11, e.total(t, e.owner))

	// The imported numbers are what the file says.
	r = e.get(t, e.owner, "/api/v1/numbers/lookup?e164=%2B49221555100")
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var n numbers.Number
	r.json(t, &n)
	require.Equal(t, []numberdesk.StaffID{e.employee.Staff}, n.Holders)
	require.Equal(t, numbers.StatusNew, n.Status)
}

// TestImportCSVRefusals: the role (before the file is read), the
// Content-Type, the size limit and a file that cannot be read at all.
func TestImportCSVRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.total(t, e.owner)
	for _, as := range []numberdesk.Actor{e.manager, e.employee} {
		for _, dry := range []bool{true, false} {
			r := e.importFile(t, as, "kein CSV\x00", dry)
			require.Equal(t, http.StatusForbidden, r.Code, "%s", r.Body)
			require.Equal(t, "permission", r.problem(t).Code)
		}
	}
	r := e.do(t, req{as: e.owner, method: http.MethodPost, path: "/api/v1/numbers/import?dry_run=true", body: rfcFile, invalid: true})
	require.Equal(t, http.StatusUnsupportedMediaType, r.Code, "sent as application/json: %s", r.Body)
	require.Equal(t, "Content-Type", r.problem(t).Field)

	r = e.importFile(t, e.owner, "Nummer;Farbe\r\n0221 1;blau\r\n", true)
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s", r.Body)
	p := r.problem(t)
	require.Equal(t, "header", p.Field)
	require.Contains(t, p.Detail, "Farbe")

	r = e.do(t, req{as: e.owner, method: http.MethodPost, path: "/api/v1/numbers/import?dry_run=ja", body: rfcFile,
		header: map[string]string{"Content-Type": "text/csv", "Idempotency-Key": "k"}, invalid: true})
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s", r.Body)
	require.Equal(t, "dry_run", r.problem(t).Field)
	require.Equal(t, before, e.total(t, e.owner))

	r = e.importFile(t, e.owner, "Rufnummer\r\n", true)
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s", r.Body)
	require.Equal(t, "file", r.problem(t).Field)

	// Beyond Config.MaxImportBody: 413, nothing read further.
	api, err := httpapi.New(httpapi.Config{Store: e.st, Numbers: e.nums, Staff: e.people, Auth: e.auth, MaxImportBody: 64,
		Clock: func() time.Time { return e.now }})
	require.NoError(t, err)
	e.api = api
	r = e.importFile(t, e.owner, rfcFile, false, "Idempotency-Key", "big")
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Code, "%s", r.Body)
	r.problem(t)
	r = e.importFile(t, e.owner, rfcFile, true)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Code, "%s", r.Body)
	r = e.importFile(t, e.owner, "Rufnummer\r\n0221 555100\r\n", false)
	require.Equal(t, http.StatusCreated, r.Code, "a small file: %s", r.Body)
	require.Equal(t, before+1, e.total(t, e.owner))
}

// download is a CSV export as a test reads it.
type download struct {
	name string
	body []byte
	rows [][]string // the records, the header first
}

// export GETs a CSV export as as and reads it.
func (e *env) export(t *testing.T, as numberdesk.Actor, path string) download {
	t.Helper()
	r := e.get(t, as, path)
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	require.Equal(t, "text/csv; charset=utf-8; header=present", r.Header.Get("Content-Type"))
	require.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	cd := r.Header.Get("Content-Disposition")
	require.True(t, strings.HasPrefix(cd, `attachment; filename="`), cd)
	d := download{name: strings.TrimSuffix(strings.TrimPrefix(cd, `attachment; filename="`), `"`), body: r.Body}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\uFEFF"))))
	if bytes.HasPrefix(r.Body, []byte("\uFEFF")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	require.NoError(t, err)
	d.rows = rows
	return d
}

// TestExportNumbers: the overview as CSV in both forms, every page (more
// than one page of the service), with the overview's filters, as the
// actor may see it; the file imports again.
func TestExportNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := append(e.provision(t, "000", "999"), e.provision(t, "1000", "1499")...) // 1,500: two pages
	e.activate(t, ns[0].ID, ns[1].ID)
	r := e.post(t, e.owner, path(ns[2].ID, "/assign"), map[string]any{"employee": e.employee.Staff})
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)

	d := e.export(t, e.owner, "/api/v1/numbers/export")
	require.Equal(t, "rufnummern-2026-05-04.csv", d.name)
	require.True(t, bytes.HasPrefix(d.body, []byte("\uFEFFRufnummer;Durchwahl von;")), "Excel by default")
	require.Len(t, d.rows, 1+len(ns))
	require.Equal(t, "Status", d.rows[0][7])

	rfc := e.export(t, e.owner, "/api/v1/numbers/export?format=rfc4180&sort=number")
	require.True(t, bytes.HasPrefix(rfc.body, []byte("number,extension_from,")))
	require.Len(t, rfc.rows, 1+len(ns))

	// The filters of the overview.
	active := e.export(t, e.owner, "/api/v1/numbers/export?format=rfc4180&status=active")
	require.Len(t, active.rows, 3)
	for _, row := range active.rows[1:] {
		require.Equal(t, "active", row[7])
	}
	// An employee sees its own number only; the holder as its ID.
	mine := e.export(t, e.employee, "/api/v1/numbers/export?format=rfc4180")
	require.Len(t, mine.rows, 2)
	require.Equal(t, string(e.employee.Staff), mine.rows[1][6])
	// The owner's file names the holder by e-mail, so that it imports
	// again: into the other tenant, after the holder's address exists
	// there, it reads back as the same inventory.
	f, err := csvio.Parse(bytes.NewReader(d.body), csvio.Limits{})
	require.NoError(t, err)
	require.Empty(t, f.Errors)
	require.Len(t, f.Rows, len(ns))
	var held []numbers.ImportRow
	for _, row := range f.Rows {
		if len(row.Holders) > 0 {
			held = append(held, row)
		}
	}
	require.Len(t, held, 1)
	require.Equal(t, []string{"emil@muster.example"}, held[0].Holders)
	require.Equal(t, ns[2].Base, held[0].Number)
	require.Equal(t, ns[2].Extension, held[0].ExtensionFrom)

	// A bad parameter is a problem, not a file.
	r = e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/numbers/export?format=xlsx", invalid: true})
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s", r.Body)
	require.Equal(t, "format", r.problem(t).Field)
	r = e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/numbers/export?sort=color", invalid: true})
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s", r.Body)
	r.problem(t)
	r = e.get(t, numberdesk.Actor{}, "/api/v1/numbers/export")
	require.Equal(t, http.StatusUnauthorized, r.Code)
}

// TestExportEvents: the audit log as CSV, oldest first, with the log's
// filters; owner and manager only.
func TestExportEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := e.provision(t, "10", "12")
	e.activate(t, ns[0].ID)
	evs, err := e.nums.Events(context.Background(), e.owner, numberdesk.EventFilter{})
	require.NoError(t, err)

	d := e.export(t, e.manager, "/api/v1/events/export")
	require.Equal(t, "ereignisprotokoll-2026-05-04.csv", d.name)
	require.Equal(t, []string{"Nr.", "Zeitpunkt", "Ereignis", "Rufnummer", "Ausgeführt von", "Rolle", "Daten"}, d.rows[0])
	require.Len(t, d.rows, 1+len(evs))
	for i, ev := range evs {
		require.Equal(t, itoa(ev.Seq), d.rows[1+i][0])
		require.Equal(t, string(ev.Type), d.rows[1+i][2])
	}
	// The actor by e-mail; the filters: a number's events of one type.
	require.Contains(t, string(d.body), "olga@muster.example")
	one := e.export(t, e.owner, "/api/v1/events/export?format=rfc4180&type=number.activated&number="+string(ns[0].ID))
	require.Len(t, one.rows, 2)
	require.Equal(t, "number.activated", one.rows[1][2])
	after := e.export(t, e.owner, "/api/v1/events/export?format=rfc4180&after="+itoa(evs[len(evs)-2].Seq))
	require.Len(t, after.rows, 2)

	r := e.get(t, e.employee, "/api/v1/events/export")
	require.Equal(t, http.StatusForbidden, r.Code, "%s", r.Body)
	require.Equal(t, "permission", r.problem(t).Code)
}

// statementOf is billing.Statement of the tenant's stored events, as the
// test computes it without the API.
func statementOf(t *testing.T, e *env, year int, month time.Month) *billing.MonthlyStatement {
	t.Helper()
	evs, err := e.st.FindEvents(context.Background(), e.owner.Tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	s, err := billing.Statement(evs, e.owner.Tenant, year, month, loc, billing.Policy{})
	require.NoError(t, err)
	return s
}

// TestStatement: the month's statement as JSON and CSV equals
// billing.Statement of the tenant's events; the current month (tenant
// time) by default; owner and manager only.
func TestStatement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ns := e.provision(t, "10", "13")
	e.activate(t, ns[0].ID, ns[1].ID, ns[2].ID)
	r := e.post(t, e.owner, path(ns[1].ID, "/deactivate"), map[string]any{})
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	// The other tenant's activation is not in it.
	other := e.post(t, e.foreign, "/api/v1/numbers", map[string]any{"number": "030 123456"})
	require.Equal(t, http.StatusCreated, other.Code, "%s", other.Body)

	want := statementOf(t, e, 2026, time.May)
	require.Len(t, want.Lines, 3)
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	for _, p := range []string{"/api/v1/billing/statement", "/api/v1/billing/statement?month=2026-05"} {
		for _, as := range []numberdesk.Actor{e.owner, e.manager} {
			r := e.get(t, as, p)
			require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
			require.JSONEq(t, string(wantJSON), string(r.Body), p)
		}
	}
	// The month after: the pending deactivation ends its line at the
	// effective instant (end of June), the others run on.
	r = e.get(t, e.owner, "/api/v1/billing/statement?month=2026-06")
	var june billing.MonthlyStatement
	r.json(t, &june)
	require.Len(t, june.Lines, 3)
	require.Equal(t, statementOf(t, e, 2026, time.June).Totals, june.Totals)
	r = e.get(t, e.owner, "/api/v1/billing/statement?month=2026-04")
	var april billing.MonthlyStatement
	r.json(t, &april)
	require.Empty(t, april.Lines)

	// As CSV, in both forms: billing's WriteCSV.
	d := e.export(t, e.manager, "/api/v1/billing/statement/export?month=2026-05")
	require.Equal(t, "abrechnung-2026-05.csv", d.name)
	var excel bytes.Buffer
	require.NoError(t, want.WriteCSV(&excel, billing.ExcelDE))
	require.Equal(t, excel.String(), string(d.body))
	d = e.export(t, e.owner, "/api/v1/billing/statement/export?format=rfc4180")
	var rfc bytes.Buffer
	require.NoError(t, want.WriteCSV(&rfc, billing.RFC4180))
	require.Equal(t, rfc.String(), string(d.body))

	for _, p := range []string{"/api/v1/billing/statement", "/api/v1/billing/statement/export"} {
		r = e.get(t, e.employee, p)
		require.Equal(t, http.StatusForbidden, r.Code, "%s", r.Body)
		r.problem(t)
	}
	for _, month := range []string{"2026-13", "0000-01", "9999-12"} {
		r = e.get(t, e.owner, "/api/v1/billing/statement?month="+month)
		require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s: %s", month, r.Body)
		require.Equal(t, "month", r.problem(t).Field)
	}
	r = e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/billing/statement/export?month=Mai", invalid: true})
	require.Equal(t, http.StatusUnprocessableEntity, r.Code, "%s", r.Body)
	require.Equal(t, "month", r.problem(t).Field)
}

// TestWebhookStatus: the delivery status of the tenant's own endpoints
// from the Notifier; another tenant's stay its own; owner and manager only.
func TestWebhookStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Without webhooks: no endpoints.
	r := e.get(t, e.owner, "/api/v1/webhooks/status")
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	require.JSONEq(t, `{"items":[],"next_cursor":"","total":0,"total_is_lower_bound":false}`, string(r.Body))

	var failing atomic.Bool
	failing.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	secret := webhook.NewSecret()
	endpoints := webhook.TenantEndpointsFunc(func(_ context.Context, tenant numberdesk.TenantID) ([]webhook.Endpoint, error) {
		if tenant != e.owner.Tenant {
			return nil, nil
		}
		return []webhook.Endpoint{
			{Name: "crm", URL: srv.URL + "/hook?token=geheim", Secrets: []webhook.Secret{secret}},
			{Name: "kaputt", URL: "ftp://example.org/", Secrets: []webhook.Secret{secret}},
		}, nil
	})
	now := e.now
	hooks, err := webhook.New(webhook.Config{Tenants: endpoints, AllowPrivateTargets: true, BreakerFailures: 2,
		Clock: func() time.Time { return now }})
	require.NoError(t, err)
	api, err := httpapi.New(httpapi.Config{Store: e.st, Numbers: e.nums, Staff: e.people, Auth: e.auth, Webhooks: hooks,
		Clock: func() time.Time { return e.now }})
	require.NoError(t, err)
	e.api = api

	ev, err := numberdesk.NewEvent("number.activated", numberdesk.System(e.owner.Tenant), now, numberdesk.NewNumberID(), nil)
	require.NoError(t, err)
	for range 2 {
		require.Error(t, hooks.Notify(context.Background(), ev))
	}

	var l struct {
		Items []webhook.EndpointStatus `json:"items"`
	}
	r = e.get(t, e.manager, "/api/v1/webhooks/status")
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	require.NotContains(t, string(r.Body), "geheim", "no URL")
	r.json(t, &l)
	require.Len(t, l.Items, 2)
	crm := l.Items[0]
	require.Equal(t, "crm", crm.Endpoint)
	require.Equal(t, webhook.BreakerOpen, crm.State)
	require.Equal(t, 2, crm.ConsecutiveFailures)
	require.Len(t, crm.Failures, 2)
	require.Equal(t, http.StatusServiceUnavailable, crm.Failures[0].Status)
	require.Equal(t, ev.ID, crm.Failures[0].Event)
	require.False(t, crm.Failures[0].Permanent)
	require.True(t, crm.OpenUntil.Equal(now.Add(webhook.DefaultBreakerCoolDown)))
	require.Equal(t, "kaputt", l.Items[1].Endpoint)
	require.NotEmpty(t, l.Items[1].Misconfigured)

	// After the cool-down the probe succeeds: closed again.
	now = now.Add(webhook.DefaultBreakerCoolDown)
	failing.Store(false)
	err = hooks.Notify(context.Background(), ev)
	require.True(t, err == nil || strings.Contains(err.Error(), "kaputt"), "%v", err)
	r = e.get(t, e.owner, "/api/v1/webhooks/status")
	r.json(t, &l)
	require.Equal(t, webhook.BreakerClosed, l.Items[0].State)
	require.Zero(t, l.Items[0].ConsecutiveFailures)
	require.True(t, l.Items[0].LastSuccess.Equal(now))

	// The other tenant has none of these.
	r = e.get(t, e.foreign, "/api/v1/webhooks/status")
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	r.json(t, &l)
	require.Empty(t, l.Items)
	r = e.get(t, e.employee, "/api/v1/webhooks/status")
	require.Equal(t, http.StatusForbidden, r.Code, "%s", r.Body)
	r.problem(t)
}

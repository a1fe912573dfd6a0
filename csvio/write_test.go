package csvio_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/csvio"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

var variants = []csvio.Variant{csvio.ExcelDE, csvio.RFC4180}

// cells reads a written file back with encoding/csv.
func cells(t *testing.T, b []byte, v csvio.Variant) [][]string {
	t.Helper()
	if v == csvio.ExcelDE {
		require.True(t, bytes.HasPrefix(b, []byte(bom)), "byte order mark")
		b = b[len(bom):]
	} else {
		require.False(t, bytes.HasPrefix(b, []byte(bom)))
	}
	require.Contains(t, string(b), "\r\n")
	r := csv.NewReader(bytes.NewReader(b))
	if v == csvio.ExcelDE {
		r.Comma = ';'
	}
	rows, err := r.ReadAll()
	require.NoError(t, err)
	return rows
}

func TestWriteRowsRoundTrip(t *testing.T) {
	rows := []numbers.ImportRow{
		{Number: "+49221123456", ExtensionFrom: "00", ExtensionTo: "09", Origin: numbers.OriginReserved},
		{Number: "+4930999888", Origin: numbers.OriginPorted, PortingDate: "2026-03-01", UsageType: routing.UsageFaxPersonal, Holders: []string{"anna@muster.example"}},
		{Number: "+442079460958", UsageType: routing.UsageFaxShared, Holders: []string{"=cmd@muster.example", "ben@muster.example"}},
		{Number: "+4989555002", UsageType: routing.UsageConference},
	}
	for _, v := range variants {
		t.Run(v.String(), func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, csvio.WriteRows(&b, rows, v))
			got := cells(t, b.Bytes(), v)
			if v == csvio.ExcelDE {
				require.Equal(t, []string{"Rufnummer", "Durchwahl von", "Durchwahl bis", "Herkunft", "Portierungsdatum", "Verwendungstyp", "Inhaber (E-Mail)"}, got[0])
				require.Equal(t, []string{"030 999888", "", "", "portiert", "01.03.2026", "persönliche Faxnummer", "anna@muster.example"}, got[2])
				require.Equal(t, []string{"'+44 2079460958", "", "", "", "", "gemeinsame Faxnummer", "'=cmd@muster.example, ben@muster.example"}, got[3])
			} else {
				require.Equal(t, []string{"number", "extension_from", "extension_to", "origin", "porting_date", "usage_type", "holders"}, got[0])
				require.Equal(t, []string{"+4930999888", "", "", "ported", "2026-03-01", "fax_personal", "anna@muster.example"}, got[2])
				require.Equal(t, []string{"+442079460958", "", "", "", "", "fax_shared", "=cmd@muster.example, ben@muster.example"}, got[3])
			}
			f, err := csvio.Parse(&b, csvio.Limits{})
			require.NoError(t, err)
			require.Equal(t, v, f.Variant)
			require.Empty(t, f.Errors)
			require.Equal(t, rows, withoutRow(f.Rows))
		})
	}
	// No rows: the template.
	var b bytes.Buffer
	require.NoError(t, csvio.WriteRows(&b, nil, csvio.ExcelDE))
	require.Equal(t, bom+"Rufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail)\r\n", b.String())
	requireCodeField(t, csvio.WriteRows(&b, nil, 0), numberdesk.CodeInvalid, "variant")
}

func withoutRow(rows []numbers.ImportRow) []numbers.ImportRow {
	out := make([]numbers.ImportRow, len(rows))
	for i, r := range rows {
		r.Row = 0
		out[i] = r
	}
	return out
}

// env is a tenant on memstore with an owner and two employees.
type env struct {
	st         *memstore.Store
	svc        *numbers.Service
	owner      numberdesk.Actor
	anna, ben  *staff.Employee
	now        time.Time
	loc        *time.Location
	emailsByID map[numberdesk.StaffID]string
}

func newEnv(t testing.TB) *env {
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	e := &env{st: memstore.New(), now: time.Date(2026, 1, 15, 10, 0, 0, 0, loc), loc: loc}
	clock := func() time.Time { return e.now }
	e.svc, err = numbers.NewService(numbers.Config{Store: e.st, Clock: clock})
	require.NoError(t, err)
	people := staff.NewService(staff.Config{Store: e.st, Clock: clock})
	_, admin, err := people.CreateTenant(t.Context(), staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Muster", Email: "olga@muster.example"}})
	require.NoError(t, err)
	e.owner = admin.Actor()
	e.emailsByID = map[numberdesk.StaffID]string{admin.ID: admin.Email}
	for _, name := range []string{"Anna", "Ben"} {
		em, err := people.Create(t.Context(), e.owner, staff.CreateRequest{FirstName: name, LastName: "Muster",
			Email: strings.ToLower(name) + "@muster.example"})
		require.NoError(t, err)
		e.emailsByID[em.ID] = em.Email
		if e.anna == nil {
			e.anna = em
		} else {
			e.ben = em
		}
	}
	return e
}

func (e *env) holder(id numberdesk.StaffID) string { return e.emailsByID[id] }

// countingOverview counts the overview's pages.
type countingOverview struct {
	svc   *numbers.Service
	pages int
}

func (c *countingOverview) Overview(ctx context.Context, a numberdesk.Actor, q numbers.Query) (*numbers.Page, error) {
	c.pages++
	return c.svc.Overview(ctx, a, q)
}

// The overview, exported, reads back as the rows that make the same
// numbers again; it streams page by page.
func TestWriteNumbers(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	rows := []numbers.ImportRow{
		{Number: "+49221123", ExtensionFrom: "000", ExtensionTo: "999"},
		{Number: "+49221124", ExtensionFrom: "0", ExtensionTo: "99", Holders: []string{"anna@muster.example"}},
		{Number: "+4930999888", Origin: numbers.OriginPorted, PortingDate: "2026-03-01", UsageType: routing.UsageFaxPersonal, Holders: []string{"ben@muster.example"}},
		{Number: "+4989555001", Origin: numbers.OriginReserved, UsageType: routing.UsageFaxShared, Holders: []string{"anna@muster.example", "ben@muster.example"}},
	}
	_, err := e.svc.Import(ctx, e.owner, numbers.ImportRequest{Rows: rows})
	require.NoError(t, err)
	// One active number with a pending deactivation.
	page, err := e.svc.Overview(ctx, e.owner, numbers.Query{Search: "030 999888"})
	require.NoError(t, err)
	e.now = e.now.AddDate(0, 2, 0) // after the porting date
	q, err := e.svc.Quote(ctx, e.owner, []numberdesk.NumberID{page.Numbers[0].ID})
	require.NoError(t, err)
	_, err = e.svc.Activate(ctx, e.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	_, err = e.svc.Deactivate(ctx, e.owner, numbers.DeactivateRequest{Number: page.Numbers[0].ID})
	require.NoError(t, err)

	for _, v := range variants {
		t.Run(v.String(), func(t *testing.T) {
			src := &countingOverview{svc: e.svc}
			var b bytes.Buffer
			require.NoError(t, csvio.WriteNumbers(ctx, &b, src, e.owner, numbers.Query{Limit: 7, Offset: 3}, csvio.Options{Variant: v, Holder: e.holder}))
			require.Equal(t, 2, src.pages, "1,102 numbers in pages of 1,000")
			got := cells(t, b.Bytes(), v)
			require.Len(t, got, 1+1102)
			require.Len(t, got[0], 11)
			var fax []string
			for _, r := range got {
				if strings.Contains(r[0], "999888") {
					fax = r
				}
			}
			if v == csvio.ExcelDE {
				require.Equal(t, "Kündigungsdatum", got[0][8])
				require.Equal(t, []string{"030 999888", "", "", "portiert", "01.03.2026", "persönliche Faxnummer", "ben@muster.example",
					"Zur Deaktivierung vorgemerkt", "30.04.2026", "15.01.2026 10:00:00"}, fax[:10])
			} else {
				require.Equal(t, []string{"+4930999888", "", "", "ported", "2026-03-01", "fax_personal", "ben@muster.example",
					"deactivation_pending", "2026-04-30", "2026-01-15T10:00:00+01:00"}, fax[:10])
			}
			f, err := csvio.Parse(&b, csvio.Limits{})
			require.NoError(t, err)
			require.Empty(t, f.Errors)
			require.Len(t, f.Rows, 1102)
			// Imported into another tenant, the file makes the same inventory.
			other := newEnv(t)
			req, err := f.Request(false, "")
			require.NoError(t, err)
			res, err := other.svc.Import(ctx, other.owner, req)
			require.NoError(t, err)
			require.Equal(t, 1102, res.Summary.Numbers)
			require.Equal(t, 1100, res.Summary.Blocks, "each number of a block is a block of one")
			require.Equal(t, 100+1+1, res.Summary.Assigned)
		})
	}
}

// Every text cell of the German variant is guarded against formula
// injection; RFC 4180 cells are written as they are.
func TestWriteGuardsFormulas(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	_, err := e.svc.Import(ctx, e.owner, numbers.ImportRequest{Rows: []numbers.ImportRow{
		{Number: "+442079460958", Holders: []string{"anna@muster.example"}},
	}})
	require.NoError(t, err)
	evil := func(numberdesk.StaffID) string { return `=HYPERLINK("http://evil.example","x")` }
	for _, v := range variants {
		var nb, eb bytes.Buffer
		require.NoError(t, csvio.WriteNumbers(ctx, &nb, e.svc, e.owner, numbers.Query{}, csvio.Options{Variant: v, Holder: evil}))
		require.NoError(t, csvio.WriteEvents(ctx, &eb, e.svc, e.owner, numberdesk.EventFilter{}, csvio.Options{Variant: v, Holder: evil}))
		for _, b := range []*bytes.Buffer{&nb, &eb} {
			for _, r := range cells(t, b.Bytes(), v)[1:] {
				for _, c := range r {
					if v == csvio.ExcelDE {
						require.False(t, c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])), "cell %q", c)
					}
				}
				if v == csvio.RFC4180 {
					require.Contains(t, r, `=HYPERLINK("http://evil.example","x")`)
				}
			}
		}
		if v == csvio.ExcelDE {
			require.Contains(t, nb.String(), `'+44 2079460958`)
		}
	}
}

// countingEvents counts the event log's pages.
type countingEvents struct {
	svc   *numbers.Service
	pages int
}

func (c *countingEvents) Events(ctx context.Context, a numberdesk.Actor, f numberdesk.EventFilter) ([]numberdesk.Event, error) {
	c.pages++
	return c.svc.Events(ctx, a, f)
}

func TestWriteEvents(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	before, err := e.svc.Events(ctx, e.owner, numberdesk.EventFilter{})
	require.NoError(t, err)
	_, err = e.svc.Import(ctx, e.owner, numbers.ImportRequest{Rows: []numbers.ImportRow{
		{Number: "+49221123", ExtensionFrom: "000", ExtensionTo: "999", Holders: []string{"anna@muster.example"}},
	}})
	require.NoError(t, err)
	all, err := e.svc.Events(ctx, e.owner, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.Len(t, all, len(before)+2000, "1,000 numbers provisioned and assigned")
	for _, v := range variants {
		src := &countingEvents{svc: e.svc}
		var b bytes.Buffer
		require.NoError(t, csvio.WriteEvents(ctx, &b, src, e.owner, numberdesk.EventFilter{}, csvio.Options{Variant: v, Holder: e.holder}))
		got := cells(t, b.Bytes(), v)
		require.Len(t, got, 1+len(all))
		require.Equal(t, 3, src.pages)
		last := got[len(got)-1]
		require.Equal(t, fmt.Sprint(all[len(all)-1].Seq), last[0])
		require.Equal(t, string(numbers.EventAssigned), last[2])
		require.Equal(t, "olga@muster.example", last[4])
		require.Equal(t, string(all[len(all)-1].Data), last[6])
		if v == csvio.ExcelDE {
			require.Equal(t, []string{"Nr.", "Zeitpunkt", "Ereignis", "Rufnummer", "Ausgeführt von", "Rolle", "Daten"}, got[0])
			require.Equal(t, "0221 123999", last[3])
			require.Equal(t, "Administrator", last[5])
			require.Equal(t, "15.01.2026 10:00:00", last[1])
		} else {
			require.Equal(t, "+49221123999", last[3])
			require.Equal(t, "owner", last[5])
			require.Equal(t, "2026-01-15T10:00:00+01:00", last[1])
		}
		// A limit and a start.
		b.Reset()
		src.pages = 0
		require.NoError(t, csvio.WriteEvents(ctx, &b, src, e.owner, numberdesk.EventFilter{AfterSeq: all[0].Seq, Limit: 1500}, csvio.Options{Variant: v}))
		got = cells(t, b.Bytes(), v)
		require.Len(t, got, 1+1500)
		require.Equal(t, fmt.Sprint(all[1].Seq), got[1][0])
		require.Equal(t, 2, src.pages)
	}
	requireCodeField(t, csvio.WriteEvents(ctx, &bytes.Buffer{}, e.svc, e.owner, numberdesk.EventFilter{Desc: true}, csvio.Options{Variant: csvio.ExcelDE}),
		numberdesk.CodeInvalid, "desc")
	requireCodeField(t, csvio.WriteEvents(ctx, &bytes.Buffer{}, e.svc, e.owner, numberdesk.EventFilter{}, csvio.Options{}),
		numberdesk.CodeInvalid, "variant")
	// The service's refusal comes through as it is.
	err = csvio.WriteEvents(ctx, &bytes.Buffer{}, e.svc, e.anna.Actor(), numberdesk.EventFilter{}, csvio.Options{Variant: csvio.RFC4180})
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
}

// WriteStatement is billing's WriteCSV in the matching format.
func TestWriteStatement(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	_, err := e.svc.Import(ctx, e.owner, numbers.ImportRequest{Rows: []numbers.ImportRow{{Number: "+492214711"}}})
	require.NoError(t, err)
	p, err := e.svc.Overview(ctx, e.owner, numbers.Query{})
	require.NoError(t, err)
	q, err := e.svc.Quote(ctx, e.owner, []numberdesk.NumberID{p.Numbers[0].ID})
	require.NoError(t, err)
	_, err = e.svc.Activate(ctx, e.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	evs, err := e.svc.Events(ctx, e.owner, numberdesk.EventFilter{})
	require.NoError(t, err)
	st, err := billing.Statement(evs, e.owner.Tenant, 2026, time.January, e.loc, billing.Policy{})
	require.NoError(t, err)
	for v, f := range map[csvio.Variant]billing.CSVFormat{csvio.ExcelDE: billing.ExcelDE, csvio.RFC4180: billing.RFC4180} {
		var got, want bytes.Buffer
		require.NoError(t, csvio.WriteStatement(&got, st, v))
		require.NoError(t, st.WriteCSV(&want, f))
		require.Equal(t, want.String(), got.String())
		require.Len(t, cells(t, got.Bytes(), v), 2+boolInt(v == csvio.ExcelDE))
	}
	requireCodeField(t, csvio.WriteStatement(&bytes.Buffer{}, nil, csvio.ExcelDE), numberdesk.CodeInvalid, "statement")
	requireCodeField(t, csvio.WriteStatement(&bytes.Buffer{}, st, 9), numberdesk.CodeInvalid, "variant")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A writer that fails is CodeInternal.
func TestWriteError(t *testing.T) {
	e := newEnv(t)
	err := csvio.WriteNumbers(t.Context(), failing{}, e.svc, e.owner, numbers.Query{}, csvio.Options{Variant: csvio.ExcelDE})
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
	err = csvio.WriteRows(failing{}, nil, csvio.RFC4180)
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func requireCodeField(t *testing.T, err error, code numberdesk.Code, field string) {
	t.Helper()
	require.Equal(t, code, numberdesk.ErrorCode(err), "%v", err)
	require.Equal(t, field, numberdesk.ErrorField(err), "%v", err)
}

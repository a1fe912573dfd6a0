package client_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/httpapi/client"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
)

// TestClientBackoffice: the import (dry run, apply once per key), the
// exports as downloads, the statement and the webhook status through the
// client and a real HTTP server.
func TestClientBackoffice(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c, _ := s.as(s.owner)
	ctx := t.Context()

	file := []byte("\uFEFFRufnummer;Durchwahl von;Durchwahl bis;Herkunft\r\n0221 4711;10;12;neu\r\n0221 4711;12;12;neu\r\n0221 999;;;alt\r\n")
	dry, err := c.ImportCSV(ctx, file, true, "")
	require.NoError(t, err)
	require.True(t, dry.DryRun)
	require.Len(t, dry.Rows, 3)
	require.Equal(t, 2, dry.Summary.Invalid)
	require.Equal(t, "number", dry.Rows[1].Errors[0].Field, "row 3 repeats a number of row 2")
	require.Equal(t, numberdesk.CodeConflict, dry.Rows[1].Errors[0].Code)
	require.Equal(t, "origin", dry.Rows[2].Errors[0].Field)
	require.Equal(t, 4, dry.Rows[2].Row)

	_, err = c.ImportCSV(ctx, file, false, "datei-1")
	require.Equal(t, http.StatusUnprocessableEntity, client.Status(err))
	require.Equal(t, "rows", numberdesk.ErrorField(err))

	good := []byte("number,extension_from,extension_to\r\n+492214711,10,12\r\n")
	for range 2 { // a second click with the file's key: the first result
		res, err := c.ImportCSV(ctx, good, false, "datei-2")
		require.NoError(t, err)
		require.Equal(t, 3, res.Summary.Numbers)
	}
	page, err := c.Overview(ctx, numbers.Query{})
	require.NoError(t, err)
	require.Equal(t, 3, page.Total)

	q, err := c.Quote(ctx, []numberdesk.NumberID{page.Numbers[0].ID})
	require.NoError(t, err)
	_, err = c.Activate(ctx, q.Token)
	require.NoError(t, err)

	d, err := c.Download(ctx, client.ExportNumbersPath(numbers.Query{Statuses: []numbers.Status{numbers.StatusActive}}, client.Excel))
	require.NoError(t, err)
	require.Equal(t, "rufnummern-2026-05-04.csv", d.Filename)
	require.True(t, bytes.HasPrefix(d.Body, []byte("\uFEFFRufnummer;")))
	require.Equal(t, 2, bytes.Count(d.Body, []byte("\r\n")), "the header and the active number")
	d, err = c.Download(ctx, client.ExportEventsPath(numberdesk.EventFilter{Types: []numberdesk.EventType{numbers.EventActivated}}, client.RFC4180))
	require.NoError(t, err)
	require.Equal(t, "ereignisprotokoll-2026-05-04.csv", d.Filename)
	require.True(t, bytes.HasPrefix(d.Body, []byte("seq,at,type,")))
	require.Equal(t, 1, bytes.Count(d.Body, []byte(",number.activated,")), "one activation")

	st, err := c.Statement(ctx, "")
	require.NoError(t, err)
	require.Equal(t, 2026, st.Year)
	require.Equal(t, time.May, st.Month)
	require.Len(t, st.Lines, 1)
	require.Equal(t, page.Numbers[0].ID, st.Lines[0].Intervals[0].Number)
	april, err := c.Statement(ctx, "2026-04")
	require.NoError(t, err)
	require.Empty(t, april.Lines)
	d, err = c.Download(ctx, client.StatementCSVPath("2026-05", client.RFC4180))
	require.NoError(t, err)
	require.Equal(t, "abrechnung-2026-05.csv", d.Filename)
	var want bytes.Buffer
	require.NoError(t, st.WriteCSV(&want, billing.RFC4180))
	require.Equal(t, want.String(), string(d.Body))
	_, err = c.Statement(ctx, "Mai")
	require.Equal(t, "month", numberdesk.ErrorField(err))

	hooks, err := c.WebhookStatuses(ctx)
	require.NoError(t, err)
	require.Empty(t, hooks)

	// An employee may neither import nor read the statement.
	emp, err := c.CreateEmployee(ctx, staff.CreateRequest{FirstName: "Emil", LastName: "Muster", Email: "emil@muster.example"})
	require.NoError(t, err)
	ce, _ := s.as(emp)
	_, err = ce.ImportCSV(ctx, good, true, "")
	require.Equal(t, http.StatusForbidden, client.Status(err))
	_, err = ce.Statement(ctx, "")
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
	_, err = ce.Download(ctx, client.StatementCSVPath("", client.Excel))
	require.Equal(t, http.StatusForbidden, client.Status(err))
}

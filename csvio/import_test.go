package csvio_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/csvio"
	"github.com/numberdesk/numberdesk/numbers"
)

// A file with malformed rows and rows that do not fit the tenant: the dry
// run with Report lists every problem of every row in file order; the
// apply is refused until the file is right, then creates everything.
func TestImportFile(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	_, err := e.svc.Import(ctx, e.owner, numbers.ImportRequest{Rows: []numbers.ImportRow{{Number: "0221 999"}}})
	require.NoError(t, err)
	file := bom + "Rufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail)\r\n" +
		"0221 123456;10;19;neu;;Sprache;anna@muster.example\r\n" + // 2: fine
		"0221 4711;;;portiert;31.02.2026;;\r\n" + // 3: no such day (Parse)
		"0221 999;;;;;;\r\n" + // 4: exists (dry run)
		"0221 4712;;;neu;01.03.2026;;\r\n" + // 5: a porting date of a new number (dry run)
		"0221 4713;;;;;Fax;nobody@muster.example\r\n" + // 6: usage type (Parse)
		"0221 4714;;;;;;nobody@muster.example\r\n" + // 7: unknown holder (dry run)
		"0221 12345615;;;;;;\r\n" // 8: in the block of row 2 (dry run)
	f, err := csvio.Parse(strings.NewReader(file), csvio.Limits{})
	require.NoError(t, err)
	_, err = f.Request(false, "k")
	requireCodeField(t, err, numberdesk.CodeInvalid, "rows")
	req, err := f.Request(true, "")
	require.NoError(t, err)
	res, err := e.svc.Import(ctx, e.owner, req)
	require.NoError(t, err)
	report := f.Report(res)
	type problem struct {
		row           int
		code          numberdesk.Code
		field, column string
	}
	var got []problem
	for _, r := range report.Rows {
		for _, x := range r.Errors {
			got = append(got, problem{r.Row, x.Code, x.Field, csvio.ColumnName(x.Field, f.Variant)})
		}
	}
	require.Equal(t, []problem{
		{3, numberdesk.CodeInvalid, "porting_date", "Portierungsdatum"},
		{4, numberdesk.CodeConflict, "number", "Rufnummer"},
		{5, numberdesk.CodeInvalid, "porting_date", "Portierungsdatum"},
		{6, numberdesk.CodeInvalid, "usage_type", "Verwendungstyp"},
		{7, numberdesk.CodeNotFound, "holders", "Inhaber (E-Mail)"},
		{8, numberdesk.CodeConflict, "number", "Rufnummer"},
	}, got)
	require.Len(t, report.Rows, 7)
	require.Equal(t, 7, report.Summary.Rows)
	require.Equal(t, 6, report.Summary.Invalid)
	require.Equal(t, 10, report.Summary.Numbers)
	require.Equal(t, "6 von 7 Zeilen sind fehlerhaft; es wird nichts importiert.", report.Message())
	require.Len(t, res.Rows, 5, "Report does not modify the result")

	// Corrected, the file goes in under a key, once.
	fixed := strings.NewReplacer("31.02.2026", "28.02.2026", "0221 999;", "0221 998;", "neu;01.03.2026", "portiert;01.03.2026",
		";Fax;nobody@muster.example", ";Konferenz;", "nobody@", "ben@", "0221 12345615", "0221 12345620").Replace(file)
	f, err = csvio.Parse(strings.NewReader(fixed), csvio.Limits{})
	require.NoError(t, err)
	require.Empty(t, f.Errors)
	for range 2 {
		req, err = f.Request(false, "import-1")
		require.NoError(t, err)
		res, err = e.svc.Import(ctx, e.owner, req)
		require.NoError(t, err)
		require.Equal(t, "16 Rufnummern (6 Einzelnummern, 1 Block) wurden angelegt.", res.Message())
	}
	page, err := e.svc.Overview(ctx, e.owner, numbers.Query{})
	require.NoError(t, err)
	require.Equal(t, 17, page.Total)
}

// csvio runs in the browser: it builds for js/wasm and pulls in nothing a
// browser package must not (see the module's TestBrowserPackagesStaySmall).
func TestBrowserBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := string(out)
	for _, f := range []string{"net/http", "database/sql\n", "modernc.org/sqlite", "github.com/jackc/pgx", "github.com/wneessen/go-mail",
		"github.com/go-playground/validator", "github.com/emersion/"} {
		require.NotContains(t, deps, f)
	}
}

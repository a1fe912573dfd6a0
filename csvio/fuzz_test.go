package csvio_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/csvio"
)

// FuzzParse: Parse never panics; every error, the file's and each row's, is
// a *csvio.ParseError holding a *numberdesk.Error with CodeInvalid, its
// Field and a message; and the rows of a parsed file, written again in
// either variant, parse to the same rows without errors.
func FuzzParse(f *testing.F) {
	seeds := []string{
		bom + "Rufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail)\r\n" +
			"0221 123456;10;19;neu;;Sprache;anna@muster.example\r\n" +
			"'+44 20 7946 0958;;;portiert;1.3.2026;persönliche Faxnummer;ben@muster.example\r\n",
		"number,extension_from,extension_to,origin,porting_date,usage_type,holders\n" +
			"+49 221 4711,,,ported,2026-03-01,fax_shared,\"a@b.de, c@d.de\"\n",
		"sep=;\nRufnummer\n0221 4711\n\"0221\n4712\"\n",
		"Rufnummer;Status;ID\n0221 4711;aktiv;x\n;;\n",
		"Rufnummer;\n0221 4711;;;x\n\"a\"b;\n",
		"Rufnummer;Herkunft\n0221 4711;ne\xfc\n",
		"\xff\xfeR\x00",
		"",
		"Rufnummer,Rufnummer\n",
		"Inhaber;Rufnummer\n=a@b.de;0221 4711\n'=a@b.de;0221 4712\n''=a@b.de;0221 4713\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	lim := csvio.Limits{MaxRows: 50, MaxCellBytes: 64, MaxBytes: 8 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := csvio.Parse(bytes.NewReader(data), lim)
		if err != nil {
			if file != nil {
				t.Fatalf("a File with an error: %v", err)
			}
			checkError(t, err)
			return
		}
		if len(file.Rows)+len(file.Errors) == 0 {
			t.Fatal("no rows and no errors without an error")
		}
		for _, e := range file.Errors {
			checkError(t, e)
			if e.Row < 1 {
				t.Fatalf("a row error without its row: %v", e)
			}
		}
		for _, v := range variants {
			var b bytes.Buffer
			if err := csvio.WriteRows(&b, file.Rows, v); err != nil {
				t.Fatalf("WriteRows %v: %v", v, err)
			}
			if len(file.Rows) == 0 {
				continue
			}
			// The rows written may be longer than the cells read (a
			// guard's apostrophe, ", " between holders).
			again, err := csvio.Parse(&b, csvio.Limits{MaxRows: lim.MaxRows, MaxCellBytes: 4 * lim.MaxCellBytes, MaxBytes: 8 * lim.MaxBytes})
			if err != nil {
				t.Fatalf("written in %v, the rows do not parse: %v\n%q", v, err, b.String())
			}
			if len(again.Errors) > 0 {
				t.Fatalf("written in %v, the rows have errors: %v\n%q", v, again.Errors[0], b.String())
			}
			if again.Variant != v {
				t.Fatalf("written in %v, read as %v", v, again.Variant)
			}
			want, got := withoutRow(file.Rows), withoutRow(again.Rows)
			if len(want) != len(got) {
				t.Fatalf("written in %v: %d rows, read %d", v, len(want), len(got))
			}
			for i := range want {
				if !reflect.DeepEqual(want[i], got[i]) {
					t.Fatalf("written in %v, row %d: %+v, read back %+v\n%q", v, i, want[i], got[i], b.String())
				}
			}
		}
	})
}

func checkError(t *testing.T, err error) {
	t.Helper()
	var pe *csvio.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("not a *csvio.ParseError: %T %v", err, err)
	}
	var e *numberdesk.Error
	if !errors.As(err, &e) || e.Code != numberdesk.CodeInvalid || e.Field == "" || e.Message == "" || e.Op != "csvio.Parse" {
		t.Fatalf("not a CodeInvalid *numberdesk.Error with Field and Message: %#v", e)
	}
	if pe.Class == "" {
		t.Fatalf("no class: %v", err)
	}
}

package csvio_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk/csvio"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// Import a file saved by a German Excel: a dry run shows every row's
// problems, the apply creates the numbers, all or none.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	st := memstore.New()
	svc, err := numbers.NewService(numbers.Config{Store: st, Clock: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	people := staff.NewService(staff.Config{Store: st, Clock: func() time.Time { return now }})
	_, admin, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Muster", Email: "olga@muster.example"}})
	if err != nil {
		log.Fatal(err)
	}
	owner := admin.Actor()

	file := "\uFEFFRufnummer;Durchwahl von;Durchwahl bis;Herkunft;Portierungsdatum;Verwendungstyp;Inhaber (E-Mail)\r\n" +
		"0221 123456;10;19;neu;;Sprache;olga@muster.example\r\n" +
		"030 999888;;;portiert;30.02.2026;;\r\n"
	f, err := csvio.Parse(strings.NewReader(file), csvio.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	req, _ := f.Request(true, "")
	res, err := svc.Import(ctx, owner, req)
	if err != nil {
		log.Fatal(err)
	}
	report := f.Report(res)
	fmt.Println(report.Message())
	for _, r := range report.Rows {
		for _, e := range r.Errors {
			fmt.Printf("Zeile %d, %s: %s\n", r.Row, csvio.ColumnName(e.Field, f.Variant), e.Message)
		}
	}

	fixed := strings.Replace(file, "30.02.2026", "02.03.2026", 1)
	f, _ = csvio.Parse(strings.NewReader(fixed), csvio.Limits{})
	req, err = f.Request(false, "import-2026-01-15")
	if err != nil {
		log.Fatal(err)
	}
	res, err = svc.Import(ctx, owner, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Message())

	// The rows as plain CSV for a program (CRLF shown as line ends).
	var b strings.Builder
	if err := csvio.WriteRows(&b, f.Rows, csvio.RFC4180); err != nil {
		log.Fatal(err)
	}
	fmt.Print(strings.ReplaceAll(b.String(), "\r\n", "\n"))
	// Output:
	// 1 von 2 Zeilen ist fehlerhaft; es wird nichts importiert.
	// Zeile 3, Portierungsdatum: „30.02.2026“ ist kein gültiges Datum; bitte TT.MM.JJJJ oder JJJJ-MM-TT.
	// 11 Rufnummern (1 Einzelnummer, 1 Block) wurden angelegt.
	// number,extension_from,extension_to,origin,porting_date,usage_type,holders
	// +49221123456,10,19,new,,voice,olga@muster.example
	// +4930999888,,,ported,2026-03-02,,
}

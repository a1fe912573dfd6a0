package billing_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// story runs the lifecycle of ExampleStatement on the real numbers.Service
// (memstore, a fake clock) and returns the tenant's events, the tenant and
// the deactivation dialog's text.
func story() ([]numberdesk.Event, *numberdesk.Tenant, string) {
	ctx := context.Background()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		log.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, loc)
	clock := func() time.Time { return now }
	st := memstore.New()
	svc, err := numbers.NewService(numbers.Config{Store: st, Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	people := staff.NewService(staff.Config{Store: st, Clock: clock})
	tenant, admin, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Muster", Email: "olga@muster.example"}})
	if err != nil {
		log.Fatal(err)
	}
	owner, err := people.Actor(ctx, tenant.ID, admin.ID)
	if err != nil {
		log.Fatal(err)
	}
	old, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: "0221 123456", ExtensionFrom: "10", ExtensionTo: "10",
		Options: []string{"festnetz_flat"}})
	if err != nil {
		log.Fatal(err)
	}
	spare, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: "0221 654321"})
	if err != nil {
		log.Fatal(err)
	}

	now = time.Date(2026, 3, 17, 10, 30, 0, 0, loc) // activated: 2,90 € + 4,00 € Festnetz-Flat a month
	q, err := svc.Quote(ctx, owner, []numberdesk.NumberID{old[0].ID})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svc.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token}); err != nil {
		log.Fatal(err)
	}
	now = time.Date(2026, 4, 3, 14, 0, 0, 0, loc) // swapped
	if _, err := svc.Swap(ctx, owner, numbers.SwapRequest{Old: old[0].ID, New: spare[0].ID}); err != nil {
		log.Fatal(err)
	}
	now = time.Date(2026, 4, 20, 8, 0, 0, 0, loc) // deactivated with the default notice
	d, err := svc.Deactivate(ctx, owner, numbers.DeactivateRequest{Number: spare[0].ID})
	if err != nil {
		log.Fatal(err)
	}
	now = time.Date(2026, 6, 1, 3, 0, 0, 0, loc) // the nightly job stores the deactivation
	if _, err := svc.ApplyDue(ctx, numberdesk.System(tenant.ID), now); err != nil {
		log.Fatal(err)
	}
	events, err := svc.Events(ctx, owner, numberdesk.EventFilter{})
	if err != nil {
		log.Fatal(err)
	}
	return events, tenant, d.Message()
}

var monthsDE = []string{"", "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}

func eur(cents int64) string { return numbers.EUR(cents).String() }

func day(iso string) string {
	t, _ := time.Parse(time.DateOnly, iso)
	return t.Format("02.01.2006")
}

// A number with a flat rate (6,90 € net a month) is activated on 17 March
// at 10:30, swapped for another number on 3 April and deactivated on 20
// April. With the default notice the deactivation takes effect at the end
// of 31 May (24:00, the instant 1 June 00:00), so May is the last billed
// month. Per day: 15 of March's 31 days; April in full on one line,
// although two numbers carried it; May in full; nothing in June.
func ExampleStatement() {
	events, tenant, dialog := story()
	fmt.Println(dialog)
	for _, m := range []time.Month{time.March, time.April, time.May, time.June} {
		s, err := billing.Statement(events, tenant.ID, 2026, m, tenant.Location(), billing.Policy{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %d (%s, %d Tage): %d Position(en)\n", monthsDE[m], s.Year, s.TimeZone, s.DaysInMonth, len(s.Lines))
		for _, l := range s.Lines {
			for _, iv := range l.Intervals {
				fmt.Printf("  %-15s %s–%s  [%s, %s)\n", iv.Display, day(iv.FirstDay), day(iv.LastDay),
					iv.Start.Format("02.01. 15:04"), iv.End.Format("02.01. 15:04"))
			}
			fmt.Printf("  %s × %d/%d Tage = %s netto + %s USt (%s) = %s brutto\n", eur(l.MonthlyNetCents), l.Days, s.DaysInMonth,
				eur(l.NetCents), eur(l.VATCents), numbers.FormatRate(l.VATRate), eur(l.GrossCents))
		}
		fmt.Printf("  Summe: %s netto, %s USt, %s brutto\n", eur(s.Totals.NetCents), eur(s.Totals.VATCents), eur(s.Totals.GrossCents))
	}
	// Output:
	// Die Rufnummer 0221 654321 wird zum 31.05.2026 deaktiviert. Mit der Deaktivierung gehen alle Einstellungen dieser Rufnummer verloren.
	// März 2026 (Europe/Berlin, 31 Tage): 1 Position(en)
	//   0221 123456-10  17.03.2026–31.03.2026  [17.03. 10:30, 01.04. 00:00)
	//   6,90 € × 15/31 Tage = 3,34 € netto + 0,63 € USt (19 %) = 3,97 € brutto
	//   Summe: 3,34 € netto, 0,63 € USt, 3,97 € brutto
	// April 2026 (Europe/Berlin, 30 Tage): 1 Position(en)
	//   0221 123456-10  01.04.2026–03.04.2026  [01.04. 00:00, 03.04. 14:00)
	//   0221 654321     03.04.2026–30.04.2026  [03.04. 14:00, 01.05. 00:00)
	//   6,90 € × 30/30 Tage = 6,90 € netto + 1,31 € USt (19 %) = 8,21 € brutto
	//   Summe: 6,90 € netto, 1,31 € USt, 8,21 € brutto
	// Mai 2026 (Europe/Berlin, 31 Tage): 1 Position(en)
	//   0221 654321     01.05.2026–31.05.2026  [01.05. 00:00, 01.06. 00:00)
	//   6,90 € × 31/31 Tage = 6,90 € netto + 1,31 € USt (19 %) = 8,21 € brutto
	//   Summe: 6,90 € netto, 1,31 € USt, 8,21 € brutto
	// Juni 2026 (Europe/Berlin, 30 Tage): 0 Position(en)
	//   Summe: 0,00 € netto, 0,00 € USt, 0,00 € brutto
}

// The April statement of ExampleStatement's story in both CSV dialects.
func ExampleMonthlyStatement_WriteCSV() {
	events, tenant, _ := story()
	s, err := billing.Statement(events, tenant.ID, 2026, time.April, tenant.Location(), billing.Policy{})
	if err != nil {
		log.Fatal(err)
	}
	var excel strings.Builder
	if err := s.WriteCSV(&excel, billing.ExcelDE); err != nil {
		log.Fatal(err)
	}
	out := strings.ReplaceAll(excel.String(), "\r\n", "\n")
	out = strings.ReplaceAll(out, s.Lines[0].Line, "<Position>")
	fmt.Printf("%q\n", out[:3]) // the byte order mark
	fmt.Print(out[3:])
	fmt.Println()
	var plain strings.Builder
	if err := s.WriteCSV(&plain, billing.RFC4180); err != nil {
		log.Fatal(err)
	}
	out = strings.ReplaceAll(plain.String(), "\r\n", "\n")
	fmt.Print(strings.ReplaceAll(out, s.Lines[0].Line, "<line>"))
	// Output:
	// "\ufeff"
	// Abrechnungsmonat;Position;Rufnummer;Zeitraum;Tage;Tage im Monat;Monatspreis netto;Anteil netto;Einmalig netto;Netto;USt-Satz %;USt;Brutto;Währung
	// April 2026;<Position>;0221 123456-10 → 0221 654321;01.04.2026–03.04.2026, 03.04.2026–30.04.2026;30;30;6,90;6,90;0,00;6,90;19;1,31;8,21;EUR
	// April 2026;Summe;;;;;;;;6,90;;1,31;8,21;EUR
	//
	// period,line,numbers,intervals,days,days_in_month,monthly_net,recurring_net,one_time_net,net,vat_rate,vat,gross,currency
	// 2026-04,<line>,+4922112345610 +49221654321,2026-04-01/2026-04-03 2026-04-03/2026-04-30,30,30,6.90,6.90,0.00,6.90,19,1.31,8.21,EUR
}

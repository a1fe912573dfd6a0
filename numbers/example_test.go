package numbers_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// The whole lifecycle: provision a block, quote and activate it, deactivate
// one number, let the notice run out, and swap another.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	st := memstore.New()
	svc, err := numbers.NewService(numbers.Config{Store: st, Clock: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}

	people := staff.NewService(staff.Config{Store: st, Clock: func() time.Time { return now }})
	tenant, admin, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Muster", Email: "olga@muster.example"}})
	if err != nil {
		log.Fatal(err)
	}
	// The portal has authenticated the administrator; the SDK verifies it.
	owner, err := people.Actor(ctx, tenant.ID, admin.ID)
	if err != nil {
		log.Fatal(err)
	}

	block, _ := svc.Provision(ctx, owner, numbers.ProvisionRequest{
		Number: "0221 123456", ExtensionFrom: "10", ExtensionTo: "12", Options: []string{"festnetz_flat"},
	})
	spare, _ := svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: "0221 654321"})

	q, _ := svc.Quote(ctx, owner, []numberdesk.NumberID{block[0].ID, block[1].ID, block[2].ID})
	fmt.Println("monatlich:", q.Monthly.Net, "zzgl.", numbers.FormatRate(q.VATRate), "MwSt. =", q.Monthly.Gross)
	res, _ := svc.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token})
	fmt.Println("aktiviert:", res.Activated())

	d, _ := svc.Deactivate(ctx, owner, numbers.DeactivateRequest{Number: block[0].ID})
	fmt.Println(d.Message())

	now = now.AddDate(0, 2, 0)
	due, _ := svc.ApplyDue(ctx, numberdesk.System(tenant.ID), now)
	fmt.Println("deaktiviert:", len(due))

	sw, _ := svc.Swap(ctx, owner, numbers.SwapRequest{Old: block[1].ID, New: spare[0].ID})
	fmt.Println("getauscht:", sw.Old.Display(), "→", sw.New.Display())

	page, _ := svc.Overview(ctx, owner, numbers.Query{})
	for _, n := range page.Numbers {
		fmt.Printf("%-16s %s\n", n.Display(), n.StatusLabel())
	}
	// Output:
	// monatlich: 20,70 € zzgl. 19 % MwSt. = 24,63 €
	// aktiviert: 3
	// Die Rufnummer 0221 123456-10 wird zum 28.02.2026 deaktiviert. Mit der Deaktivierung gehen alle Einstellungen dieser Rufnummer verloren.
	// deaktiviert: 1
	// getauscht: 0221 123456-11 → 0221 654321
	// 0221 123456-10   inaktiv
	// 0221 123456-11   inaktiv
	// 0221 123456-12   aktiv
	// 0221 654321      aktiv
}

package efax_test

import (
	"context"
	"fmt"
	"log"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// The owner sends the E-Fax-App credentials of a personal fax number to its
// holder; the outbox dispatcher delivers them through efax's Notifier (here
// to a Recorder; in production to notify/smtpmail), and the vendor's fax-app
// backend checks the login.
func Example() {
	ctx := context.Background()
	st := memstore.New()
	nums, err := numbers.NewService(numbers.Config{Store: st})
	if err != nil {
		log.Fatal(err)
	}
	people := staff.NewService(staff.Config{Store: st, Numbers: nums})
	_, owner, _ := people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "owner@muster.example"}})
	admin := owner.Actor()
	anna, _ := people.Create(ctx, admin, staff.CreateRequest{FirstName: "Anna", LastName: "Berg", Email: "anna@muster.example"})
	ns, _ := nums.Provision(ctx, admin, numbers.ProvisionRequest{Number: "0221 123456", ExtensionFrom: "20", ExtensionTo: "20"})
	q, _ := nums.Quote(ctx, admin, []numberdesk.NumberID{ns[0].ID})
	_, _ = nums.Activate(ctx, admin, numbers.ActivateRequest{QuoteToken: q.Token})
	_, _ = nums.Assign(ctx, admin, numbers.AssignRequest{Number: ns[0].ID, Employee: anna.ID})
	_, _ = nums.SetUsageType(ctx, admin, numbers.SetUsageTypeRequest{Number: ns[0].ID, UsageType: routing.UsageFaxPersonal})

	fax, err := efax.New(efax.Config{Store: st}) // DefaultParams: argon2id m=19456 KiB, t=2, p=1
	if err != nil {
		panic(err)
	}
	el, _ := fax.Recipients(ctx, admin, ns[0].ID)
	fmt.Println("fest:", el.Fixed, el.Candidates[0].Name)

	conf, err := fax.Send(ctx, admin, efax.SendRequest{Number: ns[0].ID, Staff: []numberdesk.StaffID{anna.ID}})
	if err != nil {
		panic(err)
	}
	fmt.Println(conf.Message)

	rec := &notify.Recorder{}
	d := &notify.Dispatcher{Outbox: st, Notifier: fax.Notifier(rec)}
	_, _ = d.RunOnce(ctx)
	var login efax.Delivery
	for _, e := range rec.Events() {
		if d, ok := efax.DeliveryOf(e); ok {
			login = d
		}
	}
	fmt.Println("an:", login.To, "für", login.Number)

	l, err := fax.Authenticate(ctx, login.Username, login.Secret.Reveal())
	fmt.Println("angemeldet:", err == nil && l.Staff == anna.ID)
	_, err = fax.Authenticate(ctx, login.Username, "falsch")
	fmt.Println(numberdesk.ErrorMessage(err))
	// Output:
	// fest: true Anna Berg
	// Die Zugangsdaten wurden an Anna Berg versendet.
	// an: anna@muster.example für 0221 123456-20
	// angemeldet: true
	// Benutzername oder Passwort ist falsch.
}

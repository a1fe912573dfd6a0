package staff_test

import (
	"context"
	"fmt"
	"log"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// A tenant is created with its owner; the owner creates an employee with a
// number in one change, and the employee switches off notifications about
// missed calls in its profile.
func Example() {
	ctx := context.Background()
	st := memstore.New()
	nums, err := numbers.NewService(numbers.Config{Store: st})
	if err != nil {
		log.Fatal(err)
	}
	svc := staff.NewService(staff.Config{Store: st, Numbers: nums})

	_, owner, err := svc.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "IT@muster.example"}})
	if err != nil {
		panic(err)
	}
	ns, _ := nums.Provision(ctx, owner.Actor(), numbers.ProvisionRequest{Number: "0221 123456"})

	emp, err := svc.Create(ctx, owner.Actor(), staff.CreateRequest{
		FirstName: "Max", LastName: "Muster", Email: "max@muster.example", Numbers: []numberdesk.NumberID{ns[0].ID}})
	if err != nil {
		panic(err)
	}
	p := emp.Preferences
	p.MissedCalls = false
	emp, _ = svc.SetPreferences(ctx, emp.Actor(), emp.ID, p)

	n, _ := nums.Number(ctx, emp.Actor(), ns[0].ID)
	fmt.Println(owner.Email, owner.Role)
	fmt.Println(emp.Name(), emp.Role, n.Display())
	fmt.Println("verpasste Anrufe:", emp.Preferences.Wants(staff.CategoryMissedCall), "Faxe:", emp.Preferences.Wants(staff.CategoryFax))

	err = svc.Delete(ctx, owner.Actor(), owner.ID, false)
	fmt.Println(numberdesk.ErrorMessage(err))
	// Output:
	// it@muster.example owner
	// Max Muster employee 0221 123456
	// verpasste Anrufe: false Faxe: true
	// Das Administrator-Konto kann nicht gelöscht werden.
}

package demo_test

import (
	"context"
	"fmt"

	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// The UI seeds a demo, saves it to localStorage after every command and
// loads it on the next start (applying due deactivations).
func Example() {
	ctx := context.Background()
	d, _ := demo.Seed(ctx, 0, demo.Config{})
	data, _ := d.Save()

	again, _ := demo.Load(ctx, data, demo.Config{})
	_, _ = again.ApplyDue(ctx)
	page, _ := again.Numbers.Overview(ctx, again.Actor(), numbers.Query{Search: demo.Block + "15"})
	fmt.Println(again.Tenant.Name, again.Tenant.TimeZone, again.Owner.Name())
	fmt.Println(page.Numbers[0].Display(), page.Numbers[0].StatusLabel())
	// Output:
	// Muster GmbH Europe/Berlin Anna Admin
	// 0221 123456-15 Zur Deaktivierung vorgemerkt
}

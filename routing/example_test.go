package routing_test

import (
	"fmt"

	"github.com/numberdesk/numberdesk/routing"
)

func ExampleUsageType() {
	for _, u := range routing.UsageTypes {
		fmt.Printf("%-12s %-22s fax=%-5v holders=%d\n", u, u.Label(), u.IsFax(), u.MaxHolders())
	}
	// Output:
	// voice        Sprache                fax=false holders=1
	// conference   Konferenz              fax=false holders=1
	// fax_personal persönliche Faxnummer  fax=true  holders=1
	// fax_shared   gemeinsame Faxnummer   fax=true  holders=0
}

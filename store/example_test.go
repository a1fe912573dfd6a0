package store_test

import (
	"context"
	"fmt"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// One backend value serves every domain; code that persists depends on
// store.Store (or on a domain's narrower Store), never on a backend.
func Example() {
	var s store.Store = memstore.New()
	ctx := context.Background()
	a, b := numberdesk.NewTenantID(), numberdesk.NewTenantID()

	n := &numbers.Number{ID: numberdesk.NewNumberID(), Tenant: a, E164: "+4930123456", Status: numbers.StatusNew}
	if err := s.CreateNumbers(ctx, n); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("version:", n.Version)

	// A stale write loses.
	stale := n.Clone()
	n.Status = numbers.StatusActive
	fmt.Println(s.UpdateNumbers(ctx, n) == nil, n.Version)
	fmt.Println(numberdesk.ErrorCode(s.UpdateNumbers(ctx, stale)))

	// Another tenant's number does not exist for b.
	_, err := s.FindNumberByID(ctx, b, n.ID)
	fmt.Println(numberdesk.ErrorCode(err))
	// Output:
	// version: 1
	// true 2
	// conflict
	// not_found
}

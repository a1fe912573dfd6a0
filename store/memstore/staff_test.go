package memstore_test

import (
	"testing"

	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// The interfaces the services will need from the store, once store.Store
// embeds them.
var (
	_ staff.Store = (*memstore.Store)(nil)
	_ interface {
		numbers.Store
		staff.Store
	} = (*memstore.Store)(nil)
)

// TestStaffConformance runs the employee and record sections until
// storetest.Run includes them.
func TestStaffConformance(t *testing.T) {
	storetest.RunStaff(t, func(t *testing.T) store.Store { return memstore.New() })
}

package storetest_test

import (
	"testing"

	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// A backend runs the whole suite from its own tests; newStore must return an
// empty, independent store on every call (e.g. a fresh database schema).
func ExampleRun() {
	_ = func(t *testing.T) { // func TestConformance(t *testing.T) in the backend's package
		storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
	}
}

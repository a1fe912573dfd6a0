package background

import "testing"

// SetDuePage makes ApplyDueAll read n tenants per page until t ends. A test
// that calls it must not run in parallel.
func SetDuePage(t testing.TB, n int) {
	old := duePage
	duePage = n
	t.Cleanup(func() { duePage = old })
}

package staff_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
)

// List refuses a negative offset or limit with CodeInvalid naming it,
// instead of reading it as 0.
func TestListRefusesNegativePaging(t *testing.T) {
	f := newFixture(t)
	f.create(t, "Bernd", "bernd@muster.example", numberdesk.RoleEmployee)
	for _, tt := range []struct {
		q     staff.Query
		field string
	}{
		{staff.Query{Offset: -1}, "offset"},
		{staff.Query{Offset: -1 << 62, Limit: 5}, "offset"},
		{staff.Query{Limit: -1}, "limit"},
		{staff.Query{Offset: 1, Limit: -10}, "limit"},
	} {
		es, total, err := f.svc.List(bg, f.owner.Actor(), tt.q)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%+v: %v", tt.q, err)
		require.Equal(t, tt.field, numberdesk.ErrorField(err), "%+v: %v", tt.q, err)
		require.Empty(t, es)
		require.Zero(t, total)
	}
	// The store refuses alike, whoever calls it.
	_, _, err := f.store.FindEmployees(bg, f.owner.Tenant, staff.Filter{Limit: -1})
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%v", err)
	require.Equal(t, "limit", numberdesk.ErrorField(err))
}

package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// TestRoutingRoundTrips pins the statements of the routing methods: one
// each; on SQLite a refused update takes a second to tell why. Inside InTx a
// refused save needs no savepoint.
func TestRoutingRoundTrips(t *testing.T) {
	backends(t, func(t *testing.T, d sqlstore.Dialect, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(t)
		ctx := t.Context()
		tn := numberdesk.NewTenantID()
		count := func(fn func() error) int64 {
			t.Helper()
			before := sqlstore.Statements(s)
			require.NoError(t, fn())
			return sqlstore.Statements(s) - before
		}
		refused := int64(1)
		if d == sqlstore.SQLite {
			refused = 2
		}
		set := &routing.Settings{Tenant: tn, Number: numberdesk.NewNumberID(), Plan: routing.DefaultPlan()}
		require.Equal(t, int64(1), count(func() error { return s.SaveSettings(ctx, set) }), "create")
		require.Equal(t, int64(1), count(func() error { return s.SaveSettings(ctx, set) }), "update")
		require.Equal(t, int64(1), count(func() error {
			dup := *set
			dup.Version = 0
			return ignoreCode(s.SaveSettings(ctx, &dup), numberdesk.CodeConflict)
		}), "create refused")
		require.Equal(t, refused, count(func() error {
			stale := *set
			stale.Version = 1
			return ignoreCode(s.SaveSettings(ctx, &stale), numberdesk.CodeConflict)
		}), "update refused")
		require.Equal(t, int64(1), count(func() error { _, err := s.FindSettings(ctx, tn, set.Number); return err }), "find")
		require.Equal(t, int64(1), count(func() error { return s.DeleteSettings(ctx, tn, set.Number) }), "delete")
		bl := &routing.TenantBlocklist{Tenant: tn, List: routing.Blocklist{Numbers: []string{"+49900"}}}
		require.Equal(t, int64(1), count(func() error { _, err := s.FindBlocklist(ctx, tn); return err }), "find list")
		require.Equal(t, int64(1), count(func() error { return s.SaveBlocklist(ctx, bl) }), "create list")
		require.Equal(t, int64(1), count(func() error { return s.SaveBlocklist(ctx, bl) }), "update list")

		// Inside InTx: BEGIN, the refused update (and on SQLite its check
		// and the write lock), the successful one, COMMIT; no savepoint.
		var inTx int64
		require.NoError(t, s.InTx(ctx, func(ctx context.Context) error {
			before := sqlstore.Statements(s)
			stale := *bl
			stale.Version = 1
			if err := ignoreCode(s.SaveBlocklist(ctx, &stale), numberdesk.CodeConflict); err != nil {
				return err
			}
			if err := s.SaveBlocklist(ctx, bl); err != nil {
				return err
			}
			inTx = sqlstore.Statements(s) - before
			return nil
		}))
		require.Equal(t, refused+1, inTx)
		require.Equal(t, int64(3), bl.Version)
	})
}

// ignoreCode returns nil if err has code, else err (or an error if err is
// nil).
func ignoreCode(err error, code numberdesk.Code) error {
	if err == nil {
		return numberdesk.E(numberdesk.CodeInternal, "test", "", "expected an error")
	}
	if numberdesk.ErrorCode(err) == code {
		return nil
	}
	return err
}

package demo_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// SeedStore plays Seed's standard seed on a given store, under TenantID:
// the same numbers in the same states, the same employees, and the
// tenant's owner and events carry the fixed ID.
func TestSeedStore(t *testing.T) {
	ctx := t.Context()
	st := memstore.New()
	s, err := demo.SeedStore(ctx, st, demo.Config{})
	require.NoError(t, err)
	require.True(t, s.Created)
	require.Equal(t, demo.TenantID, s.Tenant.ID)
	require.Equal(t, demo.TenantName, s.Tenant.Name)
	require.Equal(t, demo.TenantID, s.Owner.Tenant)
	require.Equal(t, numberdesk.RoleOwner, s.Owner.Role)
	require.Len(t, s.Employees, 6)

	want, err := demo.Seed(ctx, 0, demo.Config{})
	require.NoError(t, err)
	wantPage, err := want.Numbers.Overview(ctx, want.Actor(), numbers.Query{Limit: 100})
	require.NoError(t, err)
	nums, err := numbers.NewService(numbers.Config{Store: st})
	require.NoError(t, err)
	page, err := nums.Overview(ctx, s.Owner.Actor(), numbers.Query{Limit: 100})
	require.NoError(t, err)
	require.Equal(t, wantPage.Total, page.Total)
	for i, n := range page.Numbers {
		w := wantPage.Numbers[i]
		require.Equal(t, [3]string{w.Display(), w.StatusLabel(), string(w.UsageType)},
			[3]string{n.Display(), n.StatusLabel(), string(n.UsageType)})
	}
	wantStaff, err := want.Employees(ctx)
	require.NoError(t, err)
	for i, e := range s.Employees {
		require.Equal(t, [3]any{wantStaff[i].Name(), wantStaff[i].Role, wantStaff[i].Locked}, [3]any{e.Name(), e.Role, e.Locked})
		require.Equal(t, demo.TenantID, e.Tenant)
	}

	// Every event of the seed is the fixed tenant's, the tenant's creation
	// first.
	evs, err := st.FindEvents(ctx, demo.TenantID, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	require.Equal(t, staff.EventTenantCreated, evs[0].Type)
	for _, e := range evs {
		require.Equal(t, demo.TenantID, e.Tenant)
		require.Equal(t, demo.TenantID, e.Actor.Tenant)
	}

	// A second SeedStore finds the tenant and seeds nothing.
	again, err := demo.SeedStore(ctx, st, demo.Config{})
	require.NoError(t, err)
	require.False(t, again.Created)
	require.Equal(t, s.Owner.ID, again.Owner.ID)
	require.Len(t, again.Employees, 6)
	evs2, err := st.FindEvents(ctx, demo.TenantID, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.Len(t, evs2, len(evs))
}

// Of several SeedStore at once on one store, one seeds.
func TestSeedStoreConcurrently(t *testing.T) {
	st := memstore.New()
	var wg sync.WaitGroup
	res := make([]*demo.Seeded, 4)
	errs := make([]error, len(res))
	for i := range res {
		wg.Go(func() { res[i], errs[i] = demo.SeedStore(t.Context(), st, demo.Config{}) })
	}
	wg.Wait()
	created := 0
	for i, s := range res {
		require.NoError(t, errs[i])
		require.Equal(t, res[0].Owner.ID, s.Owner.ID)
		if s.Created {
			created++
		}
	}
	require.Equal(t, 1, created)
	es, _, err := st.FindEmployees(t.Context(), demo.TenantID, staff.Filter{})
	require.NoError(t, err)
	require.Len(t, es, 6)
}

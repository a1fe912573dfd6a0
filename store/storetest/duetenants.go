package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
)

// testDueTenants specifies FindDueTenants: the tenants for which ApplyDue
// has work, across tenants, in ID order, paged by the last ID.
func testDueTenants(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"Selection": func(t *testing.T, s store.Store) {
			fx := newDueFixture(t, s)
			for _, c := range []struct {
				name   string
				before time.Time
				want   []numberdesk.TenantID
			}{
				{"Now", t0, []numberdesk.TenantID{fx.early, fx.several, fx.zero, fx.unregistered}},
				{"LaterReachesTheNotYetDue", t0.Add(time.Hour), []numberdesk.TenantID{fx.early, fx.notYet, fx.several, fx.zero, fx.unregistered}},
				{"AtAnInstantItIsDue", t0.Add(-time.Hour), []numberdesk.TenantID{fx.early, fx.several, fx.zero}},
				{"JustBeforeItIsNot", t0.Add(-time.Hour - time.Microsecond), []numberdesk.TenantID{fx.several, fx.zero}},
				{"LongAgoOnlyTheZeroDate", t0.AddDate(-10, 0, 0), []numberdesk.TenantID{fx.zero}},
				{"FarFuture", t0.AddDate(10, 0, 0), []numberdesk.TenantID{fx.early, fx.notYet, fx.several, fx.zero, fx.unregistered}},
			} {
				t.Run(c.name, func(t *testing.T) {
					requireDueTenants(t, s, c.before, fx.all(), sorted(c.want))
					// Exactly the tenants in which ApplyDue's read finds a
					// number; a location other than UTC changes nothing.
					for _, tn := range fx.all() {
						ns, _, err := s.FindNumbers(t.Context(), tn, numbers.Filter{DueBefore: c.before})
						require.NoError(t, err)
						require.Equal(t, len(ns) > 0, slices.Contains(c.want, tn), "tenant %s", tn)
					}
					requireDueTenants(t, s, c.before.In(time.FixedZone("UTC+5", 5*3600)), fx.all(), sorted(c.want))
				})
			}
		},
		"Paging": func(t *testing.T, s store.Store) {
			var mine []numberdesk.TenantID
			for i := range 7 {
				tn := newTenant(t, s)
				n := newNumber(tn.ID, e164(i), numbers.StatusDeactivationPending)
				n.DeactivationAt = t0.Add(-time.Duration(i) * time.Hour)
				createNumbers(t, s, n, newNumber(tn.ID, e164(100+i), numbers.StatusActive))
				mine = append(mine, tn.ID)
			}
			idle := newTenant(t, s).ID // not due: never listed
			known := append(slices.Clone(mine), idle)
			slices.Sort(mine)
			requireDueTenants(t, s, t0, known, mine)
			// The whole list: a store may hold other tenants too (the suite
			// runs on restored stores).
			all := findDueTenants(t, s, t0, "", 0)
			for _, size := range []int{1, 2, 3, 6, 7, 8, 1000} {
				var pages []numberdesk.TenantID
				var after numberdesk.TenantID
				for {
					page := findDueTenants(t, s, t0, after, size)
					require.LessOrEqual(t, len(page), size)
					if len(page) == 0 {
						break
					}
					pages = append(pages, page...)
					after = page[len(page)-1]
				}
				require.Equal(t, all, pages, "pages of %d concatenate to the whole list", size)
			}
			// after need not be a due tenant, nor a stored one.
			for _, after := range []numberdesk.TenantID{
				"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
				numberdesk.NewTenantID(), numberdesk.NewTenantID(), mine[3], idle,
			} {
				var want []numberdesk.TenantID
				for _, tn := range all {
					if tn > after {
						want = append(want, tn)
					}
				}
				require.Equal(t, want, findDueTenants(t, s, t0, after, 0), "after %s", after)
				require.Equal(t, want[:min(2, len(want))], findDueTenants(t, s, t0, after, 2), "after %s, limit 2", after)
			}
		},
		"FollowsWrites": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			known := []numberdesk.TenantID{tn.ID}
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			createNumbers(t, s, n)
			requireDueTenants(t, s, t0, known, nil)

			// Marked for deactivation with a date that has passed.
			n.Status, n.DeactivationAt = numbers.StatusDeactivationPending, t0.Add(-time.Minute)
			require.NoError(t, s.UpdateNumbers(t.Context(), n))
			requireDueTenants(t, s, t0, known, []numberdesk.TenantID{tn.ID})

			// Withdrawn: active again.
			n.Status, n.DeactivationAt = numbers.StatusActive, time.Time{}
			require.NoError(t, s.UpdateNumbers(t.Context(), n))
			requireDueTenants(t, s, t0, known, nil)

			// Pending again, then stored as inactive, as ApplyDue does.
			n.Status, n.DeactivationAt = numbers.StatusDeactivationPending, t0.Add(-time.Minute)
			require.NoError(t, s.UpdateNumbers(t.Context(), n))
			requireDueTenants(t, s, t0, known, []numberdesk.TenantID{tn.ID})
			n.Status, n.DeactivationAt, n.BillingLine, n.BilledSince = numbers.StatusInactive, time.Time{}, "", time.Time{}
			require.NoError(t, s.UpdateNumbers(t.Context(), n))
			requireDueTenants(t, s, t0, known, nil)
		},
		"InTransaction": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			known := []numberdesk.TenantID{tn.ID}
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			createNumbers(t, s, n)
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				c := n.Clone()
				c.Status, c.DeactivationAt = numbers.StatusDeactivationPending, t0
				if err := s.UpdateNumbers(ctx, c); err != nil {
					return err
				}
				got, err := s.FindDueTenants(ctx, t0, "", 0)
				require.NoError(t, err)
				require.Contains(t, got, tn.ID, "the transaction sees its own write")
				return errBoom
			})
			require.ErrorIs(t, err, errBoom)
			requireDueTenants(t, s, t0, known, nil)
		},
		"Invalid": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			known := []numberdesk.TenantID{tn.ID}
			n := newNumber(tn.ID, e164(1), numbers.StatusDeactivationPending)
			n.DeactivationAt = t0
			createNumbers(t, s, n)
			for _, c := range []struct {
				before time.Time
				after  numberdesk.TenantID
				limit  int
				field  string
			}{
				{time.Time{}, "", 0, "before"},
				{t0, "", -1, "limit"},
				{t0, "", -1 << 62, "limit"},
				{t0, "not-a-tenant", 0, "after"},
				{t0, tn.ID[:35], 0, "after"},
				{t0, tn.ID + "x", 0, "after"},
			} {
				got, err := s.FindDueTenants(t.Context(), c.before, c.after, c.limit)
				requireCode(t, err, numberdesk.CodeInvalid, c.field)
				require.Empty(t, got)
			}
			requireDueTenants(t, s, t0, known, []numberdesk.TenantID{tn.ID})
		},
	})
}

// dueFixture is a store with tenants in every situation FindDueTenants
// tells apart; t0 is "now".
type dueFixture struct {
	early        numberdesk.TenantID // one number due an hour ago, others not pending
	notYet       numberdesk.TenantID // pending, due in an hour; others active and inactive
	several      numberdesk.TenantID // several due numbers, one of them exactly at t0, and one not yet due
	zero         numberdesk.TenantID // pending without a date (the zero time): due at any instant
	dated        numberdesk.TenantID // numbers with a past DeactivationAt that are not pending
	empty        numberdesk.TenantID // no numbers
	unregistered numberdesk.TenantID // due numbers, but no CreateTenant: the numbers decide
}

func (fx *dueFixture) all() []numberdesk.TenantID {
	return []numberdesk.TenantID{fx.early, fx.notYet, fx.several, fx.zero, fx.dated, fx.empty, fx.unregistered}
}

func newDueFixture(t *testing.T, s store.Store) *dueFixture {
	t.Helper()
	fx := &dueFixture{}
	for _, id := range []*numberdesk.TenantID{&fx.early, &fx.notYet, &fx.several, &fx.zero, &fx.dated, &fx.empty} {
		*id = newTenant(t, s).ID
	}
	fx.unregistered = numberdesk.NewTenantID()
	i := 0
	number := func(tenant numberdesk.TenantID, status numbers.Status, deactivation time.Time) *numbers.Number {
		i++
		n := newNumber(tenant, e164(i), status)
		n.DeactivationAt = deactivation
		return n
	}
	pending := numbers.StatusDeactivationPending
	createNumbers(t, s,
		number(fx.early, pending, t0.Add(-time.Hour)),
		number(fx.early, numbers.StatusActive, time.Time{}),
		number(fx.early, numbers.StatusNew, time.Time{}),
		number(fx.notYet, pending, t0.Add(time.Hour)),
		number(fx.notYet, numbers.StatusActive, time.Time{}),
		number(fx.notYet, numbers.StatusInactive, time.Time{}),
		number(fx.several, pending, t0.AddDate(0, 0, -2)),
		number(fx.several, pending, t0),
		number(fx.several, pending, t0.Add(-time.Minute)),
		number(fx.several, pending, t0.Add(time.Minute)),
		number(fx.zero, pending, time.Time{}),
		number(fx.dated, numbers.StatusActive, t0.AddDate(0, 0, -1)),
		number(fx.dated, numbers.StatusInactive, t0.AddDate(0, 0, -1)),
		number(fx.dated, numbers.StatusNew, t0.AddDate(0, 0, -1)),
		number(fx.unregistered, pending, t0.Add(-time.Second)),
	)
	// The same E.164 and number ID as a due number, in a tenant where it
	// is active: another tenant's number, which makes nobody due.
	twin := newNumber(fx.dated, "+4930999000", numbers.StatusActive)
	createNumbers(t, s, twin)
	sameID := newNumber(fx.notYet, twin.E164, numbers.StatusDeactivationPending)
	sameID.ID, sameID.DeactivationAt = twin.ID, t0.Add(2*time.Hour)
	createNumbers(t, s, sameID)
	return fx
}

// findDueTenants returns FindDueTenants' answer (nil if empty), which must
// be in strictly ascending order.
func findDueTenants(t *testing.T, s store.Store, before time.Time, after numberdesk.TenantID, limit int) []numberdesk.TenantID {
	t.Helper()
	got, err := s.FindDueTenants(t.Context(), before, after, limit)
	require.NoError(t, err)
	for i := 1; i < len(got); i++ {
		require.Less(t, got[i-1], got[i], "FindDueTenants(%s, %q, %d): ascending, each tenant once", before, after, limit)
	}
	return nilIfEmpty(got)
}

// requireDueTenants checks that FindDueTenants(before), without paging,
// returns want (in this order; nil: none) of the tenants known: the store
// may hold others (the suite also runs on restored stores).
func requireDueTenants(t *testing.T, s store.Store, before time.Time, known, want []numberdesk.TenantID) {
	t.Helper()
	var got []numberdesk.TenantID
	for _, tn := range findDueTenants(t, s, before, "", 0) {
		if slices.Contains(known, tn) {
			got = append(got, tn)
		}
	}
	require.Equal(t, want, got, "FindDueTenants(%s)", before)
}

func sorted(ids []numberdesk.TenantID) []numberdesk.TenantID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

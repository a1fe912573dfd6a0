package memstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// The stored form of a number (slab.go): what goes in comes back equal.

// Every ID numberdesk.ValidID accepts has a key of its own that gives back
// its text; no other string has a key.
func TestNumberKeysAreExact(t *testing.T) {
	id := string(numberdesk.NewNumberID())
	ids := []string{id, strings.ToUpper(id), "00000000-0000-0000-0000-000000000000", "FFFFFFFF-ffff-FfFf-fFfF-0123456789aB"}
	keys := map[numberKey]string{}
	for _, s := range ids {
		require.True(t, numberdesk.ValidID(s), s)
		k, ok := keyOf(numberdesk.NumberID(s))
		require.True(t, ok, s)
		require.Equal(t, s, string(k.appendTo(nil)))
		_, dup := keys[k]
		require.False(t, dup, "%s has the key of %s", s, keys[k])
		keys[k] = s
	}
	for _, s := range []string{"", id[:35], id + "0", strings.Replace(id, "-", "0", 1), "g" + id[1:], id[:35] + "\xff", "{" + id[1:]} {
		_, ok := keyOf(numberdesk.NumberID(s))
		require.Equal(t, numberdesk.ValidID(s), ok, "%q", s)
		require.False(t, ok, "%q", s)
	}
}

// A stored number comes back equal (==, reflect.DeepEqual) in every field:
// nil and empty slices, zero instants, and each instant's Location, but for
// monotonic clock readings, which a store does not keep.
func TestStoredNumbersComeBackEqual(t *testing.T) {
	sp := New().spaceFor(numberdesk.NewTenantID())
	at := time.Date(2026, 3, 31, 22, 0, 0, 123456789, time.UTC)
	plus2a, plus2b := time.FixedZone("", 2*3600), time.FixedZone("", 2*3600) // as time.Parse makes them
	long := strings.Repeat("x", 300)                                         // longer than put's buffer
	ns := []*numbers.Number{
		{ID: numberdesk.NewNumberID(), Tenant: sp.tenant, E164: "+4922112345610", Base: "+49221123456", Extension: "10",
			Origin: numbers.OriginPorted, PortingDate: at.In(time.Local), Status: numbers.StatusDeactivationPending,
			UsageType: routing.UsageFaxShared, Holders: []numberdesk.StaffID{numberdesk.NewStaffID(), numberdesk.NewStaffID()},
			HoldersSince: at.In(plus2a), Options: []string{"festnetz_flat", long}, BillingLine: "line-1",
			BilledSince: at.In(plus2b), DeactivationAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), CreatedAt: at,
			UpdatedAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), Version: 7},
		{ID: numberdesk.NumberID(strings.ToUpper(string(numberdesk.NewNumberID()))), Tenant: sp.tenant, E164: "+49301",
			Status: "reserved", Holders: []numberdesk.StaffID{}, Options: []string{}, Version: 1},
		{ID: numberdesk.NewNumberID(), Tenant: sp.tenant, E164: long, Version: 1, CreatedAt: time.Now()},
	}
	for _, n := range ns {
		k, ok := keyOf(n.ID)
		require.True(t, ok)
		s := sp.alloc()
		sp.put(s, k, n, n.Version)
		got := sp.number(s)
		want := n.Clone()
		want.CreatedAt = want.CreatedAt.Round(0) // no monotonic reading
		require.Equal(t, want, got)
		require.True(t, want.HoldersSince == got.HoldersSince && want.PortingDate == got.PortingDate)
		// A rewrite of the slot keeps one copy of the strings live.
		before := len(sp.arena) - sp.dead
		sp.put(s, k, got, got.Version)
		require.Equal(t, before, len(sp.arena)-sp.dead)
		require.Equal(t, want, sp.number(s))
	}
	require.Len(t, sp.zones, 3, "UTC, Local and one zone for both +02:00")
}

// Rewriting numbers leaves their old strings dead in the arena until it is
// full; then the live strings move to a new arena: it stays within 1.5
// times the live strings, and every number stays as written.
func TestArenaStaysWithinTheLiveStrings(t *testing.T) {
	ctx := context.Background()
	s := New()
	tenant := seedTenant(t, s, 2_000)
	sp := s.spaces[tenant]
	var ns []*numbers.Number
	sp.each(false, 0, new(int), func(at slot) bool {
		ns = append(ns, sp.number(at))
		return len(ns) < 100
	})
	compactions, last := 0, len(sp.arena)
	for i := range 500 {
		for _, n := range ns {
			n.BillingLine = fmt.Sprint("line-", i)
		}
		require.NoError(t, s.UpdateNumbers(ctx, ns...))
		if len(sp.arena) < last {
			compactions++
		}
		last = len(sp.arena)
		live := len(sp.arena) - sp.dead
		require.LessOrEqual(t, cap(sp.arena), live+live/2+1<<10, "after %d updates", i+1)
	}
	require.Positive(t, compactions)
	for _, n := range ns {
		got, err := s.FindNumberByID(ctx, tenant, n.ID)
		require.NoError(t, err)
		require.Equal(t, n, got)
	}
}

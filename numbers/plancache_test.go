package numbers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// forwardTo is a plan that forwards every call to the device ref, so that
// the answering device tells which plan RouteCall evaluated.
func forwardTo(ref string) routing.Plan {
	return routing.Plan{
		Rules: []routing.Rule{{ID: "fwd", Name: "Weiterleitung", Priority: 1, Enabled: true, Condition: routing.Always(),
			Targets: []routing.Target{{Kind: routing.TargetDevice, Ref: ref, RingSeconds: 20}}}},
		Base: routing.BaseRule{Kind: routing.BaseMailbox},
	}
}

// routedTo returns the device that answers a call to n now, or "" for
// another outcome.
func routedTo(t *testing.T, svc *numbers.Service, actor numberdesk.Actor, n numberdesk.NumberID, call routing.Call) string {
	t.Helper()
	d, err := svc.RouteCall(bg, actor, n, call, time.Time{}, nil)
	require.NoError(t, err)
	if d.Outcome.Kind != routing.OutcomeAnswered {
		return ""
	}
	return d.Outcome.Target.Ref
}

var ordinary = routing.Call{From: "+4940123456"}

// RouteCall evaluates the plan SaveRouting stored, compiles it once per
// version, and sees the next version at once.
func TestPlanCacheSaveRouting(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 123456", 0)[0]
	f.activate(t, n)
	require.Equal(t, "", routedTo(t, f.svc, f.owner, n.ID, ordinary), "the default plan: the base rule")

	st := f.saveRouting(t, n, forwardTo("dev-1"), 0)
	require.Equal(t, "dev-1", routedTo(t, f.svc, f.owner, n.ID, ordinary))
	_, _, _, compiles := numbers.PlanCacheSize(f.svc, f.tenant)
	for range 5 {
		require.Equal(t, "dev-1", routedTo(t, f.svc, f.owner, n.ID, ordinary))
	}
	plans, _, _, again := numbers.PlanCacheSize(f.svc, f.tenant)
	require.Equal(t, compiles, again, "a cached plan is not compiled again")
	require.Equal(t, 1, plans)

	st = f.saveRouting(t, n, forwardTo("dev-2"), st.Version)
	plans, _, _, _ = numbers.PlanCacheSize(f.svc, f.tenant)
	require.Equal(t, 0, plans, "SaveRouting drops the number's compiled plan")
	require.Equal(t, "dev-2", routedTo(t, f.svc, f.owner, n.ID, ordinary))

	// Overrides are read with the settings, not compiled into the plan.
	_, err := f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: forwardTo("dev-2"), Version: st.Version,
		Overrides: []routing.Override{{RuleID: "fwd", Mode: routing.ForceOff, Until: routing.UntilPermanent}}})
	require.NoError(t, err)
	require.Equal(t, "", routedTo(t, f.svc, f.owner, n.ID, ordinary))

	// Leaving voice drops the plan; back on voice, the default plan applies.
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n.ID, UsageType: routing.UsageConference, Confirm: true})
	require.NoError(t, err)
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n.ID, UsageType: routing.UsageVoice})
	require.NoError(t, err)
	require.Equal(t, "", routedTo(t, f.svc, f.owner, n.ID, ordinary))
	f.saveRouting(t, n, forwardTo("dev-3"), 0)
	require.Equal(t, "dev-3", routedTo(t, f.svc, f.owner, n.ID, ordinary))
}

// A plan or block list changed by another node, through another Service
// or the store itself, is in force for the next call: the cache never
// serves a version the store no longer holds.
func TestPlanCacheChangedByAnotherNode(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 123456", 0)[0]
	f.activate(t, n)
	other, err := numbers.NewService(numbers.Config{Store: f.store, Clock: f.clock})
	require.NoError(t, err)

	st := f.saveRouting(t, n, forwardTo("dev-1"), 0)
	require.Equal(t, "dev-1", routedTo(t, f.svc, f.owner, n.ID, ordinary))

	// Another node's SaveRouting.
	st2, err := other.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: forwardTo("dev-2"), Version: st.Version})
	require.NoError(t, err)
	require.Equal(t, "dev-2", routedTo(t, f.svc, f.owner, n.ID, ordinary))

	// A write to the store itself, with a new version.
	ctx := context.Background()
	stored, err := f.store.FindSettings(ctx, f.tenant, n.ID)
	require.NoError(t, err)
	require.Equal(t, st2.Version, stored.Version)
	stored.Plan = forwardTo("dev-3")
	require.NoError(t, f.store.SaveSettings(ctx, stored))
	require.Equal(t, st2.Version+1, stored.Version)
	require.Equal(t, "dev-3", routedTo(t, f.svc, f.owner, n.ID, ordinary))

	// Settings deleted and created anew start at version 1 again: the
	// cache tells them apart by UpdatedAt.
	require.NoError(t, f.store.DeleteSettings(ctx, f.tenant, n.ID))
	require.Equal(t, int64(1), f.saveRouting(t, n, forwardTo("dev-4"), 0).Version)
	require.Equal(t, "dev-4", routedTo(t, f.svc, f.owner, n.ID, ordinary))
	f.advance(time.Second)
	require.NoError(t, f.store.DeleteSettings(ctx, f.tenant, n.ID))
	fresh := &routing.Settings{Tenant: f.tenant, Number: n.ID, Plan: forwardTo("dev-5"), UpdatedAt: f.clock().UTC()}
	require.NoError(t, f.store.SaveSettings(ctx, fresh))
	require.Equal(t, int64(1), fresh.Version)
	require.Equal(t, "dev-5", routedTo(t, f.svc, f.owner, n.ID, ordinary))

	// Another node's block list.
	require.Equal(t, "dev-5", routedTo(t, f.svc, f.owner, n.ID, ordinary))
	_, err = other.SaveBlocklist(bg, f.owner, routing.Blocklist{Numbers: []string{"040*"}}, 0)
	require.NoError(t, err)
	d, err := f.svc.RouteCall(bg, f.owner, n.ID, ordinary, time.Time{}, nil)
	require.NoError(t, err)
	require.True(t, d.Blocked)
	_, err = other.SaveBlocklist(bg, f.owner, routing.Blocklist{Numbers: []string{"030*"}}, 1)
	require.NoError(t, err)
	require.Equal(t, "dev-5", routedTo(t, f.svc, f.owner, n.ID, ordinary))
	d, err = f.svc.RouteCall(bg, f.owner, n.ID, routing.Call{From: "+4930123456"}, time.Time{}, nil)
	require.NoError(t, err)
	require.True(t, d.Blocked)
}

// The cache holds at most Config.PlanCache plans per tenant and the plans
// of at most Config.PlanCacheTenants tenants, whatever is routed.
func TestPlanCacheBound(t *testing.T) {
	const perTenant, tenants = 3, 2
	f := newFixture(t, func(c *numbers.Config) { c.PlanCache, c.PlanCacheTenants = perTenant, tenants })
	type tenantNumbers struct {
		id    numberdesk.TenantID
		owner numberdesk.Actor
		ns    []*numbers.Number
	}
	var all []tenantNumbers
	for i := range 4 {
		tn := tenantNumbers{id: f.tenant, owner: f.owner}
		if i > 0 {
			tn.id = f.newTenant(t)
			tn.owner = f.member(t, tn.id, "Olga", numberdesk.RoleOwner).Actor()
		}
		ns, err := f.svc.Provision(bg, tn.owner, numbers.ProvisionRequest{Number: fmt.Sprintf("0221 %d0000", i+1), ExtensionFrom: "100", ExtensionTo: "104"})
		require.NoError(t, err)
		q, err := f.svc.Quote(bg, tn.owner, ids(ns))
		require.NoError(t, err)
		_, err = f.svc.Activate(bg, tn.owner, numbers.ActivateRequest{QuoteToken: q.Token})
		require.NoError(t, err)
		for j, n := range ns {
			_, err := f.svc.SaveRouting(bg, tn.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: forwardTo(fmt.Sprintf("dev-%d-%d", i, j))})
			require.NoError(t, err)
		}
		tn.ns = ns
		all = append(all, tn)
	}
	for round := range 3 {
		for i, tn := range all {
			for j, n := range tn.ns {
				require.Equal(t, fmt.Sprintf("dev-%d-%d", i, j), routedTo(t, f.svc, tn.owner, n.ID, ordinary), "round %d", round)
				plans, total, held, _ := numbers.PlanCacheSize(f.svc, tn.id)
				require.LessOrEqual(t, plans, perTenant)
				require.Equal(t, min(j+1, perTenant), plans, "the plans just routed are kept")
				require.LessOrEqual(t, held, tenants)
				require.LessOrEqual(t, total, perTenant*tenants)
			}
		}
	}
	// A plan routed again and again is compiled once.
	_, _, _, before := numbers.PlanCacheSize(f.svc, f.tenant)
	n := all[0].ns[0].ID
	for range 10 {
		routedTo(t, f.svc, f.owner, n, ordinary)
	}
	_, _, _, after := numbers.PlanCacheSize(f.svc, f.tenant)
	require.LessOrEqual(t, after-before, int64(2), "once the plan, once the tenant's block list at most")
}

// With a negative PlanCache nothing is kept: every call compiles, and
// routes all the same.
func TestPlanCacheOff(t *testing.T) {
	f := newFixture(t, func(c *numbers.Config) { c.PlanCache = -1 })
	n := f.provision(t, "0221 123456", 0)[0]
	f.activate(t, n)
	st := f.saveRouting(t, n, forwardTo("dev-1"), 0)
	require.Equal(t, "dev-1", routedTo(t, f.svc, f.owner, n.ID, ordinary))
	f.saveRouting(t, n, forwardTo("dev-2"), st.Version)
	require.Equal(t, "dev-2", routedTo(t, f.svc, f.owner, n.ID, ordinary))
	plans, total, tenants, _ := numbers.PlanCacheSize(f.svc, f.tenant)
	require.Zero(t, plans+total+tenants)
}

// Concurrent RouteCall and SaveRouting, on two Services sharing the store
// (two nodes), for go test -race: every call routes by a plan that was
// saved, and a call made after a save returned routes by that save's plan.
func TestPlanCacheConcurrent(t *testing.T) {
	f := newFixture(t, func(c *numbers.Config) { c.PlanCache = 2 })
	ns := f.provision(t, "0221 123456", 3)
	f.activate(t, ns...)
	other, err := numbers.NewService(numbers.Config{Store: f.store, Clock: f.clock, PlanCache: 1})
	require.NoError(t, err)
	for _, n := range ns {
		f.saveRouting(t, n, forwardTo("dev-0"), 0)
	}
	saves := 40
	if testing.Short() {
		saves = 15
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	svcs := []*numbers.Service{f.svc, other}
	for w := range 4 { // routers
		wg.Go(func() {
			for i := range 150 {
				n := ns[(i+w)%len(ns)]
				d, err := svcs[i%2].RouteCall(bg, f.owner, n.ID, ordinary, time.Time{}, nil)
				if err != nil {
					errs <- err
					return
				}
				var v int
				if _, err := fmt.Sscanf(d.Outcome.Target.Ref, "dev-%d", &v); err != nil || v < 0 || v > saves {
					errs <- fmt.Errorf("routed to %+v", d.Outcome)
					return
				}
			}
		})
	}
	for k, n := range ns[:2] { // savers, one per node and number
		wg.Go(func() {
			svc := svcs[k]
			version := int64(1)
			for v := 1; v <= saves; v++ {
				st, err := svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: forwardTo(fmt.Sprintf("dev-%d", v)), Version: version})
				if err != nil {
					errs <- err
					return
				}
				version = st.Version
				for _, s := range svcs { // both nodes see the save at once
					d, err := s.RouteCall(bg, f.owner, n.ID, ordinary, time.Time{}, nil)
					if err != nil {
						errs <- err
						return
					}
					if want := fmt.Sprintf("dev-%d", v); d.Outcome.Target.Ref != want {
						errs <- fmt.Errorf("after saving %s, routed to %s", want, d.Outcome.Target.Ref)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, s := range svcs {
		plans, _, _, _ := numbers.PlanCacheSize(s, f.tenant)
		require.LessOrEqual(t, plans, 2)
	}
}

// BenchmarkRouteCallPlanCache measures RouteCall on memstore with a ten-rule
// plan and a block list, with the compiled-plan cache and without it (every
// call compiles). The store's reads (a JSON decode of the plan) are part of
// both.
func BenchmarkRouteCallPlanCache(b *testing.B) {
	for _, c := range []struct {
		name  string
		cache int
	}{{"cached", 0}, {"uncached", -1}} {
		b.Run(c.name, func(b *testing.B) {
			f := newFixture(b, func(cfg *numbers.Config) { cfg.PlanCache = c.cache })
			n := f.provision(b, "0221 123456", 0)[0]
			f.activate(b, n)
			p := routing.Plan{Base: routing.BaseRule{Kind: routing.BaseMailbox}}
			for i := range 10 {
				p.Rules = append(p.Rules, routing.Rule{ID: fmt.Sprintf("r%d", i), Name: "Regel", Priority: i + 1, Enabled: true,
					Condition: routing.Weekly(routing.Weekend, routing.Window{Start: routing.At(i, 0), End: routing.At(i+8, 0)}),
					Filter:    &routing.CallerFilter{Numbers: []string{"+4930*", "+43*", "+4989*"}},
					Targets:   []routing.Target{{Kind: routing.TargetDevice, Ref: "desk", RingSeconds: 20}}})
			}
			f.saveRouting(b, n, p, 0)
			var bl routing.Blocklist
			for i := range 50 {
				bl.Numbers = append(bl.Numbers, fmt.Sprintf("+49190%d*", i))
			}
			_, err := f.svc.SaveBlocklist(bg, f.owner, bl, 0)
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.svc.RouteCall(bg, f.owner, n.ID, ordinary, time.Time{}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

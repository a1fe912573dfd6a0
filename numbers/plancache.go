package numbers

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
)

// Defaults of the compiled-plan cache (Config.PlanCache and
// Config.PlanCacheTenants).
const (
	DefaultPlanCache        = 256 // compiled plans kept per tenant
	DefaultPlanCacheTenants = 256 // tenants whose plans are kept
)

// defaultCompiled is the compiled DefaultPlan, the plan of every number
// without stored routing.
var defaultCompiled = routing.Compile(routing.DefaultPlan())

// planCache keeps the compiled routing plans RouteCall evaluates, so that a
// plan is compiled once per stored version instead of on every call, and
// each tenant's compiled block list.
//
// Freshness: RouteCall still reads the settings and the block list in its
// transaction, and an entry serves only the stored state it was compiled
// from: the same Version and UpdatedAt. A plan another node saved has
// another version, so it is compiled afresh, never served stale; UpdatedAt
// tells settings apart that were deleted (a usage type change, a
// deactivation taking effect, a swap) and created anew, whose versions
// start at 1 again. SaveRouting, SetUsageType and SaveBlocklist also drop
// the entries they make obsolete, so that they do not wait for eviction.
//
// Bound: at most perTenant plans per tenant, the least recently used one
// going first, and the plans of at most tenants tenants, the tenant used
// least recently going first with all its plans and its block list. So the
// cache holds at most perTenant × tenants compiled plans (a compiled plan
// takes a few times the memory of the plan: a few KB for a typical one).
//
// A planCache is safe for concurrent use: one mutex guards the maps and
// lists, and plans are compiled outside it (two calls missing the same plan
// may both compile it; the later one's result stays). A nil planCache, or
// one with a negative bound, keeps nothing and compiles on every call.
type planCache struct {
	perTenant, tenants int
	compiles           atomic.Int64 // plans and block lists compiled, for tests

	mu   sync.Mutex
	byID map[numberdesk.TenantID]*tenantPlans
	lru  tenantPlans // sentinel of the tenants' list, most recently used first
}

// tenantPlans is one tenant's part of the cache.
type tenantPlans struct {
	id         numberdesk.TenantID
	prev, next *tenantPlans
	plans      map[numberdesk.NumberID]*planEntry
	lru        planEntry // sentinel of the plans' list, most recently used first
	blocklist  *blocklistEntry
}

// planEntry is the compiled plan of the stored settings of one number, as
// of Version and UpdatedAt.
type planEntry struct {
	number     numberdesk.NumberID
	version    int64
	updated    time.Time
	compiled   *routing.Compiled
	prev, next *planEntry
}

// blocklistEntry is a tenant's compiled block list, as of Version and
// UpdatedAt.
type blocklistEntry struct {
	version  int64
	updated  time.Time
	compiled *routing.CompiledBlocklist
}

// newPlanCache returns a cache keeping perTenant plans for each of at most
// tenants tenants; nil if either is negative or zero.
func newPlanCache(perTenant, tenants int) *planCache {
	if perTenant <= 0 || tenants <= 0 {
		return nil
	}
	c := &planCache{perTenant: perTenant, tenants: tenants, byID: map[numberdesk.TenantID]*tenantPlans{}}
	c.lru.prev, c.lru.next = &c.lru, &c.lru
	return c
}

// plan returns the compiled plan of the stored settings st.
func (c *planCache) plan(st *routing.Settings) *routing.Compiled {
	if c == nil {
		return routing.Compile(st.Plan)
	}
	c.mu.Lock()
	if t := c.byID[st.Tenant]; t != nil {
		c.touchTenant(t)
		if e := t.plans[st.Number]; e != nil && e.version == st.Version && e.updated.Equal(st.UpdatedAt) {
			t.touch(e)
			c.mu.Unlock()
			return e.compiled
		}
	}
	c.mu.Unlock()

	compiled := routing.Compile(st.Plan)
	c.compiles.Add(1)

	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenant(st.Tenant)
	e := t.plans[st.Number]
	if e == nil {
		e = &planEntry{number: st.Number}
		t.plans[st.Number] = e
	} else {
		e.unlink()
	}
	e.version, e.updated, e.compiled = st.Version, st.UpdatedAt, compiled
	t.pushFront(e)
	for len(t.plans) > c.perTenant {
		old := t.lru.prev
		old.unlink()
		delete(t.plans, old.number)
	}
	return compiled
}

// blocklist returns the compiled block list of the stored list b.
func (c *planCache) blocklist(b *routing.TenantBlocklist) *routing.CompiledBlocklist {
	if c == nil {
		return routing.CompileBlocklist(b.List)
	}
	c.mu.Lock()
	if t := c.byID[b.Tenant]; t != nil {
		c.touchTenant(t)
		if e := t.blocklist; e != nil && e.version == b.Version && e.updated.Equal(b.UpdatedAt) {
			c.mu.Unlock()
			return e.compiled
		}
	}
	c.mu.Unlock()

	compiled := routing.CompileBlocklist(b.List)
	c.compiles.Add(1)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.tenant(b.Tenant).blocklist = &blocklistEntry{version: b.Version, updated: b.UpdatedAt, compiled: compiled}
	return compiled
}

// forget drops the compiled plan of the number.
func (c *planCache) forget(tenant numberdesk.TenantID, number numberdesk.NumberID) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.byID[tenant]; t != nil {
		if e := t.plans[number]; e != nil {
			e.unlink()
			delete(t.plans, number)
		}
	}
}

// forgetBlocklist drops the tenant's compiled block list.
func (c *planCache) forgetBlocklist(tenant numberdesk.TenantID) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.byID[tenant]; t != nil {
		t.blocklist = nil
	}
}

// tenant returns the tenant's part, adding it (and evicting the least
// recently used tenant beyond the bound) if missing. c.mu is held.
func (c *planCache) tenant(id numberdesk.TenantID) *tenantPlans {
	if t := c.byID[id]; t != nil {
		c.touchTenant(t)
		return t
	}
	t := &tenantPlans{id: id, plans: map[numberdesk.NumberID]*planEntry{}}
	t.lru.prev, t.lru.next = &t.lru, &t.lru
	c.byID[id] = t
	c.pushTenant(t)
	for len(c.byID) > c.tenants {
		old := c.lru.prev
		old.prev.next, old.next.prev = old.next, old.prev
		delete(c.byID, old.id)
	}
	return t
}

// touchTenant moves t to the front of the tenants' list. c.mu is held.
func (c *planCache) touchTenant(t *tenantPlans) {
	t.prev.next, t.next.prev = t.next, t.prev
	c.pushTenant(t)
}

func (c *planCache) pushTenant(t *tenantPlans) {
	t.prev, t.next = &c.lru, c.lru.next
	c.lru.next.prev = t
	c.lru.next = t
}

// touch moves e to the front of t's plans.
func (t *tenantPlans) touch(e *planEntry) {
	e.unlink()
	t.pushFront(e)
}

func (t *tenantPlans) pushFront(e *planEntry) {
	e.prev, e.next = &t.lru, t.lru.next
	t.lru.next.prev = e
	t.lru.next = e
}

func (e *planEntry) unlink() {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// size returns how many plans the cache holds for tenant and in all, and
// for how many tenants.
func (c *planCache) size(tenant numberdesk.TenantID) (plans, total, tenants int) {
	if c == nil {
		return 0, 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, t := range c.byID {
		if id == tenant {
			plans = len(t.plans)
		}
		total += len(t.plans)
	}
	return plans, total, len(c.byID)
}

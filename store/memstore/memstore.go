// Package memstore is the in-memory backend of the SDK: the default store, the
// one used in tests, and the one the reference UI uses in the browser. It
// imports only the standard library, the SDK's kernel and domain packages and
// a small B-tree (github.com/tidwall/btree, no dependencies of its own), so it
// compiles for js/wasm.
//
// It implements the contract of [store.Store] (see the store package for the
// rules every backend follows) and passes store/storetest.
//
// # Concurrency and transactions
//
// A Store is safe for concurrent use. Reads outside a transaction share a
// read lock; writes outside a transaction take the write lock for the one
// call. InTx holds the store-wide write lock while fn runs, so transactions
// are serializable (and a read-modify-write inside InTx never conflicts).
// Rollback replays an undo log (the previous value of everything written, in
// reverse order), so its cost is proportional to what the transaction wrote,
// not to the size of the store.
//
// Keep transactions short: while one runs, every other call waits. Inside fn,
// call the store with the ctx passed to fn (several goroutines may share it):
// a call with any other ctx waits for the transaction to end, which, from
// inside fn, is never.
//
// # Layout
//
// Per tenant the store keeps its numbers without pointers, so that the
// garbage collector does not scan them however many they are: a slab of
// fixed-size records, their strings in one byte arena, a map from ID to
// slot, B-trees of slots ordered by E.164, by extension and (the numbers
// pending deactivation) by date, and the count of numbers per state
// (index.go, slab.go). Storing a block of k numbers costs O(k log n); the
// overview's default order is a walk of the first tree from the page's
// position, and its total a count; ApplyDue's read walks only the due
// numbers. Reads copy out only the numbers they return.
package memstore

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/btree"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store"
)

var (
	_ store.Store    = (*Store)(nil)
	_ numbers.Writer = (*Store)(nil)
)

// Store is the in-memory backend. Create it with New; the zero value is not
// usable.
type Store struct {
	mu      sync.RWMutex
	seq     int64 // the last event Seq assigned, store-wide
	tenants map[numberdesk.TenantID]*numberdesk.Tenant
	spaces  map[numberdesk.TenantID]*space
	staff   staffData   // employees and records (staff.go, records.go)
	outbox  outbox      // the delivery state of every event, store-wide (outbox.go)
	routing routingData // routing settings and block lists (routing.go)
	efax    efaxData    // E-Fax-App credentials (efax.go)
}

// space is the data of one tenant.
type space struct {
	tenant numberdesk.TenantID

	// The numbers, without pointers (see index.go for the layout).
	recs    []rec                // the slab: a number per slot
	free    []slot               // the free slots of recs
	arena   []byte               // the numbers' strings
	dead    int                  // bytes of arena that no number uses
	zones   []*time.Location     // the Locations of stored instants; zones[0] is UTC
	ids     map[numberKey]slot   // every number, by ID
	order   *btree.BTreeG[slot]  // every number, by E164 (unique)
	ext     *btree.BTreeG[slot]  // the numbers with an extension, by Extension, E164
	due     *btree.BTreeG[slot]  // the numbers stored as pending, by DeactivationAt, E164
	counts  [unknownRank + 1]int // stored numbers per state rank
	probeMu sync.Mutex           // guards probe
	probe   probeKey             // the key a search compares (index.go)

	events   []numberdesk.Event // in Seq order
	eventIDs map[numberdesk.EventID]struct{}
	byNumber map[numberdesk.NumberID][]int // positions in events, ascending

	idem map[string]*numberdesk.IdempotencyRecord

	// periods is the holder history: per number, its periods in order.
	periods map[numberdesk.NumberID][]numbers.HolderPeriod
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		tenants: make(map[numberdesk.TenantID]*numberdesk.Tenant),
		spaces:  make(map[numberdesk.TenantID]*space),
		staff:   staffData{spaces: make(map[numberdesk.TenantID]*staffSpace)},
		routing: routingData{
			settings:   make(map[numberdesk.TenantID]map[numberdesk.NumberID]*storedSettings),
			blocklists: make(map[numberdesk.TenantID]*storedBlocklist),
		},
		efax: efaxData{
			creds:     make(map[numberdesk.TenantID]map[efax.CredentialID]*efax.StoredCredential),
			pairs:     make(map[credentialPair]struct{}),
			usernames: make(map[string]tenantKey[efax.CredentialID]),
		},
	}
}

// spaceFor returns the tenant's space, creating it. An empty space is
// indistinguishable from none, so its creation needs no undo.
func (s *Store) spaceFor(tenant numberdesk.TenantID) *space {
	sp := s.spaces[tenant]
	if sp == nil {
		sp = &space{
			tenant:   tenant,
			zones:    []*time.Location{time.UTC},
			ids:      make(map[numberKey]slot),
			eventIDs: make(map[numberdesk.EventID]struct{}),
			byNumber: make(map[numberdesk.NumberID][]int),
			idem:     make(map[string]*numberdesk.IdempotencyRecord),
			periods:  make(map[numberdesk.NumberID][]numbers.HolderPeriod),
		}
		sp.order, sp.ext, sp.due = newTree(sp, lessE164), newTree(sp, lessExt), newTree(sp, lessDue)
		s.spaces[tenant] = sp
	}
	return sp
}

// ---------------------------------------------------------------------------
// Transactions

// txKey is the context key of a transaction of one Store, so that the ctx of
// one store's transaction means nothing to another store.
type txKey struct{ s *Store }

// tx is a running transaction. It owns s.mu (write-locked) while it runs; mu
// serializes the calls made with its ctx should fn use it from several
// goroutines.
type tx struct {
	mu   sync.Mutex
	undo []func()
	done bool
}

// record appends an undo step. It is a no-op outside a transaction (t nil).
func (t *tx) record(f func()) {
	if t != nil {
		t.undo = append(t.undo, f)
	}
}

// rollbackTo undoes every step after mark, newest first.
func (t *tx) rollbackTo(mark int) {
	for i := len(t.undo) - 1; i >= mark; i-- {
		t.undo[i]()
		t.undo[i] = nil
	}
	t.undo = t.undo[:mark]
}

func (s *Store) txFrom(ctx context.Context) *tx {
	t, _ := ctx.Value(txKey{s}).(*tx)
	return t
}

// InTx runs fn in a serializable transaction; see the store package for the
// semantics. A nested call joins the running transaction as a savepoint.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	const op = "memstore.InTx"
	if fn == nil {
		return numberdesk.E(numberdesk.CodeInvalid, op, "fn", "Die Funktion fehlt.")
	}
	if err := ctx.Err(); err != nil {
		return numberdesk.Internal(op, err)
	}
	if t := s.txFrom(ctx); t != nil {
		return s.nestedTx(ctx, t, fn)
	}

	s.mu.Lock()
	t := &tx{}
	committed := false
	defer func() {
		t.mu.Lock()
		if !committed {
			t.rollbackTo(0)
		}
		t.undo = nil
		t.done = true
		t.mu.Unlock()
		s.mu.Unlock()
	}()
	if err := fn(context.WithValue(ctx, txKey{s}, t)); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return numberdesk.Internal(op, err)
	}
	committed = true
	return nil
}

// nestedTx runs fn inside the running transaction t as a savepoint.
func (s *Store) nestedTx(ctx context.Context, t *tx, fn func(ctx context.Context) error) error {
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		return store.ErrTxDone("memstore.InTx")
	}
	mark := len(t.undo)
	t.mu.Unlock()
	ok := false
	defer func() {
		if !ok {
			t.mu.Lock()
			if !t.done && len(t.undo) >= mark {
				t.rollbackTo(mark)
			}
			t.mu.Unlock()
		}
	}()
	if err := fn(ctx); err != nil {
		return err
	}
	ok = true
	return nil
}

// read runs fn under the read lock, or inside the ctx's transaction.
func (s *Store) read(ctx context.Context, op string, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return numberdesk.Internal(op, err)
	}
	if t := s.txFrom(ctx); t != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.done {
			return store.ErrTxDone(op)
		}
		return fn()
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fn()
}

// write runs fn under the write lock, or inside the ctx's transaction (then t
// is that transaction and fn records undo steps in it). fn must check
// everything before it changes anything, so that a failed write changes
// nothing.
func (s *Store) write(ctx context.Context, op string, fn func(t *tx) error) error {
	if err := ctx.Err(); err != nil {
		return numberdesk.Internal(op, err)
	}
	if t := s.txFrom(ctx); t != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.done {
			return store.ErrTxDone(op)
		}
		return fn(t)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(nil)
}

// ---------------------------------------------------------------------------
// Tenants

// CreateTenant stores a copy of t; CodeConflict if its ID exists, CodeInvalid
// if the ID is not a canonical UUID.
func (s *Store) CreateTenant(ctx context.Context, t *numberdesk.Tenant) error {
	const op = "memstore.CreateTenant"
	if t == nil {
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant fehlt.")
	}
	if !numberdesk.ValidID(t.ID) {
		return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung des Mandanten ist ungültig.")
	}
	return s.write(ctx, op, func(tx *tx) error {
		if _, ok := s.tenants[t.ID]; ok {
			return numberdesk.E(numberdesk.CodeConflict, op, "id", "Der Mandant ist bereits vorhanden.")
		}
		c := *t
		s.tenants[c.ID] = &c
		tx.record(func() { delete(s.tenants, c.ID) })
		return nil
	})
}

// FindTenantByID returns a copy of the tenant, or CodeNotFound.
func (s *Store) FindTenantByID(ctx context.Context, id numberdesk.TenantID) (*numberdesk.Tenant, error) {
	const op = "memstore.FindTenantByID"
	var out *numberdesk.Tenant
	err := s.read(ctx, op, func() error {
		t, ok := s.tenants[id]
		if !ok {
			return numberdesk.E(numberdesk.CodeNotFound, op, "id", "Der Mandant wurde nicht gefunden.")
		}
		c := *t
		out = &c
		return nil
	})
	return out, err
}

// ---------------------------------------------------------------------------
// Numbers

// find returns the slot of the tenant's number id (none in a nil space).
func (sp *space) find(id numberdesk.NumberID) (slot, bool) {
	if sp == nil {
		return 0, false
	}
	k, ok := keyOf(id)
	if !ok {
		return 0, false
	}
	s, ok := sp.ids[k]
	return s, ok
}

// FindNumberByID returns a copy of the tenant's number, or CodeNotFound.
func (s *Store) FindNumberByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.NumberID) (*numbers.Number, error) {
	const op = "memstore.FindNumberByID"
	var out *numbers.Number
	err := s.read(ctx, op, func() error {
		sp := s.spaces[tenant]
		at, ok := sp.find(id)
		if !ok {
			return store.ErrNumberNotFound(op)
		}
		out = sp.number(at)
		return nil
	})
	return out, err
}

// tenantKey pairs a tenant with a key unique within it.
type tenantKey[K comparable] struct {
	tenant numberdesk.TenantID
	key    K
}

// CreateNumbers stores copies of new numbers, all or none, and sets Version to
// 1 (in ns too). Tenant, ID (canonical UUIDs) and E164 are required
// (CodeInvalid); an ID or E.164 that exists in the tenant or appears twice in
// ns is CodeConflict (Field "number"). The tenant need not exist.
func (s *Store) CreateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	const op = "memstore.CreateNumbers"
	for _, n := range ns {
		if err := n.CheckWrite(op); err != nil {
			return err
		}
		if !numberdesk.ValidID(n.ID) {
			return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung der Rufnummer ist ungültig.")
		}
	}
	return s.write(ctx, op, func(tx *tx) error {
		ids := make(map[tenantKey[numberdesk.NumberID]]struct{}, len(ns))
		e164s := make(map[tenantKey[string]]struct{}, len(ns))
		for _, n := range ns {
			if sp := s.spaces[n.Tenant]; sp != nil {
				if _, ok := sp.find(n.ID); ok {
					return store.ErrNumberExists(op)
				}
				if _, ok := sp.byE164(n.E164); ok {
					return store.ErrNumberExists(op)
				}
			}
			ik := tenantKey[numberdesk.NumberID]{n.Tenant, n.ID}
			ek := tenantKey[string]{n.Tenant, n.E164}
			if _, ok := ids[ik]; ok {
				return store.ErrNumberExists(op)
			}
			if _, ok := e164s[ek]; ok {
				return store.ErrNumberExists(op)
			}
			ids[ik] = struct{}{}
			e164s[ek] = struct{}{}
		}
		// Everything checked: apply, tenant by tenant.
		groups := make(map[numberdesk.TenantID][]*numbers.Number)
		for _, n := range ns {
			groups[n.Tenant] = append(groups[n.Tenant], n)
		}
		for tenant, group := range groups {
			sp := s.spaceFor(tenant)
			slots := sp.insert(group)
			tx.record(func() { sp.remove(slots) })
		}
		for _, n := range ns {
			n.Version = 1
		}
		return nil
	})
}

// UpdateNumbers writes copies of numbers, all or none. Each must exist in its
// Tenant (CodeNotFound, Field "id") and carry the stored Version (CodeConflict,
// Field "version"); a changed E164 must stay unique in the tenant
// (CodeConflict, Field "number"). On success every Version is incremented, in
// ns too.
func (s *Store) UpdateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	const op = "memstore.UpdateNumbers"
	for _, n := range ns {
		if err := n.CheckWrite(op); err != nil {
			return err
		}
	}
	return s.write(ctx, op, func(tx *tx) error {
		olds := make([]*numbers.Number, len(ns))
		ats := make([]slot, len(ns))
		seen := make(map[tenantKey[slot]]struct{}, len(ns))
		for i, n := range ns {
			sp := s.spaces[n.Tenant]
			at, ok := sp.find(n.ID)
			if !ok {
				return store.ErrNumberNotFound(op)
			}
			k := tenantKey[slot]{n.Tenant, at}
			if _, dup := seen[k]; dup || sp.recs[at].version != n.Version {
				return store.ErrStaleVersion(op)
			}
			seen[k] = struct{}{}
			olds[i], ats[i] = sp.number(at), at
		}
		// E.164 uniqueness after the batch: a number's new E.164 must not
		// belong to a number outside the batch, nor be the new E.164 of
		// another number in the batch.
		finals := make(map[tenantKey[string]]struct{}, len(ns))
		for i, n := range ns {
			fk := tenantKey[string]{n.Tenant, n.E164}
			if _, dup := finals[fk]; dup {
				return store.ErrNumberExists(op)
			}
			finals[fk] = struct{}{}
			if n.E164 == olds[i].E164 {
				continue
			}
			if owner, ok := s.spaces[n.Tenant].byE164(n.E164); ok {
				if _, inBatch := seen[tenantKey[slot]{n.Tenant, owner}]; !inBatch {
					return store.ErrNumberExists(op)
				}
			}
		}
		// The holder history only goes forward.
		for i, n := range ns {
			if n.HoldersSince.Before(olds[i].HoldersSince) {
				return store.ErrHoldersSinceBackwards(op)
			}
		}
		// Apply, tenant by tenant.
		type group struct {
			ats        []slot
			olds, news []*numbers.Number
		}
		groups := make(map[numberdesk.TenantID]*group)
		for i, n := range ns {
			c := n.Clone()
			c.Version = olds[i].Version + 1
			g := groups[n.Tenant]
			if g == nil {
				g = &group{}
				groups[n.Tenant] = g
			}
			g.ats = append(g.ats, ats[i])
			g.olds = append(g.olds, olds[i])
			g.news = append(g.news, c)
		}
		for tenant, g := range groups {
			sp := s.spaces[tenant]
			sp.replace(g.ats, g.olds, g.news)
			tx.record(func() { sp.replace(g.ats, g.news, g.olds) })
		}
		// The stored holders held each number whose HoldersSince moves
		// forward until the new HoldersSince.
		for i, n := range ns {
			old := olds[i]
			if len(old.Holders) == 0 || !old.HoldersSince.Before(n.HoldersSince) {
				continue
			}
			sp := s.spaces[n.Tenant]
			sp.periods[n.ID] = append(sp.periods[n.ID], numbers.HolderPeriod{Tenant: n.Tenant, Number: n.ID,
				Holders: slices.Clone(old.Holders), From: old.HoldersSince, To: n.HoldersSince})
			tx.record(func() { sp.dropLastPeriod(n.ID) })
		}
		for i, n := range ns {
			n.Version = olds[i].Version + 1
		}
		return nil
	})
}

// dropLastPeriod removes the last holder period of number (the undo of
// recording it).
func (sp *space) dropLastPeriod(number numberdesk.NumberID) {
	ps := sp.periods[number]
	if len(ps) <= 1 {
		delete(sp.periods, number)
		return
	}
	sp.periods[number] = ps[:len(ps)-1]
}

// FindHolderPeriods returns copies of the tenant's holder periods matching
// f, sorted by Number, then From.
func (s *Store) FindHolderPeriods(ctx context.Context, tenant numberdesk.TenantID, f numbers.HolderPeriodFilter) ([]numbers.HolderPeriod, error) {
	const op = "memstore.FindHolderPeriods"
	out := []numbers.HolderPeriod{}
	err := s.read(ctx, op, func() error {
		sp := s.spaces[tenant]
		if sp == nil {
			return nil
		}
		take := func(ps []numbers.HolderPeriod) {
			for _, p := range ps {
				if (f.Holder == "" || slices.Contains(p.Holders, f.Holder)) && (f.After.IsZero() || p.To.After(f.After)) {
					p.Holders = slices.Clone(p.Holders)
					out = append(out, p)
				}
			}
		}
		if len(f.Numbers) > 0 {
			for _, id := range slices.Compact(slices.Sorted(slices.Values(f.Numbers))) {
				take(sp.periods[id])
			}
			return nil
		}
		for _, id := range slices.Sorted(maps.Keys(sp.periods)) {
			take(sp.periods[id])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// insert stores new numbers (checked: IDs and E164s are new and unique) with
// Version 1 and returns their slots: O(log n) each. In E.164 order, as a
// block comes, each insert starts where the previous one ended (a path hint).
func (sp *space) insert(ns []*numbers.Number) []slot {
	sorted := slices.Clone(ns)
	slices.SortFunc(sorted, func(a, b *numbers.Number) int { return strings.Compare(a.E164, b.E164) })
	slots := make([]slot, len(sorted))
	var hint btree.PathHint
	for i, n := range sorted {
		k, _ := keyOf(n.ID) // valid: checked
		s := sp.alloc()
		sp.put(s, k, n, 1)
		sp.ids[k] = s
		sp.index(s, &hint, false)
		slots[i] = s
	}
	return slots
}

// remove takes out the numbers that insert stored in slots (its undo).
func (sp *space) remove(slots []slot) {
	for _, s := range slots {
		sp.unindex(s, false)
		delete(sp.ids, sp.recs[s].id)
		sp.release(s)
	}
}

// replace writes news (with their Versions) over olds, the numbers stored
// in slots ats; the E.164s of news are unique once olds are gone.
func (sp *space) replace(ats []slot, olds, news []*numbers.Number) {
	for i, at := range ats {
		sp.unindex(at, olds[i].E164 == news[i].E164)
	}
	for i, at := range ats {
		sp.put(at, sp.recs[at].id, news[i], news[i].Version)
		sp.index(at, nil, olds[i].E164 == news[i].E164)
	}
}

// FindNumbers returns copies of the page of the tenant's numbers matching f,
// and the total count of matches before paging.
//
// IDs and E164s are looked up, and DueBefore walks only the due numbers
// (space.due), sorting what they find. The other filters walk the numbers in
// E.164 order (space.order, reversed for Desc). When f selects by state at
// most, the total comes from the counts per state, so the walk stops at the
// end of the page, and without any filter it starts at the page's position.
// The sort by status walks the states in their order; the sorts by time
// collect the matches in E.164 order and sort them stably by their key only,
// so the E.164 tie-break comes for free. Only the page's numbers are copied.
//
// Instants are compared by their wall clock: a monotonic clock reading in
// f.Now or f.DueBefore is ignored, as a database ignores it.
func (s *Store) FindNumbers(ctx context.Context, tenant numberdesk.TenantID, f numbers.Filter) ([]*numbers.Number, int, error) {
	const op = "memstore.FindNumbers"
	if err := f.Check(op); err != nil {
		return nil, 0, err
	}
	p := pager{offset: f.Offset, limit: f.Limit, countLimit: f.CountLimit, out: []*numbers.Number{}}
	m := newMatcher(f)
	visits := 0 // the stored numbers read, for visitProbe
	err := s.read(ctx, op, func() error {
		sp := s.spaces[tenant]
		if sp == nil {
			return nil
		}
		p.sp = sp
		if f.After != nil {
			after := *f.After
			p.after = func(at slot) bool { return f.ComparePositions(sp.position(f, m, at), after) <= 0 }
		}
		switch {
		case len(f.IDs) > 0 || len(f.E164s) > 0:
			p.takeAll(sp.sortHits(sp.lookup(f, m, &visits), f, m))
		case m.due:
			var hits []slot
			sp.eachDue(m.dueBefore, &visits, func(at slot) bool {
				if m.match(sp, at) {
					hits = append(hits, at)
				}
				return true
			})
			p.takeAll(sp.sortHits(hits, f, m))
		case f.Sort == "" || f.Sort == numbers.SortNumber:
			sp.findByNumber(f, m, &p, &visits)
		case f.Sort == numbers.SortStatus && f.After == nil:
			sp.findByStatus(f.Desc, m, &p, &visits)
		case f.Sort == numbers.SortStatus:
			var hits []slot
			sp.each(false, 0, &visits, func(at slot) bool {
				if m.match(sp, at) {
					hits = append(hits, at)
				}
				return true
			})
			p.takeAll(sp.sortHits(hits, f, m))
		default:
			sp.findByTime(f, m, &p, &visits)
		}
		return nil
	})
	if visitProbe != nil {
		visitProbe(visits)
	}
	if err != nil {
		return nil, 0, err
	}
	if f.CountLimit > 0 {
		p.total = min(p.total, f.CountLimit)
	}
	return p.out, p.total, nil
}

// visitProbe, if set (by tests only, before the Store is used), is called
// after every FindNumbers with the number of stored numbers it read.
var visitProbe func(visits int)

// defaultDueTenants is the limit of FindDueTenants when it is given 0.
const defaultDueTenants = 1000

// FindDueTenants returns the tenants after after, in ID order, that have a
// number stored as pending whose DeactivationAt is not after before, at
// most limit of them (0: 1000). A tenant's earliest pending number is the
// first of its due tree, so each tenant costs O(log n) however many numbers
// it has; the whole call O(tenants + found·log found). Instants are
// compared by their wall clock, as in FindNumbers.
func (s *Store) FindDueTenants(ctx context.Context, before time.Time, after numberdesk.TenantID, limit int) ([]numberdesk.TenantID, error) {
	const op = "memstore.FindDueTenants"
	if err := checkDueTenants(op, before, after, limit); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = defaultDueTenants
	}
	at := wallOf(before)
	var out []numberdesk.TenantID
	err := s.read(ctx, op, func() error {
		for id, sp := range s.spaces {
			if id <= after {
				continue
			}
			if first, ok := sp.due.Min(); ok && sp.recs[first].times[tDeactivation].compare(at) <= 0 {
				out = append(out, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit:limit]
	}
	return out, nil
}

// checkDueTenants checks the arguments of FindDueTenants as the contract
// (numbers.Store) says every backend does, before anything is read.
func checkDueTenants(op string, before time.Time, after numberdesk.TenantID, limit int) error {
	switch {
	case before.IsZero():
		return numberdesk.E(numberdesk.CodeInvalid, op, "before", "Der Zeitpunkt fehlt.")
	case after != "" && !numberdesk.ValidID(after):
		return numberdesk.E(numberdesk.CodeInvalid, op, "after", "Die Position ist ungültig.")
	}
	return numberdesk.CheckPage(op, 0, limit)
}

// lookup returns the slots of f.IDs and f.E164s (both: those in both) that
// m matches, each once, in no particular order.
func (sp *space) lookup(f numbers.Filter, m *matcher, visits *int) []slot {
	var cands []slot
	for _, id := range f.IDs {
		if at, ok := sp.find(id); ok {
			cands = append(cands, at)
		}
	}
	if len(f.E164s) > 0 {
		byID := cands
		cands = make([]slot, 0, len(f.E164s))
		for _, e := range f.E164s {
			if at, ok := sp.byE164(e); ok && (len(f.IDs) == 0 || slices.Contains(byID, at)) {
				cands = append(cands, at)
			}
		}
	}
	var hits []slot
	seen := make(map[slot]struct{}, len(cands))
	for _, at := range cands {
		if _, dup := seen[at]; dup {
			continue
		}
		seen[at] = struct{}{}
		*visits++
		if m.match(sp, at) {
			hits = append(hits, at)
		}
	}
	return hits
}

// position returns the position of the number in slot at in f's order, as
// f.PositionOf gives it (the number as it is at f.Now); its strings are
// views of the arena.
func (sp *space) position(f numbers.Filter, m *matcher, at slot) numbers.Position {
	r, lapsed := &sp.recs[at], m.lapsed(sp, at)
	pos := numbers.Position{E164: sp.e164(at)}
	switch f.Sort {
	case numbers.SortStatus:
		pos.Status = numbers.StatusInactive
		if !lapsed {
			pos.Status = numbers.Status(sp.view(at).status)
		}
	case numbers.SortCreated:
		pos.At = r.times[tCreated].wall()
	case numbers.SortDeactivationAt:
		if !lapsed {
			pos.At = r.times[tDeactivation].wall()
		}
	}
	return pos
}

// sortHits sorts hits in f's order (numbers.Filter.ComparePositions).
func (sp *space) sortHits(hits []slot, f numbers.Filter, m *matcher) []slot {
	type hit struct {
		at  slot
		pos numbers.Position
	}
	hs := make([]hit, len(hits))
	for i, at := range hits {
		hs[i] = hit{at, sp.position(f, m, at)}
	}
	slices.SortFunc(hs, func(a, b hit) int { return f.ComparePositions(a.pos, b.pos) })
	for i, h := range hs {
		hits[i] = h.at
	}
	return hits
}

// count returns how many numbers m matches when the counts per state decide
// it (m selects by state at most, and by no unknown state): O(1), or
// O(lapsed + log n) with a Now.
func (sp *space) count(m *matcher, visits *int) (int, bool) {
	if !m.byStateOnly() {
		return 0, false
	}
	if m.ranks == allRanks {
		return sp.order.Len(), true
	}
	if m.ranks&(1<<unknownRank) != 0 {
		return 0, false // unknown states match by name
	}
	total := 0
	for r, k := range sp.stateCounts(m, visits) {
		if m.ranks&(1<<r) != 0 {
			total += k
		}
	}
	return total, true
}

// stateCounts returns how many numbers are in each state rank at m's Now
// (none: as stored): the pending numbers due at Now count as inactive.
func (sp *space) stateCounts(m *matcher, visits *int) [unknownRank + 1]int {
	c := sp.counts
	if m.atNow {
		lapsed := 0
		sp.eachDue(m.now, visits, func(slot) bool {
			lapsed++
			return true
		})
		c[pendingRank] -= lapsed
		c[inactiveRank] += lapsed
	}
	return c
}

// findByNumber takes m's matches in E.164 order (reversed for desc). A
// search by prefix walks the prefix's range, one by extension the ext
// index; a cursor (f.After) seeks its position. When the counts per state
// decide the total (f selects by state at most), the walk stops at the end
// of the page, and without any filter or cursor it starts at the page's
// position. Otherwise the total is counted up to f.CountLimit: with a
// cursor by a walk from the start, without one by the page's walk itself.
func (sp *space) findByNumber(f numbers.Filter, m *matcher, p *pager, visits *int) {
	from := ""
	if f.After != nil {
		from = f.After.E164
	}
	walk := func(from string, yield func(slot) bool) {
		if m.extension != "" {
			sp.walkExt(m.extension, f.Desc, from, visits, yield)
		} else {
			sp.walk(f.Desc, m.prefix, from, visits, yield)
		}
	}
	total, known := sp.count(m, visits)
	switch {
	case known && m.ranks == allRanks && f.After == nil:
		// Every number matches: the page starts at position offset.
		start := min(p.offset, total)
		p.total, p.pos = start, start
		sp.each(f.Desc, start, visits, func(at slot) bool {
			p.take(at)
			return !p.full()
		})
	case known || f.After != nil:
		if !known {
			total = 0
			walk("", func(at slot) bool {
				if m.match(sp, at) {
					total++
				}
				return p.countLimit == 0 || total < p.countLimit
			})
		}
		walk(from, func(at slot) bool {
			if m.match(sp, at) {
				p.take(at)
			}
			return !p.full()
		})
	default:
		walk("", func(at slot) bool {
			if m.match(sp, at) {
				p.take(at)
			}
			return !p.done()
		})
		return
	}
	p.total = total
}

// findByStatus takes m's matches state by state, in the order of the states
// (reversed for desc), each state in E.164 order (reversed for desc). Unknown
// states (none of statusOrder) come last, by name. When the counts per state
// decide the total, a state entirely before or after the page is counted, not
// read, and the read of a state stops at the end of the page.
func (sp *space) findByStatus(desc bool, m *matcher, p *pager, visits *int) {
	var counts [unknownRank + 1]int
	known := m.byStateOnly() && (m.ranks == allRanks || m.ranks&(1<<unknownRank) == 0)
	if known {
		counts = sp.stateCounts(m, visits)
	}
	ranks := []uint8{0, 1, 2, 3, unknownRank}
	if desc {
		slices.Reverse(ranks)
	}
	for _, r := range ranks {
		start, k := p.total, 0
		if known {
			if m.ranks&(1<<r) != 0 {
				k = counts[r]
			}
			if p.full() || start+k <= p.offset {
				p.total += k // entirely after or before the page
				p.pos += k
				continue
			}
		}
		if r != unknownRank {
			sp.each(desc, 0, visits, func(at slot) bool {
				if m.match(sp, at) && m.rank(sp, at) == r {
					p.take(at)
				}
				return known && !p.full() || !known && !p.done()
			})
		} else {
			type odd struct {
				at     slot
				status string
			}
			var odds []odd
			sp.each(desc, 0, visits, func(at slot) bool {
				if sp.recs[at].rank == unknownRank && m.match(sp, at) {
					odds = append(odds, odd{at, sp.view(at).status})
				}
				return true
			})
			slices.SortStableFunc(odds, func(a, b odd) int {
				return sign(desc) * strings.Compare(a.status, b.status)
			})
			for _, o := range odds {
				p.take(o.at)
			}
		}
		if known {
			p.total, p.pos = start+k, start+k
		}
	}
}

// findByTime takes m's matches sorted by CreatedAt or by DeactivationAt
// (f.Sort), then by E.164.
func (sp *space) findByTime(f numbers.Filter, m *matcher, p *pager, visits *int) {
	// Pre-extracted keys, sorted stably: the walk's order is the E.164
	// tie-break.
	type keyed struct {
		none bool // no time: last in both directions
		t    instant
		at   slot
	}
	var hits []keyed
	sp.each(f.Desc, 0, visits, func(at slot) bool {
		if !m.match(sp, at) {
			return true
		}
		t := sp.recs[at].times[tCreated]
		if f.Sort == numbers.SortDeactivationAt {
			t = sp.recs[at].times[tDeactivation]
			if m.lapsed(sp, at) {
				t = instant{sec: zeroSec} // as at Now: no date
			}
		}
		hits = append(hits, keyed{none: f.Sort == numbers.SortDeactivationAt && t.isZero(), t: t, at: at})
		return true
	})
	sg := sign(f.Desc)
	slices.SortStableFunc(hits, func(a, b keyed) int {
		if a.none != b.none {
			if a.none {
				return 1
			}
			return -1
		}
		return sg * a.t.compare(b.t)
	})
	for _, h := range hits {
		p.take(h.at)
	}
}

// pager takes the matches in order, counting all and copying the page: the
// page starts offset matches after the cursor (after reports whether a
// number is at or before it) or, without one, at the first match.
type pager struct {
	sp                        *space
	offset, limit, countLimit int
	after                     func(slot) bool
	total                     int // matches taken
	pos                       int // matches taken after the cursor
	out                       []*numbers.Number
}

func (p *pager) take(at slot) {
	p.total++
	if p.after != nil && p.after(at) {
		return
	}
	if p.pos >= p.offset && (p.limit == 0 || p.pos < p.offset+p.limit) {
		p.out = append(p.out, p.sp.number(at))
	}
	p.pos++
}

func (p *pager) takeAll(hits []slot) {
	for _, at := range hits {
		p.take(at)
	}
}

// full reports whether the page is complete: a further match only counts.
func (p *pager) full() bool { return p.limit > 0 && p.pos >= p.offset+p.limit }

// done reports whether the page is complete and the count has reached the
// count limit: a further match changes nothing.
func (p *pager) done() bool { return p.full() && p.countLimit > 0 && p.total >= p.countLimit }

// matcher is a compiled Filter (without IDs, paging and sorting).
type matcher struct {
	ranks      uint8 // bit r: state rank r is selected; allRanks if no filter
	statuses   []numbers.Status
	usageTypes []routing.UsageType
	holder     numberdesk.StaffID
	unassigned bool
	prefix     string
	extension  string
	digits     string
	byFields   bool // a filter by usage type, holder, prefix, extension or digits
	due        bool
	dueBefore  instant
	atNow      bool    // Filter.Now is set
	now        instant // Filter.Now
}

func newMatcher(f numbers.Filter) *matcher {
	m := &matcher{
		ranks:      allRanks,
		statuses:   f.Statuses,
		usageTypes: f.UsageTypes,
		holder:     f.Holder,
		unassigned: f.Unassigned,
		prefix:     f.Prefix,
		extension:  f.Extension,
		digits:     f.Digits,
		due:        !f.DueBefore.IsZero(),
		dueBefore:  wallOf(f.DueBefore), // wall clock: see FindNumbers
		atNow:      !f.Now.IsZero(),
		now:        wallOf(f.Now),
	}
	m.byFields = len(m.usageTypes) > 0 || m.holder != "" || m.unassigned || m.prefix != "" || m.extension != "" || m.digits != ""
	if len(f.Statuses) > 0 {
		m.ranks = 0
		for _, s := range f.Statuses {
			m.ranks |= 1 << statusRank(s)
		}
	}
	return m
}

// allRanks is matcher.ranks without a filter by state.
const allRanks = 0xff

// byStateOnly reports whether m filters by state at most.
func (m *matcher) byStateOnly() bool { return !m.byFields && !m.due }

// pendingRank and inactiveRank are the ranks of those states.
var (
	pendingRank  = statusRank(numbers.StatusDeactivationPending)
	inactiveRank = statusRank(numbers.StatusInactive)
)

// lapsed reports whether the number in slot at is stored as pending but
// inactive at the filter's Now (numbers.Number.Due).
func (m *matcher) lapsed(sp *space, at slot) bool {
	r := &sp.recs[at]
	return m.atNow && r.rank == pendingRank && m.now.compare(r.times[tDeactivation]) >= 0
}

// rank returns the rank of the state of the number in slot at as the
// filter sees it.
func (m *matcher) rank(sp *space, at slot) uint8 {
	if m.lapsed(sp, at) {
		return inactiveRank
	}
	return sp.recs[at].rank
}

func (m *matcher) match(sp *space, at slot) bool {
	r, lapsed := &sp.recs[at], m.lapsed(sp, at)
	if m.due && (r.rank != pendingRank || r.times[tDeactivation].compare(m.dueBefore) > 0) {
		return false // DueBefore compares the stored states
	}
	rank := r.rank
	if lapsed {
		rank = inactiveRank
	}
	if m.ranks&(1<<rank) == 0 {
		return false
	}
	// The strings, read as needed: the E.164 and the extension come first
	// in the arena (encode).
	if m.prefix != "" || m.digits != "" {
		e := sp.e164(at)
		if !strings.HasPrefix(e, m.prefix) || m.digits != "" && !strings.Contains(strings.TrimPrefix(e, "+"), m.digits) {
			return false
		}
	}
	if m.extension != "" && sp.extension(at) != m.extension {
		return false
	}
	unknown := rank == unknownRank && len(m.statuses) > 0
	if !unknown && len(m.usageTypes) == 0 && m.holder == "" && !m.unassigned {
		return true
	}
	n := sp.view(at)
	usage, holders := routing.UsageType(n.usage), n.holders
	if lapsed { // as numbers.Number.At makes it
		usage, holders = routing.UsageVoice, noHolders
	}
	if unknown && !slices.Contains(m.statuses, numbers.Status(n.status)) {
		return false
	}
	if len(m.usageTypes) > 0 && !slices.Contains(m.usageTypes, usage) {
		return false
	}
	if m.holder != "" && !holders.contains(string(m.holder)) {
		return false
	}
	if m.unassigned && holders.len() > 0 {
		return false
	}
	return true
}

// noHolders is the encoded empty list of holders (of a lapsed number).
const noHolders = list("\x00")

// statusOrder is the sort order of states: the lifecycle order.
var statusOrder = [...]numbers.Status{numbers.StatusNew, numbers.StatusActive, numbers.StatusDeactivationPending, numbers.StatusInactive}

// unknownRank is the rank of every state not in statusOrder.
const unknownRank = uint8(len(statusOrder))

// statusRank orders states by statusOrder; unknown ones go last.
func statusRank(s numbers.Status) uint8 {
	for i, o := range statusOrder {
		if s == o {
			return uint8(i)
		}
	}
	return unknownRank
}

func sign(desc bool) int {
	if desc {
		return -1
	}
	return 1
}

// ---------------------------------------------------------------------------
// Events

// AppendEvents stores copies of events, all or none, assigning each the next
// store-wide Seq (written back into events). Tenant and ID must be canonical
// UUIDs, Number empty or one, Type set (CodeInvalid); an event ID that exists
// in the tenant or appears twice is CodeConflict (Field "id").
func (s *Store) AppendEvents(ctx context.Context, events ...numberdesk.Event) error {
	const op = "memstore.AppendEvents"
	for i := range events {
		e := &events[i]
		if err := e.CheckWrite(op); err != nil {
			return err
		}
	}
	return s.write(ctx, op, func(tx *tx) error {
		seen := make(map[tenantKey[numberdesk.EventID]]struct{}, len(events))
		for i := range events {
			e := &events[i]
			k := tenantKey[numberdesk.EventID]{e.Tenant, e.ID}
			_, dup := seen[k]
			if sp := s.spaces[e.Tenant]; sp != nil {
				if _, ok := sp.eventIDs[e.ID]; ok {
					dup = true
				}
			}
			if dup {
				return numberdesk.E(numberdesk.CodeConflict, op, "id", "Das Ereignis ist bereits vorhanden.")
			}
			seen[k] = struct{}{}
		}
		prevSeq := s.seq
		prevLens := make(map[*space]int)
		for i := range events {
			sp := s.spaceFor(events[i].Tenant)
			if _, ok := prevLens[sp]; !ok {
				prevLens[sp] = len(sp.events)
			}
			s.seq++
			events[i].Seq = s.seq
			c := cloneEvent(events[i])
			sp.eventIDs[c.ID] = struct{}{}
			if c.Number != "" {
				sp.byNumber[c.Number] = append(sp.byNumber[c.Number], len(sp.events))
			}
			sp.events = append(sp.events, c)
			s.outbox.add(&c)
		}
		tx.record(func() {
			for sp, n := range prevLens {
				sp.truncateEvents(n)
			}
			s.outbox.truncate(prevSeq)
			s.seq = prevSeq
		})
		return nil
	})
}

// truncateEvents drops the events from position n on (the undo of appends).
func (sp *space) truncateEvents(n int) {
	for i := len(sp.events) - 1; i >= n; i-- {
		e := sp.events[i]
		delete(sp.eventIDs, e.ID)
		if e.Number != "" {
			pos := sp.byNumber[e.Number]
			pos = pos[:len(pos)-1]
			if len(pos) == 0 {
				delete(sp.byNumber, e.Number)
			} else {
				sp.byNumber[e.Number] = pos
			}
		}
	}
	clear(sp.events[n:])
	sp.events = sp.events[:n]
}

func cloneEvent(e numberdesk.Event) numberdesk.Event {
	e.Data = slices.Clone(e.Data)
	e.Transient = nil // in memory only, never stored
	return e
}

// FindEvents returns copies of the tenant's events matching f, by Seq
// (newest first with f.Desc). A negative AfterSeq or Limit is CodeInvalid
// (EventFilter.Check).
func (s *Store) FindEvents(ctx context.Context, tenant numberdesk.TenantID, f numberdesk.EventFilter) ([]numberdesk.Event, error) {
	const op = "memstore.FindEvents"
	if err := f.Check(op); err != nil {
		return nil, err
	}
	out := []numberdesk.Event{}
	limit := f.Limit
	err := s.read(ctx, op, func() error {
		sp := s.spaces[tenant]
		if sp == nil {
			return nil
		}
		// The candidates, ascending by Seq: all events, or the number's.
		count := len(sp.events)
		at := func(i int) *numberdesk.Event { return &sp.events[i] }
		if f.Number != "" {
			pos := sp.byNumber[f.Number]
			count = len(pos)
			at = func(i int) *numberdesk.Event { return &sp.events[pos[i]] }
		}
		// Skip Seq <= AfterSeq by binary search.
		start := searchSeq(count, at, f.AfterSeq)
		keep := func(e *numberdesk.Event) bool {
			if len(f.Types) > 0 && !slices.Contains(f.Types, e.Type) {
				return true
			}
			out = append(out, cloneEvent(*e))
			return limit == 0 || len(out) < limit
		}
		if f.Desc {
			for i := count - 1; i >= start && keep(at(i)); i-- {
			}
		} else {
			for i := start; i < count && keep(at(i)); i++ {
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// searchSeq returns the first position among count events (ascending by Seq)
// whose Seq is greater than after.
func searchSeq(count int, at func(int) *numberdesk.Event, after int64) int {
	lo, hi := 0, count
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if at(mid).Seq <= after {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// ---------------------------------------------------------------------------
// Idempotency records

// FindIdempotencyRecord returns a copy of the tenant's record for key, or
// CodeNotFound.
func (s *Store) FindIdempotencyRecord(ctx context.Context, tenant numberdesk.TenantID, key string) (*numberdesk.IdempotencyRecord, error) {
	const op = "memstore.FindIdempotencyRecord"
	var out *numberdesk.IdempotencyRecord
	err := s.read(ctx, op, func() error {
		var r *numberdesk.IdempotencyRecord
		if sp := s.spaces[tenant]; sp != nil {
			r = sp.idem[key]
		}
		if r == nil {
			return numberdesk.E(numberdesk.CodeNotFound, op, "key", "Der Idempotenzschlüssel wurde nicht gefunden.")
		}
		out = cloneRecord(r)
		return nil
	})
	return out, err
}

// CreateIdempotencyRecord stores a copy of r. Tenant must be a canonical UUID
// and Key set (CodeInvalid); CodeConflict (Field "key") if the tenant has the
// key.
func (s *Store) CreateIdempotencyRecord(ctx context.Context, r *numberdesk.IdempotencyRecord) error {
	const op = "memstore.CreateIdempotencyRecord"
	if err := r.CheckWrite(op); err != nil {
		return err
	}
	return s.write(ctx, op, func(tx *tx) error {
		if sp := s.spaces[r.Tenant]; sp != nil {
			if _, ok := sp.idem[r.Key]; ok {
				return numberdesk.E(numberdesk.CodeConflict, op, "key", "Der Idempotenzschlüssel wurde bereits verwendet.")
			}
		}
		sp := s.spaceFor(r.Tenant)
		c := cloneRecord(r)
		sp.idem[c.Key] = c
		tx.record(func() { delete(sp.idem, c.Key) })
		return nil
	})
}

// DeleteIdempotencyRecords deletes the records of every tenant created before
// the instant and returns how many.
func (s *Store) DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int, error) {
	const op = "memstore.DeleteIdempotencyRecords"
	n := 0
	err := s.write(ctx, op, func(tx *tx) error {
		for _, sp := range s.spaces {
			for key, r := range sp.idem {
				if !r.CreatedAt.Before(before) {
					continue
				}
				delete(sp.idem, key)
				tx.record(func() { sp.idem[key] = r })
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func cloneRecord(r *numberdesk.IdempotencyRecord) *numberdesk.IdempotencyRecord {
	c := *r
	c.Result = slices.Clone(r.Result)
	return &c
}

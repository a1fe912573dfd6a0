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
// Per tenant the store keeps a map from ID to number, a B-tree of the numbers
// ordered by E.164, a B-tree of the numbers pending deactivation ordered by
// their date, and the count of numbers per state (index.go). Storing a block
// of k numbers costs O(k log n); the overview's default order is a walk of
// the first tree from the page's position, and its total a count; ApplyDue's
// read walks only the due numbers. Stored numbers are never changed in place:
// a write replaces them with a fresh copy.
package memstore

import (
	"cmp"
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
	numbers map[numberdesk.NumberID]*numbers.Number
	order   *btree.BTreeG[entry] // every number, by E164 (unique)
	ext     *btree.BTreeG[entry] // the numbers with an extension, by Extension, E164
	due     *btree.BTreeG[entry] // the numbers stored as pending, by DeactivationAt, E164
	counts  [unknownRank + 1]int // stored numbers per state rank

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
			numbers:  make(map[numberdesk.NumberID]*numbers.Number),
			order:    newTree(lessE164),
			ext:      newTree(lessExt),
			due:      newTree(lessDue),
			eventIDs: make(map[numberdesk.EventID]struct{}),
			byNumber: make(map[numberdesk.NumberID][]int),
			idem:     make(map[string]*numberdesk.IdempotencyRecord),
			periods:  make(map[numberdesk.NumberID][]numbers.HolderPeriod),
		}
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

// FindNumberByID returns a copy of the tenant's number, or CodeNotFound.
func (s *Store) FindNumberByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.NumberID) (*numbers.Number, error) {
	const op = "memstore.FindNumberByID"
	var out *numbers.Number
	err := s.read(ctx, op, func() error {
		sp := s.spaces[tenant]
		if sp == nil {
			return store.ErrNumberNotFound(op)
		}
		n, ok := sp.numbers[id]
		if !ok {
			return store.ErrNumberNotFound(op)
		}
		out = n.Clone()
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
				if _, ok := sp.numbers[n.ID]; ok {
					return store.ErrNumberExists(op)
				}
				if _, ok := sp.byE164(n); ok {
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
			c := n.Clone()
			c.Version = 1
			groups[n.Tenant] = append(groups[n.Tenant], c)
		}
		for tenant, group := range groups {
			sp := s.spaceFor(tenant)
			sp.insert(group)
			tx.record(func() { sp.remove(group) })
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
		seen := make(map[tenantKey[numberdesk.NumberID]]struct{}, len(ns))
		for i, n := range ns {
			sp := s.spaces[n.Tenant]
			if sp == nil {
				return store.ErrNumberNotFound(op)
			}
			old, ok := sp.numbers[n.ID]
			if !ok {
				return store.ErrNumberNotFound(op)
			}
			k := tenantKey[numberdesk.NumberID]{n.Tenant, n.ID}
			if _, dup := seen[k]; dup || old.Version != n.Version {
				return store.ErrStaleVersion(op)
			}
			seen[k] = struct{}{}
			olds[i] = old
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
			if owner, ok := s.spaces[n.Tenant].byE164(n); ok {
				if _, inBatch := seen[tenantKey[numberdesk.NumberID]{n.Tenant, owner.ID}]; !inBatch {
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
		type pair struct{ olds, news []*numbers.Number }
		groups := make(map[numberdesk.TenantID]*pair)
		for i, n := range ns {
			c := n.Clone()
			c.Version = olds[i].Version + 1
			g := groups[n.Tenant]
			if g == nil {
				g = &pair{}
				groups[n.Tenant] = g
			}
			g.olds = append(g.olds, olds[i])
			g.news = append(g.news, c)
		}
		for tenant, g := range groups {
			sp := s.spaces[tenant]
			sp.replace(g.olds, g.news)
			tx.record(func() { sp.replace(g.news, g.olds) })
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

// insert adds new numbers (checked: IDs and E164s are new and unique):
// O(log n) each. In E.164 order, as a block comes, each insert starts where
// the previous one ended (a path hint).
func (sp *space) insert(ns []*numbers.Number) {
	sorted := slices.Clone(ns)
	slices.SortFunc(sorted, func(a, b *numbers.Number) int { return strings.Compare(a.E164, b.E164) })
	var hint btree.PathHint
	for _, n := range sorted {
		sp.numbers[n.ID] = n
		sp.index(n, &hint)
	}
}

// remove takes out numbers that insert added (the undo of insert).
func (sp *space) remove(ns []*numbers.Number) {
	for _, n := range ns {
		delete(sp.numbers, n.ID)
		sp.unindex(n, false)
	}
}

// replace puts news in place of olds (the stored numbers with the same IDs);
// the E.164s of news are unique once olds are gone.
func (sp *space) replace(olds, news []*numbers.Number) {
	for i, old := range olds {
		sp.unindex(old, old.E164 == news[i].E164)
	}
	for _, n := range news {
		sp.numbers[n.ID] = n
		sp.index(n, nil) // replaces the entry of an unchanged E.164
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
// so the E.164 tie-break comes for free.
//
// Instants are compared by their wall clock: a monotonic clock reading in
// f.Now or f.DueBefore is ignored, as a database ignores it.
func (s *Store) FindNumbers(ctx context.Context, tenant numberdesk.TenantID, f numbers.Filter) ([]*numbers.Number, int, error) {
	const op = "memstore.FindNumbers"
	if err := f.Check(op); err != nil {
		return nil, 0, err
	}
	p := pager{offset: f.Offset, limit: f.Limit, countLimit: f.CountLimit, out: []*numbers.Number{}}
	if f.After != nil {
		after := *f.After
		p.after = func(n *numbers.Number) bool { return f.ComparePositions(f.PositionOf(n), after) <= 0 }
	}
	m := newMatcher(f)
	visits := 0 // the stored numbers read, for visitProbe
	err := s.read(ctx, op, func() error {
		sp := s.spaces[tenant]
		if sp == nil {
			return nil
		}
		switch {
		case len(f.IDs) > 0 || len(f.E164s) > 0:
			p.takeAll(sortHits(sp.lookup(f, m, &visits), f))
		case m.due:
			var hits []*numbers.Number
			sp.eachDue(m.dueBefore, &visits, func(e entry) bool {
				if m.match(e) {
					hits = append(hits, e.n)
				}
				return true
			})
			p.takeAll(sortHits(hits, f))
		case f.Sort == "" || f.Sort == numbers.SortNumber:
			sp.findByNumber(f, m, &p, &visits)
		case f.Sort == numbers.SortStatus && f.After == nil:
			sp.findByStatus(f.Desc, m, &p, &visits)
		case f.Sort == numbers.SortStatus:
			var hits []*numbers.Number
			sp.each(false, 0, &visits, func(e entry) bool {
				if m.match(e) {
					hits = append(hits, e.n)
				}
				return true
			})
			p.takeAll(sortHits(hits, f))
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

// lookup returns the numbers of f.IDs and f.E164s (both: those in both) that
// m matches, each once, in no particular order.
func (sp *space) lookup(f numbers.Filter, m *matcher, visits *int) []*numbers.Number {
	ids := f.IDs
	if len(f.E164s) > 0 {
		ids = make([]numberdesk.NumberID, 0, len(f.E164s))
		key := &numbers.Number{}
		for _, e := range f.E164s {
			key.E164 = e
			if n, ok := sp.byE164(key); ok && (len(f.IDs) == 0 || slices.Contains(f.IDs, n.ID)) {
				ids = append(ids, n.ID)
			}
		}
	}
	var hits []*numbers.Number
	seen := make(map[numberdesk.NumberID]struct{}, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		if n, ok := sp.numbers[id]; ok {
			*visits++
			if m.match(entryOf(n)) {
				hits = append(hits, n)
			}
		}
	}
	return hits
}

// sortHits sorts hits in f's order.
func sortHits(hits []*numbers.Number, f numbers.Filter) []*numbers.Number {
	slices.SortFunc(hits, compareFunc(f))
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
	for r, k := range sp.stateCounts(m.now, visits) {
		if m.ranks&(1<<r) != 0 {
			total += k
		}
	}
	return total, true
}

// stateCounts returns how many numbers are in each state rank at now (zero:
// as stored): the pending numbers due at now count as inactive.
func (sp *space) stateCounts(now time.Time, visits *int) [unknownRank + 1]int {
	c := sp.counts
	if !now.IsZero() {
		lapsed := 0
		sp.eachDue(now, visits, func(entry) bool {
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
	walk := func(from string, yield func(entry) bool) {
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
		sp.each(f.Desc, start, visits, func(e entry) bool {
			p.take(e.n)
			return !p.full()
		})
	case known || f.After != nil:
		if !known {
			total = 0
			walk("", func(e entry) bool {
				if m.match(e) {
					total++
				}
				return p.countLimit == 0 || total < p.countLimit
			})
		}
		walk(from, func(e entry) bool {
			if m.match(e) {
				p.take(e.n)
			}
			return !p.full()
		})
	default:
		walk("", func(e entry) bool {
			if m.match(e) {
				p.take(e.n)
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
		counts = sp.stateCounts(m.now, visits)
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
			sp.each(desc, 0, visits, func(e entry) bool {
				if m.match(e) && m.rank(e) == r {
					p.take(e.n)
				}
				return known && !p.full() || !known && !p.done()
			})
		} else {
			var odd []*numbers.Number
			sp.each(desc, 0, visits, func(e entry) bool {
				if e.rank == unknownRank && m.match(e) {
					odd = append(odd, e.n)
				}
				return true
			})
			slices.SortStableFunc(odd, func(a, b *numbers.Number) int {
				return sign(desc) * strings.Compare(string(a.Status), string(b.Status))
			})
			p.takeAll(odd)
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
		nsec int32
		sec  int64
		n    *numbers.Number
	}
	var hits []keyed
	sp.each(f.Desc, 0, visits, func(e entry) bool {
		if !m.match(e) {
			return true
		}
		t := e.n.CreatedAt
		if f.Sort == numbers.SortDeactivationAt {
			t = e.n.DeactivationAt
			if m.lapsed(e) {
				t = time.Time{} // as at Now: no date
			}
		}
		hits = append(hits, keyed{none: f.Sort == numbers.SortDeactivationAt && t.IsZero(), sec: t.Unix(), nsec: int32(t.Nanosecond()), n: e.n})
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
		if c := cmp.Compare(a.sec, b.sec); c != 0 {
			return sg * c
		}
		return sg * cmp.Compare(a.nsec, b.nsec)
	})
	for _, h := range hits {
		p.take(h.n)
	}
}

// pager takes the matches in order, counting all and copying the page: the
// page starts offset matches after the cursor (after reports whether a
// number is at or before it) or, without one, at the first match.
type pager struct {
	offset, limit, countLimit int
	after                     func(*numbers.Number) bool
	total                     int // matches taken
	pos                       int // matches taken after the cursor
	out                       []*numbers.Number
}

func (p *pager) take(n *numbers.Number) {
	p.total++
	if p.after != nil && p.after(n) {
		return
	}
	if p.pos >= p.offset && (p.limit == 0 || p.pos < p.offset+p.limit) {
		p.out = append(p.out, n.Clone())
	}
	p.pos++
}

func (p *pager) takeAll(ns []*numbers.Number) {
	for _, n := range ns {
		p.take(n)
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
	due        bool
	dueBefore  time.Time
	now        time.Time // Filter.Now: zero for the stored states
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
		dueBefore:  f.DueBefore.Round(0), // wall clock: see FindNumbers
		now:        f.Now.Round(0),
	}
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
func (m *matcher) byStateOnly() bool {
	return len(m.usageTypes) == 0 && m.holder == "" && !m.unassigned && m.prefix == "" && m.extension == "" && m.digits == "" && !m.due
}

// pendingRank and inactiveRank are the ranks of those states.
var (
	pendingRank  = statusRank(numbers.StatusDeactivationPending)
	inactiveRank = statusRank(numbers.StatusInactive)
)

// lapsed reports whether e's number is stored as pending but inactive at
// the filter's Now (numbers.Number.Due).
func (m *matcher) lapsed(e entry) bool {
	return !m.now.IsZero() && e.rank == pendingRank && e.n.Due(m.now)
}

// rank returns the rank of e's state as the filter sees it.
func (m *matcher) rank(e entry) uint8 {
	if m.lapsed(e) {
		return inactiveRank
	}
	return e.rank
}

func (m *matcher) match(e entry) bool {
	n, lapsed := e.n, m.lapsed(e)
	if m.due && (e.rank != pendingRank || n.DeactivationAt.After(m.dueBefore)) {
		return false // DueBefore compares the stored states
	}
	rank, usage, holders := e.rank, n.UsageType, n.Holders
	if lapsed { // as numbers.Number.At makes it
		rank, usage, holders = inactiveRank, routing.UsageVoice, nil
	}
	if m.ranks&(1<<rank) == 0 {
		return false
	}
	if rank == unknownRank && len(m.statuses) > 0 && !slices.Contains(m.statuses, n.Status) {
		return false
	}
	if len(m.usageTypes) > 0 && !slices.Contains(m.usageTypes, usage) {
		return false
	}
	if m.holder != "" && !slices.Contains(holders, m.holder) {
		return false
	}
	if m.unassigned && len(holders) > 0 {
		return false
	}
	if m.prefix != "" && !strings.HasPrefix(n.E164, m.prefix) || m.extension != "" && n.Extension != m.extension {
		return false
	}
	if m.digits != "" && !strings.Contains(strings.TrimPrefix(n.E164, "+"), m.digits) {
		return false
	}
	return true
}

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

// compareFunc returns the full comparison of f's order: Sort, then E.164;
// Desc reverses both, except that a missing DeactivationAt goes last either
// way. With f.Now the numbers compare as they are at Now. f.Sort is valid.
// Instants compare by their wall clock.
func compareFunc(f numbers.Filter) func(a, b *numbers.Number) int {
	sg := sign(f.Desc)
	now := f.Now.Round(0)
	at := func(n *numbers.Number) *numbers.Number {
		if now.IsZero() {
			return n
		}
		return n.At(now)
	}
	return func(a, b *numbers.Number) int {
		var c int
		switch f.Sort {
		case numbers.SortStatus:
			a, b = at(a), at(b)
			c = cmp.Compare(statusRank(a.Status), statusRank(b.Status))
			if c == 0 {
				c = strings.Compare(string(a.Status), string(b.Status))
			}
		case numbers.SortCreated:
			c = compareWall(a.CreatedAt, b.CreatedAt)
		case numbers.SortDeactivationAt:
			a, b = at(a), at(b)
			if az, bz := a.DeactivationAt.IsZero(), b.DeactivationAt.IsZero(); az != bz {
				if az {
					return 1
				}
				return -1
			}
			c = compareWall(a.DeactivationAt, b.DeactivationAt)
		}
		if c == 0 {
			c = strings.Compare(a.E164, b.E164)
		}
		return sg * c
	}
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

package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// The tests of the indexes (index.go): a model test of FindNumbers over trees
// of several levels under random writes and rolled back transactions, and
// tests that count what a read or a write touches instead of timing it.

var ixT0 = time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC)

// ixStatuses are the states the tests store: the four of the lifecycle and
// one the store does not know (ordered last, by name).
var ixStatuses = []numbers.Status{numbers.StatusNew, numbers.StatusActive, numbers.StatusDeactivationPending,
	numbers.StatusInactive, "reserved"}

// ixTimes are the instants of DeactivationAt, Now and DueBefore: ties, one
// microsecond apart, zero.
var ixTimes = []time.Time{{}, ixT0.AddDate(0, 0, -2), ixT0, ixT0.AddDate(0, 0, 1), ixT0.AddDate(0, 0, 1).Add(time.Microsecond), ixT0.AddDate(0, 1, 0)}

var ixStaff = []numberdesk.StaffID{numberdesk.NewStaffID(), numberdesk.NewStaffID(), numberdesk.NewStaffID()}

// ixModel is a store under test and what it must hold.
type ixModel struct {
	t      *testing.T
	rng    *rand.Rand
	s      *Store
	tenant numberdesk.TenantID
	byID   map[numberdesk.NumberID]*numbers.Number // committed, as stored
	e164s  map[string]bool
	sorted []numberdesk.NumberID // the keys of byID, sorted (cache of ids)
}

func newIxModel(t *testing.T, seed uint64) *ixModel {
	return &ixModel{t: t, rng: rand.New(rand.NewPCG(seed, 7)), s: New(), tenant: numberdesk.NewTenantID(),
		byID: map[numberdesk.NumberID]*numbers.Number{}, e164s: map[string]bool{}}
}

// ids returns the model's IDs in a stable order (a run is repeatable).
func (m *ixModel) ids() []numberdesk.NumberID {
	if len(m.sorted) != len(m.byID) {
		m.sorted = slices.Sorted(maps.Keys(m.byID))
	}
	return m.sorted
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// freshE164 returns an E.164 the tenant does not have and that is not in taken.
func (m *ixModel) freshE164(taken map[string]bool) string {
	for {
		e := fmt.Sprintf("+4989%07d", m.rng.IntN(10_000_000))
		if !m.e164s[e] && !taken[e] {
			taken[e] = true
			return e
		}
	}
}

// randomize gives n a random state, date, usage type, extension and
// holders.
func (m *ixModel) randomize(n *numbers.Number) {
	n.Status = pick(m.rng, ixStatuses)
	n.Extension = pick(m.rng, []string{"", "", "1", "2", "15"})
	n.DeactivationAt = time.Time{}
	if n.Status == numbers.StatusDeactivationPending || m.rng.IntN(10) == 0 { // a stale date on another state
		n.DeactivationAt = pick(m.rng, ixTimes)
	}
	n.UsageType = pick(m.rng, routing.UsageTypes)
	n.Holders = nil
	for _, id := range ixStaff {
		if m.rng.IntN(3) == 0 {
			n.Holders = append(n.Holders, id)
		}
	}
}

func (m *ixModel) newBlock(k int, taken map[string]bool) []*numbers.Number {
	ns := make([]*numbers.Number, k)
	for i := range ns {
		n := &numbers.Number{ID: numberdesk.NewNumberID(), Tenant: m.tenant, E164: m.freshE164(taken), Origin: numbers.OriginNew,
			CreatedAt: ixT0.Add(time.Duration(m.rng.IntN(5)) * time.Hour)}
		m.randomize(n)
		ns[i] = n
	}
	return ns
}

// changes returns changed copies of k distinct stored numbers, some with a new
// E.164, two perhaps with their E.164s swapped.
func (m *ixModel) changes(k int, taken map[string]bool) []*numbers.Number {
	ids := slices.Clone(m.ids())
	m.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	var ns []*numbers.Number
	for _, id := range ids[:min(k, len(ids))] {
		n := m.byID[id].Clone()
		m.randomize(n)
		if m.rng.IntN(4) == 0 {
			n.E164 = m.freshE164(taken)
		}
		ns = append(ns, n)
	}
	if len(ns) >= 2 && m.rng.IntN(3) == 0 {
		ns[0].E164, ns[1].E164 = ns[1].E164, ns[0].E164
	}
	return ns
}

// commit records successful writes of ns in the model.
func (m *ixModel) commit(ns []*numbers.Number) {
	for _, n := range ns {
		if old := m.byID[n.ID]; old != nil {
			delete(m.e164s, old.E164)
		}
	}
	for _, n := range ns {
		m.byID[n.ID] = n.Clone()
		m.e164s[n.E164] = true
	}
}

var errIxRollback = errors.New("roll back")

// step makes one random write (or a transaction of several) and commits what
// must stay in the model.
func (m *ixModel) step() {
	t, ctx := m.t, context.Background()
	switch op := m.rng.IntN(10); {
	case op < 3 || len(m.byID) < 200: // a block
		ns := m.newBlock(1+m.rng.IntN(150), map[string]bool{})
		if err := m.s.CreateNumbers(ctx, ns...); err != nil {
			t.Fatal(err)
		}
		m.commit(ns)
	case op < 4: // a block with a duplicate fails as a whole
		ns := m.newBlock(1+m.rng.IntN(30), map[string]bool{})
		ns[m.rng.IntN(len(ns))].E164 = m.byID[pick(m.rng, m.ids())].E164
		if err := m.s.CreateNumbers(ctx, ns...); numberdesk.ErrorCode(err) != numberdesk.CodeConflict {
			t.Fatalf("a duplicate E.164: %v", err)
		}
	case op < 7: // an update
		ns := m.changes(1+m.rng.IntN(40), map[string]bool{})
		if err := m.s.UpdateNumbers(ctx, ns...); err != nil {
			t.Fatal(err)
		}
		m.commit(ns)
	case op < 8: // everything rolled back
		err := m.s.InTx(ctx, func(ctx context.Context) error {
			taken := map[string]bool{}
			if err := m.s.CreateNumbers(ctx, m.newBlock(1+m.rng.IntN(100), taken)...); err != nil {
				t.Fatal(err)
			}
			if err := m.s.UpdateNumbers(ctx, m.changes(1+m.rng.IntN(40), taken)...); err != nil {
				t.Fatal(err)
			}
			return errIxRollback
		})
		if !errors.Is(err, errIxRollback) {
			t.Fatal(err)
		}
	default: // a transaction whose savepoint is rolled back
		var kept []*numbers.Number
		err := m.s.InTx(ctx, func(ctx context.Context) error {
			taken := map[string]bool{}
			kept = m.changes(1+m.rng.IntN(20), taken)
			if err := m.s.UpdateNumbers(ctx, kept...); err != nil {
				t.Fatal(err)
			}
			for _, n := range kept {
				m.byID[n.ID] = n // what the savepoint changes next
			}
			changed := m.changes(1+m.rng.IntN(20), taken)
			err := m.s.InTx(ctx, func(ctx context.Context) error {
				if err := m.s.UpdateNumbers(ctx, changed...); err != nil {
					t.Fatal(err)
				}
				if err := m.s.CreateNumbers(ctx, m.newBlock(1+m.rng.IntN(100), taken)...); err != nil {
					t.Fatal(err)
				}
				return errIxRollback
			})
			if !errors.Is(err, errIxRollback) {
				t.Fatal(err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range kept {
			delete(m.byID, n.ID) // commit compares with the old E.164s
		}
		m.e164s = map[string]bool{}
		for _, n := range m.byID {
			m.e164s[n.E164] = true
		}
		m.commit(kept)
	}
}

// checkIndexes fails unless the tenant's map, trees and counts hold exactly
// the model's numbers.
func (m *ixModel) checkIndexes() {
	t := m.t
	t.Helper()
	sp := m.s.spaces[m.tenant]
	if len(sp.ids) != len(m.byID) {
		t.Fatalf("%d numbers stored, want %d", len(sp.ids), len(m.byID))
	}
	// The stored numbers, each with its slot: the trees must hold exactly
	// these slots.
	type stored struct {
		at slot
		n  *numbers.Number
	}
	var want, wantDue, wantExt []stored
	var counts [unknownRank + 1]int
	for id, n := range m.byID {
		at, ok := sp.find(id)
		var got *numbers.Number
		if ok {
			got = sp.number(at)
		}
		if got == nil || got.E164 != n.E164 || got.Status != n.Status || got.Version != n.Version || !got.DeactivationAt.Equal(n.DeactivationAt) || got.Extension != n.Extension {
			t.Fatalf("number %s stored as %+v, want %+v", id, got, n)
		}
		want = append(want, stored{at, got})
		counts[statusRank(n.Status)]++
		if n.Status == numbers.StatusDeactivationPending {
			wantDue = append(wantDue, stored{at, got})
		}
		if n.Extension != "" {
			wantExt = append(wantExt, stored{at, got})
		}
	}
	slices.SortFunc(wantExt, func(a, b stored) int {
		return cmp.Or(strings.Compare(a.n.Extension, b.n.Extension), strings.Compare(a.n.E164, b.n.E164))
	})
	slices.SortFunc(want, func(a, b stored) int { return strings.Compare(a.n.E164, b.n.E164) })
	slices.SortFunc(wantDue, func(a, b stored) int {
		return cmp.Or(a.n.DeactivationAt.Compare(b.n.DeactivationAt), strings.Compare(a.n.E164, b.n.E164))
	})
	slots := func(ss []stored) (out []slot) {
		for _, s := range ss {
			out = append(out, s.at)
		}
		return out
	}
	items := func(tr interface{ Items() []slot }) []slot {
		ats := tr.Items()
		for _, at := range ats {
			if n := sp.number(at); sp.recs[at].rank != statusRank(n.Status) {
				t.Fatalf("slot of %s has rank %d", n.E164, sp.recs[at].rank)
			}
		}
		return ats
	}
	if got := items(sp.order); !slices.Equal(got, slots(want)) {
		t.Fatalf("order holds %d numbers, not the %d stored in E.164 order", len(got), len(want))
	}
	if got := items(sp.due); !slices.Equal(got, slots(wantDue)) {
		t.Fatalf("due holds %d numbers, not the %d pending ones by date", len(got), len(wantDue))
	}
	if got := items(sp.ext); !slices.Equal(got, slots(wantExt)) {
		t.Fatalf("ext holds %d numbers, not the %d with an extension by extension", len(got), len(wantExt))
	}
	if sp.counts != counts {
		t.Fatalf("counts %v, want %v", sp.counts, counts)
	}
}

// reference is FindNumbers written from the contract (storetest's model),
// over the model.
func (m *ixModel) reference(f numbers.Filter) ([]numberdesk.NumberID, int) {
	hits, total := storetest.FindNumbersModel(slices.Collect(maps.Values(m.byID)), f)
	ids := make([]numberdesk.NumberID, len(hits))
	for i, n := range hits {
		ids[i] = n.ID
	}
	return ids, total
}

// randomFilter returns a filter of a few random criteria, the overview's
// (Now, states at most) more often than the others.
func (m *ixModel) randomFilter() numbers.Filter {
	var f numbers.Filter
	r := m.rng
	if r.IntN(2) == 0 {
		f.Now = pick(r, ixTimes)
	}
	if r.IntN(2) == 0 {
		for _, s := range ixStatuses {
			if r.IntN(3) == 0 {
				f.Statuses = append(f.Statuses, s)
			}
		}
	}
	switch r.IntN(12) {
	case 0:
		f.UsageTypes = []routing.UsageType{pick(r, routing.UsageTypes)}
	case 1:
		f.Holder = pick(r, ixStaff)
	case 2:
		f.Unassigned = true
	case 3:
		f.Digits = fmt.Sprint(r.IntN(100))
	case 4, 5:
		f.DueBefore = pick(r, ixTimes[1:])
	case 6:
		for _, id := range m.ids() {
			if r.IntN(len(m.byID)/8+1) == 0 {
				f.IDs = append(f.IDs, id)
			}
		}
	case 7:
		for _, id := range m.ids() {
			if r.IntN(len(m.byID)/8+1) == 0 {
				f.E164s = append(f.E164s, m.byID[id].E164)
			}
		}
		f.E164s = append(f.E164s, "+4930000000")
	case 8:
		f.Prefix = "+4989" + fmt.Sprint(r.IntN(100))
	case 9:
		f.Extension = pick(r, []string{"1", "15", "3"})
	}
	if r.IntN(4) == 0 {
		f.CountLimit = pick(r, []int{1, 5, 50, len(m.byID)})
	}
	f.Sort = pick(r, []numbers.SortKey{"", numbers.SortNumber, numbers.SortStatus, numbers.SortCreated, numbers.SortDeactivationAt})
	f.Desc = r.IntN(2) == 0
	f.Limit = pick(r, []int{0, 1, 7, 50, 50, 50})
	if ids := m.ids(); len(ids) > 0 && r.IntN(3) == 0 {
		// A cursor: a number's position, or one between numbers.
		p := f.PositionOf(m.byID[pick(r, ids)])
		if r.IntN(2) == 0 {
			p.E164 += "5"
		}
		f.After = &p
	}
	switch r.IntN(4) {
	case 0:
	case 1:
		f.Offset = r.IntN(100)
	default:
		f.Offset = r.IntN(len(m.byID) + 10)
	}
	return f
}

func (m *ixModel) checkQuery(f numbers.Filter) {
	t := m.t
	t.Helper()
	want, wantTotal := m.reference(f)
	got, total, err := m.s.FindNumbers(context.Background(), m.tenant, f)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]numberdesk.NumberID, len(got))
	for i, n := range got {
		ids[i] = n.ID
	}
	if total != wantTotal || !slices.Equal(ids, want) {
		t.Fatalf("filter %+v: total %d, want %d; page %v, want %v", f, total, wantTotal, ids, want)
	}
}

// TestIndexesFollowTheModel writes at random, also in transactions rolled
// back whole or to a savepoint, into a tenant large enough for trees of
// several levels, and compares the indexes and random reads with the model
// after every step.
func TestIndexesFollowTheModel(t *testing.T) {
	steps, queries := 80, 10
	if testing.Short() {
		steps = 50
	}
	for seed := range uint64(2) {
		m := newIxModel(t, seed)
		for range steps {
			m.step()
			m.checkIndexes()
			for range queries {
				m.checkQuery(m.randomFilter())
			}
		}
		if h := m.s.spaces[m.tenant].order.Height(); h < 2 {
			t.Fatalf("the order tree has %d levels; the test needs several", h)
		}
		// A snapshot restores the same indexes.
		data, err := m.s.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if m.s, err = Restore(data); err != nil {
			t.Fatal(err)
		}
		m.checkIndexes()
		for range queries {
			m.checkQuery(m.randomFilter())
		}
	}
}

package memstore

import (
	"math"
	"strings"

	"github.com/tidwall/btree"
)

// ---------------------------------------------------------------------------
// The layout of a tenant's numbers
//
// A space keeps its numbers in a form the garbage collector does not scan:
// stored as *numbers.Number (a struct of 18 pointer words, ~560 bytes of
// pointer-rich heap per number), a tenant of a million numbers made every
// collection cycle mark over half a gigabyte, and the overview's constant
// work slowed with the tenant. Instead (slab.go):
//
//   - recs, the slab, holds one rec per number: fixed size, no pointers
//     (ID as a numberKey, Version, state rank, instants, the place of its
//     strings). A number keeps its slot for its life; the slots of numbers
//     whose insert was rolled back are listed in free and reused.
//   - arena holds the numbers' strings, each number's together: E.164,
//     extension, base, origin, state, usage type, billing line, holders and
//     options, each with its length. Bytes once written never change: a
//     write appends the number's new strings and counts the old ones as dead
//     (space.dead); when the arena is full, the live ones move to a new arena
//     1.5 times their size (space.reserve). Reads compare and filter on views
//     of the arena, without copying (space.view).
//   - An instant is its Unix seconds and nanoseconds and the index of its
//     *time.Location in zones (zones[0] is UTC).
//   - ids maps each ID (the UUID's 16 bytes and its case) to its slot.
//
// A read returns new copies (space.number): all strings of a number in one
// allocation. A write encodes the number given into its slot; the undo log
// keeps the numbers as they were (copies) and writes them back.
//
// The indexes are B-trees of slots (github.com/tidwall/btree: generic,
// counted, no dependencies); their orders read the keys from the slab and
// the arena:
//
//   - order holds every number, ordered by E.164 (unique in the tenant). It
//     is the overview's default order, the E.164 lookup, and, since its nodes
//     count their items, positions: the page at an offset is found in
//     O(log n), not by skipping offset numbers.
//   - ext holds the numbers of blocks (with an extension), ordered by
//     extension, then E.164: the search by extension reads its matches
//     only, in E.164 order.
//   - due holds the numbers stored as deactivation_pending, ordered by
//     DeactivationAt (wall clock; zero first), then E.164. ApplyDue's read
//     (Filter.DueBefore) walks it from the start and stops at the first
//     number not yet due: O(due + log n); when nothing is due it reads that
//     one number only. The lapse of deactivations for Filter.Now is counted
//     the same way.
//
// A search by a key that is not a stored number's (an E.164, a prefix, a
// cursor) puts the key in space.probe and compares the slot probe, which
// stands for it; probeMu guards the probe, since reads share the read lock,
// while a tree finds the first item not less than the key (space.seek); the
// walk on from that item compares stored items only.
//
// counts holds the number of stored numbers per state rank, so that the total
// of a page filtered by state at most is known without a scan, and the page
// read stops at its end.
//
// A write unindexes a number while its slot still holds the old values, then
// rewrites the slot and indexes it anew; each insert, update or delete is
// O(log n) per tree, a block of k numbers O(k log n).

// probe is the slot that stands for space.probe in the trees' orders.
const probe = slot(math.MaxUint32)

// probeKey is the key of a search: what the orders of order and ext read
// for the slot probe. due is never searched by key.
type probeKey struct {
	e164, ext string
}

// e164 returns the E.164 of the number in slot s, or the probe's.
func (sp *space) e164(s slot) string {
	if s == probe {
		return sp.probe.e164
	}
	e, _ := nextString(sp.chunk(&sp.recs[s]))
	return e
}

// extension returns the extension of the number in slot s, or the probe's.
func (sp *space) extension(s slot) string {
	if s == probe {
		return sp.probe.ext
	}
	_, rest := nextString(sp.chunk(&sp.recs[s]))
	ext, _ := nextString(rest)
	return ext
}

// lessE164, lessExt and lessDue are the orders of space.order, space.ext and
// space.due. They are variables only so that a test can count the
// comparisons (complexity_test.go); a tree keeps the function it was made
// with.
var (
	lessE164 = func(sp *space, a, b slot) bool { return sp.e164(a) < sp.e164(b) }
	lessExt  = func(sp *space, a, b slot) bool {
		if ea, eb := sp.extension(a), sp.extension(b); ea != eb {
			return ea < eb
		}
		return sp.e164(a) < sp.e164(b)
	}
	lessDue = func(sp *space, a, b slot) bool {
		if c := sp.recs[a].times[tDeactivation].compare(sp.recs[b].times[tDeactivation]); c != 0 {
			return c < 0
		}
		return sp.e164(a) < sp.e164(b)
	}
)

// newTree returns an empty tree of sp's slots in the order less. The Store's
// lock guards it, so the tree takes none of its own; reads never change a
// tree, so they may share the read lock.
func newTree(sp *space, less func(sp *space, a, b slot) bool) *btree.BTreeG[slot] {
	return btree.NewBTreeGOptions(func(a, b slot) bool { return less(sp, a, b) }, btree.Options{NoLocks: true})
}

// byE164 returns the slot of the tenant's number with E.164 e164.
func (sp *space) byE164(e164 string) (slot, bool) {
	sp.probeMu.Lock()
	defer sp.probeMu.Unlock()
	sp.probe = probeKey{e164: e164}
	s, ok := sp.order.Get(probe)
	sp.probe = probeKey{}
	return s, ok
}

// index adds the number in slot s to the trees and counts (not to ids);
// with keepOrder its entry is in order already (its E.164 did not change).
func (sp *space) index(s slot, hint *btree.PathHint, keepOrder bool) {
	r := &sp.recs[s]
	if !keepOrder {
		sp.order.SetHint(s, hint)
	}
	sp.counts[r.rank]++
	if r.rank == pendingRank {
		sp.due.Set(s)
	}
	if sp.extension(s) != "" {
		sp.ext.Set(s)
	}
}

// unindex removes the number in slot s from the trees and counts, while the
// slot holds what index read; with keepOrder its entry stays in order (its
// E.164 does not change: the slot is rewritten and indexed with keepOrder).
func (sp *space) unindex(s slot, keepOrder bool) {
	r := &sp.recs[s]
	if !keepOrder {
		sp.order.Delete(s)
	}
	sp.counts[r.rank]--
	if r.rank == pendingRank {
		sp.due.Delete(s)
	}
	if sp.extension(s) != "" {
		sp.ext.Delete(s)
	}
}

// seek calls yield with the items of tr from the first one not less than
// key on (desc: from the last one not greater than key, backwards), until
// yield returns false: what Ascend and Descend do for a stored item. Only
// finding that first item compares with the probe, under probeMu; the walk
// from it is Ascend's or Descend's.
func (sp *space) seek(tr *btree.BTreeG[slot], key probeKey, desc bool, yield func(slot) bool) {
	it := tr.Iter()
	sp.probeMu.Lock()
	sp.probe = key
	ok := it.Seek(probe)
	if desc {
		if !ok {
			ok = it.Last()
		} else if tr.Less(probe, it.Item()) {
			ok = it.Prev()
		}
	}
	sp.probe = probeKey{}
	sp.probeMu.Unlock()
	first := it.Item()
	it.Release()
	switch {
	case !ok:
	case desc:
		tr.Descend(first, yield)
	default:
		tr.Ascend(first, yield)
	}
}

// each calls yield with the tenant's slots in E.164 order (reversed for
// desc), from position from on, until yield returns false, and counts them
// in *visits. Finding the position is O(log n).
func (sp *space) each(desc bool, from int, visits *int, yield func(slot) bool) {
	y := func(s slot) bool {
		*visits++
		return yield(s)
	}
	switch {
	case from >= sp.order.Len():
	case desc && from == 0:
		sp.order.Reverse(y)
	case desc:
		pivot, _ := sp.order.GetAt(sp.order.Len() - 1 - from)
		sp.order.Descend(pivot, y)
	case from == 0:
		sp.order.Scan(y)
	default:
		pivot, _ := sp.order.GetAt(from)
		sp.order.Ascend(pivot, y)
	}
}

// eachDue calls yield with the slots of the pending numbers whose
// DeactivationAt is not after at (wall clock), earliest first, until yield
// returns false, and counts the slots it reads in *visits: those, and the
// first one not due, where it stops.
func (sp *space) eachDue(at instant, visits *int, yield func(slot) bool) {
	sp.due.Scan(func(s slot) bool {
		*visits++
		return sp.recs[s].times[tDeactivation].compare(at) <= 0 && yield(s)
	})
}

// walk calls yield with the slots whose E.164 starts with prefix, in E.164
// order (reversed for desc), from the E.164 from on (inclusive; "": from the
// first), until yield returns false, and counts them in *visits. Finding
// the start is O(log n); the walk stops at the end of the prefix's range.
func (sp *space) walk(desc bool, prefix, from string, visits *int, yield func(slot) bool) {
	y := func(s slot) bool {
		if !strings.HasPrefix(sp.e164(s), prefix) {
			return false
		}
		*visits++
		return yield(s)
	}
	if desc {
		// Every E.164 with the prefix sorts before prefix + "\xff".
		if from == "" || from > prefix+"\xff" {
			from = prefix + "\xff"
		}
		sp.seek(sp.order, probeKey{e164: from}, true, y)
		return
	}
	sp.seek(sp.order, probeKey{e164: max(from, prefix)}, false, y)
}

// walkExt calls yield with the slots of the numbers with extension ext,
// in E.164 order (reversed for desc), from the E.164 from on (inclusive;
// "": from the first), until yield returns false, and counts them in
// *visits.
func (sp *space) walkExt(ext string, desc bool, from string, visits *int, yield func(slot) bool) {
	y := func(s slot) bool {
		if sp.extension(s) != ext {
			return false
		}
		*visits++
		return yield(s)
	}
	if desc && from == "" {
		from = "\xff"
	}
	sp.seek(sp.ext, probeKey{ext: ext, e164: from}, desc, y)
}

package memstore

import (
	"cmp"
	"strings"
	"time"

	"github.com/tidwall/btree"

	"github.com/numberdesk/numberdesk/numbers"
)

// ---------------------------------------------------------------------------
// The indexes of a tenant's numbers
//
// Besides the map from ID to number, a space keeps two B-trees of entries
// (github.com/tidwall/btree: generic, counted, no dependencies):
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
// counts holds the number of stored numbers per state rank, so that the total
// of a page filtered by state at most is known without a scan, and the page
// read stops at its end.
//
// A write replaces a stored number by a fresh copy; both trees are keyed by
// fields of the stored number, which never changes in place, so removing the
// entry of the old copy finds exactly it. Each insert, update or delete is
// O(log n) per tree; a block of k numbers is O(k log n).

// entry is an element of the trees. It repeats the rank of the number's
// status (see statusOrder) so that the most common filter and sort are decided
// without following the pointer.
type entry struct {
	n    *numbers.Number
	rank uint8
}

func entryOf(n *numbers.Number) entry { return entry{n: n, rank: statusRank(n.Status)} }

// lessE164 and lessDue are the orders of space.order and space.due. They are
// variables only so that a test can count the comparisons (export_test.go);
// a tree keeps the function it was made with.
var (
	lessE164 = func(a, b entry) bool { return a.n.E164 < b.n.E164 }
	lessExt  = func(a, b entry) bool {
		if a.n.Extension != b.n.Extension {
			return a.n.Extension < b.n.Extension
		}
		return a.n.E164 < b.n.E164
	}
	lessDue = func(a, b entry) bool {
		if c := compareWall(a.n.DeactivationAt, b.n.DeactivationAt); c != 0 {
			return c < 0
		}
		return a.n.E164 < b.n.E164
	}
)

// compareWall compares two instants by their wall clock, ignoring monotonic
// clock readings (which mean nothing to stored data).
func compareWall(a, b time.Time) int {
	return cmp.Or(cmp.Compare(a.Unix(), b.Unix()), cmp.Compare(a.Nanosecond(), b.Nanosecond()))
}

// newTree returns an empty tree. The Store's lock guards it, so the tree
// takes none of its own; reads never change a tree, so they may share the
// read lock.
func newTree(less func(a, b entry) bool) *btree.BTreeG[entry] {
	return btree.NewBTreeGOptions(less, btree.Options{NoLocks: true})
}

// byE164 returns the tenant's number with the E.164 of key.
func (sp *space) byE164(key *numbers.Number) (*numbers.Number, bool) {
	e, ok := sp.order.Get(entry{n: key})
	return e.n, ok
}

// index adds the stored number n to the trees and counts (not to the map).
func (sp *space) index(n *numbers.Number, hint *btree.PathHint) {
	e := entryOf(n)
	sp.order.SetHint(e, hint)
	sp.counts[e.rank]++
	if e.rank == pendingRank {
		sp.due.Set(e)
	}
	if n.Extension != "" {
		sp.ext.Set(e)
	}
}

// unindex removes the stored number n from the trees and counts; with
// keepOrder its entry stays in order (it is replaced there in place).
func (sp *space) unindex(n *numbers.Number, keepOrder bool) {
	e := entryOf(n)
	if !keepOrder {
		sp.order.Delete(e)
	}
	sp.counts[e.rank]--
	if e.rank == pendingRank {
		sp.due.Delete(e)
	}
	if n.Extension != "" {
		sp.ext.Delete(e)
	}
}

// each calls yield with the tenant's entries in E.164 order (reversed for
// desc), from position from on, until yield returns false, and counts them
// in *visits. Finding the position is O(log n).
func (sp *space) each(desc bool, from int, visits *int, yield func(entry) bool) {
	y := func(e entry) bool {
		*visits++
		return yield(e)
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

// eachDue calls yield with the entries of the pending numbers whose
// DeactivationAt is not after at (wall clock), earliest first, until yield
// returns false, and counts the entries it reads in *visits: those, and the
// first one not due, where it stops.
func (sp *space) eachDue(at time.Time, visits *int, yield func(entry) bool) {
	sp.due.Scan(func(e entry) bool {
		*visits++
		return compareWall(e.n.DeactivationAt, at) <= 0 && yield(e)
	})
}

// walk calls yield with the entries whose E.164 starts with prefix, in E.164
// order (reversed for desc), from the E.164 from on (inclusive; "": from the
// first), until yield returns false, and counts them in *visits. Finding
// the start is O(log n); the walk stops at the end of the prefix's range.
func (sp *space) walk(desc bool, prefix, from string, visits *int, yield func(entry) bool) {
	y := func(e entry) bool {
		if !strings.HasPrefix(e.n.E164, prefix) {
			return false
		}
		*visits++
		return yield(e)
	}
	if desc {
		// Every E.164 with the prefix sorts before prefix + "\xff".
		if from == "" || from > prefix+"\xff" {
			from = prefix + "\xff"
		}
		sp.order.Descend(entry{n: &numbers.Number{E164: from}}, y)
		return
	}
	sp.order.Ascend(entry{n: &numbers.Number{E164: max(from, prefix)}}, y)
}

// walkExt calls yield with the entries of the numbers with extension ext,
// in E.164 order (reversed for desc), from the E.164 from on (inclusive;
// "": from the first), until yield returns false, and counts them in
// *visits.
func (sp *space) walkExt(ext string, desc bool, from string, visits *int, yield func(entry) bool) {
	y := func(e entry) bool {
		if e.n.Extension != ext {
			return false
		}
		*visits++
		return yield(e)
	}
	if desc {
		if from == "" {
			from = "\xff"
		}
		sp.ext.Descend(entry{n: &numbers.Number{Extension: ext, E164: from}}, y)
		return
	}
	sp.ext.Ascend(entry{n: &numbers.Number{Extension: ext, E164: from}}, y)
}

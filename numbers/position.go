package numbers

import (
	"cmp"
	"strings"
	"time"
)

// Position is a place in the order of a Filter: the sort values of a number
// as it is at Filter.Now. Filter.After starts a page after a position (keyset
// paging): the next page begins after the last number of the previous one
// wherever that now stands, so numbers inserted or removed meanwhile neither
// repeat nor skip a number (as an offset would).
type Position struct {
	E164 string
	// Status is the state, for SortStatus.
	Status Status
	// At is CreatedAt for SortCreated and DeactivationAt for
	// SortDeactivationAt (zero: none); only its wall clock counts.
	At time.Time
}

// PositionOf returns n's position in f's order, n as it is at f.Now.
func (f Filter) PositionOf(n *Number) Position {
	if !f.Now.IsZero() {
		n = n.At(f.Now)
	}
	p := Position{E164: n.E164}
	switch f.Sort {
	case SortStatus:
		p.Status = n.Status
	case SortCreated:
		p.At = n.CreatedAt
	case SortDeactivationAt:
		p.At = n.DeactivationAt
	}
	return p
}

// ComparePositions compares a and b in f's order: by the sort key, then by
// E.164, both reversed for Desc; states in lifecycle order (Statuses), an
// unknown state after them by name; a zero CreatedAt first, a zero
// DeactivationAt last in both directions. It is the order every Store's
// FindNumbers returns.
func (f Filter) ComparePositions(a, b Position) int {
	sign := 1
	if f.Desc {
		sign = -1
	}
	var c int
	switch f.Sort {
	case SortStatus:
		c = cmp.Or(cmp.Compare(a.Status.rank(), b.Status.rank()), strings.Compare(string(a.Status), string(b.Status)))
	case SortCreated:
		c = compareWall(a.At, b.At)
	case SortDeactivationAt:
		if az, bz := a.At.IsZero(), b.At.IsZero(); az != bz {
			if az {
				return 1 // no date: last in both directions
			}
			return -1
		}
		c = compareWall(a.At, b.At)
	}
	return sign * cmp.Or(c, strings.Compare(a.E164, b.E164))
}

// Compare compares the numbers a and b in f's order (ComparePositions).
func (f Filter) Compare(a, b *Number) int {
	return f.ComparePositions(f.PositionOf(a), f.PositionOf(b))
}

// rank is s's place in Statuses; an unknown state ranks after them.
func (s Status) rank() int {
	for i, o := range Statuses {
		if s == o {
			return i
		}
	}
	return len(Statuses)
}

// compareWall compares two instants by their wall clock, ignoring monotonic
// clock readings (which mean nothing to stored data).
func compareWall(a, b time.Time) int {
	return cmp.Or(cmp.Compare(a.Unix(), b.Unix()), cmp.Compare(a.Nanosecond(), b.Nanosecond()))
}

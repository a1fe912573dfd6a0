package memstore

import (
	"encoding/binary"
	"strings"
	"time"
	"unsafe"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// ---------------------------------------------------------------------------
// The stored form of a number (see "The layout of a tenant's numbers" in
// index.go): a rec in the space's slab, its strings in the space's arena.
// Nothing here holds a pointer, so the garbage collector scans none of it.

// slot is the place of a number in its space's slab (space.recs).
type slot uint32

// rec is a stored number. Its strings are in the arena, its instants without
// their *time.Location (an index in space.zones), its ID a numberKey.
type rec struct {
	id      numberKey
	size    uint32 // its strings are arena[off : off+size]; 0: a free slot
	off     int
	version int64
	times   [timeFields]instant
	rank    uint8 // statusRank(Status), so that most filters need no strings
}

// The instants of a number, by their index in rec.times.
const (
	tPorting = iota
	tHoldersSince
	tBilledSince
	tDeactivation
	tCreated
	tUpdated
	timeFields
)

// put stores n in slot s, with ID key k and Version version: its strings
// are appended to the arena (encode) and the slot's old ones, if any, count
// as dead.
//
// The bytes of the arena up to its length never change: a rewritten
// number's strings are appended anew, and compact copies the live ones to a
// new arena. So a view of the arena (space.chunk) stays valid while the
// Store's lock is held, and after.
func (sp *space) put(s slot, k numberKey, n *numbers.Number, version int64) {
	var buf [256]byte
	c := encode(buf[:0], n)
	sp.dead += int(sp.recs[s].size)
	sp.recs[s].size = 0 // not live for compact
	sp.reserve(len(c))
	off := len(sp.arena)
	sp.arena = append(sp.arena, c...)
	sp.recs[s] = rec{id: k, size: uint32(len(c)), off: off, version: version, rank: statusRank(n.Status),
		times: [timeFields]instant{
			tPorting:      sp.instantOf(n.PortingDate),
			tHoldersSince: sp.instantOf(n.HoldersSince),
			tBilledSince:  sp.instantOf(n.BilledSince),
			tDeactivation: sp.instantOf(n.DeactivationAt),
			tCreated:      sp.instantOf(n.CreatedAt),
			tUpdated:      sp.instantOf(n.UpdatedAt),
		}}
}

// encode appends the strings of n to a, each as its length (uvarint) and
// its bytes, in this order: E164, Extension, Base, Origin, Status,
// UsageType, BillingLine, then Holders and Options as lists (appendList).
func encode(a []byte, n *numbers.Number) []byte {
	for _, f := range [...]string{n.E164, n.Extension, n.Base, string(n.Origin), string(n.Status), string(n.UsageType), n.BillingLine} {
		a = appendString(a, f)
	}
	a = appendList(a, n.Holders)
	return appendList(a, n.Options)
}

func appendString(a []byte, s string) []byte {
	return append(binary.AppendUvarint(a, uint64(len(s))), s...)
}

// appendList appends a list: its length plus one (0: a nil slice, which a
// read gives back as nil, as it gives back an empty one as empty), then its
// strings.
func appendList[S ~string](a []byte, xs []S) []byte {
	if xs == nil {
		return append(a, 0)
	}
	a = binary.AppendUvarint(a, uint64(len(xs))+1)
	for _, x := range xs {
		a = appendString(a, string(x))
	}
	return a
}

// alloc returns a free slot for put.
func (sp *space) alloc() slot {
	if k := len(sp.free); k > 0 {
		s := sp.free[k-1]
		sp.free = sp.free[:k-1]
		return s
	}
	sp.recs = append(sp.recs, rec{})
	return slot(len(sp.recs) - 1)
}

// release frees slot s; its strings become dead.
func (sp *space) release(s slot) {
	sp.dead += int(sp.recs[s].size)
	sp.recs[s] = rec{}
	sp.free = append(sp.free, s)
}

// reserve makes room for n more bytes at the end of the arena. When it is
// full, the live strings move to a new arena with room for half as many
// more (and n): so the arena stays within 1.5 times the live strings, and a
// move, which copies the live strings, comes after as many bytes as half of
// them were written: O(1) per byte written.
func (sp *space) reserve(n int) {
	if len(sp.arena)+n > cap(sp.arena) {
		live := len(sp.arena) - sp.dead
		sp.compact(max(live+live/2+n, minArena))
	}
}

// minArena is the least capacity of an arena.
const minArena = 1 << 10

// compact copies the live strings to a new arena of capacity size. Views of
// the old arena stay valid.
func (sp *space) compact(size int) {
	arena := make([]byte, 0, size)
	if sp.dead == 0 {
		sp.arena = append(arena, sp.arena...)
		return
	}
	for i := range sp.recs {
		r := &sp.recs[i]
		if r.size == 0 {
			continue
		}
		off := len(arena)
		arena = append(arena, sp.arena[r.off:r.off+int(r.size)]...)
		r.off = off
	}
	sp.arena, sp.dead = arena, 0
}

// chunk returns the strings of r as a view of the arena, without copying
// (see put: the bytes never change).
func (sp *space) chunk(r *rec) string {
	if r.size == 0 {
		return ""
	}
	return unsafe.String(&sp.arena[r.off], int(r.size))
}

// fields are the strings of a stored number, views of one string (the
// arena's or a materialized number's).
type fields struct {
	e164, ext, base, origin, status, usage, billing string
	holders, options                                list
}

// decode reads the strings that put wrote.
func decode(c string) (f fields) {
	for _, p := range [...]*string{&f.e164, &f.ext, &f.base, &f.origin, &f.status, &f.usage, &f.billing} {
		*p, c = nextString(c)
	}
	f.holders, c = nextList(c)
	f.options, _ = nextList(c)
	return f
}

// nextString returns the string at the start of c and the rest of c.
func nextString(c string) (string, string) {
	if n := int(c[0]); n < 0x80 { // a length of one byte, the usual case
		return c[1 : 1+n], c[1+n:]
	}
	n, k := uvarint(c)
	return c[k : k+n], c[k+n:]
}

// nextList returns the list at the start of c and the rest of c.
func nextList(c string) (list, string) {
	n, k := uvarint(c)
	rest := c[k:]
	for range max(n-1, 0) {
		_, rest = nextString(rest)
	}
	return list(c[:len(c)-len(rest)]), rest
}

// uvarint decodes the uvarint at the start of c: its value and its length.
func uvarint(c string) (int, int) {
	var v uint64
	for i := 0; ; i++ {
		b := c[i]
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return int(v), i + 1
		}
	}
}

// list is an encoded list of strings (appendList).
type list string

// isNil reports whether the list was a nil slice.
func (l list) isNil() bool { return l[0] == 0 }

// len returns the number of strings in l.
func (l list) len() int {
	n, _ := uvarint(string(l))
	return max(n-1, 0)
}

// contains reports whether l holds s.
func (l list) contains(s string) bool {
	n, k := uvarint(string(l))
	rest := string(l[k:])
	for range max(n-1, 0) {
		var x string
		if x, rest = nextString(rest); x == s {
			return true
		}
	}
	return false
}

// slice returns the strings of l (nil for a nil list), substrings of l.
func listSlice[S ~string](l list) []S {
	if l.isNil() {
		return nil
	}
	n, k := uvarint(string(l))
	xs, rest := make([]S, n-1), string(l[k:])
	for i := range xs {
		var x string
		x, rest = nextString(rest)
		xs[i] = S(x)
	}
	return xs
}

// view returns the strings of the number in slot s as views of the arena:
// valid while the Store's lock is held, never to be returned.
func (sp *space) view(s slot) fields { return decode(sp.chunk(&sp.recs[s])) }

// number returns a new copy of the number in slot s. All its strings share
// one allocation.
func (sp *space) number(s slot) *numbers.Number {
	r := &sp.recs[s]
	var b strings.Builder
	b.Grow(idLen + int(r.size))
	b.Write(r.id.appendTo(make([]byte, 0, idLen)))
	b.WriteString(sp.chunk(r))
	text := b.String()
	f := decode(text[idLen:])
	return &numbers.Number{
		ID: numberdesk.NumberID(text[:idLen]), Tenant: sp.tenant,
		E164: f.e164, Base: f.base, Extension: f.ext, Origin: numbers.Origin(f.origin),
		PortingDate: sp.time(r.times[tPorting]), Status: numbers.Status(f.status),
		UsageType: routing.UsageType(f.usage), Holders: listSlice[numberdesk.StaffID](f.holders),
		HoldersSince: sp.time(r.times[tHoldersSince]), Options: listSlice[string](f.options),
		BillingLine: f.billing, BilledSince: sp.time(r.times[tBilledSince]),
		DeactivationAt: sp.time(r.times[tDeactivation]),
		CreatedAt:      sp.time(r.times[tCreated]), UpdatedAt: sp.time(r.times[tUpdated]),
		Version: r.version,
	}
}

// ---------------------------------------------------------------------------
// Instants

// instant is a time.Time without pointers: its wall clock (Unix seconds and
// nanoseconds, any year) and the index of its Location in space.zones. A
// monotonic clock reading is not kept: it means nothing to stored data (a
// database drops it too), and the Service stores UTC instants without one.
type instant struct {
	sec  int64
	nsec uint32
	zone uint32
}

// wallOf returns t's wall clock as an instant (zone UTC): for comparisons.
func wallOf(t time.Time) instant { return instant{sec: t.Unix(), nsec: uint32(t.Nanosecond())} }

// zeroSec is the Unix seconds of the zero time.Time.
var zeroSec = time.Time{}.Unix()

func (i instant) isZero() bool { return i.sec == zeroSec && i.nsec == 0 }

// compare compares the wall clocks of i and j (as compareWall does).
func (i instant) compare(j instant) int {
	switch {
	case i.sec != j.sec:
		return cmpSign(i.sec < j.sec)
	case i.nsec != j.nsec:
		return cmpSign(i.nsec < j.nsec)
	}
	return 0
}

func cmpSign(less bool) int {
	if less {
		return -1
	}
	return 1
}

// wall returns i as a time.Time in UTC (for comparisons: its wall clock).
func (i instant) wall() time.Time { return time.Unix(i.sec, int64(i.nsec)).UTC() }

// instantOf returns t as stored: its wall clock and its Location, added to
// space.zones if new. A Location is the one stored if it is the same
// pointer or, but for UTC and Local, has the same name and gives t the same
// zone (name and offset): so the zones time.Parse makes for every numeric
// offset it reads count once, and come back deeply equal.
func (sp *space) instantOf(t time.Time) instant {
	i := wallOf(t)
	loc := t.Location() // time.UTC for UTC
	for k, z := range sp.zones {
		if z == loc {
			i.zone = uint32(k)
			return i
		}
	}
	if loc != time.Local {
		name, offset := t.Zone()
		for k, z := range sp.zones {
			if z == time.UTC || z == time.Local || z.String() != loc.String() {
				continue
			}
			if zn, zo := t.In(z).Zone(); zn == name && zo == offset {
				i.zone = uint32(k)
				return i
			}
		}
	}
	sp.zones = append(sp.zones, loc)
	i.zone = uint32(len(sp.zones) - 1)
	return i
}

// time returns the stored instant i as a time.Time: equal (==) to the one
// stored, but for its monotonic clock reading.
func (sp *space) time(i instant) time.Time {
	return time.Unix(i.sec, int64(i.nsec)).In(sp.zones[i.zone])
}

// ---------------------------------------------------------------------------
// IDs

// idLen is the length of a number ID (numberdesk.ValidID).
const idLen = 36

// numberKey is a number ID as a map key without pointers: the 16 bytes of
// its UUID and which of its 32 hex digits are upper case, so that every ID
// numberdesk.ValidID accepts (hyphenated, hex digits of either case) has a
// key of its own and its text comes back unchanged.
type numberKey struct {
	uuid  [16]byte
	upper uint32 // bit i: hex digit i is upper case
}

// keyOf returns the key of id; false if id is not a valid ID (then no
// stored number has it).
func keyOf(id numberdesk.NumberID) (numberKey, bool) {
	var k numberKey
	if len(id) != idLen || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return k, false
	}
	for i, x := range hexPairs {
		hi, lo := hexValue[id[x]], hexValue[id[x+1]]
		if hi|lo == notHex {
			return numberKey{}, false
		}
		k.uuid[i] = hi&0xf<<4 | lo&0xf
		k.upper |= uint32(hi>>4)<<(2*i) | uint32(lo>>4)<<(2*i+1)
	}
	return k, true
}

// hexPairs are the positions of the hex digit pairs of an ID, one per byte
// of the UUID.
var hexPairs = [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// hexValue is the value of each hex digit, plus upperHex for 'A' to 'F';
// notHex for every other byte.
var hexValue = func() (t [256]byte) {
	for c := range t {
		switch {
		case '0' <= c && c <= '9':
			t[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			t[c] = byte(c-'a') + 10
		case 'A' <= c && c <= 'F':
			t[c] = byte(c-'A') + 10 | upperHex
		default:
			t[c] = notHex
		}
	}
	return t
}()

const upperHex, notHex = 0x10, 0xff

// appendTo appends the ID's text to b.
func (k numberKey) appendTo(b []byte) []byte {
	const lower, upper = "0123456789abcdef", "0123456789ABCDEF"
	var t [idLen]byte
	for i, x := range k.uuid {
		hi, lo := lower, lower
		if k.upper != 0 {
			if k.upper>>(2*i)&1 != 0 {
				hi = upper
			}
			if k.upper>>(2*i+1)&1 != 0 {
				lo = upper
			}
		}
		t[hexPairs[i]], t[hexPairs[i]+1] = hi[x>>4], lo[x&0xf]
	}
	t[8], t[13], t[18], t[23] = '-', '-', '-', '-'
	return append(b, t[:]...)
}

package sqlstore_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk/numbers"
)

// BenchmarkGrowth measures how the overview's costs grow with the tenant: one
// tenant is grown to 1,000, 10,000, 100,000 and 1,000,000 numbers (without
// -short; 100,000 with it) on memstore, SQLite and PostgreSQL, and at each
// size, through numbers.Service:
//
//   - page: the overview's first page of 50 with its total (counted up to
//     numbers.MaxTotal);
//   - next: the page after it, by cursor;
//   - prefix: a search by the start of the number that 100 numbers match;
//   - ext: a search by extension, which one number per block of 100 matches
//     (so its count grows with the tenant up to numbers.MaxTotal);
//   - provision: Provision of a block of 100 new numbers.
//
// Each figure is the median of 3 rounds (each at least 3 operations and
// 200 ms) after one operation to warm up, in µs per operation. The table is printed per backend with the growth from 10,000
// to 1,000,000 (or 100,000 with -short), and reported as metrics
// <op>-growth; memstore also reports the heap bytes per stored number. The
// figures are reported, never asserted: they depend on the machine.
//
//	make bench-growth   # NUMBERDESK_POSTGRES_DSN for PostgreSQL
func BenchmarkGrowth(b *testing.B) {
	sizes := []int{1_000, 10_000, 100_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:3]
	}
	ops := []string{"page", "next", "prefix", "ext", "provision"}
	scaleBackends(b, func(b *testing.B, e *scaleEnv) {
		for b.Loop() {
			took := map[string][]time.Duration{} // per op, per size
			var perNumber float64                // memstore: heap bytes per number
			seeded, blocks := 0, 0
			for _, size := range sizes {
				var before runtime.MemStats
				if e.sql == nil && size == sizes[len(sizes)-1] {
					runtime.GC()
					runtime.ReadMemStats(&before)
				}
				from := seeded
				for ; seeded < size; seeded += min(1000, size-seeded) {
					batch := scaleNumbers(e.owner.Tenant, scaleNow, seeded, seeded+min(1000, size-seeded))
					require.NoError(b, e.store.CreateNumbers(b.Context(), batch...))
				}
				if e.sql == nil && size == sizes[len(sizes)-1] {
					var after runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&after)
					perNumber = float64(after.HeapAlloc-before.HeapAlloc) / float64(size-from)
				}
				e.analyze(b)
				runtime.GC() // the seeding's garbage: not the measured operations' cost
				first, err := e.svc.Overview(b.Context(), e.owner, numbers.Query{})
				require.NoError(b, err)
				run := map[string]func() error{
					"page": func() error {
						p, err := e.svc.Overview(b.Context(), e.owner, numbers.Query{})
						return check(err, len(p.Numbers) == 50 && p.Total == min(size+100*blocks, numbers.MaxTotal) && p.NextCursor != "")
					},
					"next": func() error {
						p, err := e.svc.Overview(b.Context(), e.owner, numbers.Query{Cursor: first.NextCursor})
						return check(err, len(p.Numbers) == 50)
					},
					"prefix": func() error { // +4922100005xx: 100 numbers
						p, err := e.svc.Overview(b.Context(), e.owner, numbers.Query{Search: "0221 00005"})
						return check(err, len(p.Numbers) == 50 && p.Total == 100)
					},
					"ext": func() error {
						p, err := e.svc.Overview(b.Context(), e.owner, numbers.Query{Search: "15"})
						ext := size/100 + blocks // each provisioned block has a 15
						return check(err, len(p.Numbers) == min(50, ext) && p.Total == min(ext, numbers.MaxTotal))
					},
					"provision": func() error {
						blocks++
						ns, err := e.svc.Provision(b.Context(), e.owner, numbers.ProvisionRequest{
							Number: fmt.Sprintf("0221 9%05d", blocks), ExtensionFrom: "00", ExtensionTo: "99"})
						return check(err, len(ns) == 100)
					},
				}
				for _, op := range ops {
					require.NoError(b, run[op](), "%s at %d", op, size) // warm up
					var rounds []time.Duration
					for range 3 {
						// A round is at least 3 operations and 200 ms, so
						// that it carries its share of garbage collection
						// (whose cycles are long in a large heap).
						start, reps := time.Now(), 0
						for ; reps < 3 || time.Since(start) < 200*time.Millisecond; reps++ {
							require.NoError(b, run[op](), "%s at %d", op, size)
						}
						rounds = append(rounds, time.Since(start)/time.Duration(reps))
					}
					slices.Sort(rounds)
					took[op] = append(took[op], rounds[len(rounds)/2])
				}
			}
			// The table, and the growth from 10,000 to the largest size.
			var t strings.Builder
			fmt.Fprintf(&t, "%-10s", "µs/op")
			for _, size := range sizes {
				fmt.Fprintf(&t, " %10d", size)
			}
			fmt.Fprintf(&t, " %8s\n", "growth")
			for _, op := range ops {
				fmt.Fprintf(&t, "%-10s", op)
				for _, d := range took[op] {
					fmt.Fprintf(&t, " %10.1f", float64(d.Nanoseconds())/1e3)
				}
				growth := float64(took[op][len(sizes)-1]) / float64(took[op][1])
				fmt.Fprintf(&t, " %7.2fx\n", growth)
				b.ReportMetric(growth, op+"-growth")
			}
			if e.sql == nil {
				fmt.Fprintf(&t, "heap bytes per number (memstore, %d numbers stored directly): %.0f\n", sizes[len(sizes)-1], perNumber)
				b.ReportMetric(perNumber, "B/number")
			}
			b.Logf("growth from %d to %d numbers in one tenant, median of 3:\n%s", sizes[1], sizes[len(sizes)-1], t.String())
		}
		b.ReportMetric(0, "ns/op")
	})
}

// check returns err, or an error if ok is false.
func check(err error, ok bool) error {
	if err == nil && !ok {
		return fmt.Errorf("unexpected page")
	}
	return err
}

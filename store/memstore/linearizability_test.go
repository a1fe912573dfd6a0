package memstore_test

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

// Concurrent swaps and overview reads on memstore form a linearizable history
// (16 clients × 63 operations over 12 groups of 4 numbers by default).
func TestSwapLinearizable(t *testing.T) {
	t.Parallel()
	storetest.CheckSwapLinearizability(t, func(t *testing.T) store.Store { return memstore.New() },
		storetest.LinearizabilityOptions{})
}

// The check is not vacuous: on a store without transactions and without the
// version check, porcupine must report Illegal.
//
// The broken store misbehaves only when two swaps of a shared number overlap
// in time, and whether they do is up to the scheduler. With 16 clients on 12
// groups of 4 numbers and 200 µs between a swap's read and its write they
// overlap dozens of times per run (a slower machine makes them overlap more,
// not less), so a single run finds Illegal practically always; but a run
// could, in principle, be serialized by chance and then be (correctly)
// linearizable. So the test tries up to three seeds and requires Illegal at
// least once: a checker that accepts everything fails all three, a correct
// one fails none in practice. The check is bounded by steps, not seconds.
func TestSwapLinearizabilityCheckBites(t *testing.T) {
	t.Parallel()
	var results []porcupine.CheckResult
	for _, seed := range []uint64{1, 2, 3} {
		st := storetest.Unlocked(memstore.New(), 200*time.Microsecond)
		h, err := storetest.RecordSwapHistory(t.Context(), st, storetest.LinearizabilityOptions{Seed: seed})
		require.NoError(t, err)
		c := storetest.CheckSwapHistory(h, 0)
		t.Logf("seed %d: %d operations in %v, %.0f ops/s (%s); porcupine: %s", seed, len(h.Ops),
			h.Elapsed.Round(time.Microsecond), h.OpsPerSecond(), h.Stats(), c)
		if c.Result == porcupine.Illegal {
			return
		}
		results = append(results, c.Result)
	}
	t.Fatalf("porcupine accepted every history of the broken store (results %v): the check does not bite", results)
}

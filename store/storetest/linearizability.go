package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
)

// Linearizability check of swaps
//
// Clients run Service.Swap and the overview read (FindNumbers) concurrently
// against one store; every operation is recorded with its call and return
// time, and porcupine checks that the history is linearizable against the
// sequential model of a swap: a set of active numbers, where swap(x, y)
// succeeds if and only if x is active and y is not, and then flips both.
// A store whose transactions are not serializable (or whose optimistic
// version check lets a stale write through) produces two swaps of one number
// that both succeed, or a read of a set no sequence of swaps could produce;
// porcupine reports such a history as Illegal.

// PorcupineOutEnv names the environment variable that, when set, is the
// directory CheckSwapLinearizability writes the porcupine visualization of a
// failed check to (created if missing), so that it survives the test run.
// Unset, the visualization goes to t.TempDir() and is gone after the test.
const PorcupineOutEnv = "NUMBERDESK_PORCUPINE_OUT"

// MaxLinearizabilityNumbers is the most numbers a swap history may use: the
// model's state is a bitset in a uint64.
const MaxLinearizabilityNumbers = 64

// LinearizabilityOptions configures RecordSwapHistory and
// CheckSwapLinearizability. Zero fields take the defaults, which give a
// history of 16 × 63 = 1,008 operations over 50 numbers, a quarter of them
// reads.
type LinearizabilityOptions struct {
	// Clients is the number of concurrent clients; default 16.
	Clients int
	// OpsPerClient is how many operations each client runs, one after the
	// other; default 63.
	OpsPerClient int
	// Numbers is the size of the inventory, 2 to MaxLinearizabilityNumbers;
	// default 50. Half of them (rounded down) are active at the start.
	Numbers int
	// ReadShare is the probability that an operation is a read of the
	// overview rather than a swap; default 0.25. A negative value means no
	// reads.
	ReadShare float64
	// Timeout bounds the porcupine check; default 60 s. A check that times
	// out (porcupine.Unknown) fails.
	Timeout time.Duration
	// Seed seeds the clients' choices of operations; 0 picks a random seed,
	// which CheckSwapLinearizability logs. The interleaving is up to the
	// scheduler, so a seed reproduces the operations, not the history.
	Seed uint64
	// TolerateAmbiguous lets a swap that fails with CodeInternal (or an
	// error that is not a *numberdesk.Error), e.g. a connection lost at
	// COMMIT, stay in the history as an operation of unknown outcome: it
	// may or may not have taken effect, at any time until the end of the
	// run, and its client goes on under a new client ID (the way etcd's
	// robustness tests record failed writes). A read that fails that way is
	// dropped. Without it such an error ends the run with an error; memstore
	// never produces one. Other codes (invalid, not_found, permission) are
	// always an error of the harness or the store.
	TolerateAmbiguous bool
}

func (o LinearizabilityOptions) withDefaults() LinearizabilityOptions {
	if o.Clients <= 0 {
		o.Clients = 16
	}
	if o.OpsPerClient <= 0 {
		o.OpsPerClient = 63
	}
	if o.Numbers == 0 {
		o.Numbers = 50
	}
	switch {
	case o.ReadShare == 0:
		o.ReadShare = 0.25
	case o.ReadShare < 0:
		o.ReadShare = 0
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Seed == 0 {
		o.Seed = rand.Uint64() | 1
	}
	return o
}

// SwapInput is the input of an operation of a swap history: a read of the
// overview, or swap(Old, New) by number index (0 to Numbers-1, in E.164
// order).
type SwapInput struct {
	Read     bool
	Old, New int
}

// SwapOutcome is how an operation of a swap history ended.
type SwapOutcome string

// The outcomes of an operation.
const (
	// SwapOK: the swap succeeded, or the read returned Active.
	SwapOK SwapOutcome = "ok"
	// SwapRejected: Swap answered CodePrecondition (Old not active or New
	// active); it changed nothing.
	SwapRejected SwapOutcome = "rejected"
	// SwapConflict: Swap answered CodeConflict, its optimistic check lost a
	// race; it changed nothing, whatever the state.
	SwapConflict SwapOutcome = "conflict"
	// SwapAmbiguous: Swap failed in a way that leaves open whether it took
	// effect (only with LinearizabilityOptions.TolerateAmbiguous).
	SwapAmbiguous SwapOutcome = "ambiguous"
)

// SwapOutput is the output of an operation of a swap history.
type SwapOutput struct {
	Outcome SwapOutcome
	// Active is the set a read saw: bit i is set if number i was active or
	// deactivation_pending. Zero for swaps.
	Active uint64
	// Err is the error of a swap that did not succeed, for the
	// visualization.
	Err string
}

// SwapHistory is a recorded history of concurrent swaps and reads.
type SwapHistory struct {
	// Numbers is the size of the inventory; Init the set of numbers active
	// at the start (read back from the store before the clients started).
	Numbers int
	Init    uint64
	// Ops are the operations: Input a SwapInput, Output a SwapOutput, Call
	// and Return nanoseconds on the monotonic clock since the run started.
	Ops []porcupine.Operation
	// Planned is the number of operations the clients set out to run
	// (Clients × OpsPerClient); Elapsed the wall time of the concurrent run.
	Planned int
	Elapsed time.Duration
	// Seed is the seed the clients used.
	Seed uint64
}

// SwapStats counts the operations of a SwapHistory by kind and outcome.
type SwapStats struct {
	Reads, OK, Rejected, Conflicts, Ambiguous int
}

// Completed is the number of operations with a definite outcome.
func (s SwapStats) Completed() int { return s.Reads + s.OK + s.Rejected + s.Conflicts }

// String returns e.g. "252 reads, 190 ok, 566 rejected, 0 conflicts, 0 ambiguous".
func (s SwapStats) String() string {
	return fmt.Sprintf("%d reads, %d ok, %d rejected, %d conflicts, %d ambiguous",
		s.Reads, s.OK, s.Rejected, s.Conflicts, s.Ambiguous)
}

// Stats counts the operations of h.
func (h *SwapHistory) Stats() SwapStats {
	var s SwapStats
	for _, op := range h.Ops {
		in, out := op.Input.(SwapInput), op.Output.(SwapOutput)
		switch {
		case in.Read:
			s.Reads++
		case out.Outcome == SwapOK:
			s.OK++
		case out.Outcome == SwapRejected:
			s.Rejected++
		case out.Outcome == SwapConflict:
			s.Conflicts++
		default:
			s.Ambiguous++
		}
	}
	return s
}

// OpsPerSecond is the throughput of the run: operations recorded per second
// of Elapsed.
func (h *SwapHistory) OpsPerSecond() float64 {
	if h.Elapsed <= 0 {
		return 0
	}
	return float64(len(h.Ops)) / h.Elapsed.Seconds()
}

// Model returns the sequential specification h is checked against: the state
// is the set of active numbers, starting at h.Init. It is deterministic unless
// h holds operations of ambiguous outcome.
func (h *SwapHistory) Model() porcupine.Model {
	init := h.Init
	for _, op := range h.Ops {
		if op.Output.(SwapOutput).Outcome == SwapAmbiguous {
			nm := porcupine.NondeterministicModel{
				Init: func() []any { return []any{init} },
				Step: func(state, input, output any) []any {
					next := swapSteps(state.(uint64), input.(SwapInput), output.(SwapOutput))
					out := make([]any, len(next))
					for i, s := range next {
						out[i] = s
					}
					return out
				},
				Hash:              func(state any) uint64 { return mix(state.(uint64)) },
				DescribeOperation: describeSwapOp,
				DescribeState:     func(state any) string { return describeActive(state.(uint64)) },
			}
			return nm.ToModel()
		}
	}
	return porcupine.Model{
		Init: func() any { return init },
		Step: func(state, input, output any) (bool, any) {
			next := swapSteps(state.(uint64), input.(SwapInput), output.(SwapOutput))
			if len(next) != 1 {
				return false, state
			}
			return true, next[0]
		},
		Hash:              func(state any) uint64 { return mix(state.(uint64)) },
		DescribeOperation: describeSwapOp,
		DescribeState:     func(state any) string { return describeActive(state.(uint64)) },
	}
}

// swapSteps returns the states the model may move to from s with in and
// out; none if the step is impossible.
func swapSteps(s uint64, in SwapInput, out SwapOutput) []uint64 {
	if in.Read {
		if out.Outcome == SwapOK && out.Active == s {
			return []uint64{s}
		}
		return nil
	}
	x, y := uint64(1)<<in.Old, uint64(1)<<in.New
	possible := s&x != 0 && s&y == 0
	switch out.Outcome {
	case SwapOK:
		if possible {
			return []uint64{s ^ x ^ y}
		}
	case SwapRejected:
		if !possible {
			return []uint64{s}
		}
	case SwapConflict:
		return []uint64{s}
	case SwapAmbiguous:
		if possible {
			return []uint64{s, s ^ x ^ y}
		}
		return []uint64{s}
	}
	return nil
}

// mix is a 64-bit finalizer (splitmix64), so that porcupine's cache spreads
// states that differ in few bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func describeSwapOp(input, output any) string {
	in, out := input.(SwapInput), output.(SwapOutput)
	if in.Read {
		return "read → " + describeActive(out.Active)
	}
	s := fmt.Sprintf("swap(%d → %d) %s", in.Old, in.New, out.Outcome)
	if out.Err != "" {
		s += ": " + out.Err
	}
	return s
}

// describeActive returns e.g. "3 active: 0 4 17".
func describeActive(s uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d active:", bits.OnesCount64(s))
	for i := range 64 {
		if s&(1<<i) != 0 {
			b.WriteString(" " + strconv.Itoa(i))
		}
	}
	return b.String()
}

// RecordSwapHistory runs the swap workload against st and records its
// history. It creates a tenant with an owner, provisions a block of
// opts.Numbers numbers through numbers.Service, activates half of them
// (Quote and Activate), reads the initial set back, and then lets
// opts.Clients goroutines each run opts.OpsPerClient operations one after
// the other: with probability opts.ReadShare a read of every number of the
// tenant (FindNumbers with an empty Filter), otherwise Service.Swap of two
// random distinct numbers.
//
// It returns an error if the setup fails, if a read returns numbers that are
// not exactly the provisioned ones, if an operation fails in a way the model
// has no room for (see LinearizabilityOptions.TolerateAmbiguous), or if ctx
// ends; the history is then incomplete and must not be checked.
func RecordSwapHistory(ctx context.Context, st store.Store, opts LinearizabilityOptions) (*SwapHistory, error) {
	opts = opts.withDefaults()
	if opts.Numbers < 2 || opts.Numbers > MaxLinearizabilityNumbers {
		return nil, fmt.Errorf("storetest: LinearizabilityOptions.Numbers is %d, want 2 to %d", opts.Numbers, MaxLinearizabilityNumbers)
	}
	setup := rand.New(rand.NewPCG(opts.Seed, 0))

	// Setup: a tenant, its owner, a block of numbers, half of them active.
	tn := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "Linearisierbar GmbH", TimeZone: numberdesk.DefaultTimeZone, CreatedAt: t0}
	if err := st.CreateTenant(ctx, tn); err != nil {
		return nil, fmt.Errorf("storetest: create tenant: %w", err)
	}
	owner := numberdesk.Actor{Tenant: tn.ID, Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleOwner}
	svc := numbers.NewService(numbers.Config{Store: st})
	ns, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{
		Number: "+49 221 555000", ExtensionFrom: "100", ExtensionTo: strconv.Itoa(100 + opts.Numbers - 1),
	})
	if err != nil {
		return nil, fmt.Errorf("storetest: provision: %w", err)
	}
	if len(ns) != opts.Numbers {
		return nil, fmt.Errorf("storetest: provisioned %d numbers, want %d", len(ns), opts.Numbers)
	}
	ids := make([]numberdesk.NumberID, len(ns))
	index := make(map[numberdesk.NumberID]int, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
		index[n.ID] = i
	}
	var want uint64
	activate := make([]numberdesk.NumberID, 0, opts.Numbers/2)
	for _, i := range setup.Perm(opts.Numbers)[:opts.Numbers/2] {
		activate = append(activate, ids[i])
		want |= 1 << i
	}
	q, err := svc.Quote(ctx, owner, activate)
	if err != nil {
		return nil, fmt.Errorf("storetest: quote: %w", err)
	}
	res, err := svc.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token})
	if err != nil {
		return nil, fmt.Errorf("storetest: activate: %w", err)
	}
	if res.Activated() != len(activate) {
		return nil, fmt.Errorf("storetest: activated %d numbers, want %d", res.Activated(), len(activate))
	}
	read := func(ctx context.Context) (uint64, error) {
		all, total, err := st.FindNumbers(ctx, tn.ID, numbers.Filter{})
		if err != nil {
			return 0, err
		}
		if total != opts.Numbers || len(all) != opts.Numbers {
			return 0, fmt.Errorf("storetest: a read returned %d numbers (total %d), want %d", len(all), total, opts.Numbers)
		}
		var active, seen uint64
		for _, n := range all {
			i, ok := index[n.ID]
			if !ok || seen&(1<<i) != 0 {
				return 0, fmt.Errorf("storetest: a read returned an unknown or repeated number %s", n.ID)
			}
			seen |= 1 << i
			if n.Status.Billed() {
				active |= 1 << i
			}
		}
		return active, nil
	}
	init, err := read(ctx)
	if err != nil {
		return nil, err
	}
	if init != want {
		return nil, fmt.Errorf("storetest: after setup the active set is {%s}, want {%s}", describeActive(init), describeActive(want))
	}

	// The concurrent run.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		errOnce  sync.Once
		runErr   error
		nextID   atomic.Int64 // client IDs after an ambiguous outcome
		logs     = make([][]porcupine.Operation, opts.Clients)
		startRun = make(chan struct{})
		wg       sync.WaitGroup
	)
	nextID.Store(int64(opts.Clients))
	fail := func(err error) {
		errOnce.Do(func() { runErr = err })
		cancel()
	}
	var start time.Time
	stamp := func() int64 { return int64(time.Since(start)) }
	for c := range opts.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(opts.Seed, uint64(c)+1))
			client := c
			log := make([]porcupine.Operation, 0, opts.OpsPerClient)
			defer func() { logs[c] = log }()
			<-startRun
			for range opts.OpsPerClient {
				if runCtx.Err() != nil {
					return
				}
				if rng.Float64() < opts.ReadShare {
					call := stamp()
					active, err := read(runCtx)
					ret := stamp()
					switch {
					case runCtx.Err() != nil:
						return
					case err == nil:
						log = append(log, porcupine.Operation{ClientId: client, Input: SwapInput{Read: true},
							Call: call, Output: SwapOutput{Outcome: SwapOK, Active: active}, Return: ret})
					case opts.TolerateAmbiguous && ambiguous(err):
						// A failed read tells nothing; drop it.
					default:
						fail(fmt.Errorf("storetest: client %d: read: %w", c, err))
						return
					}
					continue
				}
				x := rng.IntN(opts.Numbers)
				y := rng.IntN(opts.Numbers - 1)
				if y >= x {
					y++
				}
				in := SwapInput{Old: x, New: y}
				call := stamp()
				_, err := svc.Swap(runCtx, owner, numbers.SwapRequest{Old: ids[x], New: ids[y]})
				ret := stamp()
				if runCtx.Err() != nil {
					return
				}
				out := SwapOutput{Outcome: SwapOK}
				if err != nil {
					out.Err = string(numberdesk.ErrorCode(err)) + ": " + err.Error()
				}
				switch code := numberdesk.ErrorCode(err); {
				case err == nil:
				case code == numberdesk.CodePrecondition:
					out.Outcome = SwapRejected
				case code == numberdesk.CodeConflict:
					out.Outcome = SwapConflict
				case opts.TolerateAmbiguous && ambiguous(err):
					// It may take effect until the end of the run
					// (Return is set below); the client goes on as
					// a new one, as a client's operations must not
					// overlap.
					out.Outcome, ret = SwapAmbiguous, -1
				default:
					fail(fmt.Errorf("storetest: client %d: swap(%d → %d): %w", c, x, y, err))
					return
				}
				log = append(log, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
				if out.Outcome == SwapAmbiguous {
					client = int(nextID.Add(1) - 1)
				}
			}
		})
	}
	start = time.Now()
	close(startRun)
	wg.Wait()
	end := stamp()
	elapsed := time.Since(start)
	if runErr != nil {
		return nil, runErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("storetest: swap history: %w", err)
	}
	h := &SwapHistory{Numbers: opts.Numbers, Init: init, Planned: opts.Clients * opts.OpsPerClient, Elapsed: elapsed, Seed: opts.Seed}
	for _, log := range logs {
		for _, op := range log {
			if op.Return < 0 {
				op.Return = end
			}
			h.Ops = append(h.Ops, op)
		}
	}
	return h, nil
}

// ambiguous reports whether err leaves the outcome of a write open.
func ambiguous(err error) bool {
	var e *numberdesk.Error
	return !errors.As(err, &e) || e.Code == numberdesk.CodeInternal
}

// CheckSwapHistory checks h with porcupine against h.Model(), giving up
// after timeout (0: no limit). Treat porcupine.Unknown as a failure.
func CheckSwapHistory(h *SwapHistory, timeout time.Duration) porcupine.CheckResult {
	return porcupine.CheckOperationsTimeout(h.Model(), h.Ops, timeout)
}

// VisualizeSwapHistory checks h again, computing the partial linearizations,
// and writes porcupine's HTML visualization of it to path.
func VisualizeSwapHistory(h *SwapHistory, timeout time.Duration, path string) (porcupine.CheckResult, error) {
	m := h.Model()
	res, info := porcupine.CheckOperationsVerbose(m, h.Ops, timeout)
	return res, porcupine.VisualizePath(m, info, path)
}

// CheckSwapLinearizability records a swap history on a store made by newStore
// (see RecordSwapHistory) and requires porcupine to find it linearizable. It
// logs the throughput and the check time, and fails if fewer than 90% of the
// planned operations completed or no swap succeeded (a run that exercised
// nothing must not pass), if the check finds the history Illegal, or if it
// times out (Unknown). On failure it writes porcupine's visualization to the
// directory named by PorcupineOutEnv, or to t.TempDir(), and logs its path.
//
// A backend runs it from its own tests:
//
//	func TestSwapLinearizable(t *testing.T) {
//		storetest.CheckSwapLinearizability(t, newStore, storetest.LinearizabilityOptions{})
//	}
func CheckSwapLinearizability(t *testing.T, newStore func(t *testing.T) store.Store, opts LinearizabilityOptions) {
	t.Helper()
	opts = opts.withDefaults()
	h, err := RecordSwapHistory(t.Context(), newStore(t), opts)
	if err != nil {
		t.Fatalf("seed %d: %v", opts.Seed, err)
	}
	stats := h.Stats()
	t.Logf("seed %d: %d clients × %d ops over %d numbers: %d operations in %v, %.0f ops/s (%s)",
		h.Seed, opts.Clients, opts.OpsPerClient, h.Numbers, len(h.Ops), h.Elapsed.Round(time.Microsecond), h.OpsPerSecond(), stats)
	if done := stats.Completed(); done*10 < h.Planned*9 {
		t.Fatalf("only %d of %d operations completed (want at least 90%%): the run is too thin to check", done, h.Planned)
	}
	if stats.OK == 0 {
		t.Fatalf("no swap succeeded in %d operations: the run checked nothing", len(h.Ops))
	}
	began := time.Now()
	res := CheckSwapHistory(h, opts.Timeout)
	t.Logf("porcupine: %s in %v", res, time.Since(began).Round(time.Microsecond))
	if res == porcupine.Ok {
		return
	}
	if path, err := swapVisualization(t, h, opts.Timeout); err != nil {
		t.Logf("porcupine visualization failed: %v", err)
	} else {
		t.Logf("porcupine visualization: %s", path)
	}
	if res == porcupine.Unknown {
		t.Fatalf("porcupine could not decide within %v whether the swap history is linearizable; treat as a failure (seed %d)", opts.Timeout, h.Seed)
	}
	t.Fatalf("the swap history is not linearizable (porcupine: %s, seed %d): the store let concurrent swaps see or make a state no serial order explains", res, h.Seed)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// swapVisualization writes the visualization of h for t and returns its path.
func swapVisualization(t *testing.T, h *SwapHistory, timeout time.Duration) (string, error) {
	dir := os.Getenv(PorcupineOutEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s-seed%d-%d.html", unsafeName.ReplaceAllString(t.Name(), "_"), h.Seed, time.Now().UnixNano())
	path := filepath.Join(dir, name)
	_, err := VisualizeSwapHistory(h, timeout, path)
	return path, err
}

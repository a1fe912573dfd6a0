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
//
// The history is shaped so that the checker decides it in a bounded amount
// of work whatever the machine's load (reliability-perf.md, F9):
//
//   - The numbers form groups (GroupSize, default 4, half of each active) and
//     a swap exchanges two numbers of one group. The groups are independent
//     objects, so the history is checked one group at a time (porcupine's
//     P-compositionality): a group's partition holds its swaps and every read
//     projected onto its numbers. A torn read across two groups would go
//     unnoticed; a torn or lost swap, which touches one group, does not.
//   - A swap that fails with an outcome left open (a connection lost at
//     COMMIT) is retried with its idempotency key until the store gives a
//     definite answer; the operation spans all its attempts. An operation of
//     unknown outcome would overlap everything after it and make the search
//     exponential.
//   - The check is bounded by model steps (CheckSteps), not by seconds: a
//     busy machine makes it slower, never Unknown. Unknown (the budget ran
//     out) is a failure.

// ArtifactsEnv names the environment variable that, when set, is the
// directory where tests leave evidence of a failure that must survive the
// run: CheckSwapLinearizability writes porcupine's visualization of a failed
// check to its subdirectory "porcupine" (created if missing). Unset, the
// visualization goes to t.TempDir() and is gone after the test.
const ArtifactsEnv = "NUMBERDESK_TEST_ARTIFACTS"

// MaxLinearizabilityNumbers is the most numbers a swap history may use: the
// model's state is a bitset in a uint64.
const MaxLinearizabilityNumbers = 64

// DefaultCheckSteps is the default budget of CheckSwapHistory: model steps
// per partition. Measured here, a group's partition of the default history
// takes about a thousand steps (a few thousand under kills); the budget
// leaves a margin of three orders of magnitude and still ends in well under
// a second of one core.
const DefaultCheckSteps = 2_000_000

// LinearizabilityOptions configures RecordSwapHistory and
// CheckSwapLinearizability. Zero fields take the defaults, which give a
// history of 16 × 63 = 1,008 operations over 48 numbers in 12 groups of 4, a
// quarter of them reads.
type LinearizabilityOptions struct {
	// Clients is the number of concurrent clients; default 16.
	Clients int
	// OpsPerClient is how many operations each client runs, one after the
	// other; default 63.
	OpsPerClient int
	// Numbers is the size of the inventory, 2 to MaxLinearizabilityNumbers,
	// a multiple of GroupSize; default 48.
	Numbers int
	// GroupSize is the size of a group of numbers (at least 2): a swap
	// exchanges two numbers of one group, and half of each group (rounded
	// down) is active at the start; default 4. GroupSize = Numbers makes
	// one group, checked as one history.
	GroupSize int
	// ReadShare is the probability that an operation is a read of the
	// overview rather than a swap; default 0.25. A negative value means no
	// reads.
	ReadShare float64
	// CheckSteps bounds the porcupine check: model steps per partition;
	// default DefaultCheckSteps. A check that runs out of it
	// (porcupine.Unknown) fails.
	CheckSteps int64
	// Seed seeds the clients' choices of operations; 0 picks a random seed,
	// which CheckSwapLinearizability logs. The interleaving is up to the
	// scheduler, so a seed reproduces the operations, not the history.
	Seed uint64
	// TolerateAmbiguous lets a swap fail with CodeInternal (or an error
	// that is not a *numberdesk.Error), e.g. a connection lost at COMMIT: the
	// client retries it with its idempotency key, up to MaxAttempts, and
	// records the definite outcome the store gives at last, over the whole
	// span of the attempts. A swap still open after MaxAttempts stays in
	// the history as an operation of unknown outcome: it may or may not have
	// taken effect, at any time until the end of the run, and its client
	// goes on under a new client ID (the way etcd's robustness tests record
	// failed writes). A read that fails that way is dropped. Without it such
	// an error ends the run with an error; memstore never produces one.
	// Other codes (invalid, not_found, permission) are always an error of
	// the harness or the store.
	TolerateAmbiguous bool
	// MaxAttempts bounds the attempts of a swap under TolerateAmbiguous;
	// default 100.
	MaxAttempts int
}

func (o LinearizabilityOptions) withDefaults() LinearizabilityOptions {
	if o.Clients <= 0 {
		o.Clients = 16
	}
	if o.OpsPerClient <= 0 {
		o.OpsPerClient = 63
	}
	if o.Numbers == 0 {
		o.Numbers = 48
	}
	if o.GroupSize == 0 {
		o.GroupSize = min(4, o.Numbers)
	}
	switch {
	case o.ReadShare == 0:
		o.ReadShare = 0.25
	case o.ReadShare < 0:
		o.ReadShare = 0
	}
	if o.CheckSteps <= 0 {
		o.CheckSteps = DefaultCheckSteps
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 100
	}
	if o.Seed == 0 {
		o.Seed = rand.Uint64() | 1
	}
	return o
}

// SwapInput is the input of an operation of a swap history: a read of the
// overview, or swap(Old, New) by number index (0 to Numbers-1, in E.164
// order). Mask, on a read of a partition, selects the numbers of its group
// (0: all).
type SwapInput struct {
	Read     bool
	Old, New int
	Mask     uint64
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
	// Attempts is how many times a swap was sent (more than 1 after
	// ambiguous failures under TolerateAmbiguous).
	Attempts int
	// Err is the error of a swap that did not succeed, for the
	// visualization.
	Err string
}

// SwapHistory is a recorded history of concurrent swaps and reads.
type SwapHistory struct {
	// Numbers is the size of the inventory, in groups of GroupSize; Init
	// the set of numbers active at the start (read back from the store
	// before the clients started).
	Numbers, GroupSize int
	Init               uint64
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

// SwapStats counts the operations of a SwapHistory by kind and outcome, and
// the attempts of swaps beyond their first (Retries).
type SwapStats struct {
	Reads, OK, Rejected, Conflicts, Ambiguous, Retries int
}

// Completed is the number of operations with a definite outcome.
func (s SwapStats) Completed() int { return s.Reads + s.OK + s.Rejected + s.Conflicts }

// String returns e.g. "252 reads, 190 ok, 566 rejected, 0 conflicts, 0 ambiguous, 0 retries".
func (s SwapStats) String() string {
	return fmt.Sprintf("%d reads, %d ok, %d rejected, %d conflicts, %d ambiguous, %d retries",
		s.Reads, s.OK, s.Rejected, s.Conflicts, s.Ambiguous, s.Retries)
}

// Stats counts the operations of h.
func (h *SwapHistory) Stats() SwapStats {
	var s SwapStats
	for _, op := range h.Ops {
		in, out := op.Input.(SwapInput), op.Output.(SwapOutput)
		s.Retries += max(out.Attempts-1, 0)
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

// groups is the number of groups of h's numbers.
func (h *SwapHistory) groups() int {
	if h.GroupSize <= 0 || h.GroupSize >= h.Numbers {
		return 1
	}
	return h.Numbers / h.GroupSize
}

// groupMask is the set of the numbers of group g.
func (h *SwapHistory) groupMask(g int) uint64 {
	if h.groups() == 1 {
		return ^uint64(0)
	}
	return (uint64(1)<<h.GroupSize - 1) << (g * h.GroupSize)
}

// Partitions splits h into one history per group: the group's swaps, and
// every read with its set projected onto the group's numbers (Mask). Each
// partition is linearizable if h is; see the package's comment on
// linearizability for what the split gives up.
func (h *SwapHistory) Partitions() [][]porcupine.Operation {
	n := h.groups()
	if n == 1 {
		return [][]porcupine.Operation{h.Ops}
	}
	parts := make([][]porcupine.Operation, n)
	for _, op := range h.Ops {
		in, out := op.Input.(SwapInput), op.Output.(SwapOutput)
		if !in.Read {
			g := in.Old / h.GroupSize
			parts[g] = append(parts[g], op)
			continue
		}
		for g := range parts {
			mask := h.groupMask(g)
			p := op
			p.Input = SwapInput{Read: true, Mask: mask}
			p.Output = SwapOutput{Outcome: out.Outcome, Active: out.Active & mask}
			parts[g] = append(parts[g], p)
		}
	}
	return parts
}

// Model returns the sequential specification h (or a partition of it) is
// checked against: the state is the set of active numbers, starting at
// h.Init. It is deterministic unless h holds operations of ambiguous outcome.
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
		mask := in.Mask
		if mask == 0 {
			mask = ^uint64(0)
		}
		if out.Outcome == SwapOK && out.Active == s&mask {
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

// budgeted returns m with a step budget: once limit model steps have been
// taken, every further step fails (so the search unwinds quickly) and
// *exhausted is set. *steps counts the steps taken.
func budgeted(m porcupine.Model, limit int64, steps *int64, exhausted *bool) porcupine.Model {
	step := m.StepContext
	if step == nil {
		plain := m.Step
		step = func(_ context.Context, state, input, output any) (bool, any) { return plain(state, input, output) }
	}
	counted := func(ctx context.Context, state, input, output any) (bool, any) {
		if *steps >= limit {
			*exhausted = true
			return false, state
		}
		*steps++
		return step(ctx, state, input, output)
	}
	m.StepContext = counted
	m.Step = func(state, input, output any) (bool, any) { return counted(context.Background(), state, input, output) }
	return m
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
	if out.Attempts > 1 {
		s += fmt.Sprintf(" after %d attempts", out.Attempts)
	}
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
// opts.Numbers numbers through numbers.Service, activates half of every group
// of opts.GroupSize (Quote and Activate), reads the initial set back, and
// then lets opts.Clients goroutines each run opts.OpsPerClient operations one
// after the other: with probability opts.ReadShare a read of every number of
// the tenant (FindNumbers with an empty Filter), otherwise Service.Swap of
// two random distinct numbers of a random group, with an idempotency key of
// its own.
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
	if opts.GroupSize < 2 || opts.Numbers%opts.GroupSize != 0 {
		return nil, fmt.Errorf("storetest: LinearizabilityOptions.GroupSize is %d, want at least 2 and a divisor of Numbers (%d)", opts.GroupSize, opts.Numbers)
	}
	setup := rand.New(rand.NewPCG(opts.Seed, 0))
	groups := opts.Numbers / opts.GroupSize

	// Setup: a tenant, its owner, a block of numbers, half of each group
	// active.
	owner, err := NewTenant(ctx, st, "Linearisierbar GmbH", t0)
	if err != nil {
		return nil, err
	}
	svc, err := numbers.NewService(numbers.Config{Store: st})
	if err != nil {
		return nil, err
	}
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
	for g := range groups {
		for _, j := range setup.Perm(opts.GroupSize)[:opts.GroupSize/2] {
			i := g*opts.GroupSize + j
			activate = append(activate, ids[i])
			want |= 1 << i
		}
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
		all, total, err := st.FindNumbers(ctx, owner.Tenant, numbers.Filter{})
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
			for op := range opts.OpsPerClient {
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
				g := rng.IntN(groups) * opts.GroupSize
				x := rng.IntN(opts.GroupSize)
				y := rng.IntN(opts.GroupSize - 1)
				if y >= x {
					y++
				}
				in := SwapInput{Old: g + x, New: g + y}
				req := numbers.SwapRequest{Old: ids[in.Old], New: ids[in.New], IdempotencyKey: fmt.Sprintf("swap-%d-%d-%d", opts.Seed, c, op)}
				out := SwapOutput{Outcome: SwapOK}
				call := stamp()
				var err error
				for out.Attempts < opts.MaxAttempts {
					out.Attempts++
					_, err = svc.Swap(runCtx, owner, req)
					if err == nil || !opts.TolerateAmbiguous || !ambiguous(err) || runCtx.Err() != nil {
						break
					}
				}
				ret := stamp()
				if runCtx.Err() != nil {
					return
				}
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
					// Still open after MaxAttempts: it may take effect
					// until the end of the run (Return is set below);
					// the client goes on as a new one, as a client's
					// operations must not overlap.
					out.Outcome, ret = SwapAmbiguous, -1
				default:
					fail(fmt.Errorf("storetest: client %d: swap(%d → %d): %w", c, in.Old, in.New, err))
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
	h := &SwapHistory{Numbers: opts.Numbers, GroupSize: opts.GroupSize, Init: init,
		Planned: opts.Clients * opts.OpsPerClient, Elapsed: elapsed, Seed: opts.Seed}
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

// SwapCheck is the verdict of CheckSwapHistory.
type SwapCheck struct {
	// Result is Ok if every partition is linearizable, Illegal if one is
	// not, and Unknown if the step budget of a partition ran out first.
	Result porcupine.CheckResult
	// Partitions is the number of partitions (groups) checked; Steps the
	// model steps taken over all of them, MaxSteps the most of one.
	Partitions      int
	Steps, MaxSteps int64
	// Failed is the index of the partition that decided a result other
	// than Ok; -1 if none.
	Failed int
}

// String returns e.g. "Ok: 12 partitions, 14,210 steps (at most 1,630 in one)".
func (c SwapCheck) String() string {
	s := fmt.Sprintf("%s: %d partitions, %d steps (at most %d in one)", c.Result, c.Partitions, c.Steps, c.MaxSteps)
	if c.Failed >= 0 {
		s += fmt.Sprintf("; partition %d decided it", c.Failed)
	}
	return s
}

// CheckSwapHistory checks h with porcupine against h.Model(), one partition
// after the other, each with a budget of steps (0: DefaultCheckSteps). It
// stops at the first partition that is not linearizable or runs out of
// steps. The work is bounded by the budget, not by the clock, so the
// verdict does not depend on how busy the machine is. Treat
// porcupine.Unknown as a failure.
func CheckSwapHistory(h *SwapHistory, steps int64) SwapCheck {
	if steps <= 0 {
		steps = DefaultCheckSteps
	}
	parts := h.Partitions()
	c := SwapCheck{Result: porcupine.Ok, Partitions: len(parts), Failed: -1}
	for i, part := range parts {
		var (
			used      int64
			exhausted bool
		)
		ok := porcupine.CheckOperations(budgeted(h.Model(), steps, &used, &exhausted), part)
		c.Steps += used
		c.MaxSteps = max(c.MaxSteps, used)
		switch {
		case exhausted:
			c.Result, c.Failed = porcupine.Unknown, i
		case !ok:
			c.Result, c.Failed = porcupine.Illegal, i
		default:
			continue
		}
		return c
	}
	return c
}

// VisualizeSwapHistory checks partition part of h again (all of h if it has
// one partition), computing the partial linearizations within the step
// budget, and writes porcupine's HTML visualization of it to path.
func VisualizeSwapHistory(h *SwapHistory, part int, steps int64, path string) error {
	if steps <= 0 {
		steps = DefaultCheckSteps
	}
	var (
		used      int64
		exhausted bool
	)
	m := budgeted(h.Model(), steps, &used, &exhausted)
	_, info := porcupine.CheckOperationsVerbose(m, h.Partitions()[part], 0)
	return porcupine.VisualizePath(m, info, path)
}

// CheckSwapLinearizability records a swap history on a store made by newStore
// (see RecordSwapHistory) and requires porcupine to find it linearizable. It
// logs the throughput and the check's work, and fails if fewer than 90% of
// the planned operations completed or no swap succeeded (a run that
// exercised nothing must not pass), if the check finds the history Illegal,
// or if it runs out of steps (Unknown). On failure it writes porcupine's
// visualization of the failing partition to the "porcupine" directory under
// ArtifactsEnv, or to t.TempDir(), and logs its path.
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
	t.Logf("seed %d: %d clients × %d ops over %d numbers in groups of %d: %d operations in %v, %.0f ops/s (%s)",
		h.Seed, opts.Clients, opts.OpsPerClient, h.Numbers, h.GroupSize, len(h.Ops), h.Elapsed.Round(time.Microsecond), h.OpsPerSecond(), stats)
	if done := stats.Completed(); done*10 < h.Planned*9 {
		t.Fatalf("only %d of %d operations completed (want at least 90%%): the run is too thin to check", done, h.Planned)
	}
	if stats.OK == 0 {
		t.Fatalf("no swap succeeded in %d operations: the run checked nothing", len(h.Ops))
	}
	RequireLinearizable(t, h, opts.CheckSteps)
}

// RequireLinearizable checks h (CheckSwapHistory with a budget of steps per
// partition, 0 for the default) and fails t unless it is linearizable; on
// failure it writes the visualization of the failing partition (see
// CheckSwapLinearizability) and logs its path.
func RequireLinearizable(t testing.TB, h *SwapHistory, steps int64) {
	t.Helper()
	began := time.Now()
	c := CheckSwapHistory(h, steps)
	t.Logf("porcupine: %s in %v", c, time.Since(began).Round(time.Microsecond))
	if c.Result == porcupine.Ok {
		return
	}
	if path, err := swapVisualization(t, h, c.Failed, steps); err != nil {
		t.Logf("porcupine visualization failed: %v", err)
	} else {
		t.Logf("porcupine visualization: %s", path)
	}
	if c.Result == porcupine.Unknown {
		t.Fatalf("porcupine could not decide within its budget of steps whether the swap history is linearizable; treat as a failure (seed %d)", h.Seed)
	}
	t.Fatalf("the swap history is not linearizable (porcupine: %s, seed %d): the store let concurrent swaps see or make a state no serial order explains", c.Result, h.Seed)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// swapVisualization writes the visualization of partition part of h for t
// and returns its path.
func swapVisualization(t testing.TB, h *SwapHistory, part int, steps int64) (string, error) {
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	} else {
		dir = filepath.Join(dir, "porcupine")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
	}
	name := fmt.Sprintf("%s-seed%d-group%d-%d.html", unsafeName.ReplaceAllString(t.Name(), "_"), h.Seed, part, time.Now().UnixNano())
	path := filepath.Join(dir, name)
	return path, VisualizeSwapHistory(h, part, steps, path)
}

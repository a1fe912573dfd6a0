package routing

import (
	"math"
	"strconv"
	"time"
)

// Status is what happens when a target rings, as the PBX reports it.
type Status string

// The target states.
const (
	StatusAnswered Status = "answered"  // it rings and is answered ("angenommen")
	StatusNoAnswer Status = "no_answer" // it rings for its whole ring duration unanswered
	StatusBusy     Status = "busy"      // "besetzt"
	StatusOffline  Status = "offline"   // not registered or unreachable
	StatusDND      Status = "dnd"       // do not disturb ("Bitte nicht stören")
)

// Label returns the German label of s.
func (s Status) Label() string {
	switch s {
	case StatusAnswered:
		return "angenommen"
	case StatusNoAnswer:
		return "keine Annahme"
	case StatusBusy:
		return "besetzt"
	case StatusOffline:
		return "offline"
	case StatusDND:
		return "Bitte nicht stören"
	}
	return string(s)
}

// rang reports whether a target in state s actually rang.
func (s Status) rang() bool { return s == StatusAnswered || s == StatusNoAnswer }

// TargetState tells Evaluate what each target would do with the call: the
// live state of devices, mailboxes and external numbers, and the members
// of ring groups. Evaluate calls it on the call path, so implementations
// should answer from memory. A mailbox normally reports StatusAnswered.
type TargetState interface {
	// Status returns the state of t. For a ring group it is asked only if
	// Members reports ok false.
	Status(t Target) Status
	// Members returns the members of the ring group with the given ID. A
	// group's state is derived from its members: answered if one answers,
	// else no answer if one rang, else busy if one is busy, else DND if one
	// is on DND, else offline (also for an empty group).
	Members(group string) (members []Target, ok bool)
}

// AllAnswer is the TargetState in which every target answers: Evaluate
// with AllAnswer shows which rule is active, the way Preview does.
var AllAnswer TargetState = allAnswer{}

type allAnswer struct{}

// Status reports every target as answering.
func (allAnswer) Status(Target) Status { return StatusAnswered }

// Members reports no members, so a ring group answers as a whole.
func (allAnswer) Members(string) ([]Target, bool) { return nil, false }

// TargetKey identifies a target in a StateMap.
type TargetKey struct {
	Kind TargetKind
	Ref  string
}

// StateMap is a TargetState backed by maps, for tests, demos and the
// browser. Targets not listed have the state Default (StatusAnswered if
// empty), except mailboxes, which answer unless listed.
type StateMap struct {
	Default Status
	Targets map[TargetKey]Status
	Groups  map[string][]Target
}

// Status implements TargetState.
func (m *StateMap) Status(t Target) Status {
	if s, ok := m.Targets[TargetKey{t.Kind, t.Ref}]; ok {
		return s
	}
	if m.Default == "" || t.Kind == TargetMailbox {
		return StatusAnswered
	}
	return m.Default
}

// Members implements TargetState.
func (m *StateMap) Members(group string) ([]Target, bool) {
	g, ok := m.Groups[group]
	return g, ok
}

// OutcomeKind is how a call ends.
type OutcomeKind string

// The outcomes.
const (
	// OutcomeAnswered: a target of a rule answered.
	OutcomeAnswered OutcomeKind = "answered"
	// OutcomeBase: no rule answered; the base rule takes the call.
	OutcomeBase OutcomeKind = "base"
	// OutcomeRejected: the block list rejected the call ("nicht erreichbar").
	OutcomeRejected OutcomeKind = "rejected"
	// OutcomeUnanswered: a target with unlimited ring duration rang without
	// being answered; the call stays there until the caller hangs up.
	OutcomeUnanswered OutcomeKind = "unanswered"
)

// Outcome is where a call ends.
type Outcome struct {
	Kind    OutcomeKind `json:"kind"`
	RuleID  string      `json:"rule_id,omitempty"` // the rule of the target (answered, unanswered)
	Target  Target      `json:"target,omitzero"`   // the target that answered or kept ringing
	Member  Target      `json:"member,omitzero"`   // the ring-group member that answered, if any
	Base    BaseRule    `json:"base,omitzero"`     // the base rule (OutcomeBase)
	Seconds int         `json:"seconds"`           // ring time that passed before the outcome
}

// Label returns a German description: "angenommen: Endgerät dev-1 (Regel
// r1)", "Basisregel: Mailbox", "abgewiesen: Sperrliste", "klingelt
// unbegrenzt: Endgerät dev-1".
func (o Outcome) Label() string {
	switch o.Kind {
	case OutcomeAnswered:
		s := "angenommen: " + o.Target.Kind.Label() + " " + o.Target.Ref
		if o.Member.Kind != "" {
			s += " (" + o.Member.Kind.Label() + " " + o.Member.Ref + ")"
		}
		return s
	case OutcomeBase:
		return "Basisregel: " + o.Base.Kind.Label()
	case OutcomeRejected:
		return "abgewiesen: Sperrliste"
	case OutcomeUnanswered:
		return "klingelt unbegrenzt: " + o.Target.Kind.Label() + " " + o.Target.Ref
	}
	return string(o.Kind)
}

// StepKind is what a trace step records.
type StepKind string

// The step kinds.
const (
	StepBlocklist StepKind = "blocklist" // the block list rejected the call
	StepRule      StepKind = "rule"      // a rule was considered; Reason says how
	StepTarget    StepKind = "target"    // a target of the rule rang or could not
	StepMember    StepKind = "member"    // a member of the ring group in the step before
	StepBase      StepKind = "base"      // the base rule took the call
)

// Reason is why a rule applied or did not.
type Reason string

// The reasons.
const (
	ReasonMatched   Reason = "matched"         // condition and filter hold: its targets ring
	ReasonForcedOn  Reason = "forced_on"       // an override forces it on (the filter still held)
	ReasonDisabled  Reason = "disabled"        // switched off
	ReasonForcedOff Reason = "forced_off"      // an override forces it off
	ReasonCondition Reason = "condition_false" // its time condition does not hold
	ReasonFilter    Reason = "filter_rejected" // its caller filter does not list the caller
	ReasonBlocked   Reason = "blocked"         // the block list lists the caller (StepBlocklist)
)

// Label returns the German label of r.
func (r Reason) Label() string {
	switch r {
	case ReasonMatched:
		return "greift"
	case ReasonForcedOn:
		return "manuell eingeschaltet"
	case ReasonDisabled:
		return "deaktiviert"
	case ReasonForcedOff:
		return "manuell ausgeschaltet"
	case ReasonCondition:
		return "Zeitbedingung nicht erfüllt"
	case ReasonFilter:
		return "Anruffilter trifft nicht zu"
	case ReasonBlocked:
		return "Sperrliste"
	}
	return string(r)
}

// Step is one entry of a decision trace.
type Step struct {
	Kind   StepKind `json:"kind"`
	Rule   int      `json:"rule"`              // index in Plan.Rules; -1 for blocklist and base steps
	RuleID string   `json:"rule_id,omitempty"` // its ID
	Reason Reason   `json:"reason,omitempty"`  // rule and blocklist steps
	Target Target   `json:"target,omitzero"`   // target and member steps
	Status Status   `json:"status,omitempty"`  // target and member steps
	Offset int      `json:"offset"`            // seconds after the call arrived that the target began to ring
}

// String returns a German one-line description of the step.
func (s Step) String() string {
	switch s.Kind {
	case StepBlocklist:
		return "Sperrliste: abgewiesen"
	case StepRule:
		return "Regel " + s.RuleID + ": " + s.Reason.Label()
	case StepTarget, StepMember:
		p := "  Ziel "
		if s.Kind == StepMember {
			p = "    Mitglied "
		}
		return p + s.Target.Kind.Label() + " " + s.Target.Ref + " ab " + strconv.Itoa(s.Offset) + " s: " + s.Status.Label()
	case StepBase:
		return "Basisregel: " + s.Target.Kind.Label()
	}
	return string(s.Kind)
}

// Decision is the result of Evaluate.
type Decision struct {
	Blocked bool    `json:"blocked"`
	Outcome Outcome `json:"outcome"`
	Trace   []Step  `json:"trace,omitempty"` // only with WithTrace
}

// Option configures Evaluate and Preview. Options are plain values (no
// closures), so passing them does not allocate.
type Option struct {
	trace     bool
	buf       []Step
	blocklist *Blocklist
	compiled  *CompiledBlocklist
	overrides []Override
}

// WithTrace makes Evaluate record the decision trace in Decision.Trace,
// appending to buf (pass buf[:0] of a reused buffer; Evaluate allocates
// only if it outgrows buf's capacity).
func WithTrace(buf []Step) Option { return Option{trace: true, buf: buf} }

// WithBlocklist makes Evaluate check the tenant's block list first. Of
// several block list options (see also WithCompiledBlocklist) the last
// counts.
func WithBlocklist(b *Blocklist) Option { return Option{blocklist: b} }

// WithOverrides applies manual overrides. For each rule, the first
// override in force for it counts.
func WithOverrides(o []Override) Option { return Option{overrides: o} }

// evaluator carries one evaluation.
type evaluator struct {
	ringing   // the targets' state, the decision, its trace and the time rung
	rules     []Rule
	call      Call
	at        time.Time
	loc       *time.Location
	w         wall
	overrides []Override
	resolved  bool // overrides already resolved to fixed ends (Preview)
}

// Evaluate decides where call, arriving at instant at, goes under plan, in
// the tenant's zone loc (nil means UTC), given the targets' state:
//
//  1. If the block list (WithBlocklist) lists the caller, the call is
//     rejected.
//  2. Rules are considered by ascending priority (ties by position). A
//     rule applies if it is enabled and its condition holds at `at` (or an
//     override forces it on) and its caller filter accepts the caller.
//  3. An applying rule rings its targets in order; targets marked Parallel
//     ring together with the one before. The first target that answers
//     ends the evaluation. Busy, offline and DND targets are skipped at
//     once; unanswered ones after their ring duration. A target with
//     unlimited duration that rings unanswered keeps the call
//     (OutcomeUnanswered).
//  4. If no target of the rule answers, the call falls through to the next
//     applying rule, and after the last one to the base rule.
//
// Evaluate is pure and safe for concurrent use. It does not allocate,
// except when a trace outgrows the buffer given to WithTrace and on the
// first use of a year's holiday table. To evaluate one plan many times
// (the call path of a PBX), Compile it once and use (*Compiled).Evaluate,
// which gives the same Decisions in less time.
func Evaluate(plan Plan, call Call, at time.Time, loc *time.Location, state TargetState, opts ...Option) Decision {
	if loc == nil {
		loc = time.UTC
	}
	if state == nil {
		state = AllAnswer
	}
	// The evaluator holds no pointer to this frame (escape analysis is not
	// field-sensitive: one leaking field would move everything to the
	// heap), so it stays on the stack.
	e := evaluator{ringing: ringing{state: state}, rules: plan.Rules, call: call, at: at, loc: loc}
	var blocked bool
	if e.overrides, blocked = e.apply(opts, call); blocked {
		return e.d
	}
	e.w = wallOf(at, loc)
	if e.run() {
		return e.d
	}
	e.d.Outcome = Outcome{Kind: OutcomeBase, Base: plan.Base, Seconds: e.elapsed}
	e.step(Step{Kind: StepBase, Rule: -1, Target: Target{Kind: TargetKind(plan.Base.Kind), Ref: plan.Base.Ref}, Offset: e.elapsed})
	return e.d
}

func (e *evaluator) step(s Step) {
	if e.trace {
		e.d.Trace = append(e.d.Trace, s)
	}
}

// run walks the rules by priority; it reports whether a rule ended the
// call.
func (e *evaluator) run() bool {
	rules := e.rules
	if sortedByPriority(rules) {
		for i := range rules {
			if e.consider(i) {
				return true
			}
		}
		return false
	}
	// Unsorted: select the next (priority, index) each time; O(n²) without
	// allocating, and plans are short.
	prevP, prevI := math.MinInt, -1
	for range rules {
		next := -1
		for i := range rules {
			p := rules[i].Priority
			if (p > prevP || p == prevP && i > prevI) && (next < 0 || p < rules[next].Priority) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		if e.consider(next) {
			return true
		}
		prevP, prevI = rules[next].Priority, next
	}
	return false
}

func sortedByPriority(rules []Rule) bool {
	for i := 1; i < len(rules); i++ {
		if rules[i].Priority < rules[i-1].Priority {
			return false
		}
	}
	return true
}

// consider evaluates rule i and rings its targets if it applies.
func (e *evaluator) consider(i int) bool {
	r := &e.rules[i]
	reason := e.applies(r)
	if e.trace {
		e.step(Step{Kind: StepRule, Rule: i, RuleID: r.ID, Reason: reason})
	}
	if reason != ReasonMatched && reason != ReasonForcedOn {
		return false
	}
	return e.ring(i, r)
}

// applies returns why rule r applies to the call at e.at or not.
func (e *evaluator) applies(r *Rule) Reason {
	mode := e.override(r)
	switch mode {
	case ForceOff:
		return ReasonForcedOff
	case ForceOn:
	default:
		if !r.Enabled {
			return ReasonDisabled
		}
		if !r.Condition.holds(&e.w, e.at, e.loc) {
			return ReasonCondition
		}
	}
	if !r.Filter.Accepts(e.call) {
		return ReasonFilter
	}
	if mode == ForceOn {
		return ReasonForcedOn
	}
	return ReasonMatched
}

// override returns the mode of the first override in force for r at e.at,
// or "".
func (e *evaluator) override(r *Rule) OverrideMode {
	for i := range e.overrides {
		o := &e.overrides[i]
		if o.RuleID != r.ID || (o.Mode != ForceOn && o.Mode != ForceOff) {
			continue
		}
		if inForce(o, &r.Condition, e.at, e.loc, e.resolved) {
			return o.Mode
		}
	}
	return ""
}

// inForce reports whether o is in force at t. Unless resolved, an
// UntilNextChange override scans the rule's condition from SetAt to t.
func inForce(o *Override, c *Condition, t time.Time, loc *time.Location, resolved bool) bool {
	if !o.SetAt.IsZero() && t.Before(o.SetAt) {
		return false
	}
	switch o.Until {
	case UntilPermanent:
		return true
	case UntilTime:
		return t.Before(o.At)
	case UntilNextChange:
		if o.SetAt.IsZero() {
			return false
		}
		if resolved {
			return t.Before(o.At)
		}
		_, changed := nextChange(c, o.SetAt, t, loc)
		return !changed
	}
	return false
}

// maxGroupDepth bounds nested ring groups (Validate rejects cycles; this
// keeps a bad directory from looping).
const maxGroupDepth = 4

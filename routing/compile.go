package routing

import (
	"slices"
	"strings"
	"time"
)

// Compiled is a Plan prepared for evaluation. Compile does once what
// Evaluate does on every call: it orders the rules by priority, resolves
// each condition to what a check needs (weekly, date and holiday windows as
// sorted minute ranges of the day and of the day before, dates as a bit set
// of recurring days and a sorted list of dated ones, the state of a holiday
// rule as its index, period bounds as day numbers), and splits caller
// filters into sorted sets of exact numbers and of prefixes. The wall clock
// of the call, and its civil date, are computed only if a rule needs them.
//
// (*Compiled).Evaluate gives exactly the Decision (outcome and trace) that
// Evaluate gives for the plan, with the same options, and does not allocate
// either. Compile allocates: compile a plan once per version and evaluate
// the result many times. A Compiled is immutable (it holds a deep copy of
// the plan) and safe for concurrent use.
type Compiled struct {
	rules []Rule         // a deep copy of the plan's rules, in plan order
	comp  []compiledRule // indexed like rules
	order []int32        // indices into rules by ascending priority, ties by position
	base  BaseRule
}

// condKind is the compiled kind of a condition.
type condKind uint8

const (
	condNever    condKind = iota // can never hold: unknown kind, bad state, no usable window or day
	condAlways                   // CondAlways
	condWeekdays                 // CondWeekdays
	condDates                    // CondDates
	condHolidays                 // CondHolidays
	condPeriod                   // CondPeriod with valid bounds
)

// minuteRange is the half-open range [start, end) of minutes of a day.
type minuteRange struct{ start, end uint16 }

// compiledRule is what evaluating one rule needs.
type compiledRule struct {
	enabled bool
	kind    condKind
	whole   bool     // no windows: the day predicate alone decides
	days    Weekdays // condWeekdays
	si      int      // condHolidays: index in States
	// today holds the minutes at which a window of the day itself holds;
	// prev those at which the part after midnight of a window of the day
	// before holds. Both sorted and disjoint.
	today, prev []minuteRange
	recurring   *[6]uint64 // condDates: bit i for every yearly date that is day i of a leap year; nil if none
	dated       []int64    // condDates: day numbers of the dates with a year, sorted
	from, to    int64      // condPeriod: bounds as wall-clock seconds since 1970
	fromDay     int64      // condPeriod: the bounds' day numbers
	toDay       int64
	filter      compiledFilter
}

// compiledFilter is a CallerFilter ready for lookups.
type compiledFilter struct {
	all       bool // no filter: every caller
	anonymous bool
	set       patternSet
}

// Compile prepares plan for repeated evaluation; see Compiled. Any plan
// compiles, also one Validate rejects: its rules then behave exactly as
// Evaluate treats them (a condition that can never hold never holds, a
// pattern that matches nothing matches nothing).
func Compile(plan Plan) *Compiled {
	c := &Compiled{
		rules: make([]Rule, len(plan.Rules)),
		comp:  make([]compiledRule, len(plan.Rules)),
		order: make([]int32, len(plan.Rules)),
		base:  plan.Base,
	}
	for i := range plan.Rules {
		c.rules[i] = copyRule(&plan.Rules[i])
		c.comp[i] = compileRule(&c.rules[i])
		c.order[i] = int32(i)
	}
	// By priority, ties by position: the order Evaluate walks.
	slices.SortStableFunc(c.order, func(a, b int32) int {
		return cmpInt(c.rules[a].Priority, c.rules[b].Priority)
	})
	return c
}

// copyRule returns a deep copy of r.
func copyRule(r *Rule) Rule {
	out := *r
	out.Condition.Dates = slices.Clone(r.Condition.Dates)
	out.Condition.Windows = slices.Clone(r.Condition.Windows)
	out.Targets = slices.Clone(r.Targets)
	if r.Filter != nil {
		f := *r.Filter
		f.Numbers = slices.Clone(r.Filter.Numbers)
		out.Filter = &f
	}
	return out
}

func compileRule(r *Rule) compiledRule {
	cr := compiledRule{enabled: r.Enabled, filter: compileFilter(r.Filter)}
	c := &r.Condition
	switch c.Kind {
	case CondAlways:
		cr.kind = condAlways
		return cr
	case CondPeriod:
		if c.From.Valid() && c.To.Valid() {
			cr.kind = condPeriod
			cr.fromDay, cr.from = wallSeconds(c.From)
			cr.toDay, cr.to = wallSeconds(c.To)
		}
		return cr
	case CondWeekdays:
		cr.kind, cr.days = condWeekdays, c.Weekdays&AllWeek
		if cr.days == 0 {
			cr.kind = condNever
			return cr
		}
	case CondDates:
		cr.kind = condDates
		var rec [6]uint64
		for _, d := range c.Dates {
			// Only a real date equals the civil date of a day: others
			// never match. Years beyond ±2^40 lie outside time.Time's range.
			if d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > daysIn(d.Year, d.Month) || d.Year > 1<<40 || d.Year < -1<<40 {
				continue
			}
			if d.Year == 0 {
				i := leapYearDay(int(d.Month), d.Day)
				rec[i/64] |= 1 << (i % 64)
			} else {
				cr.dated = append(cr.dated, daysFromCivil(d.Year, int(d.Month), d.Day))
			}
		}
		slices.Sort(cr.dated)
		cr.dated = slices.Clip(slices.Compact(cr.dated))
		if len(cr.dated) == 0 {
			cr.dated = nil
		}
		if rec != [6]uint64{} {
			cr.recurring = &rec
		}
		if cr.dated == nil && cr.recurring == nil {
			cr.kind = condNever
			return cr
		}
	case CondHolidays:
		cr.kind, cr.si = condHolidays, stateIndex(c.State)
		if cr.si < 0 {
			cr.kind = condNever
			return cr
		}
	default:
		return cr // condNever
	}
	if len(c.Windows) == 0 {
		cr.whole = true
		return cr
	}
	for _, w := range c.Windows {
		if w.Start == w.End || !w.Start.Valid() || !w.End.Valid() {
			continue // never matches
		}
		if w.Start < w.End {
			cr.today = append(cr.today, minuteRange{uint16(w.Start), uint16(w.End)})
			continue
		}
		// Crosses midnight: from Start to the end of its day, and on the
		// next day until End.
		if w.Start < MinutesPerDay {
			cr.today = append(cr.today, minuteRange{uint16(w.Start), MinutesPerDay})
		}
		if w.End > 0 {
			cr.prev = append(cr.prev, minuteRange{0, uint16(w.End)})
		}
	}
	cr.today, cr.prev = mergeRanges(cr.today), mergeRanges(cr.prev)
	if len(cr.today) == 0 && len(cr.prev) == 0 {
		cr.kind = condNever
	}
	return cr
}

// wallSeconds returns the day number of dt and its wall-clock seconds since
// 1970-01-01 00:00.
func wallSeconds(dt DateTime) (day, secs int64) {
	day = daysFromCivil(dt.Date.Year, int(dt.Date.Month), dt.Date.Day)
	return day, day*86400 + int64(dt.Time)*60
}

// leapYearDay returns the 0-based day of the year of month m, day d in a
// leap year.
func leapYearDay(m, d int) int {
	return int(daysFromCivil(2000, m, d) - daysFromCivil(2000, 1, 1))
}

// The first days of the years whose day of the year cwall looks up in a
// table rather than computing the civil date.
const (
	yearTableFirst = 1900
	yearTableLen   = 500 // 1900–2399
)

// yearStarts holds the day numbers of 1 January of the years from
// yearTableFirst on, and of the year after the last.
var yearStarts = func() (t [yearTableLen + 1]int64) {
	for i := range t {
		t[i] = daysFromCivil(yearTableFirst+i, 1, 1)
	}
	return t
}()

// yearDay returns the year of the day number day, its 0-based day of the
// year, and whether the year is a leap year.
func yearDay(day int64) (y, doy int, leap bool) {
	if day >= yearStarts[0] && day < yearStarts[yearTableLen] {
		i := int((day - yearStarts[0]) * 400 / 146097) // within one year of the answer
		i = min(max(i, 0), yearTableLen-1)
		if day < yearStarts[i] {
			i--
		} else if day >= yearStarts[i+1] {
			i++
		}
		return yearTableFirst + i, int(day - yearStarts[i]), yearStarts[i+1]-yearStarts[i] == 366
	}
	cv := civilOf(day)
	return cv.y, cv.doy, isLeap(cv.y)
}

// mergeRanges sorts rs and merges overlapping and adjacent ranges.
func mergeRanges(rs []minuteRange) []minuteRange {
	if len(rs) == 0 {
		return nil
	}
	slices.SortFunc(rs, func(a, b minuteRange) int { return cmpInt(int(a.start), int(b.start)) })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.start <= last.end {
			last.end = max(last.end, r.end)
			continue
		}
		out = append(out, r)
	}
	return slices.Clip(out)
}

func inRanges(rs []minuteRange, m int) bool {
	for _, r := range rs {
		if m < int(r.start) {
			return false
		}
		if m < int(r.end) {
			return true
		}
	}
	return false
}

func compileFilter(f *CallerFilter) compiledFilter {
	if f == nil {
		return compiledFilter{all: true}
	}
	return compiledFilter{anonymous: f.Anonymous, set: newPatternSet(f.Numbers)}
}

// accepts is CallerFilter.Accepts for a caller that is anonymous or has the
// number from.
func (f *compiledFilter) accepts(anonymous bool, from string) bool {
	if f.all {
		return true
	}
	if anonymous {
		return f.anonymous
	}
	return f.set.match(from)
}

// patternSet is a list of caller patterns (see MatchPattern) ready for
// lookups: the prefixes without their '*', sorted and reduced to those no
// other prefix in the set starts (so that a number can only start with the
// greatest prefix not after it), and the exact numbers no prefix covers,
// sorted. A lookup costs two binary searches.
type patternSet struct {
	prefixes []string
	exact    []string
}

func newPatternSet(patterns []string) patternSet {
	var s patternSet
	for _, p := range patterns {
		n := len(p)
		switch {
		case n > 0 && p[n-1] == '*':
			if n > 2 { // a shorter prefix matches nothing (MatchPattern)
				s.prefixes = append(s.prefixes, p[:n-1])
			}
		case p != "":
			s.exact = append(s.exact, p)
		}
	}
	slices.Sort(s.prefixes)
	kept := s.prefixes[:0]
	for _, p := range s.prefixes {
		// In sorted order the strings starting with q follow q directly, so
		// comparing with the last kept prefix finds every covered one.
		if len(kept) > 0 && strings.HasPrefix(p, kept[len(kept)-1]) {
			continue
		}
		kept = append(kept, p)
	}
	s.prefixes = slices.Clip(kept)
	slices.Sort(s.exact)
	exact := s.exact[:0]
	for i, e := range s.exact {
		if i > 0 && e == s.exact[i-1] || s.matchPrefix(e) {
			continue
		}
		exact = append(exact, e)
	}
	s.exact = slices.Clip(exact)
	if len(s.prefixes) == 0 {
		s.prefixes = nil
	}
	if len(s.exact) == 0 {
		s.exact = nil
	}
	return s
}

// match reports whether number matches one of the patterns, like matchAny.
func (s *patternSet) match(number string) bool {
	if number == "" {
		return false
	}
	if s.matchPrefix(number) {
		return true
	}
	if len(s.exact) == 0 {
		return false
	}
	lo, hi := 0, len(s.exact)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.exact[m] < number {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(s.exact) && s.exact[lo] == number
}

// matchPrefix reports whether number starts with one of the prefixes: the
// greatest prefix not after number is the only candidate.
func (s *patternSet) matchPrefix(number string) bool {
	lo, hi := 0, len(s.prefixes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.prefixes[m] <= number {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo > 0 && strings.HasPrefix(number, s.prefixes[lo-1])
}

// CompiledBlocklist is a Blocklist prepared for lookups: its entries split
// into sorted sets of exact numbers and of prefixes, so that a lookup costs
// two binary searches instead of one comparison per entry (a block list
// may hold MaxBlocked entries). It blocks exactly the calls the Blocklist
// blocks. Create it with CompileBlocklist; it is immutable and safe for
// concurrent use.
type CompiledBlocklist struct {
	anonymous bool
	set       patternSet
}

// CompileBlocklist prepares b for lookups; see CompiledBlocklist. Like
// Compile, it allocates: compile a list once per version.
func CompileBlocklist(b Blocklist) *CompiledBlocklist {
	return &CompiledBlocklist{anonymous: b.Anonymous, set: newPatternSet(b.Numbers)}
}

// Blocks reports whether the block list rejects call, as Blocklist.Blocks
// does. A nil list blocks nothing.
func (b *CompiledBlocklist) Blocks(call Call) bool {
	if b == nil {
		return false
	}
	if call.anonymous() {
		return b.anonymous
	}
	return b.set.match(string(call.From))
}

// WithCompiledBlocklist is WithBlocklist for a list prepared by
// CompileBlocklist. Evaluate and (*Compiled).Evaluate accept both; of
// several block list options the last counts.
func WithCompiledBlocklist(b *CompiledBlocklist) Option { return Option{compiled: b} }

// cwall is the wall clock of the instant being evaluated, computed on
// first use: the local day number, minute of the day and weekday, and the
// years and days of the year of the day and of the day before, each on
// first use.
type cwall struct {
	known  bool
	have   uint8 // bit i: yd[i] is known (0: the day, 1: the day before)
	minute int
	day    int64
	wd     time.Weekday
	yd     [2]yd
}

// yd is a day as a year and a 0-based day of the year.
type yd struct {
	y, doy int
	leap   bool
}

// yearDay returns the year and day of the year of the day (i == 0) or of
// the day before (i == 1).
func (w *cwall) yearDay(i int) *yd {
	if w.have&(1<<i) == 0 {
		y, doy, leap := yearDay(w.day - int64(i))
		w.yd[i] = yd{y, doy, leap}
		w.have |= 1 << i
	}
	return &w.yd[i]
}

// read fills in the wall clock of t in loc, as wallOf does.
func (w *cwall) read(t time.Time, loc *time.Location) {
	_, off := t.In(loc).Zone()
	secs := t.Unix() + int64(off)
	w.day = floorDiv(secs, 86400)
	w.minute = int((secs - w.day*86400) / 60)
	w.wd = weekdayOfDay(w.day)
	w.known = true
}

// holds is Condition.holds for the compiled condition.
func (cr *compiledRule) holds(w *cwall, t time.Time, loc *time.Location) bool {
	switch cr.kind {
	case condAlways:
		return true
	case condNever:
		return false
	}
	if !w.known {
		w.read(t, loc)
	}
	if cr.kind == condPeriod {
		return cr.after(cr.fromDay, cr.from, w, t, loc) && !cr.after(cr.toDay, cr.to, w, t, loc)
	}
	if cr.whole {
		return cr.dayHolds(w, 0)
	}
	return inRanges(cr.today, w.minute) && cr.dayHolds(w, 0) ||
		inRanges(cr.prev, w.minute) && cr.dayHolds(w, 1)
}

// after is afterBound for a bound on day bd at wall-clock seconds u.
func (cr *compiledRule) after(bd, u int64, w *cwall, t time.Time, loc *time.Location) bool {
	switch {
	case w.day > bd+1:
		return true
	case w.day < bd-1:
		return false
	}
	return t.Unix() >= firstInstant(loc, u)
}

// dayHolds is Condition.dayHolds for the day (i == 0) or the day before
// (i == 1).
func (cr *compiledRule) dayHolds(w *cwall, i int) bool {
	switch cr.kind {
	case condWeekdays:
		wd := w.wd
		if i == 1 {
			wd = (wd + 6) % 7
		}
		return cr.days&(1<<wd) != 0
	case condDates:
		if cr.dated != nil {
			if _, found := slices.BinarySearch(cr.dated, w.day-int64(i)); found {
				return true
			}
		}
		if cr.recurring == nil {
			return false
		}
		d := w.yearDay(i)
		ld := d.doy
		if !d.leap && ld >= 59 { // from 1 March on, a common year is a day behind
			ld++
		}
		return cr.recurring[ld/64]&(1<<(ld%64)) != 0
	case condHolidays:
		d := w.yearDay(i)
		return isHolidayDay(cr.si, d.y, d.doy)
	}
	return false
}

// Evaluate decides where call, arriving at instant at, goes under the
// compiled plan, in the zone loc (nil means UTC), given the targets' state
// (nil means AllAnswer). It takes the options of Evaluate and returns
// exactly the Decision Evaluate returns for the plan. It is safe for
// concurrent use and does not allocate, except when a trace outgrows the
// buffer given to WithTrace and on the first use of a year's holiday
// table.
func (c *Compiled) Evaluate(call Call, at time.Time, loc *time.Location, state TargetState, opts ...Option) Decision {
	if loc == nil {
		loc = time.UTC
	}
	if state == nil {
		state = AllAnswer
	}
	// As in Evaluate, e stays on the stack.
	e := ringing{state: state}
	overrides, blocked := e.apply(opts, call)
	if blocked {
		return e.d
	}
	var w cwall
	anonymous, from := call.anonymous(), string(call.From)
	for _, i := range c.order {
		r, cr := &c.rules[i], &c.comp[i]
		var mode OverrideMode
		if len(overrides) > 0 {
			mode = overrideMode(overrides, r, at, loc)
		}
		reason := ReasonMatched
		switch {
		case mode == ForceOff:
			reason = ReasonForcedOff
		case mode != ForceOn && !cr.enabled:
			reason = ReasonDisabled
		case mode != ForceOn && !cr.holds(&w, at, loc):
			reason = ReasonCondition
		case !cr.filter.accepts(anonymous, from):
			reason = ReasonFilter
		case mode == ForceOn:
			reason = ReasonForcedOn
		}
		if e.trace {
			e.d.Trace = append(e.d.Trace, Step{Kind: StepRule, Rule: int(i), RuleID: r.ID, Reason: reason})
		}
		if (reason == ReasonMatched || reason == ReasonForcedOn) && e.ring(int(i), r) {
			return e.d
		}
	}
	e.d.Outcome = Outcome{Kind: OutcomeBase, Base: c.base, Seconds: e.elapsed}
	if e.trace {
		e.d.Trace = append(e.d.Trace, Step{Kind: StepBase, Rule: -1, Target: Target{Kind: TargetKind(c.base.Kind), Ref: c.base.Ref}, Offset: e.elapsed})
	}
	return e.d
}

// overrideMode is evaluator.override: the mode of the first override in
// force for r at t, or "".
func overrideMode(overrides []Override, r *Rule, t time.Time, loc *time.Location) OverrideMode {
	for i := range overrides {
		o := &overrides[i]
		if o.RuleID != r.ID || (o.Mode != ForceOn && o.Mode != ForceOff) {
			continue
		}
		if inForce(o, &r.Condition, t, loc, false) {
			return o.Mode
		}
	}
	return ""
}

// ringing carries what ringing a rule's targets needs and gives: the
// targets' state, the decision with its trace (if traced), and the seconds
// rung so far. Evaluate and (*Compiled).Evaluate both ring with it.
type ringing struct {
	state   TargetState
	trace   bool
	elapsed int
	d       Decision
}

// apply takes opts: it starts the trace if one is asked for, and returns
// the overrides and whether the block list (plain or compiled; the last one
// given counts) blocks call. A blocked call's decision is complete.
func (e *ringing) apply(opts []Option, call Call) (overrides []Override, blocked bool) {
	var bl *Blocklist
	var cb *CompiledBlocklist
	for i := range opts {
		o := &opts[i]
		if o.trace {
			e.trace = true
			e.d.Trace = o.buf
		}
		if o.blocklist != nil {
			bl, cb = o.blocklist, nil
		}
		if o.compiled != nil {
			bl, cb = nil, o.compiled
		}
		if o.overrides != nil {
			overrides = o.overrides
		}
	}
	if !bl.Blocks(call) && !cb.Blocks(call) {
		return overrides, false
	}
	e.d.Blocked = true
	e.d.Outcome = Outcome{Kind: OutcomeRejected}
	if e.trace {
		e.d.Trace = append(e.d.Trace, Step{Kind: StepBlocklist, Rule: -1, Reason: ReasonBlocked})
	}
	return overrides, true
}

// ring rings the targets of rule r (index ri), each trace step built in
// place in the trace; it reports whether the call ended there.
func (e *ringing) ring(ri int, r *Rule) bool {
	ts := r.Targets
	for i := 0; i < len(ts); {
		j := i + 1
		for j < len(ts) && ts[j].Parallel {
			j++
		}
		dur, unlimited := 0, false
		answered, member := -1, Target{}
		for k := i; k < j; k++ {
			t := &ts[k]
			var st Status
			var m Target
			if e.trace {
				at := len(e.d.Trace)
				e.d.Trace = append(e.d.Trace, Step{Kind: StepTarget, Rule: ri, RuleID: r.ID, Target: *t, Offset: e.elapsed})
				st, m = e.status(t, ri, r.ID, 0)
				e.d.Trace[at].Status = st
			} else {
				st, m = e.status(t, ri, r.ID, 0)
			}
			if st == StatusAnswered && answered < 0 {
				answered, member = k, m
			}
			if st.rang() {
				if t.RingSeconds <= 0 {
					unlimited = true
				} else {
					dur = max(dur, t.RingSeconds)
				}
			}
		}
		if answered >= 0 {
			e.d.Outcome = Outcome{Kind: OutcomeAnswered, RuleID: r.ID, Target: ts[answered], Member: member, Seconds: e.elapsed}
			return true
		}
		if unlimited {
			for k := i; k < j; k++ {
				if ts[k].RingSeconds <= 0 {
					e.d.Outcome = Outcome{Kind: OutcomeUnanswered, RuleID: r.ID, Target: ts[k], Seconds: e.elapsed}
					break
				}
			}
			return true
		}
		e.elapsed += dur
		i = j
	}
	return false
}

// status returns the state of t and, for a ring group, the member that
// answered; members that are no ring group are asked directly, and their
// trace steps built in place.
func (e *ringing) status(t *Target, ri int, id string, depth int) (Status, Target) {
	if t.Kind != TargetRingGroup {
		return e.state.Status(*t), Target{}
	}
	members, ok := e.state.Members(t.Ref)
	if !ok {
		return e.state.Status(*t), Target{}
	}
	if depth >= maxGroupDepth {
		return StatusOffline, Target{}
	}
	var noAnswer, busy, dnd bool
	who := -1 // the first member that answered
	var sub Target
	for i := range members {
		m := &members[i]
		at := len(e.d.Trace)
		if e.trace {
			e.d.Trace = append(e.d.Trace, Step{Kind: StepMember, Rule: ri, RuleID: id, Target: *m, Offset: e.elapsed})
			e.d.Trace[at].Target.RingSeconds = t.RingSeconds
		}
		var st Status
		var s Target
		if m.Kind != TargetRingGroup {
			st = e.state.Status(*m)
		} else {
			st, s = e.status(m, ri, id, depth+1)
		}
		if e.trace {
			e.d.Trace[at].Status = st
		}
		switch st {
		case StatusAnswered:
			if who < 0 {
				who, sub = i, s
			}
		case StatusNoAnswer:
			noAnswer = true
		case StatusBusy:
			busy = true
		case StatusDND:
			dnd = true
		}
	}
	switch {
	case who >= 0:
		if sub.Kind != "" {
			return StatusAnswered, sub
		}
		w := members[who]
		w.RingSeconds = t.RingSeconds
		return StatusAnswered, w
	case noAnswer:
		return StatusNoAnswer, Target{}
	case busy:
		return StatusBusy, Target{}
	case dnd:
		return StatusDND, Target{}
	}
	return StatusOffline, Target{}
}

package routing

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
)

// Plan is the routing of one voice number ("Routing"): rules checked by
// priority, then the mandatory base rule. Plans are plain data: they are
// serialised as JSON, checked by Validate and evaluated by Evaluate and
// Preview. Version is the optimistic-concurrency version kept by the store.
type Plan struct {
	Rules   []Rule   `json:"rules"`
	Base    BaseRule `json:"base"`
	Version int64    `json:"version"`
}

// DefaultPlan returns the plan of a newly activated or wiped number: no
// rules, and the provider's standard mailbox as the base rule.
func DefaultPlan() Plan { return Plan{Base: BaseRule{Kind: BaseMailbox}} }

// Limits Validate enforces, so that evaluation stays cheap and bounded.
const (
	MaxRules       = 100  // rules in a plan
	MaxTargets     = 20   // targets of a rule
	MaxWindows     = 10   // time windows of a condition
	MaxDates       = 400  // dates of a condition
	MaxNumbers     = 200  // numbers and prefixes of a caller filter
	MaxBlocked     = 5000 // numbers and prefixes of a block list
	MaxRingSeconds = 600  // the longest finite ring duration
	maxTextLen     = 100  // names, IDs and references
)

// Rule is a forwarding rule ("Weiterleitungsregel"). A rule applies to a
// call when it is enabled (or forced on by an Override), its Condition holds
// at the time of the call and its Filter, if any, accepts the caller. It then
// rings its Targets; if none answers, the call falls through to the next
// applying rule and finally to the base rule.
type Rule struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`     // free text, for the overview
	Priority  int           `json:"priority"` // 1 is checked first; unique within a plan
	Enabled   bool          `json:"enabled"`
	Condition Condition     `json:"condition"`
	Filter    *CallerFilter `json:"filter,omitempty"` // "Anruffilter"; nil accepts every caller
	Targets   []Target      `json:"targets"`
}

// Label returns the rule's name, or its ID if it has none.
func (r *Rule) Label() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// ConditionKind is the kind of a rule's time condition ("Weiterleitungstyp").
type ConditionKind string

// The condition kinds.
const (
	// CondAlways: at any time ("Weiterleitung ohne Regel").
	CondAlways ConditionKind = "always"
	// CondWeekdays: on the given weekdays within the windows ("Weiterleitung
	// mit Zeitsteuerung nach Wochentag").
	CondWeekdays ConditionKind = "weekdays"
	// CondDates: on the given dates within the windows ("Weiterleitung mit
	// Zeitsteuerung nach Datum"); a date without a year recurs every year.
	CondDates ConditionKind = "dates"
	// CondPeriod: from one local date and time to another ("Weiterleitung
	// mit Zeitsteuerung nach Zeitraum").
	CondPeriod ConditionKind = "period"
	// CondHolidays: on the public holidays of a German state, within the
	// windows (an SDK extension).
	CondHolidays ConditionKind = "holidays"
)

// Label returns the German name of the kind.
func (k ConditionKind) Label() string {
	switch k {
	case CondAlways:
		return "ohne Regel"
	case CondWeekdays:
		return "nach Wochentag"
	case CondDates:
		return "nach Datum"
	case CondPeriod:
		return "nach Zeitraum"
	case CondHolidays:
		return "an Feiertagen"
	}
	return string(k)
}

// Condition is when a rule applies. Which fields count depends on Kind:
//
//   - CondAlways: none.
//   - CondWeekdays: Weekdays and Windows.
//   - CondDates: Dates and Windows.
//   - CondPeriod: From and To, the half-open period [From, To) on the local
//     wall clock.
//   - CondHolidays: State (a Bundesland code such as "NW") and Windows.
//
// An empty Windows list means the whole day (00:00–24:00). A window that
// crosses midnight belongs to the day it starts on (see Window). Times are
// local wall-clock values; the zone is the tenant's and is given at
// evaluation, never stored in the rule.
type Condition struct {
	Kind     ConditionKind `json:"kind"`
	Weekdays Weekdays      `json:"weekdays,omitempty"`
	Dates    []Date        `json:"dates,omitempty"`
	Windows  []Window      `json:"windows,omitempty"`
	From     DateTime      `json:"from,omitzero"`
	To       DateTime      `json:"to,omitzero"`
	State    string        `json:"state,omitempty"`
}

// Always returns the condition that always holds ("ohne Regel").
func Always() Condition { return Condition{Kind: CondAlways} }

// Weekly returns the condition "on days, within windows" ("nach
// Wochentag"); no windows means the whole day.
func Weekly(days Weekdays, windows ...Window) Condition {
	return Condition{Kind: CondWeekdays, Weekdays: days, Windows: windows}
}

// OnDates returns the condition "on these dates, within windows" ("nach
// Datum"); no windows means the whole day.
func OnDates(dates []Date, windows ...Window) Condition {
	return Condition{Kind: CondDates, Dates: dates, Windows: windows}
}

// Between returns the condition "from from until before to" ("nach
// Zeitraum").
func Between(from, to DateTime) Condition {
	return Condition{Kind: CondPeriod, From: from, To: to}
}

// OnHolidays returns the condition "on the public holidays of state,
// within windows"; no windows means the whole day.
func OnHolidays(state string, windows ...Window) Condition {
	return Condition{Kind: CondHolidays, State: state, Windows: windows}
}

// Label returns a German description, e.g. "Mo–Fr 08:00–18:00",
// "24.12., 31.12. ganztägig", "01.08.2026 00:00 – 06.08.2026 00:00",
// "Feiertage NW ganztägig" or "ohne Regel".
func (c *Condition) Label() string {
	win := func() string {
		if len(c.Windows) == 0 {
			return "ganztägig"
		}
		parts := make([]string, len(c.Windows))
		for i, w := range c.Windows {
			if w == AllDay {
				parts[i] = "ganztägig"
				continue
			}
			parts[i] = w.Start.String() + "–" + w.End.String()
		}
		return strings.Join(parts, ", ")
	}
	switch c.Kind {
	case CondAlways:
		return "ohne Regel"
	case CondWeekdays:
		return c.Weekdays.Label() + " " + win()
	case CondDates:
		parts := make([]string, 0, len(c.Dates))
		for i, d := range c.Dates {
			if i == 5 {
				parts = append(parts, "… ("+strconv.Itoa(len(c.Dates))+" Tage)")
				break
			}
			parts = append(parts, d.Label())
		}
		return strings.Join(parts, ", ") + " " + win()
	case CondPeriod:
		return c.From.Label() + " – " + c.To.Label()
	case CondHolidays:
		return "Feiertage " + c.State + " " + win()
	}
	return string(c.Kind)
}

// FilterMode is how a caller filter treats the callers it lists.
type FilterMode string

// FilterWhitelist is the only mode: the rule applies only to the listed
// callers; other callers skip the rule (they are not rejected). The empty
// mode means FilterWhitelist.
const FilterWhitelist FilterMode = "whitelist"

// CallerFilter is a rule's caller filter ("Anruffilter"), with whitelist
// semantics: the rule applies only to anonymous calls if Anonymous is set,
// and to calls from numbers matching one of Numbers. Each entry is an exact
// E.164 number ("+4922112345") or a prefix with a trailing '*' ("+43*",
// "+49221*"); NormalizePattern turns national input ("0043*", "0221 12345")
// into that form.
type CallerFilter struct {
	Mode      FilterMode `json:"mode,omitempty"`
	Anonymous bool       `json:"anonymous"`
	Numbers   []string   `json:"numbers,omitempty"`
}

// Accepts reports whether the filter lets call through to its rule. A nil
// filter accepts every call.
func (f *CallerFilter) Accepts(call Call) bool {
	if f == nil {
		return true
	}
	if call.anonymous() {
		return f.Anonymous
	}
	return matchAny(f.Numbers, string(call.From))
}

// Blocklist is the tenant-wide block list ("Sperrliste"), checked before
// any rule: a blocked call is rejected ("nicht erreichbar"). Numbers holds
// exact E.164 numbers and prefixes with a trailing '*', as in CallerFilter;
// Anonymous blocks calls without a caller number.
type Blocklist struct {
	Anonymous bool     `json:"anonymous"`
	Numbers   []string `json:"numbers,omitempty"`
}

// Blocks reports whether the block list rejects call. A nil list blocks
// nothing.
func (b *Blocklist) Blocks(call Call) bool {
	if b == nil {
		return false
	}
	if call.anonymous() {
		return b.Anonymous
	}
	return matchAny(b.Numbers, string(call.From))
}

// Validate checks the block list: every entry must be a normalised number
// or prefix (see NormalizePattern). Errors are *numberdesk.Error with Code
// invalid and Field "numbers[i]".
func (b *Blocklist) Validate() error {
	if len(b.Numbers) > MaxBlocked {
		return numberdesk.E(numberdesk.CodeInvalid, opValidate, "numbers", "Die Sperrliste ist zu lang.")
	}
	for i, p := range b.Numbers {
		if err := checkPattern(p, "numbers["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	return nil
}

// matchAny reports whether number matches one of the patterns.
func matchAny(patterns []string, number string) bool {
	if number == "" {
		return false
	}
	for _, p := range patterns {
		if MatchPattern(p, number) {
			return true
		}
	}
	return false
}

// MatchPattern reports whether the E.164 number matches pattern: equal to
// an exact pattern, or starting with the digits of a prefix pattern (one
// with a trailing '*'). "+43*" matches "+431234567"; "+49221*" matches
// "+4922112345"; a lone "*" matches nothing (Validate rejects it).
func MatchPattern(pattern, number string) bool {
	if n := len(pattern); n > 0 && pattern[n-1] == '*' {
		return n > 2 && strings.HasPrefix(number, pattern[:n-1])
	}
	return pattern != "" && pattern == number
}

// NormalizePattern turns a number or prefix as a person types it into the
// stored form: an exact number in E.164 ("0221 12345-10" →
// "+492211234510"), or a prefix with a trailing '*' with its international
// digits ("0043*" → "+43*", "0221*" → "+49221*", "+49 (0)221*" →
// "+49221*"). A number must start with "+", "00" or a national 0 (taken as
// German). Errors are *numberdesk.Error with Code invalid and Field
// "number".
func NormalizePattern(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "*") {
		body := strings.TrimSpace(strings.TrimSuffix(s, "*"))
		if strings.ContainsAny(body, "*?") || body == "" {
			return "", errPattern("Der Platzhalter * ist nur am Ende erlaubt.")
		}
		if body[0] != '+' && body[0] != '0' {
			return "", errPattern("Die Vorwahl muss mit 0, 00 oder + beginnen.")
		}
		for i := 0; i < len(body); i++ {
			c := body[i]
			if !(c >= '0' && c <= '9' || c == '+' && i == 0 || strings.IndexByte(" -/().", c) >= 0) {
				return "", errPattern("Die Vorwahl enthält ungültige Zeichen.")
			}
		}
		d := phone.Digits(body)
		switch {
		case d == "" || d[0] == '0':
			return "", errPattern("Die Vorwahl ist ungültig.")
		case len(d) > 15:
			return "", errPattern("Die Vorwahl ist zu lang.")
		}
		return "+" + d + "*", nil
	}
	n, err := phone.Parse(s)
	if err != nil {
		return "", errPattern(numberdesk.ErrorMessage(err))
	}
	return string(n), nil
}

func errPattern(msg string) error {
	return numberdesk.E(numberdesk.CodeInvalid, "routing.NormalizePattern", "number", msg)
}

// checkPattern checks that p is in the stored form NormalizePattern
// produces.
func checkPattern(p, field string) error {
	if n := len(p); n > 0 && p[n-1] == '*' {
		d := p[:n-1]
		if len(d) >= 2 && len(d) <= 16 && d[0] == '+' && d[1] != '0' && digits(d[1:]) {
			return nil
		}
		return numberdesk.E(numberdesk.CodeInvalid, opValidate, field, "Die Vorwahl ist ungültig; bitte als +<Ländervorwahl><Ortsvorwahl>* angeben.")
	}
	if !phone.E164(p).Valid() {
		return numberdesk.E(numberdesk.CodeInvalid, opValidate, field, "Die Rufnummer ist ungültig; bitte im internationalen Format (+49…) angeben.")
	}
	return nil
}

// TargetKind is what a target is ("Weiterleitungsziel").
type TargetKind string

// The target kinds.
const (
	TargetDevice    TargetKind = "device"     // an IP device ("IP-Endgerät"); Ref is its ID
	TargetMailbox   TargetKind = "mailbox"    // a mailbox; Ref is its ID
	TargetRingGroup TargetKind = "ring_group" // a ring group ("Rufgruppe"); Ref is its ID
	TargetExternal  TargetKind = "external"   // an external number ("Weiterleitung"); Ref is E.164
)

// Label returns the German name of the kind.
func (k TargetKind) Label() string {
	switch k {
	case TargetDevice:
		return "Endgerät"
	case TargetMailbox:
		return "Mailbox"
	case TargetRingGroup:
		return "Rufgruppe"
	case TargetExternal:
		return "externe Rufnummer"
	}
	return string(k)
}

// Target is a destination of a rule. RingSeconds is how long it rings
// before the call moves on ("nach 30 Sekunden"); 0 means unlimited ("nach
// Unbegrenzt"): it rings until it is answered or the caller hangs up, so
// targets after it are reached only if it is busy, offline or on DND.
// Parallel makes the target ring together with the target before it
// ("Paralleles Klingeln"; ignored on the first target); consecutive
// parallel targets form one group with the target before them, which rings
// until the longest of their durations has passed. Announcement
// names a prompt played to the caller before this target rings ("Ansage
// vor der Weiterleitung").
type Target struct {
	Kind         TargetKind `json:"kind"`
	Ref          string     `json:"ref"`
	RingSeconds  int        `json:"ring_seconds"`
	Parallel     bool       `json:"parallel,omitempty"`
	Announcement string     `json:"announcement,omitempty"`
}

// BaseKind is what the base rule does.
type BaseKind string

// The base rule kinds.
const (
	// BaseMailbox: a mailbox; Ref is its ID, or empty for the provider's
	// standard mailbox with its standard announcement (the default).
	BaseMailbox BaseKind = "mailbox"
	// BaseHolderMailbox: the mailbox of the number's holder ("eigene
	// Mailbox").
	BaseHolderMailbox BaseKind = "holder_mailbox"
	// BaseRingingTone: the caller hears ringing, no phone rings
	// ("Freizeichen").
	BaseRingingTone BaseKind = "ringing_tone"
)

// Label returns the German name of the kind.
func (k BaseKind) Label() string {
	switch k {
	case BaseMailbox:
		return "Mailbox"
	case BaseHolderMailbox:
		return "eigene Mailbox"
	case BaseRingingTone:
		return "Freizeichen"
	}
	return string(k)
}

// BaseRule is the mandatory last resort of a plan ("Basisregel"): it takes
// every call no rule answered.
type BaseRule struct {
	Kind BaseKind `json:"kind"`
	Ref  string   `json:"ref,omitempty"`
}

// OverrideMode is what an Override does to its rule.
type OverrideMode string

// The override modes.
const (
	ForceOn  OverrideMode = "force_on"  // the rule applies whatever its condition and Enabled say
	ForceOff OverrideMode = "force_off" // the rule never applies
)

// OverrideUntil is how long an Override lasts.
type OverrideUntil string

// The override durations.
const (
	// UntilNextChange: until the rule's own condition next changes its value
	// after SetAt (e.g. a "closed today" switch that ends when the office
	// hours next begin or end). An always-rule never changes, so on it this
	// lasts like UntilPermanent.
	UntilNextChange OverrideUntil = "next_change"
	// UntilTime: until At.
	UntilTime OverrideUntil = "time"
	// UntilPermanent: until it is removed.
	UntilPermanent OverrideUntil = "permanent"
)

// Override is a manual switch forcing one rule on or off ("Umschaltung"),
// evaluated at call time. It is in force from SetAt (the instant it was set;
// zero means since ever, except for UntilNextChange, which needs it) until
// its Until says it ends; the end itself is excluded.
type Override struct {
	RuleID string        `json:"rule_id"`
	Mode   OverrideMode  `json:"mode"`
	Until  OverrideUntil `json:"until"`
	SetAt  time.Time     `json:"set_at,omitzero"`
	At     time.Time     `json:"at,omitzero"` // the end, for UntilTime
}

// Call is an incoming call as routing sees it. A call with an empty From or
// Anonymous set (the caller suppressed the number, CLIR) is anonymous.
type Call struct {
	From      phone.E164 `json:"from,omitempty"`
	Anonymous bool       `json:"anonymous,omitempty"`
}

func (c Call) anonymous() bool { return c.Anonymous || c.From == "" }

// Normalize returns a copy of p with caller-filter numbers and external
// targets in their stored form (see NormalizePattern): "0221 12345" →
// "+4922112345", "0043*" → "+43*". It fails on the first entry that cannot
// be read, with Field pointing at it (e.g. "rules[1].filter.numbers[0]").
func (p Plan) Normalize() (Plan, error) {
	out := p
	out.Rules = make([]Rule, len(p.Rules))
	for i, r := range p.Rules {
		rf := "rules[" + strconv.Itoa(i) + "]"
		if r.Filter != nil {
			f := *r.Filter
			f.Numbers = make([]string, len(r.Filter.Numbers))
			for j, n := range r.Filter.Numbers {
				v, err := NormalizePattern(n)
				if err != nil {
					return Plan{}, withField(err, "routing.Plan.Normalize", rf+".filter.numbers["+strconv.Itoa(j)+"]")
				}
				f.Numbers[j] = v
			}
			r.Filter = &f
		}
		r.Targets = append([]Target(nil), r.Targets...)
		for j, t := range r.Targets {
			if t.Kind == TargetExternal {
				n, err := phone.Parse(t.Ref)
				if err != nil {
					return Plan{}, withField(err, "routing.Plan.Normalize", rf+".targets["+strconv.Itoa(j)+"].ref")
				}
				r.Targets[j].Ref = string(n)
			}
		}
		out.Rules[i] = r
	}
	return out, nil
}

// Normalize returns a copy of b with every entry in its stored form.
func (b Blocklist) Normalize() (Blocklist, error) {
	out := b
	out.Numbers = make([]string, len(b.Numbers))
	for i, n := range b.Numbers {
		v, err := NormalizePattern(n)
		if err != nil {
			return Blocklist{}, withField(err, "routing.Blocklist.Normalize", "numbers["+strconv.Itoa(i)+"]")
		}
		out.Numbers[i] = v
	}
	return out, nil
}

func withField(err error, op, field string) error {
	return &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: field, Message: numberdesk.ErrorMessage(err), Err: err}
}

// DecodePlan reads a plan from JSON, refusing unknown fields and trailing
// data. Malformed input is a *numberdesk.Error with Code invalid and, where
// known, Field naming the offending field. DecodePlan does not Validate.
func DecodePlan(data []byte) (Plan, error) {
	const op = "routing.DecodePlan"
	if len(data) > 1<<20 {
		return Plan{}, numberdesk.E(numberdesk.CodeInvalid, op, "", "Der Plan ist zu groß.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		field := ""
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field = te.Field
		}
		return Plan{}, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: field, Message: "Der Plan ist kein gültiges JSON.", Err: err}
	}
	if dec.More() {
		return Plan{}, numberdesk.E(numberdesk.CodeInvalid, op, "", "Der Plan ist kein gültiges JSON.")
	}
	return p, nil
}

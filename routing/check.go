package routing

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
)

const opValidate = "routing.Validate"

// Directory tells Validate about the tenant: which devices, mailboxes and
// ring groups exist, what a ring group contains, and which external numbers
// are the tenant's own numbers with a plan of their own (so that
// forwarding loops through them can be found). The service builds it from
// the store; StaticDirectory is a map-based one.
type Directory interface {
	// Self returns the number whose plan is being validated, or "" if it is
	// not known (then a loop back to it is found only through the stored
	// plan that PlanOf returns for it).
	Self() phone.E164
	// Exists reports whether the device, mailbox or ring group ref exists.
	Exists(kind TargetKind, ref string) bool
	// Members returns the members of a ring group.
	Members(group string) ([]Target, bool)
	// PlanOf returns the plan of n if n is one of the tenant's own voice
	// numbers.
	PlanOf(n phone.E164) (Plan, bool)
}

// StaticDirectory is a Directory backed by maps.
type StaticDirectory struct {
	Number    phone.E164          // the number whose plan is validated
	Devices   map[string]bool     // device IDs
	Mailboxes map[string]bool     // mailbox IDs
	Groups    map[string][]Target // ring group ID → members
	Plans     map[phone.E164]Plan // the tenant's other numbers and their plans
}

// Self implements Directory.
func (d *StaticDirectory) Self() phone.E164 { return d.Number }

// Exists implements Directory.
func (d *StaticDirectory) Exists(kind TargetKind, ref string) bool {
	switch kind {
	case TargetDevice:
		return d.Devices[ref]
	case TargetMailbox:
		return d.Mailboxes[ref]
	case TargetRingGroup:
		_, ok := d.Groups[ref]
		return ok
	}
	return false
}

// Members implements Directory.
func (d *StaticDirectory) Members(group string) ([]Target, bool) {
	m, ok := d.Groups[group]
	return m, ok
}

// PlanOf implements Directory.
func (d *StaticDirectory) PlanOf(n phone.E164) (Plan, bool) {
	p, ok := d.Plans[n]
	return p, ok
}

// Validate checks plan and returns the first problem as a
// *numberdesk.Error with Code invalid, a Field pointing at it (e.g.
// "rules[2].targets[0].ref", the index being the position in Rules) and a
// short German message. It rejects:
//
//   - a missing or malformed base rule;
//   - rules without ID or name, duplicate IDs, priorities below 1 and
//     duplicate priorities;
//   - conditions that can never hold: no weekday, no date, an invalid date,
//     a window whose start equals its end, a period that ends before it
//     begins, an unknown state; and fields that do not belong to the kind;
//   - empty caller filters and filter entries not in stored form (see
//     NormalizePattern);
//   - rules without targets, unknown target kinds, ring durations out of
//     range, external targets that are not E.164;
//   - dangling targets: devices, mailboxes and ring groups dir does not
//     know;
//   - unreachable rules: a rule below an enabled rule without filter that
//     always applies and has a mailbox target, so that it is always
//     answered and never falls through;
//   - forwarding loops: an external target that is one of the tenant's
//     numbers (dir.PlanOf) whose plan leads back, directly, through other
//     numbers or through ring groups. Disabled rules count, since an
//     override may switch them on; time conditions are not intersected.
//
// Dates and periods that lie in the past are not errors (see Expired). A
// nil dir skips the checks that need it (dangling targets and loops).
func Validate(plan Plan, dir Directory) error {
	if err := checkBase(plan.Base, dir); err != nil {
		return err
	}
	if len(plan.Rules) > MaxRules {
		return invalid("rules", "Es sind höchstens %d Regeln erlaubt.", MaxRules)
	}
	ids := make(map[string]int, len(plan.Rules))
	prios := make(map[int]int, len(plan.Rules))
	for i := range plan.Rules {
		r := &plan.Rules[i]
		f := "rules[" + strconv.Itoa(i) + "]"
		switch {
		case strings.TrimSpace(r.ID) == "":
			return invalid(f+".id", "Die Regel braucht eine ID.")
		case !textOK(r.ID):
			return invalid(f+".id", "Die ID ist ungültig.")
		case strings.TrimSpace(r.Name) == "":
			return invalid(f+".name", "Bitte geben Sie der Regel einen Namen.")
		case !textOK(r.Name):
			return invalid(f+".name", "Der Name ist zu lang oder enthält ungültige Zeichen.")
		case r.Priority < 1:
			return invalid(f+".priority", "Die Priorität muss mindestens 1 sein.")
		}
		if j, dup := ids[r.ID]; dup {
			return invalid(f+".id", "Die ID ist bereits an Regel %d vergeben.", j+1)
		}
		ids[r.ID] = i
		if j, dup := prios[r.Priority]; dup {
			return invalid(f+".priority", "Die Priorität %d ist bereits an Regel „%s“ vergeben.", r.Priority, plan.Rules[j].Label())
		}
		prios[r.Priority] = i
		if err := checkCondition(&r.Condition, f+".condition"); err != nil {
			return err
		}
		if err := checkFilter(r.Filter, f+".filter"); err != nil {
			return err
		}
		if err := checkTargets(r.Targets, f+".targets", dir); err != nil {
			return err
		}
	}
	if err := checkReachable(plan.Rules); err != nil {
		return err
	}
	if dir != nil {
		if err := checkLoops(plan, dir); err != nil {
			return err
		}
	}
	return nil
}

func invalid(field, msg string, args ...any) error {
	return numberdesk.E(numberdesk.CodeInvalid, opValidate, field, msg, args...)
}

// textOK reports whether s is valid UTF-8 of at most maxTextLen runes
// without control characters.
func textOK(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxTextLen {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func checkBase(b BaseRule, dir Directory) error {
	switch b.Kind {
	case "":
		return invalid("base.kind", "Die Basisregel fehlt.")
	case BaseMailbox:
		if b.Ref != "" {
			if !textOK(b.Ref) {
				return invalid("base.ref", "Die Mailbox ist ungültig.")
			}
			if dir != nil && !dir.Exists(TargetMailbox, b.Ref) {
				return invalid("base.ref", "Die Mailbox der Basisregel existiert nicht.")
			}
		}
	case BaseHolderMailbox, BaseRingingTone:
		if b.Ref != "" {
			return invalid("base.ref", "Diese Basisregel hat kein Ziel.")
		}
	default:
		return invalid("base.kind", "Die Basisregel ist ungültig.")
	}
	return nil
}

func checkCondition(c *Condition, f string) error {
	stray := func(name string) error {
		return invalid(f+"."+name, "Dieses Feld passt nicht zur Art der Zeitsteuerung „%s“.", c.Kind.Label())
	}
	usesWindows := c.Kind == CondWeekdays || c.Kind == CondDates || c.Kind == CondHolidays
	switch {
	case c.Kind != CondWeekdays && c.Weekdays != 0:
		return stray("weekdays")
	case c.Kind != CondDates && len(c.Dates) > 0:
		return stray("dates")
	case !usesWindows && len(c.Windows) > 0:
		return stray("windows")
	case c.Kind != CondPeriod && !c.From.IsZero():
		return stray("from")
	case c.Kind != CondPeriod && !c.To.IsZero():
		return stray("to")
	case c.Kind != CondHolidays && c.State != "":
		return stray("state")
	}
	switch c.Kind {
	case CondAlways:
	case CondWeekdays:
		if c.Weekdays&AllWeek == 0 || c.Weekdays&^AllWeek != 0 {
			return invalid(f+".weekdays", "Bitte wählen Sie mindestens einen Wochentag.")
		}
	case CondDates:
		if len(c.Dates) == 0 {
			return invalid(f+".dates", "Bitte geben Sie mindestens ein Datum an.")
		}
		if len(c.Dates) > MaxDates {
			return invalid(f+".dates", "Es sind höchstens %d Daten erlaubt.", MaxDates)
		}
		for k, d := range c.Dates {
			if !d.Valid() {
				return invalid(f+".dates["+strconv.Itoa(k)+"]", "Das Datum ist ungültig.")
			}
		}
	case CondPeriod:
		switch {
		case !c.From.Valid():
			return invalid(f+".from", "Bitte geben Sie den Beginn des Zeitraums an.")
		case !c.To.Valid():
			return invalid(f+".to", "Bitte geben Sie das Ende des Zeitraums an.")
		case c.To.Compare(c.From) <= 0:
			return invalid(f+".to", "Das Ende des Zeitraums muss nach dem Beginn liegen.")
		}
	case CondHolidays:
		if !ValidState(c.State) {
			return invalid(f+".state", "Bitte wählen Sie ein Bundesland.")
		}
	case "":
		return invalid(f+".kind", "Bitte wählen Sie die Art der Zeitsteuerung.")
	default:
		return invalid(f+".kind", "Die Art der Zeitsteuerung ist ungültig.")
	}
	if len(c.Windows) > MaxWindows {
		return invalid(f+".windows", "Es sind höchstens %d Zeitfenster erlaubt.", MaxWindows)
	}
	for k, w := range c.Windows {
		wf := f + ".windows[" + strconv.Itoa(k) + "]"
		switch {
		case w.Start >= MinutesPerDay:
			return invalid(wf, "Der Beginn des Zeitfensters ist ungültig.")
		case w.End > MinutesPerDay:
			return invalid(wf, "Das Ende des Zeitfensters ist ungültig.")
		case w.Start == w.End:
			return invalid(wf, "Das Zeitfenster ist leer: Beginn und Ende sind gleich.")
		}
	}
	return nil
}

func checkFilter(flt *CallerFilter, f string) error {
	if flt == nil {
		return nil
	}
	switch {
	case flt.Mode != "" && flt.Mode != FilterWhitelist:
		return invalid(f+".mode", "Die Art des Anruffilters ist ungültig.")
	case !flt.Anonymous && len(flt.Numbers) == 0:
		return invalid(f, "Der Anruffilter ist leer: Bitte wählen Sie anonyme Anrufe oder Rufnummern.")
	case len(flt.Numbers) > MaxNumbers:
		return invalid(f+".numbers", "Es sind höchstens %d Rufnummern erlaubt.", MaxNumbers)
	}
	for k, p := range flt.Numbers {
		if err := checkPattern(p, f+".numbers["+strconv.Itoa(k)+"]"); err != nil {
			return err
		}
	}
	return nil
}

func checkTargets(ts []Target, f string, dir Directory) error {
	if len(ts) == 0 {
		return invalid(f, "Bitte legen Sie mindestens ein Weiterleitungsziel an.")
	}
	if len(ts) > MaxTargets {
		return invalid(f, "Es sind höchstens %d Ziele erlaubt.", MaxTargets)
	}
	for k, t := range ts {
		tf := f + "[" + strconv.Itoa(k) + "]"
		switch t.Kind {
		case TargetDevice, TargetMailbox, TargetRingGroup, TargetExternal:
		case "":
			return invalid(tf+".kind", "Bitte wählen Sie die Art des Ziels.")
		default:
			return invalid(tf+".kind", "Die Art des Ziels ist ungültig.")
		}
		switch {
		case t.Ref == "":
			return invalid(tf+".ref", "Bitte wählen Sie das Ziel.")
		case !textOK(t.Ref):
			return invalid(tf+".ref", "Das Ziel ist ungültig.")
		case t.RingSeconds < 0 || t.RingSeconds > MaxRingSeconds:
			return invalid(tf+".ring_seconds", "Die Klingeldauer muss zwischen 1 und %d Sekunden liegen (0 = unbegrenzt).", MaxRingSeconds)
		case !textOK(t.Announcement):
			return invalid(tf+".announcement", "Die Ansage ist ungültig.")
		}
		if t.Kind == TargetExternal {
			if !phone.E164(t.Ref).Valid() {
				return invalid(tf+".ref", "Die externe Rufnummer muss im internationalen Format (+49…) angegeben werden.")
			}
			continue
		}
		if dir != nil && !dir.Exists(t.Kind, t.Ref) {
			return invalid(tf+".ref", "%s „%s“ existiert nicht.", t.Kind.Label(), t.Ref)
		}
	}
	return nil
}

// checkReachable finds rules that can never be reached: below (in priority
// order) an enabled, unfiltered always-rule with a mailbox target, which
// answers every call.
func checkReachable(rules []Rule) error {
	for j := range rules {
		for i := range rules {
			ri := &rules[i]
			before := ri.Priority < rules[j].Priority || ri.Priority == rules[j].Priority && i < j
			if i == j || !before || !ri.Enabled || ri.Filter != nil || ri.Condition.Kind != CondAlways {
				continue
			}
			for _, t := range ri.Targets {
				if t.Kind == TargetMailbox {
					return invalid("rules["+strconv.Itoa(j)+"]", "Die Regel wird nie erreicht: Regel „%s“ greift immer und endet in einer Mailbox.", ri.Label())
				}
			}
		}
	}
	return nil
}

// checkLoops searches the forwarding graph reachable from plan for a
// cycle: numbers (through their plans' external targets) and ring groups
// (through their members).
func checkLoops(plan Plan, dir Directory) error {
	self := dir.Self()
	l := loopFinder{dir: dir, self: self, plan: plan, done: map[string]bool{}, onPath: map[string]bool{}}
	if self != "" {
		l.push("n:" + string(self))
	}
	for i, r := range plan.Rules {
		for k, t := range r.Targets {
			if cycle := l.target(t); cycle != nil {
				return invalid("rules["+strconv.Itoa(i)+"].targets["+strconv.Itoa(k)+"].ref", "Die Weiterleitung bildet eine Schleife: %s.", strings.Join(cycle, " → "))
			}
		}
	}
	return nil
}

type loopFinder struct {
	dir    Directory
	self   phone.E164
	plan   Plan
	done   map[string]bool // nodes fully explored without a cycle
	onPath map[string]bool
	path   []string
}

func (l *loopFinder) push(key string) { l.onPath[key] = true; l.path = append(l.path, key) }

func (l *loopFinder) pop() {
	k := l.path[len(l.path)-1]
	l.path = l.path[:len(l.path)-1]
	delete(l.onPath, k)
	l.done[k] = true
}

// cycleFrom returns the path from key back to key, for the message.
func (l *loopFinder) cycleFrom(key string) []string {
	var out []string
	for i, k := range l.path {
		if k == key {
			for _, p := range l.path[i:] {
				out = append(out, display(p))
			}
			return append(out, display(key))
		}
	}
	return []string{display(key), display(key)}
}

func display(key string) string {
	if strings.HasPrefix(key, "n:") {
		return phone.E164(key[2:]).National()
	}
	return "Rufgruppe " + key[2:]
}

// target follows t; it returns a cycle, or nil.
func (l *loopFinder) target(t Target) []string {
	if len(l.path) > 64 {
		return nil
	}
	switch t.Kind {
	case TargetExternal:
		n := phone.E164(t.Ref)
		key := "n:" + t.Ref
		if l.onPath[key] {
			return l.cycleFrom(key)
		}
		if l.done[key] {
			return nil
		}
		var p Plan
		if n == l.self && l.self != "" {
			p = l.plan
		} else {
			var ok bool
			if p, ok = l.dir.PlanOf(n); !ok {
				return nil
			}
		}
		l.push(key)
		for _, r := range p.Rules {
			for _, u := range r.Targets {
				if c := l.target(u); c != nil {
					return c
				}
			}
		}
		l.pop()
	case TargetRingGroup:
		key := "g:" + t.Ref
		if l.onPath[key] {
			return l.cycleFrom(key)
		}
		if l.done[key] {
			return nil
		}
		members, ok := l.dir.Members(t.Ref)
		if !ok {
			return nil
		}
		l.push(key)
		for _, m := range members {
			if c := l.target(m); c != nil {
				return c
			}
		}
		l.pop()
	}
	return nil
}

// ValidateOverride checks an override against plan: the rule must exist,
// mode and duration must be valid, UntilTime needs an At after SetAt and
// UntilNextChange needs SetAt. Errors are *numberdesk.Error with Code
// invalid.
func ValidateOverride(o Override, plan Plan) error {
	found := false
	for i := range plan.Rules {
		if plan.Rules[i].ID == o.RuleID {
			found = true
			break
		}
	}
	switch {
	case !found:
		return invalid("rule_id", "Die Regel existiert nicht.")
	case o.Mode != ForceOn && o.Mode != ForceOff:
		return invalid("mode", "Bitte wählen Sie ein- oder ausschalten.")
	}
	switch o.Until {
	case UntilPermanent:
	case UntilTime:
		if o.At.IsZero() || !o.SetAt.IsZero() && !o.At.After(o.SetAt) {
			return invalid("at", "Bitte geben Sie ein Ende an, das nach dem Beginn liegt.")
		}
	case UntilNextChange:
		if o.SetAt.IsZero() {
			return invalid("set_at", "Der Zeitpunkt der Umschaltung fehlt.")
		}
	default:
		return invalid("until", "Bitte wählen Sie, wie lange die Umschaltung gilt.")
	}
	return nil
}

// Expired returns the IDs of the rules whose condition can no longer hold
// at or after t in loc (nil means UTC): date rules whose dates all lie in
// the past, and periods that have ended. They are harmless; a UI may offer
// to delete them.
func Expired(plan Plan, t time.Time, loc *time.Location) []string {
	if loc == nil {
		loc = time.UTC
	}
	w := wallOf(t, loc)
	var out []string
	for _, r := range plan.Rules {
		c := &r.Condition
		switch c.Kind {
		case CondPeriod:
			if c.To.Valid() && t.Unix() >= firstInstant(loc, daysFromCivil(c.To.Date.Year, int(c.To.Date.Month), c.To.Date.Day)*86400+int64(c.To.Time)*60) {
				out = append(out, r.ID)
			}
		case CondDates:
			past := len(c.Dates) > 0
			for _, d := range c.Dates {
				// a window crossing midnight reaches into the next day
				if d.Year == 0 || daysFromCivil(d.Year, int(d.Month), d.Day)+1 >= w.day {
					past = false
					break
				}
			}
			if past {
				out = append(out, r.ID)
			}
		}
	}
	return out
}

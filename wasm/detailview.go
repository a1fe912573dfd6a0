package wasm

// The presenter of a number's detail view ("Informationen zur Rufnummer"):
// its facts, the Kündigungsdatum (of a pending deactivation, and of the one
// that made a number inactive), a routing summary in one or two sentences
// and its history, newest first, as the event log presents it. Pure Go.

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// NumberDetail is the detail view of a number, ready to render.
type NumberDetail struct {
	ID          numberdesk.NumberID
	Display     string // national form, "0221 123456-10"
	E164        string // "+4922112345610"
	Status      numbers.Status
	StatusLabel string
	StatusClass string
	Origin      string // "neu bestellt", "portiert", "aus reserviertem Block"
	PortingDate string // "15.06.2026", "" if none
	// Activated is the day of the number's last activation (or of the swap
	// that made it take another's place), "" if it never was active.
	Activated string
	// Cancellation is the Kündigungsdatum: the last day of a pending
	// deactivation, or of the deactivation that made the number inactive;
	// "" if there is none. CancellationNote says which of the two it is.
	Cancellation     string
	CancellationNote string
	// SwappedOut is the day a swap put another number in this one's place,
	// if that is what made it inactive.
	SwappedOut string
	Holders    string // names, "" for none
	Usage      string
	// Routing is what the routing does, in one or two sentences.
	Routing []string
	// History is the number's events, newest first.
	History []logRow
}

// DetailOf lays out the detail view of n (as it is now) with its history
// evs (oldest first, numbers.Service.History), its routing settings (nil:
// unknown), the names of the staff, the tenant's zone loc and the names of
// routing targets.
func DetailOf(n *numbers.Number, evs []numberdesk.Event, settings *routing.Settings, names map[numberdesk.StaffID]string, loc *time.Location, targets targetNamer) NumberDetail {
	if loc == nil {
		loc = time.UTC
	}
	day := func(t time.Time) string { return numbers.FormatDate(t.In(loc)) }
	d := NumberDetail{ID: n.ID, Display: n.Display(), E164: n.E164, Status: n.Status,
		StatusLabel: StatusLabel(n), StatusClass: statusClass(n), Usage: UsageLabel(n.UsageType)}
	d.Origin = i18n.T(i18n.Key("detail.origin." + string(n.Origin)))
	if !n.PortingDate.IsZero() {
		d.PortingDate = day(n.PortingDate)
	}
	d.Holders = holderNames(n, names)

	// The last start and the last end of service, from the history.
	var started, ended *numberdesk.Event
	for i := range evs {
		switch evs[i].Type {
		case numbers.EventActivated, numbers.EventSwappedIn:
			started = &evs[i]
		case numbers.EventDeactivated, numbers.EventSwappedOut:
			ended = &evs[i]
		}
	}
	if started != nil {
		d.Activated = day(started.At)
	} else if !n.BilledSince.IsZero() {
		d.Activated = day(n.BilledSince)
	}
	switch {
	case n.Status == numbers.StatusDeactivationPending && !n.DeactivationAt.IsZero():
		d.Cancellation = numbers.FormatDate(numbers.NoticeDate(n.DeactivationAt, loc))
		d.CancellationNote = i18n.T("detail.cancel_pending")
	case n.Status == numbers.StatusInactive && ended != nil && ended.Type == numbers.EventDeactivated:
		// The deactivation took effect at the event's instant (24:00 of
		// the Kündigungsdatum).
		d.Cancellation = numbers.FormatDate(numbers.NoticeDate(ended.At, loc))
		d.CancellationNote = i18n.T("detail.cancel_done")
	case n.Status == numbers.StatusInactive && ended != nil:
		d.SwappedOut = day(ended.At)
	}
	d.Routing = RoutingSummary(n, settings, targets)
	d.History = make([]logRow, 0, len(evs))
	for i := len(evs) - 1; i >= 0; i-- {
		d.History = append(d.History, logRowOf(evs[i], loc, func(id numberdesk.StaffID) string { return names[id] }))
	}
	return d
}

// RoutingSummary says in one or two sentences where the calls of n go
// under settings: that a number other than a voice number has no routing,
// that a number that is not active receives no calls, and for a voice
// number the first rule that applies with its targets ("Anrufe klingeln
// bei …") and the base rule that takes the rest (for a number that is not
// active only if a rule is set up already). targets names the routing
// targets (nil: their references).
func RoutingSummary(n *numbers.Number, settings *routing.Settings, targets targetNamer) []string {
	if n.UsageType != routing.UsageVoice {
		return []string{i18n.T("detail.routing_none", UsageLabel(n.UsageType))}
	}
	var out []string
	if !n.Status.Billed() {
		out = append(out, i18n.T("detail.routing_inactive"))
	}
	if settings == nil {
		return out
	}
	p := settings.Plan
	base := baseLabel(p.Base, targets)
	rules := slices.Clone(p.Rules)
	slices.SortStableFunc(rules, func(a, b routing.Rule) int { return a.Priority - b.Priority })
	rules = slices.DeleteFunc(rules, func(r routing.Rule) bool { return !r.Enabled || len(r.Targets) == 0 })
	if len(rules) == 0 {
		if len(out) > 0 {
			return out // no calls, and nothing set up for later either
		}
		return append(out, i18n.T("detail.routing_base_only", base))
	}
	r := rules[0]
	var ts strings.Builder
	for i, t := range r.Targets {
		if i > 0 {
			if t.Parallel {
				ts.WriteString(" " + pt("targets.parallel") + " ")
			} else {
				ts.WriteString(", " + pt("targets.then") + " ")
			}
		}
		ts.WriteString(targetLabel(t, targets))
		if t.RingSeconds > 0 {
			ts.WriteString(" (" + ringLabel(t.RingSeconds) + ")")
		}
	}
	first := i18n.T("detail.routing_rule", r.Label(), conditionLabel(r.Condition), ts.String())
	if more := len(rules) - 1; more == 1 {
		first += " " + i18n.T("detail.routing_more_one")
	} else if more > 1 {
		first += " " + i18n.T("detail.routing_more", strconv.Itoa(more))
	}
	return append(out, first, i18n.T("detail.routing_else", base))
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"detail.origin.new":      {DE: "neu bestellt", EN: "newly ordered"},
		"detail.origin.ported":   {DE: "portiert", EN: "ported"},
		"detail.origin.reserved": {DE: "aus einem reservierten Block", EN: "from a reserved block"},
		"detail.cancel_pending":  {DE: "Die Rufnummer ist zur Deaktivierung vorgemerkt und bis zum Ablauf dieses Tages nutzbar.", EN: "The number is scheduled for deactivation and usable until the end of this day."},
		"detail.cancel_done":     {DE: "Die Deaktivierung ist mit Ablauf dieses Tages wirksam geworden.", EN: "The deactivation took effect at the end of this day."},
		"detail.routing_none":    {DE: "Nur Sprach-Rufnummern haben ein Routing; diese ist eine {1}.", EN: "Only voice numbers have routing; this one is a {1}."},
		"detail.routing_inactive": {DE: "Die Rufnummer ist nicht aktiv: Anrufe werden nicht zugestellt.",
			EN: "The number is not active: calls are not delivered."},
		"detail.routing_base_only": {DE: "Alle Anrufe gehen an: {1}.", EN: "All calls go to: {1}."},
		"detail.routing_rule":      {DE: "Regel „{1}“ ({2}): Anrufe klingeln bei {3}.", EN: "Rule “{1}” ({2}): calls ring {3}."},
		"detail.routing_more_one":  {DE: "Dazu kommt eine weitere Regel.", EN: "There is one more rule."},
		"detail.routing_more":      {DE: "Dazu kommen {1} weitere Regeln.", EN: "There are {1} more rules."},
		"detail.routing_else":      {DE: "Sonst (Basisregel): {1}.", EN: "Otherwise (base rule): {1}."},
	})
}

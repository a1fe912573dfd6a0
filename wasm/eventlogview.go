package wasm

// The presenter of the event log page ("Protokoll"): German labels and
// one-line summaries of the audit trail's events, and its filters. Pure Go.

import (
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/staff"
)

// eventTypeOption is an entry of the log's type filter: one label for one
// or more event types.
type eventTypeOption struct {
	Key   string // the select's value
	Label string // text key
	Types []numberdesk.EventType
}

// eventTypeOptions lists the type filter's entries in display order.
var eventTypeOptions = []eventTypeOption{
	{"activation", "log.type.activation", []numberdesk.EventType{numbers.EventActivated}},
	{"deactivation", "log.type.deactivation", []numberdesk.EventType{numbers.EventDeactivationRequested, numbers.EventDeactivationWithdrawn, numbers.EventDeactivated}},
	{"swap", "log.type.swap", []numberdesk.EventType{numbers.EventSwappedOut, numbers.EventSwappedIn}},
	{"assignment", "log.type.assignment", []numberdesk.EventType{numbers.EventAssigned, numbers.EventUnassigned}},
	{"usage", "log.type.usage", []numberdesk.EventType{numbers.EventUsageTypeChanged}},
	{"routing", "log.type.routing", []numberdesk.EventType{numbers.EventRoutingChanged, numbers.EventBlocklistChanged}},
	{"staff", "log.type.staff", []numberdesk.EventType{staff.EventCreated, staff.EventUpdated, staff.EventLocked, staff.EventUnlocked, staff.EventDeleted}},
	{"efax", "log.type.efax", nil}, // matched by prefix "efax."
	{"provisioned", "log.type.provisioned", []numberdesk.EventType{numbers.EventProvisioned, staff.EventTenantCreated}},
}

// eventTypesOf returns the event types of a filter key, or nil for all.
func eventTypesOf(key string) []numberdesk.EventType {
	for _, o := range eventTypeOptions {
		if o.Key == key {
			return o.Types
		}
	}
	return nil
}

// eventMatchesType reports whether e passes the type filter key ("" passes
// everything).
func eventMatchesType(e numberdesk.Event, key string) bool {
	if key == "" {
		return true
	}
	if key == "efax" {
		return strings.HasPrefix(string(e.Type), "efax.")
	}
	for _, t := range eventTypesOf(key) {
		if e.Type == t {
			return true
		}
	}
	return false
}

// eventLabel returns the German (or English) name of an event type; an
// unknown type shows as it is.
func eventLabel(t numberdesk.EventType) string {
	if k := "event." + string(t); pt(k) != k {
		return pt(k)
	}
	return string(t)
}

// logRow is one line of the event log.
type logRow struct {
	Seq     int64
	At      string // "15.07.2026 17:59" in the tenant zone
	Type    numberdesk.EventType
	Label   string
	Number  string // German display of the number, "" if none
	Actor   string // who did it
	Summary string // what changed
}

// eventPayload is the union of the payload shapes the log reads.
type eventPayload struct {
	// numbers.EventData and numbers.RoutingChange
	E164            string `json:"e164"`
	Display         string `json:"display"`
	Purged          int    `json:"purged"`
	CounterpartE164 string `json:"counterpart_e164"`
	// staff.EventData
	Employee numberdesk.StaffID `json:"employee"`
	// staff.Notification
	Name     string `json:"name"`
	Category string `json:"category"`
	Number   string `json:"number"`
}

// staffNames resolves employee IDs to names for the log.
type staffNames func(numberdesk.StaffID) string

// logRowOf presents one event; loc is the tenant's zone.
func logRowOf(e numberdesk.Event, loc *time.Location, names staffNames) logRow {
	if loc == nil {
		loc = time.UTC
	}
	name := func(id numberdesk.StaffID) string {
		if names != nil {
			if s := names(id); s != "" {
				return s
			}
		}
		if len(id) > 8 {
			return string(id[:8]) + "…"
		}
		return string(id)
	}
	r := logRow{Seq: e.Seq, At: e.At.In(loc).Format("02.01.2006 15:04"), Type: e.Type, Label: eventLabel(e.Type)}
	switch e.Actor.Role {
	case numberdesk.RoleSystem, "":
		r.Actor = pt("log.actor.system")
	default:
		r.Actor = name(e.Actor.Staff)
	}
	var p eventPayload
	_ = e.Decode(&p) // a payload it cannot read leaves the summary short
	r.Number = p.Display
	if r.Number == "" && p.E164 != "" {
		r.Number = phone.E164(p.E164).National()
	}
	switch {
	case strings.HasPrefix(string(e.Type), "number."):
		r.Summary = numberSummary(e, loc, names, name)
	case strings.HasPrefix(string(e.Type), "staff.") && e.Type != staff.EventNotification:
		r.Summary = staffSummary(e)
	case e.Type == staff.EventNotification:
		r.Summary = p.Name + " · " + pt("pref."+p.Category)
		if p.Number != "" {
			r.Number = p.Number
		}
	}
	return r
}

// numberSummary describes a change of a number: the status or usage type
// before and after, the holders, the counterpart of a swap.
func numberSummary(e numberdesk.Event, loc *time.Location, names staffNames, name func(numberdesk.StaffID) string) string {
	if e.Type == numbers.EventRoutingChanged {
		var c numbers.RoutingChange
		if e.Decode(&c) != nil {
			return ""
		}
		switch {
		case c.After == nil:
			return pt("log.routing.dropped")
		case c.Before == nil:
			return pt("log.routing.rules", 0, len(c.After.Plan.Rules))
		}
		return pt("log.routing.rules", len(c.Before.Plan.Rules), len(c.After.Plan.Rules))
	}
	var d numbers.EventData
	if e.Decode(&d) != nil {
		return ""
	}
	var parts []string
	if d.Before != nil && d.After != nil && d.Before.Status != d.After.Status {
		parts = append(parts, statusText(d.Before.Status)+" → "+statusText(d.After.Status))
	} else if d.Before == nil && d.After != nil && e.Type == numbers.EventProvisioned {
		parts = append(parts, statusText(d.After.Status))
	}
	if d.Before != nil && d.After != nil && d.Before.UsageType != d.After.UsageType {
		parts = append(parts, pt("usage."+string(d.Before.UsageType))+" → "+pt("usage."+string(d.After.UsageType)))
	}
	if e.Type == numbers.EventAssigned || e.Type == numbers.EventUnassigned {
		who := func(s *numbers.Snapshot) string {
			if s == nil || len(s.Holders) == 0 {
				return "–"
			}
			ns := make([]string, len(s.Holders))
			for i, h := range s.Holders {
				ns[i] = name(h)
			}
			return strings.Join(ns, ", ")
		}
		parts = append(parts, who(d.Before)+" → "+who(d.After))
		if d.Purged > 0 {
			parts = append(parts, pt("log.purged", d.Purged))
		}
	}
	if e.Type == numbers.EventDeactivationRequested && d.After != nil && !d.After.DeactivationAt.IsZero() {
		parts = append(parts, pt("log.deactivation.at", d.After.DeactivationAt.In(loc).Add(-time.Nanosecond).Format("02.01.2006")))
	}
	if d.CounterpartE164 != "" {
		parts = append(parts, pt("log.counterpart", phone.E164(d.CounterpartE164).National()))
	}
	if d.Price != nil {
		parts = append(parts, pt("log.consent", d.Consent))
	}
	return strings.Join(parts, " · ")
}

// staffSummary names the employee concerned and what changed.
func staffSummary(e numberdesk.Event) string {
	var d staff.EventData
	if e.Decode(&d) != nil {
		return ""
	}
	emp := d.After
	if emp == nil {
		emp = d.Before
	}
	if emp == nil {
		return ""
	}
	s := emp.Name() + " (" + emp.Email + ")"
	if d.Before != nil && d.After != nil {
		var ch []string
		b, a := d.Before, d.After
		if b.Preferences != a.Preferences {
			ch = append(ch, pt("log.staff.prefs"))
		}
		if b.RoutingEdit != a.RoutingEdit {
			if a.RoutingEdit {
				ch = append(ch, pt("log.staff.routing.on"))
			} else {
				ch = append(ch, pt("log.staff.routing.off"))
			}
		}
		if b.Role != a.Role {
			ch = append(ch, RoleName(b.Role)+" → "+RoleName(a.Role))
		}
		if b.Name() != a.Name() || b.Email != a.Email {
			ch = append(ch, pt("log.staff.data"))
		}
		if len(ch) > 0 {
			s += ": " + strings.Join(ch, ", ")
		}
	}
	return s
}

// statusText returns the German status label of the overview.
func statusText(s numbers.Status) string { return pt("status." + string(s)) }

// logFilter is the event log's filter form.
type logFilter struct {
	Type   string // an eventTypeOptions key, "" for all
	Number string // digits or display of a number; substring match
}

// matches reports whether row r of event e passes the filter.
func (f logFilter) matches(e numberdesk.Event, r logRow) bool {
	if !eventMatchesType(e, f.Type) {
		return false
	}
	q := phone.Digits(f.Number)
	if q == "" {
		return strings.TrimSpace(f.Number) == "" || strings.Contains(strings.ToLower(r.Summary+" "+r.Actor), strings.ToLower(strings.TrimSpace(f.Number)))
	}
	q = strings.TrimPrefix(q, "0") // national form: compare the digits after the trunk 0
	var p eventPayload
	_ = e.Decode(&p)
	return q != "" && (strings.Contains(phone.Digits(r.Number), q) || strings.Contains(p.E164, q))
}

// logRows presents the events that pass f, in the order given.
func logRows(evs []numberdesk.Event, f logFilter, loc *time.Location, names staffNames) []logRow {
	out := make([]logRow, 0, len(evs))
	for _, e := range evs {
		r := logRowOf(e, loc, names)
		if f.matches(e, r) {
			out = append(out, r)
		}
	}
	return out
}

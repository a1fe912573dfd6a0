package loadtest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// problems collects invariant violations (the first maxProblems in full)
// and counts what was checked.
type problems struct {
	list    []string
	n       int
	checked map[string]int
}

const maxProblems = 30

func (p *problems) addf(format string, args ...any) {
	p.n++
	if len(p.list) < maxProblems {
		p.list = append(p.list, fmt.Sprintf(format, args...))
	}
}

func (p *problems) count(what string, n int) {
	if p.checked == nil {
		p.checked = map[string]int{}
	}
	p.checked[what] += n
}

// stateEvent reports whether events of type t carry numbers.EventData (a
// change of a number's lifecycle, holders or usage type); the routing's
// events carry numbers.RoutingChange.
func stateEvent(t numberdesk.EventType) bool {
	return strings.HasPrefix(string(t), "number.") && t != numbers.EventRoutingChanged
}

// interval is a billing interval [start, end) of a line on a number; end
// is zero while it is open.
type interval struct {
	number     numberdesk.NumberID
	line       string
	start, end time.Time
	startSeq   int64
}

// statusAt is the status a snapshot means at now: a pending deactivation
// whose effective instant has passed is inactive (numbers.Number.StatusAt).
func statusAt(s *numbers.Snapshot, now time.Time) numbers.Status {
	if s.Status == numbers.StatusDeactivationPending && !now.Before(s.DeactivationAt) {
		return numbers.StatusInactive
	}
	return s.Status
}

// checkLedger checks the tenant's numbers against its events (the audit
// log and billing feed):
//
//   - per number, the events chain: the first is its provisioning, each
//     starts from the state the previous one left (status, billing line),
//     and the stored number is what the last one left (status, billing line,
//     deactivation instant), also by StatusAt(now);
//   - billing per number: an activation or a swap in opens an interval at
//     its instant, a deactivation (at the effective instant) or a swap out
//     closes the open one of the same line, never before it started; at
//     most one interval is open, and a number is billed (active or pending)
//     if and only if one is, on its BillingLine since its BilledSince;
//   - billing per line: an activation opens a line never used before; a
//     swap in continues the line exactly where the swap out of its
//     counterpart ended it; the intervals of a line never overlap and at
//     most one is open: no line is billed twice at once.
func checkLedger(ctx context.Context, st *sqlstore.Store, tenant numberdesk.TenantID, now time.Time, p *problems) error {
	ns, total, err := st.FindNumbers(ctx, tenant, numbers.Filter{})
	if err != nil {
		return err
	}
	if len(ns) != total {
		return fmt.Errorf("FindNumbers returned %d of %d numbers", len(ns), total)
	}
	evs, err := st.FindEvents(ctx, tenant, numberdesk.EventFilter{})
	if err != nil {
		return err
	}
	byID := map[numberdesk.NumberID]*numbers.Number{}
	for _, n := range ns {
		byID[n.ID] = n
	}

	type numberState struct {
		last    *numbers.Snapshot
		open    *interval
		lastEnd time.Time
		events  int
	}
	per := map[numberdesk.NumberID]*numberState{}
	lines := map[string][]*interval{} // per line, in event order
	type handover struct {
		from, to numberdesk.NumberID
		at       time.Time
	}
	handovers := map[string]handover{} // per line: swapped out, not yet in
	var lastSeq int64
	for _, e := range evs {
		if e.Seq <= lastSeq {
			p.addf("events out of order: seq %d after %d", e.Seq, lastSeq)
		}
		lastSeq = e.Seq
		if !stateEvent(e.Type) {
			continue
		}
		p.count("number events", 1)
		n := byID[e.Number]
		if n == nil {
			p.addf("event %s (%s, seq %d) is about %q, which the tenant does not have", e.ID, e.Type, e.Seq, e.Number)
			continue
		}
		var d numbers.EventData
		if err := e.Decode(&d); err != nil {
			p.addf("event %s (%s): %v", e.ID, e.Type, err)
			continue
		}
		s := per[e.Number]
		if s == nil {
			s = &numberState{}
			per[e.Number] = s
		}
		s.events++
		if d.After == nil {
			p.addf("%s: %s (seq %d) has no After", n.E164, e.Type, e.Seq)
			continue
		}
		switch {
		case s.last == nil && (e.Type != numbers.EventProvisioned || d.Before != nil):
			p.addf("%s: the first event is %s (seq %d), want a provisioning without Before", n.E164, e.Type, e.Seq)
		case s.last != nil && (d.Before == nil || d.Before.Status != s.last.Status || d.Before.BillingLine != s.last.BillingLine):
			p.addf("%s: %s (seq %d) starts from %+v, but the previous event left %+v: an event is missing, doubled or lost its race",
				n.E164, e.Type, e.Seq, d.Before, s.last)
		}
		if d.Before != nil && d.Before.Status != d.After.Status && !numbers.Allowed(d.Before.Status, d.After.Status, e.Actor.Role) {
			p.addf("%s: %s (seq %d) moves %s → %s by %s, not in the transition table", n.E164, e.Type, e.Seq, d.Before.Status, d.After.Status, e.Actor.Role)
		}

		b := d.Billing
		switch e.Type {
		case numbers.EventActivated, numbers.EventSwappedIn:
			if b == nil || b.Line == "" || b.Start.IsZero() || !b.End.IsZero() || !b.Start.Equal(e.At) {
				p.addf("%s: %s (seq %d at %v) without a billing start at its instant: %+v", n.E164, e.Type, e.Seq, e.At, b)
				b = nil
			}
		case numbers.EventSwappedOut, numbers.EventDeactivated:
			switch {
			case b == nil || b.Line == "" || b.End.IsZero() || !b.Start.IsZero():
				p.addf("%s: %s (seq %d) without a billing end: %+v", n.E164, e.Type, e.Seq, b)
				b = nil
			case e.Type == numbers.EventSwappedOut && !b.End.Equal(e.At):
				p.addf("%s: swap out (seq %d at %v) ends billing at %v", n.E164, e.Seq, e.At, b.End)
			case e.Type == numbers.EventDeactivated && (d.Before == nil || !b.End.Equal(d.Before.DeactivationAt)):
				p.addf("%s: deactivation (seq %d) ends billing at %v, not at the effective instant %+v", n.E164, e.Seq, b.End, d.Before)
			}
		default:
			if b != nil {
				p.addf("%s: %s (seq %d) carries billing %+v", n.E164, e.Type, e.Seq, b)
				b = nil
			}
		}
		if b != nil && !b.End.IsZero() { // closes the open interval
			p.count("billing intervals closed", 1)
			switch open := s.open; {
			case open == nil:
				p.addf("%s: %s (seq %d) ends billing of line %s, but no interval is open", n.E164, e.Type, e.Seq, b.Line)
			case open.line != b.Line:
				p.addf("%s: %s (seq %d) ends line %s, but line %s is open", n.E164, e.Type, e.Seq, b.Line, open.line)
			case b.End.Before(open.start):
				p.addf("%s: %s (seq %d) ends billing at %v, before it started (%v)", n.E164, e.Type, e.Seq, b.End, open.start)
			default:
				open.end = b.End
				s.lastEnd, s.open = b.End, nil
				if e.Type == numbers.EventSwappedOut {
					if _, dup := handovers[b.Line]; dup {
						p.addf("line %s swapped out twice without a swap in", b.Line)
					}
					handovers[b.Line] = handover{from: e.Number, to: d.Counterpart, at: b.End}
				}
			}
		}
		if b != nil && !b.Start.IsZero() { // opens an interval
			p.count("billing intervals opened", 1)
			iv := &interval{number: e.Number, line: b.Line, start: b.Start, startSeq: e.Seq}
			prev := lines[b.Line]
			switch {
			case s.open != nil:
				p.addf("%s: %s (seq %d) opens line %s while line %s is still open: two open intervals", n.E164, e.Type, e.Seq, b.Line, s.open.line)
			case b.Start.Before(s.lastEnd):
				p.addf("%s: %s (seq %d) starts billing at %v, before its previous interval ended (%v)", n.E164, e.Type, e.Seq, b.Start, s.lastEnd)
			}
			if e.Type == numbers.EventActivated {
				if len(prev) > 0 {
					p.addf("%s: activation (seq %d) reuses line %s", n.E164, e.Seq, b.Line)
				}
			} else {
				h, ok := handovers[b.Line]
				switch {
				case !ok:
					p.addf("%s: line %s swapped in (seq %d) without a swap out", n.E164, b.Line, e.Seq)
				case h.to != e.Number || h.from != d.Counterpart || !h.at.Equal(b.Start):
					p.addf("%s: line %s swapped in (seq %d) from %s at %v, but it was swapped out from %s to %s at %v",
						n.E164, b.Line, e.Seq, d.Counterpart, b.Start, h.from, h.to, h.at)
				}
				delete(handovers, b.Line)
				if len(prev) == 0 || prev[len(prev)-1].end.IsZero() {
					p.addf("%s: line %s swapped in (seq %d) while it is still billed on another number", n.E164, b.Line, e.Seq)
				}
			}
			s.open = iv
			lines[b.Line] = append(prev, iv)
		}
		s.last = d.After
	}
	for line, h := range handovers {
		p.addf("line %s swapped out from %s to %s at %v, never swapped in", line, h.from, h.to, h.at)
	}

	// The stored numbers against their last events.
	openCount, billed := 0, 0
	for _, n := range ns {
		p.count("numbers", 1)
		s := per[n.ID]
		if s == nil || s.last == nil {
			p.addf("%s: no events", n.E164)
			continue
		}
		last := s.last
		if n.Status != last.Status || n.BillingLine != last.BillingLine || !n.DeactivationAt.Equal(last.DeactivationAt) {
			p.addf("%s: stored %s/%q/%v, but its last event left %s/%q/%v",
				n.E164, n.Status, n.BillingLine, n.DeactivationAt, last.Status, last.BillingLine, last.DeactivationAt)
		}
		if got, want := n.StatusAt(now), statusAt(last, now); got != want {
			p.addf("%s: status at %v is %s, but its last event means %s", n.E164, now, got, want)
		}
		if n.Status.Billed() {
			billed++
		}
		switch open := s.open; {
		case n.Status.Billed() && open == nil:
			p.addf("%s is %s (billed) but its billing feed has no open interval", n.E164, n.Status)
		case !n.Status.Billed() && open != nil:
			p.addf("%s is %s (not billed) but its billing feed has an open interval of line %s", n.E164, n.Status, open.line)
		case open != nil && (open.line != n.BillingLine || !open.start.Equal(n.BilledSince)):
			p.addf("%s: billed on %q since %v, but the open interval is %s since %v", n.E164, n.BillingLine, n.BilledSince, open.line, open.start)
		}
		if s.open != nil {
			openCount++
		}
		if !n.Status.Billed() && n.BillingLine != "" {
			p.addf("%s is %s but keeps billing line %s", n.E164, n.Status, n.BillingLine)
		}
	}
	if openCount != billed {
		p.addf("%d numbers are billed, but the billing feed has %d open intervals", billed, openCount)
	}
	p.count("billed numbers", billed)

	// No line billed twice at once.
	for line, ivs := range lines {
		p.count("billing lines", 1)
		sorted := append([]*interval(nil), ivs...)
		sort.Slice(sorted, func(i, j int) bool {
			if !sorted[i].start.Equal(sorted[j].start) {
				return sorted[i].start.Before(sorted[j].start)
			}
			return sorted[i].startSeq < sorted[j].startSeq
		})
		for i := 1; i < len(sorted); i++ {
			if prev, cur := sorted[i-1], sorted[i]; prev.end.IsZero() || cur.start.Before(prev.end) {
				p.addf("line %s is billed twice at once: on %s from %v to %v and on %s from %v",
					line, prev.number, prev.start, prev.end, cur.number, cur.start)
			}
		}
	}
	return nil
}

// noticeSpace is the UUID namespace of the portal's deactivation notices
// (examples/portal/server/notices.go, noticeSpace): the notice of the
// deactivation request e has the event ID uuid.NewSHA1(noticeSpace, e.ID),
// which its mail names.
var noticeSpace = uuid.MustParse("8f0b6a52-4c1e-4a57-9d0e-5d2b5c1f7e21")

// expectedMails returns the event IDs the mails of the tenant's events
// name: one per staff notification and e-fax credentials delivery, and the
// notice of each deactivation request by an employee who is neither locked
// nor deleted and wants "andere Ereignisse" (what the portal's dispatcher
// sends; nobody's preferences change during the test).
func expectedMails(ctx context.Context, st *sqlstore.Store, tenant numberdesk.TenantID) (map[string]numberdesk.EventType, error) {
	evs, err := st.FindEvents(ctx, tenant, numberdesk.EventFilter{})
	if err != nil {
		return nil, err
	}
	es, _, err := st.FindEmployees(ctx, tenant, staff.Filter{})
	if err != nil {
		return nil, err
	}
	emps := map[numberdesk.StaffID]*staff.Employee{}
	for _, e := range es {
		emps[e.ID] = e
	}
	out := map[string]numberdesk.EventType{}
	for _, e := range evs {
		switch e.Type {
		case staff.EventNotification, efax.EventCredentialsDelivery:
			out[string(e.ID)] = e.Type
		case numbers.EventDeactivationRequested:
			if emp := emps[e.Actor.Staff]; emp != nil && !emp.Locked && emp.Preferences.Wants(staff.CategoryOther) {
				out[uuid.NewSHA1(noticeSpace, []byte(e.ID)).String()] = e.Type
			}
		}
	}
	return out, nil
}

// deliveryCounts returns the tenant's deliveries by state, and checks that
// the outbox holds exactly the tenant's events.
func checkDeliveries(ctx context.Context, st *sqlstore.Store, tenant numberdesk.TenantID, p *problems) (map[notify.State]int, []notify.Delivery, error) {
	ds, total, err := st.FindDeliveries(ctx, tenant, notify.DeliveryFilter{})
	if err != nil {
		return nil, nil, err
	}
	if len(ds) != total {
		return nil, nil, fmt.Errorf("FindDeliveries returned %d of %d", len(ds), total)
	}
	evs, err := st.FindEvents(ctx, tenant, numberdesk.EventFilter{})
	if err != nil {
		return nil, nil, err
	}
	byState := map[notify.State]int{}
	var failed []notify.Delivery
	seen := map[numberdesk.EventID]bool{}
	for _, d := range ds {
		byState[d.State]++
		seen[d.Event] = true
		switch d.State {
		case notify.StateDelivered:
		case notify.StateFailed:
			failed = append(failed, d)
			p.addf("event %s (%s, seq %d) failed delivery after %d attempts: %s", d.Event, d.Type, d.Seq, d.Attempts, d.LastError)
		default:
			p.addf("event %s (%s, seq %d) is still %s after %d attempts (last error %q)", d.Event, d.Type, d.Seq, d.State, d.Attempts, d.LastError)
		}
	}
	p.count("deliveries", len(ds))
	for _, e := range evs {
		if !seen[e.ID] {
			p.addf("event %s (%s, seq %d) is not in the outbox", e.ID, e.Type, e.Seq)
		}
	}
	if len(ds) != len(evs) {
		p.addf("the outbox holds %d deliveries, but there are %d events", len(ds), len(evs))
	}
	return byState, failed, nil
}

package httpapi

import (
	"net/http"
	"strconv"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/staff"
)

// DefaultEventPage is the page size of the event log without limit.
const DefaultEventPage = 100

func (h *handler) eventRoutes() {
	h.handle("GET /api/v1/events", h.events)
	h.handle("GET /api/v1/deliveries", h.deliveries)
}

// events: GET /events?after=…&limit=…&number=…&type=…, the tenant's audit
// log oldest first. after (alias cursor) is the seq to continue after; the
// next_cursor of a full page is its last event's seq, so that a client
// polls the log from where it stopped.
func (h *handler) events(r *http.Request, a numberdesk.Actor) (reply, error) {
	q := newQuery(r)
	f := numberdesk.EventFilter{Number: numberdesk.NumberID(q.str("number")), Limit: q.limit(DefaultEventPage)}
	after := "after"
	if q.str(after) == "" {
		after = "cursor"
	}
	f.AfterSeq = q.int64(after)
	for _, t := range q.list("type") {
		f.Types = append(f.Types, numberdesk.EventType(t))
	}
	if q.err != nil {
		return reply{}, q.err
	}
	evs, err := h.cfg.Numbers.Events(r.Context(), a, f)
	if err != nil {
		return reply{}, err
	}
	next := ""
	if len(evs) == f.Limit {
		next = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	return ok(List[numberdesk.Event]{Items: evs, NextCursor: next, Total: len(evs), TotalIsLowerBound: next != ""}), nil
}

// deliveries: GET /deliveries?state=…&cursor=…&limit=…, the outbox's
// deliveries of the tenant's events in one state (default failed: what did
// not reach its recipient), by seq. Owner and manager only.
func (h *handler) deliveries(r *http.Request, a numberdesk.Actor) (reply, error) {
	const op = "httpapi.Deliveries"
	q := newQuery(r)
	state := notify.State(q.str("state"))
	switch state {
	case "":
		state = notify.StateFailed
	case notify.StateFailed, notify.StatePending, notify.StateDelivered:
	default:
		q.fail("state", "Bitte geben Sie failed, pending oder delivered an.")
	}
	f := notify.DeliveryFilter{States: []notify.State{state}, Limit: q.limit(50)}
	f.Offset = cursorOffset(q)
	if q.err != nil {
		return reply{}, q.err
	}
	// The authorization belongs in a domain package (no service lists the
	// outbox yet).
	if err := staff.Authorize(r.Context(), h.cfg.Store, op, a, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return reply{}, err
	}
	ds, total, err := h.cfg.Store.FindDeliveries(r.Context(), a.Tenant, f)
	if err != nil {
		return reply{}, numberdesk.Internal(op, err)
	}
	return ok(List[notify.Delivery]{Items: ds, Total: total, NextCursor: nextOffset(f.Offset, len(ds), total)}), nil
}

package numbers

import (
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
)

// The event types of the numbers domain. Every event is about one number
// (Event.Number) and carries an EventData payload.
const (
	EventProvisioned           numberdesk.EventType = "number.provisioned"
	EventActivated             numberdesk.EventType = "number.activated"              // billing starts
	EventDeactivationRequested numberdesk.EventType = "number.deactivation_requested" // After.DeactivationAt is the effective time
	EventDeactivationWithdrawn numberdesk.EventType = "number.deactivation_withdrawn"
	EventDeactivated           numberdesk.EventType = "number.deactivated" // billing ends at Event.At, the effective time
	EventSwappedOut            numberdesk.EventType = "number.swapped_out" // billing of the line ends for this number
	EventSwappedIn             numberdesk.EventType = "number.swapped_in"  // the same line continues on this number
)

// Snapshot is the state of a number before or after a change.
type Snapshot struct {
	Status         Status               `json:"status"`
	UsageType      routing.UsageType    `json:"usage_type"`
	Holders        []numberdesk.StaffID `json:"holders,omitempty"`
	Options        []string             `json:"options,omitempty"`
	BillingLine    string               `json:"billing_line,omitempty"`
	DeactivationAt time.Time            `json:"deactivation_at,omitzero"`
}

func snapshot(n *Number) *Snapshot {
	c := n.Clone()
	return &Snapshot{Status: c.Status, UsageType: c.UsageType, Holders: c.Holders, Options: c.Options,
		BillingLine: c.BillingLine, DeactivationAt: c.DeactivationAt}
}

// Billing is the billing feed part of an event: a billing interval of Line
// starts or ends on the event's number at the given instant. Intervals are
// half-open [Start, End).
type Billing struct {
	Line  string    `json:"line"`
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
}

// EventData is the payload of the numbers domain's events.
type EventData struct {
	E164    string    `json:"e164"`
	Display string    `json:"display"` // German format, "0221 123456-10"
	Before  *Snapshot `json:"before,omitempty"`
	After   *Snapshot `json:"after,omitempty"`
	Billing *Billing  `json:"billing,omitempty"`
	// Price is the accepted price snapshot of an activation, and Consent the
	// wording of the button the owner clicked.
	Price   *Price `json:"price,omitempty"`
	Consent string `json:"consent,omitempty"`
	// Purged counts the records deleted with an assignment ("Daten des
	// bisherigen Mitarbeiters löschen").
	Purged int `json:"purged,omitempty"`
	// Counterpart is the other number of a swap.
	Counterpart     numberdesk.NumberID `json:"counterpart,omitempty"`
	CounterpartE164 string              `json:"counterpart_e164,omitempty"`
}

// change builds the event for a change of n from before.
func change(typ numberdesk.EventType, actor numberdesk.Actor, at time.Time, before, after *Number, d EventData) (numberdesk.Event, error) {
	d.E164, d.Display = after.E164, after.Display()
	if before != nil {
		d.Before = snapshot(before)
	}
	d.After = snapshot(after)
	return numberdesk.NewEvent(typ, actor, at, after.ID, d)
}

package numberdesk

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// EventType names what happened, as "<domain>.<verb>", e.g. "number.activated".
type EventType string

// Event is one fact appended by a command in the same transaction as the
// change it describes (transactional outbox). Events are the audit log (who,
// when, what, before/after), the billing feed, and the source of
// notifications. Data holds the domain's payload as JSON (see the domain
// package for its shape).
type Event struct {
	ID     EventID         `json:"id"`
	Tenant TenantID        `json:"tenant"`
	Seq    int64           `json:"seq"` // assigned by the store: increases with every append, store-wide
	Type   EventType       `json:"type"`
	At     time.Time       `json:"at"` // when it took effect (for a due deactivation: the effective time)
	Actor  Actor           `json:"actor"`
	Number NumberID        `json:"number,omitempty"` // the number it is about, if any
	Data   json.RawMessage `json:"data,omitempty"`
	// Transient is an in-memory value that one Notifier hands to the next
	// along with the event, for what must never be stored: efax's Notifier
	// passes the login data with the secret this way (an efax.Delivery,
	// whose efax.Secret redacts itself). It is never stored (a Store
	// drops it), never marshalled (json:"-"), and a value put here must
	// print nothing secret with fmt's verbs, since an event may be
	// formatted.
	Transient any `json:"-"`
}

// Decode unmarshals the event's Data into v.
func (e *Event) Decode(v any) error {
	if len(e.Data) == 0 {
		return E(CodeInternal, "Event.Decode", "data", "Das Ereignis hat keine Daten.")
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return Internal("Event.Decode", err)
	}
	return nil
}

// NewEvent returns an event with a new ID and data marshalled to JSON.
// Data that has no JSON form is an error, never a panic: a value JSON
// cannot hold (a time outside years 0–9999, a NaN) is CodeInvalid with
// Field "data", so that the command fails as for any bad input and changes
// nothing; a type that cannot be marshalled at all (a func, a channel) is
// CodeInternal.
func NewEvent(typ EventType, actor Actor, at time.Time, number NumberID, data any) (Event, error) {
	const op = "numberdesk.NewEvent"
	e := Event{ID: NewEventID(), Tenant: actor.Tenant, Type: typ, At: at, Actor: actor, Number: number}
	if data == nil {
		return e, nil
	}
	b, err := json.Marshal(data)
	var unsupportedType *json.UnsupportedTypeError
	switch {
	case errors.As(err, &unsupportedType):
		return Event{}, Internal(op, err)
	case err != nil:
		return Event{}, &Error{Code: CodeInvalid, Op: op, Field: "data", Message: "Ein Wert lässt sich nicht speichern.", Err: err}
	}
	e.Data = b
	return e, nil
}

// AppendEvent appends one new event (NewEvent) to st: in a command's
// transaction, its ctx.
func AppendEvent(ctx context.Context, st EventStore, typ EventType, actor Actor, at time.Time, number NumberID, data any) error {
	e, err := NewEvent(typ, actor, at, number, data)
	if err != nil {
		return err
	}
	return st.AppendEvents(ctx, e)
}

// EventFilter selects events of one tenant. Zero fields do not filter.
type EventFilter struct {
	Number   NumberID    // only events about this number
	Types    []EventType // only these types
	AfterSeq int64       // only events with Seq > AfterSeq (the cursor; not negative)
	Limit    int         // at most this many (0: all; not negative)
	Desc     bool        // newest first
}

// IdempotencyRecord remembers the outcome of a command run with a client's
// idempotency key. It is written in the same transaction as the command's
// effect. Keys are scoped per tenant.
type IdempotencyRecord struct {
	Tenant      TenantID        `json:"tenant"`
	Key         string          `json:"key"`
	Op          string          `json:"op"`          // the command, e.g. "numbers.Activate"
	Fingerprint string          `json:"fingerprint"` // hash of the request payload
	Result      json.RawMessage `json:"result"`      // the command's result as JSON
	CreatedAt   time.Time       `json:"created_at"`
}

// EventStore is the outbox and audit log part of a Store.
type EventStore interface {
	// AppendEvents appends events, assigning Seq. Every event's Tenant must
	// be set.
	AppendEvents(ctx context.Context, events ...Event) error
	// FindEvents returns the tenant's events matching f, by Seq. A negative
	// AfterSeq or Limit is CodeInvalid (EventFilter.Check).
	FindEvents(ctx context.Context, tenant TenantID, f EventFilter) ([]Event, error)
}

// IdempotencyStore keeps idempotency records.
type IdempotencyStore interface {
	// FindIdempotencyRecord returns the tenant's record for key, or CodeNotFound.
	FindIdempotencyRecord(ctx context.Context, tenant TenantID, key string) (*IdempotencyRecord, error)
	// CreateIdempotencyRecord stores r; CodeConflict if the key exists.
	CreateIdempotencyRecord(ctx context.Context, r *IdempotencyRecord) error
	// DeleteIdempotencyRecords deletes the records of every tenant created
	// before the instant and returns how many it deleted.
	DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int, error)
}

// TenantStore keeps tenants.
type TenantStore interface {
	// CreateTenant stores t; CodeConflict if its ID exists.
	CreateTenant(ctx context.Context, t *Tenant) error
	// FindTenantByID returns the tenant, or CodeNotFound.
	FindTenantByID(ctx context.Context, id TenantID) (*Tenant, error)
}

// CheckWrite checks what every Store requires of an idempotency record it
// stores: the record, a canonical tenant ID, a key, and a result that is
// empty or JSON. Backends call it first, so that all of them refuse bad input
// alike (CodeInvalid).
func (r *IdempotencyRecord) CheckWrite(op string) error {
	switch {
	case r == nil:
		return E(CodeInvalid, op, "record", "Der Eintrag fehlt.")
	case !ValidID(r.Tenant):
		return E(CodeInvalid, op, "tenant", "Der Mandant des Eintrags fehlt oder ist ungültig.")
	case r.Key == "":
		return E(CodeInvalid, op, "key", "Der Idempotenzschlüssel fehlt.")
	case len(r.Result) > 0 && !json.Valid(r.Result):
		return E(CodeInvalid, op, "result", "Das Ergebnis ist kein gültiges JSON.")
	}
	return nil
}

// CheckWrite checks what every Store requires of an event it appends:
// canonical tenant and event IDs, a number ID that is empty or canonical, a
// type, and data that is empty or JSON. Backends call it first, so that all
// of them refuse bad input alike (CodeInvalid).
func (e *Event) CheckWrite(op string) error {
	switch {
	case !ValidID(e.Tenant):
		return E(CodeInvalid, op, "tenant", "Der Mandant des Ereignisses fehlt oder ist ungültig.")
	case !ValidID(e.ID):
		return E(CodeInvalid, op, "id", "Die Kennung des Ereignisses fehlt oder ist ungültig.")
	case e.Number != "" && !ValidID(e.Number):
		return E(CodeInvalid, op, "number", "Die Rufnummer des Ereignisses ist ungültig.")
	case e.Type == "":
		return E(CodeInvalid, op, "type", "Die Art des Ereignisses fehlt.")
	case len(e.Data) > 0 && !json.Valid(e.Data):
		return E(CodeInvalid, op, "data", "Die Daten des Ereignisses sind kein gültiges JSON.")
	}
	return nil
}

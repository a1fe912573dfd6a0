package efax

import (
	"context"
	"encoding/json"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
)

// numberTriggers are the events after which a login of the event's number
// may have become stale.
var numberTriggers = map[numberdesk.EventType]bool{
	numbers.EventDeactivated:      true, // ApplyDue: at the effective date
	numbers.EventSwappedOut:       true,
	numbers.EventAssigned:         true, // the previous holders lost it
	numbers.EventUnassigned:       true,
	numbers.EventUsageTypeChanged: true,
}

// staffTriggers are the events after which a login of the event's employee
// may have become stale.
var staffTriggers = map[numberdesk.EventType]bool{
	staff.EventLocked:  true,
	staff.EventDeleted: true,
}

// Notifier wraps next, the notifier that reaches people (for example
// notify/smtpmail), for the outbox Dispatcher:
//
//   - An EventCredentialsSent becomes an EventCredentialsDelivery with the
//     same ID, whose Delivery (in Event.Transient, see DeliveryOf) holds the
//     login data: the secret, unsealed from the store at this moment, as a
//     Secret that redacts itself wherever the event is printed, logged or
//     marshalled (the event's Data hold the Delivery without the secret).
//     It goes to next only if the login is still the one sent (not rotated
//     or revoked since), its sealed secret is still there (not delivered
//     before), and its holder still eligible (else the login is revoked and
//     nothing is sent). The mail goes to the
//     employee's e-mail address as it is now. Once next has accepted it,
//     the sealed secret is erased from the store and an
//     EventCredentialsDelivered is appended; should that fail, the event is
//     delivered again, with the same secret (at least once). A sealed secret
//     that cannot be opened (another SealKey) is a permanent failure.
//   - The events that can make a login stale (number.deactivated,
//     number.swapped_out, number.assigned, number.unassigned,
//     number.usage_type_changed, staff.locked, staff.deleted) revoke the
//     affected logins (see Reconcile) and then go to next unchanged.
//   - Every other event goes to next unchanged; an EventCredentialsDelivery
//     found in the outbox (it is never stored by the SDK) is dropped.
func (s *Service) Notifier(next notify.Notifier) notify.Notifier {
	return notify.NotifierFunc(func(ctx context.Context, e numberdesk.Event) error {
		switch {
		case e.Type == EventCredentialsSent:
			return s.deliver(ctx, e, next)
		case e.Type == EventCredentialsDelivery:
			return nil
		case numberTriggers[e.Type] && e.Number != "":
			if err := s.reconcileTx(ctx, e.Tenant, CredentialFilter{Number: e.Number, Statuses: []Status{StatusActive}}); err != nil {
				return err
			}
		case staffTriggers[e.Type]:
			var d staff.EventData
			if err := e.Decode(&d); err == nil && d.Employee != "" {
				if err := s.reconcileTx(ctx, e.Tenant, CredentialFilter{Staff: d.Employee, Statuses: []Status{StatusActive}}); err != nil {
					return err
				}
			}
		}
		return next.Notify(ctx, e)
	})
}

// reconcileTx runs reconcile in a transaction of its own.
func (s *Service) reconcileTx(ctx context.Context, tenant numberdesk.TenantID, f CredentialFilter) error {
	return s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		_, err := s.reconcile(ctx, tenant, f)
		return err
	})
}

// deliver hands the login data of the EventCredentialsSent e to next.
func (s *Service) deliver(ctx context.Context, e numberdesk.Event, next notify.Notifier) error {
	const op = "efax.deliver"
	var d EventData
	if err := e.Decode(&d); err != nil {
		return notify.Permanent(err)
	}
	c, err := s.cfg.Store.FindCredentialByID(ctx, e.Tenant, d.Credential)
	if numberdesk.ErrorCode(err) == numberdesk.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Status != StatusActive || c.Generation != d.Generation || len(c.Sealed) == 0 {
		s.log.InfoContext(ctx, "efax: stale delivery skipped", "event", e.ID, "credential", c.ID, "generation", d.Generation)
		return nil
	}
	var n *numbers.Number
	var emp *staff.Employee
	var reason Reason
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		n, err = s.cfg.Store.FindNumberByID(ctx, e.Tenant, c.Number)
		if err != nil && numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
			return err
		}
		if reason, emp, err = s.staleness(ctx, e.Tenant, n, c.Staff); err != nil || reason == "" {
			return err
		}
		_, err := s.reconcile(ctx, e.Tenant, CredentialFilter{Number: c.Number, Staff: c.Staff, Statuses: []Status{StatusActive}})
		return err
	})
	if err != nil {
		return err
	}
	if reason != "" {
		s.log.InfoContext(ctx, "efax: delivery to an employee no longer eligible skipped", "event", e.ID, "credential", c.ID, "reason", string(reason))
		return nil
	}
	secret, err := s.seal.open(&c.Credential, c.Sealed)
	if err != nil {
		return notify.Permanent(&numberdesk.Error{Code: numberdesk.CodeInternal, Op: op, Field: "sealed",
			Message: "Die Zugangsdaten können nicht entschlüsselt werden. Bitte senden Sie sie erneut.", Err: err})
	}
	login := Delivery{Credential: c.ID, Employee: c.Staff, Name: emp.Name(), To: emp.Email, Number: n.Display(),
		E164: n.E164, Rotated: d.Rotated, Username: c.Username, Secret: secretFrom(secret)}
	clear(secret)
	data, err := json.Marshal(login) // without the secret
	if err != nil {
		return notify.Permanent(numberdesk.Internal(op, err))
	}
	out := numberdesk.Event{ID: e.ID, Tenant: e.Tenant, Seq: e.Seq, Type: EventCredentialsDelivery, At: e.At, Actor: e.Actor,
		Number: e.Number, Data: data, Transient: login}
	if err := next.Notify(ctx, out); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
			cur, err := s.cfg.Store.FindCredentialByID(ctx, e.Tenant, c.ID)
			if err != nil || cur.Status != StatusActive || cur.Generation != d.Generation || len(cur.Sealed) == 0 {
				return err
			}
			now := s.now()
			cur.Sealed, cur.DeliveredAt, cur.UpdatedAt = nil, now, now
			if err := s.cfg.Store.UpdateCredential(ctx, cur); err != nil {
				return err
			}
			return numberdesk.AppendEvent(ctx, s.cfg.Store, EventCredentialsDelivered, numberdesk.System(e.Tenant), now, cur.Number, eventData(cur, n))
		})
		if numberdesk.ErrorCode(err) == numberdesk.CodeConflict && attempt < authAttempts {
			continue
		}
		return err
	}
}

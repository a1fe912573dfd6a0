package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
)

// delivery is the outbox state of one event.
type delivery struct {
	notify.Delivery
	leaseOwner string
	leaseUntil time.Time
}

// outbox keeps the delivery state of every event. queue holds the
// deliveries that may still be pending, in Seq order; finished ones are
// dropped from its front as claims pass them.
type outbox struct {
	byEvent map[tenantKey[numberdesk.EventID]]*delivery
	queue   []*delivery
}

// add starts the delivery of a newly appended event.
func (o *outbox) add(e *numberdesk.Event) {
	if o.byEvent == nil {
		o.byEvent = make(map[tenantKey[numberdesk.EventID]]*delivery)
	}
	d := &delivery{Delivery: notify.Delivery{Event: e.ID, Tenant: e.Tenant, Seq: e.Seq, Type: e.Type, State: notify.StatePending}}
	o.byEvent[tenantKey[numberdesk.EventID]{e.Tenant, e.ID}] = d
	o.queue = append(o.queue, d)
}

// truncate forgets the deliveries of events with Seq > seq (the undo of
// appends, which are always the newest).
func (o *outbox) truncate(seq int64) {
	i := len(o.queue)
	for i > 0 && o.queue[i-1].Seq > seq {
		i--
		delete(o.byEvent, tenantKey[numberdesk.EventID]{o.queue[i].Tenant, o.queue[i].Event})
	}
	clear(o.queue[i:])
	o.queue = o.queue[:i]
}

// ClaimDeliveries implements notify.Outbox.
func (s *Store) ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]notify.Claim, error) {
	const op = "memstore.ClaimDeliveries"
	if err := notify.CheckClaim(op, worker, lease, limit); err != nil {
		return nil, err
	}
	var out []notify.Claim
	err := s.write(ctx, op, func(tx *tx) error {
		o := &s.outbox
		// Drop finished deliveries from the front; they never come back.
		skip := 0
		for skip < len(o.queue) && o.queue[skip].State != notify.StatePending {
			skip++
		}
		if skip > 0 {
			old := slices.Clone(o.queue[:skip])
			o.queue = slices.Delete(o.queue, 0, skip)
			tx.record(func() { o.queue = append(old, o.queue...) })
		}
		for _, d := range o.queue {
			if len(out) == limit {
				break
			}
			if d.State != notify.StatePending || d.NextAttempt.After(now) || (d.leaseOwner != "" && d.leaseUntil.After(now)) {
				continue
			}
			e, ok := s.event(d.Tenant, d.Event)
			if !ok {
				continue
			}
			prev := *d
			d.leaseOwner, d.leaseUntil = worker, now.Add(lease)
			tx.record(func() { *d = prev })
			out = append(out, notify.Claim{Event: cloneEvent(*e), Attempts: d.Attempts})
		}
		return nil
	})
	return out, err
}

// event finds a stored event by tenant and ID.
func (s *Store) event(tenant numberdesk.TenantID, id numberdesk.EventID) (*numberdesk.Event, bool) {
	sp := s.spaces[tenant]
	if sp == nil {
		return nil, false
	}
	d := s.outbox.byEvent[tenantKey[numberdesk.EventID]{tenant, id}]
	if d == nil {
		return nil, false
	}
	i, ok := slices.BinarySearchFunc(sp.events, d.Seq, func(e numberdesk.Event, seq int64) int { return cmpInt(e.Seq, seq) })
	if !ok {
		return nil, false
	}
	return &sp.events[i], true
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// FinishDeliveries implements notify.Outbox: it records each Finish whose
// Worker holds the lease on the pending event, and returns the others in
// lost. A bad batch is CodeInvalid (notify.CheckFinishes); on an error
// nothing is recorded.
func (s *Store) FinishDeliveries(ctx context.Context, fs []notify.Finish) (lost []notify.Finish, err error) {
	const op = "memstore.FinishDeliveries"
	if err := notify.CheckFinishes(op, fs); err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, nil
	}
	err = s.write(ctx, op, func(tx *tx) error {
		lost = nil
		for _, f := range fs {
			d := s.outbox.byEvent[tenantKey[numberdesk.EventID]{f.Tenant, f.Event}]
			if d == nil || d.State != notify.StatePending || d.leaseOwner == "" || d.leaseOwner != f.Worker {
				lost = append(lost, f)
				continue
			}
			prev := *d
			tx.record(func() { *d = prev })
			d.State, d.Attempts, d.LastError = f.State, f.Attempts, f.Error
			d.leaseOwner, d.leaseUntil = "", time.Time{}
			d.NextAttempt, d.DeliveredAt = time.Time{}, time.Time{}
			switch f.State {
			case notify.StateDelivered:
				d.DeliveredAt = f.At
			case notify.StatePending:
				d.NextAttempt = f.NextAttempt
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return lost, nil
}

// FindDeliveries implements notify.Outbox.
func (s *Store) FindDeliveries(ctx context.Context, tenant numberdesk.TenantID, f notify.DeliveryFilter) ([]notify.Delivery, int, error) {
	const op = "memstore.FindDeliveries"
	if err := f.Check(op); err != nil {
		return nil, 0, err
	}
	out := []notify.Delivery{}
	total := 0
	err := s.read(ctx, op, func() error {
		sp := s.spaces[tenant]
		if sp == nil {
			return nil
		}
		for i := range sp.events {
			d := s.outbox.byEvent[tenantKey[numberdesk.EventID]{tenant, sp.events[i].ID}]
			if d == nil || (len(f.States) > 0 && !slices.Contains(f.States, d.State)) {
				continue
			}
			total++
			if total > f.Offset && (f.Limit == 0 || len(out) < f.Limit) {
				out = append(out, d.Delivery)
			}
		}
		return nil
	})
	return out, total, err
}

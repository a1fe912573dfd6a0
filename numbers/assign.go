package numbers

import (
	"context"
	"slices"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// The event types of assignment.
const (
	EventAssigned   numberdesk.EventType = "number.assigned"   // the holders changed; EventData.Purged counts deleted records
	EventUnassigned numberdesk.EventType = "number.unassigned" // a holder was removed
)

// AssignRequest gives a number to an employee ("Rufnummer einem Mitarbeiter
// zuordnen").
type AssignRequest struct {
	Number   numberdesk.NumberID `json:"number" validate:"required"`
	Employee numberdesk.StaffID  `json:"employee" validate:"required"`
	// PurgePrevious deletes the previous holder's call records, fax journal
	// and voicemail of this number ("Wenn Sie hier ein Häkchen setzen,
	// löschen Sie die Daten dieses Mitarbeiters").
	PurgePrevious  bool   `json:"purge_previous"`
	IdempotencyKey string `json:"-" validate:"omitempty,max=255,printascii"`
}

// AssignResult tells what an assignment changed.
type AssignResult struct {
	Number *Number `json:"number"`
	// Previous are who used the number before and no longer do.
	Previous []numberdesk.StaffID `json:"previous,omitempty"`
	// Purged counts the records of the previous holders deleted.
	Purged int `json:"purged"`
}

// Holders returns who uses the number now, for the assignment dialog ("Sie
// erfahren, wer diese Rufnummer zurzeit nutzt"). Owner and manager only.
func (s *Service) Holders(ctx context.Context, actor numberdesk.Actor, id numberdesk.NumberID) ([]*staff.Employee, error) {
	const op = "numbers.Holders"
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	n, err := s.visible(ctx, op, actor, id)
	if err != nil {
		return nil, err
	}
	if n = n.At(s.now()); len(n.Holders) == 0 {
		return nil, nil
	}
	es, _, err := s.cfg.Store.FindEmployees(ctx, actor.Tenant, staff.Filter{IDs: n.Holders})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return es, nil
}

// Assign makes the employee the holder of the number, replacing the previous
// holder(s) (for a shared fax number: all members), in one change. Owner and
// manager only. The number must be new, active or pending (not one whose
// deactivation has taken effect: that one is inactive); the employee must
// exist in the tenant and not be locked. With PurgePrevious the previous
// holders' records of this number are deleted in the same transaction;
// without, they stay. A previous holder's records are those attributed to
// it: the calls of its holding period, however late they were fed. The
// holder history is kept (Store.FindHolderPeriods, and in the events).
func (s *Service) Assign(ctx context.Context, actor numberdesk.Actor, req AssignRequest) (_ *AssignResult, err error) {
	const op = "numbers.Assign"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	return idempotent(ctx, s, actor, op, req.IdempotencyKey, req, func(ctx context.Context) (*AssignResult, error) {
		return s.assign(ctx, op, actor, req.Number, req.Employee, req.PurgePrevious, false)
	})
}

// AddMember adds the employee to the members of a shared fax number.
// Any other number has one holder: CodePrecondition ("Eine persönliche
// Faxnummer hat genau einen Inhaber.").
func (s *Service) AddMember(ctx context.Context, actor numberdesk.Actor, number numberdesk.NumberID, employee numberdesk.StaffID) (_ *AssignResult, err error) {
	const op = "numbers.AddMember"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	var res *AssignResult
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		var err error
		res, err = s.assign(ctx, op, actor, number, employee, false, true)
		return err
	})
	return res, numberdesk.Internal(op, err)
}

// assign runs Assign (add=false) or AddMember (add=true) in the caller's tx.
func (s *Service) assign(ctx context.Context, op string, actor numberdesk.Actor, id numberdesk.NumberID,
	employee numberdesk.StaffID, purge, add bool) (*AssignResult, error) {
	res, err := s.assignEach(ctx, op, actor, []numberdesk.NumberID{id}, employee, purge, add)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// assignEach is assign for each of ids (no duplicates), all or none, in the
// caller's tx: one read of the numbers, one of the employee and one write
// (UpdateNumbers and AppendEvents) for all of them, plus, with purge, one
// DeleteRecords per previous holder.
func (s *Service) assignEach(ctx context.Context, op string, actor numberdesk.Actor, ids []numberdesk.NumberID,
	employee numberdesk.StaffID, purge, add bool) ([]*AssignResult, error) {
	ns, err := s.visibleEach(ctx, op, actor, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, n := range ns {
		if n.StatusAt(now) == StatusInactive {
			return nil, numberdesk.E(numberdesk.CodePrecondition, op, "number", "Inaktive Rufnummern können nicht zugeordnet werden.")
		}
		if add && n.UsageType != routing.UsageFaxShared {
			return nil, numberdesk.E(numberdesk.CodePrecondition, op, "employee", "Eine persönliche Faxnummer hat genau einen Inhaber.")
		}
	}
	e, err := s.employee(ctx, op, actor, employee)
	switch {
	case err != nil:
		return nil, err
	case e.Locked:
		return nil, numberdesk.E(numberdesk.CodePrecondition, op, "employee", "%s ist gesperrt und kann keine Rufnummer erhalten.", e.Name())
	}
	out := make([]*AssignResult, len(ns))
	var (
		changed []*Number
		events  []numberdesk.Event
	)
	for i, n := range ns {
		res := &AssignResult{Number: n}
		out[i] = res
		before := n.Clone()
		holders := []numberdesk.StaffID{employee}
		if add {
			holders = slices.Clone(n.Holders)
			if !slices.Contains(holders, employee) {
				holders = append(holders, employee)
			}
		} else {
			for _, h := range n.Holders {
				if h != employee {
					res.Previous = append(res.Previous, h)
				}
			}
		}
		if slices.Equal(before.Holders, holders) {
			continue // already so: no change, no event
		}
		n.setHolders(holders, now)
		if purge {
			for _, p := range res.Previous {
				c, err := s.cfg.Store.DeleteRecords(ctx, actor.Tenant, RecordFilter{Numbers: []numberdesk.NumberID{n.ID}, Holder: p})
				if err != nil {
					return nil, err
				}
				res.Purged += c
			}
		}
		n.UpdatedAt = now
		ev, err := change(EventAssigned, actor, n.UpdatedAt, before, n, EventData{Purged: res.Purged})
		if err != nil {
			return nil, err
		}
		changed, events = append(changed, n), append(events, ev)
	}
	if err := s.write(ctx, changed, events); err != nil {
		return nil, err
	}
	return out, nil
}

// Unassign removes the employee from the holders of the number; with purge
// its records of this number are deleted too. Owner and manager only.
func (s *Service) Unassign(ctx context.Context, actor numberdesk.Actor, number numberdesk.NumberID, employee numberdesk.StaffID, purge bool) (_ *AssignResult, err error) {
	const op = "numbers.Unassign"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	var res *AssignResult
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		n, err := s.visible(ctx, op, actor, number)
		if err != nil {
			return err
		}
		if !n.At(s.now()).HeldBy(employee) {
			return numberdesk.E(numberdesk.CodePrecondition, op, "employee", "Der Mitarbeiter nutzt diese Rufnummer nicht.")
		}
		res, err = s.release(ctx, actor, n, employee, purge)
		return err
	})
	return res, numberdesk.Internal(op, err)
}

// release removes employee from n's holders in the caller's tx.
func (s *Service) release(ctx context.Context, actor numberdesk.Actor, n *Number, employee numberdesk.StaffID, purge bool) (*AssignResult, error) {
	res := &AssignResult{Number: n, Previous: []numberdesk.StaffID{employee}}
	if purge {
		c, err := s.cfg.Store.DeleteRecords(ctx, actor.Tenant, RecordFilter{Numbers: []numberdesk.NumberID{n.ID}, Holder: employee})
		if err != nil {
			return nil, err
		}
		res.Purged = c
	}
	ev, err := s.unhold(actor, n, employee, res.Purged)
	if err != nil {
		return nil, err
	}
	return res, s.write(ctx, []*Number{n}, []numberdesk.Event{ev})
}

// unhold removes employee from n's holders in place and returns the
// EventUnassigned to append (purged: the records deleted with it).
func (s *Service) unhold(actor numberdesk.Actor, n *Number, employee numberdesk.StaffID, purged int) (numberdesk.Event, error) {
	before := n.Clone()
	n.UpdatedAt = s.now()
	n.setHolders(slices.DeleteFunc(slices.Clone(n.Holders), func(h numberdesk.StaffID) bool { return h == employee }), n.UpdatedAt)
	return change(EventUnassigned, actor, n.UpdatedAt, before, n, EventData{Purged: purged})
}

// AssignNumbers makes employee the holder of each number, without purging
// (staff.Numbers; used when an employee is created with numbers). It runs in
// the caller's transaction. An unknown employee (or another tenant's) is
// CodeNotFound, also with no numbers.
func (s *Service) AssignNumbers(ctx context.Context, actor numberdesk.Actor, employee numberdesk.StaffID, ids []numberdesk.NumberID) error {
	const op = "numbers.AssignNumbers"
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return err
	}
	return s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		if ids = dedupe(ids); len(ids) == 0 {
			_, err := s.employee(ctx, op, actor, employee) // nothing to do, but for an employee of the tenant
			return err
		}
		_, err := s.assignEach(ctx, op, actor, ids, employee, false, false)
		return err
	})
}

// employee is the tenant's employee id; an unknown one (or another
// tenant's) is CodeNotFound on Field "employee".
func (s *Service) employee(ctx context.Context, op string, actor numberdesk.Actor, id numberdesk.StaffID) (*staff.Employee, error) {
	e, err := s.cfg.Store.FindEmployeeByID(ctx, actor.Tenant, id)
	if numberdesk.ErrorCode(err) == numberdesk.CodeNotFound {
		return nil, numberdesk.E(numberdesk.CodeNotFound, op, "employee", "Der Mitarbeiter wurde nicht gefunden.")
	}
	return e, err
}

// ReleaseHolder removes employee from every number it holds (staff.Numbers;
// used when an employee is deleted); with purge all its records go too. An
// unknown employee (or another tenant's) is CodeNotFound.
func (s *Service) ReleaseHolder(ctx context.Context, actor numberdesk.Actor, employee numberdesk.StaffID, purge bool) error {
	const op = "numbers.ReleaseHolder"
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return err
	}
	return s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		if _, err := s.employee(ctx, op, actor, employee); err != nil {
			return err
		}
		held, _, err := s.cfg.Store.FindNumbers(ctx, actor.Tenant, Filter{Holder: employee, Now: s.now()})
		if err != nil {
			return err
		}
		events := make([]numberdesk.Event, len(held))
		for i, n := range held {
			if events[i], err = s.unhold(actor, n, employee, 0); err != nil {
				return err
			}
		}
		if err := s.write(ctx, held, events); err != nil {
			return err
		}
		if purge {
			_, err = s.cfg.Store.DeleteRecords(ctx, actor.Tenant, RecordFilter{Holder: employee})
		}
		return err
	})
}

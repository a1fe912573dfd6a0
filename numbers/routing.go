package numbers

import (
	"context"
	"strconv"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// The event types of usage types and routing.
const (
	// EventUsageTypeChanged: the usage type changed (EventData, before/after
	// snapshots). If the number left voice with a stored plan, an
	// EventRoutingChanged with After nil follows in the same transaction.
	EventUsageTypeChanged numberdesk.EventType = "number.usage_type_changed"
	// EventRoutingChanged: the number's routing settings changed
	// (RoutingChange; After nil when they were dropped).
	EventRoutingChanged numberdesk.EventType = "number.routing_changed"
	// EventBlocklistChanged: the tenant's block list changed
	// (BlocklistChange; the event has no number).
	EventBlocklistChanged numberdesk.EventType = "tenant.blocklist_changed"
)

// RoutingChange is the payload of EventRoutingChanged: the settings before
// (nil if none were stored, i.e. the default plan applied) and after (nil
// if they were dropped).
type RoutingChange struct {
	E164    string            `json:"e164"`
	Display string            `json:"display"`
	Before  *routing.Settings `json:"before,omitempty"`
	After   *routing.Settings `json:"after,omitempty"`
}

// BlocklistChange is the payload of EventBlocklistChanged.
type BlocklistChange struct {
	Before *routing.TenantBlocklist `json:"before,omitempty"`
	After  *routing.TenantBlocklist `json:"after"`
}

func routingEvent(actor numberdesk.Actor, at time.Time, n *Number, before, after *routing.Settings) (numberdesk.Event, error) {
	return numberdesk.NewEvent(EventRoutingChanged, actor, at, n.ID,
		RoutingChange{E164: n.E164, Display: n.Display(), Before: before, After: after})
}

// settings returns the number's stored settings, or nil if none are stored.
func (s *Service) settings(ctx context.Context, n *Number) (*routing.Settings, error) {
	st, err := s.cfg.Store.FindSettings(ctx, n.Tenant, n.ID)
	if numberdesk.ErrorCode(err) == numberdesk.CodeNotFound {
		return nil, nil
	}
	return st, err
}

// SetUsageTypeRequest changes the usage type of a number ("Verwendungstyp
// der Rufnummer einstellen").
type SetUsageTypeRequest struct {
	Number    numberdesk.NumberID `json:"number" validate:"required"`
	UsageType routing.UsageType   `json:"usage_type" validate:"required"`
	// Confirm acknowledges that the routing plan is lost when a voice
	// number with stored routing changes to another usage type.
	Confirm bool `json:"confirm"`
}

// SetUsageType changes the usage type of a number. Owner and manager only;
// not for inactive numbers (nor one whose deactivation has taken effect). Leaving voice drops the stored routing and
// needs Confirm (else CodePrecondition, Field "confirm"); a personal fax
// number needs exactly one holder, and every type but shared fax at most
// one (CodePrecondition, Field "usage_type"). Setting the current type is a
// no-op without an event.
func (s *Service) SetUsageType(ctx context.Context, actor numberdesk.Actor, req SetUsageTypeRequest) (_ *Number, err error) {
	const op = "numbers.SetUsageType"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	if !req.UsageType.Valid() {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "usage_type", "Bitte wählen Sie einen gültigen Verwendungstyp.")
	}
	var n *Number
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		var err error
		if n, err = s.visible(ctx, op, actor, req.Number); err != nil {
			return err
		}
		now := s.now()
		switch {
		case n.StatusAt(now) == StatusInactive:
			return numberdesk.E(numberdesk.CodePrecondition, op, "number", "Der Verwendungstyp einer inaktiven Rufnummer kann nicht geändert werden.")
		case n.UsageType == req.UsageType:
			return nil
		case req.UsageType == routing.UsageFaxPersonal && len(n.Holders) != 1:
			return numberdesk.E(numberdesk.CodePrecondition, op, "usage_type", "Eine persönliche Faxnummer braucht genau einen Mitarbeiter.")
		case req.UsageType.MaxHolders() == 1 && len(n.Holders) > 1:
			return numberdesk.E(numberdesk.CodePrecondition, op, "usage_type",
				"Die Rufnummer hat mehrere Mitglieder. Bitte entfernen Sie zuerst alle bis auf einen.")
		}
		before := n.Clone()
		n.UsageType, n.UpdatedAt = req.UsageType, now
		ev, err := change(EventUsageTypeChanged, actor, now, before, n, EventData{})
		if err != nil {
			return err
		}
		events := []numberdesk.Event{ev}
		if before.UsageType == routing.UsageVoice {
			old, err := s.settings(ctx, n)
			if err != nil {
				return err
			}
			if old != nil {
				if !req.Confirm {
					return numberdesk.E(numberdesk.CodePrecondition, op, "confirm",
						"Mit dem Wechsel des Verwendungstyps geht der Routingplan dieser Rufnummer verloren. Bitte bestätigen Sie die Änderung.")
				}
				if err := s.cfg.Store.DeleteSettings(ctx, n.Tenant, n.ID); err != nil {
					return err
				}
				ev, err := routingEvent(actor, now, n, old, nil)
				if err != nil {
					return err
				}
				events = append(events, ev)
			}
		}
		return s.write(ctx, []*Number{n}, events)
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	s.plans.forget(n.Tenant, n.ID) // the plan may have been dropped
	return n, nil
}

// Routing returns the routing settings of a number: the stored ones, or the
// default plan with Version 0 (also for a number whose deactivation has
// taken effect: its settings are wiped, ApplyDue or not). Owner, manager,
// system and the employee holding the number.
func (s *Service) Routing(ctx context.Context, actor numberdesk.Actor, id numberdesk.NumberID) (*routing.Settings, error) {
	const op = "numbers.Routing"
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee, numberdesk.RoleSystem); err != nil {
		return nil, err
	}
	var out *routing.Settings
	err := s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		n, err := s.visible(ctx, op, actor, id)
		if err != nil {
			return err
		}
		if n.Due(s.now()) {
			out = &routing.Settings{Tenant: n.Tenant, Number: n.ID, Plan: routing.DefaultPlan()}
			return nil
		}
		out, err = s.settingsOrDefault(ctx, n)
		return err
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return out, nil
}

// PreviewRouting lists when the active rule of a number's routing (the
// stored plan and overrides, as Routing returns them) changes within
// [from, to), in the tenant's time zone: routing.Preview of them. The same
// roles as Routing.
func (s *Service) PreviewRouting(ctx context.Context, actor numberdesk.Actor, id numberdesk.NumberID, from, to time.Time) ([]routing.Change, error) {
	const op = "numbers.PreviewRouting"
	if from.IsZero() || !to.After(from) {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "to", "Das Ende muss nach dem Anfang liegen.")
	}
	st, err := s.Routing(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	loc, err := s.location(ctx, op, actor.Tenant)
	if err != nil {
		return nil, err
	}
	return routing.Preview(st.Plan, from, to, loc, routing.WithOverrides(st.Overrides)), nil
}

func (s *Service) settingsOrDefault(ctx context.Context, n *Number) (*routing.Settings, error) {
	st, err := s.settings(ctx, n)
	if err != nil || st != nil {
		return st, err
	}
	return &routing.Settings{Tenant: n.Tenant, Number: n.ID, Plan: routing.DefaultPlan()}, nil
}

// SaveRoutingRequest stores the routing of a voice number ("Routing neu
// einstellen").
type SaveRoutingRequest struct {
	Number    numberdesk.NumberID `json:"number" validate:"required"`
	Plan      routing.Plan        `json:"plan"`
	Overrides []routing.Override  `json:"overrides"`
	// Version is the Settings.Version the client read: 0 if it saw the
	// default plan. A stale version is CodeConflict.
	Version int64 `json:"version" validate:"gte=0"`
}

// selfDirectory is the configured Directory seen from one number.
type selfDirectory struct {
	routing.Directory
	self phone.E164
}

func (d selfDirectory) Self() phone.E164 { return d.self }

// routingGrant reports CodePermission unless the acting employee's stored
// record carries the owner's grant (RoutingEdit) and is not locked.
func (s *Service) routingGrant(ctx context.Context, op string, actor numberdesk.Actor) error {
	e, err := s.cfg.Store.FindEmployeeByID(ctx, actor.Tenant, actor.Staff)
	if err != nil && numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
		return err
	}
	if err != nil || !e.RoutingEdit || e.Locked {
		return numberdesk.E(numberdesk.CodePermission, op, "", "Für diese Aktion fehlt Ihnen die Berechtigung.")
	}
	return nil
}

// SaveRouting validates and stores the plan and overrides of a voice number.
// Owner and manager; the employee holding the number if the owner granted it
// (staff.Employee.RoutingEdit, read in the same transaction) and it is not
// locked, CodePermission otherwise (CodeNotFound for a number it does not
// hold). The plan is normalised and checked by routing.Validate against
// Config.Directory (its errors come back with their Field, e.g.
// "rules[1].targets[0].ref"); overrides by routing.ValidateOverride (Field
// "overrides[i].…"; a zero SetAt becomes now). Non-voice numbers are
// CodePrecondition (Field "usage_type"); inactive ones (also one whose
// deactivation has taken effect) too, on Field "number".
func (s *Service) SaveRouting(ctx context.Context, actor numberdesk.Actor, req SaveRoutingRequest) (_ *routing.Settings, err error) {
	const op = "numbers.SaveRouting"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	if len(req.Overrides) > routing.MaxRules {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "overrides", "Es sind zu viele Umschaltungen.")
	}
	var out *routing.Settings
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		n, err := s.visible(ctx, op, actor, req.Number)
		if err != nil {
			return err
		}
		if actor.Role == numberdesk.RoleEmployee {
			if err := s.routingGrant(ctx, op, actor); err != nil {
				return err
			}
		}
		now := s.now()
		switch {
		case n.StatusAt(now) == StatusInactive:
			return numberdesk.E(numberdesk.CodePrecondition, op, "number", "Eine inaktive Rufnummer hat kein Routing.")
		case n.UsageType != routing.UsageVoice:
			return numberdesk.E(numberdesk.CodePrecondition, op, "usage_type", "Nur Rufnummern vom Typ „Sprache“ haben ein Routing.")
		}
		plan, err := req.Plan.Normalize()
		if err != nil {
			return err
		}
		plan.Version = 0 // the version lives in Settings
		var dir routing.Directory
		if s.cfg.Directory != nil {
			dir = selfDirectory{Directory: s.cfg.Directory, self: phone.E164(n.E164)}
		}
		if err := routing.Validate(plan, dir); err != nil {
			return err
		}
		var overrides []routing.Override
		for i, o := range req.Overrides {
			if o.SetAt.IsZero() {
				o.SetAt = now
			}
			if err := routing.ValidateOverride(o, plan); err != nil {
				return prefixField(err, "overrides["+strconv.Itoa(i)+"].")
			}
			overrides = append(overrides, o)
		}
		before, err := s.settings(ctx, n)
		if err != nil {
			return err
		}
		var cur int64
		if before != nil {
			cur = before.Version
		}
		if cur != req.Version {
			return numberdesk.E(numberdesk.CodeConflict, op, "version",
				"Das Routing wurde inzwischen geändert. Bitte laden Sie es neu.")
		}
		st := &routing.Settings{Tenant: n.Tenant, Number: n.ID, Plan: plan, Overrides: overrides, UpdatedAt: now, Version: req.Version}
		if err := s.cfg.Store.SaveSettings(ctx, st); err != nil {
			return err
		}
		out = st
		ev, err := routingEvent(actor, now, n, before, st)
		if err != nil {
			return err
		}
		return s.cfg.Store.AppendEvents(ctx, ev)
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	s.plans.forget(out.Tenant, out.Number) // the compiled plan of the version before
	return out, nil
}

// prefixField returns err with prefix before its Field.
func prefixField(err error, prefix string) error {
	e, ok := err.(*numberdesk.Error)
	if !ok {
		return err
	}
	c := *e
	c.Field = prefix + c.Field
	return &c
}

// Blocklist returns the tenant's block list ("Sperrliste"); an empty one
// with Version 0 if none is stored. Owner and manager only.
func (s *Service) Blocklist(ctx context.Context, actor numberdesk.Actor) (*routing.TenantBlocklist, error) {
	const op = "numbers.Blocklist"
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	b, err := s.cfg.Store.FindBlocklist(ctx, actor.Tenant)
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return b, nil
}

// SaveBlocklist stores the tenant's block list. version is the
// TenantBlocklist.Version the client read (0 for none); a stale one is
// CodeConflict. Entries are normalised ("0221 12345" → "+4922112345");
// a bad one is CodeInvalid with Field "numbers[i]". Owner and manager only.
func (s *Service) SaveBlocklist(ctx context.Context, actor numberdesk.Actor, list routing.Blocklist, version int64) (_ *routing.TenantBlocklist, err error) {
	const op = "numbers.SaveBlocklist"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	if len(list.Numbers) > routing.MaxBlocked {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "numbers", "Die Sperrliste ist zu lang.")
	}
	list, err = list.Normalize()
	if err != nil {
		return nil, err
	}
	if err := list.Validate(); err != nil {
		return nil, err
	}
	var out *routing.TenantBlocklist
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		before, err := s.cfg.Store.FindBlocklist(ctx, actor.Tenant)
		if err != nil {
			return err
		}
		if before.Version != version {
			return numberdesk.E(numberdesk.CodeConflict, op, "version",
				"Die Sperrliste wurde inzwischen geändert. Bitte laden Sie sie neu.")
		}
		now := s.now()
		b := &routing.TenantBlocklist{Tenant: actor.Tenant, List: list, UpdatedAt: now, Version: version}
		if err := s.cfg.Store.SaveBlocklist(ctx, b); err != nil {
			return err
		}
		out = b
		var prev *routing.TenantBlocklist
		if before.Version != 0 {
			prev = before
		}
		return numberdesk.AppendEvent(ctx, s.cfg.Store, EventBlocklistChanged, actor, now, "", BlocklistChange{Before: prev, After: b})
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	s.plans.forgetBlocklist(out.Tenant)
	return out, nil
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// RouteCall answers "Wohin geht ein Anruf jetzt?": it evaluates the
// number's stored (or default) plan for call at instant at (zero: now) in
// the tenant's time zone, with the tenant's block list and the number's
// overrides, given the targets' state (nil: every target answers). The
// decision carries the trace. Owner, manager, system and the employee
// holding the number. The plan and the block list are read in the call's
// transaction and evaluated compiled (routing.Compile), from a cache that
// keeps them per stored version (Config.PlanCache): a change saved on any
// node is in force for the next call.
//
// Only usable numbers route: active ones, and pending ones before their
// effective instant (Status.Billed of Number.StatusAt, both now and at at).
// A new number (ordered, ported or reserved, not yet activated) and an
// inactive one, also one whose deactivation has taken effect, are
// CodePrecondition with Field "number", alike; a usable number of another
// usage type than voice is CodePrecondition with Field "usage_type".
func (s *Service) RouteCall(ctx context.Context, actor numberdesk.Actor, id numberdesk.NumberID, call routing.Call, at time.Time, state routing.TargetState) (routing.Decision, error) {
	const op = "numbers.RouteCall"
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee, numberdesk.RoleSystem); err != nil {
		return routing.Decision{}, err
	}
	now := s.now()
	if at.IsZero() {
		at = now
	}
	var d routing.Decision
	err := s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		n, err := s.visible(ctx, op, actor, id)
		if err != nil {
			return err
		}
		switch st := n.StatusAt(later(now, at)); {
		case !st.Billed():
			return numberdesk.E(numberdesk.CodePrecondition, op, "number",
				"Die Rufnummer %s ist %s und nimmt keine Anrufe an.", n.Display(), n.At(later(now, at)).StatusLabel())
		case n.UsageType != routing.UsageVoice:
			return numberdesk.E(numberdesk.CodePrecondition, op, "usage_type", "Nur Rufnummern vom Typ „Sprache“ haben ein Routing.")
		}
		st, err := s.settings(ctx, n)
		if err != nil {
			return err
		}
		bl, err := s.cfg.Store.FindBlocklist(ctx, actor.Tenant)
		if err != nil {
			return err
		}
		loc, err := s.location(ctx, op, actor.Tenant)
		if err != nil {
			return err
		}
		// The plan compiled once per stored version (Config.PlanCache);
		// the default plan's once for all.
		plan, overrides := defaultCompiled, []routing.Override(nil)
		if st != nil {
			plan, overrides = s.plans.plan(st), st.Overrides
		}
		blocklist := routing.WithBlocklist(&bl.List) // none stored: empty
		if bl.Version != 0 {
			blocklist = routing.WithCompiledBlocklist(s.plans.blocklist(bl))
		}
		d = plan.Evaluate(call, at, loc, state, blocklist, routing.WithOverrides(overrides), routing.WithTrace(nil))
		return nil
	})
	if err != nil {
		return routing.Decision{}, numberdesk.Internal(op, err)
	}
	return d, nil
}

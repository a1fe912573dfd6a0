package staff

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/internal/obs"
)

// The event types of the staff domain; their Data is an EventData.
const (
	EventTenantCreated numberdesk.EventType = "tenant.created"
	EventCreated       numberdesk.EventType = "staff.created"
	EventUpdated       numberdesk.EventType = "staff.updated"
	EventLocked        numberdesk.EventType = "staff.locked"
	EventUnlocked      numberdesk.EventType = "staff.unlocked"
	EventDeleted       numberdesk.EventType = "staff.deleted"
)

// EventData is the payload of the staff domain's events: the employee
// before and after the change.
type EventData struct {
	Employee numberdesk.StaffID `json:"employee"`
	Before   *Employee          `json:"before,omitempty"`
	After    *Employee          `json:"after,omitempty"`
}

// Numbers is what Service needs from the number inventory; numbers.Service
// implements it. Both methods run in the caller's transaction (ctx).
type Numbers interface {
	// AssignNumbers makes employee the holder of the given numbers.
	AssignNumbers(ctx context.Context, actor numberdesk.Actor, employee numberdesk.StaffID, ids []numberdesk.NumberID) error
	// ReleaseHolder removes employee from every number it holds; with purge
	// its records (call records, fax journal, voicemail) of those numbers go too.
	ReleaseHolder(ctx context.Context, actor numberdesk.Actor, employee numberdesk.StaffID, purge bool) error
}

// Config configures a Service.
type Config struct {
	Store   Store
	Numbers Numbers // required for numbers in Create and for Delete
	Clock   numberdesk.Clock
	// Logger receives one line per command (Debug on success, Warn when it
	// fails internally, Info on a conflict, Debug on a refusal) with the
	// op, tenant, actor and request ID (numberdesk.RequestID), never a
	// payload; nil discards.
	Logger *slog.Logger
	// Observer, if set, watches every command (tracing, metrics: package
	// otel has one).
	Observer numberdesk.Observer
}

// Service manages tenants' staff. Every method except CreateTenant takes the
// acting Actor and checks it first: owner and manager manage staff (a manager
// cannot touch the owner or make managers); an employee may only change its
// own notification preferences.
type Service struct {
	cfg Config
	mon obs.Monitor
}

// NewService returns a Service over cfg.Store.
func NewService(cfg Config) *Service {
	if cfg.Store == nil {
		panic("staff.NewService: Config.Store is nil")
	}
	return &Service{cfg: cfg, mon: obs.New(cfg.Logger, cfg.Observer)}
}

func (s *Service) now() time.Time { return s.cfg.Clock.Now().UTC().Truncate(time.Microsecond) }

// Person is the personal data of a new or changed employee.
type Person struct {
	FirstName string `json:"first_name" validate:"required,max=100"`
	LastName  string `json:"last_name" validate:"required,max=100"`
	Email     string `json:"email" validate:"required,max=254"`
}

// TenantRequest creates a tenant with its owner.
type TenantRequest struct {
	// ID, if set, is the new tenant's ID (a UUID; CodeInvalid otherwise),
	// e.g. the vendor's own customer ID or a fixed demo tenant: creating
	// it twice is CodeConflict. Empty: a new random ID.
	ID       numberdesk.TenantID `json:"id"`
	Name     string              `json:"name" validate:"required,max=200"`
	TimeZone string              `json:"time_zone" validate:"max=64"` // IANA; empty: Europe/Berlin
	Owner    Person              `json:"owner"`
}

// CreateTenant creates a tenant and its owner, the "Administrator-Konto",
// in one change. It is the vendor's onboarding call and takes no actor;
// do not expose it to tenants.
func (s *Service) CreateTenant(ctx context.Context, req TenantRequest) (_ *numberdesk.Tenant, _ *Employee, err error) {
	const op = "staff.CreateTenant"
	ctx, cmd := s.mon.Start(ctx, op, numberdesk.Actor{Tenant: req.ID})
	defer cmd.End(&err)
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, nil, err
	}
	if req.ID != "" && !numberdesk.ValidID(req.ID) {
		return nil, nil, numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Mandanten-ID muss eine UUID sein.")
	}
	if _, err := numberdesk.LoadLocation(req.TimeZone); err != nil {
		return nil, nil, numberdesk.Internal(op, err)
	}
	email, err := NormalizeEmail(op, "owner.email", req.Owner.Email)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	id := req.ID
	if id == "" {
		id = numberdesk.NewTenantID()
	}
	t := &numberdesk.Tenant{ID: id, Name: req.Name, TimeZone: req.TimeZone, CreatedAt: now}
	if t.TimeZone == "" {
		t.TimeZone = numberdesk.DefaultTimeZone
	}
	owner := &Employee{ID: numberdesk.NewStaffID(), Tenant: t.ID, FirstName: req.Owner.FirstName, LastName: req.Owner.LastName,
		Email: email, Role: numberdesk.RoleOwner, Preferences: DefaultPreferences, CreatedAt: now, UpdatedAt: now}
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.cfg.Store.CreateTenant(ctx, t); err != nil {
			return err
		}
		if err := s.cfg.Store.CreateEmployee(ctx, owner); err != nil {
			return err
		}
		a := owner.Actor()
		if err := numberdesk.AppendEvent(ctx, s.cfg.Store, EventTenantCreated, a, now, "", t); err != nil {
			return err
		}
		return numberdesk.AppendEvent(ctx, s.cfg.Store, EventCreated, a, now, "", EventData{Employee: owner.ID, After: owner})
	})
	if err != nil {
		return nil, nil, numberdesk.Internal(op, err)
	}
	return t, owner, nil
}

// CreateRequest creates an employee, optionally with numbers to assign.
type CreateRequest struct {
	FirstName string `json:"first_name" validate:"required,max=100"`
	LastName  string `json:"last_name" validate:"required,max=100"`
	Email     string `json:"email" validate:"required,max=254"`
	// Role is numberdesk.RoleEmployee (default) or RoleManager (owner only).
	Role    numberdesk.Role       `json:"role" validate:"omitempty,oneof=manager employee"`
	Numbers []numberdesk.NumberID `json:"numbers" validate:"max=1000,dive,required"`
}

// Create adds an employee with default notification preferences and assigns
// it the given numbers, all in one change ("Neuen Mitarbeiter anlegen").
func (s *Service) Create(ctx context.Context, actor numberdesk.Actor, req CreateRequest) (_ *Employee, err error) {
	const op = "staff.Create"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	if req.Role == "" {
		req.Role = numberdesk.RoleEmployee
	}
	if req.Role == numberdesk.RoleManager && actor.Role != numberdesk.RoleOwner {
		return nil, numberdesk.E(numberdesk.CodePermission, op, "role", "Nur der Administrator kann Manager anlegen.")
	}
	email, err := NormalizeEmail(op, "email", req.Email)
	if err != nil {
		return nil, err
	}
	now := s.now()
	e := &Employee{ID: numberdesk.NewStaffID(), Tenant: actor.Tenant, FirstName: req.FirstName, LastName: req.LastName,
		Email: email, Role: req.Role, Preferences: DefaultPreferences, CreatedAt: now, UpdatedAt: now}
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		if err := s.cfg.Store.CreateEmployee(ctx, e); err != nil {
			return err
		}
		if err := numberdesk.AppendEvent(ctx, s.cfg.Store, EventCreated, actor, now, "", EventData{Employee: e.ID, After: e}); err != nil {
			return err
		}
		if len(req.Numbers) == 0 {
			return nil
		}
		if s.cfg.Numbers == nil {
			return numberdesk.E(numberdesk.CodeInternal, op, "numbers", "Die Rufnummernverwaltung ist nicht angebunden.")
		}
		return s.cfg.Numbers.AssignNumbers(ctx, actor, e.ID, req.Numbers)
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return e, nil
}

// Employee returns one employee. Employees may read only themselves.
func (s *Service) Employee(ctx context.Context, actor numberdesk.Actor, id numberdesk.StaffID) (*Employee, error) {
	const op = "staff.Employee"
	if err := Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee, numberdesk.RoleSystem); err != nil {
		return nil, err
	}
	return s.find(ctx, op, actor, id)
}

func (s *Service) find(ctx context.Context, op string, actor numberdesk.Actor, id numberdesk.StaffID) (*Employee, error) {
	if actor.Role == numberdesk.RoleEmployee && id != actor.Staff {
		return nil, errNotFound(op)
	}
	e, err := s.cfg.Store.FindEmployeeByID(ctx, actor.Tenant, id)
	if numberdesk.ErrorCode(err) == numberdesk.CodeNotFound {
		return nil, errNotFound(op)
	}
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return e, nil
}

func errNotFound(op string) error {
	return numberdesk.E(numberdesk.CodeNotFound, op, "employee", "Der Mitarbeiter wurde nicht gefunden.")
}

// Query selects employees for the list ("Mitarbeiter").
type Query struct {
	Search string `json:"search" validate:"max=100"`
	Offset int    `json:"offset" validate:"gte=0"`
	Limit  int    `json:"limit" validate:"gte=0,lte=1000"` // 0: 50
}

// List returns a page of the tenant's employees, sorted by name; owner and
// manager only.
func (s *Service) List(ctx context.Context, actor numberdesk.Actor, q Query) ([]*Employee, int, error) {
	const op = "staff.List"
	if err := Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleSystem); err != nil {
		return nil, 0, err
	}
	if err := numberdesk.Validate(op, q); err != nil {
		return nil, 0, err
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	es, total, err := s.cfg.Store.FindEmployees(ctx, actor.Tenant, Filter{Search: q.Search, Offset: q.Offset, Limit: q.Limit})
	if err != nil {
		return nil, 0, numberdesk.Internal(op, err)
	}
	return es, total, nil
}

// IfVersion returns ctx in which a change of an employee (Update,
// SetLocked, SetRoutingEdit, SetPreferences) applies to that version of it
// only: a stale version is CodeConflict (Field "version") and changes
// nothing. The change compares it with the record it reads, and the store's
// write checks that record's version again, so a change made meanwhile is
// never overwritten (an HTTP If-Match).
func IfVersion(ctx context.Context, version int64) context.Context {
	return context.WithValue(ctx, ifVersionKey{}, version)
}

type ifVersionKey struct{}

// change loads the employee id for a change by actor, applies fn in one
// transaction and appends an event of typ. Managers cannot change the owner
// or other managers. See IfVersion.
func (s *Service) change(ctx context.Context, op string, actor numberdesk.Actor, id numberdesk.StaffID, typ numberdesk.EventType,
	fn func(e *Employee) error) (*Employee, error) {
	var out *Employee
	err := s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		e, err := s.find(ctx, op, actor, id)
		if err != nil {
			return err
		}
		if actor.Role == numberdesk.RoleManager && e.Role != numberdesk.RoleEmployee && e.ID != actor.Staff {
			return numberdesk.E(numberdesk.CodePermission, op, "employee", "Nur der Administrator kann Manager und das Administrator-Konto ändern.")
		}
		if v, ok := ctx.Value(ifVersionKey{}).(int64); ok && e.Version != v {
			return numberdesk.E(numberdesk.CodeConflict, op, "version", "Die Daten wurden inzwischen geändert. Bitte laden Sie sie neu.")
		}
		before := e.Clone()
		if err := fn(e); err != nil {
			return err
		}
		if *e == *before {
			out = e
			return nil // nothing changed: no write, no event
		}
		e.UpdatedAt = s.now()
		if err := s.cfg.Store.UpdateEmployee(ctx, e); err != nil {
			return err
		}
		out = e
		return numberdesk.AppendEvent(ctx, s.cfg.Store, typ, actor, e.UpdatedAt, "", EventData{Employee: e.ID, Before: before, After: e})
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return out, nil
}

// UpdateRequest changes an employee's personal data and role.
type UpdateRequest struct {
	FirstName string `json:"first_name" validate:"required,max=100"`
	LastName  string `json:"last_name" validate:"required,max=100"`
	Email     string `json:"email" validate:"required,max=254"`
	// Role: manager or employee; the owner's role cannot change.
	Role numberdesk.Role `json:"role" validate:"omitempty,oneof=owner manager employee"`
}

// Update changes name, e-mail and role. The owner cannot be demoted and
// nobody can be made owner; only the owner changes roles.
func (s *Service) Update(ctx context.Context, actor numberdesk.Actor, id numberdesk.StaffID, req UpdateRequest) (_ *Employee, err error) {
	const op = "staff.Update"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	email, err := NormalizeEmail(op, "email", req.Email)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, op, actor, id, EventUpdated, func(e *Employee) error {
		if req.Role != "" && req.Role != e.Role {
			switch {
			case e.Role == numberdesk.RoleOwner:
				return numberdesk.E(numberdesk.CodePrecondition, op, "role", "Das Administrator-Konto bleibt Administrator.")
			case req.Role == numberdesk.RoleOwner:
				return numberdesk.E(numberdesk.CodePrecondition, op, "role", "Es gibt genau ein Administrator-Konto.")
			case actor.Role != numberdesk.RoleOwner:
				return numberdesk.E(numberdesk.CodePermission, op, "role", "Nur der Administrator kann Rollen ändern.")
			}
			e.Role = req.Role
		}
		e.FirstName, e.LastName, e.Email = req.FirstName, req.LastName, email
		return nil
	})
}

// SetLocked locks or unlocks an employee ("Sperren", "Entsperren"). The owner
// cannot be locked.
func (s *Service) SetLocked(ctx context.Context, actor numberdesk.Actor, id numberdesk.StaffID, locked bool) (_ *Employee, err error) {
	const op = "staff.SetLocked"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	typ := EventUnlocked
	if locked {
		typ = EventLocked
	}
	return s.change(ctx, op, actor, id, typ, func(e *Employee) error {
		if e.Role == numberdesk.RoleOwner && locked {
			return numberdesk.E(numberdesk.CodePrecondition, op, "employee", "Das Administrator-Konto kann nicht gesperrt werden.")
		}
		if e.ID == actor.Staff && locked {
			return numberdesk.E(numberdesk.CodePrecondition, op, "employee", "Sie können sich nicht selbst sperren.")
		}
		e.Locked = locked
		return nil
	})
}

// SetRoutingEdit grants or revokes an employee's right to edit the routing
// of the numbers it holds ("darf Routing bearbeiten"). Owner only; the owner
// itself edits all routing anyway and cannot be the target
// (CodePrecondition, Field "employee").
func (s *Service) SetRoutingEdit(ctx context.Context, actor numberdesk.Actor, id numberdesk.StaffID, allowed bool) (_ *Employee, err error) {
	const op = "staff.SetRoutingEdit"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner); err != nil {
		return nil, err
	}
	return s.change(ctx, op, actor, id, EventUpdated, func(e *Employee) error {
		if e.Role == numberdesk.RoleOwner {
			return numberdesk.E(numberdesk.CodePrecondition, op, "employee", "Das Administrator-Konto darf das Routing immer bearbeiten.")
		}
		e.RoutingEdit = allowed
		return nil
	})
}

// SetPreferences changes notification preferences. Employees change their
// own; owner and manager anyone's (managers not the owner's).
func (s *Service) SetPreferences(ctx context.Context, actor numberdesk.Actor, id numberdesk.StaffID, p Preferences) (_ *Employee, err error) {
	const op = "staff.SetPreferences"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee); err != nil {
		return nil, err
	}
	return s.change(ctx, op, actor, id, EventUpdated, func(e *Employee) error {
		e.Preferences = p
		return nil
	})
}

// Delete removes an employee: its numbers become unassigned and, with
// purge, its call records, fax journal and voicemail of those numbers are
// deleted too; otherwise they stay. The owner cannot be deleted.
func (s *Service) Delete(ctx context.Context, actor numberdesk.Actor, id numberdesk.StaffID, purge bool) (err error) {
	const op = "staff.Delete"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return err
	}
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		e, err := s.find(ctx, op, actor, id)
		if err != nil {
			return err
		}
		switch {
		case e.Role == numberdesk.RoleOwner:
			return numberdesk.E(numberdesk.CodePrecondition, op, "employee", "Das Administrator-Konto kann nicht gelöscht werden.")
		case actor.Role == numberdesk.RoleManager && e.Role != numberdesk.RoleEmployee:
			return numberdesk.E(numberdesk.CodePermission, op, "employee", "Nur der Administrator kann Manager löschen.")
		case s.cfg.Numbers == nil:
			return numberdesk.E(numberdesk.CodeInternal, op, "numbers", "Die Rufnummernverwaltung ist nicht angebunden.")
		}
		if err := s.cfg.Numbers.ReleaseHolder(ctx, actor, e.ID, purge); err != nil {
			return err
		}
		if err := s.cfg.Store.DeleteEmployee(ctx, actor.Tenant, e.ID); err != nil {
			return err
		}
		return numberdesk.AppendEvent(ctx, s.cfg.Store, EventDeleted, actor, s.now(), "", EventData{Employee: e.ID, Before: e})
	})
	return numberdesk.Internal(op, err)
}

// roles lists the roles of staff (all but system), for validation.
var roles = []numberdesk.Role{numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee}

// ValidRole reports whether r is a staff role.
func ValidRole(r numberdesk.Role) bool { return slices.Contains(roles, r) }

package staff

import (
	"context"

	"github.com/numberdesk/numberdesk"
)

// Finder reads employees; every domain's Store has it.
type Finder interface {
	FindEmployeeByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (*Employee, error)
}

// Authorize checks that actor may run op now: it claims one of roles
// (numberdesk.Actor.Check) and Verify accepts it. Queries call it first;
// commands check the roles first and Verify in their transaction.
//
// The embedding application authenticates people; the SDK authorizes them.
// An application obtains a verified Actor with Service.Actor.
func Authorize(ctx context.Context, st Finder, op string, actor numberdesk.Actor, roles ...numberdesk.Role) error {
	if err := actor.Check(op, roles...); err != nil {
		return err
	}
	return Verify(ctx, st, op, actor)
}

// Verify checks the actor against what is stored: unless it is
// numberdesk.RoleSystem (the only actor without an employee), it is an
// employee stored in its tenant under actor.Staff, not locked, whose stored
// role is the one the actor claims. An unknown, deleted or other tenant's
// employee and a role the employee does not hold are CodePermission with
// Field "actor" and one message, so that nothing can be probed; a locked
// employee gets CodePermission saying so. Every command of the SDK calls
// Verify with the ctx of its transaction, so that a lock, role change or
// deletion committed before the command is seen by it.
func Verify(ctx context.Context, st Finder, op string, actor numberdesk.Actor) error {
	if actor.Role == numberdesk.RoleSystem && actor.Staff == "" {
		return nil
	}
	_, err := verify(ctx, st, op, actor.Tenant, actor.Staff, actor.Role)
	return err
}

// verify returns the stored employee id of tenant if it may act, with role
// unless role is empty.
func verify(ctx context.Context, st Finder, op string, tenant numberdesk.TenantID, id numberdesk.StaffID, role numberdesk.Role) (*Employee, error) {
	e, err := st.FindEmployeeByID(ctx, tenant, id)
	if err != nil && numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
		return nil, numberdesk.Internal(op, err)
	}
	var sd Standing
	if err == nil {
		sd = Standing{Found: true, Role: e.Role, Locked: e.Locked}
	}
	if err := sd.check(op, role); err != nil {
		return nil, err
	}
	return e, nil
}

// Standing is what Verify reads of an actor's employee record: whether it
// is stored in the actor's tenant, its role and whether it is locked. A
// store that reads it in the statement of another read (see
// numbers.ActorReader) saves a command the round trip of Verify's own.
type Standing struct {
	Found  bool
	Role   numberdesk.Role
	Locked bool
}

// Verify is Verify's verdict on the standing of actor's employee, read in
// the transaction of the command (the system actor needs none).
func (sd Standing) Verify(op string, actor numberdesk.Actor) error {
	if actor.Role == numberdesk.RoleSystem && actor.Staff == "" {
		return nil
	}
	return sd.check(op, actor.Role)
}

// check is CodePermission unless sd is found, holds role (any if role is
// empty) and is not locked.
func (sd Standing) check(op string, role numberdesk.Role) error {
	switch {
	case !sd.Found || role != "" && sd.Role != role:
		return numberdesk.E(numberdesk.CodePermission, op, "actor", "Keine Berechtigung.")
	case sd.Locked:
		return numberdesk.E(numberdesk.CodePermission, op, "actor", "Ihr Zugang ist gesperrt.")
	}
	return nil
}

// Actor returns the verified Actor of the employee id of tenant, with the
// role it holds: the one way for an application to turn the person it has
// authenticated into an Actor for the services. An unknown or deleted
// employee (or one of another tenant) is CodePermission, Field "actor", as
// is a locked one. For scheduled jobs use numberdesk.System.
//
// The Actor is a snapshot: every service method verifies it again in its
// transaction, so an employee locked or demoted after Actor returned is
// refused from then on.
func (s *Service) Actor(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (numberdesk.Actor, error) {
	const op = "staff.Actor"
	if tenant == "" || id == "" {
		return numberdesk.Actor{}, numberdesk.E(numberdesk.CodePermission, op, "actor", "Keine Berechtigung.")
	}
	e, err := verify(ctx, s.cfg.Store, op, tenant, id, "")
	if err != nil {
		return numberdesk.Actor{}, err
	}
	return e.Actor(), nil
}

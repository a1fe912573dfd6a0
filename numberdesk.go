// Package numberdesk is the shared kernel of the NumberDesk SDK: typed IDs,
// tenants, actors and roles, the typed Error, events, the injected clock and
// the Transactor. It performs no I/O.
//
// The domain packages build on it: [github.com/numberdesk/numberdesk/numbers]
// holds the number inventory and lifecycle, staff the employees, routing the
// call routing, efax the E-Fax-App credentials. A backend in store/... satisfies
// every domain's Store interface at once.
package numberdesk

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// TenantID identifies a tenant (one customer PBX). It holds a UUID.
type TenantID string

// StaffID identifies an employee ("Mitarbeiter") of a tenant. It holds a UUID.
type StaffID string

// NumberID identifies a phone number of a tenant. It holds a UUID.
type NumberID string

// EventID identifies an event. It holds a UUID; recipients de-duplicate by it.
type EventID string

// NewTenantID returns a new random TenantID.
func NewTenantID() TenantID { return TenantID(uuid.NewString()) }

// NewStaffID returns a new random StaffID.
func NewStaffID() StaffID { return StaffID(uuid.NewString()) }

// NewNumberID returns a new random NumberID.
func NewNumberID() NumberID { return NumberID(uuid.NewString()) }

// NewEventID returns a new random EventID.
func NewEventID() EventID { return EventID(uuid.NewString()) }

// ValidID reports whether s is a UUID in canonical form, the only form the SDK
// issues. Stores may use it to answer malformed IDs with CodeNotFound early.
func ValidID[T ~string](id T) bool {
	if len(id) != 36 {
		return false
	}
	_, err := uuid.Parse(string(id))
	return err == nil
}

// DefaultTimeZone is the IANA zone of a tenant that names none.
const DefaultTimeZone = "Europe/Berlin"

// Tenant is one customer PBX. All calendar rules of the tenant (notice dates,
// schedules, holidays) are computed in its TimeZone.
type Tenant struct {
	ID        TenantID  `json:"id"`
	Name      string    `json:"name"`
	TimeZone  string    `json:"time_zone"` // IANA name; empty means DefaultTimeZone
	CreatedAt time.Time `json:"created_at"`
}

// Location returns the tenant's time zone. An empty or unknown zone yields
// DefaultTimeZone (and UTC if even that is missing from the system's tzdata).
func (t *Tenant) Location() *time.Location {
	if loc, err := LoadLocation(t.TimeZone); err == nil {
		return loc
	}
	loc, err := LoadLocation(DefaultTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// LoadLocation loads an IANA zone; the empty name means DefaultTimeZone.
// Fixed-offset names such as "UTC+1" and "Local" are refused with CodeInvalid:
// calendar rules need a real zone.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimeZone
	}
	if name == "Local" {
		return nil, &Error{Code: CodeInvalid, Op: "LoadLocation", Field: "time_zone", Message: "Die Zeitzone ist ungültig."}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &Error{Code: CodeInvalid, Op: "LoadLocation", Field: "time_zone", Message: "Die Zeitzone ist ungültig.", Err: err}
	}
	return loc, nil
}

// Role is what an Actor may do within its tenant.
type Role string

// The roles. There is exactly one RoleOwner per tenant.
const (
	// RoleOwner is the tenant's administrator account ("Administrator-Konto"):
	// everything, including what costs money.
	RoleOwner Role = "owner"
	// RoleManager configures everything except money: no quote, activate,
	// deactivate, withdraw or swap.
	RoleManager Role = "manager"
	// RoleEmployee sees only the numbers it holds.
	RoleEmployee Role = "employee"
	// RoleSystem is a scheduled job of the embedding portal.
	RoleSystem Role = "system"
)

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleManager, RoleEmployee, RoleSystem:
		return true
	}
	return false
}

// Actor is who performs a command: a member of one tenant, or the system.
// The embedding application authenticates people; the SDK authorizes them:
// obtain an Actor from staff.Service.Actor (or System for scheduled jobs),
// never build one from a person's own claims. Every service method checks
// the Actor's role first and verifies it against the stored employee in its
// transaction (staff.Verify): it must exist in the tenant, not be locked and
// hold the role claimed. RoleSystem is the only actor without an employee.
type Actor struct {
	Tenant TenantID `json:"tenant"`
	Staff  StaffID  `json:"staff,omitempty"` // empty for RoleSystem
	Role   Role     `json:"role"`
}

// System returns the actor of scheduled jobs for tenant.
func System(tenant TenantID) Actor { return Actor{Tenant: tenant, Role: RoleSystem} }

// Is reports whether the actor has one of roles.
func (a Actor) Is(roles ...Role) bool {
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

// Check returns a CodePermission error for op unless the actor belongs to a
// tenant, names an employee exactly when it is not RoleSystem, and has one
// of roles. It looks at the Actor alone; staff.Verify compares it with what
// is stored.
func (a Actor) Check(op string, roles ...Role) error {
	if a.Tenant == "" || !a.Role.Valid() {
		return &Error{Code: CodePermission, Op: op, Field: "actor", Message: "Keine Berechtigung."}
	}
	if (a.Role == RoleSystem) != (a.Staff == "") {
		return &Error{Code: CodePermission, Op: op, Field: "actor", Message: "Keine Berechtigung."}
	}
	if !a.Is(roles...) {
		return &Error{Code: CodePermission, Op: op, Message: "Für diese Aktion fehlt Ihnen die Berechtigung."}
	}
	return nil
}

// Clock returns the current time. A nil Clock is the wall clock; tests inject
// a fake one.
type Clock func() time.Time

// Now returns the clock's time, or time.Now for a nil Clock.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}

// Transactor runs fn so that every Store write made with the ctx passed to fn
// is committed together, or none is if fn returns an error (or panics).
// Nested calls with a ctx that is already inside a transaction join it.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Package staff holds the employees ("Mitarbeiter") of a tenant: the one
// owner ("Administrator-Konto"), managers and employees, their lock state
// and notification preferences.
//
// Service creates tenants with their owner (the vendor's onboarding), and
// creates, updates, locks and deletes employees. Assigning numbers belongs to
// the number inventory: Service reaches it through the Numbers interface,
// which numbers.Service implements, so that "create an employee with numbers"
// and "delete an employee, unassigning its numbers" are each one change.
//
// # Authorization
//
// The embedding application authenticates people (its login, SSO, session);
// the SDK authorizes them. Service.Actor turns an authenticated (tenant,
// employee) into the Actor the services take, with the role that is stored.
// Every service method of the SDK verifies the Actor again, in its
// transaction (Verify): the employee exists in the tenant, is not locked and
// holds the role the Actor claims; otherwise CodePermission, Field "actor",
// and nothing changes. So an employee cannot claim the owner's role, a
// locked manager cannot unlock itself and a deleted employee's Actor stops
// working. numberdesk.RoleSystem, for scheduled jobs, is the only actor
// without an employee.
package staff

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// Category is a kind of notification an employee may switch off.
type Category string

// The notification categories.
const (
	CategoryMissedCall Category = "missed_call" // verpasste Anrufe
	CategoryFax        Category = "fax"         // empfangene Faxe
	CategoryVoicemail  Category = "voicemail"   // Sprachnachrichten
	CategoryOther      Category = "other"       // andere Ereignisse
)

// Preferences are an employee's notification settings. All are on by default
// ("sofern diese Standard-Einstellung im Mitarbeiter-Profil nicht abgewählt
// wird").
type Preferences struct {
	MissedCalls bool `json:"missed_calls"`
	Faxes       bool `json:"faxes"`
	Voicemail   bool `json:"voicemail"`
	Other       bool `json:"other"`
}

// DefaultPreferences has every category on.
var DefaultPreferences = Preferences{MissedCalls: true, Faxes: true, Voicemail: true, Other: true}

// Wants reports whether p lets notifications of category c through.
func (p Preferences) Wants(c Category) bool {
	switch c {
	case CategoryMissedCall:
		return p.MissedCalls
	case CategoryFax:
		return p.Faxes
	case CategoryVoicemail:
		return p.Voicemail
	}
	return p.Other
}

// Employee is a member of a tenant's staff.
type Employee struct {
	ID        numberdesk.StaffID  `json:"id"`
	Tenant    numberdesk.TenantID `json:"tenant"`
	FirstName string              `json:"first_name"`
	LastName  string              `json:"last_name"`
	// Email is the login and the address of notifications; unique in the
	// tenant, compared case-insensitively.
	Email string          `json:"email"`
	Role  numberdesk.Role `json:"role"` // owner, manager or employee
	// Locked employees get no notifications, cannot be assigned numbers and
	// cannot receive credentials ("gesperrt").
	Locked bool `json:"locked"`
	// RoutingEdit is the owner's grant that this employee may edit the
	// routing of the numbers it holds ("darf Routing bearbeiten"); default
	// false. Owner and managers edit routing regardless.
	RoutingEdit bool        `json:"routing_edit"`
	Preferences Preferences `json:"preferences"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	Version     int64       `json:"version"`
}

// Name returns "First Last".
func (e *Employee) Name() string { return strings.TrimSpace(e.FirstName + " " + e.LastName) }

// Clone returns a copy of e.
func (e *Employee) Clone() *Employee { c := *e; return &c }

// Actor returns the actor e acts as.
func (e *Employee) Actor() numberdesk.Actor {
	return numberdesk.Actor{Tenant: e.Tenant, Staff: e.ID, Role: e.Role}
}

// NormalizeEmail returns the canonical form of an e-mail address for
// uniqueness: trimmed and lower-cased. It reports CodeInvalid on field for
// anything that is not a single plain address ("name@example.com").
func NormalizeEmail(op, field, s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 || strings.ContainsAny(s, "\r\n\x00") {
		return "", numberdesk.E(numberdesk.CodeInvalid, op, field, "Die E-Mail-Adresse ist ungültig.")
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", numberdesk.E(numberdesk.CodeInvalid, op, field, "Die E-Mail-Adresse ist ungültig.")
	}
	return strings.ToLower(s), nil
}

// Filter selects employees of one tenant. Results are sorted by last name,
// first name, e-mail.
type Filter struct {
	IDs    []numberdesk.StaffID
	Search string // case-insensitive substring of name or e-mail
	Roles  []numberdesk.Role
	Email  string // exact, normalized
	Offset int
	Limit  int // 0: no limit
}

// Check checks a filter given to Store.FindEmployees: a negative Offset or
// Limit is CodeInvalid (Field "offset" or "limit", see
// numberdesk.CheckPage). Backends call it first, so that all of them refuse
// alike.
func (f Filter) Check(op string) error {
	return numberdesk.CheckPage(op, f.Offset, f.Limit)
}

// Store is the persistence staff.Service needs. Like every Store of the SDK
// it is tenant-scoped: another tenant's employee is CodeNotFound.
type Store interface {
	numberdesk.Transactor
	numberdesk.TenantStore
	numberdesk.EventStore

	// FindEmployeeByID returns the tenant's employee, or CodeNotFound.
	FindEmployeeByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (*Employee, error)
	// FindEmployees returns the page of matching employees and the total. A
	// negative Offset or Limit is CodeInvalid (Filter.Check).
	FindEmployees(ctx context.Context, tenant numberdesk.TenantID, f Filter) ([]*Employee, int, error)
	// CreateEmployee stores e with Version 1 (in e too). CodeConflict (Field
	// "email") if the e-mail exists in the tenant, or if the ID exists.
	CreateEmployee(ctx context.Context, e *Employee) error
	// UpdateEmployee writes e if it carries the stored Version (else
	// CodeConflict), incrementing it (in e too). CodeConflict (Field "email")
	// if the e-mail belongs to another employee of the tenant.
	UpdateEmployee(ctx context.Context, e *Employee) error
	// DeleteEmployee removes the tenant's employee, or reports CodeNotFound.
	DeleteEmployee(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) error
}

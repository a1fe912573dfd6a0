package efax

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
)

// CredentialID identifies a credential (one login of one employee for one
// fax number). It holds a UUID.
type CredentialID string

// NewCredentialID returns a new random CredentialID.
func NewCredentialID() CredentialID { return CredentialID(uuid.NewString()) }

// Status is the state of a credential.
type Status string

// The states of a credential.
const (
	// StatusActive: the login works while its holder stays eligible (see
	// Authenticate).
	StatusActive Status = "active"
	// StatusRevoked: the login no longer works; the row stays for the audit
	// log and keeps its username, so that sending again reuses it.
	StatusRevoked Status = "revoked"
)

// Valid reports whether s is a defined state.
func (s Status) Valid() bool { return s == StatusActive || s == StatusRevoked }

// Reason says why a credential was revoked.
type Reason string

// The revocation reasons.
const (
	ReasonManual          Reason = "manual"           // Revoke
	ReasonNumberInactive  Reason = "number_inactive"  // deactivated (ApplyDue), swapped out, or never active
	ReasonNotFax          Reason = "not_fax"          // the usage type is no longer a fax type
	ReasonNotHolder       Reason = "not_holder"       // reassigned or unassigned away from the employee
	ReasonEmployeeLocked  Reason = "employee_locked"  // staff.SetLocked
	ReasonEmployeeDeleted Reason = "employee_deleted" // staff.Delete
)

// Label returns the German text of r for the UI.
func (r Reason) Label() string {
	switch r {
	case ReasonManual:
		return "Die Zugangsdaten wurden widerrufen."
	case ReasonNumberInactive:
		return "Die Faxnummer ist nicht mehr aktiv."
	case ReasonNotFax:
		return "Die Rufnummer ist keine Faxnummer mehr."
	case ReasonNotHolder:
		return "Der Mitarbeiter nutzt die Faxnummer nicht mehr."
	case ReasonEmployeeLocked:
		return "Der Mitarbeiter ist gesperrt."
	case ReasonEmployeeDeleted:
		return "Der Mitarbeiter wurde gelöscht."
	}
	return string(r)
}

// Credential is what the UI may know of a login of the E-Fax-App: metadata
// only. It has no field for the secret, its hash or its sealed copy; those
// live in StoredCredential, which no read of the Service returns.
type Credential struct {
	ID     CredentialID        `json:"id"`
	Tenant numberdesk.TenantID `json:"tenant"`
	Number numberdesk.NumberID `json:"number"`
	Staff  numberdesk.StaffID  `json:"staff"`
	// Username is the login name: derived from the number and the employee
	// (see Username), the same after every rotation, unique store-wide.
	Username string `json:"username"`
	Status   Status `json:"status"`
	// Generation counts the secrets issued for this login: 1 for the first,
	// +1 for every rotation or re-issue. Only the newest one works.
	Generation int `json:"generation"`
	// IssuedAt is when the login was first issued; RotatedAt when its
	// current secret was (equal for generation 1).
	IssuedAt  time.Time `json:"issued_at"`
	RotatedAt time.Time `json:"rotated_at"`
	// DeliveredAt is when the current secret was handed to the Notifier;
	// zero while the delivery is pending.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	RevokedAt   time.Time `json:"revoked_at,omitzero"`
	Reason      Reason    `json:"reason,omitempty"` // why it was revoked
	LastLoginAt time.Time `json:"last_login_at,omitzero"`
	// Failures counts the failed logins since the last success or lockout;
	// LockedUntil is the end of a lockout (zero: none).
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Version increases with every write; writes carry the version they
	// read and fail with CodeConflict if it is stale. It is 1 after creation.
	Version int64 `json:"version"`
}

// StoredCredential is a credential as the Store keeps it: the metadata plus
// the argon2id hash of the current secret (a PHC string, empty once revoked)
// and, until the Notifier has delivered it, the secret sealed with
// AES-256-GCM (nil after delivery or revocation). The plaintext secret is
// never stored.
type StoredCredential struct {
	Credential
	Hash   string `json:"-"`
	Sealed []byte `json:"-"`
}

// Clone returns a deep copy of c.
func (c *StoredCredential) Clone() *StoredCredential {
	out := *c
	out.Sealed = slices.Clone(c.Sealed)
	return &out
}

// CredentialFilter selects credentials of one tenant. Zero fields do not
// filter. Results are sorted by Username.
type CredentialFilter struct {
	Number   numberdesk.NumberID
	Staff    numberdesk.StaffID
	Statuses []Status
}

// MaxUsername is the longest username a store must keep.
const MaxUsername = 64

// CheckWrite checks what every Store requires of a credential it writes:
// canonical tenant, credential, number and staff IDs, a username of 1 to
// MaxUsername bytes, a defined status and a positive generation. Backends
// call it first, so that all of them refuse bad input alike (CodeInvalid).
func (c *StoredCredential) CheckWrite(op string) error {
	switch {
	case c == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "credential", "Die Zugangsdaten fehlen.")
	case !numberdesk.ValidID(c.Tenant):
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant der Zugangsdaten fehlt oder ist ungültig.")
	case !numberdesk.ValidID(c.ID):
		return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung der Zugangsdaten ist ungültig.")
	case !numberdesk.ValidID(c.Number):
		return numberdesk.E(numberdesk.CodeInvalid, op, "number", "Die Rufnummer der Zugangsdaten ist ungültig.")
	case !numberdesk.ValidID(c.Staff):
		return numberdesk.E(numberdesk.CodeInvalid, op, "staff", "Der Mitarbeiter der Zugangsdaten ist ungültig.")
	case c.Username == "" || len(c.Username) > MaxUsername || !printableASCII(c.Username):
		return numberdesk.E(numberdesk.CodeInvalid, op, "username", "Der Benutzername ist ungültig.")
	case !c.Status.Valid():
		return numberdesk.E(numberdesk.CodeInvalid, op, "status", "Der Zustand der Zugangsdaten ist ungültig.")
	case c.Generation < 1:
		return numberdesk.E(numberdesk.CodeInvalid, op, "generation", "Die Generation der Zugangsdaten ist ungültig.")
	case c.Failures < 0:
		return numberdesk.E(numberdesk.CodeInvalid, op, "failures", "Die Zahl der Fehlversuche ist ungültig.")
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// Store is the persistence efax.Service needs. Like every Store of the SDK
// it copies in and out and is tenant-scoped (another tenant's credential is
// CodeNotFound), with one exception: usernames are unique store-wide, since
// the vendor's fax-app backend logs in with a username alone, and
// FindCredentialByUsername looks one up without a tenant.
type Store interface {
	numberdesk.Transactor
	numberdesk.EventStore
	numberdesk.IdempotencyStore // Send's idempotency keys

	// FindNumberByID, FindEmployeeByID and FindEmployees (see numbers.Store
	// and staff.Store) decide who is eligible.
	FindNumberByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.NumberID) (*numbers.Number, error)
	FindEmployeeByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (*staff.Employee, error)
	FindEmployees(ctx context.Context, tenant numberdesk.TenantID, f staff.Filter) ([]*staff.Employee, int, error)

	// FindCredentialByID returns the tenant's credential, or CodeNotFound.
	FindCredentialByID(ctx context.Context, tenant numberdesk.TenantID, id CredentialID) (*StoredCredential, error)
	// FindCredentialByUsername returns the credential with exactly this
	// username, of whichever tenant (its Tenant says which), or
	// CodeNotFound. It serves Authenticate only.
	FindCredentialByUsername(ctx context.Context, username string) (*StoredCredential, error)
	// FindCredentials returns the tenant's credentials matching f, sorted by
	// Username.
	FindCredentials(ctx context.Context, tenant numberdesk.TenantID, f CredentialFilter) ([]*StoredCredential, error)
	// CreateCredential stores c with Version 1 (in c too). CodeConflict if
	// the ID or the pair of number and employee exists in the tenant (Field
	// "id"), or if the username exists in any tenant (Field "username").
	CreateCredential(ctx context.Context, c *StoredCredential) error
	// UpdateCredential writes c if it carries the stored Version (else
	// CodeConflict, Field "version"; CodeNotFound if it does not exist in
	// its tenant), incrementing it (in c too). Number, Staff, Username and
	// IssuedAt never change: the stored ones are kept.
	UpdateCredential(ctx context.Context, c *StoredCredential) error
}

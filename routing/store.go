package routing

import (
	"context"
	"time"

	"github.com/numberdesk/numberdesk"
)

// Settings are the stored routing of one number: its plan (voice numbers
// only) and the manual overrides of its rules. A number without stored
// settings routes by DefaultPlan.
type Settings struct {
	Tenant    numberdesk.TenantID `json:"tenant"`
	Number    numberdesk.NumberID `json:"number"`
	Plan      Plan                `json:"plan"`
	Overrides []Override          `json:"overrides,omitempty"`
	UpdatedAt time.Time           `json:"updated_at"`
	// Version increases with every save; 0 means "not stored yet".
	Version int64 `json:"version"`
}

// TenantBlocklist is the stored tenant-wide block list ("Sperrliste").
type TenantBlocklist struct {
	Tenant    numberdesk.TenantID `json:"tenant"`
	List      Blocklist           `json:"list"`
	UpdatedAt time.Time           `json:"updated_at"`
	Version   int64               `json:"version"` // 0: none stored yet
}

// Store is the persistence of routing settings. Like every Store of the SDK
// it is tenant-scoped and copies values in and out.
type Store interface {
	// FindSettings returns the number's settings, or CodeNotFound if none
	// are stored (then DefaultPlan applies).
	FindSettings(ctx context.Context, tenant numberdesk.TenantID, number numberdesk.NumberID) (*Settings, error)
	// SaveSettings stores s: with Version 0 it creates them (CodeConflict if
	// the number has settings already), otherwise s.Version must be the
	// stored one (CodeConflict if stale, CodeNotFound if none are stored).
	// On success s.Version is the new version (1 after creation).
	SaveSettings(ctx context.Context, s *Settings) error
	// DeleteSettings removes the settings of the numbers, all or none: a
	// number without stored settings (or a malformed ID) is no error. It
	// costs a constant number of statements however many numbers it names
	// (one on the SQL backends, per 1000 numbers on SQLite), so that a
	// command that wipes the routing of many numbers stays O(1).
	DeleteSettings(ctx context.Context, tenant numberdesk.TenantID, numbers ...numberdesk.NumberID) error
	// FindBlocklist returns the tenant's block list; a tenant without one
	// gets an empty list with Version 0 (never CodeNotFound).
	FindBlocklist(ctx context.Context, tenant numberdesk.TenantID) (*TenantBlocklist, error)
	// SaveBlocklist stores b with the same version rules as SaveSettings.
	SaveBlocklist(ctx context.Context, b *TenantBlocklist) error
}

// CheckWrite checks what every Store requires of settings it saves: the
// settings and canonical tenant and number IDs. Backends call it first, so
// that all of them refuse bad input alike (CodeInvalid).
func (s *Settings) CheckWrite(op string) error {
	switch {
	case s == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "settings", "Die Routing-Einstellungen fehlen.")
	case !numberdesk.ValidID(s.Tenant):
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant fehlt oder ist ungültig.")
	case !numberdesk.ValidID(s.Number):
		return numberdesk.E(numberdesk.CodeInvalid, op, "number", "Die Kennung der Rufnummer ist ungültig.")
	}
	return nil
}

// CheckWrite checks what every Store requires of a block list it saves:
// the list and a canonical tenant ID (CodeInvalid otherwise).
func (b *TenantBlocklist) CheckWrite(op string) error {
	switch {
	case b == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "blocklist", "Die Sperrliste fehlt.")
	case !numberdesk.ValidID(b.Tenant):
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant fehlt oder ist ungültig.")
	}
	return nil
}

// Package store holds the composite persistence contract of the SDK: [Store]
// embeds every domain's consumer-side Store interface, so that one backend
// value can be handed to every service. The backends live below this package:
// store/memstore (the default, also used in the browser) and store/sqlstore
// (SQLite and PostgreSQL). store/storetest is the executable form of this contract; every
// backend runs it unchanged.
//
// # Tenant scoping
//
// Every method names the tenant, either as an argument (FindNumberByID,
// FindNumbers, FindEvents, FindIdempotencyRecord) or through the entity it
// writes (Number.Tenant, Event.Tenant, IdempotencyRecord.Tenant). A method
// never reads, returns or changes another tenant's data. An entity of another
// tenant is reported exactly like an ID that does not exist at all: the same
// [numberdesk.CodeNotFound] with the same Message, never
// [numberdesk.CodePermission], so that nobody can probe for IDs of other
// tenants. List methods simply return nothing of other tenants. Malformed IDs
// (not a canonical UUID, see [numberdesk.ValidID]) are answered by reads the
// same way as unknown ones; writes refuse to store them (CodeInvalid).
//
// Uniqueness is scoped per tenant too: number IDs and E.164 numbers, event IDs
// and idempotency keys are unique within their tenant, so the same value in
// another tenant is independent (and creating it neither fails nor reveals
// anything). Only tenant IDs are global (the TenantStore is the embedding
// platform's registry of tenants, not data of a tenant), and the usernames
// of E-Fax-App credentials: the vendor's fax-app backend logs in with a
// username alone, so FindCredentialByUsername looks one up store-wide and
// returns the credential with its own Tenant. Usernames are derived from a
// hash over tenant, number and employee (efax.Username), so a tenant cannot
// guess another's.
//
// A backend does not require a tenant to be created with CreateTenant before
// numbers, events or idempotency records of that tenant are stored; the
// services check tenants where they need them.
//
// # Copies
//
// Backends copy in and out: a caller may keep and modify what it passed to a
// write or got from a read (including slices such as Number.Holders and the
// bytes of Event.Data and IdempotencyRecord.Result) without affecting the
// store. The only fields a write changes in the caller's values are the ones
// the store assigns: Number.Version (CreateNumbers, UpdateNumbers),
// Event.Seq (AppendEvents), and the Version of routing.Settings and
// routing.TenantBlocklist (SaveSettings, SaveBlocklist; the Plan's own
// Version field is stored as given).
//
// # Errors
//
// Every error is a *[numberdesk.Error] with a stable Code and Field and a
// German Message; Op names the backend's method, e.g. "memstore.UpdateNumbers".
// A done ctx yields CodeInternal wrapping ctx.Err() (errors.Is(err,
// context.Canceled) holds).
//
// # Versions
//
// CreateNumbers sets Version to 1. UpdateNumbers requires every number to
// carry the Version that is stored (CodeConflict, Field "version", otherwise)
// and increments it, in the store and in the caller's values. A number that
// appears twice in one UpdateNumbers call is stale the second time
// (CodeConflict), just as if the two writes were made one after the other.
//
// # Holder history
//
// UpdateNumbers keeps the holder history that attributes call records to
// whoever held a number when the call happened: a write that moves a
// number's HoldersSince forward while the stored number had holders records,
// in the same transaction, the period [stored HoldersSince, new
// HoldersSince) of the stored holders (numbers.HolderPeriod; From is zero
// if the stored HoldersSince was). Empty periods and periods without holders
// are not kept, so the periods of a number never overlap. A HoldersSince
// earlier than the stored one is CodeInvalid (Field "holders_since", checked
// after the versions and E.164s) and writes nothing. FindHolderPeriods
// returns a tenant's periods, by number, then From. RecordFilter.Shared
// matches the fax records without a holder of each period's number inside
// the period (From included, To excluded, zero To: no end).
//
// # Atomicity and transactions
//
// Every write method is all or none: when it fails it has changed nothing, and
// a transaction in which it failed stays usable (the caller may handle the
// error, e.g. a duplicate idempotency key, and carry on).
//
// InTx runs fn in a serializable transaction: every Store call made with the
// ctx passed to fn is part of it, sees the transaction's own writes, and is
// committed when fn returns nil. When fn returns an error, InTx rolls every
// write back and returns that error unchanged; when fn panics, InTx rolls back
// and the panic continues. If the ctx given to InTx is done when fn returns,
// the transaction is rolled back and InTx returns CodeInternal.
//
// A nested InTx, called with a ctx that is already inside a transaction, joins
// it: its writes are committed only with the outermost transaction. The nested
// call is a savepoint, however: if its fn returns an error (or panics), the
// writes made inside the nested call are rolled back before the error is
// returned to the enclosing fn, which may handle it and carry on.
//
// The ctx of a transaction must not be used after fn has returned.
//
// # Sorting numbers
//
// FindNumbers sorts by Filter.Sort, then by E.164; Desc reverses both. The
// status order is the lifecycle order of numbers.Statuses (new, active,
// deactivation_pending, inactive); SortDeactivationAt puts numbers without a
// DeactivationAt last in both directions. An unknown SortKey is CodeInvalid
// (Field "sort").
//
// # Paging and cursors
//
// A negative offset, limit or cursor is refused, never read as 0: every
// method that pages (FindNumbers, FindRecords, FindEmployees, FindEvents,
// FindDeliveries) returns CodeInvalid with Field "offset", "limit" or
// "after_seq" (EventFilter.AfterSeq), and DeleteRecords refuses a negative
// Offset or Limit alike although they do not apply to it; ClaimDeliveries
// requires a positive limit (Field "limit"). Such a call reads and changes
// nothing. A Limit of 0 means no limit. The backends call the filters'
// Check methods first (numberdesk.CheckPage underneath), so all of them
// refuse alike.
//
// With Filter.Now, FindNumbers filters and sorts every number as it is at
// Now (numbers.Number.At): a number stored as deactivation_pending whose
// DeactivationAt is not after Now counts as inactive, without holders, of
// usage type voice and without DeactivationAt. It still returns the numbers
// as stored. The services set Now for every read a person sees, so that a
// deactivation takes effect at its instant, not when ApplyDue runs.
package store

import (
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// Store is everything the SDK's services persist: every domain's Store
// interface, satisfied by one backend.
type Store interface {
	numbers.Store
	staff.Store
	notify.Outbox
	routing.Store
	efax.Store
	// Method names are unique across domains, so one backend type
	// satisfies all of them.
}

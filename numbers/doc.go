// Package numbers is the number inventory and lifecycle of a tenant: the
// "Rufnummern-Übersicht" and the actions behind its icons.
//
// A number is provisioned in state new (ordered, ported or from a reserved
// block), activated with the owner's priced consent (Quote, then Activate),
// marked for deactivation with a notice period (Deactivate; Withdraw takes it
// back), and inactive from the effective instant on. Swap replaces an active
// number by a new or inactive one at no extra cost. Transitions is the
// lifecycle as data:
//
//	action       from                     to                      who
//	provision    —                        new                     owner, system
//	activate     new, inactive            active                  owner
//	deactivate   active                   deactivation_pending    owner
//	withdraw     deactivation_pending     active                  owner
//	apply_due    deactivation_pending     inactive                system
//	swap_out     active, pending          inactive                owner
//	swap_in      new, inactive            active                  owner
//
// Time decides, not the cron. A pending number whose effective instant
// (DeactivationAt) has come is inactive, whether or not ApplyDue has run:
// Number.StatusAt and Number.At say what a number is at an instant, and every
// read and command asks them. Number, Overview (its status, holder,
// unassigned and usage type filters and its sorts too: Filter.Now), History
// (it ends with the deactivation that ApplyDue will store, same event ID),
// Routing and Holders show it inactive, unbilled and wiped; Withdraw,
// Deactivate, Swap (as the old number), Assign, SetUsageType, SaveRouting
// and RouteCall refuse it as they refuse an inactive number; Quote, Activate
// and Swap (as the new number) take it like an inactive one, storing its
// deactivation first; efax logins stop at the instant. ApplyDue only stores
// what is already true: billing ends at the effective instant, not when it
// runs, and a now ahead of the Service's clock by more than
// Config.MaxClockSkew (default one minute) is refused.
//
// Only usable numbers take calls: RouteCall routes active numbers and pending
// ones before their effective instant, and refuses new and inactive numbers
// alike (CodePrecondition, Field "number").
//
// A quote is one consent for one activation. Its token (Quote.Token) binds
// the tenant, the quoted numbers with their Versions, their prices and an
// expiry, signed with Config.QuoteKey (at least MinQuoteKey bytes, copied by
// NewService). Activate refuses it (CodePrecondition, Field "quote") once it
// has expired, once any quoted number has changed since the quote (any
// write: this activation itself, a swap, a deactivation, an assignment), or
// when the prices no longer hold; so the same token never activates twice. A
// token has exactly one spelling: any other encoding of the same bytes is
// CodeInvalid. A retry with the idempotency key of a successful activation
// replays its result before any of these checks.
//
// A call record belongs to whoever held the number when the call happened,
// not to the holder when the PBX feeds it. Number.HoldersSince is the instant
// from which the current Holders hold a number; every change of holders
// (Assign, AddMember, Unassign, ReleaseHolder, Swap on both numbers, the lapse
// of a deactivation at its effective instant) moves it forward, and the Store
// keeps the previous holders' period (HolderPeriod, Store.FindHolderPeriods).
// Feed attributes each record by Number.HoldersAt its own time: a late record
// of a call taken by A before the number went to B is A's, notifies A, and is
// removed by A's purge, never by B's. A member of a shared fax number sees
// the number's fax journal (its fax records without a holder) of its own
// membership periods only (RecordFilter.Shared): nothing from before it
// joined or while it was not a member, and no call or voicemail records.
//
// Every command takes a numberdesk.Actor and checks it first: the roles it
// claims, then, in the command's transaction, the stored employee behind it
// (staff.Verify: it exists in the tenant, is not locked and holds the
// claimed role; RoleSystem is the only actor without an employee). On a
// Store that is an ActorReader (sqlstore) a command without an idempotency
// key reads that with its numbers, in one statement, and verifies before
// it commits whatever path it took. Queries verify the same before they
// read. The embedding application
// authenticates people and gets their Actor from staff.Service.Actor. It
// validates its
// input (bad input is a *numberdesk.Error with Code and Field and changes
// nothing), and runs in one transaction of its Store that also appends the
// command's events (a command without an idempotency key that writes once,
// on a Store whose Write is one statement, numbers.SoloWriter, has that
// statement for its transaction, which verifies the actor again): the audit log, the billing feed (EventData.Billing opens
// and closes billing intervals; activations carry the accepted price
// snapshot and consent wording) and the source of notifications. Concurrent
// changes use optimistic versions; commands a client may retry take an
// idempotency key.
package numbers

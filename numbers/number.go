package numbers

import (
	"context"
	"slices"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// Status is the lifecycle state of a number.
type Status string

// The states. See Transitions for how a number moves between them.
const (
	StatusNew                 Status = "new"                  // ordered, ported or reserved; not usable, not billed
	StatusActive              Status = "active"               // usable and billed
	StatusDeactivationPending Status = "deactivation_pending" // usable and billed until DeactivationAt
	StatusInactive            Status = "inactive"             // not usable, not billed, no settings
)

// Statuses lists the states in display order.
var Statuses = []Status{StatusNew, StatusActive, StatusDeactivationPending, StatusInactive}

// Valid reports whether s is a defined state.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Billed reports whether a number in state s is billed (and usable).
func (s Status) Billed() bool { return s == StatusActive || s == StatusDeactivationPending }

// Origin tells where a number came from.
type Origin string

// The origins of a number.
const (
	OriginNew      Origin = "new"      // newly ordered
	OriginPorted   Origin = "ported"   // ported in from another provider; has a PortingDate
	OriginReserved Origin = "reserved" // part of a reserved block
)

// Valid reports whether o is a defined origin.
func (o Origin) Valid() bool { return o == OriginNew || o == OriginPorted || o == OriginReserved }

// Number is a phone number of a tenant.
type Number struct {
	ID     numberdesk.NumberID `json:"id"`
	Tenant numberdesk.TenantID `json:"tenant"`
	// E164 is the full number in E.164 form, e.g. "+4922112345610".
	E164 string `json:"e164"`
	// Base is the Stammnummer of a block number in E.164 form ("+49221123456"),
	// and Extension its Durchwahl ("10"); both empty for a single number.
	Base      string `json:"base,omitempty"`
	Extension string `json:"extension,omitempty"`
	Origin    Origin `json:"origin"`
	// PortingDate is the instant a ported number arrives; it cannot be
	// activated before. Zero for other origins.
	PortingDate time.Time `json:"porting_date,omitzero"`
	Status      Status    `json:"status"`

	// Settings: wiped when the number becomes inactive.
	UsageType routing.UsageType    `json:"usage_type"`
	Holders   []numberdesk.StaffID `json:"holders,omitempty"` // the holder; the members of a shared fax number
	// HoldersSince is the instant from which Holders hold the number (zero:
	// since before any holder history was kept). The Service moves it
	// forward whenever Holders change (assignment, release, swap, the lapse
	// of a deactivation); the Store then keeps the previous holders' period
	// (see HolderPeriod), so that a record is attributed to whoever held the
	// number when it happened.
	HoldersSince time.Time `json:"holders_since,omitzero"`
	Options      []string  `json:"options,omitempty"` // booked option codes of the PriceList

	// Billing: while Status.Billed(), BillingLine names the billing line the
	// number occupies and BilledSince when it started billing on it. A swap
	// hands the line to the new number.
	BillingLine string    `json:"billing_line,omitempty"`
	BilledSince time.Time `json:"billed_since,omitzero"`
	// DeactivationAt is the effective instant of a pending deactivation
	// (24:00 of the notice date, tenant time); zero otherwise.
	DeactivationAt time.Time `json:"deactivation_at,omitzero"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version increases with every write; writes carry the version they read
	// and fail with CodeConflict if it is stale. It is 1 after creation.
	Version int64 `json:"version"`
}

// Clone returns a deep copy of n.
func (n *Number) Clone() *Number {
	c := *n
	c.Holders = slices.Clone(n.Holders)
	c.Options = slices.Clone(n.Options)
	return &c
}

// Display returns the number in German national format, e.g.
// "0221 123456-10" for a block number.
func (n *Number) Display() string {
	if n.Base != "" {
		return FormatNational(n.Base) + "-" + n.Extension
	}
	return FormatNational(n.E164)
}

// HeldBy reports whether staff holds n.
func (n *Number) HeldBy(staff numberdesk.StaffID) bool {
	return staff != "" && slices.Contains(n.Holders, staff)
}

// Due reports whether n is pending deactivation and its effective instant
// (DeactivationAt) is not after now: from that instant on n is inactive,
// whether or not ApplyDue has stored it yet.
func (n *Number) Due(now time.Time) bool {
	return n.Status == StatusDeactivationPending && !now.Before(n.DeactivationAt)
}

// StatusAt returns the state n is in at now: StatusInactive if n is Due,
// else n.Status. Time decides, not the scheduled ApplyDue: every rule of the
// SDK that depends on the state (reads, the overview's filters, commands,
// call routing, e-fax logins) asks StatusAt or At, never Status alone.
func (n *Number) StatusAt(now time.Time) Status {
	if n.Due(now) {
		return StatusInactive
	}
	return n.Status
}

// At returns n as it is at now. For a Due number that is the number ApplyDue
// stores: inactive, not billed, without DeactivationAt, with its settings
// wiped (usage type voice, no holders, no options), UpdatedAt the effective
// instant and, if it had holders, HoldersSince too; n itself is not modified
// and the copy keeps its Version. Any other number is returned as it is: n
// itself.
func (n *Number) At(now time.Time) *Number {
	if !n.Due(now) {
		return n
	}
	c := n.Clone()
	c.lapse()
	return c
}

// lapse makes the pending n what it is from its effective instant on: its
// holders lose it at that instant.
func (n *Number) lapse() {
	if n.DeactivationAt.After(n.UpdatedAt) {
		n.UpdatedAt = n.DeactivationAt
	}
	at := n.DeactivationAt
	n.Status, n.BillingLine, n.BilledSince, n.DeactivationAt = StatusInactive, "", time.Time{}, time.Time{}
	n.wipe(at)
}

// wipe removes every setting, as deactivation and swapping out do; the
// holders lose the number at the instant at.
func (n *Number) wipe(at time.Time) {
	n.UsageType = routing.UsageVoice
	n.setHolders(nil, at)
	n.Options = nil
}

// setHolders makes hs the holders of n from the instant at on: if they
// differ from the current ones, HoldersSince moves to at (never backwards:
// a clock behind the last change counts as that change's instant, so the
// history stays ordered).
func (n *Number) setHolders(hs []numberdesk.StaffID, at time.Time) {
	if slices.Equal(n.Holders, hs) {
		n.Holders = hs
		return
	}
	n.Holders = hs
	if at.After(n.HoldersSince) {
		n.HoldersSince = at
	}
}

// HoldersAt returns who held n at the instant t, given the holder history
// of n (periods from Store.FindHolderPeriods; others are ignored): n's
// holders as they are at t (Number.At: none once a deactivation has taken
// effect) if t is not before their HoldersSince, else the holders of the
// period that contains t, else none. The slice must not be modified.
func (n *Number) HoldersAt(t time.Time, periods []HolderPeriod) []numberdesk.StaffID {
	cur := n.At(t)
	if !t.Before(cur.HoldersSince) {
		return cur.Holders
	}
	for _, p := range periods {
		if p.Tenant == n.Tenant && p.Number == n.ID && p.Contains(t) {
			return p.Holders
		}
	}
	return nil
}

// HolderPeriod is a past period of a number's holder history: Holders held
// the number from From (inclusive; zero: since before the history was kept)
// to To (exclusive). A Store records one whenever UpdateNumbers moves a
// number's HoldersSince forward while it had holders: the stored holders
// held it from the stored HoldersSince to the new one. Periods without
// holders are not kept, and the periods of a number never overlap.
type HolderPeriod struct {
	Tenant  numberdesk.TenantID  `json:"tenant"`
	Number  numberdesk.NumberID  `json:"number"`
	Holders []numberdesk.StaffID `json:"holders"`
	From    time.Time            `json:"from,omitzero"`
	To      time.Time            `json:"to"`
}

// Contains reports whether t lies in [p.From, p.To).
func (p HolderPeriod) Contains(t time.Time) bool {
	return !t.Before(p.From) && t.Before(p.To)
}

// HolderPeriodFilter selects holder periods of one tenant; zero fields do
// not filter. Results are sorted by Number, then From.
type HolderPeriodFilter struct {
	Numbers []numberdesk.NumberID // only periods of these numbers
	Holder  numberdesk.StaffID    // only periods in which this employee was a holder
	// After selects the periods that end after it (To > After).
	After time.Time
}

// SortKey names the column an overview is sorted by.
type SortKey string

// The sort keys of the overview.
const (
	SortNumber         SortKey = "number" // by E.164, the default
	SortStatus         SortKey = "status"
	SortCreated        SortKey = "created"
	SortDeactivationAt SortKey = "deactivation_at"
)

// Filter selects numbers of one tenant for the overview. Zero fields do not
// filter. Results are sorted by Sort, then by E.164 (Filter.Compare); After,
// Offset and Limit page them.
type Filter struct {
	IDs        []numberdesk.NumberID // only these numbers
	E164s      []string              // only these E.164 numbers (exact)
	Statuses   []Status              // any of these states
	UsageTypes []routing.UsageType   // any of these usage types
	Holder     numberdesk.StaffID    // only numbers this employee holds
	Unassigned bool                  // only numbers without a holder
	// Prefix matches numbers whose E.164 starts with it ("+49221"): a range
	// of the (tenant, E.164) order, served by an index on every backend.
	Prefix string
	// Extension matches numbers of a block with this extension
	// ("Durchwahl") exactly, served by an index.
	Extension string
	// Digits matches numbers whose E.164 digits contain it, anywhere: the
	// slow path, which reads every number of the tenant that the other
	// fields select. Services fill it from free text with phone.Digits.
	Digits string
	// DueBefore selects the numbers stored as pending whose DeactivationAt
	// is not after it (ApplyDue's read). It compares stored states; Now
	// does not apply to it.
	DueBefore time.Time
	// Now, if set, matches and sorts every number as it is at Now
	// (Number.At): a number stored as pending whose DeactivationAt is not
	// after Now counts as inactive, without holders, of usage type voice
	// and without DeactivationAt, for Statuses, UsageTypes, Holder,
	// Unassigned and the sorts by status and by deactivation date. The
	// numbers returned are as stored. Zero: the stored states.
	Now  time.Time
	Sort SortKey
	Desc bool
	// After, if set, starts the page after this position of the order
	// (keyset paging, see Position); Offset then counts from there. The
	// total still counts every match.
	After  *Position
	Offset int
	Limit  int // 0: no limit
	// CountLimit, if positive, lets the Store stop counting matches at
	// CountLimit: the total returned is the lesser of the matches and
	// CountLimit, so that a count costs O(CountLimit) at most.
	CountLimit int
}

// Store is the persistence numbers.Service needs. Implementations are safe for
// concurrent use, copy numbers in and out (callers may keep and modify what
// they pass or get), and never return or change another tenant's data: a
// number of another tenant is CodeNotFound.
type Store interface {
	numberdesk.Transactor
	numberdesk.TenantStore
	numberdesk.EventStore
	numberdesk.IdempotencyStore
	// routing.Store keeps the numbers' routing settings and the tenant's
	// block list; they are wiped with the number.
	routing.Store

	// FindNumberByID returns the tenant's number, or CodeNotFound.
	FindNumberByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.NumberID) (*Number, error)
	// FindNumbers returns the page of the tenant's numbers matching f and the
	// total count of matches before paging. f.Check's refusals (an unknown
	// Sort, a negative Offset or Limit) are CodeInvalid.
	FindNumbers(ctx context.Context, tenant numberdesk.TenantID, f Filter) ([]*Number, int, error)
	// CreateNumbers stores new numbers, all or none, setting Version to 1.
	// CodeConflict if an ID or an E.164 exists in the tenant (or twice in ns).
	CreateNumbers(ctx context.Context, ns ...*Number) error
	// UpdateNumbers writes numbers, all or none. Each must carry the stored
	// Version; CodeConflict otherwise, CodeNotFound if one does not exist in
	// its tenant. On success every Version is incremented, in ns too. It
	// keeps the holder history: see FindHolderPeriods.
	UpdateNumbers(ctx context.Context, ns ...*Number) error
	// FindDueTenants returns the tenants that have at least one number
	// stored as pending whose DeactivationAt is not after before (a zero
	// DeactivationAt counts as due): exactly the tenants for which
	// FindNumbers with Filter.DueBefore = before, ApplyDue's read, finds a
	// number. They come in ascending order of their IDs (byte order), at
	// most limit of them, and only those after after ("": from the first),
	// so that a caller pages by passing a page's last tenant as after. Like
	// notify.Outbox's ClaimDeliveries it spans tenants: it serves the
	// vendor's scheduled work (ApplyDue for every tenant that needs it, see
	// package background), never a tenant, and returns IDs only. A zero
	// before is CodeInvalid (Field "before"), an after that is neither ""
	// nor a valid ID CodeInvalid (Field "after"), a negative limit
	// CodeInvalid (Field "limit"); a limit of 0 means 1000.
	FindDueTenants(ctx context.Context, before time.Time, after numberdesk.TenantID, limit int) ([]numberdesk.TenantID, error)

	// FindEmployeeByID and FindEmployees (see staff.Store) find assignees
	// and the recipients of notifications.
	FindEmployeeByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (*staff.Employee, error)
	FindEmployees(ctx context.Context, tenant numberdesk.TenantID, f staff.Filter) ([]*staff.Employee, int, error)

	// CreateRecords stores records, all or none; CodeConflict on an ID that
	// exists in the tenant.
	CreateRecords(ctx context.Context, rs ...*Record) error
	// FindRecords returns the page of the tenant's records matching f and
	// the total, newest first. A negative Offset or Limit is CodeInvalid
	// (RecordFilter.Check).
	FindRecords(ctx context.Context, tenant numberdesk.TenantID, f RecordFilter) ([]*Record, int, error)
	// DeleteRecords deletes every record matching f and returns how many.
	// f.Holder is required (CodeInvalid otherwise): records are purged per
	// holder, never wholesale.
	DeleteRecords(ctx context.Context, tenant numberdesk.TenantID, f RecordFilter) (int, error)

	// FindHolderPeriods returns the tenant's holder periods matching f,
	// sorted by Number, then From. UpdateNumbers records them: a write that
	// moves a number's HoldersSince forward while the number had holders
	// adds the period [stored HoldersSince, new HoldersSince) of the stored
	// holders, in the same transaction; a HoldersSince earlier than the
	// stored one is CodeInvalid (Field "holders_since") and writes nothing.
	FindHolderPeriods(ctx context.Context, tenant numberdesk.TenantID, f HolderPeriodFilter) ([]HolderPeriod, error)
}

// Write is the change of one command: the numbers it updates, the routing
// settings it deletes with them (deactivation and swapping wipe them), and
// the events that record it.
type Write struct {
	Tenant  numberdesk.TenantID   // the tenant of Wipe
	Wipe    []numberdesk.NumberID // DeleteSettings(Tenant, Wipe...)
	Numbers []*Number             // UpdateNumbers(Numbers...)
	Events  []numberdesk.Event    // AppendEvents(Events...)
	// Actor, if set, is the command's actor, which Write verifies as
	// staff.Verify does, in the write's transaction; a refused actor is
	// Verify's error and nothing is written. The Service sets it only when
	// it runs a command without a transaction (SoloWriter).
	Actor *numberdesk.Actor
}

// Writer is an optional interface of a Store: Write is DeleteSettings,
// UpdateNumbers and AppendEvents of w as one write, with their checks,
// errors and effects on w (Versions incremented, Seqs set), all or none, in
// fewer round trips than the three calls (sqlstore on PostgreSQL: one
// statement). A failed Write writes nothing; within a transaction it may
// leave the transaction unusable (PostgreSQL aborts it): roll it back, as
// the Service does on every error. The Service uses Write, when the Store
// has it, for every command that updates numbers.
type Writer interface {
	Write(ctx context.Context, w Write) error
}

// SoloWriter is an optional interface of a Store that is a Writer and an
// ActorReader: SoloWrites reports whether its Write is one statement, a
// transaction of its own (sqlstore on PostgreSQL). Then a command without
// an idempotency key that writes once, at its end (Activate, Deactivate,
// Withdraw, Swap), runs without a transaction: its reads are checked by the
// versions its Write compares, as they are within a transaction (PostgreSQL
// reads committed data either way), and its Write, with Write.Actor set,
// verifies the actor in the write's transaction. That saves two round
// trips of four (BEGIN and COMMIT). A command that finds it must write more
// than once starts again in a transaction before its first write.
type SoloWriter interface {
	SoloWrites() bool
}

// ActorReader is an optional interface of a Store: FindNumbersAs is
// FindNumbers of the actor's tenant by ids (no paging) that also reads, in
// the same statement, what staff.Verify reads of the actor's employee: its
// Standing, nil if the read returned no number (then the Service verifies
// with a read of its own). A command whose key is empty verifies the actor
// with its first read of numbers, and before it commits, whatever path it
// takes: a statement and a round trip fewer (sqlstore).
type ActorReader interface {
	FindNumbersAs(ctx context.Context, actor numberdesk.Actor, ids []numberdesk.NumberID) ([]*Number, *staff.Standing, error)
}

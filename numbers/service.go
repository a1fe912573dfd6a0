package numbers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/internal/obs"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// DefaultConsentLabel is the wording of the activation button, recorded with
// every activation as the owner's explicit, priced consent.
const DefaultConsentLabel = "Rufnummern jetzt kostenpflichtig aktivieren"

// Limits of a single command.
const (
	MaxBlockSize = 1000 // numbers per Provision
	MaxBulk      = 1000 // numbers per Quote and Activate
	MaxPageSize  = 1000 // numbers per overview page
	DefaultPage  = 50
)

// Config configures a Service. Only Store is required.
type Config struct {
	Store Store
	Clock numberdesk.Clock // default: the wall clock
	// Prices prices activations; default DefaultPriceList.
	Prices PriceList
	// Notice decides when deactivations take effect; default EndOfFollowingMonth.
	Notice NoticePolicy
	// QuoteKey signs quote tokens: nil, or at least MinQuoteKey bytes (a
	// shorter key is CodeInvalid). Nodes that share a store must share the
	// key; nil: 32 random bytes (tokens then work on this Service only).
	// NewService keeps a copy: changing the slice afterwards changes nothing.
	QuoteKey []byte
	// QuoteTTL is how long a quote stays acceptable; default 15 minutes.
	QuoteTTL time.Duration
	// ConsentLabel is the activation button's wording, for the vendor's legal
	// text; default DefaultConsentLabel.
	ConsentLabel string
	// Directory knows the vendor's devices, mailboxes and ring groups, for
	// SaveRouting's checks of dangling targets and loops; nil skips them.
	Directory routing.Directory
	// MaxClockSkew is how far the now given to ApplyDue may be ahead of
	// Clock: a later one is CodeInvalid (Field "now"), so that a node with a
	// wrong clock or a bad cron argument cannot end billing early. Default
	// DefaultMaxClockSkew; a negative one is CodeInvalid.
	MaxClockSkew time.Duration
	// PlanCache is how many compiled routing plans RouteCall keeps per
	// tenant, so that it compiles a plan once per stored version instead of
	// on every call (the least recently used plan goes first; an entry only
	// serves the stored version it was compiled from, so a plan another
	// node saved is compiled afresh). Default DefaultPlanCache; negative:
	// no cache.
	PlanCache int
	// PlanCacheTenants is for how many tenants RouteCall keeps compiled
	// plans and block lists (the tenant used least recently goes first),
	// so the cache holds at most PlanCache × PlanCacheTenants plans.
	// Default DefaultPlanCacheTenants; negative: no cache.
	PlanCacheTenants int
	// Logger receives one line per command (Debug on success, Warn when it
	// fails internally, Info on a conflict, Debug on a refusal) with the
	// op, tenant, actor and request ID (numberdesk.RequestID), never a
	// payload or a quote token; nil discards.
	Logger *slog.Logger
	// Observer, if set, watches every command (tracing, metrics: package
	// otel has one).
	Observer numberdesk.Observer
}

// MinQuoteKey is the length in bytes of the shortest Config.QuoteKey.
const MinQuoteKey = 32

// DefaultMaxClockSkew is the default of Config.MaxClockSkew.
const DefaultMaxClockSkew = time.Minute

// Service runs the number lifecycle: Provision, Quote, Activate, Deactivate,
// Withdraw, ApplyDue and Swap, and answers the overview and history. Every
// method checks the Actor first; every change runs in one transaction that
// also appends its events (on a SoloWriter, the one write of a command
// without an idempotency key is its transaction). Service is safe for
// concurrent use.
type Service struct {
	cfg   Config
	plans *planCache // RouteCall's compiled plans (Config.PlanCache)
	solo  Writer     // the Store, if commands that write once run without a transaction (soloWriter)
	mon   obs.Monitor
}

// NewService returns a Service over cfg.Store with cfg's defaults filled in.
// A configuration it cannot run with is a *numberdesk.Error with
// CodeInvalid and the Config field's name as Field: "Store" when it is nil,
// "QuoteKey" when the key is shorter than MinQuoteKey, "MaxClockSkew" when
// it is negative.
func NewService(cfg Config) (*Service, error) {
	const op = "numbers.NewService"
	if cfg.Store == nil {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "Store", "Der Rufnummerndienst braucht einen Store.")
	}
	switch {
	case cfg.QuoteKey == nil:
		cfg.QuoteKey = make([]byte, MinQuoteKey)
		rand.Read(cfg.QuoteKey)
	case len(cfg.QuoteKey) < MinQuoteKey:
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "QuoteKey",
			"Der Schlüssel für Kostenübersichten muss mindestens %d Byte lang sein.", MinQuoteKey)
	default:
		cfg.QuoteKey = bytes.Clone(cfg.QuoteKey)
	}
	switch {
	case cfg.MaxClockSkew < 0:
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "MaxClockSkew", "Die erlaubte Abweichung der Uhr darf nicht negativ sein.")
	case cfg.MaxClockSkew == 0:
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	if cfg.Prices == nil {
		cfg.Prices = DefaultPriceList
	}
	if cfg.Notice == nil {
		cfg.Notice = EndOfFollowingMonth
	}
	if cfg.QuoteTTL <= 0 {
		cfg.QuoteTTL = 15 * time.Minute
	}
	if cfg.ConsentLabel == "" {
		cfg.ConsentLabel = DefaultConsentLabel
	}
	if cfg.PlanCache == 0 {
		cfg.PlanCache = DefaultPlanCache
	}
	if cfg.PlanCacheTenants == 0 {
		cfg.PlanCacheTenants = DefaultPlanCacheTenants
	}
	return &Service{cfg: cfg, plans: newPlanCache(cfg.PlanCache, cfg.PlanCacheTenants), mon: obs.New(cfg.Logger, cfg.Observer), solo: soloWriter(cfg.Store)}, nil
}

// now returns the current time, truncated to microseconds so that every
// backend stores it exactly.
func (s *Service) now() time.Time { return s.cfg.Clock.Now().UTC().Truncate(time.Microsecond) }

// location returns the time zone of the actor's tenant.
func (s *Service) location(ctx context.Context, op string, tenant numberdesk.TenantID) (*time.Location, error) {
	t, err := s.cfg.Store.FindTenantByID(ctx, tenant)
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return t.Location(), nil
}

// visible returns the number id as stored if the actor may see it: owner,
// manager and system see the tenant's numbers, an employee only those it
// holds now (a number whose deactivation took effect has no holder).
// Anything else is CodeNotFound, as is a number of another tenant.
func (s *Service) visible(ctx context.Context, op string, actor numberdesk.Actor, id numberdesk.NumberID) (*Number, error) {
	ns, err := s.visibleEach(ctx, op, actor, []numberdesk.NumberID{id})
	if err != nil {
		return nil, err
	}
	return ns[0], nil
}

// visibleEach is visible for several numbers in one read: it returns them in
// the order of ids, or the error visible gives for the first one that is
// not visible, with Field fields[i] for ids[i] ("number" where fields has
// none).
func (s *Service) visibleEach(ctx context.Context, op string, actor numberdesk.Actor, ids []numberdesk.NumberID, fields ...string) ([]*Number, error) {
	found, err := s.byIDs(ctx, op, actor, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	byID := make(map[numberdesk.NumberID]*Number, len(found))
	for _, n := range found {
		if actor.Role != numberdesk.RoleEmployee || n.At(now).HeldBy(actor.Staff) {
			byID[n.ID] = n
		}
	}
	ns := make([]*Number, len(ids))
	for i, id := range ids {
		if ns[i] = byID[id]; ns[i] == nil {
			field := "number"
			if i < len(fields) {
				field = fields[i]
			}
			return nil, numberdesk.E(numberdesk.CodeNotFound, op, field, "Die Rufnummer wurde nicht gefunden.")
		}
	}
	return ns, nil
}

// ConsentLabel is the wording of the activation button that Activate
// records as the owner's consent (Config.ConsentLabel).
func (s *Service) ConsentLabel() string { return s.cfg.ConsentLabel }

// ProvisionRequest adds a single number or a block to a tenant's inventory.
type ProvisionRequest struct {
	// Number is the single number, or the Stammnummer of a block, in any
	// usual format ("0221 123456", "+49 221 123456").
	Number string `json:"number" validate:"required,max=64"`
	// ExtensionFrom and ExtensionTo are the Durchwahl range of a block, e.g.
	// "10" to "19" (inclusive); both empty for a single number. When both
	// have the same length, the extensions keep that width ("00".."99").
	ExtensionFrom string `json:"extension_from" validate:"omitempty,number,max=5"`
	ExtensionTo   string `json:"extension_to" validate:"omitempty,number,max=5"`
	// Origin defaults to OriginNew.
	Origin Origin `json:"origin" validate:"omitempty,oneof=new ported reserved"`
	// PortingDate is required for ported numbers: they cannot be activated before it.
	PortingDate time.Time `json:"porting_date" validate:"required_if=Origin ported"`
	// Options are booked option codes of the PriceList.
	Options []string `json:"options" validate:"max=16,dive,required,max=64"`
}

// Provision adds numbers in state new: one number, or a block of Stammnummer
// plus Durchwahl range, all or none. Owner or system only. A number that
// exists in the tenant is CodeConflict.
func (s *Service) Provision(ctx context.Context, actor numberdesk.Actor, req ProvisionRequest) (_ []*Number, err error) {
	const op = "numbers.Provision"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, transition(ActionProvision).Roles...); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	if req.Origin == "" {
		req.Origin = OriginNew
	}
	if req.Origin != OriginPorted && !req.PortingDate.IsZero() {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "porting_date", "Nur portierte Rufnummern haben einen Portierungstermin.")
	}
	base, err := phone.Parse(req.Number)
	if err != nil {
		return nil, withOp(err, op, "number")
	}
	exts, err := extensions(op, req.ExtensionFrom, req.ExtensionTo)
	if err != nil {
		return nil, err
	}
	now := s.now()
	proto := Number{
		Tenant: actor.Tenant, Origin: req.Origin, Status: StatusNew, UsageType: routing.UsageVoice,
		Options: slices.Clone(req.Options), CreatedAt: now, UpdatedAt: now,
	}
	if !req.PortingDate.IsZero() {
		proto.PortingDate = req.PortingDate.UTC().Truncate(time.Microsecond)
	}
	if _, err := s.cfg.Prices.Price(ctx, &proto); err != nil {
		return nil, withOp(err, op, "options")
	}
	ns := make([]*Number, 0, max(1, len(exts)))
	if exts == nil {
		n := proto.Clone()
		n.ID, n.E164 = numberdesk.NewNumberID(), string(base)
		ns = append(ns, n)
	}
	for _, ext := range exts {
		e, err := phone.Join(base, ext)
		if err != nil {
			return nil, withOp(err, op, "extension_to")
		}
		n := proto.Clone()
		n.ID, n.E164, n.Base, n.Extension = numberdesk.NewNumberID(), string(e), string(base), ext
		ns = append(ns, n)
	}
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		if _, err := s.cfg.Store.FindTenantByID(ctx, actor.Tenant); err != nil {
			return err
		}
		if err := s.cfg.Store.CreateNumbers(ctx, ns...); err != nil {
			return err
		}
		events := make([]numberdesk.Event, len(ns))
		for i, n := range ns {
			var err error
			if events[i], err = change(EventProvisioned, actor, now, nil, n, EventData{}); err != nil {
				return err
			}
		}
		return s.cfg.Store.AppendEvents(ctx, events...)
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return ns, nil
}

// extensions expands a Durchwahl range; nil for a single number.
func extensions(op, from, to string) ([]string, error) {
	if from == "" && to == "" {
		return nil, nil
	}
	if from == "" || to == "" {
		field := "extension_from"
		if to == "" {
			field = "extension_to"
		}
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, field, "Bitte geben Sie Anfang und Ende der Durchwahlen an.")
	}
	a, b := atoi(from), atoi(to)
	if b < a {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "extension_to", "Das Ende der Durchwahlen liegt vor dem Anfang.")
	}
	if b-a+1 > MaxBlockSize {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "extension_to", "Ein Block umfasst höchstens %d Rufnummern.", MaxBlockSize)
	}
	width := 0
	if len(from) == len(to) {
		width = len(from)
	}
	exts := make([]string, 0, b-a+1)
	for i := a; i <= b; i++ {
		exts = append(exts, pad(i, width))
	}
	return exts, nil
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func pad(n, width int) string {
	b := []byte{}
	for ; n > 0 || len(b) == 0; n /= 10 {
		b = append(b, byte('0'+n%10))
	}
	for len(b) < width {
		b = append(b, '0')
	}
	slices.Reverse(b)
	return string(b)
}

// withOp returns err as an *Error of op with field, keeping its code and message.
func withOp(err error, op, field string) error {
	var e *numberdesk.Error
	if !errors.As(err, &e) {
		return numberdesk.Internal(op, err)
	}
	c := *e
	c.Op, c.Field = op, field
	return &c
}

// Query selects the numbers of the overview ("Rufnummern-Übersicht").
type Query struct {
	Statuses   []Status            `json:"statuses" validate:"max=4,dive,oneof=new active deactivation_pending inactive"`
	UsageTypes []routing.UsageType `json:"usage_types" validate:"max=4,dive,oneof=voice conference fax_personal fax_shared"`
	Holder     numberdesk.StaffID  `json:"holder" validate:"omitempty,max=64"`
	Unassigned bool                `json:"unassigned"`
	// Search finds numbers by the start of the number or by extension, in
	// any format (spaces, dashes, brackets), served by an index on every
	// backend:
	//   - a term starting with "+", "00" or a national "0" matches the
	//     numbers that start with it: "0221 12", "+49 221", "0049 221";
	//   - 1 to 5 digits match the extension ("Durchwahl") of a block
	//     exactly: "15";
	//   - 6 digits or more match the start of the international form
	//     without "+": "49221".
	// With Contains, the term's digits match anywhere in the number instead
	// ("123-456"): the slow path, which reads every number the other fields
	// select.
	Search   string  `json:"search" validate:"max=64"`
	Contains bool    `json:"contains"`
	Sort     SortKey `json:"sort" validate:"omitempty,oneof=number status created deactivation_at"`
	Desc     bool    `json:"desc"`
	// Cursor continues the overview after the page whose NextCursor it is
	// (keyset paging: stable while numbers are added or removed). It is
	// valid for the same filters, search and sort only; Offset then skips
	// from there.
	Cursor string `json:"cursor" validate:"max=512"`
	Offset int    `json:"offset" validate:"gte=0"`
	Limit  int    `json:"limit" validate:"gte=0,lte=1000"` // 0: DefaultPage
}

// MaxTotal is the highest total the overview counts exactly: counting stops
// after it, so that a page costs the same in a tenant of a million numbers.
// A Page with more matches has Total MaxTotal and TotalIsLowerBound set
// ("mehr als 10.000").
const MaxTotal = 10_000

// Page is one page of the overview.
type Page struct {
	Numbers []*Number `json:"numbers"`
	// Total counts the matches before paging, up to MaxTotal; with
	// TotalIsLowerBound there are more than Total.
	Total             int  `json:"total"`
	TotalIsLowerBound bool `json:"total_is_lower_bound"`
	// NextCursor continues after this page (Query.Cursor); empty on the
	// last page.
	NextCursor string `json:"next_cursor"`
	Offset     int    `json:"offset"`
	Limit      int    `json:"limit"`
}

// Overview returns a page of the numbers the actor may see; an employee sees
// only the numbers it holds. Each number is shown, filtered and sorted as it
// is now (Number.At): one whose deactivation has taken effect is inactive,
// whether or not ApplyDue has run. A page costs O(Limit + log n) on every
// backend when it is sorted by number and filtered by at most one state,
// searched by the start of the number or by extension; the total costs
// O(MaxTotal) at most. A Cursor of another query is CodeInvalid (Field
// "cursor").
func (s *Service) Overview(ctx context.Context, actor numberdesk.Actor, q Query) (*Page, error) {
	const op = "numbers.Overview"
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee, numberdesk.RoleSystem); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, q); err != nil {
		return nil, err
	}
	if q.Limit == 0 {
		q.Limit = DefaultPage
	}
	empty := &Page{Numbers: []*Number{}, Offset: q.Offset, Limit: q.Limit}
	now := s.now()
	// One number more than the page tells whether a next page exists.
	f := Filter{Statuses: q.Statuses, UsageTypes: q.UsageTypes, Holder: q.Holder, Unassigned: q.Unassigned,
		Sort: q.Sort, Desc: q.Desc, Offset: q.Offset, Limit: q.Limit + 1, Now: now, CountLimit: MaxTotal + 1}
	if !searchFilter(&f, q.Search, q.Contains) {
		return empty, nil
	}
	if actor.Role == numberdesk.RoleEmployee {
		if (f.Holder != "" && f.Holder != actor.Staff) || f.Unassigned {
			return empty, nil
		}
		f.Holder = actor.Staff
	}
	if q.Cursor != "" {
		after, err := openCursor(op, s.cfg.QuoteKey, actor.Tenant, f, q.Cursor)
		if err != nil {
			return nil, err
		}
		f.After = &after
	}
	ns, total, err := s.cfg.Store.FindNumbers(ctx, actor.Tenant, f)
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	p := &Page{Total: min(total, MaxTotal), TotalIsLowerBound: total > MaxTotal, Offset: q.Offset, Limit: q.Limit}
	if len(ns) > q.Limit {
		ns = ns[:q.Limit]
		p.NextCursor = sealCursor(s.cfg.QuoteKey, actor.Tenant, f, f.PositionOf(ns[len(ns)-1]))
	}
	for i, n := range ns {
		ns[i] = n.At(now)
	}
	p.Numbers = ns
	return p, nil
}

// searchFilter sets f's Prefix, Extension or Digits from the overview's
// search term (see Query.Search); false if the term cannot match a number.
func searchFilter(f *Filter, search string, contains bool) bool {
	term := strings.TrimLeft(search, " \t(")
	digits := phone.Digits(search)
	switch {
	case search == "":
		return true
	case digits == "":
		return false
	case contains:
		f.Digits = digits
	case strings.HasPrefix(term, "+") || strings.HasPrefix(term, "0") || len(digits) > maxExtension:
		f.Prefix = "+" + digits
	default:
		f.Extension = digits
	}
	return true
}

// maxExtension is the most digits an extension has (phone.Join).
const maxExtension = 5

// Number returns one number the actor may see, as it is now (Number.At).
func (s *Service) Number(ctx context.Context, actor numberdesk.Actor, id numberdesk.NumberID) (*Number, error) {
	const op = "numbers.Number"
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee, numberdesk.RoleSystem); err != nil {
		return nil, err
	}
	n, err := s.visible(ctx, op, actor, id)
	if err != nil {
		return nil, err
	}
	return n.At(s.now()), nil
}

// History returns the events of a number the actor may see, oldest first:
// who changed what and when, with the state before and after. A
// deactivation that has taken effect but is not stored yet (ApplyDue has not
// run) ends the list all the same: the EventDeactivated that ApplyDue will
// store, with the same ID and content, and Seq 0 until it is stored.
func (s *Service) History(ctx context.Context, actor numberdesk.Actor, id numberdesk.NumberID) ([]numberdesk.Event, error) {
	const op = "numbers.History"
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee, numberdesk.RoleSystem); err != nil {
		return nil, err
	}
	n, err := s.visible(ctx, op, actor, id)
	if err != nil {
		return nil, err
	}
	evs, err := s.cfg.Store.FindEvents(ctx, actor.Tenant, numberdesk.EventFilter{Number: id})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	if n.Due(s.now()) {
		ev, err := lapseEvent(n)
		if err != nil {
			return nil, numberdesk.Internal(op, err)
		}
		// ApplyDue may have stored it between the two reads.
		if !slices.ContainsFunc(evs, func(e numberdesk.Event) bool { return e.ID == ev.ID }) {
			evs = append(evs, ev)
		}
	}
	return evs, nil
}

// Events returns the tenant's audit log as stored (owner and manager only):
// a deactivation that has taken effect appears once ApplyDue or a command on
// the number has stored it, with At the effective instant (History shows it
// before). A negative f.AfterSeq or f.Limit is CodeInvalid (Field
// "after_seq" or "limit").
func (s *Service) Events(ctx context.Context, actor numberdesk.Actor, f numberdesk.EventFilter) ([]numberdesk.Event, error) {
	const op = "numbers.Events"
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleSystem); err != nil {
		return nil, err
	}
	if err := f.Check(op); err != nil {
		return nil, err
	}
	evs, err := s.cfg.Store.FindEvents(ctx, actor.Tenant, f)
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return evs, nil
}

// price prices every number, in order.
func (s *Service) prices(ctx context.Context, op string, ns []*Number) ([]Price, error) {
	ps := make([]Price, len(ns))
	for i, n := range ns {
		p, err := s.cfg.Prices.Price(ctx, n)
		if err != nil {
			return nil, numberdesk.Internal(op, err)
		}
		ps[i] = p
	}
	return ps, nil
}

// fetch loads the actor's tenant's numbers ids in the order of ids; a missing one
// is CodeNotFound naming it.
func (s *Service) fetch(ctx context.Context, op string, actor numberdesk.Actor, ids []numberdesk.NumberID) ([]*Number, error) {
	found, err := s.byIDs(ctx, op, actor, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[numberdesk.NumberID]*Number, len(found))
	for _, n := range found {
		byID[n.ID] = n
	}
	ns := make([]*Number, len(ids))
	for i, id := range ids {
		if ns[i] = byID[id]; ns[i] == nil {
			return nil, numberdesk.E(numberdesk.CodeNotFound, op, "numbers", "Die Rufnummer wurde nicht gefunden.")
		}
	}
	return ns, nil
}

// quotable returns why n cannot be quoted or activated at now (Field
// "numbers"), or nil: it must be new or inactive at now and, if ported,
// have arrived.
func quotable(op string, n *Number, now time.Time) error {
	if !transition(ActionActivate).can(n.StatusAt(now)) {
		return numberdesk.E(numberdesk.CodePrecondition, op, "numbers",
			"Die Rufnummer %s ist %s und kann nicht aktiviert werden.", n.Display(), n.At(now).StatusLabel())
	}
	return activatable(op, "numbers", n, now)
}

// effective returns the numbers as they are at now (Number.At).
func effective(ns []*Number, now time.Time) []*Number {
	out := make([]*Number, len(ns))
	for i, n := range ns {
		out[i] = n.At(now)
	}
	return out
}

// activatable returns why n cannot be activated (or swapped in) at now, or nil.
func activatable(op, field string, n *Number, now time.Time) error {
	if !n.PortingDate.IsZero() && now.Before(n.PortingDate) {
		return numberdesk.E(numberdesk.CodePrecondition, op, field,
			"Die Rufnummer %s kann erst ab dem Portierungstermin aktiviert werden.", n.Display())
	}
	return nil
}

// Quote returns the cost overview for activating the given new or inactive
// numbers (a number whose deactivation has taken effect is inactive, ApplyDue
// or not, and priced without the options it lost): each number's monthly fee
// and booked options, one-time fees, and the totals with VAT. Owner only.
func (s *Service) Quote(ctx context.Context, actor numberdesk.Actor, ids []numberdesk.NumberID) (_ *Quote, err error) {
	const op = "numbers.Quote"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner); err != nil {
		return nil, err
	}
	ids = dedupe(ids)
	if len(ids) == 0 || len(ids) > MaxBulk {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "numbers", "Bitte wählen Sie 1 bis %d Rufnummern.", MaxBulk)
	}
	ns, err := s.fetch(ctx, op, actor, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	versions := make([]int64, len(ns))
	for i, n := range ns {
		if err := quotable(op, n, now); err != nil {
			return nil, err
		}
		versions[i] = n.Version
	}
	ps, err := s.prices(ctx, op, effective(ns, now))
	if err != nil {
		return nil, err
	}
	q := &Quote{CreatedAt: now, ExpiresAt: now.Add(s.cfg.QuoteTTL).Truncate(time.Second), Lines: make([]QuoteLine, len(ns))}
	var monthly, oneTime Money
	for i, n := range ns {
		if i == 0 {
			q.VATRate = ps[i].VATRate
		} else if ps[i].VATRate != q.VATRate {
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, "numbers", "Die Rufnummern haben verschiedene Steuersätze; bitte getrennt aktivieren.")
		}
		q.Lines[i] = QuoteLine{Number: n.ID, E164: n.E164, Display: n.Display(), Price: ps[i]}
		monthly, oneTime = monthly.Add(ps[i].MonthlyNet()), oneTime.Add(ps[i].OneTimeNet())
	}
	q.Monthly, q.OneTime = totals(monthly, q.VATRate), totals(oneTime, q.VATRate)
	q.Token = signQuote(s.cfg.QuoteKey, quoteClaims{Tenant: actor.Tenant, Numbers: ids, Versions: versions, Expires: q.ExpiresAt.Unix()}, ps)
	return q, nil
}

func dedupe[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// ActivateRequest activates the numbers of a quote.
type ActivateRequest struct {
	// QuoteToken is Quote.Token: the priced consent to what the owner saw.
	QuoteToken string `json:"quote_token" validate:"required"`
	// IdempotencyKey makes the command safe to retry: the same key returns the
	// first result and has no second effect. Optional.
	IdempotencyKey string `json:"-" validate:"omitempty,max=255,printascii"`
}

// Outcome is what a bulk command did to one number.
type Outcome string

// The outcomes of a bulk command.
const (
	OutcomeActivated Outcome = "activated"
	OutcomeFailed    Outcome = "failed" // Error tells why; nothing changed for this number
)

// NumberResult is the outcome for one number of a bulk command.
type NumberResult struct {
	Number  numberdesk.NumberID `json:"number"`
	E164    string              `json:"e164"`
	Outcome Outcome             `json:"outcome"`
	Error   *numberdesk.Error   `json:"error,omitempty"`
}

// ActivateResult lists the outcome per number of an activation.
type ActivateResult struct {
	Results     []NumberResult `json:"results"`
	ActivatedAt time.Time      `json:"activated_at"`
}

// Activated returns how many numbers the command activated.
func (r *ActivateResult) Activated() int {
	c := 0
	for _, x := range r.Results {
		if x.Outcome == OutcomeActivated {
			c++
		}
	}
	return c
}

// Activate activates the numbers of a quote ("Rufnummern jetzt
// kostenpflichtig aktivieren"); billing starts now. Owner only. A quote is
// one consent for one activation: its token is refused (CodePrecondition,
// Field "quote") once it has expired, once any quoted number has changed
// since the quote (its Version differs: after this activation, a swap, a
// deactivation, an assignment, any write) or when the prices no longer
// hold; a token that is not exactly as Quote issued it is CodeInvalid. So
// the same token never activates twice. A retry with the IdempotencyKey of
// a successful activation gets its stored result, whatever changed since:
// the replay comes before these checks. Each number gets its own result: a
// number that cannot be activated now (a ported one before its porting
// date by this node's clock) fails alone. The event records the accepted
// price snapshot and the consent wording. A number whose deactivation has
// taken effect but is not stored yet gets that deactivation stored first
// (its old billing line ends at the effective instant).
func (s *Service) Activate(ctx context.Context, actor numberdesk.Actor, req ActivateRequest) (_ *ActivateResult, err error) {
	const op = "numbers.Activate"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, transition(ActionActivate).Roles...); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	claims, payload, mac, err := parseQuote(op, req.QuoteToken)
	if err != nil {
		return nil, err
	}
	return oneWrite(ctx, s, actor, op, req.IdempotencyKey, req.QuoteToken, func(ctx context.Context) (*ActivateResult, error) {
		if claims.Tenant != actor.Tenant {
			// Another tenant's quote: as unknown as another tenant's number.
			return nil, numberdesk.E(numberdesk.CodeNotFound, op, "quote", "Die Kostenübersicht wurde nicht gefunden.")
		}
		now := s.now()
		if now.Unix() >= claims.Expires {
			return nil, numberdesk.E(numberdesk.CodePrecondition, op, "quote", "Die Kostenübersicht ist abgelaufen. Bitte rufen Sie sie erneut auf.")
		}
		ns, err := s.fetch(ctx, op, actor, claims.Numbers)
		if err != nil {
			return nil, err
		}
		for i, n := range ns {
			if n.Version != claims.Versions[i] {
				return nil, numberdesk.E(numberdesk.CodePrecondition, op, "quote",
					"Die Rufnummer %s wurde seit der Kostenübersicht geändert. Bitte rufen Sie die Kostenübersicht erneut auf.", n.Display())
			}
		}
		ps, err := s.prices(ctx, op, effective(ns, now))
		if err != nil {
			return nil, err
		}
		if !hmac.Equal(mac, quoteMAC(s.cfg.QuoteKey, payload, ps)) {
			return nil, numberdesk.E(numberdesk.CodePrecondition, op, "quote",
				"Die Preise haben sich geändert. Bitte prüfen Sie die Kostenübersicht erneut.")
		}
		res := &ActivateResult{ActivatedAt: now, Results: make([]NumberResult, len(ns))}
		var changed, settled []*Number
		var events []numberdesk.Event
		for i, n := range ns {
			res.Results[i] = NumberResult{Number: n.ID, E164: n.E164, Outcome: OutcomeActivated}
			if err := quotable(op, n, now); err != nil {
				res.Results[i].Outcome, res.Results[i].Error = OutcomeFailed, err.(*numberdesk.Error)
				continue
			}
			lapsed, err := settle(n, now)
			if err != nil {
				return nil, err
			}
			if len(lapsed) > 0 {
				settled = append(settled, n)
			}
			events = append(events, lapsed...)
			before := n.Clone()
			n.Status, n.BillingLine, n.BilledSince, n.UpdatedAt = StatusActive, uuid.NewString(), now, now
			changed = append(changed, n)
			ev, err := change(EventActivated, actor, now, before, n, EventData{
				Billing: &Billing{Line: n.BillingLine, Start: now},
				Price:   &ps[i], Consent: s.cfg.ConsentLabel,
			})
			if err != nil {
				return nil, err
			}
			events = append(events, ev)
		}
		if err := s.writeWiping(ctx, actor.Tenant, settled, changed, events); err != nil {
			return nil, err
		}
		return res, nil
	})
}

// write updates ns and appends events in the caller's transaction.
func (s *Service) write(ctx context.Context, ns []*Number, events []numberdesk.Event) error {
	return s.writeWiping(ctx, "", nil, ns, events)
}

// writeWiping is write that also deletes the routing settings of the numbers
// wipe of tenant (deactivation and swapping wipe them, so that the number
// routes by the default plan again): one Write where the Store is a Writer,
// else DeleteSettings for all of them, UpdateNumbers and AppendEvents.
// Either way the statements do not depend on the number of numbers.
func (s *Service) writeWiping(ctx context.Context, tenant numberdesk.TenantID, wipe []*Number, ns []*Number, events []numberdesk.Event) error {
	if len(ns) == 0 {
		return nil
	}
	var ids []numberdesk.NumberID
	for _, n := range wipe {
		ids = append(ids, n.ID)
	}
	if r, ok := ctx.Value(soloKey{}).(*soloRun); ok {
		return r.write(ctx, Write{Tenant: tenant, Wipe: ids, Numbers: ns, Events: events})
	}
	if w, ok := s.cfg.Store.(Writer); ok {
		return w.Write(ctx, Write{Tenant: tenant, Wipe: ids, Numbers: ns, Events: events})
	}
	if len(ids) > 0 {
		if err := s.cfg.Store.DeleteSettings(ctx, tenant, ids...); err != nil {
			return err
		}
	}
	if err := s.cfg.Store.UpdateNumbers(ctx, ns...); err != nil {
		return err
	}
	return s.cfg.Store.AppendEvents(ctx, events...)
}

// Deactivation describes when a deactivation takes effect.
type Deactivation struct {
	Number *Number `json:"number"`
	// EffectiveAt is the instant the number becomes inactive and billing ends.
	EffectiveAt time.Time `json:"effective_at"`
	// NoticeDate is the last day of the number, "Kündigungsdatum", 00:00 tenant time.
	NoticeDate time.Time `json:"notice_date"`
	// Changed is false if the deactivation was already pending.
	Changed bool `json:"changed"`
}

// Message returns the German text of the deactivation dialog.
func (d *Deactivation) Message() string {
	return "Die Rufnummer " + d.Number.Display() + " wird zum " + FormatDate(d.NoticeDate) +
		" deaktiviert. Mit der Deaktivierung gehen alle Einstellungen dieser Rufnummer verloren."
}

// PreviewDeactivation tells when a deactivation requested now would take
// effect, for the dialog before "Rufnummer jetzt deaktivieren". Owner only.
func (s *Service) PreviewDeactivation(ctx context.Context, actor numberdesk.Actor, id numberdesk.NumberID) (*Deactivation, error) {
	const op = "numbers.PreviewDeactivation"
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, transition(ActionDeactivate).Roles...); err != nil {
		return nil, err
	}
	return s.previewDeactivation(ctx, op, actor, id)
}

// previewDeactivation is PreviewDeactivation for an actor already verified
// (Deactivate verifies it in its transaction).
func (s *Service) previewDeactivation(ctx context.Context, op string, actor numberdesk.Actor, id numberdesk.NumberID) (*Deactivation, error) {
	n, err := s.visible(ctx, op, actor, id)
	if err != nil {
		return nil, err
	}
	loc, err := s.location(ctx, op, actor.Tenant)
	if err != nil {
		return nil, err
	}
	now := s.now()
	switch st := n.StatusAt(now); {
	case st == StatusDeactivationPending:
		return &Deactivation{Number: n, EffectiveAt: n.DeactivationAt, NoticeDate: NoticeDate(n.DeactivationAt, loc)}, nil
	case !transition(ActionDeactivate).can(st):
		return nil, numberdesk.E(numberdesk.CodePrecondition, op, "number", "Nur aktive Rufnummern können deaktiviert werden.")
	}
	at := s.cfg.Notice.EffectiveAt(now, loc).UTC()
	return &Deactivation{Number: n, EffectiveAt: at, NoticeDate: NoticeDate(at, loc), Changed: true}, nil
}

// DeactivateRequest deactivates one active number.
type DeactivateRequest struct {
	Number         numberdesk.NumberID `json:"number" validate:"required"`
	IdempotencyKey string              `json:"-" validate:"omitempty,max=255,printascii"`
}

// Deactivate marks an active number for deactivation ("Rufnummer jetzt
// deaktivieren"): it becomes "Zur Deaktivierung vorgemerkt" and stays usable
// and billed until the effective time of the NoticePolicy; from that instant
// on it is inactive (ApplyDue stores it). A number still pending is a no-op
// result; one whose deactivation has taken effect is inactive
// (CodePrecondition). Owner only.
func (s *Service) Deactivate(ctx context.Context, actor numberdesk.Actor, req DeactivateRequest) (_ *Deactivation, err error) {
	const op = "numbers.Deactivate"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, transition(ActionDeactivate).Roles...); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	return oneWrite(ctx, s, actor, op, req.IdempotencyKey, req.Number, func(ctx context.Context) (*Deactivation, error) {
		d, err := s.previewDeactivation(ctx, op, actor, req.Number)
		if err != nil || !d.Changed {
			return d, err
		}
		n, now := d.Number, s.now()
		before := n.Clone()
		n.Status, n.DeactivationAt, n.UpdatedAt = StatusDeactivationPending, d.EffectiveAt, now
		ev, err := change(EventDeactivationRequested, actor, now, before, n, EventData{})
		if err != nil {
			return nil, err
		}
		return d, s.write(ctx, []*Number{n}, []numberdesk.Event{ev})
	})
}

// WithdrawRequest takes back a pending deactivation.
type WithdrawRequest struct {
	Number numberdesk.NumberID `json:"number" validate:"required"`
	// IdempotencyKey makes the command safe to retry: the same key and
	// number return the stored result (see Activate).
	IdempotencyKey string `json:"-" validate:"omitempty,max=255,printascii"`
}

// Withdraw takes back a pending deactivation ("Deaktivierung zurücknehmen"):
// the number is active again with its settings intact and no new fee. Once
// the effective instant has passed the number is inactive, ApplyDue or not,
// and Withdraw is CodePrecondition (Field "number"). Owner only. With an
// IdempotencyKey every caller with the key gets the stored result, also
// when they race.
func (s *Service) Withdraw(ctx context.Context, actor numberdesk.Actor, req WithdrawRequest) (_ *Number, err error) {
	const op = "numbers.Withdraw"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, transition(ActionWithdraw).Roles...); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	return oneWrite(ctx, s, actor, op, req.IdempotencyKey, req.Number, func(ctx context.Context) (*Number, error) {
		n, err := s.visible(ctx, op, actor, req.Number)
		if err != nil {
			return nil, err
		}
		now := s.now()
		if !transition(ActionWithdraw).can(n.StatusAt(now)) {
			return nil, numberdesk.E(numberdesk.CodePrecondition, op, "number", "Für diese Rufnummer ist keine Deaktivierung vorgemerkt.")
		}
		before := n.Clone()
		n.Status, n.DeactivationAt, n.UpdatedAt = StatusActive, time.Time{}, now
		ev, err := change(EventDeactivationWithdrawn, actor, now, before, n, EventData{})
		if err != nil {
			return nil, err
		}
		if err := s.write(ctx, []*Number{n}, []numberdesk.Event{ev}); err != nil {
			return nil, err
		}
		return n, nil
	})
}

// applyDueChunk is how many numbers one ApplyDue transaction handles.
const applyDueChunk = 500

// ApplyDue stores what has become true: every number of the actor's tenant
// stored as pending whose effective instant is not after now is made
// inactive as Number.At describes (billing ends at the effective instant,
// the settings are wiped: usage type voice, no holder, no options, routing
// back to the default plan; call records stay), with the EventDeactivated
// that History showed before (same ID). Reads and commands treat such a
// number as inactive from its effective instant on, so ApplyDue changes
// nothing anyone sees; it only keeps the stored state and the billing feed
// current. A zero now is the Service's clock; a now ahead of the clock by
// more than Config.MaxClockSkew is CodeInvalid (Field "now"). It returns the
// numbers it changed. It is idempotent and safe to run on several nodes at
// once: a number another node changed first is skipped. System only.
func (s *Service) ApplyDue(ctx context.Context, actor numberdesk.Actor, now time.Time) (_ []numberdesk.NumberID, err error) {
	const op = "numbers.ApplyDue"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, transition(ActionApplyDue).Roles...); err != nil {
		return nil, err
	}
	clock := s.now()
	if now.IsZero() {
		now = clock
	}
	if now.After(clock.Add(s.cfg.MaxClockSkew)) {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "now",
			"Der Zeitpunkt %s liegt nach der Uhr des Dienstes (%s).", now.UTC().Format(time.RFC3339), clock.Format(time.RFC3339))
	}
	var done []numberdesk.NumberID
	for attempt := 0; ; {
		var batch []numberdesk.NumberID
		err := s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
			if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
				return err
			}
			batch = nil
			found, _, err := s.cfg.Store.FindNumbers(ctx, actor.Tenant, Filter{DueBefore: now, Limit: applyDueChunk})
			if err != nil {
				return err
			}
			var ns []*Number
			var events []numberdesk.Event
			for _, n := range found {
				lapsed, err := settle(n, now)
				if err != nil {
					return err
				}
				if len(lapsed) > 0 {
					ns, events = append(ns, n), append(events, lapsed...)
					batch = append(batch, n.ID)
				}
			}
			return s.writeWiping(ctx, actor.Tenant, ns, ns, events)
		})
		switch {
		case numberdesk.ErrorCode(err) == numberdesk.CodeConflict && attempt < 10:
			attempt++ // another node was faster: read again
			continue
		case err != nil:
			return done, numberdesk.Internal(op, err)
		case len(batch) == 0:
			return done, nil
		}
		done = append(done, batch...)
	}
}

// settle applies what became true of n at its effective instant if n is Due
// at now: n becomes n.At(now) in place, and it returns the EventDeactivated
// to append (lapseEvent). The caller stores both and wipes n's routing
// settings (writeWiping, once for all the numbers it settles). ApplyDue does
// this, and so does a command that changes a due number further (Activate,
// Swap as the new number), before its own change. A number that is not due
// is left alone (no events).
func settle(n *Number, now time.Time) ([]numberdesk.Event, error) {
	if !n.Due(now) {
		return nil, nil
	}
	ev, err := lapseEvent(n)
	if err != nil {
		return nil, err
	}
	n.lapse()
	return []numberdesk.Event{ev}, nil
}

// lapseSpace is the UUID namespace of the IDs of lapseEvent.
var lapseSpace = uuid.MustParse("5d0c5f3e-8f7a-4d2b-9f0e-2f6b1c9e7a41")

// lapseEvent returns the EventDeactivated of the due number n as stored: by
// the system, at the effective instant, closing n's billing line there, with
// n before and n.At after. Its ID is derived from the number and its stored
// Version, so that the event History shows before ApplyDue runs is the one
// ApplyDue stores.
func lapseEvent(n *Number) (numberdesk.Event, error) {
	at := n.DeactivationAt
	ev, err := change(EventDeactivated, numberdesk.System(n.Tenant), at, n, n.At(at), EventData{Billing: &Billing{Line: n.BillingLine, End: at}})
	ev.ID = numberdesk.EventID(uuid.NewSHA1(lapseSpace, []byte(string(n.Tenant)+"/"+string(n.ID)+"/"+strconv.FormatInt(n.Version, 10))).String())
	return ev, err
}

// SwapRequest replaces an active number with a new or inactive one.
type SwapRequest struct {
	Old            numberdesk.NumberID `json:"old" validate:"required"`
	New            numberdesk.NumberID `json:"new" validate:"required"`
	IdempotencyKey string              `json:"-" validate:"omitempty,max=255,printascii"`
}

// SwapResult is the outcome of a swap.
type SwapResult struct {
	Old *Number `json:"old"`
	New *Number `json:"new"`
	// ForwardingRequired tells the UI to remind the owner that a forwarding
	// to the IP device must be set up for the new number.
	ForwardingRequired bool `json:"forwarding_required"`
}

// Swap replaces Old (active or pending) by New (new or inactive) in one
// atomic change ("Rufnummerntausch jetzt abschließen"). States are those at
// now: a number whose deactivation has taken effect is inactive, so it cannot
// be Old and may be New (its deactivation is stored first). The count of billed
// numbers stays the same, so there is no quote and no extra cost: New takes
// over Old's billing line and booked options, and its holder(s) and usage
// type (it takes Old's place); its routing starts from the default. Old
// becomes inactive with its settings wiped. Owner only.
func (s *Service) Swap(ctx context.Context, actor numberdesk.Actor, req SwapRequest) (_ *SwapResult, err error) {
	const op = "numbers.Swap"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, transition(ActionSwapOut).Roles...); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	if req.Old == req.New {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "new", "Bitte wählen Sie eine andere Rufnummer als die zu ersetzende.")
	}
	return oneWrite(ctx, s, actor, op, req.IdempotencyKey, [2]numberdesk.NumberID{req.Old, req.New}, func(ctx context.Context) (*SwapResult, error) {
		pair, err := s.visibleEach(ctx, op, actor, []numberdesk.NumberID{req.Old, req.New}, "old", "new")
		if err != nil {
			return nil, err
		}
		old, nw := pair[0], pair[1]
		now := s.now()
		if !transition(ActionSwapOut).can(old.StatusAt(now)) {
			return nil, numberdesk.E(numberdesk.CodePrecondition, op, "old", "Nur aktive Rufnummern können ersetzt werden.")
		}
		if !transition(ActionSwapIn).can(nw.StatusAt(now)) {
			return nil, numberdesk.E(numberdesk.CodePrecondition, op, "new", "Die neue Rufnummer muss neu oder inaktiv sein.")
		}
		if err := activatable(op, "new", nw, now); err != nil {
			return nil, err
		}
		heldUntilLapse := nw.Due(now) && len(nw.Holders) > 0
		events, err := settle(nw, now)
		if err != nil {
			return nil, err
		}
		if heldUntilLapse {
			// Store the lapse first: its holders held New until its
			// effective instant, nobody from then until now. Two writes:
			// in a transaction.
			if err := needTx(ctx); err != nil {
				return nil, err
			}
			if err := s.cfg.Store.UpdateNumbers(ctx, nw); err != nil {
				return nil, err
			}
		}
		oldBefore, newBefore := old.Clone(), nw.Clone()
		line := old.BillingLine
		nw.Status, nw.BillingLine, nw.BilledSince, nw.UpdatedAt = StatusActive, line, now, now
		nw.UsageType, nw.Options = old.UsageType, slices.Clone(old.Options)
		nw.setHolders(slices.Clone(old.Holders), now)
		old.Status, old.BillingLine, old.BilledSince, old.DeactivationAt, old.UpdatedAt = StatusInactive, "", time.Time{}, time.Time{}, now
		old.wipe(now)
		out, err := change(EventSwappedOut, actor, now, oldBefore, old, EventData{Billing: &Billing{Line: line, End: now}, Counterpart: nw.ID, CounterpartE164: nw.E164})
		if err != nil {
			return nil, err
		}
		in, err := change(EventSwappedIn, actor, now, newBefore, nw, EventData{Billing: &Billing{Line: line, Start: now}, Counterpart: old.ID, CounterpartE164: old.E164})
		if err != nil {
			return nil, err
		}
		events = append(events, out, in)
		if err := s.writeWiping(ctx, actor.Tenant, []*Number{old, nw}, []*Number{old, nw}, events); err != nil {
			return nil, err
		}
		return &SwapResult{Old: old, New: nw, ForwardingRequired: true}, nil
	})
}

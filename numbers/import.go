package numbers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// Limits of an import (Service.Import).
const (
	MaxImportRows    = 10_000 // rows per Import
	MaxImportNumbers = 50_000 // numbers per Import, blocks expanded
	MaxImportHolders = 50     // holders (members of a shared fax number) per row
	// ImportChunk is how many numbers Import reads and writes per batch:
	// per chunk one FindNumbers (the duplicates), and when it applies one
	// CreateNumbers and one AppendEvents, whatever the rows look like.
	ImportChunk = 1000
)

// importRoles may import: the roles that may both provision (owner,
// system) and assign and set usage types (owner, manager).
var importRoles = []numberdesk.Role{numberdesk.RoleOwner}

// ImportRow is one row of an inventory import: a single number, or a block
// of Stammnummer and Durchwahl range, with its origin, porting date, usage
// type and holders. Package csvio reads it from a CSV file.
type ImportRow struct {
	// Row numbers the row in its file (the header is row 1), for the
	// results; 0: its position in ImportRequest.Rows, from 1.
	Row int `json:"row,omitempty"`
	// Number is the single number, or the Stammnummer of a block, in any
	// usual format ("0221 123456", "+49 221 123456").
	Number string `json:"number"`
	// ExtensionFrom and ExtensionTo are a block's Durchwahl range, 1 to 5
	// digits each, inclusive, as in ProvisionRequest; both empty for a
	// single number.
	ExtensionFrom string `json:"extension_from,omitempty"`
	ExtensionTo   string `json:"extension_to,omitempty"`
	// Origin defaults to OriginNew.
	Origin Origin `json:"origin,omitempty"`
	// PortingDate is the day a ported number arrives, "2026-03-01" (ISO
	// 8601): it can be activated from 00:00 of that day in the tenant's
	// time zone on. Required for ported numbers, empty for the others.
	PortingDate string `json:"porting_date,omitempty"`
	// UsageType defaults to routing.UsageVoice.
	UsageType routing.UsageType `json:"usage_type,omitempty"`
	// Holders are the e-mail addresses of the employees that get the
	// numbers: at most one, except for a shared fax number (up to
	// MaxImportHolders members); exactly one for a personal fax number.
	Holders []string `json:"holders,omitempty"`
}

// ImportRequest imports an inventory: the rows, all or none.
type ImportRequest struct {
	Rows []ImportRow `json:"rows"`
	// DryRun checks every row against the current state and reports what
	// an import would create, and changes nothing.
	DryRun bool `json:"dry_run"`
	// IdempotencyKey makes an apply safe to retry: the same key and rows
	// return the first result and create nothing twice; the same key with
	// other rows is CodeInvalid (Field "idempotency_key"). A dry run
	// ignores it.
	IdempotencyKey string `json:"-" validate:"omitempty,max=255,printascii"`
}

// ImportResult is what an import did, or in a dry run would do, row by row.
type ImportResult struct {
	DryRun bool `json:"dry_run"`
	// Rows has one result per row, in the order of the request.
	Rows    []ImportRowResult `json:"rows"`
	Summary ImportSummary     `json:"summary"`
}

// ImportRowResult is the outcome of one row.
type ImportRowResult struct {
	Row int `json:"row"`
	// Numbers counts the numbers the row creates (1 for a single number,
	// the block's size for a block); First is the first of them and, for a
	// block, Last the last (E.164). All zero for a row with Errors.
	Numbers int    `json:"numbers"`
	First   string `json:"first,omitempty"`
	Last    string `json:"last,omitempty"`
	// Errors lists every problem of the row, each a *numberdesk.Error with
	// a Code, the Field (column) at fault — "number", "extension_from",
	// "extension_to", "origin", "porting_date", "usage_type", "holders" —
	// and a German Message: CodeInvalid for a value that is not
	// acceptable, CodeConflict for a number that is twice in the rows or
	// exists in the tenant, CodeNotFound for an unknown holder,
	// CodePrecondition for a locked one.
	Errors []*numberdesk.Error `json:"errors,omitempty"`
}

// OK reports whether the row has no errors.
func (r ImportRowResult) OK() bool { return len(r.Errors) == 0 }

// ImportSummary sums up an import: what it created, or in a dry run would
// create, counting the rows without errors only (but Rows and Invalid).
type ImportSummary struct {
	Rows    int `json:"rows"`    // rows in the request
	Invalid int `json:"invalid"` // rows with errors
	Numbers int `json:"numbers"` // numbers created
	Singles int `json:"singles"` // rows of a single number
	Blocks  int `json:"blocks"`  // rows of a block
	// Origins and UsageTypes count the numbers by origin and usage type.
	Origins    map[Origin]int            `json:"origins,omitempty"`
	UsageTypes map[routing.UsageType]int `json:"usage_types,omitempty"`
	Assigned   int                       `json:"assigned"` // numbers with holders
}

// Message returns the summary as a German sentence for the UI.
func (r *ImportResult) Message() string {
	s := r.Summary
	if s.Invalid > 0 {
		return invalidRows(s) + "; es wird nichts importiert."
	}
	verb := plural(s.Numbers, " wurde angelegt.", " wurden angelegt.")
	if r.DryRun {
		verb = plural(s.Numbers, " würde angelegt.", " würden angelegt.")
	}
	return strconv.Itoa(s.Numbers) + plural(s.Numbers, " Rufnummer", " Rufnummern") + " (" +
		strconv.Itoa(s.Singles) + plural(s.Singles, " Einzelnummer", " Einzelnummern") + ", " +
		strconv.Itoa(s.Blocks) + plural(s.Blocks, " Block", " Blöcke") + ")" + verb
}

// invalidRows says how many rows have errors: "2 von 10 Zeilen sind
// fehlerhaft".
func invalidRows(s ImportSummary) string {
	return strconv.Itoa(s.Invalid) + " von " + strconv.Itoa(s.Rows) + plural(s.Rows, " Zeile", " Zeilen") +
		plural(s.Invalid, " ist", " sind") + " fehlerhaft"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Import adds an inventory of numbers — single numbers and blocks, with
// origin, porting date, usage type and holders — in state new, as
// Provision, Assign and SetUsageType would one by one. Owner only: it
// provisions (owner, system) and assigns (owner, manager).
//
// Every row is checked: its values (the number, the Durchwahl range as
// Provision checks it, origin, porting date, usage type, holder e-mail
// addresses, how many holders the usage type allows), then against the
// other rows (a number twice is CodeConflict on the later row) and the
// tenant's current state (a number that exists is CodeConflict, an unknown
// holder CodeNotFound, a locked one CodePrecondition). The result has every
// problem of every row (ImportRowResult.Errors) and a summary.
//
// With DryRun that is all: nothing changes, and the error is nil whatever
// the rows hold. Otherwise the rows are applied in one transaction, all or
// none: if any row has a problem nothing is created, and Import returns the
// result (which rows) together with a CodeInvalid error (Field "rows"). A
// number created concurrently after the check makes the whole import fail
// with CodeConflict, nothing created. Each number gets its
// EventProvisioned, then EventAssigned if it has holders and
// EventUsageTypeChanged if it is not voice, in the same transaction.
//
// An IdempotencyKey makes the apply safe to retry (see ImportRequest). A
// request without rows, with more than MaxImportRows rows or more than
// MaxImportNumbers numbers is CodeInvalid (Field "rows").
//
// Cost: whatever the rows, the actor's verification, one read of the
// tenant (when a row has a porting date) and one of its employees (when a
// row names holders), and per ImportChunk numbers one read of the
// duplicates (FindNumbers by E.164) and, when applied, one CreateNumbers
// and one AppendEvents: the statements grow with the chunks, not with the
// rows (sqlstore on PostgreSQL: 1 statement per chunk for a dry run, 5 for
// an apply; on SQLite, which writes at most 1,000 rows per statement, an
// apply's chunk costs more the more events and holders its numbers have).
// The employees are read whole: the Store has no lookup of several e-mail
// addresses.
func (s *Service) Import(ctx context.Context, actor numberdesk.Actor, req ImportRequest) (_ *ImportResult, err error) {
	const op = "numbers.Import"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, importRoles...); err != nil {
		return nil, err
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	switch {
	case len(req.Rows) == 0:
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "rows", "Die Datei enthält keine Rufnummern.")
	case len(req.Rows) > MaxImportRows:
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "rows", "Ein Import umfasst höchstens %d Zeilen.", MaxImportRows)
	}
	plans := make([]*rowPlan, len(req.Rows))
	total := 0
	for i, r := range req.Rows {
		plans[i] = planRow(op, i, r)
		total += len(plans[i].e164s)
	}
	if total > MaxImportNumbers {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "rows", "Ein Import umfasst höchstens %d Rufnummern.", MaxImportNumbers)
	}
	if req.DryRun {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return nil, err
		}
		res, _, err := s.assess(ctx, op, actor, plans, false)
		if err != nil {
			return nil, numberdesk.Internal(op, err)
		}
		return res, nil
	}
	var (
		failed  *ImportResult
		refusal *numberdesk.Error
	)
	res, err := idempotent(ctx, s, actor, op, req.IdempotencyKey, struct {
		Rows []ImportRow `json:"rows"`
	}{req.Rows}, func(ctx context.Context) (*ImportResult, error) {
		failed, refusal = nil, nil
		if err := verifyFirst(ctx, s.cfg.Store, op, actor); err != nil {
			return nil, err
		}
		res, batches, err := s.assess(ctx, op, actor, plans, true)
		switch {
		case err != nil:
			return nil, err
		case res.Summary.Invalid > 0:
			failed = res
			refusal = numberdesk.E(numberdesk.CodeInvalid, op, "rows", "%s; es wurde nichts importiert.", invalidRows(res.Summary))
			return nil, refusal
		}
		for _, b := range batches {
			if err := s.cfg.Store.CreateNumbers(ctx, b.numbers...); err != nil {
				return nil, err
			}
			if err := s.cfg.Store.AppendEvents(ctx, b.events...); err != nil {
				return nil, err
			}
		}
		return res, nil
	})
	if refusal != nil && err == error(refusal) {
		return failed, err
	}
	return res, err
}

// verifyFirst verifies the actor of a command run by idempotent before the
// command reads and writes, where idempotent would verify it only at the
// end (no key, an ActorReader store, and no read by ID that verifies on the
// way: an import's reads are by E.164), and marks it done. Elsewhere
// idempotent has verified it already.
func verifyFirst(ctx context.Context, st staff.Finder, op string, actor numberdesk.Actor) error {
	v, ok := ctx.Value(verificationKey{}).(*verification)
	if !ok || v.done || v.actor != actor {
		return nil
	}
	v.done = true // a refusal is the command's error
	return staff.Verify(ctx, st, op, actor)
}

// rowPlan is an ImportRow checked on its own: its problems, or what it
// creates.
type rowPlan struct {
	row     int
	errs    []*numberdesk.Error
	base    phone.E164 // the number, or the Stammnummer
	exts    []string   // the block's extensions; nil for a single number
	e164s   []string   // the numbers it creates; nil if errs
	origin  Origin
	day     time.Time // the porting day (UTC midnight), zero if none
	usage   routing.UsageType
	holders []string // normalized e-mail addresses
}

// display is the German form of the i-th number of p.
func (p *rowPlan) display(i int) string {
	if p.exts == nil {
		return FormatNational(p.e164s[i])
	}
	return FormatNational(string(p.base)) + "-" + p.exts[i]
}

// planRow checks what can be checked of the i-th row r alone.
func planRow(op string, i int, r ImportRow) *rowPlan {
	p := &rowPlan{row: r.Row}
	if p.row <= 0 {
		p.row = i + 1
	}
	bad := func(field, msg string, args ...any) {
		p.errs = append(p.errs, numberdesk.E(numberdesk.CodeInvalid, op, field, msg, args...))
	}
	switch num := strings.TrimSpace(r.Number); {
	case num == "":
		bad("number", "Bitte geben Sie die Rufnummer an.")
	case len(num) > 64:
		bad("number", "Die Rufnummer ist zu lang.")
	default:
		base, err := phone.Parse(num)
		if err != nil {
			p.errs = append(p.errs, rowError(err, op, "number"))
		}
		p.base = base
	}
	from, to := strings.TrimSpace(r.ExtensionFrom), strings.TrimSpace(r.ExtensionTo)
	extsOK := true
	for _, x := range [...]struct{ field, v string }{{"extension_from", from}, {"extension_to", to}} {
		if x.v != "" && !isExtension(x.v) {
			bad(x.field, "Eine Durchwahl besteht aus 1 bis 5 Ziffern.")
			extsOK = false
		}
	}
	if extsOK {
		exts, err := extensions(op, from, to)
		if err != nil {
			p.errs = append(p.errs, rowError(err, op, numberdesk.ErrorField(err)))
			extsOK = false
		}
		p.exts = exts
	}
	switch {
	case r.Origin == "":
		p.origin = OriginNew
	case r.Origin.Valid():
		p.origin = r.Origin
	default:
		bad("origin", "Die Herkunft „%s“ ist unbekannt; möglich sind neu, portiert und reserviert.", clip(string(r.Origin)))
	}
	switch day := strings.TrimSpace(r.PortingDate); {
	case day == "" && p.origin == OriginPorted:
		bad("porting_date", "Für eine portierte Rufnummer ist der Portierungstermin nötig.")
	case day == "":
	case p.origin != "" && p.origin != OriginPorted:
		bad("porting_date", "Nur portierte Rufnummern haben einen Portierungstermin.")
	default:
		t, err := time.Parse(time.DateOnly, day)
		switch {
		case err != nil || len(day) != len(time.DateOnly):
			bad("porting_date", "Der Portierungstermin „%s“ ist kein gültiges Datum (JJJJ-MM-TT).", clip(day))
		case t.Year() < 1900:
			bad("porting_date", "Der Portierungstermin %s liegt zu weit zurück.", day)
		default:
			p.day = t
		}
	}
	switch {
	case r.UsageType == "":
		p.usage = routing.UsageVoice
	case r.UsageType.Valid():
		p.usage = r.UsageType
	default:
		bad("usage_type", "Der Verwendungstyp „%s“ ist unbekannt.", clip(string(r.UsageType)))
	}
	holdersOK := true
	for _, h := range r.Holders {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		e, err := staff.NormalizeEmail(op, "holders", h)
		if err != nil {
			bad("holders", "Die E-Mail-Adresse „%s“ ist ungültig.", clip(h))
			holdersOK = false
			continue
		}
		if !containsString(p.holders, e) {
			p.holders = append(p.holders, e)
		}
	}
	switch most := p.usage.MaxHolders(); {
	case len(p.holders) > MaxImportHolders:
		bad("holders", "Eine Rufnummer hat höchstens %d Mitglieder.", MaxImportHolders)
	case p.usage != "" && most > 0 && len(p.holders) > most:
		bad("holders", "Eine Rufnummer mit dem Verwendungstyp „%s“ hat höchstens einen Inhaber.", p.usage.Label())
	case p.usage == routing.UsageFaxPersonal && len(p.holders) == 0 && holdersOK:
		bad("holders", "Eine persönliche Faxnummer braucht genau einen Mitarbeiter.")
	}
	if p.base == "" || !extsOK {
		return p
	}
	if p.exts == nil {
		p.e164s = []string{string(p.base)}
	}
	for _, ext := range p.exts {
		e, err := phone.Join(p.base, ext)
		if err != nil {
			p.errs = append(p.errs, rowError(err, op, "extension_to"))
			p.e164s = nil
			break
		}
		p.e164s = append(p.e164s, string(e))
	}
	if len(p.errs) > 0 {
		p.e164s = nil
	}
	return p
}

// rowError is err (an *numberdesk.Error of phone or extensions) for op and
// field; anything else becomes CodeInvalid.
func rowError(err error, op, field string) *numberdesk.Error {
	var e *numberdesk.Error
	if errors.As(withOp(err, op, field), &e) {
		return e
	}
	return numberdesk.E(numberdesk.CodeInvalid, op, field, "Die Eingabe ist ungültig.")
}

func isExtension(s string) bool {
	if len(s) < 1 || len(s) > maxExtension {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// clip returns user input for a message: valid UTF-8, at most 40 runes.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:39]) + "…"
}

// importBatch is one chunk of an import's write.
type importBatch struct {
	numbers []*Number
	events  []numberdesk.Event
}

// assess checks plans against each other and the tenant's state and
// returns the result; with build and no problem also the numbers and
// events to write, in chunks of ImportChunk numbers. Reads only.
func (s *Service) assess(ctx context.Context, op string, actor numberdesk.Actor, plans []*rowPlan, build bool) (*ImportResult, []importBatch, error) {
	res := &ImportResult{DryRun: !build, Rows: make([]ImportRowResult, len(plans))}
	problems := make([][]*numberdesk.Error, len(plans))
	for i, p := range plans {
		problems[i] = append([]*numberdesk.Error(nil), p.errs...)
	}
	// Within the rows: a number twice is a conflict of the later row.
	first := make(map[string]int, len(plans))
	ok := make([]bool, len(plans))
	var days, holders bool
	for i, p := range plans {
		if len(problems[i]) > 0 {
			continue
		}
		for j, e := range p.e164s {
			if k, dup := first[e]; dup {
				problems[i] = append(problems[i], numberdesk.E(numberdesk.CodeConflict, op, "number",
					"Die Rufnummer %s steht bereits in Zeile %d.", p.display(j), plans[k].row))
				break
			}
		}
		if len(problems[i]) == 0 {
			for _, e := range p.e164s {
				first[e] = i
			}
			ok[i] = true
			days = days || !p.day.IsZero()
			holders = holders || len(p.holders) > 0
		}
	}
	loc := time.UTC
	if days {
		var err error
		if loc, err = s.location(ctx, op, actor.Tenant); err != nil {
			return nil, nil, err
		}
	}
	var byEmail map[string]*staff.Employee
	if holders {
		es, _, err := s.cfg.Store.FindEmployees(ctx, actor.Tenant, staff.Filter{})
		if err != nil {
			return nil, nil, err
		}
		byEmail = make(map[string]*staff.Employee, len(es))
		for _, e := range es {
			byEmail[strings.ToLower(e.Email)] = e
		}
	}
	// The tenant's numbers among them, one read per chunk.
	var e164s []string
	for i, p := range plans {
		if ok[i] {
			e164s = append(e164s, p.e164s...)
		}
	}
	exists := map[string]bool{}
	for lo := 0; lo < len(e164s); lo += ImportChunk {
		found, _, err := s.cfg.Store.FindNumbers(ctx, actor.Tenant, Filter{E164s: e164s[lo:min(lo+ImportChunk, len(e164s))]})
		if err != nil {
			return nil, nil, err
		}
		for _, n := range found {
			exists[n.E164] = true
		}
	}
	for i, p := range plans {
		if !ok[i] {
			continue
		}
		taken, at := 0, -1
		for j, e := range p.e164s {
			if exists[e] {
				if taken++; at < 0 {
					at = j
				}
			}
		}
		switch {
		case taken == 1:
			problems[i] = append(problems[i], numberdesk.E(numberdesk.CodeConflict, op, "number",
				"Die Rufnummer %s ist bereits vorhanden.", p.display(at)))
		case taken > 1:
			problems[i] = append(problems[i], numberdesk.E(numberdesk.CodeConflict, op, "number",
				"Die Rufnummer %s und %d weitere dieses Blocks sind bereits vorhanden.", p.display(at), taken-1))
		}
		for _, h := range p.holders {
			switch e := byEmail[h]; {
			case e == nil:
				problems[i] = append(problems[i], numberdesk.E(numberdesk.CodeNotFound, op, "holders",
					"Es gibt keinen Mitarbeiter mit der E-Mail-Adresse %s.", h))
			case e.Locked:
				problems[i] = append(problems[i], numberdesk.E(numberdesk.CodePrecondition, op, "holders",
					"%s ist gesperrt und kann keine Rufnummer erhalten.", e.Name()))
			}
		}
		ok[i] = len(problems[i]) == 0
	}

	sum := &res.Summary
	sum.Rows = len(plans)
	for i, p := range plans {
		r := &res.Rows[i]
		r.Row = p.row
		if !ok[i] {
			r.Errors = problems[i]
			sum.Invalid++
			continue
		}
		r.Numbers, r.First = len(p.e164s), p.e164s[0]
		sum.Numbers += r.Numbers
		if p.exts == nil {
			sum.Singles++
		} else {
			r.Last = p.e164s[len(p.e164s)-1]
			sum.Blocks++
		}
		if sum.Origins == nil {
			sum.Origins, sum.UsageTypes = map[Origin]int{}, map[routing.UsageType]int{}
		}
		sum.Origins[p.origin] += r.Numbers
		sum.UsageTypes[p.usage] += r.Numbers
		if len(p.holders) > 0 {
			sum.Assigned += r.Numbers
		}
	}
	if !build || sum.Invalid > 0 {
		return res, nil, nil
	}
	batches, err := s.build(actor, plans, byEmail, loc)
	if err != nil {
		return nil, nil, err
	}
	return res, batches, nil
}

// build returns the numbers of plans (all without problems) with their
// events, in chunks of ImportChunk numbers.
func (s *Service) build(actor numberdesk.Actor, plans []*rowPlan, byEmail map[string]*staff.Employee, loc *time.Location) ([]importBatch, error) {
	now := s.now()
	var (
		batches []importBatch
		cur     importBatch
	)
	for _, p := range plans {
		var porting time.Time
		if !p.day.IsZero() {
			y, m, d := p.day.Date()
			porting = DayStart(y, m, d, loc).UTC().Truncate(time.Microsecond)
		}
		var ids []numberdesk.StaffID
		for _, h := range p.holders {
			ids = append(ids, byEmail[h].ID)
		}
		for j, e := range p.e164s {
			n := &Number{ID: numberdesk.NewNumberID(), Tenant: actor.Tenant, E164: e, Origin: p.origin, PortingDate: porting,
				Status: StatusNew, UsageType: routing.UsageVoice, CreatedAt: now, UpdatedAt: now}
			if p.exts != nil {
				n.Base, n.Extension = string(p.base), p.exts[j]
			}
			ev, err := change(EventProvisioned, actor, now, nil, n, EventData{})
			if err != nil {
				return nil, err
			}
			cur.events = append(cur.events, ev)
			if len(ids) > 0 {
				before := n.Clone()
				n.setHolders(append([]numberdesk.StaffID(nil), ids...), now)
				if ev, err = change(EventAssigned, actor, now, before, n, EventData{}); err != nil {
					return nil, err
				}
				cur.events = append(cur.events, ev)
			}
			if p.usage != routing.UsageVoice {
				before := n.Clone()
				n.UsageType = p.usage
				if ev, err = change(EventUsageTypeChanged, actor, now, before, n, EventData{}); err != nil {
					return nil, err
				}
				cur.events = append(cur.events, ev)
			}
			cur.numbers = append(cur.numbers, n)
			if len(cur.numbers) == ImportChunk {
				batches, cur = append(batches, cur), importBatch{}
			}
		}
	}
	if len(cur.numbers) > 0 {
		batches = append(batches, cur)
	}
	return batches, nil
}

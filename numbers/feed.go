package numbers

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// RecordInput is one record as the vendor's PBX reports it.
type RecordInput struct {
	// Number is the tenant's number concerned, in any format.
	Number    string        `json:"number" validate:"required,max=64"`
	Kind      RecordKind    `json:"kind" validate:"required,oneof=call fax voicemail"`
	At        time.Time     `json:"at" validate:"required"`
	Direction Direction     `json:"direction" validate:"omitempty,oneof=in out"`
	Caller    string        `json:"caller" validate:"max=64"` // "" for anonymous
	Callee    string        `json:"callee" validate:"max=64"`
	Duration  time.Duration `json:"duration" validate:"gte=0"`
	Result    Result        `json:"result" validate:"omitempty,oneof=answered missed busy"`
	Pages     int           `json:"pages" validate:"gte=0,lte=10000"`
}

// FeedResult tells what Feed stored.
type FeedResult struct {
	Stored   int   `json:"stored"`
	Unknown  []int `json:"unknown,omitempty"` // indexes of inputs whose number the tenant does not have
	Notified int   `json:"notified"`          // notifications queued
}

// MaxFeed is the most records one Feed call takes.
const MaxFeed = 1000

// Feed stores records from the vendor's PBX (call records, fax journal,
// voicemail) and, in the same transaction, queues a notification
// (staff.EventNotification) for each holder of the number whose preferences
// want it and who is not locked: missed inbound calls, received faxes and
// voicemail. Each record belongs to whoever held the number when it happened
// (Record.At), not when it is fed: the number's holders from their
// HoldersSince on (none once a deactivation has taken effect), before that
// the holders of the holder history (Store.FindHolderPeriods). A single
// holder is the record's Holder; the records of a number with several (a
// shared fax number) belong to the number, not to a member. The
// notifications go to the holders at the record's time too: a late record
// of a call taken before a reassignment reaches the previous holder, not
// the new one. System only.
func (s *Service) Feed(ctx context.Context, actor numberdesk.Actor, in []RecordInput) (_ *FeedResult, err error) {
	const op = "numbers.Feed"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleSystem); err != nil {
		return nil, err
	}
	if len(in) == 0 || len(in) > MaxFeed {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "records", "Bitte übergeben Sie 1 bis %d Einträge.", MaxFeed)
	}
	e164s := make([]string, len(in))
	for i, r := range in {
		prefix := "records[" + strconv.Itoa(i) + "]."
		if err := numberdesk.Validate(op, r); err != nil {
			return nil, withOp(err, op, prefix+numberdesk.ErrorField(err))
		}
		n, err := phone.Parse(r.Number)
		if err != nil {
			return nil, withOp(err, op, prefix+"number")
		}
		e164s[i] = string(n)
	}
	res := &FeedResult{}
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		*res = FeedResult{}
		ns, _, err := s.cfg.Store.FindNumbers(ctx, actor.Tenant, Filter{E164s: dedupe(e164s)})
		if err != nil {
			return err
		}
		byE164 := make(map[string]*Number, len(ns))
		for _, n := range ns {
			byE164[n.E164] = n
		}
		// Who held each number when each record happened: its holders now
		// from their HoldersSince on, the holder history before.
		ats := make([]time.Time, len(in))
		var late []numberdesk.NumberID
		var earliest time.Time
		for i, r := range in {
			ats[i] = r.At.UTC().Truncate(time.Microsecond)
			if n := byE164[e164s[i]]; n != nil && ats[i].Before(n.At(ats[i]).HoldersSince) {
				late = append(late, n.ID)
				if earliest.IsZero() || ats[i].Before(earliest) {
					earliest = ats[i]
				}
			}
		}
		var periods []HolderPeriod
		if len(late) > 0 {
			if periods, err = s.cfg.Store.FindHolderPeriods(ctx, actor.Tenant, HolderPeriodFilter{Numbers: dedupe(late), After: earliest}); err != nil {
				return err
			}
		}
		heldBy := make([][]numberdesk.StaffID, len(in))
		var holders []numberdesk.StaffID
		for i := range in {
			if n := byE164[e164s[i]]; n != nil {
				heldBy[i] = n.HoldersAt(ats[i], periods)
				holders = append(holders, heldBy[i]...)
			}
		}
		staffByID := map[numberdesk.StaffID]*staff.Employee{}
		if len(holders) > 0 {
			es, _, err := s.cfg.Store.FindEmployees(ctx, actor.Tenant, staff.Filter{IDs: dedupe(holders)})
			if err != nil {
				return err
			}
			for _, e := range es {
				staffByID[e.ID] = e
			}
		}
		var records []*Record
		var events []numberdesk.Event
		for i, r := range in {
			n := byE164[e164s[i]]
			if n == nil {
				res.Unknown = append(res.Unknown, i)
				continue
			}
			rec := &Record{ID: numberdesk.EventID(uuid.NewString()), Tenant: actor.Tenant, Number: n.ID, Kind: r.Kind,
				At: ats[i], Direction: r.Direction, Caller: r.Caller, Callee: r.Callee,
				Duration: r.Duration, Result: r.Result, Pages: r.Pages}
			if rec.Direction == "" {
				rec.Direction = Inbound
			}
			if len(heldBy[i]) == 1 {
				rec.Holder = heldBy[i][0]
			}
			records = append(records, rec)
			cat, ok := rec.category()
			if !ok {
				continue
			}
			for _, h := range heldBy[i] {
				e := staffByID[h]
				if e == nil || e.Locked || !e.Preferences.Wants(cat) {
					continue
				}
				ev, err := numberdesk.NewEvent(staff.EventNotification, actor, rec.At, n.ID, staff.Notification{
					Employee: e.ID, To: e.Email, Name: e.Name(), Category: cat, Number: n.Display(),
					Caller: display(rec.Caller), At: rec.At, Pages: rec.Pages, Duration: rec.Duration,
				})
				if err != nil {
					return withOp(err, op, "records["+strconv.Itoa(i)+"]."+numberdesk.ErrorField(err))
				}
				events = append(events, ev)
			}
		}
		if len(records) > 0 {
			if err := s.cfg.Store.CreateRecords(ctx, records...); err != nil {
				return err
			}
		}
		if len(events) > 0 {
			if err := s.cfg.Store.AppendEvents(ctx, events...); err != nil {
				return err
			}
		}
		res.Stored, res.Notified = len(records), len(events)
		return nil
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return res, nil
}

// memberships returns the membership periods of the actor in the shared fax
// numbers among held (the numbers it holds now) that are in ids: its
// periods of the holder history and the current one, adjacent ones joined.
func (s *Service) memberships(ctx context.Context, actor numberdesk.Actor, held []*Number, ids []numberdesk.NumberID) ([]SharedPeriod, error) {
	var shared []numberdesk.NumberID
	since := map[numberdesk.NumberID]time.Time{}
	for _, n := range held {
		if n.UsageType == routing.UsageFaxShared && slices.Contains(ids, n.ID) {
			shared = append(shared, n.ID)
			since[n.ID] = n.HoldersSince
		}
	}
	if len(shared) == 0 {
		return nil, nil
	}
	periods, err := s.cfg.Store.FindHolderPeriods(ctx, actor.Tenant, HolderPeriodFilter{Numbers: shared, Holder: actor.Staff})
	if err != nil {
		return nil, err
	}
	for _, id := range shared {
		periods = append(periods, HolderPeriod{Tenant: actor.Tenant, Number: id, From: since[id]})
	}
	slices.SortStableFunc(periods, func(a, b HolderPeriod) int {
		return cmp.Or(strings.Compare(string(a.Number), string(b.Number)), a.From.Compare(b.From))
	})
	var out []SharedPeriod
	for _, p := range periods {
		if p.Tenant != actor.Tenant || !slices.Contains(shared, p.Number) || (!p.To.IsZero() && !slices.Contains(p.Holders, actor.Staff)) {
			continue
		}
		if k := len(out) - 1; k >= 0 && out[k].Number == p.Number && !out[k].To.IsZero() && !out[k].To.Before(p.From) {
			out[k].To = p.To // joins on
			continue
		}
		out = append(out, SharedPeriod{Number: p.Number, From: p.From, To: p.To})
	}
	return out, nil
}

// category returns the notification category of an inbound record, if it
// is one people are notified about.
func (r *Record) category() (staff.Category, bool) {
	if r.Direction != Inbound {
		return "", false
	}
	switch {
	case r.Kind == RecordCall && (r.Result == ResultMissed || r.Result == ResultBusy):
		return staff.CategoryMissedCall, true
	case r.Kind == RecordFax:
		return staff.CategoryFax, true
	case r.Kind == RecordVoicemail:
		return staff.CategoryVoicemail, true
	}
	return "", false
}

// display formats a caller for people: German format if it parses, else as given.
func display(caller string) string {
	if n, err := phone.Parse(caller); err == nil {
		return n.National()
	}
	return caller
}

// RecordQuery selects records for the "Verbindungen", fax journal and
// voicemail lists.
type RecordQuery struct {
	Number numberdesk.NumberID `json:"number"`
	Kinds  []RecordKind        `json:"kinds" validate:"max=3,dive,oneof=call fax voicemail"`
	From   time.Time           `json:"from"`
	To     time.Time           `json:"to"`
	Offset int                 `json:"offset" validate:"gte=0"`
	Limit  int                 `json:"limit" validate:"gte=0,lte=1000"` // 0: 50
}

// Records returns records newest first. Owner and manager see all of the
// tenant. An employee sees, of the numbers it holds now, the records
// attributed to it (see Feed) and, of each shared fax number it is a member
// of, the number's journal (its fax records without a holder) from its own
// membership periods only: nothing from before it joined or while it was
// not a member, and no call or voicemail records without a holder.
func (s *Service) Records(ctx context.Context, actor numberdesk.Actor, q RecordQuery) ([]*Record, int, error) {
	const op = "numbers.Records"
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee, numberdesk.RoleSystem); err != nil {
		return nil, 0, err
	}
	if err := numberdesk.Validate(op, q); err != nil {
		return nil, 0, err
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	f := RecordFilter{Kinds: q.Kinds, From: q.From, To: q.To, Offset: q.Offset, Limit: q.Limit}
	if q.Number != "" {
		if _, err := s.visible(ctx, op, actor, q.Number); err != nil {
			return nil, 0, err
		}
		f.Numbers = []numberdesk.NumberID{q.Number}
	}
	if actor.Role == numberdesk.RoleEmployee {
		held, _, err := s.cfg.Store.FindNumbers(ctx, actor.Tenant, Filter{Holder: actor.Staff, Now: s.now()})
		if err != nil {
			return nil, 0, numberdesk.Internal(op, err)
		}
		if len(held) == 0 {
			return []*Record{}, 0, nil
		}
		if f.Numbers == nil {
			for _, n := range held {
				f.Numbers = append(f.Numbers, n.ID)
			}
		}
		f.Holder = actor.Staff
		// A shared fax number's journal has no holder (it has several): each
		// member sees its fax records of its own membership periods.
		if f.Shared, err = s.memberships(ctx, actor, held, f.Numbers); err != nil {
			return nil, 0, numberdesk.Internal(op, err)
		}
	}
	rs, total, err := s.cfg.Store.FindRecords(ctx, actor.Tenant, f)
	if err != nil {
		return nil, 0, numberdesk.Internal(op, err)
	}
	return rs, total, nil
}

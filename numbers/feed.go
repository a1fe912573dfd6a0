package numbers

import (
	"context"
	"slices"
	"strconv"
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
// voicemail. Each record is attributed to the number's holder at that time
// (a shared fax number's records belong to the number, not to a member).
// System only.
func (s *Service) Feed(ctx context.Context, actor numberdesk.Actor, in []RecordInput) (*FeedResult, error) {
	const op = "numbers.Feed"
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
	err := s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		*res = FeedResult{}
		ns, _, err := s.cfg.Store.FindNumbers(ctx, actor.Tenant, Filter{E164s: dedupe(e164s)})
		if err != nil {
			return err
		}
		byE164 := make(map[string]*Number, len(ns))
		var holders []numberdesk.StaffID
		for _, n := range ns {
			byE164[n.E164] = n
			holders = append(holders, n.Holders...)
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
				At: r.At.UTC().Truncate(time.Microsecond), Direction: r.Direction, Caller: r.Caller, Callee: r.Callee,
				Duration: r.Duration, Result: r.Result, Pages: r.Pages}
			if rec.Direction == "" {
				rec.Direction = Inbound
			}
			if len(n.Holders) == 1 {
				rec.Holder = n.Holders[0]
			}
			records = append(records, rec)
			cat, ok := rec.category()
			if !ok {
				continue
			}
			for _, h := range n.Holders {
				e := staffByID[h]
				if e == nil || e.Locked || !e.Preferences.Wants(cat) {
					continue
				}
				events = append(events, numberdesk.NewEvent(staff.EventNotification, actor, rec.At, n.ID, staff.Notification{
					Employee: e.ID, To: e.Email, Name: e.Name(), Category: cat, Number: n.Display(),
					Caller: display(rec.Caller), At: rec.At, Pages: rec.Pages, Duration: rec.Duration,
				}))
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
// tenant; an employee only its own records of the numbers it holds, and the
// journal of the shared fax numbers it is a member of (recorded without a
// holder).
func (s *Service) Records(ctx context.Context, actor numberdesk.Actor, q RecordQuery) ([]*Record, int, error) {
	const op = "numbers.Records"
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee, numberdesk.RoleSystem); err != nil {
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
		// member sees it.
		for _, n := range held {
			if n.UsageType == routing.UsageFaxShared && slices.Contains(f.Numbers, n.ID) {
				f.Shared = append(f.Shared, n.ID)
			}
		}
	}
	rs, total, err := s.cfg.Store.FindRecords(ctx, actor.Tenant, f)
	if err != nil {
		return nil, 0, numberdesk.Internal(op, err)
	}
	return rs, total, nil
}

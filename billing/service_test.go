package billing_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// serviceLifecycles is how many lifecycles TestStatementOfService runs on
// the real numbers.Service in a default run (a fifth with -short). A
// lifecycle there costs about five times a hand-made one (quotes, HMACs,
// transactions, actor checks), so there are fewer of them than
// handLifecycles; together they are well above 10,000.
const serviceLifecycles = 2_000

// TestStatementOfService runs generated lifecycles on the real
// numbers.Service (memstore, a fake clock, a random price list and notice
// policy, tenants in several zones) and checks the statements of the
// events the service appended against the model, which learns nothing from
// the events: it follows the commands (the line ID it reads from the
// stored number). Sometimes History's events are added too: they repeat
// the stored ones and end with a deactivation that ApplyDue has not
// stored yet (Seq 0).
func TestStatementOfService(t *testing.T) {
	locs := loadZones(t)
	per := perCheck(serviceLifecycles)
	rapid.Check(t, func(t *rapid.T) {
		for range per {
			w := start(t, locs)
			d := newService(t, w)
			live(t, w, d)
			events := d.events(t)
			p := billing.Policy{Proration: rapid.SampledFrom([]billing.Proration{billing.PerDay, billing.FullMonth}).Draw(t, "proration")}
			at := events[rapid.IntRange(0, len(events)-1).Draw(t, "event")].At.In(w.loc)
			y, m := at.Year(), at.Month()
			if rapid.Bool().Draw(t, "next_month") {
				y, m = at.AddDate(0, 0, 40).Year(), at.AddDate(0, 0, 40).Month()
			}
			s, err := billing.Statement(events, d.tenant, y, m, w.loc, p)
			if err != nil {
				t.Fatalf("%d-%02d: %v", y, m, err)
			}
			w.checkMonth(t, s, y, m, p)
		}
	})
}

// service is the driver of lifecycles on the real numbers.Service.
type service struct {
	w      *world
	st     *memstore.Store
	svc    *numbers.Service
	tenant numberdesk.TenantID
	owner  numberdesk.Actor
	prices *numbers.StaticPriceList
	notice func(now time.Time) time.Time // the model's notice policy
}

// newService sets up a tenant in w's zone with an owner, a service with a
// random price list and notice policy, and w's numbers as one block with
// the same booked options.
func newService(t *rapid.T, w *world) *service {
	ctx := context.Background()
	d := &service{w: w, st: memstore.New(), tenant: numberdesk.NewTenantID()}
	if err := d.st.CreateTenant(ctx, &numberdesk.Tenant{ID: d.tenant, Name: "Muster GmbH", TimeZone: w.loc.String(), CreatedAt: w.now}); err != nil {
		t.Fatalf("tenant: %v", err)
	}
	e := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: d.tenant, FirstName: "Olga", LastName: "Muster", Email: "olga@muster.example",
		Role: numberdesk.RoleOwner, Preferences: staff.DefaultPreferences, CreatedAt: w.now, UpdatedAt: w.now}
	if err := d.st.CreateEmployee(ctx, e); err != nil {
		t.Fatalf("owner: %v", err)
	}
	d.owner = e.Actor()
	d.prices = &numbers.StaticPriceList{
		VATRate:   rapid.SampledFrom([]int{1900, 700, 0}).Draw(t, "vat"),
		NumberFee: numbers.Line{Code: "number", Label: "Rufnummer", Net: numbers.EUR(rapid.Int64Range(1, 5000).Draw(t, "fee"))},
		Options: map[string]numbers.Line{
			"a": {Code: "a", Label: "A", Net: numbers.EUR(rapid.Int64Range(0, 3000).Draw(t, "option_a"))},
			"b": {Code: "b", Label: "B", Net: numbers.EUR(rapid.Int64Range(0, 3000).Draw(t, "option_b"))},
		},
	}
	if rapid.Bool().Draw(t, "one_time") {
		d.prices.OneTime = []numbers.Line{{Code: "setup", Label: "Einrichtung", Net: numbers.EUR(1499)}}
	}
	cfg := numbers.Config{Store: d.st, Clock: func() time.Time { return w.now }, Prices: d.prices, QuoteKey: make([]byte, numbers.MinQuoteKey)}
	switch rapid.IntRange(0, 2).Draw(t, "notice_policy") {
	case 0:
		d.notice = func(now time.Time) time.Time { return numbers.EndOfFollowingMonth.EffectiveAt(now, w.loc) }
	case 1: // the end of the day of the request
		d.notice = func(now time.Time) time.Time {
			y, m, day := now.In(w.loc).Date()
			return numbers.DayStart(y, m, day+1, w.loc)
		}
		cfg.Notice = numbers.NoticeFunc(func(now time.Time, loc *time.Location) time.Time {
			y, m, day := now.In(loc).Date()
			return numbers.DayStart(y, m, day+1, loc)
		})
	case 2:
		h := time.Duration(rapid.IntRange(1, 60).Draw(t, "notice_hours")) * time.Hour
		d.notice = func(now time.Time) time.Time { return now.Add(h) }
		cfg.Notice = numbers.NoticeFunc(func(now time.Time, _ *time.Location) time.Time { return now.Add(h) })
	}
	svc, err := numbers.NewService(cfg)
	if err != nil {
		t.Fatalf("service: %v", err)
	}
	d.svc = svc
	var options []string
	for _, o := range []string{"a", "b"} {
		if rapid.Bool().Draw(t, "option_"+o) {
			options = append(options, o)
		}
	}
	ns, err := svc.Provision(ctx, d.owner, numbers.ProvisionRequest{Number: "0221 123456",
		ExtensionFrom: "10", ExtensionTo: "1" + string(rune('0'+len(w.nums)-1)), Options: options})
	if err != nil || len(ns) != len(w.nums) {
		t.Fatalf("provision: %v", err)
	}
	for i, n := range ns {
		w.nums[i].num = num{id: n.ID, e164: n.E164, display: n.Display()}
		w.nums[i].options = options
	}
	return d
}

func (d *service) activate(t *rapid.T, n *mnum) {
	ctx := context.Background()
	// The price the model expects: the fee and n's options as they are
	// now (a deactivation that took effect took them).
	options := n.options
	if n.status == numbers.StatusDeactivationPending && d.w.statusAt(n) == numbers.StatusInactive {
		options = nil
	}
	monthly := d.prices.NumberFee.Net.Cents
	for _, o := range options {
		monthly += d.prices.Options[o].Net.Cents
	}
	var oneTime int64
	for _, l := range d.prices.OneTime {
		oneTime += l.Net.Cents
	}
	q, err := d.svc.Quote(ctx, d.owner, []numberdesk.NumberID{n.id})
	if err != nil {
		t.Fatalf("quote: %v", err)
	}
	res, err := d.svc.Activate(ctx, d.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	if err != nil || res.Activated() != 1 {
		t.Fatalf("activate: %v %+v", err, res)
	}
	stored, err := d.st.FindNumberByID(ctx, d.tenant, n.id)
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	d.w.activate(n, stored.BillingLine, monthly, oneTime, d.prices.VATRate)
}

func (d *service) deactivate(t *rapid.T, n *mnum) {
	effective := d.notice(d.w.now)
	res, err := d.svc.Deactivate(context.Background(), d.owner, numbers.DeactivateRequest{Number: n.id})
	if err != nil || !res.EffectiveAt.Equal(effective) {
		t.Fatalf("deactivate: %v, effective %v, want %v", err, res, effective)
	}
	d.w.deactivate(n, effective)
}

func (d *service) withdraw(t *rapid.T, n *mnum) {
	if _, err := d.svc.Withdraw(context.Background(), d.owner, numbers.WithdrawRequest{Number: n.id}); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	d.w.withdraw(n)
}

func (d *service) swap(t *rapid.T, old, nw *mnum) {
	if _, err := d.svc.Swap(context.Background(), d.owner, numbers.SwapRequest{Old: old.id, New: nw.id}); err != nil {
		t.Fatalf("swap: %v", err)
	}
	d.w.swap(old, nw)
}

func (d *service) applyDue(t *rapid.T) {
	if _, err := d.svc.ApplyDue(context.Background(), numberdesk.System(d.tenant), d.w.now); err != nil {
		t.Fatalf("apply due: %v", err)
	}
	d.w.applyDue()
}

// events returns the tenant's stored events, and sometimes every number's
// History as well.
func (d *service) events(t *rapid.T) []numberdesk.Event {
	ctx := context.Background()
	events, err := d.svc.Events(ctx, d.owner, numberdesk.EventFilter{})
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	if rapid.Bool().Draw(t, "history") {
		for _, n := range d.w.nums {
			h, err := d.svc.History(ctx, d.owner, n.id)
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			events = append(events, h...)
		}
	}
	return slices.Clip(events)
}

// TestStatementOfServiceUnstoredLapse: a deactivation that has taken
// effect ends the line at its effective instant, whether or not ApplyDue
// has stored it; History's copy of the lapse (Seq 0) changes nothing.
func TestStatementOfServiceUnstoredLapse(t *testing.T) {
	locs := loadZones(t)
	rapid.Check(t, func(t *rapid.T) {
		w := start(t, locs)
		d := newService(t, w)
		d.activate(t, w.nums[0])
		w.now = w.now.Add(time.Hour)
		d.deactivate(t, w.nums[0])
		w.now = w.nums[0].due.AddDate(0, 1, 0) // long after, ApplyDue never ran
		stored, err := d.svc.Events(context.Background(), d.owner, numberdesk.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		history, err := d.svc.History(context.Background(), d.owner, w.nums[0].id)
		if err != nil {
			t.Fatal(err)
		}
		if last := history[len(history)-1]; last.Type != numbers.EventDeactivated || last.Seq != 0 {
			t.Fatalf("History ends with %s (Seq %d)", last.Type, last.Seq)
		}
		due := w.nums[0].due.In(w.loc)
		for _, events := range [][]numberdesk.Event{stored, history, append(slices.Clip(stored), history...)} {
			for _, at := range []time.Time{due.AddDate(0, 0, -1), due, due.AddDate(0, 1, 0)} {
				s, err := billing.Statement(events, d.tenant, at.Year(), at.Month(), w.loc, billing.Policy{})
				if err != nil {
					t.Fatal(err)
				}
				w.checkMonth(t, s, at.Year(), at.Month(), billing.Policy{})
			}
		}
	})
}

package billing_test

import (
	"flag"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
)

// handLifecycles is how many hand-made lifecycles TestStatementProperty
// checks in a default run (a fifth with -short).
const handLifecycles = 10_000

// perCheck spreads target lifecycles over rapid's checks (-rapid.checks,
// default 100): each check runs this many.
func perCheck(target int) int {
	checks := 100
	if f := flag.Lookup("rapid.checks"); f != nil {
		if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
			checks = n
		}
	}
	return max(1, (target+checks-1)/checks)
}

// zones are the tenants' zones of the generated lifecycles: Berlin (the
// default), New York, UTC, Lord Howe (30-minute DST), Santiago (DST
// changes at midnight: a day that begins at 01:00, one with 25 hours),
// Asunción (in 2023 a month that began at 01:00) and Kolkata (no DST, a
// half-hour offset).
var zones = []string{"Europe/Berlin", "Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe", "America/Santiago",
	"America/Asuncion", "Asia/Kolkata"}

func loadZones(t testing.TB) []*time.Location {
	var locs []*time.Location
	for _, z := range zones {
		loc, err := time.LoadLocation(z)
		require.NoError(t, err)
		locs = append(locs, loc)
	}
	return locs
}

// TestStatementProperty generates random lifecycles of a tenant's numbers
// (activate, deactivate with a notice, withdraw, due deactivation stored or
// not, swap; instants at random, on midnights and on effective instants,
// in zones with and without DST, across leap Februaries), builds the events
// numbers.Service would append, and checks the statement of one month per
// lifecycle against the model's day-by-day replay (world.checkMonth). The
// events are shuffled, partly duplicated, mixed with another tenant's and
// with events billing must ignore: the statement must not change.
func TestStatementProperty(t *testing.T) {
	locs := loadZones(t)
	per := perCheck(handLifecycles)
	rapid.Check(t, func(t *rapid.T) {
		for range per {
			w := handLifecycle(t, locs)
			p := billing.Policy{
				Proration: rapid.SampledFrom([]billing.Proration{"", billing.PerDay, billing.FullMonth}).Draw(t, "proration"),
				VATRate:   rapid.SampledFrom([]int{0, 700}).Draw(t, "policy_vat"),
			}
			events := perturb(t, w.feed)
			last := w.now
			for _, n := range w.nums {
				if n.due.After(last) {
					last = n.due
				}
			}
			// One month: that of a random event (activations, swaps,
			// deactivations and their boundaries) or any of the lifecycle.
			at := w.feed.events[rapid.IntRange(0, len(w.feed.events)-1).Draw(t, "event")].At.In(w.loc)
			y, m := at.Year(), at.Month()
			if rapid.Bool().Draw(t, "any_month") {
				all := months(w.lines[0].start, last.AddDate(0, 0, 1), w.loc)
				ym := all[rapid.IntRange(0, len(all)-1).Draw(t, "month")]
				y, m = ym[0], time.Month(ym[1])
			}
			s, err := billing.Statement(events, w.feed.tenant, y, m, w.loc, p)
			if err != nil {
				t.Fatalf("%d-%02d: %v", y, m, err)
			}
			w.checkMonth(t, s, y, m, p)
		}
	})
}

// driver carries out the actions of a generated lifecycle: on the model
// alone, which appends the events by hand (hand), or on the real
// numbers.Service and the model (see service_test.go).
type driver interface {
	activate(t *rapid.T, n *mnum)
	deactivate(t *rapid.T, n *mnum)
	withdraw(t *rapid.T, n *mnum)
	swap(t *rapid.T, old, nw *mnum)
	applyDue(t *rapid.T)
}

// live draws the steps of a lifecycle on w's numbers, each action only
// where the lifecycle allows it at the time: the first activates, so that
// every lifecycle bills something, then up to 12 more; sometimes a last
// due deactivation is stored at the end.
func live(t *rapid.T, w *world, d driver) {
	d.activate(t, w.nums[0])
	for range rapid.IntRange(0, 12).Draw(t, "steps") {
		w.advance(t)
		n := w.nums[rapid.IntRange(0, len(w.nums)-1).Draw(t, "n")]
		switch st := w.statusAt(n); rapid.IntRange(0, 4).Draw(t, "action") {
		case 0:
			if st == numbers.StatusNew || st == numbers.StatusInactive {
				d.activate(t, n)
			}
		case 1:
			if st == numbers.StatusActive {
				d.deactivate(t, n)
			}
		case 2:
			if st == numbers.StatusDeactivationPending {
				d.withdraw(t, n)
			}
		case 3: // swap n for another number
			nw := w.nums[rapid.IntRange(0, len(w.nums)-1).Draw(t, "new")]
			if ns := w.statusAt(nw); (st == numbers.StatusActive || st == numbers.StatusDeactivationPending) &&
				(ns == numbers.StatusNew || ns == numbers.StatusInactive) {
				d.swap(t, n, nw)
			}
		case 4:
			d.applyDue(t)
		}
	}
	if rapid.Bool().Draw(t, "apply_due_at_end") {
		w.advance(t)
		d.applyDue(t)
	}
}

// start draws a zone and a starting instant from 2023 to 2028 (two leap
// Februaries) and returns a world of 1 to 4 new numbers.
func start(t *rapid.T, locs []*time.Location) *world {
	loc := locs[rapid.IntRange(0, len(locs)-1).Draw(t, "zone")]
	at := time.Date(rapid.IntRange(2023, 2028).Draw(t, "year"), time.Month(rapid.IntRange(1, 12).Draw(t, "month")),
		rapid.IntRange(1, 31).Draw(t, "day"), rapid.IntRange(0, 23).Draw(t, "hour"), rapid.IntRange(0, 59).Draw(t, "minute"), 0, 0, loc)
	w := &world{loc: loc, now: at}
	for i := range rapid.IntRange(1, 4).Draw(t, "numbers") {
		w.nums = append(w.nums, &mnum{num: newNum("+4922112345" + strconv.Itoa(10+i)), status: numbers.StatusNew})
	}
	return w
}

// hand is the driver of hand-made lifecycles: random prices (VAT rate
// recorded or not) and notices (the default, same-day, hours, days).
type hand struct{ w *world }

func handLifecycle(t *rapid.T, locs []*time.Location) *world {
	w := start(t, locs)
	w.feed = newFeed()
	live(t, w, hand{w})
	return w
}

func (h hand) activate(t *rapid.T, n *mnum) {
	h.w.activate(n, uuid.NewString(), rapid.Int64Range(0, 10_000).Draw(t, "monthly"),
		rapid.SampledFrom([]int64{0, 0, 1499}).Draw(t, "one_time"), rapid.SampledFrom([]int{1900, 700, 0, -1}).Draw(t, "vat"))
}

func (h hand) deactivate(t *rapid.T, n *mnum) { h.w.deactivate(n, h.w.notice(t)) }
func (h hand) withdraw(_ *rapid.T, n *mnum)   { h.w.withdraw(n) }
func (h hand) swap(_ *rapid.T, old, nw *mnum) { h.w.swap(old, nw) }
func (h hand) applyDue(*rapid.T)              { h.w.applyDue() }

// advance moves the clock: not at all, by minutes, hours or days, to the
// next midnight, or onto a pending deactivation's effective instant.
func (w *world) advance(t *rapid.T) {
	switch rapid.IntRange(0, 5).Draw(t, "advance") {
	case 0:
	case 1:
		w.now = w.now.Add(time.Duration(rapid.IntRange(1, 600).Draw(t, "minutes")) * time.Minute)
	case 2:
		w.now = w.now.Add(time.Duration(rapid.IntRange(1, 72).Draw(t, "hours")) * time.Hour)
	case 3:
		w.now = w.now.AddDate(0, 0, rapid.IntRange(1, 45).Draw(t, "days"))
	case 4:
		y, m, d := w.now.In(w.loc).Date()
		w.now = numbers.DayStart(y, m, d+1, w.loc) // never before now, also where DST skips the midnight
	case 5:
		for _, n := range w.nums {
			if n.status == numbers.StatusDeactivationPending && n.due.After(w.now) {
				w.now = n.due
				break
			}
		}
	}
}

// notice draws when a deactivation requested now takes effect: the
// default (end of the following month), later today at midnight (a same-day
// deactivation), or in some hours or days.
func (w *world) notice(t *rapid.T) time.Time {
	switch rapid.IntRange(0, 3).Draw(t, "notice") {
	case 0:
		return numbers.EndOfFollowingMonth.EffectiveAt(w.now, w.loc)
	case 1:
		y, m, d := w.now.In(w.loc).Date()
		if e := numbers.DayStart(y, m, d+1, w.loc); e.After(w.now) {
			return e
		}
	case 2:
		return w.now.Add(time.Duration(rapid.IntRange(1, 48).Draw(t, "notice_hours")) * time.Hour)
	}
	return w.now.AddDate(0, 0, rapid.IntRange(1, 70).Draw(t, "notice_days"))
}

// perturb returns f's events shuffled, some twice, with another tenant's
// events and with events billing ignores (types it does not read, with
// data it could not read).
func perturb(t *rapid.T, f *feed) []numberdesk.Event {
	events := append([]numberdesk.Event(nil), f.events...)
	for _, i := range rapid.SliceOfN(rapid.IntRange(0, len(f.events)-1), 0, 3).Draw(t, "twice") {
		events = append(events, f.events[i])
	}
	if rapid.Bool().Draw(t, "other_tenant") {
		other := f.events[0]
		other.Tenant, other.ID = numberdesk.NewTenantID(), numberdesk.NewEventID()
		events = append(events, other)
	}
	for _, typ := range []numberdesk.EventType{numbers.EventAssigned, numbers.EventProvisioned, "staff.created", "x.unknown"} {
		if rapid.Bool().Draw(t, "ignored") {
			events = append(events, numberdesk.Event{ID: numberdesk.NewEventID(), Tenant: f.tenant, Type: typ,
				Number: f.events[0].Number, At: f.events[0].At, Data: []byte(`{"billing":"not this"}`)})
		}
	}
	r := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "shuffle"), 1))
	r.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	return events
}

package numbers_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// Deterministic tests for faults that a planted-fault run found no test to
// catch (issue 13, item 3), and for code paths that had no killing test in
// this package.

// adjustablePrices is DefaultPriceList with a monthly number fee that a test
// changes while a quote is out.
type adjustablePrices struct{ fee atomic.Int64 }

func (p *adjustablePrices) Price(ctx context.Context, n *numbers.Number) (numbers.Price, error) {
	l := *numbers.DefaultPriceList
	l.NumberFee.Net = numbers.EUR(p.fee.Load())
	return l.Price(ctx, n)
}

// A price that changes while the quote is still valid voids it: the owner
// consented to the quoted price, not to the new one. Neither the quote's
// expiry nor a write to the number is involved; only the price differs. Back
// at the quoted price the same token activates, and the event records that
// price.
func TestQuotePriceChangeWithinTTLRefusesActivation(t *testing.T) {
	prices := &adjustablePrices{}
	prices.fee.Store(290)
	f := newFixture(t, func(c *numbers.Config) { c.Prices = prices })
	n := f.provision(t, "0221 111111", 0)[0]
	q, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{n.ID})
	require.NoError(t, err)
	require.Equal(t, numbers.EUR(290), q.Monthly.Net)

	for _, fee := range []int64{390, 289, 0} {
		prices.fee.Store(fee)
		f.advance(time.Minute) // well inside the 15 minutes of the quote
		nsBefore, evsBefore := f.snapshot(t)
		_, err = f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
		requireCode(t, err, numberdesk.CodePrecondition, "quote")
		require.Contains(t, numberdesk.ErrorMessage(err), "Preise", "the refusal names the price change")
		nsAfter, evsAfter := f.snapshot(t)
		require.Equal(t, nsBefore, nsAfter, "fee %d: numbers changed", fee)
		require.Equal(t, evsBefore, evsAfter, "fee %d: events appended", fee)
	}

	prices.fee.Store(290)
	res, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	require.Equal(t, 1, res.Activated())
	evs := eventsOf(t, f, numbers.EventActivated)
	require.Len(t, evs, 1)
	var d numbers.EventData
	require.NoError(t, evs[0].Decode(&d))
	require.Equal(t, numbers.EUR(290), d.Price.MonthlyNet(), "the event records the quoted price")
}

// lastEvent returns the newest stored event of typ about id, decoded.
func lastEvent(t *testing.T, f *fixture, id numberdesk.NumberID, typ numberdesk.EventType) (numberdesk.Event, numbers.EventData) {
	t.Helper()
	evs, err := f.store.FindEvents(bg, f.tenant, numberdesk.EventFilter{Number: id, Types: []numberdesk.EventType{typ}})
	require.NoError(t, err)
	require.NotEmpty(t, evs, "no %s event", typ)
	var d numbers.EventData
	require.NoError(t, evs[len(evs)-1].Decode(&d))
	return evs[len(evs)-1], d
}

// ApplyDue that runs long after the effective instant (the cron was down,
// or runs once a day) ends billing at the effective instant, not when it
// runs: the stored event (the billing feed) says so in Event.At and in
// Billing.End, and the line it closes is the one the activation opened;
// with an explicit now before the clock the same holds.
func TestApplyDueEndsBillingAtTheEffectiveInstant(t *testing.T) {
	for _, c := range []struct {
		name string
		late time.Duration // how long after the effective instant ApplyDue runs
		now  func(f *fixture) time.Time
	}{
		{"TenDaysLate", 10 * 24 * time.Hour, func(f *fixture) time.Time { return f.clock() }},
		{"OneMicrosecondLate", time.Microsecond, func(f *fixture) time.Time { return f.clock() }},
		{"ZeroNowIsTheClock", 36 * time.Hour, func(*fixture) time.Time { return time.Time{} }},
		{"ExplicitNowBeforeTheClock", 3 * 24 * time.Hour, func(f *fixture) time.Time { return f.clock().Add(-48 * time.Hour) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			n := f.provision(t, "0221 111111", 0)[0]
			f.activate(t, n)
			_, start := lastEvent(t, f, n.ID, numbers.EventActivated)
			d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: n.ID})
			require.NoError(t, err)
			effective := d.EffectiveAt
			require.True(t, effective.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, f.loc)))
			f.advance(effective.Sub(f.clock()) + c.late)

			done, err := f.svc.ApplyDue(bg, numberdesk.System(f.tenant), c.now(f))
			require.NoError(t, err)
			require.Equal(t, []numberdesk.NumberID{n.ID}, done)

			ev, data := lastEvent(t, f, n.ID, numbers.EventDeactivated)
			require.True(t, ev.At.Equal(effective), "event at %v, want the effective instant %v", ev.At, effective)
			require.NotNil(t, data.Billing)
			require.True(t, data.Billing.End.Equal(effective), "billing ends %v, want the effective instant %v (ApplyDue ran at %v)",
				data.Billing.End, effective, f.clock())
			require.True(t, data.Billing.Start.IsZero())
			require.Equal(t, start.Billing.Line, data.Billing.Line, "the line the activation opened is closed")
			require.Equal(t, numberdesk.RoleSystem, ev.Actor.Role)

			// The billing feed as the service hands it out says the same.
			feed, err := f.svc.Events(bg, f.owner, numberdesk.EventFilter{Number: n.ID, Types: []numberdesk.EventType{numbers.EventDeactivated}})
			require.NoError(t, err)
			require.Len(t, feed, 1)
			var fd numbers.EventData
			require.NoError(t, feed[0].Decode(&fd))
			require.True(t, fd.Billing.End.Equal(effective))

			// The stored number lapsed at the effective instant too.
			got := f.get(t, n.ID)
			require.Equal(t, numbers.StatusInactive, got.Status)
			require.True(t, got.UpdatedAt.Equal(effective), "updated %v, want %v", got.UpdatedAt, effective)
		})
	}
}

// A command on a due number stores its deactivation first, with billing
// ending at the effective instant, not at the command's time.
func TestActivateOfADueNumberEndsTheOldLineAtTheEffectiveInstant(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 111111", 0)[0]
	f.activate(t, n)
	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: n.ID})
	require.NoError(t, err)
	f.advance(d.EffectiveAt.Sub(f.clock()) + 5*24*time.Hour)
	f.activate(t, n)
	ev, data := lastEvent(t, f, n.ID, numbers.EventDeactivated)
	require.True(t, ev.At.Equal(d.EffectiveAt))
	require.True(t, data.Billing.End.Equal(d.EffectiveAt), "billing ends %v, want %v", data.Billing.End, d.EffectiveAt)
	_, again := lastEvent(t, f, n.ID, numbers.EventActivated)
	require.True(t, again.Billing.Start.Equal(f.clock()))
	require.NotEqual(t, data.Billing.Line, again.Billing.Line, "a re-activation opens a new line")
}

// heldBy returns the IDs of the tenant's numbers that e holds as stored.
func heldBy(t *testing.T, f *fixture, e numberdesk.StaffID) []numberdesk.NumberID {
	t.Helper()
	ns, _, err := f.store.FindNumbers(bg, f.tenant, numbers.Filter{Holder: e})
	require.NoError(t, err)
	return ids(ns)
}

// releaseFixture: Anna holds an active number, a new one and is a member of
// a shared fax number with Ben; Ben holds a number of his own. Each number
// has a record of Anna's, Ben's number one of his.
type releaseFixture struct {
	*fixture
	anna, ben                   *staff.Employee
	active, fresh, fax, bensOwn *numbers.Number
}

func newReleaseFixture(t *testing.T) *releaseFixture {
	t.Helper()
	f := &releaseFixture{fixture: newFixture(t)}
	f.anna, f.ben = f.employee(t, "anna"), f.employee(t, "ben")
	ns := f.provision(t, "0221 555555", 4)
	f.active, f.fresh, f.fax, f.bensOwn = ns[0], ns[1], ns[2], ns[3]
	f.activate(t, f.active, f.fax, f.bensOwn)
	f.assign(t, f.active, f.anna, false)
	f.assign(t, f.fresh, f.anna, false)
	f.assign(t, f.bensOwn, f.ben, false)
	_, err := f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: f.fax.ID, UsageType: routing.UsageFaxShared})
	require.NoError(t, err)
	f.addMember(t, f.fax, f.anna)
	f.addMember(t, f.fax, f.ben)
	f.feed(t, f.active, numbers.RecordCall, numbers.ResultMissed)
	f.feed(t, f.fresh, numbers.RecordCall, numbers.ResultAnswered)
	f.feed(t, f.bensOwn, numbers.RecordCall, numbers.ResultAnswered)
	f.advance(time.Hour)
	require.ElementsMatch(t, []numberdesk.NumberID{f.active.ID, f.fresh.ID, f.fax.ID}, heldBy(t, f.fixture, f.anna.ID))
	require.Len(t, f.records(t, f.anna.ID), 2)
	return f
}

// requireReleased checks that Anna holds nothing and everybody else keeps
// what they held.
func (f *releaseFixture) requireReleased(t *testing.T) {
	t.Helper()
	require.Empty(t, heldBy(t, f.fixture, f.anna.ID), "the released employee holds nothing")
	for _, n := range []*numbers.Number{f.active, f.fresh, f.fax, f.bensOwn} {
		require.False(t, f.get(t, n.ID).HeldBy(f.anna.ID), "%s is still held by Anna", n.E164)
		hs, err := f.svc.Holders(bg, f.owner, n.ID)
		require.NoError(t, err)
		for _, h := range hs {
			require.NotEqual(t, f.anna.ID, h.ID)
		}
	}
	require.Equal(t, []numberdesk.StaffID{f.ben.ID}, f.get(t, f.fax.ID).Holders, "Ben stays a member")
	require.Equal(t, []numberdesk.StaffID{f.ben.ID}, f.get(t, f.bensOwn.ID).Holders)
	page, err := f.svc.Overview(bg, f.owner, numbers.Query{Holder: f.anna.ID})
	require.NoError(t, err)
	require.Zero(t, page.Total)
	// Her holding periods end now.
	ps, err := f.store.FindHolderPeriods(bg, f.tenant, numbers.HolderPeriodFilter{Holder: f.anna.ID})
	require.NoError(t, err)
	require.Len(t, ps, 3)
	for _, p := range ps {
		require.True(t, p.To.Equal(f.clock()), "period of %s ends %v", p.Number, p.To)
	}
	require.Len(t, eventsOf(t, f.fixture, numbers.EventUnassigned), 3)
}

// ReleaseHolder (used when an employee is deleted) takes every number the
// employee holds away from it, whatever their state and usage; without
// purge its records stay, with purge they go.
func TestReleaseHolderReleasesEveryNumber(t *testing.T) {
	t.Run("KeepRecords", func(t *testing.T) {
		f := newReleaseFixture(t)
		require.NoError(t, f.svc.ReleaseHolder(bg, f.owner, f.anna.ID, false))
		f.requireReleased(t)
		require.Len(t, f.records(t, f.anna.ID), 2, "without purge her records stay")
		require.Len(t, f.records(t, f.ben.ID), 1)
	})
	t.Run("Purge", func(t *testing.T) {
		f := newReleaseFixture(t)
		require.NoError(t, f.svc.ReleaseHolder(bg, f.owner, f.anna.ID, true))
		f.requireReleased(t)
		require.Empty(t, f.records(t, f.anna.ID), "with purge her records go")
		require.Len(t, f.records(t, f.ben.ID), 1, "Ben's stay")
	})
	t.Run("Manager", func(t *testing.T) {
		f := newReleaseFixture(t)
		mgr := f.member(t, f.tenant, "Mia", numberdesk.RoleManager).Actor()
		require.NoError(t, f.svc.ReleaseHolder(bg, mgr, f.anna.ID, false))
		f.requireReleased(t)
	})
	t.Run("EmployeeMayNot", func(t *testing.T) {
		f := newReleaseFixture(t)
		nsBefore, evsBefore := f.snapshot(t)
		err := f.svc.ReleaseHolder(bg, f.ben.Actor(), f.anna.ID, true)
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
		nsAfter, evsAfter := f.snapshot(t)
		require.Equal(t, nsBefore, nsAfter)
		require.Equal(t, evsBefore, evsAfter)
		require.Len(t, f.records(t, f.anna.ID), 2)
	})
}

// The holder commands of staff.Numbers answer an unknown employee, or
// another tenant's, with not_found on "employee", even when there is nothing
// to do (no numbers to assign, none held), and change nothing; the actor's
// role is refused first.
func TestHolderCommandsRefuseAnUnknownEmployee(t *testing.T) {
	f := newReleaseFixture(t)
	other := f.member(t, f.newTenant(t), "Oskar", numberdesk.RoleEmployee)
	for _, id := range []numberdesk.StaffID{numberdesk.NewStaffID(), other.ID} {
		nsBefore, evsBefore := f.snapshot(t)
		for name, err := range map[string]error{
			"AssignNumbers, none":  f.svc.AssignNumbers(bg, f.owner, id, nil),
			"AssignNumbers, some":  f.svc.AssignNumbers(bg, f.owner, id, []numberdesk.NumberID{f.active.ID}),
			"ReleaseHolder":        f.svc.ReleaseHolder(bg, f.owner, id, false),
			"ReleaseHolder, purge": f.svc.ReleaseHolder(bg, f.owner, id, true),
		} {
			require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err), name)
			require.Equal(t, "employee", numberdesk.ErrorField(err), name)
		}
		nsAfter, evsAfter := f.snapshot(t)
		require.Equal(t, nsBefore, nsAfter)
		require.Equal(t, evsBefore, evsAfter)
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(f.svc.ReleaseHolder(bg, f.ben.Actor(), id, false)))
	}
}

// Deleting an employee through staff.Service, wired to the number service
// as in production, leaves the deleted employee holding nothing: its numbers
// are unassigned, not left with a holder that no longer exists.
func TestStaffDeleteReleasesTheEmployeesNumbers(t *testing.T) {
	for _, purge := range []bool{false, true} {
		t.Run(map[bool]string{false: "KeepRecords", true: "Purge"}[purge], func(t *testing.T) {
			f := newReleaseFixture(t)
			ss := staff.NewService(staff.Config{Store: f.store, Numbers: f.svc, Clock: f.clock})
			require.NoError(t, ss.Delete(bg, f.owner, f.anna.ID, purge))
			_, err := f.store.FindEmployeeByID(bg, f.tenant, f.anna.ID)
			require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
			f.requireReleased(t)
			if purge {
				require.Empty(t, f.records(t, f.anna.ID))
			} else {
				require.Len(t, f.records(t, f.anna.ID), 2)
			}
			// Her former numbers can go to someone else at once.
			cleo := f.employee(t, "cleo")
			res := f.assign(t, f.active, cleo, false)
			require.Empty(t, res.Previous, "nobody held it any more")
		})
	}
}

// Withdraw applies to a pending deactivation only: a new, an active and an
// inactive number (stored inactive by ApplyDue, swapped out, or due but not
// stored yet) are refused with CodePrecondition on Field "number" and
// nothing changes; the pending one is withdrawn.
func TestWithdrawOnlyFromPending(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 777777", 5)
	fresh, active, lapsed, swappedOut, pending := ns[0], ns[1], ns[2], ns[3], ns[4]
	f.activate(t, active, lapsed, swappedOut, pending)
	spare := f.provision(t, "0221 888888", 0)[0]
	_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: lapsed.ID})
	require.NoError(t, err)
	_, err = f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: swappedOut.ID, New: spare.ID})
	require.NoError(t, err)
	// Past the effective instant of "lapsed"; ApplyDue stores it inactive.
	f.advance(60 * 24 * time.Hour)
	done, err := f.svc.ApplyDue(bg, numberdesk.System(f.tenant), f.clock())
	require.NoError(t, err)
	require.Equal(t, []numberdesk.NumberID{lapsed.ID}, done)
	// "pending" becomes due without ApplyDue: stored pending, inactive by time.
	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: pending.ID})
	require.NoError(t, err)
	f.advance(d.EffectiveAt.Sub(f.clock()) + time.Second)
	require.Equal(t, numbers.StatusDeactivationPending, f.get(t, pending.ID).Status, "stored as pending")

	for _, c := range []struct {
		name   string
		n      *numbers.Number
		status numbers.Status // as stored
	}{
		{"New", fresh, numbers.StatusNew},
		{"Active", active, numbers.StatusActive},
		{"InactiveByApplyDue", lapsed, numbers.StatusInactive},
		{"InactiveBySwap", swappedOut, numbers.StatusInactive},
		{"DueNotStored", pending, numbers.StatusDeactivationPending},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.status, f.get(t, c.n.ID).Status)
			nsBefore, evsBefore := f.snapshot(t)
			for _, key := range []string{"", "withdraw-" + c.name} {
				_, err := f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: c.n.ID, IdempotencyKey: key})
				requireCode(t, err, numberdesk.CodePrecondition, "number")
			}
			nsAfter, evsAfter := f.snapshot(t)
			require.Equal(t, nsBefore, nsAfter, "numbers changed")
			require.Equal(t, evsBefore, evsAfter, "events appended")
		})
	}

	// The one state Withdraw applies to.
	other := f.provision(t, "0221 999999", 0)[0]
	f.activate(t, other)
	_, err = f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: other.ID})
	require.NoError(t, err)
	w, err := f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: other.ID})
	require.NoError(t, err)
	require.Equal(t, numbers.StatusActive, w.Status)
}

// Holders answers the assignment dialog's "who uses this number now": the
// stored employees holding it, none for an unassigned number or one whose
// deactivation took effect; owner and manager only; another tenant's number
// is not found.
func TestHolders(t *testing.T) {
	f := newFixture(t)
	anna, ben := f.employee(t, "anna"), f.employee(t, "ben")
	mgr := f.member(t, f.tenant, "Mia", numberdesk.RoleManager).Actor()
	ns := f.provision(t, "0221 444444", 3)
	voice, fax, fresh := ns[0], ns[1], ns[2]
	f.activate(t, voice, fax)

	holders := func(a numberdesk.Actor, n *numbers.Number) []numberdesk.StaffID {
		t.Helper()
		es, err := f.svc.Holders(bg, a, n.ID)
		require.NoError(t, err)
		out := []numberdesk.StaffID{}
		for _, e := range es {
			stored, err := f.store.FindEmployeeByID(bg, f.tenant, e.ID)
			require.NoError(t, err)
			require.Equal(t, stored, e, "Holders returns the stored employee")
			out = append(out, e.ID)
		}
		return out
	}
	require.Empty(t, holders(f.owner, voice), "unassigned")
	require.Empty(t, holders(f.owner, fresh))

	f.assign(t, voice, anna, false)
	f.assign(t, fresh, ben, false)
	require.Equal(t, []numberdesk.StaffID{anna.ID}, holders(f.owner, voice))
	require.Equal(t, []numberdesk.StaffID{anna.ID}, holders(mgr, voice))
	require.Equal(t, []numberdesk.StaffID{ben.ID}, holders(f.owner, fresh), "a new number may have a holder")

	_, err := f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: fax.ID, UsageType: routing.UsageFaxShared})
	require.NoError(t, err)
	f.addMember(t, fax, anna)
	f.addMember(t, fax, ben)
	require.ElementsMatch(t, []numberdesk.StaffID{anna.ID, ben.ID}, holders(f.owner, fax), "every member of a shared fax number")

	// Reassigned: the new holder only.
	f.assign(t, voice, ben, false)
	require.Equal(t, []numberdesk.StaffID{ben.ID}, holders(f.owner, voice))

	// An employee may not ask; another tenant's owner gets not found.
	_, err = f.svc.Holders(bg, anna.Actor(), voice.ID)
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
	tenantB := f.newTenant(t)
	ownerB := f.member(t, tenantB, "Bernd", numberdesk.RoleOwner).Actor()
	_, err = f.svc.Holders(bg, ownerB, voice.ID)
	requireCode(t, err, numberdesk.CodeNotFound, "number")

	// Once the deactivation takes effect, nobody (ApplyDue or not).
	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: voice.ID})
	require.NoError(t, err)
	require.Equal(t, []numberdesk.StaffID{ben.ID}, holders(f.owner, voice), "pending: still held")
	f.advance(d.EffectiveAt.Sub(f.clock()))
	require.Empty(t, holders(f.owner, voice))
}

// Unassign with purge deletes exactly the employee's records of that number
// (not of its other numbers, not other people's, not records without a
// holder) and reports how many; without purge they all stay.
func TestUnassignWithAndWithoutPurge(t *testing.T) {
	f := newFixture(t)
	anna, ben := f.employee(t, "anna"), f.employee(t, "ben")
	ns := f.provision(t, "0221 333333", 2)
	a, b := ns[0], ns[1]
	f.activate(t, a, b)
	unheld := f.feedAt(t, a, numbers.RecordCall, numbers.ResultMissed, f.clock())
	f.advance(time.Minute)
	f.assign(t, a, ben, false)
	bens := f.feedAt(t, a, numbers.RecordCall, numbers.ResultAnswered, f.clock())
	f.advance(time.Minute)
	f.assign(t, a, anna, false)
	f.assign(t, b, anna, false)
	annasOnA := []*numbers.Record{
		f.feedAt(t, a, numbers.RecordCall, numbers.ResultAnswered, f.clock()),
		f.feedAt(t, a, numbers.RecordVoicemail, "", f.clock().Add(time.Second)),
	}
	annasOnB := f.feedAt(t, b, numbers.RecordCall, numbers.ResultAnswered, f.clock())
	require.Equal(t, anna.ID, annasOnA[0].Holder)
	f.advance(time.Minute)

	res, err := f.svc.Unassign(bg, f.owner, a.ID, anna.ID, true)
	require.NoError(t, err)
	require.Equal(t, 2, res.Purged)
	require.Equal(t, []numberdesk.StaffID{anna.ID}, res.Previous)
	require.Empty(t, res.Number.Holders)
	require.Empty(t, f.get(t, a.ID).Holders)
	require.Equal(t, []numberdesk.EventID{annasOnB.ID}, recordIDs(f.records(t, anna.ID)), "her records of the other number stay")
	require.Equal(t, []numberdesk.EventID{bens.ID}, recordIDs(f.records(t, ben.ID)), "the previous holder's stay")
	rs, _, err := f.store.FindRecords(bg, f.tenant, numbers.RecordFilter{Numbers: []numberdesk.NumberID{a.ID}})
	require.NoError(t, err)
	require.ElementsMatch(t, []numberdesk.EventID{unheld.ID, bens.ID}, recordIDs(rs))
	ev, d := lastEvent(t, f, a.ID, numbers.EventUnassigned)
	require.Equal(t, 2, d.Purged)
	require.Equal(t, []numberdesk.StaffID{anna.ID}, d.Before.Holders)
	require.Empty(t, d.After.Holders)
	require.True(t, ev.At.Equal(f.clock()))

	// Without purge: the holder goes, the records stay.
	res, err = f.svc.Unassign(bg, f.owner, b.ID, anna.ID, false)
	require.NoError(t, err)
	require.Zero(t, res.Purged)
	require.Empty(t, f.get(t, b.ID).Holders)
	require.Equal(t, []numberdesk.EventID{annasOnB.ID}, recordIDs(f.records(t, anna.ID)))
	_, d = lastEvent(t, f, b.ID, numbers.EventUnassigned)
	require.Zero(t, d.Purged)

	// Not (any more) the holder: refused, nothing purged.
	nsBefore, evsBefore := f.snapshot(t)
	_, err = f.svc.Unassign(bg, f.owner, b.ID, anna.ID, true)
	requireCode(t, err, numberdesk.CodePrecondition, "employee")
	require.Len(t, f.records(t, anna.ID), 1)
	nsAfter, evsAfter := f.snapshot(t)
	require.Equal(t, nsBefore, nsAfter)
	require.Equal(t, evsBefore, evsAfter)
}

// conflictingStore makes the next UpdateNumbers calls fail with
// CodeConflict, as when a concurrent writer won the row, and counts them.
type conflictingStore struct {
	numbers.Store
	mu        sync.Mutex
	conflicts int // UpdateNumbers calls still to fail
	calls     int
}

func (s *conflictingStore) fail(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conflicts, s.calls = n, 0
}

func (s *conflictingStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *conflictingStore) UpdateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	s.mu.Lock()
	s.calls++
	fail := s.conflicts > 0
	if fail {
		s.conflicts--
	}
	s.mu.Unlock()
	if fail {
		return numberdesk.E(numberdesk.CodeConflict, "test.UpdateNumbers", "version", "Die Daten wurden inzwischen geändert.")
	}
	return s.Store.UpdateNumbers(ctx, ns...)
}

// A command with an idempotency key that loses a race (CodeConflict) runs
// again in a new transaction, up to three more times, and then has exactly
// one effect and stores its result; without a key the conflict goes to the
// caller at once and nothing changes. ApplyDue retries its conflicts too.
func TestIdempotentRetriesConflicts(t *testing.T) {
	cs := &conflictingStore{}
	f := newFixture(t, func(c *numbers.Config) { cs.Store = c.Store; c.Store = cs })
	ns := f.provision(t, "0221 666666", 3)
	f.activate(t, ns...)
	deactivations := func() int { return len(eventsOf(t, f, numbers.EventDeactivationRequested)) }

	t.Run("WithoutKeyNoRetry", func(t *testing.T) {
		cs.fail(1)
		nsBefore, evsBefore := f.snapshot(t)
		_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[0].ID})
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, 1, cs.count())
		nsAfter, evsAfter := f.snapshot(t)
		require.Equal(t, nsBefore, nsAfter)
		require.Equal(t, evsBefore, evsAfter)
	})
	t.Run("WithKeyRetried", func(t *testing.T) {
		for _, conflicts := range []int{1, 3} {
			id := ns[conflicts/2].ID // ns[0], then ns[1]
			cs.fail(conflicts)
			before := deactivations()
			req := numbers.DeactivateRequest{Number: id, IdempotencyKey: "deactivate-" + string(id)}
			d, err := f.svc.Deactivate(bg, f.owner, req)
			require.NoError(t, err, "%d conflicts", conflicts)
			require.True(t, d.Changed)
			require.Equal(t, conflicts+1, cs.count(), "one run per conflict, then the successful one")
			require.Equal(t, before+1, deactivations(), "exactly one effect")
			require.Equal(t, numbers.StatusDeactivationPending, f.get(t, id).Status)
			// The result was stored: a retry replays it without a write.
			cs.fail(0)
			again, err := f.svc.Deactivate(bg, f.owner, req)
			require.NoError(t, err)
			require.Equal(t, d, again)
			require.Zero(t, cs.count())
		}
	})
	t.Run("WithKeyGivesUpAfterFourRuns", func(t *testing.T) {
		cs.fail(100)
		nsBefore, evsBefore := f.snapshot(t)
		_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[2].ID, IdempotencyKey: "hopeless"})
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, 4, cs.count())
		nsAfter, evsAfter := f.snapshot(t)
		require.Equal(t, nsBefore, nsAfter)
		require.Equal(t, evsBefore, evsAfter)
		rec, err := f.store.FindIdempotencyRecord(bg, f.tenant, "hopeless")
		require.Nil(t, rec, "a failure is not remembered")
		require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
		cs.fail(0)
	})
	t.Run("ApplyDue", func(t *testing.T) {
		f.advance(80 * 24 * time.Hour)
		// Another node wins every time: ApplyDue reads again ten times,
		// then gives up with the conflict, having changed nothing.
		cs.fail(100)
		nsBefore, evsBefore := f.snapshot(t)
		_, err := f.svc.ApplyDue(bg, numberdesk.System(f.tenant), f.clock())
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, 11, cs.count())
		nsAfter, evsAfter := f.snapshot(t)
		require.Equal(t, nsBefore, nsAfter)
		require.Equal(t, evsBefore, evsAfter)
		cs.fail(2)
		done, err := f.svc.ApplyDue(bg, numberdesk.System(f.tenant), f.clock())
		require.NoError(t, err)
		require.ElementsMatch(t, []numberdesk.NumberID{ns[0].ID, ns[1].ID}, done)
		require.Len(t, eventsOf(t, f, numbers.EventDeactivated), 2)
	})
}

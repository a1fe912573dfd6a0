package numbers_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// dueFixture has a number whose deactivation has taken effect an hour ago
// without ApplyDue having run: due (was active, held by holder, with a
// routing plan and an option), plus another active number and a spare new
// one.
type dueFixture struct {
	*fixture
	due, other, spare *numbers.Number
	holder            *staff.Employee
	effective         time.Time
	line              string // due's billing line
}

func newDueFixture(t *testing.T) *dueFixture {
	t.Helper()
	f := &dueFixture{fixture: newFixture(t)}
	f.due = f.provision(t, "0221 111111", 0, func(r *numbers.ProvisionRequest) { r.Options = []string{"festnetz_flat"} })[0]
	f.other = f.provision(t, "0221 222222", 0)[0]
	f.spare = f.provision(t, "0221 333333", 0)[0]
	f.activate(t, f.due, f.other)
	f.holder = f.employee(t, "Hans")
	_, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: f.due.ID, Employee: f.holder.ID})
	require.NoError(t, err)
	f.saveRouting(t, f.due, officePlan(), 0)
	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: f.due.ID})
	require.NoError(t, err)
	f.effective = d.EffectiveAt
	f.line = f.get(t, f.due.ID).BillingLine
	f.advance(f.effective.Sub(f.clock()) + time.Hour)
	require.Equal(t, numbers.StatusDeactivationPending, f.get(t, f.due.ID).Status, "stored: ApplyDue has not run")
	return f
}

func (f *dueFixture) holderActor() numberdesk.Actor {
	return f.holder.Actor()
}

// requireInactive checks that n reads as an inactive number: not billed,
// no deactivation date, settings wiped.
func requireInactive(t *testing.T, n *numbers.Number) {
	t.Helper()
	require.Equal(t, numbers.StatusInactive, n.Status)
	require.Equal(t, "inaktiv", n.StatusLabel())
	require.Empty(t, n.BillingLine)
	require.True(t, n.BilledSince.IsZero())
	require.True(t, n.DeactivationAt.IsZero())
	require.Empty(t, n.Holders)
	require.Empty(t, n.Options)
	require.Equal(t, routing.UsageVoice, n.UsageType)
}

// Once its effective instant has passed, a pending number is inactive for
// every read, whether or not ApplyDue has run.
func TestDueNumberReadsAsInactive(t *testing.T) {
	f := newDueFixture(t)

	n, err := f.svc.Number(bg, f.owner, f.due.ID)
	require.NoError(t, err)
	requireInactive(t, n)

	_, err = f.svc.Number(bg, f.holderActor(), f.due.ID)
	requireCode(t, err, numberdesk.CodeNotFound, "number")

	ids := func(q numbers.Query) []numberdesk.NumberID {
		t.Helper()
		p, err := f.svc.Overview(bg, f.owner, q)
		require.NoError(t, err)
		var out []numberdesk.NumberID
		for _, n := range p.Numbers {
			if n.ID == f.due.ID {
				requireInactive(t, n)
			}
			if len(q.Statuses) > 0 {
				require.Contains(t, q.Statuses, n.Status, "the status filter agrees with the status shown")
			}
			out = append(out, n.ID)
		}
		require.Equal(t, len(out), p.Total)
		return out
	}
	st := func(s ...numbers.Status) numbers.Query { return numbers.Query{Statuses: s} }
	require.Contains(t, ids(numbers.Query{}), f.due.ID)
	require.Contains(t, ids(st(numbers.StatusInactive)), f.due.ID)
	require.Contains(t, ids(st(numbers.StatusNew, numbers.StatusInactive)), f.due.ID)
	require.NotContains(t, ids(st(numbers.StatusDeactivationPending)), f.due.ID)
	require.NotContains(t, ids(st(numbers.StatusActive, numbers.StatusDeactivationPending)), f.due.ID)
	require.Contains(t, ids(numbers.Query{Unassigned: true}), f.due.ID)
	require.NotContains(t, ids(numbers.Query{Holder: f.holder.ID}), f.due.ID)
	require.Contains(t, ids(numbers.Query{UsageTypes: []routing.UsageType{routing.UsageVoice}}), f.due.ID)
	// With another number pending (its date months ahead): sorted by
	// status, the due number sorts with the inactive ones, last; sorted by
	// cancellation date, it has none, so it comes after the pending one.
	_, err = f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: f.other.ID})
	require.NoError(t, err)
	require.Equal(t, []numberdesk.NumberID{f.spare.ID, f.other.ID, f.due.ID}, ids(numbers.Query{Sort: numbers.SortStatus}))
	require.Equal(t, []numberdesk.NumberID{f.due.ID, f.other.ID, f.spare.ID}, ids(numbers.Query{Sort: numbers.SortStatus, Desc: true}))
	require.Equal(t, []numberdesk.NumberID{f.other.ID, f.due.ID, f.spare.ID}, ids(numbers.Query{Sort: numbers.SortDeactivationAt}))
	require.Equal(t, []numberdesk.NumberID{f.other.ID, f.spare.ID, f.due.ID}, ids(numbers.Query{Sort: numbers.SortDeactivationAt, Desc: true}))
	p, err := f.svc.Overview(bg, f.holderActor(), numbers.Query{})
	require.NoError(t, err)
	require.Zero(t, p.Total, "the former holder no longer sees it")

	// The history ends with the deactivation at the effective instant, by
	// the system, closing the billing line there.
	evs, err := f.svc.History(bg, f.owner, f.due.ID)
	require.NoError(t, err)
	last := evs[len(evs)-1]
	require.Equal(t, numbers.EventDeactivated, last.Type)
	require.True(t, last.At.Equal(f.effective))
	require.Equal(t, numberdesk.System(f.tenant), last.Actor)
	var d numbers.EventData
	require.NoError(t, last.Decode(&d))
	require.Equal(t, numbers.StatusDeactivationPending, d.Before.Status)
	require.Equal(t, numbers.StatusInactive, d.After.Status)
	require.Equal(t, &numbers.Billing{Line: f.line, End: f.effective}, d.Billing)

	// Its routing is the default plan again.
	rs, err := f.svc.Routing(bg, f.owner, f.due.ID)
	require.NoError(t, err)
	require.Equal(t, routing.DefaultPlan(), rs.Plan)
	require.Zero(t, rs.Version)
	h, err := f.svc.Holders(bg, f.owner, f.due.ID)
	require.NoError(t, err)
	require.Empty(t, h)

	// ApplyDue then stores what was already true: the same event (same ID),
	// billing ending at the effective instant, not when the job ran.
	done, err := f.svc.ApplyDue(bg, numberdesk.System(f.tenant), f.clock())
	require.NoError(t, err)
	require.Equal(t, []numberdesk.NumberID{f.due.ID}, done)
	stored := eventsOf(t, f.fixture, numbers.EventDeactivated)
	require.Len(t, stored, 1)
	require.Equal(t, last.ID, stored[0].ID)
	require.True(t, stored[0].At.Equal(f.effective))
	require.JSONEq(t, string(last.Data), string(stored[0].Data))
	after, err := f.svc.History(bg, f.owner, f.due.ID)
	require.NoError(t, err)
	require.Len(t, after, len(evs))
	requireInactive(t, f.get(t, f.due.ID))
	_, err = f.store.FindSettings(bg, f.tenant, f.due.ID)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err), "the routing settings are wiped")
}

// Once its effective instant has passed, a pending number is inactive for
// every command: the commands an inactive number refuses are refused with the
// same Code and Field, and change nothing.
func TestDueNumberRefusesWhatInactiveRefuses(t *testing.T) {
	f := newDueFixture(t)
	e := f.employee(t, "Emil")
	for _, c := range []struct {
		name  string
		call  func() error
		code  numberdesk.Code
		field string
	}{
		{"Withdraw", func() error {
			_, err := f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: f.due.ID})
			return err
		}, numberdesk.CodePrecondition, "number"},
		{"Deactivate", deactivate(f.fixture, f.owner, f.due.ID), numberdesk.CodePrecondition, "number"},
		{"PreviewDeactivation", func() error { _, err := f.svc.PreviewDeactivation(bg, f.owner, f.due.ID); return err }, numberdesk.CodePrecondition, "number"},
		{"SwapOut", swap(f.fixture, f.owner, f.due.ID, f.spare.ID), numberdesk.CodePrecondition, "old"},
		{"RouteCall", func() error {
			_, err := f.svc.RouteCall(bg, f.owner, f.due.ID, routing.Call{From: "+4930123456"}, time.Time{}, nil)
			return err
		}, numberdesk.CodePrecondition, "number"},
		{"Assign", func() error {
			_, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: f.due.ID, Employee: e.ID})
			return err
		}, numberdesk.CodePrecondition, "number"},
		{"Unassign", func() error { _, err := f.svc.Unassign(bg, f.owner, f.due.ID, f.holder.ID, false); return err }, numberdesk.CodePrecondition, "employee"},
		{"SetUsageType", func() error {
			_, err := f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: f.due.ID, UsageType: routing.UsageConference})
			return err
		}, numberdesk.CodePrecondition, "number"},
		{"SaveRouting", func() error {
			_, err := f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: f.due.ID, Plan: officePlan(), Version: 1})
			return err
		}, numberdesk.CodePrecondition, "number"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := f.routingState(t)
			requireErr(t, c.call(), c.code, c.field)
			require.Equal(t, before, f.routingState(t))
		})
	}
}

// Once its effective instant has passed, a pending number can be quoted,
// activated and swapped in like an inactive one. The command first stores
// the deactivation (billing of its old line ends at the effective instant,
// by the system), then its own change.
func TestDueNumberIsActivatableLikeInactive(t *testing.T) {
	t.Run("QuoteAndActivate", func(t *testing.T) {
		f := newDueFixture(t)
		q, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{f.due.ID})
		require.NoError(t, err)
		require.Len(t, q.Lines[0].Price.Monthly, 1, "its options were wiped: the number's fee only")
		res, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
		require.NoError(t, err)
		require.Equal(t, 1, res.Activated())
		n := f.get(t, f.due.ID)
		require.Equal(t, numbers.StatusActive, n.Status)
		require.NotEqual(t, f.line, n.BillingLine, "a new billing line")
		require.Empty(t, n.Holders)
		require.Empty(t, n.Options)
		f.requireLapsedThen(t, numbers.EventActivated)
	})
	t.Run("SwapIn", func(t *testing.T) {
		f := newDueFixture(t)
		otherLine := f.get(t, f.other.ID).BillingLine
		res, err := f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: f.other.ID, New: f.due.ID})
		require.NoError(t, err)
		require.Equal(t, numbers.StatusActive, res.New.Status)
		require.Equal(t, otherLine, res.New.BillingLine, "it takes over the old number's line")
		require.True(t, res.New.DeactivationAt.IsZero())
		f.requireLapsedThen(t, numbers.EventSwappedIn)
	})
}

// requireLapsedThen checks the due number's last two events: the
// deactivation at the effective instant, then typ now.
func (f *dueFixture) requireLapsedThen(t *testing.T, typ numberdesk.EventType) {
	t.Helper()
	evs, err := f.store.FindEvents(bg, f.tenant, numberdesk.EventFilter{Number: f.due.ID})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(evs), 2)
	lapse, next := evs[len(evs)-2], evs[len(evs)-1]
	require.Equal(t, numbers.EventDeactivated, lapse.Type)
	require.True(t, lapse.At.Equal(f.effective))
	require.Equal(t, numberdesk.RoleSystem, lapse.Actor.Role)
	var d numbers.EventData
	require.NoError(t, lapse.Decode(&d))
	require.Equal(t, &numbers.Billing{Line: f.line, End: f.effective}, d.Billing)
	require.Equal(t, typ, next.Type)
	require.True(t, next.At.Equal(f.clock()))
	_, err = f.store.FindSettings(bg, f.tenant, f.due.ID)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err), "the routing settings are wiped")
	require.Len(t, eventsOf(t, f.fixture, numbers.EventDeactivated), 1, "deactivated once")
	done, err := f.svc.ApplyDue(bg, numberdesk.System(f.tenant), f.clock())
	require.NoError(t, err)
	require.Empty(t, done, "nothing left for ApplyDue")
}

// ApplyDue refuses a now later than the Service's clock plus
// Config.MaxClockSkew (CodeInvalid, Field "now"): a node with a wrong clock
// or a bad cron argument cannot end billing early. A zero now is the
// Service's clock.
func TestApplyDueRefusesAFutureNow(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 111111", 0)[0]
	f.activate(t, n)
	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: n.ID})
	require.NoError(t, err)
	sys := numberdesk.System(f.tenant)
	for _, at := range []time.Time{d.EffectiveAt, f.clock().Add(numbers.DefaultMaxClockSkew + time.Microsecond)} {
		nsBefore, evsBefore := f.snapshot(t)
		_, err = f.svc.ApplyDue(bg, sys, at)
		requireCode(t, err, numberdesk.CodeInvalid, "now")
		require.NotEmpty(t, numberdesk.ErrorMessage(err))
		nsAfter, evsAfter := f.snapshot(t)
		require.Equal(t, nsBefore, nsAfter)
		require.Equal(t, evsBefore, evsAfter)
	}
	done, err := f.svc.ApplyDue(bg, sys, f.clock().Add(numbers.DefaultMaxClockSkew))
	require.NoError(t, err, "within the skew")
	require.Empty(t, done)

	// A zero now is the clock's: nothing is due yet, and nothing else is touched.
	done, err = f.svc.ApplyDue(bg, sys, time.Time{})
	require.NoError(t, err)
	require.Empty(t, done)
	require.Equal(t, numbers.StatusDeactivationPending, f.get(t, n.ID).Status)
	f.advance(d.EffectiveAt.Sub(f.clock()))
	done, err = f.svc.ApplyDue(bg, sys, time.Time{})
	require.NoError(t, err)
	require.Equal(t, []numberdesk.NumberID{n.ID}, done)

	// The skew is configurable.
	g := newFixture(t, func(c *numbers.Config) { c.MaxClockSkew = time.Hour })
	_, err = g.svc.ApplyDue(bg, numberdesk.System(g.tenant), g.clock().Add(time.Hour))
	require.NoError(t, err)
	_, err = g.svc.ApplyDue(bg, numberdesk.System(g.tenant), g.clock().Add(time.Hour+time.Microsecond))
	requireCode(t, err, numberdesk.CodeInvalid, "now")
	_, err = numbers.NewService(numbers.Config{Store: g.store, MaxClockSkew: -time.Second})
	requireCode(t, err, numberdesk.CodeInvalid, "MaxClockSkew")
}

// Number.StatusAt and Number.At are the one rule every path asks.
func TestNumberAt(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	n := &numbers.Number{Status: numbers.StatusDeactivationPending, DeactivationAt: at, BillingLine: "l",
		BilledSince: at.AddDate(0, -2, 0), Holders: []numberdesk.StaffID{"h"}, Options: []string{"o"},
		UsageType: routing.UsageFaxPersonal, UpdatedAt: at.AddDate(0, -1, 0), Version: 4}
	orig := n.Clone()
	require.Equal(t, numbers.StatusDeactivationPending, n.StatusAt(at.Add(-time.Nanosecond)))
	require.Same(t, n, n.At(at.Add(-time.Nanosecond)), "before the instant: unchanged")
	require.Equal(t, numbers.StatusInactive, n.StatusAt(at), "the instant itself is the first inactive one")
	got := n.At(at)
	require.Equal(t, orig, n, "At does not modify n")
	require.Equal(t, &numbers.Number{Status: numbers.StatusInactive, UsageType: routing.UsageVoice, UpdatedAt: at, Version: 4,
		HoldersSince: at}, got, "its holders lost it at the instant")
	for _, s := range slices.DeleteFunc(slices.Clone(numbers.Statuses), func(s numbers.Status) bool { return s == numbers.StatusDeactivationPending }) {
		m := &numbers.Number{Status: s, DeactivationAt: at}
		require.Equal(t, s, m.StatusAt(at.AddDate(1, 0, 0)), "only a pending number changes with time")
	}
}

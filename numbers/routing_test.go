package numbers_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// officePlan rings the desk phone Mo–Fr 08:00–18:00; outside, the base rule
// (the standard mailbox) takes the call.
func officePlan() routing.Plan {
	return routing.Plan{
		Rules: []routing.Rule{{
			ID: "office", Name: "Bürozeiten", Priority: 1, Enabled: true,
			Condition: routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)}),
			Targets:   []routing.Target{{Kind: routing.TargetDevice, Ref: "desk", RingSeconds: 20}},
		}},
		Base: routing.BaseRule{Kind: routing.BaseMailbox},
	}
}

// routingState is everything a routing command may change: numbers, events,
// the numbers' settings and the block list.
type routingState struct {
	numbers   []*numbers.Number
	events    []numberdesk.Event
	settings  map[numberdesk.NumberID]*routing.Settings
	blocklist *routing.TenantBlocklist
}

func (f *fixture) routingState(t tb) routingState {
	t.Helper()
	ns, evs := f.snapshot(t)
	st := routingState{numbers: ns, events: evs, settings: map[numberdesk.NumberID]*routing.Settings{}}
	for _, n := range ns {
		s, err := f.store.FindSettings(bg, f.tenant, n.ID)
		if numberdesk.ErrorCode(err) == numberdesk.CodeNotFound {
			continue
		}
		require.NoError(t, err)
		st.settings[n.ID] = s
	}
	b, err := f.store.FindBlocklist(bg, f.tenant)
	require.NoError(t, err)
	st.blocklist = b
	return st
}

func (f *fixture) saveRouting(t tb, n *numbers.Number, plan routing.Plan, version int64) *routing.Settings {
	t.Helper()
	s, err := f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: plan, Version: version})
	require.NoError(t, err)
	return s
}

func requireErr(t *testing.T, err error, code numberdesk.Code, field string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, numberdesk.ErrorCode(err), "%v", err)
	require.Equal(t, field, numberdesk.ErrorField(err), "%v", err)
	require.NotEmpty(t, numberdesk.ErrorMessage(err))
}

func eventsOf(t *testing.T, f *fixture, typ numberdesk.EventType) []numberdesk.Event {
	t.Helper()
	evs, err := f.store.FindEvents(bg, f.tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{typ}})
	require.NoError(t, err)
	return evs
}

func TestSetUsageType(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 2)
	f.activate(t, ns...)
	n0, n1 := ns[0], ns[1]

	// Without stored settings, leaving voice needs no confirmation.
	n, err := f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n0.ID, UsageType: routing.UsageConference})
	require.NoError(t, err)
	require.Equal(t, routing.UsageConference, n.UsageType)
	require.Len(t, eventsOf(t, f, numbers.EventUsageTypeChanged), 1)
	var d numbers.EventData
	evs := eventsOf(t, f, numbers.EventUsageTypeChanged)
	require.NoError(t, evs[0].Decode(&d))
	require.Equal(t, routing.UsageVoice, d.Before.UsageType)
	require.Equal(t, routing.UsageConference, d.After.UsageType)

	// The same type again is a no-op without an event.
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n0.ID, UsageType: routing.UsageConference})
	require.NoError(t, err)
	require.Len(t, eventsOf(t, f, numbers.EventUsageTypeChanged), 1)

	// Back to voice, with a plan: leaving voice now needs Confirm.
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n0.ID, UsageType: routing.UsageVoice})
	require.NoError(t, err)
	f.saveRouting(t, n0, officePlan(), 0)
	before := f.routingState(t)
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n0.ID, UsageType: routing.UsageFaxShared})
	requireErr(t, err, numberdesk.CodePrecondition, "confirm")
	require.Contains(t, numberdesk.ErrorMessage(err), "Routingplan")
	require.Equal(t, before, f.routingState(t))

	n, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n0.ID, UsageType: routing.UsageFaxShared, Confirm: true})
	require.NoError(t, err)
	require.Equal(t, routing.UsageFaxShared, n.UsageType)
	_, err = f.store.FindSettings(bg, f.tenant, n0.ID)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
	rc := eventsOf(t, f, numbers.EventRoutingChanged)
	require.Len(t, rc, 2) // saved, dropped
	var ch numbers.RoutingChange
	require.NoError(t, rc[1].Decode(&ch))
	require.NotNil(t, ch.Before)
	require.Equal(t, "office", ch.Before.Plan.Rules[0].ID)
	require.Nil(t, ch.After)

	// A personal fax number needs exactly one holder.
	before = f.routingState(t)
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n1.ID, UsageType: routing.UsageFaxPersonal})
	requireErr(t, err, numberdesk.CodePrecondition, "usage_type")
	require.Equal(t, "Eine persönliche Faxnummer braucht genau einen Mitarbeiter.", numberdesk.ErrorMessage(err))
	require.Equal(t, before, f.routingState(t))
	anna, ben := f.employee(t, "anna"), f.employee(t, "ben")
	_, err = f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: n1.ID, Employee: anna.ID})
	require.NoError(t, err)
	n, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n1.ID, UsageType: routing.UsageFaxPersonal})
	require.NoError(t, err)
	require.Equal(t, routing.UsageFaxPersonal, n.UsageType)

	// A shared fax number with two members cannot become a one-holder type.
	_, err = f.svc.AddMember(bg, f.owner, n0.ID, anna.ID)
	require.NoError(t, err)
	_, err = f.svc.AddMember(bg, f.owner, n0.ID, ben.ID)
	require.NoError(t, err)
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n0.ID, UsageType: routing.UsageFaxPersonal})
	requireErr(t, err, numberdesk.CodePrecondition, "usage_type")
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n0.ID, UsageType: routing.UsageVoice})
	requireErr(t, err, numberdesk.CodePrecondition, "usage_type")

	// Bad input changes nothing.
	before = f.routingState(t)
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n1.ID, UsageType: "telex"})
	requireErr(t, err, numberdesk.CodeInvalid, "usage_type")
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: n1.ID})
	requireErr(t, err, numberdesk.CodeInvalid, "usage_type")
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: numberdesk.NewNumberID(), UsageType: routing.UsageVoice})
	requireErr(t, err, numberdesk.CodeNotFound, "number")
	require.Equal(t, before, f.routingState(t))
}

func TestSaveRoutingVersions(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 123456", 0)[0]
	f.activate(t, n)

	s, err := f.svc.Routing(bg, f.owner, n.ID)
	require.NoError(t, err)
	require.Equal(t, int64(0), s.Version)
	require.Equal(t, routing.DefaultPlan(), s.Plan)

	s1 := f.saveRouting(t, n, officePlan(), 0)
	require.Equal(t, int64(1), s1.Version)
	before := f.routingState(t)
	_, err = f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: officePlan(), Version: 0})
	requireErr(t, err, numberdesk.CodeConflict, "version")
	_, err = f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: officePlan(), Version: 7})
	requireErr(t, err, numberdesk.CodeConflict, "version")
	require.Equal(t, before, f.routingState(t))

	p := officePlan()
	p.Base = routing.BaseRule{Kind: routing.BaseRingingTone}
	s2, err := f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: p, Version: 1,
		Overrides: []routing.Override{{RuleID: "office", Mode: routing.ForceOff, Until: routing.UntilNextChange}}})
	require.NoError(t, err)
	require.Equal(t, int64(2), s2.Version)
	require.Equal(t, f.clock().UTC(), s2.Overrides[0].SetAt.UTC(), "a zero SetAt becomes now")
	_, err = f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: p, Version: 1})
	requireErr(t, err, numberdesk.CodeConflict, "version")

	got, err := f.svc.Routing(bg, f.owner, n.ID)
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Version)
	require.Equal(t, routing.BaseRingingTone, got.Plan.Base.Kind)
	require.Len(t, got.Overrides, 1)

	evs := eventsOf(t, f, numbers.EventRoutingChanged)
	require.Len(t, evs, 2)
	var ch numbers.RoutingChange
	require.NoError(t, evs[1].Decode(&ch))
	require.Equal(t, int64(1), ch.Before.Version)
	require.Equal(t, routing.BaseMailbox, ch.Before.Plan.Base.Kind)
	require.Equal(t, int64(2), ch.After.Version)
	require.Equal(t, routing.BaseRingingTone, ch.After.Plan.Base.Kind)
	require.Equal(t, n.E164, ch.E164)
	var first numbers.RoutingChange
	require.NoError(t, evs[0].Decode(&first))
	require.Nil(t, first.Before)
	require.Equal(t, int64(1), first.After.Version)
}

func TestSaveRoutingValidation(t *testing.T) {
	dir := &routing.StaticDirectory{Devices: map[string]bool{"desk": true}}
	f := newFixture(t, func(c *numbers.Config) { c.Directory = dir })
	ns := f.provision(t, "0221 123456", 2)
	f.activate(t, ns...)
	n := ns[0]
	f.saveRouting(t, n, officePlan(), 0)

	dup := officePlan()
	dup.Rules = append(dup.Rules, dup.Rules[0])
	dup.Rules[1].ID = "second"
	ghost := officePlan()
	ghost.Rules[0].Targets[0].Ref = "ghost"
	external := officePlan()
	external.Rules[0].Targets[0] = routing.Target{Kind: routing.TargetExternal, Ref: "kein Anschluss", RingSeconds: 20}
	filter := officePlan()
	filter.Rules[0].Filter = &routing.CallerFilter{Numbers: []string{"abc*"}}
	nobase := officePlan()
	nobase.Base = routing.BaseRule{}

	before := f.routingState(t)
	for _, c := range []struct {
		name      string
		req       numbers.SaveRoutingRequest
		field     string
		code      numberdesk.Code
		overrides []routing.Override
	}{
		{"DuplicatePriority", numbers.SaveRoutingRequest{Plan: dup}, "rules[1].priority", numberdesk.CodeInvalid, nil},
		{"DanglingDevice", numbers.SaveRoutingRequest{Plan: ghost}, "rules[0].targets[0].ref", numberdesk.CodeInvalid, nil},
		{"ExternalNotE164", numbers.SaveRoutingRequest{Plan: external}, "rules[0].targets[0].ref", numberdesk.CodeInvalid, nil},
		{"BadFilter", numbers.SaveRoutingRequest{Plan: filter}, "rules[0].filter.numbers[0]", numberdesk.CodeInvalid, nil},
		{"NoBase", numbers.SaveRoutingRequest{Plan: nobase}, "", numberdesk.CodeInvalid, nil},
		{"UnknownOverrideRule", numbers.SaveRoutingRequest{Plan: officePlan()}, "overrides[0].rule_id", numberdesk.CodeInvalid,
			[]routing.Override{{RuleID: "nope", Mode: routing.ForceOn, Until: routing.UntilPermanent}}},
		{"NegativeVersion", numbers.SaveRoutingRequest{Plan: officePlan(), Version: -1}, "version", numberdesk.CodeInvalid, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := c.req
			req.Number, req.Overrides = n.ID, c.overrides
			if req.Version == 0 {
				req.Version = 1
			}
			_, err := f.svc.SaveRouting(bg, f.owner, req)
			require.Equal(t, c.code, numberdesk.ErrorCode(err), "%v", err)
			if c.field != "" {
				require.Equal(t, c.field, numberdesk.ErrorField(err), "%v", err)
			}
			require.NotEmpty(t, numberdesk.ErrorMessage(err))
		})
	}
	require.Equal(t, before, f.routingState(t))

	// Only voice numbers have a routing plan.
	_, err := f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: ns[1].ID, UsageType: routing.UsageConference})
	require.NoError(t, err)
	before = f.routingState(t)
	_, err = f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: ns[1].ID, Plan: officePlan()})
	requireErr(t, err, numberdesk.CodePrecondition, "usage_type")
	_, err = f.svc.RouteCall(bg, f.owner, ns[1].ID, routing.Call{From: "+4930123456"}, time.Time{}, nil)
	requireErr(t, err, numberdesk.CodePrecondition, "usage_type")
	require.Equal(t, before, f.routingState(t))
}

// setGrant stores e with the owner's routing grant and lock state changed.
func (f *fixture) setGrant(t tb, e *staff.Employee, grant, locked bool) {
	t.Helper()
	e.RoutingEdit, e.Locked = grant, locked
	require.NoError(t, f.store.UpdateEmployee(bg, e))
}

func TestSaveRoutingEmployeeGrant(t *testing.T) {
	for _, grant := range []bool{false, true} {
		t.Run(map[bool]string{false: "Off", true: "On"}[grant], func(t *testing.T) {
			f := newFixture(t)
			ns := f.provision(t, "0221 123456", 2)
			f.activate(t, ns...)
			anna, ben := f.employee(t, "anna"), f.employee(t, "ben")
			f.setGrant(t, anna, grant, false)
			f.setGrant(t, ben, true, false) // granted, but holds nothing
			_, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: ns[0].ID, Employee: anna.ID})
			require.NoError(t, err)
			before := f.routingState(t)

			_, err = f.svc.SaveRouting(bg, anna.Actor(), numbers.SaveRoutingRequest{Number: ns[0].ID, Plan: officePlan()})
			if !grant {
				require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
				require.Equal(t, before, f.routingState(t))
			} else {
				require.NoError(t, err)
				s, err := f.svc.Routing(bg, anna.Actor(), ns[0].ID)
				require.NoError(t, err)
				require.Equal(t, int64(1), s.Version)
				before = f.routingState(t)
			}
			// Never on a number the employee does not hold.
			_, err = f.svc.SaveRouting(bg, ben.Actor(), numbers.SaveRoutingRequest{Number: ns[0].ID, Plan: officePlan()})
			require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err), "%v", err)
			_, err = f.svc.SaveRouting(bg, anna.Actor(), numbers.SaveRoutingRequest{Number: ns[1].ID, Plan: officePlan()})
			require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err), "%v", err)
			require.Equal(t, before, f.routingState(t))
		})
	}
	t.Run("LockedOrRevoked", func(t *testing.T) {
		f := newFixture(t)
		n := f.provision(t, "0221 123456", 0)[0]
		f.activate(t, n)
		anna := f.employee(t, "anna")
		_, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: n.ID, Employee: anna.ID})
		require.NoError(t, err)
		f.setGrant(t, anna, true, true) // granted but locked
		before := f.routingState(t)
		_, err = f.svc.SaveRouting(bg, anna.Actor(), numbers.SaveRoutingRequest{Number: n.ID, Plan: officePlan()})
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, before, f.routingState(t))

		f.setGrant(t, anna, true, false)
		_, err = f.svc.SaveRouting(bg, anna.Actor(), numbers.SaveRoutingRequest{Number: n.ID, Plan: officePlan()})
		require.NoError(t, err)

		f.setGrant(t, anna, false, false) // the owner revokes the grant
		before = f.routingState(t)
		_, err = f.svc.SaveRouting(bg, anna.Actor(), numbers.SaveRoutingRequest{Number: n.ID, Plan: officePlan(), Version: 1})
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, before, f.routingState(t))
	})
}

func TestRouteCall(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 123456", 0)[0]
	f.activate(t, n)
	call := routing.Call{From: "+4930123456"}
	// 2026-01-15 is a Thursday. 17:30 UTC is 18:30 in Berlin: outside the
	// office hours although inside 08–18 UTC.
	day := func(h, m int) time.Time { return time.Date(2026, 1, 15, h, m, 0, 0, f.loc) }

	d, err := f.svc.RouteCall(bg, f.owner, n.ID, call, day(10, 0), nil)
	require.NoError(t, err)
	require.Equal(t, routing.OutcomeBase, d.Outcome.Kind, "the default plan")

	f.saveRouting(t, n, officePlan(), 0)
	for _, c := range []struct {
		at   time.Time
		want routing.OutcomeKind
	}{
		{day(10, 0), routing.OutcomeAnswered},
		{day(20, 0), routing.OutcomeBase},
		{day(7, 59), routing.OutcomeBase},
		{day(8, 0), routing.OutcomeAnswered},
		{day(18, 0), routing.OutcomeBase},
		{time.Date(2026, 1, 15, 17, 30, 0, 0, time.UTC), routing.OutcomeBase},
		{time.Date(2026, 1, 15, 7, 30, 0, 0, time.UTC), routing.OutcomeAnswered},
		{time.Date(2026, 1, 17, 10, 0, 0, 0, f.loc), routing.OutcomeBase}, // Saturday
	} {
		d, err := f.svc.RouteCall(bg, f.owner, n.ID, call, c.at, nil)
		require.NoError(t, err)
		require.Equal(t, c.want, d.Outcome.Kind, "%v", c.at)
		require.NotEmpty(t, d.Trace)
		if c.want == routing.OutcomeAnswered {
			require.Equal(t, "office", d.Outcome.RuleID)
			require.Equal(t, "desk", d.Outcome.Target.Ref)
		}
	}
	// A busy desk falls through to the base rule.
	busy := &routing.StateMap{Targets: map[routing.TargetKey]routing.Status{{Kind: routing.TargetDevice, Ref: "desk"}: routing.StatusBusy}}
	d, err = f.svc.RouteCall(bg, f.owner, n.ID, call, day(10, 0), busy)
	require.NoError(t, err)
	require.Equal(t, routing.OutcomeBase, d.Outcome.Kind)

	// The tenant's block list comes first.
	bl, err := f.svc.SaveBlocklist(bg, f.owner, routing.Blocklist{Numbers: []string{"030 123*"}}, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"+4930123*"}, bl.List.Numbers)
	d, err = f.svc.RouteCall(bg, f.owner, n.ID, call, day(10, 0), nil)
	require.NoError(t, err)
	require.True(t, d.Blocked)
	require.Equal(t, routing.OutcomeRejected, d.Outcome.Kind)
	d, err = f.svc.RouteCall(bg, f.owner, n.ID, routing.Call{From: "+4940123456"}, day(10, 0), nil)
	require.NoError(t, err)
	require.Equal(t, routing.OutcomeAnswered, d.Outcome.Kind)

	// An override forces the office rule off.
	_, err = f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: n.ID, Plan: officePlan(), Version: 1,
		Overrides: []routing.Override{{RuleID: "office", Mode: routing.ForceOff, Until: routing.UntilPermanent}}})
	require.NoError(t, err)
	d, err = f.svc.RouteCall(bg, f.owner, n.ID, routing.Call{From: "+4940123456"}, day(10, 0), nil)
	require.NoError(t, err)
	require.Equal(t, routing.OutcomeBase, d.Outcome.Kind)
}

func TestBlocklist(t *testing.T) {
	f := newFixture(t)
	b, err := f.svc.Blocklist(bg, f.owner)
	require.NoError(t, err)
	require.Equal(t, int64(0), b.Version)
	require.Empty(t, b.List.Numbers)

	b, err = f.svc.SaveBlocklist(bg, f.owner, routing.Blocklist{Anonymous: true, Numbers: []string{"0221 99999", "0043*"}}, 0)
	require.NoError(t, err)
	require.Equal(t, int64(1), b.Version)
	require.Equal(t, []string{"+4922199999", "+43*"}, b.List.Numbers)

	before := f.routingState(t)
	_, err = f.svc.SaveBlocklist(bg, f.owner, routing.Blocklist{}, 0)
	requireErr(t, err, numberdesk.CodeConflict, "version")
	_, err = f.svc.SaveBlocklist(bg, f.owner, routing.Blocklist{Numbers: []string{"+4930*", "abc"}}, 1)
	requireErr(t, err, numberdesk.CodeInvalid, "numbers[1]")
	require.Equal(t, before, f.routingState(t))

	b, err = f.svc.SaveBlocklist(bg, f.owner, routing.Blocklist{}, 1)
	require.NoError(t, err)
	require.Equal(t, int64(2), b.Version)
	got, err := f.svc.Blocklist(bg, f.owner)
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Version)
	require.False(t, got.List.Anonymous)

	evs := eventsOf(t, f, numbers.EventBlocklistChanged)
	require.Len(t, evs, 2)
	var ch numbers.BlocklistChange
	require.NoError(t, evs[1].Decode(&ch))
	require.True(t, ch.Before.List.Anonymous)
	require.False(t, ch.After.List.Anonymous)
}

// Deactivation and swapping wipe the routing: the number routes by the
// default plan again.
func TestRoutingWipedWithTheNumber(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 3)
	f.activate(t, ns[0], ns[1])
	for _, n := range ns {
		f.saveRouting(t, n, officePlan(), 0)
	}

	// ApplyDue wipes the deactivated number's settings.
	_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[0].ID})
	require.NoError(t, err)
	f.advance(60 * 24 * time.Hour)
	done, err := f.svc.ApplyDue(bg, numberdesk.System(f.tenant), f.clock())
	require.NoError(t, err)
	require.Equal(t, []numberdesk.NumberID{ns[0].ID}, done)
	_, err = f.store.FindSettings(bg, f.tenant, ns[0].ID)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
	s, err := f.svc.Routing(bg, f.owner, ns[0].ID)
	require.NoError(t, err)
	require.Equal(t, int64(0), s.Version)
	require.Equal(t, routing.DefaultPlan(), s.Plan)

	// An inactive number has no routing and no usage type to change.
	before := f.routingState(t)
	_, err = f.svc.SaveRouting(bg, f.owner, numbers.SaveRoutingRequest{Number: ns[0].ID, Plan: officePlan()})
	requireErr(t, err, numberdesk.CodePrecondition, "number")
	_, err = f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: ns[0].ID, UsageType: routing.UsageConference})
	requireErr(t, err, numberdesk.CodePrecondition, "number")
	_, err = f.svc.RouteCall(bg, f.owner, ns[0].ID, routing.Call{}, time.Time{}, nil)
	requireErr(t, err, numberdesk.CodePrecondition, "number")
	require.Equal(t, before, f.routingState(t))

	// Swap: the old number is wiped, the new one starts from the default.
	_, err = f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: ns[1].ID, New: ns[2].ID})
	require.NoError(t, err)
	for _, n := range ns[1:] {
		_, err = f.store.FindSettings(bg, f.tenant, n.ID)
		require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
		s, err := f.svc.Routing(bg, f.owner, n.ID)
		require.NoError(t, err)
		require.Equal(t, routing.DefaultPlan(), s.Plan)
		require.Equal(t, int64(0), s.Version)
	}
	d, err := f.svc.RouteCall(bg, f.owner, ns[2].ID, routing.Call{From: "+4930123456"}, time.Date(2026, 3, 17, 10, 0, 0, 0, f.loc), nil)
	require.NoError(t, err)
	require.Equal(t, routing.OutcomeBase, d.Outcome.Kind)
	// The new number can be configured from version 0.
	f.saveRouting(t, ns[2], officePlan(), 0)
}

// TestPreviewRouting: the changes of the stored plan and overrides, in the
// tenant's zone, as routing.Preview gives them; every instant of the span
// routes by the rule of the last change before it. An empty or reversed
// span is invalid; another tenant's number is not found.
func TestPreviewRouting(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 123456", 0)[0]
	f.activate(t, n)
	from := time.Date(2026, 1, 15, 0, 0, 0, 0, f.loc) // Thursday
	to := from.AddDate(0, 0, 3)

	changes, err := f.svc.PreviewRouting(bg, f.owner, n.ID, from, to)
	require.NoError(t, err)
	require.Len(t, changes, 1, "the default plan never changes")

	f.saveRouting(t, n, officePlan(), 0)
	changes, err = f.svc.PreviewRouting(bg, f.owner, n.ID, from, to)
	require.NoError(t, err)
	require.Equal(t, routing.Preview(officePlan(), from, to, f.loc), changes)
	require.Greater(t, len(changes), 2, "office hours on Thursday and Friday")
	for at := from; at.Before(to); at = at.Add(30 * time.Minute) {
		i := len(changes) - 1
		for changes[i].At.After(at) {
			i--
		}
		d, err := f.svc.RouteCall(bg, f.owner, n.ID, routing.Call{From: "+4940123456"}, at, nil)
		require.NoError(t, err)
		if changes[i].RuleID == "" {
			require.Equal(t, routing.OutcomeBase, d.Outcome.Kind, "%v", at)
		} else {
			require.Equal(t, changes[i].RuleID, d.Outcome.RuleID, "%v", at)
		}
	}

	_, err = f.svc.PreviewRouting(bg, f.owner, n.ID, to, from)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	_, err = f.svc.PreviewRouting(bg, f.owner, n.ID, from, from)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	other := f.member(t, f.newTenant(t), "Otto", numberdesk.RoleOwner).Actor()
	_, err = f.svc.PreviewRouting(bg, other, n.ID, from, to)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
	require.Equal(t, numbers.DefaultConsentLabel, f.svc.ConsentLabel())
}

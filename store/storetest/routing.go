package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// richPlan returns a plan that uses every part of the routing model: every
// condition kind (weekday windows, one crossing midnight, dated and recurring
// dates, a period, holidays), a caller filter, several targets and every base
// kind's fields.
func richPlan() routing.Plan {
	return routing.Plan{
		Rules: []routing.Rule{
			{
				ID: "office", Name: "Bürozeiten", Priority: 1, Enabled: true,
				Condition: routing.Weekly(routing.MonFri,
					routing.Window{Start: routing.At(8, 0), End: routing.At(12, 30)},
					routing.Window{Start: routing.At(13, 30), End: routing.At(17, 0)}),
				Targets: []routing.Target{
					{Kind: routing.TargetDevice, Ref: "dev-1", RingSeconds: 20, Parallel: true},
					{Kind: routing.TargetRingGroup, Ref: "grp-1", RingSeconds: 30, Announcement: "ann-1"},
				},
			},
			{
				ID: "night", Name: "Nachtdienst", Priority: 2, Enabled: false,
				Condition: routing.Weekly(routing.AllWeek, routing.Window{Start: routing.At(22, 0), End: routing.At(6, 0)}),
				Filter:    &routing.CallerFilter{Mode: routing.FilterWhitelist, Anonymous: true, Numbers: []string{"+4930123", "+49301234567"}},
				Targets:   []routing.Target{{Kind: routing.TargetExternal, Ref: "+4917612345678", RingSeconds: 0}},
			},
			{
				ID: "xmas", Priority: 3, Enabled: true,
				Condition: routing.OnDates([]routing.Date{routing.D(0, time.December, 24), routing.D(2026, time.December, 31)},
					routing.Window{Start: routing.At(0, 0), End: routing.At(24, 0)}),
				Targets: []routing.Target{{Kind: routing.TargetMailbox, Ref: "mb-7", RingSeconds: 5}},
			},
			{
				ID: "vacation", Name: "Urlaub", Priority: 4, Enabled: true,
				Condition: routing.Between(
					routing.DateTime{Date: routing.D(2026, time.July, 1), Time: routing.At(12, 0)},
					routing.DateTime{Date: routing.D(2026, time.July, 15), Time: routing.At(8, 15)}),
				Targets: []routing.Target{{Kind: routing.TargetExternal, Ref: "+4940111222", RingSeconds: 600}},
			},
			{
				ID: "holidays", Priority: 5, Enabled: true,
				Condition: routing.OnHolidays("NW"),
				Targets:   []routing.Target{{Kind: routing.TargetMailbox, Ref: "mb-8", RingSeconds: 10}},
			},
		},
		Base:    routing.BaseRule{Kind: routing.BaseHolderMailbox, Ref: "holder"},
		Version: 3,
	}
}

// richOverrides returns overrides of richPlan, with times in a zone other
// than UTC and with nanoseconds.
func richOverrides() []routing.Override {
	berlin := time.FixedZone("CET", 3600)
	return []routing.Override{
		{RuleID: "office", Mode: routing.ForceOff, Until: routing.UntilNextChange, SetAt: time.Date(2026, 3, 2, 10, 0, 0, 123456789, berlin)},
		{RuleID: "night", Mode: routing.ForceOn, Until: routing.UntilTime, SetAt: t0, At: t0.Add(90 * time.Minute)},
		{RuleID: "xmas", Mode: routing.ForceOn, Until: routing.UntilPermanent},
	}
}

// newSettings returns routing settings of tenant's number (not stored yet).
func newSettings(tenant numberdesk.TenantID, number numberdesk.NumberID) *routing.Settings {
	return &routing.Settings{Tenant: tenant, Number: number, Plan: richPlan(), Overrides: richOverrides(), UpdatedAt: t0}
}

// normSettings returns a copy of s in a canonical form for comparisons:
// times in UTC, empty slices nil.
func normSettings(s *routing.Settings) *routing.Settings {
	if s == nil {
		return nil
	}
	c := *s
	c.UpdatedAt = normTime(c.UpdatedAt)
	c.Plan = normPlan(c.Plan)
	c.Overrides = nil
	for _, o := range s.Overrides {
		o.SetAt, o.At = normTime(o.SetAt), normTime(o.At)
		c.Overrides = append(c.Overrides, o)
	}
	return &c
}

func normPlan(p routing.Plan) routing.Plan {
	rules := p.Rules
	p.Rules = nil
	for _, r := range rules {
		r.Condition.Dates = nilIfEmpty(r.Condition.Dates)
		r.Condition.Windows = nilIfEmpty(r.Condition.Windows)
		r.Targets = nilIfEmpty(r.Targets)
		if r.Filter != nil {
			f := *r.Filter
			f.Numbers = nilIfEmpty(f.Numbers)
			r.Filter = &f
		}
		p.Rules = append(p.Rules, r)
	}
	return p
}

func normBlocklist(b *routing.TenantBlocklist) *routing.TenantBlocklist {
	if b == nil {
		return nil
	}
	c := *b
	c.UpdatedAt = normTime(c.UpdatedAt)
	c.List.Numbers = nilIfEmpty(c.List.Numbers)
	return &c
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append([]T(nil), s...)
}

// requireSettings checks that the store holds want (compared normalized).
func requireSettings(t *testing.T, s store.Store, want *routing.Settings) {
	t.Helper()
	got, err := s.FindSettings(t.Context(), want.Tenant, want.Number)
	require.NoError(t, err)
	require.Equal(t, normSettings(want), normSettings(got))
}

// requireNoSettings checks that the tenant's number has no settings.
func requireNoSettings(t *testing.T, s store.Store, tenant numberdesk.TenantID, number numberdesk.NumberID) {
	t.Helper()
	got, err := s.FindSettings(t.Context(), tenant, number)
	require.Nil(t, got)
	requireCode(t, err, numberdesk.CodeNotFound, "*")
}

// requireBlocklist checks that the tenant's block list is want.
func requireBlocklist(t *testing.T, s store.Store, want *routing.TenantBlocklist) {
	t.Helper()
	got, err := s.FindBlocklist(t.Context(), want.Tenant)
	require.NoError(t, err)
	require.Equal(t, normBlocklist(want), normBlocklist(got))
}

func newBlocklist(tenant numberdesk.TenantID) *routing.TenantBlocklist {
	return &routing.TenantBlocklist{Tenant: tenant, List: routing.Blocklist{Anonymous: true, Numbers: []string{"+49900", "+4930999888"}}, UpdatedAt: t0}
}

func testRouting(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"CreateFindCopies": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			in := newSettings(tn.ID, numberdesk.NewNumberID())
			want := normSettings(in)
			require.NoError(t, s.SaveSettings(t.Context(), in))
			require.Equal(t, int64(1), in.Version)
			want.Version = 1
			// The caller's value is the caller's: changing it changes nothing stored.
			in.Plan.Rules[0].Targets[0].Ref = "changed"
			in.Plan.Rules[1].Filter.Numbers[0] = "+491"
			in.Overrides[0].RuleID = "changed"
			got, err := s.FindSettings(t.Context(), tn.ID, in.Number)
			require.NoError(t, err)
			require.Equal(t, want, normSettings(got))
			// Nor does changing what a read returned.
			got.Plan.Rules[0].Condition.Windows[0].Start = routing.At(1, 0)
			got.Plan.Rules[2].Condition.Dates[0] = routing.D(2027, 1, 1)
			got.Overrides = append(got.Overrides[:0], routing.Override{RuleID: "x"})
			again, err := s.FindSettings(t.Context(), tn.ID, in.Number)
			require.NoError(t, err)
			require.Equal(t, want, normSettings(again))
		},
		"JSONRoundTrip": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			in := newSettings(tn.ID, numberdesk.NewNumberID())
			require.NoError(t, s.SaveSettings(t.Context(), in))
			got, err := s.FindSettings(t.Context(), tn.ID, in.Number)
			require.NoError(t, err)
			want := normSettings(newSettings(tn.ID, in.Number))
			want.Version = 1
			require.Equal(t, want, normSettings(got))
			require.Equal(t, richPlan(), normPlan(got.Plan), "the plan survives exactly")
			require.Equal(t, routing.MonFri, got.Plan.Rules[0].Condition.Weekdays)
			require.True(t, got.Overrides[0].SetAt.Equal(richOverrides()[0].SetAt), "nanoseconds and zone offset of override times survive")
			// A minimal plan and no overrides come back as such.
			minimal := &routing.Settings{Tenant: tn.ID, Number: numberdesk.NewNumberID(), Plan: routing.DefaultPlan()}
			require.NoError(t, s.SaveSettings(t.Context(), minimal))
			got, err = s.FindSettings(t.Context(), tn.ID, minimal.Number)
			require.NoError(t, err)
			require.Empty(t, got.Plan.Rules)
			require.Empty(t, got.Overrides)
			require.True(t, got.UpdatedAt.IsZero())
			require.Equal(t, normSettings(minimal), normSettings(got))
		},
		"CreateTwiceConflicts": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			first := newSettings(tn.ID, numberdesk.NewNumberID())
			require.NoError(t, s.SaveSettings(t.Context(), first))
			second := &routing.Settings{Tenant: tn.ID, Number: first.Number, Plan: routing.DefaultPlan(), UpdatedAt: t0.Add(time.Hour)}
			requireCode(t, s.SaveSettings(t.Context(), second), numberdesk.CodeConflict, "version")
			require.Zero(t, second.Version)
			requireSettings(t, s, first)
		},
		"UpdateAndStale": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a := newSettings(tn.ID, numberdesk.NewNumberID())
			require.NoError(t, s.SaveSettings(t.Context(), a))
			b, err := s.FindSettings(t.Context(), tn.ID, a.Number)
			require.NoError(t, err)
			for want := int64(2); want <= 3; want++ {
				a.Plan.Rules = a.Plan.Rules[1:]
				a.Overrides = nil
				a.UpdatedAt = a.UpdatedAt.Add(time.Minute)
				require.NoError(t, s.SaveSettings(t.Context(), a))
				require.Equal(t, want, a.Version)
				requireSettings(t, s, a)
			}
			// b still has version 1: stale, nothing written.
			b.Plan = routing.DefaultPlan()
			requireCode(t, s.SaveSettings(t.Context(), b), numberdesk.CodeConflict, "version")
			require.Equal(t, int64(1), b.Version)
			requireSettings(t, s, a)
			// A version from the future is stale too.
			b.Version = 99
			requireCode(t, s.SaveSettings(t.Context(), b), numberdesk.CodeConflict, "version")
			requireSettings(t, s, a)
		},
		"UpdateUnknownNotFound": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			in := newSettings(tn.ID, numberdesk.NewNumberID())
			in.Version = 1
			requireCode(t, s.SaveSettings(t.Context(), in), numberdesk.CodeNotFound, "*")
			require.Equal(t, int64(1), in.Version)
			requireNoSettings(t, s, tn.ID, in.Number)
		},
		"FindUnknownAndMalformed": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			_, random := s.FindSettings(t.Context(), tn.ID, numberdesk.NewNumberID())
			requireCode(t, random, numberdesk.CodeNotFound, "*")
			for _, id := range []numberdesk.NumberID{"", "not-a-uuid", "00000000-0000-0000-0000-00000000000G"} {
				got, err := s.FindSettings(t.Context(), tn.ID, id)
				require.Nil(t, got)
				requireSameError(t, random, err)
				require.NoError(t, s.DeleteSettings(t.Context(), tn.ID, id))
			}
			got, err := s.FindSettings(t.Context(), "bad-tenant", numberdesk.NewNumberID())
			require.Nil(t, got)
			requireSameError(t, random, err)
		},
		"Invalid": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			requireCode(t, s.SaveSettings(t.Context(), nil), numberdesk.CodeInvalid, "*")
			bad := newSettings("bad-tenant", numberdesk.NewNumberID())
			requireCode(t, s.SaveSettings(t.Context(), bad), numberdesk.CodeInvalid, "tenant")
			bad = newSettings(tn.ID, "bad-number")
			requireCode(t, s.SaveSettings(t.Context(), bad), numberdesk.CodeInvalid, "number")
			require.Zero(t, bad.Version)
			requireCode(t, s.SaveBlocklist(t.Context(), nil), numberdesk.CodeInvalid, "*")
			requireCode(t, s.SaveBlocklist(t.Context(), newBlocklist("bad-tenant")), numberdesk.CodeInvalid, "tenant")
		},
		"Delete": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			keep := newSettings(tn.ID, numberdesk.NewNumberID())
			gone := newSettings(tn.ID, numberdesk.NewNumberID())
			require.NoError(t, s.SaveSettings(t.Context(), keep))
			require.NoError(t, s.SaveSettings(t.Context(), gone))
			require.NoError(t, s.DeleteSettings(t.Context(), tn.ID, gone.Number))
			requireNoSettings(t, s, tn.ID, gone.Number)
			requireSettings(t, s, keep)
			// Idempotent, and nothing stored is no error.
			require.NoError(t, s.DeleteSettings(t.Context(), tn.ID, gone.Number))
			require.NoError(t, s.DeleteSettings(t.Context(), tn.ID, numberdesk.NewNumberID()))
			// The deleted settings are gone for good: an update is not found,
			// a creation starts again at version 1.
			requireCode(t, s.SaveSettings(t.Context(), gone), numberdesk.CodeNotFound, "*")
			gone.Version = 0
			require.NoError(t, s.SaveSettings(t.Context(), gone))
			require.Equal(t, int64(1), gone.Version)
			requireSettings(t, s, gone)
		},
		"DeleteMany": func(t *testing.T, s store.Store) {
			// One call deletes the settings of every number it names, and
			// of no other number; unknown and malformed IDs are no error.
			tn, other := newTenant(t, s), newTenant(t, s)
			var gone []numberdesk.NumberID
			for range 3 {
				st := newSettings(tn.ID, numberdesk.NewNumberID())
				require.NoError(t, s.SaveSettings(t.Context(), st))
				gone = append(gone, st.Number)
			}
			keep := newSettings(tn.ID, numberdesk.NewNumberID())
			require.NoError(t, s.SaveSettings(t.Context(), keep))
			elsewhere := newSettings(other.ID, gone[0]) // the same number ID in another tenant
			require.NoError(t, s.SaveSettings(t.Context(), elsewhere))
			names := append(slices.Clone(gone), numberdesk.NewNumberID(), "not-a-uuid", gone[1])
			require.NoError(t, s.DeleteSettings(t.Context(), tn.ID, names...))
			for _, id := range gone {
				requireNoSettings(t, s, tn.ID, id)
			}
			requireSettings(t, s, keep)
			requireSettings(t, s, elsewhere)
			require.NoError(t, s.DeleteSettings(t.Context(), tn.ID), "no numbers: nothing to do")
			requireSettings(t, s, keep)
		},
		"Write": func(t *testing.T, s store.Store) {
			w, ok := s.(numbers.Writer)
			if !ok {
				t.Skip("the store is no numbers.Writer (optional)")
			}
			tn, other := newTenant(t, s), newTenant(t, s)
			a := newNumber(tn.ID, "+4922100001", numbers.StatusActive)
			b := newNumber(tn.ID, "+4922100002", numbers.StatusActive)
			require.NoError(t, s.CreateNumbers(t.Context(), a, b))
			sa, sb := newSettings(tn.ID, a.ID), newSettings(tn.ID, b.ID)
			require.NoError(t, s.SaveSettings(t.Context(), sa))
			require.NoError(t, s.SaveSettings(t.Context(), sb))
			elsewhere := newSettings(other.ID, a.ID)
			require.NoError(t, s.SaveSettings(t.Context(), elsewhere))
			events := func() []numberdesk.Event {
				t.Helper()
				evs, err := s.FindEvents(t.Context(), tn.ID, numberdesk.EventFilter{})
				require.NoError(t, err)
				return evs
			}
			twoEvents := func() []numberdesk.Event {
				return []numberdesk.Event{newEvent(tn.ID, a.ID, "number.one"), newEvent(tn.ID, b.ID, "number.two")}
			}
			requireUnchanged := func(msg string) {
				t.Helper()
				requireSettings(t, s, sa)
				requireSettings(t, s, sb)
				got, err := s.FindNumberByID(t.Context(), tn.ID, a.ID)
				require.NoError(t, err)
				require.Equal(t, numbers.StatusActive, got.Status, msg)
				require.Equal(t, int64(1), got.Version, msg)
				require.Empty(t, events(), msg)
			}

			// A stale version: nothing is updated, deleted or appended.
			stale := a.Clone()
			stale.Version = 99
			stale.Status = numbers.StatusInactive
			requireCode(t, w.Write(t.Context(), numbers.Write{Tenant: tn.ID, Wipe: []numberdesk.NumberID{a.ID, b.ID}, Numbers: []*numbers.Number{stale}, Events: twoEvents()}),
				numberdesk.CodeConflict, "version")
			requireUnchanged("stale version")

			// An event ID twice, or one that exists: the same.
			dup := twoEvents()
			dup[1].ID = dup[0].ID
			fresh := a.Clone()
			fresh.Status = numbers.StatusInactive
			requireCode(t, w.Write(t.Context(), numbers.Write{Tenant: tn.ID, Wipe: []numberdesk.NumberID{a.ID}, Numbers: []*numbers.Number{fresh}, Events: dup}),
				numberdesk.CodeConflict, "id")
			requireUnchanged("an event ID twice")
			existing := newEvent(tn.ID, "", "tenant.other")
			require.NoError(t, s.AppendEvents(t.Context(), existing))
			clash := twoEvents()
			clash[1].ID = existing.ID
			fresh = a.Clone()
			fresh.Status = numbers.StatusInactive
			requireCode(t, w.Write(t.Context(), numbers.Write{Tenant: tn.ID, Wipe: []numberdesk.NumberID{a.ID}, Numbers: []*numbers.Number{fresh}, Events: clash}),
				numberdesk.CodeConflict, "id")
			got, err := s.FindNumberByID(t.Context(), tn.ID, a.ID)
			require.NoError(t, err)
			require.Equal(t, numbers.StatusActive, got.Status, "an existing event ID: nothing updated")
			requireSettings(t, s, sa)
			require.Len(t, events(), 1)

			// Fresh: the update, the deletion (of this tenant's settings
			// only) and the events, Seq in their order.
			a.Status = numbers.StatusInactive
			evs := twoEvents()
			require.NoError(t, w.Write(t.Context(), numbers.Write{Tenant: tn.ID, Wipe: []numberdesk.NumberID{a.ID, "not-a-uuid"}, Numbers: []*numbers.Number{a}, Events: evs}))
			require.Equal(t, int64(2), a.Version)
			require.Positive(t, evs[0].Seq)
			require.Greater(t, evs[1].Seq, evs[0].Seq)
			requireNoSettings(t, s, tn.ID, a.ID)
			requireSettings(t, s, sb)
			requireSettings(t, s, elsewhere)
			got, err = s.FindNumberByID(t.Context(), tn.ID, a.ID)
			require.NoError(t, err)
			require.Equal(t, numbers.StatusInactive, got.Status)
			stored := events()
			require.Len(t, stored, 3)
			require.Equal(t, []numberdesk.EventID{evs[0].ID, evs[1].ID}, []numberdesk.EventID{stored[1].ID, stored[2].ID})
			require.Equal(t, []int64{evs[0].Seq, evs[1].Seq}, []int64{stored[1].Seq, stored[2].Seq})

			// Without events and without wiping: an update.
			a.UsageType = routing.UsageConference
			require.NoError(t, w.Write(t.Context(), numbers.Write{Numbers: []*numbers.Number{a}}))
			require.Equal(t, int64(3), a.Version)

			// In a transaction that rolls back, nothing stays.
			b.Status = numbers.StatusInactive
			rollback := errors.New("roll back")
			require.ErrorIs(t, s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, w.Write(ctx, numbers.Write{Tenant: tn.ID, Wipe: []numberdesk.NumberID{b.ID}, Numbers: []*numbers.Number{b}, Events: []numberdesk.Event{newEvent(tn.ID, b.ID, "number.three")}}))
				return rollback
			}), rollback)
			requireSettings(t, s, sb)
			require.Len(t, events(), 3)
		},
		"WriteVerifiesActor": func(t *testing.T, s store.Store) {
			// Write.Actor is verified as staff.Verify does, in the write's
			// transaction: a refused actor is CodePermission (Field
			// "actor") and nothing is updated, deleted or appended.
			w, ok := s.(numbers.Writer)
			if !ok {
				t.Skip("the store is no numbers.Writer (optional)")
			}
			ctx := t.Context()
			tn, other := newTenant(t, s), newTenant(t, s)
			a := newNumber(tn.ID, "+4922100001", numbers.StatusActive)
			require.NoError(t, s.CreateNumbers(ctx, a))
			sa := newSettings(tn.ID, a.ID)
			require.NoError(t, s.SaveSettings(ctx, sa))
			owner := newEmployee(tn.ID, "Olga", "Owner", "olga@muster.example", numberdesk.RoleOwner)
			locked := newEmployee(tn.ID, "Lars", "Locked", "lars@muster.example", numberdesk.RoleOwner)
			locked.Locked = true
			user := newEmployee(tn.ID, "Uwe", "User", "uwe@muster.example", numberdesk.RoleEmployee)
			gone := newEmployee(tn.ID, "Gina", "Gone", "gina@muster.example", numberdesk.RoleOwner)
			stranger := newEmployee(other.ID, "Sven", "Stranger", "sven@other.example", numberdesk.RoleOwner)
			for _, e := range []*staff.Employee{owner, locked, user, gone, stranger} {
				require.NoError(t, s.CreateEmployee(ctx, e))
			}
			require.NoError(t, s.DeleteEmployee(ctx, tn.ID, gone.ID))
			write := func(actor numberdesk.Actor) error {
				n := a.Clone()
				n.Status = numbers.StatusInactive
				return w.Write(ctx, numbers.Write{Tenant: tn.ID, Wipe: []numberdesk.NumberID{a.ID}, Numbers: []*numbers.Number{n},
					Events: []numberdesk.Event{newEvent(tn.ID, a.ID, "number.one")}, Actor: &actor})
			}
			refused := map[string]numberdesk.Actor{
				"locked":           locked.Actor(),
				"another role":     {Tenant: tn.ID, Staff: user.ID, Role: numberdesk.RoleOwner},
				"deleted":          gone.Actor(),
				"unknown":          {Tenant: tn.ID, Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleOwner},
				"another tenant's": {Tenant: tn.ID, Staff: stranger.ID, Role: numberdesk.RoleOwner},
				"malformed":        {Tenant: tn.ID, Staff: "not-a-uuid", Role: numberdesk.RoleOwner},
			}
			for name, actor := range refused {
				requireCode(t, write(actor), numberdesk.CodePermission, "actor")
				got, err := s.FindNumberByID(ctx, tn.ID, a.ID)
				require.NoError(t, err)
				require.Equal(t, int64(1), got.Version, name)
				require.Equal(t, numbers.StatusActive, got.Status, name)
				requireSettings(t, s, sa)
				evs, err := s.FindEvents(ctx, tn.ID, numberdesk.EventFilter{})
				require.NoError(t, err)
				require.Empty(t, evs, name)
			}
			require.NoError(t, write(owner.Actor()))
			got, err := s.FindNumberByID(ctx, tn.ID, a.ID)
			require.NoError(t, err)
			require.Equal(t, numbers.StatusInactive, got.Status)
			requireNoSettings(t, s, tn.ID, a.ID)
			// The system actor has no employee to verify.
			a.Version = got.Version
			require.NoError(t, write(numberdesk.System(tn.ID)))
			evs, err := s.FindEvents(ctx, tn.ID, numberdesk.EventFilter{})
			require.NoError(t, err)
			require.Len(t, evs, 2)
		},
		"Blocklist": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			got, err := s.FindBlocklist(t.Context(), tn.ID)
			require.NoError(t, err)
			require.Equal(t, &routing.TenantBlocklist{Tenant: tn.ID}, normBlocklist(got))
			// Malformed and unknown tenants: the same empty list.
			for _, id := range []numberdesk.TenantID{"bad-tenant", numberdesk.NewTenantID()} {
				got, err := s.FindBlocklist(t.Context(), id)
				require.NoError(t, err)
				require.Equal(t, &routing.TenantBlocklist{Tenant: id}, normBlocklist(got))
			}
			// An update of a list never stored.
			ghost := newBlocklist(tn.ID)
			ghost.Version = 1
			requireCode(t, s.SaveBlocklist(t.Context(), ghost), numberdesk.CodeNotFound, "*")

			b := newBlocklist(tn.ID)
			require.NoError(t, s.SaveBlocklist(t.Context(), b))
			require.Equal(t, int64(1), b.Version)
			b.List.Numbers[0] = "+491" // the caller's copy
			want := newBlocklist(tn.ID)
			want.Version = 1
			requireBlocklist(t, s, want)

			stale, err := s.FindBlocklist(t.Context(), tn.ID)
			require.NoError(t, err)
			b.List = routing.Blocklist{Numbers: []string{"+4930"}}
			b.UpdatedAt = t0.Add(time.Hour)
			require.NoError(t, s.SaveBlocklist(t.Context(), b))
			require.Equal(t, int64(2), b.Version)
			requireBlocklist(t, s, b)

			stale.List.Anonymous = false
			requireCode(t, s.SaveBlocklist(t.Context(), stale), numberdesk.CodeConflict, "version")
			require.Equal(t, int64(1), stale.Version)
			again := newBlocklist(tn.ID)
			requireCode(t, s.SaveBlocklist(t.Context(), again), numberdesk.CodeConflict, "version")
			requireBlocklist(t, s, b)
			// An empty list is a list too.
			b.List = routing.Blocklist{}
			require.NoError(t, s.SaveBlocklist(t.Context(), b))
			requireBlocklist(t, s, b)
		},
		"RollbackRestoresAll": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			updated := newSettings(tn.ID, numberdesk.NewNumberID())
			deleted := newSettings(tn.ID, numberdesk.NewNumberID())
			require.NoError(t, s.SaveSettings(t.Context(), updated))
			require.NoError(t, s.SaveSettings(t.Context(), deleted))
			bl := newBlocklist(tn.ID)
			require.NoError(t, s.SaveBlocklist(t.Context(), bl))
			other := newTenant(t, s) // its list is created in the transaction
			created := newSettings(tn.ID, numberdesk.NewNumberID())

			boom := errors.New("boom")
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.SaveSettings(ctx, created))
				u := *updated
				u.Plan = routing.DefaultPlan()
				u.Overrides = nil
				require.NoError(t, s.SaveSettings(ctx, &u))
				require.NoError(t, s.SaveSettings(ctx, &u)) // twice
				require.NoError(t, s.DeleteSettings(ctx, tn.ID, deleted.Number))
				b := *bl
				b.List = routing.Blocklist{}
				require.NoError(t, s.SaveBlocklist(ctx, &b))
				require.NoError(t, s.SaveBlocklist(ctx, newBlocklist(other.ID)))
				// The transaction sees its own writes.
				_, err := s.FindSettings(ctx, tn.ID, deleted.Number)
				requireCode(t, err, numberdesk.CodeNotFound, "*")
				got, err := s.FindSettings(ctx, tn.ID, created.Number)
				require.NoError(t, err)
				require.Equal(t, int64(1), got.Version)
				got, err = s.FindSettings(ctx, tn.ID, updated.Number)
				require.NoError(t, err)
				require.Equal(t, int64(3), got.Version)
				gotB, err := s.FindBlocklist(ctx, tn.ID)
				require.NoError(t, err)
				require.Equal(t, int64(2), gotB.Version)
				return boom
			})
			require.ErrorIs(t, err, boom)
			requireNoSettings(t, s, tn.ID, created.Number)
			requireSettings(t, s, updated)
			requireSettings(t, s, deleted)
			requireBlocklist(t, s, bl)
			requireBlocklist(t, s, &routing.TenantBlocklist{Tenant: other.ID})
		},
		"FailedSaveKeepsTxUsable": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a := newSettings(tn.ID, numberdesk.NewNumberID())
			require.NoError(t, s.SaveSettings(t.Context(), a))
			bl := newBlocklist(tn.ID)
			require.NoError(t, s.SaveBlocklist(t.Context(), bl))
			fresh := newSettings(tn.ID, numberdesk.NewNumberID())
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				// Every refused save of the contract, then a successful one.
				dup := newSettings(tn.ID, a.Number)
				requireCode(t, s.SaveSettings(ctx, dup), numberdesk.CodeConflict, "version")
				stale := *a
				stale.Version = 7
				requireCode(t, s.SaveSettings(ctx, &stale), numberdesk.CodeConflict, "version")
				unknown := newSettings(tn.ID, numberdesk.NewNumberID())
				unknown.Version = 1
				requireCode(t, s.SaveSettings(ctx, unknown), numberdesk.CodeNotFound, "*")
				requireCode(t, s.SaveBlocklist(ctx, newBlocklist(tn.ID)), numberdesk.CodeConflict, "version")
				ghost := newBlocklist(numberdesk.NewTenantID())
				ghost.Version = 2
				requireCode(t, s.SaveBlocklist(ctx, ghost), numberdesk.CodeNotFound, "*")
				require.NoError(t, s.SaveSettings(ctx, fresh))
				a.Plan = routing.DefaultPlan()
				require.NoError(t, s.SaveSettings(ctx, a))
				return nil
			}))
			requireSettings(t, s, fresh)
			requireSettings(t, s, a)
			require.Equal(t, int64(2), a.Version)
			requireBlocklist(t, s, bl)
		},
		"TenantsAreIndependent": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			number := numberdesk.NewNumberID()
			sa := newSettings(a.ID, number)
			sb := &routing.Settings{Tenant: b.ID, Number: number, Plan: routing.DefaultPlan(), UpdatedAt: t0}
			require.NoError(t, s.SaveSettings(t.Context(), sa))
			require.NoError(t, s.SaveSettings(t.Context(), sb))
			require.NoError(t, s.SaveSettings(t.Context(), sb))
			require.Equal(t, int64(2), sb.Version)
			requireSettings(t, s, sa)
			requireSettings(t, s, sb)
			require.NoError(t, s.DeleteSettings(t.Context(), b.ID, number))
			requireSettings(t, s, sa)
		},
	})
}

// routingOfA stores settings of tenant A's first number and a block list of
// A, and returns them.
func routingOfA(t *testing.T, fx *isoFixture) (*routing.Settings, *routing.TenantBlocklist) {
	t.Helper()
	set := newSettings(fx.a.ID, fx.aNumbers[0].ID)
	require.NoError(t, fx.s.SaveSettings(t.Context(), set))
	bl := newBlocklist(fx.a.ID)
	require.NoError(t, fx.s.SaveBlocklist(t.Context(), bl))
	return set, bl
}

// requireRoutingOfA checks that A's settings and block list are unchanged,
// and that A's other numbers still have none.
func requireRoutingOfA(t *testing.T, fx *isoFixture, set *routing.Settings, bl *routing.TenantBlocklist) {
	t.Helper()
	requireSettings(t, fx.s, set)
	requireBlocklist(t, fx.s, bl)
	for _, n := range fx.aNumbers[1:] {
		requireNoSettings(t, fx.s, fx.a.ID, n.ID)
	}
}

func init() {
	isolationCases["FindSettings"] = func(t *testing.T, fx *isoFixture) {
		set, bl := routingOfA(t, fx)
		got, random := fx.s.FindSettings(t.Context(), fx.b.ID, numberdesk.NewNumberID())
		require.Nil(t, got)
		requireCode(t, random, numberdesk.CodeNotFound, "*")
		for _, n := range fx.aNumbers {
			got, err := fx.s.FindSettings(t.Context(), fx.b.ID, n.ID)
			require.Nil(t, got)
			requireSameError(t, random, err)
		}
		requireRoutingOfA(t, fx, set, bl)
	}
	isolationCases["SaveSettings"] = func(t *testing.T, fx *isoFixture) {
		set, bl := routingOfA(t, fx)
		// An update in B of A's number: as if it were unknown.
		random := newSettings(fx.b.ID, numberdesk.NewNumberID())
		random.Version = 1
		want := fx.s.SaveSettings(t.Context(), random)
		requireCode(t, want, numberdesk.CodeNotFound, "*")
		foreign := newSettings(fx.b.ID, set.Number)
		foreign.Plan = routing.DefaultPlan()
		foreign.Version = set.Version
		requireSameError(t, want, fx.s.SaveSettings(t.Context(), foreign))
		requireRoutingOfA(t, fx, set, bl)
		// A creation in B with A's number ID: as good as a new one.
		foreign.Version = 0
		require.NoError(t, fx.s.SaveSettings(t.Context(), foreign))
		require.Equal(t, int64(1), foreign.Version)
		requireSettings(t, fx.s, foreign)
		require.NoError(t, fx.s.SaveSettings(t.Context(), foreign))
		requireRoutingOfA(t, fx, set, bl)
	}
	isolationCases["DeleteSettings"] = func(t *testing.T, fx *isoFixture) {
		set, bl := routingOfA(t, fx)
		for _, n := range fx.aNumbers {
			require.NoError(t, fx.s.DeleteSettings(t.Context(), fx.b.ID, n.ID))
		}
		requireRoutingOfA(t, fx, set, bl)
	}
	isolationCases["FindBlocklist"] = func(t *testing.T, fx *isoFixture) {
		set, bl := routingOfA(t, fx)
		got, err := fx.s.FindBlocklist(t.Context(), fx.b.ID)
		require.NoError(t, err)
		require.Equal(t, &routing.TenantBlocklist{Tenant: fx.b.ID}, normBlocklist(got))
		requireRoutingOfA(t, fx, set, bl)
	}
	isolationCases["SaveBlocklist"] = func(t *testing.T, fx *isoFixture) {
		set, bl := routingOfA(t, fx)
		// B updating with A's version: as for a tenant without a list.
		random := newBlocklist(numberdesk.NewTenantID())
		random.Version = bl.Version
		want := fx.s.SaveBlocklist(t.Context(), random)
		requireCode(t, want, numberdesk.CodeNotFound, "*")
		foreign := newBlocklist(fx.b.ID)
		foreign.List = routing.Blocklist{}
		foreign.Version = bl.Version
		requireSameError(t, want, fx.s.SaveBlocklist(t.Context(), foreign))
		requireRoutingOfA(t, fx, set, bl)
		foreign.Version = 0
		require.NoError(t, fx.s.SaveBlocklist(t.Context(), foreign))
		requireBlocklist(t, fx.s, foreign)
		requireRoutingOfA(t, fx, set, bl)
	}
}

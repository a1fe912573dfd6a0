package storetest

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// The holder history (numbers.Store.FindHolderPeriods): UpdateNumbers keeps
// it. A write that moves a number's HoldersSince forward while the number
// had holders records the period [stored HoldersSince, new HoldersSince) of
// the stored holders; a HoldersSince earlier than the stored one is
// CodeInvalid (Field "holders_since") and writes nothing.

// reassign sets n's holders from since on and writes n.
func reassign(t *testing.T, s store.Store, n *numbers.Number, since time.Time, holders ...numberdesk.StaffID) {
	t.Helper()
	n.Holders, n.HoldersSince = holders, since
	require.NoError(t, s.UpdateNumbers(t.Context(), n))
}

// allPeriods returns every holder period of tenant.
func allPeriods(t *testing.T, s store.Store, tenant numberdesk.TenantID) []numbers.HolderPeriod {
	t.Helper()
	ps, err := s.FindHolderPeriods(t.Context(), tenant, numbers.HolderPeriodFilter{})
	require.NoError(t, err)
	return normPeriods(ps)
}

// normPeriods returns copies of ps in a canonical form for comparisons.
func normPeriods(ps []numbers.HolderPeriod) []numbers.HolderPeriod {
	out := make([]numbers.HolderPeriod, len(ps))
	for i, p := range ps {
		p.From, p.To, p.Holders = normTime(p.From), normTime(p.To), slices.Clone(p.Holders)
		out[i] = p
	}
	return out
}

func period(n *numbers.Number, from, to time.Time, holders ...numberdesk.StaffID) numbers.HolderPeriod {
	return numbers.HolderPeriod{Tenant: n.Tenant, Number: n.ID, Holders: holders, From: normTime(from), To: normTime(to)}
}

func testHolderPeriods(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"RecordedWhenHoldersSinceMovesForward": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			h1, h2, h3 := numberdesk.NewStaffID(), numberdesk.NewStaffID(), numberdesk.NewStaffID()
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			n.Holders, n.HoldersSince = []numberdesk.StaffID{h1}, t0
			createNumbers(t, s, n)
			requireNumber(t, s, n)
			require.Empty(t, allPeriods(t, s, tn.ID), "creating a number records no period")

			reassign(t, s, n, t0.Add(time.Hour), h2)
			reassign(t, s, n, t0.Add(2*time.Hour), h2, h3)
			reassign(t, s, n, t0.Add(3*time.Hour))                      // released: no holders
			reassign(t, s, n, t0.Add(4*time.Hour), h1)                  // nobody held it before: no period
			reassign(t, s, n, t0.Add(5*time.Hour+time.Microsecond), h3) // microseconds are kept
			requireNumber(t, s, n)
			all := []numbers.HolderPeriod{
				period(n, t0, t0.Add(time.Hour), h1),
				period(n, t0.Add(time.Hour), t0.Add(2*time.Hour), h2),
				period(n, t0.Add(2*time.Hour), t0.Add(3*time.Hour), h2, h3),
				period(n, t0.Add(4*time.Hour), t0.Add(5*time.Hour+time.Microsecond), h1),
			}
			require.Equal(t, all, allPeriods(t, s, tn.ID))

			for name, c := range map[string]struct {
				f    numbers.HolderPeriodFilter
				want []numbers.HolderPeriod
			}{
				"Holder":          {numbers.HolderPeriodFilter{Holder: h2}, all[1:3]},
				"HolderMember":    {numbers.HolderPeriodFilter{Holder: h3}, all[2:3]},
				"HolderTwice":     {numbers.HolderPeriodFilter{Holder: h1}, []numbers.HolderPeriod{all[0], all[3]}},
				"HolderCurrent":   {numbers.HolderPeriodFilter{Holder: numberdesk.NewStaffID()}, nil},
				"HolderInvalid":   {numbers.HolderPeriodFilter{Holder: "kaputt"}, nil},
				"Numbers":         {numbers.HolderPeriodFilter{Numbers: []numberdesk.NumberID{numberdesk.NewNumberID(), n.ID, n.ID}}, all},
				"NumbersUnknown":  {numbers.HolderPeriodFilter{Numbers: []numberdesk.NumberID{numberdesk.NewNumberID(), "kaputt"}}, nil},
				"AfterExcludesTo": {numbers.HolderPeriodFilter{After: t0.Add(time.Hour)}, all[1:]},
				"AfterInside":     {numbers.HolderPeriodFilter{After: t0.Add(time.Hour - time.Microsecond)}, all},
				"AfterAll":        {numbers.HolderPeriodFilter{After: t0.Add(6 * time.Hour)}, nil},
				"Everything":      {numbers.HolderPeriodFilter{Numbers: []numberdesk.NumberID{n.ID}, Holder: h2, After: t0.Add(90 * time.Minute)}, all[1:3]},
			} {
				got, err := s.FindHolderPeriods(t.Context(), tn.ID, c.f)
				require.NoError(t, err, name)
				require.NotNil(t, got, name)
				if c.want == nil {
					c.want = []numbers.HolderPeriod{}
				}
				require.Equal(t, c.want, normPeriods(got), name)
			}
		},
		"NoPeriodWithoutMoveOrHolders": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			h1, h2 := numberdesk.NewStaffID(), numberdesk.NewStaffID()
			legacy := newNumber(tn.ID, e164(1), numbers.StatusActive) // no HoldersSince: held since before the history
			legacy.Holders = []numberdesk.StaffID{h1}
			n := newNumber(tn.ID, e164(2), numbers.StatusActive)
			createNumbers(t, s, legacy, n)

			// Other fields change: HoldersSince stays, nothing is recorded.
			legacy.Status = numbers.StatusDeactivationPending
			n.Options = []string{"recording"}
			require.NoError(t, s.UpdateNumbers(t.Context(), legacy, n))
			// Holders change within the same instant: an empty period.
			reassign(t, s, n, t0, h1)
			reassign(t, s, n, t0, h2)
			require.Empty(t, allPeriods(t, s, tn.ID))
			// A legacy holder's period starts at the zero time.
			reassign(t, s, legacy, t0.Add(time.Hour), h2)
			require.Equal(t, []numbers.HolderPeriod{period(legacy, time.Time{}, t0.Add(time.Hour), h1)}, allPeriods(t, s, tn.ID))
			requireNumber(t, s, legacy)
			requireNumber(t, s, n)
		},
		"BackwardsIsInvalidAndWritesNothing": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			h1, h2 := numberdesk.NewStaffID(), numberdesk.NewStaffID()
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			other := newNumber(tn.ID, e164(2), numbers.StatusActive)
			other.Holders = []numberdesk.StaffID{h2}
			createNumbers(t, s, n, other)
			reassign(t, s, n, t0.Add(time.Hour), h1)
			want, wantOther := norm(n), norm(other)

			for name, since := range map[string]time.Time{
				"Earlier":          t0.Add(time.Hour - time.Microsecond),
				"Zero":             {},
				"EarlierSameHolds": t0, // without a change of holders too
			} {
				c, o := n.Clone(), other.Clone()
				c.HoldersSince, c.Holders = since, []numberdesk.StaffID{h2}
				if name == "EarlierSameHolds" {
					c.Holders = slices.Clone(n.Holders)
				}
				o.Holders, o.HoldersSince = []numberdesk.StaffID{h1}, t0.Add(2*time.Hour) // fine on its own
				requireCode(t, s.UpdateNumbers(t.Context(), o, c), numberdesk.CodeInvalid, "holders_since")
				require.Equal(t, want.Version, c.Version, name)
				require.Equal(t, wantOther.Version, o.Version, name)
				requireNumber(t, s, want)
				requireNumber(t, s, wantOther)
				require.Empty(t, allPeriods(t, s, tn.ID), name)
			}
			// A stale version is reported first.
			c := n.Clone()
			c.HoldersSince, c.Version = t0, c.Version-1
			requireCode(t, s.UpdateNumbers(t.Context(), c), numberdesk.CodeConflict, "version")

			// In a transaction, the failed write leaves it usable.
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				c := n.Clone()
				c.HoldersSince = t0
				requireCode(t, s.UpdateNumbers(ctx, c), numberdesk.CodeInvalid, "holders_since")
				c.HoldersSince, c.Holders = t0.Add(3*time.Hour), []numberdesk.StaffID{h2}
				return s.UpdateNumbers(ctx, c)
			}))
			require.Equal(t, []numbers.HolderPeriod{period(n, t0.Add(time.Hour), t0.Add(3*time.Hour), h1)}, allPeriods(t, s, tn.ID))
		},
		"SortedByNumberThenFrom": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			h := numberdesk.NewStaffID()
			var ns []*numbers.Number
			for i := range 4 {
				n := newNumber(tn.ID, e164(i), numbers.StatusActive)
				n.Holders, n.HoldersSince = []numberdesk.StaffID{h}, t0
				ns = append(ns, n)
			}
			createNumbers(t, s, ns...)
			// Interleaved writes, two numbers in one batch (the holders
			// stay: moving HoldersSince forward closes a period all the
			// same). Each period starts at the HoldersSince stored before.
			var want []numbers.HolderPeriod
			for step := 1; step <= 3; step++ {
				at := t0.Add(time.Duration(step) * time.Hour)
				a, b := ns[step%4], ns[(step+2)%4]
				want = append(want, period(a, a.HoldersSince, at, h), period(b, b.HoldersSince, at, h))
				a.HoldersSince, b.HoldersSince = at, at
				require.NoError(t, s.UpdateNumbers(t.Context(), a, b))
			}
			slices.SortFunc(want, func(a, b numbers.HolderPeriod) int {
				return cmp.Or(strings.Compare(string(a.Number), string(b.Number)), a.From.Compare(b.From))
			})
			require.Len(t, want, 6)
			require.Equal(t, want, allPeriods(t, s, tn.ID))
		},
		"CopiesOut": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			h1, h2 := numberdesk.NewStaffID(), numberdesk.NewStaffID()
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			n.Holders, n.HoldersSince = []numberdesk.StaffID{h1, h2}, t0
			createNumbers(t, s, n)
			reassign(t, s, n, t0.Add(time.Hour), h2)
			got, err := s.FindHolderPeriods(t.Context(), tn.ID, numbers.HolderPeriodFilter{})
			require.NoError(t, err)
			require.Len(t, got, 1)
			got[0].Holders[0] = numberdesk.NewStaffID()
			require.Equal(t, []numbers.HolderPeriod{period(n, t0, t0.Add(time.Hour), h1, h2)}, allPeriods(t, s, tn.ID))
		},
		"RollbackDropsPeriods": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			h1, h2 := numberdesk.NewStaffID(), numberdesk.NewStaffID()
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			n.Holders, n.HoldersSince = []numberdesk.StaffID{h1}, t0
			createNumbers(t, s, n)
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				c := n.Clone()
				c.Holders, c.HoldersSince = []numberdesk.StaffID{h2}, t0.Add(time.Hour)
				require.NoError(t, s.UpdateNumbers(ctx, c))
				ps, err := s.FindHolderPeriods(ctx, tn.ID, numbers.HolderPeriodFilter{})
				require.NoError(t, err)
				require.Len(t, ps, 1, "the transaction sees its own period")
				return errBoom
			})
			require.ErrorIs(t, err, errBoom)
			require.Empty(t, allPeriods(t, s, tn.ID))
			// A nested transaction that fails takes its period back alone.
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				c := n.Clone()
				c.Holders, c.HoldersSince = []numberdesk.StaffID{h2}, t0.Add(time.Hour)
				require.NoError(t, s.UpdateNumbers(ctx, c))
				err := s.InTx(ctx, func(ctx context.Context) error {
					d := c.Clone()
					d.Holders, d.HoldersSince = nil, t0.Add(2*time.Hour)
					require.NoError(t, s.UpdateNumbers(ctx, d))
					return errBoom
				})
				require.ErrorIs(t, err, errBoom)
				return nil
			}))
			require.Equal(t, []numbers.HolderPeriod{period(n, t0, t0.Add(time.Hour), h1)}, allPeriods(t, s, tn.ID))
		},
		"UnknownTenantIsEmpty": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			n.Holders, n.HoldersSince = []numberdesk.StaffID{numberdesk.NewStaffID()}, t0
			createNumbers(t, s, n)
			reassign(t, s, n, t0.Add(time.Hour), numberdesk.NewStaffID())
			for _, tenant := range []numberdesk.TenantID{numberdesk.NewTenantID(), "", "kaputt"} {
				ps, err := s.FindHolderPeriods(t.Context(), tenant, numbers.HolderPeriodFilter{Numbers: []numberdesk.NumberID{n.ID}})
				require.NoError(t, err)
				require.Empty(t, ps)
			}
			require.Len(t, allPeriods(t, s, tn.ID), 1)
		},
		"CanceledContext": func(t *testing.T, s store.Store) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, err := s.FindHolderPeriods(ctx, newTenant(t, s).ID, numbers.HolderPeriodFilter{})
			requireCode(t, err, numberdesk.CodeInternal, "*")
			require.ErrorIs(t, err, context.Canceled)
		},
	})
}

// testRecordAttribution runs numbers.Service on the store: a record belongs
// to whoever held the number when it happened, however late it is fed; a
// purge on reassignment removes exactly the previous holder's records; a
// member of a shared fax number sees the fax records of its membership
// periods only (DESIGN.md §11).
func testRecordAttribution(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := t.Context()
	st := newStore(t)
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Hour); return now }
	svc, err := numbers.NewService(numbers.Config{Store: st, Clock: clock})
	require.NoError(t, err)
	tn := newTenant(t, st)
	person := func(first string, role numberdesk.Role) *staff.Employee {
		e := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: tn.ID, FirstName: first, LastName: "Muster",
			Email: first + "@muster.example", Role: role, Preferences: staff.DefaultPreferences, CreatedAt: t0, UpdatedAt: t0}
		require.NoError(t, st.CreateEmployee(ctx, e))
		return e
	}
	owner := person("olga", numberdesk.RoleOwner).Actor()
	anna, ben, cleo := person("anna", numberdesk.RoleEmployee), person("ben", numberdesk.RoleEmployee), person("cleo", numberdesk.RoleEmployee)
	ns, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: "+49 221 777000", ExtensionFrom: "10", ExtensionTo: "11"})
	require.NoError(t, err)
	q, err := svc.Quote(ctx, owner, numberIDs(ns))
	require.NoError(t, err)
	_, err = svc.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	voice, fax := ns[0], ns[1]
	assign := func(n *numbers.Number, e *staff.Employee, purge bool) *numbers.AssignResult {
		res, err := svc.Assign(ctx, owner, numbers.AssignRequest{Number: n.ID, Employee: e.ID, PurgePrevious: purge})
		require.NoError(t, err)
		return res
	}
	feed := func(n *numbers.Number, kind numbers.RecordKind, at time.Time) *numbers.Record {
		_, err := svc.Feed(ctx, numberdesk.System(tn.ID), []numbers.RecordInput{{Number: n.E164, Kind: kind, At: at, Result: numbers.ResultMissed}})
		require.NoError(t, err)
		rs, _, err := st.FindRecords(ctx, tn.ID, numbers.RecordFilter{Numbers: []numberdesk.NumberID{n.ID}, Kinds: []numbers.RecordKind{kind},
			From: at, To: at.Add(time.Microsecond)})
		require.NoError(t, err)
		require.Len(t, rs, 1)
		return rs[0]
	}
	visible := func(e *staff.Employee) []numberdesk.EventID {
		rs, _, err := svc.Records(ctx, e.Actor(), numbers.RecordQuery{})
		require.NoError(t, err)
		return callRecordIDs(rs)
	}

	// A late record of Anna's time after the number went to Ben is Anna's,
	// and Ben's purge leaves it.
	assign(voice, anna, false)
	annasTime := advance()
	advance()
	assign(voice, ben, false)
	bensTime := advance()
	annas := feed(voice, numbers.RecordCall, annasTime)
	require.Equal(t, anna.ID, annas.Holder)
	bens := feed(voice, numbers.RecordCall, bensTime)
	require.Equal(t, ben.ID, bens.Holder)
	require.Equal(t, []numberdesk.EventID{bens.ID}, visible(ben))
	res := assign(voice, cleo, true)
	require.Equal(t, 1, res.Purged)
	rs, _, err := st.FindRecords(ctx, tn.ID, numbers.RecordFilter{Numbers: []numberdesk.NumberID{voice.ID}})
	require.NoError(t, err)
	require.Equal(t, []numberdesk.EventID{annas.ID}, callRecordIDs(rs), "exactly Ben's record went")

	// A shared fax number: Cleo joins late, Ben leaves and comes back.
	_, err = svc.SetUsageType(ctx, owner, numbers.SetUsageTypeRequest{Number: fax.ID, UsageType: routing.UsageFaxShared})
	require.NoError(t, err)
	addMember := func(e *staff.Employee) {
		_, err := svc.AddMember(ctx, owner, fax.ID, e.ID)
		require.NoError(t, err)
	}
	addMember(anna)
	addMember(ben)
	early := advance()
	earlyFax, earlyCall := feed(fax, numbers.RecordFax, early), feed(fax, numbers.RecordCall, early)
	advance()
	addMember(cleo)
	_, err = svc.Unassign(ctx, owner, fax.ID, ben.ID, false)
	require.NoError(t, err)
	away := advance()
	advance()
	addMember(ben)
	back := advance()
	backFax := feed(fax, numbers.RecordFax, back)
	awayFax := feed(fax, numbers.RecordFax, away) // late
	require.Empty(t, earlyCall.Holder)
	require.Equal(t, []numberdesk.EventID{backFax.ID, awayFax.ID}, visible(cleo), "nothing from before Cleo joined")
	require.Equal(t, []numberdesk.EventID{backFax.ID, earlyFax.ID}, visible(ben), "nothing from Ben's time away, no calls")
	require.Equal(t, []numberdesk.EventID{backFax.ID, awayFax.ID, earlyFax.ID}, visible(anna), "no calls")
}

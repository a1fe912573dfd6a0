package numbers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// model is what the lifecycle should look like: a state per number and the
// instant a pending deactivation takes effect.
type model struct {
	status map[numberdesk.NumberID]numbers.Status
	due    map[numberdesk.NumberID]time.Time
	ids    []numberdesk.NumberID
}

func (m *model) billed() int {
	c := 0
	for _, s := range m.status {
		if s.Billed() {
			c++
		}
	}
	return c
}

// TestLifecycleModel drives random sequences of provision, quote, activate,
// deactivate, withdraw, apply-due and swap, with random clock advances,
// against a simple model, and checks the invariants after every step: every
// number is in exactly the model's state; only transitions of the table
// happen; billing intervals never overlap and have no gaps while a number is
// billed; a swap keeps the count of billed numbers; an inactive number has no
// settings and no holder.
func TestLifecycleModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		f := newFixture(rt)
		m := &model{status: map[numberdesk.NumberID]numbers.Status{}, due: map[numberdesk.NumberID]time.Time{}}
		next := 100000
		pick := func(label string) numberdesk.NumberID { return rapid.SampledFrom(m.ids).Draw(rt, label) }

		rt.Repeat(map[string]func(*rapid.T){
			"provision": func(rt *rapid.T) {
				size := rapid.IntRange(0, 4).Draw(rt, "block")
				req := numbers.ProvisionRequest{Number: fmt.Sprintf("0221 %d", next),
					Options: rapid.SampledFrom([][]string{nil, {"festnetz_flat"}, {"allnet_flat", "festnetz_flat"}}).Draw(rt, "options")}
				if size > 0 {
					req.ExtensionFrom, req.ExtensionTo = "10", fmt.Sprint(10+size-1)
				}
				next++
				ns, err := f.svc.Provision(ctx, f.owner, req)
				require.NoError(rt, err)
				for _, n := range ns {
					m.status[n.ID] = numbers.StatusNew
					m.ids = append(m.ids, n.ID)
				}
			},
			"provisionDuplicate": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				n := f.get(rt, pick("dup"))
				_, err := f.svc.Provision(ctx, f.owner, numbers.ProvisionRequest{Number: n.E164})
				require.Equal(rt, numberdesk.CodeConflict, numberdesk.ErrorCode(err))
			},
			"activate": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				ids := rapid.SliceOfNDistinct(rapid.SampledFrom(m.ids), 1, 4, rapid.ID).Draw(rt, "ids")
				q, err := f.svc.Quote(ctx, f.owner, ids)
				quotable := true
				for _, id := range ids {
					quotable = quotable && (m.status[id] == numbers.StatusNew || m.status[id] == numbers.StatusInactive)
				}
				if !quotable {
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					return
				}
				require.NoError(rt, err)
				res, err := f.svc.Activate(ctx, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
				require.NoError(rt, err)
				require.Equal(rt, len(ids), res.Activated())
				for _, id := range ids {
					m.status[id] = numbers.StatusActive
				}
			},
			"activateExpiredQuote": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id")
				q, err := f.svc.Quote(ctx, f.owner, []numberdesk.NumberID{id})
				if err != nil {
					return
				}
				f.advance(16 * time.Minute)
				_, err = f.svc.Activate(ctx, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
				require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
				require.Equal(rt, "quote", numberdesk.ErrorField(err))
			},
			"deactivate": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id")
				d, err := f.svc.Deactivate(ctx, f.owner, numbers.DeactivateRequest{Number: id})
				switch m.status[id] {
				case numbers.StatusActive:
					require.NoError(rt, err)
					want := numbers.EndOfFollowingMonth.EffectiveAt(f.now, f.loc)
					require.True(rt, d.EffectiveAt.Equal(want), "effective %v, want %v", d.EffectiveAt, want)
					m.status[id], m.due[id] = numbers.StatusDeactivationPending, want
				case numbers.StatusDeactivationPending:
					require.NoError(rt, err)
					require.False(rt, d.Changed)
					require.True(rt, d.EffectiveAt.Equal(m.due[id]))
				default:
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
				}
			},
			"withdraw": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id")
				_, err := f.svc.Withdraw(ctx, f.owner, id)
				if m.status[id] == numbers.StatusDeactivationPending {
					require.NoError(rt, err)
					m.status[id] = numbers.StatusActive
					delete(m.due, id)
				} else {
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
				}
			},
			"advanceClock": func(rt *rapid.T) {
				f.advance(time.Duration(rapid.Int64Range(0, int64(70*24*time.Hour)).Draw(rt, "d")))
			},
			"applyDue": func(rt *rapid.T) {
				done, err := f.svc.ApplyDue(ctx, numberdesk.System(f.tenant), f.now)
				require.NoError(rt, err)
				var want []numberdesk.NumberID
				for id, at := range m.due {
					if !at.After(f.now) {
						want = append(want, id)
						m.status[id] = numbers.StatusInactive
						delete(m.due, id)
					}
				}
				require.ElementsMatch(rt, want, done)
			},
			"swap": func(rt *rapid.T) {
				if len(m.ids) < 2 {
					rt.Skip("too few numbers")
				}
				old, nw := pick("old"), pick("new")
				billed := m.billed()
				res, err := f.svc.Swap(ctx, f.owner, numbers.SwapRequest{Old: old, New: nw})
				switch {
				case old == nw:
					require.Equal(rt, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
				case !m.status[old].Billed():
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "old", numberdesk.ErrorField(err))
				case m.status[nw] != numbers.StatusNew && m.status[nw] != numbers.StatusInactive:
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "new", numberdesk.ErrorField(err))
				default:
					require.NoError(rt, err)
					require.True(rt, res.ForwardingRequired)
					m.status[old], m.status[nw] = numbers.StatusInactive, numbers.StatusActive
					delete(m.due, old)
					require.Equal(rt, billed, m.billed(), "a swap changes the count of billed numbers")
				}
			},
			"assign": func(rt *rapid.T) {
				// Until the staff issue brings Assign, give a billed number a
				// holder and settings directly through the store.
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				n := f.get(rt, pick("id"))
				if n.Status == numbers.StatusInactive {
					rt.Skip("DESIGN §3: Assign takes new, active or pending numbers")
				}
				n.Holders = []numberdesk.StaffID{numberdesk.NewStaffID()}
				n.UsageType = routing.UsageFaxPersonal
				require.NoError(rt, f.store.UpdateNumbers(ctx, n))
			},
			"": func(rt *rapid.T) { f.checkInvariants(rt, m) },
		})
	})
}

// checkInvariants compares the store with the model and replays the event
// log to check transitions and billing intervals.
func (f *fixture) checkInvariants(t require.TestingT, m *model) {
	ctx := context.Background()
	ns, total, err := f.store.FindNumbers(ctx, f.tenant, numbers.Filter{})
	require.NoError(t, err)
	require.Equal(t, len(m.ids), total)
	billedCount := 0
	for _, n := range ns {
		require.Equal(t, m.status[n.ID], n.Status, "number %s", n.E164)
		if n.Status.Billed() {
			billedCount++
			require.NotEmpty(t, n.BillingLine)
		} else {
			require.Empty(t, n.BillingLine)
		}
		if n.Status == numbers.StatusInactive {
			require.Empty(t, n.Holders, "an inactive number has no holder")
			require.Empty(t, n.Options, "an inactive number has no options")
			require.Equal(t, routing.UsageVoice, n.UsageType)
		}
		if n.Status == numbers.StatusDeactivationPending {
			require.True(t, n.DeactivationAt.Equal(m.due[n.ID]))
		}
	}
	require.Equal(t, m.billed(), billedCount)

	evs, err := f.store.FindEvents(ctx, f.tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	type interval struct {
		number     numberdesk.NumberID
		start, end time.Time
	}
	open := map[numberdesk.NumberID]*interval{} // per number
	lines := map[string][]*interval{}           // per billing line, in event order
	for _, e := range evs {
		var d numbers.EventData
		require.NoError(t, e.Decode(&d))
		if d.Before != nil {
			require.True(t, numbers.Allowed(d.Before.Status, d.After.Status, e.Actor.Role),
				"%s: %s → %s by %s is not in the table", e.Type, d.Before.Status, d.After.Status, e.Actor.Role)
		}
		if d.Billing == nil {
			continue
		}
		if !d.Billing.Start.IsZero() {
			require.Nil(t, open[e.Number], "billing interval of %s opened twice", d.E164)
			iv := &interval{number: e.Number, start: d.Billing.Start}
			if prev := lines[d.Billing.Line]; len(prev) > 0 {
				last := prev[len(prev)-1]
				require.False(t, last.end.IsZero(), "line %s billed on two numbers at once", d.Billing.Line)
				require.True(t, last.end.Equal(iv.start), "gap on line %s", d.Billing.Line)
			}
			open[e.Number] = iv
			lines[d.Billing.Line] = append(lines[d.Billing.Line], iv)
		}
		if !d.Billing.End.IsZero() {
			iv := open[e.Number]
			require.NotNil(t, iv, "billing of %s ends without a start", d.E164)
			require.False(t, d.Billing.End.Before(iv.start), "billing of %s ends before it starts", d.E164)
			iv.end = d.Billing.End
			delete(open, e.Number)
		}
	}
	for _, n := range ns {
		require.Equal(t, n.Status.Billed(), open[n.ID] != nil, "billing interval of %s (%s)", n.E164, n.Status)
		if iv := open[n.ID]; iv != nil {
			require.True(t, iv.start.Equal(n.BilledSince))
		}
	}
}

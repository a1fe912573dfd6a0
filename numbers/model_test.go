package numbers_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// model is what the lifecycle should look like: the stored state per number,
// the instant a pending deactivation takes effect (from then on the number
// is inactive, whether or not ApplyDue has stored it), its usage type and
// holder, and how often each number was written (a quote is void once one of
// its numbers was written).
type model struct {
	status  map[numberdesk.NumberID]numbers.Status // as stored
	due     map[numberdesk.NumberID]time.Time
	usage   map[numberdesk.NumberID]routing.UsageType // while not inactive
	held    map[numberdesk.NumberID]bool              // by the run's employee
	writes  map[numberdesk.NumberID]int
	ids     []numberdesk.NumberID
	quotes  []modelQuote
	results []modelResult
}

// modelQuote is an issued quote: its token, numbers, the writes of each when
// quoted and its expiry.
type modelQuote struct {
	token   string
	ids     []numberdesk.NumberID
	writes  []int
	expires time.Time
}

// modelResult is a successful activation with an idempotency key.
type modelResult struct {
	req numbers.ActivateRequest
	res *numbers.ActivateResult
}

// statusAt is the state of id at now: a pending number is inactive from its
// effective instant on.
func (m *model) statusAt(id numberdesk.NumberID, now time.Time) numbers.Status {
	if s := m.status[id]; s != numbers.StatusDeactivationPending || now.Before(m.due[id]) {
		return s
	}
	return numbers.StatusInactive
}

// billed counts the numbers billed at now.
func (m *model) billed(now time.Time) int {
	c := 0
	for _, id := range m.ids {
		if m.statusAt(id, now).Billed() {
			c++
		}
	}
	return c
}

// lapse stores what became true at id's effective instant, as ApplyDue or
// a command on the number does.
func (m *model) lapse(id numberdesk.NumberID, now time.Time) {
	if m.status[id] == numbers.StatusDeactivationPending && m.statusAt(id, now) == numbers.StatusInactive {
		m.status[id], m.usage[id], m.held[id] = numbers.StatusInactive, routing.UsageVoice, false
		delete(m.due, id)
	}
}

// write records a change of id.
func (m *model) write(ids ...numberdesk.NumberID) {
	for _, id := range ids {
		m.writes[id]++
	}
}

// TestLifecycleModel drives random sequences of provision, quote, activate
// (with fresh and with old quote tokens, with idempotency keys and their
// replays), deactivate, withdraw, apply-due (also with a now ahead of the
// clock), swap, assign, usage type changes and call routing, with random
// clock advances, against a simple model, and checks the invariants after
// every step: every number is stored in exactly the model's state and reads
// (Number, Overview and its status filter) in the state the model gives it at
// the current time, so that a deactivation takes effect at its instant
// whether or not ApplyDue has run; a quote token activates only while none of
// its numbers was written since; only transitions of the table happen;
// billing intervals never overlap and have no gaps while a number is billed;
// a swap keeps the count of billed numbers; an inactive number has no
// settings and no holder.
func TestLifecycleModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		f := newFixture(rt)
		employee := f.employee(rt, "Erika")
		m := &model{status: map[numberdesk.NumberID]numbers.Status{}, due: map[numberdesk.NumberID]time.Time{},
			usage: map[numberdesk.NumberID]routing.UsageType{}, held: map[numberdesk.NumberID]bool{}, writes: map[numberdesk.NumberID]int{}}
		next, keys := 100000, 0
		// pick draws a number; half of the time one in a state in states
		// (at the current time), if there is one, so that the commands
		// mostly meet numbers they apply to.
		pick := func(label string, states ...numbers.Status) numberdesk.NumberID {
			var fit []numberdesk.NumberID
			for _, id := range m.ids {
				if slices.Contains(states, m.statusAt(id, f.clock())) {
					fit = append(fit, id)
				}
			}
			if len(fit) > 0 && rapid.Bool().Draw(rt, label+" fits") {
				return rapid.SampledFrom(fit).Draw(rt, label)
			}
			return rapid.SampledFrom(m.ids).Draw(rt, label)
		}
		quotable := func(ids []numberdesk.NumberID) bool {
			for _, id := range ids {
				if s := m.statusAt(id, f.clock()); s != numbers.StatusNew && s != numbers.StatusInactive {
					return false
				}
			}
			return true
		}
		activated := func(ids []numberdesk.NumberID) {
			for _, id := range ids {
				m.lapse(id, f.clock())
				m.status[id] = numbers.StatusActive
			}
			m.write(ids...)
		}

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
					m.status[n.ID], m.usage[n.ID] = numbers.StatusNew, routing.UsageVoice
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
			"quote": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				ids := rapid.SliceOfNDistinct(rapid.SampledFrom(m.ids), 1, 4, rapid.ID).Draw(rt, "ids")
				if rapid.Bool().Draw(rt, "one") {
					ids = []numberdesk.NumberID{pick("id", numbers.StatusNew, numbers.StatusInactive)}
				}
				q, err := f.svc.Quote(ctx, f.owner, ids)
				if !quotable(ids) {
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					return
				}
				require.NoError(rt, err)
				mq := modelQuote{token: q.Token, ids: ids, expires: q.ExpiresAt}
				for _, id := range ids {
					mq.writes = append(mq.writes, m.writes[id])
				}
				m.quotes = append(m.quotes, mq)
			},
			"activate": func(rt *rapid.T) {
				// With a quote of now, or one issued earlier: it activates
				// only if it has not expired and none of its numbers was
				// written since.
				if len(m.quotes) == 0 {
					rt.Skip("no quotes")
				}
				q := m.quotes[len(m.quotes)-1]
				if rapid.Bool().Draw(rt, "old") {
					q = rapid.SampledFrom(m.quotes).Draw(rt, "quote")
				}
				req := numbers.ActivateRequest{QuoteToken: q.token}
				if rapid.Bool().Draw(rt, "keyed") {
					keys++
					req.IdempotencyKey = fmt.Sprint("activate-", keys)
				}
				res, err := f.svc.Activate(ctx, f.owner, req)
				valid := f.clock().Before(q.expires)
				for i, id := range q.ids {
					valid = valid && m.writes[id] == q.writes[i]
				}
				if !valid {
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err), "%v", err)
					require.Equal(rt, "quote", numberdesk.ErrorField(err))
					return
				}
				require.NoError(rt, err)
				require.Equal(rt, len(q.ids), res.Activated())
				activated(q.ids)
				if req.IdempotencyKey != "" {
					m.results = append(m.results, modelResult{req: req, res: res})
				}
			},
			"quoteAndActivate": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				ids := []numberdesk.NumberID{pick("id", numbers.StatusNew, numbers.StatusInactive)}
				q, err := f.svc.Quote(ctx, f.owner, ids)
				if !quotable(ids) {
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					return
				}
				require.NoError(rt, err)
				res, err := f.svc.Activate(ctx, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
				require.NoError(rt, err)
				require.Equal(rt, 1, res.Activated())
				activated(ids)
			},
			"activateAgain": func(rt *rapid.T) {
				// A retry with the key gets the stored result and changes
				// nothing, whatever happened since.
				if len(m.results) == 0 {
					rt.Skip("no keyed activations")
				}
				r := rapid.SampledFrom(m.results).Draw(rt, "result")
				nsBefore, evsBefore := f.snapshot(rt)
				res, err := f.svc.Activate(ctx, f.owner, r.req)
				require.NoError(rt, err)
				require.Equal(rt, r.res, res)
				nsAfter, evsAfter := f.snapshot(rt)
				require.Equal(rt, nsBefore, nsAfter)
				require.Equal(rt, evsBefore, evsAfter)
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
				id := pick("id", numbers.StatusActive)
				d, err := f.svc.Deactivate(ctx, f.owner, numbers.DeactivateRequest{Number: id})
				switch m.statusAt(id, f.clock()) {
				case numbers.StatusActive:
					require.NoError(rt, err)
					want := numbers.EndOfFollowingMonth.EffectiveAt(f.clock(), f.loc)
					require.True(rt, d.EffectiveAt.Equal(want), "effective %v, want %v", d.EffectiveAt, want)
					m.status[id], m.due[id] = numbers.StatusDeactivationPending, want
					m.write(id)
				case numbers.StatusDeactivationPending:
					require.NoError(rt, err)
					require.False(rt, d.Changed)
					require.True(rt, d.EffectiveAt.Equal(m.due[id]))
				default:
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "number", numberdesk.ErrorField(err))
				}
			},
			"withdraw": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id", numbers.StatusDeactivationPending)
				_, err := f.svc.Withdraw(ctx, f.owner, numbers.WithdrawRequest{Number: id})
				if m.statusAt(id, f.clock()) == numbers.StatusDeactivationPending {
					require.NoError(rt, err)
					m.status[id] = numbers.StatusActive
					delete(m.due, id)
					m.write(id)
				} else {
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "number", numberdesk.ErrorField(err))
				}
			},
			"advanceClock": func(rt *rapid.T) {
				if rapid.Bool().Draw(rt, "far") {
					f.advance(time.Duration(rapid.Int64Range(0, int64(70*24*time.Hour)).Draw(rt, "d")))
					return
				}
				f.advance(time.Duration(rapid.Int64Range(0, int64(20*time.Minute)).Draw(rt, "d")))
			},
			"advanceToDue": func(rt *rapid.T) {
				// To just before, at or just after an effective instant.
				var dues []time.Time
				for _, id := range m.ids {
					if at, ok := m.due[id]; ok && at.After(f.clock()) {
						dues = append(dues, at)
					}
				}
				if len(dues) == 0 {
					rt.Skip("nothing pending")
				}
				at := rapid.SampledFrom(dues).Draw(rt, "due")
				f.advance(at.Sub(f.clock()) + time.Duration(rapid.IntRange(-1, 1).Draw(rt, "µs"))*time.Microsecond)
			},
			"applyDue": func(rt *rapid.T) {
				done, err := f.svc.ApplyDue(ctx, numberdesk.System(f.tenant), f.clock())
				require.NoError(rt, err)
				var want []numberdesk.NumberID
				for _, id := range m.ids {
					if m.status[id] == numbers.StatusDeactivationPending && m.statusAt(id, f.clock()) == numbers.StatusInactive {
						want = append(want, id)
						m.lapse(id, f.clock())
						m.write(id)
					}
				}
				require.ElementsMatch(rt, want, done)
			},
			"applyDueAhead": func(rt *rapid.T) {
				// A now ahead of the clock beyond the skew changes nothing.
				ahead := numbers.DefaultMaxClockSkew + time.Duration(rapid.Int64Range(1, int64(70*24*time.Hour)).Draw(rt, "ahead"))
				nsBefore, evsBefore := f.snapshot(rt)
				_, err := f.svc.ApplyDue(ctx, numberdesk.System(f.tenant), f.clock().Add(ahead))
				require.Equal(rt, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
				require.Equal(rt, "now", numberdesk.ErrorField(err))
				nsAfter, evsAfter := f.snapshot(rt)
				require.Equal(rt, nsBefore, nsAfter)
				require.Equal(rt, evsBefore, evsAfter)
			},
			"swap": func(rt *rapid.T) {
				if len(m.ids) < 2 {
					rt.Skip("too few numbers")
				}
				old, nw := pick("old", numbers.StatusActive, numbers.StatusDeactivationPending), pick("new", numbers.StatusNew, numbers.StatusInactive)
				now := f.clock()
				billed := m.billed(now)
				res, err := f.svc.Swap(ctx, f.owner, numbers.SwapRequest{Old: old, New: nw})
				switch {
				case old == nw:
					require.Equal(rt, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
				case !m.statusAt(old, now).Billed():
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "old", numberdesk.ErrorField(err))
				case m.statusAt(nw, now) != numbers.StatusNew && m.statusAt(nw, now) != numbers.StatusInactive:
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "new", numberdesk.ErrorField(err))
				default:
					require.NoError(rt, err)
					require.True(rt, res.ForwardingRequired)
					m.lapse(nw, now)
					m.status[old], m.status[nw] = numbers.StatusInactive, numbers.StatusActive
					m.usage[nw], m.held[nw] = m.usage[old], m.held[old]
					m.usage[old], m.held[old] = routing.UsageVoice, false
					delete(m.due, old)
					m.write(old, nw)
					require.Equal(rt, billed, m.billed(now), "a swap changes the count of billed numbers")
				}
			},
			"assign": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id", numbers.StatusNew, numbers.StatusActive, numbers.StatusDeactivationPending)
				_, err := f.svc.Assign(ctx, f.owner, numbers.AssignRequest{Number: id, Employee: employee.ID})
				if m.statusAt(id, f.clock()) == numbers.StatusInactive {
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "number", numberdesk.ErrorField(err))
					return
				}
				require.NoError(rt, err)
				if !m.held[id] {
					m.held[id] = true
					m.write(id)
				}
			},
			"setUsageType": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id")
				u := rapid.SampledFrom([]routing.UsageType{routing.UsageVoice, routing.UsageFaxPersonal}).Draw(rt, "usage")
				_, err := f.svc.SetUsageType(ctx, f.owner, numbers.SetUsageTypeRequest{Number: id, UsageType: u, Confirm: true})
				switch {
				case m.statusAt(id, f.clock()) == numbers.StatusInactive:
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "number", numberdesk.ErrorField(err))
				case m.usage[id] == u:
					require.NoError(rt, err)
				case u == routing.UsageFaxPersonal && !m.held[id]:
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "usage_type", numberdesk.ErrorField(err))
				default:
					require.NoError(rt, err)
					m.usage[id] = u
					m.write(id)
				}
			},
			"routeCall": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id", numbers.StatusActive, numbers.StatusDeactivationPending)
				_, err := f.svc.RouteCall(ctx, f.owner, id, routing.Call{From: "+4930123456"}, time.Time{}, nil)
				switch {
				case !m.statusAt(id, f.clock()).Billed(): // only active numbers route (and pending ones before their date)
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "number", numberdesk.ErrorField(err))
				case m.usage[id] != routing.UsageVoice:
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "usage_type", numberdesk.ErrorField(err))
				default:
					require.NoError(rt, err)
				}
			},
			"": func(rt *rapid.T) { f.checkInvariants(rt, m, employee.ID) },
		})
	})
}

// checkInvariants compares the store and the service's reads with the model
// and replays the event log to check transitions and billing intervals.
func (f *fixture) checkInvariants(t require.TestingT, m *model, employee numberdesk.StaffID) {
	ctx := context.Background()
	now := f.clock()
	ns, total, err := f.store.FindNumbers(ctx, f.tenant, numbers.Filter{})
	require.NoError(t, err)
	require.Equal(t, len(m.ids), total)
	billedCount := 0
	for _, n := range ns {
		// As stored.
		require.Equal(t, m.status[n.ID], n.Status, "number %s", n.E164)
		require.Equal(t, n.Status.Billed(), n.BillingLine != "", "billing line of %s", n.E164)
		if n.Status == numbers.StatusInactive {
			require.Empty(t, n.Holders, "an inactive number has no holder")
			require.Empty(t, n.Options, "an inactive number has no options")
			require.Equal(t, routing.UsageVoice, n.UsageType)
		}
		if n.Status == numbers.StatusDeactivationPending {
			require.True(t, n.DeactivationAt.Equal(m.due[n.ID]))
		}

		// As read now: a due number is inactive, ApplyDue or not.
		r, err := f.svc.Number(ctx, f.owner, n.ID)
		require.NoError(t, err)
		require.Equal(t, m.statusAt(n.ID, now), r.Status, "number %s read at %v", n.E164, now)
		require.Equal(t, r.Status.Billed(), r.BillingLine != "", "billing line of %s read", n.E164)
		if r.Status.Billed() {
			billedCount++
		}
		if r.Status == numbers.StatusInactive {
			require.Empty(t, r.Holders, "an inactive number has no holder")
			require.Empty(t, r.Options, "an inactive number has no options")
			require.Equal(t, routing.UsageVoice, r.UsageType)
			require.True(t, r.DeactivationAt.IsZero())
		} else {
			require.Equal(t, m.usage[n.ID], r.UsageType, "usage type of %s", n.E164)
			require.Equal(t, m.held[n.ID], r.HeldBy(employee), "holder of %s", n.E164)
		}
		if n.Status == numbers.StatusDeactivationPending && r.Status == numbers.StatusInactive {
			// Its history ends with the deactivation ApplyDue will store.
			evs, err := f.svc.History(ctx, f.owner, n.ID)
			require.NoError(t, err)
			last := evs[len(evs)-1]
			var d numbers.EventData
			require.NoError(t, last.Decode(&d))
			require.Equal(t, numbers.EventDeactivated, last.Type)
			require.True(t, last.At.Equal(m.due[n.ID]))
			require.Equal(t, n.BillingLine, d.Billing.Line)
			require.True(t, d.Billing.End.Equal(m.due[n.ID]), "billing ends at the effective instant")
		}
	}
	require.Equal(t, m.billed(now), billedCount)

	// The overview's filters agree with the states and holders read.
	overview := func(q numbers.Query) []numberdesk.NumberID {
		q.Limit = numbers.MaxPageSize
		p, err := f.svc.Overview(ctx, f.owner, q)
		require.NoError(t, err)
		require.Len(t, p.Numbers, p.Total)
		var out []numberdesk.NumberID
		for _, n := range p.Numbers {
			if len(q.Statuses) > 0 {
				require.Equal(t, q.Statuses[0], n.Status)
			}
			out = append(out, n.ID)
		}
		return out
	}
	for _, s := range numbers.Statuses {
		var want []numberdesk.NumberID
		for _, id := range m.ids {
			if m.statusAt(id, now) == s {
				want = append(want, id)
			}
		}
		require.ElementsMatch(t, want, overview(numbers.Query{Statuses: []numbers.Status{s}}), "status %s", s)
	}
	var held []numberdesk.NumberID
	for _, id := range m.ids {
		if m.held[id] && m.statusAt(id, now) != numbers.StatusInactive {
			held = append(held, id)
		}
	}
	require.ElementsMatch(t, held, overview(numbers.Query{Holder: employee}), "held numbers")

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
		if d.Before != nil && d.After != nil && d.Before.Status != d.After.Status { // a change of state
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

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
	"github.com/numberdesk/numberdesk/staff"
)

// model is what the lifecycle should look like: the stored state per number,
// the instant a pending deactivation takes effect (from then on the number
// is inactive, whether or not ApplyDue has stored it), its usage type,
// options, holder and billing line, how often each number was written (a
// quote is void once one of its numbers was written), the billing feed
// (when each number's billing intervals start and end), the holder history
// and the call records fed.
type model struct {
	status  map[numberdesk.NumberID]numbers.Status // as stored
	due     map[numberdesk.NumberID]time.Time
	usage   map[numberdesk.NumberID]routing.UsageType  // as stored
	options map[numberdesk.NumberID][]string           // as stored
	held    map[numberdesk.NumberID]numberdesk.StaffID // the holder as stored, "" for none
	line    map[numberdesk.NumberID]string             // the billing line as stored
	lines   map[string]bool                            // every line an activation opened
	writes  map[numberdesk.NumberID]int
	ids     []numberdesk.NumberID
	quotes  []modelQuote
	results []modelResult
	// starts and ends are the instants at which each number's billing
	// intervals start and end, in order: an activation or a swap in starts
	// one; a deactivation (at its effective instant) or a swap out ends it.
	starts, ends map[numberdesk.NumberID][]time.Time
	// holding is each number's holder history, oldest first.
	holding map[numberdesk.NumberID][]holding
	records []modelRecord
}

// holding: who holds a number from an instant on ("" nobody).
type holding struct {
	from time.Time
	who  numberdesk.StaffID
}

// modelRecord is a record fed: its number, instant and the holder it
// belongs to (whoever held the number at that instant).
type modelRecord struct {
	number numberdesk.NumberID
	at     int64 // Unix microseconds
	holder numberdesk.StaffID
}

func newModel() *model {
	return &model{status: map[numberdesk.NumberID]numbers.Status{}, due: map[numberdesk.NumberID]time.Time{},
		usage: map[numberdesk.NumberID]routing.UsageType{}, options: map[numberdesk.NumberID][]string{},
		held: map[numberdesk.NumberID]numberdesk.StaffID{}, line: map[numberdesk.NumberID]string{}, lines: map[string]bool{},
		writes: map[numberdesk.NumberID]int{}, starts: map[numberdesk.NumberID][]time.Time{}, ends: map[numberdesk.NumberID][]time.Time{},
		holding: map[numberdesk.NumberID][]holding{}}
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
// a command on the number does: its billing ends and its holder loses it at
// that instant, and its settings are gone.
func (m *model) lapse(id numberdesk.NumberID, now time.Time) {
	if m.status[id] == numbers.StatusDeactivationPending && m.statusAt(id, now) == numbers.StatusInactive {
		at := m.due[id]
		m.ends[id] = append(m.ends[id], at)
		m.setHolder(id, "", at)
		m.status[id], m.usage[id], m.options[id], m.line[id] = numbers.StatusInactive, routing.UsageVoice, nil, ""
		delete(m.due, id)
	}
}

// write records a change of id.
func (m *model) write(ids ...numberdesk.NumberID) {
	for _, id := range ids {
		m.writes[id]++
	}
}

// setHolder makes who the holder of id from the instant at on.
func (m *model) setHolder(id numberdesk.NumberID, who numberdesk.StaffID, at time.Time) {
	if m.held[id] != who {
		m.held[id] = who
		m.holding[id] = append(m.holding[id], holding{from: at, who: who})
	}
}

// holderAt is who held id at the instant t: nobody from the effective
// instant of a deactivation on (stored or not), else the last holding that
// began at or before t.
func (m *model) holderAt(id numberdesk.NumberID, t time.Time) numberdesk.StaffID {
	if m.status[id] == numbers.StatusDeactivationPending && !t.Before(m.due[id]) {
		return ""
	}
	var who numberdesk.StaffID
	for _, h := range m.holding[id] {
		if !t.Before(h.from) {
			who = h.who
		}
	}
	return who
}

// purge removes the records of id that belong to who and returns how many.
func (m *model) purge(id numberdesk.NumberID, who numberdesk.StaffID) int {
	kept := make([]modelRecord, 0, len(m.records))
	for _, r := range m.records {
		if r.number != id || r.holder != who {
			kept = append(kept, r)
		}
	}
	n := len(m.records) - len(kept)
	m.records = kept
	return n
}

// holders returns who as a holder list (nil for nobody).
func holders(who numberdesk.StaffID) []numberdesk.StaffID {
	if who == "" {
		return nil
	}
	return []numberdesk.StaffID{who}
}

// nilIfEmpty returns nil for an empty slice, else xs.
func nilIfEmpty[T any](xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

// civilDate is a calendar day.
type civilDate struct{ year, month, day int }

// daysIn is the length of a month of the Gregorian calendar.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// wantEffective is the model's notice rule, "end of the following month",
// computed independently of numbers.EndOfFollowingMonth (which lets
// time.Date normalise month+2): the request's month in the tenant's zone is
// advanced by explicit year and month arithmetic, the following month's last
// day comes from a table of month lengths, and its end, 24:00 local time, is
// the instant whose local clock reads 00:00 on the first of the month after,
// found by solving local = UTC + offset. It returns that instant and the
// last day (the notice date).
func wantEffective(t require.TestingT, requested time.Time, loc *time.Location) (time.Time, civilDate) {
	local := requested.In(loc)
	fy, fm := local.Year(), int(local.Month())+1 // the following month
	if fm > 12 {
		fy, fm = fy+1, 1
	}
	last := civilDate{fy, fm, daysIn(fy, fm)}
	ny, nm := fy, fm+1 // the month after it, whose first midnight ends the last day
	if nm > 12 {
		ny, nm = ny+1, 1
	}
	wall := time.Date(ny, time.Month(nm), 1, 0, 0, 0, 0, time.UTC) // the local clock reading, as if UTC
	at := wall
	for range 4 {
		_, offset := at.In(loc).Zone()
		at = wall.Add(-time.Duration(offset) * time.Second)
	}
	l, before := at.In(loc), at.Add(-time.Nanosecond).In(loc)
	require.Equal(t, [5]int{ny, nm, 1, 0, 0}, [5]int{l.Year(), int(l.Month()), l.Day(), l.Hour(), l.Minute()},
		"oracle: %v is not midnight of %d-%02d-01 in %s", at, ny, nm, loc)
	require.Equal(t, last, civilDate{before.Year(), int(before.Month()), before.Day()}, "oracle: the instant before %v", at)
	require.True(t, at.After(requested), "oracle: %v is not after the request %v", at, requested)
	return at.UTC(), last
}

// The oracle itself, on the examples of DESIGN.md §3 and across a year end,
// a leap day and DST changes.
func TestWantEffective(t *testing.T) {
	for _, c := range []struct {
		zone      string
		requested string // local
		effective string // UTC
		notice    civilDate
	}{
		{"Europe/Berlin", "2026-01-31 12:00", "2026-02-28 23:00", civilDate{2026, 2, 28}},
		{"Europe/Berlin", "2026-12-15 09:00", "2027-01-31 23:00", civilDate{2027, 1, 31}},
		{"Europe/Berlin", "2027-12-31 23:59", "2028-01-31 23:00", civilDate{2028, 1, 31}},
		{"Europe/Berlin", "2028-01-01 00:00", "2028-02-29 23:00", civilDate{2028, 2, 29}},
		{"Europe/Berlin", "2026-02-10 08:00", "2026-03-31 22:00", civilDate{2026, 3, 31}}, // ends in summer time
		{"Europe/Berlin", "2026-09-30 23:30", "2026-10-31 23:00", civilDate{2026, 10, 31}},
		{"America/New_York", "2026-01-31 23:30", "2026-03-01 05:00", civilDate{2026, 2, 28}},
		{"Pacific/Chatham", "2026-06-01 00:00", "2026-07-31 11:15", civilDate{2026, 7, 31}},
		{"Asia/Kolkata", "2100-01-15 00:00", "2100-02-28 18:30", civilDate{2100, 2, 28}}, // 2100 is no leap year
	} {
		loc, err := time.LoadLocation(c.zone)
		require.NoError(t, err)
		req, err := time.ParseInLocation("2006-01-02 15:04", c.requested, loc)
		require.NoError(t, err)
		want, err := time.Parse("2006-01-02 15:04", c.effective)
		require.NoError(t, err)
		got, notice := wantEffective(t, req, loc)
		require.True(t, got.Equal(want), "%s %s: %v, want %v", c.zone, c.requested, got, want)
		require.Equal(t, c.notice, notice)
	}
}

// modelZones are the tenant time zones the model runs in: the default
// (twice as likely), zones west and east of UTC with DST, a half-hour and a
// 45-minute offset, a half-hour DST shift, a zone that dropped DST, and UTC.
var modelZones = []string{"Europe/Berlin", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham",
	"Australia/Lord_Howe", "America/Sao_Paulo", "Etc/UTC"}

// TestLifecycleModel drives random sequences of provision, quote, activate
// (with fresh and with old quote tokens, with idempotency keys and their
// replays), deactivate, withdraw, apply-due (also with a now ahead of the
// clock), swap, assign and unassign (with and without purge) of two
// employees, usage type changes, call routing and call records fed late or
// on time, with random clock advances, in a tenant of a random time zone,
// against a simple model, and checks the invariants after every step: every
// number is stored in exactly the model's state, options, holder and billing
// line and reads (Number, Overview and its status and holder filters) as the
// model gives it at the current time, so that a deactivation takes effect at
// its instant whether or not ApplyDue has run; a deactivation takes effect
// at the end of the following month as the model computes it (not with the
// production rule); a quote token activates only while none of its numbers
// was written since; only transitions of the table happen; the billing feed
// starts and ends each number's intervals exactly when the model says (a
// deactivation at its effective instant, a swap at its time), an activation
// opens a new line, a swap hands the line over at one instant, no interval
// is closed twice and the intervals of a line never overlap; a swap keeps
// the count of billed numbers and moves holder, options and usage type to
// the new number; an inactive number has no settings and no holder; and
// every record fed belongs to whoever held its number at its instant.
func TestLifecycleModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		f := newFixture(rt)
		// A tenant in a random zone replaces the fixture's.
		zone := rapid.SampledFrom(modelZones).Draw(rt, "zone")
		loc, err := time.LoadLocation(zone)
		require.NoError(rt, err)
		tn := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "Modell GmbH", TimeZone: zone, CreatedAt: f.clock()}
		require.NoError(rt, f.store.CreateTenant(ctx, tn))
		f.tenant, f.loc = tn.ID, loc
		f.owner = f.member(rt, tn.ID, "Olga", numberdesk.RoleOwner).Actor()
		employees := []*staff.Employee{f.employee(rt, "Erika"), f.employee(rt, "Emil")}
		m := newModel()
		// now is the Service's view of the clock (microseconds).
		now := func() time.Time { return f.clock().UTC().Truncate(time.Microsecond) }
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
		// activated: each number's due deactivation is stored first, then
		// it is billed from now on a line of its own.
		activated := func(ids []numberdesk.NumberID) {
			for _, id := range ids {
				m.lapse(id, f.clock())
				m.status[id] = numbers.StatusActive
				m.starts[id] = append(m.starts[id], now())
				line := f.get(rt, id).BillingLine
				require.NotEmpty(rt, line)
				require.False(rt, m.lines[line], "activation reuses line %s", line)
				m.line[id], m.lines[line] = line, true
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
					m.status[n.ID], m.usage[n.ID], m.options[n.ID] = numbers.StatusNew, routing.UsageVoice, nilIfEmpty(slices.Clone(req.Options))
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
					want, notice := wantEffective(rt, f.clock(), f.loc)
					require.True(rt, d.EffectiveAt.Equal(want), "effective %v, want %v (requested %v in %s)", d.EffectiveAt, want, f.clock(), f.loc)
					nd := d.NoticeDate.In(f.loc)
					require.Equal(rt, notice, civilDate{nd.Year(), int(nd.Month()), nd.Day()}, "notice date %v", d.NoticeDate)
					require.Equal(rt, [3]int{0, 0, 0}, [3]int{nd.Hour(), nd.Minute(), nd.Second()}, "the notice date is a day at 00:00")
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
				billed := m.billed(f.clock())
				res, err := f.svc.Swap(ctx, f.owner, numbers.SwapRequest{Old: old, New: nw})
				switch {
				case old == nw:
					require.Equal(rt, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
				case !m.statusAt(old, f.clock()).Billed():
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "old", numberdesk.ErrorField(err))
				case m.statusAt(nw, f.clock()) != numbers.StatusNew && m.statusAt(nw, f.clock()) != numbers.StatusInactive:
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "new", numberdesk.ErrorField(err))
				default:
					require.NoError(rt, err)
					require.True(rt, res.ForwardingRequired)
					at := now()
					m.lapse(nw, f.clock())
					// The new number takes the old one's place: its line
					// from now on, its options, usage type and holder.
					line := m.line[old]
					require.Equal(rt, numbers.StatusActive, res.New.Status)
					require.Equal(rt, line, res.New.BillingLine, "the new number takes over the line")
					require.True(rt, res.New.BilledSince.Equal(at), "billed since %v, want %v", res.New.BilledSince, at)
					require.Equal(rt, m.options[old], nilIfEmpty(res.New.Options), "the options move")
					require.Equal(rt, m.usage[old], res.New.UsageType, "the usage type moves")
					require.Equal(rt, holders(m.held[old]), nilIfEmpty(res.New.Holders), "the holder moves to the new number")
					require.Equal(rt, res.New, f.get(rt, nw))
					hs, err := f.svc.Holders(ctx, f.owner, nw)
					require.NoError(rt, err)
					var got []numberdesk.StaffID
					for _, e := range hs {
						got = append(got, e.ID)
					}
					require.Equal(rt, holders(m.held[old]), got, "Holders of the new number")
					require.Equal(rt, numbers.StatusInactive, res.Old.Status)
					require.Empty(rt, res.Old.Holders)
					require.Empty(rt, res.Old.Options)
					require.Empty(rt, res.Old.BillingLine)
					require.Equal(rt, routing.UsageVoice, res.Old.UsageType)

					m.ends[old], m.starts[nw] = append(m.ends[old], at), append(m.starts[nw], at)
					m.status[old], m.status[nw] = numbers.StatusInactive, numbers.StatusActive
					m.usage[nw], m.options[nw], m.line[nw] = m.usage[old], m.options[old], line
					m.setHolder(nw, m.held[old], at)
					m.setHolder(old, "", at)
					m.usage[old], m.options[old], m.line[old] = routing.UsageVoice, nil, ""
					delete(m.due, old)
					m.write(old, nw)
					require.Equal(rt, billed, m.billed(f.clock()), "a swap changes the count of billed numbers")
				}
			},
			"assign": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id", numbers.StatusNew, numbers.StatusActive, numbers.StatusDeactivationPending)
				who := rapid.SampledFrom(employees).Draw(rt, "employee").ID
				purge := rapid.Bool().Draw(rt, "purge")
				res, err := f.svc.Assign(ctx, f.owner, numbers.AssignRequest{Number: id, Employee: who, PurgePrevious: purge})
				if m.statusAt(id, f.clock()) == numbers.StatusInactive {
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "number", numberdesk.ErrorField(err))
					return
				}
				require.NoError(rt, err)
				prev := m.held[id]
				if prev == who {
					require.Empty(rt, res.Previous)
					require.Zero(rt, res.Purged)
					return
				}
				require.Equal(rt, holders(prev), nilIfEmpty(res.Previous))
				purged := 0
				if purge && prev != "" {
					purged = m.purge(id, prev)
				}
				require.Equal(rt, purged, res.Purged, "purged records")
				m.setHolder(id, who, now())
				m.write(id)
			},
			"unassign": func(rt *rapid.T) {
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id", numbers.StatusNew, numbers.StatusActive, numbers.StatusDeactivationPending)
				who := rapid.SampledFrom(employees).Draw(rt, "employee").ID
				purge := rapid.Bool().Draw(rt, "purge")
				res, err := f.svc.Unassign(ctx, f.owner, id, who, purge)
				if m.statusAt(id, f.clock()) == numbers.StatusInactive || m.held[id] != who {
					require.Equal(rt, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
					require.Equal(rt, "employee", numberdesk.ErrorField(err))
					return
				}
				require.NoError(rt, err)
				purged := 0
				if purge {
					purged = m.purge(id, who)
				}
				require.Equal(rt, purged, res.Purged, "purged records")
				m.setHolder(id, "", now())
				m.write(id)
			},
			"feed": func(rt *rapid.T) {
				// A call record of any number, at an instant of the last
				// three days or right at a change of holders (±1 µs).
				if len(m.ids) == 0 {
					rt.Skip("no numbers")
				}
				id := pick("id")
				var marks []time.Time
				for _, h := range m.holding[id] {
					marks = append(marks, h.from)
				}
				if at, ok := m.due[id]; ok {
					marks = append(marks, at)
				}
				at := now().Add(-time.Duration(rapid.Int64Range(0, int64(72*time.Hour)).Draw(rt, "ago")))
				if len(marks) > 0 && rapid.Bool().Draw(rt, "at a change") {
					at = rapid.SampledFrom(marks).Draw(rt, "mark").Add(time.Duration(rapid.IntRange(-1, 1).Draw(rt, "µs")) * time.Microsecond)
				}
				if at.After(now()) {
					at = now()
				}
				at = at.UTC().Truncate(time.Microsecond)
				res, err := f.svc.Feed(ctx, numberdesk.System(f.tenant), []numbers.RecordInput{{Number: f.get(rt, id).E164,
					Kind: numbers.RecordCall, At: at, Caller: "+4930123456", Result: numbers.ResultAnswered, Duration: time.Minute}})
				require.NoError(rt, err)
				require.Equal(rt, 1, res.Stored)
				m.records = append(m.records, modelRecord{number: id, at: at.UnixMicro(), holder: m.holderAt(id, at)})
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
				case u == routing.UsageFaxPersonal && m.held[id] == "":
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
			"": func(rt *rapid.T) { f.checkInvariants(rt, m, employees) },
		})
	})
}

// checkInvariants compares the store and the service's reads with the model
// and replays the event log to check transitions and the billing feed.
func (f *fixture) checkInvariants(t require.TestingT, m *model, employees []*staff.Employee) {
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
		require.Equal(t, m.line[n.ID], n.BillingLine, "billing line of %s", n.E164)
		require.Equal(t, m.usage[n.ID], n.UsageType, "usage type of %s", n.E164)
		require.Equal(t, m.options[n.ID], nilIfEmpty(n.Options), "options of %s", n.E164)
		require.Equal(t, holders(m.held[n.ID]), nilIfEmpty(n.Holders), "holder of %s", n.E164)
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
			require.Equal(t, holders(m.held[n.ID]), nilIfEmpty(r.Holders), "holder of %s", n.E164)
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
	for _, e := range employees {
		var held []numberdesk.NumberID
		for _, id := range m.ids {
			if m.held[id] == e.ID && m.statusAt(id, now) != numbers.StatusInactive {
				held = append(held, id)
			}
		}
		require.ElementsMatch(t, held, overview(numbers.Query{Holder: e.ID}), "numbers held by %s", e.FirstName)
	}

	// Every record belongs to whoever held its number at its instant.
	rs, _, err := f.store.FindRecords(ctx, f.tenant, numbers.RecordFilter{})
	require.NoError(t, err)
	got := make([]modelRecord, len(rs))
	for i, r := range rs {
		got[i] = modelRecord{number: r.Number, at: r.At.UnixMicro(), holder: r.Holder}
	}
	require.ElementsMatch(t, m.records, got, "records and their holders")

	f.checkBillingFeed(t, m, ns)
}

// checkBillingFeed replays the event log: only transitions of the table
// happen, and the billing feed is exactly the model's: each number's
// intervals start and end at the instants the model gives (a deactivation
// at its effective instant, also when ApplyDue ran later; a swap at its
// time), an activation opens a line never used before, a swap out hands its
// line to the swap in at the same instant, no interval is closed twice or
// ends before it starts, and the intervals of a line follow each other
// without overlap or gap.
func (f *fixture) checkBillingFeed(t require.TestingT, m *model, ns []*numbers.Number) {
	evs, err := f.store.FindEvents(context.Background(), f.tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	type interval struct {
		number     numberdesk.NumberID
		line       string
		start, end time.Time
	}
	type handover struct {
		from, to numberdesk.NumberID
		at       time.Time
	}
	open := map[numberdesk.NumberID]*interval{} // per number
	lines := map[string][]*interval{}           // per billing line, in event order
	handovers := map[string]handover{}          // per line: swapped out, not yet in
	starts, ends := map[numberdesk.NumberID]int{}, map[numberdesk.NumberID]int{}
	for _, e := range evs {
		var d numbers.EventData
		require.NoError(t, e.Decode(&d))
		if d.Before != nil && d.After != nil && d.Before.Status != d.After.Status { // a change of state
			require.True(t, numbers.Allowed(d.Before.Status, d.After.Status, e.Actor.Role),
				"%s: %s → %s by %s is not in the table", e.Type, d.Before.Status, d.After.Status, e.Actor.Role)
		}
		b := d.Billing
		if b == nil {
			continue
		}
		require.NotEmpty(t, b.Line, "%s without a line", e.Type)
		switch e.Type {
		case numbers.EventActivated, numbers.EventSwappedIn:
			require.False(t, b.Start.IsZero(), "%s starts no billing", e.Type)
			require.True(t, b.End.IsZero(), "%s ends billing", e.Type)
		case numbers.EventDeactivated, numbers.EventSwappedOut:
			require.True(t, b.Start.IsZero(), "%s starts billing", e.Type)
			require.False(t, b.End.IsZero(), "%s ends no billing", e.Type)
		default:
			require.Fail(t, "billing in an event of type "+string(e.Type))
		}
		if !b.Start.IsZero() {
			require.True(t, b.Start.Equal(e.At), "%s of %s: billing starts %v, the event is at %v", e.Type, d.E164, b.Start, e.At)
			k := starts[e.Number]
			require.Less(t, k, len(m.starts[e.Number]), "%s of %s: a billing start the model does not have", e.Type, d.E164)
			require.True(t, m.starts[e.Number][k].Equal(b.Start), "%s of %s: billing starts %v, want %v", e.Type, d.E164, b.Start, m.starts[e.Number][k])
			starts[e.Number]++
			require.Nil(t, open[e.Number], "billing interval of %s opened twice", d.E164)
			iv := &interval{number: e.Number, line: b.Line, start: b.Start}
			prev := lines[b.Line]
			if e.Type == numbers.EventActivated {
				require.Empty(t, prev, "activation of %s reuses line %s", d.E164, b.Line)
			} else {
				h, ok := handovers[b.Line]
				require.True(t, ok, "line %s swapped in to %s without a swap out", b.Line, d.E164)
				require.Equal(t, h.to, e.Number, "line %s swapped out to another number", b.Line)
				require.Equal(t, h.from, d.Counterpart, "line %s swapped in from another number", b.Line)
				require.True(t, h.at.Equal(b.Start), "line %s handed over at %v, taken at %v", b.Line, h.at, b.Start)
				delete(handovers, b.Line)
				require.NotEmpty(t, prev)
				last := prev[len(prev)-1]
				require.False(t, last.end.IsZero(), "line %s billed on two numbers at once", b.Line)
				require.True(t, last.end.Equal(iv.start), "gap or overlap on line %s", b.Line)
			}
			open[e.Number] = iv
			lines[b.Line] = append(prev, iv)
		}
		if !b.End.IsZero() {
			require.True(t, b.End.Equal(e.At), "%s of %s: billing ends %v, the event is at %v", e.Type, d.E164, b.End, e.At)
			k := ends[e.Number]
			require.Less(t, k, len(m.ends[e.Number]), "%s of %s: a billing end the model does not have", e.Type, d.E164)
			require.True(t, m.ends[e.Number][k].Equal(b.End), "%s of %s: billing ends %v, want %v", e.Type, d.E164, b.End, m.ends[e.Number][k])
			ends[e.Number]++
			if e.Type == numbers.EventDeactivated {
				require.NotNil(t, d.Before)
				require.True(t, b.End.Equal(d.Before.DeactivationAt), "billing of %s ends %v, not at the effective instant %v", d.E164, b.End, d.Before.DeactivationAt)
			}
			iv := open[e.Number]
			require.NotNil(t, iv, "billing of %s ends without a start", d.E164)
			require.Equal(t, iv.line, b.Line, "billing of %s ends on another line", d.E164)
			require.True(t, iv.end.IsZero(), "billing interval of %s closed twice", d.E164)
			require.False(t, b.End.Before(iv.start), "billing of %s ends before it starts", d.E164)
			iv.end = b.End
			delete(open, e.Number)
			if e.Type == numbers.EventSwappedOut {
				handovers[b.Line] = handover{from: e.Number, to: d.Counterpart, at: b.End}
			}
		}
	}
	require.Empty(t, handovers, "every swap out is followed by its swap in")
	for _, id := range m.ids {
		require.Equal(t, len(m.starts[id]), starts[id], "billing starts of %s", id)
		require.Equal(t, len(m.ends[id]), ends[id], "billing ends of %s", id)
	}
	for _, n := range ns {
		require.Equal(t, n.Status.Billed(), open[n.ID] != nil, "billing interval of %s (%s)", n.E164, n.Status)
		if iv := open[n.ID]; iv != nil {
			require.True(t, iv.start.Equal(n.BilledSince))
			require.Equal(t, n.BillingLine, iv.line)
		}
	}
}

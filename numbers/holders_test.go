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

// A call record belongs to whoever held the number when the call happened
// (the holder history), not to the holder at feed time; a member of a shared
// fax number sees the fax records of its membership periods only.

// feedAt stores one inbound record of kind on n, dated at, and returns it as
// stored.
func (f *fixture) feedAt(t tb, n *numbers.Number, kind numbers.RecordKind, result numbers.Result, at time.Time) *numbers.Record {
	t.Helper()
	res, err := f.svc.Feed(bg, numberdesk.System(f.tenant), []numbers.RecordInput{{
		Number: n.E164, Kind: kind, At: at, Caller: "+491712345678", Result: result, Duration: time.Minute}})
	require.NoError(t, err)
	require.Equal(t, 1, res.Stored)
	rs, _, err := f.store.FindRecords(bg, f.tenant, numbers.RecordFilter{Numbers: []numberdesk.NumberID{n.ID},
		From: at.UTC().Truncate(time.Microsecond), To: at.UTC().Truncate(time.Microsecond).Add(time.Microsecond), Kinds: []numbers.RecordKind{kind}})
	require.NoError(t, err)
	require.NotEmpty(t, rs)
	return rs[0]
}

// notified returns whom notifications were queued for, in order.
func (f *fixture) notified(t tb) []numberdesk.StaffID {
	t.Helper()
	evs, err := f.store.FindEvents(bg, f.tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{staff.EventNotification}})
	require.NoError(t, err)
	var out []numberdesk.StaffID
	for _, e := range evs {
		var note staff.Notification
		require.NoError(t, e.Decode(&note))
		out = append(out, note.Employee)
	}
	return out
}

// visibleRecords returns the IDs of the records the employee sees.
func (f *fixture) visibleRecords(t tb, e *staff.Employee, q numbers.RecordQuery) []numberdesk.EventID {
	t.Helper()
	rs, total, err := f.svc.Records(bg, e.Actor(), q)
	require.NoError(t, err)
	require.Len(t, rs, total)
	out := []numberdesk.EventID{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func (f *fixture) assign(t tb, n *numbers.Number, e *staff.Employee, purge bool) *numbers.AssignResult {
	t.Helper()
	res, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: n.ID, Employee: e.ID, PurgePrevious: purge})
	require.NoError(t, err)
	return res
}

// A late record of a call Anna took shows up as Anna's after the number went
// to Ben: it is hers (and her notification), not his.
func TestLateRecordBelongsToTheHolderAtItsTime(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 1)
	f.activate(t, ns...)
	anna, ben := f.employee(t, "anna"), f.employee(t, "ben")
	f.assign(t, ns[0], anna, false)
	annasCall := f.clock().Add(10 * time.Minute)
	f.advance(time.Hour)
	at := f.clock() // Ben's from here on
	f.assign(t, ns[0], ben, false)
	f.advance(time.Hour)

	late := f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultMissed, annasCall)
	require.Equal(t, anna.ID, late.Holder, "the call happened while Anna held the number")
	require.Equal(t, []numberdesk.StaffID{anna.ID}, f.notified(t), "Anna missed it, not Ben")
	require.Empty(t, f.visibleRecords(t, ben, numbers.RecordQuery{}), "Ben does not see Anna's call")

	now := f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultMissed, f.clock())
	require.Equal(t, ben.ID, now.Holder)
	require.Equal(t, []numberdesk.EventID{now.ID}, f.visibleRecords(t, ben, numbers.RecordQuery{}))
	require.Equal(t, []numberdesk.StaffID{anna.ID, ben.ID}, f.notified(t))

	// The instant of the reassignment is Ben's; the one before is Anna's.
	require.Equal(t, ben.ID, f.feedAt(t, ns[0], numbers.RecordVoicemail, "", at).Holder)
	require.Equal(t, anna.ID, f.feedAt(t, ns[0], numbers.RecordVoicemail, "", at.Add(-time.Microsecond)).Holder)
	// Before anybody held it: nobody's.
	require.Empty(t, f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultAnswered, annasCall.Add(-24*time.Hour)).Holder)

	// After Ben is released, a late call of his time is still his.
	_, err := f.svc.Unassign(bg, f.owner, ns[0].ID, ben.ID, false)
	require.NoError(t, err)
	f.advance(time.Hour)
	require.Equal(t, ben.ID, f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultAnswered, at.Add(time.Minute)).Holder)
	require.Empty(t, f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultAnswered, f.clock()).Holder, "nobody holds it now")
}

// Purge on reassignment removes exactly the previous holder's records: the
// records of its holding period (also those fed late), not a late record of
// the holder before it; and an employee's purge takes its late records too.
func TestPurgeRemovesExactlyThePreviousHoldersRecordsWithLateOnes(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 1)
	f.activate(t, ns...)
	anna, ben, cleo := f.employee(t, "anna"), f.employee(t, "ben"), f.employee(t, "cleo")
	f.assign(t, ns[0], anna, false)
	annas := f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultAnswered, f.clock())
	annasLateCall := f.clock().Add(time.Minute)
	f.advance(time.Hour)
	f.assign(t, ns[0], ben, false)
	f.advance(time.Hour)
	annasLate := f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultMissed, annasLateCall)
	bens := f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultAnswered, f.clock())
	require.Equal(t, anna.ID, annasLate.Holder)

	f.advance(time.Hour)
	res := f.assign(t, ns[0], cleo, true)
	require.Equal(t, []numberdesk.StaffID{ben.ID}, res.Previous)
	require.Equal(t, 1, res.Purged, "only Ben's record: Anna's late one is hers")
	require.Empty(t, f.records(t, ben.ID))
	require.ElementsMatch(t, []numberdesk.EventID{annas.ID, annasLate.ID}, recordIDs(f.records(t, anna.ID)))
	cleos := f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultAnswered, f.clock())

	// Anna leaves the company with her data: her late record goes too;
	// Cleo's stays.
	require.NoError(t, f.svc.ReleaseHolder(bg, f.owner, anna.ID, true))
	require.Empty(t, f.records(t, anna.ID))
	require.Equal(t, []numberdesk.EventID{cleos.ID}, recordIDs(f.records(t, cleo.ID)))
	_ = bens
}

func recordIDs(rs []*numbers.Record) []numberdesk.EventID {
	out := make([]numberdesk.EventID, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// sharedFax provisions and activates a number and makes it a shared fax
// number.
func (f *fixture) sharedFax(t tb) *numbers.Number {
	t.Helper()
	ns := f.provision(t, "0221 123456", 1)
	f.activate(t, ns...)
	_, err := f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: ns[0].ID, UsageType: routing.UsageFaxShared})
	require.NoError(t, err)
	return ns[0]
}

func (f *fixture) addMember(t tb, n *numbers.Number, e *staff.Employee) {
	t.Helper()
	_, err := f.svc.AddMember(bg, f.owner, n.ID, e.ID)
	require.NoError(t, err)
}

// A new member of a shared fax number sees the faxes from when it joined on:
// no fax from before, and no call or voicemail records of the number at all.
func TestSharedFaxNewMemberSeesItsPeriodOnly(t *testing.T) {
	f := newFixture(t)
	fax := f.sharedFax(t)
	anna, ben, cleo := f.employee(t, "anna"), f.employee(t, "ben"), f.employee(t, "cleo")
	f.addMember(t, fax, anna)
	f.addMember(t, fax, ben)
	f.advance(time.Hour)
	oldFax := f.feedAt(t, fax, numbers.RecordFax, "", f.clock())
	oldCall := f.feedAt(t, fax, numbers.RecordCall, numbers.ResultMissed, f.clock())
	oldMail := f.feedAt(t, fax, numbers.RecordVoicemail, "", f.clock())
	for _, r := range []*numbers.Record{oldFax, oldCall, oldMail} {
		require.Empty(t, r.Holder, "a number with several members: the record is the number's")
	}
	f.advance(time.Hour)
	f.addMember(t, fax, cleo)
	f.advance(time.Hour)
	newFax := f.feedAt(t, fax, numbers.RecordFax, "", f.clock())
	newCall := f.feedAt(t, fax, numbers.RecordCall, numbers.ResultMissed, f.clock())

	require.Equal(t, []numberdesk.EventID{newFax.ID}, f.visibleRecords(t, cleo, numbers.RecordQuery{}))
	require.Equal(t, []numberdesk.EventID{newFax.ID}, f.visibleRecords(t, cleo, numbers.RecordQuery{Number: fax.ID}))
	for _, e := range []*staff.Employee{anna, ben} {
		require.Equal(t, []numberdesk.EventID{newFax.ID, oldFax.ID}, f.visibleRecords(t, e, numbers.RecordQuery{}),
			"%s: the faxes of its membership, no calls or voicemail", e.Name())
	}
	// Owner and manager see everything.
	_, total, err := f.svc.Records(bg, f.owner, numbers.RecordQuery{Number: fax.ID})
	require.NoError(t, err)
	require.Equal(t, 5, total)
	_ = newCall
}

// A member that left and rejoined sees the faxes of its membership periods
// only, however late they are fed; the notifications of a fax go to the
// members at its time.
func TestSharedFaxRejoinedMemberSeesItsPeriodsOnly(t *testing.T) {
	f := newFixture(t)
	fax := f.sharedFax(t)
	anna, ben, cleo := f.employee(t, "anna"), f.employee(t, "ben"), f.employee(t, "cleo")
	for _, e := range []*staff.Employee{anna, ben, cleo} {
		f.addMember(t, fax, e)
	}
	f.advance(time.Hour)
	first := f.feedAt(t, fax, numbers.RecordFax, "", f.clock())
	firstPeriod := f.clock().Add(time.Minute)
	f.advance(time.Hour)
	_, err := f.svc.Unassign(bg, f.owner, fax.ID, ben.ID, false)
	require.NoError(t, err)
	f.advance(time.Hour)
	away := f.feedAt(t, fax, numbers.RecordFax, "", f.clock())
	awayPeriod := f.clock().Add(time.Minute)
	f.advance(time.Hour)
	f.addMember(t, fax, ben)
	f.advance(time.Hour)
	back := f.feedAt(t, fax, numbers.RecordFax, "", f.clock())
	// Late faxes: one of Ben's first period, one of his time away.
	f.advance(time.Hour)
	before := len(f.notified(t))
	lateIn := f.feedAt(t, fax, numbers.RecordFax, "", firstPeriod)
	require.ElementsMatch(t, []numberdesk.StaffID{anna.ID, ben.ID, cleo.ID}, f.notified(t)[before:], "the members when it came")
	before = len(f.notified(t))
	lateAway := f.feedAt(t, fax, numbers.RecordFax, "", awayPeriod)
	require.ElementsMatch(t, []numberdesk.StaffID{anna.ID, cleo.ID}, f.notified(t)[before:], "Ben was away")

	require.Equal(t, []numberdesk.EventID{back.ID, lateIn.ID, first.ID}, f.visibleRecords(t, ben, numbers.RecordQuery{}))
	require.Equal(t, []numberdesk.EventID{back.ID, lateAway.ID, away.ID, lateIn.ID, first.ID}, f.visibleRecords(t, anna, numbers.RecordQuery{}))
	require.Equal(t, f.visibleRecords(t, anna, numbers.RecordQuery{}), f.visibleRecords(t, cleo, numbers.RecordQuery{}))
	// The query's own range narrows it further.
	require.Equal(t, []numberdesk.EventID{lateIn.ID, first.ID}, f.visibleRecords(t, ben, numbers.RecordQuery{To: awayPeriod}))

}

// A deactivation's effective instant ends the holding whether or not ApplyDue
// has run: a record after it belongs to nobody, a late one from before it to
// the holder then.
func TestRecordsAcrossDeactivation(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 1)
	f.activate(t, ns...)
	anna := f.employee(t, "anna")
	f.assign(t, ns[0], anna, false)
	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[0].ID})
	require.NoError(t, err)
	f.advance(d.EffectiveAt.Sub(f.clock()) + time.Hour)

	// Not stored yet: time decides.
	require.Empty(t, f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultMissed, d.EffectiveAt).Holder)
	require.Equal(t, anna.ID, f.feedAt(t, ns[0], numbers.RecordCall, numbers.ResultMissed, d.EffectiveAt.Add(-time.Minute)).Holder)
	require.Equal(t, []numberdesk.StaffID{anna.ID}, f.notified(t), "nobody is told of a call after the number lapsed")

	_, err = f.svc.ApplyDue(bg, numberdesk.System(f.tenant), time.Time{})
	require.NoError(t, err)
	require.Equal(t, anna.ID, f.feedAt(t, ns[0], numbers.RecordVoicemail, "", d.EffectiveAt.Add(-2*time.Minute)).Holder, "stored: the same")
	require.Empty(t, f.feedAt(t, ns[0], numbers.RecordVoicemail, "", d.EffectiveAt.Add(time.Minute)).Holder)
}

// A swap moves the holder to the new number from the swap on: late records
// of the old number before it are the holder's, of the new number nobody's.
// A new number whose own deactivation had taken effect keeps its old holder
// until that instant, and nobody until the swap.
func TestRecordsAcrossSwap(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 2)
	f.activate(t, ns...)
	old, nw := ns[0], ns[1]
	anna, ben := f.employee(t, "anna"), f.employee(t, "ben")
	f.assign(t, old, anna, false)
	f.assign(t, nw, ben, false)
	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: nw.ID})
	require.NoError(t, err)
	f.advance(d.EffectiveAt.Sub(f.clock()) + time.Hour) // nw lapsed, not stored
	swapAt := f.clock()
	_, err = f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: old.ID, New: nw.ID})
	require.NoError(t, err)
	f.advance(time.Hour)

	require.Equal(t, anna.ID, f.feedAt(t, old, numbers.RecordCall, numbers.ResultMissed, swapAt.Add(-time.Minute)).Holder)
	require.Empty(t, f.feedAt(t, old, numbers.RecordCall, numbers.ResultMissed, swapAt).Holder)
	require.Equal(t, anna.ID, f.feedAt(t, nw, numbers.RecordCall, numbers.ResultMissed, swapAt).Holder)
	require.Empty(t, f.feedAt(t, nw, numbers.RecordCall, numbers.ResultMissed, swapAt.Add(-time.Minute)).Holder, "lapsed: nobody's")
	require.Equal(t, ben.ID, f.feedAt(t, nw, numbers.RecordCall, numbers.ResultMissed, d.EffectiveAt.Add(-time.Minute)).Holder)
}

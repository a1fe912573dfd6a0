package numbers_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// employee creates an employee of the fixture's tenant directly in the store.
func (f *fixture) employee(t tb, first string) *staff.Employee {
	t.Helper()
	return f.member(t, f.tenant, first, numberdesk.RoleEmployee)
}

// feed stores one inbound record of kind on n.
func (f *fixture) feed(t tb, n *numbers.Number, kind numbers.RecordKind, result numbers.Result) *numbers.FeedResult {
	t.Helper()
	res, err := f.svc.Feed(bg, numberdesk.System(f.tenant), []numbers.RecordInput{{
		Number: n.E164, Kind: kind, At: f.clock(), Caller: "+491712345678", Result: result, Duration: time.Minute}})
	require.NoError(t, err)
	return res
}

func (f *fixture) records(t tb, holder numberdesk.StaffID) []*numbers.Record {
	t.Helper()
	rs, _, err := f.store.FindRecords(bg, f.tenant, numbers.RecordFilter{Holder: holder})
	require.NoError(t, err)
	return rs
}

// Reassignment with and without purge: exactly the previous holder's records
// of that number disappear, nothing else does.
func TestAssignPurgesExactlyThePreviousHoldersRecords(t *testing.T) {
	for _, purge := range []bool{false, true} {
		t.Run(map[bool]string{false: "Keep", true: "Purge"}[purge], func(t *testing.T) {
			f := newFixture(t)
			ns := f.provision(t, "0221 123456", 2)
			f.activate(t, ns...)
			anna, ben := f.employee(t, "anna"), f.employee(t, "ben")
			_, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: ns[0].ID, Employee: anna.ID})
			require.NoError(t, err)
			_, err = f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: ns[1].ID, Employee: anna.ID})
			require.NoError(t, err)
			f.feed(t, ns[0], numbers.RecordCall, numbers.ResultMissed)
			f.feed(t, ns[0], numbers.RecordVoicemail, "")
			f.feed(t, ns[1], numbers.RecordCall, numbers.ResultAnswered)
			require.Len(t, f.records(t, anna.ID), 3)

			res, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: ns[0].ID, Employee: ben.ID, PurgePrevious: purge})
			require.NoError(t, err)
			require.Equal(t, []numberdesk.StaffID{anna.ID}, res.Previous, "the answer tells who held it before")
			require.Equal(t, []numberdesk.StaffID{ben.ID}, res.Number.Holders)
			left := f.records(t, anna.ID)
			if purge {
				require.Equal(t, 2, res.Purged)
				require.Len(t, left, 1, "anna's records of the other number stay")
				require.Equal(t, ns[1].ID, left[0].Number)
			} else {
				require.Zero(t, res.Purged)
				require.Len(t, left, 3)
			}
			// The holder history is in the events.
			evs, err := f.svc.History(bg, f.owner, ns[0].ID)
			require.NoError(t, err)
			var d numbers.EventData
			require.NoError(t, evs[len(evs)-1].Decode(&d))
			require.Equal(t, numbers.EventAssigned, evs[len(evs)-1].Type)
			require.Equal(t, []numberdesk.StaffID{anna.ID}, d.Before.Holders)
			require.Equal(t, []numberdesk.StaffID{ben.ID}, d.After.Holders)
		})
	}
}

func TestAssignBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 3)
	f.activate(t, ns[:2]...)
	anna := f.employee(t, "anna")
	locked := f.employee(t, "lena")
	locked.Locked = true
	require.NoError(t, f.store.UpdateEmployee(bg, locked))
	gone := f.employee(t, "gustav")
	require.NoError(t, f.store.DeleteEmployee(bg, f.tenant, gone.ID))
	_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[1].ID})
	require.NoError(t, err)
	f.advance(90 * 24 * time.Hour)
	_, err = f.svc.ApplyDue(bg, numberdesk.System(f.tenant), f.clock())
	require.NoError(t, err) // ns[1] is inactive now
	personal := f.get(t, ns[0].ID)
	personal.UsageType = routing.UsageFaxPersonal
	require.NoError(t, f.store.UpdateNumbers(bg, personal))
	_, err = f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: personal.ID, Employee: anna.ID})
	require.NoError(t, err)
	ben := f.employee(t, "ben")
	employee := anna.Actor()
	tenantB := f.newTenant(t)
	ownerB := f.member(t, tenantB, "Bernd", numberdesk.RoleOwner).Actor()

	tests := []struct {
		name  string
		call  func() error
		code  numberdesk.Code
		field string
	}{
		{"LockedEmployee", assign(f, f.owner, ns[2].ID, locked.ID), numberdesk.CodePrecondition, "employee"},
		{"DeletedEmployee", assign(f, f.owner, ns[2].ID, gone.ID), numberdesk.CodeNotFound, "employee"},
		{"UnknownEmployee", assign(f, f.owner, ns[2].ID, numberdesk.NewStaffID()), numberdesk.CodeNotFound, "employee"},
		{"OtherTenantsEmployee", assign(f, f.owner, ns[2].ID, f.member(t, tenantB, "otto", numberdesk.RoleEmployee).ID), numberdesk.CodeNotFound, "employee"},
		{"InactiveNumber", assign(f, f.owner, ns[1].ID, ben.ID), numberdesk.CodePrecondition, "number"},
		{"SecondHolderOnPersonalFax", func() error { _, err := f.svc.AddMember(bg, f.owner, personal.ID, ben.ID); return err }, numberdesk.CodePrecondition, "employee"},
		{"AsEmployee", assign(f, employee, ns[2].ID, ben.ID), numberdesk.CodePermission, ""},
		{"OtherTenantsNumber", assign(f, ownerB, ns[2].ID, ben.ID), numberdesk.CodeNotFound, "number"},
		{"EmptyEmployee", assign(f, f.owner, ns[2].ID, ""), numberdesk.CodeInvalid, "employee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nsBefore, evsBefore := f.snapshot(t)
			err := tt.call()
			requireCode(t, err, tt.code, tt.field)
			nsAfter, evsAfter := f.snapshot(t)
			require.Equal(t, nsBefore, nsAfter)
			require.Equal(t, evsBefore, evsAfter)
		})
	}
}

func assign(f *fixture, a numberdesk.Actor, n numberdesk.NumberID, e numberdesk.StaffID) func() error {
	return func() error { _, err := f.svc.Assign(bg, a, numbers.AssignRequest{Number: n, Employee: e}); return err }
}

// 32 concurrent Assign calls on one number: exactly one holder at the end,
// and a linear history (each event's before is the previous event's after).
func TestConcurrentAssign(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 123456", 0)[0]
	f.activate(t, n)
	var emps []*staff.Employee
	for i := range 32 {
		emps = append(emps, f.employee(t, "e"+strconv.Itoa(i)))
	}
	var wg sync.WaitGroup
	for _, e := range emps {
		wg.Go(func() {
			_, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: n.ID, Employee: e.ID})
			if err != nil {
				require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err))
			}
		})
	}
	wg.Wait()
	got := f.get(t, n.ID)
	require.Len(t, got.Holders, 1)
	evs, err := f.store.FindEvents(bg, f.tenant, numberdesk.EventFilter{Number: n.ID, Types: []numberdesk.EventType{numbers.EventAssigned}})
	require.NoError(t, err)
	var prev []numberdesk.StaffID
	for _, e := range evs {
		var d numbers.EventData
		require.NoError(t, e.Decode(&d))
		require.Equal(t, prev, d.Before.Holders, "history is linear")
		prev = d.After.Holders
	}
	require.Equal(t, got.Holders, prev)
}

// Feed notifies the holders whose preferences want it and who are not
// locked; an employee who switched a category off receives nothing of it.
func TestFeedNotifiesByPreferences(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 1)
	f.activate(t, ns...)
	shared := f.get(t, ns[0].ID)
	shared.UsageType = routing.UsageFaxShared
	require.NoError(t, f.store.UpdateNumbers(bg, shared))
	anna, ben, lena := f.employee(t, "anna"), f.employee(t, "ben"), f.employee(t, "lena")
	for _, e := range []*staff.Employee{anna, ben, lena} {
		_, err := f.svc.AddMember(bg, f.owner, shared.ID, e.ID)
		require.NoError(t, err)
	}
	ben.Preferences.Faxes = false
	require.NoError(t, f.store.UpdateEmployee(bg, ben))
	lena.Locked = true
	require.NoError(t, f.store.UpdateEmployee(bg, lena))

	res := f.feed(t, shared, numbers.RecordFax, "")
	require.Equal(t, 1, res.Stored)
	require.Equal(t, 1, res.Notified, "only anna: ben switched faxes off, lena is locked")
	evs, err := f.store.FindEvents(bg, f.tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{staff.EventNotification}})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	var note staff.Notification
	require.NoError(t, evs[0].Decode(&note))
	require.Equal(t, anna.ID, note.Employee)
	require.Equal(t, "anna@muster.example", note.To)
	require.Equal(t, staff.CategoryFax, note.Category)
	require.Equal(t, "0221 123456-100", note.Number)
	require.Equal(t, "0171 2345678", note.Caller)

	// Answered calls and outbound records notify nobody.
	res = f.feed(t, shared, numbers.RecordCall, numbers.ResultAnswered)
	require.Zero(t, res.Notified)
	// Unknown numbers are reported, not stored.
	res2, err := f.svc.Feed(bg, numberdesk.System(f.tenant), []numbers.RecordInput{{Number: "0221 999999", Kind: numbers.RecordCall, At: f.clock()}})
	require.NoError(t, err)
	require.Equal(t, []int{0}, res2.Unknown)
	require.Zero(t, res2.Stored)
}

// Employees see only their own records of numbers they hold.
func TestRecordsVisibility(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 2)
	f.activate(t, ns...)
	anna, ben := f.employee(t, "anna"), f.employee(t, "ben")
	_, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: ns[0].ID, Employee: anna.ID})
	require.NoError(t, err)
	_, err = f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: ns[1].ID, Employee: ben.ID})
	require.NoError(t, err)
	f.feed(t, ns[0], numbers.RecordCall, numbers.ResultMissed)
	f.feed(t, ns[1], numbers.RecordCall, numbers.ResultMissed)
	rs, total, err := f.svc.Records(bg, anna.Actor(), numbers.RecordQuery{})
	require.NoError(t, err)
	require.Equal(t, 1, total)
	require.Equal(t, ns[0].ID, rs[0].Number)
	_, _, err = f.svc.Records(bg, anna.Actor(), numbers.RecordQuery{Number: ns[1].ID})
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
	_, total, err = f.svc.Records(bg, f.owner, numbers.RecordQuery{})
	require.NoError(t, err)
	require.Equal(t, 2, total)
}

// The members of a shared fax number see its fax journal, which is recorded
// without a holder; nobody else does, and an employee's own records of a
// number it shared before stay its own.
func TestRecordsSharedFaxJournal(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 2)
	f.activate(t, ns...)
	anna, ben, cleo := f.employee(t, "anna"), f.employee(t, "ben"), f.employee(t, "cleo")
	_, err := f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: ns[0].ID, UsageType: routing.UsageFaxShared})
	require.NoError(t, err)
	for _, e := range []*staff.Employee{anna, ben} {
		_, err = f.svc.AddMember(bg, f.owner, ns[0].ID, e.ID)
		require.NoError(t, err)
	}
	_, err = f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: ns[1].ID, Employee: cleo.ID})
	require.NoError(t, err)
	f.feed(t, ns[0], numbers.RecordFax, numbers.ResultAnswered) // the shared journal
	f.feed(t, ns[1], numbers.RecordCall, numbers.ResultMissed)  // cleo's own
	for _, e := range []*staff.Employee{anna, ben} {
		rs, total, err := f.svc.Records(bg, e.Actor(), numbers.RecordQuery{})
		require.NoError(t, err)
		require.Equal(t, 1, total, e.Name())
		require.Equal(t, ns[0].ID, rs[0].Number)
		require.Empty(t, rs[0].Holder, "the journal of a shared number belongs to no single member")
		_, total, err = f.svc.Records(bg, e.Actor(), numbers.RecordQuery{Number: ns[0].ID})
		require.NoError(t, err)
		require.Equal(t, 1, total)
	}
	rs, total, err := f.svc.Records(bg, cleo.Actor(), numbers.RecordQuery{})
	require.NoError(t, err)
	require.Equal(t, 1, total)
	require.Equal(t, ns[1].ID, rs[0].Number)
	// Ben leaves the shared number: its journal is no longer his to see.
	_, err = f.svc.Unassign(bg, f.owner, ns[0].ID, ben.ID, false)
	require.NoError(t, err)
	_, total, err = f.svc.Records(bg, ben.Actor(), numbers.RecordQuery{})
	require.NoError(t, err)
	require.Zero(t, total)
}

// A record dated where JSON cannot go (year 10000, year 0, a far zone) used
// to panic in Feed (the notification event's encoding) and fail the whole
// batch on every retry. Validate bounds every time a request carries: it is
// CodeInvalid on the record's field, nothing is stored, and the valid batch
// goes through.
func TestFeedRefusesTimesOutsideTheStorableRange(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 1)
	f.activate(t, ns...)
	anna := f.employee(t, "anna")
	_, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: ns[0].ID, Employee: anna.ID})
	require.NoError(t, err)
	good := numbers.RecordInput{Number: ns[0].E164, Kind: numbers.RecordCall, At: f.clock(), Direction: numbers.Inbound, Result: numbers.ResultMissed}
	for name, at := range map[string]time.Time{
		"year 10000": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		"year 0":     time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC),
		"year -5":    time.Date(-5, 6, 1, 0, 0, 0, 0, time.UTC),
		"9999-12-31 23:30 at UTC-1 is 10000 in UTC": time.Date(9999, 12, 31, 23, 30, 0, 0, time.FixedZone("", -3600)),
	} {
		t.Run(name, func(t *testing.T) {
			bad := good
			bad.At = at
			_, evsBefore := f.snapshot(t)
			require.NotPanics(t, func() {
				_, err = f.svc.Feed(bg, numberdesk.System(f.tenant), []numbers.RecordInput{good, bad})
			})
			requireCode(t, err, numberdesk.CodeInvalid, "records[1].at")
			_, evsAfter := f.snapshot(t)
			require.Equal(t, evsBefore, evsAfter, "nothing stored")
			require.Empty(t, f.records(t, anna.ID))
		})
	}
	res, err := f.svc.Feed(bg, numberdesk.System(f.tenant), []numbers.RecordInput{good})
	require.NoError(t, err)
	require.Equal(t, 1, res.Stored)
}

// A manager locked after a command gets no stored result for a retry with
// its idempotency key: the actor is verified before the replay, and a
// refused actor gets nothing (numberdesk.ReplayAfter).
func TestLockedActorGetsNoReplay(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 1)
	f.activate(t, ns...)
	mgr := f.member(t, f.tenant, "Mia", numberdesk.RoleManager)
	anna := f.employee(t, "anna")
	req := numbers.AssignRequest{Number: ns[0].ID, Employee: anna.ID, IdempotencyKey: "k-1"}
	_, err := f.svc.Assign(bg, mgr.Actor(), req)
	require.NoError(t, err)
	_, err = f.svc.Assign(bg, mgr.Actor(), req)
	require.NoError(t, err, "a retry replays")

	mgr.Locked = true
	require.NoError(t, f.store.UpdateEmployee(bg, mgr))
	_, err = f.svc.Assign(bg, mgr.Actor(), req)
	requireCode(t, err, numberdesk.CodePermission, "actor")
	require.Equal(t, "Ihr Zugang ist gesperrt.", numberdesk.ErrorMessage(err))
}

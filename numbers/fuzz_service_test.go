package numbers_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// requireErrorChangedNothing is the rule every fuzz target of a service
// request checks after an error: it is a *numberdesk.Error, and the whole
// store (every tenant's numbers, events, deliveries, idempotency records,
// employees, records, routing, credentials) is byte for byte as before.
func requireErrorChangedNothing(t *testing.T, st *memstore.Store, before []byte, err error) {
	t.Helper()
	var e *numberdesk.Error
	require.True(t, errors.As(err, &e), "not a *numberdesk.Error: %v", err)
	require.NotEmpty(t, numberdesk.ErrorMessage(err), "%v", err)
	after, serr := st.Snapshot()
	require.NoError(t, serr)
	require.Equal(t, string(before), string(after), "an error changed the store: %v", err)
}

// FuzzFeed: any record either is stored or is refused with a
// *numberdesk.Error that changes nothing; nothing panics (a record dated
// in year 10000 used to).
func FuzzFeed(f *testing.F) {
	f.Add("0221 123456-10", "call", int64(1772445600), "in", "0171 2345678", int64(60e9), "missed", 0)
	f.Add("0221 123456-10", "fax", int64(253402300800), "in", "", int64(0), "", 3) // 10000-01-01
	f.Add("0221 123456-10", "voicemail", int64(-62135596801), "in", "anonym", int64(-1), "answered", -2)
	f.Add("+49 221 123456 10", "call", int64(0), "out", "+49 (0)221 1", int64(1<<62), "busy", 10001)
	f.Add("kaputt", "telegram", int64(1772445600), "sideways", "x", int64(1), "maybe", 1)
	f.Fuzz(func(t *testing.T, number, kind string, unix int64, dir, caller string, dur int64, result string, pages int) {
		fx := newFixture(t)
		ns := fx.provision(t, "0221 123456", 10)
		fx.activate(t, ns[0])
		in := numbers.RecordInput{Number: number, Kind: numbers.RecordKind(kind), At: time.Unix(unix, 0).UTC(),
			Direction: numbers.Direction(dir), Caller: caller, Duration: time.Duration(dur), Result: numbers.Result(result), Pages: pages}
		before, err := fx.store.Snapshot()
		require.NoError(t, err)
		res, err := fx.svc.Feed(bg, numberdesk.System(fx.tenant), []numbers.RecordInput{in})
		if err != nil {
			requireErrorChangedNothing(t, fx.store, before, err)
			return
		}
		require.LessOrEqual(t, res.Stored+len(res.Unknown), 1)
	})
}

// FuzzProvision: any request either provisions numbers or is refused with a
// *numberdesk.Error that changes nothing.
func FuzzProvision(f *testing.F) {
	f.Add("0221 123456", "10", "19", "new", int64(0), "")
	f.Add("0221 123456", "", "", "ported", int64(253402300800), "")      // porting date in year 10000
	f.Add("+49 221 123456", "00", "99999", "reserved", int64(1), "flat") // too large a block
	f.Add("030 1", "9", "0", "ported", int64(-62135596801), "festnetz_flat")
	f.Add("", "x", "", "other", int64(0), "")
	f.Fuzz(func(t *testing.T, number, from, to, origin string, porting int64, option string) {
		fx := newFixture(t)
		req := numbers.ProvisionRequest{Number: number, ExtensionFrom: from, ExtensionTo: to, Origin: numbers.Origin(origin)}
		if porting != 0 {
			req.PortingDate = time.Unix(porting, 0).UTC()
		}
		if option != "" {
			req.Options = []string{option}
		}
		before, err := fx.store.Snapshot()
		require.NoError(t, err)
		ns, err := fx.svc.Provision(bg, fx.owner, req)
		if err != nil {
			requireErrorChangedNothing(t, fx.store, before, err)
			return
		}
		require.NotEmpty(t, ns)
	})
}

// fuzzWorld is a tenant on a memstore with numbers in every state and
// employees in every role, built once per fuzz target: each input runs on a
// fresh copy of the store restored from its snapshot, so that inputs do not
// see each other's effects and a run costs no setup.
//
//	ns[0] voice, active, held by anna (who may edit its routing)
//	ns[1] voice, active, without holder
//	ns[2] shared fax, active, members anna and ben
//	ns[3] personal fax, active, held by ben
//	ns[4] new
//	ns[5] active, deactivation pending (effective in the future)
//	ns[6] inactive (ApplyDue has run), with routing stored before
//	ns[7] pending whose effective instant has passed (ApplyDue has not run)
//
// Actors (all stored employees, or the system): owner, mia (manager), anna
// (employee with the routing grant), ben (employee), lena (locked
// employee), the system, and the owner of another tenant.
type fuzzWorld struct {
	fx      *fixture
	snap    []byte
	numbers []numberdesk.NumberID
	staff   []numberdesk.StaffID // the employees above and a made-up ID
	actors  []numberdesk.Actor
}

// fuzzEmployee stores an employee of tenant with role directly in st.
func fuzzEmployee(t tb, st *memstore.Store, tenant numberdesk.TenantID, first string, role numberdesk.Role, now time.Time) *staff.Employee {
	t.Helper()
	e := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: tenant, FirstName: first, LastName: "Muster",
		Email: strings.ToLower(first) + "@muster.example", Role: role, Preferences: staff.DefaultPreferences, CreatedAt: now, UpdatedAt: now}
	require.NoError(t, st.CreateEmployee(bg, e))
	return e
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	f.Helper()
	fx := newFixture(f)
	now := fx.clock()
	mia := fuzzEmployee(f, fx.store, fx.tenant, "Mia", numberdesk.RoleManager, now)
	anna := fuzzEmployee(f, fx.store, fx.tenant, "Anna", numberdesk.RoleEmployee, now)
	ben := fuzzEmployee(f, fx.store, fx.tenant, "Ben", numberdesk.RoleEmployee, now)
	lena := fuzzEmployee(f, fx.store, fx.tenant, "Lena", numberdesk.RoleEmployee, now)
	anna.RoutingEdit = true
	require.NoError(f, fx.store.UpdateEmployee(bg, anna))
	other := fx.newTenant(f)
	otherOwner := fuzzEmployee(f, fx.store, other, "Otto", numberdesk.RoleOwner, now)

	ns := fx.provision(f, "0221 123456", 8)
	fx.activate(f, ns[0], ns[1], ns[2], ns[3], ns[5], ns[6], ns[7])
	owner := fx.owner
	must := func(_ any, err error) { f.Helper(); require.NoError(f, err) }
	must(fx.svc.Assign(bg, owner, numbers.AssignRequest{Number: ns[0].ID, Employee: anna.ID}))
	must(fx.svc.SetUsageType(bg, owner, numbers.SetUsageTypeRequest{Number: ns[2].ID, UsageType: routing.UsageFaxShared, Confirm: true}))
	must(fx.svc.AddMember(bg, owner, ns[2].ID, anna.ID))
	must(fx.svc.AddMember(bg, owner, ns[2].ID, ben.ID))
	must(fx.svc.Assign(bg, owner, numbers.AssignRequest{Number: ns[3].ID, Employee: ben.ID}))
	must(fx.svc.SetUsageType(bg, owner, numbers.SetUsageTypeRequest{Number: ns[3].ID, UsageType: routing.UsageFaxPersonal, Confirm: true}))
	must(fx.svc.SaveRouting(bg, owner, numbers.SaveRoutingRequest{Number: ns[0].ID, Plan: officePlan()}))
	must(fx.svc.SaveRouting(bg, owner, numbers.SaveRoutingRequest{Number: ns[6].ID, Plan: officePlan()}))
	must(fx.svc.Deactivate(bg, owner, numbers.DeactivateRequest{Number: ns[6].ID}))
	fx.advance(400 * 24 * time.Hour)
	must(fx.svc.ApplyDue(bg, numberdesk.System(fx.tenant), time.Time{}))
	must(fx.svc.Deactivate(bg, owner, numbers.DeactivateRequest{Number: ns[7].ID}))
	fx.advance(400 * 24 * time.Hour)
	must(fx.svc.Deactivate(bg, owner, numbers.DeactivateRequest{Number: ns[5].ID}))
	lena.Locked = true
	require.NoError(f, fx.store.UpdateEmployee(bg, lena))

	w := &fuzzWorld{fx: fx, numbers: ids(ns),
		staff:  []numberdesk.StaffID{anna.ID, ben.ID, lena.ID, mia.ID, owner.Staff, otherOwner.ID, numberdesk.NewStaffID()},
		actors: []numberdesk.Actor{owner, mia.Actor(), anna.Actor(), ben.Actor(), lena.Actor(), numberdesk.System(fx.tenant), otherOwner.Actor()}}
	require.Equal(f, numbers.StatusInactive, fx.get(f, ns[6].ID).Status)
	require.True(f, fx.get(f, ns[7].ID).Due(fx.clock()))
	require.Equal(f, numbers.StatusDeactivationPending, fx.get(f, ns[5].ID).StatusAt(fx.clock()))
	snap, err := fx.store.Snapshot()
	require.NoError(f, err)
	w.snap = snap
	st, err := memstore.Restore(snap)
	require.NoError(f, err)
	again, err := st.Snapshot()
	require.NoError(f, err)
	require.Equal(f, string(snap), string(again), "a restored store is the snapshot's")
	return w
}

// run returns a Service over a fresh copy of the world's store, the copy,
// and its snapshot (the world's: a restored store snapshots to the same
// bytes, as newFuzzWorld checks).
func (w *fuzzWorld) run(t *testing.T) (*numbers.Service, *memstore.Store, []byte) {
	t.Helper()
	st, err := memstore.Restore(w.snap)
	require.NoError(t, err)
	svc, err := numbers.NewService(numbers.Config{Store: st, Clock: w.fx.clock})
	require.NoError(t, err)
	return svc, st, w.snap
}

func (w *fuzzWorld) number(i uint8) numberdesk.NumberID  { return w.numbers[int(i)%len(w.numbers)] }
func (w *fuzzWorld) employee(i uint8) numberdesk.StaffID { return w.staff[int(i)%len(w.staff)] }
func (w *fuzzWorld) actor(i uint8) numberdesk.Actor      { return w.actors[int(i)%len(w.actors)] }

// FuzzSaveRouting: any routing plan and overrides (as JSON, decoded as a
// portal decodes a request body), any version, on any number, by any actor,
// is either stored or refused with a *numberdesk.Error that changes nothing;
// nothing panics. What is stored reads back as stored.
func FuzzSaveRouting(f *testing.F) {
	w := newFuzzWorld(f)
	office, err := json.Marshal(officePlan())
	require.NoError(f, err)
	f.Add(office, []byte(nil), int64(0), uint8(1), uint8(0))  // a new plan on a voice number
	f.Add(office, []byte(nil), int64(1), uint8(0), uint8(2))  // the holder with the grant, current version
	f.Add(office, []byte(nil), int64(7), uint8(0), uint8(1))  // stale version
	f.Add(office, []byte(nil), int64(-1), uint8(0), uint8(0)) // negative version
	f.Add(office, []byte(nil), int64(0), uint8(2), uint8(0))  // a fax number has no routing
	f.Add(office, []byte(nil), int64(0), uint8(6), uint8(0))  // inactive
	f.Add(office, []byte(nil), int64(0), uint8(7), uint8(0))  // due, ApplyDue has not run
	f.Add(office, []byte(nil), int64(0), uint8(1), uint8(3))  // an employee without the grant
	f.Add(office, []byte(nil), int64(0), uint8(1), uint8(6))  // another tenant's owner
	f.Add([]byte(`{}`), []byte(`[]`), int64(0), uint8(1), uint8(1))
	f.Add([]byte(`{"rules":[{"id":"office","name":"Bürozeiten","priority":1,"enabled":true,"condition":{"kind":"weekdays","weekdays":["mon","tue","wed","thu","fri"],"windows":["08:00-18:00"]},"targets":[{"kind":"device","ref":"desk","ring_seconds":20}]}],"base":{"kind":"mailbox"}}`),
		[]byte(`[{"rule_id":"office","mode":"force_off","until":"next_change","set_at":"2027-06-01T10:00:00Z"}]`), int64(1), uint8(0), uint8(0))
	f.Add([]byte(`{"rules":[{"id":"office","name":"x","priority":1,"enabled":true,"condition":{"kind":"always"},"targets":[{"kind":"device","ref":"desk","ring_seconds":20}]}],"base":{"kind":"mailbox"}}`),
		[]byte(`[{"rule_id":"office","mode":"force_on","until":"time","set_at":"0000-01-01T00:00:00Z","at":"9999-12-31T23:59:59-01:00"}]`), int64(1), uint8(0), uint8(0)) // years 0 and 10000 (UTC)
	f.Add([]byte(`{"rules":[{"id":"p","name":"Urlaub","priority":1,"enabled":true,"condition":{"kind":"period","from":"2026-03-29T02:30","to":"9999-12-31T23:59"},"targets":[{"kind":"external","ref":"+4915112345678","ring_seconds":30,"parallel":true}]}],"base":{"kind":"ringing_tone"}}`),
		[]byte(`[{"rule_id":"p","mode":"force_off","until":"permanent"},{"rule_id":"nope","mode":"force_on","until":"permanent"}]`), int64(0), uint8(1), uint8(0))
	f.Add([]byte(`{"rules":[{"id":"x","name":"x","priority":1,"enabled":true,"condition":{"kind":"dates","dates":["--02-29","0001-01-01","9999-12-31"],"windows":["23:59-00:00"]},"filter":{"numbers":["+4*","0221 1234*"],"anonymous":true},"targets":[{"kind":"ring_group","ref":"g","ring_seconds":0}]}],"base":{"kind":"holder_mailbox"}}`),
		[]byte(`[{"rule_id":"x","mode":"sideways","until":"never"}]`), int64(1<<62), uint8(1), uint8(0))
	f.Add(office, []byte(nil), int64(0), uint8(1), uint8(5)) // the system does not configure routing
	f.Fuzz(func(t *testing.T, planJSON, overridesJSON []byte, version int64, number, actor uint8) {
		plan, err := routing.DecodePlan(planJSON)
		if err != nil {
			return // FuzzDecodePlan covers the decoder
		}
		req := numbers.SaveRoutingRequest{Number: w.number(number), Plan: plan, Version: version}
		if len(overridesJSON) > 0 && json.Unmarshal(overridesJSON, &req.Overrides) != nil {
			return
		}
		svc, st, before := w.run(t)
		s, err := svc.SaveRouting(bg, w.actor(actor), req)
		if err != nil {
			requireErrorChangedNothing(t, st, before, err)
			return
		}
		require.Positive(t, s.Version)
		stored, err := st.FindSettings(bg, s.Tenant, s.Number)
		require.NoError(t, err)
		require.Equal(t, s.Version, stored.Version)
		require.NoError(t, routing.Validate(stored.Plan, nil), "a stored plan is valid")
	})
}

// FuzzAssign: Assign, AddMember and Unassign with any number and employee
// (picked from the world or made up), purge flag, idempotency key and actor
// either change the holders as asked or are refused with a
// *numberdesk.Error that changes nothing; nothing panics. An Assign with a
// key replays: the same request again returns the same result and changes
// nothing.
func FuzzAssign(f *testing.F) {
	w := newFuzzWorld(f)
	f.Add(uint8(0), "", "", uint8(1), uint8(1), false, "", uint8(0))   // Assign ben to the free voice number
	f.Add(uint8(0), "", "", uint8(0), uint8(1), true, "k-1", uint8(1)) // reassign anna's number to ben, purge, keyed, as manager
	f.Add(uint8(0), "", "", uint8(2), uint8(0), false, "", uint8(0))   // Assign on a shared fax number replaces all members
	f.Add(uint8(1), "", "", uint8(2), uint8(3), false, "", uint8(0))   // AddMember mia to the shared fax number
	f.Add(uint8(1), "", "", uint8(3), uint8(0), false, "", uint8(0))   // AddMember on a personal fax number
	f.Add(uint8(2), "", "", uint8(2), uint8(0), true, "", uint8(0))    // Unassign anna from the shared fax number, purge
	f.Add(uint8(2), "", "", uint8(1), uint8(0), false, "", uint8(0))   // Unassign someone who holds nothing
	f.Add(uint8(0), "", "", uint8(6), uint8(0), false, "", uint8(0))   // inactive
	f.Add(uint8(0), "", "", uint8(7), uint8(0), false, "", uint8(0))   // due, ApplyDue has not run
	f.Add(uint8(0), "", "", uint8(4), uint8(2), false, "", uint8(0))   // a locked employee
	f.Add(uint8(0), "", "", uint8(1), uint8(5), false, "", uint8(0))   // another tenant's employee
	f.Add(uint8(0), "", "", uint8(1), uint8(6), false, "", uint8(0))   // an unknown employee
	f.Add(uint8(0), "", "", uint8(1), uint8(1), false, "", uint8(2))   // an employee may not assign
	f.Add(uint8(0), "", "", uint8(1), uint8(1), false, "", uint8(4))   // a locked actor
	f.Add(uint8(0), "", "", uint8(1), uint8(1), false, "", uint8(6))   // another tenant's owner
	f.Add(uint8(0), "kaputt", "auch kaputt", uint8(0), uint8(0), false, "", uint8(0))
	f.Add(uint8(1), "00000000-0000-0000-0000-000000000000", "", uint8(0), uint8(0), false, "", uint8(0))
	f.Add(uint8(0), "", "", uint8(1), uint8(1), false, "schlüssel mit umlaut", uint8(0)) // a key that is not ASCII
	f.Add(uint8(0), "", "", uint8(1), uint8(1), false, strings.Repeat("k", 256), uint8(0))
	f.Fuzz(func(t *testing.T, op uint8, number, employee string, pickN, pickE uint8, purge bool, key string, actor uint8) {
		id, who := numberdesk.NumberID(number), numberdesk.StaffID(employee)
		if number == "" {
			id = w.number(pickN)
		}
		if employee == "" {
			who = w.employee(pickE)
		}
		a := w.actor(actor)
		svc, st, before := w.run(t)
		var res *numbers.AssignResult
		var err error
		req := numbers.AssignRequest{Number: id, Employee: who, PurgePrevious: purge, IdempotencyKey: key}
		switch op % 3 {
		case 0:
			res, err = svc.Assign(bg, a, req)
		case 1:
			res, err = svc.AddMember(bg, a, id, who)
		default:
			res, err = svc.Unassign(bg, a, id, who, purge)
		}
		if err != nil {
			requireErrorChangedNothing(t, st, before, err)
			return
		}
		n, err := st.FindNumberByID(bg, a.Tenant, id)
		require.NoError(t, err)
		require.Equal(t, res.Number.Version, n.Version)
		switch op % 3 {
		case 0:
			require.Equal(t, []numberdesk.StaffID{who}, n.Holders)
		case 1:
			require.True(t, n.HeldBy(who))
		default:
			require.False(t, n.HeldBy(who))
		}
		if op%3 == 0 && key != "" {
			after, err := st.Snapshot()
			require.NoError(t, err)
			again, err := svc.Assign(bg, a, req)
			require.NoError(t, err, "a keyed Assign replays")
			want, _ := json.Marshal(res)
			got, _ := json.Marshal(again)
			require.JSONEq(t, string(want), string(got))
			replayed, err := st.Snapshot()
			require.NoError(t, err)
			require.Equal(t, string(after), string(replayed), "a replay changes nothing")
		}
	})
}

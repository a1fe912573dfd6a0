package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// testSameIDs: IDs are unique per tenant only (see package store), so one ID
// in two tenants names two independent entities. Every write through tenant
// A's entity changes A's and leaves B's with the same ID exactly as it was,
// version included; every read through one tenant returns that tenant's.
// The entities start at the same Version, so that a write whose statement
// forgets the tenant (matching the ID and the version alone) would reach B's
// row too. TenantIsolation proves that B cannot reach A's IDs that B does
// not have; this section, that an ID both have does not join them.
func testSameIDs(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"Numbers": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			ha, hb := numberdesk.NewStaffID(), numberdesk.NewStaffID()
			na := newNumber(a.ID, e164(1), numbers.StatusActive)
			na.Holders, na.HoldersSince = []numberdesk.StaffID{ha}, t0
			// B's twin: same ID and E.164, other content.
			nb := newNumber(b.ID, e164(1), numbers.StatusActive)
			nb.ID = na.ID
			nb.Holders, nb.HoldersSince = []numberdesk.StaffID{hb, ha}, t0
			nb.Options, nb.UsageType, nb.BillingLine = []string{"allnet_flat"}, routing.UsageFaxShared, "line-b"
			createNumbers(t, s, na)
			createNumbers(t, s, nb)
			wantB := nb.Clone()
			requireNumber(t, s, na)
			requireNumber(t, s, wantB)

			// A's number changes state, options, holders (a holder
			// period) and, second, its E.164; B's twin stays as it was.
			na.Status, na.DeactivationAt = numbers.StatusDeactivationPending, t0.AddDate(0, 2, 0)
			na.Options, na.UsageType, na.UpdatedAt = []string{"festnetz_flat"}, routing.UsageConference, t0.Add(time.Hour)
			hc := numberdesk.NewStaffID()
			na.Holders, na.HoldersSince = []numberdesk.StaffID{hc}, t0.Add(time.Hour)
			require.NoError(t, s.UpdateNumbers(t.Context(), na))
			require.Equal(t, int64(2), na.Version)
			requireNumber(t, s, na)
			requireNumber(t, s, wantB)
			na.E164 = e164(2)
			na.Holders, na.HoldersSince = nil, t0.Add(2*time.Hour)
			require.NoError(t, s.UpdateNumbers(t.Context(), na))
			requireNumber(t, s, na)
			requireNumber(t, s, wantB)
			require.Equal(t, []numbers.HolderPeriod{period(na, t0, t0.Add(time.Hour), ha), period(na, t0.Add(time.Hour), t0.Add(2*time.Hour), hc)},
				allPeriods(t, s, a.ID))
			require.Empty(t, allPeriods(t, s, b.ID), "B's twin changed no hands")

			// Reads through one tenant return that tenant's number only.
			for _, tn := range []struct {
				id   numberdesk.TenantID
				want *numbers.Number
			}{{a.ID, na}, {b.ID, wantB}} {
				ns, total, err := s.FindNumbers(t.Context(), tn.id, numbers.Filter{IDs: []numberdesk.NumberID{na.ID}})
				require.NoError(t, err)
				require.Equal(t, 1, total)
				require.Equal(t, []*numbers.Number{norm(tn.want)}, normAll(ns))
			}
			ns, _, err := s.FindNumbers(t.Context(), a.ID, numbers.Filter{Holder: hb})
			require.NoError(t, err)
			require.Empty(t, ns, "B's holder holds nothing in A")

			// B's twin is still at version 1: B's own write with it works,
			// and leaves A's number alone.
			nb.Status, nb.BillingLine, nb.BilledSince = numbers.StatusInactive, "", time.Time{}
			nb.Holders, nb.HoldersSince, nb.UpdatedAt = nil, t0.Add(3*time.Hour), t0.Add(3*time.Hour)
			require.NoError(t, s.UpdateNumbers(t.Context(), nb))
			require.Equal(t, int64(2), nb.Version)
			requireNumber(t, s, nb)
			requireNumber(t, s, na)
			require.Len(t, allPeriods(t, s, b.ID), 1)
			require.Len(t, allPeriods(t, s, a.ID), 2)

			// A stale write of A's (version 2, stored 3) is a conflict
			// although B's twin is at version 2: nothing changes.
			stale := na.Clone()
			stale.Version = 2
			stale.Status = numbers.StatusActive
			requireCode(t, s.UpdateNumbers(t.Context(), stale), numberdesk.CodeConflict, "version")
			requireNumber(t, s, na)
			requireNumber(t, s, nb)
		},
		"Employees": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			ea := newEmployee(a.ID, "Anna", "Berg", "anna@muster.example", numberdesk.RoleEmployee)
			eb := newEmployee(b.ID, "Bernd", "Kurz", "anna@muster.example", numberdesk.RoleManager)
			eb.ID = ea.ID
			createEmployees(t, s, ea, eb)
			wantB := eb.Clone()

			ea.FirstName, ea.Email, ea.Locked, ea.Role = "Änne", "aenne@muster.example", true, numberdesk.RoleManager
			ea.UpdatedAt = t0.Add(time.Hour)
			require.NoError(t, s.UpdateEmployee(t.Context(), ea))
			require.Equal(t, int64(2), ea.Version)
			requireEmployee(t, s, ea)
			requireEmployee(t, s, wantB)
			for _, tn := range []struct {
				id   numberdesk.TenantID
				want *staff.Employee
			}{{a.ID, ea}, {b.ID, wantB}} {
				es, total, err := s.FindEmployees(t.Context(), tn.id, staff.Filter{IDs: []numberdesk.StaffID{ea.ID}})
				require.NoError(t, err)
				require.Equal(t, 1, total)
				require.Equal(t, []*staff.Employee{normEmployee(tn.want)}, normEmployees(es))
			}

			// Deleting A's removes A's only.
			require.NoError(t, s.DeleteEmployee(t.Context(), a.ID, ea.ID))
			requireNoEmployee(t, s, a.ID, ea.ID)
			requireEmployee(t, s, wantB)
			// B's, still at version 1, takes B's write.
			eb.LastName, eb.UpdatedAt = "Lang", t0.Add(2*time.Hour)
			require.NoError(t, s.UpdateEmployee(t.Context(), eb))
			requireEmployee(t, s, eb)
		},
		"Records": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			number, holder := numberdesk.NewNumberID(), numberdesk.NewStaffID()
			ra := newCallRecord(a.ID, number, holder, numbers.RecordCall, t0)
			rb := newCallRecord(b.ID, number, holder, numbers.RecordFax, t0.Add(time.Minute))
			rb.ID = ra.ID
			require.NoError(t, s.CreateRecords(t.Context(), ra))
			require.NoError(t, s.CreateRecords(t.Context(), rb))
			require.Equal(t, []*numbers.Record{normCallRecord(ra)}, normCallRecords(allCallRecords(t, s, a.ID)))
			require.Equal(t, []*numbers.Record{normCallRecord(rb)}, normCallRecords(allCallRecords(t, s, b.ID)))

			// A's purge of the holder's records of the number: B's stay.
			c, err := s.DeleteRecords(t.Context(), a.ID, numbers.RecordFilter{Numbers: []numberdesk.NumberID{number}, Holder: holder})
			require.NoError(t, err)
			require.Equal(t, 1, c)
			require.Empty(t, allCallRecords(t, s, a.ID))
			require.Equal(t, []*numbers.Record{normCallRecord(rb)}, normCallRecords(allCallRecords(t, s, b.ID)))
			c, err = s.DeleteRecords(t.Context(), a.ID, numbers.RecordFilter{Holder: holder})
			require.NoError(t, err)
			require.Zero(t, c)
			require.Len(t, allCallRecords(t, s, b.ID), 1)
		},
		"EventsAndDeliveries": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			number := numberdesk.NewNumberID()
			ea := newEvent(a.ID, number, "number.activated")
			eb := newEvent(b.ID, number, "number.provisioned")
			eb.ID = ea.ID
			require.NoError(t, s.AppendEvents(t.Context(), ea))
			require.NoError(t, s.AppendEvents(t.Context(), eb))
			for _, e := range []numberdesk.Event{ea, eb} {
				es, err := s.FindEvents(t.Context(), e.Tenant, numberdesk.EventFilter{Number: number})
				require.NoError(t, err)
				require.Len(t, es, 1)
				require.Equal(t, e.Type, es[0].Type)
				require.Equal(t, e.Tenant, es[0].Tenant)
			}

			// Both are delivered separately: finishing A's leaves B's
			// pending (and B's lease with B's worker).
			cs, err := s.ClaimDeliveries(t.Context(), "w", t0, time.Minute, 10)
			require.NoError(t, err)
			require.Len(t, cs, 2)
			requireFinished(t, s, notify.Finish{Tenant: a.ID, Event: ea.ID, Worker: "w",
				State: notify.StateDelivered, Attempts: 1, At: t0})
			require.Equal(t, notify.StateDelivered, deliveryOf(t, s, ea).State)
			require.Equal(t, notify.StatePending, deliveryOf(t, s, eb).State)
			requireFinished(t, s, notify.Finish{Tenant: b.ID, Event: eb.ID, Worker: "w",
				State: notify.StateFailed, Attempts: 1, Error: "550", At: t0})
			require.Equal(t, notify.StateDelivered, deliveryOf(t, s, ea).State)
			require.Equal(t, notify.StateFailed, deliveryOf(t, s, eb).State)
			require.Empty(t, deliveryOf(t, s, ea).LastError)
		},
		"IdempotencyRecords": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			ra, rb := newRecord(a.ID, "same-key"), newRecord(b.ID, "same-key")
			rb.Op, rb.Fingerprint = "numbers.Swap", "fp-b"
			require.NoError(t, s.CreateIdempotencyRecord(t.Context(), ra))
			require.NoError(t, s.CreateIdempotencyRecord(t.Context(), rb))
			for _, want := range []*numberdesk.IdempotencyRecord{ra, rb} {
				got, err := s.FindIdempotencyRecord(t.Context(), want.Tenant, "same-key")
				require.NoError(t, err)
				require.Equal(t, normRecord(t, want), normRecord(t, got))
			}
		},
		"RoutingSettings": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			number := numberdesk.NewNumberID()
			sa, sb := newSettings(a.ID, number), newSettings(b.ID, number)
			sb.Plan.Base = routing.BaseRule{Kind: routing.BaseRingingTone}
			require.NoError(t, s.SaveSettings(t.Context(), sa))
			require.NoError(t, s.SaveSettings(t.Context(), sb))
			wantB := *sb

			sa.Plan.Rules = sa.Plan.Rules[:1]
			sa.Overrides, sa.UpdatedAt = nil, t0.Add(time.Hour)
			require.NoError(t, s.SaveSettings(t.Context(), sa))
			require.Equal(t, int64(2), sa.Version)
			requireSettings(t, s, sa)
			requireSettings(t, s, &wantB)

			require.NoError(t, s.DeleteSettings(t.Context(), a.ID, number))
			requireNoSettings(t, s, a.ID, number)
			requireSettings(t, s, &wantB)
			// B's, still at version 1, takes B's write.
			sb.UpdatedAt = t0.Add(2 * time.Hour)
			require.NoError(t, s.SaveSettings(t.Context(), sb))
			requireSettings(t, s, sb)
		},
		"Credentials": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			number, employee := numberdesk.NewNumberID(), numberdesk.NewStaffID()
			ca := newCredential(a.ID, number, employee, "4930555-sameida")
			cb := newCredential(b.ID, number, employee, "4930555-sameidb")
			cb.ID = ca.ID
			createCredentials(t, s, ca, cb)
			wantB := cb.Clone()

			ca.Status, ca.RevokedAt, ca.Failures, ca.UpdatedAt = efax.StatusRevoked, t0.Add(time.Hour), 2, t0.Add(time.Hour)
			require.NoError(t, s.UpdateCredential(t.Context(), ca))
			require.Equal(t, int64(2), ca.Version)
			requireCredential(t, s, ca)
			requireCredential(t, s, wantB)
			for _, c := range []*efax.StoredCredential{ca, wantB} {
				cs, err := s.FindCredentials(t.Context(), c.Tenant, efax.CredentialFilter{})
				require.NoError(t, err)
				require.Equal(t, []*efax.StoredCredential{normCredential(c)}, normCredentials(cs))
			}
			// B's, still at version 1, takes B's write.
			cb.Failures, cb.UpdatedAt = 1, t0.Add(2*time.Hour)
			require.NoError(t, s.UpdateCredential(t.Context(), cb))
			requireCredential(t, s, cb)
			requireCredential(t, s, ca)
		},
	})
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store"
)

func testNumbers(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"CreateSingle": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusNew)
			n.Base, n.Extension = "+4930555000", "0001"
			n.Origin = numbers.OriginPorted
			n.PortingDate = t0.Add(72 * time.Hour)
			n.Version = 7 // ignored: a new number has version 1
			createNumbers(t, s, n)
			requireNumber(t, s, n)
		},
		"CreateMany": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			ns := []*numbers.Number{
				newNumber(tn.ID, e164(3), numbers.StatusNew),
				newNumber(tn.ID, e164(1), numbers.StatusActive),
				newNumber(tn.ID, e164(2), numbers.StatusDeactivationPending),
			}
			createNumbers(t, s, ns...)
			for _, n := range ns {
				requireNumber(t, s, n)
			}
			all := allNumbers(t, s, tn.ID)
			require.Equal(t, []numberdesk.NumberID{ns[1].ID, ns[2].ID, ns[0].ID}, numberIDs(all))
			require.NoError(t, s.CreateNumbers(t.Context()), "an empty call is a no-op")
		},
		"CreateLargeBatch": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			var ns []*numbers.Number
			for i := 500; i > 0; i-- { // reverse order on purpose
				ns = append(ns, newNumber(tn.ID, e164(i*2), numbers.StatusNew))
			}
			createNumbers(t, s, ns...)
			createNumbers(t, s, newNumber(tn.ID, e164(3), numbers.StatusNew))
			all := allNumbers(t, s, tn.ID)
			require.Len(t, all, 501)
			for i := 1; i < len(all); i++ {
				require.Less(t, all[i-1].E164, all[i].E164)
			}
		},
		"CopiesIn": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			n.Holders = []numberdesk.StaffID{numberdesk.NewStaffID()}
			n.Options = []string{"recording", "fax2mail"}
			createNumbers(t, s, n)
			want := norm(n)
			n.Holders[0] = numberdesk.NewStaffID()
			n.Options[1] = "changed"
			n.Options = append(n.Options, "more")
			n.Status = numbers.StatusInactive
			requireNumber(t, s, want)

			// The same on update.
			upd := want.Clone()
			upd.Options = []string{"a"}
			require.NoError(t, s.UpdateNumbers(t.Context(), upd))
			want = norm(upd)
			upd.Options[0] = "b"
			upd.Holders[0] = numberdesk.NewStaffID()
			requireNumber(t, s, want)
		},
		"CopiesOut": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			n.Holders = []numberdesk.StaffID{numberdesk.NewStaffID()}
			n.Options = []string{"recording"}
			createNumbers(t, s, n)
			want := norm(n)

			got, err := s.FindNumberByID(t.Context(), tn.ID, n.ID)
			require.NoError(t, err)
			got.Holders[0] = numberdesk.NewStaffID()
			got.Options[0] = "changed"
			got.Status = numbers.StatusInactive
			requireNumber(t, s, want)

			list, _, err := s.FindNumbers(t.Context(), tn.ID, numbers.Filter{})
			require.NoError(t, err)
			require.Len(t, list, 1)
			list[0].Holders[0] = numberdesk.NewStaffID()
			list[0].Options[0] = "changed"
			list[0].E164 = e164(9)
			requireNumber(t, s, want)
			require.Equal(t, []*numbers.Number{want}, normAll(allNumbers(t, s, tn.ID)))
		},
		"DuplicateE164IsConflictAndWritesNothing": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			old := newNumber(tn.ID, e164(1), numbers.StatusActive)
			createNumbers(t, s, old)
			batch := []*numbers.Number{
				newNumber(tn.ID, e164(2), numbers.StatusNew),
				newNumber(tn.ID, e164(1), numbers.StatusNew),
				newNumber(tn.ID, e164(3), numbers.StatusNew),
			}
			requireCode(t, s.CreateNumbers(t.Context(), batch...), numberdesk.CodeConflict, "number")
			for _, n := range batch {
				require.Zero(t, n.Version, "a failed create must not set versions")
				requireNoNumber(t, s, tn.ID, n.ID)
			}
			require.Equal(t, []*numbers.Number{norm(old)}, normAll(allNumbers(t, s, tn.ID)))
		},
		"DuplicateIDIsConflict": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			old := newNumber(tn.ID, e164(1), numbers.StatusActive)
			createNumbers(t, s, old)
			dup := newNumber(tn.ID, e164(2), numbers.StatusNew)
			dup.ID = old.ID
			requireCode(t, s.CreateNumbers(t.Context(), dup), numberdesk.CodeConflict, "number")
			requireNumber(t, s, old)
			require.Len(t, allNumbers(t, s, tn.ID), 1)
		},
		"DuplicatesWithinCallAreConflict": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a, b := newNumber(tn.ID, e164(1), numbers.StatusNew), newNumber(tn.ID, e164(1), numbers.StatusNew)
			requireCode(t, s.CreateNumbers(t.Context(), a, b), numberdesk.CodeConflict, "number")
			c, d := newNumber(tn.ID, e164(2), numbers.StatusNew), newNumber(tn.ID, e164(3), numbers.StatusNew)
			d.ID = c.ID
			requireCode(t, s.CreateNumbers(t.Context(), c, d), numberdesk.CodeConflict, "number")
			require.Empty(t, allNumbers(t, s, tn.ID))
		},
		"SameE164InTwoTenants": func(t *testing.T, s store.Store) {
			ta, tb := newTenant(t, s), newTenant(t, s)
			a, b := newNumber(ta.ID, e164(1), numbers.StatusActive), newNumber(tb.ID, e164(1), numbers.StatusNew)
			createNumbers(t, s, a)
			createNumbers(t, s, b)
			requireNumber(t, s, a)
			requireNumber(t, s, b)
		},
		"TenantNeedNotExist": func(t *testing.T, s store.Store) {
			n := newNumber(numberdesk.NewTenantID(), e164(1), numbers.StatusNew)
			createNumbers(t, s, n)
			requireNumber(t, s, n)
		},
		"InvalidIsRefusedAndWritesNothing": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			valid := func() *numbers.Number { return newNumber(tn.ID, e164(1), numbers.StatusNew) }
			noTenant, badTenant := valid(), valid()
			noTenant.Tenant, badTenant.Tenant = "", "tenant-1"
			noID, badID := valid(), valid()
			noID.ID, badID.ID = "", "number-1"
			noE164 := valid()
			noE164.E164 = ""
			for _, c := range []struct {
				n     *numbers.Number
				field string
			}{{nil, "*"}, {noTenant, "tenant"}, {badTenant, "tenant"}, {noID, "id"}, {badID, "id"}, {noE164, "*"}} {
				ok := newNumber(tn.ID, e164(2), numbers.StatusNew)
				requireCode(t, s.CreateNumbers(t.Context(), ok, c.n), numberdesk.CodeInvalid, c.field)
				require.Zero(t, ok.Version)
			}
			require.Empty(t, allNumbers(t, s, tn.ID))
		},
		"UnknownAndMalformedIDsAreNotFound": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusNew)
			createNumbers(t, s, n)
			_, want := s.FindNumberByID(t.Context(), tn.ID, numberdesk.NewNumberID())
			requireCode(t, want, numberdesk.CodeNotFound, "*")
			for _, id := range []numberdesk.NumberID{"", "1", "not-a-uuid", numberdesk.NumberID(string(n.ID) + "x"), numberdesk.NumberID(n.ID[:35])} {
				got, err := s.FindNumberByID(t.Context(), tn.ID, id)
				require.Nil(t, got)
				requireSameError(t, want, err)
			}
			for _, tenant := range []numberdesk.TenantID{"", "x", numberdesk.NewTenantID()} {
				_, err := s.FindNumberByID(t.Context(), tenant, n.ID)
				requireSameError(t, want, err)
			}
		},
		"Update": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a, b := newNumber(tn.ID, e164(1), numbers.StatusNew), newNumber(tn.ID, e164(2), numbers.StatusActive)
			createNumbers(t, s, a, b)
			a.Status = numbers.StatusActive
			a.UsageType = routing.UsageFaxShared
			a.Holders = []numberdesk.StaffID{numberdesk.NewStaffID(), numberdesk.NewStaffID()}
			a.Options = []string{"fax2mail"}
			a.BillingLine, a.BilledSince = "line-9", t0.Add(time.Hour)
			a.UpdatedAt = t0.Add(time.Hour)
			a.E164 = e164(3) // moves behind b in the default order
			require.NoError(t, s.UpdateNumbers(t.Context(), a))
			require.Equal(t, int64(2), a.Version)
			requireNumber(t, s, a)
			require.Equal(t, []numberdesk.NumberID{b.ID, a.ID}, numberIDs(allNumbers(t, s, tn.ID)))
			// The old E.164 is free again, the new one taken.
			createNumbers(t, s, newNumber(tn.ID, e164(1), numbers.StatusNew))
			requireCode(t, s.CreateNumbers(t.Context(), newNumber(tn.ID, e164(3), numbers.StatusNew)), numberdesk.CodeConflict, "number")

			require.NoError(t, s.UpdateNumbers(t.Context()), "an empty call is a no-op")
		},
		"UpdateToExistingE164IsConflict": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a, b := newNumber(tn.ID, e164(1), numbers.StatusNew), newNumber(tn.ID, e164(2), numbers.StatusNew)
			createNumbers(t, s, a, b)
			want := normAll(allNumbers(t, s, tn.ID))
			c := a.Clone()
			c.E164 = b.E164
			requireCode(t, s.UpdateNumbers(t.Context(), c), numberdesk.CodeConflict, "number")
			require.Equal(t, int64(1), c.Version)
			// Two numbers of one batch may not end up with the same E.164.
			c2, d2 := a.Clone(), b.Clone()
			c2.E164, d2.E164 = e164(5), e164(5)
			requireCode(t, s.UpdateNumbers(t.Context(), c2, d2), numberdesk.CodeConflict, "number")
			require.Equal(t, want, normAll(allNumbers(t, s, tn.ID)))
		},
		"UpdateSwapsE164WithinBatch": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a, b := newNumber(tn.ID, e164(1), numbers.StatusNew), newNumber(tn.ID, e164(2), numbers.StatusNew)
			createNumbers(t, s, a, b)
			a.E164, b.E164 = b.E164, a.E164
			require.NoError(t, s.UpdateNumbers(t.Context(), a, b))
			requireNumber(t, s, a)
			requireNumber(t, s, b)
			require.Equal(t, []numberdesk.NumberID{b.ID, a.ID}, numberIDs(allNumbers(t, s, tn.ID)))
		},
		"UpdateUnknownIsNotFoundAndWritesNothing": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a := newNumber(tn.ID, e164(1), numbers.StatusNew)
			createNumbers(t, s, a)
			changed := a.Clone()
			changed.Status = numbers.StatusActive
			for _, id := range []numberdesk.NumberID{numberdesk.NewNumberID(), "", "not-a-uuid"} {
				ghost := newNumber(tn.ID, e164(2), numbers.StatusNew)
				ghost.ID, ghost.Version = id, 1
				requireCode(t, s.UpdateNumbers(t.Context(), changed, ghost), numberdesk.CodeNotFound, "id")
				require.Equal(t, int64(1), changed.Version)
			}
			requireNumber(t, s, a)
		},
		"UpdateSameNumberTwiceIsConflict": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a := newNumber(tn.ID, e164(1), numbers.StatusNew)
			createNumbers(t, s, a)
			x, y := a.Clone(), a.Clone()
			x.Status, y.Status = numbers.StatusActive, numbers.StatusInactive
			requireCode(t, s.UpdateNumbers(t.Context(), x, y), numberdesk.CodeConflict, "version")
			requireNumber(t, s, a)
		},
		"UpdateInvalidIsRefused": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a := newNumber(tn.ID, e164(1), numbers.StatusNew)
			createNumbers(t, s, a)
			noE164 := a.Clone()
			noE164.E164 = ""
			requireCode(t, s.UpdateNumbers(t.Context(), noE164), numberdesk.CodeInvalid, "*")
			requireCode(t, s.UpdateNumbers(t.Context(), nil), numberdesk.CodeInvalid, "*")
			requireNumber(t, s, a)
		},
		"CanceledContext": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a := newNumber(tn.ID, e164(1), numbers.StatusNew)
			createNumbers(t, s, a)
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, err := s.FindNumberByID(ctx, tn.ID, a.ID)
			requireCode(t, err, numberdesk.CodeInternal, "*")
			require.ErrorIs(t, err, context.Canceled)
			_, _, err = s.FindNumbers(ctx, tn.ID, numbers.Filter{})
			require.ErrorIs(t, err, context.Canceled)
			b := newNumber(tn.ID, e164(2), numbers.StatusNew)
			err = s.CreateNumbers(ctx, b)
			requireCode(t, err, numberdesk.CodeInternal, "*")
			require.ErrorIs(t, err, context.Canceled)
			c := a.Clone()
			c.Status = numbers.StatusActive
			require.ErrorIs(t, s.UpdateNumbers(ctx, c), context.Canceled)
			require.ErrorIs(t, s.AppendEvents(ctx, newEvent(tn.ID, a.ID, "number.test")), context.Canceled)
			require.ErrorIs(t, s.CreateIdempotencyRecord(ctx, newRecord(tn.ID, "k")), context.Canceled)
			requireNoNumber(t, s, tn.ID, b.ID)
			requireNumber(t, s, a)
			require.Empty(t, allEvents(t, s, tn.ID))
		},
	})
}

package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
)

func testEvents(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"AppendAndFind": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusNew)
			createNumbers(t, s, n)
			es := []numberdesk.Event{
				Event(t, "number.activated", numberdesk.Actor{Tenant: tn.ID, Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleOwner}, t0, n.ID, map[string]any{"price": 499, "consent": "Rufnummern jetzt kostenpflichtig aktivieren"}),
				newEvent(tn.ID, "", "tenant.note"),
				newEvent(tn.ID, n.ID, "number.assigned"),
			}
			es[2].Data = nil
			require.NoError(t, s.AppendEvents(t.Context(), es...))
			for i, e := range es {
				require.Positive(t, e.Seq, "Seq is written back into the caller's slice")
				if i > 0 {
					require.Greater(t, e.Seq, es[i-1].Seq)
				}
			}
			require.Equal(t, normEvents(t, es), normEvents(t, allEvents(t, s, tn.ID)))
			require.NoError(t, s.AppendEvents(t.Context()), "an empty call is a no-op")
		},
		"SeqIncreasesStoreWide": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			var last int64
			var wantA, wantB []numberdesk.EventID
			for i := range 6 {
				tn := a
				if i%2 == 1 {
					tn = b
				}
				e := []numberdesk.Event{newEvent(tn.ID, "", "tenant.note")}
				require.NoError(t, s.AppendEvents(t.Context(), e...))
				require.Greater(t, e[0].Seq, last)
				last = e[0].Seq
				if tn == a {
					wantA = append(wantA, e[0].ID)
				} else {
					wantB = append(wantB, e[0].ID)
				}
			}
			require.Equal(t, wantA, eventIDs(allEvents(t, s, a.ID)))
			require.Equal(t, wantB, eventIDs(allEvents(t, s, b.ID)))
		},
		"AtomicWithTheChange": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			createNumbers(t, s, n)
			change := func(ctx context.Context) error {
				c, err := s.FindNumberByID(ctx, tn.ID, n.ID)
				if err != nil {
					return err
				}
				c.Status = numbers.StatusDeactivationPending
				c.DeactivationAt = t0.AddDate(0, 1, 0)
				if err := s.UpdateNumbers(ctx, c); err != nil {
					return err
				}
				return s.AppendEvents(ctx, newEvent(tn.ID, n.ID, "number.deactivation_requested"))
			}
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				if err := change(ctx); err != nil {
					return err
				}
				return errBoom
			})
			require.ErrorIs(t, err, errBoom)
			requireNumber(t, s, n)
			require.Empty(t, allEvents(t, s, tn.ID))

			require.NoError(t, s.InTx(t.Context(), change))
			got, err := s.FindNumberByID(t.Context(), tn.ID, n.ID)
			require.NoError(t, err)
			require.Equal(t, numbers.StatusDeactivationPending, got.Status)
			require.Len(t, allEvents(t, s, tn.ID), 1)
		},
		"Filters": func(t *testing.T, s store.Store) {
			tn, other := newTenant(t, s), newTenant(t, s)
			n1, n2 := numberdesk.NewNumberID(), numberdesk.NewNumberID()
			types := []numberdesk.EventType{"number.activated", "number.assigned", "number.deactivated"}
			var all []numberdesk.Event
			for i := range 30 {
				number := []numberdesk.NumberID{n1, n2, ""}[i%3]
				e := newEvent(tn.ID, number, types[(i/2)%3])
				e.At = t0.Add(time.Duration(i) * time.Minute)
				// Interleave appends of another tenant and batches of two.
				require.NoError(t, s.AppendEvents(t.Context(), newEvent(other.ID, number, types[0])))
				if i%2 == 0 {
					batch := []numberdesk.Event{e}
					require.NoError(t, s.AppendEvents(t.Context(), batch...))
					e = batch[0]
				} else {
					batch := []numberdesk.Event{all[len(all)-1], e}
					batch[0].ID = numberdesk.NewEventID() // a second copy with a new ID
					require.NoError(t, s.AppendEvents(t.Context(), batch...))
					all = append(all, batch[0])
					e = batch[1]
				}
				all = append(all, e)
			}
			mid := all[len(all)/2].Seq
			filters := map[string]numberdesk.EventFilter{
				"None":          {},
				"Number":        {Number: n1},
				"NumberUnknown": {Number: numberdesk.NewNumberID()},
				"NumberInvalid": {Number: "kaputt"},
				"TypeOne":       {Types: types[:1]},
				"TypeAnyOf":     {Types: types[1:]},
				"AfterSeq":      {AfterSeq: mid},
				"AfterLast":     {AfterSeq: all[len(all)-1].Seq},
				"Limit":         {Limit: 5},
				"Desc":          {Desc: true},
				"DescLimit":     {Desc: true, Limit: 4},
				"DescAfterSeq":  {Desc: true, AfterSeq: mid, Limit: 3},
				"Combined":      {Number: n2, Types: types[:2], AfterSeq: all[3].Seq, Limit: 4},
				"CombinedDesc":  {Number: n2, Types: types[:2], AfterSeq: all[3].Seq, Limit: 4, Desc: true},
			}
			for name, f := range filters {
				got, err := s.FindEvents(t.Context(), tn.ID, f)
				require.NoError(t, err, name)
				require.Equal(t, normEvents(t, wantEvents(all, f)), normEvents(t, got), name)
			}
			got, err := s.FindEvents(t.Context(), numberdesk.NewTenantID(), numberdesk.EventFilter{})
			require.NoError(t, err)
			require.Empty(t, got, "an unknown tenant has no events")
		},
		"Copies": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			es := []numberdesk.Event{newEvent(tn.ID, "", "tenant.note")}
			require.NoError(t, s.AppendEvents(t.Context(), es...))
			want := normEvents(t, es)
			copy(es[0].Data, `{"xxxx":"yyyy"}`)
			require.Equal(t, want, normEvents(t, allEvents(t, s, tn.ID)))
			got := allEvents(t, s, tn.ID)
			copy(got[0].Data, `{"xxxx":"yyyy"}`)
			require.Equal(t, want, normEvents(t, allEvents(t, s, tn.ID)))
		},
		"InvalidIsRefusedAndAppendsNothing": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			valid := func() numberdesk.Event { return newEvent(tn.ID, "", "tenant.note") }
			noTenant, badTenant, noID, badID, noType, badNumber, badData := valid(), valid(), valid(), valid(), valid(), valid(), valid()
			noTenant.Tenant, badTenant.Tenant = "", "tenant-1"
			badData.Data = []byte("{not json")
			noID.ID, badID.ID = "", "event-1"
			noType.Type = ""
			badNumber.Number = "number-1"
			for _, c := range []struct {
				e     numberdesk.Event
				field string
			}{{noTenant, "tenant"}, {badTenant, "tenant"}, {noID, "id"}, {badID, "id"}, {noType, "type"}, {badNumber, "number"}, {badData, "data"}} {
				requireCode(t, s.AppendEvents(t.Context(), valid(), c.e), numberdesk.CodeInvalid, c.field)
			}
			require.Empty(t, allEvents(t, s, tn.ID))
		},
		"DuplicateIDIsConflictAndAppendsNothing": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			first := newEvent(tn.ID, "", "tenant.note")
			require.NoError(t, s.AppendEvents(t.Context(), first))
			before := allEvents(t, s, tn.ID)
			requireCode(t, s.AppendEvents(t.Context(), newEvent(tn.ID, "", "tenant.note"), first), numberdesk.CodeConflict, "id")
			twin := newEvent(tn.ID, "", "tenant.note")
			requireCode(t, s.AppendEvents(t.Context(), twin, twin), numberdesk.CodeConflict, "id")
			require.Equal(t, normEvents(t, before), normEvents(t, allEvents(t, s, tn.ID)))
		},
	})
}

// wantEvents is the reference model of FindEvents.
func wantEvents(all []numberdesk.Event, f numberdesk.EventFilter) []numberdesk.Event {
	out := []numberdesk.Event{}
	for _, e := range all {
		if f.Number != "" && e.Number != f.Number ||
			len(f.Types) > 0 && !slices.Contains(f.Types, e.Type) ||
			e.Seq <= f.AfterSeq {
			continue
		}
		out = append(out, e)
	}
	if f.Desc {
		slices.Reverse(out)
	}
	if f.Limit > 0 && f.Limit < len(out) {
		out = out[:f.Limit]
	}
	return out
}

func eventIDs(es []numberdesk.Event) []numberdesk.EventID {
	ids := make([]numberdesk.EventID, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

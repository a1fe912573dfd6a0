package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// newCallRecord returns a record (not stored yet) with a new ID.
func newCallRecord(tenant numberdesk.TenantID, number numberdesk.NumberID, holder numberdesk.StaffID, kind numbers.RecordKind, at time.Time) *numbers.Record {
	r := &numbers.Record{
		ID:        numberdesk.NewEventID(),
		Tenant:    tenant,
		Number:    number,
		Kind:      kind,
		At:        at,
		Direction: numbers.Inbound,
		Caller:    "+4922199887766",
		Callee:    "+4930555000001",
		Duration:  95 * time.Second,
		Result:    numbers.ResultAnswered,
		Holder:    holder,
	}
	if kind == numbers.RecordFax {
		r.Pages = 3
	}
	return r
}

// normCallRecord returns a copy of r in a canonical form for comparisons.
func normCallRecord(r *numbers.Record) *numbers.Record {
	if r == nil {
		return nil
	}
	c := *r
	c.At = normTime(c.At)
	return &c
}

func normCallRecords(rs []*numbers.Record) []*numbers.Record {
	out := make([]*numbers.Record, len(rs))
	for i, r := range rs {
		out[i] = normCallRecord(r)
	}
	return out
}

// allCallRecords returns every record of tenant, newest first.
func allCallRecords(t *testing.T, s staffRecordStore, tenant numberdesk.TenantID) []*numbers.Record {
	t.Helper()
	rs, total, err := s.FindRecords(t.Context(), tenant, numbers.RecordFilter{})
	require.NoError(t, err)
	require.Len(t, rs, total)
	return rs
}

// callRecordIDs returns the IDs of rs in order.
func callRecordIDs(rs []*numbers.Record) []numberdesk.EventID {
	ids := make([]numberdesk.EventID, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

// matchCallRecord is the reference model of a RecordFilter (without paging),
// written from the doc comment of numbers.RecordFilter.
func matchCallRecord(r *numbers.Record, f numbers.RecordFilter) bool {
	return (len(f.Numbers) == 0 || slices.Contains(f.Numbers, r.Number)) &&
		(f.Holder == "" || r.Holder == f.Holder || r.Holder == "" && r.Kind == numbers.RecordFax &&
			slices.ContainsFunc(f.Shared, func(p numbers.SharedPeriod) bool {
				return p.Number == r.Number && !r.At.Before(p.From) && (p.To.IsZero() || r.At.Before(p.To))
			})) &&
		(len(f.Kinds) == 0 || slices.Contains(f.Kinds, r.Kind)) &&
		(f.From.IsZero() || !r.At.Before(f.From)) &&
		(f.To.IsZero() || r.At.Before(f.To))
}

// compareCallRecords is the order of FindRecords: newest first, then by ID.
func compareCallRecords(a, b *numbers.Record) int {
	if c := b.At.Compare(a.At); c != 0 {
		return c
	}
	return strings.Compare(string(a.ID), string(b.ID))
}

// wantCallRecords is the reference model of FindRecords.
func wantCallRecords(all []*numbers.Record, f numbers.RecordFilter) ([]*numbers.Record, int) {
	var hits []*numbers.Record
	for _, r := range all {
		if matchCallRecord(r, f) {
			hits = append(hits, r)
		}
	}
	slices.SortFunc(hits, compareCallRecords)
	total := len(hits)
	off, lim := min(max(f.Offset, 0), len(hits)), max(f.Limit, 0)
	hits = hits[off:]
	if lim > 0 && lim < len(hits) {
		hits = hits[:lim]
	}
	return hits, total
}

// recordFixture is a tenant with records of three numbers and two holders
// (and records without holder), and a second tenant with copies of some of
// them: the same IDs, numbers and holders, which must never show up or go.
type recordFixture struct {
	tenant, other numberdesk.TenantID
	numbers       [3]numberdesk.NumberID
	h1, h2        numberdesk.StaffID
	all           []*numbers.Record // as stored in tenant
	others        []*numbers.Record // as stored in other
	// faxAt[i] is the time of the one fax record without a holder of
	// numbers[i] (1 and 2).
	faxAt [3]time.Time
}

func newRecordFixture(t *testing.T, s staffRecordStore) *recordFixture {
	t.Helper()
	fx := &recordFixture{
		tenant: newTenant(t, s).ID, other: newTenant(t, s).ID,
		numbers: [3]numberdesk.NumberID{numberdesk.NewNumberID(), numberdesk.NewNumberID(), numberdesk.NewNumberID()},
		h1:      numberdesk.NewStaffID(), h2: numberdesk.NewStaffID(),
	}
	holders := []numberdesk.StaffID{fx.h1, fx.h2, fx.h1, ""}
	kinds := []numbers.RecordKind{numbers.RecordCall, numbers.RecordFax, numbers.RecordVoicemail, numbers.RecordCall, numbers.RecordCall}
	for i := range 40 {
		// Ties on purpose (i%13 repeats), and times a microsecond apart.
		at := t0.Add(time.Duration(i%13)*time.Hour + time.Duration(i%3/2)*time.Microsecond)
		r := newCallRecord(fx.tenant, fx.numbers[i%3], holders[i%4], kinds[i%5], at)
		r.Duration = time.Duration(i) * time.Second
		if i%6 == 0 {
			r.Direction, r.Result, r.Caller = numbers.Outbound, numbers.ResultMissed, ""
		}
		if r.Holder == "" && r.Kind == numbers.RecordFax {
			fx.faxAt[slices.Index(fx.numbers[:], r.Number)] = at
		}
		fx.all = append(fx.all, r)
	}
	// Create in differently sized batches.
	require.NoError(t, s.CreateRecords(t.Context(), fx.all[0]))
	require.NoError(t, s.CreateRecords(t.Context(), fx.all[1:25]...))
	for _, r := range fx.all[25:] {
		require.NoError(t, s.CreateRecords(t.Context(), r))
	}
	for _, r := range fx.all[:12] {
		o := *r
		o.Tenant = fx.other
		fx.others = append(fx.others, &o)
	}
	require.NoError(t, s.CreateRecords(t.Context(), fx.others...))
	return fx
}

// requireRecords checks that tenant holds exactly want.
func requireRecords(t *testing.T, s staffRecordStore, tenant numberdesk.TenantID, want []*numbers.Record) {
	t.Helper()
	want, _ = wantCallRecords(want, numbers.RecordFilter{})
	require.Equal(t, normCallRecords(want), normCallRecords(allCallRecords(t, s, tenant)))
}

// without returns the records of all that do not match f.
func without(all []*numbers.Record, f numbers.RecordFilter) []*numbers.Record {
	return slices.DeleteFunc(slices.Clone(all), func(r *numbers.Record) bool { return matchCallRecord(r, f) })
}

func testRecords(t *testing.T, newStore func(t *testing.T) staffRecordStore) {
	casesFor(t, newStore, map[string]func(t *testing.T, s staffRecordStore){
		"CreateAndFind": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			number, holder := numberdesk.NewNumberID(), numberdesk.NewStaffID()
			rs := []*numbers.Record{
				newCallRecord(tn.ID, number, holder, numbers.RecordCall, t0),
				newCallRecord(tn.ID, number, holder, numbers.RecordFax, t0.Add(2*time.Hour)),
				newCallRecord(tn.ID, number, "", numbers.RecordVoicemail, t0.Add(time.Hour)),
			}
			require.NoError(t, s.CreateRecords(t.Context(), rs...))
			require.Equal(t, []numberdesk.EventID{rs[1].ID, rs[2].ID, rs[0].ID}, callRecordIDs(allCallRecords(t, s, tn.ID)), "newest first")
			requireRecords(t, s, tn.ID, rs)
			require.NoError(t, s.CreateRecords(t.Context()), "an empty call is a no-op")
		},
		"TenantAndNumberNeedNotExist": func(t *testing.T, s staffRecordStore) {
			r := newCallRecord(numberdesk.NewTenantID(), numberdesk.NewNumberID(), numberdesk.NewStaffID(), numbers.RecordCall, t0)
			require.NoError(t, s.CreateRecords(t.Context(), r))
			requireRecords(t, s, r.Tenant, []*numbers.Record{r})
		},
		"CopiesInAndOut": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			r := newCallRecord(tn.ID, numberdesk.NewNumberID(), numberdesk.NewStaffID(), numbers.RecordFax, t0)
			require.NoError(t, s.CreateRecords(t.Context(), r))
			want := normCallRecord(r)
			r.Pages, r.Holder, r.At = 99, numberdesk.NewStaffID(), t0.Add(time.Hour)
			requireRecords(t, s, tn.ID, []*numbers.Record{want})

			got := allCallRecords(t, s, tn.ID)
			got[0].Caller, got[0].Kind = "changed", numbers.RecordCall
			requireRecords(t, s, tn.ID, []*numbers.Record{want})
			rs, _, err := s.FindRecords(t.Context(), tn.ID, numbers.RecordFilter{Holder: want.Holder})
			require.NoError(t, err)
			require.Equal(t, []*numbers.Record{want}, normCallRecords(rs), "the index follows the stored record, not the caller's")
		},
		"DuplicateIDIsConflictAndWritesNothing": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			number := numberdesk.NewNumberID()
			old := newCallRecord(tn.ID, number, "", numbers.RecordCall, t0)
			require.NoError(t, s.CreateRecords(t.Context(), old))
			fresh := newCallRecord(tn.ID, number, "", numbers.RecordCall, t0.Add(time.Hour))
			dup := newCallRecord(tn.ID, number, numberdesk.NewStaffID(), numbers.RecordFax, t0.Add(2*time.Hour))
			dup.ID = old.ID
			err := s.CreateRecords(t.Context(), fresh, dup)
			requireCode(t, err, numberdesk.CodeConflict, "id")
			require.ErrorIs(t, err, numberdesk.ErrConflict)
			// Twice within one call.
			a, b := newCallRecord(tn.ID, number, "", numbers.RecordCall, t0), newCallRecord(tn.ID, number, "", numbers.RecordFax, t0)
			b.ID = a.ID
			requireCode(t, s.CreateRecords(t.Context(), a, b), numberdesk.CodeConflict, "id")
			requireRecords(t, s, tn.ID, []*numbers.Record{old})
			// The refused new IDs are still free.
			require.NoError(t, s.CreateRecords(t.Context(), fresh, a))
			requireRecords(t, s, tn.ID, []*numbers.Record{old, fresh, a})
		},
		"InvalidIsRefusedAndWritesNothing": func(t *testing.T, s staffRecordStore) {
			tn := newTenant(t, s)
			valid := func() *numbers.Record {
				return newCallRecord(tn.ID, numberdesk.NewNumberID(), numberdesk.NewStaffID(), numbers.RecordCall, t0)
			}
			noTenant, badTenant, noID, badID, noNumber, badNumber, noKind, badKind, badHolder := valid(), valid(), valid(), valid(), valid(), valid(), valid(), valid(), valid()
			noTenant.Tenant, badTenant.Tenant = "", "tenant-1"
			noID.ID, badID.ID = "", "record-1"
			noNumber.Number, badNumber.Number = "", "+4930555000001"
			noKind.Kind, badKind.Kind = "", "sms"
			badHolder.Holder = "holder-1"
			for _, c := range []struct {
				r     *numbers.Record
				field string
			}{{nil, "*"}, {noTenant, "tenant"}, {badTenant, "tenant"}, {noID, "id"}, {badID, "id"}, {noNumber, "number"}, {badNumber, "number"},
				{noKind, "kind"}, {badKind, "kind"}, {badHolder, "holder"}} {
				requireCode(t, s.CreateRecords(t.Context(), valid(), c.r), numberdesk.CodeInvalid, c.field)
			}
			require.Empty(t, allCallRecords(t, s, tn.ID))
		},
		"Filters": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			at := fx.all[7].At // a time some records share
			filters := map[string]numbers.RecordFilter{
				"None":               {},
				"NumberOne":          {Numbers: fx.numbers[:1]},
				"NumbersAnyOf":       {Numbers: []numberdesk.NumberID{fx.numbers[2], fx.numbers[0]}},
				"NumbersUnknownDups": {Numbers: []numberdesk.NumberID{numberdesk.NewNumberID(), "kaputt", fx.numbers[1], fx.numbers[1]}},
				"NumbersUnknownOnly": {Numbers: []numberdesk.NumberID{numberdesk.NewNumberID()}},
				"Holder":             {Holder: fx.h1},
				"HolderUnknown":      {Holder: numberdesk.NewStaffID()},
				"KindOne":            {Kinds: []numbers.RecordKind{numbers.RecordFax}},
				"KindsAnyOf":         {Kinds: []numbers.RecordKind{numbers.RecordVoicemail, numbers.RecordCall}},
				"FromIncluded":       {From: at},
				"ToExcluded":         {To: at},
				"FromTo":             {From: t0.Add(3 * time.Hour), To: t0.Add(9 * time.Hour)},
				"FromToEmpty":        {From: at, To: at},
				"FromMicrosecond":    {From: t0.Add(time.Hour + time.Microsecond)},
				"NumberAndHolder":    {Numbers: fx.numbers[:1], Holder: fx.h1},
				"NumbersHolderKinds": {Numbers: fx.numbers[1:], Holder: fx.h2, Kinds: []numbers.RecordKind{numbers.RecordCall}},
				"All":                {Numbers: fx.numbers[:], Holder: fx.h1, Kinds: []numbers.RecordKind{numbers.RecordCall, numbers.RecordFax}, From: t0.Add(2 * time.Hour), To: t0.Add(11 * time.Hour)},
				// A shared number's journal (fax records without a holder)
				// of the periods joins the holder's own.
				"HolderShared":        {Holder: fx.h1, Shared: sharedAll(fx.numbers[1:3])},
				"HolderSharedNumbers": {Numbers: fx.numbers[:2], Holder: fx.h2, Shared: sharedAll(fx.numbers[1:])},
				"HolderSharedKinds":   {Holder: fx.h1, Shared: sharedAll(fx.numbers[:]), Kinds: []numbers.RecordKind{numbers.RecordCall}},
				"HolderSharedUnknown": {Holder: fx.h2, Shared: sharedAll([]numberdesk.NumberID{numberdesk.NewNumberID(), "kaputt"})},
				"SharedWithoutHolder": {Shared: sharedAll(fx.numbers[:])},
				"HolderInvalidShared": {Holder: "kaputt", Shared: sharedAll(fx.numbers[:])},
				// Bounded periods: From included, To excluded, several per number.
				"HolderSharedPeriods": {Holder: fx.h2, Shared: []numbers.SharedPeriod{
					{Number: fx.numbers[1], From: fx.faxAt[1], To: fx.faxAt[1].Add(time.Microsecond)},
					{Number: fx.numbers[2], From: t0, To: t0.Add(time.Hour)},
					{Number: fx.numbers[2], From: fx.faxAt[2].Add(-time.Minute), To: fx.faxAt[2].Add(time.Minute)},
				}},
				"HolderSharedPeriodTo": {Holder: fx.h2, Shared: []numbers.SharedPeriod{{Number: fx.numbers[1], To: fx.faxAt[1]}}},
				"HolderSharedPeriodGap": {Holder: fx.h2, Shared: []numbers.SharedPeriod{
					{Number: fx.numbers[2], To: fx.faxAt[2]}, {Number: fx.numbers[2], From: fx.faxAt[2].Add(time.Microsecond)},
				}},
				"HolderSharedPeriodEmpty": {Holder: fx.h2, Shared: []numbers.SharedPeriod{{Number: fx.numbers[1], From: fx.faxAt[1], To: fx.faxAt[1]}}},
			}
			for name, f := range filters {
				want, wantTotal := wantCallRecords(fx.all, f)
				got, total, err := s.FindRecords(t.Context(), fx.tenant, f)
				require.NoError(t, err)
				require.Equal(t, wantTotal, total, name)
				require.Equal(t, normCallRecords(want), normCallRecords(got), name)
			}
			// Guard against a vacuous reference model.
			for _, name := range []string{"NumberOne", "Holder", "KindOne", "FromIncluded", "ToExcluded", "FromTo", "NumberAndHolder", "NumbersHolderKinds", "All", "HolderShared", "HolderSharedNumbers", "HolderSharedKinds", "HolderSharedPeriods"} {
				_, total := wantCallRecords(fx.all, filters[name])
				require.Greater(t, total, 0, name)
				require.Less(t, total, len(fx.all), name)
			}
			// Shared adds records: more than the holder's own, fewer than with the whole journal.
			_, own := wantCallRecords(fx.all, filters["Holder"])
			_, shared := wantCallRecords(fx.all, filters["HolderShared"])
			require.Greater(t, shared, own)
			// Only fax records without a holder, only inside the periods.
			_, own = wantCallRecords(fx.all, numbers.RecordFilter{Holder: fx.h2})
			_, shared = wantCallRecords(fx.all, filters["HolderSharedPeriods"])
			require.Equal(t, own+2, shared, "the fax of numbers[1] at From and the one of numbers[2] in its second period")
			for _, name := range []string{"HolderSharedPeriodTo", "HolderSharedPeriodGap", "HolderSharedPeriodEmpty"} {
				_, shared = wantCallRecords(fx.all, filters[name])
				require.Equal(t, own, shared, name)
			}
			require.True(t, slices.ContainsFunc(fx.all, func(r *numbers.Record) bool {
				return r.Holder == "" && r.Kind != numbers.RecordFax && r.Number == fx.numbers[1]
			}), "the fixture has other records without a holder, which Shared never adds")
		},
		"SortNewestFirstThenID": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			got := allCallRecords(t, s, fx.tenant)
			require.Len(t, got, len(fx.all))
			ties := 0
			for i := 1; i < len(got); i++ {
				a, b := got[i-1], got[i]
				require.False(t, a.At.Before(b.At), "newest first")
				if a.At.Equal(b.At) {
					ties++
					require.Less(t, a.ID, b.ID, "ties by ID")
				}
			}
			require.Greater(t, ties, 0, "the fixture has ties")
		},
		"Paging": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			for _, base := range []numbers.RecordFilter{{}, {Holder: fx.h1}, {Numbers: fx.numbers[:2], Kinds: []numbers.RecordKind{numbers.RecordCall}}} {
				requirePaging(t, func(offset, limit int) ([]*numbers.Record, int, error) {
					f := base
					f.Offset, f.Limit = offset, limit
					return s.FindRecords(t.Context(), fx.tenant, f)
				}, normCallRecords, 1, 7, 50)
			}
		},
		"UnknownTenantIsEmpty": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			for _, tenant := range []numberdesk.TenantID{numberdesk.NewTenantID(), "", "kaputt"} {
				rs, total, err := s.FindRecords(t.Context(), tenant, numbers.RecordFilter{Numbers: fx.numbers[:]})
				require.NoError(t, err)
				require.Empty(t, rs)
				require.Zero(t, total)
				n, err := s.DeleteRecords(t.Context(), tenant, numbers.RecordFilter{Holder: fx.h1})
				require.NoError(t, err)
				require.Zero(t, n)
			}
			requireRecords(t, s, fx.tenant, fx.all)
			requireRecords(t, s, fx.other, fx.others)
		},
		"DeleteByNumberAndHolder": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			f := numbers.RecordFilter{Numbers: fx.numbers[:1], Holder: fx.h1}
			_, want := wantCallRecords(fx.all, f)
			require.Greater(t, want, 1)
			// The fixture has what must stay: other holders' records of the
			// number, the holder's records of other numbers, records without
			// holder.
			for _, keep := range []numbers.RecordFilter{{Numbers: fx.numbers[:1], Holder: fx.h2}, {Numbers: fx.numbers[1:], Holder: fx.h1}} {
				_, n := wantCallRecords(fx.all, keep)
				require.Greater(t, n, 0)
			}
			require.True(t, slices.ContainsFunc(fx.all, func(r *numbers.Record) bool { return r.Number == fx.numbers[0] && r.Holder == "" }))

			n, err := s.DeleteRecords(t.Context(), fx.tenant, f)
			require.NoError(t, err)
			require.Equal(t, want, n)
			requireRecords(t, s, fx.tenant, without(fx.all, f))
			requireRecords(t, s, fx.other, fx.others)
			n, err = s.DeleteRecords(t.Context(), fx.tenant, f)
			require.NoError(t, err)
			require.Zero(t, n, "nothing left to delete")
		},
		"DeleteByHolder": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			f := numbers.RecordFilter{Holder: fx.h2, Offset: 2, Limit: 1} // paging does not apply
			_, want := wantCallRecords(fx.all, numbers.RecordFilter{Holder: fx.h2})
			n, err := s.DeleteRecords(t.Context(), fx.tenant, f)
			require.NoError(t, err)
			require.Equal(t, want, n)
			rest := without(fx.all, numbers.RecordFilter{Holder: fx.h2})
			requireRecords(t, s, fx.tenant, rest)
			requireRecords(t, s, fx.other, fx.others)
			for _, number := range fx.numbers {
				rs, _, err := s.FindRecords(t.Context(), fx.tenant, numbers.RecordFilter{Numbers: []numberdesk.NumberID{number}})
				require.NoError(t, err)
				want, _ := wantCallRecords(rest, numbers.RecordFilter{Numbers: []numberdesk.NumberID{number}})
				require.Equal(t, normCallRecords(want), normCallRecords(rs), "the number index follows deletes")
			}
		},
		"DeleteWithFilters": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			rest := fx.all
			for _, f := range []numbers.RecordFilter{
				{Holder: fx.h1, Kinds: []numbers.RecordKind{numbers.RecordFax}},
				{Holder: fx.h1, From: t0.Add(8 * time.Hour)},
				{Holder: fx.h1, To: t0.Add(2 * time.Hour), Numbers: fx.numbers[1:]},
				{Holder: numberdesk.NewStaffID()},
				{Holder: "kaputt"},
			} {
				_, want := wantCallRecords(rest, f)
				n, err := s.DeleteRecords(t.Context(), fx.tenant, f)
				require.NoError(t, err)
				require.Equal(t, want, n, "%+v", f)
				rest = without(rest, f)
				requireRecords(t, s, fx.tenant, rest)
			}
			require.Less(t, len(rest), len(fx.all))
			requireRecords(t, s, fx.other, fx.others)
		},
		"DeleteWithoutHolderIsInvalid": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			for _, f := range []numbers.RecordFilter{
				{},
				{Numbers: fx.numbers[:]},
				{Kinds: []numbers.RecordKind{numbers.RecordCall}},
				{From: t0, To: t0.Add(24 * time.Hour), Limit: 5},
			} {
				n, err := s.DeleteRecords(t.Context(), fx.tenant, f)
				requireCode(t, err, numberdesk.CodeInvalid, "holder")
				require.Zero(t, n)
			}
			requireRecords(t, s, fx.tenant, fx.all)
			requireRecords(t, s, fx.other, fx.others)
		},
		"RollbackRestoresDeletedRecords": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			created := newCallRecord(fx.tenant, fx.numbers[0], fx.h1, numbers.RecordCall, t0.Add(48*time.Hour))
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.CreateRecords(ctx, created))
				n, err := s.DeleteRecords(ctx, fx.tenant, numbers.RecordFilter{Holder: fx.h1})
				require.NoError(t, err)
				_, want := wantCallRecords(fx.all, numbers.RecordFilter{Holder: fx.h1})
				require.Equal(t, want+1, n, "the transaction's own record goes too")
				n, err = s.DeleteRecords(ctx, fx.tenant, numbers.RecordFilter{Holder: fx.h2, Numbers: fx.numbers[:1]})
				require.NoError(t, err)
				require.Greater(t, n, 0)
				// Reads in the transaction see its deletes.
				rs, total, err := s.FindRecords(ctx, fx.tenant, numbers.RecordFilter{Numbers: fx.numbers[:1]})
				require.NoError(t, err)
				require.Len(t, rs, total)
				for _, r := range rs {
					require.Empty(t, r.Holder)
				}
				return errBoom
			})
			require.ErrorIs(t, err, errBoom)
			requireRecords(t, s, fx.tenant, fx.all)
			requireRecords(t, s, fx.other, fx.others)
			// The indexes are restored too.
			for _, f := range []numbers.RecordFilter{{Holder: fx.h1}, {Numbers: fx.numbers[:1]}, {Numbers: fx.numbers[:1], Holder: fx.h2}} {
				want, wantTotal := wantCallRecords(fx.all, f)
				got, total, err := s.FindRecords(t.Context(), fx.tenant, f)
				require.NoError(t, err)
				require.Equal(t, wantTotal, total)
				require.Equal(t, normCallRecords(want), normCallRecords(got))
			}
			// The rolled-back record's ID is free again.
			require.NoError(t, s.CreateRecords(t.Context(), created))
		},
		"NestedErrorHandledIsSavepoint": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			outer := newCallRecord(fx.tenant, fx.numbers[1], fx.h2, numbers.RecordVoicemail, t0.Add(-time.Hour))
			inner := newCallRecord(fx.tenant, fx.numbers[1], fx.h2, numbers.RecordFax, t0.Add(-2*time.Hour))
			f := numbers.RecordFilter{Numbers: fx.numbers[:1], Holder: fx.h1}
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.CreateRecords(ctx, outer))
				err := s.InTx(ctx, func(ctx context.Context) error {
					require.NoError(t, s.CreateRecords(ctx, inner))
					_, err := s.DeleteRecords(ctx, fx.tenant, numbers.RecordFilter{Holder: fx.h2})
					require.NoError(t, err)
					return errBoom
				})
				require.ErrorIs(t, err, errBoom)
				_, err = s.DeleteRecords(ctx, fx.tenant, f)
				return err
			}))
			requireRecords(t, s, fx.tenant, append(without(fx.all, f), outer))
		},
		"CanceledContext": func(t *testing.T, s staffRecordStore) {
			fx := newRecordFixture(t, s)
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, _, err := s.FindRecords(ctx, fx.tenant, numbers.RecordFilter{})
			requireCode(t, err, numberdesk.CodeInternal, "*")
			require.ErrorIs(t, err, context.Canceled)
			err = s.CreateRecords(ctx, newCallRecord(fx.tenant, fx.numbers[0], fx.h1, numbers.RecordCall, t0))
			requireCode(t, err, numberdesk.CodeInternal, "*")
			require.ErrorIs(t, err, context.Canceled)
			n, err := s.DeleteRecords(ctx, fx.tenant, numbers.RecordFilter{Holder: fx.h1})
			require.ErrorIs(t, err, context.Canceled)
			require.Zero(t, n)
			requireRecords(t, s, fx.tenant, fx.all)
		},
		"ManyRecords": func(t *testing.T, s staffRecordStore) {
			// A larger tenant: the indexes must agree with a full scan.
			tn := newTenant(t, s)
			var all []*numbers.Record
			nums := []numberdesk.NumberID{numberdesk.NewNumberID(), numberdesk.NewNumberID(), numberdesk.NewNumberID(), numberdesk.NewNumberID()}
			holders := []numberdesk.StaffID{numberdesk.NewStaffID(), numberdesk.NewStaffID(), ""}
			for i := range 600 {
				all = append(all, newCallRecord(tn.ID, nums[i%4], holders[i%3], numbers.RecordCall, t0.Add(time.Duration(i*7%97)*time.Minute)))
			}
			require.NoError(t, s.CreateRecords(t.Context(), all...))
			for i, f := range []numbers.RecordFilter{
				{Holder: holders[0], Limit: 20, Offset: 10},
				{Numbers: nums[1:3], Limit: 25},
				{Numbers: nums[:1], Holder: holders[1]},
			} {
				want, wantTotal := wantCallRecords(all, f)
				got, total, err := s.FindRecords(t.Context(), tn.ID, f)
				require.NoError(t, err)
				require.Equal(t, wantTotal, total, fmt.Sprint(i))
				require.Equal(t, normCallRecords(want), normCallRecords(got), fmt.Sprint(i))
			}
			n, err := s.DeleteRecords(t.Context(), tn.ID, numbers.RecordFilter{Holder: holders[0], Numbers: nums[:2]})
			require.NoError(t, err)
			require.Equal(t, 100, n) // i%3 == 0 and i%4 in {0, 1}: 600/12*2
		},
	})
}

// sharedAll returns periods without bounds for each of ids.
func sharedAll(ids []numberdesk.NumberID) []numbers.SharedPeriod {
	out := make([]numbers.SharedPeriod, len(ids))
	for i, id := range ids {
		out[i] = numbers.SharedPeriod{Number: id}
	}
	return out
}

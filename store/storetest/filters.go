package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// filterFixture is a tenant with a varied set of numbers (and a second tenant
// with numbers that must never show up).
type filterFixture struct {
	tenant numberdesk.TenantID
	all    []*numbers.Number // as stored, in creation order
	staff1 numberdesk.StaffID
	staff2 numberdesk.StaffID
}

func newFilterFixture(t *testing.T, s store.Store) *filterFixture {
	t.Helper()
	tn := newTenant(t, s)
	other := newTenant(t, s)
	fx := &filterFixture{tenant: tn.ID, staff1: numberdesk.NewStaffID(), staff2: numberdesk.NewStaffID()}
	const count = 48
	rng := rand.New(rand.NewPCG(1, 2))
	suffixes := rng.Perm(count) // creation order differs from E.164 order
	for i := range count {
		st := numbers.Statuses[i%4]
		n := newNumber(tn.ID, fmt.Sprintf("+4989%06d", 1000+suffixes[i]*37), st)
		n.UsageType = routing.UsageTypes[(i/3)%4]
		switch i % 3 {
		case 1:
			n.Holders = []numberdesk.StaffID{fx.staff1}
		case 2:
			n.Holders = []numberdesk.StaffID{fx.staff2}
			if n.UsageType == routing.UsageFaxShared {
				n.Holders = append(n.Holders, fx.staff1)
			}
		}
		// Ties on purpose, and times that differ by a microsecond only.
		n.CreatedAt = t0.Add(time.Duration(i%5)*time.Hour + time.Duration(i%7/5)*time.Microsecond)
		if st == numbers.StatusDeactivationPending {
			n.DeactivationAt = t0.AddDate(0, 0, i%3) // ties on purpose
		}
		if i == 3 { // an inactive number with a stale date: never due
			n.DeactivationAt = t0.AddDate(0, 0, -10)
		}
		if i%4 != 3 { // numbers of blocks; extensions repeat (a store does not join them)
			n.Base, n.Extension = n.E164[:len(n.E164)-2], strconv.Itoa(10+i%5)
			if i%8 == 0 {
				n.Extension = "7"
			}
		}
		fx.all = append(fx.all, n)
	}
	// Create in differently sized batches: one, many, then one by one.
	createNumbers(t, s, fx.all[0])
	createNumbers(t, s, fx.all[1:30]...)
	for _, n := range fx.all[30:] {
		createNumbers(t, s, n)
	}
	// The other tenant has numbers with the same E.164s and the same holders.
	var others []*numbers.Number
	for _, n := range fx.all[:10] {
		o := newNumber(other.ID, n.E164, n.Status)
		o.Holders = n.Holders
		others = append(others, o)
	}
	createNumbers(t, s, others...)
	return fx
}

// want is FindNumbersModel over the fixture's numbers.
func (fx *filterFixture) want(f numbers.Filter) ([]*numbers.Number, int) {
	return FindNumbersModel(fx.all, f)
}

// FindNumbersModel is the reference model of Store.FindNumbers, written from
// the doc comments of numbers.Filter and package store: the page of all
// (numbers of one tenant, as stored) that f selects, and the total before
// paging. With f.Now, numbers match and sort as numbers.Number.At makes
// them; the numbers returned are as stored. A backend's own tests may hold
// their data structures against it.
func FindNumbersModel(all []*numbers.Number, f numbers.Filter) ([]*numbers.Number, int) {
	at := func(n *numbers.Number) *numbers.Number {
		if f.Now.IsZero() {
			return n
		}
		return n.At(f.Now)
	}
	var hits []*numbers.Number
	for _, n := range all {
		e := at(n)
		if len(f.IDs) > 0 && !slices.Contains(f.IDs, n.ID) ||
			len(f.E164s) > 0 && !slices.Contains(f.E164s, n.E164) ||
			len(f.Statuses) > 0 && !slices.Contains(f.Statuses, e.Status) ||
			len(f.UsageTypes) > 0 && !slices.Contains(f.UsageTypes, e.UsageType) ||
			f.Holder != "" && !e.HeldBy(f.Holder) ||
			f.Unassigned && len(e.Holders) > 0 ||
			f.Prefix != "" && !strings.HasPrefix(n.E164, f.Prefix) ||
			f.Extension != "" && n.Extension != f.Extension ||
			f.Digits != "" && !strings.Contains(n.E164[1:], f.Digits) ||
			!f.DueBefore.IsZero() && (n.Status != numbers.StatusDeactivationPending || n.DeactivationAt.After(f.DueBefore)) {
			continue
		}
		hits = append(hits, n)
	}
	slices.SortFunc(hits, f.Compare)
	total := len(hits)
	if f.CountLimit > 0 {
		total = min(total, f.CountLimit)
	}
	if f.After != nil {
		hits = slices.DeleteFunc(hits, func(n *numbers.Number) bool { return f.ComparePositions(f.PositionOf(n), *f.After) <= 0 })
	}
	hits = hits[min(max(f.Offset, 0), len(hits)):]
	if f.Limit > 0 && f.Limit < len(hits) {
		hits = hits[:f.Limit]
	}
	return hits, total
}

var sortKeys = []numbers.SortKey{"", numbers.SortNumber, numbers.SortStatus, numbers.SortCreated, numbers.SortDeactivationAt}

func testFilters(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"EachFieldAndCombined": func(t *testing.T, s store.Store) {
			fx := newFilterFixture(t, s)
			some := []numberdesk.NumberID{fx.all[5].ID, fx.all[17].ID, fx.all[2].ID, fx.all[40].ID, fx.all[33].ID}
			due := t0.AddDate(0, 0, 1)
			digits := fx.all[7].E164[len(fx.all[7].E164)-3:]
			filters := map[string]numbers.Filter{
				"None":                  {},
				"IDs":                   {IDs: some},
				"IDsWithUnknownAndDups": {IDs: append([]numberdesk.NumberID{numberdesk.NewNumberID(), "kaputt", some[0]}, some...)},
				"IDsUnknownOnly":        {IDs: []numberdesk.NumberID{numberdesk.NewNumberID()}},
				"E164s":                 {E164s: []string{fx.all[3].E164, fx.all[9].E164, "+4930000000", fx.all[3].E164}},
				"E164sAndIDs":           {E164s: []string{fx.all[5].E164, fx.all[9].E164}, IDs: some},
				"E164sAndStatus":        {E164s: []string{fx.all[5].E164, fx.all[9].E164, fx.all[11].E164}, Statuses: []numbers.Status{numbers.StatusActive}},
				"StatusOne":             {Statuses: []numbers.Status{numbers.StatusActive}},
				"StatusAnyOf":           {Statuses: []numbers.Status{numbers.StatusNew, numbers.StatusInactive}},
				"UsageTypeOne":          {UsageTypes: []routing.UsageType{routing.UsageFaxPersonal}},
				"UsageTypeAnyOf":        {UsageTypes: []routing.UsageType{routing.UsageVoice, routing.UsageConference}},
				"Holder":                {Holder: fx.staff1},
				"HolderUnknown":         {Holder: numberdesk.NewStaffID()},
				"Unassigned":            {Unassigned: true},
				"DigitsSuffix":          {Digits: digits},
				"DigitsCountryCode":     {Digits: "4989"},
				"DigitsNoMatch":         {Digits: "777777777"},
				"DigitsWithPlus":        {Digits: "+4989"}, // digits only: "+" is no digit
				"Prefix":                {Prefix: "+4989001"},
				"PrefixEndingInNine":    {Prefix: "+49890019"},
				"PrefixOfAll":           {Prefix: "+49"},
				"PrefixWholeNumber":     {Prefix: fx.all[7].E164},
				"PrefixNoMatch":         {Prefix: "+4930"},
				"PrefixAndStatus":       {Prefix: "+4989001", Statuses: []numbers.Status{numbers.StatusActive}},
				"Extension":             {Extension: fx.all[1].Extension},
				"ExtensionOneDigit":     {Extension: fx.all[0].Extension},
				"ExtensionNoMatch":      {Extension: "99999"},
				"ExtensionAndHolder":    {Extension: fx.all[1].Extension, Holder: fx.staff1},
				"CountLimit":            {CountLimit: 5},
				"CountLimitAbove":       {CountLimit: 1000},
				"CountLimitStatus":      {CountLimit: 3, Statuses: []numbers.Status{numbers.StatusActive}},
				"CountLimitPrefix":      {CountLimit: 4, Prefix: "+4989001"},
				"CountLimitPaged":       {CountLimit: 6, Offset: 4, Limit: 5},
				"CountLimitNow":         {CountLimit: 7, Now: due, Statuses: []numbers.Status{numbers.StatusInactive}},
				"DueBefore":             {DueBefore: due},
				"DueBeforeFarFuture":    {DueBefore: t0.AddDate(10, 0, 0)},
				"StatusUsageHolder":     {Statuses: []numbers.Status{numbers.StatusActive, numbers.StatusNew}, UsageTypes: []routing.UsageType{routing.UsageVoice, routing.UsageFaxShared}, Holder: fx.staff1},
				"IDsAndStatus":          {IDs: some, Statuses: []numbers.Status{numbers.StatusNew}},
				"DigitsAndUnassigned":   {Digits: "89", Unassigned: true},
				"HolderAndUnassigned":   {Holder: fx.staff1, Unassigned: true},
				"DueBeforeAndActive":    {DueBefore: due, Statuses: []numbers.Status{numbers.StatusActive}},
				"DueBeforeAndPending":   {DueBefore: due, Statuses: []numbers.Status{numbers.StatusDeactivationPending}, Holder: fx.staff2},
				// As at Now: a pending number whose date is not after Now
				// is inactive, without holders, voice, without a date.
				"Now":                     {Now: due},
				"NowAtTheInstant":         {Now: t0, Statuses: []numbers.Status{numbers.StatusInactive}},
				"NowBeforeEveryDate":      {Now: t0.Add(-time.Microsecond), Statuses: []numbers.Status{numbers.StatusInactive}},
				"NowInactive":             {Now: due, Statuses: []numbers.Status{numbers.StatusInactive}},
				"NowPending":              {Now: due, Statuses: []numbers.Status{numbers.StatusDeactivationPending}},
				"NowPendingAndInactive":   {Now: due, Statuses: []numbers.Status{numbers.StatusDeactivationPending, numbers.StatusInactive}},
				"NowNewAndInactive":       {Now: due, Statuses: []numbers.Status{numbers.StatusNew, numbers.StatusInactive}},
				"NowActiveAndPending":     {Now: due, Statuses: []numbers.Status{numbers.StatusActive, numbers.StatusDeactivationPending}},
				"NowHolder":               {Now: due, Holder: fx.staff1},
				"NowUnassigned":           {Now: due, Unassigned: true},
				"NowVoice":                {Now: due, UsageTypes: []routing.UsageType{routing.UsageVoice}},
				"NowFax":                  {Now: due, UsageTypes: []routing.UsageType{routing.UsageFaxPersonal, routing.UsageFaxShared}},
				"NowAndDueBefore":         {Now: due, DueBefore: due},
				"NowIDsAndInactive":       {Now: due, IDs: numberIDs(fx.all[:20]), Statuses: []numbers.Status{numbers.StatusInactive}},
				"NowPendingHolderVoice":   {Now: due, Statuses: []numbers.Status{numbers.StatusDeactivationPending, numbers.StatusNew}, Holder: fx.staff2, UsageTypes: []routing.UsageType{routing.UsageVoice, routing.UsageFaxShared}},
				"NowUnassignedInactive":   {Now: due, Unassigned: true, Statuses: []numbers.Status{numbers.StatusInactive}},
				"NowFarFutureAllInactive": {Now: t0.AddDate(10, 0, 0), Statuses: []numbers.Status{numbers.StatusInactive}, Sort: numbers.SortDeactivationAt},
				"NowPrefixInactive":       {Now: due, Prefix: "+498900", Statuses: []numbers.Status{numbers.StatusInactive}},
				"NowExtensionPending":     {Now: due, Extension: fx.all[2].Extension, Statuses: []numbers.Status{numbers.StatusDeactivationPending}},
			}
			for name, f := range filters {
				for _, key := range sortKeys {
					for _, desc := range []bool{false, true} {
						f.Sort, f.Desc = key, desc
						want, wantTotal := fx.want(f)
						got, total, err := s.FindNumbers(t.Context(), fx.tenant, f)
						require.NoError(t, err)
						msg := fmt.Sprintf("filter %s sort %q desc %v", name, key, desc)
						require.Equal(t, wantTotal, total, msg)
						require.Equal(t, normAll(want), normAll(got), msg)
					}
				}
			}
		},
		// Keyset paging: pages that each start after the last number of
		// the one before concatenate to the full order, for every sort and
		// direction, with ties on every sort key; a position between
		// numbers, or of a number since deleted, starts after where it
		// would stand.
		"KeysetPaging": func(t *testing.T, s store.Store) {
			fx := newFilterFixture(t, s)
			due := t0.AddDate(0, 0, 1)
			bases := map[string]numbers.Filter{
				"None":          {},
				"Statuses":      {Statuses: []numbers.Status{numbers.StatusActive, numbers.StatusDeactivationPending}},
				"Prefix":        {Prefix: "+4989001"},
				"NowInactive":   {Now: due, Statuses: []numbers.Status{numbers.StatusInactive, numbers.StatusNew}},
				"NowAll":        {Now: due},
				"HolderOffset1": {Holder: fx.staff2, Offset: 1},
			}
			for name, base := range bases {
				for _, key := range sortKeys {
					for _, desc := range []bool{false, true} {
						f := base
						f.Sort, f.Desc = key, desc
						msg := fmt.Sprintf("filter %s sort %q desc %v", name, key, desc)
						full, fullTotal := fx.want(numbers.Filter{Statuses: f.Statuses, Prefix: f.Prefix, Holder: f.Holder, Now: f.Now, Sort: key, Desc: desc})
						var walked []*numbers.Number
						f.Limit = 5
						for range len(fx.all) {
							got, total, err := s.FindNumbers(t.Context(), fx.tenant, f)
							require.NoError(t, err, msg)
							require.Equal(t, fullTotal, total, "%s: the total counts every match", msg)
							want, _ := fx.want(f)
							require.Equal(t, normAll(want), normAll(got), msg)
							if len(got) == 0 {
								break
							}
							walked = append(walked, got...)
							last := f.PositionOf(got[len(got)-1])
							f.After = &last
						}
						if base.Offset == 0 {
							require.Equal(t, normAll(full), normAll(walked), "%s: the pages concatenate to the whole", msg)
						}
					}
				}
			}
			// Positions that are no number's: between two, before all,
			// after all, and times a microsecond off.
			rng := rand.New(rand.NewPCG(3, 4))
			for i := range 200 {
				n := fx.all[rng.IntN(len(fx.all))]
				f := numbers.Filter{Sort: sortKeys[rng.IntN(len(sortKeys))], Desc: rng.IntN(2) == 0, Limit: 6}
				if i%3 == 0 {
					f.Now = due
				}
				p := f.PositionOf(n)
				switch i % 5 {
				case 1:
					p.E164 += "5"
				case 2:
					p.E164 = p.E164[:len(p.E164)-1]
				case 3:
					p.At = p.At.Add(time.Microsecond)
				case 4:
					p.E164 = "+"
				}
				f.After = &p
				got, total, err := s.FindNumbers(t.Context(), fx.tenant, f)
				require.NoError(t, err)
				want, wantTotal := fx.want(f)
				require.Equal(t, wantTotal, total)
				require.Equal(t, normAll(want), normAll(got), "after %+v sort %q desc %v", p, f.Sort, f.Desc)
			}
		},
		"SanityOfTheFixture": func(t *testing.T, s store.Store) {
			// Guards against a vacuous reference model: the interesting
			// filters match some numbers but not all.
			fx := newFilterFixture(t, s)
			for _, f := range []numbers.Filter{
				{Statuses: []numbers.Status{numbers.StatusActive}},
				{Holder: fx.staff1},
				{Unassigned: true},
				{DueBefore: t0.AddDate(0, 0, 1)},
				{UsageTypes: []routing.UsageType{routing.UsageFaxShared}},
				{Now: t0.AddDate(0, 0, 1), Statuses: []numbers.Status{numbers.StatusDeactivationPending}},
				{Prefix: "+4989001"},
				{Prefix: "+49890019"},
				{Extension: fx.all[1].Extension},
				{Extension: fx.all[0].Extension},
			} {
				_, total := fx.want(f)
				require.Greater(t, total, 1)
				require.Less(t, total, len(fx.all))
			}
			// Now makes a difference: some pending numbers are due, some not,
			// and the due ones held by someone.
			now := t0.AddDate(0, 0, 1)
			for _, q := range []numbers.Filter{
				{Statuses: []numbers.Status{numbers.StatusInactive}},
				{Statuses: []numbers.Status{numbers.StatusDeactivationPending}},
				{Holder: fx.staff1},
				{Unassigned: true},
				{UsageTypes: []routing.UsageType{routing.UsageVoice}},
			} {
				_, stored := fx.want(q)
				q.Now = now
				_, at := fx.want(q)
				require.NotEqual(t, stored, at, "filter %+v", q)
			}
		},
		"SortOrders": func(t *testing.T, s store.Store) {
			fx := newFilterFixture(t, s)
			ns, _, err := s.FindNumbers(t.Context(), fx.tenant, numbers.Filter{Sort: numbers.SortStatus})
			require.NoError(t, err)
			require.Equal(t, numbers.StatusNew, ns[0].Status, "statuses sort in lifecycle order")
			require.Equal(t, numbers.StatusInactive, ns[len(ns)-1].Status)
			for _, desc := range []bool{false, true} {
				ns, _, err = s.FindNumbers(t.Context(), fx.tenant, numbers.Filter{Sort: numbers.SortDeactivationAt, Desc: desc})
				require.NoError(t, err)
				require.False(t, ns[0].DeactivationAt.IsZero(), "numbers with a date come first (desc %v)", desc)
				require.True(t, ns[len(ns)-1].DeactivationAt.IsZero(), "numbers without a date come last (desc %v)", desc)
			}
			ns, _, err = s.FindNumbers(t.Context(), fx.tenant, numbers.Filter{Desc: true})
			require.NoError(t, err)
			for i := 1; i < len(ns); i++ {
				require.Greater(t, ns[i-1].E164, ns[i].E164)
			}
		},
		"Paging": func(t *testing.T, s store.Store) {
			fx := newFilterFixture(t, s)
			for _, base := range []numbers.Filter{{}, {Statuses: []numbers.Status{numbers.StatusActive, numbers.StatusDeactivationPending}}, {IDs: numberIDs(fx.all[:20])},
				{Now: t0.AddDate(0, 0, 1), Statuses: []numbers.Status{numbers.StatusInactive, numbers.StatusNew}}} {
				for _, key := range sortKeys {
					for _, desc := range []bool{false, true} {
						requirePaging(t, func(offset, limit int) ([]*numbers.Number, int, error) {
							f := base
							f.Sort, f.Desc, f.Offset, f.Limit = key, desc, offset, limit
							return s.FindNumbers(t.Context(), fx.tenant, f)
						}, normAll, 1, 7, 50)
					}
				}
			}
		},
		"PagingEdges": func(t *testing.T, s store.Store) {
			fx := newFilterFixture(t, s)
			full, total, err := s.FindNumbers(t.Context(), fx.tenant, numbers.Filter{})
			require.NoError(t, err)
			require.Equal(t, len(fx.all), total)

			page, n, err := s.FindNumbers(t.Context(), fx.tenant, numbers.Filter{Offset: total + 5, Limit: 10})
			require.NoError(t, err)
			require.Empty(t, page)
			require.Equal(t, total, n)

			_, _, err = s.FindNumbers(t.Context(), fx.tenant, numbers.Filter{Offset: -3, Limit: -1})
			requireCode(t, err, numberdesk.CodeInvalid, "offset")
			_, _, err = s.FindNumbers(t.Context(), fx.tenant, numbers.Filter{Limit: -1})
			requireCode(t, err, numberdesk.CodeInvalid, "limit")

			page, _, err = s.FindNumbers(t.Context(), fx.tenant, numbers.Filter{Offset: total - 2})
			require.NoError(t, err)
			require.Equal(t, normAll(full[total-2:]), normAll(page), "limit 0 means no limit")
		},
		"UnknownSortIsInvalid": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			_, _, err := s.FindNumbers(t.Context(), tn.ID, numbers.Filter{Sort: "price"})
			requireCode(t, err, numberdesk.CodeInvalid, "sort")
		},
		// Every method that pages refuses a negative offset, limit or
		// cursor with CodeInvalid naming it, reads nothing and changes
		// nothing: it is never read as 0 (which would silently return the
		// first page, or everything).
		"NegativePagingIsInvalidEverywhere": func(t *testing.T, s store.Store) {
			fx := newFilterFixture(t, s)
			holder := numberdesk.StaffID(fx.staff1)
			var recs []*numbers.Record
			for i := range 6 {
				recs = append(recs, newCallRecord(fx.tenant, fx.all[i].ID, holder, numbers.RecordCall, t0.Add(time.Duration(i)*time.Minute)))
			}
			require.NoError(t, s.CreateRecords(t.Context(), recs...))
			createEmployees(t, s, newEmployee(fx.tenant, "Anna", "Berg", "anna@muster.example", numberdesk.RoleEmployee),
				newEmployee(fx.tenant, "Ben", "Adler", "ben@muster.example", numberdesk.RoleManager))
			evs := appendN(t, s, fx.tenant, 4)

			requireNegativePagingInvalid(t, "offset", func(offset, limit int) ([]*numbers.Number, int, error) {
				return s.FindNumbers(t.Context(), fx.tenant, numbers.Filter{Offset: offset, Limit: limit})
			})
			requireNegativePagingInvalid(t, "offset", func(offset, limit int) ([]*numbers.Number, int, error) {
				// Checked before the tenant: an unknown one is refused alike.
				return s.FindNumbers(t.Context(), numberdesk.NewTenantID(), numbers.Filter{Offset: offset, Limit: limit, Sort: numbers.SortStatus})
			})
			requireNegativePagingInvalid(t, "offset", func(offset, limit int) ([]*numbers.Record, int, error) {
				return s.FindRecords(t.Context(), fx.tenant, numbers.RecordFilter{Holder: holder, Offset: offset, Limit: limit})
			})
			requireNegativePagingInvalid(t, "offset", func(offset, limit int) ([]*staff.Employee, int, error) {
				return s.FindEmployees(t.Context(), fx.tenant, staff.Filter{Offset: offset, Limit: limit})
			})
			requireNegativePagingInvalid(t, "offset", func(offset, limit int) ([]notify.Delivery, int, error) {
				return s.FindDeliveries(t.Context(), fx.tenant, notify.DeliveryFilter{Offset: offset, Limit: limit})
			})
			requireNegativePagingInvalid(t, "after_seq", func(after, limit int) ([]numberdesk.Event, int, error) {
				evs, err := s.FindEvents(t.Context(), fx.tenant, numberdesk.EventFilter{AfterSeq: int64(after), Limit: limit})
				return evs, len(evs), err
			})
			_, err := s.FindEvents(t.Context(), fx.tenant, numberdesk.EventFilter{AfterSeq: -1, Desc: true})
			requireCode(t, err, numberdesk.CodeInvalid, "after_seq")
			_, err = s.FindEvents(t.Context(), fx.tenant, numberdesk.EventFilter{Number: fx.all[0].ID, Limit: -1})
			requireCode(t, err, numberdesk.CodeInvalid, "limit")

			// The writes that take a filter or a limit change nothing.
			for _, f := range []numbers.RecordFilter{{Holder: holder, Offset: -1}, {Holder: holder, Limit: -1}} {
				n, err := s.DeleteRecords(t.Context(), fx.tenant, f)
				requireCode(t, err, numberdesk.CodeInvalid, map[bool]string{true: "offset", false: "limit"}[f.Offset < 0])
				require.Zero(t, n)
			}
			requireRecords(t, s, fx.tenant, recs)
			for _, limit := range []int{-1, 0, -1 << 62} {
				cs, err := s.ClaimDeliveries(t.Context(), "w", t0, time.Minute, limit)
				requireCode(t, err, numberdesk.CodeInvalid, "limit")
				require.Empty(t, cs)
			}
			_, err = s.ClaimDeliveries(t.Context(), "w", t0, -time.Minute, 1)
			requireCode(t, err, numberdesk.CodeInvalid, "lease")
			_, err = s.ClaimDeliveries(t.Context(), "", t0, time.Minute, 1)
			requireCode(t, err, numberdesk.CodeInvalid, "worker")
			ds, total, err := s.FindDeliveries(t.Context(), fx.tenant, notify.DeliveryFilter{States: []notify.State{notify.StatePending}})
			require.NoError(t, err)
			require.Equal(t, len(evs), total, "a refused claim leased nothing")
			for _, d := range ds {
				require.Equal(t, notify.StatePending, d.State)
			}
			cs, err := s.ClaimDeliveries(t.Context(), "w", t0, time.Minute, 100)
			require.NoError(t, err)
			require.Len(t, cs, len(evs), "a refused claim leased nothing")

			// Inside a transaction too, which stays usable.
			err = s.InTx(t.Context(), func(ctx context.Context) error {
				_, _, err := s.FindNumbers(ctx, fx.tenant, numbers.Filter{Offset: -1})
				requireCode(t, err, numberdesk.CodeInvalid, "offset")
				_, err = s.DeleteRecords(ctx, fx.tenant, numbers.RecordFilter{Holder: holder, Limit: -1})
				requireCode(t, err, numberdesk.CodeInvalid, "limit")
				ns, _, err := s.FindNumbers(ctx, fx.tenant, numbers.Filter{Limit: 1})
				require.NoError(t, err)
				require.Len(t, ns, 1)
				return nil
			})
			require.NoError(t, err)
			requireRecords(t, s, fx.tenant, recs)
		},
		"UnknownTenantIsEmpty": func(t *testing.T, s store.Store) {
			newFilterFixture(t, s)
			for _, tenant := range []numberdesk.TenantID{numberdesk.NewTenantID(), "", "kaputt"} {
				ns, total, err := s.FindNumbers(t.Context(), tenant, numbers.Filter{})
				require.NoError(t, err)
				require.Empty(t, ns)
				require.Zero(t, total)
			}
		},
	})
}

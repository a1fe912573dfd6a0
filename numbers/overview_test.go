package numbers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// displays returns the numbers of a page as the overview shows them.
func displays(p *numbers.Page) []string {
	out := []string{}
	for _, n := range p.Numbers {
		out = append(out, n.Display())
	}
	return out
}

// TestOverviewSearchForms: a term starting with "+", "00" or a national "0"
// matches the start of the number; 1 to 5 digits match an extension
// exactly; 6 digits or more the start of the international form without
// "+"; Contains matches digits anywhere. Separators never matter.
func TestOverviewSearchForms(t *testing.T) {
	f := newFixture(t)
	f.provision(t, "0221 123456", 10) // extensions 100 to 109
	f.provision(t, "030 987654", 0)
	f.provision(t, "089 5510", 3) // extensions 100 to 102
	for _, tt := range []struct {
		q    numbers.Query
		want int
	}{
		{numbers.Query{Search: "0221"}, 10},
		{numbers.Query{Search: "0221 123456-10"}, 10},
		{numbers.Query{Search: "0221 123456-105"}, 1},
		{numbers.Query{Search: "(0221) 12 34 56"}, 10},
		{numbers.Query{Search: "+49 221"}, 10},
		{numbers.Query{Search: "0049 221"}, 10},
		{numbers.Query{Search: "+49"}, 14},
		{numbers.Query{Search: "0"}, 14}, // a national 0: every German number
		{numbers.Query{Search: "03"}, 1},
		{numbers.Query{Search: "030 987654"}, 1},
		{numbers.Query{Search: "030 9876541"}, 0}, // longer than the number
		{numbers.Query{Search: "49221123"}, 10},   // international, without "+"
		{numbers.Query{Search: "105"}, 1},         // an extension, exactly
		{numbers.Query{Search: "100"}, 2},         // in both blocks
		{numbers.Query{Search: "1-0-2"}, 2},
		{numbers.Query{Search: "10"}, 0}, // no extension is "10"
		{numbers.Query{Search: "987654"}, 0},
		{numbers.Query{Search: "987654", Contains: true}, 1},
		{numbers.Query{Search: "10", Contains: true}, 13},
		{numbers.Query{Search: "abc"}, 0},
		{numbers.Query{Search: "+"}, 0},
	} {
		p, err := f.svc.Overview(bg, f.owner, tt.q)
		require.NoError(t, err, "%+v", tt.q)
		require.Equal(t, tt.want, p.Total, "%+v: %v", tt.q, displays(p))
		require.Len(t, p.Numbers, tt.want)
	}
}

// TestOverviewCursor: NextCursor walks the overview page by page in every
// sort and direction; a number added before the cursor between two pages
// neither repeats nor shifts the next page (an offset would); the last page
// has no cursor.
func TestOverviewCursor(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 20)
	f.activate(t, ns[:7]...)
	_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[2].ID})
	require.NoError(t, err)
	for _, sort := range []numbers.SortKey{"", numbers.SortNumber, numbers.SortStatus, numbers.SortCreated, numbers.SortDeactivationAt} {
		for _, desc := range []bool{false, true} {
			q := numbers.Query{Sort: sort, Desc: desc}
			full, err := f.svc.Overview(bg, f.owner, q)
			require.NoError(t, err)
			require.Empty(t, full.NextCursor, "one page holds everything")
			var walked []string
			q.Limit = 3
			for range 10 {
				p, err := f.svc.Overview(bg, f.owner, q)
				require.NoError(t, err)
				require.Equal(t, 20, p.Total)
				walked = append(walked, displays(p)...)
				if p.NextCursor == "" {
					break
				}
				require.Len(t, p.Numbers, 3)
				q.Cursor = p.NextCursor
			}
			require.Equal(t, displays(full), walked, "sort %q desc %v", sort, desc)
		}
	}

	// A number inserted before the cursor: the next page is unchanged.
	q := numbers.Query{Limit: 5}
	first, err := f.svc.Overview(bg, f.owner, q)
	require.NoError(t, err)
	q.Cursor = first.NextCursor
	before, err := f.svc.Overview(bg, f.owner, q)
	require.NoError(t, err)
	f.provision(t, "0221 123456", 0, func(r *numbers.ProvisionRequest) { r.Number = "0221 1234561001" })
	after, err := f.svc.Overview(bg, f.owner, q)
	require.NoError(t, err)
	require.Equal(t, displays(before), displays(after))
	require.Equal(t, 21, after.Total)
	withOffset, err := f.svc.Overview(bg, f.owner, numbers.Query{Limit: 5, Offset: 5})
	require.NoError(t, err)
	require.NotEqual(t, displays(before), displays(withOffset), "an offset shifts; the cursor does not")
}

// TestOverviewCursorIsTamperEvident: a cursor is valid for the tenant, the
// filters, the search and the sort it was made for, on every Service that
// shares the key, and nowhere else; changing any character of it is
// CodeInvalid (Field "cursor"), never another page.
func TestOverviewCursorIsTamperEvident(t *testing.T) {
	key := []byte(strings.Repeat("k", numbers.MinQuoteKey))
	f := newFixture(t, func(c *numbers.Config) { c.QuoteKey = key })
	f.provision(t, "0221 123456", 10)
	q := numbers.Query{Statuses: []numbers.Status{numbers.StatusNew}, Search: "0221", Limit: 2}
	p, err := f.svc.Overview(bg, f.owner, q)
	require.NoError(t, err)
	require.NotEmpty(t, p.NextCursor)

	invalid := func(q numbers.Query, svc *numbers.Service, actor numberdesk.Actor) {
		t.Helper()
		_, err := svc.Overview(bg, actor, q)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%+v", q)
		require.Equal(t, "cursor", numberdesk.ErrorField(err))
	}
	// Every single-character change.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(p.NextCursor) {
		c := []byte(p.NextCursor)
		c[i] = alphabet[(strings.IndexByte(alphabet, c[i])+1+i)%len(alphabet)]
		invalid(numbers.Query{Statuses: q.Statuses, Search: q.Search, Limit: 2, Cursor: string(c)}, f.svc, f.owner)
	}
	for _, c := range []string{"x", "", p.NextCursor + "A", p.NextCursor[:len(p.NextCursor)-1], "e30"} {
		if c == "" {
			continue
		}
		invalid(numbers.Query{Statuses: q.Statuses, Search: q.Search, Cursor: c}, f.svc, f.owner)
	}
	// Another query.
	for _, other := range []numbers.Query{
		{Search: q.Search},
		{Statuses: q.Statuses},
		{Statuses: q.Statuses, Search: "0221 1"},
		{Statuses: q.Statuses, Search: q.Search, Desc: true},
		{Statuses: q.Statuses, Search: q.Search, Sort: numbers.SortStatus},
		{Statuses: q.Statuses, Search: q.Search, Contains: true},
		{Statuses: []numbers.Status{numbers.StatusNew, numbers.StatusActive}, Search: q.Search},
	} {
		other.Cursor = p.NextCursor
		invalid(other, f.svc, f.owner)
	}
	// Another tenant of the same store and key.
	tenant := f.newTenant(t)
	stranger := f.member(t, tenant, "Fremd", numberdesk.RoleOwner).Actor()
	invalid(numbers.Query{Statuses: q.Statuses, Search: q.Search, Cursor: p.NextCursor}, f.svc, stranger)
	// Another key.
	other, err := numbers.NewService(numbers.Config{Store: f.store, Clock: f.clock})
	require.NoError(t, err)
	invalid(numbers.Query{Statuses: q.Statuses, Search: q.Search, Cursor: p.NextCursor}, other, f.owner)
	// The same key on another node: valid, and the next page.
	node2, err := numbers.NewService(numbers.Config{Store: f.store, Clock: f.clock, QuoteKey: key})
	require.NoError(t, err)
	next, err := node2.Overview(bg, f.owner, numbers.Query{Statuses: q.Statuses, Search: q.Search, Limit: 2, Cursor: p.NextCursor})
	require.NoError(t, err)
	require.Equal(t, []string{"0221 123456-102", "0221 123456-103"}, displays(next))
}

// TestOverviewTotalIsCapped: the overview counts up to numbers.MaxTotal
// matches; beyond, Total is MaxTotal and TotalIsLowerBound is set, and the
// store is asked to stop counting there.
func TestOverviewTotalIsCapped(t *testing.T) {
	f := newFixture(t)
	for i := range 10 {
		f.provision(t, fmt.Sprintf("0221 12345%d", i), 0, func(r *numbers.ProvisionRequest) {
			r.ExtensionFrom, r.ExtensionTo = "1000", "1999"
		})
	}
	p, err := f.svc.Overview(bg, f.owner, numbers.Query{})
	require.NoError(t, err)
	require.Equal(t, numbers.MaxTotal, p.Total)
	require.False(t, p.TotalIsLowerBound, "exactly MaxTotal is exact")

	f.provision(t, "030 987654", 0)
	spy := &countLimitSpy{Store: f.store}
	svc, err := numbers.NewService(numbers.Config{Store: spy, Clock: f.clock})
	require.NoError(t, err)
	for _, q := range []numbers.Query{{}, {Search: "0"}, {Statuses: []numbers.Status{numbers.StatusNew}}, {Search: "49", Contains: true}} {
		p, err = svc.Overview(bg, f.owner, q)
		require.NoError(t, err)
		require.Equal(t, numbers.MaxTotal, p.Total, "%+v", q)
		require.True(t, p.TotalIsLowerBound, "%+v", q)
		require.Equal(t, numbers.MaxTotal+1, spy.countLimit)
	}
	p, err = svc.Overview(bg, f.owner, numbers.Query{Search: "030"})
	require.NoError(t, err)
	require.Equal(t, 1, p.Total)
	require.False(t, p.TotalIsLowerBound)
}

type countLimitSpy struct {
	*memstore.Store
	countLimit int
}

func (s *countLimitSpy) FindNumbers(ctx context.Context, tenant numberdesk.TenantID, f numbers.Filter) ([]*numbers.Number, int, error) {
	s.countLimit = f.CountLimit
	return s.Store.FindNumbers(ctx, tenant, f)
}

// FuzzOverviewCursor: any string as a cursor is either one the Service
// issued for this query (a page) or CodeInvalid on field "cursor"; it never
// panics and never returns another error.
func FuzzOverviewCursor(f *testing.F) {
	fx := newFixture(f)
	fx.provision(f, "0221 123456", 10)
	issued := map[string]bool{}
	q := numbers.Query{Limit: 3}
	for {
		p, err := fx.svc.Overview(bg, fx.owner, q)
		require.NoError(f, err)
		if p.NextCursor == "" {
			break
		}
		issued[p.NextCursor] = true
		f.Add(p.NextCursor)
		q.Cursor = p.NextCursor
	}
	for _, s := range []string{"", "x", "e30", "eyJlIjoiKzQ5In0", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "==", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		p, err := fx.svc.Overview(bg, fx.owner, numbers.Query{Limit: 3, Cursor: cursor})
		switch {
		case cursor == "" || issued[cursor]:
			require.NoError(t, err)
			require.NotEmpty(t, p.Numbers)
		case numberdesk.ErrorCode(err) == numberdesk.CodeInvalid:
			require.Contains(t, []string{"cursor"}, numberdesk.ErrorField(err))
		default:
			t.Fatalf("cursor %q: %v", cursor, err)
		}
	})
}

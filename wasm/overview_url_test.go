package wasm_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm"
)

const (
	idA = "0b7a4f3e-8f7e-4c5a-9d55-1f0b7c2a9e01"
	idB = "7d1c2e3f-4a5b-4c6d-8e9f-a0b1c2d3e4f5"
)

// validState reports what is wrong with s as an overview state ("" if
// nothing): every field one the overview can show and the SDK accepts.
func validState(s wasm.OverviewState) string {
	switch {
	case s.Status != "" && !numbers.Status(s.Status).Valid():
		return "status " + s.Status
	case s.Usage != "" && !routing.UsageType(s.Usage).Valid():
		return "usage " + s.Usage
	case s.Holder != "" && s.Holder != wasm.HolderNone && !numberdesk.ValidID(s.Holder):
		return "holder " + s.Holder
	case !utf8.ValidString(s.Search) || utf8.RuneCountInString(s.Search) > 64:
		return "search " + s.Search
	case s.Sort != "" && !slices.Contains(wasm.SortKeys, s.Sort), s.Sort == numbers.SortNumber:
		return "sort " + string(s.Sort)
	case s.Limit != 0 && (!slices.Contains(wasm.PageSizes, s.Limit) || s.Limit == wasm.DefaultPageSize):
		return "limit"
	case s.Offset < 0 || s.Offset%max(s.Limit, wasm.DefaultPageSize) != 0:
		return "offset"
	case s.Detail != "" && !numberdesk.ValidID(s.Detail):
		return "detail"
	case (s.Dialog == "") != (len(s.Numbers) == 0):
		return "dialog without numbers or numbers without dialog"
	case s.Dialog != "" && !slices.Contains(wasm.ActionKinds, s.Dialog):
		return "dialog " + string(s.Dialog)
	case len(s.Numbers) > wasm.MaxURLNumbers, len(s.Numbers) > 1 && s.Dialog != wasm.ActActivate:
		return "too many numbers"
	}
	for _, id := range s.Numbers {
		if !numberdesk.ValidID(id) {
			return "number " + string(id)
		}
	}
	return ""
}

// Every state the overview can be in survives the URL, and its query is
// canonical: written, read and written again it is the same string.
func TestOverviewURLRoundTrip(t *testing.T) {
	for _, s := range []wasm.OverviewState{
		{},
		{Filters: wasm.Filters{Status: "inactive"}},
		{Filters: wasm.Filters{Status: "deactivation_pending", Usage: "fax_shared", Holder: wasm.HolderNone, Search: "0221 123456-1"}},
		{Filters: wasm.Filters{Holder: idA, Search: "Durchwahl & mehr = ?#%/+ äöü", Sort: numbers.SortStatus, Desc: true, Offset: 100, Limit: 50}},
		{Filters: wasm.Filters{Desc: true}}, // by number, descending
		{Filters: wasm.Filters{Sort: numbers.SortDeactivationAt, Offset: 25}},
		{Detail: idA},
		{Filters: wasm.Filters{Status: "active"}, Detail: idA, Dialog: wasm.ActDeactivate, Numbers: []numberdesk.NumberID{idA}},
		{Dialog: wasm.ActActivate, Numbers: []numberdesk.NumberID{idA, idB}},
	} {
		require.Empty(t, validState(s), "%+v", s)
		q := s.Query()
		got := wasm.ParseOverviewQuery(q)
		require.True(t, got.Equal(s), "%q: got %+v, want %+v", q, got, s)
		require.Equal(t, q, got.Query())
		u, err := url.Parse(s.URL("/"))
		require.NoError(t, err)
		require.True(t, wasm.ParseOverviewURL(u).Equal(s))
	}
	require.Equal(t, "/", wasm.OverviewState{}.URL("/"))
	require.Equal(t, "/?seite=3&sort=-status&status=active",
		wasm.OverviewState{Filters: wasm.Filters{Status: "active", Sort: numbers.SortStatus, Desc: true, Offset: 50}}.URL("/"))
}

// What the URL cannot mean falls back to the default of that parameter
// alone; the others still count.
func TestParseOverviewQueryFallsBack(t *testing.T) {
	for q, want := range map[string]wasm.OverviewState{
		"":                                   {},
		"status=bogus&verwendung=voice":      {Filters: wasm.Filters{Usage: "voice"}},
		"status=active&status=inactive":      {Filters: wasm.Filters{Status: "active"}}, // the first counts
		"mitarbeiter=abc":                    {},
		"mitarbeiter=-":                      {Filters: wasm.Filters{Holder: wasm.HolderNone}},
		"sort=holder":                        {},
		"sort=-":                             {},
		"sort=number":                        {},
		"sort=-number":                       {Filters: wasm.Filters{Desc: true}},
		"sort=--status":                      {},
		"seite=0":                            {},
		"seite=-2":                           {},
		"seite=1":                            {},
		"seite=2":                            {Filters: wasm.Filters{Offset: 25}},
		"seite=2&anzahl=100":                 {Filters: wasm.Filters{Offset: 100, Limit: 100}},
		"seite=99999999999999999999":         {},
		"seite=1000001":                      {},
		"anzahl=30&seite=2":                  {Filters: wasm.Filters{Offset: 25}},
		"anzahl=25":                          {},
		"nummer=42":                          {},
		"nummer=" + idA:                      {Detail: idA},
		"dialog=deactivate":                  {},
		"dialog=deactivate&ids=" + idA:       {Dialog: wasm.ActDeactivate, Numbers: []numberdesk.NumberID{idA}},
		"dialog=swap&ids=" + idA + "," + idB: {}, // one number only
		"dialog=activate&ids=" + idA + "," + idB + "," + idA: {Dialog: wasm.ActActivate, Numbers: []numberdesk.NumberID{idA, idB}},
		"dialog=activate&ids=" + idA + ",x":                  {},
		"dialog=explode&ids=" + idA:                          {},
		"suche=%ZZ&status=new":                               {Filters: wasm.Filters{Status: "new"}}, // a broken pair is skipped
		"suche=a;b&status=new":                               {Filters: wasm.Filters{Status: "new"}},
		"suche=%FF%FEab":                                     {Filters: wasm.Filters{Search: "ab"}},
	} {
		got := wasm.ParseOverviewQuery(q)
		require.True(t, got.Equal(want), "%q: got %+v, want %+v", q, got, want)
	}
	long := strings.Repeat("ü", 80)
	require.Equal(t, strings.Repeat("ü", 64), wasm.ParseOverviewQuery("suche="+url.QueryEscape(long)).Search)
	many := make([]string, wasm.MaxURLNumbers+1)
	for i := range many {
		many[i] = string(numberdesk.NewNumberID())
	}
	require.Empty(t, wasm.ParseOverviewQuery("dialog=activate&ids="+strings.Join(many, ",")).Dialog)
	require.Equal(t, wasm.ActActivate, wasm.ParseOverviewQuery("dialog=activate&ids="+strings.Join(many[1:], ",")).Dialog)
	// A bulk dialog beyond MaxURLNumbers stays out of the URL.
	ids := make([]numberdesk.NumberID, len(many))
	for i, s := range many {
		ids[i] = numberdesk.NumberID(s)
	}
	require.Empty(t, wasm.OverviewState{}.WithTarget(&wasm.Target{Kind: wasm.ActActivate, Numbers: ids}).Query())
}

// Property: a state made of valid parts survives the URL unchanged.
func TestOverviewURLProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pick := func(label string, vals ...string) string {
			return rapid.SampledFrom(append([]string{""}, vals...)).Draw(t, label)
		}
		statuses := make([]string, len(numbers.Statuses))
		for i, s := range numbers.Statuses {
			statuses[i] = string(s)
		}
		usages := make([]string, len(routing.UsageTypes))
		for i, u := range routing.UsageTypes {
			usages[i] = string(u)
		}
		id := func(label string) string {
			return pick(label, idA, idB, "11111111-2222-4333-8444-555555555555")
		}
		var s wasm.OverviewState
		s.Status, s.Usage = pick("status", statuses...), pick("usage", usages...)
		s.Holder = pick("holder", wasm.HolderNone, idA, idB)
		s.Search = rapid.StringOfN(rapid.Rune(), 0, 64, -1).Draw(t, "search")
		s.Sort = numbers.SortKey(pick("sort", string(numbers.SortStatus), string(numbers.SortDeactivationAt)))
		s.Desc = rapid.Bool().Draw(t, "desc")
		s.Limit = rapid.SampledFrom([]int{0, 50, 100}).Draw(t, "limit")
		s.Offset = rapid.IntRange(0, 5000).Draw(t, "page") * max(s.Limit, wasm.DefaultPageSize)
		s.Detail = numberdesk.NumberID(id("detail"))
		if k := wasm.ActionKind(pick("dialog", "activate", "deactivate", "withdraw", "edit", "swap", "assign", "efax")); k != "" {
			s.Dialog, s.Numbers = k, []numberdesk.NumberID{idA}
			if k == wasm.ActActivate && rapid.Bool().Draw(t, "bulk") {
				s.Numbers = append(s.Numbers, idB)
			}
		}
		if !utf8.ValidString(s.Search) {
			t.Skip("invalid UTF-8 cannot be typed")
		}
		require.Empty(t, validState(s))
		q := s.Query()
		got := wasm.ParseOverviewQuery(q)
		if !got.Equal(s) {
			t.Fatalf("%q: got %+v, want %+v", q, got, s)
		}
	})
}

// Any query string parses to a valid state (or the defaults), never a
// panic, and its canonical query reads back to the same state.
func FuzzParseOverviewQuery(f *testing.F) {
	for _, q := range []string{"", "status=active&seite=2", "sort=-deactivation_at&anzahl=100", "nummer=" + idA,
		"dialog=activate&ids=" + idA + "," + idB, "suche=%ZZ", "seite=9223372036854775807", "a=1&&=&;", "suche=" + strings.Repeat("%C3%BC", 70)} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		s := wasm.ParseOverviewQuery(q)
		if why := validState(s); why != "" {
			t.Fatalf("%q parses to an invalid state (%s): %+v", q, why, s)
		}
		c := s.Query()
		if back := wasm.ParseOverviewQuery(c); !back.Equal(s) {
			t.Fatalf("%q: canonical %q reads back as %+v, not %+v", q, c, back, s)
		}
	})
}

// The sort buttons: another column sorts ascending, the same column again
// the other way round; either way from the first page. aria-sort names
// the column sorted by.
func TestSortedByAndAriaSort(t *testing.T) {
	f := wasm.Filters{Status: "active", Offset: 50}
	require.Equal(t, "ascending", f.AriaSort(numbers.SortNumber))
	require.Empty(t, f.AriaSort(numbers.SortStatus))
	f = f.SortedBy(numbers.SortNumber)
	require.Equal(t, wasm.Filters{Status: "active", Desc: true}, f)
	require.Equal(t, "descending", f.AriaSort(numbers.SortNumber))
	f = f.SortedBy(numbers.SortStatus)
	require.Equal(t, wasm.Filters{Status: "active", Sort: numbers.SortStatus}, f)
	require.Equal(t, "ascending", f.AriaSort(numbers.SortStatus))
	require.Empty(t, f.AriaSort(numbers.SortNumber))
	f = f.SortedBy(numbers.SortStatus)
	require.True(t, f.Desc)
	f = f.SortedBy(numbers.SortNumber)
	require.Equal(t, wasm.Filters{Status: "active"}, f)
	q := wasm.Filters{Sort: numbers.SortDeactivationAt, Desc: true}.Query()
	require.Equal(t, numbers.SortDeactivationAt, q.Sort)
	require.True(t, q.Desc)
}

func TestResetFilters(t *testing.T) {
	f := wasm.Filters{Status: "inactive", Usage: "voice", Holder: idA, Search: "0221", Sort: numbers.SortStatus, Desc: true, Offset: 50, Limit: 50}
	require.True(t, f.FiltersActive())
	r := f.ResetFilters()
	require.False(t, r.FiltersActive())
	require.Equal(t, wasm.Filters{Sort: numbers.SortStatus, Desc: true, Limit: 50}, r)
	require.False(t, wasm.Filters{Search: "  ", Sort: numbers.SortStatus}.FiltersActive())
	for _, one := range []wasm.Filters{{Status: "new"}, {Usage: "voice"}, {Holder: wasm.HolderNone}, {Search: "1"}} {
		require.True(t, one.FiltersActive(), "%+v", one)
	}
}

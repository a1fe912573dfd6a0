package wasm

// The overview's state in the URL: filters, search, sort, page, page size,
// the open detail view and the open single-number dialog, so that a reload
// or a shared link restores the view and Back closes a dialog. Pure Go:
// ParseOverviewQuery turns any query string into a valid state (unknown or
// malformed parameters fall back to their defaults, never a panic), and
// OverviewState.Query writes the canonical query back.
//
//	/?status=inactive&verwendung=voice&mitarbeiter=-&suche=0221&sort=-status&seite=2&anzahl=50
//	/?nummer=<id>                      the detail view of a number
//	/?dialog=deactivate&ids=<id>       the dialog of an action ("ids": comma-separated)

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// The overview's URL parameters.
const (
	ParamStatus = "status"      // a numbers.Status
	ParamUsage  = "verwendung"  // a routing.UsageType
	ParamHolder = "mitarbeiter" // a staff ID, or HolderNone
	ParamSearch = "suche"       // numbers.Query.Search
	ParamSort   = "sort"        // a sortable column, "-" first for descending
	ParamPage   = "seite"       // 1-based page number
	ParamLimit  = "anzahl"      // rows per page, one of PageSizes
	ParamNumber = "nummer"      // the number whose detail view is open
	ParamDialog = "dialog"      // the ActionKind of the open dialog
	ParamIDs    = "ids"         // the dialog's numbers
)

// MaxURLNumbers is the most numbers a dialog keeps in the URL; a bulk
// activation of more stays out of the URL (and out of the history).
const MaxURLNumbers = 50

// maxPage bounds the page number read from a URL, so that the offset it
// yields stays far from overflowing.
const maxPage = 1_000_000

// maxSearch is the longest search term (numbers.Query.Search: max=64).
const maxSearch = 64

// SortKeys are the columns the overview sorts by: the SDK's sort keys that
// the table shows (number, status, Kündigungsdatum). numbers.SortNumber is
// the default.
var SortKeys = []numbers.SortKey{numbers.SortNumber, numbers.SortStatus, numbers.SortDeactivationAt}

// OverviewState is everything of the overview that the URL holds.
type OverviewState struct {
	Filters
	// Detail is the number whose detail view is open ("" none).
	Detail numberdesk.NumberID
	// Dialog is the action whose dialog is open on Numbers ("" none).
	Dialog  ActionKind
	Numbers []numberdesk.NumberID
}

// Equal reports whether s and o are the same state.
func (s OverviewState) Equal(o OverviewState) bool {
	return s.Filters == o.Filters && s.Detail == o.Detail && s.Dialog == o.Dialog && slices.Equal(s.Numbers, o.Numbers)
}

// Target returns the dialog of s, or nil.
func (s OverviewState) Target() *Target {
	if s.Dialog == "" {
		return nil
	}
	return &Target{Kind: s.Dialog, Numbers: slices.Clone(s.Numbers)}
}

// WithTarget returns s with the dialog t (nil: none). A dialog on more than
// MaxURLNumbers numbers, or on none, is left out.
func (s OverviewState) WithTarget(t *Target) OverviewState {
	s.Dialog, s.Numbers = "", nil
	if t != nil && len(t.Numbers) > 0 && len(t.Numbers) <= MaxURLNumbers {
		s.Dialog, s.Numbers = t.Kind, slices.Clone(t.Numbers)
	}
	return s
}

// ParseOverviewURL returns the state of the overview URL u (nil: the
// defaults).
func ParseOverviewURL(u *url.URL) OverviewState {
	if u == nil {
		return OverviewState{}
	}
	return ParseOverviewQuery(u.RawQuery)
}

// ParseOverviewQuery returns the state a raw query string describes. Every
// query parses: a parameter that is missing, unknown, malformed or out of
// range keeps its default (all numbers, sorted by number, first page of
// DefaultPageSize, nothing open), and only the first value of a repeated
// parameter counts.
func ParseOverviewQuery(raw string) OverviewState {
	q, _ := url.ParseQuery(raw) // keeps the pairs it could read
	get := func(k string) string { return strings.ToValidUTF8(q.Get(k), "") }
	var s OverviewState
	if v := numbers.Status(get(ParamStatus)); v.Valid() {
		s.Status = string(v)
	}
	if v := routing.UsageType(get(ParamUsage)); v.Valid() {
		s.Usage = string(v)
	}
	if v := get(ParamHolder); v == HolderNone || numberdesk.ValidID(v) {
		s.Holder = v
	}
	s.Search = clip(get(ParamSearch), maxSearch)
	if v := get(ParamSort); v != "" {
		desc := strings.HasPrefix(v, "-")
		if k := numbers.SortKey(strings.TrimPrefix(v, "-")); slices.Contains(SortKeys, k) {
			s.Desc = desc
			if k != numbers.SortNumber {
				s.Sort = k
			}
		}
	}
	if n, err := strconv.Atoi(get(ParamLimit)); err == nil && slices.Contains(PageSizes, n) && n != DefaultPageSize {
		s.Limit = n
	}
	if p, err := strconv.Atoi(get(ParamPage)); err == nil && p > 1 && p <= maxPage {
		s.Offset = (p - 1) * s.pageSize()
	}
	if v := get(ParamNumber); numberdesk.ValidID(v) {
		s.Detail = numberdesk.NumberID(v)
	}
	if k := ActionKind(get(ParamDialog)); slices.Contains(ActionKinds, k) {
		ids := parseIDs(get(ParamIDs))
		if len(ids) > 0 && (len(ids) == 1 || k == ActActivate) {
			s.Dialog, s.Numbers = k, ids
		}
	}
	return s
}

// parseIDs reads a comma-separated list of number IDs: nil if any of them
// is not a valid ID or there are more than MaxURLNumbers; duplicates are
// dropped.
func parseIDs(v string) []numberdesk.NumberID {
	if v == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	if len(parts) > MaxURLNumbers {
		return nil
	}
	var ids []numberdesk.NumberID
	for _, p := range parts {
		if !numberdesk.ValidID(p) {
			return nil
		}
		if id := numberdesk.NumberID(p); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// clip returns the first n runes of s.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// pageSize is the rows per page of f.
func (f Filters) pageSize() int {
	if f.Limit > 0 {
		return f.Limit
	}
	return DefaultPageSize
}

// Page returns the 1-based page number of f's offset.
func (f Filters) Page() int { return max(f.Offset, 0)/f.pageSize() + 1 }

// Query returns the canonical query string of s: only the parameters that
// differ from their defaults, in a fixed order ("" for the defaults).
func (s OverviewState) Query() string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set(ParamStatus, s.Status)
	set(ParamUsage, s.Usage)
	set(ParamHolder, s.Holder)
	set(ParamSearch, s.Search)
	if s.Sort != "" || s.Desc {
		k := string(s.Sort)
		if k == "" {
			k = string(numbers.SortNumber)
		}
		if s.Desc {
			k = "-" + k
		}
		v.Set(ParamSort, k)
	}
	if p := s.Page(); p > 1 {
		v.Set(ParamPage, strconv.Itoa(p))
	}
	if s.Limit > 0 && s.Limit != DefaultPageSize {
		v.Set(ParamLimit, strconv.Itoa(s.Limit))
	}
	set(ParamNumber, string(s.Detail))
	if s.Dialog != "" && len(s.Numbers) > 0 {
		v.Set(ParamDialog, string(s.Dialog))
		ids := make([]string, len(s.Numbers))
		for i, id := range s.Numbers {
			ids[i] = string(id)
		}
		v.Set(ParamIDs, strings.Join(ids, ","))
	}
	return v.Encode()
}

// URL returns the overview's URL of s at path (e.g. "/"): path and query.
func (s OverviewState) URL(path string) string {
	if q := s.Query(); q != "" {
		return path + "?" + q
	}
	return path
}

// FiltersActive reports whether f narrows the overview (status, usage
// type, holder or search): only then an empty result offers "Filter
// zurücksetzen".
func (f Filters) FiltersActive() bool {
	return f.Status != "" || f.Usage != "" || f.Holder != "" || strings.TrimSpace(f.Search) != ""
}

// ResetFilters returns f without its filters and search, on the first page;
// the sort and the page size stay.
func (f Filters) ResetFilters() Filters {
	return Filters{Sort: f.Sort, Desc: f.Desc, Limit: f.Limit}
}

// SortedBy returns f sorted by the column key: a click on the column it
// is sorted by reverses the order, a click on another sorts ascending by
// it; either way on the first page.
func (f Filters) SortedBy(key numbers.SortKey) Filters {
	cur := f.Sort
	if cur == "" {
		cur = numbers.SortNumber
	}
	if key == cur {
		f.Desc = !f.Desc
	} else {
		f.Desc = false
	}
	f.Sort = key
	if key == numbers.SortNumber {
		f.Sort = ""
	}
	f.Offset = 0
	return f
}

// AriaSort returns the aria-sort value of the column key under f:
// "ascending" or "descending" for the column it is sorted by, else "".
func (f Filters) AriaSort(key numbers.SortKey) string {
	cur := f.Sort
	if cur == "" {
		cur = numbers.SortNumber
	}
	switch {
	case key != cur:
		return ""
	case f.Desc:
		return "descending"
	}
	return "ascending"
}

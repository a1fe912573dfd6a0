package wasm

import (
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// Filters are the overview's filter and paging controls, as the form holds
// them (strings, so that a select binds directly).
type Filters struct {
	Status string // "" (all) or a numbers.Status
	Usage  string // "" (all) or a routing.UsageType
	Holder string // "" (all), HolderNone, or a staff ID
	Search string // the start of a number in any format, or an extension (numbers.Query.Search)
	// Sort is the column the overview is sorted by ("": numbers.SortNumber),
	// Desc reverses it (see SortKeys).
	Sort   numbers.SortKey
	Desc   bool
	Offset int
	Limit  int // 0: DefaultPageSize
}

// HolderNone is the holder filter value "ohne Mitarbeiter".
const HolderNone = "-"

// PageSizes are the choices of rows per page; DefaultPageSize is the first.
var PageSizes = []int{25, 50, 100}

// DefaultPageSize is the overview's default rows per page.
const DefaultPageSize = 25

// Query returns the SDK query of f.
func (f Filters) Query() numbers.Query {
	q := numbers.Query{Search: strings.TrimSpace(f.Search), Sort: f.Sort, Desc: f.Desc, Offset: max(f.Offset, 0), Limit: f.Limit}
	if q.Limit <= 0 {
		q.Limit = DefaultPageSize
	}
	if s := numbers.Status(f.Status); s.Valid() {
		q.Statuses = []numbers.Status{s}
	}
	if u := routing.UsageType(f.Usage); u.Valid() {
		q.UsageTypes = []routing.UsageType{u}
	}
	switch f.Holder {
	case "":
	case HolderNone:
		q.Unassigned = true
	default:
		q.Holder = numberdesk.StaffID(f.Holder)
	}
	return q
}

// Row is one line of the overview, ready to render.
type Row struct {
	ID           numberdesk.NumberID
	Display      string // "0221 123456-10"
	Status       numbers.Status
	StatusLabel  string // "aktiv", "portiert", …
	StatusClass  string // badge modifier: new, ported, active, pending, inactive
	Usage        string // "Sprache", …
	Holders      string // "Max Muster, Erika Beispiel"
	Cancellation string // "30.11.2026" for a pending number, else ""
	// ActivatableFrom is the porting date ("15.06.2026", tenant time) of a
	// ported number that cannot be activated before it, else "".
	ActivatableFrom string
	Actions         []ActionKind
	// Selectable: the number can be activated now (bulk activation).
	Selectable bool
}

// Rows lays out numbers for the overview in the current language: names
// maps holders to their names, loc is the tenant's zone (for the
// cancellation date), a decides the actions. It is RowsAt at the current
// time.
func Rows(ns []*numbers.Number, names map[numberdesk.StaffID]string, loc *time.Location, a Access) []Row {
	return RowsAt(ns, names, loc, a, time.Now())
}

// RowsAt is Rows at the instant now (the backend's clock): a ported number
// whose porting date lies after now is not selectable for the bulk
// activation and says from when it can be activated.
func RowsAt(ns []*numbers.Number, names map[numberdesk.StaffID]string, loc *time.Location, a Access, now time.Time) []Row {
	rows := make([]Row, len(ns))
	for i, n := range ns {
		from := ActivatableFrom(n, now, loc)
		r := Row{ID: n.ID, Display: n.Display(), Status: n.Status, StatusLabel: StatusLabel(n), StatusClass: statusClass(n),
			Usage: UsageLabel(n.UsageType), Actions: RowActions(n, a), ActivatableFrom: from,
			Selectable: ActActivate.Applies(n, a) && from == ""}
		r.Holders = holderNames(n, names)
		if !n.DeactivationAt.IsZero() {
			r.Cancellation = numbers.FormatDate(numbers.NoticeDate(n.DeactivationAt, loc))
		}
		rows[i] = r
	}
	return rows
}

// ActivatableFrom returns the porting date of n in loc ("15.06.2026") if
// n is a ported number that cannot be activated at now because its porting
// date lies ahead, else "" (the SDK refuses the activation with
// CodePrecondition before that date, but its message names no date).
func ActivatableFrom(n *numbers.Number, now time.Time, loc *time.Location) string {
	if n.PortingDate.IsZero() || !now.Before(n.PortingDate) {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return numbers.FormatDate(n.PortingDate.In(loc))
}

// activatableNow reports whether n can be activated at now by a: its
// state and the role allow it, and no porting date lies ahead.
func activatableNow(n *numbers.Number, a Access, now time.Time) bool {
	return ActActivate.Applies(n, a) && ActivatableFrom(n, now, time.UTC) == ""
}

func statusClass(n *numbers.Number) string {
	switch {
	case n.Status == numbers.StatusNew && n.Origin == numbers.OriginPorted:
		return "ported"
	case n.Status == numbers.StatusDeactivationPending:
		return "pending"
	}
	return string(n.Status)
}

// StatusLabel returns the status badge text of n: the seed's German words
// ("neu", "portiert", "aktiv", "Zur Deaktivierung vorgemerkt", "inaktiv"),
// or their English translation.
func StatusLabel(n *numbers.Number) string {
	return i18n.T(i18n.Key("status." + statusClass(n)))
}

// UsageLabel returns the label of a usage type in the current language.
func UsageLabel(u routing.UsageType) string {
	if k := i18n.Key("usage." + string(u)); i18n.Has(k) {
		return i18n.T(k)
	}
	return u.Label()
}

// FormatCount formats n with the thousands separator of the current
// language ("1.000" in German, "1,000" in English).
func FormatCount(n int) string {
	s := strconv.Itoa(n)
	sep := "."
	if i18n.Current() == i18n.EN {
		sep = ","
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// PageInfo returns "1–25 von 1.000" for a page, or the empty-result text;
// with lowerBound (the overview stopped counting at total, see
// numbers.MaxTotal) "1–25 von mehr als 10.000".
func PageInfo(offset, shown, total int, lowerBound bool) string {
	if total == 0 || shown == 0 {
		return i18n.T("overview.none")
	}
	of := FormatCount(total)
	if lowerBound {
		of = i18n.T("overview.more_than", of)
	}
	return i18n.T("overview.range", FormatCount(offset+1), FormatCount(offset+shown), of)
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"status.new":      {DE: "neu", EN: "new"},
		"status.ported":   {DE: "portiert", EN: "ported"},
		"status.active":   {DE: "aktiv", EN: "active"},
		"status.pending":  {DE: "Zur Deaktivierung vorgemerkt", EN: "Scheduled for deactivation"},
		"status.inactive": {DE: "inaktiv", EN: "inactive"},

		"usage.voice":        {DE: "Sprache", EN: "Voice"},
		"usage.conference":   {DE: "Konferenz", EN: "Conference"},
		"usage.fax_personal": {DE: "persönliche Faxnummer", EN: "Personal fax number"},
		"usage.fax_shared":   {DE: "gemeinsame Faxnummer", EN: "Shared fax number"},

		"overview.unknown_holder": {DE: "(unbekannt)", EN: "(unknown)"},
		"overview.none":           {DE: "Keine Rufnummern gefunden.", EN: "No numbers found."},
		"overview.range":          {DE: "{1}–{2} von {3}", EN: "{1}–{2} of {3}"},
		"overview.more_than":      {DE: "mehr als {1}", EN: "more than {1}"},
	})
}

// holderNames is the names of n's holders, in order, separated by commas
// (a holder missing from names: "overview.unknown_holder").
func holderNames(n *numbers.Number, names map[numberdesk.StaffID]string) string {
	hs := make([]string, 0, len(n.Holders))
	for _, h := range n.Holders {
		if name, ok := names[h]; ok {
			hs = append(hs, name)
		} else {
			hs = append(hs, i18n.T("overview.unknown_holder"))
		}
	}
	return strings.Join(hs, ", ")
}

package wasm

// The overview's side of its URL (overview_url.go): it reads its state
// from the URL on mount, on go-app's navigations and on Back and Forward
// (popstate), and writes it back: filters, search, sort and page replace
// the current history entry (a reload or a shared link restores them); the
// detail view and a dialog add an entry, so that Back closes them, and
// closing them goes Back over their entry.

import (
	"context"
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// overviewPath is the route of the overview.
const overviewPath = "/"

// followURL keeps the component's context (the focus moves with it: a
// handler's context dies with its element) and follows Back and Forward.
func (c *Overview) followURL(ctx app.Context) {
	c.ctx = ctx
	c.stopHistory = watchHistory(ctx, c.fromURL)
}

// OnNav follows a navigation to the overview's route (go-app: a link,
// Back or Forward to an entry go-app added).
func (c *Overview) OnNav(ctx app.Context) { c.fromURL(ctx) }

// OnDismount stops following Back and Forward.
func (c *Overview) OnDismount() {
	if c.stopHistory != nil {
		c.stopHistory()
		c.stopHistory = nil
	}
}

// urlState is the overview's state as its URL holds it.
func (c *Overview) urlState() OverviewState {
	return OverviewState{Filters: c.filters, Detail: c.detail}.WithTarget(c.open)
}

// fromURL makes the overview what the browser's URL says: the filters
// (reloading the table when they changed), the detail view and the dialog.
// A dialog the URL names but the account cannot use on those numbers (now)
// is dropped from the URL instead.
func (c *Overview) fromURL(ctx app.Context) {
	if c.backPending {
		// The popstate of our own Back (see back): the URL is the entry
		// below the closed one, and the state is the component's, which
		// may have opened another dialog meanwhile.
		c.backPending = false
		if c.pushAfterBack {
			c.pushAfterBack = false
			pushURL(c.urlState().URL(overviewPath))
			return
		}
		c.writeURL(ctx)
		return
	}
	s := ParseOverviewURL(ctx.Page().URL())
	reload := s.Filters != c.filters || !c.loaded
	c.filters = s.Filters
	if s.Detail != c.detail {
		if c.detail != "" {
			FocusByID(ctx, numberLinkID(c.detail), rowID(c.detail), "numbers-table")
		}
		c.detail, c.detailPushed = s.Detail, false
	}
	if t := s.Target(); !sameTarget(c.open, t) {
		if old := c.open; old != nil {
			// Back: the dialog leaves with its history entry.
			c.open = nil
			FocusByID(ctx, c.opener, rowID(old.Numbers[0]), "numbers-table")
		}
		c.dialogPushed = false
		if t != nil && c.usable(ctx, *t) {
			c.open, c.openID, c.opener = t, "", ""
		}
	}
	if reload {
		c.load(ctx) // writes the URL back
		return
	}
	c.writeURL(ctx)
}

// usable reports whether the account can use the dialog t now: it exists,
// and its action applies to every one of its numbers.
func (c *Overview) usable(ctx app.Context, t Target) bool {
	if dialogFor(t.Kind) == nil || len(t.Numbers) == 0 {
		return false
	}
	ok := true
	err := Read(ctx, func(ctx context.Context, d API) error {
		access, now := AccessOf(d.Acting()), d.Now()
		for _, id := range t.Numbers {
			n, err := d.Number(ctx, id)
			if err != nil {
				return err
			}
			if !t.Kind.Applies(n, access) || (len(t.Numbers) > 1 && !activatableNow(n, access, now)) {
				ok = false
			}
		}
		return nil
	})
	return ok && err == nil
}

// sameTarget reports whether a and b are the same dialog (nil: none).
func sameTarget(a, b *Target) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Kind == b.Kind && slices.Equal(a.Numbers, b.Numbers)
}

// writeURL replaces the browser's URL by the overview's state (no new
// history entry), and keeps the filters in their canonical form.
func (c *Overview) writeURL(ctx app.Context) {
	s := c.urlState()
	q := s.Query()
	c.filters = ParseOverviewQuery(q).Filters
	u := ctx.Page().URL()
	if !app.IsClient || u == nil || u.RawQuery == q {
		return
	}
	v := *u
	v.RawQuery, v.Fragment = q, ""
	ctx.Page().ReplaceURL(&v)
}

// dialogOpened adds the history entry of the dialog just opened (one on at
// most MaxURLNumbers numbers).
func (c *Overview) dialogOpened(ctx app.Context) {
	if s := c.urlState(); s.Dialog != "" && app.IsClient {
		c.push(s.URL(overviewPath))
		c.dialogPushed = true
	}
}

// push adds the history entry u, or, while a Back of ours is on its way,
// once it has arrived: pushed now, the entry would sit above the closed
// dialog's, and that Back would land on it and reopen the closed dialog.
func (c *Overview) push(u string) {
	if c.backPending {
		c.pushAfterBack = true
		return
	}
	pushURL(u)
}

// back goes Back over the history entry of a dialog or detail view that
// closed; fromURL sees its popstate.
// The entry is first replaced by the state without the closed one, so that
// a reload before the Back arrives does not reopen it from the URL.
func (c *Overview) back(ctx app.Context) {
	c.writeURL(ctx)
	c.backPending = true
	historyBack()
}

// dialogLeft updates the URL after the dialog closed: Back over the entry
// it added, else (it came with the URL) the URL without it.
func (c *Overview) dialogLeft(ctx app.Context) {
	if c.dialogPushed {
		c.dialogPushed = false
		c.back(ctx)
		return
	}
	c.writeURL(ctx)
}

// openDetail opens the detail view of id, with a history entry.
func (c *Overview) openDetail(ctx app.Context, id numberdesk.NumberID) {
	if c.detail == id {
		return
	}
	c.detail = id
	if app.IsClient {
		c.push(c.urlState().URL(overviewPath))
		c.detailPushed = true
	}
}

// detailClosed removes the detail view after its dialog closed and returns
// the focus to the number's link.
func (c *Overview) detailClosed(ctx app.Context) {
	if c.detail == "" {
		return
	}
	id := c.detail
	c.detail = ""
	FocusByID(ctx, numberLinkID(id), rowID(id), "numbers-table")
	if c.detailPushed {
		c.detailPushed = false
		c.back(ctx)
		return
	}
	c.writeURL(ctx)
}

// detailCommand opens the dialog of a command picked in the detail view,
// over it.
func (c *Overview) detailCommand(ctx app.Context, a app.Action) {
	t, ok := a.Value.(Target)
	if !ok || len(t.Numbers) == 0 {
		return
	}
	c.openDialog(ctx, t.Kind, t.Numbers, "detail-act-"+string(t.Kind))
}

// numberLinkID is the element ID of a row's link to the detail view.
func numberLinkID(id numberdesk.NumberID) string { return "num-" + string(id) }

// numberLink is the number of a row as a link to its detail view (a real
// URL: it opens in a new tab too).
func (c *Overview) numberLink(r Row) app.UI {
	href := OverviewState{Filters: c.filters, Detail: r.ID}.URL(overviewPath)
	return app.A().ID(numberLinkID(r.ID)).Class("number-link").Href(href).
		Title(i18n.T("detail.open", r.Display)).
		OnClick(func(ctx app.Context, e app.Event) {
			if e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() || e.Get("shiftKey").Bool() {
				return // the browser's own: a new tab or window
			}
			// Keep go-app from navigating (that would not add the entry
			// Back needs when the URL equals its last one).
			e.PreventDefault()
			e.Call("stopPropagation")
			c.openDetail(ctx, r.ID)
		}, app.EventScope(string(r.ID))).
		Text(r.Display)
}

// setSort sorts by the column key (again: the other way round).
func (c *Overview) setSort(key numbers.SortKey) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.filters = c.filters.SortedBy(key)
		c.load(ctx)
		FocusByID(ctx, "sort-"+string(key))
	}
}

// sortHeader is the header of a sortable column: a button in the th, whose
// aria-sort tells the order the table is sorted in by it.
func (c *Overview) sortHeader(key numbers.SortKey, label i18n.Key) app.UI {
	th := app.Th().Scope("col").Class("sortable")
	ind := "↕"
	switch s := c.filters.AriaSort(key); s {
	case "ascending":
		th, ind = th.Attr("aria-sort", s), "▲"
	case "descending":
		th, ind = th.Attr("aria-sort", s), "▼"
	}
	return th.Body(app.Button().Type("button").ID("sort-"+string(key)).Class("sort-btn").
		DataSet("sort", string(key)).Title(i18n.T("overview.sort_by", i18n.T(label))).
		OnClick(c.setSort(key), app.EventScope(string(key))).Body(
		app.Span().Text(i18n.T(label)),
		app.Span().Class("sort-ind").Attr("aria-hidden", "true").Text(ind),
	))
}

// resetFilters clears the filters and the search (keeping sort and page
// size) and moves the focus to the search field.
func (c *Overview) resetFilters(ctx app.Context, e app.Event) {
	c.filters = c.filters.ResetFilters()
	c.load(ctx)
	FocusByID(c.ctx, "filter-search") // the button leaves with the empty line
}

// renderEmpty is the table's line when nothing matches: with filters, that
// they match nothing and "Filter zurücksetzen".
func (c *Overview) renderEmpty() app.UI {
	if !c.filters.FiltersActive() {
		return app.Span().ID("overview-empty").Text(i18n.T("overview.none"))
	}
	return app.Div().ID("overview-empty").Class("empty-filtered").Body(
		app.P().Text(i18n.T("overview.none")+" "+i18n.T("overview.none_filtered")),
		app.Button().Type("button").ID("filter-reset").Class("btn btn-small").
			Text(i18n.T("overview.reset_filters")).OnClick(c.resetFilters),
	)
}

// renderDetail is the detail view's slot (always there, so that the
// dialog after it keeps its place).
func (c *Overview) renderDetail() app.UI {
	return dialogSlot(app.If(c.detail != "", func() app.UI { return &DetailDialog{Number: c.detail} }))
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"overview.sort_by":       {DE: "Nach {1} sortieren", EN: "Sort by {1}"},
		"overview.none_filtered": {DE: "Zu den gewählten Filtern passt keine Rufnummer.", EN: "No number matches the chosen filters."},
		"overview.reset_filters": {DE: "Filter zurücksetzen", EN: "Reset filters"},
	})
}

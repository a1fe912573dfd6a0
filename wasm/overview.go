package wasm

import (
	"context"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// Overview is the "Rufnummern-Übersicht" at "/": filters, the paged table
// #numbers-table (data-total = the number of matches) with a status badge
// and exactly the actions each number's state allows, multi-select for bulk
// activation, and the dialog of the action the user chose.
type Overview struct {
	app.Compo

	lang    i18n.Lang
	rev     int
	filters Filters
	rows    []Row
	total   int
	// totalIsLowerBound: there are more than total matches (not counted
	// beyond numbers.MaxTotal); more: a page follows this one.
	totalIsLowerBound, more bool
	loaded                  bool
	employees               []*staff.Employee
	selected                map[numberdesk.NumberID]bool
	open                    *Target
	opener                  string // the element to focus when the dialog closes
	// openID is the element ID of the open dialog once it has been shown
	// (ActionDialogOpened), "" until then: close events of other IDs are
	// those of a dialog it replaced.
	openID string
	err    string
	// access is what the acting account may do (it decides whether the
	// bulk activation is shown at all).
	access Access
	// The URL's part (overview_url_nav.go): the number whose detail view
	// is open, whether this page added the history entry of the detail
	// view and of the dialog (closing them then goes Back), and the stop
	// of the Back and Forward listener.
	detail                     numberdesk.NumberID
	detailPushed, dialogPushed bool
	// backPending: a Back over a closed dialog's or detail view's entry is
	// on its way (its popstate not yet seen); pushAfterBack: a dialog or
	// detail view opened meanwhile, whose entry is added when it arrives.
	backPending, pushAfterBack bool
	stopHistory                func()
	ctx                        app.Context // the component's own (from OnMount)
}

// OnMount loads the first page and subscribes to the language, the data
// revision and the dialogs' close action.
func (c *Overview) OnMount(ctx app.Context) {
	UseLang(ctx, &c.lang, c.load) // the rows hold translated labels
	ObserveRevision(ctx, &c.rev, c.load)
	ctx.Handle(ActionDialogClosed, c.dialogClosed)
	ctx.Handle(ActionDialogOpened, c.dialogShown)
	ctx.Handle(ActionDetailCommand, c.detailCommand)
	c.followURL(ctx)
	c.fromURL(ctx) // the filters, the detail view and the dialog of the URL; loads
}

// load queries the current page.
func (c *Overview) load(ctx app.Context) {
	var (
		page   *numbers.Page
		names  = map[numberdesk.StaffID]string{}
		loc    = time.UTC
		access Access
		now    = time.Now()
	)
	err := Read(ctx, func(ctx context.Context, d API) error {
		es, err := d.Employees(ctx)
		if err != nil {
			return err
		}
		c.employees = es
		for _, e := range es {
			names[e.ID] = e.Name()
		}
		loc, access, now = d.Location(), AccessOf(d.Acting()), d.Now()
		page, err = d.Overview(ctx, c.filters.Query())
		if err == nil && len(page.Numbers) == 0 && page.Total > 0 && c.filters.Offset > 0 {
			// The page ran empty (fewer matches now): show the last one.
			c.filters.Offset = (page.Total - 1) / page.Limit * page.Limit
			page, err = d.Overview(ctx, c.filters.Query())
		}
		return err
	})
	if err != nil {
		c.err = i18n.Error(err)
		return
	}
	c.err = ""
	c.access = access
	c.rows = RowsAt(page.Numbers, names, loc, access, now)
	c.total, c.totalIsLowerBound, c.more = page.Total, page.TotalIsLowerBound, page.NextCursor != ""
	c.loaded = true
	c.writeURL(ctx) // filters, sort and page (as corrected) into the URL
	// Keep only selections that can still be activated (on any page).
	if len(c.selected) > 0 {
		_ = Read(ctx, func(ctx context.Context, d API) error {
			for id := range c.selected {
				n, err := d.Number(ctx, id)
				if err != nil || !activatableNow(n, access, now) {
					delete(c.selected, id)
				}
			}
			return nil
		})
	}
}

// dialogClosed removes the dialog and returns the focus to the button that
// opened it or, where that is gone or disabled now (the action no longer
// applies, the selection is empty), to the row of the number it changed.
func (c *Overview) dialogClosed(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	if c.open == nil || id == DetailID {
		c.detailClosed(ctx) // the detail view's dialog
		return
	}
	if id != "" && id != c.openID {
		// The close event of a dialog that another one replaced before
		// it arrived (it comes a task after the close; the new dialog
		// may not be shown yet): the newer one stays, with its URL.
		return
	}
	row := ""
	if len(c.open.Numbers) > 0 {
		row = rowID(c.open.Numbers[0])
	}
	c.open = nil
	FocusByID(ctx, c.opener, row, "numbers-table")
	c.dialogLeft(ctx)
}

// dialogShown learns the element ID of the dialog the overview opened
// (the first dialog shown after it opened: not a confirmation step inside
// it, nor the detail view under it).
func (c *Overview) dialogShown(ctx app.Context, a app.Action) {
	if id, _ := a.Value.(string); c.open != nil && c.openID == "" && id != DetailID {
		c.openID = id
	}
}

// rowID is the element ID of the overview row of a number (focusable by
// script: tabindex -1).
func rowID(id numberdesk.NumberID) string { return "row-" + string(id) }

// bulk reports whether the acting account can ever activate: only then the
// overview offers the selection and "Ausgewählte aktivieren".
func (c *Overview) bulk() bool {
	return can(numbers.ActionActivate, numbers.StatusNew, c.access.Role) || can(numbers.ActionActivate, numbers.StatusInactive, c.access.Role)
}

// roleNote explains what a manager or an employee can do here, instead of
// controls they can never use; "" for the owner.
func (c *Overview) roleNote() string {
	switch c.access.Role {
	case numberdesk.RoleManager:
		return i18n.T("overview.role_manager")
	case numberdesk.RoleEmployee:
		if c.access.RoutingEdit {
			return i18n.T("overview.role_employee") + " " + i18n.T("overview.role_employee_routing")
		}
		return i18n.T("overview.role_employee")
	}
	return ""
}

// openDialog opens the dialog of kind for ids; opener is the ID of the
// button to focus again afterwards.
func (c *Overview) openDialog(ctx app.Context, kind ActionKind, ids []numberdesk.NumberID, opener string) {
	if dialogFor(kind) == nil {
		return
	}
	replacing := c.open != nil && c.dialogPushed
	c.open, c.openID = &Target{Kind: kind, Numbers: ids}, ""
	c.opener = opener
	if replacing {
		// A dialog whose close has not arrived yet: this one takes over
		// its history entry (a second one would leave the closed dialog's
		// entry behind it, for Back to reopen).
		c.writeURL(ctx)
		return
	}
	c.dialogOpened(ctx)
}

func (c *Overview) setFilter(apply func(f *Filters, v string)) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		apply(&c.filters, e.Get("target").Get("value").String())
		c.filters.Offset = 0
		c.load(ctx)
	}
}

func (c *Overview) page(delta int) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c.filters.Offset = max(0, c.filters.Offset+delta*c.limit())
		c.load(ctx)
	}
}

func (c *Overview) limit() int {
	if c.filters.Limit > 0 {
		return c.filters.Limit
	}
	return DefaultPageSize
}

func (c *Overview) toggle(id numberdesk.NumberID) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if c.selected == nil {
			c.selected = map[numberdesk.NumberID]bool{}
		}
		if e.Get("target").Get("checked").Bool() {
			c.selected[id] = true
		} else {
			delete(c.selected, id)
		}
	}
}

func (c *Overview) toggleAll(ctx app.Context, e app.Event) {
	on := e.Get("target").Get("checked").Bool()
	if c.selected == nil {
		c.selected = map[numberdesk.NumberID]bool{}
	}
	for _, r := range c.rows {
		if r.Selectable {
			if on {
				c.selected[r.ID] = true
			} else {
				delete(c.selected, r.ID)
			}
		}
	}
}

// selection returns the selected numbers in a stable order: the rows of
// this page first, then the others.
func (c *Overview) selection() []numberdesk.NumberID {
	var ids []numberdesk.NumberID
	seen := map[numberdesk.NumberID]bool{}
	for _, r := range c.rows {
		if c.selected[r.ID] {
			ids = append(ids, r.ID)
			seen[r.ID] = true
		}
	}
	for id := range c.selected {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

func (c *Overview) allOnPageSelected() bool {
	has := false
	for _, r := range c.rows {
		if r.Selectable {
			has = true
			if !c.selected[r.ID] {
				return false
			}
		}
	}
	return has
}

// Render draws the filters, the table, the pager and the open dialog.
func (c *Overview) Render() app.UI {
	sel := c.selection()
	return app.Div().Class("overview").Body(
		c.renderFilters(),
		&ImportExport{Query: c.filters.Query()}, // "Import / Export" and its dialog (dlg_import.go)
		// Optional lines in slots of their own: the table and the open
		// dialog keep their places (go-app reuses elements by position).
		dialogSlot(app.If(c.err != "", func() app.UI {
			return app.P().Class("form-error").Attr("role", "alert").Text(c.err)
		})),
		dialogSlot(app.If(c.loaded && c.bulk(), func() app.UI {
			return app.Div().Class("bulk").Body(
				app.Span().ID("bulk-count").Attr("aria-live", "polite").Text(i18n.T("overview.selected", FormatCount(len(sel)))),
				command(app.Button().ID("bulk-activate").Type("button").Class("btn btn-primary").
					Disabled(len(sel) == 0 || dialogFor(ActActivate) == nil).
					// the selection as it is at the click, not at the last render
					OnClick(func(ctx app.Context, e app.Event) { c.openDialog(ctx, ActActivate, c.selection(), "bulk-activate") }).
					Body(Icon("activate"), app.Span().Text(i18n.T("overview.bulk_activate")))),
				app.Span().ID("bulk-hint").Class("hint").Text(i18n.T("overview.bulk_hint")),
			)
		}).ElseIf(c.loaded && c.roleNote() != "", func() app.UI {
			return app.P().ID("role-note").Class("role-note").Text(c.roleNote())
		})),
		// the icons' names: touch screens have no tooltips
		ActionLegend(legendKinds(c.rows)),
		c.renderTable(),
		c.renderPager(),
		c.renderDetail(),
		app.If(c.open != nil, func() app.UI {
			if f := dialogFor(c.open.Kind); f != nil {
				return f(*c.open)
			}
			return nil
		}),
	)
}

func (c *Overview) renderFilters() app.UI {
	opt := func(value, label, cur string) app.UI {
		return app.Option().Value(value).Selected(value == cur).Text(label)
	}
	f := c.filters
	return app.Form().Class("filters").Attr("role", "search").Attr("aria-label", i18n.T("overview.filters")).
		OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault() }).Body(
		app.Div().Class("field").Body(
			app.Label().For("filter-search").Text(i18n.T("overview.search")),
			app.Input().Type("search").ID("filter-search").Value(f.Search).
				Placeholder(i18n.T("overview.search_hint")).Attr("inputmode", "tel").Attr("autocomplete", "off").
				OnInput(c.setFilter(func(f *Filters, v string) { f.Search = v })),
		),
		app.Div().Class("field").Body(
			app.Label().For("filter-status").Text(i18n.T("overview.col_status")),
			app.Select().ID("filter-status").OnChange(c.setFilter(func(f *Filters, v string) { f.Status = v })).Body(
				opt("", i18n.T("overview.all"), f.Status),
				app.Range(numbers.Statuses).Slice(func(i int) app.UI {
					s := numbers.Statuses[i]
					return opt(string(s), i18n.T(i18n.Key("status."+statusClass(&numbers.Number{Status: s}))), f.Status)
				}),
			),
		),
		app.Div().Class("field").Body(
			app.Label().For("filter-usage").Text(i18n.T("overview.col_usage")),
			app.Select().ID("filter-usage").OnChange(c.setFilter(func(f *Filters, v string) { f.Usage = v })).Body(
				opt("", i18n.T("overview.all"), f.Usage),
				app.Range(routing.UsageTypes).Slice(func(i int) app.UI {
					u := routing.UsageTypes[i]
					return opt(string(u), UsageLabel(u), f.Usage)
				}),
			),
		),
		app.Div().Class("field").Body(
			app.Label().For("filter-holder").Text(i18n.T("overview.col_holder")),
			app.Select().ID("filter-holder").OnChange(c.setFilter(func(f *Filters, v string) { f.Holder = v })).Body(
				opt("", i18n.T("overview.all"), f.Holder),
				opt(HolderNone, i18n.T("overview.no_holder"), f.Holder),
				app.Range(c.employees).Slice(func(i int) app.UI {
					e := c.employees[i]
					return opt(string(e.ID), e.Name(), f.Holder)
				}),
			),
		),
	)
}

func (c *Overview) renderTable() app.UI {
	t := app.Table().ID("numbers-table").Class("numbers").Attr("tabindex", "-1")
	if !c.bulk() {
		t = t.Class("no-select")
	}
	if c.loaded {
		t = t.Attr("data-total", strconv.Itoa(c.total))
	}
	return app.Div().Class("table-wrap").Body(t.Body(
		app.Caption().Class("sr-only").Text(i18n.T("nav.overview")),
		app.THead().Body(app.Tr().Body(
			app.If(c.bulk(), func() app.UI {
				return app.Th().Scope("col").Class("col-select").Body(
					app.Input().Type("checkbox").ID("select-all").Checked(c.allOnPageSelected()).
						Attr("aria-label", i18n.T("overview.select_all")).Title(i18n.T("overview.select_all")).
						OnChange(c.toggleAll),
				)
			}),
			c.sortHeader(numbers.SortNumber, "overview.col_number"),
			c.sortHeader(numbers.SortStatus, "overview.col_status"),
			app.Th().Scope("col").Text(i18n.T("overview.col_usage")),
			app.Th().Scope("col").Text(i18n.T("overview.col_holder")),
			c.sortHeader(numbers.SortDeactivationAt, "overview.col_cancel"),
			app.Th().Scope("col").Class("col-actions").Text(i18n.T("overview.col_actions")),
		)),
		app.TBody().Body(
			app.If(c.loaded && len(c.rows) == 0, func() app.UI {
				return app.Tr().Body(app.Td().ColSpan(c.columns()).Class("empty").Body(c.renderEmpty()))
			}),
			app.Range(c.rows).Slice(func(i int) app.UI { return c.renderRow(c.rows[i]) }),
		),
	))
}

// columns is the number of the table's columns.
func (c *Overview) columns() int {
	if c.bulk() {
		return 7
	}
	return 6
}

func (c *Overview) renderRow(r Row) app.UI {
	fromID := "from-" + string(r.ID)
	return app.Tr().ID(rowID(r.ID)).Attr("tabindex", "-1").DataSet("number", r.Display).DataSet("status", string(r.Status)).Body(
		app.If(c.bulk(), func() app.UI {
			return app.Td().Class("col-select").Body(
				app.If(r.Selectable, func() app.UI {
					return app.Input().Type("checkbox").Class("row-select").Checked(c.selected[r.ID]).
						Attr("aria-label", i18n.T("overview.select", r.Display)).OnChange(c.toggle(r.ID), app.EventScope(r.ID))
				}).ElseIf(r.ActivatableFrom != "", func() app.UI {
					// shown, but not selectable: the row says why
					return app.Input().Type("checkbox").Class("row-select-blocked").Disabled(true).
						Attr("aria-label", i18n.T("overview.select", r.Display)).Attr("aria-describedby", fromID).
						Title(i18n.T("overview.activatable_from", r.ActivatableFrom))
				}),
			)
		}),
		app.Th().Scope("row").Class("col-number").Body(c.numberLink(r)),
		app.Td().DataSet("label", i18n.T("overview.col_status")).Body(
			app.Span().Class("badge badge-"+r.StatusClass).Text(r.StatusLabel),
			app.If(r.ActivatableFrom != "", func() app.UI {
				return app.Span().ID(fromID).Class("row-hint").Text(i18n.T("overview.activatable_from", r.ActivatableFrom))
			}),
		),
		app.Td().DataSet("label", i18n.T("overview.col_usage")).Text(r.Usage),
		app.Td().DataSet("label", i18n.T("overview.col_holder")).Class("col-holder").Text(r.Holders),
		app.Td().DataSet("label", i18n.T("overview.col_cancel")).Text(r.Cancellation),
		app.Td().Class("col-actions").Body(
			app.If(len(r.Actions) == 0, func() app.UI {
				key := i18n.Key("overview.no_action_role")
				if c.access.Role == numberdesk.RoleOwner {
					key = "overview.no_action"
				}
				return app.Span().Class("no-action").Text(i18n.T(key))
			}),
			app.Range(r.Actions).Slice(func(i int) app.UI {
				k := r.Actions[i]
				id := "act-" + string(k) + "-" + string(r.ID)
				label := k.Label()
				return command(app.Button().Type("button").ID(id).Class("icon-btn act act-"+string(k)).
					DataSet("action", string(k)).Title(label).Attr("aria-label", label+": "+r.Display).
					OnClick(func(ctx app.Context, e app.Event) {
						c.openDialog(ctx, k, []numberdesk.NumberID{r.ID}, id)
					}, app.EventScope(id)).Body(Icon(k.Icon()), ActionLabel(k)))
			}),
		),
	)
}

func (c *Overview) renderPager() app.UI {
	limit := c.limit()
	off := c.filters.Offset
	return app.Nav().Class("pager").Attr("aria-label", i18n.T("overview.paging")).Body(
		app.Button().Type("button").ID("page-prev").Class("btn btn-small").Disabled(off == 0).
			OnClick(c.page(-1)).Text(i18n.T("overview.prev")),
		app.Span().ID("page-info").Attr("aria-live", "polite").Text(PageInfo(off, len(c.rows), c.total, c.totalIsLowerBound)),
		app.Button().Type("button").ID("page-next").Class("btn btn-small").Disabled(!c.more).
			OnClick(c.page(1)).Text(i18n.T("overview.next")),
		app.Label().For("page-size").Class("page-size").Text(i18n.T("overview.page_size")),
		app.Select().ID("page-size").OnChange(c.setFilter(func(f *Filters, v string) { f.Limit, _ = strconv.Atoi(v) })).Body(
			app.Range(PageSizes).Slice(func(i int) app.UI {
				n := PageSizes[i]
				return app.Option().Value(strconv.Itoa(n)).Selected(n == limit).Text(strconv.Itoa(n))
			}),
		),
	)
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"overview.filters":               {DE: "Filter", EN: "Filters"},
		"overview.search":                {DE: "Suche", EN: "Search"},
		"overview.search_hint":           {DE: "z. B. 0221 123456-10 oder Durchwahl 15", EN: "e.g. +49 221 123456 10 or extension 15"},
		"overview.all":                   {DE: "alle", EN: "all"},
		"overview.no_holder":             {DE: "ohne Mitarbeiter", EN: "no employee"},
		"overview.col_number":            {DE: "Rufnummer", EN: "Number"},
		"overview.col_status":            {DE: "Status", EN: "Status"},
		"overview.col_usage":             {DE: "Verwendungstyp", EN: "Usage type"},
		"overview.col_holder":            {DE: "Mitarbeiter", EN: "Employee"},
		"overview.col_cancel":            {DE: "Kündigungsdatum", EN: "Cancellation date"},
		"overview.col_actions":           {DE: "Aktionen", EN: "Actions"},
		"overview.select":                {DE: "Rufnummer {1} auswählen", EN: "Select number {1}"},
		"overview.select_all":            {DE: "Alle aktivierbaren Rufnummern dieser Seite auswählen", EN: "Select all activatable numbers on this page"},
		"overview.selected":              {DE: "{1} ausgewählt", EN: "{1} selected"},
		"overview.bulk_activate":         {DE: "Ausgewählte aktivieren", EN: "Activate selected"},
		"overview.bulk_hint":             {DE: "Wählbar sind nur Rufnummern, die sich jetzt aktivieren lassen.", EN: "Only numbers that can be activated now can be selected."},
		"overview.activatable_from":      {DE: "aktivierbar ab {1}", EN: "can be activated from {1}"},
		"overview.no_action_role":        {DE: "Keine Aktion für Ihre Rolle", EN: "No action for your role"},
		"overview.no_action":             {DE: "Keine Aktion möglich", EN: "No action available"},
		"overview.role_manager":          {DE: "Als Manager ordnen Sie Rufnummern Mitarbeitern zu und bearbeiten sie. Aktivieren, deaktivieren und austauschen kann nur das Administrator-Konto.", EN: "As a manager you assign and edit numbers. Only the administrator account activates, deactivates and swaps numbers."},
		"overview.role_employee":         {DE: "Sie sehen die Rufnummern, die Ihnen zugeordnet sind. Änderungen nimmt das Administrator-Konto vor.", EN: "You see the numbers assigned to you. Changes are made by the administrator account."},
		"overview.role_employee_routing": {DE: "Das Routing Ihrer Sprach-Rufnummern können Sie selbst bearbeiten.", EN: "You may edit the routing of your voice numbers yourself."},
		"overview.paging":                {DE: "Seiten", EN: "Pages"},
		"overview.prev":                  {DE: "Zurück", EN: "Previous"},
		"overview.next":                  {DE: "Weiter", EN: "Next"},
		"overview.page_size":             {DE: "pro Seite", EN: "per page"},
	})
}

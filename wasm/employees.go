package wasm

// The employees page ("/mitarbeiter"): the list with numbers, lock state and
// notifications; "Neuen Mitarbeiter anlegen" with numbers to assign; lock and
// unlock ("Sperren", "Entsperren"); the notification preferences; and the
// owner's grant to edit the routing of one's own numbers.

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

func init() {
	RegisterPage(Page{Path: "/mitarbeiter", Title: "nav.employees", Order: 20, New: func() app.Composer { return &EmployeesPage{} }})
	icons["lock"] = `<rect x="5" y="11" width="14" height="10" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" stroke-width="2"/>`
	icons["unlock"] = `<rect x="5" y="11" width="14" height="10" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><path d="M8 11V8a4 4 0 0 1 7.5-2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>`
	icons["bell"] = `<path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>`
}

// The dialog IDs of the page and of its create form.
const (
	empCreateID = "emp-create"
	empPrefsID  = "emp-prefs"
	empLockID   = "confirm-lock" // the confirmation step of "Sperren"
	empFormID   = "emp-form"
)

// empFields are the create form's fields that show their own errors.
var empFields = []string{"first_name", "last_name", "email", "role", "numbers"}

// EmployeesPage lists and manages the tenant's employees.
type EmployeesPage struct {
	app.Compo

	lang  i18n.Lang
	rev   int
	emps  []*staff.Employee
	rows  []employeeRow
	actor numberdesk.Actor // the acting account (the shell's actor switch)
	held  map[numberdesk.StaffID][]string
	// rowsLang is the language the rows were presented in.
	rowsLang i18n.Lang
	free     []*numbers.Number // numbers a new employee can get
	search   string
	notice   string // confirmation of the last row action (live region)
	err      string // error of the last row action
	loadErr  string // error of loading the list

	// numPick replaces the checkboxes of free when there are more than
	// pickerLimit (a searchable multi-select, picker.go; nil: checkboxes).
	numPick *picker

	dialog string // "", empCreateID or empPrefsID
	opener string // the element to focus when the dialog closes

	form      employeeForm
	formErr   FieldErrors
	created   string // name of the employee just created (confirmation)
	prefsFor  *staff.Employee
	prefs     staff.Preferences
	prefsErr  FieldErrors
	prefsDone bool
	lockFor   numberdesk.StaffID // whom the open confirmation step locks
	lockName  string             // and the name it shows
	// ctx is the page's own context (from OnMount), for moving the focus
	// after an update that removes the button of the handler.
	ctx app.Context
}

// OnMount loads the list and reloads after every command.
func (p *EmployeesPage) OnMount(ctx app.Context) {
	p.ctx = ctx
	UseLang(ctx, &p.lang)
	ObserveRevision(ctx, &p.rev, p.load)
	ctx.Handle(ActionDialogClosed, func(ctx app.Context, a app.Action) {
		if p.dialog == "" {
			return
		}
		p.dialog, p.prefsFor = "", nil
		FocusByID(ctx, p.opener, "emp-new")
	})
	p.load(ctx)
}

// load reads the employees and the numbers.
func (p *EmployeesPage) load(ctx app.Context) {
	var es []*staff.Employee
	var ns []*numbers.Number
	q := p.search
	var actor numberdesk.Actor
	err := Read(ctx, func(c context.Context, d API) error {
		var err error
		actor = d.Actor()
		if !canManage(actor) {
			// an employee sees (and edits the notifications of) itself
			self, err := d.Employee(c, actor.Staff)
			if err != nil {
				return err
			}
			es = []*staff.Employee{self}
		} else if es, _, err = d.ListEmployees(c, staff.Query{Search: q, Limit: 1000}); err != nil {
			return err
		}
		page, err := d.Overview(c, numbers.Query{Limit: numbers.MaxPageSize})
		if err != nil {
			return err
		}
		ns = page.Numbers
		return nil
	})
	p.loadErr = ""
	if err != nil {
		p.loadErr, p.emps, p.rows, p.free = i18n.Error(err), nil, nil, nil
		return
	}
	p.actor = actor
	p.emps, p.free, p.held = es, assignable(ns), heldNumbers(ns)
	p.rows, p.rowsLang = employeeRows(es, p.held), i18n.Current()
}

func (p *EmployeesPage) employee(id numberdesk.StaffID) *staff.Employee {
	for _, e := range p.emps {
		if e.ID == id {
			return e
		}
	}
	return nil
}

func (p *EmployeesPage) openCreate(ctx app.Context, e app.Event) {
	p.form = employeeForm{Role: numberdesk.RoleEmployee}
	p.formErr, p.created = FieldErrors{}, ""
	p.numPick = nil
	if len(p.free) > pickerLimit {
		p.numPick = &picker{ID: "emp-numbers-pick", Multi: true, Hint: i18n.T("picker.hint.number"), Source: numberSource(assignableNumbers, nil)}
	}
	p.dialog, p.opener = empCreateID, "emp-new"
	ShowModal(p.ctx, empCreateID)
}

// create checks every field of the form first (each error next to its
// field and all of them in the summary, which takes the focus); only a form
// without errors goes to the SDK, whose error is shown the same way.
func (p *EmployeesPage) create(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if fe := p.form.validate(); fe.Any() {
		p.formErr = fe
		FocusByID(p.ctx, SummaryID(empFormID))
		return
	}
	req := p.form.request(p.free)
	if p.numPick != nil {
		req.Numbers = nil
		for _, v := range p.numPick.Values() {
			req.Numbers = append(req.Numbers, numberdesk.NumberID(v))
		}
	}
	var made *staff.Employee
	err := Do(ctx, func(c context.Context, d API) error {
		var err error
		made, err = d.CreateEmployee(c, req)
		return err
	})
	p.formErr = NewFieldErrors(err, empFields...)
	if err != nil {
		FocusByID(p.ctx, SummaryID(empFormID))
		return
	}
	p.created = made.Name()
	FocusByID(p.ctx, "emp-create-close")
}

// inputID is the element ID of the create form's input of an SDK field
// (the numbers: the first offered number's checkbox).
func (p *EmployeesPage) inputID(field string) string {
	switch field {
	case "first_name":
		return "emp-first"
	case "last_name":
		return "emp-last"
	case "email":
		return "emp-email"
	case "role":
		return "emp-role"
	case "numbers":
		if p.numPick != nil {
			return p.numPick.ID
		}
		if len(p.free) > 0 {
			return "emp-num-" + string(p.free[0].ID)
		}
	}
	return "emp-first"
}

// setLocked returns the handler of "Sperren" (which first asks: a locked
// employee loses notifications, assignments and credentials) and
// "Entsperren" (which does not).
func (p *EmployeesPage) setLocked(id numberdesk.StaffID, locked bool) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if locked {
			p.lockFor, p.lockName = id, ""
			if e := p.employee(id); e != nil {
				p.lockName = e.Name()
			}
			ShowModal(p.ctx, empLockID)
			return
		}
		p.applyLock(ctx, id, false)
	}
}

// confirmLock is "Sperren" of the confirmation step.
func (p *EmployeesPage) confirmLock(ctx app.Context, e app.Event) {
	id := p.lockFor
	CloseConfirm(empLockID)
	if id != "" {
		p.applyLock(ctx, id, true)
	}
}

func (p *EmployeesPage) applyLock(ctx app.Context, id numberdesk.StaffID, locked bool) {
	var out *staff.Employee
	err := Do(ctx, func(c context.Context, d API) error {
		var err error
		out, err = d.SetLocked(c, id, locked)
		return err
	})
	p.notice, p.err = "", ""
	if err != nil {
		p.err = i18n.Error(err)
		return
	}
	if locked {
		p.notice = pt("emp.locked.msg", out.Name())
	} else {
		p.notice = pt("emp.unlocked.msg", out.Name())
	}
	p.load(ctx)
	FocusByID(p.ctx, lockButtonID(id))
}

func (p *EmployeesPage) setRoutingEdit(id numberdesk.StaffID) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		on := ctx.JSSrc().Get("checked").Bool()
		err := Do(ctx, func(c context.Context, d API) error {
			_, err := d.SetRoutingEdit(c, id, on)
			return err
		})
		p.notice, p.err = "", ""
		if err != nil {
			p.err = i18n.Error(err)
		}
		p.load(ctx)
	}
}

func (p *EmployeesPage) openPrefs(id numberdesk.StaffID) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		emp := p.employee(id)
		if emp == nil {
			return
		}
		p.prefsFor, p.prefs, p.prefsErr, p.prefsDone = emp, emp.Preferences, FieldErrors{}, false
		p.dialog, p.opener = empPrefsID, prefsButtonID(id)
		ShowModal(p.ctx, empPrefsID)
	}
}

func (p *EmployeesPage) savePrefs(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.prefsFor == nil {
		return
	}
	id, prefs := p.prefsFor.ID, p.prefs
	err := Do(ctx, func(c context.Context, d API) error {
		_, err := d.SetPreferences(c, id, prefs)
		return err
	})
	p.prefsErr = NewFieldErrors(err)
	if err == nil {
		p.prefsDone = true
		FocusByID(p.ctx, "emp-prefs-close")
	}
}

// The row handlers capture the employee; their scope (the employee's ID)
// makes go-app replace them when a row comes to show another employee.

func lockButtonID(id numberdesk.StaffID) string  { return "emp-lock-" + string(id) }
func prefsButtonID(id numberdesk.StaffID) string { return "emp-prefs-" + string(id) }

// Render draws the toolbar, the list and the open dialog.
func (p *EmployeesPage) Render() app.UI {
	if p.rowsLang != i18n.Current() && p.emps != nil {
		p.rows, p.rowsLang = employeeRows(p.emps, p.held), i18n.Current()
	}
	return app.Section().ID("employees-page").Class("page-employees").Body(
		app.P().Class("page-intro").Text(pt("emp.intro")),
		app.If(canManage(p.actor), func() app.UI { return p.renderToolbar() }),
		app.Div().ID("emp-status").Class("status").Attr("role", "status").Attr("aria-live", "polite").Text(p.notice),
		app.If(p.err != "" || p.loadErr != "", func() app.UI {
			return app.P().ID("emp-error").Class("form-error").Attr("role", "alert").Text(joinNonEmpty(p.loadErr, p.err))
		}),
		app.P().ID("emp-count").Class("log-count").Text(countText("emp.count", len(p.rows))),
		app.If(len(p.rows) == 0, func() app.UI {
			return app.P().Class("empty").Text(pt("emp.empty"))
		}).Else(func() app.UI { return p.renderTable() }),
		// Each dialog in a slot of its own: when one leaves the DOM, the next
		// does not move into its place (go-app reuses elements by position,
		// and an open <dialog> would become the closed one).
		dialogSlot(app.If(p.dialog == empCreateID, func() app.UI { return p.renderCreate() })),
		dialogSlot(app.If(p.dialog == empPrefsID && p.prefsFor != nil, func() app.UI { return p.renderPrefs() })),
		dialogSlot(app.If(p.lockFor != "", func() app.UI {
			name := p.lockName
			return ConfirmDialog(empLockID, pt("emp.lock.title", name), pt("emp.lock.text", name), pt("emp.lock"),
				p.confirmLock, func(ctx app.Context, e app.Event) { p.lockFor = "" })
		})),
	)
}

// renderToolbar is "Neuen Mitarbeiter anlegen" and the search.
func (p *EmployeesPage) renderToolbar() app.UI {
	return app.Div().Class("toolbar").Body(
		command(app.Button().ID("emp-new").Type("button").Class("btn btn-primary").Text(pt("emp.new")).OnClick(p.openCreate)),
		app.Div().Class("field field-inline").Body(
			app.Label().For("emp-search").Class("sr-only").Text(pt("emp.search")),
			app.Input().ID("emp-search").Type("search").Placeholder(pt("emp.search")).Value(p.search).
				OnInput(func(ctx app.Context, e app.Event) {
					p.search = ctx.JSSrc().Get("value").String()
					p.load(ctx)
				}),
		),
	)
}

func (p *EmployeesPage) renderTable() app.UI {
	return app.Div().Class("table-wrap").Body(app.Table().ID("emp-table").Class("emp-table").Body(
		app.Caption().Class("sr-only").Text(i18n.T("nav.employees")),
		app.THead().Body(app.Tr().Body(
			app.Th().Scope("col").Text(pt("emp.col.name")),
			app.Th().Scope("col").Text(pt("emp.col.email")),
			app.Th().Scope("col").Text(pt("emp.col.role")),
			app.Th().Scope("col").Text(pt("emp.col.numbers")),
			app.Th().Scope("col").Text(pt("emp.col.status")),
			app.Th().Scope("col").Text(pt("emp.col.prefs")),
			app.Th().Scope("col").Text(pt("emp.routing")),
			app.Th().Scope("col").Text(pt("emp.col.actions")),
		)),
		app.TBody().Body(app.Range(p.rows).Slice(func(i int) app.UI {
			r := p.rows[i]
			return app.Tr().ID("emp-row-"+string(r.ID)).Class("emp-row").DataSet("email", r.Email).DataSet("locked", boolAttr(r.Locked)).Body(
				app.Th().Scope("row").Class("emp-name").DataSet("label", pt("emp.col.name")).Text(r.Name),
				app.Td().Class("emp-email").DataSet("label", pt("emp.col.email")).Text(r.Email),
				app.Td().Class("emp-role").DataSet("label", pt("emp.col.role")).Text(r.Role),
				app.Td().Class("emp-numbers").DataSet("label", pt("emp.col.numbers")).Body(
					app.Range(r.Numbers).Slice(func(j int) app.UI {
						return app.Span().Class("emp-number").Text(r.Numbers[j])
					}),
				),
				app.Td().Class("emp-status").DataSet("label", pt("emp.col.status")).Body(
					app.Span().Class("badge "+map[bool]string{true: "badge-locked", false: "badge-active"}[r.Locked]).Text(r.Status),
				),
				app.Td().Class("emp-prefs").DataSet("label", pt("emp.col.prefs")).Text(r.Prefs),
				app.Td().Class("emp-routing").DataSet("label", pt("emp.routing")).Body(
					app.If(canGrant(p.actor, r), func() app.UI {
						return app.Input().Type("checkbox").ID("emp-routing-"+string(r.ID)).Class("emp-routing-toggle").
							Checked(r.Routing).Attr("aria-label", pt("emp.routing.aria", r.Name)).OnChange(p.setRoutingEdit(r.ID), app.EventScope(string(r.ID)))
					}).ElseIf(r.Owner, func() app.UI { return app.Span().Text(pt("emp.owner.note")) }).
						Else(func() app.UI {
							return app.Span().Text(pt(map[bool]string{true: "emp.routing.yes", false: "emp.routing.no"}[r.Routing]))
						}),
				),
				app.Td().Class("emp-actions actions").DataSet("label", pt("emp.col.actions")).Body(
					app.If(canLock(p.actor, r), func() app.UI {
						label, icon := pt("emp.lock.aria", r.Name), "lock"
						text, class := pt("emp.lock"), "btn btn-small emp-lock btn-danger btn-quiet"
						if r.Locked {
							label, icon, text, class = pt("emp.unlock.aria", r.Name), "unlock", pt("emp.unlock"), "btn btn-small emp-lock"
						}
						return command(app.Button().Type("button").ID(lockButtonID(r.ID)).Class(class).
							DataSet("action", map[bool]string{true: "unlock", false: "lock"}[r.Locked]).
							Attr("aria-label", label).Title(label).OnClick(p.setLocked(r.ID, !r.Locked), app.EventScope(string(r.ID), r.Locked)).
							Body(Icon(icon), app.Span().Text(text)))
					}),
					app.If(mayChange(p.actor, r), func() app.UI {
						return command(app.Button().Type("button").ID(prefsButtonID(r.ID)).Class("btn btn-small emp-prefs-btn").
							Attr("aria-label", pt("emp.prefs.aria", r.Name)).Title(pt("emp.prefs.aria", r.Name)).
							OnClick(p.openPrefs(r.ID), app.EventScope(string(r.ID))).Body(Icon("bell"), app.Span().Text(pt("emp.prefs"))))
					}),
					app.If(!canLock(p.actor, r) && !mayChange(p.actor, r), func() app.UI {
						return app.Span().Class("no-action").Text(i18n.T("overview.no_action_role"))
					}),
				),
			)
		})),
	))
}

// renderCreate is the dialog "Neuen Mitarbeiter anlegen": the person, the
// role and the free numbers to assign; then its confirmation.
func (p *EmployeesPage) renderCreate() app.UI {
	const form = empFormID
	if p.created != "" {
		return Modal(empCreateID, pt("emp.create.done.title"),
			[]app.UI{app.P().ID("emp-created").Class("confirmation").Attr("role", "status").Text(pt("emp.created", p.created))},
			[]app.UI{app.Button().ID("emp-create-close").Type("button").Class("btn btn-primary").Text(pt("edit.close")).
				OnClick(func(ctx app.Context, e app.Event) { CloseModal(ctx, empCreateID) })})
	}
	input := func(id, field, label, auto, value string, set func(string)) app.UI {
		typ := "text"
		if field == "email" {
			typ = "email"
		}
		in := app.Input().ID(id).Name(field).Type(typ).Value(value).Attr("autocomplete", auto).
			OnChange(func(ctx app.Context, e app.Event) { set(ctx.JSSrc().Get("value").String()) }, app.EventScope(field))
		if p.formErr.On(field) {
			in = in.Attr("aria-invalid", "true").Attr("aria-describedby", ErrorID(form, field))
		}
		return app.Div().Class("field").Body(app.Label().For(id).Text(label), in, p.formErr.For(form, field))
	}
	body := []app.UI{
		app.Form().ID(form).Class("form").NoValidate(true).OnSubmit(p.create).Body(
			// a stable slot: the fields after it keep their elements
			app.Div().Class("summary-slot").Body(p.formErr.Summary(form, p.inputID)),
			input("emp-first", "first_name", pt("emp.first"), "given-name", p.form.FirstName, func(v string) { p.form.FirstName = v }),
			input("emp-last", "last_name", pt("emp.last"), "family-name", p.form.LastName, func(v string) { p.form.LastName = v }),
			input("emp-email", "email", pt("emp.email"), "email", p.form.Email, func(v string) { p.form.Email = v }),
			app.Div().Class("field").Body(
				app.Label().For("emp-role").Text(pt("emp.role")),
				app.Select().ID("emp-role").OnChange(func(ctx app.Context, e app.Event) {
					p.form.Role = numberdesk.Role(ctx.JSSrc().Get("value").String())
				}).Body(
					app.Option().Value(string(numberdesk.RoleEmployee)).Selected(p.form.Role == numberdesk.RoleEmployee).Text(RoleName(numberdesk.RoleEmployee)),
					app.Option().Value(string(numberdesk.RoleManager)).Selected(p.form.Role == numberdesk.RoleManager).Text(RoleName(numberdesk.RoleManager)),
				),
				p.formErr.For(form, "role"),
			),
			app.FieldSet().ID("emp-numbers").Class("field checks").Body(
				app.Legend().Text(pt("emp.numbers")),
				app.If(len(p.free) == 0, func() app.UI { return app.P().Class("hint").Text(pt("emp.numbers.none")) }),
				app.If(p.numPick != nil, func() app.UI { return p.numPick.render(pt("emp.numbers"), form, "numbers", FieldErrors{}) }),
				app.Div().Class("check-list").Body(app.Range(p.checkable()).Slice(func(i int) app.UI {
					n := p.free[i]
					id := "emp-num-" + string(n.ID)
					return app.Label().For(id).Class("check").Body(
						app.Input().Type("checkbox").ID(id).Value(n.Display()).Checked(p.form.Numbers[n.ID]).
							OnChange(func(ctx app.Context, e app.Event) { p.form.toggle(n.ID) }, app.EventScope(string(n.ID))),
						app.Span().Text(n.Display()+" · "+pt("status."+string(n.Status))),
					)
				})),
				p.formErr.For(form, "numbers"),
			),
		),
	}
	footer := []app.UI{
		app.Button().Type("button").Class("btn").Text(pt("emp.cancel")).
			OnClick(func(ctx app.Context, e app.Event) { CloseModal(ctx, empCreateID) }),
		command(app.Button().ID("emp-submit").Type("submit").Attr("form", form).Class("btn btn-primary").Text(pt("emp.create"))),
	}
	return Modal(empCreateID, pt("emp.create.title"), body, footer)
}

// renderPrefs is the dialog of an employee's notification preferences.
func (p *EmployeesPage) renderPrefs() app.UI {
	name := p.prefsFor.Name()
	if p.prefsDone {
		return Modal(empPrefsID, pt("emp.prefs.title", name),
			[]app.UI{app.P().ID("emp-prefs-saved").Class("confirmation").Attr("role", "status").Text(pt("emp.prefs.saved", name))},
			[]app.UI{app.Button().ID("emp-prefs-close").Type("button").Class("btn btn-primary").Text(pt("edit.close")).
				OnClick(func(ctx app.Context, e app.Event) { CloseModal(ctx, empPrefsID) })})
	}
	const form = "emp-prefs-form"
	body := []app.UI{
		app.Form().ID(form).Class("form").OnSubmit(p.savePrefs).Body(
			p.prefsErr.Top(form),
			app.FieldSet().Class("field checks").Body(
				app.Legend().Text(pt("emp.prefs.hint")),
				app.Range(prefCategories).Slice(func(i int) app.UI {
					c := prefCategories[i]
					id := "pref-" + string(c.Category)
					return app.Label().For(id).Class("check").Body(
						app.Input().Type("checkbox").ID(id).Checked(c.Get(p.prefs)).
							OnChange(func(ctx app.Context, e app.Event) { c.Set(&p.prefs, ctx.JSSrc().Get("checked").Bool()) }),
						app.Span().Text(pt("pref."+string(c.Category))),
					)
				}),
			),
		),
	}
	footer := []app.UI{
		app.Button().Type("button").Class("btn").Text(pt("emp.cancel")).
			OnClick(func(ctx app.Context, e app.Event) { CloseModal(ctx, empPrefsID) }),
		command(app.Button().ID("emp-prefs-save").Type("submit").Attr("form", form).Class("btn btn-primary").Text(pt("emp.save"))),
	}
	return Modal(empPrefsID, pt("emp.prefs.title", name), body, footer)
}

package wasm

import (
	"context"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// AssignDialog is "Mitarbeiter der Rufnummer zuordnen" (the person icon):
// who uses the number now, the checkbox that deletes that employee's data
// of this number including the call records, the new employee, "Speichern",
// then the confirmation.
type AssignDialog struct {
	app.Compo
	// Number is the number to assign.
	Number numberdesk.NumberID

	flow
	display   string
	holders   []*staff.Employee
	employees []*staff.Employee
	employee  string
	purge     bool
	asking    bool // the confirmation step of the purge is open
	result    *numbers.AssignResult
	// pick replaces the dropdown of employees when there are more than
	// pickerLimit (a searchable picker, picker.go; nil: the dropdown).
	pick *picker
}

const (
	assignID      = "dlg-assign"
	assignPurgeID = "dlg-assign-purge" // the confirmation step of the purge
)

// OnMount loads the number, its holders and the employees.
func (c *AssignDialog) OnMount(ctx app.Context) {
	c.openFlow(ctx, assignID, func(ctx context.Context, d API) error {
		n, err := d.Number(ctx, c.Number)
		if err != nil {
			return err
		}
		c.display = n.Display()
		if c.holders, err = d.Holders(ctx, c.Number); err != nil {
			return err
		}
		c.employees, err = d.Employees(ctx)
		c.pick = nil
		if len(c.employees) > pickerLimit {
			c.pick = &picker{ID: "assign-employee", Hint: i18n.T("picker.hint.person"), Source: employeeSource(c.employees),
				OnChange: func(ctx app.Context) { c.employee, c.err = c.pick.Value(), nil }}
		}
		return err
	})
	if c.err != nil && c.display == "" {
		c.step = stepFailed
	}
}

// submit saves the assignment; with the purge ticked it first asks (the
// data cannot be restored).
func (c *AssignDialog) submit(ctx app.Context, e app.Event) {
	// No choice: the portal's own message, not the SDK's text-field one.
	if c.err = requireChoice("wasm.AssignDialog", "employee", c.employee); c.err != nil {
		FocusByID(c.ctx, "assign-employee")
		return
	}
	if c.purge && len(c.holders) > 0 && c.employee != "" {
		c.asking = true
		ShowModal(c.ctx, assignPurgeID)
		return
	}
	c.save(ctx)
}

// confirmPurge is "Daten löschen und speichern" of the confirmation step.
func (c *AssignDialog) confirmPurge(ctx app.Context, e app.Event) {
	CloseConfirm(assignPurgeID)
	c.save(ctx)
}

func (c *AssignDialog) save(ctx app.Context) {
	c.runFlow(ctx, func(ctx context.Context, d API) error {
		r, err := d.Assign(ctx, numbers.AssignRequest{Number: c.Number,
			Employee: numberdesk.StaffID(c.employee), PurgePrevious: c.purge, IdempotencyKey: c.key})
		c.result = r
		return err
	})
}

func names(es []*staff.Employee) string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name()
	}
	return strings.Join(out, ", ")
}

func (c *AssignDialog) nameOf(id string) string {
	for _, e := range c.employees {
		if string(e.ID) == id {
			return e.Name()
		}
	}
	return id
}

// Render draws the step.
func (c *AssignDialog) Render() app.UI {
	fe := NewFieldErrors(c.err, "employee")
	var body []app.UI
	switch c.step {
	case stepLoading:
		body = []app.UI{loading()}
	case stepFailed:
		body = []app.UI{loadFailed(fe)}
	case stepDone:
		lines := []string{i18n.T("assign.done", c.display, c.nameOf(c.employee))}
		if c.result != nil && c.result.Purged > 0 {
			lines = append(lines, i18n.T("assign.purged", strconv.Itoa(c.result.Purged)))
		} else if c.purge && len(c.holders) > 0 {
			lines = append(lines, i18n.T("assign.purged_none"))
		}
		body = []app.UI{confirmation(assignID, lines...)}
	default:
		current := i18n.T("assign.nobody")
		if len(c.holders) > 0 {
			current = i18n.T("assign.current", names(c.holders))
		}
		body = []app.UI{
			app.P().Text(i18n.T("assign.number", c.display)),
			app.P().ID("assign-current").Text(current),
			app.If(len(c.holders) > 0, func() app.UI {
				return app.Div().Class("field check").Body(
					app.Input().Type("checkbox").ID("assign-purge").Checked(c.purge).
						Attr("aria-describedby", "assign-purge-hint").
						OnChange(func(ctx app.Context, e app.Event) { c.purge = e.Get("target").Get("checked").Bool() }),
					app.Label().For("assign-purge").Text(i18n.T("assign.purge", names(c.holders))),
					app.P().ID("assign-purge-hint").Class("hint warning").Text(i18n.T("assign.purge_hint")),
				)
			}),
			app.If(c.pick != nil, func() app.UI { return c.pick.render(i18n.T("assign.employee"), assignID, "employee", fe) }).
				Else(func() app.UI { return c.employeeSelect(fe) }),
			app.P().Class("hint").Text(i18n.T("assign.notify")),
			fe.Top(assignID),
		}
	}
	// With the purge ticked, "Speichern" deletes data: a red button.
	foot := footerOf(assignID, c.step, primary{label: i18n.T("assign.submit"), danger: c.purge && len(c.holders) > 0, submit: c.submit})
	if c.asking && c.step == stepForm {
		foot = append(foot, ConfirmDialog(assignPurgeID, i18n.T("assign.purge_title"),
			i18n.T("assign.purge_confirm", names(c.holders), c.display), i18n.T("assign.purge_submit"),
			c.confirmPurge, func(ctx app.Context, e app.Event) { c.asking = false }))
	}
	return Modal(assignID, i18n.T("assign.title"), body, foot)
}

// employeeSelect is the dropdown of employees (a short list).
func (c *AssignDialog) employeeSelect(fe FieldErrors) app.UI {
	return choice(assignID, "employee", "assign-employee", i18n.T("assign.employee"), fe,
		c.edited(func(v string) { c.employee = v }),
		app.Option().Value("").Selected(c.employee == "").Text(i18n.T("swap.choose")),
		app.Range(c.employees).Slice(func(i int) app.UI {
			e := c.employees[i]
			label := e.Name()
			if e.Locked {
				// shown, but not selectable: a locked employee
				// cannot be given a number
				label += " " + i18n.T("assign.locked")
			}
			return app.Option().Value(string(e.ID)).Selected(string(e.ID) == c.employee).Disabled(e.Locked).Text(label)
		}))
}

func init() {
	RegisterDialog(ActAssign, func(t Target) app.Composer { return &AssignDialog{Number: t.Numbers[0]} })
	i18n.Register(map[i18n.Key]i18n.Text{
		"assign.title":         {DE: "Mitarbeiter der Rufnummer zuordnen", EN: "Assign the number to an employee"},
		"assign.number":        {DE: "Rufnummer {1}", EN: "Number {1}"},
		"assign.current":       {DE: "Diese Rufnummer nutzt zurzeit: {1}", EN: "Currently used by: {1}"},
		"assign.nobody":        {DE: "Diese Rufnummer ist zurzeit keinem Mitarbeiter zugeordnet.", EN: "No employee uses this number at the moment."},
		"assign.purge":         {DE: "Daten von {1} löschen", EN: "Delete the data of {1}"},
		"assign.purge_hint":    {DE: "Wenn Sie hier ein Häkchen setzen, löschen Sie die Daten dieses Mitarbeiters. Auch die Einzelverbindungsnachweise dieses Mitarbeiters gehen dann verloren.", EN: "If you tick this box, this employee's data is deleted, including the employee's call records."},
		"assign.employee":      {DE: "Wer soll die Rufnummer von nun an nutzen?", EN: "Who uses the number from now on?"},
		"assign.locked":        {DE: "(gesperrt)", EN: "(locked)"},
		"assign.notify":        {DE: "Der Mitarbeiter erhält E-Mail-Benachrichtigungen über verpasste Anrufe, Faxe oder andere Ereignisse, sofern er sie in seinem Profil nicht abgewählt hat.", EN: "The employee gets e-mail notifications about missed calls, faxes and other events unless switched off in the profile."},
		"assign.submit":        {DE: "Speichern", EN: "Save"},
		"assign.done":          {DE: "Die Rufnummer {1} nutzt jetzt {2}.", EN: "The number {1} is now used by {2}."},
		"assign.purged":        {DE: "{1} Einträge des bisherigen Mitarbeiters (Einzelverbindungsnachweise, Faxjournal, Sprachnachrichten) wurden gelöscht.", EN: "{1} entries of the previous employee (call records, fax journal, voicemail) have been deleted."},
		"assign.purged_none":   {DE: "Vom bisherigen Mitarbeiter waren keine Einträge zu löschen.", EN: "The previous employee had no entries to delete."},
		"assign.purge_title":   {DE: "Daten wirklich löschen?", EN: "Really delete the data?"},
		"assign.purge_confirm": {DE: "Die Daten von {1} zur Rufnummer {2} werden gelöscht, auch die Einzelverbindungsnachweise. Das lässt sich nicht rückgängig machen.", EN: "The data of {1} for the number {2} will be deleted, including the call records. This cannot be undone."},
		"assign.purge_submit":  {DE: "Daten löschen und speichern", EN: "Delete data and save"},
		// English texts of the SDK's errors on these fields (German: the SDK's message).
		"err.invalid.employee":      {DE: "-", EN: "Please choose an employee."},
		"err.precondition.employee": {DE: "-", EN: "This employee is locked and cannot be given a number."},
	})
}

package wasm

// The presenter of the employees page ("Mitarbeiter"): the create form
// ("Neuen Mitarbeiter anlegen", with numbers), the list rows and the
// notification preferences. Pure Go.

import (
	"strings"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
)

// employeeForm is the create form.
type employeeForm struct {
	FirstName, LastName, Email string
	Role                       numberdesk.Role // employee (default) or manager
	// Numbers are the numbers ticked for assignment, by ID.
	Numbers map[numberdesk.NumberID]bool
}

// request returns the staff.CreateRequest of the form; the ticked numbers
// in the order of offered (the list the form shows).
func (f *employeeForm) request(offered []*numbers.Number) staff.CreateRequest {
	req := staff.CreateRequest{FirstName: strings.TrimSpace(f.FirstName), LastName: strings.TrimSpace(f.LastName),
		Email: strings.TrimSpace(f.Email), Role: f.Role}
	for _, n := range offered {
		if f.Numbers[n.ID] {
			req.Numbers = append(req.Numbers, n.ID)
		}
	}
	return req
}

// validate checks every field of the form at once (the SDK reports one
// error at a time): first and last name and e-mail address given, not too
// long, and the address well-formed (staff.NormalizeEmail, the SDK's own
// rule). The errors are in the order of the fields.
func (f *employeeForm) validate() FieldErrors {
	var fe FieldErrors
	for _, x := range []struct{ field, value, missing string }{
		{"first_name", f.FirstName, "emp.err.first"},
		{"last_name", f.LastName, "emp.err.last"},
		{"email", f.Email, "emp.err.email"},
	} {
		v := strings.TrimSpace(x.value)
		switch {
		case v == "":
			fe = fe.With(x.field, pt(x.missing))
		case len(v) > maxLen(x.field):
			fe = fe.With(x.field, pt("emp.err.long", maxLen(x.field)))
		case x.field == "email":
			if _, err := staff.NormalizeEmail("wasm.CreateEmployee", "email", v); err != nil {
				fe = fe.With(x.field, pt("emp.err.email_invalid"))
			}
		}
	}
	return fe
}

// maxLen is the longest value the SDK accepts in a field of the form
// (staff.CreateRequest).
func maxLen(field string) int {
	if field == "email" {
		return 254
	}
	return 100
}

// toggle ticks or unticks a number.
func (f *employeeForm) toggle(id numberdesk.NumberID) {
	if f.Numbers == nil {
		f.Numbers = map[numberdesk.NumberID]bool{}
	}
	f.Numbers[id] = !f.Numbers[id]
}

// assignable returns the numbers a new employee can get: not inactive and
// without a holder, in the order given.
func assignable(ns []*numbers.Number) []*numbers.Number {
	var out []*numbers.Number
	for _, n := range ns {
		if n.Status != numbers.StatusInactive && len(n.Holders) == 0 {
			out = append(out, n)
		}
	}
	return out
}

// staffSlot maps the Field of a staff error onto the create form's inputs
// ("first_name", "last_name", "email", "role", "numbers"); other fields,
// like "employee", go to the general line ("").
func staffSlot(field string) string {
	base := field
	if i := strings.IndexAny(base, "[."); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "first_name", "last_name", "email", "role", "numbers":
		return base
	case "number":
		return "numbers"
	}
	return ""
}

// employeeRow is one line of the list.
type employeeRow struct {
	ID      numberdesk.StaffID
	Name    string
	Email   string
	Role    string
	Locked  bool
	Status  string // "aktiv" or "gesperrt"
	Numbers []string
	Prefs   string // "alle" or the categories switched on
	Routing bool   // may edit the routing of its numbers
	Owner   bool
	role    numberdesk.Role
}

// What the acting account may do with an employee of the list; the SDK
// decides (staff.Service), the page only leaves out what would fail.

// canManage reports whether actor sees the whole list, creates employees
// and searches: owner and managers.
func canManage(actor numberdesk.Actor) bool {
	return actor.Role == numberdesk.RoleOwner || actor.Role == numberdesk.RoleManager
}

// mayChange reports whether actor may change employee r at all: the owner
// anyone, a manager employees and itself, an employee itself.
func mayChange(actor numberdesk.Actor, r employeeRow) bool {
	switch actor.Role {
	case numberdesk.RoleOwner:
		return true
	case numberdesk.RoleManager:
		return r.role == numberdesk.RoleEmployee || r.ID == actor.Staff
	case numberdesk.RoleEmployee:
		return r.ID == actor.Staff
	}
	return false
}

// canLock reports whether actor may lock or unlock r: owner and managers,
// never the owner's account nor oneself.
func canLock(actor numberdesk.Actor, r employeeRow) bool {
	return canManage(actor) && !r.Owner && r.ID != actor.Staff && mayChange(actor, r)
}

// canGrant reports whether actor may grant or revoke r's routing edits:
// the owner only, for anyone but itself.
func canGrant(actor numberdesk.Actor, r employeeRow) bool {
	return actor.Role == numberdesk.RoleOwner && !r.Owner
}

// employeeRows presents employees with the numbers they hold.
func employeeRows(es []*staff.Employee, held map[numberdesk.StaffID][]string) []employeeRow {
	out := make([]employeeRow, 0, len(es))
	for _, e := range es {
		r := employeeRow{ID: e.ID, Name: e.Name(), Email: e.Email, Role: RoleName(e.Role), Locked: e.Locked,
			Numbers: held[e.ID], Prefs: prefsSummary(e.Preferences), Routing: e.RoutingEdit, Owner: e.Role == numberdesk.RoleOwner, role: e.Role}
		r.Status = pt("emp.status.active")
		if e.Locked {
			r.Status = pt("emp.status.locked")
		}
		out = append(out, r)
	}
	return out
}

// prefCategory is one notification category with its switch in
// staff.Preferences.
type prefCategory struct {
	Category staff.Category
	Get      func(p staff.Preferences) bool
	Set      func(p *staff.Preferences, on bool)
}

// prefCategories lists the notification categories in display order.
var prefCategories = []prefCategory{
	{staff.CategoryMissedCall, func(p staff.Preferences) bool { return p.MissedCalls }, func(p *staff.Preferences, on bool) { p.MissedCalls = on }},
	{staff.CategoryFax, func(p staff.Preferences) bool { return p.Faxes }, func(p *staff.Preferences, on bool) { p.Faxes = on }},
	{staff.CategoryVoicemail, func(p staff.Preferences) bool { return p.Voicemail }, func(p *staff.Preferences, on bool) { p.Voicemail = on }},
	{staff.CategoryOther, func(p staff.Preferences) bool { return p.Other }, func(p *staff.Preferences, on bool) { p.Other = on }},
}

// prefsSummary returns "alle", "keine" or the categories switched on.
func prefsSummary(p staff.Preferences) string {
	var on []string
	for _, c := range prefCategories {
		if c.Get(p) {
			on = append(on, pt("pref."+string(c.Category)))
		}
	}
	switch len(on) {
	case len(prefCategories):
		return pt("emp.prefs.all")
	case 0:
		return pt("emp.prefs.none")
	}
	return strings.Join(on, ", ")
}

// heldNumbers maps each holder to the German display of its numbers.
func heldNumbers(ns []*numbers.Number) map[numberdesk.StaffID][]string {
	out := map[numberdesk.StaffID][]string{}
	for _, n := range ns {
		for _, h := range n.Holders {
			out[h] = append(out[h], n.Display())
		}
	}
	return out
}

// employeesTexts are the texts of the employees page.
var employeesTexts = map[string][2]string{
	"emp.title":             {"Mitarbeiter", "Employees"},
	"emp.intro":             {"Mitarbeiter-Konten mit ihren Rufnummern, Sperren und Benachrichtigungen.", "Employee accounts with their numbers, locks and notifications."},
	"emp.new":               {"Neuen Mitarbeiter anlegen", "Create employee"},
	"emp.first":             {"Vorname", "First name"},
	"emp.last":              {"Familienname", "Last name"},
	"emp.email":             {"E-Mail-Adresse", "E-mail address"},
	"emp.role":              {"Rolle", "Role"},
	"emp.numbers":           {"Rufnummern zuordnen", "Assign numbers"},
	"emp.numbers.none":      {"Keine freien Rufnummern.", "No free numbers."},
	"emp.create":            {"Mitarbeiter anlegen", "Create employee"},
	"emp.created":           {"Der Mitarbeiter %s wurde angelegt.", "Employee %s was created."},
	"emp.col.name":          {"Name", "Name"},
	"emp.col.email":         {"E-Mail", "E-mail"},
	"emp.col.role":          {"Rolle", "Role"},
	"emp.col.numbers":       {"Rufnummern", "Numbers"},
	"emp.col.status":        {"Status", "Status"},
	"emp.col.prefs":         {"Benachrichtigungen", "Notifications"},
	"emp.col.actions":       {"Aktionen", "Actions"},
	"emp.status.active":     {"aktiv", "active"},
	"emp.status.locked":     {"gesperrt", "locked"},
	"emp.lock":              {"Sperren", "Lock"},
	"emp.unlock":            {"Entsperren", "Unlock"},
	"emp.lock.aria":         {"%s sperren", "Lock %s"},
	"emp.unlock.aria":       {"%s entsperren", "Unlock %s"},
	"emp.locked.msg":        {"%s wurde gesperrt.", "%s was locked."},
	"emp.unlocked.msg":      {"%s wurde entsperrt.", "%s was unlocked."},
	"emp.prefs":             {"Benachrichtigungen", "Notifications"},
	"emp.prefs.aria":        {"Benachrichtigungen von %s bearbeiten", "Edit notifications of %s"},
	"emp.prefs.title":       {"Benachrichtigungen von %s", "Notifications of %s"},
	"emp.prefs.hint":        {"E-Mail-Benachrichtigungen (z. B. verpasste Anrufe, Faxe) erhalten:", "Receive e-mail notifications (e.g. missed calls, faxes):"},
	"emp.prefs.saved":       {"Die Benachrichtigungen von %s wurden gespeichert.", "The notifications of %s were saved."},
	"emp.prefs.all":         {"alle", "all"},
	"emp.prefs.none":        {"keine", "none"},
	"emp.routing":           {"darf Routing bearbeiten", "may edit routing"},
	"emp.routing.yes":       {"ja", "yes"},
	"emp.routing.no":        {"nein", "no"},
	"emp.routing.aria":      {"%s darf das Routing der eigenen Rufnummern bearbeiten", "%s may edit the routing of own numbers"},
	"emp.save":              {"Speichern", "Save"},
	"emp.cancel":            {"Abbrechen", "Cancel"},
	"emp.empty":             {"Noch keine Mitarbeiter.", "No employees yet."},
	"emp.search":            {"Suche nach Name oder E-Mail", "Search name or e-mail"},
	"emp.count":             {"%s Mitarbeiter", "%s employees"},
	"emp.count.one":         {"1 Mitarbeiter", "1 employee"},
	"emp.owner.note":        {"Administrator-Konto", "Administrator account"},
	"emp.numbers.count":     {"%d ausgewählt", "%d selected"},
	"emp.numbers.legend":    {"Freie Rufnummern", "Free numbers"},
	"emp.create.title":      {"Neuen Mitarbeiter anlegen", "Create employee"},
	"emp.create.done.title": {"Mitarbeiter angelegt", "Employee created"},
	"emp.err.first":         {"Bitte geben Sie den Vornamen ein.", "Enter the first name."},
	"emp.err.last":          {"Bitte geben Sie den Familiennamen ein.", "Enter the last name."},
	"emp.err.email":         {"Bitte geben Sie die E-Mail-Adresse ein.", "Enter the e-mail address."},
	"emp.err.email_invalid": {"Die E-Mail-Adresse ist ungültig.", "Enter a valid e-mail address, like name@example.com."},
	"emp.err.long":          {"Bitte geben Sie höchstens %d Zeichen ein.", "Enter at most %d characters."},
	"emp.lock.title":        {"%s sperren?", "Lock %s?"},
	"emp.lock.text":         {"%s erhält dann keine Benachrichtigungen mehr, kann keine Rufnummern zugeordnet bekommen und keine Zugangsdaten der E-Fax-App erhalten. Sie können die Sperre jederzeit wieder aufheben.", "%s will then get no notifications, cannot be assigned numbers and cannot receive e-fax app credentials. You can lift the lock at any time."},
}

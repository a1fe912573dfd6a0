package wasm

import (
	"slices"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// ActionKind is an action of a row of the number overview: an icon that
// opens a dialog.
type ActionKind string

// The actions of the seed page, in the order of the row's icons.
const (
	ActActivate   ActionKind = "activate"   // blue circle
	ActDeactivate ActionKind = "deactivate" // red circle
	ActWithdraw   ActionKind = "withdraw"   // "Deaktivierung zurücknehmen"
	ActEdit       ActionKind = "edit"       // pencil: usage type and routing
	ActSwap       ActionKind = "swap"       // crossed arrows
	ActAssign     ActionKind = "assign"     // person
	ActEfax       ActionKind = "efax"       // browser window: e-fax credentials
)

// ActionKinds lists the actions in the order of the row's icons.
var ActionKinds = []ActionKind{ActActivate, ActDeactivate, ActWithdraw, ActEdit, ActSwap, ActAssign, ActEfax}

// can reports whether a of numbers.Transitions applies to a number in state
// from when done by role.
func can(a numbers.Action, from numbers.Status, role numberdesk.Role) bool {
	for _, t := range numbers.Transitions {
		if t.Action == a && slices.Contains(t.From, from) && slices.Contains(t.Roles, role) {
			return true
		}
	}
	return false
}

// Access is what decides the actions of the acting account: its role and,
// for an employee, the owner's grant to edit the routing of its own numbers
// (staff.Employee.RoutingEdit).
type Access struct {
	Role        numberdesk.Role
	RoutingEdit bool
}

// AccessOf returns the Access of the acting employee e.
func AccessOf(e *staff.Employee) Access {
	return Access{Role: e.Role, RoutingEdit: e.Role == numberdesk.RoleEmployee && e.RoutingEdit}
}

// Applies reports whether the action k is allowed on n for a: the
// lifecycle actions by numbers.Transitions, the others by the number's state
// and usage type (edit and assign for every number that is not inactive,
// e-fax credentials only for active fax numbers), all of them for owner and
// manager only where the SDK says so. An employee with the routing grant
// edits the routing of its own voice numbers (the overview shows an
// employee only its own).
func (k ActionKind) Applies(n *numbers.Number, a Access) bool {
	role := a.Role
	manages := role == numberdesk.RoleOwner || role == numberdesk.RoleManager
	switch k {
	case ActActivate:
		return can(numbers.ActionActivate, n.Status, role)
	case ActDeactivate:
		return can(numbers.ActionDeactivate, n.Status, role)
	case ActWithdraw:
		return can(numbers.ActionWithdraw, n.Status, role)
	case ActSwap:
		return can(numbers.ActionSwapOut, n.Status, role)
	case ActEdit:
		grant := role == numberdesk.RoleEmployee && a.RoutingEdit && n.UsageType == routing.UsageVoice
		return (manages || grant) && n.Status != numbers.StatusInactive
	case ActAssign:
		return manages && n.Status != numbers.StatusInactive
	case ActEfax:
		return manages && n.Status == numbers.StatusActive &&
			(n.UsageType == routing.UsageFaxPersonal || n.UsageType == routing.UsageFaxShared)
	}
	return false
}

// Icon returns the name of the action's icon (see Icon).
func (k ActionKind) Icon() string { return string(k) }

// Label returns the action's German (or English) tooltip and aria-label.
func (k ActionKind) Label() string { return i18n.T(i18n.Key("action." + string(k))) }

// Target is what a dialog acts on: the numbers of the row (one) or of the
// bulk selection (several, activation only).
type Target struct {
	Kind    ActionKind
	Numbers []numberdesk.NumberID
}

// DialogFactory returns the dialog component for t. The component opens
// itself in OnMount (ShowModal) and emits ActionDialogClosed when it has
// closed; it runs its commands with Do, which reloads the overview.
type DialogFactory func(t Target) app.Composer

var (
	dialogsMu sync.Mutex
	dialogs   = map[ActionKind]DialogFactory{}
)

// RegisterDialog sets the dialog of action kind. Call it from an init
// function of the dialog's own file. Rows show only the actions that have a
// dialog.
func RegisterDialog(kind ActionKind, f DialogFactory) {
	dialogsMu.Lock()
	defer dialogsMu.Unlock()
	dialogs[kind] = f
}

// dialogFor returns the dialog of kind, or nil.
func dialogFor(kind ActionKind) DialogFactory {
	dialogsMu.Lock()
	defer dialogsMu.Unlock()
	return dialogs[kind]
}

// RowActions returns the actions the overview shows for n and a: those
// that apply and have a dialog, in icon order.
func RowActions(n *numbers.Number, a Access) []ActionKind {
	var out []ActionKind
	for _, k := range ActionKinds {
		if k.Applies(n, a) && dialogFor(k) != nil {
			out = append(out, k)
		}
	}
	return out
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"action.activate":   {DE: "Rufnummer aktivieren", EN: "Activate number"},
		"action.deactivate": {DE: "Rufnummer deaktivieren", EN: "Deactivate number"},
		"action.withdraw":   {DE: "Deaktivierung zurücknehmen", EN: "Withdraw deactivation"},
		"action.edit":       {DE: "Rufnummer bearbeiten", EN: "Edit number"},
		"action.swap":       {DE: "Rufnummer austauschen", EN: "Swap number"},
		"action.assign":     {DE: "Mitarbeiter zuordnen", EN: "Assign employee"},
		"action.efax":       {DE: "Zugangsdaten E-Fax-App versenden", EN: "Send e-fax app credentials"},
	})
}

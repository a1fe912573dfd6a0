package numbers

import (
	"slices"

	"github.com/numberdesk/numberdesk"
)

// Action is a command that changes the state of a number.
type Action string

// The lifecycle actions.
const (
	ActionProvision  Action = "provision"
	ActionActivate   Action = "activate"
	ActionDeactivate Action = "deactivate"
	ActionWithdraw   Action = "withdraw"
	ActionApplyDue   Action = "apply_due"
	ActionSwapOut    Action = "swap_out" // the old number of a swap
	ActionSwapIn     Action = "swap_in"  // the new number of a swap
)

// Transition is one row of the lifecycle table: Action moves a number from
// any state in From to To, and only Roles may do it. A Provision has no From
// (the number does not exist yet).
type Transition struct {
	Action Action
	From   []Status
	To     Status
	Roles  []numberdesk.Role
}

// Transitions is the number lifecycle of DESIGN.md §3 as data. The service
// consults it for every change; nothing else moves a number between states.
// Re-activating an active number is not a transition but a no-op result.
var Transitions = []Transition{
	{ActionProvision, nil, StatusNew, []numberdesk.Role{numberdesk.RoleOwner, numberdesk.RoleSystem}},
	{ActionActivate, []Status{StatusNew, StatusInactive}, StatusActive, []numberdesk.Role{numberdesk.RoleOwner}},
	{ActionDeactivate, []Status{StatusActive}, StatusDeactivationPending, []numberdesk.Role{numberdesk.RoleOwner}},
	{ActionWithdraw, []Status{StatusDeactivationPending}, StatusActive, []numberdesk.Role{numberdesk.RoleOwner}},
	{ActionApplyDue, []Status{StatusDeactivationPending}, StatusInactive, []numberdesk.Role{numberdesk.RoleSystem}},
	{ActionSwapOut, []Status{StatusActive, StatusDeactivationPending}, StatusInactive, []numberdesk.Role{numberdesk.RoleOwner}},
	{ActionSwapIn, []Status{StatusNew, StatusInactive}, StatusActive, []numberdesk.Role{numberdesk.RoleOwner}},
}

// Allowed reports whether some action of Transitions moves a number from
// state from to state to when done by role.
func Allowed(from, to Status, role numberdesk.Role) bool {
	for _, t := range Transitions {
		if t.To == to && slices.Contains(t.From, from) && slices.Contains(t.Roles, role) {
			return true
		}
	}
	return false
}

// transition returns the row of action.
func transition(a Action) Transition {
	for _, t := range Transitions {
		if t.Action == a {
			return t
		}
	}
	panic("numbers: no transition for action " + string(a))
}

// can reports whether action applies to a number in state from.
func (t Transition) can(from Status) bool { return slices.Contains(t.From, from) }

// Label returns the German label of s as the overview shows it. A new number
// of origin ported is "portiert".
func (s Status) Label() string {
	switch s {
	case StatusNew:
		return "neu"
	case StatusActive:
		return "aktiv"
	case StatusDeactivationPending:
		return "Zur Deaktivierung vorgemerkt"
	case StatusInactive:
		return "inaktiv"
	}
	return string(s)
}

// StatusLabel returns the German status label of n ("portiert" for a new
// ported number).
func (n *Number) StatusLabel() string {
	if n.Status == StatusNew && n.Origin == OriginPorted {
		return "portiert"
	}
	return n.Status.Label()
}

package numberdesk_test

import (
	"errors"
	"fmt"

	"github.com/numberdesk/numberdesk"
)

// Errors carry a stable Code and Field for programs and a German Message
// for people; errors.Is matches them by code.
func ExampleError() {
	err := fmt.Errorf("activate: %w", numberdesk.E(numberdesk.CodePrecondition, "numbers.Activate", "quote",
		"Die Kostenübersicht ist abgelaufen. Bitte rufen Sie sie erneut auf."))

	fmt.Println(errors.Is(err, numberdesk.ErrPrecondition))
	fmt.Println(numberdesk.ErrorCode(err), numberdesk.ErrorField(err))
	fmt.Println(numberdesk.ErrorMessage(err))
	// Output:
	// true
	// precondition quote
	// Die Kostenübersicht ist abgelaufen. Bitte rufen Sie sie erneut auf.
}

// Every service method checks the roles an Actor claims first, then
// verifies it against its stored employee (staff.Verify).
func ExampleActor_Check() {
	manager := numberdesk.Actor{Tenant: numberdesk.NewTenantID(), Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleManager}
	err := manager.Check("numbers.Activate", numberdesk.RoleOwner)
	fmt.Println(numberdesk.ErrorCode(err), "-", numberdesk.ErrorMessage(err))
	// Output: permission - Für diese Aktion fehlt Ihnen die Berechtigung.
}

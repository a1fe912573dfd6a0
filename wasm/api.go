package wasm

import (
	"context"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// API is what the components call: the SDK's operations for the acting
// user, who is implied. The components never know which implementation
// runs: the in-browser demo (the SDK on memstore, persisted in
// localStorage: Local) or, in server mode, the portal's /api/v1.
type API interface {
	// Actor is the acting user as the services see it; Acting its
	// employee record.
	Actor() numberdesk.Actor
	Acting() *staff.Employee
	// ActAs switches the acting user, where the backend lets the UI do so
	// (the demo's account switch).
	ActAs(ctx context.Context, id numberdesk.StaffID) error
	// Location is the tenant's time zone, Now the backend's clock.
	Location() *time.Location
	Now() time.Time

	Overview(ctx context.Context, q numbers.Query) (*numbers.Page, error)
	Number(ctx context.Context, id numberdesk.NumberID) (*numbers.Number, error)
	Holders(ctx context.Context, id numberdesk.NumberID) ([]*staff.Employee, error)
	// SwapCandidates are the numbers that may take another's place in a
	// swap: new or inactive, past any porting date, sorted by number.
	SwapCandidates(ctx context.Context) ([]*numbers.Number, error)
	Quote(ctx context.Context, ids []numberdesk.NumberID) (*numbers.Quote, error)
	Activate(ctx context.Context, req numbers.ActivateRequest) (*numbers.ActivateResult, error)
	PreviewDeactivation(ctx context.Context, id numberdesk.NumberID) (*numbers.Deactivation, error)
	Deactivate(ctx context.Context, req numbers.DeactivateRequest) (*numbers.Deactivation, error)
	Withdraw(ctx context.Context, req numbers.WithdrawRequest) (*numbers.Number, error)
	Swap(ctx context.Context, req numbers.SwapRequest) (*numbers.SwapResult, error)
	Assign(ctx context.Context, req numbers.AssignRequest) (*numbers.AssignResult, error)
	SetUsageType(ctx context.Context, req numbers.SetUsageTypeRequest) (*numbers.Number, error)
	Routing(ctx context.Context, id numberdesk.NumberID) (*routing.Settings, error)
	SaveRouting(ctx context.Context, req numbers.SaveRoutingRequest) (*routing.Settings, error)
	Events(ctx context.Context, f numberdesk.EventFilter) ([]numberdesk.Event, error)
	// History is the events of one number, oldest first
	// (numbers.Service.History: also for an employee holding it).
	History(ctx context.Context, id numberdesk.NumberID) ([]numberdesk.Event, error)

	// Employees are all of the tenant's, sorted by name; Names their names
	// by ID (for showing holders and actors).
	Employees(ctx context.Context) ([]*staff.Employee, error)
	Names(ctx context.Context) (map[numberdesk.StaffID]string, error)
	Employee(ctx context.Context, id numberdesk.StaffID) (*staff.Employee, error)
	ListEmployees(ctx context.Context, q staff.Query) ([]*staff.Employee, int, error)
	CreateEmployee(ctx context.Context, req staff.CreateRequest) (*staff.Employee, error)
	SetLocked(ctx context.Context, id numberdesk.StaffID, locked bool) (*staff.Employee, error)
	SetRoutingEdit(ctx context.Context, id numberdesk.StaffID, allowed bool) (*staff.Employee, error)
	SetPreferences(ctx context.Context, id numberdesk.StaffID, p staff.Preferences) (*staff.Employee, error)

	EfaxRecipients(ctx context.Context, number numberdesk.NumberID) (*efax.Eligibility, error)
	EfaxSend(ctx context.Context, req efax.SendRequest) (*efax.Confirmation, error)

	// Statement is the tenant's billing statement of a calendar month in
	// its time zone (owner and manager: it is computed from the event log).
	Statement(ctx context.Context, year int, month time.Month) (*billing.MonthlyStatement, error)
	// ImportCSV checks (dryRun) or imports an inventory file (csvio's
	// formats): the result names every row's problems, malformed rows
	// included; an apply is all or nothing, and key makes it safe to
	// repeat (owner only).
	ImportCSV(ctx context.Context, file []byte, dryRun bool, key string) (*numbers.ImportResult, error)
	// Export returns an export (overview, event log, statement) as a file.
	Export(ctx context.Context, x Export) (*Download, error)
}

// Local is the API of the in-browser demo: the SDK's services on the
// demo's memstore, as the acting user.
type Local struct{ D *demo.Demo }

var _ API = Local{}

func (l Local) Actor() numberdesk.Actor                                { return l.D.Actor() }
func (l Local) Acting() *staff.Employee                                { return l.D.Acting() }
func (l Local) Location() *time.Location                               { return l.D.Location() }
func (l Local) Now() time.Time                                         { return l.D.Now() }
func (l Local) ActAs(ctx context.Context, id numberdesk.StaffID) error { return l.D.ActAs(ctx, id) }

func (l Local) Overview(ctx context.Context, q numbers.Query) (*numbers.Page, error) {
	return l.D.Numbers.Overview(ctx, l.Actor(), q)
}

func (l Local) Number(ctx context.Context, id numberdesk.NumberID) (*numbers.Number, error) {
	return l.D.Numbers.Number(ctx, l.Actor(), id)
}

func (l Local) Holders(ctx context.Context, id numberdesk.NumberID) ([]*staff.Employee, error) {
	return l.D.Numbers.Holders(ctx, l.Actor(), id)
}

func (l Local) SwapCandidates(ctx context.Context) ([]*numbers.Number, error) {
	return l.D.Candidates(ctx)
}

func (l Local) Quote(ctx context.Context, ids []numberdesk.NumberID) (*numbers.Quote, error) {
	return l.D.Numbers.Quote(ctx, l.Actor(), ids)
}

func (l Local) Activate(ctx context.Context, req numbers.ActivateRequest) (*numbers.ActivateResult, error) {
	return l.D.Numbers.Activate(ctx, l.Actor(), req)
}

func (l Local) PreviewDeactivation(ctx context.Context, id numberdesk.NumberID) (*numbers.Deactivation, error) {
	return l.D.Numbers.PreviewDeactivation(ctx, l.Actor(), id)
}

func (l Local) Deactivate(ctx context.Context, req numbers.DeactivateRequest) (*numbers.Deactivation, error) {
	return l.D.Numbers.Deactivate(ctx, l.Actor(), req)
}

func (l Local) Withdraw(ctx context.Context, req numbers.WithdrawRequest) (*numbers.Number, error) {
	return l.D.Numbers.Withdraw(ctx, l.Actor(), req)
}

func (l Local) Swap(ctx context.Context, req numbers.SwapRequest) (*numbers.SwapResult, error) {
	return l.D.Numbers.Swap(ctx, l.Actor(), req)
}

func (l Local) Assign(ctx context.Context, req numbers.AssignRequest) (*numbers.AssignResult, error) {
	return l.D.Numbers.Assign(ctx, l.Actor(), req)
}

func (l Local) SetUsageType(ctx context.Context, req numbers.SetUsageTypeRequest) (*numbers.Number, error) {
	return l.D.Numbers.SetUsageType(ctx, l.Actor(), req)
}

func (l Local) Routing(ctx context.Context, id numberdesk.NumberID) (*routing.Settings, error) {
	return l.D.Numbers.Routing(ctx, l.Actor(), id)
}

func (l Local) SaveRouting(ctx context.Context, req numbers.SaveRoutingRequest) (*routing.Settings, error) {
	return l.D.Numbers.SaveRouting(ctx, l.Actor(), req)
}

func (l Local) Events(ctx context.Context, f numberdesk.EventFilter) ([]numberdesk.Event, error) {
	return l.D.Numbers.Events(ctx, l.Actor(), f)
}

func (l Local) History(ctx context.Context, id numberdesk.NumberID) ([]numberdesk.Event, error) {
	return l.D.Numbers.History(ctx, l.Actor(), id)
}

func (l Local) Employees(ctx context.Context) ([]*staff.Employee, error) { return l.D.Employees(ctx) }

func (l Local) Names(ctx context.Context) (map[numberdesk.StaffID]string, error) {
	return l.D.Names(ctx)
}

func (l Local) Employee(ctx context.Context, id numberdesk.StaffID) (*staff.Employee, error) {
	return l.D.Staff.Employee(ctx, l.Actor(), id)
}

func (l Local) ListEmployees(ctx context.Context, q staff.Query) ([]*staff.Employee, int, error) {
	return l.D.Staff.List(ctx, l.Actor(), q)
}

func (l Local) CreateEmployee(ctx context.Context, req staff.CreateRequest) (*staff.Employee, error) {
	return l.D.Staff.Create(ctx, l.Actor(), req)
}

func (l Local) SetLocked(ctx context.Context, id numberdesk.StaffID, locked bool) (*staff.Employee, error) {
	return l.D.Staff.SetLocked(ctx, l.Actor(), id, locked)
}

func (l Local) SetRoutingEdit(ctx context.Context, id numberdesk.StaffID, allowed bool) (*staff.Employee, error) {
	return l.D.Staff.SetRoutingEdit(ctx, l.Actor(), id, allowed)
}

func (l Local) SetPreferences(ctx context.Context, id numberdesk.StaffID, p staff.Preferences) (*staff.Employee, error) {
	return l.D.Staff.SetPreferences(ctx, l.Actor(), id, p)
}

func (l Local) EfaxRecipients(ctx context.Context, number numberdesk.NumberID) (*efax.Eligibility, error) {
	return l.D.Fax.Recipients(ctx, l.Actor(), number)
}

func (l Local) EfaxSend(ctx context.Context, req efax.SendRequest) (*efax.Confirmation, error) {
	return l.D.Fax.Send(ctx, l.Actor(), req)
}

func (l Local) Statement(ctx context.Context, year int, month time.Month) (*billing.MonthlyStatement, error) {
	return localStatement(ctx, l.D.Numbers, l.Actor(), l.Location(), year, month)
}

func (l Local) ImportCSV(ctx context.Context, file []byte, dryRun bool, key string) (*numbers.ImportResult, error) {
	return localImport(ctx, l.D.Numbers, l.Actor(), file, dryRun, key)
}

func (l Local) Export(ctx context.Context, x Export) (*Download, error) {
	return localExport(ctx, l, x)
}

package client

import (
	"context"
	"strconv"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/staff"
)

func staffPath(id numberdesk.StaffID, rest string) string {
	return "/api/v1/staff/" + esc(string(id)) + rest
}

// Me is who the client acts as: the employee, its stored role and tenant.
type Me struct {
	Employee *staff.Employee    `json:"employee"`
	Role     numberdesk.Role    `json:"role"`
	Tenant   *numberdesk.Tenant `json:"tenant"`
}

// Actor is the actor the API verified for m.
func (m *Me) Actor() numberdesk.Actor {
	return numberdesk.Actor{Tenant: m.Employee.Tenant, Staff: m.Employee.ID, Role: m.Role}
}

// Me returns who the client acts as.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var m Me
	_, err := c.call(ctx, "GET", "/api/v1/me", nil, nil, &m)
	return ptr(&m, err)
}

// Employees is staff.Service.List: a page of the employees by name; the
// cursor continues after a page ("" for the first).
func (c *Client) Employees(ctx context.Context, search, cursor string, limit int) (*List[*staff.Employee], error) {
	p := params{}
	p.set("search", search)
	p.set("cursor", cursor)
	p.int("limit", limit)
	var l List[*staff.Employee]
	_, err := c.call(ctx, "GET", p.path("/api/v1/staff"), nil, nil, &l)
	return ptr(&l, err)
}

// Employee is staff.Service.Employee.
func (c *Client) Employee(ctx context.Context, id numberdesk.StaffID) (*staff.Employee, error) {
	var e staff.Employee
	_, err := c.call(ctx, "GET", staffPath(id, ""), nil, nil, &e)
	return ptr(&e, err)
}

// CreateEmployee is staff.Service.Create.
func (c *Client) CreateEmployee(ctx context.Context, req staff.CreateRequest) (*staff.Employee, error) {
	var e staff.Employee
	_, err := c.call(ctx, "POST", "/api/v1/staff", nil, req, &e)
	return ptr(&e, err)
}

// UpdateEmployee is staff.Service.Update, based on the version read
// (If-Match; 0: none).
func (c *Client) UpdateEmployee(ctx context.Context, id numberdesk.StaffID, req staff.UpdateRequest, version int64) (*staff.Employee, error) {
	var e staff.Employee
	_, err := c.call(ctx, "PUT", staffPath(id, ""), matchIf(version), req, &e)
	return ptr(&e, stale(err))
}

// SetLocked is staff.Service.SetLocked.
func (c *Client) SetLocked(ctx context.Context, id numberdesk.StaffID, locked bool) (*staff.Employee, error) {
	action := "/unlock"
	if locked {
		action = "/lock"
	}
	var e staff.Employee
	_, err := c.call(ctx, "POST", staffPath(id, action), nil, struct{}{}, &e)
	return ptr(&e, err)
}

// SetPreferences is staff.Service.SetPreferences.
func (c *Client) SetPreferences(ctx context.Context, id numberdesk.StaffID, p staff.Preferences) (*staff.Employee, error) {
	var e staff.Employee
	_, err := c.call(ctx, "PUT", staffPath(id, "/preferences"), nil, p, &e)
	return ptr(&e, err)
}

// SetRoutingEdit is staff.Service.SetRoutingEdit.
func (c *Client) SetRoutingEdit(ctx context.Context, id numberdesk.StaffID, allowed bool) (*staff.Employee, error) {
	var e staff.Employee
	_, err := c.call(ctx, "PUT", staffPath(id, "/routing-edit"), nil, map[string]bool{"allowed": allowed}, &e)
	return ptr(&e, err)
}

// DeleteEmployee is staff.Service.Delete.
func (c *Client) DeleteEmployee(ctx context.Context, id numberdesk.StaffID, purge bool) error {
	_, err := c.call(ctx, "DELETE", staffPath(id, "?purge="+strconv.FormatBool(purge)), nil, nil, nil)
	return err
}

// AssignNumbers is numbers.Service.AssignNumbers.
func (c *Client) AssignNumbers(ctx context.Context, employee numberdesk.StaffID, ids []numberdesk.NumberID) error {
	_, err := c.call(ctx, "POST", staffPath(employee, "/numbers"), nil, map[string]any{"numbers": ids}, nil)
	return err
}

// ReleaseHolder is numbers.Service.ReleaseHolder.
func (c *Client) ReleaseHolder(ctx context.Context, employee numberdesk.StaffID, purge bool) error {
	_, err := c.call(ctx, "POST", staffPath(employee, "/release"), nil, map[string]any{"purge": purge}, nil)
	return err
}

// Recipients is efax.Service.Recipients with the wording of the send
// button.
type Recipients struct {
	efax.Eligibility
	ConfirmLabel string `json:"confirm_label"`
}

// EfaxRecipients is efax.Service.Recipients.
func (c *Client) EfaxRecipients(ctx context.Context, number numberdesk.NumberID) (*Recipients, error) {
	var r Recipients
	_, err := c.call(ctx, "GET", numberPath(number, "/efax/recipients"), nil, nil, &r)
	return ptr(&r, err)
}

// EfaxSend is efax.Service.Send.
func (c *Client) EfaxSend(ctx context.Context, number numberdesk.NumberID, employees []numberdesk.StaffID) (*efax.Confirmation, error) {
	var conf efax.Confirmation
	_, err := c.call(ctx, "POST", numberPath(number, "/efax/send"), nil, map[string]any{"staff": employees}, &conf)
	return ptr(&conf, err)
}

// EfaxCredentials is efax.Service.Credentials.
func (c *Client) EfaxCredentials(ctx context.Context, number numberdesk.NumberID) ([]*efax.Credential, error) {
	var l List[*efax.Credential]
	_, err := c.call(ctx, "GET", numberPath(number, "/efax/credentials"), nil, nil, &l)
	return l.Items, err
}

// EfaxRevoke is efax.Service.Revoke.
func (c *Client) EfaxRevoke(ctx context.Context, number numberdesk.NumberID, employee numberdesk.StaffID) error {
	_, err := c.call(ctx, "DELETE", numberPath(number, "/efax/credentials/"+esc(string(employee))), nil, nil, nil)
	return err
}

// Events is numbers.Service.Events: the tenant's events after the
// sequence number after (0: from the start), oldest first.
func (c *Client) Events(ctx context.Context, f numberdesk.EventFilter) (*List[numberdesk.Event], error) {
	p := params{}
	if f.AfterSeq > 0 {
		p.set("after", strconv.FormatInt(f.AfterSeq, 10))
	}
	p.set("number", string(f.Number))
	for _, t := range f.Types {
		p.add("type", string(t))
	}
	p.int("limit", f.Limit)
	var l List[numberdesk.Event]
	_, err := c.call(ctx, "GET", p.path("/api/v1/events"), nil, nil, &l)
	return ptr(&l, err)
}

// Deliveries are the tenant's outbox deliveries in a state (default
// failed).
func (c *Client) Deliveries(ctx context.Context, state notify.State, cursor string, limit int) (*List[notify.Delivery], error) {
	p := params{}
	p.set("state", string(state))
	p.set("cursor", cursor)
	p.int("limit", limit)
	var l List[notify.Delivery]
	_, err := c.call(ctx, "GET", p.path("/api/v1/deliveries"), nil, nil, &l)
	return ptr(&l, err)
}

// matchIf is If-Match of version, none for 0.
func matchIf(version int64) map[string]string {
	if version == 0 {
		return nil
	}
	return ifMatch(version)
}

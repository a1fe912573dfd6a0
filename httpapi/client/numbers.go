package client

import (
	"context"
	"errors"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

func numberPath(id numberdesk.NumberID, rest string) string {
	return "/api/v1/numbers/" + esc(string(id)) + rest
}

// Overview is numbers.Service.Overview: a page of the numbers the actor
// may see. Offset is not sent: the API pages by cursor.
func (c *Client) Overview(ctx context.Context, q numbers.Query) (*numbers.Page, error) {
	p := params{}
	for _, s := range q.Statuses {
		p.add("status", string(s))
	}
	for _, u := range q.UsageTypes {
		p.add("usage_type", string(u))
	}
	p.set("holder", string(q.Holder))
	p.flag("unassigned", q.Unassigned)
	p.set("search", q.Search)
	p.flag("contains", q.Contains)
	p.set("sort", string(q.Sort))
	p.flag("desc", q.Desc)
	p.set("cursor", q.Cursor)
	p.int("offset", q.Offset)
	p.int("limit", q.Limit)
	var l List[*numbers.Number]
	if _, err := c.call(ctx, "GET", p.path("/api/v1/numbers"), nil, nil, &l); err != nil {
		return nil, err
	}
	return &numbers.Page{Numbers: l.Items, Total: l.Total, TotalIsLowerBound: l.TotalIsLowerBound, NextCursor: l.NextCursor, Offset: q.Offset, Limit: q.Limit}, nil
}

// Lookup is the number with this E.164, in any usual format.
func (c *Client) Lookup(ctx context.Context, e164 string) (*numbers.Number, error) {
	var n numbers.Number
	p := params{}
	p.set("e164", e164)
	_, err := c.call(ctx, "GET", p.path("/api/v1/numbers/lookup"), nil, nil, &n)
	return ptr(&n, err)
}

// Number is numbers.Service.Number.
func (c *Client) Number(ctx context.Context, id numberdesk.NumberID) (*numbers.Number, error) {
	var n numbers.Number
	_, err := c.call(ctx, "GET", numberPath(id, ""), nil, nil, &n)
	return ptr(&n, err)
}

// History is numbers.Service.History.
func (c *Client) History(ctx context.Context, id numberdesk.NumberID) ([]numberdesk.Event, error) {
	var l List[numberdesk.Event]
	_, err := c.call(ctx, "GET", numberPath(id, "/history"), nil, nil, &l)
	return l.Items, err
}

// Holder is who uses a number, as the assignment dialog shows it.
type Holder struct {
	ID    numberdesk.StaffID `json:"id"`
	Name  string             `json:"name"`
	Email string             `json:"email"`
}

// Holders is numbers.Service.Holders.
func (c *Client) Holders(ctx context.Context, id numberdesk.NumberID) ([]Holder, error) {
	var l List[Holder]
	_, err := c.call(ctx, "GET", numberPath(id, "/holders"), nil, nil, &l)
	return l.Items, err
}

// Provision is numbers.Service.Provision.
func (c *Client) Provision(ctx context.Context, req numbers.ProvisionRequest) ([]*numbers.Number, error) {
	var l List[*numbers.Number]
	_, err := c.call(ctx, "POST", "/api/v1/numbers", nil, req, &l)
	return l.Items, err
}

// Quote is a numbers.Quote with the wording of the button that accepts it.
type Quote struct {
	numbers.Quote
	ConfirmLabel string `json:"confirm_label"`
}

// Quote is numbers.Service.Quote.
func (c *Client) Quote(ctx context.Context, ids []numberdesk.NumberID) (*Quote, error) {
	var q Quote
	_, err := c.call(ctx, "POST", "/api/v1/quotes", nil, map[string]any{"numbers": ids}, &q)
	return ptr(&q, err)
}

// Activate is numbers.Service.Activate.
func (c *Client) Activate(ctx context.Context, quoteToken string) (*numbers.ActivateResult, error) {
	var r numbers.ActivateResult
	_, err := c.call(ctx, "POST", "/api/v1/activations", nil, map[string]any{"quote_token": quoteToken}, &r)
	return ptr(&r, err)
}

// Deactivation is a numbers.Deactivation with the dialog's text and the
// wording of its button.
type Deactivation struct {
	numbers.Deactivation
	Message      string `json:"message"`
	ConfirmLabel string `json:"confirm_label"`
}

// PreviewDeactivation is numbers.Service.PreviewDeactivation.
func (c *Client) PreviewDeactivation(ctx context.Context, id numberdesk.NumberID) (*Deactivation, error) {
	var d Deactivation
	_, err := c.call(ctx, "GET", numberPath(id, "/deactivation"), nil, nil, &d)
	return ptr(&d, err)
}

// Deactivate is numbers.Service.Deactivate.
func (c *Client) Deactivate(ctx context.Context, id numberdesk.NumberID) (*Deactivation, error) {
	var d Deactivation
	_, err := c.call(ctx, "POST", numberPath(id, "/deactivate"), nil, struct{}{}, &d)
	return ptr(&d, err)
}

// Withdraw is numbers.Service.Withdraw.
func (c *Client) Withdraw(ctx context.Context, id numberdesk.NumberID) (*numbers.Number, error) {
	var n numbers.Number
	_, err := c.call(ctx, "POST", numberPath(id, "/withdraw"), nil, struct{}{}, &n)
	return ptr(&n, err)
}

// Swap is numbers.Service.Swap.
func (c *Client) Swap(ctx context.Context, old, nw numberdesk.NumberID) (*numbers.SwapResult, error) {
	var r numbers.SwapResult
	_, err := c.call(ctx, "POST", numberPath(old, "/swap"), nil, map[string]any{"new": nw}, &r)
	return ptr(&r, err)
}

// Assign is numbers.Service.Assign.
func (c *Client) Assign(ctx context.Context, id numberdesk.NumberID, employee numberdesk.StaffID, purgePrevious bool) (*numbers.AssignResult, error) {
	var r numbers.AssignResult
	_, err := c.call(ctx, "POST", numberPath(id, "/assign"), nil, map[string]any{"employee": employee, "purge_previous": purgePrevious}, &r)
	return ptr(&r, err)
}

// Unassign is numbers.Service.Unassign.
func (c *Client) Unassign(ctx context.Context, id numberdesk.NumberID, employee numberdesk.StaffID, purge bool) (*numbers.AssignResult, error) {
	var r numbers.AssignResult
	_, err := c.call(ctx, "POST", numberPath(id, "/unassign"), nil, map[string]any{"employee": employee, "purge": purge}, &r)
	return ptr(&r, err)
}

// AddMember is numbers.Service.AddMember.
func (c *Client) AddMember(ctx context.Context, id numberdesk.NumberID, employee numberdesk.StaffID) (*numbers.AssignResult, error) {
	var r numbers.AssignResult
	_, err := c.call(ctx, "POST", numberPath(id, "/members"), nil, map[string]any{"employee": employee}, &r)
	return ptr(&r, err)
}

// SetUsageType is numbers.Service.SetUsageType.
func (c *Client) SetUsageType(ctx context.Context, id numberdesk.NumberID, usage routing.UsageType, confirm bool) (*numbers.Number, error) {
	var n numbers.Number
	_, err := c.call(ctx, "POST", numberPath(id, "/usage-type"), nil, map[string]any{"usage_type": usage, "confirm": confirm}, &n)
	return ptr(&n, err)
}

// Routing is numbers.Service.Routing.
func (c *Client) Routing(ctx context.Context, id numberdesk.NumberID) (*routing.Settings, error) {
	var s routing.Settings
	_, err := c.call(ctx, "GET", numberPath(id, "/routing"), nil, nil, &s)
	return ptr(&s, err)
}

// SaveRouting is numbers.Service.SaveRouting, based on the version read
// (If-Match; a stale one is CodeConflict with status 412).
func (c *Client) SaveRouting(ctx context.Context, req numbers.SaveRoutingRequest) (*routing.Settings, error) {
	var s routing.Settings
	_, err := c.call(ctx, "PUT", numberPath(req.Number, "/routing"), ifMatch(req.Version),
		map[string]any{"plan": req.Plan, "overrides": req.Overrides}, &s)
	return ptr(&s, stale(err))
}

// PreviewRouting is numbers.Service.PreviewRouting.
func (c *Client) PreviewRouting(ctx context.Context, id numberdesk.NumberID, from, to time.Time) ([]routing.Change, error) {
	p := params{}
	p.set("from", from.Format(time.RFC3339))
	p.set("to", to.Format(time.RFC3339))
	var l List[routing.Change]
	_, err := c.call(ctx, "GET", p.path(numberPath(id, "/routing/preview")), nil, nil, &l)
	return l.Items, err
}

// RouteCall is numbers.Service.RouteCall with every target answering.
func (c *Client) RouteCall(ctx context.Context, id numberdesk.NumberID, call routing.Call, at time.Time) (routing.Decision, error) {
	p := params{}
	p.set("from", string(call.From))
	p.flag("anonymous", call.Anonymous)
	if !at.IsZero() {
		p.set("at", at.Format(time.RFC3339Nano))
	}
	var d routing.Decision
	_, err := c.call(ctx, "GET", p.path(numberPath(id, "/route")), nil, nil, &d)
	return d, err
}

// Blocklist is numbers.Service.Blocklist.
func (c *Client) Blocklist(ctx context.Context) (*routing.TenantBlocklist, error) {
	var b routing.TenantBlocklist
	_, err := c.call(ctx, "GET", "/api/v1/blocklist", nil, nil, &b)
	return ptr(&b, err)
}

// SaveBlocklist is numbers.Service.SaveBlocklist.
func (c *Client) SaveBlocklist(ctx context.Context, list routing.Blocklist, version int64) (*routing.TenantBlocklist, error) {
	var b routing.TenantBlocklist
	_, err := c.call(ctx, "PUT", "/api/v1/blocklist", ifMatch(version), list, &b)
	return ptr(&b, stale(err))
}

// Records is numbers.Service.Records; the cursor continues after a page
// ("" for the first).
func (c *Client) Records(ctx context.Context, q numbers.RecordQuery, cursor string) (*List[*numbers.Record], error) {
	p := params{}
	p.set("number", string(q.Number))
	for _, k := range q.Kinds {
		p.add("kind", string(k))
	}
	if !q.From.IsZero() {
		p.set("from", q.From.Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		p.set("to", q.To.Format(time.RFC3339Nano))
	}
	p.set("cursor", cursor)
	p.int("limit", q.Limit)
	var l List[*numbers.Record]
	_, err := c.call(ctx, "GET", p.path("/api/v1/records"), nil, nil, &l)
	return ptr(&l, err)
}

// stale turns the API's 412 (a stale If-Match) into the SDK's
// CodeConflict, as the services report a stale version.
func stale(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Err.Code == "stale" {
		e.Err.Code = numberdesk.CodeConflict
	}
	return err
}

func ptr[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

package wasm

import (
	"context"
	"slices"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/httpapi/client"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// Remote is the API of server mode: the portal's /api/v1 through the API
// client (in the browser: fetch), as the user the session names. Its
// methods block until the server has answered: call them off the UI
// goroutine.
type Remote struct {
	C  *client.Client
	me *client.Me
}

var _ API = (*Remote)(nil)

// NewRemote returns the API of the session c authenticates: it loads who
// that is (401 without a session: the login page is next).
func NewRemote(ctx context.Context, c *client.Client) (*Remote, error) {
	me, err := c.Me(ctx)
	if err != nil {
		return nil, err
	}
	return &Remote{C: c, me: me}, nil
}

func (r *Remote) Actor() numberdesk.Actor  { return r.me.Actor() }
func (r *Remote) Acting() *staff.Employee  { return r.me.Employee }
func (r *Remote) Location() *time.Location { return r.me.Tenant.Location() }
func (r *Remote) Now() time.Time           { return time.Now() }

// ActAs is not the server's way: another person logs in as themselves.
func (r *Remote) ActAs(context.Context, numberdesk.StaffID) error {
	return numberdesk.E(numberdesk.CodePrecondition, "wasm.ActAs", "employee", "Bitte melden Sie sich ab und als der andere Mitarbeiter an.")
}

func (r *Remote) Overview(ctx context.Context, q numbers.Query) (*numbers.Page, error) {
	return r.C.Overview(ctx, q)
}

func (r *Remote) Number(ctx context.Context, id numberdesk.NumberID) (*numbers.Number, error) {
	return r.C.Number(ctx, id)
}

// Holders are the number's holders as the API shows them: ID, name (in
// FirstName) and e-mail.
func (r *Remote) Holders(ctx context.Context, id numberdesk.NumberID) ([]*staff.Employee, error) {
	hs, err := r.C.Holders(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]*staff.Employee, len(hs))
	for i, h := range hs {
		out[i] = &staff.Employee{ID: h.ID, Tenant: r.me.Tenant.ID, FirstName: h.Name, Email: h.Email}
	}
	return out, nil
}

func (r *Remote) SwapCandidates(ctx context.Context) ([]*numbers.Number, error) {
	p, err := r.C.Overview(ctx, numbers.Query{Statuses: []numbers.Status{numbers.StatusNew, numbers.StatusInactive}, Limit: numbers.MaxPageSize})
	if err != nil {
		return nil, err
	}
	now := r.Now()
	return slices.DeleteFunc(p.Numbers, func(n *numbers.Number) bool {
		return !n.PortingDate.IsZero() && now.Before(n.PortingDate)
	}), nil
}

func (r *Remote) Quote(ctx context.Context, ids []numberdesk.NumberID) (*numbers.Quote, error) {
	q, err := r.C.Quote(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &q.Quote, nil
}

func (r *Remote) Activate(ctx context.Context, req numbers.ActivateRequest) (*numbers.ActivateResult, error) {
	return r.C.Activate(keyed(ctx, req.IdempotencyKey), req.QuoteToken)
}

func (r *Remote) PreviewDeactivation(ctx context.Context, id numberdesk.NumberID) (*numbers.Deactivation, error) {
	d, err := r.C.PreviewDeactivation(ctx, id)
	if err != nil {
		return nil, err
	}
	return &d.Deactivation, nil
}

func (r *Remote) Deactivate(ctx context.Context, req numbers.DeactivateRequest) (*numbers.Deactivation, error) {
	d, err := r.C.Deactivate(keyed(ctx, req.IdempotencyKey), req.Number)
	if err != nil {
		return nil, err
	}
	return &d.Deactivation, nil
}

func (r *Remote) Withdraw(ctx context.Context, req numbers.WithdrawRequest) (*numbers.Number, error) {
	return r.C.Withdraw(keyed(ctx, req.IdempotencyKey), req.Number)
}

func (r *Remote) Swap(ctx context.Context, req numbers.SwapRequest) (*numbers.SwapResult, error) {
	return r.C.Swap(keyed(ctx, req.IdempotencyKey), req.Old, req.New)
}

func (r *Remote) Assign(ctx context.Context, req numbers.AssignRequest) (*numbers.AssignResult, error) {
	return r.C.Assign(keyed(ctx, req.IdempotencyKey), req.Number, req.Employee, req.PurgePrevious)
}

func (r *Remote) SetUsageType(ctx context.Context, req numbers.SetUsageTypeRequest) (*numbers.Number, error) {
	return r.C.SetUsageType(ctx, req.Number, req.UsageType, req.Confirm)
}

func (r *Remote) Routing(ctx context.Context, id numberdesk.NumberID) (*routing.Settings, error) {
	return r.C.Routing(ctx, id)
}

func (r *Remote) SaveRouting(ctx context.Context, req numbers.SaveRoutingRequest) (*routing.Settings, error) {
	return r.C.SaveRouting(ctx, req)
}

// Events reads the log, newest first with f.Desc: the API pages oldest
// first after a sequence number, so it reads every page and reverses.
func (r *Remote) Events(ctx context.Context, f numberdesk.EventFilter) ([]numberdesk.Event, error) {
	var out []numberdesk.Event
	page := numberdesk.EventFilter{Number: f.Number, Types: f.Types, AfterSeq: f.AfterSeq, Limit: client.MaxLimit}
	for {
		l, err := r.C.Events(ctx, page)
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if l.NextCursor == "" || len(l.Items) == 0 {
			break
		}
		page.AfterSeq = l.Items[len(l.Items)-1].Seq
	}
	if f.Desc {
		slices.Reverse(out)
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Employees are the tenant's employees, for owner and manager; an
// employee sees itself only (the API lists staff to owner and manager).
func (r *Remote) Employees(ctx context.Context) ([]*staff.Employee, error) {
	if r.me.Role == numberdesk.RoleEmployee {
		return []*staff.Employee{r.me.Employee}, nil
	}
	var out []*staff.Employee
	cursor := ""
	for {
		l, err := r.C.Employees(ctx, "", cursor, client.MaxLimit)
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if cursor = l.NextCursor; cursor == "" {
			return out, nil
		}
	}
}

func (r *Remote) Names(ctx context.Context) (map[numberdesk.StaffID]string, error) {
	es, err := r.Employees(ctx)
	if err != nil {
		return nil, err
	}
	return demo.NamesOf(es), nil
}

func (r *Remote) Employee(ctx context.Context, id numberdesk.StaffID) (*staff.Employee, error) {
	return r.C.Employee(ctx, id)
}

func (r *Remote) ListEmployees(ctx context.Context, q staff.Query) ([]*staff.Employee, int, error) {
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	l, err := r.C.Employees(ctx, q.Search, "", min(limit, client.MaxLimit))
	if err != nil {
		return nil, 0, err
	}
	return l.Items, l.Total, nil
}

func (r *Remote) CreateEmployee(ctx context.Context, req staff.CreateRequest) (*staff.Employee, error) {
	return r.C.CreateEmployee(ctx, req)
}

func (r *Remote) SetLocked(ctx context.Context, id numberdesk.StaffID, locked bool) (*staff.Employee, error) {
	return r.C.SetLocked(ctx, id, locked)
}

func (r *Remote) SetRoutingEdit(ctx context.Context, id numberdesk.StaffID, allowed bool) (*staff.Employee, error) {
	return r.C.SetRoutingEdit(ctx, id, allowed)
}

func (r *Remote) SetPreferences(ctx context.Context, id numberdesk.StaffID, p staff.Preferences) (*staff.Employee, error) {
	return r.C.SetPreferences(ctx, id, p)
}

func (r *Remote) EfaxRecipients(ctx context.Context, number numberdesk.NumberID) (*efax.Eligibility, error) {
	el, err := r.C.EfaxRecipients(ctx, number)
	if err != nil {
		return nil, err
	}
	return &el.Eligibility, nil
}

func (r *Remote) EfaxSend(ctx context.Context, req efax.SendRequest) (*efax.Confirmation, error) {
	return r.C.EfaxSend(keyed(ctx, req.IdempotencyKey), req.Number, req.Staff)
}

// keyed is ctx with the dialog's idempotency key, if it has one.
func keyed(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return client.WithIdempotencyKey(ctx, key)
}

package wasm

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/httpapi/client"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// Remote is the API of server mode: the portal's /api/v1 through the API
// client (in the browser: fetch), as the user the session names. Its
// methods block until the server has answered (in the browser, the app
// goes on with further input after the answer; the page itself stays
// responsive meanwhile).
//
// Offline, the last answers stay readable: Remote remembers who the user
// is, the employees and the overview pages it loaded (the last
// maxOverviews pages, in its Memory), and answers those reads from
// there while the server is unreachable. Commands are never answered from
// memory.
type Remote struct {
	C  *client.Client
	me *client.Me

	reachable atomic.Bool
	mem       Memory
	mu        sync.Mutex
	recalled  map[string]json.RawMessage
	order     []string // keys of recalled, the newest last
}

var _ API = (*Remote)(nil)

// Memory keeps what Remote remembers for offline use, as one blob: the
// portal keeps it in localStorage. Save(nil) forgets it.
type Memory interface {
	Load() []byte
	Save(blob []byte)
}

// maxOverviews bounds the overview pages Remote remembers (besides who
// the user is and the employees).
const maxOverviews = 6

// overviewKey is the prefix of the remembered overview pages' keys.
const overviewKey = "overview "

// NewRemote returns the API of the session that t's requests carry: it
// loads who that is. Without a session the error has status 401 (the login
// page is next). When the server is unreachable (client.ErrUnreachable)
// but mem remembers the user, it returns the Remote, offline, together
// with the error; mem may be nil.
func NewRemote(ctx context.Context, t client.Transport, mem Memory) (*Remote, error) {
	r := &Remote{mem: mem, recalled: map[string]json.RawMessage{}}
	r.C = client.New(watched{t, &r.reachable})
	if mem != nil {
		var saved struct {
			Entries map[string]json.RawMessage `json:"entries"`
			Order   []string                   `json:"order"`
		}
		if json.Unmarshal(mem.Load(), &saved) == nil && saved.Entries != nil {
			r.recalled, r.order = saved.Entries, saved.Order
		}
	}
	me, err := r.C.Me(ctx)
	if err == nil {
		r.remember("me", me)
	} else if !errors.Is(err, client.ErrUnreachable) || !r.recall("me", &me) {
		if client.Status(err) == 401 {
			r.Forget()
		}
		return nil, err
	}
	r.me = me
	return r, err
}

// Reachable reports whether the server answered the last request (with
// anything, a problem too).
func (r *Remote) Reachable() bool { return r.reachable.Load() }

// SetReachable records what another channel (the change feed, the
// browser's online event) learnt about the connection.
func (r *Remote) SetReachable(up bool) { r.reachable.Store(up) }

// Forget drops what Remote remembers, here and in its Memory (at logout).
func (r *Remote) Forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.recalled)
	r.order = nil
	if r.mem != nil {
		r.mem.Save(nil)
	}
}

// remember keeps v under key, dropping the oldest overview page beyond
// maxOverviews.
func (r *Remote) remember(key string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.order = append(slices.DeleteFunc(r.order, func(k string) bool { return k == key }), key)
	r.recalled[key] = b
	pages := 0
	for _, k := range slices.Backward(r.order) {
		if strings.HasPrefix(k, overviewKey) {
			if pages++; pages > maxOverviews {
				delete(r.recalled, k)
			}
		}
	}
	r.order = slices.DeleteFunc(r.order, func(k string) bool { _, ok := r.recalled[k]; return !ok })
	if r.mem == nil {
		return
	}
	blob, err := json.Marshal(map[string]any{"entries": r.recalled, "order": r.order})
	if err == nil {
		r.mem.Save(blob)
	}
}

// recall decodes the remembered answer of key into v.
func (r *Remote) recall(key string, v any) bool {
	r.mu.Lock()
	b, ok := r.recalled[key]
	r.mu.Unlock()
	return ok && json.Unmarshal(b, v) == nil
}

// readable is a read that stays readable offline: its answer is
// remembered under key, and recalled when the server is unreachable.
func readable[T any](r *Remote, key string, v T, err error) (T, error) {
	if err == nil {
		r.remember(key, v)
		return v, nil
	}
	var old T
	if errors.Is(err, client.ErrUnreachable) && r.recall(key, &old) {
		return old, nil
	}
	return v, err
}

// watched is a Transport that records whether the server answered.
type watched struct {
	client.Transport
	up *atomic.Bool
}

func (w watched) RoundTrip(ctx context.Context, req *client.Request) (*client.Response, error) {
	resp, err := w.Transport.RoundTrip(ctx, req)
	w.up.Store(err == nil)
	return resp, err
}

func (r *Remote) Actor() numberdesk.Actor  { return r.me.Actor() }
func (r *Remote) Acting() *staff.Employee  { return r.me.Employee }
func (r *Remote) Location() *time.Location { return r.me.Tenant.Location() }
func (r *Remote) Now() time.Time           { return time.Now() }

// ActAs is not the server's way: another person logs in as themselves.
func (r *Remote) ActAs(context.Context, numberdesk.StaffID) error {
	return numberdesk.E(numberdesk.CodePrecondition, "wasm.ActAs", "employee", "Bitte melden Sie sich ab und als der andere Mitarbeiter an.")
}

// Overview stays readable offline: the pages loaded last (by query).
func (r *Remote) Overview(ctx context.Context, q numbers.Query) (*numbers.Page, error) {
	key, _ := json.Marshal(q)
	p, err := r.C.Overview(ctx, q)
	return readable(r, overviewKey+string(key), p, err)
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

// History is the events of one number, oldest first.
func (r *Remote) History(ctx context.Context, id numberdesk.NumberID) ([]numberdesk.Event, error) {
	return r.C.History(ctx, id)
}

// Employees are the tenant's employees, for owner and manager; an
// employee sees itself only (the API lists staff to owner and manager).
// They stay readable offline.
func (r *Remote) Employees(ctx context.Context) ([]*staff.Employee, error) {
	if r.me.Role == numberdesk.RoleEmployee {
		return []*staff.Employee{r.me.Employee}, nil
	}
	es, err := r.employees(ctx)
	return readable(r, "employees", es, err)
}

func (r *Remote) employees(ctx context.Context) ([]*staff.Employee, error) {
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

// Statement is the server's statement of the month (its billing policy).
func (r *Remote) Statement(ctx context.Context, year int, month time.Month) (*billing.MonthlyStatement, error) {
	return r.C.Statement(ctx, MonthKey(year, month))
}

// ImportCSV sends the file to the server, which reads it (csvio) and
// imports it; key is the Idempotency-Key of the apply.
func (r *Remote) ImportCSV(ctx context.Context, file []byte, dryRun bool, key string) (*numbers.ImportResult, error) {
	return r.C.ImportCSV(ctx, file, dryRun, key)
}

// Export is the API's export as a link for the browser to download (the
// server names the file); the statement as JSON is the statement itself.
func (r *Remote) Export(ctx context.Context, x Export) (*Download, error) {
	if _, err := x.variant("wasm.Export"); err != nil {
		return nil, err
	}
	f := client.Excel
	if x.Format == FormatRFC4180 {
		f = client.RFC4180
	}
	var path string
	switch x.Kind {
	case ExportNumbers:
		path = client.ExportNumbersPath(x.Query, f)
	case ExportEvents:
		path = client.ExportEventsPath(numberdesk.EventFilter{}, f)
	case ExportStatement:
		if x.Format == FormatJSON {
			st, err := r.Statement(ctx, x.Year, x.Month)
			if err != nil {
				return nil, err
			}
			b, err := json.MarshalIndent(st, "", "  ")
			if err != nil {
				return nil, numberdesk.Internal("wasm.Export", err)
			}
			return &Download{Name: DownloadName(x, r.Now(), r.Location()), Type: mediaType(FormatJSON), Data: b}, nil
		}
		path = client.StatementCSVPath(MonthKey(x.Year, x.Month), f)
	default:
		return nil, numberdesk.E(numberdesk.CodeInvalid, "wasm.Export", "kind", "Dieser Export ist unbekannt.")
	}
	// The browser downloads the export itself: the fetch transport reads
	// a response as text, which drops the Excel form's byte order mark.
	return &Download{Name: DownloadName(x, r.Now(), r.Location()), Type: mediaType(x.Format), URL: path}, nil
}

// keyed is ctx with the dialog's idempotency key, if it has one.
func keyed(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return client.WithIdempotencyKey(ctx, key)
}

package httpapi

import (
	"net/http"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
)

// The confirmation texts of the seed page, sent with what a client shows
// before the command, so that a client needs no copy of them.
const (
	ConfirmDeactivate = "Rufnummer jetzt deaktivieren"
	ConfirmSwap       = "Rufnummerntausch jetzt abschließen"
)

func (h *handler) numberRoutes() {
	h.handle("GET /api/v1/numbers", h.overview)
	h.handle("POST /api/v1/numbers", h.provision)
	h.handle("GET /api/v1/numbers/lookup", h.lookup)
	h.handle("GET /api/v1/numbers/{id}", h.number)
	h.handle("GET /api/v1/numbers/{id}/history", h.history)
	h.handle("GET /api/v1/numbers/{id}/holders", h.holders)
	h.handle("POST /api/v1/quotes", h.quote)
	h.handle("POST /api/v1/activations", h.activate)
	h.handle("GET /api/v1/numbers/{id}/deactivation", h.previewDeactivation)
	h.handle("POST /api/v1/numbers/{id}/deactivate", h.deactivate)
	h.handle("POST /api/v1/numbers/{id}/withdraw", h.withdraw)
	h.handle("GET /api/v1/numbers/{id}/swap", h.previewSwap)
	h.handle("POST /api/v1/numbers/{id}/swap", h.swap)
	h.handle("POST /api/v1/numbers/{id}/assign", h.assign)
	h.handle("POST /api/v1/numbers/{id}/unassign", h.unassign)
	h.handle("POST /api/v1/numbers/{id}/members", h.addMember)
	h.handle("POST /api/v1/numbers/{id}/usage-type", h.setUsageType)
	h.handle("GET /api/v1/numbers/{id}/routing", h.routing)
	h.handle("PUT /api/v1/numbers/{id}/routing", h.saveRouting)
	h.handle("GET /api/v1/numbers/{id}/routing/preview", h.previewRouting)
	h.handle("GET /api/v1/numbers/{id}/route", h.routeCall)
	h.handle("GET /api/v1/blocklist", h.blocklist)
	h.handle("PUT /api/v1/blocklist", h.saveBlocklist)
	h.handle("GET /api/v1/records", h.records)
}

func numberID(r *http.Request) numberdesk.NumberID { return numberdesk.NumberID(r.PathValue("id")) }

// GET /numbers: the overview. Parameters: status, usage_type (repeated or
// comma-separated), holder, unassigned, search, contains, sort, desc,
// cursor, offset, limit.
func (h *handler) overview(r *http.Request, a numberdesk.Actor) (reply, error) {
	q := newQuery(r)
	in := numbers.Query{
		Holder: numberdesk.StaffID(q.str("holder")), Unassigned: q.boolean("unassigned"),
		Search: q.str("search"), Contains: q.boolean("contains"),
		Sort: numbers.SortKey(q.str("sort")), Desc: q.boolean("desc"),
		Cursor: q.str("cursor"), Offset: q.offset(), Limit: q.limit(numbers.DefaultPage),
	}
	for _, s := range q.list("status") {
		in.Statuses = append(in.Statuses, numbers.Status(s))
	}
	for _, u := range q.list("usage_type") {
		in.UsageTypes = append(in.UsageTypes, routing.UsageType(u))
	}
	if q.err != nil {
		return reply{}, q.err
	}
	page, err := h.cfg.Numbers.Overview(r.Context(), a, in)
	if err != nil {
		return reply{}, err
	}
	return ok(List[*numbers.Number]{Items: page.Numbers, NextCursor: page.NextCursor, Total: page.Total, TotalIsLowerBound: page.TotalIsLowerBound}), nil
}

// GET /numbers/lookup?e164=…: the number with this E.164 (any usual
// format), or 404.
func (h *handler) lookup(r *http.Request, a numberdesk.Actor) (reply, error) {
	raw := newQuery(r).str("e164")
	e, err := phone.Parse(raw)
	if err != nil {
		return reply{}, numberdesk.E(numberdesk.CodeInvalid, "httpapi.Lookup", "e164", "Bitte geben Sie eine gültige Rufnummer an.")
	}
	page, err := h.cfg.Numbers.Overview(r.Context(), a, numbers.Query{Search: string(e), Sort: numbers.SortNumber, Limit: 1})
	if err != nil {
		return reply{}, err
	}
	if len(page.Numbers) == 0 || page.Numbers[0].E164 != string(e) {
		return reply{}, numberdesk.E(numberdesk.CodeNotFound, "httpapi.Lookup", "e164", "Die Rufnummer wurde nicht gefunden.")
	}
	return ok(page.Numbers[0]).withETag(page.Numbers[0].Version), nil
}

func (h *handler) number(r *http.Request, a numberdesk.Actor) (reply, error) {
	n, err := h.cfg.Numbers.Number(r.Context(), a, numberID(r))
	if err != nil {
		return reply{}, err
	}
	return ok(n).withETag(n.Version), nil
}

func (h *handler) history(r *http.Request, a numberdesk.Actor) (reply, error) {
	evs, err := h.cfg.Numbers.History(r.Context(), a, numberID(r))
	if err != nil {
		return reply{}, err
	}
	return ok(List[numberdesk.Event]{Items: evs, Total: len(evs)}), nil
}

// holderView is what a client shows of a number's holder.
type holderView struct {
	ID    numberdesk.StaffID `json:"id"`
	Name  string             `json:"name"`
	Email string             `json:"email"`
}

func (h *handler) holders(r *http.Request, a numberdesk.Actor) (reply, error) {
	es, err := h.cfg.Numbers.Holders(r.Context(), a, numberID(r))
	if err != nil {
		return reply{}, err
	}
	out := make([]holderView, len(es))
	for i, e := range es {
		out[i] = holderView{ID: e.ID, Name: e.Name(), Email: e.Email}
	}
	return ok(List[holderView]{Items: out, Total: len(out)}), nil
}

func (h *handler) provision(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in numbers.ProvisionRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	ns, err := h.cfg.Numbers.Provision(r.Context(), a, in)
	if err != nil {
		return reply{}, err
	}
	return created(List[*numbers.Number]{Items: ns, Total: len(ns)}), nil
}

// quoteRequest names the numbers to price.
type quoteRequest struct {
	Numbers []numberdesk.NumberID `json:"numbers"`
}

// quoteReply is the quote with the wording of the button that accepts it.
type quoteReply struct {
	*numbers.Quote
	ConfirmLabel string `json:"confirm_label"`
}

func (h *handler) quote(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in quoteRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	q, err := h.cfg.Numbers.Quote(r.Context(), a, in.Numbers)
	if err != nil {
		return reply{}, err
	}
	return created(quoteReply{Quote: q, ConfirmLabel: h.cfg.Numbers.ConsentLabel()}), nil
}

// activateRequest accepts a quote.
type activateRequest struct {
	QuoteToken string `json:"quote_token"`
}

func (h *handler) activate(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in activateRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	res, err := h.cfg.Numbers.Activate(r.Context(), a, numbers.ActivateRequest{QuoteToken: in.QuoteToken})
	if err != nil {
		return reply{}, err
	}
	return ok(res), nil
}

// deactivationReply is a deactivation (previewed or done) with the dialog's
// text and the wording of its button.
type deactivationReply struct {
	*numbers.Deactivation
	Message      string `json:"message"`
	ConfirmLabel string `json:"confirm_label"`
}

func newDeactivationReply(d *numbers.Deactivation) deactivationReply {
	return deactivationReply{Deactivation: d, Message: d.Message(), ConfirmLabel: ConfirmDeactivate}
}

func (h *handler) previewDeactivation(r *http.Request, a numberdesk.Actor) (reply, error) {
	d, err := h.cfg.Numbers.PreviewDeactivation(r.Context(), a, numberID(r))
	if err != nil {
		return reply{}, err
	}
	return ok(newDeactivationReply(d)), nil
}

// empty is a command's body that has no fields.
type empty struct{}

func (h *handler) deactivate(r *http.Request, a numberdesk.Actor) (reply, error) {
	if err := decode(r, &empty{}); err != nil {
		return reply{}, err
	}
	d, err := h.cfg.Numbers.Deactivate(r.Context(), a, numbers.DeactivateRequest{Number: numberID(r)})
	if err != nil {
		return reply{}, err
	}
	return ok(newDeactivationReply(d)), nil
}

func (h *handler) withdraw(r *http.Request, a numberdesk.Actor) (reply, error) {
	if err := decode(r, &empty{}); err != nil {
		return reply{}, err
	}
	n, err := h.cfg.Numbers.Withdraw(r.Context(), a, numbers.WithdrawRequest{Number: numberID(r)})
	if err != nil {
		return reply{}, err
	}
	return ok(n).withETag(n.Version), nil
}

// swapPreview is what the swap dialog shows: the number to replace, the
// wording of its button.
type swapPreview struct {
	Old          *numbers.Number `json:"old"`
	ConfirmLabel string          `json:"confirm_label"`
}

func (h *handler) previewSwap(r *http.Request, a numberdesk.Actor) (reply, error) {
	n, err := h.cfg.Numbers.Number(r.Context(), a, numberID(r))
	if err != nil {
		return reply{}, err
	}
	return ok(swapPreview{Old: n, ConfirmLabel: ConfirmSwap}), nil
}

// swapRequest names the number that replaces the one of the path.
type swapRequest struct {
	New numberdesk.NumberID `json:"new"`
}

func (h *handler) swap(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in swapRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	res, err := h.cfg.Numbers.Swap(r.Context(), a, numbers.SwapRequest{Old: numberID(r), New: in.New})
	if err != nil {
		return reply{}, err
	}
	return ok(res), nil
}

// assignRequest assigns the number of the path.
type assignRequest struct {
	Employee      numberdesk.StaffID `json:"employee"`
	PurgePrevious bool               `json:"purge_previous"`
}

func (h *handler) assign(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in assignRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	res, err := h.cfg.Numbers.Assign(r.Context(), a, numbers.AssignRequest{Number: numberID(r), Employee: in.Employee, PurgePrevious: in.PurgePrevious})
	if err != nil {
		return reply{}, err
	}
	return ok(res), nil
}

// unassignRequest releases a holder of the number of the path.
type unassignRequest struct {
	Employee numberdesk.StaffID `json:"employee"`
	Purge    bool               `json:"purge"`
}

func (h *handler) unassign(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in unassignRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	res, err := h.cfg.Numbers.Unassign(r.Context(), a, numberID(r), in.Employee, in.Purge)
	if err != nil {
		return reply{}, err
	}
	return ok(res), nil
}

// memberRequest adds a member to the shared fax number of the path.
type memberRequest struct {
	Employee numberdesk.StaffID `json:"employee"`
}

func (h *handler) addMember(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in memberRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	res, err := h.cfg.Numbers.AddMember(r.Context(), a, numberID(r), in.Employee)
	if err != nil {
		return reply{}, err
	}
	return ok(res), nil
}

// usageTypeRequest changes the usage type of the number of the path.
type usageTypeRequest struct {
	UsageType routing.UsageType `json:"usage_type"`
	Confirm   bool              `json:"confirm"`
}

func (h *handler) setUsageType(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in usageTypeRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	n, err := h.cfg.Numbers.SetUsageType(r.Context(), a, numbers.SetUsageTypeRequest{Number: numberID(r), UsageType: in.UsageType, Confirm: in.Confirm})
	if err != nil {
		return reply{}, err
	}
	return ok(n).withETag(n.Version), nil
}

func (h *handler) routing(r *http.Request, a numberdesk.Actor) (reply, error) {
	s, err := h.cfg.Numbers.Routing(r.Context(), a, numberID(r))
	if err != nil {
		return reply{}, err
	}
	return ok(s).withETag(s.Version), nil
}

// routingRequest replaces the routing of the number of the path; the
// version read is If-Match (or, without it, version).
type routingRequest struct {
	Plan      routing.Plan       `json:"plan"`
	Overrides []routing.Override `json:"overrides"`
	Version   *int64             `json:"version,omitempty"`
}

func (h *handler) saveRouting(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in routingRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	version, err := versionOf(r, in.Version)
	if err != nil {
		return reply{}, err
	}
	s, err := h.cfg.Numbers.SaveRouting(r.Context(), a, numbers.SaveRoutingRequest{Number: numberID(r), Plan: in.Plan, Overrides: in.Overrides, Version: version})
	if err != nil {
		return reply{}, staleIfMatched(r, err)
	}
	return ok(s).withETag(s.Version), nil
}

// versionOf is the version a replacing write is based on: If-Match, else
// the body's version; one of them is required.
func versionOf(r *http.Request, body *int64) (int64, error) {
	v, has, err := ifMatch(r)
	switch {
	case err != nil:
		return 0, err
	case has:
		return v, nil
	case body != nil:
		return *body, nil
	}
	return 0, &httpError{status: http.StatusPreconditionRequired, code: "precondition_required", field: "If-Match",
		message: "Bitte senden Sie die gelesene Version mit (If-Match)."}
}

// staleIfMatched turns a conflict of a write based on If-Match into 412.
func staleIfMatched(r *http.Request, err error) error {
	if numberdesk.ErrorCode(err) == numberdesk.CodeConflict && r.Header.Get("If-Match") != "" {
		e := *errStale
		e.cause = err
		return &e
	}
	return err
}

// previewRouting: GET …/routing/preview?from=…&to=…, when the active rule
// of the stored routing changes.
func (h *handler) previewRouting(r *http.Request, a numberdesk.Actor) (reply, error) {
	q := newQuery(r)
	from, to := q.time("from"), q.time("to")
	if q.err != nil {
		return reply{}, q.err
	}
	if from.IsZero() {
		from = h.now()
	}
	if to.IsZero() {
		to = from.Add(7 * 24 * time.Hour)
	}
	changes, err := h.cfg.Numbers.PreviewRouting(r.Context(), a, numberID(r), from, to)
	if err != nil {
		return reply{}, err
	}
	return ok(List[routing.Change]{Items: changes, Total: len(changes)}), nil
}

// routeCall: GET …/route?from=…&anonymous=…&at=…, where a call to the
// number goes at that instant (default now), every target answering.
func (h *handler) routeCall(r *http.Request, a numberdesk.Actor) (reply, error) {
	q := newQuery(r)
	call := routing.Call{Anonymous: q.boolean("anonymous")}
	at := q.time("at")
	if q.err != nil {
		return reply{}, q.err
	}
	if raw := q.str("from"); raw != "" {
		e, err := phone.Parse(raw)
		if err != nil {
			return reply{}, numberdesk.E(numberdesk.CodeInvalid, "httpapi.RouteCall", "from", "Bitte geben Sie eine gültige Rufnummer an.")
		}
		call.From = e
	}
	if at.IsZero() {
		at = h.now()
	}
	d, err := h.cfg.Numbers.RouteCall(r.Context(), a, numberID(r), call, at, routing.AllAnswer)
	if err != nil {
		return reply{}, err
	}
	return ok(d), nil
}

func (h *handler) blocklist(r *http.Request, a numberdesk.Actor) (reply, error) {
	b, err := h.cfg.Numbers.Blocklist(r.Context(), a)
	if err != nil {
		return reply{}, err
	}
	return ok(b).withETag(b.Version), nil
}

// blocklistRequest replaces the tenant's block list.
type blocklistRequest struct {
	routing.Blocklist
	Version *int64 `json:"version,omitempty"`
}

func (h *handler) saveBlocklist(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in blocklistRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	version, err := versionOf(r, in.Version)
	if err != nil {
		return reply{}, err
	}
	b, err := h.cfg.Numbers.SaveBlocklist(r.Context(), a, in.Blocklist, version)
	if err != nil {
		return reply{}, staleIfMatched(r, err)
	}
	return ok(b).withETag(b.Version), nil
}

// records: GET /records?number=…&kind=…&from=…&to=…&offset=…&limit=…,
// newest first. The cursor is the offset of the next page.
func (h *handler) records(r *http.Request, a numberdesk.Actor) (reply, error) {
	q := newQuery(r)
	in := numbers.RecordQuery{Number: numberdesk.NumberID(q.str("number")), From: q.time("from"), To: q.time("to"), Limit: q.limit(50)}
	for _, k := range q.list("kind") {
		in.Kinds = append(in.Kinds, numbers.RecordKind(k))
	}
	in.Offset = cursorOffset(q)
	if q.err != nil {
		return reply{}, q.err
	}
	recs, total, err := h.cfg.Numbers.Records(r.Context(), a, in)
	if err != nil {
		return reply{}, err
	}
	return ok(List[*numbers.Record]{Items: recs, Total: total, NextCursor: nextOffset(in.Offset, len(recs), total)}), nil
}

func (r reply) withETag(version int64) reply {
	r.etag = etag(version)
	return r
}

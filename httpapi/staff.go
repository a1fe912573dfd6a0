package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
)

func (h *handler) staffRoutes() {
	h.handle("GET /api/v1/me", h.me)
	h.handle("GET /api/v1/staff", h.staffList)
	h.handle("POST /api/v1/staff", h.createEmployee)
	h.handle("GET /api/v1/staff/{id}", h.employee)
	h.handle("PUT /api/v1/staff/{id}", h.updateEmployee)
	h.handle("DELETE /api/v1/staff/{id}", h.deleteEmployee)
	h.handle("POST /api/v1/staff/{id}/lock", h.lockEmployee)
	h.handle("POST /api/v1/staff/{id}/unlock", h.unlockEmployee)
	h.handle("PUT /api/v1/staff/{id}/preferences", h.setPreferences)
	h.handle("PUT /api/v1/staff/{id}/routing-edit", h.setRoutingEdit)
	h.handle("POST /api/v1/staff/{id}/numbers", h.assignEmployeeNumbers)
	h.handle("POST /api/v1/staff/{id}/release", h.releaseEmployee)
}

func staffID(r *http.Request) numberdesk.StaffID { return numberdesk.StaffID(r.PathValue("id")) }

// meReply is who sent the request, for the "logged in as" of a client: the
// employee's record, its role (the stored one, as every request verifies
// it) and its tenant.
type meReply struct {
	Employee *staff.Employee    `json:"employee"`
	Role     numberdesk.Role    `json:"role"`
	Tenant   *numberdesk.Tenant `json:"tenant"`
}

// GET /me: the requesting employee.
func (h *handler) me(r *http.Request, a numberdesk.Actor) (reply, error) {
	e, err := h.cfg.Staff.Employee(r.Context(), a, a.Staff)
	if err != nil {
		return reply{}, err
	}
	t, err := h.cfg.Store.FindTenantByID(r.Context(), a.Tenant)
	if err != nil {
		return reply{}, numberdesk.Internal("httpapi.Me", err)
	}
	return ok(meReply{Employee: e, Role: a.Role, Tenant: t}).withETag(e.Version), nil
}

// GET /staff: the employees, sorted by name. Parameters: search, cursor,
// limit. The cursor is the offset of the next page.
func (h *handler) staffList(r *http.Request, a numberdesk.Actor) (reply, error) {
	q := newQuery(r)
	in := staff.Query{Search: q.str("search"), Limit: q.limit(50)}
	in.Offset = cursorOffset(q)
	if q.err != nil {
		return reply{}, q.err
	}
	es, total, err := h.cfg.Staff.List(r.Context(), a, in)
	if err != nil {
		return reply{}, err
	}
	return ok(List[*staff.Employee]{Items: es, Total: total, NextCursor: nextOffset(in.Offset, len(es), total)}), nil
}

func (h *handler) createEmployee(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in staff.CreateRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	e, err := h.cfg.Staff.Create(r.Context(), a, in)
	if err != nil {
		return reply{}, err
	}
	return created(e).withETag(e.Version), nil
}

func (h *handler) employee(r *http.Request, a numberdesk.Actor) (reply, error) {
	e, err := h.cfg.Staff.Employee(r.Context(), a, staffID(r))
	if err != nil {
		return reply{}, err
	}
	return ok(e).withETag(e.Version), nil
}

func (h *handler) updateEmployee(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in staff.UpdateRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	return h.changeEmployee(r, a, func(ctx context.Context) (*staff.Employee, error) {
		return h.cfg.Staff.Update(ctx, a, staffID(r), in)
	})
}

// DELETE /staff/{id}?purge=…: with purge the employee's records of its
// numbers go too.
func (h *handler) deleteEmployee(r *http.Request, a numberdesk.Actor) (reply, error) {
	q := newQuery(r)
	purge := q.boolean("purge")
	if q.err != nil {
		return reply{}, q.err
	}
	if err := h.cfg.Staff.Delete(r.Context(), a, staffID(r), purge); err != nil {
		return reply{}, err
	}
	return noContent(), nil
}

func (h *handler) lockEmployee(r *http.Request, a numberdesk.Actor) (reply, error) {
	return h.setLocked(r, a, true)
}

func (h *handler) unlockEmployee(r *http.Request, a numberdesk.Actor) (reply, error) {
	return h.setLocked(r, a, false)
}

func (h *handler) setLocked(r *http.Request, a numberdesk.Actor, locked bool) (reply, error) {
	if err := decode(r, &empty{}); err != nil {
		return reply{}, err
	}
	e, err := h.cfg.Staff.SetLocked(r.Context(), a, staffID(r), locked)
	if err != nil {
		return reply{}, err
	}
	return ok(e).withETag(e.Version), nil
}

// preferencesRequest replaces an employee's notification preferences:
// every category is required, so that a client that does not know one
// cannot switch it off by leaving it out.
type preferencesRequest struct {
	MissedCalls *bool `json:"missed_calls"`
	Faxes       *bool `json:"faxes"`
	Voicemail   *bool `json:"voicemail"`
	Other       *bool `json:"other"`
}

func (h *handler) setPreferences(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in preferencesRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	for _, f := range []struct {
		name string
		v    *bool
	}{{"missed_calls", in.MissedCalls}, {"faxes", in.Faxes}, {"voicemail", in.Voicemail}, {"other", in.Other}} {
		if f.v == nil {
			return reply{}, missingField(f.name)
		}
	}
	p := staff.Preferences{MissedCalls: *in.MissedCalls, Faxes: *in.Faxes, Voicemail: *in.Voicemail, Other: *in.Other}
	return h.changeEmployee(r, a, func(ctx context.Context) (*staff.Employee, error) {
		return h.cfg.Staff.SetPreferences(ctx, a, staffID(r), p)
	})
}

// routingEditRequest grants or revokes the employee's right to edit the
// routing of its numbers.
type routingEditRequest struct {
	Allowed *bool `json:"allowed"`
}

func (h *handler) setRoutingEdit(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in routingEditRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	if in.Allowed == nil {
		return reply{}, missingField("allowed")
	}
	return h.changeEmployee(r, a, func(ctx context.Context) (*staff.Employee, error) {
		return h.cfg.Staff.SetRoutingEdit(ctx, a, staffID(r), *in.Allowed)
	})
}

// changeEmployee runs a write that replaces (part of) the employee of the
// path and replies with the employee. With If-Match the write applies to
// that version of the employee only (staff.IfVersion: checked against the
// record the write reads and by the store's write; 412 otherwise).
func (h *handler) changeEmployee(r *http.Request, a numberdesk.Actor, write func(ctx context.Context) (*staff.Employee, error)) (reply, error) {
	version, has, err := ifMatch(r)
	if err != nil {
		return reply{}, err
	}
	ctx := r.Context()
	if has {
		ctx = staff.IfVersion(ctx, version)
	}
	e, err := write(ctx)
	if err != nil {
		return reply{}, staleIfMatched(r, err)
	}
	return ok(e).withETag(e.Version), nil
}

// numbersRequest names numbers to give the employee of the path.
type numbersRequest struct {
	Numbers []numberdesk.NumberID `json:"numbers"`
}

// POST /staff/{id}/numbers: the employee becomes the holder of the numbers
// (without purging the previous holders' records).
func (h *handler) assignEmployeeNumbers(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in numbersRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	if in.Numbers == nil {
		return reply{}, missingField("numbers")
	}
	return noContent(), h.cfg.Numbers.AssignNumbers(r.Context(), a, staffID(r), in.Numbers)
}

// releaseRequest releases the employee of the path from all its numbers.
type releaseRequest struct {
	Purge bool `json:"purge"`
}

// POST /staff/{id}/release: the employee holds no number afterwards; with
// purge its records of those numbers are deleted.
func (h *handler) releaseEmployee(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in releaseRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	return noContent(), h.cfg.Numbers.ReleaseHolder(r.Context(), a, staffID(r), in.Purge)
}

// missingField is the 400 of a required field the body lacks.
func missingField(field string) error {
	return malformed(field, errors.New("missing field "+field))
}

// orEmpty is s, empty rather than nil, so that the slices of a reply that
// is no List (a List writes none as [] itself) are never null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

package httpapi

import (
	"net/http"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
)

// ConfirmSendCredentials is the wording of the button that sends the
// E-Fax-App's login data, sent with the recipient choice.
const ConfirmSendCredentials = "Zugangsdaten an Mitarbeiter versenden"

// efaxRoutes registers the E-Fax-App's routes if the service is configured
// (otherwise they are 404 like any unknown path).
func (h *handler) efaxRoutes() {
	if h.cfg.Efax == nil {
		return
	}
	h.handle("GET /api/v1/numbers/{id}/efax/recipients", h.efaxRecipients)
	h.handle("POST /api/v1/numbers/{id}/efax/send", h.efaxSend)
	h.handle("GET /api/v1/numbers/{id}/efax/credentials", h.efaxCredentials)
	h.handle("DELETE /api/v1/numbers/{id}/efax/credentials/{staff}", h.efaxRevoke)
}

// recipientsReply is the recipient choice of the fax number with the
// wording of the button that sends.
type recipientsReply struct {
	*efax.Eligibility
	ConfirmLabel string `json:"confirm_label"`
}

func (h *handler) efaxRecipients(r *http.Request, a numberdesk.Actor) (reply, error) {
	el, err := h.cfg.Efax.Recipients(r.Context(), a, numberID(r))
	if err != nil {
		return reply{}, err
	}
	el.Candidates = orEmpty(el.Candidates)
	return ok(recipientsReply{Eligibility: el, ConfirmLabel: ConfirmSendCredentials}), nil
}

// sendRequest names the employees who get the login data of the fax
// number of the path.
type sendRequest struct {
	Staff []numberdesk.StaffID `json:"staff"`
}

// POST …/efax/send. The Idempotency-Key of the request makes a retry safe
// (the HTTP layer stores the first confirmation in the transaction of the
// send), so none is passed to the service: a retry never rotates again.
func (h *handler) efaxSend(r *http.Request, a numberdesk.Actor) (reply, error) {
	var in sendRequest
	if err := decode(r, &in); err != nil {
		return reply{}, err
	}
	c, err := h.cfg.Efax.Send(r.Context(), a, efax.SendRequest{Number: numberID(r), Staff: in.Staff})
	if err != nil {
		return reply{}, err
	}
	c.Recipients = orEmpty(c.Recipients)
	return ok(c), nil
}

func (h *handler) efaxCredentials(r *http.Request, a numberdesk.Actor) (reply, error) {
	cs, err := h.cfg.Efax.Credentials(r.Context(), a, numberID(r))
	if err != nil {
		return reply{}, err
	}
	return ok(List[*efax.Credential]{Items: cs, Total: len(cs)}), nil
}

// DELETE …/efax/credentials/{staff}: the employee's login for the number
// stops working.
func (h *handler) efaxRevoke(r *http.Request, a numberdesk.Actor) (reply, error) {
	if err := h.cfg.Efax.Revoke(r.Context(), a, numberID(r), numberdesk.StaffID(r.PathValue("staff"))); err != nil {
		return reply{}, err
	}
	return noContent(), nil
}

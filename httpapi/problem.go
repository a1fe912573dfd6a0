package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/numberdesk/numberdesk"
)

// ProblemType is the base of the problem details' type URIs: a Code's type is
// ProblemType + code ("…#not_found"), the HTTP layer's own are
// ProblemType + "malformed", "unauthenticated", "stale" and "in_progress".
const ProblemType = "https://numberdesk.dev/problems#"

// Problem is an RFC 9457 problem details object with the SDK's extensions:
// the Code, the Field at fault and the request's ID.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"` // the SDK's German Message; empty for internal errors
	Code      string `json:"code"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id"`
}

// The HTTP layer's own problems, which no SDK Code stands for.
var (
	// errMalformed: a body that is not JSON, or not of the schema (400).
	errMalformed = &httpError{status: http.StatusBadRequest, code: "malformed", message: "Die Anfrage ist kein gültiges JSON dieses Vorgangs."}
	// errUnauthenticated: no session, or an unknown one (401).
	errUnauthenticated = &httpError{status: http.StatusUnauthorized, code: "unauthenticated", message: "Bitte melden Sie sich an."}
	// errStale: If-Match names a version that is not the stored one (412).
	errStale = &httpError{status: http.StatusPreconditionFailed, code: "stale", field: "If-Match", message: "Die Daten wurden inzwischen geändert. Bitte laden Sie sie neu."}
	// errInProgress: a request with the same Idempotency-Key is still
	// running (409, Retry-After: 1).
	errInProgress = &httpError{status: http.StatusConflict, code: "in_progress", field: "idempotency_key", message: "Die Anfrage mit diesem Schlüssel wird noch bearbeitet."}
	// errTooLarge: a body over Config.MaxBody (413).
	errTooLarge = &httpError{status: http.StatusRequestEntityTooLarge, code: "malformed", message: "Die Anfrage ist zu groß."}
)

// httpError is a problem of the HTTP layer itself.
type httpError struct {
	status        int
	code, field   string
	message       string
	cause         error
	retryAfterSec int
}

func (e *httpError) Error() string { return e.code + ": " + e.message }

// malformed is errMalformed on field, with the decoder's cause for the log.
func malformed(field string, cause error) error {
	e := *errMalformed
	e.field, e.cause = field, cause
	return &e
}

// writeProblem writes err as problem details: an *httpError with its
// status, a *numberdesk.Error with its Code's, anything else as internal
// (500, no detail: the cause goes to the log with the request ID only).
func (h *handler) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := Problem{RequestID: requestID(r.Context())}
	var he *httpError
	var ne *numberdesk.Error
	switch {
	case errors.As(err, &he):
		p.Status, p.Code, p.Field, p.Detail = he.status, he.code, he.field, he.message
		if he.retryAfterSec > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(he.retryAfterSec))
		}
	case errors.As(err, &ne) && ne.Code != numberdesk.CodeInternal:
		p.Status, p.Code, p.Field, p.Detail = ne.Code.HTTPStatus(), string(ne.Code), ne.Field, ne.Message
	default:
		p.Status, p.Code = http.StatusInternalServerError, string(numberdesk.CodeInternal)
	}
	if p.Status >= 500 {
		h.log.ErrorContext(r.Context(), "httpapi: internal error", "request_id", p.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
	} else if he != nil && he.cause != nil {
		h.log.DebugContext(r.Context(), "httpapi: refused", "request_id", p.RequestID, "status", p.Status, "err", he.cause)
	}
	p.Type = ProblemType + p.Code
	p.Title = http.StatusText(p.Status)
	body, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(body, '\n'))
}

// discard is a logger that drops everything.
var discard = slog.New(slog.DiscardHandler)

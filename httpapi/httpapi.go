// Package httpapi is the SDK over HTTP: New returns an http.Handler that
// serves the operations of numbers, staff and efax under /api/v1/, as the
// OpenAPI 3.1 document openapi.yaml (served at /api/v1/openapi.yaml)
// describes them.
//
// It is a thin adapter: it authenticates the request (Config.Auth), loads
// the verified Actor from the store, decodes, calls the services and
// encodes. Every rule stays in the domain packages.
//
// Errors are RFC 9457 problem details (application/problem+json) with the
// SDK's code, field and German message as detail, and the request's ID:
//
//	| Code / case                          | status                    |
//	|--------------------------------------|---------------------------|
//	| invalid                              | 422                       |
//	| a body that is not JSON or not the   | 400                       |
//	| operation's shape                    |                           |
//	| not_found (another tenant's ID too)  | 404                       |
//	| conflict, precondition               | 409                       |
//	| a stale If-Match                     | 412                       |
//	| permission                           | 403                       |
//	| no or an unknown identity            | 401                       |
//	| internal                             | 500, no detail            |
//
// Every POST takes an Idempotency-Key header: the same key and request
// again get the stored status and body with Idempotent-Replayed: true,
// another request under the key 422 (field idempotency_key), and a request
// while the first with the key is still running 409 with Retry-After: 1.
// The record is written in the transaction of the command's effect, so that
// a retry after a lost response never repeats it.
//
// Authentication is the embedding application's (Config.Auth); ProxyAuth
// takes it from a trusted SSO proxy's headers and Sessions from a
// server-side cookie session (GET and DELETE /api/v1/session).
//
// Collections share one shape: {"items": [...], "next_cursor": "...",
// "total": n, "total_is_lower_bound": bool}, with an opaque cursor and
// limit ≤ 1000.
package httpapi

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// Prefix is the path under which the handler serves.
const Prefix = "/api/v1/"

// OpenAPI is the contract, openapi.yaml, as served at Prefix+"openapi.yaml".
//
//go:embed openapi.yaml
var OpenAPI []byte

// DefaultMaxBody is the largest request body read by default.
const DefaultMaxBody = 1 << 20

// Config configures New.
type Config struct {
	// Store is the store the services run on: the handler runs a command
	// with an Idempotency-Key and its idempotency record in one of its
	// transactions, and reads the delivery failures from it.
	Store store.Store
	// Numbers, Staff and Efax are the services; Efax may be nil (its
	// routes are then 404).
	Numbers *numbers.Service
	Staff   *staff.Service
	Efax    *efax.Service
	// Auth tells who sent a request.
	Auth Authenticator
	// Log receives internal errors (with the request ID the client got);
	// nil discards.
	Log *slog.Logger
	// MaxBody is the largest request body; 0 means DefaultMaxBody.
	MaxBody int64
	// Clock is the time of RouteCall's default instant; nil is the wall
	// clock.
	Clock numberdesk.Clock
	// StreamPoll is how often the change feed (GET /api/v1/changes) reads
	// the tenant's newest event, StreamKeepAlive how often it sends a
	// keep-alive; zero: DefaultStreamPoll, DefaultStreamKeepAlive.
	StreamPoll, StreamKeepAlive time.Duration
	// Sessions, if set, are the cookie sessions the routes GET and DELETE
	// /api/v1/session serve (without it they are 404). Set Auth to the
	// same *Sessions, so that the cookie authenticates every request; with
	// another Auth the logout still ends the cookie's session.
	Sessions *Sessions
	// MaxImportBody is the largest CSV file POST /api/v1/numbers/import
	// takes (413 beyond it); 0 means DefaultMaxImportBody.
	MaxImportBody int64
	// Billing is the policy of the statements (GET
	// /api/v1/billing/statement); the zero value prorates per day.
	Billing billing.Policy
	// Webhooks, if set, is what GET /api/v1/webhooks/status reports (a
	// *webhook.Notifier); without it the tenant has no endpoints to show.
	Webhooks WebhookStatuses
}

// handler serves the API.
type handler struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
	// routes are the patterns registered, for the contract test.
	routes []string
	// inflight holds the (tenant, Idempotency-Key) pairs of the requests
	// running on this node.
	mu       sync.Mutex
	inflight map[string]bool
}

// New returns the API handler. It serves paths under Prefix only (404
// otherwise), so it can be mounted on a mux beside other handlers:
//
//	mux.Handle(httpapi.Prefix, api)
func New(cfg Config) (http.Handler, error) {
	h, err := newHandler(cfg)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func newHandler(cfg Config) (*handler, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("httpapi: Config.Store is nil")
	case cfg.Numbers == nil || cfg.Staff == nil:
		return nil, errors.New("httpapi: Config.Numbers and Config.Staff are required")
	case cfg.Auth == nil:
		return nil, errors.New("httpapi: Config.Auth is nil")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.StreamPoll <= 0 {
		cfg.StreamPoll = DefaultStreamPoll
	}
	if cfg.StreamKeepAlive <= 0 {
		cfg.StreamKeepAlive = DefaultStreamKeepAlive
	}
	h := &handler{cfg: cfg, log: cfg.Log, mux: http.NewServeMux(), inflight: map[string]bool{}}
	if h.log == nil {
		h.log = discard
	}
	h.mux.HandleFunc("GET "+Prefix+"openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(OpenAPI)
	})
	h.routes = append(h.routes, "GET "+Prefix+"openapi.yaml")
	h.mux.HandleFunc("GET "+Prefix+"changes", h.stream)
	h.routes = append(h.routes, "GET "+Prefix+"changes")
	h.numberRoutes()
	h.staffRoutes()
	h.efaxRoutes()
	h.eventRoutes()
	h.sessionRoutes()
	h.backofficeRoutes()
	// Anything else under the prefix: a problem, not the mux's text.
	h.mux.HandleFunc(Prefix, h.unrouted)
	return h, nil
}

// unrouted answers a request no route takes: 405 with Allow if the path
// has routes for other methods, else 404.
func (h *handler) unrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != Prefix && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		h.writeProblem(w, r, &httpError{status: http.StatusMethodNotAllowed, code: "method_not_allowed", message: "Diese Methode ist hier nicht erlaubt."})
		return
	}
	h.writeProblem(w, r, &httpError{status: http.StatusNotFound, code: string(numberdesk.CodeNotFound), message: "Diese Adresse gibt es nicht."})
}

// ServeHTTP gives the request an ID (X-Request-ID in the response, and in
// every problem; numberdesk.WithRequestID, so that the services' log lines
// name it too) and serves it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := newRequestID()
	w.Header().Set("X-Request-ID", id)
	r = r.WithContext(numberdesk.WithRequestID(r.Context(), id))
	h.mux.ServeHTTP(w, r)
}

// requestID is the request's ID (ServeHTTP), which the services log too.
func requestID(ctx context.Context) string {
	return numberdesk.RequestID(ctx)
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// reply is an operation's response: its status, the body to encode as
// JSON (nil: none, 204) and the ETag (a version) if it has one.
type reply struct {
	status int
	body   any
	etag   string
}

func ok(body any) reply      { return reply{status: http.StatusOK, body: body} }
func created(body any) reply { return reply{status: http.StatusCreated, body: body} }
func noContent() reply       { return reply{status: http.StatusNoContent} }

// operation is one route's work for a verified actor.
type operation func(r *http.Request, actor numberdesk.Actor) (reply, error)

// handle registers op under pattern ("METHOD /api/v1/…"). Every request
// is authenticated and its Actor loaded; a POST runs under its
// Idempotency-Key if it has one.
func (h *handler) handle(pattern string, op operation) {
	h.routes = append(h.routes, pattern)
	post := strings.HasPrefix(pattern, http.MethodPost+" ")
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBody)
		}
		actor, err := h.actor(r)
		if err != nil {
			h.writeProblem(w, r, err)
			return
		}
		if key := r.Header.Get("Idempotency-Key"); post && key != "" {
			h.idempotent(w, r, actor, pattern, key, op)
			return
		}
		rep, err := op(r, actor)
		if err != nil {
			h.writeProblem(w, r, err)
			return
		}
		writeReply(w, rep, false)
	})
}

// actor authenticates r and loads its verified Actor.
func (h *handler) actor(r *http.Request) (numberdesk.Actor, error) {
	tenant, id, err := h.cfg.Auth.Authenticate(r)
	if err != nil {
		var ne *numberdesk.Error
		if errors.As(err, &ne) && ne.Code != numberdesk.CodePermission {
			return numberdesk.Actor{}, err
		}
		return numberdesk.Actor{}, errUnauthenticated
	}
	// A locked, deleted or unknown employee: 403 with the SDK's message.
	return h.cfg.Staff.Actor(r.Context(), tenant, id)
}

// writeReply writes rep as JSON.
func writeReply(w http.ResponseWriter, rep reply, replayed bool) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	if rep.etag != "" {
		hd.Set("ETag", rep.etag)
	}
	if replayed {
		hd.Set("Idempotent-Replayed", "true")
	}
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	body, err := json.Marshal(rep.body)
	if err != nil {
		// The services' results always marshal: a programming error.
		panic("httpapi: response: " + err.Error())
	}
	hd.Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_, _ = w.Write(append(body, '\n'))
}

package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/numberdesk/numberdesk"
)

// Defaults of the circuit breaker (Config.BreakerFailures,
// Config.BreakerCoolDown).
const (
	DefaultBreakerFailures = 5
	DefaultBreakerCoolDown = time.Minute
)

const (
	// maxFailures is how many failed attempts an EndpointStatus keeps.
	maxFailures = 10
	// maxEndpoints is how many endpoints the Notifier keeps the status
	// of; beyond it, the one attempted longest ago is forgotten.
	maxEndpoints = 10_000
)

// BreakerState is the state of an endpoint's circuit breaker.
type BreakerState string

// The states of a circuit breaker.
const (
	// BreakerClosed: the endpoint gets its webhooks.
	BreakerClosed BreakerState = "closed"
	// BreakerOpen: after Config.BreakerFailures consecutive failed
	// attempts the endpoint is skipped until the cool-down has passed
	// (EndpointStatus.OpenUntil); its events stay pending in the outbox.
	BreakerOpen BreakerState = "open"
	// BreakerHalfOpen: the cool-down has passed and one webhook, the
	// probe, is under way; its success closes the breaker, its failure
	// opens it for another cool-down. Other webhooks wait meanwhile.
	BreakerHalfOpen BreakerState = "half_open"
)

// ErrCircuitOpen is in the chain of an EndpointError (errors.Is) of an
// endpoint that was skipped because its circuit breaker is open: no request
// was sent, and the event is retried after the cool-down (the error is
// transient, with the rest of the cool-down as its notify.RetryAfter hint).
var ErrCircuitOpen = errors.New("circuit breaker open: skipped after repeated failures")

// EndpointStatus is the delivery status of one endpoint as this process
// has seen it since it started: the circuit breaker, the last attempt and
// success, and the latest failures. Several processes each keep their own.
type EndpointStatus struct {
	// Endpoint is the endpoint's Name (default its host), never its URL.
	Endpoint string `json:"endpoint"`
	// State is the circuit breaker's; OpenUntil, while it is open, the
	// end of the cool-down.
	State     BreakerState `json:"state"`
	OpenUntil time.Time    `json:"open_until,omitzero"`
	// ConsecutiveFailures counts the failed attempts since the last
	// success (a skipped endpoint makes no attempt).
	ConsecutiveFailures int       `json:"consecutive_failures"`
	LastAttempt         time.Time `json:"last_attempt,omitzero"`
	LastSuccess         time.Time `json:"last_success,omitzero"`
	// Failures are the latest failed attempts (up to 10), newest first.
	Failures []Failure `json:"failures"`
	// Misconfigured is the German reason why a tenant's endpoint cannot be
	// used at all (Endpoint.Check's message); its events fail
	// permanently. Empty for a usable endpoint.
	Misconfigured string `json:"misconfigured,omitempty"`
}

// Failure is one failed attempt to deliver a webhook to an endpoint.
type Failure struct {
	At    time.Time          `json:"at"`
	Event numberdesk.EventID `json:"event"`
	// Status is the HTTP status of the reply; 0 if there was none (a
	// timeout, a refused connection, a refused address).
	Status int `json:"status,omitempty"`
	// Error is the EndpointError's text: the endpoint's name and the
	// status or cause, never the URL, the payload or a secret.
	Error string `json:"error"`
	// Permanent reports whether retrying could not help (a 3xx, a 4xx
	// other than 408 and 429, a refused address).
	Permanent bool `json:"permanent"`
}

// health is the Notifier's status of its endpoints and their circuit
// breakers, by endpoint key. The zero value is not ready: see newHealth.
type health struct {
	threshold int           // consecutive failures that open the breaker; <= 0: never
	coolDown  time.Duration // how long an open breaker skips the endpoint
	limit     int           // endpoints kept; 0 means maxEndpoints

	mu  sync.Mutex
	eps map[string]*endpointHealth
}

// endpointHealth is one endpoint's status.
type endpointHealth struct {
	EndpointStatus
	probing bool // the half-open probe is under way
}

func newHealth(threshold int, coolDown time.Duration) *health {
	return &health{threshold: threshold, coolDown: coolDown, eps: map[string]*endpointHealth{}}
}

// get returns the status of key, created as closed if there is none yet.
// The caller holds mu.
func (h *health) get(key, name string) *endpointHealth {
	eh, ok := h.eps[key]
	if ok {
		eh.Endpoint = name
		return eh
	}
	limit := h.limit
	if limit <= 0 {
		limit = maxEndpoints
	}
	if len(h.eps) >= limit {
		oldest, at := "", time.Time{}
		for k, e := range h.eps {
			if oldest == "" || e.LastAttempt.Before(at) {
				oldest, at = k, e.LastAttempt
			}
		}
		delete(h.eps, oldest)
	}
	eh = &endpointHealth{EndpointStatus: EndpointStatus{Endpoint: name, State: BreakerClosed}}
	h.eps[key] = eh
	return eh
}

// admit reports whether a webhook may be sent to the endpoint key at now:
// always while its breaker is closed; while it is open, not before
// OpenUntil, and then once, as the probe (half-open). A refusal returns
// the endpoint's error, ErrCircuitOpen with the rest of the cool-down as
// RetryAfter.
func (h *health) admit(key, name string, now time.Time) *EndpointError {
	if h.threshold <= 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	eh := h.get(key, name)
	switch {
	case eh.State == BreakerClosed:
		return nil
	case eh.State == BreakerOpen && !now.Before(eh.OpenUntil),
		eh.State == BreakerHalfOpen && !eh.probing:
		eh.State, eh.OpenUntil, eh.probing = BreakerHalfOpen, time.Time{}, true
		return nil
	}
	wait := time.Duration(0)
	if eh.State == BreakerOpen {
		wait = eh.OpenUntil.Sub(now)
	}
	return &EndpointError{Endpoint: name, RetryAfter: wait,
		Err: fmt.Errorf("%w (%d consecutive failures)", ErrCircuitOpen, eh.ConsecutiveFailures)}
}

// record records the outcome of an attempt at now: nil for a success. An
// attempt abandoned because ctx ended (the dispatcher stops) says nothing
// about the endpoint and only ends a probe.
func (h *health) record(ctx context.Context, key, name string, id numberdesk.EventID, now time.Time, outcome *EndpointError) {
	h.mu.Lock()
	defer h.mu.Unlock()
	eh := h.get(key, name)
	probe := eh.probing
	eh.probing = false
	if ctx.Err() != nil {
		return
	}
	eh.LastAttempt = now
	if outcome == nil {
		eh.LastSuccess, eh.ConsecutiveFailures = now, 0
		eh.State, eh.OpenUntil = BreakerClosed, time.Time{}
		return
	}
	eh.ConsecutiveFailures++
	f := Failure{At: now, Event: id, Status: outcome.Status, Error: outcome.Error(), Permanent: outcome.Permanent}
	eh.Failures = append([]Failure{f}, eh.Failures[:min(len(eh.Failures), maxFailures-1)]...)
	if h.threshold > 0 && (probe || eh.ConsecutiveFailures >= h.threshold) {
		eh.State, eh.OpenUntil = BreakerOpen, now.Add(h.coolDown)
	}
}

// status returns a copy of the status of key, and whether there is one.
func (h *health) status(key string) (EndpointStatus, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	eh, ok := h.eps[key]
	if !ok {
		return EndpointStatus{}, false
	}
	s := eh.EndpointStatus
	s.Failures = slices.Clone(s.Failures)
	return s, true
}

// statusOf returns the status of ep: what has been seen, or a closed
// breaker with no attempt yet.
func (n *Notifier) statusOf(ep *endpoint) EndpointStatus {
	s, ok := n.health.status(ep.key)
	if !ok {
		s = EndpointStatus{State: BreakerClosed}
	}
	s.Endpoint = ep.name
	if s.Failures == nil {
		s.Failures = []Failure{}
	}
	return s
}

// VendorStatus returns the delivery status of the vendor's endpoints
// (Config.Endpoints), in their order, as this process has seen it.
func (n *Notifier) VendorStatus() []EndpointStatus {
	out := make([]EndpointStatus, 0, len(n.vendor))
	for _, ep := range n.vendor {
		out = append(out, n.statusOf(ep))
	}
	return out
}

// TenantStatus returns the delivery status of the tenant's endpoints as
// Config.Tenants lists them now, in its order, as this process has seen
// it: an endpoint not attempted yet is closed with no attempt, a malformed
// one carries Misconfigured. The vendor's endpoints are not among them
// (they are the vendor's: VendorStatus). An error of Config.Tenants is
// returned as it is; without Config.Tenants the tenant has no endpoints.
func (n *Notifier) TenantStatus(ctx context.Context, tenant numberdesk.TenantID) ([]EndpointStatus, error) {
	out := []EndpointStatus{}
	if n.tenants == nil {
		return out, nil
	}
	eps, err := n.tenants.WebhookEndpoints(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for i, te := range eps {
		ep, err := parseEndpoint("webhook.TenantStatus", "", tenantScope(tenant), te)
		if err != nil {
			name := te.Name
			if name == "" {
				name = fmt.Sprintf("tenant endpoint %d", i)
			}
			out = append(out, EndpointStatus{Endpoint: name, State: BreakerClosed, Failures: []Failure{},
				Misconfigured: strings.TrimSpace(numberdesk.ErrorMessage(err))})
			continue
		}
		out = append(out, n.statusOf(ep))
	}
	return out, nil
}

// tenantScope is the scope of a tenant's endpoints in their keys: the
// same URL of two tenants is two endpoints, each with its own status.
func tenantScope(tenant numberdesk.TenantID) string { return "tenant " + string(tenant) }

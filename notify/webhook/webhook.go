package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
)

// DefaultTimeout is the Config.Timeout used when none is set (Standard
// Webhooks recommends 15 to 30 seconds).
const DefaultTimeout = 15 * time.Second

// DefaultMaxRetryAfter is the Config.MaxRetryAfter used when none is set.
const DefaultMaxRetryAfter = time.Hour

// UserAgent is the User-Agent of every webhook request.
const UserAgent = "NumberDesk-Webhook/1"

const (
	// maxDrain is how much of a response body is read, and discarded, so
	// that the connection can be reused.
	maxDrain = 64 << 10
	// maxRedirects is how many redirects (same host, POST kept) a request
	// follows.
	maxRedirects = 5
)

// Payload is the JSON body of every webhook: the event without its
// Transient value, with At in UTC. Its fields and their JSON names are
// stable; new fields may be added.
type Payload struct {
	ID     numberdesk.EventID   `json:"id"`               // also the webhook-id header
	Type   numberdesk.EventType `json:"type"`             // e.g. "number.activated"
	Tenant numberdesk.TenantID  `json:"tenant"`           // the tenant the event belongs to
	Seq    int64                `json:"seq"`              // increases with every event, store-wide
	At     time.Time            `json:"at"`               // when it took effect, RFC 3339 in UTC
	Actor  numberdesk.Actor     `json:"actor"`            // who did it: tenant, staff (if any), role
	Number numberdesk.NumberID  `json:"number,omitempty"` // the number it is about, if any
	Data   json.RawMessage      `json:"data,omitempty"`   // the domain's payload (see the event's package)
}

// PayloadOf returns the Payload of e. It never holds e.Transient.
func PayloadOf(e numberdesk.Event) Payload {
	return Payload{ID: e.ID, Type: e.Type, Tenant: e.Tenant, Seq: e.Seq, At: e.At.UTC(),
		Actor: e.Actor, Number: e.Number, Data: e.Data}
}

// Config configures New.
type Config struct {
	// Endpoints receive the events of every tenant: the vendor's own
	// systems (billing, CRM, monitoring).
	Endpoints []Endpoint
	// Tenants, if set, loads the endpoints of an event's tenant, which
	// receive that tenant's events only.
	Tenants TenantEndpoints
	// Client sends the requests; nil means a client with
	// http.DefaultTransport. The Notifier uses a copy whose CheckRedirect
	// follows a redirect only to the same host (scheme, host and port) with
	// the method POST kept (307, 308), at most 5 times, and then asks
	// Client's own CheckRedirect, if any. Unless AllowPrivateTargets is
	// set, Client.Transport must be nil (http.DefaultTransport) or an
	// *http.Transport, which the Notifier copies with the guard against
	// internal addresses (see AllowPrivateTargets).
	Client *http.Client
	// Timeout bounds each request: connecting, sending, and receiving the
	// response; 0 means DefaultTimeout. Keep it well below half the
	// Dispatcher's Lease.
	Timeout time.Duration
	// MaxRetryAfter bounds what a Retry-After of a 429 or 503 reply may ask
	// for; 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Clock gives the webhook-timestamp, the time that a Retry-After date
	// is measured from, and the circuit breakers' time; nil is the wall
	// clock.
	Clock numberdesk.Clock
	// AllowPrivateTargets turns off the guard against server-side request
	// forgery. By default the Notifier refuses to connect to a loopback,
	// private (RFC 1918, RFC 6598, IPv6 unique local), link-local (the
	// cloud metadata address 169.254.169.254 included), unspecified,
	// broadcast or multicast address: it checks the address a host
	// resolved to when it dials (so a name that resolves anew, DNS
	// rebinding, or a redirect cannot get past it), and it uses no HTTP
	// proxy (which would hide the target). A refused endpoint fails
	// permanently with a *RefusedAddressError. Set it for receivers in
	// the vendor's own network (on-premise) and in tests; an egress proxy
	// then goes in Client.Transport.
	AllowPrivateTargets bool
	// BreakerFailures is how many consecutive failed attempts open an
	// endpoint's circuit breaker: the endpoint is then skipped, without a
	// request, for BreakerCoolDown, then one webhook probes it (see
	// BreakerState); 0 means DefaultBreakerFailures, a negative value
	// turns the breakers off. BreakerCoolDown 0 means
	// DefaultBreakerCoolDown.
	BreakerFailures int
	BreakerCoolDown time.Duration
}

// Notifier is a notify.Notifier that POSTs each event as a signed webhook
// to the vendor's endpoints and to the endpoints of the event's tenant that
// want its type; see the package documentation for the payload, the headers
// and how failures are treated. It is safe for concurrent use.
type Notifier struct {
	vendor        []*endpoint
	tenants       TenantEndpoints
	client        *http.Client
	timeout       time.Duration
	maxRetryAfter time.Duration
	clock         numberdesk.Clock
	progress      progress
	health        *health
}

// New returns a Notifier for cfg. A malformed cfg is a *numberdesk.Error
// with CodeInvalid whose Field names the Config field at fault
// ("Endpoints[1].URL", "Endpoints[0].Secrets[1]", "Timeout", ...; see
// Endpoint.Check) and whose text holds neither a URL nor a secret; a cfg
// with neither Endpoints nor Tenants is CodeInvalid with Field "Endpoints".
// New sends nothing.
func New(cfg Config) (*Notifier, error) {
	const op = "webhook.New"
	switch {
	case len(cfg.Endpoints) == 0 && cfg.Tenants == nil:
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "Endpoints", "Es ist kein Endpunkt konfiguriert.")
	case cfg.Timeout < 0:
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "Timeout", "Die Zeitspanne darf nicht negativ sein.")
	case cfg.MaxRetryAfter < 0:
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "MaxRetryAfter", "Die Zeitspanne darf nicht negativ sein.")
	case cfg.BreakerCoolDown < 0:
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "BreakerCoolDown", "Die Zeitspanne darf nicht negativ sein.")
	}
	n := &Notifier{tenants: cfg.Tenants, timeout: cfg.Timeout, maxRetryAfter: cfg.MaxRetryAfter, clock: cfg.Clock}
	for i, e := range cfg.Endpoints {
		ep, err := parseEndpoint(op, fmt.Sprintf("Endpoints[%d].", i), "vendor", e)
		if err != nil {
			return nil, err
		}
		n.vendor = append(n.vendor, ep)
	}
	if n.timeout == 0 {
		n.timeout = DefaultTimeout
	}
	if n.maxRetryAfter == 0 {
		n.maxRetryAfter = DefaultMaxRetryAfter
	}
	n.client = &http.Client{}
	if cfg.Client != nil {
		c := *cfg.Client
		n.client = &c
	}
	n.client.CheckRedirect = sameHost(n.client.CheckRedirect)
	if !cfg.AllowPrivateTargets {
		t, err := guard(n.client.Transport)
		if err != nil {
			e := numberdesk.E(numberdesk.CodeInvalid, op, "Client", "Der Schutz vor internen Adressen braucht einen *http.Transport; sonst ist AllowPrivateTargets zu setzen.")
			e.Err = err
			return nil, e
		}
		n.client.Transport = t
	}
	threshold, coolDown := cfg.BreakerFailures, cfg.BreakerCoolDown
	if threshold == 0 {
		threshold = DefaultBreakerFailures
	}
	if coolDown == 0 {
		coolDown = DefaultBreakerCoolDown
	}
	n.health = newHealth(threshold, coolDown)
	return n, nil
}

// sameHost returns a redirect policy that follows a redirect only to the
// same origin (scheme, host and port), keeping the method POST (so that the
// body and its signature go along), at most maxRedirects times, and then
// asks next, if any. Otherwise the redirect's response is the answer (a 3xx,
// a permanent failure).
func sameHost(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		switch {
		case len(via) > maxRedirects,
			req.Method != http.MethodPost,
			origin(req.URL) != origin(via[0].URL):
			return http.ErrUseLastResponse
		case next != nil:
			return next(req, via)
		}
		return nil
	}
}

// origin returns the scheme, host and port of u, the port made explicit.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// EndpointError is the failure of one webhook request to one endpoint. Its
// text names the endpoint, the HTTP status or the transport error, never
// the URL, the payload, a secret or the response body.
type EndpointError struct {
	Endpoint string // the endpoint's Name
	// Status is the HTTP status of the reply; 0 if there was none (a
	// timeout, a refused connection, a malformed tenant endpoint).
	Status int
	// RetryAfter is what the Retry-After of a 429 or 503 reply asked for,
	// bounded by Config.MaxRetryAfter; 0 if nothing.
	RetryAfter time.Duration
	// Permanent reports whether retrying this endpoint cannot help: a 3xx
	// (a redirect not followed) or a 4xx other than 408 and 429, or a
	// malformed tenant endpoint.
	Permanent bool
	Err       error // the transport error or the configuration error, if any
}

// Error returns `webhook: endpoint "name": HTTP 503 Service Unavailable
// (retry after 30s)` or `webhook: endpoint "name": <cause>`.
func (e *EndpointError) Error() string {
	var b strings.Builder
	b.WriteString("webhook: endpoint ")
	b.WriteString(strconv.Quote(e.Endpoint))
	b.WriteString(": ")
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if t := http.StatusText(e.Status); t != "" {
			b.WriteString(" " + t)
		}
		if e.Status >= 300 && e.Status < 400 {
			b.WriteString(" (the redirect is not followed: update the URL)")
		}
		if e.RetryAfter > 0 {
			fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
		}
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("failed")
	}
	return b.String()
}

// Unwrap returns the cause, if any.
func (e *EndpointError) Unwrap() error { return e.Err }

// target is one endpoint of an event, or one that could not be used.
type target struct {
	ep      *endpoint      // nil if the tenant's endpoint is malformed
	invalid *EndpointError // then this is its outcome
}

// Notify delivers e to every endpoint that wants it, all at once, and
// returns nil once each has answered 2xx. It returns a transient error
// while any endpoint failed transiently (wrapped with notify.RetryAfter if
// a reply asked for a delay), and a notify.Permanent one once all remaining
// failures are permanent. The endpoints that answered 2xx, or failed
// permanently, are remembered until e's outcome is final, so that a retry
// by this process reaches only the others (see the package documentation).
// An event that has no endpoint is delivered. An event whose ID holds a '.'
// or whose Data is not JSON is a Permanent CodeInvalid error.
func (n *Notifier) Notify(ctx context.Context, e numberdesk.Event) error {
	targets, lookupErr := n.targets(ctx, e)
	if len(targets) == 0 && lookupErr == nil {
		return nil
	}
	var body []byte
	if len(targets) > 0 {
		var err error
		if body, err = encode(e); err != nil {
			return err
		}
	}
	done := n.progress.outcomes(e.ID)
	results := make([]*EndpointError, len(targets))
	sent := make([]bool, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		switch outcome, ok := done[t.key()]; {
		case t.ep == nil:
			results[i] = t.invalid
		case ok:
			results[i] = outcome
		default:
			if skip := n.health.admit(t.ep.key, t.ep.name, n.clock.Now()); skip != nil {
				results[i] = skip
				continue
			}
			sent[i] = true
			wg.Go(func() {
				results[i] = n.post(ctx, t.ep, e.ID, body)
				n.health.record(ctx, t.ep.key, t.ep.name, e.ID, n.clock.Now(), results[i])
			})
		}
	}
	wg.Wait()

	var errs []error
	transient, hint := false, time.Duration(0)
	for _, r := range results {
		if r == nil {
			continue
		}
		errs = append(errs, r)
		if !r.Permanent {
			transient = true
			hint = max(hint, r.RetryAfter)
		}
	}
	if lookupErr != nil {
		transient = transient || !notify.IsPermanent(lookupErr)
		errs = append(errs, lookupErr)
	}
	switch {
	case len(errs) == 0:
		n.progress.forget(e.ID)
		return nil
	case !transient:
		n.progress.forget(e.ID)
		return notify.Permanent(errors.Join(errs...))
	}
	for i, t := range targets {
		if sent[i] && (results[i] == nil || results[i].Permanent) {
			n.progress.remember(e.ID, t.key(), results[i])
		}
	}
	for i, err := range errs {
		if notify.IsPermanent(err) {
			errs[i] = errors.New(err.Error()) // the text only: the event is to be retried
		}
	}
	return notify.RetryAfter(errors.Join(errs...), hint)
}

// key identifies the target among the endpoints of an event.
func (t target) key() string {
	if t.ep == nil {
		return ""
	}
	return t.ep.key
}

// targets returns the endpoints that want e: the vendor's, then the
// tenant's. A failed lookup of the tenant's is returned as an error (the
// vendor's endpoints are still served).
func (n *Notifier) targets(ctx context.Context, e numberdesk.Event) ([]target, error) {
	const op = "webhook.Notify"
	var ts []target
	for _, ep := range n.vendor {
		if ep.wants(e.Type) {
			ts = append(ts, target{ep: ep})
		}
	}
	if n.tenants == nil {
		return ts, nil
	}
	eps, err := n.tenants.WebhookEndpoints(ctx, e.Tenant)
	if err != nil {
		return ts, fmt.Errorf("webhook: loading the endpoints of tenant %s: %w", e.Tenant, err)
	}
	for i, te := range eps {
		ep, err := parseEndpoint(op, fmt.Sprintf("Endpoints[%d].", i), tenantScope(e.Tenant), te)
		if err != nil {
			name := te.Name
			if name == "" {
				name = fmt.Sprintf("tenant endpoint %d", i)
			}
			ts = append(ts, target{invalid: &EndpointError{Endpoint: name, Permanent: true, Err: err}})
			continue
		}
		if ep.wants(e.Type) {
			ts = append(ts, target{ep: ep})
		}
	}
	return ts, nil
}

// encode returns the body of e's webhooks. A malformed event is a Permanent
// CodeInvalid error whose text holds nothing of the event's data.
func encode(e numberdesk.Event) ([]byte, error) {
	const op = "webhook.Notify"
	if err := checkID(op, string(e.ID)); err != nil {
		return nil, notify.Permanent(err)
	}
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		return nil, notify.Permanent(numberdesk.E(numberdesk.CodeInvalid, op, "data", "Die Daten des Ereignisses sind kein gültiges JSON."))
	}
	b, err := json.Marshal(PayloadOf(e))
	if err != nil {
		return nil, notify.Permanent(numberdesk.Internal(op, err))
	}
	return b, nil
}

// post sends one webhook and returns nil if the endpoint answered 2xx.
func (n *Notifier) post(ctx context.Context, ep *endpoint, id numberdesk.EventID, body []byte) *EndpointError {
	rctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, ep.url, bytes.NewReader(body))
	if err != nil { // the URL was checked: cannot happen
		return &EndpointError{Endpoint: ep.name, Permanent: true, Err: errors.New("the request cannot be built")}
	}
	ts := n.clock.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderID, string(id))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, ep.signature(string(id), ts, body))
	resp, err := n.client.Do(req)
	if err != nil {
		if refused, ok := errors.AsType[*RefusedAddressError](err); ok {
			return &EndpointError{Endpoint: ep.name, Permanent: true, Err: refused}
		}
		return &EndpointError{Endpoint: ep.name, Err: n.cause(ctx, err)}
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	return n.classify(ep, resp)
}

// cause returns the transport error err without the *url.Error around it,
// whose text holds the URL (its path or query may carry a token), and names
// a timeout as one.
func (n *Notifier) cause(ctx context.Context, err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no answer within %s: %w", n.timeout, context.DeadlineExceeded)
	}
	return err
}

// classify turns a reply into nil (2xx) or the endpoint's failure: 408,
// 429, 5xx and other statuses are transient, 3xx and the other 4xx
// permanent.
func (n *Notifier) classify(ep *endpoint, resp *http.Response) *EndpointError {
	s := resp.StatusCode
	if s >= 200 && s < 300 {
		return nil
	}
	ee := &EndpointError{Endpoint: ep.name, Status: s}
	switch {
	case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
		ee.RetryAfter = n.retryAfter(resp.Header.Get("Retry-After"))
	case s == http.StatusRequestTimeout:
	case s >= 300 && s < 500:
		ee.Permanent = true
	}
	return ee
}

// retryAfter returns the wait a Retry-After header asks for (seconds or an
// HTTP date), bounded by MaxRetryAfter; 0 for none or a malformed one.
func (n *Notifier) retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs > int64(n.maxRetryAfter/time.Second) {
			return n.maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = at.Sub(n.clock.Now())
	}
	return min(max(d, 0), n.maxRetryAfter)
}

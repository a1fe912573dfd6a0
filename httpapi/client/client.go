// Package client is a Go client of the NumberDesk HTTP API (package
// httpapi): typed methods for its operations, with the SDK's own types.
// A problem response comes back as a *numberdesk.Error with the problem's
// code, field and German message, so that numberdesk.ErrorCode,
// ErrorField and ErrorMessage work as on the SDK itself.
//
// The client is small enough for the browser: it sends requests through a
// Transport, which in a js/wasm build is the browser's fetch (Fetch, no
// net/http) and elsewhere net/http (HTTP).
//
// Every POST carries a fresh Idempotency-Key, and a POST whose transport
// failed (no response: the request may or may not have run) is sent once
// more with the same key: the server runs it at most once.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/numberdesk/numberdesk"
)

// Request is one HTTP request as a Transport sends it.
type Request struct {
	Method string
	// Path is the path and query below the API's base, e.g.
	// "/api/v1/numbers?limit=50".
	Path   string
	Header map[string]string
	Body   []byte // JSON, or nil
}

// Response is what a Transport got: the status, the headers (keys in
// canonical form, e.g. "Etag" as net/http spells it: use Response.Get) and
// the body.
type Response struct {
	Status int
	Header map[string]string
	Body   []byte
}

// Get returns the header name, in any case.
func (r *Response) Get(name string) string {
	for k, v := range r.Header {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Transport sends a request and returns the response; an error means no
// response arrived.
type Transport interface {
	RoundTrip(ctx context.Context, r *Request) (*Response, error)
}

// Client calls the API through a Transport.
type Client struct {
	t Transport
}

// New returns a client over t.
func New(t Transport) *Client { return &Client{t: t} }

// problem is the body of a problem response.
type problem struct {
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	Field     string `json:"field"`
	RequestID string `json:"request_id"`
}

// Error is a problem the API answered with. It unwraps to a
// *numberdesk.Error with the problem's code, field and message.
type Error struct {
	Status    int
	RequestID string
	Err       *numberdesk.Error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s (request %s)", e.Status, e.Err.Error(), e.RequestID)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrUnreachable is in the chain of an error (errors.Is) when no response
// arrived: the server or the network is down, or the browser is offline.
// A command that failed so may or may not have run; sent again with the
// same idempotency key (WithIdempotencyKey) it runs at most once.
var ErrUnreachable = errors.New("client: the server is unreachable")

// Status is the HTTP status of err if the API answered with a problem,
// else 0.
func Status(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// call sends method path with in (nil: no body) and decodes the response
// into out (nil: none). It returns the response for its headers.
func (c *Client) call(ctx context.Context, method, path string, header map[string]string, in, out any) (*Response, error) {
	r := &Request{Method: method, Path: path, Header: map[string]string{"Accept": "application/json"}}
	for k, v := range header {
		r.Header[k] = v
	}
	if raw, ok := in.(rawBody); ok { // a file, sent as it is (backoffice.go)
		r.Body = raw.data
		r.Header["Content-Type"] = raw.contentType
	} else if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		r.Body = b
		r.Header["Content-Type"] = "application/json"
	}
	attempts := 1
	if method == "POST" {
		if _, ok := r.Header["Idempotency-Key"]; !ok {
			key, _ := ctx.Value(keyCtx{}).(string)
			if key == "" {
				key = uuid.NewString()
			}
			r.Header["Idempotency-Key"] = key
		}
		attempts = 2
	}
	var resp *Response
	var err error
	for range attempts {
		if resp, err = c.t.RoundTrip(ctx, r); err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, &numberdesk.Error{Code: numberdesk.CodeInternal, Op: method + " " + path, Message: "Der Server ist nicht erreichbar.", Err: fmt.Errorf("%w: %w", ErrUnreachable, err)}
	}
	if resp.Status >= 400 {
		var p problem
		if json.Unmarshal(resp.Body, &p) != nil || p.Code == "" {
			p = problem{Code: string(numberdesk.CodeInternal), Detail: "Unerwartete Antwort des Servers (" + strconv.Itoa(resp.Status) + ")."}
		}
		if p.Detail == "" {
			p.Detail = "Interner Fehler."
		}
		return resp, &Error{Status: resp.Status, RequestID: p.RequestID,
			Err: &numberdesk.Error{Code: numberdesk.Code(p.Code), Op: method + " " + path, Field: p.Field, Message: p.Detail}}
	}
	if out != nil && len(bytes.TrimSpace(resp.Body)) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, numberdesk.Internal("client", fmt.Errorf("%s %s: %w", method, path, err))
		}
	}
	return resp, nil
}

type keyCtx struct{}

// WithIdempotencyKey returns ctx in which the client sends key as the
// Idempotency-Key of its POSTs, instead of a fresh one per call: a caller
// that repeats a command (a second click of the same dialog) with the same
// key gets the first one's result and no second effect.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyCtx{}, key)
}

// MaxLimit is the largest page the API returns.
const MaxLimit = 1000

// List is the API's shape of a collection.
type List[T any] struct {
	Items             []T    `json:"items"`
	NextCursor        string `json:"next_cursor"`
	Total             int    `json:"total"`
	TotalIsLowerBound bool   `json:"total_is_lower_bound"`
}

// params builds a query string.
type params url.Values

func (p params) set(k, v string) {
	if v != "" {
		url.Values(p).Set(k, v)
	}
}

func (p params) add(k string, vs ...string) {
	for _, v := range vs {
		url.Values(p).Add(k, v)
	}
}

func (p params) flag(k string, b bool) {
	if b {
		url.Values(p).Set(k, "true")
	}
}

func (p params) int(k string, n int) {
	if n != 0 {
		url.Values(p).Set(k, strconv.Itoa(n))
	}
}

func (p params) path(base string) string {
	if len(p) == 0 {
		return base
	}
	return base + "?" + url.Values(p).Encode()
}

// version is the If-Match of a version.
func ifMatch(version int64) map[string]string {
	return map[string]string{"If-Match": `"` + strconv.FormatInt(version, 10) + `"`}
}

func esc(id string) string { return url.PathEscape(id) }

//go:build !js

package client

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
)

// HTTP is the Transport of a Go program: net/http to the API at Base
// ("https://portal.example"; the paths start with /api/v1/). Header is
// added to every request (e.g. a proxy's identity headers in tests).
type HTTP struct {
	Client *http.Client // nil: http.DefaultClient
	Base   string
	Header map[string]string
}

// RoundTrip implements Transport.
func (t *HTTP) RoundTrip(ctx context.Context, r *Request) (*Response, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, strings.TrimSuffix(t.Base, "/")+r.Path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range t.Header {
		req.Header.Set(k, v)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	c := t.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := &Response{Status: resp.StatusCode, Header: make(map[string]string, len(resp.Header)), Body: b}
	for k := range resp.Header {
		out.Header[k] = resp.Header.Get(k)
	}
	return out, nil
}

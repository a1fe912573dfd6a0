//go:build js && wasm

package client

import (
	"context"
	"errors"
	"syscall/js"
)

// Fetch is the browser's Transport: window.fetch to the page's own origin
// (credentials "same-origin": the session cookie goes along), without
// net/http in the wasm binary. Its RoundTrip blocks until the response has
// arrived: call it from a goroutine (go-app's ctx.Async), never from a
// js.FuncOf callback.
type Fetch struct{}

// RoundTrip implements Transport.
func (Fetch) RoundTrip(ctx context.Context, r *Request) (*Response, error) {
	headers := js.Global().Get("Object").New()
	for k, v := range r.Header {
		headers.Set(k, v)
	}
	init := js.Global().Get("Object").New()
	init.Set("method", r.Method)
	init.Set("headers", headers)
	init.Set("credentials", "same-origin")
	init.Set("cache", "no-store")
	if r.Body != nil {
		// The bytes as they are (a string body would be re-encoded).
		body := js.Global().Get("Uint8Array").New(len(r.Body))
		js.CopyBytesToJS(body, r.Body)
		init.Set("body", body)
	}
	ctrl := js.Global().Get("AbortController").New()
	init.Set("signal", ctrl.Get("signal"))

	type result struct {
		resp *Response
		err  error
	}
	done := make(chan result, 1)
	var status int
	var hdr map[string]string
	var onBody, onResponse, onError js.Func
	release := func() { onBody.Release(); onResponse.Release(); onError.Release() }
	onError = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "fetch failed"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: errors.New(msg)}
		return nil
	})
	onBody = js.FuncOf(func(_ js.Value, args []js.Value) any {
		// The body's bytes as sent: Response.text() would decode them as
		// UTF-8, dropping a byte order mark (the Excel CSV's) and
		// replacing what is not UTF-8.
		buf := js.Global().Get("Uint8Array").New(args[0])
		body := make([]byte, buf.Get("length").Int())
		js.CopyBytesToGo(body, buf)
		done <- result{resp: &Response{Status: status, Header: hdr, Body: body}}
		return nil
	})
	onResponse = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resp := args[0]
		status = resp.Get("status").Int()
		hdr = map[string]string{}
		it := resp.Get("headers").Call("entries")
		for {
			n := it.Call("next")
			if n.Get("done").Bool() {
				break
			}
			kv := n.Get("value")
			hdr[kv.Index(0).String()] = kv.Index(1).String()
		}
		resp.Call("arrayBuffer").Call("then", onBody).Call("catch", onError)
		return nil
	})
	js.Global().Call("fetch", r.Path, init).Call("then", onResponse).Call("catch", onError)
	select {
	case res := <-done:
		release()
		return res.resp, res.err
	case <-ctx.Done():
		ctrl.Call("abort")
		<-done // the promise settles (rejected) after the abort
		release()
		return nil, ctx.Err()
	}
}

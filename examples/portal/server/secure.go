package server

import (
	"maps"
	"net/http"
	"strings"
	"time"
)

// ContentSecurityPolicy is the policy of every response. It allows exactly
// what the portal loads, all of it from its own origin:
//
//   - default-src 'none': nothing that is not listed below.
//   - script-src 'self' 'wasm-unsafe-eval': go-app's page has no inline
//     script (its <head> loads /wasm_exec.js and /app.js, and the server's
//     tests fail if a page carries inline code); 'wasm-unsafe-eval' lets
//     app.js compile app.wasm (WebAssembly.instantiateStreaming), and
//     nothing else: no eval, no new Function.
//   - style-src 'self': /app.css and /web/portal.css; no style attribute and
//     no <style> element (the components set none; go-app's Style() would
//     need 'unsafe-inline' and is not used).
//   - img-src, manifest-src, connect-src, worker-src 'self': the icons, the
//     web app manifest, the fetch of app.wasm (and the service worker's
//     fetches: the worker script is served with this policy too), and
//     /app-worker.js.
//   - base-uri 'none', object-src 'none', form-action 'none': no <base>, no
//     plugins, and no form is ever sent (every form of the components
//     handles its submit event in Go and prevents the default).
//   - frame-ancestors 'none': no page may embed the portal, so the
//     paid-consent button ("Rufnummern jetzt kostenpflichtig aktivieren")
//     cannot be overlaid and clicked by another site (clickjacking).
//     X-Frame-Options: DENY says the same to browsers without CSP level 2.
const ContentSecurityPolicy = "default-src 'none'; " +
	"script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self'; " +
	"img-src 'self'; " +
	"manifest-src 'self'; " +
	"connect-src 'self'; " +
	"worker-src 'self'; " +
	"base-uri 'none'; " +
	"object-src 'none'; " +
	"form-action 'none'; " +
	"frame-ancestors 'none'"

// securityHeaders are set on every response, errors and 304s included.
var securityHeaders = map[string]string{
	"Content-Security-Policy": ContentSecurityPolicy,
	"X-Frame-Options":         "DENY",
	// No MIME sniffing: scripts, styles and wasm run only with their own
	// Content-Type (go-app and this package set them).
	"X-Content-Type-Options": "nosniff",
	// A link to a vendor's help page or any other site tells it nothing
	// about the portal's URLs.
	"Referrer-Policy": "no-referrer",
	// A page the portal opens, or that opens the portal, gets no handle on
	// the portal's window (and the other way round).
	"Cross-Origin-Opener-Policy": "same-origin",
	// Other origins cannot load the portal's files (no-cors fetches,
	// <img>, <script>): nothing of the portal is meant to be embedded.
	"Cross-Origin-Resource-Policy": "same-origin",
}

// SecurityHeaders returns the headers the handler sets on every response:
// Content-Security-Policy (ContentSecurityPolicy), X-Frame-Options,
// X-Content-Type-Options, Referrer-Policy, Cross-Origin-Opener-Policy and
// Cross-Origin-Resource-Policy, by canonical name.
func SecurityHeaders() map[string]string {
	return maps.Clone(securityHeaders)
}

// AllowedMethods is the Allow header of a 405: every path of the portal is
// static (pages, go-app's files, /web/).
const AllowedMethods = "GET, HEAD"

// harden wraps the portal's handler: the security headers on every
// response, then GET and HEAD only (405 with Allow), no request body (413),
// and no path segment that starts with "." (404: no dotfiles, no ".."), in
// this order.
func harden(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		for k, v := range securityHeaders {
			hdr.Set(k, v)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			hdr.Set("Allow", AllowedMethods)
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// A static path takes no body. A declared one (Content-Length > 0,
		// or chunked: -1) is refused before anything reads it; the server
		// closes the connection instead of reading a large body.
		if r.ContentLength != 0 {
			http.Error(w, "413 a request to the portal carries no body", http.StatusRequestEntityTooLarge)
			return
		}
		if hasDotSegment(r.URL.Path) {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hasDotSegment reports whether a segment of the (decoded) URL path starts
// with ".": a hidden file or directory (.env, .git/config), "." or "..".
func hasDotSegment(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// The limits of NewHTTPServer.
const (
	// ReadHeaderTimeout bounds the time to send the request line and the
	// headers (slowloris).
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds the time to read the whole request; the portal's
	// requests have no body.
	ReadTimeout = 15 * time.Second
	// WriteTimeout bounds the time from the end of the request headers to
	// the end of the response. The largest response is app.wasm: about
	// 2.9 MB gzip-compressed, which needs 90 s at 256 kbit/s.
	WriteTimeout = 2 * time.Minute
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes bounds the request line and headers (the default is
	// 1 MB).
	MaxHeaderBytes = 64 << 10
)

// NewHTTPServer returns an http.Server for the handler with the timeouts
// and the header limit above. examples/portal serves with it; an embedding
// program that has its own server should set the same fields.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

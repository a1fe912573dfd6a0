// Package webhook delivers the SDK's events as signed webhooks following
// the Standard Webhooks specification 1.0.0 (https://www.standardwebhooks.com),
// and lets receivers verify them. It is for servers: the browser build
// never imports it.
//
// A [Notifier] is a [notify.Notifier] for the outbox [notify.Dispatcher].
// It POSTs every event to the vendor's endpoints ([Config.Endpoints], which
// receive the events of all tenants) and to the endpoints of the event's
// tenant ([Config.Tenants], loaded from the vendor's storage through
// [TenantEndpoints]); an [Endpoint] may be limited to some event types.
// Receivers use a [Verifier].
//
// # Payload
//
// The body is JSON, the [Payload] of the event, with Content-Type
// application/json:
//
//	{
//	  "id": "5f0c…",                 the event ID, also the webhook-id
//	  "type": "number.activated",    the event type
//	  "tenant": "0b6e…",             the tenant
//	  "seq": 42,                     increases with every event, store-wide
//	  "at": "2026-11-27T12:00:00Z",  when it took effect, RFC 3339, UTC
//	  "actor": {"tenant": "0b6e…", "staff": "9a1d…", "role": "owner"},
//	  "number": "c2f4…",             the number it is about (left out if none)
//	  "data": {…}                    the domain's payload (left out if none)
//	}
//
// The shape of data is documented with each event type in its package
// (numbers, staff, routing, efax). The event's in-memory Transient value
// (efax's login data with the secret) is never part of a payload.
//
// # Headers and signature
//
// Every request carries:
//
//	webhook-id:        the event ID: the same on every retry, the key to de-duplicate by
//	webhook-timestamp: the time of this attempt, integer Unix seconds
//	webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
//
// The signature covers the raw body bytes exactly as sent: a receiver
// verifies the bytes it read, never a re-encoding of the parsed JSON. A
// secret ([Secret]) is "whsec_" followed by the base64 of 24 to 64 random
// bytes, the HMAC key ([NewSecret] makes one); secrets redact themselves
// when printed or logged.
//
// # Asymmetric signatures
//
// An endpoint may also have ed25519 signing keys ([Endpoint.SigningKeys],
// "whsk_…"; [NewSigningKey]): each adds a "v1a," entry, the standard base64
// of the ed25519 signature of the same id.timestamp.body, after the "v1,"
// entries. The receiver holds only the [PublicKey] ("whpk_…"), which can
// verify but not sign ([NewPublicKeyVerifier]); several keys rotate as
// secrets do. A signing key redacts itself as a secret does.
//
// # Rotation
//
// The signature header is a space-separated list with one "v1," entry per
// secret of the endpoint. To rotate, give the endpoint the new secret in
// front of the old one: every webhook is then signed with both, and a
// receiver that holds either accepts it. Once the receiver has switched to
// the new secret, drop the old one. A [Verifier] may hold several secrets
// too; it accepts a webhook if any "v1," entry matches any of them
// (compared in constant time) and skips entries of other versions.
//
// # Timestamps
//
// A Verifier refuses a webhook whose timestamp lies more than its Tolerance
// (default 5 minutes) in the past or the future, so that a recorded
// delivery cannot be replayed later. Retries are signed anew with the time
// of the attempt, so a late retry is not refused.
//
// # Retries and permanent failures
//
// The Notifier classifies each endpoint's answer:
//
//   - 2xx: delivered.
//   - 408, 429, 5xx, a timeout ([Config.Timeout], default 15 s), a refused
//     or dropped connection, any other transport error: transient. A
//     Retry-After of a 429 or 503 reply (seconds or an HTTP date, bounded
//     by [Config.MaxRetryAfter]) is passed to the dispatcher with
//     [notify.RetryAfter], which retries no sooner than it asks.
//   - 3xx: permanent. A redirect is followed only to the same host (scheme,
//     host and port) with the method POST kept (307, 308); any other is
//     refused, and the receiver should update the URL.
//   - every other 4xx (400, 401, 403, 404, 410, 413, ...): permanent.
//   - a tenant endpoint that is malformed (see [Endpoint.Check]): permanent.
//   - an address the guard refuses (see Internal addresses): permanent.
//   - an endpoint whose circuit breaker is open: transient, no request.
//
// The outbox keeps one delivery state per event, not per endpoint.
// [Notifier.Notify] therefore returns a transient error while any endpoint
// failed transiently, so that the dispatcher retries the event, and a
// [notify.Permanent] one, which dead-letters the event where operators see
// it, once every failure left is permanent; the error names each failing
// endpoint and its status. Meanwhile the Notifier remembers which endpoints
// are done with the event (answered 2xx, or failed permanently), so that
// its retries reach only the others. The memory is the process's: after a
// restart, or for a retry by another node, every endpoint gets the event
// again.
//
// # Circuit breaker
//
// Each endpoint has a circuit breaker, so that a dead endpoint does not
// cost its timeout for every event: after [Config.BreakerFailures]
// consecutive failed attempts (default 5; any failure counts, a success
// resets) the endpoint is skipped, without a request, for
// [Config.BreakerCoolDown] (default 1 minute). A skipped endpoint is a
// transient failure ([ErrCircuitOpen]) with the rest of the cool-down as
// its [notify.RetryAfter] hint, so the event stays pending in the outbox
// and its other endpoints still get it. After the cool-down one webhook is
// the probe (the others wait meanwhile): its success closes the breaker,
// its failure opens it for another cool-down. The breakers are the
// process's: each node learns on its own.
//
// # Internal addresses
//
// Tenants supply their own URLs, so by default the Notifier refuses to
// connect to a loopback, private (RFC 1918, RFC 6598, IPv6 unique local),
// link-local (169.254.169.254, where clouds serve credentials, included),
// unspecified, broadcast or multicast address (server-side request
// forgery). It checks the address when it dials, after the name was
// resolved, so a name that resolves to another address for the request
// than when it was saved (DNS rebinding) and a redirect are checked too,
// and it uses no HTTP proxy, which would hide the target. A refused
// endpoint fails permanently with a [RefusedAddressError] that names the
// address. [Config.AllowPrivateTargets] turns the guard off: for receivers
// in the vendor's own network and for tests (httptest servers listen on
// 127.0.0.1). A [Config.Client] with another Transport than an
// *http.Transport cannot be guarded and is refused unless the guard is
// off.
//
// # Status
//
// [Notifier.TenantStatus] and [Notifier.VendorStatus] tell, per endpoint,
// the breaker's state, the last attempt and success, and the latest ten
// failures (time, event, HTTP status, the error's text), as this process
// saw them: what a tenant's back office shows (httpapi serves it at GET
// /api/v1/webhooks/status). The outbox keeps the per-event state
// (notify.Delivery).
//
// # At least once
//
// Delivery is at least once: an endpoint can receive an event more than
// once (a crash between sending and recording, a reply lost to a timeout,
// a retry after a restart). Receivers de-duplicate by webhook-id and
// answer a duplicate with 2xx.
//
// # What an error holds
//
// Errors, and so the outbox's stored last error and the dispatcher's log,
// name an endpoint by its Name (default its host), never by its URL, whose
// path or query may hold a token; they hold no payload, no response body
// and no secret.
package webhook

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

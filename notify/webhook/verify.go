package webhook

import (
	"crypto/ed25519"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// The headers of a webhook (Standard Webhooks).
const (
	HeaderID        = "webhook-id"        // the event ID, the same on every retry
	HeaderTimestamp = "webhook-timestamp" // the attempt's time, integer Unix seconds
	HeaderSignature = "webhook-signature" // "v1,<base64>" (and "v1a,<base64>") entries, separated by spaces
)

// DefaultTolerance is the Verifier.Tolerance used when none is set.
const DefaultTolerance = 5 * time.Minute

// Causes of the errors of Verify, for errors.Is. Each comes wrapped in a
// *numberdesk.Error with CodeInvalid whose Field names the header at fault.
var (
	ErrMissingHeader       = errors.New("webhook: a required header is missing")
	ErrMalformedTimestamp  = errors.New("webhook: the timestamp is not an integer")
	ErrTooOld              = errors.New("webhook: the timestamp is older than the tolerance")
	ErrTooNew              = errors.New("webhook: the timestamp is further in the future than the tolerance")
	ErrNoMatchingSignature = errors.New("webhook: no signature matches")
)

// Verifier checks webhooks on the receiving side. Create it with
// NewVerifier; set Tolerance and Clock before first use. A Verifier is safe
// for concurrent use.
type Verifier struct {
	// Tolerance is how far the webhook-timestamp may lie from the Clock's
	// time, into the past or the future; default DefaultTolerance. An older
	// delivery is refused, so that a recorded one cannot be replayed later.
	Tolerance time.Duration
	// Clock is the receiver's time; nil is the wall clock.
	Clock numberdesk.Clock

	keys   [][]byte            // HMAC keys ("v1,"), NewVerifier
	public []ed25519.PublicKey // ed25519 keys ("v1a,"), NewPublicKeyVerifier
}

// NewVerifier returns a Verifier that accepts a webhook signed with any of
// secrets: during a rotation the receiver may hold the old secret, the new
// one, or both. No secret is CodeInvalid (Field "secrets"); a malformed one
// is CodeInvalid (Field "secrets[i]").
func NewVerifier(secrets ...Secret) (*Verifier, error) {
	const op = "webhook.NewVerifier"
	if len(secrets) == 0 {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "secrets", "Es ist kein Geheimnis angegeben.")
	}
	keys, err := keysOf(op, "secrets", secrets)
	if err != nil {
		return nil, err
	}
	return &Verifier{keys: keys}, nil
}

// Verify checks a webhook's headers and its body, the raw bytes exactly as
// received (never a re-encoding of them): webhook-id, webhook-timestamp and
// webhook-signature must be present, the timestamp must lie within
// Tolerance of the Clock's time, and one "v1," entry of the signature list
// must be the HMAC of id.timestamp.body under one of the Verifier's secrets
// (compared in constant time) or, for a NewPublicKeyVerifier, one "v1a,"
// entry the ed25519 signature of it by one of its keys (entries of other
// versions are skipped). It
// returns a *numberdesk.Error with CodeInvalid whose Field names the header
// at fault and whose cause is one of ErrMissingHeader, ErrMalformedTimestamp,
// ErrTooOld, ErrTooNew and ErrNoMatchingSignature. A receiver answers such
// an error with 400 or 401 and processes the webhook only once per
// webhook-id.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	const op = "webhook.Verify"
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	for _, hv := range [...]struct{ name, value string }{{HeaderID, id}, {HeaderTimestamp, ts}, {HeaderSignature, sigs}} {
		if hv.value == "" {
			return &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: hv.name, Message: "Die Kopfzeile fehlt.", Err: ErrMissingHeader}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: HeaderTimestamp, Message: "Der Zeitstempel ist keine ganze Zahl.", Err: ErrMalformedTimestamp}
	}
	tolerance := v.Tolerance
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	now, tol := v.Clock.Now().Unix(), int64(tolerance/time.Second)
	if unix < now-tol {
		return &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: HeaderTimestamp, Message: "Die Nachricht ist zu alt.", Err: ErrTooOld}
	}
	if unix > now+tol {
		return &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: HeaderTimestamp, Message: "Der Zeitstempel liegt zu weit in der Zukunft.", Err: ErrTooNew}
	}
	want := make([][]byte, len(v.keys))
	for i, k := range v.keys {
		want[i] = mac(k, id, unix, body)
	}
	var msg []byte
	if len(v.public) > 0 {
		msg = signedContent(id, unix, body)
	}
	for entry := range strings.FieldsSeq(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || (version != "v1" && version != "v1a") {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		if version == "v1a" {
			for _, pub := range v.public {
				if len(got) == ed25519.SignatureSize && ed25519.Verify(pub, msg, got) {
					return nil
				}
			}
			continue
		}
		for _, w := range want {
			if hmac.Equal(got, w) {
				return nil
			}
		}
	}
	return &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: HeaderSignature, Message: "Keine Signatur passt.", Err: ErrNoMatchingSignature}
}

// Parse verifies a webhook (see Verify) and decodes its body into a
// Payload. A body that is not a Payload is CodeInvalid (Field "body").
func (v *Verifier) Parse(h http.Header, body []byte) (Payload, error) {
	var p Payload
	if err := v.Verify(h, body); err != nil {
		return p, err
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return Payload{}, numberdesk.E(numberdesk.CodeInvalid, "webhook.Parse", "body", "Der Inhalt ist kein gültiges Ereignis.")
	}
	return p, nil
}

package webhook

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/url"
	"strings"

	"github.com/numberdesk/numberdesk"
)

// Endpoint is a receiver of webhooks.
type Endpoint struct {
	// Name names the endpoint in errors (the outbox's stored last error
	// included); default the URL's host and port. It must hold nothing
	// secret: the URL itself never appears in an error, since its path or
	// query may carry a token.
	Name string
	// URL is the absolute http or https URL the webhooks are POSTed to.
	// Prefer https: the signature protects the payload against tampering,
	// not against being read.
	URL string
	// Secrets sign every webhook, one "v1," signature each: normally one,
	// two during a rotation (the new one and the old one, until the
	// receiver has switched). At least one Secret or SigningKey is
	// required.
	Secrets []Secret
	// SigningKeys sign every webhook with ed25519, one "v1a," signature
	// each after the "v1," ones: receivers verify with the PublicKey alone
	// (NewPublicKeyVerifier), which cannot sign. Two during a rotation.
	SigningKeys []SigningKey
	// Types, if not empty, limits the endpoint to these event types. An
	// entry ending in ".*" matches every type with that prefix
	// ("number.*"); "*" matches all.
	Types []numberdesk.EventType
}

// Check reports whether e is a valid endpoint: an absolute http or https
// URL with a host (Field "URL"), at least one secret or signing key (Field
// "Secrets"), every secret and signing key well-formed (Field "Secrets[i]",
// "SigningKeys[i]"; see Secret and SigningKey), and no empty
// type or one with white space (Field "Types[i]"). It returns a
// *numberdesk.Error with CodeInvalid whose text holds neither the URL nor a
// secret. Call it when a tenant saves an endpoint, so that Notify never meets
// a malformed one.
func (e Endpoint) Check() error {
	_, err := parseEndpoint("webhook.Endpoint.Check", "", "", e)
	return err
}

// TenantEndpoints loads the endpoints of a tenant, for example from the
// vendor's own storage. The Notifier calls it for every event it delivers
// (cache if that is costly). An error is a transient failure of the event
// (the event is retried), unless it is wrapped with notify.Permanent. A
// tenant without endpoints returns none and no error.
type TenantEndpoints interface {
	WebhookEndpoints(ctx context.Context, tenant numberdesk.TenantID) ([]Endpoint, error)
}

// TenantEndpointsFunc adapts a function to the TenantEndpoints interface.
type TenantEndpointsFunc func(ctx context.Context, tenant numberdesk.TenantID) ([]Endpoint, error)

// WebhookEndpoints calls f(ctx, tenant).
func (f TenantEndpointsFunc) WebhookEndpoints(ctx context.Context, tenant numberdesk.TenantID) ([]Endpoint, error) {
	return f(ctx, tenant)
}

// endpoint is a checked Endpoint.
type endpoint struct {
	key     string // identifies it among the endpoints of an event (see progress)
	name    string
	url     string
	keys    [][]byte
	signers []ed25519.PrivateKey
	types   []numberdesk.EventType
}

// parseEndpoint checks e; the Field of an error starts with prefix (e.g.
// "Endpoints[2]."). scope tells vendor endpoints from tenant endpoints in
// the key.
func parseEndpoint(op, prefix, scope string, e Endpoint) (*endpoint, error) {
	invalid := func(field, msg string) error {
		return numberdesk.E(numberdesk.CodeInvalid, op, prefix+field, msg)
	}
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return nil, invalid("URL", "Die Adresse muss eine absolute http- oder https-URL sein.")
	}
	if len(e.Secrets) == 0 && len(e.SigningKeys) == 0 {
		return nil, invalid("Secrets", "Es ist kein Geheimnis angegeben.")
	}
	keys, err := keysOf(op, prefix+"Secrets", e.Secrets)
	if err != nil {
		return nil, err
	}
	signers, err := signersOf(op, prefix+"SigningKeys", e.SigningKeys)
	if err != nil {
		return nil, err
	}
	for i, t := range e.Types {
		if t == "" || strings.ContainsFunc(string(t), func(r rune) bool { return r <= ' ' }) {
			return nil, invalid(fmt.Sprintf("Types[%d]", i), "Der Ereignistyp ist leer oder enthält Leerraum.")
		}
	}
	name := e.Name
	if name == "" {
		name = u.Host
	}
	return &endpoint{key: scope + " " + e.URL, name: name, url: e.URL, keys: keys, signers: signers, types: e.Types}, nil
}

// signature is the webhook-signature header of a webhook to ep: its "v1,"
// entries, then its "v1a," entries.
func (ep *endpoint) signature(id string, timestamp int64, body []byte) string {
	v1, v1a := signature(ep.keys, id, timestamp, body), asymmetricSignature(ep.signers, id, timestamp, body)
	switch {
	case v1 == "":
		return v1a
	case v1a == "":
		return v1
	}
	return v1 + " " + v1a
}

// wants reports whether the endpoint takes events of type t.
func (ep *endpoint) wants(t numberdesk.EventType) bool {
	if len(ep.types) == 0 {
		return true
	}
	for _, p := range ep.types {
		switch {
		case p == "*", p == t:
			return true
		case strings.HasSuffix(string(p), ".*") && strings.HasPrefix(string(t), string(p[:len(p)-1])):
			return true
		}
	}
	return false
}

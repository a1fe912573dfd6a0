package webhook

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/internal/redact"
)

// The prefixes of Standard Webhooks' asymmetric keys.
const (
	SigningKeyPrefix = "whsk_"
	PublicKeyPrefix  = "whpk_"
)

// SigningKey is an ed25519 private key for Standard Webhooks' asymmetric
// signatures ("v1a,"), in its text form: SigningKeyPrefix followed by the
// standard base64 (with or without padding) of the 64-byte private key
// (the 32-byte seed followed by the public key, as crypto/ed25519 holds
// it); the 32-byte seed alone is read too. The vendor keeps it; receivers
// get its PublicKey only, so that none of them can forge a webhook for
// another (an HMAC secret can sign what it verifies).
//
// A SigningKey redacts itself wherever Go formats or encodes it, as a
// Secret does; only Reveal, or a conversion to string, returns the text.
type SigningKey string

// PublicKey is the public half of a SigningKey in its text form:
// PublicKeyPrefix followed by the standard base64 of the 32-byte ed25519
// public key. It is no secret: hand it to the receivers.
type PublicKey string

// NewSigningKey returns a fresh signing key from crypto/rand.
func NewSigningKey() SigningKey {
	_, priv, _ := ed25519.GenerateKey(rand.Reader) // never fails (crypto/rand crashes the program instead)
	return SigningKey(SigningKeyPrefix + base64.StdEncoding.EncodeToString(priv))
}

// ParseSigningKey checks text as a SigningKey. A malformed one is a
// *numberdesk.Error with CodeInvalid and Field "signing_key" whose text
// holds nothing of text.
func ParseSigningKey(text string) (SigningKey, error) {
	if _, problem := SigningKey(text).key(); problem != "" {
		return "", numberdesk.E(numberdesk.CodeInvalid, "webhook.ParseSigningKey", "signing_key", problem)
	}
	return SigningKey(text), nil
}

// ParsePublicKey checks text as a PublicKey. A malformed one is CodeInvalid
// with Field "public_key".
func ParsePublicKey(text string) (PublicKey, error) {
	if _, problem := PublicKey(text).key(); problem != "" {
		return "", numberdesk.E(numberdesk.CodeInvalid, "webhook.ParsePublicKey", "public_key", problem)
	}
	return PublicKey(text), nil
}

// decode64 decodes the base64 text after prefix (padded or not).
func decode64(text, prefix string) ([]byte, string) {
	rest, ok := strings.CutPrefix(text, prefix)
	if !ok {
		return nil, "Der Schlüssel muss mit " + strconv.Quote(prefix) + " beginnen."
	}
	enc := base64.StdEncoding
	if !strings.HasSuffix(rest, "=") {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(rest)
	if err != nil {
		return nil, "Der Schlüssel ist kein gültiges Base64."
	}
	return b, ""
}

// key returns the private key of k, or, if k is malformed, a German
// sentence saying why that holds nothing of k.
func (k SigningKey) key() (ed25519.PrivateKey, string) {
	b, problem := decode64(string(k), SigningKeyPrefix)
	switch {
	case problem != "":
		return nil, problem
	case len(b) == ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), ""
	case len(b) != ed25519.PrivateKeySize:
		return nil, fmt.Sprintf("Der Schlüssel muss %d oder %d Bytes lang sein.", ed25519.SeedSize, ed25519.PrivateKeySize)
	}
	priv := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
	if !bytes.Equal(priv[ed25519.SeedSize:], b[ed25519.SeedSize:]) {
		return nil, "Der öffentliche Teil des Schlüssels passt nicht zu seinem geheimen Teil."
	}
	return priv, ""
}

// key returns the public key of p, or why p is malformed.
func (p PublicKey) key() (ed25519.PublicKey, string) {
	b, problem := decode64(string(p), PublicKeyPrefix)
	switch {
	case problem != "":
		return nil, problem
	case len(b) != ed25519.PublicKeySize:
		return nil, fmt.Sprintf("Der Schlüssel muss %d Bytes lang sein.", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), ""
}

// PublicKey returns the public key of k, "" if k is malformed.
func (k SigningKey) PublicKey() PublicKey {
	priv, problem := k.key()
	if problem != "" {
		return ""
	}
	return PublicKey(PublicKeyPrefix + base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)))
}

// Reveal returns the key's text. Call it only to store the key, never to
// log it.
func (k SigningKey) Reveal() string { return string(k) }

// String returns Redacted.
func (k SigningKey) String() string { return Redacted }

// GoString returns webhook.SigningKey{[redacted]}, for %#v.
func (k SigningKey) GoString() string { return "webhook.SigningKey{" + Redacted + "}" }

// Format writes Redacted for every verb and flag (GoString for %#v, quoted
// for %q).
func (k SigningKey) Format(f fmt.State, verb rune) { redact.Format(f, verb, k.GoString()) }

// LogValue returns Redacted as a slog string value.
func (k SigningKey) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON returns "[redacted]" as a JSON string. Store Reveal instead.
func (k SigningKey) MarshalJSON() ([]byte, error) { return redact.MarshalJSON() }

// MarshalText returns Redacted.
func (k SigningKey) MarshalText() ([]byte, error) { return redact.MarshalText() }

// AppendText appends Redacted to b.
func (k SigningKey) AppendText(b []byte) ([]byte, error) { return redact.AppendText(b) }

// SignAsymmetric returns the value of the webhook-signature header for a
// message signed with ed25519 keys: for each key "v1a," and the standard
// base64 of the ed25519 signature of id + "." + unix seconds + "." + body,
// separated by spaces. The errors are Sign's, with Field "keys" and
// "keys[i]".
func SignAsymmetric(id string, at time.Time, body []byte, keys ...SigningKey) (string, error) {
	const op = "webhook.SignAsymmetric"
	if err := checkID(op, id); err != nil {
		return "", err
	}
	if len(keys) == 0 {
		return "", numberdesk.E(numberdesk.CodeInvalid, op, "keys", "Es ist kein Schlüssel angegeben.")
	}
	privs, err := signersOf(op, "keys", keys)
	if err != nil {
		return "", err
	}
	return asymmetricSignature(privs, id, at.Unix(), body), nil
}

// signersOf returns the private keys of keys; a malformed one is
// CodeInvalid with Field field+"[i]".
func signersOf(op, field string, keys []SigningKey) ([]ed25519.PrivateKey, error) {
	out := make([]ed25519.PrivateKey, len(keys))
	for i, k := range keys {
		priv, problem := k.key()
		if problem != "" {
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, fmt.Sprintf("%s[%d]", field, i), problem)
		}
		out[i] = priv
	}
	return out, nil
}

// signedContent is what every signature covers: id.timestamp.body.
func signedContent(id string, timestamp int64, body []byte) []byte {
	b := make([]byte, 0, len(id)+len(body)+22)
	b = append(b, id...)
	b = append(b, '.')
	b = strconv.AppendInt(b, timestamp, 10)
	b = append(b, '.')
	return append(b, body...)
}

// asymmetricSignature returns the "v1a," entries of privs, separated by
// spaces.
func asymmetricSignature(privs []ed25519.PrivateKey, id string, timestamp int64, body []byte) string {
	msg := signedContent(id, timestamp, body)
	var b strings.Builder
	for i, k := range privs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("v1a,")
		b.WriteString(base64.StdEncoding.EncodeToString(ed25519.Sign(k, msg)))
	}
	return b.String()
}

// NewPublicKeyVerifier returns a Verifier that accepts a webhook with a
// "v1a," signature by the signing key of any of keys (several during a
// rotation); it skips "v1," entries. No key is CodeInvalid (Field "keys"),
// a malformed one CodeInvalid (Field "keys[i]").
func NewPublicKeyVerifier(keys ...PublicKey) (*Verifier, error) {
	const op = "webhook.NewPublicKeyVerifier"
	if len(keys) == 0 {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "keys", "Es ist kein Schlüssel angegeben.")
	}
	v := &Verifier{}
	for i, k := range keys {
		pub, problem := k.key()
		if problem != "" {
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, fmt.Sprintf("keys[%d]", i), problem)
		}
		v.public = append(v.public, pub)
	}
	return v, nil
}

package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/internal/redact"
)

// SecretPrefix starts the text of every signing secret.
const SecretPrefix = "whsec_"

// The sizes of a signing secret's key, in bytes (Standard Webhooks: 192 to
// 512 bits). NewSecret draws SecretSize bytes.
const (
	MinSecretSize = 24
	MaxSecretSize = 64
	SecretSize    = 32
)

// Redacted is what a Secret shows of itself wherever it is printed, logged
// or marshalled.
const Redacted = redact.Text

// Secret is a signing secret in its text form: SecretPrefix followed by the
// standard base64 (with or without padding) of 24 to 64 random bytes, the
// HMAC-SHA256 key. The vendor stores it and shows it to the receiver once;
// sender and receiver must hold the same secrets.
//
// A Secret redacts itself wherever Go formats or encodes it: fmt's verbs
// (through Format, String and GoString), log/slog (LogValue), encoding/json
// and everything using encoding.TextMarshaler or encoding.TextAppender all
// show Redacted. Only Reveal, or a conversion to string, returns the text:
// use it to store the secret or show it to its receiver, nowhere else.
// Decoding from JSON or text works as for a string, so a configuration
// file can hold secrets.
type Secret string

// NewSecret returns a fresh secret of SecretSize random bytes from
// crypto/rand.
func NewSecret() Secret {
	b := make([]byte, SecretSize)
	_, _ = rand.Read(b) // never fails (crypto/rand crashes the program instead)
	return Secret(SecretPrefix + base64.StdEncoding.EncodeToString(b))
}

// ParseSecret checks text as a Secret (see Secret for the form). A malformed
// one is a *numberdesk.Error with CodeInvalid and Field "secret" whose text
// holds nothing of text.
func ParseSecret(text string) (Secret, error) {
	if _, problem := Secret(text).key(); problem != "" {
		return "", numberdesk.E(numberdesk.CodeInvalid, "webhook.ParseSecret", "secret", problem)
	}
	return Secret(text), nil
}

// key returns the HMAC key of s, or, if s is malformed, a German sentence
// saying why that holds nothing of s.
func (s Secret) key() (key []byte, problem string) {
	text, ok := strings.CutPrefix(string(s), SecretPrefix)
	if !ok {
		return nil, "Das Geheimnis muss mit " + strconv.Quote(SecretPrefix) + " beginnen."
	}
	enc := base64.StdEncoding
	if !strings.HasSuffix(text, "=") {
		enc = base64.RawStdEncoding
	}
	k, err := enc.DecodeString(text)
	switch {
	case err != nil:
		return nil, "Das Geheimnis ist kein gültiges Base64."
	case len(k) < MinSecretSize || len(k) > MaxSecretSize:
		return nil, fmt.Sprintf("Das Geheimnis muss %d bis %d Bytes lang sein.", MinSecretSize, MaxSecretSize)
	}
	return k, ""
}

// Reveal returns the secret's text. Call it only to store the secret or to
// show it to its receiver, never to log it.
func (s Secret) Reveal() string { return string(s) }

// String returns Redacted.
func (s Secret) String() string { return Redacted }

// GoString returns webhook.Secret{[redacted]}, for %#v.
func (s Secret) GoString() string { return "webhook.Secret{" + Redacted + "}" }

// Format writes Redacted for every verb and flag (GoString for %#v, quoted
// for %q), so that no verb reaches the text.
func (s Secret) Format(f fmt.State, verb rune) { redact.Format(f, verb, s.GoString()) }

// LogValue returns Redacted as a slog string value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON returns "[redacted]" as a JSON string. Store Reveal instead.
func (s Secret) MarshalJSON() ([]byte, error) { return redact.MarshalJSON() }

// MarshalText returns Redacted.
func (s Secret) MarshalText() ([]byte, error) { return redact.MarshalText() }

// AppendText appends Redacted to b.
func (s Secret) AppendText(b []byte) ([]byte, error) { return redact.AppendText(b) }

// Sign returns the value of the webhook-signature header for a message with
// the webhook-id id, sent at the instant at (the webhook-timestamp, in whole
// seconds) with the body body: for each secret "v1," and the standard base64
// of HMAC-SHA256(key, id + "." + unix seconds + "." + body), separated by
// spaces. Sign during a rotation with both the new and the old secret. An id
// that is empty or holds a '.' or a space is CodeInvalid (Field "id"); a
// malformed secret is CodeInvalid (Field "secrets[i]"); no secret is
// CodeInvalid (Field "secrets").
func Sign(id string, at time.Time, body []byte, secrets ...Secret) (string, error) {
	const op = "webhook.Sign"
	if err := checkID(op, id); err != nil {
		return "", err
	}
	if len(secrets) == 0 {
		return "", numberdesk.E(numberdesk.CodeInvalid, op, "secrets", "Es ist kein Geheimnis angegeben.")
	}
	keys, err := keysOf(op, "secrets", secrets)
	if err != nil {
		return "", err
	}
	return signature(keys, id, at.Unix(), body), nil
}

// checkID checks a webhook-id: not empty, no '.' (the separator of the
// signed content), no white space.
func checkID(op, id string) error {
	if id == "" || strings.ContainsAny(id, ". \t\r\n") {
		return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung der Nachricht ist leer oder enthält einen Punkt oder Leerraum.")
	}
	return nil
}

// keysOf returns the keys of secrets. A malformed secret is CodeInvalid with
// Field field+"[i]".
func keysOf(op, field string, secrets []Secret) ([][]byte, error) {
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		k, problem := s.key()
		if problem != "" {
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, fmt.Sprintf("%s[%d]", field, i), problem)
		}
		keys[i] = k
	}
	return keys, nil
}

// mac returns HMAC-SHA256 of the signed content id.timestamp.body.
func mac(key []byte, id string, timestamp int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write(strconv.AppendInt(nil, timestamp, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// signature returns the webhook-signature header value: one "v1," entry per
// key, separated by spaces.
func signature(keys [][]byte, id string, timestamp int64, body []byte) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("v1,")
		b.WriteString(base64.StdEncoding.EncodeToString(mac(k, id, timestamp, body)))
	}
	return b.String()
}

package efax

import (
	"crypto/rand"
	"fmt"
	"log/slog"

	"github.com/numberdesk/numberdesk/internal/redact"
)

// Redacted is what a Secret shows of itself wherever it is printed, logged
// or marshalled.
const Redacted = redact.Text

// Secret is the plaintext secret of a login on its way to the employee, in
// a Delivery. It redacts itself in every way Go formats or encodes a value:
// fmt's verbs (%v, %+v, %#v, %s, %q, %x, %d, ... through Format, String and
// GoString), log/slog (LogValue, and MarshalJSON or MarshalText in the
// JSON and text handlers), encoding/json (MarshalJSON), and everything that
// uses encoding.TextMarshaler or encoding.TextAppender (encoding/xml, slog).
// It holds the secret masked with a random pad of the process, so that a
// printer that walks values by reflection and ignores their methods (a
// debugger, go-spew) does not show it either. Only Reveal returns the
// plaintext: the notifier that renders the mail calls it, and nobody else
// should. There is no way to decode a Secret from JSON or text.
//
// The zero Secret is empty. Secrets are comparable: two are equal if they
// hold the same secret.
type Secret struct{ masked string }

// secretPad masks the secrets of this process; see Secret.
var secretPad = func() (p [64]byte) {
	_, _ = rand.Read(p[:]) // never fails (crypto/rand crashes the program instead)
	return p
}()

// maskSecret returns b XORed with secretPad (repeated).
func maskSecret(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = c ^ secretPad[i%len(secretPad)]
	}
	return string(out)
}

// SecretOf returns plain as a Secret.
func SecretOf(plain string) Secret { return Secret{masked: maskSecret([]byte(plain))} }

// secretFrom returns b as a Secret without copying it into a string first,
// so that the caller can clear b.
func secretFrom(b []byte) Secret { return Secret{masked: maskSecret(b)} }

// Reveal returns the plaintext secret. Call it only where the secret is to
// reach its recipient (the mail's body), never to log or store it.
func (s Secret) Reveal() string {
	b := make([]byte, len(s.masked))
	for i := range b {
		b[i] = s.masked[i] ^ secretPad[i%len(secretPad)]
	}
	return string(b)
}

// IsZero reports whether s is empty.
func (s Secret) IsZero() bool { return s.masked == "" }

// String returns Redacted.
func (s Secret) String() string { return Redacted }

// GoString returns efax.Secret{[redacted]}, for %#v.
func (s Secret) GoString() string { return "efax.Secret{" + Redacted + "}" }

// Format writes Redacted for every verb and flag (GoString for %#v, quoted
// for %q), so that no verb reaches the plaintext.
func (s Secret) Format(f fmt.State, verb rune) { redact.Format(f, verb, s.GoString()) }

// LogValue returns Redacted as a slog string value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON returns "[redacted]" as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return redact.MarshalJSON() }

// MarshalText returns Redacted.
func (s Secret) MarshalText() ([]byte, error) { return redact.MarshalText() }

// AppendText appends Redacted to b.
func (s Secret) AppendText(b []byte) ([]byte, error) { return redact.AppendText(b) }

// Package redact holds what the SDK's secret types (efax.Secret,
// webhook.Secret, webhook.SigningKey) share: the text they show instead of
// themselves, and the fmt.Formatter that shows it for every verb. Each type
// keeps its own methods (String, GoString, Format, LogValue, MarshalJSON,
// MarshalText, AppendText), which call these.
package redact

import (
	"fmt"
	"io"
	"strconv"
)

// Text is what a secret shows of itself wherever it is printed, logged or
// marshalled.
const Text = "[redacted]"

// quoted is Text as a JSON string.
var quoted = []byte(strconv.Quote(Text))

// Format writes Text for every verb and flag: goString for %#v, Text quoted
// for %q, so that no verb reaches the secret.
func Format(f fmt.State, verb rune, goString string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, goString)
	case verb == 'q':
		_, _ = io.WriteString(f, strconv.Quote(Text))
	default:
		_, _ = io.WriteString(f, Text)
	}
}

// MarshalJSON returns Text as a JSON string, in a new slice.
func MarshalJSON() ([]byte, error) { return append([]byte(nil), quoted...), nil }

// MarshalText returns Text, in a new slice.
func MarshalText() ([]byte, error) { return []byte(Text), nil }

// AppendText appends Text to b.
func AppendText(b []byte) ([]byte, error) { return append(b, Text...), nil }

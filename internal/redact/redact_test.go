package redact_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk/internal/redact"
)

// key is a secret that redacts itself through the package.
type key string

func (k key) GoString() string                    { return "key{" + redact.Text + "}" }
func (k key) Format(f fmt.State, verb rune)       { redact.Format(f, verb, k.GoString()) }
func (k key) MarshalJSON() ([]byte, error)        { return redact.MarshalJSON() }
func (k key) MarshalText() ([]byte, error)        { return redact.MarshalText() }
func (k key) AppendText(b []byte) ([]byte, error) { return redact.AppendText(b) }

// No verb, flag or encoding shows the secret: Text, GoString for %#v,
// quoted for %q and in JSON.
func TestNothingShowsTheSecret(t *testing.T) {
	k := key("s3cr3t")
	for _, verb := range []string{"%v", "%+v", "%s", "%x", "%X", "%d", "%10s", "%-8v", "%08d"} {
		got := fmt.Sprintf(verb, k)
		require.NotContains(t, got, "s3cr3t", verb)
		require.Contains(t, got, redact.Text, verb)
	}
	require.Equal(t, "key{[redacted]}", fmt.Sprintf("%#v", k))
	require.Equal(t, `"[redacted]"`, fmt.Sprintf("%q", k))
	b, err := json.Marshal(map[string]key{"k": k})
	require.NoError(t, err)
	require.JSONEq(t, `{"k":"[redacted]"}`, string(b))
	first, _ := k.MarshalJSON()
	first[1] = 'X' // a caller may change what it got
	again, _ := k.MarshalJSON()
	require.Equal(t, `"[redacted]"`, string(again))
	text, _ := k.MarshalText()
	require.Equal(t, redact.Text, string(text))
	out, _ := k.AppendText([]byte("a="))
	require.Equal(t, "a="+redact.Text, string(out))
}

package efax_test

import (
	"bytes"
	"encoding"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
)

const plainSecret = "23456789abcdefghjkmnpqrstuvw"

// A Secret redacts itself in every formatting interface: its methods one by
// one, fmt's verbs on the value, its pointer and values that hold it
// (structs, slices, maps, interfaces, a Delivery, an event carrying a
// Delivery), slog's text and JSON handlers, encoding/json, encoding/xml;
// and a reflection walk of it (what go-spew or a debugger shows) finds only
// the masked bytes. Reveal returns it.
func TestSecretRedactsEverywhere(t *testing.T) {
	s := efax.SecretOf(plainSecret)
	require.Equal(t, plainSecret, s.Reveal())
	require.False(t, s.IsZero())
	require.True(t, efax.Secret{}.IsZero())
	require.Empty(t, efax.Secret{}.Reveal())
	require.Equal(t, efax.SecretOf(plainSecret), s, "secrets compare by value")
	require.NotEqual(t, efax.SecretOf(plainSecret+"x"), s)

	// The methods, one by one.
	require.Equal(t, "[redacted]", efax.Redacted)
	require.Equal(t, efax.Redacted, s.String())
	require.Equal(t, "efax.Secret{[redacted]}", s.GoString())
	require.Equal(t, slog.StringValue(efax.Redacted), s.LogValue())
	j, err := s.MarshalJSON()
	require.NoError(t, err)
	require.Equal(t, `"[redacted]"`, string(j))
	txt, err := s.MarshalText()
	require.NoError(t, err)
	require.Equal(t, efax.Redacted, string(txt))
	app, err := s.AppendText([]byte("x="))
	require.NoError(t, err)
	require.Equal(t, "x="+efax.Redacted, string(app))
	var (
		_ fmt.Stringer           = s
		_ fmt.GoStringer         = s
		_ fmt.Formatter          = s
		_ slog.LogValuer         = s
		_ json.Marshaler         = s
		_ encoding.TextMarshaler = s
		_ encoding.TextAppender  = s
	)

	type holder struct {
		Name   string
		Secret efax.Secret
		Ptr    *efax.Secret
		Any    any
		List   []efax.Secret
		Map    map[string]efax.Secret
	}
	h := holder{Name: "anna", Secret: s, Ptr: &s, Any: s, List: []efax.Secret{s}, Map: map[string]efax.Secret{"k": s}}
	d := efax.Delivery{Credential: "c", Username: "u", To: "anna@muster.example", Secret: s}
	e := numberdesk.Event{ID: "e", Type: efax.EventCredentialsDelivery, Data: json.RawMessage(`{"username":"u"}`), Transient: d}
	var texts []string
	for _, v := range []any{s, &s, h, &h, d, &d, e, &e, []any{s, d}, map[efax.Secret]int{s: 1}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%o", "%b", "%c", "%U", "%e", "%t", "%p",
			"%10.4s", "%-30v", "%08x", "% x", "%#x", "%+q", "%#q", "%T"} {
			texts = append(texts, fmt.Sprintf(verb, v))
		}
		texts = append(texts, fmt.Sprint(v), fmt.Sprintln(v), fmt.Sprint(fmt.Errorf("wrapped: %w: %v", fmt.Errorf("%v", v), v)))
		b, err := json.Marshal(v)
		if err == nil { // a map keyed by Secret has no JSON form: fine
			texts = append(texts, string(b))
		}
		b, err = json.MarshalIndent(v, "", " ")
		if err == nil {
			texts = append(texts, string(b))
		}
		if b, err := xml.Marshal(v); err == nil {
			texts = append(texts, string(b))
		}
	}
	for _, text := range texts {
		requireNoSecretIn(t, plainSecret, "formatted", text)
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%d", "%x", "%X", "%o", "%t", "%10s", "%-3v"} {
		require.Equal(t, efax.Redacted, fmt.Sprintf(verb, s), "Format: %s", verb)
	}
	require.Equal(t, "efax.Secret{[redacted]}", fmt.Sprintf("%#v", s))
	require.Contains(t, fmt.Sprintf("%#v", h), "Secret:efax.Secret{[redacted]}")
	require.Contains(t, fmt.Sprintf("%+v", e), "secret [redacted]")
	require.Equal(t, `"[redacted]"`, fmt.Sprintf("%q", s))
	type login struct{ Secret efax.Secret }
	x, err := xml.Marshal(login{s})
	require.NoError(t, err)
	require.Equal(t, "<login><Secret>[redacted]</Secret></login>", string(x))

	// slog: text and JSON handlers, every way to hand it over.
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		l := slog.New(h)
		l.Info("secret", "secret", s, "ptr", &s, "holder", h, "delivery", d, "event", e, slog.Any("any", s),
			slog.Group("g", "secret", s, "list", []efax.Secret{s}))
		l.With("secret", s).WithGroup("w").Info("with", "delivery", &d)
		l.Info(fmt.Sprint(s), "msg", fmt.Sprintf("%v", e))
	}
	requireNoSecretIn(t, plainSecret, "the log", logs.String())
	require.Contains(t, logs.String(), "secret=[redacted]")
	require.Contains(t, logs.String(), `"secret":"[redacted]"`)

	// Decoding never makes one: the Delivery marshals without it.
	var back efax.Delivery
	b, err := json.Marshal(d)
	require.NoError(t, err)
	require.NotContains(t, string(b), "secret")
	require.NoError(t, json.Unmarshal(b, &back))
	require.True(t, back.Secret.IsZero())
	var direct struct{ Secret efax.Secret }
	require.Error(t, json.Unmarshal([]byte(`{"Secret":"`+plainSecret+`"}`), &direct))
	require.True(t, direct.Secret.IsZero())
	// gob cannot encode it either (it has no exported field).
	require.Error(t, gob.NewEncoder(&bytes.Buffer{}).Encode(s))

	// What a printer that ignores methods sees: the masked bytes only.
	var seen []string
	walk(reflect.ValueOf(h), map[uintptr]bool{}, &seen)
	walk(reflect.ValueOf(e), map[uintptr]bool{}, &seen)
	requireNoSecretIn(t, plainSecret, "a reflection walk", strings.Join(seen, "\n"))
}

// DeliveryOf finds the login data of an EventCredentialsDelivery, by value
// or by pointer, and nothing in other events.
func TestDeliveryOf(t *testing.T) {
	d := efax.Delivery{Username: "u", Secret: efax.SecretOf(plainSecret)}
	for _, v := range []any{d, &d} {
		got, ok := efax.DeliveryOf(numberdesk.Event{Type: efax.EventCredentialsDelivery, Transient: v})
		require.True(t, ok)
		require.Equal(t, plainSecret, got.Secret.Reveal())
	}
	for _, e := range []numberdesk.Event{
		{Type: efax.EventCredentialsDelivery},
		{Type: efax.EventCredentialsDelivery, Transient: (*efax.Delivery)(nil)},
		{Type: efax.EventCredentialsDelivery, Transient: "login"},
		{Type: efax.EventCredentialsSent, Transient: d},
	} {
		_, ok := efax.DeliveryOf(e)
		require.False(t, ok, "%v", e)
	}
	require.Equal(t, "efax.Delivery{ u to , secret [redacted]}", d.String())
}

package webhook_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify/webhook"
)

// The published test vector of Standard Webhooks (libraries/go, TestWebhookSign).
const (
	vectorSecret    = webhook.Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignTestVector(t *testing.T) {
	got, err := webhook.Sign(vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload), vectorSecret)
	require.NoError(t, err)
	require.Equal(t, vectorSignature, got)

	// Only whole seconds are signed.
	got, err = webhook.Sign(vectorID, time.Unix(vectorTimestamp, 999_999_999), []byte(vectorPayload), vectorSecret)
	require.NoError(t, err)
	require.Equal(t, vectorSignature, got)

	// Any change of id, timestamp or body changes the signature.
	for name, sign := range map[string]func() (string, error){
		"id": func() (string, error) {
			return webhook.Sign(vectorID+"x", time.Unix(vectorTimestamp, 0), []byte(vectorPayload), vectorSecret)
		},
		"timestamp": func() (string, error) {
			return webhook.Sign(vectorID, time.Unix(vectorTimestamp+1, 0), []byte(vectorPayload), vectorSecret)
		},
		"body": func() (string, error) {
			return webhook.Sign(vectorID, time.Unix(vectorTimestamp, 0), []byte(`{"test":2432232314}`), vectorSecret)
		},
	} {
		got, err := sign()
		require.NoError(t, err, name)
		require.NotEqual(t, vectorSignature, got, name)
	}
}

// Two secrets give two space-separated entries, in the order given.
func TestSignWithSeveralSecrets(t *testing.T) {
	other := mustSecret(t)
	got, err := webhook.Sign(vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload), other, vectorSecret)
	require.NoError(t, err)
	entries := strings.Split(got, " ")
	require.Len(t, entries, 2)
	require.True(t, strings.HasPrefix(entries[0], "v1,"))
	require.NotEqual(t, vectorSignature, entries[0])
	require.Equal(t, vectorSignature, entries[1])
}

func TestSignRefuses(t *testing.T) {
	at := time.Unix(vectorTimestamp, 0)
	for _, tc := range []struct {
		name, id, field string
		secrets         []webhook.Secret
	}{
		{"empty id", "", "id", []webhook.Secret{vectorSecret}},
		{"id with a dot", "msg.1", "id", []webhook.Secret{vectorSecret}},
		{"id with a space", "msg 1", "id", []webhook.Secret{vectorSecret}},
		{"no secret", vectorID, "secrets", nil},
		{"malformed secret", vectorID, "secrets[1]", []webhook.Secret{vectorSecret, "whsec_geheim!"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := webhook.Sign(tc.id, at, []byte(vectorPayload), tc.secrets...)
			require.Empty(t, sig)
			require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%v", err)
			require.Equal(t, tc.field, numberdesk.ErrorField(err))
			require.NotContains(t, err.Error(), "geheim")
		})
	}
}

func TestNewSecret(t *testing.T) {
	seen := map[webhook.Secret]bool{}
	for range 20 {
		s := webhook.NewSecret()
		text, ok := strings.CutPrefix(s.Reveal(), webhook.SecretPrefix)
		require.True(t, ok)
		key, err := base64.StdEncoding.DecodeString(text)
		require.NoError(t, err)
		require.Len(t, key, webhook.SecretSize)
		require.False(t, seen[s], "secrets repeat")
		seen[s] = true
		parsed, err := webhook.ParseSecret(s.Reveal())
		require.NoError(t, err)
		require.Equal(t, s, parsed)
	}
}

func TestParseSecret(t *testing.T) {
	enc := func(n int) string {
		return webhook.SecretPrefix + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xa7}, n))
	}
	raw := func(n int) string {
		return webhook.SecretPrefix + base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{0xa7}, n))
	}
	for _, ok := range []string{string(vectorSecret), enc(24), enc(32), enc(64), raw(32), raw(25)} {
		s, err := webhook.ParseSecret(ok)
		require.NoError(t, err, ok)
		require.Equal(t, ok, s.Reveal())
	}
	for name, bad := range map[string]string{
		"empty":          "",
		"prefix only":    webhook.SecretPrefix,
		"no prefix":      strings.TrimPrefix(enc(32), webhook.SecretPrefix),
		"other prefix":   "whsk_" + strings.TrimPrefix(enc(32), webhook.SecretPrefix),
		"not base64":     webhook.SecretPrefix + "geheim!geheim!geheim!geheim!geheim!",
		"url base64":     webhook.SecretPrefix + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)),
		"23 bytes":       enc(23),
		"65 bytes":       enc(65),
		"bad padding":    enc(32) + "=",
		"trailing space": enc(32) + " ",
	} {
		_, err := webhook.ParseSecret(bad)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%s: %v", name, err)
		require.Equal(t, "secret", numberdesk.ErrorField(err), name)
		if len(bad) > len(webhook.SecretPrefix) {
			require.NotContains(t, err.Error(), strings.TrimPrefix(bad, webhook.SecretPrefix), name)
		}
	}
}

// A Secret, and an Endpoint or Config holding one, prints, logs and
// marshals nothing of the secret.
func TestSecretRedacts(t *testing.T) {
	s := vectorSecret
	text := strings.TrimPrefix(s.Reveal(), webhook.SecretPrefix)
	ep := webhook.Endpoint{Name: "crm", URL: "https://crm.example.de/hook", Secrets: []webhook.Secret{s}}
	cfg := webhook.Config{Endpoints: []webhook.Endpoint{ep}}
	var outs []string
	for _, v := range []any{s, &s, ep, &ep, cfg, []webhook.Secret{s}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		if _, ok := v.(webhook.Config); ok {
			continue // a Config has no JSON form (its Clock is a func)
		}
		b, err := json.Marshal(v)
		require.NoError(t, err)
		outs = append(outs, string(b))
		var logs bytes.Buffer
		slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "v", v)
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "v", v)
		outs = append(outs, logs.String())
	}
	mt, err := s.MarshalText()
	require.NoError(t, err)
	at, err := s.AppendText([]byte("secret="))
	require.NoError(t, err)
	require.Equal(t, "secret="+webhook.Redacted, string(at))
	outs = append(outs, fmt.Sprint(s), s.String(), s.GoString(), string(mt), string(at))
	for _, out := range outs {
		require.NotContains(t, out, text)
		require.NotContains(t, out, "MfKQ9r8")
	}
	require.Contains(t, fmt.Sprintf("%v", ep), webhook.Redacted)
	require.Equal(t, "webhook.Secret{[redacted]}", fmt.Sprintf("%#v", s))

	// A configuration file can hold secrets: they decode as strings.
	var back webhook.Endpoint
	require.NoError(t, json.Unmarshal([]byte(`{"URL":"https://crm.example.de/hook","Secrets":["`+s.Reveal()+`"]}`), &back))
	require.Equal(t, ep.Secrets, back.Secrets)
}

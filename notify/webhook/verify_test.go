package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify/webhook"
)

// signed returns the headers of a webhook with id, sent at unix, signed
// with secrets.
func signed(t *testing.T, id string, unix int64, body string, secrets ...webhook.Secret) http.Header {
	t.Helper()
	sig, err := webhook.Sign(id, time.Unix(unix, 0), []byte(body), secrets...)
	require.NoError(t, err)
	h := http.Header{}
	h.Set(webhook.HeaderID, id)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(unix, 10))
	h.Set(webhook.HeaderSignature, sig)
	return h
}

// verifierAt returns a Verifier for secrets whose clock stands at unix.
func verifierAt(t *testing.T, unix int64, secrets ...webhook.Secret) *webhook.Verifier {
	t.Helper()
	v, err := webhook.NewVerifier(secrets...)
	require.NoError(t, err)
	v.Clock = func() time.Time { return time.Unix(unix, 0) }
	return v
}

// requireRefused checks that err is CodeInvalid on field with cause.
func requireRefused(t *testing.T, err error, field string, cause error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%v", err)
	require.Equal(t, field, numberdesk.ErrorField(err), "%v", err)
	require.ErrorIs(t, err, cause)
}

func TestVerifyTestVector(t *testing.T) {
	h := http.Header{}
	h.Set("Webhook-Id", vectorID) // header names are case-insensitive
	h.Set("WEBHOOK-TIMESTAMP", strconv.Itoa(vectorTimestamp))
	h.Set(webhook.HeaderSignature, vectorSignature)
	v := verifierAt(t, vectorTimestamp, vectorSecret)
	require.NoError(t, v.Verify(h, []byte(vectorPayload)))
	// Without the space the body is another one.
	requireRefused(t, v.Verify(h, []byte(`{"test":2432232314}`)), webhook.HeaderSignature, webhook.ErrNoMatchingSignature)
}

// The cases of the reference library's TestWebhook (libraries/go), with the
// clock injected instead of time.Now.
func TestVerifyReferenceCases(t *testing.T) {
	const now = 1_800_000_000
	tolerance := int64(webhook.DefaultTolerance / time.Second)
	good := func() http.Header { return signed(t, vectorID, now, vectorPayload, vectorSecret) }
	v := verifierAt(t, now, vectorSecret)

	require.NoError(t, v.Verify(good(), []byte(vectorPayload)), "valid signature is valid")
	for _, name := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature} {
		h := good()
		h.Del(name)
		requireRefused(t, v.Verify(h, []byte(vectorPayload)), name, webhook.ErrMissingHeader)
	}
	for name, sig := range map[string]string{
		"invalid signature": "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
		"partial signature": "v1,",
		"no comma":          "v1",
		"not base64":        "v1,****",
		"only other versions": "v1a," + strings.TrimPrefix(good().Get(webhook.HeaderSignature), "v1,") +
			" v2," + strings.TrimPrefix(good().Get(webhook.HeaderSignature), "v1,"),
	} {
		t.Run(name, func(t *testing.T) {
			h := good()
			h.Set(webhook.HeaderSignature, sig)
			requireRefused(t, v.Verify(h, []byte(vectorPayload)), webhook.HeaderSignature, webhook.ErrNoMatchingSignature)
		})
	}
	h := good()
	h.Set(webhook.HeaderSignature, strings.Join([]string{
		"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
		"v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
		h.Get(webhook.HeaderSignature),
		"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
	}, " "))
	require.NoError(t, v.Verify(h, []byte(vectorPayload)), "valid multi sig is valid")

	old := signed(t, vectorID, now-tolerance-1, vectorPayload, vectorSecret)
	requireRefused(t, v.Verify(old, []byte(vectorPayload)), webhook.HeaderTimestamp, webhook.ErrTooOld)
	future := signed(t, vectorID, now+tolerance+1, vectorPayload, vectorSecret)
	requireRefused(t, v.Verify(future, []byte(vectorPayload)), webhook.HeaderTimestamp, webhook.ErrTooNew)

	h = good()
	h.Set(webhook.HeaderTimestamp, "1800000000.5")
	requireRefused(t, v.Verify(h, []byte(vectorPayload)), webhook.HeaderTimestamp, webhook.ErrMalformedTimestamp)
	h.Set(webhook.HeaderTimestamp, strconv.Itoa(now+1)) // a valid time, but not the one signed
	requireRefused(t, v.Verify(h, []byte(vectorPayload)), webhook.HeaderSignature, webhook.ErrNoMatchingSignature)
}

// The tolerance holds to the second on both sides; a custom one replaces
// the default; extreme timestamps do not overflow.
func TestVerifyTolerance(t *testing.T) {
	const now = 1_800_000_000
	v := verifierAt(t, now, vectorSecret)
	for offset, want := range map[int64]error{
		-300: nil, 300: nil, 0: nil,
		-301: webhook.ErrTooOld, 301: webhook.ErrTooNew,
		-86400: webhook.ErrTooOld, 86400: webhook.ErrTooNew,
	} {
		err := v.Verify(signed(t, vectorID, now+offset, vectorPayload, vectorSecret), []byte(vectorPayload))
		if want == nil {
			require.NoError(t, err, "offset %d", offset)
		} else {
			requireRefused(t, err, webhook.HeaderTimestamp, want)
		}
	}

	v.Tolerance = 10 * time.Second
	require.NoError(t, v.Verify(signed(t, vectorID, now-10, vectorPayload, vectorSecret), []byte(vectorPayload)))
	requireRefused(t, v.Verify(signed(t, vectorID, now-11, vectorPayload, vectorSecret), []byte(vectorPayload)), webhook.HeaderTimestamp, webhook.ErrTooOld)

	for _, ts := range []string{"-9223372036854775808", "9223372036854775807"} {
		h := signed(t, vectorID, now, vectorPayload, vectorSecret)
		h.Set(webhook.HeaderTimestamp, ts)
		require.Error(t, v.Verify(h, []byte(vectorPayload)))
	}
	h := signed(t, vectorID, now, vectorPayload, vectorSecret)
	h.Set(webhook.HeaderTimestamp, "99999999999999999999")
	requireRefused(t, v.Verify(h, []byte(vectorPayload)), webhook.HeaderTimestamp, webhook.ErrMalformedTimestamp)
}

// Rotation: the sender signs with the new and the old secret; a receiver
// holding either one, or both, accepts; one holding neither refuses.
func TestVerifyRotation(t *testing.T) {
	const now = 1_800_000_000
	oldS, newS, other := mustSecret(t), mustSecret(t), mustSecret(t)
	h := signed(t, "msg_rotation", now, vectorPayload, newS, oldS)
	require.Len(t, strings.Fields(h.Get(webhook.HeaderSignature)), 2)
	for name, secrets := range map[string][]webhook.Secret{
		"old only": {oldS}, "new only": {newS}, "both": {newS, oldS}, "other and new": {other, newS},
	} {
		require.NoError(t, verifierAt(t, now, secrets...).Verify(h, []byte(vectorPayload)), name)
	}
	requireRefused(t, verifierAt(t, now, other).Verify(h, []byte(vectorPayload)), webhook.HeaderSignature, webhook.ErrNoMatchingSignature)

	// After the rotation the sender signs with the new secret only: a
	// receiver still on the old one refuses, one with both accepts.
	after := signed(t, "msg_rotated", now, vectorPayload, newS)
	requireRefused(t, verifierAt(t, now, oldS).Verify(after, []byte(vectorPayload)), webhook.HeaderSignature, webhook.ErrNoMatchingSignature)
	require.NoError(t, verifierAt(t, now, oldS, newS).Verify(after, []byte(vectorPayload)))
}

func TestVerifyRefusesTamperingAndWrongSecrets(t *testing.T) {
	const now = 1_800_000_000
	s := mustSecret(t)
	body := `{"id":"e1","type":"number.activated"}`
	h := signed(t, "e1", now, body, s)
	v := verifierAt(t, now, s)
	require.NoError(t, v.Verify(h, []byte(body)))

	for name, b := range map[string]string{
		"changed":         strings.Replace(body, "activated", "deactivated", 1),
		"reformatted":     `{"id": "e1", "type": "number.activated"}`,
		"trailing byte":   body + "\n",
		"empty":           "",
		"one bit flipped": string(append([]byte(body[:5]), body[5]^1)) + body[6:],
	} {
		t.Run(name, func(t *testing.T) {
			requireRefused(t, v.Verify(h, []byte(b)), webhook.HeaderSignature, webhook.ErrNoMatchingSignature)
		})
	}
	other := h.Clone()
	other.Set(webhook.HeaderID, "e2") // a replay under another id
	requireRefused(t, v.Verify(other, []byte(body)), webhook.HeaderSignature, webhook.ErrNoMatchingSignature)
	requireRefused(t, verifierAt(t, now, mustSecret(t)).Verify(h, []byte(body)), webhook.HeaderSignature, webhook.ErrNoMatchingSignature)
}

func TestNewVerifierRefuses(t *testing.T) {
	_, err := webhook.NewVerifier()
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "secrets", numberdesk.ErrorField(err))
	_, err = webhook.NewVerifier(vectorSecret, "whsec_kurz")
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "secrets[1]", numberdesk.ErrorField(err))
	require.NotContains(t, err.Error(), "kurz")
}

func TestVerifierParse(t *testing.T) {
	const now = 1_800_000_000
	body := `{"id":"e1","type":"number.activated","tenant":"t1","seq":7,"at":"2026-11-27T12:00:00Z",` +
		`"actor":{"tenant":"t1","role":"system"},"data":{"k":1}}`
	h := signed(t, "e1", now, body, vectorSecret)
	v := verifierAt(t, now, vectorSecret)
	p, err := v.Parse(h, []byte(body))
	require.NoError(t, err)
	require.Equal(t, webhook.Payload{ID: "e1", Type: "number.activated", Tenant: "t1", Seq: 7,
		At: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC), Actor: numberdesk.Actor{Tenant: "t1", Role: numberdesk.RoleSystem},
		Data: []byte(`{"k":1}`)}, p)

	_, err = v.Parse(h, []byte(body+" "))
	requireRefused(t, err, webhook.HeaderSignature, webhook.ErrNoMatchingSignature)
	notJSON := signed(t, "e1", now, "not json", vectorSecret)
	_, err = v.Parse(notJSON, []byte("not json"))
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "body", numberdesk.ErrorField(err))
}

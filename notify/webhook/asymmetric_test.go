package webhook_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify/webhook"
)

// TestSignAsymmetric: a "v1a," entry is the standard base64 of the
// ed25519 signature of id.timestamp.body (checked with crypto/ed25519
// directly, not through the package), the 32-byte seed and the 64-byte key
// sign alike, and a public-key Verifier accepts it, refuses it under
// another key or for another body, and skips "v1," entries (as an HMAC
// Verifier skips "v1a," ones).
func TestSignAsymmetric(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	long := webhook.SigningKey(webhook.SigningKeyPrefix + base64.StdEncoding.EncodeToString(priv))
	short := webhook.SigningKey(webhook.SigningKeyPrefix + base64.RawStdEncoding.EncodeToString(seed))
	pub := webhook.PublicKey(webhook.PublicKeyPrefix + base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)))
	require.Equal(t, pub, long.PublicKey())
	require.Equal(t, pub, short.PublicKey())

	at := time.Unix(1674087231, 0)
	body := []byte(`{"type":"number.activated"}`)
	sig, err := webhook.SignAsymmetric("msg_1", at, body, long)
	require.NoError(t, err)
	version, b64, ok := strings.Cut(sig, ",")
	require.True(t, ok)
	require.Equal(t, "v1a", version)
	raw, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	require.True(t, ed25519.Verify(priv.Public().(ed25519.PublicKey), []byte("msg_1.1674087231."+string(body)), raw))
	again, err := webhook.SignAsymmetric("msg_1", at, body, short)
	require.NoError(t, err)
	require.Equal(t, sig, again, "ed25519 is deterministic: seed and key sign alike")

	v, err := webhook.NewPublicKeyVerifier(webhook.NewSigningKey().PublicKey(), pub)
	require.NoError(t, err)
	v.Clock = func() time.Time { return at }
	h := http.Header{}
	h.Set(webhook.HeaderID, "msg_1")
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(webhook.HeaderSignature, sig)
	require.NoError(t, v.Verify(h, body))
	require.ErrorIs(t, v.Verify(h, append(body, ' ')), webhook.ErrNoMatchingSignature)
	h.Set(webhook.HeaderID, "msg_2")
	require.ErrorIs(t, v.Verify(h, body), webhook.ErrNoMatchingSignature, "the id is signed")
	h.Set(webhook.HeaderID, "msg_1")

	other, err := webhook.NewPublicKeyVerifier(webhook.NewSigningKey().PublicKey())
	require.NoError(t, err)
	other.Clock = v.Clock
	require.ErrorIs(t, other.Verify(h, body), webhook.ErrNoMatchingSignature)

	// v1 and v1a side by side: each Verifier takes its own kind only.
	secret := mustSecret(t)
	v1, err := webhook.Sign("msg_1", at, body, secret)
	require.NoError(t, err)
	hmacOnly, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	hmacOnly.Clock = v.Clock
	h.Set(webhook.HeaderSignature, sig)
	require.ErrorIs(t, hmacOnly.Verify(h, body), webhook.ErrNoMatchingSignature, "an HMAC verifier skips v1a")
	h.Set(webhook.HeaderSignature, v1)
	require.ErrorIs(t, v.Verify(h, body), webhook.ErrNoMatchingSignature, "a public-key verifier skips v1")
	h.Set(webhook.HeaderSignature, v1+" "+sig)
	require.NoError(t, v.Verify(h, body))
	require.NoError(t, hmacOnly.Verify(h, body))
	// A v1a entry that is no signature is skipped, not a panic.
	h.Set(webhook.HeaderSignature, "v1a,AAAA v1a,@@@ "+sig)
	require.NoError(t, v.Verify(h, body))
}

// TestAsymmetricKeysRefused: malformed keys are CodeInvalid with a Field
// and a text that holds nothing of the key.
func TestAsymmetricKeysRefused(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	mixed := append([]byte(nil), priv...)
	mixed[ed25519.PrivateKeySize-1] ^= 1 // a public half of another key
	for name, text := range map[string]string{
		"no prefix":       base64.StdEncoding.EncodeToString(priv),
		"secret prefix":   webhook.SecretPrefix + base64.StdEncoding.EncodeToString(priv),
		"not base64":      webhook.SigningKeyPrefix + "sekrit!",
		"short":           webhook.SigningKeyPrefix + base64.StdEncoding.EncodeToString(priv[:31]),
		"mismatched half": webhook.SigningKeyPrefix + base64.StdEncoding.EncodeToString(mixed),
	} {
		_, err := webhook.ParseSigningKey(text)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), name)
		require.Equal(t, "signing_key", numberdesk.ErrorField(err), name)
		require.NotContains(t, err.Error(), "sekrit", name)
		require.Empty(t, webhook.SigningKey(text).PublicKey(), name)
	}
	_, err := webhook.ParsePublicKey(webhook.PublicKeyPrefix + base64.StdEncoding.EncodeToString(priv))
	require.Equal(t, "public_key", numberdesk.ErrorField(err), "64 bytes is no public key")
	_, err = webhook.ParsePublicKey(string(webhook.NewSigningKey().PublicKey()))
	require.NoError(t, err)
	_, err = webhook.ParseSigningKey(string(webhook.NewSigningKey()))
	require.NoError(t, err)

	_, err = webhook.NewPublicKeyVerifier()
	require.Equal(t, "keys", numberdesk.ErrorField(err))
	_, err = webhook.NewPublicKeyVerifier(webhook.NewSigningKey().PublicKey(), "whpk_x")
	require.Equal(t, "keys[1]", numberdesk.ErrorField(err))
	_, err = webhook.SignAsymmetric("msg_1", time.Now(), nil)
	require.Equal(t, "keys", numberdesk.ErrorField(err))
	_, err = webhook.SignAsymmetric("msg.1", time.Now(), nil, webhook.NewSigningKey())
	require.Equal(t, "id", numberdesk.ErrorField(err))
	_, err = webhook.New(webhook.Config{Endpoints: []webhook.Endpoint{{URL: "https://crm.example.de/hook", SigningKeys: []webhook.SigningKey{"whsk_sekrit"}}}})
	require.Equal(t, "Endpoints[0].SigningKeys[0]", numberdesk.ErrorField(err))
	require.NotContains(t, err.Error(), "sekrit")
}

// TestSigningKeyRedacts: a SigningKey shows Redacted wherever Go formats
// or encodes it.
func TestSigningKeyRedacts(t *testing.T) {
	k := webhook.NewSigningKey()
	text := k.Reveal()
	require.True(t, strings.HasPrefix(text, webhook.SigningKeyPrefix))
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("key", "k", k)
	j, err := json.Marshal(struct{ K webhook.SigningKey }{k})
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %s %q %x %#v", k, k, k, k, k, k), logged.String(), string(j)} {
		require.NotContains(t, out, text[len(webhook.SigningKeyPrefix):])
		require.Contains(t, out, webhook.Redacted)
	}
}

// TestNotifierSignsAsymmetric: an endpoint with a secret and a signing key
// gets both entries, and a receiver with only the public key verifies the
// webhook; one with a signing key alone gets "v1a," only.
func TestNotifierSignsAsymmetric(t *testing.T) {
	c := newClock()
	rv := newReceiver(t, nil)
	key, secret := webhook.NewSigningKey(), mustSecret(t)
	n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{
		{URL: rv.url("/both"), Secrets: []webhook.Secret{secret}, SigningKeys: []webhook.SigningKey{key}},
		{URL: rv.url("/v1a"), SigningKeys: []webhook.SigningKey{key}},
	}})
	require.NoError(t, n.Notify(background, testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)))
	v, err := webhook.NewPublicKeyVerifier(key.PublicKey())
	require.NoError(t, err)
	v.Clock = c.Now
	hv, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	hv.Clock = c.Now
	for _, r := range rv.requests() {
		entries := strings.Fields(r.header.Get(webhook.HeaderSignature))
		require.NoError(t, v.Verify(r.header, r.body), r.path)
		if r.path == "/both" {
			require.Len(t, entries, 2)
			require.True(t, strings.HasPrefix(entries[0], "v1,"))
			require.True(t, strings.HasPrefix(entries[1], "v1a,"))
			require.NoError(t, hv.Verify(r.header, r.body))
		} else {
			require.Len(t, entries, 1)
			require.True(t, strings.HasPrefix(entries[0], "v1a,"))
		}
	}
	require.Len(t, rv.requests(), 2)
}

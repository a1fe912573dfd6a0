package efax

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"io"
	"strings"

	"github.com/numberdesk/numberdesk"
)

// SecretAlphabet is the exact character set of a secret: the digits 2 to 9
// and the lower-case letters without i, l and o, 31 characters that cannot
// be mistaken for one another when read from a mail and typed into the app.
const SecretAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// SecretLength is the exact length of a secret. Each character is drawn
// uniformly from SecretAlphabet (crypto/rand, rejection sampling), so a
// secret carries 28 × log2(31) ≈ 138.7 bits, above the 128 bits required.
const SecretLength = 28

// maxSecret bounds what Authenticate hashes: longer input is refused before
// hashing, so that nobody can make the server hash megabytes.
const maxSecret = 128

// newSecret returns a fresh secret of SecretLength characters of
// SecretAlphabet from r (crypto/rand.Reader outside tests). Bytes of 248 and
// more are rejected, so every character is equally likely (248 = 8 × 31).
func newSecret(r io.Reader) ([]byte, error) {
	const limit = 256 - 256%len(SecretAlphabet)
	out := make([]byte, 0, SecretLength)
	buf := make([]byte, 2*SecretLength)
	for len(out) < SecretLength {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, numberdesk.Internal("efax.newSecret", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, SecretAlphabet[int(b)%len(SecretAlphabet)])
			if len(out) == SecretLength {
				break
			}
		}
	}
	return out, nil
}

// NewSecret returns a fresh secret from crypto/rand: SecretLength characters
// of SecretAlphabet.
func NewSecret() (string, error) {
	b, err := newSecret(rand.Reader)
	return string(b), err
}

// usernameCode is base32 in lower case without padding.
var usernameCode = base32.StdEncoding.WithPadding(base32.NoPadding)

// Username returns the login name of employee for the number with E.164
// e164 in tenant: the number's digits, a hyphen and 8 characters derived from
// SHA-256 over tenant, number and employee ("4922112345620-k7q2m9xd"). It is
// the same for every rotation and re-issue. Two employees of one number
// collide with a probability of 2^-40; the store's unique index on usernames
// refuses a collision (CodeConflict) rather than sharing a login.
func Username(tenant numberdesk.TenantID, number numberdesk.NumberID, employee numberdesk.StaffID, e164 string) string {
	h := sha256.Sum256([]byte("numberdesk/efax/username\x00" + string(tenant) + "\x00" + string(number) + "\x00" + string(employee)))
	return strings.TrimPrefix(e164, "+") + "-" + strings.ToLower(usernameCode.EncodeToString(h[:5]))
}

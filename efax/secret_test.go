package efax_test

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
)

// 100,000 secrets are all distinct, each exactly SecretLength characters of
// SecretAlphabet, and every character of the alphabet occurs.
func TestSecretsDistinctWithExactCharset(t *testing.T) {
	require.Equal(t, 31, len(efax.SecretAlphabet))
	require.Equal(t, 28, efax.SecretLength)
	const n = 100_000
	seen := make(map[string]struct{}, n)
	var counts [256]int
	for range n {
		s, err := efax.NewSecret()
		require.NoError(t, err)
		require.Len(t, s, efax.SecretLength)
		for i := 0; i < len(s); i++ {
			if strings.IndexByte(efax.SecretAlphabet, s[i]) < 0 {
				t.Fatalf("secret %q has %q, outside the alphabet", s, s[i])
			}
			counts[s[i]]++
		}
		seen[s] = struct{}{}
	}
	require.Len(t, seen, n, "all distinct")
	// Uniform: each of the 31 characters is expected 90,322 times; allow
	// ±2 % (about ±6 standard deviations).
	want := float64(n*efax.SecretLength) / float64(len(efax.SecretAlphabet))
	for _, c := range []byte(efax.SecretAlphabet) {
		require.InDelta(t, want, counts[c], want*0.02, "character %q", c)
	}
}

// Bytes of 248 and more are rejected (rejection sampling), so no character
// is more likely than another.
func TestSecretRejectionSampling(t *testing.T) {
	in := bytes.Repeat([]byte{255, 248, 0, 30, 31, 247}, 40)
	s, err := efax.NewSecretFrom(bytes.NewReader(in))
	require.NoError(t, err)
	// 0 → '2', 30 → 'z', 31 → '2', 247 → 247 % 31 = 30 → 'z'.
	require.Equal(t, strings.Repeat("2z2z", 7), string(s))
	_, err = efax.NewSecretFrom(bytes.NewReader(bytes.Repeat([]byte{250}, 10)))
	require.Error(t, err, "a reader that runs dry is an error, not a short secret")
}

// math/rand (and math/rand/v2) appear in no file of the package, tests
// included: every secret, salt, key and nonce comes from crypto/rand.
func TestNoMathRandInEfax(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	fset := token.NewFileSet()
	for _, name := range files {
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			require.False(t, path == "math/rand" || strings.HasPrefix(path, "math/rand/"), "%s imports %s", name, path)
		}
	}
}

// Usernames: the number's digits and 8 base32 characters, stable for the
// same number and employee, different for another employee, number or
// tenant.
func TestUsername(t *testing.T) {
	tn, n, e := numberdesk.NewTenantID(), numberdesk.NewNumberID(), numberdesk.NewStaffID()
	u := efax.Username(tn, n, e, "+4922112345620")
	require.Regexp(t, `^4922112345620-[a-z2-7]{8}$`, u)
	require.Equal(t, u, efax.Username(tn, n, e, "+4922112345620"))
	require.NotEqual(t, u, efax.Username(tn, n, numberdesk.NewStaffID(), "+4922112345620"))
	require.NotEqual(t, u, efax.Username(tn, numberdesk.NewNumberID(), e, "+4922112345620"))
	require.NotEqual(t, u, efax.Username(numberdesk.NewTenantID(), n, e, "+4922112345620"))
	require.LessOrEqual(t, len(efax.Username(tn, n, e, "+"+strings.Repeat("9", 15))), efax.MaxUsername)
}

// The PHC strings: the defaults are OWASP's, and malformed strings are
// refused.
func TestPHC(t *testing.T) {
	require.Equal(t, efax.Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, efax.DefaultParams)
	p, err := efax.PHCParams("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	require.NoError(t, err)
	require.Equal(t, efax.Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, p)
	for _, bad := range []string{
		"", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=16$m=1,t=1,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$t=1,m=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=1,t=1,p=256$c2FsdA$aGFzaA", "$argon2id$v=19$m=1,t=1,p=1$c2Fs*A$aGFzaA",
		"$argon2id$v=19$m=1,t=1,p=1$c2FsdA$", "$argon2id$v=19$m=1,t=1,p=1,x=2$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA$", "bcrypt",
	} {
		_, err := efax.PHCParams(bad)
		require.Error(t, err, bad)
	}
}

package efax_test

import (
	"context"
	"testing"

	"github.com/numberdesk/numberdesk/efax"
)

// BenchmarkAuthenticate measures a login with the default (OWASP) argon2id
// parameters, m=19456 KiB, t=2, p=1, on memstore: the hash dominates, which
// is the point. "unknown" is a username that does not exist (hashed against
// the dummy), "wrong" a wrong secret (the login locks after 5, and keeps
// hashing while locked).
func BenchmarkAuthenticate(b *testing.B) {
	f := newFixture(b, func(c *efax.Config) { c.Params, c.AllowWeakParams = efax.DefaultParams, false })
	user, secret := f.sendAndDeliver(b, f.personal, f.anna)
	ctx := context.Background()
	for _, bc := range []struct{ name, user, secret string }{
		{"success", user, secret},
		{"unknown", "4922112345699-aaaaaaaa", secret},
		{"wrong", user, "wrong-secret"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l, err := f.fax.Authenticate(ctx, bc.user, bc.secret)
				if (err == nil) != (bc.name == "success") || (l != nil) != (err == nil) {
					b.Fatalf("unexpected outcome: %v", err)
				}
			}
		})
	}
}

package efax

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"

	"github.com/numberdesk/numberdesk"
)

// Params are the argon2id parameters of new hashes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes of the hash
}

// DefaultParams are the parameters of the OWASP Password Storage Cheat
// Sheet's first argon2id configuration: 19 MiB of memory (m=19456 KiB), two
// passes (t=2), one lane (p=1), with a 16-byte salt and a 32-byte hash.
//
// Why no more: a secret carries 138.7 random bits (see SecretLength), so even
// a stolen hash cannot be brute-forced whatever the cost; the slow hash is
// defence in depth. What the cost does buy is an attacker's bill per guess,
// and what it costs us is memory and CPU on a public login endpoint that
// anyone can make hash (an unknown user is hashed too, for equal timing).
// The OWASP minimum keeps one login at about 20 to 40 ms of one core and 19
// MiB (see BenchmarkAuthenticate), so Config.MaxHashing logins at once stay
// within a known memory bound. A vendor who raises the parameters gets old
// hashes rehashed at the next successful login.
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// minParams is the floor below which New refuses parameters unless
// Config.AllowWeakParams is set (tests).
var minParams = DefaultParams

// weaker reports whether p is below the OWASP floor.
func (p Params) weaker() bool {
	return p.Memory < minParams.Memory || p.Time < minParams.Time || p.Threads < 1 || p.SaltLen < 16 || p.KeyLen < 32
}

// phc is a parsed PHC string of argon2id.
type phc struct {
	p    Params
	salt []byte
	key  []byte
}

var b64 = base64.RawStdEncoding

// encode returns the PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash, salt and
// hash in unpadded standard base64.
func (h phc) encode() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads,
		b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

// parsePHC reads a PHC string of argon2id version 19.
func parsePHC(s string) (phc, error) {
	bad := fmt.Errorf("efax: not an argon2id PHC string")
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, bad
	}
	var h phc
	for i, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || i > 2 || k != [...]string{"m", "t", "p"}[i] {
			return phc{}, bad
		}
		switch k {
		case "m":
			h.p.Memory = uint32(n)
		case "t":
			h.p.Time = uint32(n)
		case "p":
			if n > 255 {
				return phc{}, bad
			}
			h.p.Threads = uint8(n)
		}
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil {
		return phc{}, bad
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil {
		return phc{}, bad
	}
	h.p.SaltLen, h.p.KeyLen = uint32(len(h.salt)), uint32(len(h.key))
	if h.p.Memory == 0 || h.p.Time == 0 || h.p.Threads == 0 || len(h.salt) == 0 || len(h.key) == 0 {
		return phc{}, bad
	}
	return h, nil
}

// hasher runs argon2id with at most cap(slots) computations at once: each
// takes Params.Memory KiB, so memory stays within cap(slots) × Memory.
type hasher struct {
	p     Params
	slots chan struct{}
	// busy and peak count the computations running and the most seen at
	// once (tests read peak).
	busy, peak atomic.Int32
	count      atomic.Int64 // computations so far (tests read it)
	// dummy is the hash an unknown user's secret is checked against,
	// computed on first use: a service starts without an argon2id
	// computation (hundreds of milliseconds in a browser's wasm, on every
	// start of the demo). verify asks for it on every check, so that the
	// first check pays for it whether its user is known or not.
	dummy   func() phc
	dummies atomic.Int32 // dummy hashes computed (tests read it)
}

func newHasher(p Params, max int) *hasher {
	h := &hasher{p: p, slots: make(chan struct{}, max)}
	h.dummy = sync.OnceValue(func() phc {
		salt, secret := make([]byte, p.SaltLen), make([]byte, SecretLength)
		_, _ = rand.Read(salt) // crypto/rand.Read never fails (Go 1.24)
		_, _ = rand.Read(secret)
		h.dummies.Add(1)
		return phc{p: p, salt: salt, key: argon2.IDKey(secret, salt, p.Time, p.Memory, p.Threads, p.KeyLen)}
	})
	return h
}

// key computes argon2id of secret with p and salt, waiting for a slot.
func (h *hasher) key(ctx context.Context, secret, salt []byte, p Params) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, numberdesk.Internal("efax.hash", ctx.Err())
	}
	defer func() { <-h.slots }()
	h.count.Add(1)
	n := h.busy.Add(1)
	defer h.busy.Add(-1)
	for {
		m := h.peak.Load()
		if n <= m || h.peak.CompareAndSwap(m, n) {
			break
		}
	}
	return argon2.IDKey(secret, salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// hash returns the PHC string of secret with a fresh salt and the current
// parameters.
func (h *hasher) hash(ctx context.Context, secret []byte) (string, error) {
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", numberdesk.Internal("efax.hash", err)
	}
	key, err := h.key(ctx, secret, salt, h.p)
	if err != nil {
		return "", err
	}
	return phc{p: h.p, salt: salt, key: key}.encode(), nil
}

// below reports whether p is weaker than q in memory, passes, salt or hash
// length.
func (p Params) below(q Params) bool {
	return p.Memory < q.Memory || p.Time < q.Time || p.SaltLen < q.SaltLen || p.KeyLen < q.KeyLen
}

// verify reports whether secret matches the PHC string stored; an empty or
// unreadable one is checked against the dummy hash, so that it costs the
// same and never matches. outdated reports whether the stored hash is weaker
// than the current parameters (a stronger one is kept, so that instances
// with different parameters during a roll-out do not undo each other).
func (h *hasher) verify(ctx context.Context, stored string, secret []byte) (ok, outdated bool, err error) {
	dummy := h.dummy()
	target, perr := parsePHC(stored)
	if perr != nil {
		target = dummy
	}
	key, err := h.key(ctx, secret, target.salt, target.p)
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(key, target.key) == 1 && perr == nil
	return ok, target.p.below(h.p), nil
}

package efax

import "io"

// PeakHashing returns the most argon2id computations s ran at once.
func PeakHashing(s *Service) int { return int(s.hash.peak.Load()) }

// Hashes returns how many argon2id computations s has run.
func Hashes(s *Service) int64 { return s.hash.count.Load() }

// DummyHashes returns how many dummy hashes s has computed.
func DummyHashes(s *Service) int { return int(s.hash.dummies.Load()) }

// NewSecretFrom draws a secret from r.
func NewSecretFrom(r io.Reader) ([]byte, error) { return newSecret(r) }

// PHCParams returns the parameters of a PHC string, or an error.
func PHCParams(s string) (Params, error) {
	h, err := parsePHC(s)
	return h.p, err
}

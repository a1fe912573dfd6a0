package efax

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"strconv"
)

// sealer seals a pending secret with AES-256-GCM until the Notifier has
// delivered it. The additional data binds a sealed secret to its tenant,
// credential and generation, so that it cannot be moved to another row or
// outlive a rotation.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, errors.New("efax: the seal key must have 32 bytes (AES-256)")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func sealAD(c *Credential) []byte {
	return []byte("numberdesk/efax/seal\x00" + string(c.Tenant) + "\x00" + string(c.ID) + "\x00" + strconv.Itoa(c.Generation))
}

// seal returns nonce || ciphertext of secret for c.
func (s *sealer) seal(c *Credential, secret []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, secret, sealAD(c)), nil
}

// open returns the secret sealed for c; an error if the key differs (another
// process without a shared Config.SealKey) or the blob was not sealed for c.
func (s *sealer) open(c *Credential, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errors.New("efax: the sealed secret is truncated")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], sealAD(c))
}

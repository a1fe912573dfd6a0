package numbers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/numberdesk/numberdesk"
)

// idempotent runs cmd in one transaction. With a key, it first looks for the
// tenant's record of that key: the same command with the same payload gets
// the stored result and no second effect; another command or payload under
// the key is CodeInvalid with Field "idempotency_key". A successful result is
// stored with the effect, in the same transaction; a failure is not stored,
// so the client may correct and retry. When two runs with one key race, the
// loser's insert conflicts and it is retried, finding the winner's result.
func idempotent[T any](ctx context.Context, s *Service, actor numberdesk.Actor, op, key string, payload any,
	cmd func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	st := s.cfg.Store
	fp := fingerprint(op, payload)
	for attempt := 0; ; attempt++ {
		var out T
		err := st.InTx(ctx, func(ctx context.Context) error {
			if key != "" {
				rec, err := st.FindIdempotencyRecord(ctx, actor.Tenant, key)
				switch {
				case err == nil && (rec.Op != op || rec.Fingerprint != fp):
					return numberdesk.E(numberdesk.CodeInvalid, op, "idempotency_key",
						"Dieser Schlüssel wurde bereits für eine andere Anfrage verwendet.")
				case err == nil:
					return json.Unmarshal(rec.Result, &out)
				case numberdesk.ErrorCode(err) != numberdesk.CodeNotFound:
					return err
				}
			}
			var err error
			if out, err = cmd(ctx); err != nil || key == "" {
				return err
			}
			b, err := json.Marshal(out)
			if err != nil {
				return err
			}
			// Hand out what a replay will hand out, byte for byte.
			if err := json.Unmarshal(b, &out); err != nil {
				return err
			}
			return st.CreateIdempotencyRecord(ctx, &numberdesk.IdempotencyRecord{
				Tenant: actor.Tenant, Key: key, Op: op, Fingerprint: fp, Result: b, CreatedAt: s.now(),
			})
		})
		if key != "" && attempt < 3 && numberdesk.ErrorCode(err) == numberdesk.CodeConflict {
			continue
		}
		if err != nil {
			return zero, numberdesk.Internal(op, err)
		}
		return out, nil
	}
}

// fingerprint hashes a command's payload.
func fingerprint(op string, payload any) string {
	b, err := json.Marshal(payload)
	if err != nil {
		panic("numbers: unhashable payload: " + err.Error())
	}
	h := sha256.Sum256(append([]byte(op+"\x00"), b...))
	return hex.EncodeToString(h[:])
}

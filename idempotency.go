package numberdesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Fingerprint hashes a command's payload for its IdempotencyRecord: the
// same op and payload give the same string. The payload must marshal to
// JSON (a programming error otherwise, so Fingerprint panics).
func Fingerprint(op string, payload any) string {
	b, err := json.Marshal(payload)
	if err != nil {
		panic("numberdesk: unhashable payload: " + err.Error())
	}
	h := sha256.Sum256(append([]byte(op+"\x00"), b...))
	return hex.EncodeToString(h[:])
}

// Replay looks up the tenant's idempotency record of key. If the record
// exists for the same op and fingerprint, it decodes the stored result into
// out and reports true: the caller returns it and has no second effect. A
// record of another op or payload under the key is CodeInvalid with Field
// "idempotency_key". No record: false and nil. An empty key never replays.
func Replay(ctx context.Context, st IdempotencyStore, tenant TenantID, op, key, fingerprint string, out any) (bool, error) {
	if key == "" {
		return false, nil
	}
	rec, err := st.FindIdempotencyRecord(ctx, tenant, key)
	switch {
	case ErrorCode(err) == CodeNotFound:
		return false, nil
	case err != nil:
		return false, err
	case rec.Op != op || rec.Fingerprint != fingerprint:
		return false, E(CodeInvalid, op, "idempotency_key", "Dieser Schlüssel wurde bereits für eine andere Anfrage verwendet.")
	}
	return true, json.Unmarshal(rec.Result, out)
}

// Remember stores result as the outcome of key, in the caller's transaction
// (the one that makes the command's effect). It marshals result and then
// decodes the JSON back into it, so that the caller hands out exactly what
// a replay will hand out; result must therefore be a pointer. An empty key
// stores nothing. A concurrent run that stored the key first makes it
// CodeConflict: retry the whole transaction, and Replay finds that result.
func Remember(ctx context.Context, st IdempotencyStore, tenant TenantID, op, key, fingerprint string, result any, now time.Time) error {
	if key == "" {
		return nil
	}
	b, err := json.Marshal(result)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, result); err != nil {
		return err
	}
	return st.CreateIdempotencyRecord(ctx, &IdempotencyRecord{
		Tenant: tenant, Key: key, Op: op, Fingerprint: fingerprint, Result: b, CreatedAt: now,
	})
}

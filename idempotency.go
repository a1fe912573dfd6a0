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

// ReplayAfter is what a command run under a client's key does with its error
// err before returning it: a concurrent run with the same key and payload
// may have committed meanwhile, and its effect may be why this run failed
// (the number is not active any more, a version moved on, the key's insert
// conflicted). If the key's record now exists for the same op and
// fingerprint, ReplayAfter decodes the stored result into out and returns
// nil: the caller hands out that result, as every caller with the key must
// get it. A record of another op or payload is CodeInvalid, Field
// "idempotency_key"; no record: err. A CodePermission err is returned
// unchanged: an actor that may not run the command now (locked, deleted,
// demoted) gets no stored result either. It reads outside any transaction (err
// ended the caller's). nil err or an empty key: err unchanged.
//
// Together with the version checks of the stores this is the contract of
// every idempotent command: a caller that arrives while the first run with
// its key is still going waits on that run's row locks (or runs in its own
// serialized transaction) and then gets the stored result; never a second
// effect, never an error the first run caused.
func ReplayAfter(ctx context.Context, st IdempotencyStore, tenant TenantID, op, key, fingerprint string, out any, err error) error {
	if err == nil || key == "" || ErrorCode(err) == CodePermission {
		return err // an actor refused now gets no result, not even a stored one
	}
	done, rerr := Replay(ctx, st, tenant, op, key, fingerprint, out)
	switch {
	case done && rerr == nil:
		return nil
	case ErrorCode(rerr) == CodeInvalid:
		return rerr
	}
	return err
}

// DefaultIdempotencyRetention is how long idempotency records are kept by
// default: a client may retry a command with its key for a day.
const DefaultIdempotencyRetention = 24 * time.Hour

// PurgeIdempotencyRecords deletes the idempotency records of every tenant
// created more than retention before now (0: DefaultIdempotencyRetention)
// and returns how many. A key is honoured for at least the retention; after
// the purge the same key runs the command anew. Servers run it periodically
// (on every node: two purges at once delete each record once).
func PurgeIdempotencyRecords(ctx context.Context, st IdempotencyStore, now time.Time, retention time.Duration) (int, error) {
	if retention <= 0 {
		retention = DefaultIdempotencyRetention
	}
	if now.IsZero() {
		return 0, E(CodeInvalid, "numberdesk.PurgeIdempotencyRecords", "now", "Der Zeitpunkt fehlt.")
	}
	return st.DeleteIdempotencyRecords(ctx, now.Add(-retention))
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

package numbers

import (
	"context"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
)

// idempotent runs cmd in one transaction. With a key, it first looks for the
// tenant's record of that key: the same command with the same payload gets
// the stored result and no second effect; another command or payload under
// the key is CodeInvalid with Field "idempotency_key". A successful result is
// stored with the effect, in the same transaction; a failure is not stored,
// so the client may correct and retry. When two runs with one key race, the
// loser waits on the winner's row locks; its write or its insert of the key
// then conflicts and it is retried, finding the winner's result; and if it
// failed because of the winner's effect (the number is not active any more),
// numberdesk.ReplayAfter finds the winner's result all the same. Every
// caller with the key and payload gets the stored result.
func idempotent[T any](ctx context.Context, s *Service, actor numberdesk.Actor, op, key string, payload any,
	cmd func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	st := s.cfg.Store
	fp := numberdesk.Fingerprint(op, payload)
	for attempt := 0; ; attempt++ {
		var out T
		err := st.InTx(ctx, func(ctx context.Context) error {
			if _, ok := st.(ActorReader); ok && key == "" {
				// Verified by cmd's first read, or here before the commit;
				// a refused actor's error is the one returned.
				v := &verification{actor: actor}
				res, err := cmd(context.WithValue(ctx, verificationKey{}, v))
				if !v.done {
					if verr := staff.Verify(ctx, st, op, actor); verr != nil {
						return verr
					}
				}
				out = res
				return err
			}
			if err := staff.Verify(ctx, st, op, actor); err != nil {
				return err
			}
			if done, err := numberdesk.Replay(ctx, st, actor.Tenant, op, key, fp, &out); done || err != nil {
				return err
			}
			var err error
			if out, err = cmd(ctx); err != nil {
				return err
			}
			return numberdesk.Remember(ctx, st, actor.Tenant, op, key, fp, &out, s.now())
		})
		if key != "" && attempt < 3 && numberdesk.ErrorCode(err) == numberdesk.CodeConflict {
			continue
		}
		if err = numberdesk.ReplayAfter(ctx, st, actor.Tenant, op, key, fp, &out, err); err != nil {
			return zero, numberdesk.Internal(op, err)
		}
		return out, nil
	}
}

// verification is the pending verification of a command's actor: its
// first read of numbers by ID (Service.byIDs) does it when the Store is an
// ActorReader.
type verification struct {
	actor numberdesk.Actor
	done  bool
}

type verificationKey struct{}

// byIDs returns the actor's tenant's numbers ids that are stored, in any
// order. If ctx has a pending verification of actor and the Store reads the
// actor's standing along (ActorReader), it verifies the actor with it.
func (s *Service) byIDs(ctx context.Context, op string, actor numberdesk.Actor, ids []numberdesk.NumberID) ([]*Number, error) {
	if v, ok := ctx.Value(verificationKey{}).(*verification); ok && !v.done && v.actor == actor {
		if r, ok := s.cfg.Store.(ActorReader); ok {
			found, sd, err := r.FindNumbersAs(ctx, actor, ids)
			if err != nil {
				return nil, numberdesk.Internal(op, err)
			}
			if sd != nil {
				if err := sd.Verify(op, actor); err != nil {
					return nil, err
				}
				v.done = true
			}
			return found, nil
		}
	}
	found, _, err := s.cfg.Store.FindNumbers(ctx, actor.Tenant, Filter{IDs: ids})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return found, nil
}

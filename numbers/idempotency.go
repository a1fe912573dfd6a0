package numbers

import (
	"context"
	"errors"

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
	return runCommand(ctx, s, actor, op, key, payload, false, cmd)
}

// oneWrite is idempotent for a command that writes once, with writeWiping,
// at its end: without a key, on a SoloWriter, it runs without a
// transaction (see there).
func oneWrite[T any](ctx context.Context, s *Service, actor numberdesk.Actor, op, key string, payload any,
	cmd func(ctx context.Context) (T, error)) (T, error) {
	return runCommand(ctx, s, actor, op, key, payload, true, cmd)
}

// runCommand is idempotent, and oneWrite if once.
func runCommand[T any](ctx context.Context, s *Service, actor numberdesk.Actor, op, key string, payload any, once bool,
	cmd func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	if once && key == "" {
		if out, done, err := solo(ctx, s, op, actor, cmd); done {
			return out, err
		}
	}
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

// soloWriter returns st as a Writer if it is a SoloWriter whose writes are
// single statements, and an ActorReader: then the commands that write once
// run without a transaction (solo). Else nil.
func soloWriter(st Store) Writer {
	sw, ok := st.(SoloWriter)
	if !ok || !sw.SoloWrites() {
		return nil
	}
	w, isW := st.(Writer)
	if _, isAR := st.(ActorReader); !isW || !isAR {
		return nil
	}
	return w
}

// solo runs cmd without a transaction if the Store allows it (Service.solo).
// done is false if it did not, or if cmd asked for a transaction (needTx)
// before it wrote: then nothing is written and the caller runs cmd in one.
func solo[T any](ctx context.Context, s *Service, op string, actor numberdesk.Actor,
	cmd func(ctx context.Context) (T, error)) (out T, done bool, err error) {
	if s.solo == nil {
		return out, false, nil
	}
	v := &verification{actor: actor}
	r := &soloRun{w: s.solo, op: op, actor: actor}
	res, err := cmd(context.WithValue(context.WithValue(ctx, verificationKey{}, v), soloKey{}, r))
	if errors.Is(err, errNeedTx) {
		return out, false, nil
	}
	if !v.done && !r.wrote {
		// Nothing verified the actor (no number read, no write): a refused
		// actor's error is the one returned, as within a transaction.
		if verr := staff.Verify(ctx, s.cfg.Store, op, actor); verr != nil {
			return out, true, verr
		}
	}
	if err != nil {
		return out, true, numberdesk.Internal(op, err)
	}
	return res, true, nil
}

// soloRun is a command running without a transaction (solo): its one write
// verifies its actor.
type soloRun struct {
	w     Writer
	op    string
	actor numberdesk.Actor
	wrote bool
}

type soloKey struct{}

// errNeedTx is what a command running without a transaction returns when it
// finds, before its first write, that it must write more than once (needTx).
var errNeedTx = errors.New("numbers: the command needs a transaction")

// needTx is errNeedTx if cmd runs without a transaction: called before a
// write other than the command's last, it has the command start again in
// one.
func needTx(ctx context.Context) error {
	if _, ok := ctx.Value(soloKey{}).(*soloRun); ok {
		return errNeedTx
	}
	return nil
}

// write is the command's one write without a transaction: w with the actor,
// verified in the write's own transaction. A refused actor's error names
// the command, as Verify's in the command's transaction would.
func (r *soloRun) write(ctx context.Context, w Write) error {
	if r.wrote {
		// A second write could not be undone with the first: the command
		// must call needTx before its first.
		return numberdesk.Internal(r.op, errors.New("numbers: a second write without a transaction"))
	}
	r.wrote = true
	w.Actor = &r.actor
	err := r.w.Write(ctx, w)
	var e *numberdesk.Error
	if errors.As(err, &e) && e.Code == numberdesk.CodePermission && e.Field == "actor" {
		named := *e
		named.Op = r.op
		return &named
	}
	return err
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

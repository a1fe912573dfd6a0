package storetest

import (
	"context"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
)

// Unlocked wraps st in a deliberately broken store, for tests only: it shows
// what the linearizability check (CheckSwapHistory) catches. Its InTx runs fn
// without a transaction (fn gets the ctx as it is, so every call commits on
// its own), and its UpdateNumbers ignores versions: after sleeping think, to
// widen the window between a command's read and its write, it re-reads the
// stored version of every number and writes with that, so a write based on a
// stale read wins instead of failing with CodeConflict. Everything else is
// st's. Two concurrent swaps of one active number then both succeed, which no
// serial order of swaps allows.
func Unlocked(st store.Store, think time.Duration) store.Store {
	return &unlocked{Store: st, think: think}
}

type unlocked struct {
	store.Store
	think time.Duration
}

func (u *unlocked) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}

func (u *unlocked) UpdateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	if u.think > 0 {
		timer := time.NewTimer(u.think)
		select {
		case <-ctx.Done():
			timer.Stop()
			return numberdesk.Internal("storetest.Unlocked.UpdateNumbers", ctx.Err())
		case <-timer.C:
		}
	}
	var err error
	for range maxAttempts {
		for _, n := range ns {
			cur, err := u.Store.FindNumberByID(ctx, n.Tenant, n.ID)
			if err != nil {
				return err
			}
			n.Version = cur.Version
		}
		// Another write may slip in between the re-read and this one:
		// read again rather than report the conflict.
		if err = u.Store.UpdateNumbers(ctx, ns...); numberdesk.ErrorCode(err) != numberdesk.CodeConflict {
			return err
		}
	}
	return err
}

package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
)

var errBoom = errors.New("boom")

// txFixture is a tenant with one stored number, and the writes a transaction
// makes of every kind.
type txFixture struct {
	s       store.Store
	tenant  *numberdesk.Tenant
	old     *numbers.Number // stored before the transaction, version 1
	created *numbers.Number // created inside
	changed *numbers.Number // old, changed inside
	event   numberdesk.Event
	record  *numberdesk.IdempotencyRecord
	newTn   *numberdesk.Tenant
}

func newTxFixture(t *testing.T, s store.Store) *txFixture {
	t.Helper()
	fx := &txFixture{s: s, tenant: newTenant(t, s)}
	fx.old = newNumber(fx.tenant.ID, e164(1), numbers.StatusActive)
	createNumbers(t, s, fx.old)
	fx.created = newNumber(fx.tenant.ID, e164(2), numbers.StatusNew)
	fx.changed = fx.old.Clone()
	fx.changed.Status = numbers.StatusDeactivationPending
	fx.changed.DeactivationAt = t0.AddDate(0, 1, 0)
	fx.event = newEvent(fx.tenant.ID, fx.old.ID, "number.deactivation_requested")
	fx.record = newRecord(fx.tenant.ID, "tx-key")
	fx.newTn = &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "Neu GmbH", CreatedAt: t0}
	return fx
}

// writeAll makes every kind of write with ctx.
func (fx *txFixture) writeAll(ctx context.Context) error {
	if err := fx.s.CreateTenant(ctx, fx.newTn); err != nil {
		return err
	}
	if err := fx.s.CreateNumbers(ctx, fx.created); err != nil {
		return err
	}
	if err := fx.s.UpdateNumbers(ctx, fx.changed); err != nil {
		return err
	}
	if err := fx.s.AppendEvents(ctx, fx.event); err != nil {
		return err
	}
	return fx.s.CreateIdempotencyRecord(ctx, fx.record)
}

// requireCommitted checks that every write of writeAll is visible.
func (fx *txFixture) requireCommitted(t *testing.T) {
	t.Helper()
	_, err := fx.s.FindTenantByID(t.Context(), fx.newTn.ID)
	require.NoError(t, err)
	requireNumber(t, fx.s, fx.created)
	requireNumber(t, fx.s, fx.changed)
	es := allEvents(t, fx.s, fx.tenant.ID)
	require.Len(t, es, 1)
	require.Equal(t, fx.event.ID, es[0].ID)
	_, err = fx.s.FindIdempotencyRecord(t.Context(), fx.tenant.ID, fx.record.Key)
	require.NoError(t, err)
}

// requireRolledBack checks that no write of writeAll is visible and that the
// store is usable (and its locks free) afterwards.
func (fx *txFixture) requireRolledBack(t *testing.T) {
	t.Helper()
	_, err := fx.s.FindTenantByID(t.Context(), fx.newTn.ID)
	requireCode(t, err, numberdesk.CodeNotFound, "*")
	requireNoNumber(t, fx.s, fx.tenant.ID, fx.created.ID)
	requireNumber(t, fx.s, fx.old)
	require.Equal(t, []*numbers.Number{norm(fx.old)}, normAll(allNumbers(t, fx.s, fx.tenant.ID)))
	require.Empty(t, allEvents(t, fx.s, fx.tenant.ID))
	_, err = fx.s.FindIdempotencyRecord(t.Context(), fx.tenant.ID, fx.record.Key)
	requireCode(t, err, numberdesk.CodeNotFound, "*")

	// Everything rolled back can be written again, in and outside a tx.
	fx.created.Version, fx.changed.Version = 0, fx.old.Version
	require.NoError(t, fx.s.InTx(t.Context(), fx.writeAll))
	fx.requireCommitted(t)
}

func testTransactions(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"Commit": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			require.NoError(t, s.InTx(t.Context(), fx.writeAll))
			fx.requireCommitted(t)
			require.Equal(t, int64(2), fx.changed.Version)
		},
		"ErrorRollsBackEverything": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, fx.writeAll(ctx))
				return errBoom
			})
			require.True(t, err == errBoom, "InTx returns fn's error unchanged, got %v", err)
			fx.requireRolledBack(t)
		},
		"TypedErrorIsReturnedUnchanged": func(t *testing.T, s store.Store) {
			want := numberdesk.E(numberdesk.CodePrecondition, "numbers.Activate", "status", "Die Rufnummer ist bereits aktiv.")
			err := s.InTx(t.Context(), func(ctx context.Context) error { return want })
			require.True(t, err == want, "got %v", err)
			require.ErrorIs(t, err, numberdesk.ErrPrecondition)
		},
		"PanicRollsBackAndRepanics": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			require.PanicsWithValue(t, "kaputt", func() {
				_ = s.InTx(t.Context(), func(ctx context.Context) error {
					require.NoError(t, fx.writeAll(ctx))
					panic("kaputt")
				})
			})
			fx.requireRolledBack(t)
		},
		"ReadsSeeOwnWrites": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, fx.writeAll(ctx))
				_, err := s.FindTenantByID(ctx, fx.newTn.ID)
				require.NoError(t, err)
				got, err := s.FindNumberByID(ctx, fx.tenant.ID, fx.created.ID)
				require.NoError(t, err)
				require.Equal(t, norm(fx.created), norm(got))
				got, err = s.FindNumberByID(ctx, fx.tenant.ID, fx.old.ID)
				require.NoError(t, err)
				require.Equal(t, norm(fx.changed), norm(got))
				ns, total, err := s.FindNumbers(ctx, fx.tenant.ID, numbers.Filter{Statuses: []numbers.Status{numbers.StatusNew, numbers.StatusDeactivationPending}})
				require.NoError(t, err)
				require.Equal(t, 2, total)
				require.Equal(t, []numberdesk.NumberID{fx.old.ID, fx.created.ID}, numberIDs(ns))
				es, err := s.FindEvents(ctx, fx.tenant.ID, numberdesk.EventFilter{Number: fx.old.ID})
				require.NoError(t, err)
				require.Len(t, es, 1)
				_, err = s.FindIdempotencyRecord(ctx, fx.tenant.ID, fx.record.Key)
				require.NoError(t, err)
				return nil
			}))
			fx.requireCommitted(t)
		},
		"FailedCallKeepsTxUsable": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, fx.writeAll(ctx))
				// Each of these fails, changes nothing, and the tx goes on.
				requireCode(t, s.CreateTenant(ctx, fx.newTn), numberdesk.CodeConflict, "*")
				requireCode(t, s.CreateNumbers(ctx, newNumber(fx.tenant.ID, fx.created.E164, numbers.StatusNew)), numberdesk.CodeConflict, "*")
				stale := fx.old.Clone()
				stale.Status = numbers.StatusInactive
				requireCode(t, s.UpdateNumbers(ctx, stale), numberdesk.CodeConflict, "version")
				requireCode(t, s.AppendEvents(ctx, fx.event), numberdesk.CodeConflict, "*")
				requireCode(t, s.CreateIdempotencyRecord(ctx, fx.record), numberdesk.CodeConflict, "*")
				_, err := s.FindNumberByID(ctx, fx.tenant.ID, numberdesk.NewNumberID())
				requireCode(t, err, numberdesk.CodeNotFound, "*")
				// A write after the failures.
				more := newNumber(fx.tenant.ID, e164(3), numbers.StatusNew)
				require.NoError(t, s.CreateNumbers(ctx, more))
				return nil
			}))
			fx.requireCommitted(t)
			require.Len(t, allNumbers(t, s, fx.tenant.ID), 3)
		},
		"NestedJoinsOuterCommit": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				return s.InTx(ctx, fx.writeAll)
			}))
			fx.requireCommitted(t)
		},
		"NestedRolledBackByOuterError": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.InTx(ctx, fx.writeAll))
				return errBoom
			})
			require.True(t, err == errBoom, "got %v", err)
			fx.requireRolledBack(t)
		},
		"NestedErrorPropagatedRollsBackAll": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.CreateTenant(ctx, fx.newTn))
				return s.InTx(ctx, func(ctx context.Context) error {
					require.NoError(t, s.CreateNumbers(ctx, fx.created))
					require.NoError(t, s.UpdateNumbers(ctx, fx.changed))
					require.NoError(t, s.AppendEvents(ctx, fx.event))
					require.NoError(t, s.CreateIdempotencyRecord(ctx, fx.record))
					return errBoom
				})
			})
			require.True(t, err == errBoom, "got %v", err)
			fx.requireRolledBack(t)
		},
		"NestedErrorHandledIsSavepoint": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			ghost := newNumber(fx.tenant.ID, e164(9), numbers.StatusNew)
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.CreateTenant(ctx, fx.newTn))
				require.NoError(t, s.CreateNumbers(ctx, fx.created))
				err := s.InTx(ctx, func(ctx context.Context) error {
					require.NoError(t, s.CreateNumbers(ctx, ghost))
					require.NoError(t, s.AppendEvents(ctx, newEvent(fx.tenant.ID, ghost.ID, "number.provisioned")))
					return errBoom
				})
				require.ErrorIs(t, err, errBoom)
				// The inner writes are gone; the outer ones are still there.
				requireCodeCtx(ctx, t, s, fx.tenant.ID, ghost.ID, numberdesk.CodeNotFound)
				requireCodeCtx(ctx, t, s, fx.tenant.ID, fx.created.ID, "")
				require.NoError(t, s.UpdateNumbers(ctx, fx.changed))
				require.NoError(t, s.AppendEvents(ctx, fx.event))
				return s.CreateIdempotencyRecord(ctx, fx.record)
			}))
			fx.requireCommitted(t)
			requireNoNumber(t, s, fx.tenant.ID, ghost.ID)
		},
		"NestedPanicRollsBackAll": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			require.PanicsWithValue(t, "kaputt", func() {
				_ = s.InTx(t.Context(), func(ctx context.Context) error {
					require.NoError(t, s.CreateTenant(ctx, fx.newTn))
					return s.InTx(ctx, func(ctx context.Context) error {
						require.NoError(t, s.CreateNumbers(ctx, fx.created))
						require.NoError(t, s.UpdateNumbers(ctx, fx.changed))
						panic("kaputt")
					})
				})
			})
			fx.requireRolledBack(t)
		},
		"CanceledContext": func(t *testing.T, s store.Store) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			called := false
			err := s.InTx(ctx, func(context.Context) error { called = true; return nil })
			requireCode(t, err, numberdesk.CodeInternal, "*")
			require.ErrorIs(t, err, context.Canceled)
			require.False(t, called)
		},
		"CanceledDuringTxRollsBack": func(t *testing.T, s store.Store) {
			fx := newTxFixture(t, s)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			err := s.InTx(ctx, func(ctx context.Context) error {
				require.NoError(t, fx.writeAll(ctx))
				cancel()
				return nil
			})
			requireCode(t, err, numberdesk.CodeInternal, "*")
			require.ErrorIs(t, err, context.Canceled)
			fx.requireRolledBack(t)
		},
	})
}

// requireCodeCtx checks the code FindNumberByID gives for id with ctx ("" for
// success).
func requireCodeCtx(ctx context.Context, t *testing.T, s store.Store, tenant numberdesk.TenantID, id numberdesk.NumberID, code numberdesk.Code) {
	t.Helper()
	_, err := s.FindNumberByID(ctx, tenant, id)
	require.Equal(t, code, numberdesk.ErrorCode(err), "error: %v", err)
}

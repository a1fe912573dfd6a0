package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/store"
)

func testIdempotency(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"CreateAndFind": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			r := newRecord(tn.ID, "9f1c2d3e-key")
			require.NoError(t, s.CreateIdempotencyRecord(t.Context(), r))
			got, err := s.FindIdempotencyRecord(t.Context(), tn.ID, r.Key)
			require.NoError(t, err)
			require.Equal(t, normRecord(t, r), normRecord(t, got))
		},
		"DuplicateKeyIsConflict": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			r := newRecord(tn.ID, "k1")
			require.NoError(t, s.CreateIdempotencyRecord(t.Context(), r))
			dup := newRecord(tn.ID, "k1")
			dup.Op, dup.Fingerprint, dup.Result = "numbers.Swap", "other", []byte(`{"other":true}`)
			err := s.CreateIdempotencyRecord(t.Context(), dup)
			requireCode(t, err, numberdesk.CodeConflict, "key")
			require.ErrorIs(t, err, numberdesk.ErrConflict)
			got, err := s.FindIdempotencyRecord(t.Context(), tn.ID, "k1")
			require.NoError(t, err)
			require.Equal(t, normRecord(t, r), normRecord(t, got), "the first record stays")
		},
		"KeysArePerTenant": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			ra, rb := newRecord(a.ID, "same"), newRecord(b.ID, "same")
			rb.Op, rb.Result = "numbers.Deactivate", []byte(`{"b":2}`)
			require.NoError(t, s.CreateIdempotencyRecord(t.Context(), ra))
			require.NoError(t, s.CreateIdempotencyRecord(t.Context(), rb))
			got, err := s.FindIdempotencyRecord(t.Context(), a.ID, "same")
			require.NoError(t, err)
			require.Equal(t, normRecord(t, ra), normRecord(t, got))
			got, err = s.FindIdempotencyRecord(t.Context(), b.ID, "same")
			require.NoError(t, err)
			require.Equal(t, normRecord(t, rb), normRecord(t, got))
		},
		"Copies": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			r := newRecord(tn.ID, "k")
			require.NoError(t, s.CreateIdempotencyRecord(t.Context(), r))
			want := normRecord(t, r)
			copy(r.Result, `{"ok":null}`) // same length, other value
			r.Op = "changed"
			got, err := s.FindIdempotencyRecord(t.Context(), tn.ID, "k")
			require.NoError(t, err)
			require.Equal(t, want, normRecord(t, got))
			copy(got.Result, `{"ok":null}`)
			again, err := s.FindIdempotencyRecord(t.Context(), tn.ID, "k")
			require.NoError(t, err)
			require.Equal(t, want, normRecord(t, again))
		},
		"PurgeByCreationTime": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			base := t0.AddDate(1, 0, 0)
			_, err := s.DeleteIdempotencyRecords(t.Context(), base) // what a store starts with
			require.NoError(t, err)
			var keep []*numberdesk.IdempotencyRecord
			for i, r := range []*numberdesk.IdempotencyRecord{newRecord(a.ID, "old"), newRecord(b.ID, "old"),
				newRecord(a.ID, "edge"), newRecord(b.ID, "new")} {
				r.CreatedAt = base.Add(time.Duration(i) * time.Hour) // 0 h, 1 h, 2 h, 3 h
				require.NoError(t, s.CreateIdempotencyRecord(t.Context(), r))
				if i >= 2 {
					keep = append(keep, r)
				}
			}
			// A purge that a failing transaction rolls back deletes nothing.
			fail := errors.New("rolled back")
			require.ErrorIs(t, s.InTx(t.Context(), func(ctx context.Context) error {
				n, err := s.DeleteIdempotencyRecords(ctx, base.Add(10*time.Hour))
				require.NoError(t, err)
				require.Equal(t, 4, n)
				return fail
			}), fail)
			n, err := s.DeleteIdempotencyRecords(t.Context(), base.Add(2*time.Hour)) // strictly before
			require.NoError(t, err)
			require.Equal(t, 2, n, "the records of both tenants created before the instant")
			for _, tn := range []numberdesk.TenantID{a.ID, b.ID} {
				_, err := s.FindIdempotencyRecord(t.Context(), tn, "old")
				requireCode(t, err, numberdesk.CodeNotFound, "*")
			}
			for _, r := range keep {
				got, err := s.FindIdempotencyRecord(t.Context(), r.Tenant, r.Key)
				require.NoError(t, err)
				require.Equal(t, normRecord(t, r), normRecord(t, got))
			}
			n, err = s.DeleteIdempotencyRecords(t.Context(), base.Add(2*time.Hour))
			require.NoError(t, err)
			require.Zero(t, n, "a second purge finds nothing")
		},
		"UnknownIsNotFound": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			require.NoError(t, s.CreateIdempotencyRecord(t.Context(), newRecord(tn.ID, "k")))
			got, want := s.FindIdempotencyRecord(t.Context(), tn.ID, "other")
			require.Nil(t, got)
			requireCode(t, want, numberdesk.CodeNotFound, "*")
			for _, tenant := range []numberdesk.TenantID{numberdesk.NewTenantID(), "", "kaputt"} {
				_, err := s.FindIdempotencyRecord(t.Context(), tenant, "k")
				requireSameError(t, want, err)
			}
			_, err := s.FindIdempotencyRecord(t.Context(), tn.ID, "")
			requireSameError(t, want, err)
		},
		"InvalidIsRefused": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			requireCode(t, s.CreateIdempotencyRecord(t.Context(), nil), numberdesk.CodeInvalid, "*")
			requireCode(t, s.CreateIdempotencyRecord(t.Context(), newRecord("", "k")), numberdesk.CodeInvalid, "tenant")
			requireCode(t, s.CreateIdempotencyRecord(t.Context(), newRecord("tenant-1", "k")), numberdesk.CodeInvalid, "tenant")
			requireCode(t, s.CreateIdempotencyRecord(t.Context(), newRecord(tn.ID, "")), numberdesk.CodeInvalid, "key")
			notJSON := newRecord(tn.ID, "k")
			notJSON.Result = []byte("{not json")
			requireCode(t, s.CreateIdempotencyRecord(t.Context(), notJSON), numberdesk.CodeInvalid, "result")
			_, err := s.FindIdempotencyRecord(t.Context(), tn.ID, "k")
			requireCode(t, err, numberdesk.CodeNotFound, "*")
		},
	})
}

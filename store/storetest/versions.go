package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
)

func testVersions(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"IncrementsOnEveryWrite": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusNew)
			createNumbers(t, s, n)
			for want := int64(2); want <= 4; want++ {
				n.Options = append(n.Options, "o")
				require.NoError(t, s.UpdateNumbers(t.Context(), n))
				require.Equal(t, want, n.Version)
				requireNumber(t, s, n)
			}
		},
		"SecondWriterConflicts": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			createNumbers(t, s, n)
			first, err := s.FindNumberByID(t.Context(), tn.ID, n.ID)
			require.NoError(t, err)
			second, err := s.FindNumberByID(t.Context(), tn.ID, n.ID)
			require.NoError(t, err)

			first.Options = []string{"first"}
			require.NoError(t, s.UpdateNumbers(t.Context(), first))
			require.Equal(t, int64(2), first.Version)

			second.Options = []string{"second"}
			second.Status = numbers.StatusInactive
			err = s.UpdateNumbers(t.Context(), second)
			requireCode(t, err, numberdesk.CodeConflict, "version")
			require.ErrorIs(t, err, numberdesk.ErrConflict)
			require.Equal(t, int64(1), second.Version, "a failed update must not change the caller's version")
			requireNumber(t, s, first)
		},
		"FutureVersionConflicts": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n := newNumber(tn.ID, e164(1), numbers.StatusActive)
			createNumbers(t, s, n)
			c := n.Clone()
			c.Version = 5
			c.Status = numbers.StatusInactive
			requireCode(t, s.UpdateNumbers(t.Context(), c), numberdesk.CodeConflict, "version")
			c.Version = 0
			requireCode(t, s.UpdateNumbers(t.Context(), c), numberdesk.CodeConflict, "version")
			requireNumber(t, s, n)
		},
		"StaleNumberInBatchWritesNothing": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a, b, c := newNumber(tn.ID, e164(1), numbers.StatusNew), newNumber(tn.ID, e164(2), numbers.StatusNew), newNumber(tn.ID, e164(3), numbers.StatusNew)
			createNumbers(t, s, a, b, c)
			staleB := b.Clone()
			b.Options = []string{"meanwhile"}
			require.NoError(t, s.UpdateNumbers(t.Context(), b))

			a2, c2 := a.Clone(), c.Clone()
			a2.Status, staleB.Status, c2.Status = numbers.StatusActive, numbers.StatusActive, numbers.StatusActive
			requireCode(t, s.UpdateNumbers(t.Context(), a2, staleB, c2), numberdesk.CodeConflict, "version")
			require.Equal(t, int64(1), a2.Version)
			require.Equal(t, int64(1), c2.Version)
			requireNumber(t, s, a)
			requireNumber(t, s, b)
			requireNumber(t, s, c)
		},
	})
}

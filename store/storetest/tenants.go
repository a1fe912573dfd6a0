package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/store"
)

func testTenants(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"CreateAndFind": func(t *testing.T, s store.Store) {
			tn := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "Beispiel AG", TimeZone: "Europe/Vienna", CreatedAt: t0}
			require.NoError(t, s.CreateTenant(t.Context(), tn))
			got, err := s.FindTenantByID(t.Context(), tn.ID)
			require.NoError(t, err)
			require.Equal(t, normTenant(tn), normTenant(got))
		},
		"Copies": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			want := normTenant(tn)
			tn.Name = "changed by caller"
			got, err := s.FindTenantByID(t.Context(), tn.ID)
			require.NoError(t, err)
			require.Equal(t, want, normTenant(got))
			got.Name = "changed by reader"
			again, err := s.FindTenantByID(t.Context(), tn.ID)
			require.NoError(t, err)
			require.Equal(t, want, normTenant(again))
		},
		"DuplicateIsConflict": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			dup := &numberdesk.Tenant{ID: tn.ID, Name: "Andere GmbH", CreatedAt: t0}
			requireCode(t, s.CreateTenant(t.Context(), dup), numberdesk.CodeConflict, "id")
			got, err := s.FindTenantByID(t.Context(), tn.ID)
			require.NoError(t, err)
			require.Equal(t, normTenant(tn), normTenant(got))
		},
		"UnknownAndMalformedAreNotFound": func(t *testing.T, s store.Store) {
			newTenant(t, s)
			_, want := s.FindTenantByID(t.Context(), numberdesk.NewTenantID())
			requireCode(t, want, numberdesk.CodeNotFound, "*")
			for _, id := range []numberdesk.TenantID{"", "x", "not-a-uuid-at-all-but-36-characters", "00000000-0000-0000-0000-00000000000g"} {
				got, err := s.FindTenantByID(t.Context(), id)
				require.Nil(t, got)
				requireSameError(t, want, err)
			}
		},
		"InvalidIsRefused": func(t *testing.T, s store.Store) {
			requireCode(t, s.CreateTenant(t.Context(), nil), numberdesk.CodeInvalid, "*")
			requireCode(t, s.CreateTenant(t.Context(), &numberdesk.Tenant{Name: "ohne ID"}), numberdesk.CodeInvalid, "id")
			requireCode(t, s.CreateTenant(t.Context(), &numberdesk.Tenant{ID: "t-1", Name: "kaputt"}), numberdesk.CodeInvalid, "id")
			_, err := s.FindTenantByID(t.Context(), "t-1")
			requireCode(t, err, numberdesk.CodeNotFound, "*")
		},
	})
}

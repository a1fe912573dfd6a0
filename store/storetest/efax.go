package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/store"
)

// newCredential returns an active credential of tenant (not stored yet)
// with every field set.
func newCredential(tenant numberdesk.TenantID, number numberdesk.NumberID, employee numberdesk.StaffID, username string) *efax.StoredCredential {
	return &efax.StoredCredential{
		Credential: efax.Credential{
			ID: efax.NewCredentialID(), Tenant: tenant, Number: number, Staff: employee, Username: username,
			Status: efax.StatusActive, Generation: 1, IssuedAt: t0, RotatedAt: t0, UpdatedAt: t0,
		},
		Hash:   "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		Sealed: []byte{0, 1, 2, 0xff, 'x'},
	}
}

// loneCredential returns a credential of tenant (not stored yet) for a new
// number and employee.
func loneCredential(tenant numberdesk.TenantID, username string) *efax.StoredCredential {
	return newCredential(tenant, numberdesk.NewNumberID(), numberdesk.NewStaffID(), username)
}

// normCredential returns a copy of c in a canonical form: times in UTC, an
// empty Sealed nil.
func normCredential(c *efax.StoredCredential) *efax.StoredCredential {
	if c == nil {
		return nil
	}
	out := c.Clone()
	for _, tp := range []*time.Time{&out.IssuedAt, &out.RotatedAt, &out.DeliveredAt, &out.RevokedAt, &out.LastLoginAt, &out.LockedUntil, &out.UpdatedAt} {
		*tp = normTime(*tp)
	}
	if len(out.Sealed) == 0 {
		out.Sealed = nil
	}
	return out
}

func normCredentials(cs []*efax.StoredCredential) []*efax.StoredCredential {
	out := make([]*efax.StoredCredential, len(cs))
	for i, c := range cs {
		out[i] = normCredential(c)
	}
	return out
}

// requireCredential checks that the store holds want (compared normalized),
// by ID and by username.
func requireCredential(t *testing.T, s store.Store, want *efax.StoredCredential) {
	t.Helper()
	got, err := s.FindCredentialByID(t.Context(), want.Tenant, want.ID)
	require.NoError(t, err)
	require.Equal(t, normCredential(want), normCredential(got))
	got, err = s.FindCredentialByUsername(t.Context(), want.Username)
	require.NoError(t, err)
	require.Equal(t, normCredential(want), normCredential(got))
}

// requireNoCredential checks that the tenant has no credential id and that
// no credential has the username.
func requireNoCredential(t *testing.T, s store.Store, tenant numberdesk.TenantID, id efax.CredentialID, username string) {
	t.Helper()
	_, err := s.FindCredentialByID(t.Context(), tenant, id)
	requireCode(t, err, numberdesk.CodeNotFound, "*")
	_, err = s.FindCredentialByUsername(t.Context(), username)
	requireCode(t, err, numberdesk.CodeNotFound, "*")
}

func createCredentials(t *testing.T, s store.Store, cs ...*efax.StoredCredential) {
	t.Helper()
	for _, c := range cs {
		require.NoError(t, s.CreateCredential(t.Context(), c))
		require.Equal(t, int64(1), c.Version)
	}
}

func testEfax(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"CreateFindCopies": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			in := loneCredential(tn.ID, "4930555-aaaa")
			want := normCredential(in)
			createCredentials(t, s, in)
			want.Version = 1
			// The caller's value is the caller's.
			in.Sealed[0], in.Hash, in.Failures = 9, "changed", 3
			got, err := s.FindCredentialByID(t.Context(), tn.ID, in.ID)
			require.NoError(t, err)
			require.Equal(t, want, normCredential(got))
			// Nor does changing what a read returned.
			got.Sealed[1] = 9
			again, err := s.FindCredentialByUsername(t.Context(), in.Username)
			require.NoError(t, err)
			require.Equal(t, want, normCredential(again))
			list, err := s.FindCredentials(t.Context(), tn.ID, efax.CredentialFilter{})
			require.NoError(t, err)
			require.Equal(t, []*efax.StoredCredential{want}, normCredentials(list))
		},
		"RoundTripZeroAndFull": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			bare := loneCredential(tn.ID, "bare")
			bare.Hash, bare.Sealed, bare.Status, bare.Reason = "", nil, efax.StatusRevoked, efax.ReasonManual
			bare.IssuedAt, bare.RotatedAt, bare.UpdatedAt = time.Time{}, time.Time{}, time.Time{}
			full := loneCredential(tn.ID, "full")
			full.Generation, full.Failures = 7, 4
			full.DeliveredAt, full.RevokedAt, full.LastLoginAt = t0.Add(time.Second), t0.Add(2*time.Second), t0.Add(3*time.Microsecond)
			full.LockedUntil = t0.Add(15 * time.Minute).In(time.FixedZone("CET", 3600))
			createCredentials(t, s, bare, full)
			requireCredential(t, s, bare)
			requireCredential(t, s, full)
		},
		"CreateConflicts": func(t *testing.T, s store.Store) {
			a, b := newTenant(t, s), newTenant(t, s)
			first := loneCredential(a.ID, "taken")
			createCredentials(t, s, first)
			sameID := loneCredential(a.ID, "free-1")
			sameID.ID = first.ID
			samePair := newCredential(a.ID, first.Number, first.Staff, "free-2")
			sameName := loneCredential(a.ID, first.Username)
			nameElsewhere := newCredential(b.ID, first.Number, first.Staff, first.Username)
			for _, c := range []struct {
				c     *efax.StoredCredential
				field string
			}{{sameID, "id"}, {samePair, "id"}, {sameName, "username"}, {nameElsewhere, "username"}} {
				requireCode(t, s.CreateCredential(t.Context(), c.c), numberdesk.CodeConflict, c.field)
				require.Zero(t, c.c.Version)
				if c.c.ID != first.ID {
					_, err := s.FindCredentialByID(t.Context(), c.c.Tenant, c.c.ID)
					requireCode(t, err, numberdesk.CodeNotFound, "*")
				}
			}
			for _, name := range []string{"free-1", "free-2"} {
				_, err := s.FindCredentialByUsername(t.Context(), name)
				requireCode(t, err, numberdesk.CodeNotFound, "*")
			}
			requireCredential(t, s, first)
			list, err := s.FindCredentials(t.Context(), b.ID, efax.CredentialFilter{})
			require.NoError(t, err)
			require.Empty(t, list)
			// The same ID and pair in another tenant are independent.
			other := newCredential(b.ID, first.Number, first.Staff, "other")
			other.ID = first.ID
			createCredentials(t, s, other)
			requireCredential(t, s, other)
			requireCredential(t, s, first)
		},
		"UpdateAndStale": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			c := loneCredential(tn.ID, "upd")
			createCredentials(t, s, c)
			old, err := s.FindCredentialByID(t.Context(), tn.ID, c.ID)
			require.NoError(t, err)
			c.Status, c.Generation, c.Hash, c.Sealed = efax.StatusRevoked, 2, "", nil
			c.Reason, c.RevokedAt, c.Failures, c.LockedUntil = efax.ReasonNotHolder, t0.Add(time.Hour), 2, t0.Add(time.Hour)
			c.DeliveredAt, c.LastLoginAt, c.RotatedAt, c.UpdatedAt = t0.Add(time.Minute), t0.Add(2*time.Minute), t0.Add(3*time.Minute), t0.Add(time.Hour)
			require.NoError(t, s.UpdateCredential(t.Context(), c))
			require.Equal(t, int64(2), c.Version)
			requireCredential(t, s, c)
			// Number, employee, username and issue time never change.
			moved := c.Clone()
			moved.Number, moved.Staff, moved.Username, moved.IssuedAt = numberdesk.NewNumberID(), numberdesk.NewStaffID(), "moved", t0.Add(time.Hour)
			moved.Failures = 3
			require.NoError(t, s.UpdateCredential(t.Context(), moved))
			c.Failures, c.Version = 3, 3
			requireCredential(t, s, c)
			_, err = s.FindCredentialByUsername(t.Context(), "moved")
			requireCode(t, err, numberdesk.CodeNotFound, "*")
			// old still has version 1: stale, nothing written.
			old.Failures = 9
			requireCode(t, s.UpdateCredential(t.Context(), old), numberdesk.CodeConflict, "version")
			require.Equal(t, int64(1), old.Version)
			for _, v := range []int64{0, 99} {
				old.Version = v
				requireCode(t, s.UpdateCredential(t.Context(), old), numberdesk.CodeConflict, "version")
			}
			requireCredential(t, s, c)
			// Unknown: not found, with any version.
			ghost := loneCredential(tn.ID, "ghost")
			for _, v := range []int64{0, 1} {
				ghost.Version = v
				requireCode(t, s.UpdateCredential(t.Context(), ghost), numberdesk.CodeNotFound, "*")
			}
			requireNoCredential(t, s, tn.ID, ghost.ID, ghost.Username)
		},
		"FindFilters": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			n1, n2 := numberdesk.NewNumberID(), numberdesk.NewNumberID()
			e1, e2 := numberdesk.NewStaffID(), numberdesk.NewStaffID()
			c1 := newCredential(tn.ID, n1, e1, "4930-b")
			c2 := newCredential(tn.ID, n1, e2, "4930-a")
			c3 := newCredential(tn.ID, n2, e1, "4930-c")
			c3.Status, c3.Hash, c3.Sealed = efax.StatusRevoked, "", nil
			createCredentials(t, s, c1, c2, c3)
			for _, c := range []struct {
				f    efax.CredentialFilter
				want []*efax.StoredCredential
			}{
				{efax.CredentialFilter{}, []*efax.StoredCredential{c2, c1, c3}},
				{efax.CredentialFilter{Number: n1}, []*efax.StoredCredential{c2, c1}},
				{efax.CredentialFilter{Staff: e1}, []*efax.StoredCredential{c1, c3}},
				{efax.CredentialFilter{Number: n2, Staff: e1}, []*efax.StoredCredential{c3}},
				{efax.CredentialFilter{Statuses: []efax.Status{efax.StatusActive}}, []*efax.StoredCredential{c2, c1}},
				{efax.CredentialFilter{Staff: e1, Statuses: []efax.Status{efax.StatusRevoked, efax.StatusActive}}, []*efax.StoredCredential{c1, c3}},
				{efax.CredentialFilter{Number: n2, Staff: e2}, nil},
				{efax.CredentialFilter{Number: "not-a-uuid"}, nil},
				{efax.CredentialFilter{Staff: "not-a-uuid"}, nil},
				{efax.CredentialFilter{Statuses: []efax.Status{"gone"}}, nil},
			} {
				got, err := s.FindCredentials(t.Context(), tn.ID, c.f)
				require.NoError(t, err)
				require.Equal(t, normCredentials(c.want), normCredentials(got), "%+v", c.f)
			}
			got, err := s.FindCredentials(t.Context(), "bad-tenant", efax.CredentialFilter{})
			require.NoError(t, err)
			require.Empty(t, got)
		},
		"FindUnknownAndMalformed": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			c := loneCredential(tn.ID, "Case-Name")
			createCredentials(t, s, c)
			_, random := s.FindCredentialByID(t.Context(), tn.ID, efax.NewCredentialID())
			requireCode(t, random, numberdesk.CodeNotFound, "*")
			for _, id := range []efax.CredentialID{"", "not-a-uuid", "00000000-0000-0000-0000-00000000000G"} {
				got, err := s.FindCredentialByID(t.Context(), tn.ID, id)
				require.Nil(t, got)
				requireSameError(t, random, err)
			}
			got, err := s.FindCredentialByID(t.Context(), "bad-tenant", c.ID)
			require.Nil(t, got)
			requireSameError(t, random, err)
			_, random = s.FindCredentialByUsername(t.Context(), "never-issued")
			requireCode(t, random, numberdesk.CodeNotFound, "*")
			// Exact match only: no case folding, no prefix, no pattern.
			for _, name := range []string{"", "case-name", "CASE-NAME", "Case", "Case-Name ", "Case%", "Case-Nam_", "Case-Name\x00"} {
				got, err := s.FindCredentialByUsername(t.Context(), name)
				require.Nil(t, got)
				requireSameError(t, random, err)
			}
		},
		"Invalid": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			good := func() *efax.StoredCredential {
				return loneCredential(tn.ID, "good")
			}
			requireCode(t, s.CreateCredential(t.Context(), nil), numberdesk.CodeInvalid, "*")
			requireCode(t, s.UpdateCredential(t.Context(), nil), numberdesk.CodeInvalid, "*")
			for field, spoil := range map[string]func(c *efax.StoredCredential){
				"tenant":     func(c *efax.StoredCredential) { c.Tenant = "bad-tenant" },
				"id":         func(c *efax.StoredCredential) { c.ID = "bad" },
				"number":     func(c *efax.StoredCredential) { c.Number = "" },
				"staff":      func(c *efax.StoredCredential) { c.Staff = "x" },
				"username":   func(c *efax.StoredCredential) { c.Username = "" },
				"status":     func(c *efax.StoredCredential) { c.Status = "lost" },
				"generation": func(c *efax.StoredCredential) { c.Generation = 0 },
				"failures":   func(c *efax.StoredCredential) { c.Failures = -1 },
			} {
				c := good()
				spoil(c)
				requireCode(t, s.CreateCredential(t.Context(), c), numberdesk.CodeInvalid, field)
				require.Zero(t, c.Version)
				c.Version = 1
				requireCode(t, s.UpdateCredential(t.Context(), c), numberdesk.CodeInvalid, field)
			}
			for _, name := range []string{"with space", "tab\t", "ümlaut", string(make([]byte, efax.MaxUsername+1))} {
				c := good()
				c.Username = name
				requireCode(t, s.CreateCredential(t.Context(), c), numberdesk.CodeInvalid, "username")
			}
			list, err := s.FindCredentials(t.Context(), tn.ID, efax.CredentialFilter{})
			require.NoError(t, err)
			require.Empty(t, list)
		},
		"RollbackRestoresAll": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			kept := loneCredential(tn.ID, "kept")
			createCredentials(t, s, kept)
			created := loneCredential(tn.ID, "created")
			boom := errors.New("boom")
			err := s.InTx(t.Context(), func(ctx context.Context) error {
				require.NoError(t, s.CreateCredential(ctx, created))
				u := kept.Clone()
				u.Status, u.Hash, u.Sealed = efax.StatusRevoked, "", nil
				require.NoError(t, s.UpdateCredential(ctx, u))
				require.NoError(t, s.UpdateCredential(ctx, u)) // twice
				got, err := s.FindCredentialByUsername(ctx, created.Username)
				require.NoError(t, err)
				require.Equal(t, created.ID, got.ID)
				got, err = s.FindCredentialByID(ctx, tn.ID, kept.ID)
				require.NoError(t, err)
				require.Equal(t, int64(3), got.Version)
				return boom
			})
			require.ErrorIs(t, err, boom)
			requireCredential(t, s, kept)
			requireNoCredential(t, s, tn.ID, created.ID, created.Username)
			// The rolled-back username and pair are free again.
			created.Version = 0
			createCredentials(t, s, created)
			requireCredential(t, s, created)
		},
		"FailedWriteKeepsTxUsable": func(t *testing.T, s store.Store) {
			tn := newTenant(t, s)
			a := loneCredential(tn.ID, "a")
			createCredentials(t, s, a)
			fresh := loneCredential(tn.ID, "fresh")
			require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
				// Every refused write of the contract, then successful ones.
				dup := newCredential(tn.ID, a.Number, a.Staff, "dup")
				requireCode(t, s.CreateCredential(ctx, dup), numberdesk.CodeConflict, "id")
				name := loneCredential(tn.ID, a.Username)
				requireCode(t, s.CreateCredential(ctx, name), numberdesk.CodeConflict, "username")
				stale := a.Clone()
				stale.Version = 7
				requireCode(t, s.UpdateCredential(ctx, stale), numberdesk.CodeConflict, "version")
				ghost := loneCredential(tn.ID, "ghost")
				ghost.Version = 1
				requireCode(t, s.UpdateCredential(ctx, ghost), numberdesk.CodeNotFound, "*")
				require.NoError(t, s.CreateCredential(ctx, fresh))
				a.Failures = 1
				return s.UpdateCredential(ctx, a)
			}))
			requireCredential(t, s, fresh)
			requireCredential(t, s, a)
			require.Equal(t, int64(2), a.Version)
		},
		"ManyTenantsManyLogins": func(t *testing.T, s store.Store) {
			var all []*efax.StoredCredential
			for i := range 3 {
				tn := newTenant(t, s)
				for j := range 4 {
					c := loneCredential(tn.ID, fmt.Sprintf("4930555%07d-%d", j, i))
					createCredentials(t, s, c)
					all = append(all, c)
				}
			}
			for _, c := range all {
				requireCredential(t, s, c)
			}
		},
	})
}

// credentialsOfA stores a login for each of tenant A's numbers and holders
// and returns them.
func credentialsOfA(t *testing.T, fx *isoFixture) []*efax.StoredCredential {
	t.Helper()
	var cs []*efax.StoredCredential
	for i, n := range fx.aNumbers {
		c := newCredential(fx.a.ID, n.ID, n.Holders[0], fmt.Sprintf("%s-a%d", n.E164[1:], i))
		createCredentials(t, fx.s, c)
		cs = append(cs, c)
	}
	return cs
}

// requireCredentialsOfA checks that A's logins are cs, unchanged.
func requireCredentialsOfA(t *testing.T, fx *isoFixture, cs []*efax.StoredCredential) {
	t.Helper()
	for _, c := range cs {
		requireCredential(t, fx.s, c)
	}
	got, err := fx.s.FindCredentials(t.Context(), fx.a.ID, efax.CredentialFilter{})
	require.NoError(t, err)
	require.Len(t, got, len(cs))
}

func init() {
	isolationCases["FindCredentialByID"] = func(t *testing.T, fx *isoFixture) {
		cs := credentialsOfA(t, fx)
		got, random := fx.s.FindCredentialByID(t.Context(), fx.b.ID, efax.NewCredentialID())
		require.Nil(t, got)
		requireCode(t, random, numberdesk.CodeNotFound, "*")
		for _, c := range cs {
			got, err := fx.s.FindCredentialByID(t.Context(), fx.b.ID, c.ID)
			require.Nil(t, got)
			requireSameError(t, random, err)
		}
		requireCredentialsOfA(t, fx, cs)
	}
	isolationCases["FindCredentials"] = func(t *testing.T, fx *isoFixture) {
		cs := credentialsOfA(t, fx)
		for _, f := range []efax.CredentialFilter{
			{}, {Number: cs[0].Number}, {Staff: cs[1].Staff}, {Statuses: []efax.Status{efax.StatusActive}},
		} {
			got, err := fx.s.FindCredentials(t.Context(), fx.b.ID, f)
			require.NoError(t, err)
			require.Empty(t, got)
		}
		requireCredentialsOfA(t, fx, cs)
	}
	isolationCases["CreateCredential"] = func(t *testing.T, fx *isoFixture) {
		cs := credentialsOfA(t, fx)
		// A's ID, number and employee in tenant B: as good as new ones.
		c := newCredential(fx.b.ID, cs[0].Number, cs[0].Staff, "b-own")
		c.ID = cs[0].ID
		createCredentials(t, fx.s, c)
		requireCredential(t, fx.s, c)
		// A's username is taken store-wide (the one global key, as the
		// fax-app backend logs in without a tenant); A keeps it.
		taken := loneCredential(fx.b.ID, cs[1].Username)
		requireCode(t, fx.s.CreateCredential(t.Context(), taken), numberdesk.CodeConflict, "username")
		requireCredentialsOfA(t, fx, cs)
	}
	isolationCases["UpdateCredential"] = func(t *testing.T, fx *isoFixture) {
		cs := credentialsOfA(t, fx)
		random := loneCredential(fx.b.ID, "random")
		random.Version = 1
		want := fx.s.UpdateCredential(t.Context(), random)
		requireCode(t, want, numberdesk.CodeNotFound, "*")
		for _, c := range cs {
			foreign := c.Clone()
			foreign.Tenant = fx.b.ID
			foreign.Status, foreign.Hash, foreign.Failures = efax.StatusRevoked, "", 4
			requireSameError(t, want, fx.s.UpdateCredential(t.Context(), foreign))
			require.Equal(t, c.Version, foreign.Version)
		}
		requireCredentialsOfA(t, fx, cs)
	}
	isolationCases["FindCredentialByUsername"] = func(t *testing.T, fx *isoFixture) {
		// Usernames are global: a lookup returns the one credential with
		// that name, labelled with its own tenant, never another's row under
		// the caller's tenant; B's login of the same number and employee IDs
		// is B's.
		cs := credentialsOfA(t, fx)
		b := newCredential(fx.b.ID, cs[0].Number, cs[0].Staff, "b-login")
		createCredentials(t, fx.s, b)
		for _, c := range cs {
			got, err := fx.s.FindCredentialByUsername(t.Context(), c.Username)
			require.NoError(t, err)
			require.Equal(t, fx.a.ID, got.Tenant)
			require.Equal(t, c.ID, got.ID)
		}
		got, err := fx.s.FindCredentialByUsername(t.Context(), "b-login")
		require.NoError(t, err)
		require.Equal(t, normCredential(b), normCredential(got))
		requireCredentialsOfA(t, fx, cs)
	}
}

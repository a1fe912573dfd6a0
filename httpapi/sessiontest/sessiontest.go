// Package sessiontest checks that a SessionStore keeps the contract of
// httpapi.SessionStore. Every implementation runs it: httpapi.MemorySessions
// in package httpapi's tests, the SQL store on SQLite and PostgreSQL in
// store/sqlstore's.
package sessiontest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
)

// t0 is the tests' instant, to the microsecond (as the SQL store keeps
// times), in a zone that is not UTC: stores keep the instant.
var t0 = time.Date(2026, 5, 4, 11, 0, 0, 123456000, time.FixedZone("CEST", 2*3600))

// Run runs the contract against stores from newStore, one fresh store per
// subtest. The subtests run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) httpapi.SessionStore) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, st httpapi.SessionStore)
	}{
		{"RoundTrip", roundTrip},
		{"NotFound", notFound},
		{"Invalid", invalid},
		{"Duplicate", duplicate},
		{"Delete", deleteSession},
		{"ExpiredStaysUntilPurged", expiredStays},
		{"DeleteExpired", deleteExpired},
		{"Copies", copies},
		{"Concurrent", concurrent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

// NewHash returns a random session hash of the stored form.
func NewHash() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	h := sha256.Sum256(b[:])
	return hex.EncodeToString(h[:])
}

// newSession returns a session (not stored yet) created at t0 and expiring
// ttl later.
func newSession(ttl time.Duration) *numberdesk.StoredSession {
	return &numberdesk.StoredSession{
		Hash: NewHash(), Tenant: numberdesk.NewTenantID(), Staff: numberdesk.NewStaffID(),
		CreatedAt: t0, ExpiresAt: t0.Add(ttl),
	}
}

// requireStored checks that st holds want.
func requireStored(t *testing.T, st httpapi.SessionStore, want *numberdesk.StoredSession) {
	t.Helper()
	got, err := st.FindSession(t.Context(), want.Hash)
	require.NoError(t, err)
	require.Equal(t, want.Hash, got.Hash)
	require.Equal(t, want.Tenant, got.Tenant)
	require.Equal(t, want.Staff, got.Staff)
	require.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at: want %v, got %v", want.CreatedAt, got.CreatedAt)
	require.True(t, want.ExpiresAt.Equal(got.ExpiresAt), "expires_at: want %v, got %v", want.ExpiresAt, got.ExpiresAt)
}

// requireGone checks that st has no session with the hash.
func requireGone(t *testing.T, st httpapi.SessionStore, hash string) {
	t.Helper()
	_, err := st.FindSession(t.Context(), hash)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err), "%v", err)
}

func roundTrip(t *testing.T, st httpapi.SessionStore) {
	a, b := newSession(12*time.Hour), newSession(time.Hour)
	b.Tenant = a.Tenant // two sessions of one tenant
	require.NoError(t, st.CreateSession(t.Context(), a))
	require.NoError(t, st.CreateSession(t.Context(), b))
	requireStored(t, st, a)
	requireStored(t, st, b)
}

func notFound(t *testing.T, st httpapi.SessionStore) {
	s := newSession(time.Hour)
	require.NoError(t, st.CreateSession(t.Context(), s))
	for _, h := range []string{NewHash(), "", "abc", strings.ToUpper(s.Hash), s.Hash + "0", s.Hash[:63] + "\x00", s.Hash[:63] + "ü"} {
		requireGone(t, st, h)
	}
}

func invalid(t *testing.T, st httpapi.SessionStore) {
	for name, mutate := range map[string]func(s *numberdesk.StoredSession){
		"no hash":         func(s *numberdesk.StoredSession) { s.Hash = "" },
		"upper-case hash": func(s *numberdesk.StoredSession) { s.Hash = strings.ToUpper(s.Hash) },
		"short hash":      func(s *numberdesk.StoredSession) { s.Hash = s.Hash[:40] },
		"hash with NUL":   func(s *numberdesk.StoredSession) { s.Hash = s.Hash[:63] + "\x00" },
		"tenant":          func(s *numberdesk.StoredSession) { s.Tenant = "acme" },
		"staff":           func(s *numberdesk.StoredSession) { s.Staff = "" },
		"created_at":      func(s *numberdesk.StoredSession) { s.CreatedAt = time.Time{} },
		"expires_at":      func(s *numberdesk.StoredSession) { s.ExpiresAt = time.Time{} },
	} {
		s := newSession(time.Hour)
		mutate(s)
		err := st.CreateSession(t.Context(), s)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%s: %v", name, err)
	}
	n, err := st.DeleteExpiredSessions(t.Context(), t0.Add(100*365*24*time.Hour))
	require.NoError(t, err)
	require.Zero(t, n, "nothing was stored")
}

func duplicate(t *testing.T, st httpapi.SessionStore) {
	s := newSession(time.Hour)
	require.NoError(t, st.CreateSession(t.Context(), s))
	other := newSession(2 * time.Hour)
	other.Hash = s.Hash
	err := st.CreateSession(t.Context(), other)
	require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
	requireStored(t, st, s)
}

func deleteSession(t *testing.T, st httpapi.SessionStore) {
	a, b := newSession(time.Hour), newSession(time.Hour)
	require.NoError(t, st.CreateSession(t.Context(), a))
	require.NoError(t, st.CreateSession(t.Context(), b))
	require.NoError(t, st.DeleteSession(t.Context(), a.Hash))
	requireGone(t, st, a.Hash)
	requireStored(t, st, b)
	require.NoError(t, st.DeleteSession(t.Context(), a.Hash), "again: no error")
	require.NoError(t, st.DeleteSession(t.Context(), NewHash()), "unknown: no error")
	require.NoError(t, st.DeleteSession(t.Context(), "not a hash"), "malformed: no error")
	requireStored(t, st, b)
	// The hash is free again.
	require.NoError(t, st.CreateSession(t.Context(), a))
	requireStored(t, st, a)
}

func expiredStays(t *testing.T, st httpapi.SessionStore) {
	s := newSession(-time.Minute) // expired at its creation: the store does not judge
	s.CreatedAt = t0.Add(-time.Hour)
	require.NoError(t, st.CreateSession(t.Context(), s))
	requireStored(t, st, s)
}

func deleteExpired(t *testing.T, st httpapi.SessionStore) {
	now := t0.Add(time.Hour)
	before := newSession(time.Hour - time.Microsecond)
	at := newSession(time.Hour)
	after := newSession(time.Hour + time.Microsecond)
	later := newSession(24 * time.Hour)
	for _, s := range []*numberdesk.StoredSession{before, at, after, later} {
		require.NoError(t, st.CreateSession(t.Context(), s))
	}
	n, err := st.DeleteExpiredSessions(t.Context(), now)
	require.NoError(t, err)
	require.Equal(t, 2, n, "the one expired before now and the one expiring at now")
	requireGone(t, st, before.Hash)
	requireGone(t, st, at.Hash)
	requireStored(t, st, after)
	requireStored(t, st, later)
	n, err = st.DeleteExpiredSessions(t.Context(), now)
	require.NoError(t, err)
	require.Zero(t, n, "again: nothing")
	// now in another zone: the instant counts.
	n, err = st.DeleteExpiredSessions(t.Context(), now.Add(time.Microsecond).UTC())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	requireGone(t, st, after.Hash)
	requireStored(t, st, later)
}

func copies(t *testing.T, st httpapi.SessionStore) {
	s := newSession(time.Hour)
	want := *s
	require.NoError(t, st.CreateSession(t.Context(), s))
	s.Staff, s.ExpiresAt = numberdesk.NewStaffID(), t0.Add(48*time.Hour) // the caller's value is the caller's
	requireStored(t, st, &want)
	got, err := st.FindSession(t.Context(), want.Hash)
	require.NoError(t, err)
	got.Tenant = numberdesk.NewTenantID()
	requireStored(t, st, &want)
}

func concurrent(t *testing.T, st httpapi.SessionStore) {
	const workers, each = 8, 5
	sessions := make([][]*numberdesk.StoredSession, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				s := newSession(time.Hour)
				if err := st.CreateSession(t.Context(), s); err != nil {
					errs[w] = err
					return
				}
				if _, err := st.FindSession(t.Context(), s.Hash); err != nil {
					errs[w] = err
					return
				}
				sessions[w] = append(sessions[w], s)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	for _, ss := range sessions {
		for _, s := range ss {
			requireStored(t, st, s)
		}
	}
	n, err := st.DeleteExpiredSessions(t.Context(), t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, workers*each, n)
}

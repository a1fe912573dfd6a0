package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/store"
)

// ---------------------------------------------------------------------------
// E-Fax-App credentials
//
// Credentials are kept per tenant by ID, with an index per tenant of the
// pair of number and employee, and one store-wide index of usernames (the
// only key unique across tenants). Stored values are never changed in place:
// a write replaces them with a fresh copy.

// efaxData is the part of a Store that holds credentials. Like everything
// else it is guarded by Store.mu (or the running transaction).
type efaxData struct {
	creds     map[numberdesk.TenantID]map[efax.CredentialID]*efax.StoredCredential
	pairs     map[credentialPair]struct{}
	usernames map[string]tenantKey[efax.CredentialID]
}

// credentialPair is the key that is unique per tenant besides the ID.
type credentialPair struct {
	tenant numberdesk.TenantID
	number numberdesk.NumberID
	staff  numberdesk.StaffID
}

func pairOf(c *efax.StoredCredential) credentialPair {
	return credentialPair{c.Tenant, c.Number, c.Staff}
}

// FindCredentialByID returns a copy of the tenant's credential, or
// CodeNotFound.
func (s *Store) FindCredentialByID(ctx context.Context, tenant numberdesk.TenantID, id efax.CredentialID) (*efax.StoredCredential, error) {
	const op = "memstore.FindCredentialByID"
	var out *efax.StoredCredential
	err := s.read(ctx, op, func() error {
		c, ok := s.efax.creds[tenant][id]
		if !ok {
			return store.ErrCredentialNotFound(op)
		}
		out = c.Clone()
		return nil
	})
	return out, err
}

// FindCredentialByUsername returns a copy of the credential with exactly
// this username, of any tenant, or CodeNotFound.
func (s *Store) FindCredentialByUsername(ctx context.Context, username string) (*efax.StoredCredential, error) {
	const op = "memstore.FindCredentialByUsername"
	var out *efax.StoredCredential
	err := s.read(ctx, op, func() error {
		k, ok := s.efax.usernames[username]
		if !ok {
			return store.ErrCredentialNotFound(op)
		}
		out = s.efax.creds[k.tenant][k.key].Clone()
		return nil
	})
	return out, err
}

// FindCredentials returns copies of the tenant's credentials matching f,
// sorted by username.
func (s *Store) FindCredentials(ctx context.Context, tenant numberdesk.TenantID, f efax.CredentialFilter) ([]*efax.StoredCredential, error) {
	const op = "memstore.FindCredentials"
	out := []*efax.StoredCredential{}
	err := s.read(ctx, op, func() error {
		for _, c := range s.efax.creds[tenant] {
			if (f.Number == "" || c.Number == f.Number) && (f.Staff == "" || c.Staff == f.Staff) &&
				(len(f.Statuses) == 0 || slices.Contains(f.Statuses, c.Status)) {
				out = append(out, c.Clone())
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *efax.StoredCredential) int { return strings.Compare(a.Username, b.Username) })
	return out, err
}

// CreateCredential stores a copy of c with Version 1 (in c too); see
// efax.Store for the conflicts.
func (s *Store) CreateCredential(ctx context.Context, c *efax.StoredCredential) error {
	const op = "memstore.CreateCredential"
	if err := c.CheckWrite(op); err != nil {
		return err
	}
	d := &s.efax
	return s.write(ctx, op, func(tx *tx) error {
		_, idTaken := d.creds[c.Tenant][c.ID]
		if _, pairTaken := d.pairs[pairOf(c)]; idTaken || pairTaken {
			return store.ErrCredentialExists(op)
		}
		if _, ok := d.usernames[c.Username]; ok {
			return store.ErrUsernameTaken(op)
		}
		m := d.creds[c.Tenant]
		if m == nil {
			// An empty map is indistinguishable from none: no undo.
			m = make(map[efax.CredentialID]*efax.StoredCredential)
			d.creds[c.Tenant] = m
		}
		st := c.Clone()
		st.Version = 1
		m[st.ID] = st
		d.usernames[st.Username] = tenantKey[efax.CredentialID]{st.Tenant, st.ID}
		d.pairs[pairOf(st)] = struct{}{}
		tx.record(func() {
			delete(m, st.ID)
			delete(d.usernames, st.Username)
			delete(d.pairs, pairOf(st))
		})
		c.Version = 1
		return nil
	})
}

// UpdateCredential writes a copy of c if it carries the stored Version,
// keeping the stored Number, Staff, Username and IssuedAt.
func (s *Store) UpdateCredential(ctx context.Context, c *efax.StoredCredential) error {
	const op = "memstore.UpdateCredential"
	if err := c.CheckWrite(op); err != nil {
		return err
	}
	d := &s.efax
	return s.write(ctx, op, func(tx *tx) error {
		m := d.creds[c.Tenant]
		old, ok := m[c.ID]
		switch {
		case !ok:
			return store.ErrCredentialNotFound(op)
		case old.Version != c.Version:
			return store.ErrCredentialStale(op)
		}
		st := c.Clone()
		st.Number, st.Staff, st.Username, st.IssuedAt = old.Number, old.Staff, old.Username, old.IssuedAt
		st.Version = old.Version + 1
		m[c.ID] = st
		tx.record(func() { m[c.ID] = old })
		c.Version = st.Version
		return nil
	})
}

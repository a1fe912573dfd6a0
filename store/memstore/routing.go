package memstore

import (
	"context"
	"encoding/json"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// ---------------------------------------------------------------------------
// Routing settings and block lists
//
// Settings are kept per tenant by number ID, the block list per tenant. The
// plan, the overrides and the list are stored as their JSON encoding, as
// sqlstore stores them: a value that cannot be encoded is refused the same
// way (CodeInvalid), and what comes out is a deep copy decoded afresh. Stored
// values are never changed in place: a write replaces them.

// routingData is the part of a Store that holds routing settings and block
// lists. Like everything else it is guarded by Store.mu (or the running
// transaction, which holds Store.mu).
type routingData struct {
	settings   map[numberdesk.TenantID]map[numberdesk.NumberID]*storedSettings
	blocklists map[numberdesk.TenantID]*storedBlocklist
}

// storedSettings is routing.Settings with the plan and overrides encoded.
type storedSettings struct {
	s         routing.Settings // Plan and Overrides zero
	plan      []byte
	overrides []byte
}

// storedBlocklist is routing.TenantBlocklist with the list encoded.
type storedBlocklist struct {
	b    routing.TenantBlocklist // List zero
	list []byte
}

// encodeSettings checks s and encodes its plan and overrides.
func encodeSettings(op string, s *routing.Settings) (*storedSettings, error) {
	if err := s.CheckWrite(op); err != nil {
		return nil, err
	}
	plan, err := json.Marshal(s.Plan)
	if err != nil {
		return nil, store.ErrRoutingEncoding(op, "plan")
	}
	var overrides []byte
	if len(s.Overrides) > 0 {
		if overrides, err = json.Marshal(s.Overrides); err != nil {
			return nil, store.ErrRoutingEncoding(op, "overrides")
		}
	}
	st := &storedSettings{s: *s, plan: plan, overrides: overrides}
	st.s.Plan, st.s.Overrides = routing.Plan{}, nil
	return st, nil
}

// decode returns a fresh copy of the stored settings.
func (st *storedSettings) decode() (*routing.Settings, error) {
	out := st.s
	if err := json.Unmarshal(st.plan, &out.Plan); err != nil {
		return nil, err
	}
	if len(st.overrides) > 0 {
		if err := json.Unmarshal(st.overrides, &out.Overrides); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// FindSettings returns a copy of the number's routing settings, or
// CodeNotFound if none are stored (also for malformed IDs and another
// tenant's number).
func (s *Store) FindSettings(ctx context.Context, tenant numberdesk.TenantID, number numberdesk.NumberID) (*routing.Settings, error) {
	const op = "memstore.FindSettings"
	var out *routing.Settings
	err := s.read(ctx, op, func() error {
		st, ok := s.routing.settings[tenant][number]
		if !ok {
			return store.ErrSettingsNotFound(op)
		}
		var err error
		out, err = st.decode()
		return numberdesk.Internal(op, err)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SaveSettings stores a copy of rs: with Version 0 it creates them
// (CodeConflict, Field "version", if the number has settings already),
// otherwise rs.Version must be the stored one (CodeConflict, Field "version",
// if stale; CodeNotFound if none are stored). On success the Version is
// incremented, in rs too (1 after creation).
func (s *Store) SaveSettings(ctx context.Context, rs *routing.Settings) error {
	const op = "memstore.SaveSettings"
	st, err := encodeSettings(op, rs)
	if err != nil {
		return err
	}
	d := &s.routing
	return s.write(ctx, op, func(tx *tx) error {
		m := d.settings[rs.Tenant]
		old, ok := m[rs.Number]
		switch {
		case rs.Version == 0 && ok:
			return store.ErrSettingsStale(op)
		case rs.Version != 0 && !ok:
			return store.ErrSettingsNotFound(op)
		case ok && rs.Version != old.s.Version:
			return store.ErrSettingsStale(op)
		}
		if m == nil {
			// An empty map is indistinguishable from none: no undo.
			m = make(map[numberdesk.NumberID]*storedSettings)
			d.settings[rs.Tenant] = m
		}
		st.s.Version = rs.Version + 1
		m[rs.Number] = st
		tx.record(func() {
			if ok {
				m[rs.Number] = old
			} else {
				delete(m, rs.Number)
			}
		})
		rs.Version = st.s.Version
		return nil
	})
}

// DeleteSettings removes the routing settings of the numbers; a number
// without settings is no error.
func (s *Store) DeleteSettings(ctx context.Context, tenant numberdesk.TenantID, numbers ...numberdesk.NumberID) error {
	const op = "memstore.DeleteSettings"
	d := &s.routing
	return s.write(ctx, op, func(tx *tx) error {
		m := d.settings[tenant]
		for _, number := range numbers {
			old, ok := m[number]
			if !ok {
				continue
			}
			delete(m, number)
			tx.record(func() { m[number] = old })
		}
		return nil
	})
}

// FindBlocklist returns a copy of the tenant's block list; a tenant without
// one (also a malformed tenant ID) gets an empty list with Version 0.
func (s *Store) FindBlocklist(ctx context.Context, tenant numberdesk.TenantID) (*routing.TenantBlocklist, error) {
	const op = "memstore.FindBlocklist"
	var out *routing.TenantBlocklist
	err := s.read(ctx, op, func() error {
		st, ok := s.routing.blocklists[tenant]
		if !ok {
			out = &routing.TenantBlocklist{Tenant: tenant}
			return nil
		}
		b := st.b
		if err := json.Unmarshal(st.list, &b.List); err != nil {
			return numberdesk.Internal(op, err)
		}
		out = &b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SaveBlocklist stores a copy of b with the version rules of SaveSettings
// (CodeNotFound, Field "tenant", for an update of a list never stored).
func (s *Store) SaveBlocklist(ctx context.Context, b *routing.TenantBlocklist) error {
	const op = "memstore.SaveBlocklist"
	if err := b.CheckWrite(op); err != nil {
		return err
	}
	list, err := json.Marshal(b.List)
	if err != nil {
		return store.ErrRoutingEncoding(op, "list")
	}
	st := &storedBlocklist{b: *b, list: list}
	st.b.List = routing.Blocklist{}
	d := &s.routing
	return s.write(ctx, op, func(tx *tx) error {
		old, ok := d.blocklists[b.Tenant]
		switch {
		case b.Version == 0 && ok:
			return store.ErrBlocklistStale(op)
		case b.Version != 0 && !ok:
			return store.ErrBlocklistNotFound(op)
		case ok && b.Version != old.b.Version:
			return store.ErrBlocklistStale(op)
		}
		st.b.Version = b.Version + 1
		d.blocklists[b.Tenant] = st
		tx.record(func() {
			if ok {
				d.blocklists[b.Tenant] = old
			} else {
				delete(d.blocklists, b.Tenant)
			}
		})
		b.Version = st.b.Version
		return nil
	})
}

// Write is DeleteSettings, UpdateNumbers and AppendEvents of w as one
// write, all or none (numbers.Writer), verifying w.Actor first if set.
func (s *Store) Write(ctx context.Context, w numbers.Write) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if w.Actor != nil {
			if err := staff.Verify(ctx, s, "memstore.Write", *w.Actor); err != nil {
				return err
			}
		}
		if err := s.UpdateNumbers(ctx, w.Numbers...); err != nil {
			return err
		}
		if err := s.DeleteSettings(ctx, w.Tenant, w.Wipe...); err != nil {
			return err
		}
		if len(w.Events) == 0 {
			return nil
		}
		return s.AppendEvents(ctx, w.Events...)
	})
}

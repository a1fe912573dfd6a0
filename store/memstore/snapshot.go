package memstore

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// ---------------------------------------------------------------------------
// Snapshots
//
// A snapshot is the whole content of a Store as versioned JSON, so that a
// program (the reference UI in the browser) can persist a memstore between
// runs: Snapshot writes it, Restore reads it into a new Store. It holds
// everything the Store keeps: tenants, numbers, events with their delivery
// state, idempotency records, employees, records, routing settings and block
// lists, E-Fax-App credentials (their hashes and any sealed secret awaiting
// delivery, never a plaintext), the holder history of the numbers, and the
// store-wide event sequence. Numbers are written as numbers.Number and
// stored anew by Restore, which rebuilds their slab, arena and indexes
// (index.go). A field added to Store (or to one of its parts) without
// snapshot support fails TestSnapshotCoversEveryField.

// SnapshotVersion is the format version Snapshot writes and Restore reads.
const SnapshotVersion = 1

// snapshot is the JSON form of a Store. Every list is sorted (by tenant, then
// a stable key) so that the same content gives the same bytes.
type snapshot struct {
	Version     int                             `json:"version"`
	Seq         int64                           `json:"seq"`
	Tenants     []*numberdesk.Tenant            `json:"tenants"`
	Numbers     []*numbers.Number               `json:"numbers"`
	Events      []numberdesk.Event              `json:"events"` // by Seq
	Idempotency []*numberdesk.IdempotencyRecord `json:"idempotency"`
	Employees   []*staff.Employee               `json:"employees"`
	Records     []*numbers.Record               `json:"records"`
	Deliveries  []snapDelivery                  `json:"deliveries"` // by Seq
	Settings    []snapSettings                  `json:"settings"`
	Blocklists  []snapBlocklist                 `json:"blocklists"`
	Credentials []snapCredential                `json:"credentials"`
	// HolderPeriods is the holder history, by tenant, number and From
	// (absent from snapshots written before it was kept).
	HolderPeriods []numbers.HolderPeriod `json:"holder_periods,omitempty"`
}

// snapCredential keeps what efax.StoredCredential leaves out of its JSON.
type snapCredential struct {
	efax.Credential
	Hash   string `json:"hash"`
	Sealed []byte `json:"sealed,omitempty"`
}

type snapDelivery struct {
	notify.Delivery
	LeaseOwner string    `json:"lease_owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	Queued     bool      `json:"queued,omitempty"` // still in the claim queue
}

type snapSettings struct {
	Settings  routing.Settings `json:"settings"` // Plan and Overrides zero
	Plan      json.RawMessage  `json:"plan"`
	Overrides json.RawMessage  `json:"overrides,omitempty"`
}

type snapBlocklist struct {
	Blocklist routing.TenantBlocklist `json:"blocklist"` // List zero
	List      json.RawMessage         `json:"list"`
}

// Snapshot returns the whole content of s as JSON (format SnapshotVersion).
// It waits for a running transaction to end and sees only committed data.
func (s *Store) Snapshot() ([]byte, error) {
	s.mu.RLock()
	snap := snapshot{Version: SnapshotVersion, Seq: s.seq}
	for _, t := range s.tenants {
		c := *t
		snap.Tenants = append(snap.Tenants, &c)
	}
	slices.SortFunc(snap.Tenants, func(a, b *numberdesk.Tenant) int { return strings.Compare(string(a.ID), string(b.ID)) })
	for _, sp := range s.spaces {
		sp.order.Scan(func(at slot) bool {
			snap.Numbers = append(snap.Numbers, sp.number(at))
			return true
		})
		for _, e := range sp.events {
			snap.Events = append(snap.Events, cloneEvent(e))
		}
		for _, r := range sp.idem {
			snap.Idempotency = append(snap.Idempotency, cloneRecord(r))
		}
		for _, ps := range sp.periods {
			for _, p := range ps {
				p.Holders = slices.Clone(p.Holders)
				snap.HolderPeriods = append(snap.HolderPeriods, p)
			}
		}
	}
	for _, sp := range s.staff.spaces {
		for _, e := range sp.employees {
			snap.Employees = append(snap.Employees, e.Clone())
		}
		for _, r := range sp.records {
			c := *r
			snap.Records = append(snap.Records, &c)
		}
	}
	queued := make(map[*delivery]bool, len(s.outbox.queue))
	for _, d := range s.outbox.queue {
		queued[d] = true
	}
	for _, d := range s.outbox.byEvent {
		snap.Deliveries = append(snap.Deliveries, snapDelivery{Delivery: d.Delivery,
			LeaseOwner: d.leaseOwner, LeaseUntil: d.leaseUntil, Queued: queued[d]})
	}
	for _, m := range s.routing.settings {
		for _, st := range m {
			snap.Settings = append(snap.Settings, snapSettings{Settings: st.s, Plan: st.plan, Overrides: st.overrides})
		}
	}
	for _, st := range s.routing.blocklists {
		snap.Blocklists = append(snap.Blocklists, snapBlocklist{Blocklist: st.b, List: st.list})
	}
	for _, m := range s.efax.creds {
		for _, c := range m {
			snap.Credentials = append(snap.Credentials, snapCredential{Credential: c.Credential, Hash: c.Hash, Sealed: slices.Clone(c.Sealed)})
		}
	}
	s.mu.RUnlock()

	byTenant := func(a, b numberdesk.TenantID) int { return strings.Compare(string(a), string(b)) }
	slices.SortFunc(snap.Numbers, func(a, b *numbers.Number) int {
		return cmp.Or(byTenant(a.Tenant, b.Tenant), strings.Compare(a.E164, b.E164))
	})
	slices.SortFunc(snap.Events, func(a, b numberdesk.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	slices.SortFunc(snap.Idempotency, func(a, b *numberdesk.IdempotencyRecord) int {
		return cmp.Or(byTenant(a.Tenant, b.Tenant), strings.Compare(a.Key, b.Key))
	})
	slices.SortFunc(snap.Employees, func(a, b *staff.Employee) int {
		return cmp.Or(byTenant(a.Tenant, b.Tenant), strings.Compare(string(a.ID), string(b.ID)))
	})
	slices.SortFunc(snap.Records, func(a, b *numbers.Record) int {
		return cmp.Or(byTenant(a.Tenant, b.Tenant), strings.Compare(string(a.ID), string(b.ID)))
	})
	slices.SortFunc(snap.HolderPeriods, func(a, b numbers.HolderPeriod) int {
		return cmp.Or(byTenant(a.Tenant, b.Tenant), strings.Compare(string(a.Number), string(b.Number)), a.From.Compare(b.From))
	})
	slices.SortFunc(snap.Deliveries, func(a, b snapDelivery) int { return cmp.Compare(a.Seq, b.Seq) })
	slices.SortFunc(snap.Settings, func(a, b snapSettings) int {
		return cmp.Or(byTenant(a.Settings.Tenant, b.Settings.Tenant), strings.Compare(string(a.Settings.Number), string(b.Settings.Number)))
	})
	slices.SortFunc(snap.Blocklists, func(a, b snapBlocklist) int { return byTenant(a.Blocklist.Tenant, b.Blocklist.Tenant) })
	slices.SortFunc(snap.Credentials, func(a, b snapCredential) int {
		return cmp.Or(byTenant(a.Tenant, b.Tenant), strings.Compare(string(a.ID), string(b.ID)))
	})
	return json.Marshal(&snap)
}

// Restore returns a new Store with the content of a snapshot written by
// Snapshot. A snapshot of another format version, or one that is not
// consistent (duplicate IDs, events out of order, deliveries of unknown
// events), is CodeInvalid and yields no Store.
func Restore(data []byte) (*Store, error) {
	const op = "memstore.Restore"
	bad := func(field string) error {
		return numberdesk.E(numberdesk.CodeInvalid, op, field, "Der gespeicherte Stand ist ungültig.")
	}
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return nil, bad("data")
	}
	if snap.Version != SnapshotVersion {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "version",
			"Der gespeicherte Stand hat das Format %d; erwartet wird %d.", snap.Version, SnapshotVersion)
	}
	s := New()
	s.seq = snap.Seq
	for _, t := range snap.Tenants {
		if t == nil || s.tenants[t.ID] != nil {
			return nil, bad("tenants")
		}
		s.tenants[t.ID] = t
	}
	groups := make(map[numberdesk.TenantID][]*numbers.Number)
	for _, n := range snap.Numbers {
		if n == nil {
			return nil, bad("numbers")
		}
		groups[n.Tenant] = append(groups[n.Tenant], n)
	}
	for tenant, ns := range groups {
		sp := s.spaceFor(tenant)
		for _, n := range ns {
			k, ok := keyOf(n.ID)
			if !ok {
				return nil, bad("numbers") // not an ID CreateNumbers stores
			}
			if _, dup := sp.ids[k]; dup {
				return nil, bad("numbers")
			}
			if _, dup := sp.byE164(n.E164); dup {
				return nil, bad("numbers")
			}
			at := sp.alloc()
			sp.put(at, k, n, n.Version)
			sp.ids[k] = at
			sp.index(at, nil, false)
		}
	}
	var last int64
	for _, e := range snap.Events {
		if e.Seq <= last || e.Seq > snap.Seq {
			return nil, bad("events")
		}
		last = e.Seq
		sp := s.spaceFor(e.Tenant)
		if _, dup := sp.eventIDs[e.ID]; dup {
			return nil, bad("events")
		}
		sp.eventIDs[e.ID] = struct{}{}
		if e.Number != "" {
			sp.byNumber[e.Number] = append(sp.byNumber[e.Number], len(sp.events))
		}
		sp.events = append(sp.events, e)
	}
	for _, p := range snap.HolderPeriods {
		sp := s.spaceFor(p.Tenant)
		ps := sp.periods[p.Number]
		if len(p.Holders) == 0 || !p.From.Before(p.To) || len(ps) > 0 && p.From.Before(ps[len(ps)-1].To) {
			return nil, bad("holder_periods") // empty, or out of order
		}
		sp.periods[p.Number] = append(ps, p)
	}
	for _, r := range snap.Idempotency {
		if r == nil {
			return nil, bad("idempotency")
		}
		sp := s.spaceFor(r.Tenant)
		if _, dup := sp.idem[r.Key]; dup {
			return nil, bad("idempotency")
		}
		sp.idem[r.Key] = r
	}
	for _, e := range snap.Employees {
		if e == nil {
			return nil, bad("employees")
		}
		sp := s.staff.spaceFor(e.Tenant)
		if _, dup := sp.employees[e.ID]; dup {
			return nil, bad("employees")
		}
		if _, dup := sp.byEmail[emailKey(e.Email)]; dup {
			return nil, bad("employees")
		}
		sp.putEmployee(e)
	}
	for _, r := range snap.Records {
		if r == nil {
			return nil, bad("records")
		}
		sp := s.staff.spaceFor(r.Tenant)
		if _, dup := sp.records[r.ID]; dup {
			return nil, bad("records")
		}
		sp.putRecord(r)
	}
	s.outbox.byEvent = make(map[tenantKey[numberdesk.EventID]]*delivery, len(snap.Deliveries))
	last = 0
	for _, sd := range snap.Deliveries {
		k := tenantKey[numberdesk.EventID]{sd.Tenant, sd.Event}
		if sd.Seq <= last || s.outbox.byEvent[k] != nil {
			return nil, bad("deliveries")
		}
		last = sd.Seq
		if sp := s.spaces[sd.Tenant]; sp == nil {
			return nil, bad("deliveries")
		} else if _, ok := sp.eventIDs[sd.Event]; !ok {
			return nil, bad("deliveries")
		}
		d := &delivery{Delivery: sd.Delivery, leaseOwner: sd.LeaseOwner, leaseUntil: sd.LeaseUntil}
		s.outbox.byEvent[k] = d
		if sd.Queued {
			s.outbox.queue = append(s.outbox.queue, d)
		}
	}
	for _, ss := range snap.Settings {
		m := s.routing.settings[ss.Settings.Tenant]
		if m == nil {
			m = make(map[numberdesk.NumberID]*storedSettings)
			s.routing.settings[ss.Settings.Tenant] = m
		}
		if m[ss.Settings.Number] != nil || len(ss.Plan) == 0 {
			return nil, bad("settings")
		}
		st := &storedSettings{s: ss.Settings, plan: ss.Plan, overrides: ss.Overrides}
		st.s.Plan, st.s.Overrides = routing.Plan{}, nil
		if _, err := st.decode(); err != nil {
			return nil, bad("settings")
		}
		m[ss.Settings.Number] = st
	}
	for _, sb := range snap.Blocklists {
		if s.routing.blocklists[sb.Blocklist.Tenant] != nil || len(sb.List) == 0 {
			return nil, bad("blocklists")
		}
		st := &storedBlocklist{b: sb.Blocklist, list: sb.List}
		st.b.List = routing.Blocklist{}
		s.routing.blocklists[sb.Blocklist.Tenant] = st
	}
	d := &s.efax
	for _, sc := range snap.Credentials {
		c := &efax.StoredCredential{Credential: sc.Credential, Hash: sc.Hash, Sealed: sc.Sealed}
		k := tenantKey[efax.CredentialID]{c.Tenant, c.ID}
		_, taken := d.creds[c.Tenant][c.ID]
		_, pairTaken := d.pairs[pairOf(c)]
		_, nameTaken := d.usernames[c.Username]
		if c.CheckWrite(op) != nil || taken || pairTaken || nameTaken {
			return nil, bad("credentials")
		}
		if d.creds[c.Tenant] == nil {
			d.creds[c.Tenant] = make(map[efax.CredentialID]*efax.StoredCredential)
		}
		d.creds[c.Tenant][c.ID], d.usernames[c.Username], d.pairs[pairOf(c)] = c, k, struct{}{}
	}
	return s, nil
}

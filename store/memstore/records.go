package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// ---------------------------------------------------------------------------
// Records (call records, fax journal, voicemail)
//
// Per tenant the store keeps a map from ID to record and two indexes: by
// number and by holder. Reads and deletes start from the smallest index the
// filter allows; DeleteRecords always has a holder.

// recordKinds are the kinds a stored record may have.
var recordKinds = []numbers.RecordKind{numbers.RecordCall, numbers.RecordFax, numbers.RecordVoicemail}

// checkRecord validates a record to be stored.
func checkRecord(op string, r *numbers.Record) error {
	switch {
	case r == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "record", "Der Eintrag fehlt.")
	case !numberdesk.ValidID(r.Tenant):
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant des Eintrags fehlt oder ist ungültig.")
	case !numberdesk.ValidID(r.ID):
		return numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Kennung des Eintrags fehlt oder ist ungültig.")
	case !numberdesk.ValidID(r.Number):
		return numberdesk.E(numberdesk.CodeInvalid, op, "number", "Die Rufnummer des Eintrags fehlt oder ist ungültig.")
	case !slices.Contains(recordKinds, r.Kind):
		return numberdesk.E(numberdesk.CodeInvalid, op, "kind", "Die Art des Eintrags ist ungültig.")
	case r.Holder != "" && !numberdesk.ValidID(r.Holder):
		return numberdesk.E(numberdesk.CodeInvalid, op, "holder", "Der Inhaber des Eintrags ist ungültig.")
	}
	return nil
}

// CreateRecords stores copies of records, all or none. Tenant, ID and Number
// must be canonical UUIDs, Holder empty or one, Kind one of the RecordKinds
// (CodeInvalid); an ID that exists in the tenant or appears twice in rs is
// CodeConflict (Field "id"). Neither the tenant nor the number need exist.
func (s *Store) CreateRecords(ctx context.Context, rs ...*numbers.Record) error {
	const op = "memstore.CreateRecords"
	for _, r := range rs {
		if err := checkRecord(op, r); err != nil {
			return err
		}
	}
	d := s.staffData()
	return s.write(ctx, op, func(tx *tx) error {
		seen := make(map[tenantKey[numberdesk.EventID]]struct{}, len(rs))
		for _, r := range rs {
			k := tenantKey[numberdesk.EventID]{r.Tenant, r.ID}
			_, dup := seen[k]
			if sp := d.spaces[r.Tenant]; sp != nil {
				if _, ok := sp.records[r.ID]; ok {
					dup = true
				}
			}
			if dup {
				return numberdesk.E(numberdesk.CodeConflict, op, "id", "Der Eintrag ist bereits vorhanden.")
			}
			seen[k] = struct{}{}
		}
		added := make([]*numbers.Record, len(rs))
		for i, r := range rs {
			c := *r
			added[i] = &c
			d.spaceFor(c.Tenant).putRecord(&c)
		}
		tx.record(func() {
			for _, r := range added {
				d.spaces[r.Tenant].dropRecord(r)
			}
		})
		return nil
	})
}

// FindRecords returns copies of the page of the tenant's records matching f,
// newest first (ties by ID), and the total count of matches before paging. A
// negative Offset or Limit is CodeInvalid (RecordFilter.Check).
func (s *Store) FindRecords(ctx context.Context, tenant numberdesk.TenantID, f numbers.RecordFilter) ([]*numbers.Record, int, error) {
	const op = "memstore.FindRecords"
	if err := f.Check(op); err != nil {
		return nil, 0, err
	}
	d := s.staffData()
	out := []*numbers.Record{}
	total := 0
	err := s.read(ctx, op, func() error {
		sp := d.spaces[tenant]
		if sp == nil {
			return nil
		}
		hits := sp.matchRecords(f)
		slices.SortFunc(hits, compareRecords)
		total = len(hits)
		for _, r := range page(hits, f.Offset, f.Limit) {
			c := *r
			out = append(out, &c)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// DeleteRecords deletes every record of the tenant matching f (Offset and
// Limit do not apply, but a negative one is CodeInvalid) and returns how many
// it deleted. f.Holder is required (CodeInvalid, Field "holder"): records are
// purged per holder, and an empty filter must never wipe a tenant.
func (s *Store) DeleteRecords(ctx context.Context, tenant numberdesk.TenantID, f numbers.RecordFilter) (int, error) {
	const op = "memstore.DeleteRecords"
	if err := f.CheckPurge(op); err != nil {
		return 0, err
	}
	d := s.staffData()
	deleted := 0
	err := s.write(ctx, op, func(tx *tx) error {
		sp := d.spaces[tenant]
		if sp == nil {
			return nil
		}
		gone := sp.matchRecords(f)
		for _, r := range gone {
			sp.dropRecord(r)
		}
		if len(gone) > 0 {
			tx.record(func() {
				for _, r := range gone {
					sp.putRecord(r)
				}
			})
		}
		deleted = len(gone)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return deleted, nil
}

// compareRecords orders records newest first, then by ID.
func compareRecords(a, b *numbers.Record) int {
	if c := b.At.Compare(a.At); c != 0 {
		return c
	}
	return strings.Compare(string(a.ID), string(b.ID))
}

// matchRecords returns the stored records matching f (without paging), in no
// particular order. It scans the smallest candidate set the filter allows.
func (sp *staffSpace) matchRecords(f numbers.RecordFilter) []*numbers.Record {
	match := func(r *numbers.Record) bool {
		return (len(f.Numbers) == 0 || slices.Contains(f.Numbers, r.Number)) &&
			(f.Holder == "" || r.Holder == f.Holder || r.Holder == "" && slices.ContainsFunc(f.Shared, func(p numbers.SharedPeriod) bool { return p.Contains(r) })) &&
			(len(f.Kinds) == 0 || slices.Contains(f.Kinds, r.Kind)) &&
			(f.From.IsZero() || !r.At.Before(f.From)) &&
			(f.To.IsZero() || r.At.Before(f.To))
	}
	var hits []*numbers.Record
	scan := func(set map[numberdesk.EventID]*numbers.Record) {
		for _, r := range set {
			if match(r) {
				hits = append(hits, r)
			}
		}
	}
	var numberSets []map[numberdesk.EventID]*numbers.Record
	numberCount := 0
	if len(f.Numbers) > 0 {
		seen := make(map[numberdesk.NumberID]struct{}, len(f.Numbers))
		for _, n := range f.Numbers {
			if _, dup := seen[n]; dup {
				continue
			}
			seen[n] = struct{}{}
			if set := sp.byNumber[n]; len(set) > 0 {
				numberSets = append(numberSets, set)
				numberCount += len(set)
			}
		}
	}
	switch {
	case f.Holder != "" && len(f.Shared) == 0 && (len(f.Numbers) == 0 || len(sp.byHolder[f.Holder]) < numberCount):
		// (With Shared, records without a holder match too; byHolder has none.)
		scan(sp.byHolder[f.Holder])
	case len(f.Numbers) > 0:
		for _, set := range numberSets {
			scan(set)
		}
	default:
		scan(sp.records)
	}
	return hits
}

// putRecord adds r (checked: its ID is free) to the records and indexes.
func (sp *staffSpace) putRecord(r *numbers.Record) {
	sp.records[r.ID] = r
	addToIndex(sp.byNumber, r.Number, r)
	if r.Holder != "" {
		addToIndex(sp.byHolder, r.Holder, r)
	}
}

// dropRecord removes the stored r from the records and indexes.
func (sp *staffSpace) dropRecord(r *numbers.Record) {
	delete(sp.records, r.ID)
	dropFromIndex(sp.byNumber, r.Number, r)
	if r.Holder != "" {
		dropFromIndex(sp.byHolder, r.Holder, r)
	}
}

func addToIndex[K comparable](idx map[K]map[numberdesk.EventID]*numbers.Record, k K, r *numbers.Record) {
	set := idx[k]
	if set == nil {
		set = make(map[numberdesk.EventID]*numbers.Record)
		idx[k] = set
	}
	set[r.ID] = r
}

func dropFromIndex[K comparable](idx map[K]map[numberdesk.EventID]*numbers.Record, k K, r *numbers.Record) {
	set := idx[k]
	delete(set, r.ID)
	if len(set) == 0 {
		delete(idx, k)
	}
}

package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// ---------------------------------------------------------------------------
// Holder history
//
// One row per period in number_holder_periods, keyed by tenant, number and
// the period's end (to_at): UpdateNumbers adds one, in its statement
// (PostgreSQL) or transaction (SQLite), whenever it moves a number's
// holders_since forward while the number had holders. The holders are a
// JSON array, in order.

// FindHolderPeriods returns the tenant's holder periods matching f, sorted
// by Number, then From. One query.
func (s *Store) FindHolderPeriods(ctx context.Context, tenant numberdesk.TenantID, f numbers.HolderPeriodFilter) ([]numbers.HolderPeriod, error) {
	const op = "sqlstore.FindHolderPeriods"
	out := []numbers.HolderPeriod{}
	err := s.read(ctx, op, func(c *call) error {
		if !numberdesk.ValidID(tenant) {
			return nil // never stored
		}
		a := &args{d: s.d}
		conds := []string{"p.tenant_id = " + a.add(string(tenant))}
		if len(f.Numbers) > 0 {
			nums := distinct(f.Numbers, func(id numberdesk.NumberID) bool { return numberdesk.ValidID(id) }) // only UUIDs are stored
			if len(nums) == 0 {
				return nil
			}
			conds = append(conds, s.inList(a, "p.number_id", nums))
		}
		if f.Holder != "" {
			if !numberdesk.ValidID(f.Holder) { // holders are UUIDs
				return nil
			}
			if s.d == Postgres {
				conds = append(conds, "p.holders @> jsonb_build_array("+a.add(string(f.Holder))+"::text)")
			} else {
				conds = append(conds, "EXISTS (SELECT 1 FROM json_each(p.holders) h WHERE h.value = "+a.add(string(f.Holder))+")")
			}
		}
		if !f.After.IsZero() {
			conds = append(conds, "p.to_at > "+a.add(s.timeArg(f.After)))
		}
		// Periods of a number do not overlap: by to_at is by from_at.
		rows, err := c.query(ctx, "SELECT p.number_id, p.from_at, p.to_at, p.holders FROM number_holder_periods p WHERE "+
			strings.Join(conds, " AND ")+" ORDER BY p.number_id, p.to_at", a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p := numbers.HolderPeriod{Tenant: tenant}
			var (
				number  string
				holders []byte
			)
			if err := rows.Scan(&number, timeCol{&p.From}, timeCol{&p.To}, &holders); err != nil {
				return err
			}
			p.Number = numberdesk.NumberID(number)
			if err := json.Unmarshal(holders, &p.Holders); err != nil {
				return fmt.Errorf("sqlstore: holders of a period of number %s: %w", number, err)
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

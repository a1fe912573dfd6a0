package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
)

// ---------------------------------------------------------------------------
// Outbox
//
// The delivery state of an event lives on its row in events (state,
// attempts, next_attempt, last_error, delivered_at, lease_owner,
// lease_until): the column defaults make every appended event pending in the
// INSERT of AppendEvents itself, and an event rolled back is never delivered.
// The partial index events_pending holds the Seqs of the pending events, the
// queue ClaimDeliveries reads from the front.

// claimCols are the columns of a claimed event, read by scanClaim.
const claimCols = "seq, tenant_id, id, type, at, actor_tenant, actor_staff, actor_role, number_id, data, attempts"

// pgClaimDeliveries leases up to $2 due, unleased pending events, oldest Seq
// first, to worker $3 until $4 ($1 is now). FOR UPDATE SKIP LOCKED: a
// concurrent claim skips the rows this one is taking, and a row another one
// took meanwhile is checked again (it is leased now) and left out.
const pgClaimDeliveries = `WITH c AS (
	SELECT seq FROM events
	WHERE state = 'pending' AND (next_attempt IS NULL OR next_attempt <= $1) AND (lease_until IS NULL OR lease_until <= $1)
	ORDER BY seq
	LIMIT $2
	FOR UPDATE SKIP LOCKED
)
UPDATE events e SET lease_owner = $3, lease_until = $4
FROM c WHERE e.seq = c.seq
RETURNING e.seq, e.tenant_id, e.id, e.type, e.at, e.actor_tenant, e.actor_staff, e.actor_role, e.number_id, e.data, e.attempts`

// sqliteClaimDeliveries is pgClaimDeliveries for SQLite, where one statement
// holds the write lock from start to end.
const sqliteClaimDeliveries = `UPDATE events SET lease_owner = ?, lease_until = ?
WHERE seq IN (
	SELECT seq FROM events
	WHERE state = 'pending' AND (next_attempt IS NULL OR next_attempt <= ?) AND (lease_until IS NULL OR lease_until <= ?)
	ORDER BY seq
	LIMIT ?
)
RETURNING ` + claimCols

// ClaimDeliveries leases up to limit pending events of any tenant whose
// NextAttempt has come and whose lease (if any) has run out, oldest Seq
// first, to worker until now+lease, and returns them with their attempts so
// far. Worker, a positive lease and limit are required (CodeInvalid). One
// statement on both dialects; two workers never hold the same event.
func (s *Store) ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]notify.Claim, error) {
	const op = "sqlstore.ClaimDeliveries"
	if err := notify.CheckClaim(op, worker, lease, limit); err != nil {
		return nil, err
	}
	if !s.textOK(worker) {
		return nil, errBadText(op, "worker")
	}
	var out []notify.Claim
	err := s.write(ctx, op, false, func(c *call) error {
		out = out[:0]
		var (
			rows *sql.Rows
			err  error
		)
		nowArg, until := s.instantArg(now), s.instantArg(now.Add(lease))
		if s.d == Postgres {
			rows, err = c.query(ctx, pgClaimDeliveries, nowArg, limit, worker, until)
		} else {
			rows, err = c.query(ctx, sqliteClaimDeliveries, worker, until, nowArg, nowArg, limit)
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				cl                                                  notify.Claim
				tenant, id, typ, actorTenant, actorStaff, actorRole string
				number                                              sql.NullString
				data                                                []byte
				attempts                                            int64
			)
			e := &cl.Event
			if err := rows.Scan(&e.Seq, &tenant, &id, &typ, timeCol{&e.At}, &actorTenant, &actorStaff, &actorRole, &number, &data, &attempts); err != nil {
				return err
			}
			e.Tenant, e.ID, e.Type, e.Number = numberdesk.TenantID(tenant), numberdesk.EventID(id), numberdesk.EventType(typ), numberdesk.NumberID(number.String)
			e.Actor = numberdesk.Actor{Tenant: numberdesk.TenantID(actorTenant), Staff: numberdesk.StaffID(actorStaff), Role: numberdesk.Role(actorRole)}
			if len(data) > 0 {
				e.Data = json.RawMessage(data)
			}
			cl.Attempts = int(attempts)
			out = append(out, cl)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// RETURNING has no order.
	slices.SortFunc(out, func(a, b notify.Claim) int { return cmp.Compare(a.Event.Seq, b.Event.Seq) })
	return out, nil
}

// pgFinishDeliveries records the outcomes in the arrays $1..$8 (tenant, id,
// state, attempts, last error, next attempt, delivered at, worker), each if
// its worker holds the lease on the pending event, and returns the events it
// recorded.
const pgFinishDeliveries = `UPDATE events e SET state = v.state, attempts = v.attempts, last_error = v.last_error,
	next_attempt = v.next_attempt, delivered_at = v.delivered_at, lease_owner = NULL, lease_until = NULL
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[])
	AS v(tenant_id, id, state, attempts, last_error, next_attempt, delivered_at, worker)
WHERE e.tenant_id = v.tenant_id AND e.id = v.id AND e.state = 'pending' AND e.lease_owner = v.worker
RETURNING e.tenant_id, e.id`

// sqliteFinishDeliveries is pgFinishDeliveries for SQLite, less the VALUES
// rows of its CTE v, which finishDeliveriesSQLite writes between the two.
const (
	sqliteFinishDeliveriesHead = "WITH v(tenant_id, id, state, attempts, last_error, next_attempt, delivered_at, worker) AS (VALUES "
	sqliteFinishDeliveriesTail = `) UPDATE events SET state = v.state, attempts = v.attempts, last_error = v.last_error,
	next_attempt = v.next_attempt, delivered_at = v.delivered_at, lease_owner = NULL, lease_until = NULL
FROM v WHERE events.tenant_id = v.tenant_id AND events.id = v.id AND events.state = 'pending' AND events.lease_owner = v.worker
RETURNING tenant_id, id`
)

// FinishDeliveries records the outcomes of claimed events, each Finish
// independently of the others (see notify.Outbox): if f.Worker holds the
// lease on the pending event f.Event of f.Tenant, its state becomes f.State
// (delivered, with DeliveredAt f.At; failed; or pending, to be retried from
// f.NextAttempt), Attempts and Error are kept, and the lease ends.
// Otherwise the Finish is skipped and returned in lost, in the order of fs
// (nil if none): another worker took the event over, it is finished
// already, nobody holds it, or f.Tenant has no such event. A Finish that
// cannot name a leased event (a Tenant or Event that is no canonical UUID,
// an empty Worker or one PostgreSQL cannot store) is lost without being
// sent. A bad State or the same event twice in fs is CodeInvalid
// (notify.CheckFinishes) and sends nothing; on any error nothing is
// recorded. On PostgreSQL, an Error that is not valid UTF-8 or has NUL
// bytes is kept with those replaced by U+FFFD (it is a message for the
// operator, and refusing it would stall the dispatcher). One statement
// whatever the size of fs on PostgreSQL, one per 1000 Finishes on SQLite
// (in a transaction of their own, or a savepoint in InTx, when there are
// several); none if there is nothing to send.
func (s *Store) FinishDeliveries(ctx context.Context, fs []notify.Finish) (lost []notify.Finish, err error) {
	const op = "sqlstore.FinishDeliveries"
	if err := notify.CheckFinishes(op, fs); err != nil {
		return nil, err
	}
	type key struct{ tenant, id string }
	send := make([]int, 0, len(fs)) // the indices of fs that may hold a lease
	index := make(map[key]int, len(fs))
	for i, f := range fs {
		if numberdesk.ValidID(f.Tenant) && numberdesk.ValidID(f.Event) && f.Worker != "" && s.textOK(f.Worker) {
			send = append(send, i)
			index[key{string(f.Tenant), string(f.Event)}] = i
		}
	}
	recorded := make([]bool, len(fs))
	if len(send) > 0 {
		several := s.d == SQLite && len(send) > chunkRows
		err := s.write(ctx, op, several, func(c *call) error {
			clear(recorded)
			// scan marks the events rows returns as recorded.
			scan := func(rows *sql.Rows) error {
				defer rows.Close()
				for rows.Next() {
					var k key
					if err := rows.Scan(&k.tenant, &k.id); err != nil {
						return err
					}
					i, ok := index[k]
					if !ok {
						return fmt.Errorf("sqlstore: recorded an outcome for %s/%s, which the batch does not have", k.tenant, k.id)
					}
					recorded[i] = true
				}
				return rows.Err()
			}
			if s.d == Postgres {
				rows, err := c.query(ctx, pgFinishDeliveries, s.pgFinishArrays(fs, send)...)
				if err != nil {
					return err
				}
				return scan(rows)
			}
			if several {
				if err := c.atomic(ctx); err != nil {
					return err
				}
			}
			return chunks(len(send), func(lo, hi int) error {
				a := &args{d: s.d}
				var b strings.Builder
				b.WriteString(sqliteFinishDeliveriesHead)
				for j, i := range send[lo:hi] {
					if j > 0 {
						b.WriteString(", ")
					}
					f := &fs[i]
					next, delivered := s.finishTimes(f)
					a.valuesRow(&b, string(f.Tenant), string(f.Event), string(f.State), int64(f.Attempts), f.Error, next, delivered, f.Worker)
				}
				b.WriteString(sqliteFinishDeliveriesTail)
				rows, err := c.query(ctx, b.String(), a.list...)
				if err != nil {
					return err
				}
				return scan(rows)
			})
		})
		if err != nil {
			return nil, err
		}
	}
	for i, f := range fs {
		if !recorded[i] {
			lost = append(lost, f)
		}
	}
	return lost, nil
}

// finishTimes returns the next_attempt and delivered_at arguments of f.
func (s *Store) finishTimes(f *notify.Finish) (next, delivered any) {
	switch f.State {
	case notify.StatePending:
		next = s.timeArg(f.NextAttempt)
	case notify.StateDelivered:
		delivered = s.timeArg(f.At)
	}
	return next, delivered
}

// pgFinishArrays returns the arguments of pgFinishDeliveries: the columns of
// fs[i] for i in send, as arrays.
func (s *Store) pgFinishArrays(fs []notify.Finish, send []int) []any {
	n := len(send)
	tenants, ids, states, errs, workers := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	attempts := make([]int64, n)
	next, delivered := make([]*time.Time, n), make([]*time.Time, n)
	for j, i := range send {
		f := &fs[i]
		tenants[j], ids[j], states[j], workers[j], attempts[j] = string(f.Tenant), string(f.Event), string(f.State), f.Worker, int64(f.Attempts)
		errs[j] = f.Error
		if !s.textOK(f.Error) {
			errs[j] = strings.ReplaceAll(strings.ToValidUTF8(f.Error, string(utf8.RuneError)), "\x00", string(utf8.RuneError))
		}
		switch {
		case f.State == notify.StatePending && !f.NextAttempt.IsZero():
			t := f.NextAttempt
			next[j] = &t
		case f.State == notify.StateDelivered && !f.At.IsZero():
			t := f.At
			delivered[j] = &t
		}
	}
	return []any{tenants, ids, states, attempts, errs, next, delivered, workers}
}

// deliveryWhere returns the WHERE condition of f for the tenant's events
// (row e), or none = true if nothing can match.
func (s *Store) deliveryWhere(a *args, tenant numberdesk.TenantID, f notify.DeliveryFilter) (cond string, none bool) {
	if !numberdesk.ValidID(tenant) {
		return "", true
	}
	conds := []string{"e.tenant_id = " + a.add(string(tenant))}
	if len(f.States) > 0 {
		states := distinct(f.States, func(st notify.State) bool {
			return st == notify.StatePending || st == notify.StateDelivered || st == notify.StateFailed
		})
		if len(states) == 0 {
			return "", true
		}
		conds = append(conds, s.inList(a, "e.state", states))
	}
	return strings.Join(conds, " AND "), false
}

// FindDeliveries returns the tenant's deliveries matching f, by Seq, and the
// total count of matches before paging. A negative Offset or Limit is
// CodeInvalid (DeliveryFilter.Check; a Limit of 0: all). One query (plus a
// count when Offset is past the end).
func (s *Store) FindDeliveries(ctx context.Context, tenant numberdesk.TenantID, f notify.DeliveryFilter) ([]notify.Delivery, int, error) {
	const op = "sqlstore.FindDeliveries"
	if err := f.Check(op); err != nil {
		return nil, 0, err
	}
	offset, limit := f.Offset, f.Limit
	out := []notify.Delivery{}
	total := 0
	err := s.read(ctx, op, func(c *call) error {
		a := &args{d: s.d}
		countCond, none := s.deliveryWhere(a, tenant, f)
		if none {
			return nil
		}
		cond, _ := s.deliveryWhere(a, tenant, f)
		q := "SELECT e.seq, e.id, e.type, e.state, e.attempts, e.next_attempt, e.last_error, e.delivered_at, " +
			"(SELECT count(*) FROM events e WHERE " + countCond + ") FROM events e WHERE " + cond +
			" ORDER BY e.seq LIMIT " + a.add(s.limitArg(limit)) + " OFFSET " + a.add(offset)
		rows, err := c.query(ctx, q, a.list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d := notify.Delivery{Tenant: tenant}
			var (
				id, typ, state string
				attempts       int64
			)
			if err := rows.Scan(&d.Seq, &id, &typ, &state, &attempts, timeCol{&d.NextAttempt}, &d.LastError, timeCol{&d.DeliveredAt}, &total); err != nil {
				return err
			}
			d.Event, d.Type, d.State, d.Attempts = numberdesk.EventID(id), numberdesk.EventType(typ), notify.State(state), int(attempts)
			out = append(out, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) > 0 || offset == 0 {
			return nil
		}
		a = &args{d: s.d}
		cond, _ = s.deliveryWhere(a, tenant, f)
		return s.count(ctx, c, "SELECT count(*) FROM events e WHERE "+cond, a.list, &total)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

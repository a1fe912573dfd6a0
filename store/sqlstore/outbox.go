package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
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

func errDeliveryNotFound(op string) error {
	return numberdesk.E(numberdesk.CodeNotFound, op, "event", "Das Ereignis wurde nicht gefunden.")
}

func errLeaseLost(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "worker", "Die Zustellung gehört inzwischen einem anderen Arbeiter.")
}

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

// pgFinishDelivery records an outcome if worker $8 holds the pending event
// $1/$2, and tells whether it did and whether the event exists.
const pgFinishDelivery = `WITH u AS (
	UPDATE events SET state = $3, attempts = $4, last_error = $5, next_attempt = $6, delivered_at = $7,
		lease_owner = NULL, lease_until = NULL
	WHERE tenant_id = $1 AND id = $2 AND state = 'pending' AND lease_owner = $8
	RETURNING 1
)
SELECT (SELECT count(*) FROM u), EXISTS (SELECT 1 FROM events WHERE tenant_id = $1 AND id = $2)`

// FinishDelivery records an outcome: State delivered (DeliveredAt f.At),
// failed, or pending for a retry from f.NextAttempt; Attempts and Error are
// kept, the lease ends. The event must be pending and leased to f.Worker
// (CodeConflict, Field "worker", otherwise: another worker took it over, or
// it is finished already; an event nobody holds cannot be finished) and exist
// in f.Tenant (CodeNotFound, Field "event"). On PostgreSQL, an Error that is
// not valid UTF-8 or has NUL bytes is kept with those replaced by U+FFFD (it
// is a message for the operator, and refusing it would stall the
// dispatcher). PostgreSQL: one statement; SQLite: one, and a second to tell
// not_found from conflict when it wrote nothing.
func (s *Store) FinishDelivery(ctx context.Context, f notify.Finish) error {
	const op = "sqlstore.FinishDelivery"
	switch f.State {
	case notify.StateDelivered, notify.StateFailed, notify.StatePending:
	default:
		return numberdesk.E(numberdesk.CodeInvalid, op, "state", "Der Zustand ist ungültig.")
	}
	worker := f.Worker
	if !s.textOK(worker) {
		worker = "" // holds no lease: claims need a worker
	}
	lastError := f.Error
	if !s.textOK(lastError) {
		lastError = strings.ReplaceAll(strings.ToValidUTF8(lastError, string(utf8.RuneError)), "\x00", string(utf8.RuneError))
	}
	var next, delivered any
	switch f.State {
	case notify.StatePending:
		next = s.timeArg(f.NextAttempt)
	case notify.StateDelivered:
		delivered = s.timeArg(f.At)
	}
	return s.write(ctx, op, false, func(c *call) error {
		if !numberdesk.ValidID(f.Tenant) || !numberdesk.ValidID(f.Event) {
			return errDeliveryNotFound(op) // never stored
		}
		if s.d == Postgres {
			rows, err := c.query(ctx, pgFinishDelivery, string(f.Tenant), string(f.Event), string(f.State), int64(f.Attempts),
				lastError, next, delivered, worker)
			if err != nil {
				return err
			}
			defer rows.Close()
			var (
				updated int
				exists  bool
			)
			for rows.Next() {
				if err := rows.Scan(&updated, &exists); err != nil {
					return err
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
			switch {
			case updated == 1:
				return nil
			case !exists:
				return errDeliveryNotFound(op)
			}
			return errLeaseLost(op)
		}
		res, err := c.exec(ctx, `UPDATE events SET state = ?, attempts = ?, last_error = ?, next_attempt = ?, delivered_at = ?,
			lease_owner = NULL, lease_until = NULL
			WHERE tenant_id = ? AND id = ? AND state = 'pending' AND lease_owner = ?`,
			string(f.State), int64(f.Attempts), lastError, next, delivered, string(f.Tenant), string(f.Event), worker)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		// Events are never deleted (AppendEvents' own take-back aside,
		// which is PostgreSQL's): whether it exists cannot change since.
		rows, err := c.query(ctx, "SELECT 1 FROM events WHERE tenant_id = ? AND id = ?", string(f.Tenant), string(f.Event))
		if err != nil {
			return err
		}
		defer rows.Close()
		exists := rows.Next()
		if err := rows.Err(); err != nil {
			return err
		}
		if !exists {
			return errDeliveryNotFound(op)
		}
		return errLeaseLost(op)
	})
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

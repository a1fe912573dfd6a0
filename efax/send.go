package efax

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
)

// SendRequest sends the app's login data for a fax number to employees
// ("Zugangsdaten an Mitarbeiter versenden").
type SendRequest struct {
	Number numberdesk.NumberID  `json:"number"`
	Staff  []numberdesk.StaffID `json:"staff"` // 1 to MaxRecipients employees
	// IdempotencyKey, if set, makes a retried Send (after a timeout, a
	// double click) return the first one's Confirmation without issuing
	// again: a second Send would rotate, and the password of the first mail
	// would stop working. The same key with another request is CodeInvalid
	// (Field "idempotency_key"), and so is a key of more than 255 bytes or
	// with other than printable ASCII (as every key of the SDK). Keys are
	// scoped per tenant.
	IdempotencyKey string `json:"idempotency_key,omitempty" validate:"omitempty,max=255,printascii"`
}

// Recipient is one employee a Send issued or rotated a login for.
type Recipient struct {
	Staff    numberdesk.StaffID `json:"staff"`
	Name     string             `json:"name"`
	Email    string             `json:"email"`
	Username string             `json:"username"`
	// Rotated is true if the employee had a working login that stopped
	// working with this Send.
	Rotated    bool         `json:"rotated"`
	Credential CredentialID `json:"credential"`
}

// Confirmation is what the UI shows after a Send ("Bestätigung des
// Versands").
type Confirmation struct {
	Number     numberdesk.NumberID `json:"number"`
	Display    string              `json:"display"`
	Recipients []Recipient         `json:"recipients"` // sorted by name
	// Message is "Die Zugangsdaten wurden an Anna Berg und Jonas Weber
	// versendet."
	Message string `json:"message"`
}

// issue is one login Send writes.
type issue struct {
	cand   *Candidate
	before *StoredCredential // nil: a new login
	after  *StoredCredential
}

// Send issues a login for each employee (or rotates it: the old secret stops
// working at once) and queues the delivery of the new secrets through the
// outbox: one EventCredentialsSent each, which Service.Notifier turns into
// the mail. Owner and manager only. The number must be an active fax number;
// for a personal one only its holder may be chosen, for a shared one only its
// members. Locked employees and employees without an e-mail address are
// refused with a German message naming them. All or none: if one recipient
// is refused, nothing is sent.
//
// The secrets are hashed (argon2id) before the transaction; if another Send
// or a Revoke changed one of the logins meanwhile, Send fails with
// CodeConflict and changes nothing.
func (s *Service) Send(ctx context.Context, actor numberdesk.Actor, req SendRequest) (_ *Confirmation, err error) {
	const op = "efax.Send"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	// Verified before the replay and the reads, and again in the transaction.
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	if req.Number == "" {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "number", "Bitte wählen Sie eine Faxnummer.")
	}
	ids := dedupe(req.Staff)
	if len(ids) == 0 || slices.Contains(ids, "") {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "staff", "Bitte wählen Sie mindestens einen Mitarbeiter.")
	}
	if len(ids) > MaxRecipients {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "staff", "Bitte wählen Sie höchstens %d Mitarbeiter.", MaxRecipients)
	}
	if err := numberdesk.Validate(op, req); err != nil {
		return nil, err
	}
	st, key := s.cfg.Store, req.IdempotencyKey
	fp := numberdesk.Fingerprint(op, SendRequest{Number: req.Number, Staff: ids})
	var conf *Confirmation
	if done, err := numberdesk.Replay(ctx, st, actor.Tenant, op, key, fp, &conf); done || err != nil {
		return conf, numberdesk.Internal(op, err) // a replay hashes nothing
	}
	c, issues, err := s.plan(ctx, op, actor.Tenant, req.Number, ids, req.Staff)
	if err != nil {
		return nil, err
	}
	// Hash outside the transaction: it takes tens of milliseconds each and
	// a transaction (memstore: the store's lock) must stay short.
	now := s.now()
	for i := range issues {
		secret, err := newSecret(rand.Reader)
		if err != nil {
			return nil, err
		}
		issues[i].after, err = s.prepare(ctx, op, c.n, issues[i], secret, now)
		clear(secret)
		if err != nil {
			return nil, err
		}
	}
	err = st.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		// A concurrent Send with the same key may have won meanwhile.
		if done, err := numberdesk.Replay(ctx, st, actor.Tenant, op, key, fp, &conf); done || err != nil {
			return err
		}
		c2, again, err := s.plan(ctx, op, actor.Tenant, req.Number, ids, req.Staff)
		if err != nil {
			return err
		}
		fresh := make(map[numberdesk.StaffID]issue, len(again))
		for _, is := range again {
			fresh[is.cand.Staff] = is
		}
		events := make([]numberdesk.Event, 0, len(issues))
		for _, is := range issues {
			was := fresh[is.cand.Staff].before
			if (was == nil) != (is.before == nil) || was != nil && was.Version != is.before.Version {
				return numberdesk.E(numberdesk.CodeConflict, op, "staff",
					"Die Zugangsdaten wurden inzwischen geändert. Bitte versuchen Sie es erneut.")
			}
			if was == nil {
				err = st.CreateCredential(ctx, is.after)
			} else {
				err = st.UpdateCredential(ctx, is.after)
			}
			if err != nil {
				return err
			}
			d := eventData(is.after, c2.n)
			d.Name, d.To, d.Rotated = is.cand.Name, is.cand.Email, rotated(is.before)
			ev, err := numberdesk.NewEvent(EventCredentialsSent, actor, now, c2.n.ID, d)
			if err != nil {
				return err
			}
			events = append(events, ev)
		}
		if err := st.AppendEvents(ctx, events...); err != nil {
			return err
		}
		conf = confirmation(c.n, issues)
		return numberdesk.Remember(ctx, st, actor.Tenant, op, key, fp, conf, now)
	})
	// A concurrent Send with the key that committed first may be why this
	// one failed (its credentials changed the versions): its result is
	// every caller's.
	if err = numberdesk.ReplayAfter(ctx, st, actor.Tenant, op, key, fp, &conf, err); err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return conf, nil
}

// confirmation is the result of a Send that issued issues for n.
func confirmation(n *numbers.Number, issues []issue) *Confirmation {
	conf := &Confirmation{Number: n.ID, Display: n.Display(), Recipients: make([]Recipient, len(issues))}
	names := make([]string, len(issues))
	for i, is := range issues {
		conf.Recipients[i] = Recipient{Staff: is.cand.Staff, Name: is.cand.Name, Email: is.cand.Email,
			Username: is.after.Username, Rotated: rotated(is.before), Credential: is.after.ID}
		names[i] = is.cand.Name
	}
	conf.Message = "Die Zugangsdaten wurden an " + joinNames(names) + " versendet."
	return conf
}

// rotated reports whether before was a working login.
func rotated(before *StoredCredential) bool { return before != nil && before.Status == StatusActive }

// plan checks the recipients ids (the distinct IDs of asked, as the request
// lists them) of the number and returns one issue per recipient, in the
// candidates' order (by name), with the stored login if any. Every refusal
// is collected into one message. A recipient who is no candidate at all (not
// the holder of a personal fax number, no member of a shared one) is an
// input error: CodeInvalid, Field "staff[i]" with i its index in asked. A
// candidate who may not receive credentials now (locked, no e-mail) is
// CodePrecondition, Field "staff".
func (s *Service) plan(ctx context.Context, op string, tenant numberdesk.TenantID, number numberdesk.NumberID, ids, asked []numberdesk.StaffID) (*choice, []issue, error) {
	c, err := s.choose(ctx, op, tenant, number)
	if err != nil {
		return nil, nil, err
	}
	var refused []string
	foreign := ""
	for _, id := range ids {
		cd := c.candidate(id)
		switch {
		case cd != nil && !cd.Eligible:
			refused = append(refused, cd.Reason)
		case cd == nil:
			e, err := s.cfg.Store.FindEmployeeByID(ctx, tenant, id)
			switch {
			case numberdesk.ErrorCode(err) == numberdesk.CodeNotFound:
				return nil, nil, numberdesk.E(numberdesk.CodeNotFound, op, "staff", "Der Mitarbeiter wurde nicht gefunden.")
			case err != nil:
				return nil, nil, numberdesk.Internal(op, err)
			case c.elig.Fixed && len(c.elig.Candidates) == 0:
				refused = append(refused, c.elig.Message) // the number has no holder: its state
			case c.elig.Fixed:
				refused = append(refused, "Für die persönliche Faxnummer "+c.n.Display()+" erhält nur "+c.elig.Candidates[0].Name+
					" die Zugangsdaten, nicht "+e.Name()+".")
			default:
				refused = append(refused, e.Name()+" ist kein Mitglied der gemeinsamen Faxnummer "+c.n.Display()+".")
			}
			if foreign == "" && (!c.elig.Fixed || len(c.elig.Candidates) > 0) {
				foreign = fmt.Sprintf("staff[%d]", slices.Index(asked, id))
			}
		}
	}
	switch {
	case foreign != "":
		return nil, nil, numberdesk.E(numberdesk.CodeInvalid, op, foreign, "%s", strings.Join(dedupe(refused), " "))
	case len(refused) > 0:
		return nil, nil, numberdesk.E(numberdesk.CodePrecondition, op, "staff", "%s", strings.Join(dedupe(refused), " "))
	}
	var issues []issue
	for i := range c.elig.Candidates {
		cd := &c.elig.Candidates[i]
		for _, id := range ids {
			if id == cd.Staff {
				issues = append(issues, issue{cand: cd, before: c.creds[id]})
			}
		}
	}
	return c, issues, nil
}

// prepare returns the login to write for is: a new generation, the hash and
// the sealed copy of secret.
func (s *Service) prepare(ctx context.Context, op string, n *numbers.Number, is issue, secret []byte, now time.Time) (*StoredCredential, error) {
	var c *StoredCredential
	if is.before == nil {
		c = &StoredCredential{Credential: Credential{
			ID: NewCredentialID(), Tenant: n.Tenant, Number: n.ID, Staff: is.cand.Staff,
			Username: Username(n.Tenant, n.ID, is.cand.Staff, n.E164), IssuedAt: now,
		}}
	} else {
		c = is.before.Clone()
	}
	c.Status, c.Reason, c.RevokedAt = StatusActive, "", time.Time{}
	c.Generation++
	c.RotatedAt, c.DeliveredAt, c.UpdatedAt = now, time.Time{}, now
	c.Failures, c.LockedUntil = 0, time.Time{} // a new secret ends a lockout
	hash, err := s.hash.hash(ctx, secret)
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	c.Hash = hash
	if c.Sealed, err = s.seal.seal(&c.Credential, secret); err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return c, nil
}

// eventData is the payload about credential c of number n.
func eventData(c *StoredCredential, n *numbers.Number) EventData {
	d := EventData{Credential: c.ID, Username: c.Username, Employee: c.Staff, Generation: c.Generation}
	if n != nil {
		d.Display = n.Display()
	}
	return d
}

// Credentials lists the logins of a fax number (metadata only: never a
// secret or a hash), sorted by username. A login whose holder is no longer
// eligible is revoked first (see Reconcile). Owner and manager only.
func (s *Service) Credentials(ctx context.Context, actor numberdesk.Actor, number numberdesk.NumberID) ([]*Credential, error) {
	const op = "efax.Credentials"
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	var out []*StoredCredential
	err := s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		if _, err := s.number(ctx, op, actor.Tenant, number); err != nil {
			return err
		}
		if _, err := s.reconcile(ctx, actor.Tenant, CredentialFilter{Number: number, Statuses: []Status{StatusActive}}); err != nil {
			return err
		}
		var err error
		out, err = s.cfg.Store.FindCredentials(ctx, actor.Tenant, CredentialFilter{Number: number})
		return err
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return meta(out), nil
}

// Revoke ends the employee's login for the number at once. Owner, manager
// and system. A login revoked before is a no-op; none at all is
// CodeNotFound (Field "staff").
func (s *Service) Revoke(ctx context.Context, actor numberdesk.Actor, number numberdesk.NumberID, employee numberdesk.StaffID) (err error) {
	const op = "efax.Revoke"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleSystem); err != nil {
		return err
	}
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		n, err := s.number(ctx, op, actor.Tenant, number)
		if err != nil {
			return err
		}
		cs, err := s.cfg.Store.FindCredentials(ctx, actor.Tenant, CredentialFilter{Number: number, Staff: employee})
		if err != nil {
			return err
		}
		if len(cs) == 0 || employee == "" {
			return numberdesk.E(numberdesk.CodeNotFound, op, "staff", "Für diesen Mitarbeiter gibt es keine Zugangsdaten zu dieser Faxnummer.")
		}
		if cs[0].Status == StatusRevoked {
			return nil
		}
		return s.revoke(ctx, actor, cs[0], n, ReasonManual)
	})
	return numberdesk.Internal(op, err)
}

// revoke ends login c for reason in the caller's transaction.
func (s *Service) revoke(ctx context.Context, actor numberdesk.Actor, c *StoredCredential, n *numbers.Number, reason Reason) error {
	now := s.now()
	c.Status, c.Reason, c.RevokedAt, c.UpdatedAt = StatusRevoked, reason, now, now
	c.Hash, c.Sealed = "", nil
	if err := s.cfg.Store.UpdateCredential(ctx, c); err != nil {
		return err
	}
	d := eventData(c, n)
	d.Reason = reason
	return numberdesk.AppendEvent(ctx, s.cfg.Store, EventCredentialsRevoked, actor, now, c.Number, d)
}

// Reconcile revokes every active login of the actor's tenant whose holder is
// no longer eligible (the number is inactive or no fax number, the employee
// no longer holds it, is locked or deleted) and returns them. Owner, manager
// and system; run it from cron, or let Service.Notifier run it for the
// events that can make logins stale. Authenticate never depends on it: it
// checks eligibility itself.
func (s *Service) Reconcile(ctx context.Context, actor numberdesk.Actor) (_ []*Credential, err error) {
	const op = "efax.Reconcile"
	ctx, cmd := s.mon.Start(ctx, op, actor)
	defer cmd.End(&err)
	if err := actor.Check(op, numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleSystem); err != nil {
		return nil, err
	}
	var out []*StoredCredential
	err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
		if err := staff.Verify(ctx, s.cfg.Store, op, actor); err != nil {
			return err
		}
		var err error
		out, err = s.reconcile(ctx, actor.Tenant, CredentialFilter{Statuses: []Status{StatusActive}})
		return err
	})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return meta(out), nil
}

// reconcile revokes, in the caller's transaction, the logins of the tenant
// matching f whose holder is no longer eligible, as the system.
func (s *Service) reconcile(ctx context.Context, tenant numberdesk.TenantID, f CredentialFilter) ([]*StoredCredential, error) {
	cs, err := s.cfg.Store.FindCredentials(ctx, tenant, f)
	if err != nil {
		return nil, err
	}
	var revoked []*StoredCredential
	nums := map[numberdesk.NumberID]*numbers.Number{}
	for _, c := range cs {
		if c.Status != StatusActive {
			continue
		}
		n, ok := nums[c.Number]
		if !ok {
			if n, err = s.cfg.Store.FindNumberByID(ctx, tenant, c.Number); err != nil && numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
				return nil, err
			}
			nums[c.Number] = n
		}
		r, _, err := s.staleness(ctx, tenant, n, c.Staff)
		if err != nil {
			return nil, err
		}
		if r == "" {
			continue
		}
		if err := s.revoke(ctx, numberdesk.System(tenant), c, n, r); err != nil {
			return nil, err
		}
		revoked = append(revoked, c)
	}
	return revoked, nil
}

// staleness loads the employee (nil if deleted) and returns it with
// stale(n, employee, e, now).
func (s *Service) staleness(ctx context.Context, tenant numberdesk.TenantID, n *numbers.Number, employee numberdesk.StaffID) (Reason, *staff.Employee, error) {
	now := s.now()
	if r := usable(n, now); r != "" {
		return r, nil, nil
	}
	e, err := s.cfg.Store.FindEmployeeByID(ctx, tenant, employee)
	if numberdesk.ErrorCode(err) == numberdesk.CodeNotFound {
		e, err = nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	return stale(n, employee, e, now), e, nil
}

package efax

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// Login is a successful Authenticate: whose login it was, for which number.
type Login struct {
	Credential CredentialID        `json:"credential"`
	Tenant     numberdesk.TenantID `json:"tenant"`
	Number     numberdesk.NumberID `json:"number"`
	E164       string              `json:"e164"`
	Staff      numberdesk.StaffID  `json:"staff"`
	Username   string              `json:"username"`
}

// authMessage is the one answer to every failed login.
const authMessage = "Benutzername oder Passwort ist falsch."

// errAuth is the error of every failed login: an unknown username, a wrong
// secret, a revoked or stale login and a lockout all look alike.
func errAuth() error {
	return numberdesk.E(numberdesk.CodePermission, "efax.Authenticate", "credentials", authMessage)
}

// authAttempts bounds the runs of Authenticate's transaction that lose a
// race (CodeConflict) to a concurrent login of the same username.
const authAttempts = 8

// Authenticate checks a login of the E-Fax-App for the vendor's fax-app
// backend. It takes no Actor: the username names the tenant.
//
// Every failure returns the same error (CodePermission, "Benutzername oder
// Passwort ist falsch."), whether the username is unknown, the secret wrong,
// the login revoked or locked out. Each attempt with a plausible input costs
// one argon2id computation: against the stored hash, or against a dummy hash
// made with the same parameters for an unknown or revoked username. An
// unknown username then runs the transaction of a wrong secret against a
// decoy login that exists in no tenant (as many store calls and statements,
// on the same tables, which find and change nothing; it reads the events
// where a wrong secret appends one), so the timing tells them apart only by
// the cost of a wrong secret's writes (see the package documentation). The
// comparison is constant-time. Input longer than MaxUsername or 128 bytes of
// secret is refused without hashing.
//
// After Config.MaxFailures failed attempts in a row (default 5) the login is
// locked for Config.Lockout (default 15 minutes): every attempt fails, even
// with the right secret, until the lockout ends; then the count starts
// again. The counter and the lockout are stored with the credential, so all
// instances share them. A success resets the counter.
//
// A correct secret succeeds only if the holder is still eligible: the number
// is an active fax number (or one pending deactivation before its effective
// time), the employee still holds it (for a
// personal fax number: is its only holder), exists and is not locked.
// Otherwise the login is revoked on the spot (EventCredentialsRevoked) and
// fails. So a deactivation, swap, reassignment, lock or deletion takes effect
// at once, whether or not Reconcile has run.
//
// Every attempt on a known username appends an audit event
// (EventLoginSucceeded, EventLoginFailed, EventLoginLocked when a lockout
// starts) without the secret. A hash made with parameters other than the
// configured ones is replaced at the next successful login.
func (s *Service) Authenticate(ctx context.Context, username, secret string) (_ *Login, err error) {
	const op = "efax.Authenticate"
	ctx, cmd := s.mon.Start(ctx, op, numberdesk.Actor{})
	defer cmd.End(&err)
	if username == "" || len(username) > MaxUsername || secret == "" || len(secret) > maxSecret {
		return nil, errAuth()
	}
	c, err := s.cfg.Store.FindCredentialByUsername(ctx, username)
	switch {
	case numberdesk.ErrorCode(err) == numberdesk.CodeNotFound:
		c = nil
	case err != nil:
		return nil, numberdesk.Internal(op, err)
	}
	stored := ""
	if c != nil && c.Status == StatusActive {
		stored = c.Hash
	}
	pw := []byte(secret)
	defer clear(pw)
	match, outdated, err := s.hash.verify(ctx, stored, pw)
	if err != nil {
		return nil, err
	}
	if c == nil {
		s.log.InfoContext(ctx, "efax: login for an unknown username", "username", loggable(username))
		if err := s.cfg.Store.InTx(ctx, s.decoyAttempt); err != nil {
			return nil, numberdesk.Internal(op, err)
		}
		return nil, errAuth()
	}
	var rehash string
	if match && outdated {
		if rehash, err = s.hash.hash(ctx, pw); err != nil {
			return nil, err
		}
	}
	for attempt := 1; ; attempt++ {
		var login *Login
		locked := false
		err = s.cfg.Store.InTx(ctx, func(ctx context.Context) error {
			var err error
			login, err = s.attempt(ctx, c, match, rehash, &locked)
			return err
		})
		if numberdesk.ErrorCode(err) == numberdesk.CodeConflict {
			if attempt < authAttempts {
				continue // a concurrent attempt on the same login: count again
			}
			// Still contended: fail closed, with the one error.
			s.log.WarnContext(ctx, "efax: login attempt not recorded under contention", "username", c.Username)
			return nil, errAuth()
		}
		switch {
		case err != nil:
			return nil, numberdesk.Internal(op, err)
		case locked:
			s.mon.Occurred(ctx, numberdesk.OccurrenceLockout, c.Tenant)
			return nil, errAuth()
		case login == nil:
			return nil, errAuth()
		}
		return login, nil
	}
}

// attempt records one login attempt on c, whose secret matched the hash
// c.Hash or not, in the caller's transaction. It returns the Login on
// success, nil on failure; *locked tells whether this attempt locked the
// login.
func (s *Service) attempt(ctx context.Context, c *StoredCredential, match bool, rehash string, locked *bool) (*Login, error) {
	cur, err := s.cfg.Store.FindCredentialByID(ctx, c.Tenant, c.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sys := numberdesk.System(cur.Tenant)
	d := eventData(cur, nil)
	failed := func(o Outcome) (*Login, error) {
		d.Outcome, d.Failures, d.LockedUntil = o, cur.Failures, cur.LockedUntil
		s.log.InfoContext(ctx, "efax: login failed", "username", cur.Username, "outcome", string(o))
		return nil, numberdesk.AppendEvent(ctx, s.cfg.Store, EventLoginFailed, sys, now, cur.Number, d)
	}
	if cur.Status != StatusActive {
		return failed(OutcomeRevoked)
	}
	if cur.LockedUntil.After(now) {
		return failed(OutcomeLocked)
	}
	if !cur.LockedUntil.IsZero() {
		cur.Failures, cur.LockedUntil = 0, time.Time{} // the lockout is over: count afresh
	}
	// The secret must match the hash that is current now: a rotation
	// between the hashing and this transaction makes it a wrong one.
	if !match || cur.Hash != c.Hash {
		cur.Failures++
		*locked = cur.Failures >= s.cfg.MaxFailures
		if *locked {
			cur.LockedUntil = now.Add(s.cfg.Lockout)
		}
		cur.UpdatedAt = now
		if err := s.cfg.Store.UpdateCredential(ctx, cur); err != nil {
			return nil, err
		}
		if _, err := failed(OutcomeWrongSecret); err != nil {
			return nil, err
		}
		if *locked {
			d.Outcome = ""
			s.log.WarnContext(ctx, "efax: login locked", "tenant", cur.Tenant, "username", cur.Username, "until", cur.LockedUntil,
				"request_id", numberdesk.RequestID(ctx))
			return nil, numberdesk.AppendEvent(ctx, s.cfg.Store, EventLoginLocked, sys, now, cur.Number, d)
		}
		return nil, nil
	}
	n, err := s.cfg.Store.FindNumberByID(ctx, cur.Tenant, cur.Number)
	if err != nil && numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
		return nil, err
	}
	r, _, err := s.staleness(ctx, cur.Tenant, n, cur.Staff)
	if err != nil {
		return nil, err
	}
	if r != "" {
		if err := s.revoke(ctx, sys, cur, n, r); err != nil {
			return nil, err
		}
		return failed(OutcomeNotEligible)
	}
	cur.Failures, cur.LockedUntil, cur.LastLoginAt, cur.UpdatedAt = 0, time.Time{}, now, now
	if rehash != "" {
		cur.Hash = rehash
	}
	if err := s.cfg.Store.UpdateCredential(ctx, cur); err != nil {
		return nil, err
	}
	if err := numberdesk.AppendEvent(ctx, s.cfg.Store, EventLoginSucceeded, sys, now, cur.Number, eventData(cur, n)); err != nil {
		return nil, err
	}
	return login(cur, n), nil
}

// decoyAttempt is the store work of a login with an unknown username, in
// the caller's transaction: the statements that attempt runs for a wrong
// secret (read the login, write its failure count, then the events), on a
// decoy login of a tenant that does not exist, so that they find and change
// nothing. The events are read rather than appended: an unknown username has
// no tenant to log to. So an unknown username and a wrong secret cost the
// same hashing, the same number of store calls in one transaction and the
// same number of statements; only a wrong secret's writes reach the disk.
func (s *Service) decoyAttempt(ctx context.Context) error {
	d := s.decoy().Clone()
	unexpected := func(err error) error {
		if err == nil {
			return errors.New("efax: the decoy login exists in the store")
		}
		return err
	}
	if _, err := s.cfg.Store.FindCredentialByID(ctx, d.Tenant, d.ID); numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
		return unexpected(err)
	}
	d.Failures, d.UpdatedAt = d.Failures+1, s.now()
	if err := s.cfg.Store.UpdateCredential(ctx, d); numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
		return unexpected(err)
	}
	_, err := s.cfg.Store.FindEvents(ctx, d.Tenant, numberdesk.EventFilter{Number: d.Number, Types: []numberdesk.EventType{EventLoginFailed}, Limit: 1})
	return err
}

// newDecoy returns the login that decoyAttempt looks for: random IDs of a
// tenant that does not exist, an active status and the dummy hash.
func newDecoy(h *hasher) *StoredCredential {
	tenant, number, employee := numberdesk.NewTenantID(), numberdesk.NewNumberID(), numberdesk.NewStaffID()
	return &StoredCredential{Credential: Credential{ID: NewCredentialID(), Tenant: tenant, Number: number, Staff: employee,
		Username: Username(tenant, number, employee, "+4900000000000"), Status: StatusActive, Generation: 1, Version: 1},
		Hash: h.dummy().encode()}
}

func login(c *StoredCredential, n *numbers.Number) *Login {
	return &Login{Credential: c.ID, Tenant: c.Tenant, Number: c.Number, E164: n.E164, Staff: c.Staff, Username: c.Username}
}

// loggable returns username for a log line if it has the shape of a
// username this package issues (digits, a hyphen, 8 base32 characters), and
// a placeholder otherwise: people type their password into the username
// field, and what they type there must not reach the log.
func loggable(username string) string {
	digits, code, ok := strings.Cut(username, "-")
	if !ok || len(digits) == 0 || len(digits) > 15 || len(code) != 8 || strings.Trim(digits, "0123456789") != "" ||
		strings.Trim(code, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return "(not a username)"
	}
	return username
}

package efax

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/internal/obs"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// Defaults of Config.
const (
	// DefaultMaxHashing is how many argon2id computations run at once by
	// default: with DefaultParams at most 4 × 19 MiB = 76 MiB.
	DefaultMaxHashing = 4
	// DefaultMaxFailures failed logins in a row lock a login ...
	DefaultMaxFailures = 5
	// ... for DefaultLockout.
	DefaultLockout = 15 * time.Minute
	// MaxRecipients is the most employees one Send may name.
	MaxRecipients = 100
)

// Config configures a Service. Only Store is required.
type Config struct {
	Store Store
	Clock numberdesk.Clock // default: the wall clock
	// Logger receives operational messages and one line per command (Debug
	// on success, Warn when it fails internally, Info on a conflict, Debug
	// on a refusal) with the op, tenant, actor and request ID
	// (numberdesk.RequestID), never a secret or a payload; nil discards.
	Logger *slog.Logger
	// Observer, if set, watches every command (tracing, metrics: package
	// otel has one) and is told of lockouts (numberdesk.OccurrenceLockout).
	Observer numberdesk.Observer
	// Params are the argon2id parameters of new hashes; zero: DefaultParams.
	// Parameters below DefaultParams are refused unless AllowWeakParams.
	Params Params
	// AllowWeakParams admits Params below the OWASP floor. For tests only.
	AllowWeakParams bool
	// MaxHashing bounds the argon2id computations running at once (Send,
	// Authenticate); more wait. Memory for hashing stays below
	// MaxHashing × Params.Memory KiB. Default DefaultMaxHashing.
	MaxHashing int
	// SealKey is the AES-256 key (32 bytes) that seals a secret between
	// Send and its delivery by Service.Notifier. Every process that sends or
	// delivers must share it. Default: 32 random bytes per Service; then a
	// secret sent by one process cannot be delivered by another or after a
	// restart: that delivery fails permanently (visible in the outbox), and
	// the owner sends again.
	SealKey []byte
	// MaxFailures failed logins in a row lock a login for Lockout; defaults
	// DefaultMaxFailures and DefaultLockout.
	MaxFailures int
	Lockout     time.Duration
}

// Service issues, rotates, revokes and checks the logins of the E-Fax-App
// ("Zugangsdaten E-Fax-App versenden"). Every method but Authenticate takes
// the Actor and checks it first; every change runs in one Store transaction
// that also appends its events. Service is safe for concurrent use.
type Service struct {
	cfg   Config
	hash  *hasher
	seal  *sealer
	log   *slog.Logger
	mon   obs.Monitor
	decoy func() *StoredCredential // what an unknown username's attempt looks for (decoyAttempt), made on first use
}

// New returns a Service for cfg, or a CodeInvalid *numberdesk.Error naming
// the Config field at fault.
func New(cfg Config) (*Service, error) {
	const op = "efax.New"
	if cfg.Store == nil {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "Store", "Der Speicher fehlt.")
	}
	if cfg.Params == (Params{}) {
		cfg.Params = DefaultParams
	}
	if cfg.Params.Memory == 0 || cfg.Params.Time == 0 || cfg.Params.Threads == 0 || cfg.Params.SaltLen == 0 || cfg.Params.KeyLen == 0 ||
		(cfg.Params.weaker() && !cfg.AllowWeakParams) {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "Params", "Die Hash-Parameter liegen unter der OWASP-Empfehlung.")
	}
	if cfg.MaxHashing < 0 || cfg.MaxFailures < 0 || cfg.Lockout < 0 {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "MaxHashing", "Negative Grenzen sind nicht zulässig.")
	}
	if cfg.MaxHashing == 0 {
		cfg.MaxHashing = DefaultMaxHashing
	}
	if cfg.MaxFailures == 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	if cfg.Lockout == 0 {
		cfg.Lockout = DefaultLockout
	}
	key := cfg.SealKey
	if key == nil {
		key = make([]byte, 32)
		if _, err := io.ReadFull(rand.Reader, key); err != nil {
			return nil, numberdesk.Internal(op, err)
		}
	}
	seal, err := newSealer(key)
	if err != nil {
		return nil, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: "SealKey", Message: "Der Schlüssel muss 32 Byte lang sein.", Err: err}
	}
	h := newHasher(cfg.Params, cfg.MaxHashing)
	mon := obs.New(cfg.Logger, cfg.Observer)
	return &Service{cfg: cfg, hash: h, seal: seal, log: mon.Logger(), mon: mon,
		decoy: sync.OnceValue(func() *StoredCredential { return newDecoy(h) })}, nil
}

// now returns the current time, truncated to microseconds so that every
// backend stores it exactly.
func (s *Service) now() time.Time { return s.cfg.Clock.Now().UTC().Truncate(time.Microsecond) }

// ---------------------------------------------------------------------------
// Eligibility

// usable reports whether a login for n may work at now: n is a fax number
// that is active, or pending deactivation before its effective time (a due
// number is inactive even before ApplyDue has run: numbers.Number.StatusAt).
func usable(n *numbers.Number, now time.Time) Reason {
	switch {
	case n == nil || !n.StatusAt(now).Billed():
		return ReasonNumberInactive
	case !n.UsageType.IsFax():
		return ReasonNotFax
	}
	return ""
}

// holds reports whether employee may hold a login for n: for a personal fax
// number it must be the one holder, for a shared one a member.
func holds(n *numbers.Number, employee numberdesk.StaffID) bool {
	if n.UsageType == routing.UsageFaxPersonal {
		return len(n.Holders) == 1 && n.Holders[0] == employee
	}
	return n.HeldBy(employee)
}

// stale returns why a login of employee e (nil: deleted) for n must not
// work at now, or "" if it may. Authenticate, delivery and reconciliation
// ask it.
func stale(n *numbers.Number, employee numberdesk.StaffID, e *staff.Employee, now time.Time) Reason {
	if r := usable(n, now); r != "" {
		return r
	}
	switch {
	case !holds(n, employee):
		return ReasonNotHolder
	case e == nil:
		return ReasonEmployeeDeleted
	case e.Locked:
		return ReasonEmployeeLocked
	}
	return ""
}

// Candidate is an employee who may be chosen in the dialog "Auswahl der
// Mitarbeiter".
type Candidate struct {
	Staff numberdesk.StaffID `json:"staff"`
	Name  string             `json:"name"`
	Email string             `json:"email"`
	// Eligible says whether the employee can receive credentials now;
	// Reason is the German sentence why not.
	Eligible bool   `json:"eligible"`
	Reason   string `json:"reason,omitempty"`
	// Credential is the employee's login for this number, if one was ever
	// issued (metadata only): sending again rotates it.
	Credential *Credential `json:"credential,omitempty"`
}

// Eligibility is the recipient choice for one fax number.
type Eligibility struct {
	Number    numberdesk.NumberID `json:"number"`
	E164      string              `json:"e164"`
	Display   string              `json:"display"`
	UsageType routing.UsageType   `json:"usage_type"`
	// Fixed is true for a personal fax number: its holder is the only
	// candidate and cannot be deselected ("Wird für den Mitarbeiter eine
	// individuelle Faxnummer vergeben, bekommt nur er die Zugangsdaten.").
	Fixed bool `json:"fixed"`
	// Candidates are the holder (personal) or the members (shared), sorted
	// by name.
	Candidates []Candidate `json:"candidates"`
	// Message is a German hint when nobody can be chosen, e.g. a personal
	// fax number without a holder.
	Message string `json:"message,omitempty"`
}

// refusal returns the German sentence why e cannot receive credentials, or "".
func refusal(e *staff.Employee) string {
	switch {
	case e.Locked:
		return e.Name() + " ist gesperrt und kann keine Zugangsdaten erhalten."
	case strings.TrimSpace(e.Email) == "":
		return "Für " + e.Name() + " ist keine E-Mail-Adresse hinterlegt."
	}
	return ""
}

// sendable loads the tenant's number for a Send or Recipients and checks
// that it is an active fax number (not one pending deactivation: its login
// would die within weeks).
func (s *Service) sendable(ctx context.Context, op string, tenant numberdesk.TenantID, id numberdesk.NumberID) (*numbers.Number, error) {
	n, err := s.number(ctx, op, tenant, id)
	if err != nil {
		return nil, err
	}
	if !n.UsageType.IsFax() {
		return nil, numberdesk.E(numberdesk.CodePrecondition, op, "number",
			"Die Rufnummer %s ist keine Faxnummer. Zugangsdaten für die E-Fax-App gibt es nur für Faxnummern.", n.Display())
	}
	if now := s.now(); n.StatusAt(now) != numbers.StatusActive {
		return nil, numberdesk.E(numberdesk.CodePrecondition, op, "number",
			"Zugangsdaten für die E-Fax-App gibt es nur für aktive Faxnummern; die Faxnummer %s hat den Status „%s“.", n.Display(), n.At(now).StatusLabel())
	}
	return n, nil
}

// number loads the tenant's number; CodeNotFound on Field "number".
func (s *Service) number(ctx context.Context, op string, tenant numberdesk.TenantID, id numberdesk.NumberID) (*numbers.Number, error) {
	n, err := s.cfg.Store.FindNumberByID(ctx, tenant, id)
	if numberdesk.ErrorCode(err) == numberdesk.CodeNotFound {
		return nil, numberdesk.E(numberdesk.CodeNotFound, op, "number", "Die Rufnummer wurde nicht gefunden.")
	}
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	return n, nil
}

// choice is the candidates of n with their logins, as Recipients and Send
// see them.
type choice struct {
	n     *numbers.Number
	elig  *Eligibility
	creds map[numberdesk.StaffID]*StoredCredential
}

// choose loads the candidates of the active fax number id.
func (s *Service) choose(ctx context.Context, op string, tenant numberdesk.TenantID, id numberdesk.NumberID) (*choice, error) {
	n, err := s.sendable(ctx, op, tenant, id)
	if err != nil {
		return nil, err
	}
	c := &choice{n: n, creds: map[numberdesk.StaffID]*StoredCredential{}, elig: &Eligibility{
		Number: n.ID, E164: n.E164, Display: n.Display(), UsageType: n.UsageType,
		Fixed: n.UsageType == routing.UsageFaxPersonal, Candidates: []Candidate{},
	}}
	creds, err := s.cfg.Store.FindCredentials(ctx, tenant, CredentialFilter{Number: n.ID})
	if err != nil {
		return nil, numberdesk.Internal(op, err)
	}
	for _, cr := range creds {
		c.creds[cr.Staff] = cr
	}
	var holders []numberdesk.StaffID
	if c.elig.Fixed && len(n.Holders) == 1 || !c.elig.Fixed {
		holders = n.Holders
	}
	if len(holders) > 0 {
		es, _, err := s.cfg.Store.FindEmployees(ctx, tenant, staff.Filter{IDs: holders})
		if err != nil {
			return nil, numberdesk.Internal(op, err)
		}
		for _, e := range es {
			cd := Candidate{Staff: e.ID, Name: e.Name(), Email: e.Email, Reason: refusal(e)}
			cd.Eligible = cd.Reason == ""
			if cr := c.creds[e.ID]; cr != nil {
				meta := cr.Credential
				cd.Credential = &meta
			}
			c.elig.Candidates = append(c.elig.Candidates, cd)
		}
	}
	if len(c.elig.Candidates) == 0 {
		if c.elig.Fixed {
			c.elig.Message = "Die persönliche Faxnummer " + n.Display() + " ist keinem Mitarbeiter zugeordnet. Bitte ordnen Sie sie zuerst einem Mitarbeiter zu."
		} else {
			c.elig.Message = "Die gemeinsame Faxnummer " + n.Display() + " hat noch keine Mitglieder. Bitte ordnen Sie sie zuerst Mitarbeitern zu."
		}
	}
	return c, nil
}

// candidate returns the candidate id, or nil.
func (c *choice) candidate(id numberdesk.StaffID) *Candidate {
	for i := range c.elig.Candidates {
		if c.elig.Candidates[i].Staff == id {
			return &c.elig.Candidates[i]
		}
	}
	return nil
}

// Recipients returns who may receive the credentials of a fax number: for a
// personal fax number its holder only (Fixed), for a shared one its members;
// each with Eligible and, if not, a German Reason (locked, no e-mail
// address). Owner and manager only. A number that is not an active fax
// number is CodePrecondition (Field "number").
func (s *Service) Recipients(ctx context.Context, actor numberdesk.Actor, number numberdesk.NumberID) (*Eligibility, error) {
	const op = "efax.Recipients"
	if err := staff.Authorize(ctx, s.cfg.Store, op, actor, numberdesk.RoleOwner, numberdesk.RoleManager); err != nil {
		return nil, err
	}
	c, err := s.choose(ctx, op, actor.Tenant, number)
	if err != nil {
		return nil, err
	}
	return c.elig, nil
}

// joinNames joins names the German way: "A", "A und B", "A, B und C".
func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " und " + names[len(names)-1]
}

func dedupe[T comparable](xs []T) []T {
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// meta returns copies of the metadata of cs.
func meta(cs []*StoredCredential) []*Credential {
	out := make([]*Credential, len(cs))
	for i, c := range cs {
		m := c.Credential
		out[i] = &m
	}
	return out
}

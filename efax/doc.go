// Package efax sends, rotates, revokes and checks the logins of the
// E-Fax-App ("Zugangsdaten E-Fax-App versenden"): with the app an employee
// sends and receives faxes of a fax number on the smartphone, and "muss er
// die Zugangsdaten aus dem Administrator-Konto bekommen".
//
// # Who gets a login
//
// Only active fax numbers have logins. For a personal fax number
// ("persönliche Faxnummer") the only recipient is its holder, and nobody
// else can be chosen; for a shared one ("gemeinsame Faxnummer") the owner
// picks one or more of its members. Locked employees and employees without
// an e-mail address are refused with a German message naming them
// (Recipients shows the choice, Send refuses all or none). The owner sends,
// and so may a manager (who configures everything but money); an employee
// cannot send to itself; the system (cron) may Revoke and Reconcile. Every
// method verifies the Actor against its stored employee (staff.Verify) in
// its transaction: a locked, deleted or demoted employee is refused.
//
// # Logins and secrets
//
// Each recipient gets a login of its own: a username derived from the number
// and the employee (Username: the number's digits and 8 base32 characters of
// SHA-256 over tenant, number and employee, stable across rotations, unique
// store-wide) and a secret of SecretLength (28) characters of SecretAlphabet
// (31 characters without look-alikes) from crypto/rand, 138.7 bits. The
// secret is stored only as an argon2id PHC string
// ($argon2id$v=19$m=19456,t=2,p=1$salt$hash) made with
// golang.org/x/crypto/argon2 and DefaultParams, the OWASP Password Storage
// Cheat Sheet's first configuration (19 MiB, 2 passes, 1 lane, 16-byte salt,
// 32-byte hash; see DefaultParams for the reasoning). A hash weaker than the
// configured parameters is replaced at the next successful login. No read
// or list returns a secret or a hash (Credential has no field for either),
// no stored event carries one, no log line names one.
//
// On its way to the mail a secret is a Secret, which redacts itself in
// every formatting interface: fmt's verbs (Format, String, GoString),
// log/slog (LogValue), encoding/json (MarshalJSON) and everything that uses
// MarshalText or AppendText print "[redacted]", and it is held masked, so
// that a printer that ignores methods does not show it either. Only
// Secret.Reveal returns it, and only the notifier that renders the mail
// calls it.
//
// # Delivery through the outbox
//
// A secret exists in plaintext only in memory, twice: when Send makes it,
// and when it is delivered. Send hashes it, seals a copy with AES-256-GCM
// (Config.SealKey; additional data: tenant, credential, generation) into the
// credential row, and appends an EventCredentialsSent that names the login
// and the recipient, in the same transaction. Service.Notifier, wrapped
// around the notifier that reaches people (notify/smtpmail renders a German
// mail with the login data), opens the sealed copy when the outbox
// dispatcher delivers that event, hands an in-memory
// EventCredentialsDelivery to the next notifier, and erases the sealed copy
// once it was accepted. The login data travel in the event's Transient field
// (a Delivery, see DeliveryOf; never stored, never marshalled) with the
// secret as a Secret; the event's Data hold the Delivery without the
// secret. So the event, printed, logged or marshalled anywhere down the
// chain, shows no secret; and should a notifier panic, the dispatcher
// records and logs the event's ID and type and the panic's type and place,
// never the panic's value (see notify.Dispatcher). A delivery of a login
// that was rotated or revoked since, or whose holder is no longer eligible,
// sends nothing. Processes that share a store must share the SealKey: with
// the default (random per Service) a secret sent by one process cannot be
// delivered by another; that delivery fails permanently, visibly in the
// outbox, and the owner sends again.
//
// # Rotation and revocation
//
// Sending again rotates: a new secret and generation, the old secret stops
// working at once, a lockout ends. Revoke ends a login. A login also dies
// when its number is deactivated (at the effective time: a pending number
// whose time has come counts as inactive even before ApplyDue has run),
// swapped out, or no longer a fax number, when it is reassigned away from
// the employee, and when the employee is locked or deleted: Authenticate
// checks all of this at every login, so there is no window, and revokes a
// stale login on the spot with an audit event. The domain packages do not
// know efax (numbers and staff do not import it); the revocation is also
// written eagerly by Service.Notifier when the dispatcher passes the events
// that can make a login stale (number.deactivated, number.swapped_out,
// number.assigned, number.unassigned, number.usage_type_changed,
// staff.locked, staff.deleted), and by Reconcile (for cron) and Credentials
// (when the UI lists the logins).
//
// # Authenticate
//
// Authenticate is for the vendor's fax-app backend. Every failure is the same
// CodePermission error "Benutzername oder Passwort ist falsch.", and every
// plausible attempt costs one argon2id computation (an unknown or revoked
// username is checked against a dummy hash with the same parameters); the
// comparison is constant-time. An unknown username also does the store work
// of a wrong secret: one transaction that reads a login, updates its
// failure count and then touches the events, against a decoy login of a
// tenant that does not exist, so the statements (as many, on the same
// tables and indexes) find and change nothing, and the events are read
// where a wrong secret appends its audit event. What is left is the cost
// of the wrong secret's writes themselves: on the 2-core reference machine
// with a local PostgreSQL, the medians of 200 attempts of each differ by
// about 0.3 ms of store work, less than their spread in logins of 28 to 40
// ms (TestAuthenticateTiming reports them), and a database whose commit
// waits for a disk flush adds that flush to a wrong secret.
//
// Five failures in a row (Config.MaxFailures) lock the login for 15 minutes
// (Config.Lockout): meanwhile even the right secret fails; afterwards the
// count starts afresh. The counter and the lockout are stored with the
// credential, so every instance sees them. Attempts on known usernames
// append EventLoginSucceeded, EventLoginFailed (with the outcome) and
// EventLoginLocked; unknown usernames are logged to Config.Logger, only if
// they have the shape of an issued username (a password typed into the
// username field never reaches the log).
//
// # Memory and time
//
// At most Config.MaxHashing (default 4) argon2id computations run at once;
// more wait for a slot. With DefaultParams that bounds the memory for
// hashing to 4 × 19 MiB = 76 MiB. On the 2-core reference machine one login
// takes about 24 ms and allocates 19.9 MB (BenchmarkAuthenticate); that is
// deliberately slow for whoever guesses, and a vendor should rate-limit the
// login endpoint in front of it.
//
// The package compiles for js/wasm: it needs no network, SQL or mail
// package.
package efax

package efax

import (
	"time"

	"github.com/numberdesk/numberdesk"
)

// The event types of the efax domain. Stored events carry an EventData and
// never a secret; Event.Number is the fax number.
const (
	// EventCredentialsSent: a secret was issued or rotated and is to be
	// delivered. It is the outbox entry that Service.Notifier turns into an
	// EventCredentialsDelivery.
	EventCredentialsSent numberdesk.EventType = "efax.credentials_sent"
	// EventCredentialsDelivered: the Notifier accepted the delivery; the
	// sealed secret is gone from the store.
	EventCredentialsDelivered numberdesk.EventType = "efax.credentials_delivered"
	// EventCredentialsRevoked: the login stopped working (Reason says why).
	EventCredentialsRevoked numberdesk.EventType = "efax.credentials_revoked"
	// EventLoginSucceeded, EventLoginFailed and EventLoginLocked are the
	// audit of Authenticate for known usernames (an unknown username has no
	// tenant to log to; it is logged to Config.Logger without the secret).
	EventLoginSucceeded numberdesk.EventType = "efax.login_succeeded"
	EventLoginFailed    numberdesk.EventType = "efax.login_failed"
	EventLoginLocked    numberdesk.EventType = "efax.login_locked"

	// EventCredentialsDelivery is never stored: Service.Notifier builds it in
	// memory from an EventCredentialsSent, with the same ID, and hands it to
	// the next Notifier (for example notify/smtpmail, which mails it). Its
	// Transient is a Delivery, which holds the secret as a Secret (see
	// DeliveryOf); its Data is the same Delivery as JSON, without the secret.
	EventCredentialsDelivery numberdesk.EventType = "efax.credentials_delivery"
)

// Outcome is why a login failed.
type Outcome string

// The outcomes of a failed login.
const (
	OutcomeWrongSecret Outcome = "wrong_secret"
	OutcomeLocked      Outcome = "locked"       // during a lockout, whatever the secret
	OutcomeRevoked     Outcome = "revoked"      // the credential was revoked before
	OutcomeNotEligible Outcome = "not_eligible" // revoked by this attempt: the holder is no longer eligible
)

// EventData is the payload of the stored efax events.
type EventData struct {
	Credential CredentialID       `json:"credential"`
	Username   string             `json:"username"`
	Employee   numberdesk.StaffID `json:"employee"`
	Generation int                `json:"generation,omitempty"`
	// Display is the fax number in German format ("0221 123456-20").
	Display string `json:"display,omitempty"`
	// Name and To are the recipient of EventCredentialsSent.
	Name    string `json:"name,omitempty"`
	To      string `json:"to,omitempty"`
	Rotated bool   `json:"rotated,omitempty"` // a former secret stopped working
	Reason  Reason `json:"reason,omitempty"`  // of EventCredentialsRevoked
	// Outcome, Failures and LockedUntil describe a login attempt.
	Outcome     Outcome   `json:"outcome,omitempty"`
	Failures    int       `json:"failures,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

// Delivery is the payload of the in-memory EventCredentialsDelivery: the
// login data for the app, to be rendered for the employee and forgotten.
// The secret is a Secret, which redacts itself wherever it is printed,
// logged or marshalled (a Delivery marshals without it); only
// Secret.Reveal returns it, for the body of the mail.
type Delivery struct {
	Credential CredentialID       `json:"credential"`
	Employee   numberdesk.StaffID `json:"employee"`
	Name       string             `json:"name"`    // "First Last"
	To         string             `json:"to"`      // the employee's e-mail address at delivery time
	Number     string             `json:"number"`  // the fax number, German display
	E164       string             `json:"e164"`    // the fax number, E.164
	Rotated    bool               `json:"rotated"` // earlier login data stopped working
	Username   string             `json:"username"`
	Secret     Secret             `json:"-"`
}

// String hides the secret, so that a Delivery printed by mistake leaks
// nothing.
func (d Delivery) String() string {
	return "efax.Delivery{" + string(d.Credential) + " " + d.Username + " to " + d.To + ", secret " + Redacted + "}"
}

// DeliveryOf returns the login data that an EventCredentialsDelivery
// carries in its Transient field, and whether e is one that carries them.
// The event's Data holds the same Delivery without the secret.
func DeliveryOf(e numberdesk.Event) (Delivery, bool) {
	if e.Type != EventCredentialsDelivery {
		return Delivery{}, false
	}
	switch d := e.Transient.(type) {
	case Delivery:
		return d, true
	case *Delivery:
		if d != nil {
			return *d, true
		}
	}
	return Delivery{}, false
}

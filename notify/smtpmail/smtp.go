package smtpmail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/wneessen/go-mail"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/staff"
)

// TLSMode says how the SMTP notifier protects the connection to the server.
type TLSMode string

// The TLS modes. The zero value "" means TLSMandatory.
const (
	// TLSMandatory requires STARTTLS: the notifier refuses to send over a
	// server that does not offer it (the default; submission port 587).
	TLSMandatory TLSMode = "mandatory"
	// TLSOpportunistic uses STARTTLS if the server offers it and sends in
	// clear text otherwise.
	TLSOpportunistic TLSMode = "opportunistic"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit TLSMode = "implicit"
	// TLSNone never uses TLS. Use it only for a local relay or a test
	// server; credentials are then sent only to localhost.
	TLSNone TLSMode = "none"
)

// DefaultTimeout is the Config.Timeout used when none is set.
const DefaultTimeout = 30 * time.Second

// Config configures [New].
type Config struct {
	// Host is the SMTP server's host name or IP address.
	Host string `validate:"required,hostname|ip"`
	// Port is the SMTP server's port, typically 587 (STARTTLS) or 465
	// (TLSImplicit).
	Port int `validate:"required,gte=1,lte=65535"`
	// Username and Password authenticate with SMTP AUTH if set (SCRAM,
	// PLAIN or LOGIN, whichever the server offers first in that order).
	// PLAIN and LOGIN are used only over TLS or to localhost.
	Username string `validate:"required_with=Password"`
	Password string `validate:"required_with=Username"`
	// From is the sender address. Its domain also names the Message-ID.
	From string `validate:"required,email"`
	// FromName is the sender's display name, e.g. "NumberDesk".
	FromName string
	// SubjectPrefix goes before every subject, e.g. "[Nordwind] " (a
	// vendor's brand); default none. One line.
	SubjectPrefix string
	// Signature is the first line of every mail's footer (a vendor's
	// brand); default DefaultSignature. One line.
	Signature string
	// TLS is the TLS mode; "" means TLSMandatory.
	TLS TLSMode `validate:"omitempty,oneof=mandatory opportunistic implicit none"`
	// TLSConfig, if not nil, replaces the default TLS configuration
	// (ServerName = Host, TLS 1.2 or later).
	TLSConfig *tls.Config `validate:"-"`
	// Timeout bounds connecting and every SMTP command; 0 means
	// DefaultTimeout. The ctx passed to Notify bounds the whole send.
	Timeout time.Duration `validate:"gte=0"`
	// HeloName is the name sent with EHLO; "" means the local host name.
	HeloName string `validate:"omitempty,hostname|ip"`
	// Location is the time zone in which dates appear in mails; nil means
	// numberdesk.DefaultTimeZone (Europe/Berlin), which needs the system's
	// tzdata or an import of time/tzdata.
	Location *time.Location `validate:"-"`
}

// SMTP is a Notifier that sends a German e-mail for every
// staff.EventNotification and ignores all other events. It is safe for
// concurrent use: every Notify opens its own connection.
//
// Each mail has a plain-text body and an HTML alternative, a Message-ID
// derived from the event ID (see [SMTP.MessageID]) and the header
// X-NumberDesk-Event naming the event, so that a mail delivered twice (at
// least once delivery) can be recognised downstream.
//
// Notify classifies failures for the dispatcher:
//
//   - an SMTP reply 5xx (550 mailbox unavailable, 553, 554, 535
//     authentication failed, ...) returns a [Permanent] error: the same
//     request would be refused again;
//   - an SMTP reply 4xx (421, 450, 451, 452, ...), a network error, a
//     timeout, a dropped connection or a cancelled ctx returns a plain,
//     transient error: a later retry may succeed;
//   - an event that cannot be rendered (malformed Data, invalid recipient
//     address, unknown category) returns a Permanent *numberdesk.Error with
//     CodeInvalid.
//
// A failure after the server accepted the message (for example while
// closing the connection) is not an error: the mail was delivered.
type Notifier struct {
	cfg       Config
	from      netmail.Address
	msgDomain string
	loc       *time.Location
	tlsConfig *tls.Config // for TLSImplicit
	opts      []mail.Option
}

// validate is the validator for Config. It reports Go field names, so
// a CodeInvalid error's Field is the Config field at fault.
var validate = sync.OnceValue(func() *validator.Validate {
	return validator.New(validator.WithRequiredStructEnabled())
})

// configMessages are the German texts for the validation tags of Config.
var configMessages = map[string]string{
	"required":      "Bitte füllen Sie dieses Feld aus.",
	"required_with": "Bitte füllen Sie dieses Feld aus.",
	"hostname|ip":   "Bitte geben Sie einen gültigen Hostnamen oder eine IP-Adresse ein.",
	"email":         "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
	"gte":           "Der Wert ist zu klein.",
	"lte":           "Der Wert ist zu groß.",
	"oneof":         "Der Wert ist nicht zulässig.",
}

// authMechanisms are the SMTP AUTH mechanisms tried, in order of preference.
// go-mail's PLAIN and LOGIN refuse to send credentials in clear text except
// to localhost.
var authMechanisms = []mail.SMTPAuthType{
	mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1, mail.SMTPAuthPlain, mail.SMTPAuthLogin,
}

// New returns an SMTP notifier for cfg. An invalid cfg yields a
// *numberdesk.Error with CodeInvalid whose Field is the name of the
// Config field at fault (e.g. "Host"). New does not connect.
func New(cfg Config) (*Notifier, error) {
	const op = "notify.New"
	if err := validate().Struct(cfg); err != nil {
		var verrs validator.ValidationErrors
		if !errors.As(err, &verrs) || len(verrs) == 0 {
			return nil, numberdesk.Internal(op, err)
		}
		fe := verrs[0]
		msg, ok := configMessages[fe.Tag()]
		if !ok {
			msg = "Die Eingabe ist ungültig."
		}
		return nil, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: fe.StructField(), Message: msg}
	}
	for _, f := range []struct{ field, v string }{{"FromName", cfg.FromName}, {"SubjectPrefix", cfg.SubjectPrefix}, {"Signature", cfg.Signature}} {
		if strings.ContainsAny(f.v, "\r\n") {
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, f.field, "Die Eingabe enthält unzulässige Zeichen.")
		}
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: "From",
			Message: configMessages["email"], Err: err}
	}
	s := &Notifier{cfg: cfg, from: netmail.Address{Name: cfg.FromName, Address: from.Address}}
	s.msgDomain = messageIDDomain(from.Address)

	s.loc = cfg.Location
	if s.loc == nil {
		loc, err := numberdesk.LoadLocation(numberdesk.DefaultTimeZone)
		if err != nil {
			return nil, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: "Location",
				Message: "Die Zeitzone ist ungültig.", Err: err}
		}
		s.loc = loc
	}

	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	tlsConfig := cfg.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	} else {
		tlsConfig = tlsConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = cfg.Host
		}
	}
	s.tlsConfig = tlsConfig

	s.opts = []mail.Option{
		mail.WithPort(cfg.Port),
		mail.WithTimeout(timeout),
		mail.WithTLSConfig(tlsConfig),
	}
	switch cfg.TLS {
	case TLSMandatory, "":
		s.opts = append(s.opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLSOpportunistic:
		s.opts = append(s.opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case TLSImplicit, TLSNone:
		// TLSImplicit: the dialer speaks TLS itself, so no STARTTLS.
		s.opts = append(s.opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if cfg.HeloName != "" {
		s.opts = append(s.opts, mail.WithHELO(cfg.HeloName))
	}
	if cfg.Username != "" {
		s.opts = append(s.opts,
			mail.WithUsername(cfg.Username),
			mail.WithPassword(cfg.Password),
			mail.WithOpportunisticSMTPAuth(authMechanisms...))
	}
	if _, err := mail.NewClient(cfg.Host, s.opts...); err != nil {
		return nil, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: "Host",
			Message: "Die SMTP-Konfiguration ist ungültig.", Err: err}
	}
	return s, nil
}

// messageIDDomain returns the domain of addr for Message-IDs, or
// "numberdesk.invalid" if it is not a plain DNS name.
func messageIDDomain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	domain := strings.ToLower(addr[i+1:])
	if domain == "" || strings.Trim(domain, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
		return "numberdesk.invalid"
	}
	return domain
}

// MessageID returns the Message-ID, without angle brackets, of the mail for
// the event id: "<id>@<domain of Config.From>". Every delivery of the
// same event carries the same Message-ID.
func (s *Notifier) MessageID(id numberdesk.EventID) string {
	return string(id) + "@" + s.msgDomain
}

// EventHeader is the mail header that names the event a mail was sent for.
const EventHeader = "X-NumberDesk-Event"

// Notify sends the mail for e if e is a staff.EventNotification or an
// efax.EventCredentialsDelivery (the E-Fax-App's login data, which
// efax.Service.Notifier hands on in the event's Transient field; see
// efax.DeliveryOf: the secret is revealed only into the mail's body, and a
// delivery event without them is a Permanent CodeInvalid error), and does
// nothing for other events. See
// [SMTP] for how failures are classified.
func (s *Notifier) Notify(ctx context.Context, e numberdesk.Event) error {
	if e.Type != staff.EventNotification && e.Type != efax.EventCredentialsDelivery {
		return nil
	}
	msg, err := s.message(e)
	if err != nil {
		return notify.Permanent(err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("notify: event %s: %w", e.ID, err)
	}
	return s.send(ctx, msg, e.ID)
}

// message builds the mail for the notification event e.
func (s *Notifier) message(e numberdesk.Event) (*mail.Msg, error) {
	const op = "smtpmail.Notify"
	if !validEventID(e.ID) {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "id", "Die Ereignis-ID ist ungültig.")
	}
	var (
		to  *netmail.Address
		c   content
		err error
	)
	if e.Type == efax.EventCredentialsDelivery {
		// The login data travel in e.Transient (the Data hold them
		// without the secret).
		d, ok := efax.DeliveryOf(e)
		if !ok {
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, "data", "Die Zugangsdaten sind unlesbar.")
		}
		if to, err = recipient(op, d.To, d.Name); err != nil {
			return nil, err
		}
		if c, err = renderCredentials(op, d, s.look()); err != nil {
			return nil, err
		}
	} else {
		var n staff.Notification
		if err := e.Decode(&n); err != nil {
			return nil, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: "data",
				Message: "Die Benachrichtigung ist unlesbar.", Err: err}
		}
		if to, err = recipient(op, n.To, n.Name); err != nil {
			return nil, err
		}
		if c, err = render(op, n, s.loc, s.look()); err != nil {
			return nil, err
		}
	}

	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	from := s.from
	m.FromMailAddress(&from)
	m.ToMailAddress(to)
	m.Subject(c.Subject)
	m.SetMessageIDWithValue(s.MessageID(e.ID))
	m.SetGenHeader(mail.Header(EventHeader), string(e.ID))
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetDate()
	m.SetBodyString(mail.TypeTextPlain, c.Text)
	m.AddAlternativeString(mail.TypeTextHTML, c.HTML)
	return m, nil
}

// recipient returns the To address: the e-mail address with the name
// reduced to one line.
func recipient(op, address, name string) (*netmail.Address, error) {
	to := strings.TrimSpace(address)
	if to == "" {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "to", "Die Benachrichtigung hat keinen Empfänger.")
	}
	if strings.ContainsAny(to, "\r\n") {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "to", "Die E-Mail-Adresse des Empfängers ist ungültig.")
	}
	addr, err := netmail.ParseAddress(to)
	if err != nil {
		return nil, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: "to",
			Message: "Die E-Mail-Adresse des Empfängers ist ungültig.", Err: err}
	}
	return &netmail.Address{Name: oneLine(name), Address: addr.Address}, nil
}

// validEventID reports whether id can be the left part of a Message-ID and
// a header value: 1 to 128 letters, digits, '-', '_' or inner dots (a UUID
// always is).
func validEventID(id numberdesk.EventID) bool {
	s := string(id)
	if s == "" || len(s) > 128 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

// send delivers msg on a connection of its own. The connection is closed
// as soon as ctx is done, so a hanging server cannot outlast ctx.
func (s *Notifier) send(ctx context.Context, msg *mail.Msg, id numberdesk.EventID) error {
	var stop func() bool
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var conn net.Conn
		var err error
		if s.cfg.TLS == TLSImplicit {
			conn, err = (&tls.Dialer{NetDialer: d, Config: s.tlsConfig}).DialContext(dctx, network, addr)
		} else {
			conn, err = d.DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		if stop != nil {
			stop()
		}
		stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}
	opts := make([]mail.Option, 0, len(s.opts)+1)
	opts = append(opts, s.opts...)
	opts = append(opts, mail.WithDialContextFunc(dial))
	client, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return notify.Permanent(numberdesk.Internal("smtpmail.Notify", err))
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if stop != nil {
		stop()
	}
	if err == nil || msg.IsDelivered() {
		return nil
	}
	return classify(ctx, id, err)
}

// classify turns a go-mail error into a Permanent error (SMTP reply 5xx) or
// a transient one (everything else).
func classify(ctx context.Context, id numberdesk.EventID, err error) error {
	code := ReplyCode(err)
	if code >= 500 && code <= 599 {
		return notify.Permanent(fmt.Errorf("notify: sending event %s: SMTP %d: %w", id, code, err))
	}
	if ctxErr := ctx.Err(); ctxErr != nil && code == 0 {
		return fmt.Errorf("notify: sending event %s: %w: %w", id, ctxErr, err)
	}
	if code != 0 {
		return fmt.Errorf("notify: sending event %s: SMTP %d: %w", id, code, err)
	}
	return fmt.Errorf("notify: sending event %s: %w", id, err)
}

// ReplyCode returns the SMTP reply code (such as 421 or 550) carried
// by err, an error returned by [SMTP.Notify] or by go-mail, or 0 if err
// holds none (a network error, a timeout, a cancelled context).
func ReplyCode(err error) int {
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode()
	}
	// Replies during connection set-up (greeting, EHLO, STARTTLS, AUTH)
	// are not wrapped in a SendError.
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// look is the vendor's look of the mails from the Config.
func (s *Notifier) look() look {
	return look{subjectPrefix: s.cfg.SubjectPrefix, signature: s.cfg.Signature}
}

package server

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/numberdesk/numberdesk/notify/smtpmail"
)

// DefaultFrom is the sender of the portal's mails when the SMTP URL names
// none (?from=).
const DefaultFrom = "noreply@numberdesk.example"

// ParseSMTP reads an SMTP URL (AppConfig.SMTP) into the configuration of
// the mail notifier: smtp://[user[:password]@]host[:port] (port 587,
// STARTTLS required) or smtps://… (TLS from the first byte, port 465),
// with the query parameters from (the sender address, DefaultFrom),
// name (the sender's name, "NumberDesk") and tls (mandatory,
// opportunistic, none; implicit for smtps). smtpmail.New checks the rest.
func ParseSMTP(raw string) (smtpmail.Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return smtpmail.Config{}, fmt.Errorf("server: -smtp is no URL: %w", err)
	}
	cfg := smtpmail.Config{Host: u.Hostname(), From: DefaultFrom, FromName: "NumberDesk"}
	switch u.Scheme {
	case "smtp":
		cfg.Port, cfg.TLS = 587, smtpmail.TLSMandatory
	case "smtps":
		cfg.Port, cfg.TLS = 465, smtpmail.TLSImplicit
	default:
		return smtpmail.Config{}, errors.New(`server: -smtp must be "smtp://host[:port]…" or "smtps://…"`)
	}
	if p := u.Port(); p != "" {
		if cfg.Port, err = strconv.Atoi(p); err != nil {
			return smtpmail.Config{}, fmt.Errorf("server: -smtp: the port %q is no number", p)
		}
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	q := u.Query()
	if v := q.Get("from"); v != "" {
		cfg.From = v
	}
	if v := q.Get("name"); v != "" {
		cfg.FromName = v
	}
	if v := q.Get("tls"); v != "" {
		cfg.TLS = smtpmail.TLSMode(v)
	}
	return cfg, nil
}

// Mail is a mail the sink received.
type Mail struct {
	// MessageID identifies the mail; the SMTP notifier derives it from the
	// event, so a delivery repeated (at least once) replaces the mail.
	MessageID string
	// Event is the ID of the event the mail was sent for.
	Event    string
	From, To string
	Subject  string
	Date     time.Time // the mail's Date header
	Text     string    // the plain-text body
	Received time.Time
}

// MailSink is the demo's mail server: an SMTP server on 127.0.0.1 (a random
// port, a random login) whose mails the portal shows at /mails. The
// portal's notifications reach it through the SDK's SMTP notifier
// (notify/smtpmail), so the sink shows exactly the German mails a real
// mail server would get. It keeps the newest mails in memory; it is safe
// for concurrent use.
type MailSink struct {
	srv        *smtp.Server
	addr       *net.TCPAddr
	user, pass string
	served     chan struct{}

	mu      sync.Mutex
	max     int
	mails   []Mail // oldest first
	changed chan struct{}
}

// NewMailSink starts a sink that keeps the newest max mails (0:
// DefaultMaxMails). Close stops it.
func NewMailSink(max int) (*MailSink, error) {
	if max <= 0 {
		max = DefaultMaxMails
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("server: starting the mail sink: %w", err)
	}
	s := &MailSink{addr: ln.Addr().(*net.TCPAddr), user: "numberdesk", pass: randomToken(), max: max,
		served: make(chan struct{}), changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true // loopback only; the login keeps other local programs out
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.MaxRecipients = 10
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.ErrorLog = discardLogger{}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Notifier returns the SDK's SMTP notifier that sends to the sink; opts
// may change its configuration (the brand's sender and look) before it is
// built.
func (s *MailSink) Notifier(opts ...func(*smtpmail.Config)) (*smtpmail.Notifier, error) {
	cfg := smtpmail.Config{
		Host: s.addr.IP.String(), Port: s.addr.Port, TLS: smtpmail.TLSNone,
		Username: s.user, Password: s.pass, From: DefaultFrom, FromName: "NumberDesk",
		Timeout: 10 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return smtpmail.New(cfg)
}

// Close stops the sink's server.
func (s *MailSink) Close() {
	_ = s.srv.Close()
	<-s.served
}

// Mails returns the mails the sink keeps, newest first.
func (s *MailSink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Mail, len(s.mails))
	for i, m := range s.mails {
		out[len(out)-1-i] = m
	}
	return out
}

// Changed returns a channel that is closed when the next mail arrives.
func (s *MailSink) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// add keeps m; a mail with its Message-ID replaces the one kept.
func (s *MailSink) add(m Mail) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, old := range s.mails {
		if m.MessageID != "" && old.MessageID == m.MessageID {
			s.mails = append(s.mails[:i], s.mails[i+1:]...)
			break
		}
	}
	s.mails = append(s.mails, m)
	if over := len(s.mails) - s.max; over > 0 {
		s.mails = append(s.mails[:0:0], s.mails[over:]...)
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// sinkSession is one SMTP connection to the sink.
type sinkSession struct {
	sink   *MailSink
	authed bool
}

var _ smtp.AuthSession = (*sinkSession)(nil)

func (*sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (c *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if subtle.ConstantTimeCompare([]byte(user), []byte(c.sink.user))&
			subtle.ConstantTimeCompare([]byte(pass), []byte(c.sink.pass)) != 1 {
			return smtp.ErrAuthFailed
		}
		c.authed = true
		return nil
	}), nil
}

func (c *sinkSession) Mail(string, *smtp.MailOptions) error {
	if !c.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (c *sinkSession) Rcpt(string, *smtp.RcptOptions) error {
	if !c.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (c *sinkSession) Data(r io.Reader) error { // after Mail and Rcpt
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parseMail(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unreadable message"}
	}
	m.Received = time.Now()
	c.sink.add(m)
	return nil
}

func (*sinkSession) Reset()        {}
func (*sinkSession) Logout() error { return nil }

// parseMail reads what the page shows of a mail: the headers and the
// plain-text body (of a multipart/alternative mail, its text/plain part).
func parseMail(raw []byte) (Mail, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	dec := new(mime.WordDecoder)
	header := func(name string) string {
		v := msg.Header.Get(name)
		if d, err := dec.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}
	addresses := func(name string) string {
		list, err := (&netmail.AddressParser{WordDecoder: dec}).ParseList(msg.Header.Get(name))
		if err != nil {
			return header(name)
		}
		var out []string
		for _, a := range list {
			if a.Name == "" {
				out = append(out, a.Address)
			} else {
				out = append(out, a.Name+" <"+a.Address+">")
			}
		}
		return strings.Join(out, ", ")
	}
	m := Mail{
		MessageID: strings.Trim(msg.Header.Get("Message-ID"), "<> "),
		Event:     msg.Header.Get(smtpmail.EventHeader),
		From:      addresses("From"),
		To:        addresses("To"),
		Subject:   header("Subject"),
	}
	m.Date, _ = msg.Header.Date()
	m.Text, err = plainText(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return m, err
}

// plainText returns the text/plain content of a body with the given
// Content-Type and Content-Transfer-Encoding, looking into multipart
// bodies.
func plainText(contentType, encoding string, body io.Reader) (string, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mediaType, err = "text/plain", nil
	}
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable itself
			if errors.Is(err, io.EOF) {
				return "", nil
			}
			if err != nil {
				return "", err
			}
			text, err := plainText(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err == nil && text != "" {
				return text, nil
			}
		}
	}
	if mediaType != "text/plain" {
		return "", nil
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line ends
	}
	b, err := io.ReadAll(body)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}

// randomToken returns 128 random bits, base64url.
func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// discardLogger silences go-smtp's log of connection errors.
type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

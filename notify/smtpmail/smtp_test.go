package smtpmail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/notify/smtpmail"
	"github.com/numberdesk/numberdesk/staff"
)

// smtpStage is the SMTP command at which a scripted fault strikes.
type smtpStage string

const (
	stageEHLO smtpStage = "ehlo" // the greeting exchange (EHLO, then HELO)
	stageMail smtpStage = "mail" // MAIL FROM
	stageRcpt smtpStage = "rcpt" // RCPT TO
	stageData smtpStage = "data" // the end of DATA
	// stageAccepted strikes after the server answered 250 to DATA.
	stageAccepted smtpStage = "accepted"
)

// smtpFault scripts how the test server answers one attempt (connection).
type smtpFault struct {
	Stage smtpStage
	Code  int  // reply with this code
	Drop  bool // close the connection instead of replying
	Hang  bool // never reply (until the test ends)
}

func (f *smtpFault) at(stage smtpStage) bool { return f != nil && f.Stage == stage }

// smtpMessage is a message the test server accepted.
type smtpMessage struct {
	From string
	To   []string
	Raw  []byte
	TLS  bool // received over TLS
}

// smtpServer is a real SMTP server (github.com/emersion/go-smtp) running
// in-process on 127.0.0.1 without TLS. It records the messages it accepts
// and answers as its script says.
type smtpServer struct {
	Host string
	Port int

	// script returns the fault for attempt (0-based connection count),
	// or nil to accept.
	script     func(attempt int) *smtpFault
	user, pass string // if set, AUTH PLAIN is required
	hang       chan struct{}
	// hung is closed when the first session starts to hang, so a test
	// can act on "the server is now hanging" instead of guessing a delay.
	hung     chan struct{}
	hungOnce sync.Once

	mu       sync.Mutex
	conns    map[*smtp.Conn]int
	received []smtpMessage
}

// newSMTPServer starts a server answering per script (nil: always accept).
func newSMTPServer(t *testing.T, script func(attempt int) *smtpFault) *smtpServer {
	return startSMTPServer(t, script, nil, false)
}

// startSMTPServer starts a server. With tlsConfig it offers STARTTLS, or
// speaks TLS from the start if implicit.
func startSMTPServer(t *testing.T, script func(attempt int) *smtpFault, tlsConfig *tls.Config, implicit bool) *smtpServer {
	t.Helper()
	s := &smtpServer{script: script, conns: map[*smtp.Conn]int{}, hang: make(chan struct{}), hung: make(chan struct{})}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	// No Read/WriteTimeout: a busy machine must make a session slower, not
	// end it. The cleanup below closes every connection.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().(*net.TCPAddr)
	if implicit {
		l = tls.NewListener(l, tlsConfig)
	} else {
		srv.TLSConfig = tlsConfig
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	t.Cleanup(func() { close(s.hang) }) // runs first: releases hanging sessions
	s.Host, s.Port = addr.IP.String(), addr.Port
	return s
}

// NewSession implements smtp.Backend. It is called at EHLO and, if that
// fails, again at HELO on the same connection.
func (s *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	attempt, ok := s.conns[c]
	if !ok {
		attempt = len(s.conns)
		s.conns[c] = attempt
	}
	s.mu.Unlock()
	var fault *smtpFault
	if s.script != nil {
		fault = s.script(attempt)
	}
	sess := &smtpSession{srv: s, conn: c, fault: fault}
	if err := sess.fail(stageEHLO); err != nil {
		return nil, err
	}
	return sess, nil
}

// Attempts returns how many connections reached EHLO.
func (s *smtpServer) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Received returns the accepted messages.
func (s *smtpServer) Received() []smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage(nil), s.received...)
}

// Config returns an SMTPConfig for the server.
func (s *smtpServer) Config() smtpmail.Config {
	return smtpmail.Config{
		Host: s.Host, Port: s.Port,
		From: "zentrale@numberdesk.example", FromName: "NumberDesk Telefonanlage",
		TLS: smtpmail.TLSNone, Timeout: patient, HeloName: "portal.numberdesk.example",
	}
}

// patient is the Config.Timeout of tests whose verdict must not depend on
// how busy the machine is: longer than any test run, so a slow machine
// makes a send slower, never a timeout. A test that relies on a timeout
// not firing hangs (and fails at the test binary's deadline) instead of
// passing wrongly.
const patient = 24 * time.Hour

type smtpSession struct {
	srv      *smtpServer
	conn     *smtp.Conn
	fault    *smtpFault
	authed   bool
	from     string
	to       []string
	accepted bool // a message was accepted on this connection
}

// fail applies the fault if it strikes at stage.
func (s *smtpSession) fail(stage smtpStage) error {
	if !s.fault.at(stage) {
		return nil
	}
	switch {
	case s.fault.Drop:
		_ = s.conn.Conn().Close()
		return errors.New("connection dropped")
	case s.fault.Hang:
		s.srv.hungOnce.Do(func() { close(s.srv.hung) })
		<-s.srv.hang
		return errors.New("hung up")
	}
	return &smtp.SMTPError{Code: s.fault.Code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: fmt.Sprintf("scripted %d", s.fault.Code)}
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	if err := s.fail(stageMail); err != nil {
		return err
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.fail(stageRcpt); err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.fail(stageData); err != nil {
		return err
	}
	s.srv.mu.Lock()
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.received = append(s.srv.received, smtpMessage{From: s.from, To: s.to, Raw: raw, TLS: isTLS})
	s.srv.mu.Unlock()
	s.accepted = true
	return nil
}

// Reset is called after the reply to DATA has been written, and on RSET.
func (s *smtpSession) Reset() {
	s.from, s.to = "", nil
	if s.accepted {
		_ = s.fail(stageAccepted)
	}
}

func (s *smtpSession) Logout() error { return nil }

// parsedMail is a received message with its MIME decoded.
type parsedMail struct {
	Header  mail.Header
	Subject string
	To      []*mail.Address
	From    []*mail.Address
	Text    string
	HTML    string
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	p := parsedMail{Header: m.Header}
	p.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	p.To, err = m.Header.AddressList("To")
	require.NoError(t, err)
	p.From, err = m.Header.AddressList("From")
	require.NoError(t, err)
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mediaType)
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		ct, ps, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		require.NoError(t, err)
		require.Equal(t, "utf-8", strings.ToLower(ps["charset"]))
		body, err := io.ReadAll(part)
		require.NoError(t, err)
		switch ct {
		case "text/plain":
			p.Text = string(body)
		case "text/html":
			p.HTML = string(body)
		default:
			t.Fatalf("unexpected part %s", ct)
		}
	}
	return p
}

// missedCall is a missed-call notification at 27.11.2026 14:05 in Berlin.
func missedCall() staff.Notification {
	return staff.Notification{
		Employee: numberdesk.NewStaffID(),
		To:       "juergen.mueller@kunde.example",
		Name:     "Jürgen Müller",
		Category: staff.CategoryMissedCall,
		Number:   "0221 123456-10",
		Caller:   "0171 2345678",
		At:       time.Date(2026, 11, 27, 13, 5, 0, 0, time.UTC),
	}
}

func notificationEvent(n staff.Notification) numberdesk.Event {
	e, err := numberdesk.NewEvent(staff.EventNotification, numberdesk.System(numberdesk.NewTenantID()), n.At, "", n)
	if err != nil {
		panic(err) // the tests' notifications have valid times
	}
	return e
}

func newNotifier(t *testing.T, cfg smtpmail.Config) *smtpmail.Notifier {
	t.Helper()
	n, err := smtpmail.New(cfg)
	require.NoError(t, err)
	return n
}

func TestSMTPMissedCallArrives(t *testing.T) {
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, srv.Config())
	e := notificationEvent(missedCall())

	require.NoError(t, n.Notify(context.Background(), e))

	got := srv.Received()
	require.Len(t, got, 1)
	require.Equal(t, "zentrale@numberdesk.example", got[0].From)
	require.Equal(t, []string{"juergen.mueller@kunde.example"}, got[0].To)
	require.False(t, got[0].TLS)
	require.NotContains(t, string(got[0].Raw), "Müller", "headers and body are encoded, not raw 8-bit")

	m := parseMail(t, got[0].Raw)
	require.Equal(t, []*mail.Address{{Name: "Jürgen Müller", Address: "juergen.mueller@kunde.example"}}, m.To)
	require.Equal(t, []*mail.Address{{Name: "NumberDesk Telefonanlage", Address: "zentrale@numberdesk.example"}}, m.From)
	require.Equal(t, "Verpasster Anruf auf 0221 123456-10", m.Subject)
	require.Equal(t, "<"+string(e.ID)+"@numberdesk.example>", m.Header.Get("Message-ID"))
	require.Equal(t, n.MessageID(e.ID), strings.Trim(m.Header.Get("Message-ID"), "<>"))
	require.Equal(t, string(e.ID), m.Header.Get(smtpmail.EventHeader))
	require.Equal(t, "auto-generated", m.Header.Get("Auto-Submitted"))
	_, err := m.Header.Date()
	require.NoError(t, err)

	require.Contains(t, m.Text, "Guten Tag Jürgen Müller,")
	require.Contains(t, m.Text, "am 27.11.2026, 14:05 Uhr auf Ihrer Rufnummer 0221 123456-10 einen Anruf von 0171 2345678 verpasst.")
	require.Contains(t, m.Text, "Sie können diese Benachrichtigungen in Ihrem Profil abbestellen.")
	require.Contains(t, m.HTML, "<p>Guten Tag Jürgen Müller,</p>")
	require.Contains(t, m.HTML, "einen Anruf von 0171 2345678 verpasst.")
	require.Contains(t, m.HTML, "Sie können diese Benachrichtigungen in Ihrem Profil abbestellen.")
}

func TestSMTPAnonymousCallerAndLocation(t *testing.T) {
	srv := newSMTPServer(t, nil)
	cfg := srv.Config()
	cfg.Location = time.UTC
	n := newNotifier(t, cfg)
	nt := missedCall()
	nt.Caller = ""
	require.NoError(t, n.Notify(context.Background(), notificationEvent(nt)))

	got := srv.Received()
	require.Len(t, got, 1)
	m := parseMail(t, got[0].Raw)
	require.Contains(t, m.Text, "am 27.11.2026, 13:05 Uhr auf Ihrer Rufnummer 0221 123456-10 einen Anruf von einer unterdrückten Rufnummer verpasst.")
}

func TestSMTPCategories(t *testing.T) {
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, srv.Config())
	base := missedCall()
	fax, voicemail, other := base, base, base
	fax.Category, fax.Pages = staff.CategoryFax, 3
	voicemail.Category, voicemail.Duration = staff.CategoryVoicemail, 85*time.Second
	other.Category, other.Number, other.Text = staff.CategoryOther, "", "Ihre Rufnummer wird am 01.12.2026 abgeschaltet."

	for _, nt := range []staff.Notification{fax, voicemail, other} {
		require.NoError(t, n.Notify(context.Background(), notificationEvent(nt)))
	}
	got := srv.Received()
	require.Len(t, got, 3)
	m := parseMail(t, got[0].Raw)
	require.Equal(t, "Neues Fax auf 0221 123456-10", m.Subject)
	require.Contains(t, m.Text, "ein Fax von 0171 2345678 mit 3 Seiten erhalten.")
	m = parseMail(t, got[1].Raw)
	require.Equal(t, "Neue Sprachnachricht auf 0221 123456-10", m.Subject)
	require.Contains(t, m.Text, "Die Nachricht ist 1 Minute und 25 Sekunden lang.")
	m = parseMail(t, got[2].Raw)
	require.Equal(t, "Mitteilung", m.Subject)
	require.Contains(t, m.Text, "Ihre Rufnummer wird am 01.12.2026 abgeschaltet.")
}

func TestSMTPIgnoresOtherEventTypes(t *testing.T) {
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, srv.Config())
	actor := numberdesk.System(numberdesk.NewTenantID())
	for _, typ := range []numberdesk.EventType{"number.activated", "staff.created", "routing.changed", ""} {
		e, err := numberdesk.NewEvent(typ, actor, time.Now(), "", missedCall())
		require.NoError(t, err)
		require.NoError(t, n.Notify(context.Background(), e), typ)
	}
	require.Zero(t, srv.Attempts(), "no connection for events of other types")
	require.Empty(t, srv.Received())
}

func TestSMTPUndeliverableEventIsPermanent(t *testing.T) {
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, srv.Config())
	actor := numberdesk.System(numberdesk.NewTenantID())

	noData := numberdesk.Event{ID: numberdesk.NewEventID(), Tenant: actor.Tenant, Type: staff.EventNotification}
	badData := noData
	badData.Data = []byte(`{"to": 42}`)
	noTo := missedCall()
	noTo.To = ""
	badTo := missedCall()
	badTo.To = "kein-postfach"
	unknown := missedCall()
	unknown.Category = "sms"
	emptyOther := missedCall()
	emptyOther.Category, emptyOther.Text = staff.CategoryOther, " \n "

	cases := []struct {
		name  string
		e     numberdesk.Event
		field string
	}{
		{"no data", noData, "data"},
		{"malformed data", badData, "data"},
		{"no recipient", notificationEvent(noTo), "to"},
		{"invalid recipient", notificationEvent(badTo), "to"},
		{"unknown category", notificationEvent(unknown), "category"},
		{"other without text", notificationEvent(emptyOther), "text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := n.Notify(context.Background(), tc.e)
			require.Error(t, err)
			require.True(t, notify.IsPermanent(err), "%v", err)
			require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
			require.Equal(t, tc.field, numberdesk.ErrorField(err))
		})
	}
	require.Zero(t, srv.Attempts())
}

// TestSMTPTransientRepliesThenSuccess: 4xx three times, then 250. The
// dispatcher does the retrying; here Notify is just called again.
func TestSMTPTransientRepliesThenSuccess(t *testing.T) {
	for _, code := range []int{421, 451, 452} {
		for _, stage := range []smtpStage{stageEHLO, stageMail, stageRcpt, stageData} {
			t.Run(fmt.Sprintf("%d at %s", code, stage), func(t *testing.T) {
				srv := newSMTPServer(t, func(attempt int) *smtpFault {
					if attempt < 3 {
						return &smtpFault{Stage: stage, Code: code}
					}
					return nil
				})
				n := newNotifier(t, srv.Config())
				e := notificationEvent(missedCall())
				for i := range 3 {
					err := n.Notify(context.Background(), e)
					require.Error(t, err, "attempt %d", i+1)
					require.False(t, notify.IsPermanent(err), "attempt %d: %v", i+1, err)
					require.Equal(t, code, smtpmail.ReplyCode(err), "%v", err)
				}
				require.Empty(t, srv.Received())
				require.NoError(t, n.Notify(context.Background(), e))
				got := srv.Received()
				require.Len(t, got, 1)
				require.Equal(t, 4, srv.Attempts())
				require.Equal(t, "<"+n.MessageID(e.ID)+">", parseMail(t, got[0].Raw).Header.Get("Message-ID"))
			})
		}
	}
}

func TestSMTPPermanentReplies(t *testing.T) {
	cases := []struct {
		stage smtpStage
		code  int
	}{
		{stageRcpt, 550}, {stageRcpt, 553}, {stageMail, 550}, {stageData, 554}, {stageData, 552}, {stageEHLO, 554},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d at %s", tc.code, tc.stage), func(t *testing.T) {
			srv := newSMTPServer(t, func(int) *smtpFault { return &smtpFault{Stage: tc.stage, Code: tc.code} })
			n := newNotifier(t, srv.Config())
			err := n.Notify(context.Background(), notificationEvent(missedCall()))
			require.Error(t, err)
			require.True(t, notify.IsPermanent(err), "%v", err)
			require.Equal(t, tc.code, smtpmail.ReplyCode(err))
			require.Equal(t, 1, srv.Attempts())
			require.Empty(t, srv.Received())
		})
	}
}

func TestSMTPDroppedConnectionIsTransient(t *testing.T) {
	for _, stage := range []smtpStage{stageEHLO, stageMail, stageRcpt, stageData} {
		t.Run(string(stage), func(t *testing.T) {
			srv := newSMTPServer(t, func(attempt int) *smtpFault {
				if attempt == 0 {
					return &smtpFault{Stage: stage, Drop: true}
				}
				return nil
			})
			n := newNotifier(t, srv.Config())
			e := notificationEvent(missedCall())
			err := n.Notify(context.Background(), e)
			require.Error(t, err)
			require.False(t, notify.IsPermanent(err), "%v", err)
			require.Zero(t, smtpmail.ReplyCode(err))
			require.NoError(t, n.Notify(context.Background(), e), "the retry goes through")
			require.Len(t, srv.Received(), 1)
		})
	}
	t.Run("before greeting", func(t *testing.T) {
		host, port := rawServer(t, func(c net.Conn) { _ = c.Close() })
		n := newNotifier(t, smtpmail.Config{Host: host, Port: port, From: "zentrale@numberdesk.example", TLS: smtpmail.TLSNone, Timeout: patient})
		err := n.Notify(context.Background(), notificationEvent(missedCall()))
		require.Error(t, err)
		require.False(t, notify.IsPermanent(err), "%v", err)
	})
	t.Run("nobody listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		require.NoError(t, l.Close())
		n := newNotifier(t, smtpmail.Config{Host: "127.0.0.1", Port: port, From: "zentrale@numberdesk.example", TLS: smtpmail.TLSNone, Timeout: patient})
		err = n.Notify(context.Background(), notificationEvent(missedCall()))
		require.Error(t, err)
		require.False(t, notify.IsPermanent(err), "%v", err)
	})
}

// TestSMTPDropAfterAcceptIsDelivered: once the server has answered 250 to
// DATA the mail is delivered, even if the connection breaks before QUIT.
func TestSMTPDropAfterAcceptIsDelivered(t *testing.T) {
	srv := newSMTPServer(t, func(int) *smtpFault { return &smtpFault{Stage: stageAccepted, Drop: true} })
	n := newNotifier(t, srv.Config())
	require.NoError(t, n.Notify(context.Background(), notificationEvent(missedCall())))
	require.Len(t, srv.Received(), 1)
}

// rawServer accepts TCP connections on 127.0.0.1 and hands each to handle.
func rawServer(t *testing.T, handle func(net.Conn)) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go handle(c)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "127.0.0.1", l.Addr().(*net.TCPAddr).Port
}

// TestSMTPContext: ctx bounds the whole send and Config.Timeout bounds each
// step. No verdict here depends on the machine's speed: where the old
// version compared elapsed time with a bound, the timeout that must not be
// the one that ends the send is [patient] (a day), so a send that ignored
// ctx would hang until the test binary's deadline instead of passing.
func TestSMTPContext(t *testing.T) {
	t.Run("cancelled before", func(t *testing.T) {
		srv := newSMTPServer(t, nil)
		n := newNotifier(t, srv.Config())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := n.Notify(ctx, notificationEvent(missedCall()))
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, notify.IsPermanent(err))
		require.Zero(t, srv.Attempts(), "no connection is made")
	})
	t.Run("server silent before greeting", func(t *testing.T) {
		accepted := make(chan struct{}, 1)
		host, port := rawServer(t, func(net.Conn) { // accepts, never speaks
			select {
			case accepted <- struct{}{}:
			default:
			}
		})
		n := newNotifier(t, smtpmail.Config{Host: host, Port: port, From: "zentrale@numberdesk.example", TLS: smtpmail.TLSNone, Timeout: patient})
		// The deadline is meant to expire: Notify must return because of
		// it, long before the day-long Config.Timeout.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err := n.Notify(ctx, notificationEvent(missedCall()))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.False(t, notify.IsPermanent(err))
		select {
		case <-accepted:
			t.Log("the deadline struck while waiting for the greeting")
		default:
			t.Log("the deadline struck before the connection was accepted (a busy machine)")
		}
	})
	t.Run("server hangs in DATA", func(t *testing.T) {
		srv := newSMTPServer(t, func(int) *smtpFault { return &smtpFault{Stage: stageData, Hang: true} })
		cfg := srv.Config() // Timeout: patient
		n := newNotifier(t, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-srv.hung // cancel once the server is hanging, not after a guessed delay
			cancel()
		}()
		err := n.Notify(ctx, notificationEvent(missedCall()))
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, notify.IsPermanent(err))
		require.Equal(t, 1, srv.Attempts())
		require.Empty(t, srv.Received())
	})
	t.Run("config timeout", func(t *testing.T) {
		host, port := rawServer(t, func(net.Conn) {})
		// The Timeout is meant to expire; ctx has no deadline, so only the
		// Timeout can end this send (without it, it hangs and the test fails).
		n := newNotifier(t, smtpmail.Config{Host: host, Port: port, From: "zentrale@numberdesk.example", TLS: smtpmail.TLSNone, Timeout: 200 * time.Millisecond})
		err := n.Notify(context.Background(), notificationEvent(missedCall()))
		require.Error(t, err)
		// The read deadline (i/o timeout) or, on a busy machine, the dial
		// deadline: both are the Timeout striking.
		var netErr net.Error
		require.ErrorAs(t, err, &netErr, "%v", err)
		require.True(t, netErr.Timeout(), "%v", err)
		require.False(t, notify.IsPermanent(err))
	})
}

func TestSMTPAuth(t *testing.T) {
	srv := newSMTPServer(t, nil)
	srv.user, srv.pass = "portal", "geheim"
	cfg := srv.Config()
	cfg.Username, cfg.Password = "portal", "geheim"
	require.NoError(t, newNotifier(t, cfg).Notify(context.Background(), notificationEvent(missedCall())))
	require.Len(t, srv.Received(), 1)

	cfg.Password = "falsch"
	err := newNotifier(t, cfg).Notify(context.Background(), notificationEvent(missedCall()))
	require.Error(t, err)
	require.Equal(t, 535, smtpmail.ReplyCode(err), "%v", err)
	require.True(t, notify.IsPermanent(err), "a 5xx is permanent: fix the configuration and re-queue")

	cfg.Username, cfg.Password = "", ""
	err = newNotifier(t, cfg).Notify(context.Background(), notificationEvent(missedCall()))
	require.Equal(t, 502, smtpmail.ReplyCode(err), "go-smtp answers 502 5.7.0 without AUTH: %v", err)
	require.True(t, notify.IsPermanent(err))
	require.Len(t, srv.Received(), 1)
}

func TestSMTPTLSMandatoryRefusesPlainServer(t *testing.T) {
	srv := newSMTPServer(t, nil)
	cfg := srv.Config()
	cfg.TLS = "" // TLSMandatory
	err := newNotifier(t, cfg).Notify(context.Background(), notificationEvent(missedCall()))
	require.Error(t, err, "the test server offers no STARTTLS")
	require.False(t, notify.IsPermanent(err))
	require.Empty(t, srv.Received())

	cfg.TLS = smtpmail.TLSOpportunistic
	require.NoError(t, newNotifier(t, cfg).Notify(context.Background(), notificationEvent(missedCall())))
	require.Len(t, srv.Received(), 1)
}

// testCertificate returns a self-signed certificate for 127.0.0.1 and a
// pool that trusts it.
func testCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "NumberDesk test SMTP"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestSMTPTLS(t *testing.T) {
	cert, pool := testCertificate(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	for _, tc := range []struct {
		mode     smtpmail.TLSMode
		implicit bool
	}{
		{smtpmail.TLSMandatory, false},
		{"", false},
		{smtpmail.TLSOpportunistic, false},
		{smtpmail.TLSImplicit, true},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			srv := startSMTPServer(t, nil, serverTLS, tc.implicit)
			srv.user, srv.pass = "portal", "geheim"
			cfg := srv.Config()
			cfg.TLS, cfg.TLSConfig = tc.mode, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
			cfg.Username, cfg.Password = "portal", "geheim"
			require.NoError(t, newNotifier(t, cfg).Notify(context.Background(), notificationEvent(missedCall())))
			require.Len(t, srv.Received(), 1)
			require.True(t, srv.Received()[0].TLS)

			cfg.TLSConfig = nil // the self-signed certificate is not trusted
			err := newNotifier(t, cfg).Notify(context.Background(), notificationEvent(missedCall()))
			require.Error(t, err)
			require.False(t, notify.IsPermanent(err), "%v", err)
			require.Len(t, srv.Received(), 1)
		})
	}
}

func TestSMTPHeaderInjection(t *testing.T) {
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, srv.Config())
	nt := missedCall()
	nt.Name = "Max Mustermann\r\nBcc: evil@example.com"
	nt.Number = "0221 123456-10\r\nX-Injected: number"
	nt.Caller = "0171 2345678\nX-Injected: caller"
	require.NoError(t, n.Notify(context.Background(), notificationEvent(nt)))

	got := srv.Received()
	require.Len(t, got, 1)
	require.Equal(t, []string{"juergen.mueller@kunde.example"}, got[0].To, "no extra recipient")
	m := parseMail(t, got[0].Raw)
	require.Empty(t, m.Header.Get("Bcc"))
	require.Empty(t, m.Header.Get("X-Injected"))
	head, _, _ := bytes.Cut(got[0].Raw, []byte("\r\n\r\n"))
	for line := range strings.SplitSeq(string(head), "\r\n") {
		require.False(t, strings.HasPrefix(strings.ToLower(line), "bcc:"), line)
		require.False(t, strings.HasPrefix(strings.ToLower(line), "x-injected:"), line)
	}
	require.Len(t, m.To, 1)
	require.Equal(t, "Max Mustermann Bcc: evil@example.com", m.To[0].Name)
	require.Equal(t, "Verpasster Anruf auf 0221 123456-10 X-Injected: number", m.Subject)
	require.Contains(t, m.Text, "von 0171 2345678 X-Injected: caller verpasst.")

	t.Run("recipient", func(t *testing.T) {
		bad := missedCall()
		bad.To = "juergen.mueller@kunde.example\r\nBcc: evil@example.com"
		err := n.Notify(context.Background(), notificationEvent(bad))
		require.True(t, notify.IsPermanent(err))
		require.Equal(t, "to", numberdesk.ErrorField(err))
	})
	t.Run("event id", func(t *testing.T) {
		e := notificationEvent(missedCall())
		e.ID = "abc\r\nBcc: evil@example.com"
		err := n.Notify(context.Background(), e)
		require.True(t, notify.IsPermanent(err))
		require.Equal(t, "id", numberdesk.ErrorField(err))
	})
	require.Len(t, srv.Received(), 1)
}

func TestSMTPHTMLIsEscaped(t *testing.T) {
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, srv.Config())
	nt := missedCall()
	nt.Name = `<script>alert("x")</script>`
	require.NoError(t, n.Notify(context.Background(), notificationEvent(nt)))
	m := parseMail(t, srv.Received()[0].Raw)
	require.NotContains(t, m.HTML, "<script>")
	require.Contains(t, m.HTML, "&lt;script&gt;")
	require.Contains(t, m.Text, `Guten Tag <script>alert("x")</script>,`, "plain text stays literal")
}

// TestSMTPRedeliveryKeepsMessageID: at-least-once delivery may send an
// event twice; both mails carry the same Message-ID.
func TestSMTPRedeliveryKeepsMessageID(t *testing.T) {
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, srv.Config())
	e := notificationEvent(missedCall())
	require.NoError(t, n.Notify(context.Background(), e))
	require.NoError(t, n.Notify(context.Background(), e))
	got := srv.Received()
	require.Len(t, got, 2)
	id0 := parseMail(t, got[0].Raw).Header.Get("Message-ID")
	require.Equal(t, id0, parseMail(t, got[1].Raw).Header.Get("Message-ID"))
}

func TestSMTPConcurrent(t *testing.T) {
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, srv.Config())
	const count = 24
	var wg sync.WaitGroup
	errs := make(chan error, count)
	for range count {
		wg.Go(func() { errs <- n.Notify(context.Background(), notificationEvent(missedCall())) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got := srv.Received()
	require.Len(t, got, count)
	ids := map[string]bool{}
	for _, m := range got {
		ids[parseMail(t, m.Raw).Header.Get(smtpmail.EventHeader)] = true
	}
	require.Len(t, ids, count)
}

func TestNewSMTPInvalidConfig(t *testing.T) {
	valid := smtpmail.Config{Host: "smtp.numberdesk.example", Port: 587, From: "zentrale@numberdesk.example"}
	_, err := smtpmail.New(valid)
	require.NoError(t, err)

	cases := []struct {
		field string
		edit  func(*smtpmail.Config)
	}{
		{"Host", func(c *smtpmail.Config) { c.Host = "" }},
		{"Host", func(c *smtpmail.Config) { c.Host = "smtp server!" }},
		{"Port", func(c *smtpmail.Config) { c.Port = 0 }},
		{"Port", func(c *smtpmail.Config) { c.Port = 65536 }},
		{"Port", func(c *smtpmail.Config) { c.Port = -25 }},
		{"From", func(c *smtpmail.Config) { c.From = "" }},
		{"From", func(c *smtpmail.Config) { c.From = "zentrale" }},
		{"From", func(c *smtpmail.Config) { c.From = "zentrale@numberdesk.example\r\nBcc: evil@example.com" }},
		{"FromName", func(c *smtpmail.Config) { c.FromName = "NumberDesk\r\nBcc: evil@example.com" }},
		{"Password", func(c *smtpmail.Config) { c.Username = "portal" }},
		{"Username", func(c *smtpmail.Config) { c.Password = "geheim" }},
		{"TLS", func(c *smtpmail.Config) { c.TLS = "sometimes" }},
		{"Timeout", func(c *smtpmail.Config) { c.Timeout = -time.Second }},
		{"HeloName", func(c *smtpmail.Config) { c.HeloName = "bad name\r\n" }},
	}
	for _, tc := range cases {
		cfg := valid
		tc.edit(&cfg)
		_, err := smtpmail.New(cfg)
		require.Error(t, err, "%+v", cfg)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%v", err)
		require.Equal(t, tc.field, numberdesk.ErrorField(err), "%v", err)
		require.ErrorIs(t, err, numberdesk.ErrInvalid)
		require.NotEmpty(t, numberdesk.ErrorMessage(err))
	}

	for _, mode := range []smtpmail.TLSMode{"", smtpmail.TLSMandatory, smtpmail.TLSOpportunistic, smtpmail.TLSImplicit, smtpmail.TLSNone} {
		cfg := valid
		cfg.TLS = mode
		_, err := smtpmail.New(cfg)
		require.NoError(t, err, mode)
	}
	cfg := valid
	cfg.Host = "192.0.2.25"
	_, err = smtpmail.New(cfg)
	require.NoError(t, err, "an IP address is a valid host")
}

func TestSMTPReplyCode(t *testing.T) {
	require.Zero(t, smtpmail.ReplyCode(nil))
	require.Zero(t, smtpmail.ReplyCode(errors.New("550 looks like a code but is not a reply")))
}

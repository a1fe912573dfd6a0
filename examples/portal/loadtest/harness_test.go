package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk/internal/testdb"
	"github.com/numberdesk/numberdesk/notify/smtpmail"
)

// portalPkg is the command the test builds and runs.
const portalPkg = "github.com/numberdesk/numberdesk/examples/portal"

// postgresSchema is testdb.PostgresSchema.
func postgresSchema(t *testing.T) string { return testdb.PostgresSchema(t) }

// buildPortal builds the portal's server binary (native, not
// race-instrumented) into dir and returns its path.
func buildPortal(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "portal")
	cmd := exec.Command("go", "build", "-o", out, portalPkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", portalPkg, err, b)
	}
	return out
}

// webDir writes the static files the portal's handler requires (it checks
// that they exist; no browser loads them here) with a stand-in app.wasm.
func webDir(t *testing.T, dir string) string {
	t.Helper()
	web := filepath.Join(dir, "web")
	require.NoError(t, os.Mkdir(web, 0o755))
	files := map[string]string{
		"icon-192.png":      "png192",
		"icon-512.png":      "png512",
		"icon-maskable.png": "pngmask",
		"icon.svg":          "<svg/>",
		"portal.css":        "body{}",
		"app.wasm":          "\x00asm\x01\x00\x00\x00 NumberDesk load test",
	}
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(web, name), []byte(content), 0o644))
	}
	return web
}

// portal is one server process of the portal binary, started (and started
// again) with the same flags.
type portal struct {
	name string
	bin  string
	dir  string // working directory and logs
	args []string
	// addr is the -addr flag: 127.0.0.1:0 for the first start, then the
	// port the process printed, so that a restarted process serves at the
	// same address (Go's listener sets SO_REUSEADDR: connections of the
	// killed process in TIME_WAIT do not block it).
	addr string
	// base is http://127.0.0.1:port, set once the first start printed it
	// (before any client exists; never written again).
	base string

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{} // closed when cmd has exited
	err    error         // cmd.Wait's error, once done
	starts int
	stdout *lockedBuffer
	log    *os.File
}

func newPortal(t *testing.T, name, bin, dir string, args ...string) *portal {
	t.Helper()
	p := &portal{name: name, bin: bin, dir: dir, addr: "127.0.0.1:0", args: args}
	t.Cleanup(func() { // before the schema is dropped (cleanups run last first)
		p.mu.Lock()
		cmd, done := p.cmd, p.done
		p.mu.Unlock()
		if cmd != nil {
			select {
			case <-done:
			default:
				_ = cmd.Process.Kill()
				<-done
			}
		}
		if p.log != nil {
			_ = p.log.Close()
		}
	})
	return p
}

// start starts the process (once more); its stdout and stderr go to
// <dir>/<name>.log, stdout also to a buffer for the address line.
func (p *portal) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.log == nil {
		f, err := os.Create(filepath.Join(p.dir, p.name+".log"))
		if err != nil {
			return err
		}
		p.log = f
	}
	p.starts++
	args := append([]string{"-addr", p.addr}, p.args...)
	fmt.Fprintf(p.log, "==== start %d: %s %s\n", p.starts, p.bin, strings.Join(redactArgs(args), " "))
	p.stdout = &lockedBuffer{}
	cmd := exec.Command(p.bin, args...)
	cmd.Dir = p.dir
	cmd.Stdout = io.MultiWriter(p.stdout, p.log)
	cmd.Stderr = p.log
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", p.name, err)
	}
	p.cmd, p.done, p.err = cmd, make(chan struct{}), nil
	done := p.done
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// redactArgs hides the secret in the log's command line.
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	for i := range len(out) - 1 {
		if out[i] == "-secret" {
			out[i+1] = "…"
		}
	}
	return out
}

// exited reports whether the current process has exited, and how.
func (p *portal) exited() (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// addressLine is what the portal prints first: the address it serves.
var addressLine = regexp.MustCompile(`NumberDesk-Portal: (http://(127\.0\.0\.1:[0-9]+))/`)

// waitReady waits until the process printed its address and answers
// GET /api/v1/openapi.yaml, within the deadline. After the first start it
// keeps the address for the restarts; a restarted process must print the
// same.
func (p *portal) waitReady(ctx context.Context) error {
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if done, err := p.exited(); done {
			return fmt.Errorf("%s exited while starting: %v", p.name, err)
		}
		p.mu.Lock()
		m := addressLine.FindStringSubmatch(p.stdout.String())
		printed := m != nil
		if printed && p.addr == "127.0.0.1:0" {
			p.base, p.addr = m[1], m[2]
		}
		base := p.base
		p.mu.Unlock()
		if printed && m[1] != base {
			return fmt.Errorf("%s restarted at %s, not at %s", p.name, m[1], base)
		}
		if printed {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/openapi.yaml", nil)
			if res, err := c.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready when the test ended (address printed: %v)", p.name, printed)
		case <-tick.C:
		}
	}
}

// kill ends the process with SIGKILL and waits for it.
func (p *portal) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	_ = cmd.Process.Kill()
	<-done
}

// stop ends the process with SIGTERM (a graceful shutdown) and waits for
// it: no deadline, a slow machine makes it slower, never red (a shutdown
// that hangs is the test binary's -timeout).
func (p *portal) stop() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("%s: SIGTERM: %w", p.name, err)
	}
	<-done
	if _, err := p.exited(); err != nil {
		return fmt.Errorf("%s ended with %v after SIGTERM", p.name, err)
	}
	return nil
}

// logTail returns the last n lines of the process's log.
func (p *portal) logTail(n int) string {
	b, err := os.ReadFile(filepath.Join(p.dir, p.name+".log"))
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logCount counts the lines of the process's log that contain s.
func (p *portal) logCount(s string) int {
	f, err := os.Open(filepath.Join(p.dir, p.name+".log"))
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			n++
		}
	}
	return n
}

// lockedBuffer is a bytes.Buffer safe for a writer and readers at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ---------------------------------------------------------------------------
// The SMTP sink

// sink is an SMTP server on 127.0.0.1 (go-smtp, no TLS, no login) that
// keeps, per event, how often a mail for it arrived: the portal's SMTP
// notifier names the event in the header X-NumberDesk-Event and derives the
// Message-ID from it, so a repeated delivery (at least once) is recognised
// and de-duplicated here, as a recipient would.
type sink struct {
	srv    *smtp.Server
	addr   *net.TCPAddr
	served chan struct{}

	mu     sync.Mutex
	byID   map[string]int // X-NumberDesk-Event (or Message-ID) → mails received
	total  int
	broken []string // mails without an event header
}

func newSink(t *testing.T) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &sink{addr: ln.Addr().(*net.TCPAddr), served: make(chan struct{}), byID: map[string]int{}}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.MaxRecipients = 10
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.ErrorLog = discardLogger{}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = s.srv.Close()
		<-s.served
	})
	return s
}

// url is the portal's -smtp flag for the sink: plain SMTP on its port,
// without TLS (loopback) and without a login.
func (s *sink) url() string {
	return fmt.Sprintf("smtp://%s:%d?tls=none&from=noreply@numberdesk.example", s.addr.IP, s.addr.Port)
}

// counts returns a copy of the mails received per event, their total and
// the mails that named no event.
func (s *sink) counts() (map[string]int, int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int, len(s.byID))
	for k, v := range s.byID {
		m[k] = v
	}
	return m, s.total, append([]string(nil), s.broken...)
}

type sinkSession struct{ sink *sink }

func (*sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (*sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (*sinkSession) Reset()                               {}
func (*sinkSession) Logout() error                        { return nil }

func (c *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unreadable message"}
	}
	id := msg.Header.Get(smtpmail.EventHeader)
	mid := strings.Trim(msg.Header.Get("Message-ID"), "<> ")
	s := c.sink
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	if id == "" {
		s.broken = append(s.broken, mid)
		return nil
	}
	if evID, _, _ := strings.Cut(mid, "@"); evID != id {
		s.broken = append(s.broken, fmt.Sprintf("Message-ID %q does not name the event %s", mid, id))
	}
	s.byID[id]++
	return nil
}

// discardLogger silences go-smtp's log of connection errors.
type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// errTransport marks a request that got no HTTP response.
var errTransport = errors.New("transport error")

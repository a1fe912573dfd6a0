package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx": -db postgres://…
	_ "modernc.org/sqlite"             // driver "sqlite": the default database

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/background"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/notify/smtpmail"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/wasm"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// DefaultDB is the SQLite file of an AppConfig without DB, in the working
// directory.
const DefaultDB = "numberdesk-demo.db"

// PostgresPool is how many connections one portal process keeps to
// PostgreSQL at most (and idle): two processes under the load test's 50
// clients stay well below PostgreSQL's default max_connections of 100.
const PostgresPool = 16

// mailsPath is the mail sink's page.
const mailsPath = "/mails"

// DefaultMaxMails is how many mails the mail sink keeps by default.
const DefaultMaxMails = 200

// AppConfig configures NewApp.
type AppConfig struct {
	// Config is the PWA's: Web, Wasm and Version (see New).
	Config

	// BrowserOnly serves the PWA alone, as New does: the rules run in the
	// browser on the in-memory store, persisted in localStorage (static
	// hosting). No database, no API, no background work; every other
	// field but Config is ignored.
	BrowserOnly bool

	// DB names the database: "" is the SQLite file DefaultDB in the
	// working directory, "sqlite:PATH" a SQLite file (created with its
	// directory if missing), "postgres://…" or "postgresql://…" a
	// PostgreSQL database (pgx). NewApp migrates it.
	DB string

	// SMTP names the mail server that delivers the notifications:
	// "smtp://[user[:password]@]host[:port][?from=…&name=…&tls=…]" (port
	// 587 and STARTTLS by default; tls is mandatory, opportunistic, none or
	// implicit) or "smtps://…" (TLS from the first byte, port 465). From
	// defaults to DefaultFrom. Empty: in demo mode the mail sink
	// (GET /mails); otherwise this process delivers nothing and another
	// node's dispatcher must.
	SMTP string

	// Demo is the demo mode: on first start the database gets the demo
	// tenant (package wasm/demo, SeedStore), the login page lists its
	// accounts and logs in as any of them, the mail sink runs (without
	// SMTP), and a missing Secret is generated and kept in SecretFile.
	Demo bool

	// Secret is the server's secret, at least MinSecret characters: the
	// keys that sign quote tokens and overview cursors
	// (numbers.Config.QuoteKey) and seal E-Fax-App passwords until their
	// delivery (efax.Config.SealKey) are derived from it. Every process
	// that serves the same database needs the same Secret. Required
	// outside demo mode.
	Secret string

	// SecretFile keeps the generated Secret in demo mode, so that a
	// restart and every process on this machine use the same one: the
	// first process creates it (atomically; mode 0600), the others read
	// it. Empty: beside the SQLite file, its name ending in ".secret"
	// (numberdesk-demo.secret), or numberdesk-demo.secret in the working
	// directory for PostgreSQL.
	SecretFile string

	// MaxMails is how many mails the mail sink keeps (the newest); 0 means
	// DefaultMaxMails.
	MaxMails int

	// Logger receives the server's log, the services' lines included
	// (one per command, at Debug on success); nil is slog.Default().
	Logger *slog.Logger
	// Metrics is the address of a separate listener that serves the
	// metrics (package otel: commands, their duration, the outbox's
	// deliveries, lag and backlog, E-Fax-App lockouts) in the Prometheus
	// text format at MetricsPath, e.g. "127.0.0.1:9464"; keep it off the
	// public network. Empty: no metrics, no listener (the default).
	Metrics string
}

// App is the portal in server mode: the PWA, the HTTP API under
// /api/v1/ on a database, the login page and, in demo mode, the mail sink.
// Run runs its background work; Close releases the database.
type App struct {
	log     *slog.Logger
	handler http.Handler

	// Server mode only (nil with BrowserOnly):
	db       *sql.DB
	st       *sqlstore.Store
	nums     *numbers.Service
	people   *staff.Service
	fax      *efax.Service
	sessions *httpapi.Sessions
	mailer   notify.Notifier // nil: no deliveries from this process
	sink     *MailSink       // demo mode without SMTP
	metrics  *metrics        // nil without AppConfig.Metrics
	demo     bool
	closed   sync.Once
	// noticeIntro opens the confirmation of a deactivation (the brand's
	// Mail.DeactivationIntro; "" none).
	noticeIntro string
	// product is the brand's product name, for the server's pages.
	product string
}

// NewApp opens (and migrates) the database, seeds the demo tenant on the
// first start in demo mode, wires the SDK's services and builds the
// handler. It logs what it did and where the secret came from. The caller
// runs Run (the background work) and calls Close at the end.
func NewApp(ctx context.Context, cfg AppConfig) (_ *App, err error) {
	a := &App{log: cfg.Logger, demo: cfg.Demo, product: cfg.brand().Product}
	if a.log == nil {
		a.log = slog.Default()
	}
	if !cfg.BrowserOnly {
		// The PWA works on the API; in demo mode it links the mail sink.
		cfg.Env = maps.Clone(cfg.Env)
		if cfg.Env == nil {
			cfg.Env = map[string]string{}
		}
		cfg.Env[wasm.EnvAPI] = httpapi.Prefix
		if cfg.SMTP == "" && cfg.Demo {
			cfg.Env[wasm.EnvMails] = mailsPath
		}
	}
	pwa, err := New(cfg.Config)
	if err != nil {
		return nil, err
	}
	if cfg.BrowserOnly {
		a.handler = pwa
		return a, nil
	}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	switch {
	case cfg.SMTP != "":
		smtpCfg, err := ParseSMTP(cfg.SMTP)
		if err != nil {
			return nil, err
		}
		brandMail(cfg.brand())(&smtpCfg)
		if a.mailer, err = smtpmail.New(smtpCfg); err != nil {
			return nil, fmt.Errorf("server: -smtp: %w", err)
		}
		a.log.Info("portal: notifications go by mail", "host", smtpCfg.Host, "port", smtpCfg.Port, "from", smtpCfg.From)
	case cfg.Demo:
		if a.sink, err = NewMailSink(cfg.MaxMails); err != nil {
			return nil, err
		}
		if a.mailer, err = a.sink.Notifier(brandMail(cfg.brand())); err != nil {
			return nil, err
		}
		a.log.Info("portal: notifications go to the mail sink at /mails (demo mode)")
	default:
		a.log.Warn("portal: no -smtp: this process delivers no notifications; another node's dispatcher must")
	}

	sqlitePath, err := a.open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	secret, err := a.secret(cfg, sqlitePath)
	if err != nil {
		return nil, err
	}
	quoteKey, sealKey := deriveKeys(secret)
	// The services' store: with metrics, one that traces every call.
	var st store.Store = a.st
	var observer numberdesk.Observer
	if cfg.Metrics != "" {
		if a.metrics, err = startMetrics(cfg.Metrics, a.backlog); err != nil {
			return nil, err
		}
		st, observer = a.metrics.tel.Store(a.st), a.metrics.tel
		a.log.Info("portal: metrics", "url", "http://"+a.MetricsAddr()+MetricsPath)
	}
	// The consent the SDK records is the wording of the brand's button.
	a.noticeIntro = cfg.brand().Mail.DeactivationIntro
	if a.nums, err = numbers.NewService(numbers.Config{Store: st, QuoteKey: quoteKey, Logger: a.log, Observer: observer,
		ConsentLabel: cfg.brand().Consent}); err != nil {
		return nil, err
	}
	a.people = staff.NewService(staff.Config{Store: st, Numbers: a.nums, Logger: a.log, Observer: observer})
	if a.fax, err = efax.New(efax.Config{Store: st, SealKey: sealKey, Logger: a.log, Observer: observer}); err != nil {
		return nil, err
	}

	if cfg.Demo {
		s, err := demo.SeedStore(ctx, a.st, demo.Config{})
		if err != nil {
			return nil, fmt.Errorf("server: seeding the demo tenant: %w", err)
		}
		if s.Created {
			a.log.Info("portal: demo tenant seeded", "tenant", s.Tenant.ID, "name", s.Tenant.Name, "employees", len(s.Employees))
		} else {
			a.log.Info("portal: demo tenant found", "tenant", s.Tenant.ID, "name", s.Tenant.Name)
		}
	}

	a.sessions = &httpapi.Sessions{Store: a.st}
	api, err := httpapi.New(httpapi.Config{
		Store: st, Numbers: a.nums, Staff: a.people, Efax: a.fax,
		Auth: a.sessions, Sessions: a.sessions, Log: a.log,
	})
	if err != nil {
		return nil, err
	}
	a.handler = a.routes(api, pwa)
	return a, nil
}

// routes is the server mode's handler: the API and the login behind
// http.CrossOriginProtection (cookie sessions), the pages, then the PWA.
func (a *App) routes(api, pwa http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	mux := http.NewServeMux()
	mux.Handle(httpapi.Prefix, csrf.Handler(api))
	mux.HandleFunc("GET /login", a.loginPage)
	mux.Handle("POST /login", csrf.Handler(http.HandlerFunc(a.login)))
	mux.Handle("POST /logout", csrf.Handler(http.HandlerFunc(a.logout)))
	if a.sink != nil {
		mux.HandleFunc("GET "+mailsPath, a.mailsPage)
	}
	mux.Handle("/", pwa)
	return withSecurityHeaders(mux)
}

// withSecurityHeaders sets the headers of SecurityHeaders on every
// response (the PWA's handler sets them too; the pages may narrow or
// widen the policy before they write).
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		for k, v := range securityHeaders {
			hdr.Set(k, v)
		}
		next.ServeHTTP(w, r)
	})
}

// Handler returns the App's http.Handler. Serve it with NewHTTPServer.
func (a *App) Handler() http.Handler { return a.handler }

// Run runs the background work (package background) until ctx is done:
// due deactivations of every tenant, the delivery of the outbox through
// the E-Fax-App's Notifier to the mail server or the mail sink, and the
// purge of idempotency records and expired sessions. It is safe on several
// nodes at once. Once ctx is done the work in progress finishes (within
// background.DefaultGrace) and Run returns. Call it once. In browser-only
// mode it waits for ctx.
func (a *App) Run(ctx context.Context) error {
	if a.st == nil {
		<-ctx.Done()
		return nil
	}
	var d *notify.Dispatcher
	if a.mailer != nil {
		var outbox notify.Outbox = a.st
		if a.metrics != nil {
			outbox = a.metrics.tel.Outbox(a.st)
		}
		d = &notify.Dispatcher{Outbox: outbox, Notifier: a.fax.Notifier(deactivationNotices(a.st, a.mailer, a.noticeIntro))}
	}
	return background.Run(ctx, background.Config{
		Store: a.st, Numbers: a.nums, Dispatcher: d, Logger: a.log,
		Purges: []func(context.Context) (int, error){a.sessions.Purge},
	})
}

// Close stops the mail sink and closes the database. Call it after Run
// has returned and the HTTP server has shut down; calls after the first do
// nothing.
func (a *App) Close() {
	a.closed.Do(func() {
		if a.metrics != nil {
			a.metrics.close()
		}
		if a.sink != nil {
			a.sink.Close()
		}
		if a.st != nil {
			_ = a.st.Close()
		}
		if a.db != nil {
			_ = a.db.Close()
		}
	})
}

// open opens and migrates the database of dsn (AppConfig.DB) and returns
// the path of the SQLite file ("" for PostgreSQL).
func (a *App) open(ctx context.Context, dsn string) (sqlitePath string, err error) {
	var dialect sqlstore.Dialect
	switch {
	case dsn == "":
		sqlitePath = DefaultDB
	case strings.HasPrefix(dsn, "sqlite:"):
		sqlitePath = strings.TrimPrefix(dsn, "sqlite:")
		if sqlitePath == "" {
			return "", errors.New("server: -db sqlite: names no file")
		}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		dialect = sqlstore.Postgres
	default:
		return "", errors.New(`server: -db must be empty (SQLite file ` + DefaultDB + `), "sqlite:PATH" or "postgres://…"`)
	}
	if sqlitePath != "" {
		dialect = sqlstore.SQLite
		if err := os.MkdirAll(filepath.Dir(sqlitePath), 0o755); err != nil {
			return "", fmt.Errorf("server: the directory of the database: %w", err)
		}
		a.db, err = sql.Open("sqlite", sqlstore.SQLiteDSN(sqlitePath))
		if err != nil {
			return "", err
		}
		a.db.SetMaxOpenConns(4) // as package sqlstore advises for SQLite
	} else {
		if a.db, err = sql.Open("pgx", dsn); err != nil {
			return "", err
		}
		// A bounded pool that keeps its connections: several nodes share
		// the server's max_connections, and a new connection prepares and
		// plans every statement again.
		a.db.SetMaxOpenConns(PostgresPool)
		a.db.SetMaxIdleConns(PostgresPool)
	}
	a.st = sqlstore.New(a.db, dialect)
	if err := a.st.Migrate(ctx); err != nil {
		return "", fmt.Errorf("server: migrating the %s database: %w", dialect, err)
	}
	if sqlitePath != "" {
		a.log.Info("portal: database", "sqlite", sqlitePath)
	} else {
		a.log.Info("portal: database", "postgres", redactDSN(dsn))
	}
	return sqlitePath, nil
}

//go:build !wasm

// Command portal serves the NumberDesk reference portal: a go-app PWA and,
// in server mode (the default), the SDK's HTTP API under /api/v1/ on a
// database, a login page, the background work (deliveries, due
// deactivations, purges) and, in demo mode, a mail sink.
//
// Build the client first, then serve it (`make demo` does both):
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o examples/portal/web/app.wasm ./examples/portal
//	go run ./examples/portal
//
// Server mode opens the SQLite file numberdesk-demo.db in the working
// directory (-db sqlite:PATH for another file, -db postgres://… for
// PostgreSQL), migrates it and, in demo mode (-demo, the default), seeds
// the demo tenant on the first start: http://127.0.0.1:8000/login lists its
// accounts. Without -smtp the notifications go to the mail sink at /mails
// (demo mode); -smtp smtp://user:password@host:587?from=… sends them. The
// keys of quote tokens and sealed E-Fax-App passwords derive from -secret
// (or NUMBERDESK_SECRET), which every process of one database must share;
// in demo mode a missing one is generated and kept beside the SQLite file.
// -brand names a vendor's brand file (package brand; two examples in
// examples/portal/brands): the portal then shows that vendor's product
// name, logo, colours, hotline, help and legal links and consent wording,
// and its mails carry the vendor's sender and signature. A brand whose
// colours fail the contrast of WCAG 2.2 AA stops the start with the
// measured ratio.
// -browser-only serves the PWA alone, which then runs the SDK's rules in
// the browser on the in-memory store, persisted in localStorage (static
// hosting; no database, no API).
//
// SIGINT or SIGTERM shut down gracefully: the server takes no new
// connections, the requests in flight finish, then the background work
// finishes what it has begun. A second signal ends the process at once.
//
// The same main compiles twice: with the wasm build tag (main_wasm.go) it is
// the client; without it (this file) it is the server, which also holds the
// flags.
package main

//go:generate go run ./internal/genicons -out web

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/numberdesk/numberdesk/brand"
	"github.com/numberdesk/numberdesk/examples/portal/server"
)

// shutdownGrace bounds how long the requests in flight may still run once
// a shutdown begins (the background work has its own grace).
const shutdownGrace = 30 * time.Second

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	web := flag.String("web", "examples/portal/web", "directory of the static files (icons, portal.css), served at /web/")
	wasmFile := flag.String("wasm", "", "the client-only app.wasm (default: <web>/app.wasm)")
	version := flag.String("version", "", "build version for the service worker (default: a hash of app.wasm and the static files)")
	db := flag.String("db", "", `database: "" is the SQLite file `+server.DefaultDB+` in the working directory, "sqlite:PATH" or "postgres://…"`)
	smtp := flag.String("smtp", "", `mail server for the notifications, "smtp://[user[:password]@]host[:port][?from=…&tls=…]" or "smtps://…" (default: the mail sink at /mails in demo mode)`)
	demoMode := flag.Bool("demo", true, "demo mode: seed the demo tenant on first start, list its accounts on /login, the mail sink, a generated secret")
	browserOnly := flag.Bool("browser-only", false, "serve only the PWA, which runs the rules in the browser on localStorage (static hosting: no database, no API)")
	secret := flag.String("secret", "", "the server's secret (at least 32 characters; default $"+server.SecretEnv+"), the same on every node of a database; required outside demo mode")
	brandFile := flag.String("brand", "", "the vendor's brand file (JSON, see package brand and examples/portal/brands): product name, logo, colours, hotline, help and legal links, consent wording, mail sender (default: NumberDesk's own)")
	metrics := flag.String("metrics", "", "address of a separate, non-public listener serving Prometheus metrics at "+server.MetricsPath+", e.g. 127.0.0.1:9464 (default: off)")
	flag.Parse()
	if *secret == "" {
		*secret = os.Getenv(server.SecretEnv)
	}
	var b *brand.Brand
	if *brandFile != "" {
		var err error
		// A brand that fails (e.g. colours below WCAG 2.2 AA contrast)
		// stops the start with its message.
		if b, err = brand.Load(*brandFile); err != nil {
			log.Fatalf("-brand %s: %v", *brandFile, err)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	cfg := server.AppConfig{
		Config:      server.Config{Web: *web, Wasm: *wasmFile, Version: *version, Brand: b},
		BrowserOnly: *browserOnly,
		DB:          *db,
		SMTP:        *smtp,
		Demo:        *demoMode,
		Secret:      *secret,
		Metrics:     *metrics,
	}
	if err := run(ctx, *addr, cfg); err != nil {
		log.Fatal(err)
	}
}

// run serves the portal on addr until ctx is done, then shuts down
// gracefully: first the HTTP server (the requests in flight finish), then
// the background work, then the database.
func run(ctx context.Context, addr string, cfg server.AppConfig) error {
	app, err := server.NewApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer app.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// Timeouts and a header limit.
	srv := server.NewHTTPServer(app.Handler())
	fmt.Printf("NumberDesk-Portal: http://%s/\n", ln.Addr())
	if !cfg.BrowserOnly {
		fmt.Printf("Anmeldung: http://%s/login\n", ln.Addr())
		if cfg.Demo && cfg.SMTP == "" {
			fmt.Printf("Versandte E-Mails: http://%s/mails\n", ln.Addr())
		}
		if m := app.MetricsAddr(); m != "" {
			fmt.Printf("Metriken: http://%s%s\n", m, server.MetricsPath)
		}
	}

	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	worked := make(chan error, 1)
	go func() { worked <- app.Run(work) }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		serveErr = srv.Shutdown(shutdown)
		if err := <-served; !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
			serveErr = err
		}
	}
	stopWork()
	return errors.Join(serveErr, <-worked)
}

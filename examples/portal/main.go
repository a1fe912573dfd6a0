//go:build !wasm

// Command portal serves the NumberDesk reference portal: a go-app PWA whose
// components (package wasm) run the SDK's rules in the browser on the
// in-memory store, persisted in localStorage (demo mode).
//
// Build the client first, then serve it (`make demo` does both):
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o examples/portal/web/app.wasm ./examples/portal
//	go run ./examples/portal
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

	"github.com/numberdesk/numberdesk/examples/portal/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "address to listen on")
	web := flag.String("web", "examples/portal/web", "directory of the static files (icons, portal.css), served at /web/")
	wasmFile := flag.String("wasm", "", "the client-only app.wasm (default: <web>/app.wasm)")
	version := flag.String("version", "", "build version for the service worker (default: a hash of app.wasm and the static files)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, server.Config{Web: *web, Wasm: *wasmFile, Version: *version}); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string, cfg server.Config) error {
	h, err := server.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// Timeouts and a header limit (the handler refuses request bodies).
	srv := server.NewHTTPServer(h)
	fmt.Printf("NumberDesk-Portal: http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			return err
		}
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

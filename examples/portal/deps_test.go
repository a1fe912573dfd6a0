package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// goListWasm lists the client build's packages with their imports.
func goListWasm(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		deps[f[0]] = f[1:]
	}
	return deps
}

// The client wasm (this program built with GOOS=js GOARCH=wasm, which
// selects main_wasm.go) carries no SQL, no mail client, no validator and no
// server code of ours, and it carries the zone database: the routing rules
// compute in Europe/Berlin, and the browser has no zoneinfo.
func TestClientWasmDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	deps := goListWasm(t)
	forbidden := []string{
		"database/sql", "net/smtp",
		"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/lib/pq", "github.com/mattn/go-sqlite3",
		"github.com/wneessen/go-mail", "github.com/emersion/go-smtp", "github.com/emersion/go-sasl",
		"github.com/go-playground/validator",
		"github.com/numberdesk/numberdesk/store/sqlstore", "github.com/numberdesk/numberdesk/notify/smtpmail",
		"github.com/numberdesk/numberdesk/notify/webhook",
		"github.com/numberdesk/numberdesk/examples/portal/server",
	}
	for d := range deps {
		for _, f := range forbidden {
			if d == f || (strings.HasPrefix(d, f+"/") && f != "database/sql") {
				t.Errorf("the client wasm depends on %s", d)
			}
		}
	}
	for _, want := range []string{"time/tzdata", "github.com/maxence-charriere/go-app/v10/pkg/app", "github.com/numberdesk/numberdesk/wasm"} {
		if _, ok := deps[want]; !ok {
			t.Errorf("the client wasm does not contain %s", want)
		}
	}

	// go-app v10.1.3's pkg/app imports net/http in every build (http.go,
	// resource.go: the server Handler has no build tag), so the package is
	// in the list. Nothing else may import it; that the linker keeps none of
	// it is checked on the binary in TestClientWasmLinksNoHTTP.
	var importers []string
	for p, imports := range deps {
		if slices.Contains(imports, "net/http") && !strings.HasPrefix(p, "net/http/") {
			importers = append(importers, p)
		}
	}
	if want := []string{"github.com/maxence-charriere/go-app/v10/pkg/app"}; len(importers) > 0 && !slices.Equal(importers, want) {
		slices.Sort(importers)
		t.Errorf("net/http is imported by %v; only go-app's pkg/app may (unavoidably)", importers)
	}
}

// The binary check behind TestClientWasmDeps: a build with function names
// (no -s) names no function of net/http but its package initializer, i.e.
// neither the HTTP server nor the client is linked. The naive single-main
// hello world (internal/sizereport/testdata/hello) links hundreds.
func TestClientWasmLinksNoHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm")
	}
	out := filepath.Join(t.TempDir(), "app.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(bin, []byte("time/tzdata.init")) {
		t.Error("the wasm does not link time/tzdata (or the name section is missing)")
	}
	re := regexp.MustCompile(`(?:net/http|database/sql|net/smtp)\.[A-Za-z0-9_.(*)\[\]]+`)
	seen := map[string]bool{}
	for _, m := range re.FindAll(bin, -1) {
		name := string(m)
		if strings.HasPrefix(name, "net/http.init") || seen[name] {
			continue
		}
		seen[name] = true
		t.Errorf("the client wasm links %s", name)
	}
}

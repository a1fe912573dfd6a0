package numberdesk_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The packages that run in the browser must not pull in what a js/wasm
// binary cannot use or should not pay for: a SQL driver, net/http, the mail
// client, or go-playground/validator (1.3 MB gzip; see validate_js.go).
// The API client (httpapi/client) talks to the server through the
// browser's fetch there: net/http would add 1.2 MB gzip.
func TestBrowserPackagesStaySmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	browser := []string{".", "./phone", "./staff", "./routing", "./numbers", "./efax", "./notify", "./store/memstore", "./httpapi/client", "./billing", "./csvio"}
	forbidden := []string{"net/http", "database/sql\n", "modernc.org/sqlite", "github.com/jackc/pgx", "github.com/wneessen/go-mail",
		"github.com/go-playground/validator", "github.com/emersion/"}
	cmd := exec.Command("go", append([]string{"list", "-deps"}, browser...)...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := string(out)
	for _, f := range forbidden {
		if strings.Contains(deps, f) {
			t.Errorf("a browser package depends on %q", strings.TrimSpace(f))
		}
	}
}

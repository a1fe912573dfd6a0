package otel_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// goListDeps returns the packages pkgs depend on, built for env.
func goListDeps(t *testing.T, env []string, pkgs ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

// OpenTelemetry stays out of the core packages and of the client wasm:
// only this package (and the programs that wire it in) import it.
func TestCoreHasNoOpenTelemetry(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	core := []string{".", "./numbers", "./staff", "./routing", "./efax", "./notify",
		"./store", "./store/memstore", "./store/sqlstore", "./httpapi", "./background"}
	check := func(what string, deps []string) {
		t.Helper()
		if len(deps) == 0 {
			t.Fatalf("%s: go list found no packages", what)
		}
		for _, d := range deps {
			if strings.HasPrefix(d, "go.opentelemetry.io/") || strings.HasPrefix(d, "github.com/prometheus/") ||
				d == "github.com/numberdesk/numberdesk/otel" {
				t.Errorf("%s depends on %s", what, d)
			}
		}
	}
	check("the core packages", goListDeps(t, nil, core...))
	check("the client wasm (examples/portal, js/wasm)", goListDeps(t, []string{"GOOS=js", "GOARCH=wasm"}, "./examples/portal"))

	// The check can fail: this package does depend on OpenTelemetry.
	found := false
	for _, d := range goListDeps(t, nil, "./otel") {
		found = found || strings.HasPrefix(d, "go.opentelemetry.io/otel")
	}
	if !found {
		t.Error("go list -deps ./otel names no go.opentelemetry.io package: the check is blind")
	}
}

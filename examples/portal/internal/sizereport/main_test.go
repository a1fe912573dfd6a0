package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk/examples/portal/internal/prebuilt"
)

// The size bound: the whole portal (gzip) at most 1.3 times a naive
// go-app hello world built in the same run. Sizes, not times, so asserting
// them is stable.
func TestPortalIsNotLargerThanHello(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two wasm binaries")
	}
	r, err := measure()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	r.write(&b)
	t.Log("\n" + b.String())
	if r.Ratio() > maxRatio {
		t.Errorf("portal wasm is %.2f× the hello world (gzip); the bound is %.2f×", r.Ratio(), maxRatio)
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 13894298: "13,894,298"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

// $NUMBERDESK_PORTAL_WASM replaces the portal's build (make test builds the
// wasm once and hands it to the packages that need it); a relative path is
// taken from the module root, not from the package directory go test runs
// in. Any file does for the measurement.
func TestPrebuiltPortal(t *testing.T) {
	const rel = "examples/portal/internal/sizereport/testdata/hello/main.go"
	fi, err := os.Stat(filepath.Join("../../../..", rel))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(prebuilt.Env, rel)
	b, err := measurePortal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if b.Raw != int(fi.Size()) || !strings.Contains(b.How, "prebuilt") {
		t.Errorf("measured %+v, want the %d bytes of %s, prebuilt", b, fi.Size(), rel)
	}
}

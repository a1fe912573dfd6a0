// Package prebuilt finds the portal's client wasm that `make test` builds
// once per run and hands to the tests that need it (the browser tests and
// the size report), so that no test builds it again.
package prebuilt

import (
	"fmt"
	"os"
	"path/filepath"
)

// Env names the prebuilt client wasm. It must have been built exactly like
// `make wasm` (GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w"
// ./examples/portal): a js/wasm binary carries no build info to check that
// against.
const Env = "NUMBERDESK_PORTAL_WASM"

// Wasm returns the file $NUMBERDESK_PORTAL_WASM names (a relative path is
// taken from the module root) when it is a regular file. When the variable
// is set but unusable it says so on standard error, prefixed with who, and
// reports false: the caller builds the wasm itself.
func Wasm(who string) (string, bool) {
	v := os.Getenv(Env)
	if v == "" {
		return "", false
	}
	p := FromModuleRoot(v)
	fi, err := os.Stat(p)
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is no regular file", p)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: $%s: %v; building it instead\n", who, Env, err)
		return "", false
	}
	return p, true
}

// FromModuleRoot resolves a relative path against the module root (the
// nearest directory above the working directory with a go.mod; go test runs
// in the package directory, make in the root); an absolute path, or a
// relative one without a module root, stays as it is.
func FromModuleRoot(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, p)
		}
		if filepath.Dir(d) == d {
			return p
		}
	}
}

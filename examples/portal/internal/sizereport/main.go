// Command sizereport builds, in one run and with the same toolchain, the
// portal's client wasm the way `make wasm` does (client-only main, build-tag
// split, -trimpath -ldflags="-s -w") and a go-app hello world the naive way
// (one main with app.Handler and http.ListenAndServe, default flags;
// testdata/hello), and prints their raw and gzip -9 sizes and the ratio.
//
//	go run ./examples/portal/internal/sizereport   # or: make size
//
// When $NUMBERDESK_PORTAL_WASM names an existing file, that file is measured
// as the portal instead of building one (it must have been built exactly
// like `make wasm`: GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w"
// ./examples/portal; a relative path is taken from the module root), and
// only the hello world is built.
//
// The goal of the portal is to be no larger than the naive hello world
// (gzip), and never more than 1.3 times it; TestPortalIsNotLargerThanHello
// asserts the bound.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"text/tabwriter"

	"github.com/numberdesk/numberdesk/examples/portal/internal/prebuilt"
)

const (
	portalPkg = "github.com/numberdesk/numberdesk/examples/portal"
	helloPkg  = "github.com/numberdesk/numberdesk/examples/portal/internal/sizereport/testdata/hello"
	// maxRatio is the bound of the portal's gzip size over the hello world's.
	maxRatio = 1.3
	// portalHow says how the portal is built.
	portalHow = "client-only main, -trimpath -ldflags=\"-s -w\""
)

// build is one measured wasm.
type build struct {
	Name  string
	How   string
	Raw   int
	Gzip9 int
}

// report is the result of one run.
type report struct {
	Go            string
	Portal, Hello build
}

// Ratio is the portal's gzip size over the hello world's.
func (r report) Ratio() float64 { return float64(r.Portal.Gzip9) / float64(r.Hello.Gzip9) }

// RawRatio is the portal's raw size over the hello world's.
func (r report) RawRatio() float64 { return float64(r.Portal.Raw) / float64(r.Hello.Raw) }

func main() {
	r, err := measure()
	if err != nil {
		log.Fatal(err)
	}
	r.write(os.Stdout)
}

// measure builds both programs into a temporary directory (the portal
// only without a prebuilt one in $NUMBERDESK_PORTAL_WASM).
func measure() (report, error) {
	dir, err := os.MkdirTemp("", "numberdesk-size-")
	if err != nil {
		return report{}, err
	}
	defer os.RemoveAll(dir)
	r := report{Go: runtime.Version()}
	r.Portal, err = measurePortal(dir)
	if err != nil {
		return report{}, err
	}
	r.Hello, err = measureBuild(dir, "go-app hello world", "single main with app.Handler + ListenAndServe, default flags",
		helloPkg)
	if err != nil {
		return report{}, err
	}
	return r, nil
}

// measurePortal measures $NUMBERDESK_PORTAL_WASM when it names a file, and
// otherwise builds the portal into dir like `make wasm`.
func measurePortal(dir string) (build, error) {
	const name = "portal (examples/portal)"
	if p, ok := prebuilt.Wasm("sizereport"); ok {
		return measureFile(p, name, portalHow+" (prebuilt: $"+prebuilt.Env+")")
	}
	return measureBuild(dir, name, portalHow, portalPkg, "-trimpath", "-ldflags=-s -w")
}

func measureBuild(dir, name, how, pkg string, flags ...string) (build, error) {
	out := filepath.Join(dir, filepath.Base(pkg)+".wasm")
	args := append(append([]string{"build"}, flags...), "-o", out, pkg)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return build{}, fmt.Errorf("go %v: %v\n%s", args, err, b)
	}
	return measureFile(out, name, how)
}

// measureFile measures a built wasm.
func measureFile(file, name, how string) (build, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return build{}, err
	}
	return build{Name: name, How: how, Raw: len(raw), Gzip9: gzipSize(raw)}, nil
}

// gzipSize is the size of b compressed like `gzip -9` (compress/gzip at
// BestCompression; the figure differs from GNU gzip's by well under 1 %).
func gzipSize(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)                                              // a bytes.Buffer does not fail
	zw.Close()
	return buf.Len()
}

func (r report) write(w io.Writer) {
	fmt.Fprintf(w, "js/wasm sizes, %s, GOOS=js GOARCH=wasm\n\n", r.Go)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "build\traw bytes\tgzip -9 bytes\t")
	for _, b := range []build{r.Portal, r.Hello} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", b.Name, group(b.Raw), group(b.Gzip9))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, b := range []build{r.Portal, r.Hello} {
		fmt.Fprintf(w, "%s: %s\n", b.Name, b.How)
	}
	fmt.Fprintf(w, "\nportal / hello world: raw %.2f, gzip %.2f (goal ≤ 1.00, bound ≤ %.2f)\n", r.RawRatio(), r.Ratio(), maxRatio)
}

// group writes n with thousands separators.
func group(n int) string {
	s := fmt.Sprint(n)
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}

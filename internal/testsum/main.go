// Command testsum reads the output of `go test -json` on standard input and
// prints what a person needs from it: a line per package as `go test` prints
// it, the output of every failed test (and of a package that failed outside
// its tests, e.g. by the -timeout panic or a build error), and at the end a
// summary: how many tests ran, failed and were skipped, the skips grouped by
// their reason, the slowest tests, and the wall time. It exits with 1 if
// anything failed, so that `go test -json ./... | testsum` in a shell with
// pipefail fails exactly when `go test` would.
//
//	go test -json ./... | go run ./internal/testsum [-slowest 10] [-json FILE]
//
// -json FILE also copies the raw stream to FILE, so a failure's full output
// survives the run.
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

func main() {
	slowest := flag.Int("slowest", 10, "how many of the slowest tests to list")
	copyTo := flag.String("json", "", "also write the raw `go test -json` stream to this file")
	flag.Parse()
	in := io.Reader(os.Stdin)
	if *copyTo != "" {
		f, err := os.Create(*copyTo)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testsum:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = io.TeeReader(in, f)
	}
	start := time.Now()
	s := newSummary(os.Stdout)
	if err := s.read(in); err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	s.report(*slowest, time.Since(start))
	if s.failed() {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json), including the build
// events of `go test -json` since Go 1.24.
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	ImportPath  string
	FailedBuild string
}

// key names a test of a package.
type key struct{ pkg, test string }

// result is a finished test.
type result struct {
	key
	elapsed time.Duration
}

// summary accumulates the events.
type summary struct {
	w       io.Writer
	output  map[key][]string // output of running tests and packages (test "")
	builds  map[string][]string
	passed  int
	fails   []key
	pkgFail []string
	skips   map[string][]key // reason → tests
	done    []result
}

func newSummary(w io.Writer) *summary {
	return &summary{w: w, output: map[key][]string{}, builds: map[string][]string{}, skips: map[string][]key{}}
}

func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// Not an event: go test's own messages (e.g. a build
			// failure before Go 1.24). Pass it through.
			fmt.Fprintf(s.w, "%s\n", line)
			continue
		}
		s.add(e)
	}
	return sc.Err()
}

func (s *summary) add(e event) {
	k := key{e.Package, e.Test}
	switch e.Action {
	case "build-output":
		s.builds[e.ImportPath] = append(s.builds[e.ImportPath], e.Output)
	case "build-fail":
		fmt.Fprintf(s.w, "build failed: %s\n%s", e.ImportPath, strings.Join(s.builds[e.ImportPath], ""))
		s.pkgFail = append(s.pkgFail, e.ImportPath)
	case "output":
		s.output[k] = append(s.output[k], e.Output)
	case "pass", "fail", "skip":
		s.finish(e, k)
	}
}

// finish handles the end of a test or a package.
func (s *summary) finish(e event, k key) {
	out := s.output[k]
	delete(s.output, k)
	if e.Test == "" { // the package
		switch {
		case e.Action == "fail":
			s.pkgFail = append(s.pkgFail, e.Package)
			fmt.Fprintf(s.w, "FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
			if !s.anyFailIn(e.Package) || packagePanicked(out) {
				// It failed outside its tests (the -timeout panic, a
				// TestMain exit, a build error): its output says why.
				fmt.Fprint(s.w, indent(out))
			}
		case e.Action == "skip":
			fmt.Fprintf(s.w, "?\t%s\t[no test files]\n", e.Package)
		default:
			fmt.Fprintf(s.w, "ok\t%s\t%.3fs\n", e.Package, e.Elapsed)
		}
		return
	}
	switch e.Action {
	case "pass":
		s.passed++
	case "fail":
		s.fails = append(s.fails, k)
		fmt.Fprintf(s.w, "--- FAIL: %s (%s)\n%s", e.Test, e.Package, indent(out))
	case "skip":
		r := skipReason(out)
		s.skips[r] = append(s.skips[r], k)
	}
	if !strings.Contains(e.Test, "/") && e.Action != "skip" {
		s.done = append(s.done, result{k, time.Duration(e.Elapsed * float64(time.Second))})
	}
}

func (s *summary) anyFailIn(pkg string) bool {
	return slices.ContainsFunc(s.fails, func(k key) bool { return k.pkg == pkg })
}

// packagePanicked reports whether a package's output holds a panic (the
// -timeout panic names the running tests).
func packagePanicked(out []string) bool {
	return slices.ContainsFunc(out, func(l string) bool {
		return strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ")
	})
}

// logPrefix is the "file.go:12: " of a t.Log line.
var logPrefix = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: `)

// skipReason is the message of a skipped test: its last t.Log line
// ("file.go:12: …"; t.Skip logs its arguments just before the --- SKIP
// line), or else its last line of other output (a log line of the code
// under test may come between).
func skipReason(out []string) string {
	fallback := "(no reason given)"
	for i := len(out) - 1; i >= 0; i-- {
		l := strings.TrimRight(out[i], "\n")
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "---") || strings.HasPrefix(t, "===") || t == "" {
			continue
		}
		if logPrefix.MatchString(l) {
			return strings.TrimSpace(logPrefix.ReplaceAllString(l, ""))
		}
		if fallback == "(no reason given)" {
			fallback = t
		}
	}
	return fallback
}

// indent joins output lines, indenting those that are not indented yet,
// without the "=== RUN" lines.
func indent(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, "=== ") {
			continue
		}
		if !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
			b.WriteString("    ")
		}
		b.WriteString(l)
		if !strings.HasSuffix(l, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// failed reports whether a test or a package failed. (A `go test` that
// fails before it prints events exits non-zero itself: run the pipe with
// pipefail.)
func (s *summary) failed() bool { return len(s.fails) > 0 || len(s.pkgFail) > 0 }

// report prints the summary.
func (s *summary) report(slowest int, wall time.Duration) {
	w := s.w
	skipped := 0
	for _, ks := range s.skips {
		skipped += len(ks)
	}
	fmt.Fprintf(w, "\n%d tests passed, %d failed, %d skipped; %d packages failed; wall time %v\n",
		s.passed, len(s.fails), skipped, len(s.pkgFail), wall.Round(time.Second))
	fmt.Fprintln(w, "skipped:", s.skipLine())
	slices.SortFunc(s.done, func(a, b result) int {
		return cmp.Or(cmp.Compare(b.elapsed, a.elapsed), cmp.Compare(a.pkg+a.test, b.pkg+b.test))
	})
	if n := min(slowest, len(s.done)); n > 0 {
		fmt.Fprintf(w, "slowest %d tests:\n", n)
		for _, r := range s.done[:n] {
			fmt.Fprintf(w, "  %8.1fs  %s %s\n", r.elapsed.Seconds(), shortPkg(r.pkg), r.test)
		}
	}
	for _, k := range s.fails {
		fmt.Fprintf(w, "FAILED: %s %s\n", shortPkg(k.pkg), k.test)
	}
	for _, p := range s.pkgFail {
		fmt.Fprintf(w, "FAILED package: %s\n", p)
	}
}

// skipLine is the one-line account of the skips: how many tests for each
// reason, the most frequent first, and where.
func (s *summary) skipLine() string {
	if len(s.skips) == 0 {
		return "none"
	}
	reasons := make([]string, 0, len(s.skips))
	for r := range s.skips {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(s.skips[b]), len(s.skips[a])), cmp.Compare(a, b))
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		var pkgs []string
		for _, k := range s.skips[r] {
			if p := shortPkg(k.pkg); !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
		parts[i] = fmt.Sprintf("%d × %q (%s)", len(s.skips[r]), r, strings.Join(pkgs, ", "))
	}
	return strings.Join(parts, "; ")
}

// shortPkg drops the module path.
func shortPkg(p string) string {
	const module = "github.com/numberdesk/numberdesk"
	if p == module {
		return "."
	}
	return strings.TrimPrefix(p, module+"/")
}

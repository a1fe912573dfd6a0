package e2e

// Evidence of a failed test. When a test fails and
// $NUMBERDESK_TEST_ARTIFACTS is set, each of its tabs leaves
// $NUMBERDESK_TEST_ARTIFACTS/e2e/<test name>.png (a full-page screenshot)
// and <test name>.log (the tab's console); a second tab of the same test
// adds "-2", and so on. Without the variable nothing is written.

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/numberdesk/numberdesk/examples/portal/internal/prebuilt"
)

// artifactsEnv names the directory for the evidence of failed tests.
const artifactsEnv = "NUMBERDESK_TEST_ARTIFACTS"

// artifactDir is $NUMBERDESK_TEST_ARTIFACTS/e2e, or "" when the variable is
// unset. A relative path is taken from the module root (where make runs),
// not from the package directory go test runs the binary in.
func artifactDir() string {
	v := os.Getenv(artifactsEnv)
	if v == "" {
		return ""
	}
	return filepath.Join(prebuilt.FromModuleRoot(v), "e2e")
}

// safeName turns a test name into a file name: every character but ASCII
// letters, digits, '.', '_' and '-' becomes '_' (TestA/b c → TestA_b_c).
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, name)
}

var (
	artifactMu  sync.Mutex
	artifactSeq = map[string]int{}
)

// artifactBase is the file name without extension for the next tab of the
// test: the safe test name, then -2, -3, … for further tabs.
func artifactBase(testName string) string {
	name := safeName(testName)
	artifactMu.Lock()
	defer artifactMu.Unlock()
	artifactSeq[name]++
	if n := artifactSeq[name]; n > 1 {
		return fmt.Sprintf("%s-%d", name, n)
	}
	return name
}

// failureScreenshot takes a full-page PNG of the tab. tabCtx is the tab's
// chromedp context without the test's deadline (the tab is bound to it, so
// this works after the test's own context has timed out or been
// canceled); the screenshot gets a short deadline of its own, which ends
// before the test binary's.
func failureScreenshot(t testing.TB, tabCtx context.Context) ([]byte, error) {
	deadline := time.Now().Add(scaled(artifactTimeoutBase))
	if td, ok := testDeadline(t); ok && td.Add(-2*time.Second).Before(deadline) {
		deadline = td.Add(-2 * time.Second)
	}
	if time.Until(deadline) <= 0 {
		return nil, fmt.Errorf("no time left before the test binary's deadline")
	}
	ctx, cancel := context.WithDeadline(tabCtx, deadline)
	defer cancel()
	return chromedp.Run(ctx, chromedp.FullScreenshot(100))
}

// writeArtifacts writes the screenshot (when there is one) and the console
// log of a failed test's tab to dir and logs the paths.
func writeArtifacts(t testing.TB, dir string, png []byte, shotErr error, console []chromedp.ConsoleMessage, deadline time.Time) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("artifacts: %v", err)
		return
	}
	base := filepath.Join(dir, artifactBase(t.Name()))
	if shotErr != nil {
		t.Logf("artifacts: no screenshot of the failed test's tab: %v", shotErr)
	} else if err := os.WriteFile(base+".png", png, 0o644); err != nil {
		t.Logf("artifacts: %v", err)
	} else {
		t.Logf("artifacts: screenshot of the failed test's tab: %s", base+".png")
	}
	if err := os.WriteFile(base+".log", consoleLog(t.Name(), console, deadline), 0o644); err != nil {
		t.Logf("artifacts: %v", err)
		return
	}
	t.Logf("artifacts: console of the failed test's tab: %s", base+".log")
}

// consoleLog is the text of a .log artifact: a header, then one line per
// console message (exceptions with their stack).
func consoleLog(testName string, console []chromedp.ConsoleMessage, deadline time.Time) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: console of a tab of a failed test\n", testName)
	fmt.Fprintf(&b, "# %s\n", scaleDescription())
	fmt.Fprintf(&b, "# tab deadline %s, written %s\n", deadline.Format(time.RFC3339), time.Now().Format(time.RFC3339))
	fmt.Fprintf(&b, "# %d messages\n", len(console))
	for _, m := range console {
		fmt.Fprintf(&b, "%s %s", m.Time.Format("15:04:05.000"), m)
		if m.URL != "" {
			fmt.Fprintf(&b, " (%s:%d)", m.URL, m.Line+1)
		}
		b.WriteByte('\n')
		if m.IsException() && m.Stack != nil {
			for _, f := range m.Stack.CallFrames {
				fn := cmp.Or(f.FunctionName, "(anonymous)")
				fmt.Fprintf(&b, "\tat %s (%s:%d:%d)\n", fn, f.URL, f.LineNumber+1, f.ColumnNumber+1)
			}
		}
	}
	return []byte(b.String())
}

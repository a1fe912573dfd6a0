package main

import (
	"strings"
	"testing"
	"time"
)

// stream is a `go test -json` run of two packages: one with a pass, a
// failing subtest, two tests skipped for one reason and one for another;
// one killed by the -timeout panic while a test ran.
const stream = `{"Action":"start","Package":"github.com/numberdesk/numberdesk/store/sqlstore"}
{"Action":"run","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestA"}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestA","Elapsed":2.5}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestPG","Output":"    sqlstore_test.go:77: NUMBERDESK_POSTGRES_DSN not set: PostgreSQL tests skipped\n"}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestPG","Output":"--- SKIP: TestPG (0.00s)\n"}
{"Action":"skip","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestPG","Elapsed":0}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestPG2/Postgres","Output":"    sqlstore_test.go:77: NUMBERDESK_POSTGRES_DSN not set: PostgreSQL tests skipped\n"}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestPG2/Postgres","Output":"2026/12/05 03:34:18 WARN notify: delivery failed\n"}
{"Action":"skip","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestPG2/Postgres","Elapsed":0}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestB/sub","Output":"    b_test.go:9: want 1, got 2\n"}
{"Action":"fail","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestB/sub","Elapsed":0.1}
{"Action":"fail","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Test":"TestB","Elapsed":7.25}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Output":"FAIL\n"}
{"Action":"fail","Package":"github.com/numberdesk/numberdesk/store/sqlstore","Elapsed":10}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/examples/portal/e2e","Test":"TestShort","Output":"    harness_test.go:150: -short: no browser tests\n"}
{"Action":"skip","Package":"github.com/numberdesk/numberdesk/examples/portal/e2e","Test":"TestShort","Elapsed":0}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/examples/portal/e2e","Output":"panic: test timed out after 1m0s\n"}
{"Action":"output","Package":"github.com/numberdesk/numberdesk/examples/portal/e2e","Output":"\trunning tests:\n\t\tTestSlow (1m0s)\n"}
{"Action":"fail","Package":"github.com/numberdesk/numberdesk/examples/portal/e2e","Elapsed":60}
{"Action":"skip","Package":"github.com/numberdesk/numberdesk/phone/internal/gen"}
`

func TestSummary(t *testing.T) {
	var out strings.Builder
	s := newSummary(&out)
	if err := s.read(strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	s.report(10, 90*time.Second)
	got := out.String()
	t.Log("\n" + got)
	for _, want := range []string{
		"--- FAIL: TestB/sub (github.com/numberdesk/numberdesk/store/sqlstore)\n    b_test.go:9: want 1, got 2\n",
		"FAIL\tgithub.com/numberdesk/numberdesk/store/sqlstore\t10.000s\n",
		"FAIL\tgithub.com/numberdesk/numberdesk/examples/portal/e2e\t60.000s\n    panic: test timed out after 1m0s\n\trunning tests:\n",
		"?\tgithub.com/numberdesk/numberdesk/phone/internal/gen\t[no test files]\n",
		"1 tests passed, 2 failed, 3 skipped; 2 packages failed; wall time 1m30s\n",
		`skipped: 2 × "NUMBERDESK_POSTGRES_DSN not set: PostgreSQL tests skipped" (store/sqlstore); 1 × "-short: no browser tests" (examples/portal/e2e)` + "\n",
		"slowest 2 tests:\n       7.2s  store/sqlstore TestB\n       2.5s  store/sqlstore TestA\n",
		"FAILED: store/sqlstore TestB/sub\n",
		"FAILED package: github.com/numberdesk/numberdesk/examples/portal/e2e\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	if strings.Contains(got, "sqlstore\t10.000s\n    FAIL") {
		t.Error("a package whose failure is a test's repeats its own output")
	}
	if !s.failed() {
		t.Error("failed() is false")
	}
}

func TestSummaryAllPass(t *testing.T) {
	var out strings.Builder
	s := newSummary(&out)
	in := `{"Action":"pass","Package":"github.com/numberdesk/numberdesk","Test":"TestX","Elapsed":0.01}
{"Action":"pass","Package":"github.com/numberdesk/numberdesk","Elapsed":0.02}
`
	if err := s.read(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	s.report(10, time.Second)
	if s.failed() {
		t.Error("failed() is true")
	}
	for _, want := range []string{"ok\tgithub.com/numberdesk/numberdesk\t0.020s\n", "skipped: none\n", "  0.0s  . TestX\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, out.String())
		}
	}
}

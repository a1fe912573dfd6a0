package e2e

// Unit tests of the harness's pure helpers; they need no browser.

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestComputeScale(t *testing.T) {
	fixed := func(d time.Duration) func() time.Duration { return func() time.Duration { return d } }
	for _, c := range []struct {
		env     string
		measure time.Duration
		want    float64
	}{
		{"", calibrationReference, 1},
		{"", calibrationReference / 2, 1}, // faster than the reference: clamped to 1
		{"", 4 * calibrationReference, 4},
		{"", 1000 * calibrationReference, 50}, // clamped to 50
		{"3", 1000 * calibrationReference, 3}, // the variable wins over the calibration
		{"1", 0, 1},
		{"2.5", 0, 2.5},
		{"120", 0, 120}, // an explicit factor is not clamped to 50
	} {
		got, src, err := computeScale(c.env, fixed(c.measure))
		if err != nil || got != c.want {
			t.Errorf("computeScale(%q, %v) = %v, %v; want %v", c.env, c.measure, got, err, c.want)
		}
		if src == "" {
			t.Errorf("computeScale(%q, %v): no source", c.env, c.measure)
		}
	}
	for _, env := range []string{"0.5", "0", "-2", "NaN", "Inf", "abc", "1e9"} {
		if f, _, err := computeScale(env, fixed(calibrationReference)); err == nil {
			t.Errorf("computeScale(%q) = %v, want an error", env, f)
		}
	}
	// What this machine measures now is reported, never asserted.
	t.Logf("calibration now: %v (reference %v); %s", calibrate(), calibrationReference, scaleDescription())
}

func TestScaled(t *testing.T) {
	old := timeScale
	t.Cleanup(func() { timeScale = old })
	timeScale = 2.5
	if got := scaled(time.Minute); got != 150*time.Second {
		t.Errorf("scaled(1m) at 2.5 = %v", got)
	}
}

func TestDeadlineMargin(t *testing.T) {
	for left, want := range map[time.Duration]time.Duration{
		10 * time.Second: 5 * time.Second,
		2 * time.Minute:  12 * time.Second,
		10 * time.Minute: time.Minute,
		time.Hour:        time.Minute,
	} {
		if got := deadlineMargin(left); got != want {
			t.Errorf("deadlineMargin(%v) = %v, want %v", left, got, want)
		}
	}
}

func TestTabDeadlineEndsBeforeTheBinarys(t *testing.T) {
	td, ok := t.Deadline()
	if !ok {
		t.Skip("no -timeout")
	}
	d, err := tabDeadline(t, 1000*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Before(td) {
		t.Errorf("tab deadline %v is not before the binary's %v", d, td)
	}
}

func TestTempDirPID(t *testing.T) {
	for name, want := range map[string]int{
		"numberdesk-e2e-1234-567890": 1234,
		"numberdesk-e2e-1-x":         1,
		"numberdesk-e2e-1234567890":  0, // the old name without a pid
		"numberdesk-e2e--1-2":        0,
		"numberdesk-e2e-0-2":         0,
		"numberdesk-e2e-abc-2":       0,
		"numberdesk-size-1234-5":     0,
		"chromedp-runner123":         0,
	} {
		got, ok := tempDirPID(name)
		if got != want || ok != (want != 0) {
			t.Errorf("tempDirPID(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
}

func TestStaleTempDirs(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"numberdesk-e2e-100-1", "numberdesk-e2e-200-2", "numberdesk-e2e-300", "other-100-1"} {
		if err := os.MkdirAll(filepath.Join(root, name, "chromium-profile"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "numberdesk-e2e-400-file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	alive := func(pid int) bool { return pid == 200 }
	got := staleTempDirs(root, alive)
	if want := []string{filepath.Join(root, "numberdesk-e2e-100-1")}; !slices.Equal(got, want) {
		t.Errorf("stale = %v, want %v", got, want)
	}
}

func TestMakeTempDirSweepsDeadRuns(t *testing.T) {
	exe, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no `true` to get the pid of a finished process")
	}
	cmd := exec.Command(exe)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	if processAlive(dead) {
		t.Skipf("pid %d is in use again", dead)
	}
	if !processAlive(os.Getpid()) {
		t.Error("processAlive(own pid) = false")
	}
	root := t.TempDir()
	left := filepath.Join(root, tmpPrefix+strconv.Itoa(dead)+"-1")
	mine := filepath.Join(root, tmpPrefix+strconv.Itoa(os.Getpid())+"-1")
	for _, d := range []string{left, mine} {
		if err := os.MkdirAll(filepath.Join(d, "chromium-profile"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var logged []string
	dir, err := makeTempDir(root, func(format string, args ...any) { logged = append(logged, format) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("the directory of the finished process %d is still there (%v)", dead, err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("the directory of a running process was removed: %v", err)
	}
	if !strings.HasPrefix(filepath.Base(dir), tmpPrefix+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("new directory %s does not carry the pid", dir)
	}
	if len(logged) != 1 {
		t.Errorf("logged %q, want one removal", logged)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"TestBoot":                   "TestBoot",
		"TestA/b c":                  "TestA_b_c",
		"TestX/ä:ö*?<>|\"\\":         "TestX___________",
		"TestY/../../etc":            "TestY_.._.._etc",
		"TestZ/with-dash_and.dot#01": "TestZ_with-dash_and.dot_01",
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
	if a, b := artifactBase("TestSeq/x"), artifactBase("TestSeq/x"); a != "TestSeq_x" || b != "TestSeq_x-2" {
		t.Errorf("artifactBase twice = %q, %q", a, b)
	}
}

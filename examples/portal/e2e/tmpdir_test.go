package e2e

// The package's temporary directory. It holds the client wasm TestMain
// builds, Chromium's profile (chromedp.UserDataDir) and Chromium's own
// temporary files (its TMPDIR, e.g. the org.chromium.Chromium.* singleton
// directories it would otherwise leave in /tmp). TestMain removes it when
// it returns; a test binary killed by go test's -timeout panic cannot, so
// the name carries the process id, numberdesk-e2e-<pid>-<random>, and the
// next run removes the directories whose process is gone.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tmpPrefix starts the name of the package's temporary directory.
const tmpPrefix = "numberdesk-e2e-"

// tempRoot is where the package's temporary directory goes: os.TempDir(),
// unless that path is so long that Chromium's singleton socket below it
// (<root>/numberdesk-e2e-<pid>-<n>/t/org.chromium.Chromium.XXXXXX/SingletonSocket,
// up to 80 bytes after the root and its slash) would pass the 107 bytes of a Unix socket path;
// then /tmp.
func tempRoot() string {
	if root := os.TempDir(); len(root) <= 26 {
		return root
	}
	return "/tmp"
}

// makeTempDir removes the temporary directories of earlier runs whose
// process is gone (each removal is reported through logf) and creates this
// run's directory under root (tempRoot() in TestMain).
func makeTempDir(root string, logf func(format string, args ...any)) (string, error) {
	for _, dir := range staleTempDirs(root, processAlive) {
		if err := os.RemoveAll(dir); err != nil {
			logf("e2e: removing %s, left by an earlier run: %v", dir, err)
			continue
		}
		logf("e2e: removed %s, left by an earlier run", dir)
	}
	return os.MkdirTemp(root, fmt.Sprintf("%s%d-", tmpPrefix, os.Getpid()))
}

// staleTempDirs lists the directories numberdesk-e2e-<pid>-* under root
// whose process is not alive. Other names (also the older
// numberdesk-e2e-<random> without a pid) are left alone.
func staleTempDirs(root string, alive func(pid int) bool) []string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var stale []string
	for _, e := range entries {
		pid, ok := tempDirPID(e.Name())
		if !ok || !e.IsDir() || alive(pid) {
			continue
		}
		stale = append(stale, filepath.Join(root, e.Name()))
	}
	return stale
}

// tempDirPID parses numberdesk-e2e-<pid>-<anything>.
func tempDirPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, tmpPrefix)
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// processAlive reports whether a process with the id runs (a process of
// another user counts as running).
func processAlive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || !(errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH))
}

// removeAllRetry removes dir; Chromium's helper processes can still write
// into the profile for a moment after the browser has closed, so it tries
// again for a short while (the next run sweeps what is left anyway).
func removeAllRetry(dir string) error {
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

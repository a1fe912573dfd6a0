//go:build !linux

package loadtest

import "os/exec"

// dieWithParent is a no-op where the kernel cannot tie a child's life to
// its parent's; the test's cleanup stops the portals.
func dieWithParent(*exec.Cmd) {}

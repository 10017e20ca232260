//go:build linux

package systest

import "syscall"

// procAttr makes the kernel kill a node when the test binary dies (a panic
// or go test's timeout), so that no node outlives its test.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

//go:build !linux

package difftest

import "syscall"

// serverProcAttr: elsewhere the server is only stopped by the test's cleanup.
func serverProcAttr() *syscall.SysProcAttr { return nil }

package difftest

import "syscall"

// serverProcAttr makes the kernel kill redis-server when the test process
// dies without running its cleanups (killed by a timeout, or by a closed
// pipe), so no server outlives its test.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

//go:build linux || darwin

package resp

import "syscall"

// peerClosed reports whether the client closed its side of the
// connection: a non-blocking peek reads end of file. Data waiting (a
// pipelined command) or nothing yet both mean it is still there.
func peerClosed(fd int) bool {
	if fd < 0 {
		return false
	}
	var b [1]byte
	for {
		n, _, err := syscall.Recvfrom(fd, b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err == syscall.EINTR {
			continue
		}
		return err == nil && n == 0 || err == syscall.ECONNRESET
	}
}

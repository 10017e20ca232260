//go:build unix

package replication

import (
	"errors"
	"net"
	"syscall"
)

// connOpen peeks at the socket without blocking: a closed peer shows as a
// zero-byte read, an idle open connection as EAGAIN.
func connOpen(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := true
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK):
			open = true
		case rerr != nil, n == 0:
			open = false
		default:
			open = false // unsolicited bytes
		}
		return true // never wait for readiness
	})
	return err == nil && open
}

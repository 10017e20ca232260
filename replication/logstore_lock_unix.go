//go:build unix

package replication

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// errLocked: another process holds the lock.
var errLocked = errors.New("locked")

// lockPollInterval is how often lockDir retries a held lock.
const lockPollInterval = 10 * time.Millisecond

// lockDir takes an exclusive flock on path (created if missing), waiting
// at most timeout for another holder to let go (errLocked). The lock
// lives as long as the returned unlock is not called (or the process).
func lockDir(path string, timeout time.Duration) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, errLocked
		}
		time.Sleep(lockPollInterval)
	}
}

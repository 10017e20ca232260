//go:build unix

package systest

import (
	"runtime"
	"sync"
	"testing"
)

// burnCPU keeps every core busy with a spinning goroutine until the
// returned stop function runs (or the test ends), so that the nodes'
// heartbeats, elections and RPC deadlines race as they do on a loaded
// machine (a whole `go test ./...` beside them, where TestRestoreFromS3
// once wedged a restored follower for good: replication/restore.go).
func burnCPU(t *testing.T) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(1)
			for {
				select {
				case <-done:
					return
				default:
				}
				for range 100_000 {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
		}()
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
	t.Cleanup(stop)
	return stop
}

//go:build !unix

package resp

import "time"

// cpuTimes is not available on this platform.
func cpuTimes() (sys, user time.Duration) { return 0, 0 }

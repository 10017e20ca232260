package objstore_test

import (
	"testing"

	"go.uber.org/goleak"
)

// No implementation here runs goroutines of its own; none may be left.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

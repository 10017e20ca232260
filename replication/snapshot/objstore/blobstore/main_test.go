package blobstore_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Closing the Blob and the test server must leave no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

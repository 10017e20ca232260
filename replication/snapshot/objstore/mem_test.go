package objstore_test

import (
	"testing"

	"redraft/replication/snapshot/objstore"
	"redraft/replication/snapshot/objstore/objstoretest"
)

func TestMemConformance(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Store { return objstore.NewMem() })
}

// Package s3test serves an in-memory S3 (gofakes3) on 127.0.0.1 for tests
// of the S3 path: blobstore's own tests and the real-process tests whose
// bin/kv nodes use --snapshot-store s3://.
package s3test

import (
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Start serves an in-memory S3 with one bucket until the test ends, and
// points the AWS SDK, in this process and in the processes it starts (they
// inherit the environment), at static test credentials, away from any
// configuration of the machine. It returns the endpoint URL.
func Start(t *testing.T, bucket string) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatalf("CreateBucket(%s) = %v", bucket, err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_ACCESS_KEY_ID", "redraft-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "redraft-test-secret")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return srv.URL
}

// URL is the blobstore.OpenURL / --snapshot-store form of bucket on
// endpoint, with an optional key prefix.
func URL(endpoint, bucket, prefix string) string {
	q := url.Values{"endpoint": {endpoint}, "region": {"us-east-1"}, "use_path_style": {"true"}}
	if prefix != "" {
		q.Set("prefix", prefix)
	}
	return "s3://" + bucket + "?" + q.Encode()
}

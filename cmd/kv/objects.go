package main

import (
	"context"
	"fmt"
	"strings"

	"redraft/replication/snapshot/objstore"
	"redraft/replication/snapshot/objstore/blobstore"
)

// openObjects opens the object store named by a --snapshot-store value:
//   - a directory path, or file:///path: objstore.Dir (tmp file, fsync,
//     rename, fsync the directory);
//   - s3://bucket?endpoint=...&region=...&use_path_style=true&prefix=...:
//     S3 or an S3-compatible server through gocloud.dev/blob (credentials
//     from the usual AWS environment variables or configuration);
//   - mem://: gocloud's in-memory bucket (tests; nothing survives).
func openObjects(ctx context.Context, url string) (objstore.Store, error) {
	switch {
	case strings.HasPrefix(url, "file://"):
		return objstore.OpenDir(strings.TrimPrefix(url, "file://"))
	case strings.Contains(url, "://"):
		b, err := blobstore.OpenURL(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("snapshot store %s: %w", url, err)
		}
		return b, nil
	default:
		return objstore.OpenDir(url)
	}
}

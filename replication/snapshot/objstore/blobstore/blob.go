// Package blobstore is the objstore.Store over gocloud.dev/blob: S3 (and
// S3-compatible services) first, plus gocloud's mem:// and file://.
//
// It is a package of its own so that importing objstore (the interface,
// Mem, Sim, Dir) does not link the AWS SDK, gRPC and OpenTelemetry that
// gocloud brings: only the binary that opens a bucket pays for them.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// for OpenURL
	_ "gocloud.dev/blob/memblob"  // mem:// for OpenURL
	_ "gocloud.dev/blob/s3blob"   // s3:// for OpenURL
	"gocloud.dev/gcerrors"

	"redraft/replication/snapshot/objstore"
)

// blobContentType is set on every object, so gocloud does not buffer the
// first 512 bytes of each Put to sniff a type.
const blobContentType = "application/octet-stream"

// Blob is an objstore.Store over a gocloud.dev/blob bucket (S3 first): object name
// = key prefix + name.
//
// Durability is the service's: on S3 a Put is one PutObject (or a
// multipart upload completed in one call), visible whole or not at all and
// durable once acknowledged, and S3 is strongly consistent for reads and
// lists after writes. A Put that fails is aborted (a multipart upload is
// aborted; parts an abort misses are invisible, and a bucket lifecycle
// rule AbortIncompleteMultipartUpload reclaims them). mem:// keeps
// nothing across processes; file:// renames into place but never fsyncs
// (use Dir for a local directory).
type Blob struct {
	bucket *blob.Bucket
	prefix string
	owned  bool // opened by OpenURL: Close closes the bucket
}

var _ objstore.Store = (*Blob)(nil)

// NewBlob returns an objstore.Store over bucket whose objects are the keys prefix +
// name; prefix (usually ending in "/") lets several stores share a
// bucket. Keys under the prefix that are not valid names, or are deeper
// "directories", are not objects of this store and are never listed.
// The caller keeps ownership of bucket: Close does not close it.
func NewBlob(bucket *blob.Bucket, prefix string) *Blob {
	return &Blob{bucket: bucket, prefix: prefix}
}

// OpenURL opens a Blob from a gocloud URL, e.g.
//
//	s3://bucket?endpoint=http://127.0.0.1:9000&region=us-east-1&use_path_style=true&prefix=cluster-a/
//	mem://
//	file:///var/lib/redraft/objects
//
// The "prefix" query parameter sets the key prefix (gocloud applies it).
// s3:// takes the AWS SDK's usual credentials (environment variables
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, shared config, instance
// roles) and the query parameters of gocloud.dev/aws.V2ConfigFromURLParams
// and gocloud.dev/blob/s3blob.URLOpener. Close the Blob when done.
func OpenURL(ctx context.Context, url string) (*Blob, error) {
	bucket, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("objstore: open %s: %w", redactURL(url), err)
	}
	return &Blob{bucket: bucket, owned: true}, nil
}

// redactURL drops the query (which may carry endpoints or profiles) from
// a URL quoted in an error.
func redactURL(url string) string {
	if i := strings.IndexByte(url, '?'); i >= 0 {
		return url[:i] + "?..."
	}
	return url
}

// Close releases the bucket if OpenURL opened it.
func (b *Blob) Close() error {
	if !b.owned {
		return nil
	}
	if err := b.bucket.Close(); err != nil {
		return fmt.Errorf("objstore: close bucket: %w", err)
	}
	return nil
}

// Put implements objstore.Store. The upload is aborted (its context canceled
// before Close) when r or ctx fails, so no partial object is written.
func (b *Blob) Put(ctx context.Context, name string, r io.Reader) error {
	if err := objstore.CheckCall(ctx, "put", name); err != nil {
		return err
	}
	wctx, abort := context.WithCancel(ctx)
	defer abort()
	w, err := b.bucket.NewWriter(wctx, b.prefix+name, &blob.WriterOptions{ContentType: blobContentType})
	if err != nil {
		return blobError(ctx, "put", name, err)
	}
	_, err = io.Copy(w, objstore.ContextReader(ctx, r))
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		abort()
		w.Close() // reports the abort; err says why
		return blobError(ctx, "put", name, err)
	}
	if err := w.Close(); err != nil {
		return blobError(ctx, "put", name, err)
	}
	return nil
}

// Get implements objstore.Store. The reader is bound to ctx: reads fail once ctx
// is done.
func (b *Blob) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := objstore.CheckCall(ctx, "get", name); err != nil {
		return nil, err
	}
	rd, err := b.bucket.NewReader(ctx, b.prefix+name, nil)
	if err != nil {
		return nil, blobError(ctx, "get", name, err)
	}
	return rd, nil
}

// List implements objstore.Store. It lists one level ("/" is the delimiter) and
// sorts, whatever order the service returned.
func (b *Blob) List(ctx context.Context, prefix string) ([]objstore.Info, error) {
	if err := objstore.CheckList(ctx, prefix); err != nil {
		return nil, err
	}
	it := b.bucket.List(&blob.ListOptions{Prefix: b.prefix + prefix, Delimiter: "/"})
	var infos []objstore.Info
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, blobError(ctx, "list", prefix, err)
		}
		name, ok := strings.CutPrefix(obj.Key, b.prefix)
		if obj.IsDir || !ok || objstore.ValidName(name) != nil {
			continue
		}
		infos = append(infos, objstore.Info{Name: name, Size: obj.Size})
	}
	slices.SortFunc(infos, func(a, b objstore.Info) int { return strings.Compare(a.Name, b.Name) })
	return infos, nil
}

// Delete implements objstore.Store.
func (b *Blob) Delete(ctx context.Context, name string) error {
	if err := objstore.CheckCall(ctx, "delete", name); err != nil {
		return err
	}
	err := b.bucket.Delete(ctx, b.prefix+name)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return blobError(ctx, "delete", name, err)
	}
	return nil
}

// blobError maps a gocloud error: NotFound becomes ErrNotFound, and a
// failure while ctx is done also wraps ctx.Err(), so callers can tell a
// cancellation from a service failure with errors.Is.
func blobError(ctx context.Context, op, name string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("objstore: %s %q: %w", op, name, objstore.ErrNotFound)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("objstore: %s %q: %w (%w)", op, name, err, cerr)
	}
	return fmt.Errorf("objstore: %s %q: %w", op, name, err)
}

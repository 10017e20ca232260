package objstore

import (
	"context"
	"fmt"
	"io"
)

// Helpers for Store implementations, here and in sub-packages (blobstore),
// so that all of them reject the same inputs with the same errors.

// CheckCall is the prologue of Put, Get and Delete: a done context or a
// bad name fails the call before it touches the store.
func CheckCall(ctx context.Context, op, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("objstore: %s %q: %w", op, name, err)
	}
	if err := ValidName(name); err != nil {
		return fmt.Errorf("objstore: %s: %w", op, err)
	}
	return nil
}

// CheckList is CheckCall for List and its prefix.
func CheckList(ctx context.Context, prefix string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("objstore: list %q: %w", prefix, err)
	}
	if err := ValidPrefix(prefix); err != nil {
		return fmt.Errorf("objstore: list: %w", err)
	}
	return nil
}

// ContextReader returns a reader that fails with ctx's error once ctx is
// done (checked before each Read), so a Put stops consuming its source
// when canceled.
func ContextReader(ctx context.Context, r io.Reader) io.Reader {
	return ctxReader{ctx, r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

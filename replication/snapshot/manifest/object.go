package manifest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"redraft/replication/snapshot/objstore"
)

// namePart is the fixed part of a manifest's object name, after the
// store's prefix: "manifest-" and the version as 20 zero-padded decimal
// digits, so byte order is version order.
const namePart = "manifest-"

// versionDigits is the width of a zero-padded uint64.
const versionDigits = 20

// ErrReadBack: the manifest read back after Put differs from what was
// written (the store lost or damaged it); the commit did not happen.
var ErrReadBack = errors.New("manifest: read-back differs from what was written")

// Name is the object name of manifest version under prefix.
func Name(prefix string, version uint64) string {
	return fmt.Sprintf("%s%s%0*d", prefix, namePart, versionDigits, version)
}

// ListPrefix is the List prefix that finds every manifest under prefix.
func ListPrefix(prefix string) string { return prefix + namePart }

// ParseName returns the version a manifest object name under prefix
// carries; ok is false for any other name.
func ParseName(prefix, name string) (version uint64, ok bool) {
	rest, found := strings.CutPrefix(name, prefix+namePart)
	if !found || len(rest) != versionDigits {
		return 0, false
	}
	v, err := strconv.ParseUint(rest, 10, 64)
	if err != nil || v == 0 {
		return 0, false
	}
	return v, true
}

// Put commits m under prefix: it uploads the manifest and reads it back,
// comparing every byte. A nil error means the manifest is durable,
// visible and intact. On error the object may or may not exist, so the
// caller deletes it (Delete is idempotent) if it wants the failure to be
// definite.
func Put(ctx context.Context, st objstore.Store, prefix string, m *Manifest) error {
	b, err := Encode(m)
	if err != nil {
		return err
	}
	name := Name(prefix, m.Version)
	if err := st.Put(ctx, name, bytes.NewReader(b)); err != nil {
		return fmt.Errorf("manifest: put %q: %w", name, err)
	}
	got, err := readObject(ctx, st, name)
	if err != nil {
		return fmt.Errorf("manifest: read back %q: %w", name, err)
	}
	if !bytes.Equal(got, b) {
		return fmt.Errorf("%w: %q: %d bytes written, %d read", ErrReadBack, name, len(b), len(got))
	}
	return nil
}

// Get reads and decodes the manifest object called name. A missing object
// is objstore.ErrNotFound; a damaged one wraps ErrCorrupt and names the
// object; anything else is the store's error.
func Get(ctx context.Context, st objstore.Store, name string) (*Manifest, error) {
	b, err := readObject(ctx, st, name)
	if err != nil {
		return nil, fmt.Errorf("manifest %q: %w", name, err)
	}
	m, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("manifest %q: %w", name, err)
	}
	return m, nil
}

// readObject reads a whole object of at most BytesMax bytes; a larger one
// is corrupt.
func readObject(ctx context.Context, st objstore.Store, name string) ([]byte, error) {
	rc, err := st.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, BytesMax+1))
	if err != nil {
		return nil, err
	}
	if len(b) > BytesMax {
		return nil, corrupt("object over the %d-byte limit", BytesMax)
	}
	return b, nil
}

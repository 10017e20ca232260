package objstore

import "fmt"

// NameBytesMax bounds an object name. It leaves room under the usual
// 255-byte file-name limit for Dir's temporary-file prefix and random
// suffix, and under S3's 1024-byte key limit for a Blob key prefix.
const NameBytesMax = 200

// ValidName reports whether name can name an object: 1..NameBytesMax bytes
// from [A-Za-z0-9._-], and neither "." nor "..". Names are flat (no '/'),
// so every implementation maps them to a file or key unchanged.
func ValidName(name string) error {
	if name == "" || len(name) > NameBytesMax {
		return fmt.Errorf("%w: %q: length %d outside 1..%d", ErrBadName, name, len(name), NameBytesMax)
	}
	if name == "." || name == ".." {
		return fmt.Errorf("%w: %q is reserved", ErrBadName, name)
	}
	if i := badByte(name); i >= 0 {
		return fmt.Errorf("%w: %q: byte %d (%q) outside [A-Za-z0-9._-]", ErrBadName, name, i, name[i])
	}
	return nil
}

// ValidPrefix checks a List prefix: empty, or a prefix some valid name
// could have.
func ValidPrefix(prefix string) error {
	if len(prefix) > NameBytesMax {
		return fmt.Errorf("%w: prefix %q: length %d over %d", ErrBadName, prefix, len(prefix), NameBytesMax)
	}
	if i := badByte(prefix); i >= 0 {
		return fmt.Errorf("%w: prefix %q: byte %d (%q) outside [A-Za-z0-9._-]", ErrBadName, prefix, i, prefix[i])
	}
	return nil
}

// badByte returns the index of the first byte outside the name alphabet,
// or -1.
func badByte(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '_', c == '-':
		default:
			return i
		}
	}
	return -1
}

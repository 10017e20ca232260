package kv

import "errors"

// Hash is the value of a Redis hash key. (Placeholder: the hash family replaces this file.)
type Hash struct{}

// Len returns the number of elements.
func (v *Hash) Len() int { return 0 }

// appendSnapshot appends the value's snapshot encoding to dst.
func (v *Hash) appendSnapshot(dst []byte) []byte { panic("kv: hash snapshot not implemented") }

// decodeHashSnapshot decodes what appendSnapshot wrote. It validates
// everything and returns an error (never panics) on corrupt input.
func decodeHashSnapshot(b []byte) (*Hash, error) { return nil, errors.New("kv: hash snapshot not implemented") }

// clone returns a deep copy (COPY, snapshots).
func (v *Hash) clone() *Hash { return &Hash{} }

package kv

import "errors"

// Set is the value of a Redis set key. (Placeholder: the set family replaces this file.)
type Set struct{}

// Len returns the number of elements.
func (v *Set) Len() int { return 0 }

// appendSnapshot appends the value's snapshot encoding to dst.
func (v *Set) appendSnapshot(dst []byte) []byte { panic("kv: set snapshot not implemented") }

// decodeSetSnapshot decodes what appendSnapshot wrote. It validates
// everything and returns an error (never panics) on corrupt input.
func decodeSetSnapshot(b []byte) (*Set, error) { return nil, errors.New("kv: set snapshot not implemented") }

// clone returns a deep copy (COPY, snapshots).
func (v *Set) clone() *Set { return &Set{} }

package kv

import "errors"

// List is the value of a Redis list key. (Placeholder: the list family replaces this file.)
type List struct{}

// Len returns the number of elements.
func (v *List) Len() int { return 0 }

// appendSnapshot appends the value's snapshot encoding to dst.
func (v *List) appendSnapshot(dst []byte) []byte { panic("kv: list snapshot not implemented") }

// decodeListSnapshot decodes what appendSnapshot wrote. It validates
// everything and returns an error (never panics) on corrupt input.
func decodeListSnapshot(b []byte) (*List, error) { return nil, errors.New("kv: list snapshot not implemented") }

// clone returns a deep copy (COPY, snapshots).
func (v *List) clone() *List { return &List{} }

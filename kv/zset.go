package kv

import "errors"

// ZSet is the value of a Redis zset key. (Placeholder: the zset family replaces this file.)
type ZSet struct{}

// Len returns the number of elements.
func (v *ZSet) Len() int { return 0 }

// appendSnapshot appends the value's snapshot encoding to dst.
func (v *ZSet) appendSnapshot(dst []byte) []byte { panic("kv: zset snapshot not implemented") }

// decodeZSetSnapshot decodes what appendSnapshot wrote. It validates
// everything and returns an error (never panics) on corrupt input.
func decodeZSetSnapshot(b []byte) (*ZSet, error) { return nil, errors.New("kv: zset snapshot not implemented") }

// clone returns a deep copy (COPY, snapshots).
func (v *ZSet) clone() *ZSet { return &ZSet{} }

package kv

import "encoding/binary"

// Redis 7.0's default limits for keeping a hash as a listpack
// (hash-max-listpack-entries, hash-max-listpack-value).
const (
	hashListpackEntries = 512 // redis-server 7.0.15 built-in default (CONFIG GET); redis.conf samples say 128
	hashListpackValue   = 64
)

// Hash is the value of a Redis hash key: fields and values in insertion
// order.
//
// It mirrors Redis 7.0's two encodings. A new hash is a "listpack" (an omap
// in compact mode): setting an existing field updates it in place, deleting
// one keeps the others' order, so HGETALL, HKEYS, HVALS and HSCAN answer
// byte for byte like Redis. It becomes a "hashtable" (an indexed omap) for
// good, as in Redis, once it has more than hashListpackEntries fields or
// a field or value longer than hashListpackValue bytes is stored. Redis's
// hashtables are unordered; ours keep insertion order, and HSCAN pages
// through them with stable cursors instead of returning everything at once.
type Hash struct {
	m omap[string]
}

// Len returns the number of fields.
func (h *Hash) Len() int { return h.m.Len() }

// listpack reports whether the hash is in Redis's listpack encoding.
func (h *Hash) listpack() bool { return !h.m.indexed() }

// Get returns the value of field.
func (h *Hash) Get(field []byte) (string, bool) { return h.m.get(bstr(field)) }

// Exists reports whether field is present.
func (h *Hash) Exists(field []byte) bool { return h.m.find(bstr(field)) >= 0 }

// Set sets field to value (both copied) and reports whether field is new,
// with the default encoding thresholds.
func (h *Hash) Set(field, value []byte) bool {
	return h.setString(field, string(value), &defaultEncodingLimits)
}

// setString is Set with a value the hash may keep as it is, under the
// thresholds lim (encoding.go).
func (h *Hash) setString(field []byte, value string, lim *encodingLimits) bool {
	// Redis's hashTypeSet converts before storing an oversized field or
	// value, and after an insertion that passes the entry limit.
	if h.listpack() && (len(field) > lim.hashValue || len(value) > lim.hashValue) {
		h.m.makeIndexed()
	}
	if i := h.m.find(bstr(field)); i >= 0 {
		h.m.setAt(i, value)
		return false
	}
	h.m.add(string(field), value)
	if h.listpack() && h.m.Len() > lim.hashEntries {
		h.m.makeIndexed()
	}
	return true
}

// Delete removes field and reports whether it was present.
func (h *Hash) Delete(field []byte) bool { return h.m.remove(bstr(field)) }

// each calls fn for every field and value in order until fn returns false.
func (h *Hash) each(fn func(field, value string) bool) { h.m.each(fn) }

// at returns the field and value of rank r (0 <= r < Len) in iteration order.
func (h *Hash) at(r int) (field, value string) {
	i := h.m.at(r)
	return h.m.keys.at(i), h.m.vals.at(i)
}

// clone returns a deep copy (COPY, snapshots).
func (h *Hash) clone() *Hash { return &Hash{m: h.m.clone()} }

// Snapshot encoding:
//
//	mode u8 (hashModeListpack | hashModeTable)
//	listpack: count uvarint (1..128), per field: field, value
//	table:    an indexed omap (see appendIndexedSnapshot), values as strings
//
// where a string is its length (uvarint) and bytes.
const (
	hashModeListpack = 0
	hashModeTable    = 1
	// hashSnapStrMax bounds a field or value in a snapshot: Redis's
	// proto-max-bulk-len default, the most a client can send.
	hashSnapStrMax = 512 << 20
)

// appendSnapshot appends the value's snapshot encoding to dst.
func (h *Hash) appendSnapshot(dst []byte) []byte {
	if h.listpack() {
		dst = append(dst, hashModeListpack)
		dst = binary.AppendUvarint(dst, uint64(h.m.Len()))
		h.m.each(func(k, v string) bool {
			dst = appendCollString(dst, k)
			dst = appendCollString(dst, v)
			return true
		})
		return dst
	}
	dst = append(dst, hashModeTable)
	return h.m.appendIndexedSnapshot(dst, appendCollString)
}

// decodeHashSnapshot decodes what appendSnapshot wrote. It validates
// everything and returns an error (never panics) on corrupt input.
func decodeHashSnapshot(b []byte) (*Hash, error) {
	r := &collSnapReader{b: b}
	h := &Hash{}
	switch mode := r.byte(); {
	case r.err != nil:
	case mode == hashModeListpack:
		n := r.count(encodingEntriesMax, 2)
		for i := 0; i < n && r.err == nil; i++ {
			k := r.str(encodingValueMax)
			v := r.str(encodingValueMax)
			if r.err == nil && !h.m.put(k, v) {
				r.fail("duplicate hash field")
			}
		}
	case mode == hashModeTable:
		h.m = decodeIndexedSnapshot(r, hashSnapStrMax, 3, func(r *collSnapReader) string {
			return r.str(hashSnapStrMax)
		})
	default:
		r.fail("unknown hash mode %d", mode)
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return h, nil
}

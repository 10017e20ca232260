package kv

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// Encoding thresholds: hash-max-listpack-entries/-value,
// zset-max-listpack-entries/-value, set-max-intset-entries (and their
// old *-ziplist-* names) and stream-node-max-entries/-bytes (where stream
// nodes split, stream.go). Redis's replies depend on them: OBJECT ENCODING
// names the encoding, HSCAN/SSCAN/ZSCAN return a small encoding whole in
// one page, and the iteration order of a hash, set or sorted set follows
// from its encoding.
//
// The encoding of a value is replicated state: the thresholds are machine
// state, changed only by redraft.config-encoding (the edge turns CONFIG SET
// of these parameters into it, so it goes through the log) and carried in
// snapshots. Every replica therefore converts the same value at the same
// command and answers SCAN and OBJECT ENCODING alike. Conversions are
// one-way, as in Redis: lowering a threshold leaves existing values alone
// until they are next written; a value converted to a hashtable (or
// skiplist) stays one.
//
// Thresholds beyond encodingEntriesMax elements or encodingValueMax bytes
// behave as those maxima: a compact encoding is searched linearly, and a
// snapshot must be able to bound what it reads back.

const (
	// encodingEntriesMax caps the element thresholds in effect.
	encodingEntriesMax = 1 << 20
	// encodingValueMax caps the length thresholds in effect (bytes).
	encodingValueMax = 1 << 20
)

// encodingLimits are the thresholds in effect, and raw, the values as set
// (CONFIG GET reports them; the fields are them capped).
type encodingLimits struct {
	hashEntries, hashValue int
	zsetEntries, zsetValue int
	setIntsetEntries       int
	raw                    [numEncodingParams]int64
}

// The parameters, in the order of encodingLimits.raw and of the snapshot item.
const (
	encHashEntries = iota
	encHashValue
	encZsetEntries
	encZsetValue
	encSetIntsetEntries
	encStreamNodeEntries
	encStreamNodeBytes
	numEncodingParams
)

// encodingParamsV1 is the number of parameters snapshots written before
// the stream parameters hold; the missing ones read as their defaults.
const encodingParamsV1 = encSetIntsetEntries + 1

// newEncodingLimits returns the limits for raw values.
func newEncodingLimits(raw [numEncodingParams]int64) encodingLimits {
	capped := func(i int) int {
		c := int64(encodingEntriesMax)
		if i == encHashValue || i == encZsetValue {
			c = encodingValueMax
		}
		return int(min(raw[i], c))
	}
	return encodingLimits{
		hashEntries: capped(encHashEntries), hashValue: capped(encHashValue),
		zsetEntries: capped(encZsetEntries), zsetValue: capped(encZsetValue),
		setIntsetEntries: capped(encSetIntsetEntries), raw: raw,
	}
}

// defaultEncodingLimits are Redis 7.0.15's defaults.
var defaultEncodingLimits = newEncodingLimits([numEncodingParams]int64{
	encHashEntries: hashListpackEntries, encHashValue: hashListpackValue,
	encZsetEntries: zsetListpackEntries, encZsetValue: zsetListpackValue,
	encSetIntsetEntries:  setIntsetEntries,
	encStreamNodeEntries: streamNodeMaxEntries, encStreamNodeBytes: streamNodeMaxBytes,
})

// encodingParams maps each parameter name (new and old) to its index.
var encodingParams = map[string]int{
	"hash-max-listpack-entries": encHashEntries, "hash-max-ziplist-entries": encHashEntries,
	"hash-max-listpack-value": encHashValue, "hash-max-ziplist-value": encHashValue,
	"zset-max-listpack-entries": encZsetEntries, "zset-max-ziplist-entries": encZsetEntries,
	"zset-max-listpack-value": encZsetValue, "zset-max-ziplist-value": encZsetValue,
	"set-max-intset-entries":  encSetIntsetEntries,
	"stream-node-max-entries": encStreamNodeEntries, "stream-node-max-bytes": encStreamNodeBytes,
}

// IsEncodingParam reports whether name (lower case) is an encoding
// threshold kept in the machine.
func IsEncodingParam(name string) bool {
	_, ok := encodingParams[name]
	return ok
}

// limits returns the thresholds in effect.
func (m *Machine) limits() *encodingLimits {
	if m.enc == nil {
		return &defaultEncodingLimits
	}
	return m.enc
}

// lim returns the thresholds in effect for a command.
func (c *Ctx) lim() *encodingLimits { return c.m.limits() }

// EncodingParam returns the value of an encoding parameter (CONFIG GET);
// ok is false for another name.
func (m *Machine) EncodingParam(name string) (int64, bool) {
	i, ok := encodingParams[name]
	if !ok {
		return 0, false
	}
	return m.limits().raw[i], true
}

func init() {
	Register(&Spec{Name: "redraft.config-encoding", Arity: -3, Flags: FlagWrite | FlagEdge | FlagNoScript | FlagNoMulti,
		Group: "server", Since: "redraft",
		Summary: "Internal (CONFIG SET): set encoding thresholds, as name value pairs", Run: runConfigEncoding})
}

// runConfigEncoding: redraft.config-encoding name value [name value ...]
// sets the thresholds (values already validated by the edge; a value the
// machine cannot take refuses the whole command, as CONFIG SET does).
func runConfigEncoding(c *Ctx) {
	if (len(c.Args)-1)%2 != 0 {
		c.W.Error(ErrSyntax)
		return
	}
	raw := c.m.limits().raw
	for i := 1; i+1 < len(c.Args); i += 2 {
		p, ok := encodingParams[string(c.Args[i])]
		v, err := strconv.ParseInt(string(c.Args[i+1]), 10, 64)
		if !ok || err != nil || v < 0 {
			c.W.Error("ERR Invalid argument '" + string(c.Args[i+1]) + "' for CONFIG SET '" + string(c.Args[i]) + "'")
			return
		}
		raw[p] = v
	}
	next := newEncodingLimits(raw)
	if next == defaultEncodingLimits {
		c.m.enc = nil
	} else {
		c.m.enc = &next
	}
	c.W.OK()
}

// Snapshot item: when a threshold differs from the default, one item after
// the script items,
//
//	'C' | length u32 | the raw values in encodingLimits.raw's order (uvarints) | crc u32
//
// so a snapshot of a machine with default thresholds is byte-identical to
// one written before they could change.
const snapshotKindEncoding = 'C'

func (sw *snapWriter) encodingItem(l *encodingLimits) {
	if l == nil {
		return
	}
	var b []byte
	for _, v := range l.raw {
		b = binary.AppendUvarint(b, uint64(v))
	}
	sw.blob(snapshotKindEncoding, b)
}

// decodeEncodingItem decodes the item's body.
func decodeEncodingItem(b []byte) (*encodingLimits, error) {
	raw := defaultEncodingLimits.raw
	for i := range raw {
		if i == encodingParamsV1 && len(b) == 0 {
			break // written before the stream parameters
		}
		v, n := binary.Uvarint(b)
		if n <= 0 || v > math.MaxInt64 {
			return nil, fmt.Errorf("%w: encoding thresholds", ErrSnapshotBadRecord)
		}
		raw[i], b = int64(v), b[n:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: encoding thresholds", ErrSnapshotBadRecord)
	}
	l := newEncodingLimits(raw)
	if l == defaultEncodingLimits {
		return nil, fmt.Errorf("%w: default encoding thresholds stored", ErrSnapshotBadRecord)
	}
	return &l, nil
}

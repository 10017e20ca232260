package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// snap returns m's snapshot bytes.
func snap(t testing.TB, m *Machine) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := m.Snapshot(&b); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return b.Bytes()
}

// restored returns a fresh machine restored from b.
func restored(t testing.TB, b []byte) *Machine {
	t.Helper()
	m := NewMachine()
	if err := m.Restore(bytes.NewReader(b)); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	return m
}

// testWriteCtx returns a write context on m, for the keyspace operations no
// merged command offers yet (expiry in the past, deletion).
func testWriteCtx(m *Machine, nowMs int64) *Ctx {
	return &Ctx{m: m, db: m.dbs[0], W: NewWriter(nil, 2), NowMs: nowMs, spec: &Spec{Name: "test"}}
}

// setExpire gives an existing key an absolute expiry (0 removes it), even one
// in the past: such a key stays in the keyspace until a write removes it.
func setExpire(t testing.TB, m *Machine, key string, atMs int64) {
	t.Helper()
	e := m.dbs[0].get(key)
	if e == nil {
		t.Fatalf("setExpire: no key %q", key)
	}
	testWriteCtx(m, 0).SetExpire(e, atMs)
}

// execAt runs one command on m with the given clock and seed and returns the reply.
func execAt(m *Machine, nowMs int64, seed uint64, args ...string) string {
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	w := NewWriter(nil, 2)
	m.Exec(&Cmd{Args: a, NowMs: nowMs, Seed: seed, Proto: 2}, w)
	return string(w.Bytes())
}

// sortedKeys returns m's keys in byte order.
func sortedKeys(m *Machine) []string {
	var keys []string
	m.dbs[0].each(func(e *entry) bool { keys = append(keys, e.key); return true })
	slices.Sort(keys)
	return keys
}

// observe describes everything a client or WATCH can see of m at nowMs:
// per key the replies of the read commands that exist (GET, TYPE, PTTL,
// TTL, and the collection reads), the key's version, plus the counters.
func observe(m *Machine, nowMs int64) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "len=%d expires=%d version=%d\n", m.Len(), m.Expires(), m.Version())
	read := func(args ...string) {
		if Lookup([]byte(args[0])) != nil {
			fmt.Fprintf(&sb, "  %q -> %q\n", args, execAt(m, nowMs, 1, args...))
		}
	}
	for _, k := range sortedKeys(m) {
		e := m.dbs[0].get(k)
		fmt.Fprintf(&sb, "%q type=%s expireAt=%d version=%d keyversion=%d\n",
			k, e.typ(), e.expireAt, e.version, m.KeyVersion(0, []byte(k), nowMs))
		read("get", k)
		read("type", k)
		read("pttl", k)
		read("ttl", k)
		switch e.typ() {
		case TypeHash:
			read("hgetall", k)
			read("hrandfield", k, "-7", "withvalues")
		case TypeList:
			read("lrange", k, "0", "-1")
		case TypeSet:
			read("smembers", k)
			read("srandmember", k, "-7")
		case TypeZSet:
			read("zrange", k, "0", "-1", "withscores")
			read("zrandmember", k, "-7", "withscores")
		}
	}
	return sb.String()
}

// stringMachine builds a machine with strings of every shape: empty and
// binary keys and values, a large value, keys with a future expiry and keys
// whose expiry has passed but that are still in the keyspace.
func stringMachine(t *testing.T) (*Machine, int64) {
	x := newTM(t)
	x.do("SET", "plain", "value")
	x.do("SET", "", "empty key")
	x.do("SET", "empty-value", "")
	x.do("SET", "bin\x00\xff\r\n", "\x00\x01\xfe\xff")
	x.do("SET", "big", strings.Repeat("0123456789abcdef", 8192))
	for i := 0; i < 300; i++ {
		x.do("SET", fmt.Sprintf("k:%03d", i), fmt.Sprint("v", i*i))
	}
	x.do("SET", "plain", "overwritten") // a later version for one key
	x.do("SET", "ttl-future", "f")
	setExpire(t, x.m, "ttl-future", x.now+60_000)
	x.do("SET", "ttl-past", "p")
	setExpire(t, x.m, "ttl-past", x.now-1)
	for i := 0; i < 300; i += 7 {
		setExpire(t, x.m, fmt.Sprintf("k:%03d", i), x.now+int64(i)*1000+1)
	}
	return x.m, x.now
}

func TestSnapshotRoundTripStrings(t *testing.T) {
	m, now := stringMachine(t)
	b := snap(t, m)
	r := restored(t, b)
	if got := snap(t, r); !bytes.Equal(got, b) {
		t.Fatalf("snapshot of the restored machine differs: got %d bytes, want %d", len(got), len(b))
	}
	if got, want := observe(r, now), observe(m, now); got != want {
		t.Fatalf("restored machine differs:\ngot:\n%s\nwant:\n%s", got, want)
	}
	// The expired-but-present key is state: it is restored, and still absent.
	if r.dbs[0].get("ttl-past") == nil {
		t.Error("expired key not restored")
	}
	if got, want := execAt(r, now, 1, "GET", "ttl-past"), "$-1\r\n"; got != want {
		t.Errorf("GET ttl-past: got %q, want %q", got, want)
	}
	if got, want := r.Expires(), 2+(300+6)/7; got != want {
		t.Errorf("Expires: got %d, want %d", got, want)
	}
	// And the clocks move on identically.
	later := now + 120_000
	if got, want := observe(r, later), observe(m, later); got != want {
		t.Fatalf("restored machine differs later:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestSnapshotEmptyMachine(t *testing.T) {
	b := snap(t, NewMachine())
	if got, want := len(b), snapshotHeaderBytes+snapshotTrailerBytes; got != want {
		t.Fatalf("empty snapshot: got %d bytes, want %d", got, want)
	}
	m, _ := stringMachine(t)
	if err := m.Restore(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 0 || m.Expires() != 0 || m.Version() != 0 {
		t.Fatalf("after restoring an empty snapshot: len %d expires %d version %d", m.Len(), m.Expires(), m.Version())
	}
}

func TestSnapshotReplacesState(t *testing.T) {
	src, now := stringMachine(t)
	b := snap(t, src)
	dst := NewMachine()
	execAt(dst, now, 1, "SET", "only-in-dst", "x")
	execAt(dst, now, 1, "SET", "plain", "dst value")
	if err := dst.Restore(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if dst.dbs[0].get("only-in-dst") != nil {
		t.Error("Restore kept a key the snapshot does not hold")
	}
	if got, want := observe(dst, now), observe(src, now); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSnapshotVersionAfterRestore(t *testing.T) {
	m, now := stringMachine(t)
	r := restored(t, snap(t, m))
	if got, want := r.Version(), m.Version(); got != want || want == 0 {
		t.Fatalf("Version: got %d, want %d (non-zero)", got, want)
	}
	for _, k := range sortedKeys(m) {
		if got, want := r.KeyVersion(0, []byte(k), now), m.KeyVersion(0, []byte(k), now); got != want {
			t.Errorf("KeyVersion(%q): got %d, want %d", k, got, want)
		}
	}
	// The same writes on both keep them identical, versions included.
	for _, mm := range []*Machine{m, r} {
		execAt(mm, now, 1, "SET", "plain", "again")
		execAt(mm, now, 1, "SET", "new", "key")
	}
	if got, want := r.KeyVersion(0, []byte("new"), now), m.Version(); got != want {
		t.Errorf("KeyVersion(new) after restore: got %d, want %d", got, want)
	}
	if !bytes.Equal(snap(t, r), snap(t, m)) {
		t.Fatal("snapshots differ after the same writes")
	}
}

// TestSnapshotIndependentOfHistory builds the same logical state (keys,
// values, expiry, entry versions, machine version, table size) through
// different histories: different insertion orders, a table that grew and
// shrank, keys that came and went. The dict layouts and the snapshots must
// be the same.
func TestSnapshotIndependentOfHistory(t *testing.T) {
	const n = 500
	const now = 1_700_000_000_000
	build := func(order []int, extra int) *Machine {
		m := NewMachine()
		// Junk values in a history-specific order, plus extra keys that grow the table.
		for _, i := range order {
			execAt(m, now, 1, "SET", fmt.Sprint("key:", i), fmt.Sprint("junk", i, extra))
		}
		for i := 0; i < extra; i++ {
			execAt(m, now, 1, "SET", fmt.Sprint("extra:", i), "x")
		}
		c := testWriteCtx(m, now)
		for i := 0; i < extra; i++ {
			c.Delete([]byte(fmt.Sprint("extra:", i)))
		}
		if extra > 0 {
			// Shrink the table: the final pass grows it back.
			for _, i := range order {
				c.Delete([]byte(fmt.Sprint("key:", i)))
			}
		}
		// Pad the machine version so both histories end at the same one.
		m.version = 10 * n
		// The final pass gives every key the same value and version everywhere.
		for i := 0; i < n; i++ {
			execAt(m, now, 1, "SET", fmt.Sprint("key:", i), fmt.Sprint("value", i))
			if i%5 == 0 {
				setExpire(t, m, fmt.Sprint("key:", i), now+int64(i))
			}
		}
		return m
	}
	fwd := make([]int, n)
	rev := make([]int, n)
	mix := make([]int, n)
	for i := range fwd {
		fwd[i], rev[i], mix[i] = i, n-1-i, (i*7919)%n
	}
	a, b, c := build(fwd, 0), build(rev, 3000), build(mix, 70)
	layout := func(m *Machine) string {
		var sb strings.Builder
		m.dbs[0].each(func(e *entry) bool { sb.WriteString(e.key); sb.WriteByte(','); return true })
		return fmt.Sprint(m.dbs[0].buckets.len(), sb.String())
	}
	if layout(a) != layout(b) || layout(a) != layout(c) {
		t.Fatal("same keys and table size, different dict layouts")
	}
	sa, sb, sc := snap(t, a), snap(t, b), snap(t, c)
	if !bytes.Equal(sa, sb) || !bytes.Equal(sa, sc) {
		t.Fatalf("equal states, different snapshots: %d, %d, %d bytes", len(sa), len(sb), len(sc))
	}
	if !bytes.Equal(snap(t, restored(t, sa)), sa) {
		t.Fatal("restored snapshot differs")
	}
}

// TestRestoreCorruptionLeavesMachineUnchanged flips every byte of a small
// snapshot (three ways) and truncates it at every length: each must be
// refused with an error, and the target machine must be exactly as before.
func TestRestoreCorruptionLeavesMachineUnchanged(t *testing.T) {
	src := smallMachine(t)
	b := snap(t, src)

	dst, now := stringMachine(t)
	before := snap(t, dst)
	beforeObs := observe(dst, now)
	check := func(what string, data []byte) {
		t.Helper()
		err := dst.Restore(bytes.NewReader(data))
		if err == nil {
			t.Fatalf("%s: accepted", what)
		}
		if !bytes.Equal(snap(t, dst), before) {
			t.Fatalf("%s: machine changed by a failed restore (%v)", what, err)
		}
	}
	for i := range b {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			c := slices.Clone(b)
			c[i] ^= x
			check(fmt.Sprintf("byte %d ^ %#x", i, x), c)
		}
	}
	for n := 0; n < len(b); n++ {
		check(fmt.Sprintf("truncated to %d bytes", n), b[:n])
	}
	err := dst.Restore(bytes.NewReader(append(slices.Clone(b), 0)))
	if !errors.Is(err, ErrSnapshotTrailingData) {
		t.Fatalf("trailing byte: got %v, want %v", err, ErrSnapshotTrailingData)
	}
	if got := observe(dst, now); got != beforeObs {
		t.Fatal("observable state changed")
	}
	// Finally the intact snapshot is accepted.
	if err := dst.Restore(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snap(t, dst), b) {
		t.Fatal("restored state differs from the snapshot")
	}
}

// smallMachine is a small machine for corruption tests: three keys, one
// with an expiry.
func smallMachine(t *testing.T) *Machine {
	x := newTM(t)
	x.do("SET", "a", "1")
	x.do("SET", "bb", "22")
	x.do("SET", "ccc", "")
	setExpire(t, x.m, "bb", x.now+5000)
	return x.m
}

// snapBuilder assembles snapshots by hand, with valid checksums unless told
// otherwise, to reach the errors that checksums would otherwise hide.
type snapBuilder struct {
	b []byte
}

func newSnapBuilder(version uint64) *snapBuilder {
	return newSnapBuilderFormat(snapshotFormat, version)
}

func newSnapBuilderFormat(format uint16, version uint64) *snapBuilder {
	sb := &snapBuilder{}
	sb.b = append(sb.b, snapshotMagic...)
	sb.b = binary.BigEndian.AppendUint16(sb.b, format)
	sb.b = binary.BigEndian.AppendUint16(sb.b, 0)
	sb.b = binary.BigEndian.AppendUint64(sb.b, version)
	sb.b = binary.BigEndian.AppendUint32(sb.b, crc32.Checksum(sb.b, castagnoli))
	return sb
}

// body returns a record body.
func body(typ Type, expireAt int64, version uint64, key, value string) []byte {
	var b []byte
	b = append(b, byte(typ))
	b = binary.BigEndian.AppendUint64(b, uint64(expireAt))
	b = binary.BigEndian.AppendUint64(b, version)
	b = binary.BigEndian.AppendUint32(b, uint32(len(key)))
	b = append(b, key...)
	return append(b, value...)
}

// record appends a record holding body, with its checksum.
func (sb *snapBuilder) record(body []byte) *snapBuilder {
	start := len(sb.b)
	sb.b = append(sb.b, snapshotKindRecord)
	sb.b = binary.BigEndian.AppendUint32(sb.b, uint32(len(body)))
	sb.b = append(sb.b, body...)
	sb.b = binary.BigEndian.AppendUint32(sb.b, crc32.Checksum(sb.b[start:], castagnoli))
	return sb
}

// db appends a database item for index i, with its checksum and the table
// size of up to 16 keys.
func (sb *snapBuilder) db(i uint32) *snapBuilder { return sb.dbSized(i, dictMinSize) }

// dbSized appends a database item for index i with a table of size buckets.
func (sb *snapBuilder) dbSized(i, size uint32) *snapBuilder {
	start := len(sb.b)
	sb.b = append(sb.b, snapshotKindDatabase)
	sb.b = binary.BigEndian.AppendUint32(sb.b, i)
	sb.b = binary.BigEndian.AppendUint32(sb.b, size)
	sb.b = binary.BigEndian.AppendUint32(sb.b, crc32.Checksum(sb.b[start:], castagnoli))
	return sb
}

// dbV2 appends a format 2 database item (no table size).
func (sb *snapBuilder) dbV2(i uint32) *snapBuilder {
	start := len(sb.b)
	sb.b = append(sb.b, snapshotKindDatabase)
	sb.b = binary.BigEndian.AppendUint32(sb.b, i)
	sb.b = binary.BigEndian.AppendUint32(sb.b, crc32.Checksum(sb.b[start:], castagnoli))
	return sb
}

// raw appends bytes as they are.
func (sb *snapBuilder) raw(b ...byte) *snapBuilder { sb.b = append(sb.b, b...); return sb }

// trailer appends a trailer claiming count records, with a valid checksum.
func (sb *snapBuilder) trailer(count uint64) []byte {
	sb.b = append(sb.b, snapshotKindTrailer)
	sb.b = binary.BigEndian.AppendUint64(sb.b, count)
	return binary.BigEndian.AppendUint32(sb.b, crc32.Checksum(sb.b, castagnoli))
}

func TestRestoreErrors(t *testing.T) {
	good := func() *snapBuilder {
		return newSnapBuilder(9).db(0).record(body(TypeString, 0, 1, "a", "x"))
	}
	withHeader := func(edit func(h []byte)) []byte {
		b := slices.Clone(snap(t, smallMachine(t)))
		edit(b)
		binary.BigEndian.PutUint32(b[16:], crc32.Checksum(b[:16], castagnoli))
		return b
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		want    error
		mention string // a substring the message must hold
	}{
		{"empty stream", nil, ErrSnapshotTruncated, "header"},
		{"bad magic", withHeader(func(h []byte) { copy(h, "RDB0") }), ErrSnapshotMagic, "RDB0"},
		{"format 4", withHeader(func(h []byte) { h[5] = 4 }), ErrSnapshotFormat, "format 4"},
		{"format 0", withHeader(func(h []byte) { h[5] = 0 }), ErrSnapshotFormat, "format 0"},
		{"flags", withHeader(func(h []byte) { h[7] = 1 }), ErrSnapshotFormat, "flags 0x1"},
		{"header checksum", func() []byte { b := snap(t, smallMachine(t)); b[8] ^= 1; return b }(), ErrSnapshotChecksum, "header"},
		{"good", good().trailer(1), nil, ""},
		{"count too high", good().trailer(2), ErrSnapshotCount, "trailer says 2, stream holds 1"},
		{"count too low", good().trailer(0), ErrSnapshotCount, "trailer says 0, stream holds 1"},
		{"no trailer", good().b, ErrSnapshotTruncated, "record 1"},
		{"unknown kind", good().raw('X').trailer(1), ErrSnapshotBadKind, "record 1"},
		{"out of order", good().record(body(TypeString, 0, 1, "0", "y")).trailer(2), ErrSnapshotKeyOrder, "record 1"},
		{"duplicate", good().record(body(TypeString, 0, 1, "a", "y")).trailer(2), ErrSnapshotDuplicateKey, "record 1"},
		{"prefix sorts first", newSnapBuilder(9).db(0).record(body(TypeString, 0, 1, "ab", "")).record(body(TypeString, 0, 1, "a", "")).trailer(2), ErrSnapshotKeyOrder, "record 1"},
		{"type none", good().record(body(TypeNone, 0, 1, "b", "y")).trailer(2), ErrSnapshotBadRecord, "record 1"},
		{"type 200", good().record(body(200, 0, 1, "b", "y")).trailer(2), ErrSnapshotBadRecord, "unknown type byte 200"},
		{"version beyond machine", good().record(body(TypeString, 0, 10, "b", "y")).trailer(2), ErrSnapshotBadRecord, "entry version 10 beyond machine version 9"},
		{"key longer than body", good().record(body(TypeString, 0, 1, "b", "y")[:snapshotBodyFixedBytes]).trailer(2), ErrSnapshotBadRecord, "key length 1, 0 bytes left"},
		{"body too short", good().record(make([]byte, snapshotBodyFixedBytes-1)).trailer(2), ErrSnapshotBadRecord, "minimum 21"},
		{"length beyond limit", good().raw(snapshotKindRecord, 0xff, 0xff, 0xff, 0xff).b, ErrSnapshotTooLarge, "record 1"},
		{"length beyond stream", good().raw(snapshotKindRecord, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3).b, ErrSnapshotTruncated, "record 1"},
		{"record checksum", func() []byte { b := good().trailer(1); b[snapshotHeaderBytes+snapshotDatabaseBytes+6] ^= 1; return b }(), ErrSnapshotChecksum, "record 0"},
		{"record before any database", newSnapBuilder(9).record(body(TypeString, 0, 1, "a", "x")).trailer(1), ErrSnapshotDatabase, "before any database"},
		{"same key in two databases", good().db(3).record(body(TypeString, 0, 1, "a", "y")).trailer(2), nil, ""},
		{"key order restarts per database", good().db(1).record(body(TypeString, 0, 1, "0", "y")).trailer(2), nil, ""},
		{"databases out of order", good().db(2).record(body(TypeString, 0, 1, "a", "y")).db(1).record(body(TypeString, 0, 1, "a", "y")).trailer(3), ErrSnapshotDatabase, "database 1 after 2"},
		{"database twice", good().db(0).record(body(TypeString, 0, 1, "b", "y")).trailer(2), ErrSnapshotDatabase, "database 0 after 0"},
		{"database out of range", good().db(Databases).record(body(TypeString, 0, 1, "a", "y")).trailer(2), ErrSnapshotDatabase, "database 16"},
		{"empty database section", good().db(1).db(2).record(body(TypeString, 0, 1, "a", "y")).trailer(2), ErrSnapshotDatabase, "database 1 has no records"},
		{"empty last database", good().db(1).trailer(1), ErrSnapshotDatabase, "database 1 has no records"},
		{"database checksum", func() []byte { b := good().trailer(1); b[snapshotHeaderBytes+4] ^= 1; return b }(), ErrSnapshotChecksum, "database item"},
		{"format 2", newSnapBuilderFormat(snapshotFormatV2, 9).dbV2(0).record(body(TypeString, 0, 1, "a", "x")).dbV2(2).record(body(TypeString, 0, 1, "b", "x")).trailer(2), nil, ""},
		{"table size 0", newSnapBuilder(9).dbSized(0, 0).record(body(TypeString, 0, 1, "a", "x")).trailer(1), ErrSnapshotDatabase, "table size 0"},
		{"table size not a power of two", newSnapBuilder(9).dbSized(0, 48).record(body(TypeString, 0, 1, "a", "x")).trailer(1), ErrSnapshotDatabase, "a table of 48 buckets cannot hold 1 keys"},
		{"table below the minimum", newSnapBuilder(9).dbSized(0, 8).record(body(TypeString, 0, 1, "a", "x")).trailer(1), ErrSnapshotDatabase, "a table of 8 buckets"},
		{"table too large for its keys", newSnapBuilder(9).dbSized(0, 1<<31).record(body(TypeString, 0, 1, "a", "x")).trailer(1), ErrSnapshotDatabase, "a table of 2147483648 buckets cannot hold 1 keys"},
		{"table of 32 for 3 keys", newSnapBuilder(9).dbSized(0, 32).record(body(TypeString, 0, 1, "a", "x")).record(body(TypeString, 0, 1, "b", "x")).record(body(TypeString, 0, 1, "c", "x")).trailer(3), ErrSnapshotDatabase, "a table of 32 buckets cannot hold 3 keys"},
		{"table of 32 for 4 keys", newSnapBuilder(9).dbSized(0, 32).record(body(TypeString, 0, 1, "a", "x")).record(body(TypeString, 0, 1, "b", "x")).record(body(TypeString, 0, 1, "c", "x")).record(body(TypeString, 0, 1, "d", "x")).trailer(4), nil, ""},
		{"format 1", newSnapBuilderFormat(snapshotFormatV1, 9).record(body(TypeString, 0, 1, "a", "x")).trailer(1), nil, ""},
		{"format 1 with a database item", newSnapBuilderFormat(snapshotFormatV1, 9).db(0).record(body(TypeString, 0, 1, "a", "x")).trailer(1), ErrSnapshotBadKind, "0x44"},
		{"total checksum", func() []byte { b := good().trailer(1); b[len(b)-1] ^= 1; return b }(), ErrSnapshotChecksum, "trailer"},
		{"trailing data", append(good().trailer(1), 'R'), ErrSnapshotTrailingData, ""},
	} {
		m := NewMachine()
		err := m.Restore(bytes.NewReader(tc.data))
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("%s: got %v, want success", tc.name, err)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		case err != nil && !strings.Contains(err.Error(), tc.mention):
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.mention)
		case err != nil && m.Len() != 0:
			t.Errorf("%s: failed restore left %d keys", tc.name, m.Len())
		}
	}
}

// TestRestoreReaderErrors: errors of the underlying reader are reported as
// such (not as corruption), and a one-byte-at-a-time reader works.
func TestRestoreReaderErrors(t *testing.T) {
	m, now := stringMachine(t)
	b := snap(t, m)
	r := NewMachine()
	if err := r.Restore(iotest.OneByteReader(bytes.NewReader(b))); err != nil {
		t.Fatalf("one-byte reader: %v", err)
	}
	if got, want := observe(r, now), observe(m, now); got != want {
		t.Fatal("one-byte reader: state differs")
	}
	if err := r.Restore(iotest.DataErrReader(bytes.NewReader(b))); err != nil {
		t.Fatalf("data+EOF reader: %v", err)
	}
	boom := errors.New("boom")
	for _, n := range []int{0, 10, len(b) / 2, len(b) - 1} {
		err := r.Restore(io.MultiReader(bytes.NewReader(b[:n]), iotest.ErrReader(boom)))
		if !errors.Is(err, boom) || errors.Is(err, ErrSnapshotTruncated) {
			t.Errorf("reader error after %d bytes: got %v, want %v", n, err, boom)
		}
	}
	if !bytes.Equal(snap(t, r), b) {
		t.Fatal("a failed restore changed the machine")
	}
}

// failWriter fails once more than n bytes have been written.
type failWriter struct{ n int }

var errWriteFailed = errors.New("write failed")

func (w *failWriter) Write(b []byte) (int, error) {
	if len(b) > w.n {
		k := w.n
		w.n = 0
		return k, errWriteFailed
	}
	w.n -= len(b)
	return len(b), nil
}

func TestSnapshotWriteErrors(t *testing.T) {
	m, _ := stringMachine(t)
	size := len(snap(t, m))
	for _, n := range []int{0, 1, snapshotBufferBytes - 1, snapshotBufferBytes + 1, size - 1} {
		if err := m.Snapshot(&failWriter{n: n}); !errors.Is(err, errWriteFailed) {
			t.Errorf("writer failing after %d of %d bytes: got %v, want %v", n, size, err, errWriteFailed)
		}
	}
	if err := m.Snapshot(&failWriter{n: size}); err != nil {
		t.Errorf("writer with exactly enough room: %v", err)
	}
}

// needCommands skips a collection test until the commands it needs are
// merged.
func needCommands(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if Lookup([]byte(n)) == nil {
			t.Skipf("collection family not merged yet (%s missing)", n)
		}
	}
}

// checkCollectionRoundTrip snapshots x's machine, restores it, and checks
// that the copy is identical: same snapshot bytes, same replies to reads and
// to seeded random reads, and the same state after the same seeded random
// writes (the restored collection must keep the order SPOP and friends
// depend on).
func checkCollectionRoundTrip(t *testing.T, x *tm, writes [][]string) {
	t.Helper()
	b := snap(t, x.m)
	r := restored(t, b)
	if got := snap(t, r); !bytes.Equal(got, b) {
		t.Fatalf("snapshot of the restored machine differs: got %d bytes, want %d", len(got), len(b))
	}
	if got, want := observe(r, x.now), observe(x.m, x.now); got != want {
		t.Fatalf("restored machine differs:\ngot:\n%s\nwant:\n%s", got, want)
	}
	for i, w := range writes {
		if Lookup([]byte(w[0])) == nil {
			continue
		}
		seed := uint64(1000 + i)
		if got, want := execAt(r, x.now, seed, w...), execAt(x.m, x.now, seed, w...); got != want {
			t.Errorf("%q after restore: got %q, want %q", w, got, want)
		}
	}
	if !bytes.Equal(snap(t, r), snap(t, x.m)) {
		t.Fatal("states differ after the same writes")
	}
}

func TestSnapshotRoundTripHash(t *testing.T) {
	needCommands(t, "hset")
	x := newTM(t)
	x.do("HSET", "h", "f1", "v1", "f2", "", "", "empty field", "bin\x00", "\xff")
	for i := 0; i < 200; i++ {
		x.do("HSET", "big", fmt.Sprint("field", i), strings.Repeat("v", i))
	}
	x.do("HSET", "small", "only", "1")
	x.do("HSET", "ttl", "a", "b")
	setExpire(t, x.m, "ttl", x.now+1000)
	x.do("SET", "str", "s")
	checkCollectionRoundTrip(t, x, [][]string{
		{"hset", "h", "f3", "v3"}, {"hdel", "big", "field7"}, {"hrandfield", "big", "3"},
	})
}

func TestSnapshotRoundTripList(t *testing.T) {
	needCommands(t, "rpush")
	x := newTM(t)
	x.do("RPUSH", "l", "a", "", "c", "bin\x00\xff")
	for i := 0; i < 1000; i++ {
		x.do("RPUSH", "long", fmt.Sprint(i))
	}
	if Lookup([]byte("lpush")) != nil {
		x.do("LPUSH", "long", "head")
	}
	x.do("RPUSH", "ttl", "x")
	setExpire(t, x.m, "ttl", x.now-1) // expired, not removed
	checkCollectionRoundTrip(t, x, [][]string{
		{"rpush", "l", "d"}, {"lpop", "long", "3"}, {"lset", "long", "10", "ten"},
	})
}

func TestSnapshotRoundTripSet(t *testing.T) {
	needCommands(t, "sadd")
	x := newTM(t)
	x.do("SADD", "s", "a", "b", "", "bin\x00\xff")
	ints := []string{"SADD", "ints"}
	for i := 0; i < 100; i++ {
		ints = append(ints, fmt.Sprint(i*3))
	}
	x.do(ints...)
	for i := 0; i < 500; i++ {
		x.do("SADD", "big", fmt.Sprint("member", i))
	}
	if Lookup([]byte("srem")) != nil {
		for i := 0; i < 500; i += 3 {
			x.do("SREM", "big", fmt.Sprint("member", i))
		}
	}
	x.do("SADD", "ttl", "m")
	setExpire(t, x.m, "ttl", x.now+1000)
	checkCollectionRoundTrip(t, x, [][]string{
		{"spop", "big", "5"}, {"spop", "ints"}, {"srandmember", "s", "-10"}, {"sadd", "s", "new"},
	})
}

func TestSnapshotRoundTripZSet(t *testing.T) {
	needCommands(t, "zadd")
	x := newTM(t)
	x.do("ZADD", "z", "1", "a", "2", "b", "-inf", "", "inf", "bin\x00\xff", "0.1", "c", "-0", "negzero")
	for i := 0; i < 300; i++ {
		x.do("ZADD", "big", fmt.Sprint(i%17), fmt.Sprint("member", i))
	}
	x.do("ZADD", "ttl", "5", "m")
	setExpire(t, x.m, "ttl", x.now+1000)
	checkCollectionRoundTrip(t, x, [][]string{
		{"zadd", "z", "3", "d"}, {"zpopmin", "big", "4"}, {"zrandmember", "big", "-5", "withscores"},
	})
}

func FuzzRestore(f *testing.F) {
	seed := func(build func(x *tm)) {
		x := &tm{m: NewMachine(), now: 1_700_000_000_000, proto: 2}
		build(x)
		var b bytes.Buffer
		if err := x.m.Snapshot(&b); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	run := func(x *tm, args ...string) { execAt(x.m, x.now, 1, args...) }
	seed(func(x *tm) {})
	seed(func(x *tm) { run(x, "SET", "k", "v") })
	seed(func(x *tm) {
		run(x, "SET", "a", "1")
		run(x, "SET", "b", "")
		testWriteCtx(x.m, 0).SetExpire(x.m.dbs[0].get("b"), x.now+1)
	})
	for _, c := range [][]string{
		{"HSET", "h", "f", "v"}, {"RPUSH", "l", "a", "b"}, {"SADD", "s", "1", "x"}, {"ZADD", "z", "1.5", "m"},
	} {
		if Lookup([]byte(c[0])) != nil {
			seed(func(x *tm) { run(x, c...) })
		}
	}
	seed(func(x *tm) {
		run(x, "SET", "k", "v")
		execDBAt(x.m, 3, x.now, "SET", "k", "three")
		execDBAt(x.m, 15, x.now, "SET", "a", "last")
	})
	// A format-1 stream (database 0 only).
	f.Add(newSnapBuilderFormat(snapshotFormatV1, 9).record(body(TypeString, 0, 1, "a", "x")).trailer(1))
	f.Add([]byte(snapshotMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := NewMachine()
		execAt(m, 0, 1, "SET", "pre", "existing")
		before := snap(t, m)
		if err := m.Restore(bytes.NewReader(data)); err != nil {
			if !bytes.Equal(snap(t, m), before) {
				t.Fatalf("failed restore (%v) changed the machine", err)
			}
			return
		}
		// Whatever is accepted snapshots again stably, and exactly as read
		// when it holds only strings (whose encoding has a single form).
		again := snap(t, m)
		if !bytes.Equal(snap(t, restored(t, again)), again) {
			t.Fatal("snapshot not stable across restore")
		}
		// (Format 1 is read, never written: its canonical form is format 2.)
		onlyStrings := binary.BigEndian.Uint16(data[4:]) == snapshotFormat
		for _, d := range m.dbs {
			d.each(func(e *entry) bool { onlyStrings = onlyStrings && e.obj == nil; return onlyStrings })
		}
		if onlyStrings && !bytes.Equal(again, data) {
			t.Fatalf("accepted a non-canonical snapshot:\n in %x\nout %x", data, again)
		}
		// And the machine works.
		execAt(m, 1, 2, "SET", "after", "restore")
		observe(m, 1)
	})
}

// execDBAt runs one command in database db at nowMs.
func execDBAt(m *Machine, db int, nowMs int64, args ...string) string {
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	w := NewWriter(nil, 2)
	m.Exec(&Cmd{Args: a, NowMs: nowMs, Proto: 2, DB: db}, w)
	return string(w.Bytes())
}

// appendTestKey appends the i-th key and value of the 1M-key benchmarks and
// of the memory measurement ("key:%012d" and a 64-byte "val:%060d"), the
// same bytes scripts/bench-memory.sh loads into Redis.
func appendTestKey(key, val []byte, i int) ([]byte, []byte) {
	key = fmt.Appendf(key[:0], "key:%012d", i)
	val = fmt.Appendf(val[:0], "val:%060d", i)
	return key, val
}

// loadStrings SETs n keys (appendTestKey) into m through Exec.
func loadStrings(m *Machine, n int) {
	var key, val []byte
	args := [][]byte{[]byte("SET"), nil, nil}
	w := NewWriter(nil, 2)
	for i := 0; i < n; i++ {
		key, val = appendTestKey(key, val, i)
		args[1], args[2] = key, val
		w.Reset()
		m.Exec(&Cmd{Args: args, NowMs: 1_700_000_000_000, Seed: uint64(i), Proto: 2}, w)
	}
}

const benchKeys = 1_000_000

func BenchmarkSnapshot1M(b *testing.B) {
	m := NewMachine()
	loadStrings(m, benchKeys)
	var cw countWriter
	b.ReportAllocs()
	for b.Loop() {
		cw.n = 0
		if err := m.Snapshot(&cw); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(cw.n)
}

func BenchmarkRestore1M(b *testing.B) {
	m := NewMachine()
	loadStrings(m, benchKeys)
	var buf bytes.Buffer
	if err := m.Snapshot(&buf); err != nil {
		b.Fatal(err)
	}
	m = nil
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	r := NewMachine()
	for b.Loop() {
		if err := r.Restore(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	if r.Len() != benchKeys {
		b.Fatalf("restored %d keys, want %d", r.Len(), benchKeys)
	}
}

// countWriter counts bytes and discards them.
type countWriter struct{ n int64 }

func (w *countWriter) Write(b []byte) (int, error) { w.n += int64(len(b)); return len(b), nil }

// TestRestoreTableBound: a database item claiming a table far larger than
// its keys is refused at the end of the database, and the restore never
// allocates that table on the way (growForRestore grows by at most
// dictRestoreGrowth buckets per key read): 5,000 keys under a claimed 2^30
// buckets (8 GiB of pointers) allocate a few MiB.
func TestRestoreTableBound(t *testing.T) {
	sb := newSnapBuilder(9).dbSized(0, 1<<30)
	const keys = 5000
	for i := range keys {
		sb.record(body(TypeString, 0, 1, fmt.Sprintf("k%06d", i), "x"))
	}
	data := sb.trailer(keys)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := NewMachine().Restore(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrSnapshotDatabase) || !strings.Contains(err.Error(), "a table of 1073741824 buckets cannot hold 5000 keys") {
		t.Fatalf("got %v, want the table refused", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Fatalf("restore allocated %d bytes for %d keys", got, keys)
	}

	// The same keys under the table they need restore, into that table.
	sb = newSnapBuilder(9).dbSized(0, 8192)
	for i := range keys {
		sb.record(body(TypeString, 0, 1, fmt.Sprintf("k%06d", i), "x"))
	}
	m := NewMachine()
	if err := m.Restore(bytes.NewReader(sb.trailer(keys))); err != nil {
		t.Fatal(err)
	}
	if d := m.dbs[0].dict; d.size() != 8192 || d.len() != keys || d.rehashing() {
		t.Fatalf("restored table: %d buckets, %d keys, rehashing %v; want 8192, %d, false", d.size(), d.len(), d.rehashing(), keys)
	}
}

package kv

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"testing"
)

// runSelecting runs steps as a connection would: SELECT (the edge's command)
// changes the database of the following commands; everything else runs in
// the machine. The same steps replayed on redis-server (skAgainstRedis)
// check the expected replies.
func (x *tm) runSelecting(steps []step) {
	x.t.Helper()
	for _, s := range steps {
		var got string
		if len(s.args) == 2 && cstrEq([]byte(s.args[0]), "SELECT") {
			w := NewWriter(nil, int(x.proto))
			x.db = txSelect(x.db, [][]byte{[]byte(s.args[0]), []byte(s.args[1])}, w)
			got = string(w.Bytes())
		} else {
			got = x.do(s.args...)
		}
		if got != s.want {
			x.t.Errorf("db %d %q: got %q, want %q", x.db, s.args, got, s.want)
		}
	}
}

func TestDatabasesAreSeparate(t *testing.T) {
	steps := []step{
		{cmd("SET", "k", "zero"), skOK},
		{cmd("SELECT", "1"), skOK},
		{cmd("GET", "k"), skNull},
		{cmd("SET", "k", "one"), skOK},
		{cmd("SET", "only1", "x", "PX", "100000"), skOK},
		{cmd("DBSIZE"), skInt(2)},
		{cmd("KEYS", "o*"), skArr(skBulk("only1"))},
		{cmd("SELECT", "0"), skOK},
		{cmd("GET", "k"), skBulk("zero")},
		{cmd("EXISTS", "only1"), skInt(0)},
		{cmd("DBSIZE"), skInt(1)},
		{cmd("SELECT", "15"), skOK},
		{cmd("DBSIZE"), skInt(0)},
		{cmd("RANDOMKEY"), skNull},
		{cmd("SELECT", "16"), skErr(ErrDBIndex)},
		{cmd("SELECT", "-1"), skErr(ErrDBIndex)},
		{cmd("SELECT", "x"), skNotInt},
		{cmd("SELECT", "4294967296"), skErr(errDBIntRange)},
		{cmd("DBSIZE"), skInt(0)}, // still 15
		{cmd("SELECT", "1"), skOK},
		{cmd("FLUSHDB"), skOK},
		{cmd("DBSIZE"), skInt(0)},
		{cmd("SELECT", "0"), skOK},
		{cmd("DBSIZE"), skInt(1)},
		{cmd("SELECT", "2"), skOK},
		{cmd("SET", "two", "2"), skOK},
		{cmd("FLUSHALL", "ASYNC"), skOK},
		{cmd("DBSIZE"), skInt(0)},
		{cmd("SELECT", "0"), skOK},
		{cmd("DBSIZE"), skInt(0)},
		{cmd("FLUSHDB", "LAZY"), skSyntax},
		{cmd("FLUSHALL", "SYNC", "x"), skSyntax},
	}
	x := newTM(t)
	x.runSelecting(steps)
	skAgainstRedis(t, 2, steps)
	if got := x.m.Len(); got != 0 {
		t.Errorf("Len after FLUSHALL: %d", got)
	}
}

func TestMove(t *testing.T) {
	steps := []step{
		{cmd("MOVE", "k", "1"), skInt(0)},
		{cmd("SET", "k", "v"), skOK},
		{cmd("MOVE", "k", "0"), skErr(errKeySameObject)},
		{cmd("MOVE", "k", "16"), skErr(ErrDBIndex)},
		{cmd("MOVE", "k", "-1"), skErr(ErrDBIndex)},
		{cmd("MOVE", "k", "one"), skNotInt},
		{cmd("MOVE", "k", "2147483648"), skErr(errDBIntRange)},
		{cmd("MOVE", "k"), skErr("ERR wrong number of arguments for 'move' command")},
		{cmd("PEXPIRE", "k", "100000"), skInt(1)},
		{cmd("MOVE", "k", "3"), skInt(1)},
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("SELECT", "3"), skOK},
		{cmd("GET", "k"), skBulk("v")},
		{cmd("PEXPIRETIME", "k"), skInt(1_700_000_100_000)},
		{cmd("SET", "k2", "there"), skOK},
		{cmd("SELECT", "0"), skOK},
		{cmd("SET", "k2", "here"), skOK},
		{cmd("MOVE", "k2", "3"), skInt(0)}, // exists in the target
		{cmd("GET", "k2"), skBulk("here")},
		{cmd("RPUSH", "l", "a", "b"), skInt(2)},
		{cmd("MOVE", "l", "3"), skInt(1)},
		{cmd("SELECT", "3"), skOK},
		{cmd("LRANGE", "l", "0", "-1"), skArr(skBulk("a"), skBulk("b"))},
		{cmd("DBSIZE"), skInt(3)},
	}
	x := newTM(t)
	x.runSelecting(steps)
	if got := x.m.Expires(); got != 1 {
		t.Errorf("Expires after moving the volatile key: %d, want 1", got)
	}
	if ks := x.m.Keyspace(); !slices.Equal(ks, []KeyspaceInfo{{DB: 0, Keys: 1}, {DB: 3, Keys: 3, Expires: 1}}) {
		t.Errorf("Keyspace: %+v", ks)
	}
	// Replayed without the clock-dependent step.
	steps = slices.DeleteFunc(steps, func(s step) bool { return s.args[0] == "PEXPIRETIME" })
	skAgainstRedis(t, 2, steps)

	// An expired key in the target does not block the move.
	y := newTM(t)
	y.runSelecting([]step{
		{cmd("SELECT", "1"), skOK},
		{cmd("SET", "k", "old", "PX", "10"), skOK},
		{cmd("SELECT", "0"), skOK},
		{cmd("SET", "k", "new"), skOK},
	})
	y.now += 20
	y.runSelecting([]step{
		{cmd("MOVE", "k", "1"), skInt(1)},
		{cmd("SELECT", "1"), skOK},
		{cmd("GET", "k"), skBulk("new")},
		{cmd("TTL", "k"), skInt(-1)},
	})
	if got := y.m.Expires(); got != 0 {
		t.Errorf("Expires: %d, want 0", got)
	}
}

func TestSwapDB(t *testing.T) {
	steps := []step{
		{cmd("SET", "a", "0"), skOK},
		{cmd("SELECT", "1"), skOK},
		{cmd("SET", "b", "1"), skOK},
		{cmd("SWAPDB", "0", "1"), skOK},
		{cmd("GET", "a"), skBulk("0")},
		{cmd("GET", "b"), skNull},
		{cmd("SWAPDB", "1", "1"), skOK},
		{cmd("GET", "a"), skBulk("0")},
		{cmd("SWAPDB", "0", "16"), skErr(ErrDBIndex)},
		{cmd("SWAPDB", "-1", "0"), skErr(ErrDBIndex)},
		{cmd("SWAPDB", "x", "0"), skErr("ERR invalid first DB index")},
		{cmd("SWAPDB", "0", "x"), skErr("ERR invalid second DB index")},
		{cmd("SWAPDB", "4294967296", "0"), skErr("ERR invalid first DB index")},
		{cmd("SWAPDB", "0"), skErr("ERR wrong number of arguments for 'swapdb' command")},
		{cmd("SELECT", "0"), skOK},
		{cmd("GET", "b"), skBulk("1")},
		{cmd("SWAPDB", "0", "9"), skOK},
		{cmd("DBSIZE"), skInt(0)},
		{cmd("SELECT", "9"), skOK},
		{cmd("GET", "b"), skBulk("1")},
	}
	x := newTM(t)
	x.runSelecting(steps)
	skAgainstRedis(t, 2, steps)
}

func TestCopyToAnotherDB(t *testing.T) {
	steps := []step{
		{cmd("SET", "k", "v"), skOK},
		{cmd("COPY", "k", "k", "DB", "1"), skInt(1)},
		{cmd("COPY", "k", "k", "DB", "1"), skInt(0)},
		{cmd("SET", "k", "w"), skOK},
		{cmd("COPY", "k", "k", "DB", "1", "REPLACE"), skInt(1)},
		{cmd("COPY", "k", "k"), skErr(errKeySameObject)},
		{cmd("COPY", "k", "k", "DB", "0"), skErr(errKeySameObject)},
		{cmd("SADD", "s", "m"), skInt(1)},
		{cmd("COPY", "s", "s2", "DB", "15"), skInt(1)},
		{cmd("SELECT", "1"), skOK},
		{cmd("GET", "k"), skBulk("w")},
		{cmd("SET", "k", "changed"), skOK},
		{cmd("COPY", "k", "k", "DB", "0"), skInt(0)},
		{cmd("SELECT", "0"), skOK},
		{cmd("GET", "k"), skBulk("w")},
		{cmd("SELECT", "15"), skOK},
		{cmd("SMEMBERS", "s2"), skArr(skBulk("m"))},
		{cmd("DBSIZE"), skInt(1)},
	}
	x := newTM(t)
	x.runSelecting(steps)
	skAgainstRedis(t, 2, steps)
}

// execTx runs a transaction starting in database db.
func (x *tm) execTx(db int, watches []Watch, cmds ...[]string) string {
	tx := &Tx{Watches: watches}
	for _, c := range cmds {
		a := make([][]byte, len(c))
		for i, s := range c {
			a[i] = []byte(s)
		}
		tx.Cmds = append(tx.Cmds, a)
	}
	w := NewWriter(nil, 2)
	x.m.Exec(&Cmd{Args: [][]byte{[]byte("EXEC")}, NowMs: x.now, Proto: 2, DB: db, Tx: tx}, w)
	return string(w.Bytes())
}

func TestTxSelectChangesTheDatabase(t *testing.T) {
	x := newTM(t)
	got := x.execTx(2, nil,
		cmd("SET", "k", "two"),
		cmd("SELECT", "5"),
		cmd("SET", "k", "five"),
		cmd("SELECT", "99"),
		cmd("SELECT", "x"),
		cmd("SELECT"),
		cmd("GET", "k"),
		cmd("DBSIZE"))
	want := skArr(skOK, skOK, skOK, skErr(ErrDBIndex), skNotInt, skErr("ERR wrong number of arguments for 'select' command"), skBulk("five"), skInt(1))
	if got != want {
		t.Fatalf("EXEC: got %q, want %q", got, want)
	}
	for db, v := range map[int]string{2: "two", 5: "five"} {
		x.db = db
		if got := x.do("GET", "k"); got != skBulk(v) {
			t.Errorf("db %d: GET k = %q, want %q", db, got, v)
		}
	}
	x.db = 0
	if got := x.do("DBSIZE"); got != skInt(0) {
		t.Errorf("db 0: DBSIZE = %q", got)
	}
	// A command for a database the machine does not have.
	w := NewWriter(nil, 2)
	x.m.Exec(&Cmd{Args: [][]byte{[]byte("GET"), []byte("k")}, DB: Databases, Proto: 2}, w)
	if got := string(w.Bytes()); got != skErr(ErrDBIndex) {
		t.Errorf("Cmd.DB = %d: got %q", Databases, got)
	}
}

func TestWatchRemembersTheDatabase(t *testing.T) {
	x := newTM(t)
	x.db = 5
	x.do("SET", "x", "30")
	watch := []Watch{{DB: 5, Key: []byte("x"), Version: x.m.KeyVersion(5, []byte("x"), x.now)}}
	x.db = 1
	x.do("SET", "x", "10")
	if got := x.execTx(5, watch, cmd("PING")); got != skArr("+PONG\r\n") {
		t.Fatalf("EXEC after writing x in another db: got %q", got)
	}
	x.db = 5
	x.do("SET", "x", "31")
	if got := x.execTx(5, watch, cmd("PING")); got != "*-1\r\n" {
		t.Fatalf("EXEC after writing the watched x: got %q", got)
	}
}

// TestSwapDBAndWatch mirrors Redis's unit/multi SWAPDB tests: a watched key
// fires when SWAPDB gives its database another entry (or takes it away),
// not when it stays absent or expired on both sides.
func TestSwapDBAndWatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(x *tm)
		fires bool
	}{
		{"exists in 0 only", func(x *tm) { x.do("SET", "x", "1") }, true},
		{"exists in 1 only", func(x *tm) { x.db = 1; x.do("SET", "x", "1") }, true},
		{"exists in both", func(x *tm) { x.do("SET", "x", "1"); x.db = 1; x.do("SET", "x", "1") }, true},
		{"absent in both", func(x *tm) { x.do("SET", "y", "1") }, false},
		{"stale in 0, absent in 1", func(x *tm) { x.do("SET", "x", "1", "PX", "1") }, false},
		{"absent in 0, stale in 1", func(x *tm) { x.db = 1; x.do("SET", "x", "1", "PX", "1") }, false},
		{"stale in both", func(x *tm) { x.do("SET", "x", "1", "PX", "1"); x.db = 1; x.do("SET", "x", "2", "PX", "1") }, false},
	} {
		x := newTM(t)
		tc.setup(x)
		x.db = 0
		x.now += 5
		watch := []Watch{{DB: 0, Key: []byte("x"), Version: x.m.KeyVersion(0, []byte("x"), x.now)}}
		x.do("SWAPDB", "0", "1")
		got := x.execTx(0, watch, cmd("PING"))
		if fired := got == "*-1\r\n"; fired != tc.fires {
			t.Errorf("%s: EXEC replied %q, want fired=%v", tc.name, got, tc.fires)
		}
	}
}

func TestFlushesTouchWatchedKeys(t *testing.T) {
	for _, tc := range []struct {
		flush []string
		db    int // the database the flush runs in
		fires bool
	}{
		{cmd("FLUSHDB"), 3, true},
		{cmd("FLUSHDB"), 0, false},
		{cmd("FLUSHALL"), 0, true},
	} {
		x := newTM(t)
		x.db = 3
		x.do("SET", "x", "1")
		watch := []Watch{{DB: 3, Key: []byte("x"), Version: x.m.KeyVersion(3, []byte("x"), x.now)}}
		x.db = tc.db
		x.do(tc.flush...)
		if fired := x.execTx(3, watch, cmd("PING")) == "*-1\r\n"; fired != tc.fires {
			t.Errorf("%q in db %d: fired=%v, want %v", tc.flush, tc.db, fired, tc.fires)
		}
	}
}

func TestCmdEncodingCarriesTheDatabase(t *testing.T) {
	c := &Cmd{Args: [][]byte{[]byte("EXEC")}, NowMs: 42, Seed: 7, Proto: 3, DB: 13, Tx: &Tx{
		Watches: []Watch{{DB: 9, Key: []byte("w"), Version: 5}, {DB: 0, Key: []byte("v"), Version: 0}},
		Cmds:    [][][]byte{{[]byte("SELECT"), []byte("2")}, {[]byte("SET"), []byte("a"), []byte("b")}},
	}}
	b := c.AppendEncode(nil)
	if b[0] != cmdEncodingVersion {
		t.Fatalf("version byte %d", b[0])
	}
	d, rest, err := DecodeCmd(b)
	if err != nil || len(rest) != 0 {
		t.Fatalf("decode: %v, %d bytes left", err, len(rest))
	}
	if d.DB != 13 || d.Tx.Watches[0].DB != 9 || d.Tx.Watches[1].DB != 0 || string(d.Tx.Watches[0].Key) != "w" ||
		d.Tx.Watches[0].Version != 5 || d.NowMs != 42 || d.Seed != 7 || d.Proto != 3 || len(d.Tx.Cmds) != 2 {
		t.Fatalf("decoded %+v, watches %+v", d, d.Tx.Watches)
	}
	if !bytes.Equal(d.AppendEncode(nil), b) {
		t.Fatal("re-encoding differs")
	}

	// Version 1, as written before databases: no db fields, database 0.
	v1 := []byte{1, 2, 1}
	v1 = binary.AppendVarint(v1, 42)
	v1 = binary.AppendUvarint(v1, 7)
	v1 = append(v1, 1, 4, 'E', 'X', 'E', 'C') // args
	v1 = append(v1, 1, 1, 'w', 5)             // one watch: key w, version 5
	v1 = append(v1, 1, 2, 3, 'G', 'E', 'T', 1, 'w')
	d, rest, err = DecodeCmd(v1)
	if err != nil || len(rest) != 0 {
		t.Fatalf("decode v1: %v, %d bytes left", err, len(rest))
	}
	if d.DB != 0 || d.NowMs != 42 || d.Seed != 7 || len(d.Tx.Watches) != 1 || d.Tx.Watches[0].DB != 0 ||
		string(d.Tx.Watches[0].Key) != "w" || d.Tx.Watches[0].Version != 5 || string(d.Tx.Cmds[0][1]) != "w" {
		t.Fatalf("decoded v1 %+v, watches %+v", d, d.Tx.Watches)
	}

	// A database index that does not fit an int32 is refused.
	bad := []byte{cmdEncodingVersion, 2, 0}
	bad = binary.AppendUvarint(bad, 1<<31)
	bad = binary.AppendVarint(bad, 0)
	bad = binary.AppendUvarint(bad, 0)
	bad = append(bad, 0)
	if _, _, err := DecodeCmd(bad); err == nil {
		t.Fatal("db 2^31 decoded")
	}
}

// multiDBMachine writes keys to several databases, one of them volatile.
func multiDBMachine(t *testing.T, order []int) *Machine {
	x := newTM(t)
	for _, db := range order {
		x.db = db
		x.do("SET", "k", "v"+string(rune('a'+db)))
		x.do("RPUSH", "l", "x")
	}
	x.db = 7
	x.do("SET", "t", "v", "PX", "100000")
	return x.m
}

func TestSnapshotDatabases(t *testing.T) {
	m := multiDBMachine(t, []int{0, 3, 15})
	b := snap(t, m)
	r := NewMachine()
	if err := r.Restore(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snap(t, r), b) {
		t.Fatal("snapshot of the restored machine differs")
	}
	if got, want := r.Keyspace(), m.Keyspace(); !slices.Equal(got, want) {
		t.Fatalf("Keyspace after restore %+v, want %+v", got, want)
	}
	if got := r.Keyspace(); !slices.Equal(got, []KeyspaceInfo{{0, 2, 0}, {3, 2, 0}, {7, 1, 1}, {15, 2, 0}}) {
		t.Fatalf("Keyspace %+v", got)
	}
	for _, db := range []int{0, 3, 15} {
		e := r.dbs[db].get("k")
		if e == nil || string(e.str) != "v"+string(rune('a'+db)) {
			t.Errorf("db %d: k = %+v", db, e)
		}
	}
	// Same logical state after another history: same bytes? Versions
	// differ with the order of writes, so compare two machines built the
	// same way instead, and a machine whose databases were swapped back.
	if !bytes.Equal(snap(t, multiDBMachine(t, []int{0, 3, 15})), b) {
		t.Fatal("same history, different snapshot")
	}
	s := multiDBMachine(t, []int{0, 3, 15})
	ctx := testWriteCtx(s, 0)
	ctx.SwapDB(3, 15)
	ctx.SwapDB(15, 3)
	if !bytes.Equal(snap(t, s), b) {
		t.Fatal("swapping twice changed the snapshot")
	}
	ctx.SwapDB(0, 1)
	if bytes.Equal(snap(t, s), b) {
		t.Fatal("swapping databases left the snapshot unchanged")
	}
}

func TestSnapshotFormat1RestoresIntoDatabaseZero(t *testing.T) {
	// A format-1 stream: header, one record, trailer (docs/snapshot-format.md).
	b := []byte(snapshotMagic)
	b = binary.BigEndian.AppendUint16(b, snapshotFormatV1)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint64(b, 1)
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	rec := []byte{snapshotKindRecord, 0, 0, 0, 0}
	bd := body(TypeString, 0, 1, "a", "1")
	binary.BigEndian.PutUint32(rec[1:], uint32(len(bd)))
	rec = append(rec, bd...)
	rec = binary.BigEndian.AppendUint32(rec, crc32.Checksum(rec, castagnoli))
	b = append(b, rec...)
	b = append(b, snapshotKindTrailer)
	b = binary.BigEndian.AppendUint64(b, 1)
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))

	m := NewMachine()
	if err := m.Restore(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if e := m.dbs[0].get("a"); e == nil || string(e.str) != "1" || m.Len() != 1 || m.Version() != 1 {
		t.Fatalf("restored %+v, len %d", e, m.Len())
	}
	// Written back in format 2.
	out := snap(t, m)
	if got := binary.BigEndian.Uint16(out[4:]); got != snapshotFormat {
		t.Fatalf("written format %d", got)
	}
}

func TestActiveExpiryPerDatabase(t *testing.T) {
	x := newTM(t)
	x.db = 4
	x.do("SET", "a", "1", "PX", "10")
	x.db = 9
	x.do("SET", "b", "1", "PX", "10")
	x.do("SET", "c", "1")
	x.now += 20
	if got := x.m.ExpiringDBs(); !slices.Equal(got, []int{4, 9}) {
		t.Fatalf("ExpiringDBs %v", got)
	}
	if got := x.m.SampleExpired(0, x.now, 1, 10); got != nil {
		t.Fatalf("db 0 sample %q", got)
	}
	if got := x.m.SampleExpired(Databases, x.now, 1, 10); got != nil {
		t.Fatalf("db 16 sample %q", got)
	}
	keys := x.m.SampleExpired(9, x.now, 1, 10)
	if len(keys) != 1 || string(keys[0]) != "b" {
		t.Fatalf("db 9 sample %q", keys)
	}
	// redraft.expire runs in its command's database.
	x.db = 4
	if got := x.do("redraft.expire", "b"); got != skInt(0) {
		t.Fatalf("expire b in db 4: %q", got)
	}
	x.db = 9
	if got := x.do("redraft.expire", "b"); got != skInt(1) {
		t.Fatalf("expire b in db 9: %q", got)
	}
	if got := x.m.ExpiringDBs(); !slices.Equal(got, []int{4}) {
		t.Fatalf("ExpiringDBs after %v", got)
	}
}

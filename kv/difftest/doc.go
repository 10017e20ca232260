// Package difftest is the differential test of the kv state machine: it
// runs the same seeded random command sequences against a real
// redis-server 7.0.15 and against an in-process kv.Machine and compares
// every reply, byte for byte unless Redis itself does not fix the bytes.
//
// The package has no API; everything is in its tests:
//
//	go test ./kv/difftest                       # 30 seeds x 300 commands
//	go test ./kv/difftest -difftest.seeds 5000  # soak
//	go test ./kv/difftest -run 'TestDiff$' -seed 17 -difftest.v   # replay one seed
//
// # How it works
//
// TestDiff starts `redis-server --port <free> --bind 127.0.0.1 --save ""
// --appendonly no` and stops it when the test ends. Without
// /usr/bin/redis-server the test is skipped, unless the CI environment
// variable is set: then it fails.
//
// For each seed the generator (gen_test.go, math/rand/v2 seeded with the
// seed) produces a command sequence over every family: strings, generic
// key commands, hashes, lists, sets, sorted sets and the server commands
// the machine executes (PING, ECHO, FLUSHDB, ...). Keys, fields and members
// come from small spaces so commands collide: a family works mostly on its
// own three keys and sometimes on another family's (WRONGTYPE paths);
// values are small integers, integers at and beyond the 64-bit limits,
// floats, infinities, non-numbers, binary strings and occasionally values
// or collections large enough to leave Redis's compact encodings. Some
// commands carry bad input: wrong arity, unknown options, non-integers,
// out-of-range numbers. TTLs are often a few milliseconds and the sequence
// sleeps a few milliseconds now and then, so keys expire mid-sequence;
// absolute times (EXPIREAT, SET PXAT...) are generated as offsets and
// resolved against the command's clock, sometimes in the past. The
// sequence depends on the seed only, never on replies. One seed in four
// runs in RESP3 (HELLO 3 on the Redis connection, Cmd.Proto 3 on kv).
// About one step in a hundred is a MULTI/EXEC transaction of up to four
// commands (kv runs it through Cmd.Tx), a few are unknown command names or
// names in lower or mixed case.
//
// Before a sequence Redis is FLUSHALLed and a fresh kv.NewMachine made.
// Each command is sent to Redis and its reply read back as raw bytes by a
// small RESP2/RESP3 reader (reply.go), then executed by Machine.Exec with
// NowMs = the wall clock in milliseconds when the command was sent, so TTLs
// line up with the server's clock. Commands are sent in the first 600µs of
// a millisecond so Redis almost always executes them in the millisecond kv
// is given. A panic in kv is reported as a mismatch, as is a reply that is
// not exactly one valid RESP value. Every 50 commands and at the end of a
// sequence the whole key space is compared (KEYS *, then TYPE, PTTL and the
// content of every key).
//
// # Comparison rules
//
// Replies are compared byte for byte except for the commands in the rules
// table (compare_test.go), where Redis's reply depends on randomness, on
// its hash-table iteration order or on the clock; each entry says why:
// random picks (SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY) are
// checked by type, count, distinctness and membership; SPOP likewise, and
// kv's set is then re-synchronised with SADD/SREM so the two states stay
// equal; KEYS, and SMEMBERS/HGETALL/HKEYS/HVALS/SINTER/SUNION/SDIFF when
// Redis holds (or builds, for SUNION/SDIFF: the rule follows Redis's
// algorithm) a hashtable (OBJECT ENCODING), as multisets; SCAN, HSCAN,
// SSCAN and ZSCAN by the union of a full iteration on each side (a single
// call exactly when Redis answers from a compact encoding); TTL/PTTL and
// EXPIRETIME/PEXPIRETIME within a tolerance; TIME within the command's
// millisecond; DBSIZE within [live keys, key space]; DUMP byte for byte
// except a stream's millisecond time fields (consumer seen-times, delivery
// times) and the checksum over them, and XINFO CONSUMERS and XPENDING
// except their idle times, all within the longest round trip past its
// millisecond (a write that ran late on Redis stamped them late). Lexicographic ranges
// over a skiplist whose scores differ are undefined in Redis (its answer
// depends on random skiplist levels): only the reply type is compared and
// what the command wrote is copied from Redis. Error replies are always
// compared exactly.
//
// # Time
//
// Redis runs a command at its own clock; kv is given the millisecond in
// which the command was sent. Commands are sent in the first 600µs of a
// millisecond, and never in a millisecond in which a key expires (asked of
// kv with PEXPIRETIME; -difftest.boundary turns this off and
// TestExpiryBoundary probes that millisecond on purpose). A read-only
// command whose round trip crossed a tick may match kv at any millisecond
// of its window, and so may the reads of a state check. TTL tolerances grow
// with the longest such crossing of the sequence.
//
// TestHarnessSelf runs the same machinery with a second redis-server in
// place of kv: two Redis servers must always agree, so a failure there is a
// comparison rule stricter than what Redis guarantees.
//
// # Failures and replay
//
// A failing seed is run again (timing is the one input a replay does not
// reproduce) and fails only if every attempt mismatches. The failure shows
// the RESP version, the command, both replies, the last 25 commands and the
// command that replays it, for example
//
//	go test ./kv/difftest -run 'TestDiff$' -seed 17 -difftest.v
//
// -difftest.v logs every command with both replies. Other flags:
// -difftest.seeds, -difftest.base (first seed), -difftest.cmds (commands
// per seed), -difftest.families (e.g. string,generic), -difftest.skip
// (commands not to generate, e.g. SPOP,KEYS) and -difftest.proto (force 2
// or 3). Only commands kv has registered (kv.Lookup, with a Run) are
// generated, so the test runs against whatever families exist; the test
// log lists the generated commands kv lacks and the kv commands the
// generator does not know.
//
// Known differences from Redis are listed in docs/known-differences.md.
package difftest

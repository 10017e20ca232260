package difftest

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"redraft/kv"
)

// Keyspace notifications, compared with redis-server's.
//
// TestDiffEvents runs the same seeded sequences as TestDiff, with
// notify-keyspace-events KEAn on both sides: Redis's events are read from
// a second connection subscribed to __key*@*__:*, kv's from the machine's
// event sink. After each command kv executes, the side publishes a marker
// on a third Redis connection and reads the subscriber up to it: Redis
// runs commands one at a time, so the events of every command it answered
// before the marker are queued before it. The two event sequences since
// the previous command must be equal, in order. A mismatch is reported as
// kv's reply (an -EVENTS error naming both sequences), so the runner
// shows it with the command and its history like any other mismatch.
//
// Compared loosely:
//   - "expired" events: Redis removes an expired key when any command
//     (a read too) or its own active expiry finds it, at times of its own;
//     kv removes it on a write or through the leader's redraft.expire
//     entries (docs/known-differences.md). So they are left out of the
//     sequences, and each expired event kv reports must have been
//     reported by Redis, at the same command or before, in any database
//     (kv finds a key expired only on a write, and the same write on
//     Redis finds it expired too, unless Redis removed it earlier, maybe
//     before a SWAPDB moved it). Every other event of
//     a key that expired lines up: both report the next write that
//     creates it as "new".
//
// Not compared:
//   - SPOP and ZREMRANGEBYLEX are not generated: the runner re-synchronises
//     kv's state after them with extra writes on kv alone (random pops;
//     lexicographic ranges Redis leaves undefined), whose events Redis
//     never sees.
//   - keymiss (class m, not part of A): reads are not in the log.
//
//	go test ./kv/difftest -run 'TestDiffEvents$'                    # 10 seeds
//	go test ./kv/difftest -run 'TestDiffEvents$' -seed 17 -difftest.v  # replay

var flagEventSeeds = flag.Int("difftest.eventseeds", 10, "difftest: number of seeds TestDiffEvents runs")

const (
	// eventsClasses is the setting of both sides: every class, new keys,
	// both channel kinds.
	eventsClasses = "KEAn"
	// eventsMarker is the channel of the synchronisation markers.
	eventsMarker = "difftest.events.marker"
	// eventsPattern matches every keyspace notification channel.
	eventsPattern = "__key*@*__:*"
)

// TestDiffEvents compares keyspace notifications with Redis's. See above.
func TestDiffEvents(t *testing.T) {
	srv := startRedis(t)
	cl, err := dialRedis(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.close)
	if _, err := cl.do("CONFIG", "SET", "notify-keyspace-events", eventsClasses); err != nil {
		t.Fatal(err)
	}
	es, err := newEventSide(t, srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	cmds, _ := enabledCommands(t, registered)
	cmds = slices.DeleteFunc(cmds, func(c *cmdGen) bool { return c.name == "SPOP" || c.name == "ZREMRANGEBYLEX" })
	seeds := []uint64{*flagSeed}
	if *flagSeed == 0 {
		seeds = seeds[:0]
		for i := range *flagEventSeeds {
			seeds = append(seeds, *flagBase+uint64(i))
		}
	}
	runSeeds(t, cl, es, cmds, seeds)
}

// eventSide is kvSide with its keyspace events compared with Redis's.
type eventSide struct {
	t    *testing.T
	kv   kvSide
	sink eventRecorder
	sub  *client // PSUBSCRIBEd to eventsPattern and SUBSCRIBEd to eventsMarker (RESP2)
	aux  *client // publishes the markers
	seq  int
	// failure is the first event mismatch of the sequence: every later
	// reply of the side is an error, so the runner stops at the first.
	failure string
	// expired counts the expired events Redis reported that kv has not
	// reported yet.
	expired map[string]int
}

func newEventSide(t *testing.T, addr string) (*eventSide, error) {
	sub, err := dialRedis(addr)
	if err != nil {
		return nil, err
	}
	t.Cleanup(sub.close)
	aux, err := dialRedis(addr)
	if err != nil {
		return nil, err
	}
	t.Cleanup(aux.close)
	// Confirmations are pushes here (the client refuses them as replies):
	// send both, then read the two confirmations.
	for _, args := range [][]string{{"PSUBSCRIBE", eventsPattern}, {"SUBSCRIBE", eventsMarker}} {
		sub.conn.SetDeadline(time.Now().Add(redisReplyTimeout))
		writeCommand(sub, args)
		if v, _, err := readReply(sub.r, nil); err != nil || len(v.elems) < 1 {
			return nil, fmt.Errorf("subscribing: %v %v", v, err)
		}
	}
	return &eventSide{t: t, sub: sub, aux: aux}, nil
}

func writeCommand(c *client, args []string) {
	c.w.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		c.w.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	c.w.Flush()
}

// eventRecorder is the machine's event sink: it keeps the keyspace
// notifications (not PUBLISH messages) as "channel message".
type eventRecorder struct{ got []string }

func (r *eventRecorder) Publish(channel, message []byte, shard bool) int {
	if strings.HasPrefix(string(channel), "__key") {
		r.got = append(r.got, string(channel)+" "+string(message))
	}
	return 0
}

func (r *eventRecorder) KeyspaceEvents() int {
	f, _ := kv.ParseNotifyFlags(eventsClasses)
	return f
}

func (e *eventSide) reset(proto uint8) {
	e.kv.reset(proto)
	e.kv.m.SetEventSink(&e.sink)
	e.sync() // drop whatever the previous sequence left
	e.failure = ""
	e.expired = map[string]int{}
}

func (e *eventSide) exec(args [][]byte, now int64) []byte {
	reply := e.kv.exec(args, now)
	// A read changes nothing on either side (with KEAn neither reports
	// anything for it but expired events, which wait for the next sync):
	// no round trip, so the runner's probes and state checks keep their
	// timing. A read that reported something on kv is compared at once.
	if spec := kv.Lookup(args[0]); (spec == nil || !spec.IsWriteArgs(args)) && len(e.sink.got) == 0 {
		if e.failure != "" {
			return []byte("-EVENTS " + e.failure + "\r\n")
		}
		return reply
	}
	return e.check(reply)
}

func (e *eventSide) execTx(cmds [][][]byte, now int64) []byte {
	return e.check(e.kv.execTx(cmds, now))
}

// check compares the events of the command kv just ran with Redis's and
// returns kv's reply, or the mismatch as an error reply.
func (e *eventSide) check(reply []byte) []byte {
	if d := e.sync(); d != "" && e.failure == "" {
		e.failure = d
	}
	if e.failure != "" {
		return []byte("-EVENTS " + e.failure + "\r\n")
	}
	return reply
}

// sync reads Redis's events up to a new marker and compares them, and
// kv's recorded since the last sync, both without expired events; "" when
// they are equal.
func (e *eventSide) sync() string {
	e.seq++
	marker := strconv.Itoa(e.seq)
	if _, err := e.aux.do("PUBLISH", eventsMarker, marker); err != nil {
		e.t.Fatalf("redis: PUBLISH marker: %v", err)
	}
	var redis []string
	for {
		e.sub.conn.SetDeadline(time.Now().Add(redisReplyTimeout))
		v, _, err := readReply(e.sub.r, nil)
		if err != nil {
			e.t.Fatalf("redis: reading events: %v", err)
		}
		if len(v.elems) == 3 && v.elems[0].str == "message" {
			if v.elems[2].str == marker {
				break
			}
			continue
		}
		if len(v.elems) != 4 || v.elems[0].str != "pmessage" {
			e.t.Fatalf("redis: unexpected message on the subscriber: %s", v.String())
		}
		if ev := v.elems[2].str + " " + v.elems[3].str; !isExpiredEvent(ev) {
			redis = append(redis, ev)
		} else if e.expired != nil {
			e.expired[anyDB(ev)]++
		}
	}
	var got []string
	var early string
	for _, ev := range e.sink.got {
		switch {
		case !isExpiredEvent(ev):
			got = append(got, ev)
		case e.expired[anyDB(ev)] > 0:
			e.expired[anyDB(ev)]--
		case early == "":
			early = ev
		}
	}
	e.sink.got = e.sink.got[:0]
	if !slices.Equal(redis, got) {
		return fmt.Sprintf("keyspace events differ: redis %q, kv %q", redis, got)
	}
	if early != "" && e.expired != nil {
		return fmt.Sprintf("kv reported %q, which redis has not (yet)", early)
	}
	return ""
}

// anyDB drops the database number from an event's channel: when a key is
// removed may decide its database (SWAPDB in between), and the two sides
// remove expired keys at different times.
func anyDB(ev string) string {
	at := strings.IndexByte(ev, '@')
	end := strings.Index(ev, "__:")
	if at < 0 || end < at {
		return ev
	}
	return ev[:at+1] + ev[end:]
}

// isExpiredEvent reports whether "channel message" is an expired event.
func isExpiredEvent(ev string) bool {
	ch, msg, _ := strings.Cut(ev, " ")
	return strings.HasPrefix(ch, "__keyspace@") && msg == "expired" ||
		strings.HasPrefix(ch, "__keyevent@") && strings.HasSuffix(ch, "__:expired")
}

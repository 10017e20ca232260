package kv

import "strconv"

// Keyspace notifications (Redis's notify-keyspace-events).
//
// A command that changes a key reports it with Ctx.Notify(class, event,
// key), at the point where Redis calls notifyKeyspaceEvent, so the events
// of one command, of a transaction or of a script come in Redis's order.
// The machine turns an enabled event into one or two PUBLISH messages on
// the node's EventSink:
//
//	__keyspace@<db>__:<key>    message <event>   (class K)
//	__keyevent@<db>__:<event>  message <key>     (class E)
//
// Which classes are enabled is node-local configuration, asked of the sink
// (EventSink.KeyspaceEvents), not machine state: events change no key, so
// replicas whose settings differ still reach byte-identical states, and
// each node filters the events it delivers to its own subscribers, as each
// Redis server (a replica applying its master's stream included) filters
// with its own notify-keyspace-events. Every node applies the same log, so
// every node generates the same events in the same order; the filter only
// decides which of them its subscribers see. See docs/pubsub.md.
//
// Cost: with no sink, or a sink that answers 0 (no class enabled, or, for
// the node's hub, nobody subscribed to anything a keyspace channel could
// reach), Notify is a nil check or one interface call and returns; channel
// names are built only for enabled events, in a buffer the machine reuses
// on the apply path.

// Notification classes, the bits of notify-keyspace-events (Redis's
// NOTIFY_* values, so a flag word means the same thing in both).
const (
	NotifyKeyspace = 1 << 0  // K: __keyspace@<db>__ channels
	NotifyKeyevent = 1 << 1  // E: __keyevent@<db>__ channels
	NotifyGeneric  = 1 << 2  // g: del, expire, rename_*, ...
	NotifyString   = 1 << 3  // $
	NotifyList     = 1 << 4  // l
	NotifySet      = 1 << 5  // s
	NotifyHash     = 1 << 6  // h
	NotifyZset     = 1 << 7  // z
	NotifyExpired  = 1 << 8  // x: expired
	NotifyEvicted  = 1 << 9  // e: evicted (never generated: no eviction here)
	NotifyStream   = 1 << 10 // t
	NotifyKeyMiss  = 1 << 11 // m: keymiss (not part of A)
	NotifyModule   = 1 << 13 // d (no modules: accepted and reported only)
	NotifyNew      = 1 << 14 // n: new
	// NotifyAll is the class A: every class but K, E, m and n.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash | NotifyZset |
		NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// ErrNotifyClass is CONFIG SET's error text for an unknown class character.
const ErrNotifyClass = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

// notifyClassChars maps each class character to its bit.
var notifyClassChars = [256]int{
	'A': NotifyAll, 'g': NotifyGeneric, '$': NotifyString, 'l': NotifyList, 's': NotifySet,
	'h': NotifyHash, 'z': NotifyZset, 'x': NotifyExpired, 'e': NotifyEvicted, 'K': NotifyKeyspace,
	'E': NotifyKeyevent, 't': NotifyStream, 'm': NotifyKeyMiss, 'd': NotifyModule, 'n': NotifyNew,
}

// ParseNotifyFlags parses a notify-keyspace-events value (any order, any
// repetition, "" for none); ok is false on a character that names no class.
func ParseNotifyFlags(s string) (flags int, ok bool) {
	for i := 0; i < len(s); i++ {
		f := notifyClassChars[s[i]]
		if f == 0 {
			return 0, false
		}
		flags |= f
	}
	return flags, true
}

// FormatNotifyFlags renders flags as CONFIG GET reports them: "A" when
// every class of A is set, otherwise the classes in the order g$lshzxetdn;
// then K, E and m.
func FormatNotifyFlags(flags int) string {
	var b []byte
	if flags&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		// n is not part of A, yet Redis lists it with these classes, so
		// it is not shown beside A (Redis's rendering, kept as is).
		for _, c := range "g$lshzxetdn" {
			if flags&notifyClassChars[c] != 0 {
				b = append(b, byte(c))
			}
		}
	}
	for _, c := range "KEm" {
		if flags&notifyClassChars[c] != 0 {
			b = append(b, byte(c))
		}
	}
	return string(b)
}

// Channel prefixes of keyspace notifications.
const (
	keyspacePrefix = "__keyspace@"
	keyeventPrefix = "__keyevent@"
)

// Notify reports event (of class, one of the Notify* classes) on key in
// the command's database, as Redis's notifyKeyspaceEvent. It costs one
// check when the class is not enabled on this node.
func (c *Ctx) Notify(class int, event string, key []byte) {
	if c.m.sink == nil {
		return
	}
	flags := c.m.sink.KeyspaceEvents()
	if flags&class == 0 || flags&(NotifyKeyspace|NotifyKeyevent) == 0 {
		return
	}
	c.m.publishKeyspace(flags, c.dbIndex, event, key, !c.readOnly)
}

// notifyString is Notify for a key held as a string.
func (c *Ctx) notifyString(class int, event string, key string) {
	if c.m.sink == nil {
		return
	}
	c.Notify(class, event, keyBytes(key))
}

// publishKeyspace publishes one enabled event. exclusive says the caller
// holds the machine exclusively (a write: the apply path), so the
// machine's channel buffer may be reused; reads (keymiss) run concurrently
// and build their own.
func (m *Machine) publishKeyspace(flags, db int, event string, key []byte, exclusive bool) {
	var buf []byte
	if exclusive {
		buf = m.notifyBuf[:0]
	}
	if flags&NotifyKeyspace != 0 {
		buf = append(buf, keyspacePrefix...)
		buf = strconv.AppendInt(buf, int64(db), 10)
		buf = append(buf, "__:"...)
		buf = append(buf, key...)
		m.sink.Publish(buf, keyBytes(event), false)
		buf = buf[:0]
	}
	if flags&NotifyKeyevent != 0 {
		buf = append(buf, keyeventPrefix...)
		buf = strconv.AppendInt(buf, int64(db), 10)
		buf = append(buf, "__:"...)
		buf = append(buf, event...)
		m.sink.Publish(buf, key, false)
	}
	if exclusive && cap(buf) <= notifyBufKeep {
		m.notifyBuf = buf[:0]
	}
}

// notifyBufKeep: the channel buffer is kept between events up to this
// capacity; a longer key's channel is built in a buffer dropped after use,
// so one huge key does not pin its size for the machine's lifetime.
const notifyBufKeep = 4096

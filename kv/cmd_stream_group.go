package kv

import "strings"

// Consumer group commands, as Redis 7.0's t_stream.c: XGROUP, XACK,
// XPENDING, XCLAIM, XAUTOCLAIM.

const (
	errXGroupNoKey      = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	errXGroupBusy       = "BUSYGROUP Consumer Group name already exists"
	errXGroupEntriesRd  = "ERR value for ENTRIESREAD must be positive or -1"
	errXClaimMinIdle    = "ERR Invalid min-idle-time argument for XCLAIM"
	errXClaimIdle       = "ERR Invalid IDLE option argument for XCLAIM"
	errXClaimTime       = "ERR Invalid TIME option argument for XCLAIM"
	errXClaimRetry      = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
	errXAutoClaimIdle   = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
	errXAutoClaimCount  = "ERR COUNT must be > 0"
	xautoclaimAttempts  = 10
	xautoclaimCountMax  = math64Max / 16
	math64Max           = 1<<63 - 1
	streamGroupHelpText = "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
)

var xgroupHelp = []string{
	streamGroupHelpText,
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a new consumer group. Options are:",
	"    * MKSTREAM",
	"      Create the empty stream if it does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries_read counter (internal use).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Create a new consumer in the specified group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove the specified consumer.",
	"DESTROY <key> <groupname>",
	"    Remove the specified group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the current group ID and entries_read counter.",
	"HELP",
	"    Prints this help.",
}

// xgroupSubArity is each XGROUP subcommand's arity (Redis's command table).
var xgroupSubArity = map[string]int{
	"create": -5, "setid": -5, "destroy": 4, "createconsumer": 5, "delconsumer": 5, "help": 2,
}

// xgroupReadsOnly: XGROUP HELP changes nothing.
func xgroupReadsOnly(args [][]byte) bool { return len(args) > 1 && EqualFold(args[1], "HELP") }

func noGroupError(key, group []byte) string {
	return "NOGROUP No such key '" + string(key) + "' or consumer group '" + string(group) + "'"
}

// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP ...
func runXGroup(c *Ctx) {
	sub := strings.ToLower(string(c.Args[1]))
	ar, known := xgroupSubArity[sub]
	if !known {
		c.W.Error(ErrUnknownSubcommand(c.Args[1], "xgroup"))
		return
	}
	if (ar > 0 && len(c.Args) != ar) || (ar < 0 && len(c.Args) < -ar) {
		c.W.Error(ErrArity("xgroup|" + sub))
		return
	}
	if sub == "help" {
		c.W.Array(len(xgroupHelp))
		for _, l := range xgroupHelp {
			c.W.Simple(l)
		}
		return
	}
	mkstream := false
	entriesRead := int64(streamEntriesReadInvalid)
	for i := 5; i < len(c.Args); {
		switch {
		case sub == "create" && c.ArgIs(i, "MKSTREAM"):
			mkstream = true
			i++
		case (sub == "create" || sub == "setid") && c.ArgIs(i, "ENTRIESREAD") && i+1 < len(c.Args):
			v, ok := c.ArgInt(i + 1)
			if !ok {
				return
			}
			if v < 0 && v != streamEntriesReadInvalid {
				c.W.Error(errXGroupEntriesRd)
				return
			}
			entriesRead = v
			i += 2
		default:
			c.W.Error(errSubcommandSyntax(c.Args[1], "XGROUP"))
			return
		}
	}
	key, name := c.Args[2], c.Args[3]
	e, s, ok := lookupStream(c, key)
	if !ok {
		return
	}
	var g *streamGroup
	if !mkstream {
		if s == nil {
			c.W.Error(errXGroupNoKey)
			return
		}
		if g = s.group(name); g == nil && (sub == "setid" || sub == "createconsumer" || sub == "delconsumer") {
			c.W.Error("NOGROUP No such consumer group '" + string(name) + "' for key name '" + string(key) + "'")
			return
		}
	}
	switch sub {
	case "create":
		if len(c.Args) > 8 {
			c.W.Error(errSubcommandSyntax(c.Args[1], "XGROUP"))
			return
		}
		var id streamID
		if a := c.Args[4]; len(a) == 1 && a[0] == '$' {
			if s != nil {
				id = s.lastID
			}
		} else if id, ok = c.argStreamID(4, 0, true); !ok {
			return
		}
		if s == nil {
			s = &Stream{}
			e = c.Add(key, nil, s)
		}
		if s.createGroup(name, id, entriesRead) == nil {
			c.W.Error(errXGroupBusy)
			return
		}
		c.W.OK()
		c.Notify(NotifyStream, "xgroup-create", key)
	case "setid":
		if len(c.Args) != 5 && len(c.Args) != 7 {
			c.W.Error(errSubcommandSyntax(c.Args[1], "XGROUP"))
			return
		}
		var id streamID
		if a := c.Args[4]; len(a) == 1 && a[0] == '$' {
			id = s.lastID
		} else if id, ok = c.argStreamID(4, 0, false); !ok {
			return
		}
		g.lastID, g.entriesRead = id, entriesRead
		c.W.OK()
		c.Notify(NotifyStream, "xgroup-setid", key)
	case "destroy":
		if g == nil {
			c.W.Int(0)
			return
		}
		s.destroyGroup(name)
		c.W.Int(1)
		c.Notify(NotifyStream, "xgroup-destroy", key)
		c.signalReady(e.key, s)
	case "createconsumer":
		if g.createConsumer(c.Args[4], c.NowMs) == nil {
			c.W.Int(0)
			return
		}
		c.Notify(NotifyStream, "xgroup-createconsumer", key)
		c.W.Int(1)
	case "delconsumer":
		cons := g.consumer(c.Args[4], false, c.NowMs)
		if cons == nil {
			c.W.Int(0)
			return
		}
		pending := cons.pel.Len()
		g.deleteConsumer(cons)
		c.Notify(NotifyStream, "xgroup-delconsumer", key)
		c.W.Int(int64(pending))
	}
}

// lookupGroup returns the stream at key and its group named by argument
// gi; it answers Redis's NOGROUP error (or WRONGTYPE) and returns ok
// false when either is missing.
func lookupGroup(c *Ctx, gi int) (*Stream, *streamGroup, bool) {
	_, s, ok := lookupStream(c, c.Args[1])
	if !ok {
		return nil, nil, false
	}
	var g *streamGroup
	if s != nil {
		g = s.group(c.Args[gi])
	}
	if g == nil {
		c.W.Error(noGroupError(c.Args[1], c.Args[gi]))
		return nil, nil, false
	}
	return s, g, true
}

// XACK key group id [id ...]
func runXAck(c *Ctx) {
	_, s, ok := lookupStream(c, c.Args[1])
	if !ok {
		return
	}
	var g *streamGroup
	if s != nil {
		g = s.group(c.Args[2])
	}
	if g == nil {
		c.W.Int(0)
		return
	}
	ids := make([]streamID, 0, len(c.Args)-3)
	for j := 3; j < len(c.Args); j++ {
		id, ok := c.argStreamID(j, 0, true)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	n := 0
	for _, id := range ids {
		if g.ack(id) {
			n++
		}
	}
	c.W.Int(int64(n))
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
func runXPending(c *Ctx) {
	argc := len(c.Args)
	if argc != 3 && (argc < 6 || argc > 9) {
		c.W.Error(ErrSyntax)
		return
	}
	var start, end streamID
	var count, minIdle int64
	var consumerName []byte
	if argc >= 6 {
		si := 3
		if c.ArgIs(3, "IDLE") {
			v, ok := c.ArgInt(4)
			if !ok {
				return
			}
			minIdle = v
			if argc < 8 {
				c.W.Error(ErrSyntax)
				return
			}
			si += 2
		}
		v, ok := c.ArgInt(si + 2)
		if !ok {
			return
		}
		count = max(v, 0)
		if start, ok = c.argIntervalID(si, 0, false); !ok {
			return
		}
		if end, ok = c.argIntervalID(si+1, 1<<64-1, true); !ok {
			return
		}
		if si+3 < argc {
			consumerName = c.Args[si+3]
		}
	}
	_, g, ok := lookupGroup(c, 2)
	if !ok {
		return
	}
	if argc == 3 {
		c.W.Array(4)
		c.W.Int(int64(g.pel.Len()))
		if g.pel.Len() == 0 {
			c.W.Null()
			c.W.Null()
			c.W.NullArray()
			return
		}
		first, _ := g.pel.first()
		last, _ := g.pel.last()
		c.W.Bulk(first.appendText(nil))
		c.W.Bulk(last.appendText(nil))
		n := 0
		for _, cons := range g.consumers {
			if cons.pel.Len() > 0 {
				n++
			}
		}
		c.W.Array(n)
		for _, cons := range g.consumers {
			if cons.pel.Len() > 0 {
				c.W.Array(2)
				c.W.BulkString(cons.name)
				c.W.BulkInt(int64(cons.pel.Len()))
			}
		}
		return
	}
	pel := &g.pel
	if consumerName != nil {
		cons := g.consumer(consumerName, false, c.NowMs)
		if cons == nil {
			c.W.Array(0)
			return
		}
		pel = &cons.pel
	}
	sub := NewWriter(nil, c.W.Proto)
	n := 0
	if count > 0 && start.cmp(end) <= 0 {
		pel.each(start, func(id streamID, nack *streamNACK) bool {
			if id.cmp(end) > 0 || int64(n) >= count {
				return false
			}
			if minIdle != 0 && c.NowMs-nack.deliveryTime < minIdle {
				return true
			}
			n++
			sub.Array(4)
			sub.Bulk(id.appendText(nil))
			sub.BulkString(nack.consumer.name)
			sub.Int(max(c.NowMs-nack.deliveryTime, 0))
			sub.Int(nack.deliveryCount)
			return true
		})
	}
	c.W.Array(n)
	c.W.Raw(sub.Bytes())
}

// claimTo makes cons own the pending entry id (nack), as XCLAIM and
// XAUTOCLAIM do.
func claimTo(g *streamGroup, cons *streamConsumer, id streamID, nack *streamNACK) {
	if nack.consumer != cons {
		if nack.consumer != nil {
			nack.consumer.pel.del(id)
		}
		cons.pel.set(id, nack)
		nack.consumer = cons
	}
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]
func runXClaim(c *Ctx) {
	s, g, ok := lookupGroup(c, 2)
	if !ok {
		return
	}
	minIdle, ok := ParseInt(c.Args[4])
	if !ok {
		c.W.Error(errXClaimMinIdle)
		return
	}
	minIdle = max(minIdle, 0)
	var ids []streamID
	j := 5
	for ; j < len(c.Args); j++ {
		id, _, ok := parseStreamID(c.Args[j], 0, true, false)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	now := c.NowMs
	var lastID streamID
	retry, delivery := int64(-1), int64(-1)
	force, justID := false, false
	for ; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch {
		case c.ArgIs(j, "FORCE"):
			force = true
		case c.ArgIs(j, "JUSTID"):
			justID = true
		case c.ArgIs(j, "IDLE") && more > 0:
			j++
			v, ok := ParseInt(c.Args[j])
			if !ok {
				c.W.Error(errXClaimIdle)
				return
			}
			delivery = now - v
		case c.ArgIs(j, "TIME") && more > 0:
			j++
			v, ok := ParseInt(c.Args[j])
			if !ok {
				c.W.Error(errXClaimTime)
				return
			}
			delivery = v
		case c.ArgIs(j, "RETRYCOUNT") && more > 0:
			j++
			v, ok := ParseInt(c.Args[j])
			if !ok {
				c.W.Error(errXClaimRetry)
				return
			}
			retry = v
		case c.ArgIs(j, "LASTID") && more > 0:
			j++
			if lastID, ok = c.argStreamID(j, 0, true); !ok {
				return
			}
		default:
			c.W.Error("ERR Unrecognized XCLAIM option '" + string(c.Args[j]) + "'")
			return
		}
	}
	if lastID.cmp(g.lastID) > 0 {
		g.lastID = lastID
	}
	if delivery != -1 {
		if delivery < 0 || delivery > now {
			delivery = now
		}
	} else {
		delivery = now
	}
	var cons *streamConsumer
	sub := NewWriter(nil, c.W.Proto)
	n := 0
	for _, id := range ids {
		nack, pending := g.pel.get(id)
		kv, exists := s.lookup(id)
		if !exists {
			if pending {
				g.pel.del(id)
				nack.consumer.pel.del(id)
			}
			continue
		}
		if force && !pending {
			nack = &streamNACK{}
			g.pel.set(id, nack)
			pending = true
		}
		if !pending {
			continue
		}
		if nack.consumer != nil && minIdle != 0 && now-nack.deliveryTime < minIdle {
			continue
		}
		if cons == nil {
			if cons = g.consumer(c.Args[3], true, now); cons == nil {
				cons = g.createConsumer(c.Args[3], now)
				c.Notify(NotifyStream, "xgroup-createconsumer", c.Args[1])
			}
		}
		nack.deliveryTime = delivery
		if retry >= 0 {
			nack.deliveryCount = retry
		} else if !justID {
			nack.deliveryCount++
		}
		claimTo(g, cons, id, nack)
		if justID {
			sub.Bulk(id.appendText(nil))
		} else {
			// The consumer lookup above may not move the entry, and
			// kv still aliases the stream's node.
			writeStreamEntry(sub, id, kv)
		}
		n++
	}
	c.W.Array(n)
	c.W.Raw(sub.Bytes())
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
func runXAutoClaim(c *Ctx) {
	minIdle, ok := ParseInt(c.Args[4])
	if !ok {
		c.W.Error(errXAutoClaimIdle)
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := c.argIntervalID(5, 0, false)
	if !ok {
		return
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch {
		case c.ArgIs(j, "COUNT") && more > 0:
			v, ok := ParseInt(c.Args[j+1])
			if !ok || v < 1 || v > xautoclaimCountMax {
				c.W.Error(errXAutoClaimCount)
				return
			}
			count = v
			j++
		case c.ArgIs(j, "JUSTID"):
			justID = true
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	s, g, ok := lookupGroup(c, 2)
	if !ok {
		return
	}
	now := c.NowMs
	attempts := count * xautoclaimAttempts
	var cons *streamConsumer
	var deleted []streamID
	sub := NewWriter(nil, c.W.Proto)
	n := 0
	cursor := start
	var next streamID
	for {
		id, nack, found := g.pel.seek(cursor)
		if !found {
			next = streamID{}
			break
		}
		if attempts == 0 || count == 0 {
			next = id
			break
		}
		attempts--
		cursor, _ = id.incr()
		kv, exists := s.lookup(id)
		if !exists {
			g.pel.del(id)
			nack.consumer.pel.del(id)
			deleted = append(deleted, id)
			count--
			if id == maxStreamID {
				next = streamID{}
				break
			}
			continue
		}
		if minIdle != 0 && now-nack.deliveryTime < minIdle {
			if id == maxStreamID {
				next = streamID{}
				break
			}
			continue
		}
		if cons == nil {
			if cons = g.consumer(c.Args[3], true, now); cons == nil {
				cons = g.createConsumer(c.Args[3], now)
				c.Notify(NotifyStream, "xgroup-createconsumer", c.Args[1])
			}
		}
		nack.deliveryTime = now
		if !justID {
			nack.deliveryCount++
		}
		claimTo(g, cons, id, nack)
		if justID {
			sub.Bulk(id.appendText(nil))
		} else {
			writeStreamEntry(sub, id, kv)
		}
		n++
		count--
		if id == maxStreamID {
			next = streamID{}
			break
		}
	}
	c.W.Array(3)
	c.W.Bulk(next.appendText(nil))
	c.W.Array(n)
	c.W.Raw(sub.Bytes())
	c.W.Array(len(deleted))
	for _, id := range deleted {
		c.W.Bulk(id.appendText(nil))
	}
}

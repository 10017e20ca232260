package kv

import "strings"

// XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS / HELP, as Redis 7.0.

var xinfoHelp = []string{
	"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
	"HELP",
	"    Prints this help.",
}

var xinfoSubArity = map[string]int{"stream": -3, "groups": 3, "consumers": 4, "help": 2}

// xinfoFullCountDefault is XINFO STREAM FULL's default COUNT.
const xinfoFullCountDefault = 10

func runXInfo(c *Ctx) {
	sub := strings.ToLower(string(c.Args[1]))
	ar, known := xinfoSubArity[sub]
	if !known {
		c.W.Error(ErrUnknownSubcommand(c.Args[1], "xinfo"))
		return
	}
	if (ar > 0 && len(c.Args) != ar) || (ar < 0 && len(c.Args) < -ar) {
		c.W.Error(ErrArity("xinfo|" + sub))
		return
	}
	if sub == "help" {
		c.W.Array(len(xinfoHelp))
		for _, l := range xinfoHelp {
			c.W.Simple(l)
		}
		return
	}
	key := c.Args[2]
	_, s, ok := lookupStream(c, key)
	if !ok {
		return
	}
	if s == nil {
		c.W.Error(ErrNoSuchKey)
		return
	}
	switch sub {
	case "consumers":
		g := s.group(c.Args[3])
		if g == nil {
			c.W.Error("NOGROUP No such consumer group '" + string(c.Args[3]) + "' for key name '" + string(key) + "'")
			return
		}
		c.W.Array(len(g.consumers))
		for _, cons := range g.consumers {
			c.W.Map(3)
			c.W.BulkString("name")
			c.W.BulkString(cons.name)
			c.W.BulkString("pending")
			c.W.Int(int64(cons.pel.Len()))
			c.W.BulkString("idle")
			c.W.Int(max(c.NowMs-cons.seenTime, 0))
		}
	case "groups":
		c.W.Array(len(s.groups))
		for _, g := range s.groups {
			c.W.Map(6)
			c.W.BulkString("name")
			c.W.BulkString(g.name)
			c.W.BulkString("consumers")
			c.W.Int(int64(len(g.consumers)))
			c.W.BulkString("pending")
			c.W.Int(int64(g.pel.Len()))
			c.W.BulkString("last-delivered-id")
			c.W.Bulk(g.lastID.appendText(nil))
			writeGroupCounters(c.W, s, g)
		}
	case "stream":
		xinfoStream(c, s)
	}
}

// writeGroupCounters writes a group's entries-read and lag fields.
func writeGroupCounters(w *Writer, s *Stream, g *streamGroup) {
	w.BulkString("entries-read")
	if g.entriesRead != streamEntriesReadInvalid {
		w.Int(g.entriesRead)
	} else {
		w.Null()
	}
	w.BulkString("lag")
	if lag, ok := s.groupLag(g); ok {
		w.Int(lag)
	} else {
		w.Null()
	}
}

// radixTreeNodes is the node count of Redis's radix tree over the
// stream's node keys (XINFO's radix-tree-nodes): the canonical compressed
// tree of the 16-byte big-endian master IDs, which is what Redis's tree
// has after inserts and front removals (docs/known-differences.md).
func (s *Stream) radixTreeNodes() int {
	ids := make([]streamID, len(s.nodes))
	for i, n := range s.nodes {
		ids[i] = n.master
	}
	return raxNodesOfIDs(ids)
}

// raxSubtreeNodes counts the nodes of the subtree at depth d of sorted,
// distinct keys sharing their first d bytes.
func raxSubtreeNodes(keys [][16]byte, d int) int {
	if len(keys) == 1 {
		if d == 16 {
			return 1
		}
		return 2 // a compressed node with the rest, and the key's leaf
	}
	first, last := keys[0], keys[len(keys)-1]
	l := d
	for l < 16 && first[l] == last[l] {
		l++
	}
	n := 1 // the branch node at depth l
	if l > d {
		n++ // a compressed node from d to l
	}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][l] == keys[i][l] {
			j++
		}
		n += raxSubtreeNodes(keys[i:j], l+1)
		i = j
	}
	return n
}

func xinfoStream(c *Ctx, s *Stream) {
	opts := c.Args[3:]
	full := len(opts) > 0
	count := int64(xinfoFullCountDefault)
	if full {
		if len(opts) != 1 && len(opts) != 3 || !EqualFold(opts[0], "FULL") {
			c.W.Error(errSubcommandSyntax(c.Args[1], "XINFO"))
			return
		}
		if len(opts) == 3 {
			if !EqualFold(opts[1], "COUNT") {
				c.W.Error(errSubcommandSyntax(c.Args[1], "XINFO"))
				return
			}
			v, ok := c.ArgInt(5)
			if !ok {
				return
			}
			if v < 0 {
				v = xinfoFullCountDefault
			}
			count = v
		}
	}
	w := c.W
	if full {
		w.Map(9)
	} else {
		w.Map(10)
	}
	w.BulkString("length")
	w.Int(int64(s.length))
	w.BulkString("radix-tree-keys")
	w.Int(int64(len(s.nodes)))
	w.BulkString("radix-tree-nodes")
	w.Int(int64(s.radixTreeNodes()))
	w.BulkString("last-generated-id")
	w.Bulk(s.lastID.appendText(nil))
	w.BulkString("max-deleted-entry-id")
	w.Bulk(s.maxDeleted.appendText(nil))
	w.BulkString("entries-added")
	w.Int(int64(s.entriesAdded))
	w.BulkString("recorded-first-entry-id")
	w.Bulk(s.firstID.appendText(nil))
	if !full {
		w.BulkString("groups")
		w.Int(int64(len(s.groups)))
		for _, last := range []bool{false, true} {
			if last {
				w.BulkString("last-entry")
			} else {
				w.BulkString("first-entry")
			}
			it := s.iter(streamID{}, maxStreamID, last)
			if it.next() {
				writeStreamEntry(w, it.id, it.kv)
			} else {
				w.Null()
			}
		}
		return
	}
	w.BulkString("entries")
	writeStreamRange(w, s, streamID{}, maxStreamID, count, false)
	w.BulkString("groups")
	w.Array(len(s.groups))
	for _, g := range s.groups {
		w.Map(7)
		w.BulkString("name")
		w.BulkString(g.name)
		w.BulkString("last-delivered-id")
		w.Bulk(g.lastID.appendText(nil))
		writeGroupCounters(w, s, g)
		w.BulkString("pel-count")
		w.Int(int64(g.pel.Len()))
		w.BulkString("pending")
		writePELFull(w, &g.pel, count, true)
		w.BulkString("consumers")
		w.Array(len(g.consumers))
		for _, cons := range g.consumers {
			w.Map(4)
			w.BulkString("name")
			w.BulkString(cons.name)
			w.BulkString("seen-time")
			w.Int(cons.seenTime)
			w.BulkString("pel-count")
			w.Int(int64(cons.pel.Len()))
			w.BulkString("pending")
			writePELFull(w, &cons.pel, count, false)
		}
	}
}

// writePELFull writes up to count (0: all) pending entries of pel as
// XINFO STREAM FULL does: [id, consumer, delivery time, count] for a
// group (withOwner), [id, delivery time, count] for a consumer.
func writePELFull(w *Writer, pel *idMap[*streamNACK], count int64, withOwner bool) {
	n := pel.Len()
	if count > 0 && int64(n) > count {
		n = int(count)
	}
	w.Array(n)
	i := 0
	pel.each(streamID{}, func(id streamID, nack *streamNACK) bool {
		if i == n {
			return false
		}
		i++
		if withOwner {
			w.Array(4)
		} else {
			w.Array(3)
		}
		w.Bulk(id.appendText(nil))
		if withOwner {
			w.BulkString(nack.consumer.name)
		}
		w.Int(nack.deliveryTime)
		w.Int(nack.deliveryCount)
		return true
	})
}

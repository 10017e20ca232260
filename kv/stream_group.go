package kv

import (
	"slices"
	"strings"
)

// Consumer groups of a stream, as Redis 7.0 keeps them: a group has a last
// delivered ID, a read counter, a pending entries list (PEL: entries
// delivered and not acknowledged, each owned by one consumer) and its
// consumers, each with its own PEL (the same pending entries, by owner).
// Groups and consumers are kept sorted by name (Redis's radix trees list
// them in byte order), PELs by ID (idMap). Times (delivery, seen) are the
// stamped NowMs of the command that set them.

// streamEntriesReadInvalid is Redis's SCG_INVALID_ENTRIES_READ.
const streamEntriesReadInvalid = -1

type streamGroup struct {
	name        string
	lastID      streamID
	entriesRead int64
	pel         idMap[*streamNACK]
	consumers   []*streamConsumer // sorted by name
}

type streamConsumer struct {
	name     string
	seenTime int64
	pel      idMap[*streamNACK]
}

// streamNACK is one pending entry.
type streamNACK struct {
	deliveryTime  int64
	deliveryCount int64
	consumer      *streamConsumer
}

// group returns the group named name, or nil.
func (s *Stream) group(name []byte) *streamGroup {
	i, ok := slices.BinarySearchFunc(s.groups, bstr(name), func(g *streamGroup, n string) int {
		return strings.Compare(g.name, n)
	})
	if !ok {
		return nil
	}
	return s.groups[i]
}

// createGroup adds a group; nil when one with that name exists.
func (s *Stream) createGroup(name []byte, id streamID, entriesRead int64) *streamGroup {
	i, ok := slices.BinarySearchFunc(s.groups, bstr(name), func(g *streamGroup, n string) int {
		return strings.Compare(g.name, n)
	})
	if ok {
		return nil
	}
	g := &streamGroup{name: string(name), lastID: id, entriesRead: entriesRead}
	s.groups = slices.Insert(s.groups, i, g)
	return g
}

// destroyGroup removes the group named name; it reports whether it existed.
func (s *Stream) destroyGroup(name []byte) bool {
	i, ok := slices.BinarySearchFunc(s.groups, bstr(name), func(g *streamGroup, n string) int {
		return strings.Compare(g.name, n)
	})
	if !ok {
		return false
	}
	s.groups = slices.Delete(s.groups, i, i+1)
	if len(s.groups) == 0 {
		s.groups = nil
	}
	return true
}

func (g *streamGroup) consumerIndex(name string) (int, bool) {
	return slices.BinarySearchFunc(g.consumers, name, func(c *streamConsumer, n string) int {
		return strings.Compare(c.name, n)
	})
}

// consumer returns the consumer named name or nil; when refresh, its seen
// time becomes nowMs (Redis's streamLookupConsumer without SLC_NO_REFRESH).
func (g *streamGroup) consumer(name []byte, refresh bool, nowMs int64) *streamConsumer {
	i, ok := g.consumerIndex(bstr(name))
	if !ok {
		return nil
	}
	c := g.consumers[i]
	if refresh {
		c.seenTime = nowMs
	}
	return c
}

// createConsumer adds a consumer seen at nowMs; nil when it exists.
func (g *streamGroup) createConsumer(name []byte, nowMs int64) *streamConsumer {
	i, ok := g.consumerIndex(bstr(name))
	if ok {
		return nil
	}
	c := &streamConsumer{name: string(name), seenTime: nowMs}
	g.consumers = slices.Insert(g.consumers, i, c)
	return c
}

// deleteConsumer removes c and its pending entries from the group.
func (g *streamGroup) deleteConsumer(c *streamConsumer) {
	c.pel.each(streamID{}, func(id streamID, _ *streamNACK) bool {
		g.pel.del(id)
		return true
	})
	if i, ok := g.consumerIndex(c.name); ok {
		g.consumers = slices.Delete(g.consumers, i, i+1)
	}
}

// ack removes the pending entry id; it reports whether it was pending.
func (g *streamGroup) ack(id streamID) bool {
	nack, ok := g.pel.get(id)
	if !ok {
		return false
	}
	g.pel.del(id)
	nack.consumer.pel.del(id)
	return true
}

// clone deep-copies the group (COPY), keeping PEL entries shared between
// the group and its consumers as in the original.
func (g *streamGroup) clone() *streamGroup {
	c := &streamGroup{name: g.name, lastID: g.lastID, entriesRead: g.entriesRead}
	byOld := make(map[*streamConsumer]*streamConsumer, len(g.consumers))
	c.consumers = make([]*streamConsumer, len(g.consumers))
	for i, oc := range g.consumers {
		nc := &streamConsumer{name: oc.name, seenTime: oc.seenTime}
		c.consumers[i] = nc
		byOld[oc] = nc
	}
	g.pel.each(streamID{}, func(id streamID, n *streamNACK) bool {
		nn := &streamNACK{deliveryTime: n.deliveryTime, deliveryCount: n.deliveryCount, consumer: byOld[n.consumer]}
		c.pel.set(id, nn)
		nn.consumer.pel.set(id, nn)
		return true
	})
	return c
}

func (g *streamGroup) memoryBytes() int {
	size := 96 + len(g.name) + g.pel.Len()*(16+8+40)
	for _, c := range g.consumers {
		size += 80 + len(c.name) + c.pel.Len()*24
	}
	return size
}

package resp

import (
	"strconv"
	"sync/atomic"
)

// The memory figures of CLIENT LIST and CLIENT INFO. The connection's
// goroutine publishes them in atomics as it goes; other connections read
// them. They count what this edge holds for a client: its read buffer
// (rbs, its peak rbp, the unused part qbuf-free), the command being run
// (argv-mem, shown only for the connection that asks, whose command that
// is), the commands queued in MULTI (multi-mem); tot-mem is their sum.
// Replies are written as they are produced, so obl, oll and omem stay 0.
type clientMem struct {
	rbs, rbp, qbufFree, multiMem atomic.Int64
}

// noteBuffers publishes the read buffer's size after a read was handled.
func (c *conn) noteBuffers() {
	size := int64(len(c.p.buf))
	c.mem.rbs.Store(size)
	if size > c.mem.rbp.Load() {
		c.mem.rbp.Store(size)
	}
	c.mem.qbufFree.Store(int64(len(c.p.buf) - c.p.end))
}

// argsBytes is the memory of an argument list as CLIENT LIST counts it.
func argsBytes(args [][]byte) int64 {
	n := int64(0)
	for _, a := range args {
		n += int64(len(a))
	}
	return n
}

// appendMemFields appends CLIENT LIST's qbuf-free .. tot-mem fields of c
// as seen by the connection self.
func (c *conn) appendMemFields(b []byte, self *conn) []byte {
	argv := int64(0)
	if c == self {
		argv = argsBytes(c.curArgs)
	}
	rbs, multi := c.mem.rbs.Load(), c.mem.multiMem.Load()
	b = append(b, " qbuf-free="...)
	b = strconv.AppendInt(b, c.mem.qbufFree.Load(), 10)
	b = append(b, " argv-mem="...)
	b = strconv.AppendInt(b, argv, 10)
	b = append(b, " multi-mem="...)
	b = strconv.AppendInt(b, multi, 10)
	b = append(b, " rbs="...)
	b = strconv.AppendInt(b, rbs, 10)
	b = append(b, " rbp="...)
	b = strconv.AppendInt(b, c.mem.rbp.Load(), 10)
	b = append(b, " obl=0 oll=0 omem=0 tot-mem="...)
	return strconv.AppendInt(b, rbs+argv+multi, 10)
}

package resp

import "redraft/kv"

// CLIENT REPLY ON|OFF|SKIP: a client may silence the replies to its
// commands (all of them, or the next one). Pub/sub messages and
// (un)subscribe confirmations are still sent, as Redis sends them with
// its "pushing" flag, which bypasses the silencing: they travel through
// the connection's output queue (pubsub.go), which silencing never
// touches.

func (c *conn) cmdClientReply(args [][]byte) {
	switch {
	case kv.EqualFold(args[2], "ON"):
		c.replyOff, c.replySkip, c.replySkipNext = false, false, false
		c.replyOnRan = true // its +OK is sent even when it was to be skipped
		c.w.OK()
	case kv.EqualFold(args[2], "OFF"):
		c.replyOff = true
	case kv.EqualFold(args[2], "SKIP"):
		if !c.replyOff {
			c.replySkipNext = true
		}
	default:
		c.w.Error(kv.ErrSyntax)
	}
}

// dispatchSilenced runs one command whose reply is dropped: the command
// runs alone (its group executed at once) so that its reply can be cut
// from the output; CLIENT REPLY ON's own +OK survives.
func (c *conn) dispatchSilenced(args [][]byte) {
	c.flushGroup()
	if c.ps != nil {
		c.moveOutput()
	}
	mark := c.w.Len()
	wasSkip := c.replySkip
	c.replySkip = false
	c.silenced = true
	c.replyOnRan = false
	c.dispatchCmd(args)
	c.flushGroup()
	c.silenced = false
	if (c.replyOff || wasSkip) && !c.replyOnRan && c.w.Len() > mark {
		c.w.Truncate(mark)
	}
}

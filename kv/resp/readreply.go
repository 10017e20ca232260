package resp

import (
	"bufio"

	"redraft/wire"
)

// ErrMalformedReply: a peer sent bytes that are not one RESP reply (or a
// reply larger than wire.ReplyBytesMax).
var ErrMalformedReply = wire.ErrMalformed

// ReadReply reads one complete RESP2/RESP3 reply from r and returns its raw
// bytes (nested aggregates included), within wire.ReplyBytesMax. It is
// package wire's reader, the one the nodes use for each other's replies;
// MIGRATE reads its target's replies with it.
func ReadReply(r *bufio.Reader) ([]byte, error) {
	return wire.ReadReply(r, wire.ReplyBytesMax)
}

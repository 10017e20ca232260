// Package wire is the RESP framing a Redraft node speaks when it is the
// client of another node: the requests members send each other and the
// replies they read back.
//
// # The forwarding format
//
// A follower runs a batch of its clients' commands on the leader with one
// request, ForwardCommand ("redraft.forward") followed by the batch's log
// entry encoding, written as a RESP array of bulk strings (WriteCommand).
// The leader answers with one bulk string holding the batch's replies
// concatenated (one per command, in order), or with an error reply
// ("-ERR forward: ..."). The follower reads that reply (ReadReply), takes
// its body (BulkBody) and, where it needs the replies one by one, cuts the
// body apart (SplitReplies). The same connections carry RAFT INFO, RAFT
// JOIN and the other RAFT subcommands a follower passes on, and AUTH on a
// client port; on the Raft port's peer channel the leader reads the
// requests with ReadCommand. The bytes are those of a RESP client, so the
// leader's ordinary RESP edge understands them too. Changing them breaks
// clusters whose members run different versions.
//
// # Where it lives
//
// Two layers use it and it imports neither: the consensus layer
// (replication/, which forwards) and the client edge (kv/resp, whose
// ReadReply, used by MIGRATE, delegates to ReadReply here, so the tree has
// one RESP reply reader). Under replication/ the client edge would import
// the consensus layer's tree; inside kv/resp the consensus layer would
// depend on the client edge, which is what this package ends.
//
// # Limits
//
// A reader never panics on input and never allocates from a declared
// length alone: every read is bounded by a byte budget the caller passes
// (ReplyBytesMax, RequestBytesMax for member traffic), aggregates are
// counted against that budget instead of a nesting depth, and a bulk
// string's memory grows with the bytes that actually arrived
// (readChunkMax). Malformed input is ErrMalformed; input over its budget is
// ErrTooLarge (which is also ErrMalformed); input that stops early is
// io.ErrUnexpectedEOF. After any error the stream is out of step and the
// caller must drop the connection. The readers check framing (types,
// lengths, CRLF), not the contents of simple lines: a ":" line that is not
// a number is passed on as it came.
package wire

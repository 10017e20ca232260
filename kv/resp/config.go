package resp

import (
	"log/slog"
	"time"
)

// Limits of the RESP edge. Each one bounds memory or time a single client can
// take; the values mirror Redis's where Redis has one.
const (
	// DefaultProtoMaxBulkLen is Redis's proto-max-bulk-len: the longest bulk
	// string a client may send (512 MB).
	DefaultProtoMaxBulkLen = 512 << 20
	// MinProtoMaxBulkLen is the smallest value CONFIG SET accepts (Redis: 1 MB).
	MinProtoMaxBulkLen = 1 << 20
	// DefaultMaxClients is Redis's maxclients default.
	DefaultMaxClients = 10000
	// DefaultMaxMultibulkLen bounds the argument count of one command. Redis
	// allows up to INT_MAX; ours matches the state machine's encoding limit
	// (kv.maxArgsPerCmd) so every accepted command can go through the log.
	DefaultMaxMultibulkLen = 1 << 20
	// DefaultQueryBufferMax is Redis's client-query-buffer-limit (1 GB): a
	// client whose unparsed input grows beyond it is disconnected.
	DefaultQueryBufferMax = 1 << 30
	// DefaultOutputBufferMax bounds the replies pending for one client. It is
	// larger than one maximal bulk so that a single GET of the biggest value
	// still works; a client whose pending output passes it is disconnected.
	DefaultOutputBufferMax = 1 << 30
	// DefaultOutputStallTimeout disconnects a client that stops reading: a
	// write to it that makes no progress for this long closes the connection.
	DefaultOutputStallTimeout = 60 * time.Second
	// DefaultMaxTxCmds bounds the commands queued in one MULTI, matching the
	// state machine's encoding limit (kv.maxTxCmds).
	DefaultMaxTxCmds = 1 << 20
	// DefaultMaxSubscriptions bounds the channels, patterns and shard
	// channels one connection subscribes to (Redis has no limit; each
	// costs hub memory until the connection unsubscribes or closes).
	DefaultMaxSubscriptions = 1 << 20

	// protoInlineMaxSize is Redis's PROTO_INLINE_MAX_SIZE: the longest inline
	// request and the longest multibulk/bulk header line (64 KB).
	protoInlineMaxSize = 64 << 10
	// unauthMultibulkMax and unauthBulkMax are what Redis lets an
	// unauthenticated client send before it has authenticated.
	unauthMultibulkMax = 10
	unauthBulkMax      = 16384

	// readBufferSize is a connection's initial (and resting) read buffer.
	// Redis reads 16 KB at a time (PROTO_IOBUF_LEN); a larger request grows
	// the buffer, which shrinks back once the large request is done.
	readBufferSize = 16 << 10
	// readBufferMinFree is the least free space a read is attempted with.
	readBufferMinFree = 4 << 10
	// writeBufferKeep is the reply buffer capacity a connection keeps between
	// batches; a bigger buffer (after a large reply) is released.
	writeBufferKeep = 256 << 10
	// writeChunk is the most written by one Write call, so that a stalled
	// client is noticed between chunks (see OutputStallTimeout).
	writeChunk = 1 << 20
	// flushBytes: once this many reply bytes are pending in the middle of a
	// batch, they are written before more commands are parsed, which bounds
	// the output buffer of pipelining clients.
	flushBytes = 64 << 10
	// maxGroupCmds bounds the commands handed to Executor.Execute at once.
	// A connection starts at initialGroupCmds and then sizes its groups so
	// that one group's replies come to about groupReplyBytes: replies
	// cannot be bounded before they are produced, so the group size bounds
	// the output a pipelining client can pile up at once.
	maxGroupCmds     = 1024
	initialGroupCmds = 32
	groupReplyBytes  = 256 << 10
	// cronInterval is the period of the server's housekeeping goroutine
	// (idle timeout, output stalls, instantaneous ops).
	cronInterval = 100 * time.Millisecond
)

// Config configures a Server. The zero value is usable: zero fields take the
// defaults above. RequirePass, MaxClients, ProtoMaxBulkLen and IdleTimeout
// may later be changed with CONFIG SET.
type Config struct {
	// RequirePass, when not empty, is the password of the default user
	// (Redis's requirepass): clients must AUTH before anything but AUTH,
	// HELLO ... AUTH, QUIT and RESET.
	RequirePass string
	// ACLFile is the file ACL SAVE writes and ACL LOAD reads (Redis's
	// aclfile; docs/acl.md); empty: both answer Redis's error.
	ACLFile string
	// MaxClients is the most connections served at once (Redis's maxclients);
	// further clients get "-ERR max number of clients reached".
	MaxClients int
	// ProtoMaxBulkLen is the longest bulk string accepted (proto-max-bulk-len).
	ProtoMaxBulkLen int64
	// MaxMultibulkLen is the most arguments in one command.
	MaxMultibulkLen int
	// QueryBufferMax is the most unparsed input held for one client.
	QueryBufferMax int64
	// OutputBufferMax is the most reply bytes pending for one client.
	OutputBufferMax int64
	// OutputStallTimeout closes a client whose pending replies make no
	// progress for this long (a client that stopped reading). Negative
	// disables it.
	OutputStallTimeout time.Duration
	// IdleTimeout closes a client idle for this long (Redis's timeout);
	// zero disables it.
	IdleTimeout time.Duration
	// MaxTxCmds is the most commands queued in one MULTI.
	MaxTxCmds int
	// MaxSubscriptions is the most subscriptions of one connection.
	MaxSubscriptions int
	// Logger receives connection-level events; nil means slog.Default().
	Logger *slog.Logger
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.MaxClients <= 0 {
		c.MaxClients = DefaultMaxClients
	}
	if c.ProtoMaxBulkLen <= 0 {
		c.ProtoMaxBulkLen = DefaultProtoMaxBulkLen
	}
	if c.MaxMultibulkLen <= 0 {
		c.MaxMultibulkLen = DefaultMaxMultibulkLen
	}
	if c.QueryBufferMax <= 0 {
		c.QueryBufferMax = DefaultQueryBufferMax
	}
	if c.OutputBufferMax <= 0 {
		c.OutputBufferMax = DefaultOutputBufferMax
	}
	if c.OutputStallTimeout == 0 {
		c.OutputStallTimeout = DefaultOutputStallTimeout
	}
	if c.MaxTxCmds <= 0 {
		c.MaxTxCmds = DefaultMaxTxCmds
	}
	if c.MaxSubscriptions <= 0 {
		c.MaxSubscriptions = DefaultMaxSubscriptions
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

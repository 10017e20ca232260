// Package script is Redraft's Lua 5.1 environment for EVAL and FUNCTION:
// the sandbox Redis 7.0 gives scripts (the redis table, KEYS and ARGV,
// cjson, cmsgpack, struct, bit, protected globals), the conversion between
// RESP replies and Lua values, and the deterministic execution budget.
//
// # Determinism
//
// A write script runs inside the state machine on every replica, so nothing
// in here may depend on the node: math.random draws from the seed the
// caller passes (the log entry's), table iteration is gopher-lua's
// insertion order (its tables keep a key slice beside their Go maps; the
// maps are never iterated here), collectgarbage reports no memory, and the
// budget counts Lua instructions, not time. Scripts cannot change anything
// that outlives a call: the globals, the library tables and the string
// metatable are read-only proxies, so an Engine reused for many calls (or
// rebuilt after a restart) behaves the same.
//
// # Budget
//
// An Engine runs with a Limits: a maximum number of VM instructions per
// call (counted through the context gopher-lua polls before every
// instruction), a maximum size for strings built by string.rep, string
// concatenation and the conversion of replies, and a maximum call depth.
// Crossing one stops the script with an error; what it already did through
// redis.call stays done, as in Redis.
//
// # Concurrency
//
// An Engine is not safe for concurrent use; compiled prototypes
// (*lua.FunctionProto) are immutable and may be shared between Engines.
package script

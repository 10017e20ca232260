package kv

import (
	"fmt"
	"sort"
	"strings"
)

// Flags describe a command, as Redis's command table does.
type Flags uint32

const (
	// FlagWrite: the command may modify the keyspace; it must go through the log.
	FlagWrite Flags = 1 << iota
	// FlagReadOnly: the command only reads the keyspace.
	FlagReadOnly
	// FlagDenyOOM: refused when memory is over the limit.
	FlagDenyOOM
	// FlagAdmin: administrative command.
	FlagAdmin
	// FlagFast: O(1) or O(log N).
	FlagFast
	// FlagRandom: the reply depends on Cmd.Seed.
	FlagRandom
	// FlagNoMulti: cannot be queued inside MULTI (the edge runs it at once).
	FlagNoMulti
	// FlagEdge: connection or server command answered by the edge; Run is nil.
	FlagEdge
	// FlagNoAuth: allowed before AUTH.
	FlagNoAuth
	// FlagLoading, FlagStale: allowed while loading / on a stale replica.
	FlagLoading
	FlagStale
	// FlagPubSub: a pub/sub command (Redis's "pubsub" flag).
	FlagPubSub
	// FlagMayReplicate: the command changes no key but must still go
	// through the log (PUBLISH: its message is produced at apply, in log
	// order, on every node). Internal: COMMAND INFO does not show it, as
	// Redis 7.0 shows no such flag for PUBLISH.
	FlagMayReplicate
	// FlagNoScript: not allowed from scripts (EVAL, SCRIPT, FUNCTION...).
	FlagNoScript
	// FlagPeer: sent by another member of the cluster on a link of its
	// own (REDRAFT.FORWARD). A connection on which such a command succeeds
	// (answers a bulk string) is a peer link from then on, not a client:
	// the edge keeps it out of connected_clients and filtered CLIENT
	// KILLs, as Redis keeps its replication links out of
	// connected_clients. Internal: COMMAND INFO does not show it.
	FlagPeer
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagWrite, "write"}, {FlagReadOnly, "readonly"}, {FlagDenyOOM, "denyoom"},
	{FlagAdmin, "admin"}, {FlagPubSub, "pubsub"}, {FlagNoAuth, "no_auth"}, {FlagLoading, "loading"},
	{FlagStale, "stale"}, {FlagFast, "fast"}, {FlagNoMulti, "no_multi"},
	{FlagNoScript, "noscript"},
}

// Names returns the flag names as COMMAND INFO reports them.
func (f Flags) Names() []string {
	var out []string
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// Spec describes one command: the edge uses it to validate and route, the
// machine to execute, COMMAND to describe.
type Spec struct {
	Name  string // lower case, as COMMAND reports it
	Arity int    // Redis convention: n exact, -n at least n (the name counts)
	Flags Flags
	// FirstKey, LastKey, Step locate the key arguments (LastKey -1 = last arg).
	FirstKey, LastKey, Step int
	Group                   string // COMMAND DOCS group: string, generic, hash, list, set, sorted-set, ...
	Summary                 string
	Since                   string
	// Run executes the command inside the machine; nil for FlagEdge commands.
	Run func(c *Ctx)
	// ReadsOnly, when set, reports that a FlagWrite command only reads
	// with these arguments (EVAL of a no-writes script, SCRIPT EXISTS):
	// it is routed and executed as a read.
	ReadsOnly func(args [][]byte) bool
	// KeysFunc, when set, locates the keys instead of FirstKey/LastKey/Step
	// (EVAL and FCALL: numkeys, then the keys).
	KeysFunc func(args [][]byte) [][]byte
}

// CheckArity reports whether argc (name included) fits the arity.
func (s *Spec) CheckArity(argc int) bool {
	if s.Arity >= 0 {
		return argc == s.Arity
	}
	return argc >= -s.Arity
}

// IsWrite reports whether the command may modify the keyspace or must
// otherwise go through the log (FlagMayReplicate).
func (s *Spec) IsWrite() bool { return s.Flags&(FlagWrite|FlagMayReplicate) != 0 }

// IsWriteArgs reports whether the command, with these arguments (name
// first), may modify the state: IsWrite unless ReadsOnly says otherwise.
func (s *Spec) IsWriteArgs(args [][]byte) bool {
	return s.IsWrite() && (s.ReadsOnly == nil || !s.ReadsOnly(args))
}

// Keys returns the key arguments of args according to the spec.
func (s *Spec) Keys(args [][]byte) [][]byte {
	if s.KeysFunc != nil {
		return s.KeysFunc(args)
	}
	if s.FirstKey <= 0 {
		return nil
	}
	last := s.LastKey
	if last < 0 {
		last = len(args) + last
	}
	step := s.Step
	if step <= 0 {
		step = 1
	}
	var keys [][]byte
	for i := s.FirstKey; i <= last && i < len(args); i += step {
		keys = append(keys, args[i])
	}
	return keys
}

// table maps upper-case command names to specs. It is built once, at init,
// from every family's list, and read-only afterwards.
var table = map[string]*Spec{}

func init() {
	for _, family := range [][]*Spec{
		stringCommands(), keyCommands(), hashCommands(), listCommands(),
		setCommands(), zsetCommands(), serverCommands(), casCommands(), dbCommands(),
		bitmapCommands(), hllCommands(), dumpCommands(), pubsubCommands(),
		sortCommands(), geoCommands(), lcsCommands(),
		scriptCommands(),
		blockCommands(),
		streamCommands(),
		aclCommandsSpecs(),
	} {
		for _, s := range family {
			Register(s)
		}
	}
}

// Register adds a command to the table. It is meant for init time: the edge
// registers its connection commands (FlagEdge) so that COMMAND, arity checks
// and MULTI queueing see one table. Registering a name twice panics.
func Register(s *Spec) {
	up := strings.ToUpper(s.Name)
	if _, dup := table[up]; dup {
		panic(fmt.Sprintf("kv: command %q registered twice", s.Name))
	}
	if s.Run == nil && s.Flags&FlagEdge == 0 {
		panic(fmt.Sprintf("kv: command %q has no Run and is not an edge command", s.Name))
	}
	table[up] = s
}

// Lookup finds a command by name, case-insensitively, without allocating.
func Lookup(name []byte) *Spec {
	if len(name) > 32 {
		return nil
	}
	var buf [32]byte
	for i, c := range name {
		if c >= 'a' && c <= 'z' {
			c -= 32
		}
		buf[i] = c
	}
	return table[string(buf[:len(name)])]
}

// Commands returns every registered command sorted by name.
func Commands() []*Spec {
	out := make([]*Spec, 0, len(table))
	for _, s := range table {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

package kv

import (
	"fmt"
	"math"
)

// DUMP, RESTORE and OBJECT, as Redis 7.0's cluster.c and object.c. The
// payload format is in rdb.go.

// DUMP/RESTORE/OBJECT error replies.
const (
	errBusyKey        = "BUSYKEY Target key name already exists."
	errDumpPayload    = "ERR DUMP payload version or checksum are wrong"
	errBadDataFormat  = "ERR Bad data format"
	errRestoreTTL     = "ERR Invalid TTL value, must be >= 0"
	errRestoreIdle    = "ERR Invalid IDLETIME value, must be >= 0"
	errRestoreFreq    = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	errObjectFreqLRU  = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	embstrBytesMax    = 44 // OBJ_ENCODING_EMBSTR_SIZE_LIMIT
	sharedIntegersMax = 10000
	// sharedRefcount is what OBJECT REFCOUNT reports for Redis's shared
	// small integers (OBJ_SHARED_REFCOUNT, INT_MAX).
	sharedRefcount = math.MaxInt32
)

func dumpCommands() []*Spec {
	return []*Spec{
		{Name: "dump", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0",
			Summary: "Return a serialized version of the value stored at the specified key.", Run: runDump},
		{Name: "restore", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Since: "2.6.0",
			Summary: "Create a key using the provided serialized value, previously obtained using DUMP.", Run: runRestore},
		{Name: "object", Arity: -2, Flags: FlagReadOnly, FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Since: "2.2.3",
			Summary: "A container for object introspection commands", Run: runObject},
	}
}

func runDump(c *Ctx) {
	e := c.Lookup(c.Args[1])
	if e == nil {
		c.W.Null()
		return
	}
	c.W.Bulk(dumpPayload(e))
}

func runRestore(c *Ctx) {
	replace, absTTL := false, false
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(c.Args); j++ {
		more := len(c.Args) - j - 1
		switch a := c.Args[j]; {
		case cstrEq(a, "REPLACE"):
			replace = true
		case cstrEq(a, "ABSTTL"):
			absTTL = true
		case cstrEq(a, "IDLETIME") && more >= 1 && freq == -1:
			v, ok := c.ArgInt(j + 1)
			if !ok {
				return
			}
			if v < 0 {
				c.W.Error(errRestoreIdle)
				return
			}
			idle = v
			j++
		case cstrEq(a, "FREQ") && more >= 1 && idle == -1:
			v, ok := c.ArgInt(j + 1)
			if !ok {
				return
			}
			if v < 0 || v > 255 {
				c.W.Error(errRestoreFreq)
				return
			}
			freq = v
			j++
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	key := c.Args[1]
	if !replace && c.LookupWrite(key) != nil {
		c.W.Error(errBusyKey)
		return
	}
	ttl, ok := c.ArgInt(2)
	if !ok {
		return
	}
	if ttl < 0 {
		c.W.Error(errRestoreTTL)
		return
	}
	payload := c.Args[3]
	if !verifyPayload(payload) {
		c.W.Error(errDumpPayload)
		return
	}
	v, ok := decodeDumpValue(payload[:len(payload)-10], c.lim())
	if !ok {
		c.W.Error(errBadDataFormat)
		return
	}
	deleted := replace && c.Delete(key)
	if ttl != 0 && !absTTL {
		ttl += c.NowMs
	}
	if ttl != 0 && ttl <= c.NowMs {
		if deleted {
			c.Notify(NotifyGeneric, "del", key)
		}
		c.W.OK()
		return
	}
	e := c.Add(key, nil, v.obj)
	if v.obj == nil {
		e.str = v.str
	}
	if ttl != 0 {
		c.SetExpire(e, ttl)
	}
	c.Notify(NotifyGeneric, "restore", key)
	c.W.OK()
}

// objectEncoding is the encoding Redis 7.0 reports for e's value, derived
// from the value alone (see docs/known-differences.md for strings).
func objectEncoding(e *entry) string {
	switch o := e.obj.(type) {
	case nil:
		if len(e.str) <= 20 {
			if _, ok := ParseInt(e.str); ok {
				return "int"
			}
		}
		if len(e.str) <= embstrBytesMax && !validHLL(e.str) {
			return "embstr"
		}
		return "raw"
	case *List:
		return "quicklist"
	case *Set:
		if o.intset() {
			return "intset"
		}
		return "hashtable"
	case *ZSet:
		return o.encoding()
	case *Hash:
		if o.listpack() {
			return "listpack"
		}
		return "hashtable"
	case *Stream:
		return "stream"
	}
	panic("kv: OBJECT of an unknown object type")
}

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

func runObject(c *Ctx) {
	sub := c.Args[1]
	var name string
	arity := 3
	switch {
	case EqualFold(sub, "HELP"):
		name, arity = "help", 2
	case EqualFold(sub, "ENCODING"):
		name = "encoding"
	case EqualFold(sub, "REFCOUNT"):
		name = "refcount"
	case EqualFold(sub, "IDLETIME"):
		name = "idletime"
	case EqualFold(sub, "FREQ"):
		name = "freq"
	default:
		c.W.Error(ErrUnknownSubcommand(sub, "object"))
		return
	}
	if len(c.Args) != arity {
		c.W.Error(ErrArity("object|" + name))
		return
	}
	if name == "help" {
		c.W.Array(len(objectHelp))
		for _, l := range objectHelp {
			c.W.Simple(l)
		}
		return
	}
	e := c.lookupQuiet(c.Args[2])
	if e == nil {
		c.W.Null()
		return
	}
	switch name {
	case "encoding":
		c.W.BulkString(objectEncoding(e))
	case "refcount":
		if e.obj == nil && len(e.str) <= 20 {
			if v, ok := ParseInt(e.str); ok && v >= 0 && v < sharedIntegersMax {
				c.W.Int(sharedRefcount)
				return
			}
		}
		c.W.Int(1)
	case "idletime":
		// Access times are not tracked (a read changes no state).
		c.W.Int(0)
	case "freq":
		c.W.Error(errObjectFreqLRU)
	default:
		panic(fmt.Sprintf("kv: OBJECT subcommand %q not handled", name))
	}
}

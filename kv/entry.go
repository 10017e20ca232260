package kv

// entry is one key of the keyspace. Strings keep their bytes in str (obj is
// nil); every other type keeps a pointer to its collection in obj.
// The layout is kept small on purpose: it is what 1M keys cost.
type entry struct {
	next     *entry // hash chain (dict)
	key      string
	str      []byte // string value; nil obj means the key holds a string
	obj      any    // *Hash, *List, *Set, *ZSet, *Stream
	expireAt int64  // Unix ms; 0 = no expiry
	version  uint64 // Machine.version of the last modification (WATCH)
}

// Type is a Redis data type.
type Type uint8

// Data types, in the order used by snapshots (never renumber).
const (
	TypeNone Type = iota
	TypeString
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

var typeNames = [...]string{"none", "string", "list", "set", "zset", "hash", "stream"}

// String returns the name TYPE replies with.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// ParseType maps a TYPE name (lower case, as SCAN TYPE takes it) to a Type.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return Type(i), true
		}
	}
	return TypeNone, false
}

func (e *entry) typ() Type {
	switch e.obj.(type) {
	case nil:
		return TypeString
	case *List:
		return TypeList
	case *Set:
		return TypeSet
	case *ZSet:
		return TypeZSet
	case *Hash:
		return TypeHash
	case *Stream:
		return TypeStream
	}
	panic("kv: entry holds an unknown object type")
}

// expired reports whether e is gone at nowMs. Like Redis (keyIsExpired: now > when),
// a key is still there during the millisecond of its expiry time.
func (e *entry) expired(nowMs int64) bool { return e.expireAt != 0 && nowMs > e.expireAt }

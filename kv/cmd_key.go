package kv

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// Generic key commands, as Redis 7.0's db.c and expire.c. Each runs in the
// command's database; COPY ... DB reaches another one (MOVE and SWAPDB are
// in cmd_db.go).

// Generic-family error replies not shared with other families.
const (
	errKeySameObject    = "ERR source and destination objects are the same"
	errKeyInvalidCursor = "ERR invalid cursor"
	errKeyExpireNXMix   = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errKeyExpireGTLT    = "ERR GT and LT options at the same time are not compatible"
)

const (
	// scanCountDefault is SCAN's COUNT when none is given (Redis: 10).
	scanCountDefault = 10
	// scanBucketsPerCount bounds the buckets one SCAN call visits to
	// COUNT times this (Redis: maxiterations = count*10).
	scanBucketsPerCount = 10
	// randomKeyTries bounds RANDOMKEY's draws that land on expired keys
	// before it gives up and answers null (Redis: 100, on replicas).
	randomKeyTries = 100
)

func keyCommands() []*Spec {
	gen := func(name string, arity int, flags Flags, first, last, step int, since, summary string, run func(*Ctx)) *Spec {
		return &Spec{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: step,
			Group: "generic", Since: since, Summary: summary, Run: run}
	}
	const (
		ro  = FlagReadOnly
		w   = FlagWrite
		oom = FlagDenyOOM
		f   = FlagFast
	)
	return []*Spec{
		gen("del", -2, w, 1, -1, 1, "1.0.0", "Delete a key", runDel),
		gen("unlink", -2, w|f, 1, -1, 1, "4.0.0", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", runDel),
		gen("exists", -2, ro|f, 1, -1, 1, "1.0.0", "Determine if a key exists", runExists),
		gen("type", 2, ro|f, 1, 1, 1, "1.0.0", "Determine the type stored at key", runType),
		gen("touch", -2, ro|f, 1, -1, 1, "3.2.1", "Alters the last access time of a key(s). Returns the number of existing keys specified.", runExists),
		gen("expire", -3, w|f, 1, 1, 1, "1.0.0", "Set a key's time to live in seconds", runExpire),
		gen("pexpire", -3, w|f, 1, 1, 1, "2.6.0", "Set a key's time to live in milliseconds", runPExpire),
		gen("expireat", -3, w|f, 1, 1, 1, "1.2.0", "Set the expiration for a key as a UNIX timestamp", runExpireAt),
		gen("pexpireat", -3, w|f, 1, 1, 1, "2.6.0", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", runPExpireAt),
		gen("ttl", 2, ro|f, 1, 1, 1, "1.0.0", "Get the time to live for a key in seconds", runTTL),
		gen("pttl", 2, ro|f, 1, 1, 1, "2.6.0", "Get the time to live for a key in milliseconds", runPTTL),
		gen("expiretime", 2, ro|f, 1, 1, 1, "7.0.0", "Get the expiration Unix timestamp for a key", runExpireTime),
		gen("pexpiretime", 2, ro|f, 1, 1, 1, "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds", runPExpireTime),
		gen("persist", 2, w|f, 1, 1, 1, "2.2.0", "Remove the expiration from a key", runPersist),
		gen("keys", 2, ro, 0, 0, 0, "1.0.0", "Find all keys matching the given pattern", runKeys),
		gen("scan", -2, ro, 0, 0, 0, "2.8.0", "Incrementally iterate the keys space", runScan),
		gen("rename", 3, w, 1, 2, 1, "1.0.0", "Rename a key", runRename),
		gen("renamenx", 3, w|f, 1, 2, 1, "1.0.0", "Rename a key, only if the new key does not exist", runRenameNX),
		gen("copy", -3, w|oom, 1, 2, 1, "6.2.0", "Copy a key", runCopy),
		gen("randomkey", 1, ro|FlagRandom, 0, 0, 0, "1.0.0", "Return a random key from the keyspace", runRandomKey),
	}
}

// keyBytes views a stored key as bytes without copying; never modified.
func keyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// runDel serves DEL and UNLINK: every listed key that exists is removed
// (a key listed twice counts once).
func runDel(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.Delete(k) {
			c.Notify(NotifyGeneric, "del", k)
			n++
		}
	}
	c.W.Int(n)
}

// runExists serves EXISTS and TOUCH: the number of listed keys that exist,
// counting repetitions.
func runExists(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.Lookup(k) != nil {
			n++
		}
	}
	c.W.Int(n)
}

func runType(c *Ctx) {
	e := c.Lookup(c.Args[1])
	if e == nil {
		c.W.Simple("none")
		return
	}
	c.W.Simple(e.typ().String())
}

// Options of the EXPIRE family.
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

func runExpire(c *Ctx)    { expireGeneric(c, c.NowMs, true) }
func runPExpire(c *Ctx)   { expireGeneric(c, c.NowMs, false) }
func runExpireAt(c *Ctx)  { expireGeneric(c, 0, true) }
func runPExpireAt(c *Ctx) { expireGeneric(c, 0, false) }

// parseExpireFlags is Redis's parseExtendedExpireArgumentsOrReply.
func parseExpireFlags(c *Ctx) (int, bool) {
	flags := 0
	for _, opt := range c.Args[3:] {
		switch {
		case cstrEq(opt, "NX"):
			flags |= expireNX
		case cstrEq(opt, "XX"):
			flags |= expireXX
		case cstrEq(opt, "GT"):
			flags |= expireGT
		case cstrEq(opt, "LT"):
			flags |= expireLT
		default:
			c.W.Error("ERR Unsupported option " + string(cstr(opt)))
			return 0, false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		c.W.Error(errKeyExpireNXMix)
		return 0, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.W.Error(errKeyExpireGTLT)
		return 0, false
	}
	return flags, true
}

// expireGeneric is Redis's expireGenericCommand: basetime is now for the
// relative forms and 0 for the absolute ones. A time not in the future
// deletes the key.
func expireGeneric(c *Ctx, basetime int64, seconds bool) {
	flags, ok := parseExpireFlags(c)
	if !ok {
		return
	}
	when, ok := c.ArgInt(2)
	if !ok {
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.errInvalidExpire()
			return
		}
		when *= 1000
	}
	if basetime > 0 && when > math.MaxInt64-basetime {
		c.errInvalidExpire()
		return
	}
	when += basetime
	e := c.LookupWrite(c.Args[1])
	if e == nil {
		c.W.Int(0)
		return
	}
	if flags != 0 {
		cur := e.expireAt // 0: no expiry (Redis's -1, "infinite")
		switch {
		case flags&expireNX != 0 && cur != 0,
			flags&expireXX != 0 && cur == 0,
			flags&expireGT != 0 && (cur == 0 || when <= cur),
			flags&expireLT != 0 && cur != 0 && when >= cur:
			c.W.Int(0)
			return
		}
	}
	if when <= c.NowMs {
		c.DeleteEntry(e)
		c.Notify(NotifyGeneric, "del", c.Args[1])
		c.W.Int(1)
		return
	}
	c.SetExpire(e, when)
	c.Dirty(e)
	c.Notify(NotifyGeneric, "expire", c.Args[1])
	c.W.Int(1)
}

func runTTL(c *Ctx)         { ttlGeneric(c, false, false) }
func runPTTL(c *Ctx)        { ttlGeneric(c, true, false) }
func runExpireTime(c *Ctx)  { ttlGeneric(c, false, true) }
func runPExpireTime(c *Ctx) { ttlGeneric(c, true, true) }

// ttlGeneric is Redis's ttlGenericCommand: -2 when the key is absent, -1
// when it has no expiry; seconds are rounded to the nearest.
func ttlGeneric(c *Ctx, ms, abs bool) {
	e := c.Lookup(c.Args[1])
	if e == nil {
		c.W.Int(-2)
		return
	}
	if e.expireAt == 0 {
		c.W.Int(-1)
		return
	}
	ttl := e.expireAt
	if !abs {
		ttl -= c.NowMs
	}
	if ttl < 0 {
		ttl = 0
	}
	if !ms {
		// (ttl+500)/1000 without overflowing near MaxInt64.
		q := ttl / 1000
		if ttl%1000 >= 500 {
			q++
		}
		ttl = q
	}
	c.W.Int(ttl)
}

func runPersist(c *Ctx) {
	e := c.LookupWrite(c.Args[1])
	if e == nil || e.expireAt == 0 {
		c.W.Int(0)
		return
	}
	c.SetExpire(e, 0)
	c.Dirty(e)
	c.Notify(NotifyGeneric, "persist", c.Args[1])
	c.W.Int(1)
}

func runKeys(c *Ctx) {
	pat := c.Args[1]
	all := len(pat) == 1 && pat[0] == '*'
	var keys []string
	c.EachKey(func(e *entry) bool {
		if (all || MatchGlob(pat, keyBytes(e.key))) && !e.expired(c.NowMs) {
			keys = append(keys, e.key)
		}
		return true
	})
	c.W.Array(len(keys))
	for _, k := range keys {
		c.W.BulkString(k)
	}
}

// parseScanCursor parses a SCAN cursor as Redis does with strtoul: an
// optional sign ("-1" is the largest cursor), decimal digits, nothing after
// them up to the first NUL; a leading space, trailing garbage or overflow is
// an error and the empty string is cursor 0.
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) > 0 && isSpace(b[0]) {
		return 0, false
	}
	s := cstr(b)
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
	}
	if i == start {
		// No digits: strtoul leaves the end pointer at the start.
		return 0, len(s) == 0
	}
	if i != len(s) || overflow {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// runScan is Redis's scanGenericCommand for the keyspace: visit buckets
// until COUNT keys are gathered (at most COUNT*10 buckets), then filter by
// MATCH, TYPE and expiry.
func runScan(c *Ctx) {
	cursor, ok := parseScanCursor(c.Args[1])
	if !ok {
		c.W.Error(errKeyInvalidCursor)
		return
	}
	count := int64(scanCountDefault)
	var pat, typ []byte
	usePattern, useType := false, false
	for i := 2; i < len(c.Args); {
		left := len(c.Args) - i
		switch {
		case cstrEq(c.Args[i], "COUNT") && left >= 2:
			v, ok := c.ArgInt(i + 1)
			if !ok {
				return
			}
			if v < 1 {
				c.W.Error(ErrSyntax)
				return
			}
			count = v
		case cstrEq(c.Args[i], "MATCH") && left >= 2:
			pat = c.Args[i+1]
			usePattern = !(len(pat) == 1 && pat[0] == '*')
		case cstrEq(c.Args[i], "TYPE") && left >= 2:
			typ = cstr(c.Args[i+1])
			useType = true
		default:
			c.W.Error(ErrSyntax)
			return
		}
		i += 2
	}
	var found []*entry
	if c.DBSize() == 0 {
		cursor = 0 // Redis's dictScan returns 0 at once on an empty table
	} else {
		maxIter := count * scanBucketsPerCount // wraps for huge COUNT, as in Redis
		for {
			cursor = c.ScanKeys(cursor, func(e *entry) { found = append(found, e) })
			if cursor == 0 {
				break
			}
			left := maxIter
			maxIter--
			if left == 0 || int64(len(found)) >= count {
				break
			}
		}
	}
	keys := found[:0]
	for _, e := range found {
		if usePattern && !MatchGlob(pat, keyBytes(e.key)) {
			continue
		}
		expired := e.expired(c.NowMs)
		if useType {
			name := "none"
			if !expired {
				name = e.typ().String()
			}
			if !EqualFold(typ, strings.ToUpper(name)) {
				continue
			}
		}
		if expired {
			continue
		}
		keys = append(keys, e)
	}
	c.W.Array(2)
	c.W.BulkString(strconv.FormatUint(cursor, 10))
	c.W.Array(len(keys))
	for _, e := range keys {
		c.W.BulkString(e.key)
	}
}

func runRename(c *Ctx)   { renameGeneric(c, false) }
func runRenameNX(c *Ctx) { renameGeneric(c, true) }

// renameGeneric is Redis's renameGenericCommand: the value and its expiry
// move to the new name, replacing (RENAME) or refusing (RENAMENX) an
// existing destination.
func renameGeneric(c *Ctx, nx bool) {
	src, dst := c.Args[1], c.Args[2]
	e := c.LookupWrite(src)
	if e == nil {
		c.W.Error(ErrNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.W.Int(0)
		} else {
			c.W.OK()
		}
		return
	}
	if d := c.LookupWrite(dst); d != nil {
		if nx {
			c.W.Int(0)
			return
		}
		c.DeleteEntry(d)
	}
	ne := c.Add(dst, nil, e.obj)
	if e.obj == nil {
		ne.str = e.str // moved: e leaves the keyspace below
	}
	if e.expireAt != 0 {
		c.SetExpire(ne, e.expireAt)
	}
	c.DeleteEntry(e)
	c.Notify(NotifyGeneric, "rename_from", src)
	c.Notify(NotifyGeneric, "rename_to", dst)
	if nx {
		c.W.Int(1)
	} else {
		c.W.OK()
	}
}

// runCopy is Redis's copyCommand: the copy goes to the command's database
// or to the one DB names.
func runCopy(c *Ctx) {
	replace := false
	dstDB := c.DB()
	for j := 3; j < len(c.Args); j++ {
		additional := len(c.Args) - j - 1
		switch {
		case cstrEq(c.Args[j], "REPLACE"):
			replace = true
		case cstrEq(c.Args[j], "DB") && additional >= 1:
			db, errText := ParseDB(c.Args[j+1])
			if errText != "" {
				c.W.Error(errText)
				return
			}
			dstDB = db
			j++
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	src, dst := c.Args[1], c.Args[2]
	if dstDB == c.DB() && bytes.Equal(src, dst) {
		c.W.Error(errKeySameObject)
		return
	}
	e := c.LookupWrite(src)
	if e == nil {
		c.W.Int(0)
		return
	}
	c.InDB(dstDB, func() {
		if d := c.LookupWrite(dst); d != nil {
			if !replace {
				c.W.Int(0)
				return
			}
			c.DeleteEntry(d)
		}
		ne := c.Add(dst, e.str, cloneObject(e.obj))
		if e.expireAt != 0 {
			c.SetExpire(ne, e.expireAt)
		}
		c.Notify(NotifyGeneric, "copy_to", dst)
		c.W.Int(1)
	})
}

// cloneObject deep-copies a collection value (nil for strings, whose bytes
// Add copies).
func cloneObject(obj any) any {
	switch v := obj.(type) {
	case nil:
		return nil
	case *Hash:
		return v.clone()
	case *List:
		return v.clone()
	case *Set:
		return v.clone()
	case *ZSet:
		return v.clone()
	case *Stream:
		return v.clone()
	}
	panic(fmt.Sprintf("kv: cannot clone a value of type %T", obj))
}

// runRandomKey answers a random live key, drawing with the command's seed;
// after randomKeyTries draws that hit expired keys it answers null (a
// read-only command cannot remove them; active expiry will).
func runRandomKey(c *Ctx) {
	for range randomKeyTries {
		e := c.RandomEntry()
		if e == nil {
			break
		}
		if !e.expired(c.NowMs) {
			c.W.BulkString(e.key)
			return
		}
	}
	c.W.Null()
}

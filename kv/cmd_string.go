package kv

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// String commands, as Redis 7.0's t_string.c: each run function parses its
// arguments in Redis's order, executes, and writes exactly Redis's reply.

// maxStringBytes is Redis's proto-max-bulk-len default (512 MB): APPEND and
// SETRANGE refuse to build a string longer than this.
const maxStringBytes = 512 * 1024 * 1024

// String-family error replies not shared with other families.
const (
	errDecrementOverflow = "ERR decrement would overflow"
)

func stringCommands() []*Spec {
	str := func(name string, arity int, flags Flags, first, last, step int, since, summary string, run func(*Ctx)) *Spec {
		return &Spec{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: step,
			Group: "string", Since: since, Summary: summary, Run: run}
	}
	const (
		ro  = FlagReadOnly
		w   = FlagWrite
		oom = FlagDenyOOM
		f   = FlagFast
	)
	return []*Spec{
		str("get", 2, ro|f, 1, 1, 1, "1.0.0", "Get the value of a key", runGet),
		str("set", -3, w|oom, 1, 1, 1, "1.0.0", "Set the string value of a key", runSet),
		str("setnx", 3, w|oom|f, 1, 1, 1, "1.0.0", "Set the value of a key, only if the key does not exist", runSetNX),
		str("setex", 4, w|oom, 1, 1, 1, "2.0.0", "Set the value and expiration of a key", runSetEX),
		str("psetex", 4, w|oom, 1, 1, 1, "2.6.0", "Set the value and expiration in milliseconds of a key", runPSetEX),
		str("getset", 3, w|oom|f, 1, 1, 1, "1.0.0", "Set the string value of a key and return its old value", runGetSet),
		str("getdel", 2, w|f, 1, 1, 1, "6.2.0", "Get the value of a key and delete the key", runGetDel),
		str("getex", -2, w|f, 1, 1, 1, "6.2.0", "Get the value of a key and optionally set its expiration", runGetEx),
		str("mget", -2, ro|f, 1, -1, 1, "1.0.0", "Get the values of all the given keys", runMGet),
		str("mset", -3, w|oom, 1, -1, 2, "1.0.1", "Set multiple keys to multiple values", runMSet),
		str("msetnx", -3, w|oom, 1, -1, 2, "1.0.1", "Set multiple keys to multiple values, only if none of the keys exist", runMSetNX),
		str("append", 3, w|oom|f, 1, 1, 1, "2.0.0", "Append a value to a key", runAppend),
		str("strlen", 2, ro|f, 1, 1, 1, "2.2.0", "Get the length of the value stored in a key", runStrlen),
		str("incr", 2, w|oom|f, 1, 1, 1, "1.0.0", "Increment the integer value of a key by one", runIncr),
		str("decr", 2, w|oom|f, 1, 1, 1, "1.0.0", "Decrement the integer value of a key by one", runDecr),
		str("incrby", 3, w|oom|f, 1, 1, 1, "1.0.0", "Increment the integer value of a key by the given amount", runIncrBy),
		str("decrby", 3, w|oom|f, 1, 1, 1, "1.0.0", "Decrement the integer value of a key by the given number", runDecrBy),
		str("incrbyfloat", 3, w|oom|f, 1, 1, 1, "2.6.0", "Increment the float value of a key by the given amount", runIncrByFloat),
		str("getrange", 4, ro, 1, 1, 1, "2.4.0", "Get a substring of the string stored at a key", runGetRange),
		str("setrange", 4, w|oom, 1, 1, 1, "2.2.0", "Overwrite part of a string at key starting at the specified offset", runSetRange),
	}
}

// cstrEq compares an argument with an upper-case option name the way Redis's
// strcasecmp does: the argument ends at its first NUL byte, so "NX\x00junk"
// is NX (Redis behaves so; replies must match).
func cstrEq(b []byte, opt string) bool { return EqualFold(cstr(b), opt) }

// cstr returns b up to its first NUL byte, as C string functions see it.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// Option flags of SET and GETEX (Redis's OBJ_SET_* / OBJ_* flags).
const (
	optNX = 1 << iota
	optXX
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT
)

// optExpire is any of the four expiry options.
const optExpire = optEX | optPX | optEXAT | optPXAT

// parseStringOptions parses SET's (forSet) or GETEX's options starting at
// argument start, exactly as Redis's parseExtendedStringArgumentsOrReply:
// an option is refused (syntax error) when it conflicts with one already
// seen; repeating the same option is allowed, the last expiry wins. It
// returns the flags and the expiry argument (nil when none).
func parseStringOptions(c *Ctx, start int, forSet bool) (flags int, expire []byte, ok bool) {
	for j := start; j < len(c.Args); j++ {
		opt := c.Args[j]
		hasNext := j+1 < len(c.Args)
		switch {
		case forSet && cstrEq(opt, "NX") && flags&optXX == 0:
			flags |= optNX
		case forSet && cstrEq(opt, "XX") && flags&optNX == 0:
			flags |= optXX
		case forSet && cstrEq(opt, "GET"):
			flags |= optGet
		case forSet && cstrEq(opt, "KEEPTTL") && flags&(optPersist|optExpire) == 0:
			flags |= optKeepTTL
		case !forSet && cstrEq(opt, "PERSIST") && flags&(optExpire|optKeepTTL) == 0:
			flags |= optPersist
		case cstrEq(opt, "EX") && flags&(optKeepTTL|optPersist|optExpire&^optEX) == 0 && hasNext:
			flags |= optEX
			expire = c.Args[j+1]
			j++
		case cstrEq(opt, "PX") && flags&(optKeepTTL|optPersist|optExpire&^optPX) == 0 && hasNext:
			flags |= optPX
			expire = c.Args[j+1]
			j++
		case cstrEq(opt, "EXAT") && flags&(optKeepTTL|optPersist|optExpire&^optEXAT) == 0 && hasNext:
			flags |= optEXAT
			expire = c.Args[j+1]
			j++
		case cstrEq(opt, "PXAT") && flags&(optKeepTTL|optPersist|optExpire&^optPXAT) == 0 && hasNext:
			flags |= optPXAT
			expire = c.Args[j+1]
			j++
		default:
			c.W.Error(ErrSyntax)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// errInvalidExpire is Redis's addReplyErrorExpireTime for the running command.
func (c *Ctx) errInvalidExpire() { c.W.Error(fmt.Sprintf(ErrInvalidExpire, c.Name())) }

// expireAtMs converts an expiry argument of SET, SETEX, PSETEX or GETEX into
// an absolute Unix time in ms, as Redis's getExpireMillisecondsOrReply: the
// value must be a positive integer, must not overflow when converted from
// seconds, and relative times (EX, PX) must not overflow when added to now.
func expireAtMs(c *Ctx, arg []byte, flags int) (int64, bool) {
	ms, ok := ParseInt(arg)
	if !ok {
		c.W.Error(ErrNotInteger)
		return 0, false
	}
	seconds := flags&(optEX|optEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		c.errInvalidExpire()
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if flags&(optEX|optPX) != 0 {
		ms += c.NowMs // wraps on overflow, caught below as in Redis
	}
	if ms <= 0 {
		c.errInvalidExpire()
		return 0, false
	}
	return ms, true
}

func runGet(c *Ctx) { getGeneric(c) }

// getGeneric replies the string at Args[1] (null when absent) and reports
// false after writing WRONGTYPE; Redis's getGenericCommand.
func getGeneric(c *Ctx) bool {
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return false
	}
	if e == nil {
		c.W.Null()
		return true
	}
	c.W.Bulk(e.str)
	return true
}

func runSet(c *Ctx) {
	flags, expire, ok := parseStringOptions(c, 3, true)
	if !ok {
		return
	}
	setGeneric(c, flags, c.Args[1], c.Args[2], expire, "+OK\r\n", "")
}

// setGeneric is Redis's setGenericCommand. okReply and abortReply are raw
// RESP; an empty abortReply means the null reply of the client's protocol.
func setGeneric(c *Ctx, flags int, key, val, expire []byte, okReply, abortReply string) {
	var atMs int64
	if expire != nil {
		var ok bool
		if atMs, ok = expireAtMs(c, expire, flags); !ok {
			return
		}
	}
	if flags&optGet != 0 && !getGeneric(c) {
		return
	}
	found := c.LookupWrite(key) != nil
	if flags&optNX != 0 && found || flags&optXX != 0 && !found {
		if flags&optGet == 0 {
			if abortReply == "" {
				c.W.Null()
			} else {
				c.W.Raw([]byte(abortReply))
			}
		}
		return
	}
	e := c.SetString(key, val, flags&optKeepTTL != 0)
	c.Notify(NotifyString, "set", key)
	if expire != nil {
		c.SetExpire(e, atMs)
		c.Notify(NotifyGeneric, "expire", key)
	}
	if flags&optGet == 0 {
		c.W.Raw([]byte(okReply))
	}
}

func runSetNX(c *Ctx) { setGeneric(c, optNX, c.Args[1], c.Args[2], nil, ":1\r\n", ":0\r\n") }

func runSetEX(c *Ctx) { setGeneric(c, optEX, c.Args[1], c.Args[3], c.Args[2], "+OK\r\n", "") }

func runPSetEX(c *Ctx) { setGeneric(c, optPX, c.Args[1], c.Args[3], c.Args[2], "+OK\r\n", "") }

func runGetSet(c *Ctx) {
	if !getGeneric(c) {
		return
	}
	c.SetString(c.Args[1], c.Args[2], false)
	c.Notify(NotifyString, "set", c.Args[1])
}

func runGetDel(c *Ctx) {
	if !getGeneric(c) {
		return
	}
	if c.Delete(c.Args[1]) {
		c.Notify(NotifyGeneric, "del", c.Args[1])
	}
}

func runGetEx(c *Ctx) {
	flags, expire, ok := parseStringOptions(c, 2, false)
	if !ok {
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	if e == nil {
		c.W.Null()
		return
	}
	var atMs int64
	if expire != nil {
		if atMs, ok = expireAtMs(c, expire, flags); !ok {
			return
		}
	}
	c.W.Bulk(e.str)
	switch {
	case flags&(optEXAT|optPXAT) != 0 && atMs <= c.NowMs:
		// An absolute time already past deletes the key (checkAlreadyExpired).
		c.DeleteEntry(e)
		c.Notify(NotifyGeneric, "del", c.Args[1])
	case expire != nil:
		c.SetExpire(e, atMs)
		c.Dirty(e)
		c.Notify(NotifyGeneric, "expire", c.Args[1])
	case flags&optPersist != 0 && e.expireAt != 0:
		c.SetExpire(e, 0)
		c.Dirty(e)
		c.Notify(NotifyGeneric, "persist", c.Args[1])
	}
}

func runMGet(c *Ctx) {
	c.W.Array(len(c.Args) - 1)
	for _, k := range c.Args[1:] {
		if e := c.Lookup(k); e == nil || e.typ() != TypeString {
			c.W.Null()
		} else {
			c.W.Bulk(e.str)
		}
	}
}

func runMSet(c *Ctx) { msetGeneric(c, false) }

func runMSetNX(c *Ctx) { msetGeneric(c, true) }

func msetGeneric(c *Ctx, nx bool) {
	if len(c.Args)%2 == 0 {
		c.W.Error(ErrArity(c.Name()))
		return
	}
	if nx {
		for j := 1; j < len(c.Args); j += 2 {
			if c.LookupWrite(c.Args[j]) != nil {
				c.W.Int(0)
				return
			}
		}
	}
	for j := 1; j < len(c.Args); j += 2 {
		c.SetString(c.Args[j], c.Args[j+1], false)
		c.Notify(NotifyString, "set", c.Args[j])
	}
	if nx {
		c.W.Int(1)
	} else {
		c.W.OK()
	}
}

// checkStringLength is Redis's: size+add must not exceed maxStringBytes (nor overflow).
func checkStringLength(c *Ctx, size, add int64) bool {
	if size > maxStringBytes-add {
		c.W.Error(ErrStringTooLong)
		return false
	}
	return true
}

func runAppend(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	val := c.Args[2]
	if e == nil {
		e = c.Add(c.Args[1], val, nil)
		c.Notify(NotifyString, "append", c.Args[1])
		c.W.Int(int64(len(e.str)))
		return
	}
	if !checkStringLength(c, int64(len(e.str)), int64(len(val))) {
		return
	}
	c.snapBytes(e.str, len(e.str), len(val)) // within the capacity, append writes the array
	e.str = append(e.str, val...)
	c.Dirty(e)
	c.Notify(NotifyString, "append", c.Args[1])
	c.W.Int(int64(len(e.str)))
}

func runStrlen(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(len(e.str)))
}

func runIncr(c *Ctx) { incrDecr(c, 1) }

func runDecr(c *Ctx) { incrDecr(c, -1) }

func runIncrBy(c *Ctx) {
	if incr, ok := c.ArgInt(2); ok {
		incrDecr(c, incr)
	}
}

func runDecrBy(c *Ctx) {
	incr, ok := c.ArgInt(2)
	if !ok {
		return
	}
	if incr == math.MinInt64 {
		c.W.Error(errDecrementOverflow)
		return
	}
	incrDecr(c, -incr)
}

// incrDecr is Redis's incrDecrCommand: the TTL of an existing key is kept.
func incrDecr(c *Ctx, incr int64) {
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	var cur int64
	if e != nil {
		if cur, ok = ParseInt(e.str); !ok {
			c.W.Error(ErrNotInteger)
			return
		}
	}
	if incr < 0 && cur < 0 && incr < math.MinInt64-cur ||
		incr > 0 && cur > 0 && incr > math.MaxInt64-cur {
		c.W.Error(ErrOverflow)
		return
	}
	cur += incr
	var tmp [24]byte
	val := strconv.AppendInt(tmp[:0], cur, 10)
	if e == nil {
		c.Add(c.Args[1], val, nil)
	} else {
		c.Replace(e, val, nil, true)
	}
	c.Notify(NotifyString, "incrby", c.Args[1])
	c.W.Int(cur)
}

func runIncrByFloat(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	cur := []byte("0")
	if e != nil {
		cur = e.str
	}
	// Redis parses the current value, then the increment, both with the
	// same error; AddLongDouble fails for those or for a NaN/inf result.
	// Both are long doubles for Redis (strtold), beyond float64's range.
	if _, ok := parseLongDouble(cur); !ok {
		c.W.Error(ErrNotFloat)
		return
	}
	if _, ok := parseLongDouble(c.Args[2]); !ok {
		c.W.Error(ErrNotFloat)
		return
	}
	sum, ok := AddLongDouble(cur, c.Args[2])
	if !ok {
		c.W.Error(ErrIncrFloatNaN)
		return
	}
	if e == nil {
		c.Add(c.Args[1], []byte(sum), nil)
	} else {
		c.Replace(e, []byte(sum), nil, true)
	}
	c.Notify(NotifyString, "incrbyfloat", c.Args[1])
	c.W.BulkString(sum)
}

func runGetRange(c *Ctx) {
	start, ok := c.ArgInt(2)
	if !ok {
		return
	}
	end, ok := c.ArgInt(3)
	if !ok {
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	if e == nil {
		c.W.Bulk(nil)
		return
	}
	n := int64(len(e.str))
	if start < 0 && end < 0 && start > end {
		c.W.Bulk(nil)
		return
	}
	start, end = clampRange(start, end, n)
	if start > end || n == 0 {
		c.W.Bulk(nil)
		return
	}
	c.W.Bulk(e.str[start : end+1])
}

// clampRange resolves a GETRANGE-style inclusive range over n units:
// negative indexes count from the end, then both are clamped into [0, n-1]
// (end to -1 when n is 0). The range is empty when start > end.
func clampRange(start, end, n int64) (int64, int64) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	return start, end
}

func runSetRange(c *Ctx) {
	offset, ok := c.ArgInt(2)
	if !ok {
		return
	}
	if offset < 0 {
		c.W.Error(ErrOffsetOutOfRange)
		return
	}
	val := c.Args[3]
	e := c.LookupWrite(c.Args[1])
	if e == nil {
		if len(val) == 0 {
			c.W.Int(0)
			return
		}
		if !checkStringLength(c, offset, int64(len(val))) {
			return
		}
		buf := make([]byte, offset+int64(len(val)))
		copy(buf[offset:], val)
		e = c.Add(c.Args[1], nil, nil)
		e.str = buf
		c.Notify(NotifyString, "setrange", c.Args[1])
		c.W.Int(int64(len(buf)))
		return
	}
	if e.typ() != TypeString {
		c.W.Error(ErrWrongType)
		return
	}
	if len(val) == 0 {
		c.W.Int(int64(len(e.str)))
		return
	}
	if !checkStringLength(c, offset, int64(len(val))) {
		return
	}
	c.snapBytes(e.str, min(int(offset), len(e.str)), int(offset)+len(val)-min(int(offset), len(e.str)))
	if need := int(offset) + len(val); need > len(e.str) {
		if need <= cap(e.str) {
			old := len(e.str)
			e.str = e.str[:need]
			clear(e.str[old:])
		} else {
			grown := make([]byte, need)
			copy(grown, e.str)
			e.str = grown
		}
	}
	copy(e.str[offset:], val)
	c.Dirty(e)
	c.Notify(NotifyString, "setrange", c.Args[1])
	c.W.Int(int64(len(e.str)))
}

package kv

import (
	"math"
	"math/bits"
	"strconv"
)

// MEMORY USAGE and MEMORY HELP. MEMORY USAGE estimates what a key costs
// redis-server 7.0 on jemalloc, following its objectComputeSize: the key's
// sds, its dict entry, the object header, and the value by encoding, the
// elements of a big collection sampled (SAMPLES, default 5; 0 = all) and
// the average scaled to the whole. The figure is a model of Redis's memory,
// not of this process's heap, and is close to redis-server's, not equal
// (docs/known-differences.md). It reads only the key.

const (
	// memorySamplesDefault is Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES.
	memorySamplesDefault = 5
	// Sizes of Redis 7.0's structures on a 64-bit build.
	robjBytes      = 16 // robj
	dictEntryBytes = 24 // dictEntry: key, value, next
	dictBytes      = 56 // dict with its two tables' headers
	quicklistBytes = 40 // quicklist
	qlNodeBytes    = 32 // quicklistNode
	zskiplistBytes = 32 // zskiplist header
	zslNodeBytes   = 32 // zskiplistNode without levels
	zslLevelBytes  = 16 // one level of a zskiplistNode
	lpHeaderBytes  = 7  // listpack: total bytes, count, end byte
	intsetHdrBytes = 8  // intset: encoding, length
)

func init() {
	Register(&Spec{Name: "memory", Arity: -2, Flags: FlagReadOnly, FirstKey: 2, LastKey: 2, Step: 1, Group: "server", Since: "4.0.0",
		Summary: "A container for memory diagnostics commands", Run: runMemory})
}

func runMemory(c *Ctx) {
	switch {
	case EqualFold(c.Args[1], "USAGE"):
		if len(c.Args) < 3 {
			c.W.Error("ERR wrong number of arguments for 'memory|usage' command")
			return
		}
		runMemoryUsage(c)
	case EqualFold(c.Args[1], "HELP") && len(c.Args) == 2:
		c.W.Array(11)
		for _, l := range []string{
			"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"DOCTOR",
			"    Return memory problems reports.",
			"MALLOC-STATS",
			"    Return internal statistics report from the memory allocator.",
			"PURGE",
			"    Attempt to purge dirty pages for reclamation by the allocator.",
			"STATS",
			"    Return information about the memory usage of the server.",
			"USAGE <key> [SAMPLES <count>]",
			"    Return memory in bytes used by <key> and its value. Nested values are",
		} {
			c.W.Simple(l)
		}
	default:
		c.W.Error("ERR unknown subcommand '" + string(c.Args[1]) + "'. Try MEMORY HELP.")
	}
}

// MEMORY USAGE key [SAMPLES count]
func runMemoryUsage(c *Ctx) {
	samples := memorySamplesDefault
	for j := 3; j < len(c.Args); j++ {
		if !EqualFold(c.Args[j], "SAMPLES") || j+1 >= len(c.Args) {
			c.W.Error(ErrSyntax)
			return
		}
		n, ok := ParseInt(c.Args[j+1])
		if !ok {
			c.W.Error(ErrNotInteger)
			return
		}
		if n < 0 {
			c.W.Error(ErrSyntax)
			return
		}
		if n == 0 || n > math.MaxInt32 {
			n = math.MaxInt32
		}
		samples = int(n)
		j++
	}
	e := c.lookupQuiet(c.Args[2])
	if e == nil {
		c.W.Null()
		return
	}
	usage := entryUsage(e, samples, c.lim()) + sdsAlloc(len(e.key)) + dictEntryBytes
	c.W.Int(int64(usage))
}

// entryUsage is objectComputeSize for e's value.
func entryUsage(e *entry, samples int, lim *encodingLimits) int {
	switch o := e.obj.(type) {
	case nil:
		s := e.str
		if len(s) <= 20 {
			if _, ok := ParseInt(s); ok {
				return robjBytes // OBJ_ENCODING_INT: the value is in the pointer
			}
		}
		if len(s) <= 44 {
			return jemallocSize(robjBytes + 3 + len(s) + 1) // embstr: one allocation
		}
		return robjBytes + sdsAlloc(len(s))
	case *List:
		// A quicklist of listpack nodes of up to 8 KB (list-max-listpack-size -2).
		size, sampled, n := 0, 0, 0
		for it := o.front(); it.valid() && sampled < samples; it.next() {
			size += lpEntryBytes(it.value())
			sampled++
		}
		n = o.Len()
		total := scale(size, sampled, n)
		nodes := total/8192 + 1
		return robjBytes + quicklistBytes + nodes*(qlNodeBytes+lpHeaderBytes) + jemallocSize(total)
	case *Set:
		if o.intset() {
			width := 2
			for _, v := range o.ints {
				switch {
				case v < math.MinInt32 || v > math.MaxInt32:
					width = 8
				case (v < math.MinInt16 || v > math.MaxInt16) && width < 4:
					width = 4
				}
			}
			return robjBytes + jemallocSize(intsetHdrBytes+width*len(o.ints))
		}
		size, sampled := 0, 0
		o.each(func(m []byte) bool {
			size += sdsAlloc(len(m)) + dictEntryBytes
			sampled++
			return sampled < samples
		})
		return robjBytes + dictBytes + 8*nextPow2(o.Len()) + scale(size, sampled, o.Len())
	case *Stream:
		return robjBytes + o.redisUsage(samples, lim)
	case *Hash:
		if o.listpack() {
			size := 0
			o.each(func(f, v string) bool {
				size += lpEntryBytes(f) + lpEntryBytes(v)
				return true
			})
			return robjBytes + jemallocSize(lpHeaderBytes+size)
		}
		size, sampled := 0, 0
		o.each(func(f, v string) bool {
			size += sdsAlloc(len(f)) + sdsAlloc(len(v)) + dictEntryBytes
			sampled++
			return sampled < samples
		})
		return robjBytes + dictBytes + 8*nextPow2(o.Len()) + scale(size, sampled, o.Len())
	case *ZSet:
		if o.listpack {
			size := 0
			o.each(func(x zref) bool {
				size += lpEntryBytes(o.memberOf(x)) + lpEntryBytes(strconv.FormatFloat(o.scoreOf(x), 'g', 17, 64))
				return true
			})
			return robjBytes + jemallocSize(lpHeaderBytes+size)
		}
		size, sampled := 0, 0
		o.each(func(x zref) bool {
			size += sdsAlloc(len(o.memberOf(x))) + jemallocSize(zslNodeBytes+zslLevelBytes*o.zsl.height(x)) + dictEntryBytes
			sampled++
			return sampled < samples
		})
		return robjBytes + zskiplistBytes + dictBytes + 8*nextPow2(o.Len()) + scale(size, sampled, o.Len())
	}
	panic("kv: entry holds an unknown object type")
}

// scale turns the size of sampled of n elements into an estimate for all n.
func scale(size, sampled, n int) int {
	if sampled == 0 || sampled >= n {
		return size
	}
	return int(float64(size) / float64(sampled) * float64(n))
}

// lpEntryBytes is the size of s as one listpack entry: integers in their
// compact encodings, strings with a length header, plus the back length.
func lpEntryBytes(s string) int {
	if len(s) <= 20 {
		if v, ok := ParseInt([]byte(s)); ok {
			switch {
			case v >= 0 && v <= 127:
				return 2
			case v >= -4096 && v <= 4095:
				return 3
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return 4
			case v >= -1<<23 && v < 1<<23:
				return 5
			case v >= math.MinInt32 && v <= math.MaxInt32:
				return 6
			}
			return 10
		}
	}
	n := len(s)
	switch {
	case n < 64:
		n++
	case n < 4096:
		n += 2
	default:
		n += 5
	}
	switch {
	case n < 128:
		return n + 1
	case n < 16384:
		return n + 2
	}
	return n + 5
}

// sdsAlloc is the allocation of an sds string of n bytes: the smallest
// header that holds n, the bytes and the terminator, in jemalloc's class.
func sdsAlloc(n int) int {
	hdr := 3
	switch {
	case n < 1<<5:
		hdr = 1
	case n < 1<<8:
		hdr = 3
	case n < 1<<16:
		hdr = 5
	default:
		hdr = 9
	}
	return jemallocSize(hdr + n + 1)
}

// jemallocSize rounds n up to jemalloc's size class: 8, then multiples of
// 16 up to 128, then four classes per doubling.
func jemallocSize(n int) int {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) &^ 15
	}
	step := 1 << (bits.Len(uint(n-1)) - 3)
	return (n + step - 1) &^ (step - 1)
}

// nextPow2 is the size of a dict's table for n entries.
func nextPow2(n int) int {
	if n <= 4 {
		return 4
	}
	return 1 << bits.Len(uint(n-1))
}

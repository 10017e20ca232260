package kv

import "encoding/binary"

// HyperLogLog commands, as Redis 7.0's hyperloglog.c. The HLL lives in a
// plain string (see hll.go for the format).
//
// PFCOUNT of one key caches the cardinality in the HLL's header, which
// changes the string (GET and DUMP see it). Redis flags PFCOUNT read-only
// and propagates that change to its replicas; here it is a write command,
// so it runs through the log and every replica updates the cache the same
// way, and the bytes stay those of redis-server.

func hllCommands() []*Spec {
	pf := func(name string, arity int, flags Flags, last int, summary string, run func(*Ctx)) *Spec {
		return &Spec{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: last, Step: 1,
			Group: "hyperloglog", Since: "2.8.9", Summary: summary, Run: run}
	}
	return []*Spec{
		pf("pfadd", -2, FlagWrite|FlagDenyOOM|FlagFast, 1, "Adds the specified elements to the specified HyperLogLog.", runPFAdd),
		pf("pfcount", -2, FlagWrite, -1, "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", runPFCount),
		pf("pfmerge", -2, FlagWrite|FlagDenyOOM, -1, "Merge N different HyperLogLogs into a single one.", runPFMerge),
	}
}

// lookupHLL returns the entry at key when it holds a valid HLL (nil when
// absent); otherwise it writes Redis's error and returns ok == false. Every
// HLL command is a write here, and Redis's lookups on a master remove an
// expired key, so this one does too.
func lookupHLL(c *Ctx, key []byte) (*entry, bool) {
	e := c.LookupWrite(key)
	if e == nil {
		return nil, true
	}
	if e.typ() != TypeString {
		c.W.Error(ErrWrongType)
		return nil, false
	}
	if !validHLL(e.str) {
		c.W.Error(errHLLInvalid)
		return nil, false
	}
	// The HyperLogLog commands change a valid one (a few KiB) in place,
	// also past its length (a sparse one grows by append).
	c.snapBytes(e.str, 0, cap(e.str))
	return e, true
}

func runPFAdd(c *Ctx) {
	e, ok := lookupHLL(c, c.Args[1])
	if !ok {
		return
	}
	updated := false
	if e == nil {
		e = c.Add(c.Args[1], nil, nil)
		e.str = newHLL()
		updated = true
	}
	for _, ele := range c.Args[2:] {
		idx, count := hllPatLen(ele)
		s, changed, ok := hllSet(e.str, idx, count)
		e.str = s
		if !ok {
			c.W.Error(errHLLCorrupt)
			return
		}
		updated = updated || changed
	}
	if updated {
		hllInvalidateCache(e.str)
		c.Dirty(e)
		c.Notify(NotifyString, "pfadd", c.Args[1])
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

func runPFCount(c *Ctx) {
	if len(c.Args) > 2 {
		var max [hllRegisters]uint8
		for _, k := range c.Args[1:] {
			e, ok := lookupHLL(c, k)
			if !ok {
				return
			}
			if e != nil && !hllMergeInto(e.str, &max) {
				c.W.Error(errHLLCorrupt)
				return
			}
		}
		var h [64]int
		for _, v := range max {
			h[v]++
		}
		c.W.Int(int64(hllEstimate(&h)))
		return
	}
	e, ok := lookupHLL(c, c.Args[1])
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	if hllCacheValid(e.str) {
		c.W.Int(int64(binary.LittleEndian.Uint64(e.str[8:16])))
		return
	}
	h, ok := hllHistogram(e.str)
	if !ok {
		c.W.Error(errHLLCorrupt)
		return
	}
	card := hllEstimate(&h)
	binary.LittleEndian.PutUint64(e.str[8:16], card)
	c.Dirty(e)
	c.W.Int(int64(card))
}

func runPFMerge(c *Ctx) {
	var max [hllRegisters]uint8
	dense := false
	for _, k := range c.Args[1:] {
		e, ok := lookupHLL(c, k)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		if e.str[4] == hllDense {
			dense = true
		}
		if !hllMergeInto(e.str, &max) {
			c.W.Error(errHLLCorrupt)
			return
		}
	}
	e := c.LookupWrite(c.Args[1])
	if e == nil {
		e = c.Add(c.Args[1], nil, nil)
		e.str = newHLL()
	}
	if dense {
		d, ok := hllToDense(e.str)
		if !ok {
			c.W.Error(errHLLCorrupt)
			return
		}
		e.str = d
	}
	for i, v := range max {
		if v == 0 {
			continue
		}
		if e.str[4] == hllDense {
			denseSetMax(e.str[hllHdrSize:], i, v)
		} else if s, _, ok := hllSet(e.str, i, v); ok {
			e.str = s
		}
	}
	hllInvalidateCache(e.str)
	c.Dirty(e)
	// Redis reports a merge as a PFADD.
	c.Notify(NotifyString, "pfadd", c.Args[1])
	c.W.OK()
}

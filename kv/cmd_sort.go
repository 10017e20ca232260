package kv

import (
	"bytes"
	"math"
	"sort"
	"strings"
)

// SORT and SORT_RO, as Redis 7.0's sort.c: options are parsed first (an
// error there wins over WRONGTYPE), the key may be a list, a set or a
// sorted set, BY and GET patterns read other keys (standalone behaviour:
// Redraft is one shard, so the cluster-mode refusal does not apply), and
// STORE writes the result as a list.
//
// Equal elements keep Redis's order: the comparison is Redis's (numeric
// ties broken by the element's bytes, ALPHA compares as strcoll in the C
// locale, that is bytes up to the first NUL, or binary with STORE); the
// sort is stable as glibc's qsort (a merge sort) is, and BY with LIMIT uses
// Redis's partial quicksort (pqsort.go). So ties that the comparison leaves
// end where Redis puts them given the same input order: list order, intset
// order, and for hashtable sets and sorted sets Redraft's iteration order,
// which is where Redraft can differ from Redis (its hash tables iterate in
// an order nobody can reproduce).

// Error texts of the SORT family.
const errSortScore = "ERR One or more scores can't be converted into double"

// sortOptions is the parsed option list of one SORT command.
type sortOptions struct {
	desc, alpha bool
	limitStart  int64
	limitCount  int64 // -1: no limit
	by          []byte
	dontSort    bool // BY pattern without '*': keep the native order
	store       []byte
	gets        [][]byte
	hasStore    bool
	hasBy       bool
}

// parseSortOptions parses SORT's options from args (the whole command);
// readOnly is SORT_RO, which knows no STORE. It returns the error reply,
// "" when the options are valid.
func parseSortOptions(args [][]byte, readOnly bool) (o sortOptions, errReply string) {
	o.limitCount = -1
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		a := cstr(args[j])
		switch {
		case EqualFold(a, "ASC"):
			o.desc = false
		case EqualFold(a, "DESC"):
			o.desc = true
		case EqualFold(a, "ALPHA"):
			o.alpha = true
		case EqualFold(a, "LIMIT") && left >= 2:
			start, ok1 := ParseInt(args[j+1])
			if !ok1 {
				return o, ErrNotInteger
			}
			count, ok2 := ParseInt(args[j+2])
			if !ok2 {
				return o, ErrNotInteger
			}
			o.limitStart, o.limitCount = start, count
			j += 2
		case !readOnly && EqualFold(a, "STORE") && left >= 1:
			o.store, o.hasStore = args[j+1], true
			j++
		case EqualFold(a, "BY") && left >= 1:
			o.by, o.hasBy = args[j+1], true
			// A BY pattern without '*' is constant: nothing to sort by.
			// As in Redis, a later BY with '*' does not undo that.
			if bytes.IndexByte(cstr(o.by), '*') < 0 {
				o.dontSort = true
			}
			j++
		case EqualFold(a, "GET") && left >= 1:
			o.gets = append(o.gets, args[j+1])
			j++
		default:
			return o, ErrSyntax
		}
	}
	return o, ""
}

// sortItem is one element of the vector SORT sorts.
type sortItem struct {
	elem  string
	score float64
	cmp   []byte // ALPHA with BY: the weight's bytes; nil when the weight key is missing
	hasW  bool
}

func sortCommands() []*Spec {
	return []*Spec{
		{Name: "sort", Arity: -2, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "generic", Since: "1.0.0", Summary: "Sort the elements in a list, set or sorted set", Run: runSort,
			KeysFunc: sortKeys},
		{Name: "sort_ro", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "generic", Since: "7.0.0", Summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", Run: runSortRO},
	}
}

// sortKeys is Redis's sortGetKeys: the sorted key and the key of the last
// STORE, skipping the arguments of LIMIT, GET and BY.
func sortKeys(args [][]byte) [][]byte {
	keys := [][]byte{args[1]}
	var store []byte
	for i := 2; i < len(args); i++ {
		switch a := cstr(args[i]); {
		case EqualFold(a, "LIMIT"):
			i += 2
		case EqualFold(a, "GET"), EqualFold(a, "BY"):
			i++
		case EqualFold(a, "STORE") && i+1 < len(args):
			store = args[i+1]
		}
	}
	if store != nil {
		keys = append(keys, store)
	}
	return keys
}

func runSort(c *Ctx)   { sortGeneric(c, false) }
func runSortRO(c *Ctx) { sortGeneric(c, true) }

func sortGeneric(c *Ctx, readOnly bool) {
	o, errReply := parseSortOptions(c.Args, readOnly)
	if errReply != "" {
		c.W.Error(errReply)
		return
	}
	// The sorted key is read like any key of a read command, even by SORT
	// ... STORE (Redis's lookupKeyRead).
	e := c.Lookup(c.Args[1])
	if e != nil {
		switch e.typ() {
		case TypeList, TypeSet, TypeZSet:
		default:
			c.W.Error(ErrWrongType)
			return
		}
	}
	by := o.by
	if o.dontSort && e != nil && e.typ() == TypeSet && (o.hasStore || c.inScript) {
		// A set has no native order: what is stored, or what a script
		// sees (and may write), must not depend on the hash table, so
		// Redis forces an ALPHA sort.
		o.dontSort, o.alpha, by, o.hasBy = false, true, nil, false
	}
	vectorLen := 0
	if e != nil {
		switch v := e.obj.(type) {
		case *List:
			vectorLen = v.Len()
		case *Set:
			vectorLen = v.Len()
		case *ZSet:
			vectorLen = v.Len()
		}
	}
	start, end := sortLimits(o.limitStart, o.limitCount, vectorLen)
	items := sortLoad(e, &o, start, end, vectorLen)
	if len(items) != vectorLen {
		// Loaded directly in range (native order): the output starts at 0.
		end -= start
		start = 0
	}
	if !o.dontSort {
		convErr := false
		for i := range items {
			it := &items[i]
			var w []byte
			if o.hasBy {
				v, ok := sortLookupPattern(c, by, it.elem)
				if !ok {
					continue // missing weight: score 0, no compare object
				}
				w = v
			} else {
				w = strBytesOf(it.elem)
			}
			if o.alpha {
				if o.hasBy {
					it.cmp, it.hasW = w, true
				}
				continue
			}
			f, n, rangeErr := cStrtod(w)
			it.score = f
			if (n < len(w) && w[n] != 0) || rangeErr || math.IsNaN(f) {
				convErr = true
			}
		}
		if convErr {
			c.W.Error(errSortScore)
			return
		}
		cmp := sortCompare(&o)
		if o.hasBy && (start != 0 || end != int64(len(items))-1) {
			// Redis sorts only the LIMIT window, with its partial quicksort.
			pqsort(items, cmp, int(start), int(end))
		} else {
			sort.SliceStable(items, func(i, j int) bool { return cmp(&items[i], &items[j]) < 0 })
		}
	}
	n := int(end - start + 1)
	if n < 0 {
		n = 0
	}
	outputLen := n
	if len(o.gets) > 0 {
		outputLen = len(o.gets) * n
	}
	if !o.hasStore {
		c.W.Array(outputLen)
		for j := int(start); j <= int(end); j++ {
			if len(o.gets) == 0 {
				c.W.BulkString(items[j].elem)
			}
			for _, p := range o.gets {
				if v, ok := sortLookupPattern(c, p, items[j].elem); ok {
					c.W.Bulk(v)
				} else {
					c.W.Null()
				}
			}
		}
		return
	}
	l := &List{}
	for j := int(start); j <= int(end); j++ {
		if len(o.gets) == 0 {
			l.PushBack(items[j].elem)
			continue
		}
		for _, p := range o.gets {
			v, _ := sortLookupPattern(c, p, items[j].elem)
			l.PushBack(string(v))
		}
	}
	if outputLen > 0 {
		storeValue(c, o.store, l)
		c.Notify(NotifyList, "sortstore", o.store)
	} else if c.Delete(o.store) {
		c.Notify(NotifyGeneric, "del", o.store)
	}
	c.W.Int(int64(outputLen))
}

// storeValue makes key hold obj, replacing whatever it held (Redis's
// setKey: any type, the expiry cleared).
func storeValue(c *Ctx, key []byte, obj any) {
	if d := c.LookupWrite(key); d != nil {
		c.Replace(d, nil, obj, false)
		return
	}
	c.Add(key, nil, obj)
}

// sortLimits is Redis's LIMIT arithmetic: the first and last positions of
// the output (end < start when it is empty).
func sortLimits(limitStart, limitCount int64, vectorLen int) (start, end int64) {
	vl := int64(vectorLen)
	start = min(max(limitStart, 0), vl)
	limitCount = min(max(limitCount, -1), vl)
	if limitCount < 0 {
		end = vl - 1
	} else {
		end = start + limitCount - 1
	}
	if start >= vl {
		start, end = vl-1, vl-2
	}
	if end >= vl {
		end = vl - 1
	}
	return start, end
}

// sortLoad builds the vector to sort. With a constant BY on a list or a
// sorted set, only the output range is loaded, in native order (reversed
// by DESC), as Redis does.
func sortLoad(e *entry, o *sortOptions, start, end int64, vectorLen int) []sortItem {
	if e == nil {
		return nil
	}
	ranged := o.dontSort && (start != 0 || end != int64(vectorLen)-1)
	switch v := e.obj.(type) {
	case *List:
		if !o.dontSort {
			items := make([]sortItem, 0, v.Len())
			for it := v.front(); it.valid(); it.next() {
				items = append(items, sortItem{elem: it.value()})
			}
			return items
		}
		n := vectorLen
		if ranged {
			n = int(end - start + 1)
		}
		items := make([]sortItem, 0, max(n, 0))
		if end < start {
			return items
		}
		if o.desc {
			for it := v.iterAt(v.Len() - int(start) - 1); it.valid() && len(items) < n; it.prev() {
				items = append(items, sortItem{elem: it.value()})
			}
		} else {
			for it := v.iterAt(int(start)); it.valid() && len(items) < n; it.next() {
				items = append(items, sortItem{elem: it.value()})
			}
		}
		return items
	case *Set:
		items := make([]sortItem, 0, v.Len())
		v.each(func(m []byte) bool {
			items = append(items, sortItem{elem: string(m)})
			return true
		})
		return items
	case *ZSet:
		if !o.dontSort {
			items := make([]sortItem, 0, v.Len())
			v.each(func(x zref) bool {
				items = append(items, sortItem{elem: v.memberOf(x)})
				return true
			})
			return items
		}
		n := vectorLen
		if ranged {
			n = int(end - start + 1)
		}
		items := make([]sortItem, 0, max(n, 0))
		if n <= 0 {
			return items
		}
		var x zref
		if o.desc {
			x = v.at(vectorLen - int(start) - 1)
		} else {
			x = v.at(int(start))
		}
		for ; x != 0 && len(items) < n; x = sortZNext(v, x, o.desc) {
			items = append(items, sortItem{elem: v.memberOf(x)})
		}
		return items
	}
	panic("kv: SORT on a value that is not a list, set or sorted set")
}

func sortZNext(v *ZSet, x zref, desc bool) zref {
	if desc {
		return v.prev(x)
	}
	return v.next(x)
}

// sortCompare returns Redis's sortCompare (DESC negates it).
func sortCompare(o *sortOptions) func(a, b *sortItem) int {
	cmp := func(a, b *sortItem) int {
		if !o.alpha {
			switch {
			case a.score > b.score:
				return 1
			case a.score < b.score:
				return -1
			}
			return strings.Compare(a.elem, b.elem)
		}
		if o.hasBy {
			switch {
			case !a.hasW && !b.hasW:
				return 0
			case !a.hasW:
				return -1
			case !b.hasW:
				return 1
			}
			if o.hasStore {
				return bytes.Compare(a.cmp, b.cmp)
			}
			return bytes.Compare(cstr(a.cmp), cstr(b.cmp))
		}
		if o.hasStore {
			return strings.Compare(a.elem, b.elem)
		}
		return bytes.Compare(cstr(strBytesOf(a.elem)), cstr(strBytesOf(b.elem)))
	}
	if o.desc {
		return func(a, b *sortItem) int { return -cmp(a, b) }
	}
	return cmp
}

// sortLookupPattern is Redis's lookupKeyByPattern: "#" is the element
// itself; otherwise the first '*' is replaced by the element and the key
// read, a "->field" suffix (after the '*') reading a hash field. ok is false
// when there is no '*', the key is missing or holds the wrong type, or the
// field is missing. The bytes returned are valid until the keyspace changes.
func sortLookupPattern(c *Ctx, pattern []byte, elem string) ([]byte, bool) {
	if len(pattern) >= 1 && pattern[0] == '#' && (len(pattern) == 1 || pattern[1] == 0) {
		return strBytesOf(elem), true
	}
	cp := cstr(pattern)
	star := bytes.IndexByte(cp, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	if f := bytes.Index(cp[star+1:], []byte("->")); f >= 0 {
		f += star + 1
		if f+2 < len(pattern) && pattern[f+2] != 0 {
			field = pattern[f+2:]
		}
	}
	post := pattern[star+1:]
	if field != nil {
		post = pattern[star+1 : len(pattern)-len(field)-2]
	}
	key := make([]byte, 0, star+len(elem)+len(post))
	key = append(append(append(key, pattern[:star]...), elem...), post...)
	e := c.Lookup(key)
	if e == nil {
		return nil, false
	}
	if field != nil {
		h, isHash := e.obj.(*Hash)
		if !isHash {
			return nil, false
		}
		v, ok := h.Get(field)
		if !ok {
			return nil, false
		}
		return strBytesOf(v), true
	}
	if e.typ() != TypeString {
		return nil, false
	}
	return e.str, true
}

package kv

import (
	"math"
	"strconv"
)

// Blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP, their non-blocking LMPOP, and the internal commands
// of the wait queues (block.go).
//
// A blocking command with an element available behaves as its
// non-blocking form. With every key empty it registers a waiter when it
// runs wrapped in redraft.block (the edge of the node holding the client's
// connection wraps it); otherwise (inside MULTI or a script, or without a
// wrapper) it answers as if its timeout had expired, as Redis does for a
// client that may not block.

func blockCommands() []*Spec {
	// Redis 7.0's flags: the single-key forms are noscript, BLMPOP and
	// BZMPOP are allowed in scripts (where they do not block).
	const (
		w   = FlagWrite
		wn  = FlagWrite | FlagNoScript
		wdn = FlagWrite | FlagDenyOOM | FlagNoScript
		wfn = FlagWrite | FlagFast | FlagNoScript
	)
	spec := func(name string, arity int, flags Flags, first, last int, group, since, summary string) *Spec {
		return &Spec{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: 1,
			Group: group, Since: since, Summary: summary, Run: runBlocking}
	}
	internal := func(name string, arity int, summary string, run func(*Ctx)) *Spec {
		// FlagEdge: a client sending it is refused by the edge; the edge
		// itself builds these commands and hands them to the executor.
		return &Spec{Name: name, Arity: arity, Flags: FlagWrite | FlagEdge | FlagNoMulti,
			Group: "server", Since: "redraft", Summary: summary, Run: run}
	}
	return []*Spec{
		spec("blpop", -3, wn, 1, -2, "list", "2.0.0", "Remove and get the first element in a list, or block until one is available"),
		spec("brpop", -3, wn, 1, -2, "list", "2.0.0", "Remove and get the last element in a list, or block until one is available"),
		spec("brpoplpush", 4, wdn, 1, 2, "list", "2.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available"),
		spec("blmove", 6, wdn, 1, 2, "list", "6.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available"),
		withKeys(spec("blmpop", -5, w, 0, 0, "list", "7.0.0", "Pop elements from a list, or block until one is available"), 2),
		withKeys(&Spec{Name: "lmpop", Arity: -4, Flags: w, Group: "list", Since: "7.0.0", Summary: "Pop elements from a list", Run: runLMPop}, 1),
		spec("bzpopmin", -3, wfn, 1, -2, "sorted-set", "5.0.0", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available"),
		spec("bzpopmax", -3, wfn, 1, -2, "sorted-set", "5.0.0", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available"),
		withKeys(spec("bzmpop", -5, w, 0, 0, "sorted-set", "7.0.0", "Remove and return members with scores in a sorted set or block until one is available"), 2),
		internal("redraft.block", -6, "Internal: run a blocking command for waiter (node, incarnation, id).", runRedraftBlock),
		internal("redraft.unblock", -4, "Internal: cancel a waiter, answering it as timed out (TIMEOUT), with an error (ERROR) or not at all.", runRedraftUnblock),
		internal("redraft.unblock-expired", 1, "Internal: answer every waiter whose timeout passed as timed out.", runUnblockExpired),
		internal("redraft.unblock-node", 3, "Internal: drop the waiters of a node's earlier incarnations.", runUnblockNode),
	}
}

// blockParsed is a parsed blocking command.
type blockParsed struct {
	keys      [][]byte
	timeoutMs int64
	front     bool  // pop end (BLMOVE: wherefrom)
	toFront   bool  // BLMOVE whereto
	max       bool  // BZPOPMAX, BZMPOP MAX
	count     int64 // BLMPOP/BZMPOP COUNT; -1 for the single-element forms
}

// blockOp describes one blocking command.
type blockOp struct {
	typ      Type
	nullBulk bool // the timeout reply is a null bulk string (BLMOVE), not a null array
	move     bool // only the first key is a source (BLMOVE, BRPOPLPUSH)
	parse    func(c *Ctx) (blockParsed, bool)
	// serve answers the command from key, which holds a non-empty value of typ.
	serve func(c *Ctx, p blockParsed, key []byte)
	// tryServe, set for XREAD and XREADGROUP instead of serve, answers
	// the waiter when key (e: its entry, nil when gone) has something
	// for it and reports whether it did (cmd_stream_block.go).
	tryServe func(c *Ctx, e *entry, key []byte) bool
}

var blockOps map[string]*blockOp

func init() {
	lastTimeout := func(c *Ctx) (blockParsed, bool) {
		t, ok := parseBlockTimeout(c, len(c.Args)-1)
		return blockParsed{keys: c.Args[1 : len(c.Args)-1], timeoutMs: t, count: -1}, ok
	}
	// pop parses KEY... TIMEOUT for BLPOP/BRPOP (front: which end) and
	// BZPOPMIN/BZPOPMAX (max: which end).
	pop := func(front, max bool) func(c *Ctx) (blockParsed, bool) {
		return func(c *Ctx) (blockParsed, bool) {
			p, ok := lastTimeout(c)
			p.front, p.max = front, max
			return p, ok
		}
	}
	move := func(c *Ctx, fromFront, toFront bool, ti int) (blockParsed, bool) {
		t, ok := parseBlockTimeout(c, ti)
		return blockParsed{keys: c.Args[1:2], timeoutMs: t, front: fromFront, toFront: toFront, count: -1}, ok
	}
	mpop := func(typ Type) func(c *Ctx) (blockParsed, bool) {
		return func(c *Ctx) (blockParsed, bool) {
			p, ok := parseMPop(c, 2, typ)
			if !ok {
				return p, false
			}
			p.timeoutMs, ok = parseBlockTimeout(c, 1)
			return p, ok
		}
	}
	listPop := func(c *Ctx, p blockParsed, key []byte) { listServe(c, p, key) }
	zPop := func(c *Ctx, p blockParsed, key []byte) { zsetServe(c, p, key) }
	moveServe := func(c *Ctx, p blockParsed, _ []byte) { runListMove(c, p.front, p.toFront) }
	blockOps = map[string]*blockOp{
		"blpop": {typ: TypeList, parse: pop(true, false), serve: listPop},
		"brpop": {typ: TypeList, parse: pop(false, false), serve: listPop},
		"brpoplpush": {typ: TypeList, nullBulk: true, move: true, serve: moveServe,
			parse: func(c *Ctx) (blockParsed, bool) { return move(c, false, true, 3) }},
		"blmove": {typ: TypeList, nullBulk: true, move: true, serve: moveServe,
			parse: func(c *Ctx) (blockParsed, bool) {
				from, ok := listEnd(c, 3)
				if !ok {
					return blockParsed{}, false
				}
				to, ok := listEnd(c, 4)
				if !ok {
					return blockParsed{}, false
				}
				return move(c, from, to, 5)
			}},
		"blmpop":     {typ: TypeList, parse: mpop(TypeList), serve: listPop},
		"bzpopmin":   {typ: TypeZSet, parse: pop(false, false), serve: zPop},
		"bzpopmax":   {typ: TypeZSet, parse: pop(false, true), serve: zPop},
		"bzmpop":     {typ: TypeZSet, parse: mpop(TypeZSet), serve: zPop},
		"xread":      streamBlockOp,
		"xreadgroup": streamBlockOp,
	}
}

// maxBlockTimeoutMs caps a timeout so that NowMs plus it cannot overflow;
// it is about 146 million years.
const maxBlockTimeoutMs = 1 << 62

// parseBlockTimeout parses argument i as Redis's timeout in seconds (a
// double): milliseconds rounded up, 0 for none.
func parseBlockTimeout(c *Ctx, i int) (int64, bool) {
	f, ok := ParseFloat(c.Args[i])
	if !ok {
		c.W.Error("ERR timeout is not a float or out of range")
		return 0, false
	}
	ms := math.Ceil(f * 1000)
	if ms < 0 {
		c.W.Error("ERR timeout is negative")
		return 0, false
	}
	if ms >= maxBlockTimeoutMs {
		return maxBlockTimeoutMs, true
	}
	return int64(ms), true
}

// withKeys gives a "numkeys key [key ...]" command, numkeys at args[idx],
// its key positions for COMMAND GETKEYS.
func withKeys(s *Spec, idx int) *Spec {
	s.FirstKey, s.LastKey, s.Step = idx+1, idx+1, 1
	s.KeysFunc = func(args [][]byte) [][]byte { return numkeysKeys(args, idx) }
	return s
}

// numkeysKeys returns the keys of a "numkeys key [key ...]" command whose
// numkeys is args[idx]; nil when numkeys is not a valid count.
func numkeysKeys(args [][]byte, idx int) [][]byte {
	n, ok := ParseInt(args[idx])
	if !ok || n < 1 || n > int64(len(args)-idx-1) {
		return nil
	}
	return args[idx+1 : idx+1+int(n)]
}

// parseMPop parses numkeys key [key ...] LEFT|RIGHT (MIN|MAX) [COUNT count]
// starting at argument i (Redis's lmpopGenericCommand/zmpopGenericCommand).
func parseMPop(c *Ctx, i int, typ Type) (blockParsed, bool) {
	p := blockParsed{count: -1}
	numkeys, ok := ParseInt(c.Args[i])
	if !ok || numkeys < 1 {
		c.W.Error(errZNumkeys)
		return p, false
	}
	if numkeys >= int64(len(c.Args))-int64(i)-1 {
		c.W.Error(ErrSyntax)
		return p, false
	}
	whereIdx := i + 1 + int(numkeys)
	p.keys = c.Args[i+1 : whereIdx]
	if typ == TypeList {
		if p.front, ok = listEnd(c, whereIdx); !ok {
			return p, false
		}
	} else {
		switch {
		case EqualFold(c.Args[whereIdx], "MIN"):
		case EqualFold(c.Args[whereIdx], "MAX"):
			p.max = true
		default:
			c.W.Error(ErrSyntax)
			return p, false
		}
	}
	for j := whereIdx + 1; j < len(c.Args); j++ {
		if p.count == -1 && EqualFold(c.Args[j], "COUNT") && j+1 < len(c.Args) {
			j++
			v, ok := ParseInt(c.Args[j])
			if !ok || v < 1 {
				c.W.Error(errZCount)
				return p, false
			}
			p.count = v
			continue
		}
		c.W.Error(ErrSyntax)
		return p, false
	}
	if p.count == -1 {
		p.count = 1
	}
	return p, true
}

// isMPop reports whether the command is BLMPOP, BZMPOP or LMPOP (nested
// reply with a count).
func (c *Ctx) isMPop() bool {
	return c.spec.Name == "blmpop" || c.spec.Name == "bzmpop" || c.spec.Name == "lmpop"
}

// runBlocking runs every blocking command.
func runBlocking(c *Ctx) {
	op := blockOps[c.spec.Name]
	p, ok := op.parse(c)
	if !ok {
		return
	}
	for _, k := range p.keys {
		e, ok := c.LookupType(k, op.typ)
		if !ok {
			return
		}
		if e != nil {
			op.serve(c, p, k)
			return
		}
	}
	if c.block == nil {
		timeoutReply(c.W, c.spec.Name)
		return
	}
	var deadline int64
	if p.timeoutMs > 0 {
		deadline = c.NowMs + p.timeoutMs
	}
	c.addWaiter(*c.block, p.keys, deadline)
	c.W.Raw([]byte(BlockedReply))
}

// runLMPop is LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count].
func runLMPop(c *Ctx) {
	p, ok := parseMPop(c, 1, TypeList)
	if !ok {
		return
	}
	for _, k := range p.keys {
		e, ok := c.LookupType(k, TypeList)
		if !ok {
			return
		}
		if e != nil {
			listServe(c, p, k)
			return
		}
	}
	c.W.NullArray()
}

// listServe pops from the list at key: [key, element] (BLPOP, BRPOP) or
// [key, [element ...]] (BLMPOP, LMPOP).
func listServe(c *Ctx, p blockParsed, key []byte) {
	e, _ := c.LookupType(key, TypeList)
	l := listAt(e)
	pop := l.PopBack
	if p.front {
		pop = l.PopFront
	}
	c.W.Array(2)
	c.W.Bulk(key)
	if c.isMPop() {
		n := int(min(p.count, int64(l.Len())))
		c.W.Array(n)
		for i := 0; i < n; i++ {
			s, _ := pop()
			c.W.BulkString(s)
		}
	} else {
		s, _ := pop()
		c.W.BulkString(s)
	}
	c.Notify(NotifyList, popEvent(p.front), key)
	listRemoved(c, e)
}

// zsetServe pops from the sorted set at key: [key, member, score]
// (BZPOPMIN, BZPOPMAX) or [key, [[member, score] ...]] (BZMPOP).
func zsetServe(c *Ctx, p blockParsed, key []byte) {
	e, z, _ := lookupZSet(c, key)
	n := 1
	if c.isMPop() {
		n = int(min(p.count, int64(z.Len())))
		c.W.Array(2)
		c.W.Bulk(key)
		c.W.Array(n)
	} else {
		c.W.Array(3)
		c.W.Bulk(key)
	}
	for i := 0; i < n; i++ {
		x := z.zsl.first()
		if p.max {
			x = z.zsl.tail
		}
		if c.isMPop() {
			c.W.Array(2)
		}
		c.W.BulkString(z.memberOf(x))
		c.W.Double(z.scoreOf(x))
		z.removeNode(x)
	}
	c.Notify(NotifyZset, zpopEvent(p.max), key)
	afterRemoval(c, e, z, n)
}

func parseUintArg(b []byte) (uint64, bool) {
	v, err := strconv.ParseUint(string(b), 10, 64)
	return v, err == nil
}

// waiterRefArgs parses node inc id at arguments 1..3.
func waiterRefArgs(c *Ctx) (WaiterRef, bool) {
	inc, ok1 := parseUintArg(c.Args[2])
	id, ok2 := parseUintArg(c.Args[3])
	if !ok1 || !ok2 {
		c.W.Error(ErrSyntax)
		return WaiterRef{}, false
	}
	return WaiterRef{Node: string(c.Args[1]), Inc: inc, ID: id}, true
}

// runRedraftBlock is redraft.block node inc id command [arg ...].
func runRedraftBlock(c *Ctx) {
	ref, ok := waiterRefArgs(c)
	if !ok {
		return
	}
	inner := Lookup(c.Args[4])
	if inner == nil || blockOps[inner.Name] == nil {
		c.W.Error("ERR redraft.block runs a blocking command")
		return
	}
	args := c.Args[4:]
	if !inner.CheckArity(len(args)) {
		c.W.Error(ErrArity(inner.Name))
		return
	}
	c.Args, c.spec, c.block = args, inner, &ref
	inner.Run(c)
}

// runRedraftUnblock is redraft.unblock node inc id [TIMEOUT|ERROR]: 1 when
// the waiter was blocked (and is answered as asked), 0 otherwise.
func runRedraftUnblock(c *Ctx) {
	ref, ok := waiterRefArgs(c)
	if !ok {
		return
	}
	mode := ""
	if len(c.Args) == 5 {
		switch {
		case EqualFold(c.Args[4], "TIMEOUT"):
			mode = "timeout"
		case EqualFold(c.Args[4], "ERROR"):
			mode = "error"
		default:
			c.W.Error(ErrSyntax)
			return
		}
	} else if len(c.Args) > 5 {
		c.W.Error(ErrSyntax)
		return
	}
	w := c.m.blk.byRef[ref]
	if w == nil {
		c.W.Int(0)
		return
	}
	c.m.removeWaiter(w)
	if mode != "" {
		out := NewWriter(nil, int(w.proto))
		if mode == "error" {
			out.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
		} else {
			blockedTimeoutReply(out)
		}
		c.m.deliver(w, out.Bytes())
	}
	c.W.Int(1)
}

// runUnblockExpired is redraft.unblock-expired: the number of waiters
// answered as timed out at the command's clock.
func runUnblockExpired(c *Ctx) { c.W.Int(int64(c.m.expireWaiters(c.NowMs))) }

// runUnblockNode is redraft.unblock-node node inc: the waiters of node
// with another incarnation go, unanswered (their connections are gone).
func runUnblockNode(c *Ctx) {
	inc, ok := parseUintArg(c.Args[2])
	if !ok {
		c.W.Error(ErrSyntax)
		return
	}
	node := string(c.Args[1])
	var gone []*waiter
	for ref, w := range c.m.blk.byRef {
		if ref.Node == node && ref.Inc != inc {
			gone = append(gone, w)
		}
	}
	for _, w := range gone { // removal order does not matter: each goes
		c.m.removeWaiter(w)
	}
	c.W.Int(int64(len(gone)))
}

// IsBlocking reports whether s is a blocking command (the edge wraps it in
// redraft.block outside MULTI).
func (s *Spec) IsBlocking() bool { return blockOps[s.Name] != nil }

// IsBlockingArgs reports whether s with these arguments (name first) may
// block: IsBlocking, and for XREAD and XREADGROUP a BLOCK option.
func (s *Spec) IsBlockingArgs(args [][]byte) bool {
	if !s.IsBlocking() {
		return false
	}
	if blockOps[s.Name].tryServe != nil {
		return xreadHasBlock(args)
	}
	return true
}

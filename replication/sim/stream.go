package sim

// The stream workload (issue 17): appends and consumer-group reads through
// the simulated cluster.
//
// Stream clients create the consumer group streamGroup on streamKey
// (XGROUP CREATE ... MKSTREAM; BUSYGROUP counts as done) before anything
// else, then append unique values with XADD *, read new entries as their
// own consumer (XREADGROUP ... STREAMS key >), acknowledge what they were
// given (XACK), and take over entries other consumers left pending
// (XAUTOCLAIM, min idle streamClaimIdle). The final XRANGE and
// checkStreams (stream_check.go) judge the history: no acknowledged append
// lost, IDs in real-time order, no entry handed to two consumers by ">"
// reads, and the group's cursor moving forward in real time.

import (
	"fmt"
	"strconv"
	"strings"
)

// Stream operation kinds (they extend Kind).
const (
	XCreate    Kind = iota + Audit + 1 // XGROUP CREATE streamKey streamGroup 0 MKSTREAM
	XAdd                               // XADD streamKey * v Value: Got is the ID
	XGroupRead                         // XREADGROUP GROUP g consumer COUNT n STREAMS streamKey >: List is id, value, ...
	XAck                               // XACK streamKey g ids...: Keys are the IDs, N the reply
	XClaim                             // XAUTOCLAIM streamKey g consumer idle 0 COUNT n: List is id, value, ...
	XRange                             // XRANGE streamKey - +: List is id, value, ...
)

const (
	streamKey   = "s0"
	streamGroup = "g"
	// streamReadCount bounds the entries one XREADGROUP or XAUTOCLAIM takes.
	streamReadCount = 3
	// streamClaimIdle is XAUTOCLAIM's min-idle-time (ms): entries pending
	// that long for another consumer (a crashed client's, or one whose
	// read had an unknown outcome) are taken over.
	streamClaimIdle = 500
	// streamAckMax bounds the IDs a client keeps to acknowledge.
	streamAckMax = 64
)

// nextStream draws one stream operation.
func (cl *client) nextStream() req {
	consumer := fmt.Sprintf("c%d", cl.id)
	if !cl.strmReady {
		return req{&Op{Kind: XCreate, Key: streamKey}, []string{"XGROUP", "CREATE", streamKey, streamGroup, "0", "MKSTREAM"}}
	}
	count := strconv.Itoa(streamReadCount)
	switch r := cl.rng.IntN(100); {
	case r < 45:
		v := cl.value()
		return req{&Op{Kind: XAdd, Key: streamKey, Value: v}, []string{"XADD", streamKey, "*", "v", v}}
	case r < 75:
		return req{&Op{Kind: XGroupRead, Key: streamKey, Value: consumer},
			[]string{"XREADGROUP", "GROUP", streamGroup, consumer, "COUNT", count, "STREAMS", streamKey, ">"}}
	case r < 90 && len(cl.strmPending) > 0:
		ids := cl.strmPending
		cl.strmPending = nil
		return req{&Op{Kind: XAck, Key: streamKey, Keys: ids}, append([]string{"XACK", streamKey, streamGroup}, ids...)}
	default:
		return req{&Op{Kind: XClaim, Key: streamKey, Value: consumer},
			[]string{"XAUTOCLAIM", streamKey, streamGroup, consumer, strconv.Itoa(streamClaimIdle), "0", "COUNT", count}}
	}
}

// interpretStream decodes the reply of a stream operation; false: malformed.
func (cl *client) interpretStream(op *Op, rep []byte) bool {
	v, rest, err := parseTree(rep)
	if err != nil || len(rest) != 0 {
		return false
	}
	switch op.Kind {
	case XCreate:
		if v.kind != '+' || v.str != "OK" {
			return false
		}
		cl.strmReady = true
	case XAdd:
		if v.kind != '$' || v.null {
			return false
		}
		op.Got = v.str
	case XAck:
		if v.kind != ':' {
			return false
		}
		op.N = v.num
	case XGroupRead:
		// nil, or one stream: [key, entries]
		if v.null {
			return true
		}
		if v.kind != '*' || len(v.elems) != 1 || len(v.elems[0].elems) != 2 || v.elems[0].elems[0].str != streamKey {
			return false
		}
		l, ok := entryList(v.elems[0].elems[1])
		if !ok {
			return false
		}
		op.List = l
	case XClaim:
		// [next, entries, deleted ids]
		if v.kind != '*' || len(v.elems) != 3 {
			return false
		}
		l, ok := entryList(v.elems[1])
		if !ok {
			return false
		}
		op.List = l
	case XRange:
		l, ok := entryList(v)
		if !ok {
			return false
		}
		op.List = l
	default:
		return false
	}
	if op.Kind == XGroupRead || op.Kind == XClaim {
		for i := 0; i < len(op.List) && len(cl.strmPending) < streamAckMax; i += 2 {
			cl.strmPending = append(cl.strmPending, op.List[i])
		}
	}
	return true
}

// entryList flattens an array of stream entries [id, [field, value]] into
// id, value, ...; every entry of this workload has the one field "v".
func entryList(v tree) ([]string, bool) {
	if v.kind != '*' || v.null {
		return nil, false
	}
	out := make([]string, 0, 2*len(v.elems))
	for _, e := range v.elems {
		if len(e.elems) != 2 || e.elems[0].kind != '$' || len(e.elems[1].elems) != 2 || e.elems[1].elems[0].str != "v" {
			return nil, false
		}
		out = append(out, e.elems[0].str, e.elems[1].elems[1].str)
	}
	return out, true
}

// tree is a parsed RESP2 reply.
type tree struct {
	kind  byte // '+', '-', ':', '$' or '*'
	str   string
	num   int64
	null  bool
	elems []tree
}

// maxTreeDepth bounds parseTree's nesting.
const maxTreeDepth = 8

// parseTree parses one RESP2 reply and returns what follows it.
func parseTree(b []byte) (tree, []byte, error) { return parseTreeDepth(b, 0) }

func parseTreeDepth(b []byte, depth int) (tree, []byte, error) {
	if depth > maxTreeDepth {
		return tree{}, nil, fmt.Errorf("reply nested deeper than %d", maxTreeDepth)
	}
	head, rest, ok := strings.Cut(string(b), "\r\n")
	if !ok || len(head) < 1 {
		return tree{}, nil, fmt.Errorf("no reply line in %q", b)
	}
	t := tree{kind: head[0]}
	switch t.kind {
	case '+', '-':
		t.str = head[1:]
		return t, []byte(rest), nil
	case ':':
		n, err := strconv.ParseInt(head[1:], 10, 64)
		t.num = n
		return t, []byte(rest), err
	case '$':
		n, err := strconv.Atoi(head[1:])
		if err != nil {
			return tree{}, nil, err
		}
		if n < 0 {
			t.null = true
			return t, []byte(rest), nil
		}
		if len(rest) < n+2 || rest[n:n+2] != "\r\n" {
			return tree{}, nil, fmt.Errorf("bad bulk string in %q", b)
		}
		t.str = rest[:n]
		return t, []byte(rest[n+2:]), nil
	case '*':
		n, err := strconv.Atoi(head[1:])
		if err != nil {
			return tree{}, nil, err
		}
		if n < 0 {
			t.null = true
			return t, []byte(rest), nil
		}
		r := []byte(rest)
		for i := 0; i < n; i++ {
			var e tree
			if e, r, err = parseTreeDepth(r, depth+1); err != nil {
				return tree{}, nil, err
			}
			t.elems = append(t.elems, e)
		}
		return t, r, nil
	}
	return tree{}, nil, fmt.Errorf("unknown reply type %q", head[0])
}

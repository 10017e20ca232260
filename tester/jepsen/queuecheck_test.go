package jepsen

import (
	"slices"
	"strconv"
	"testing"

	"redraft/tester/verdict"
)

func enqueue(e int, typ string) Op {
	return Op{F: "enqueue", Key: queueKey, Value: strconv.Itoa(e), Type: typ, Invoke: msT(e), End: msT(e + 1), Node: "n1"}
}

// take is an ok dequeue (from key) or move that returned e; e < 0: an op of
// the given type that returned nothing.
func take(f, key string, e int, typ string) Op {
	o := Op{F: f, Key: key, Type: typ, Invoke: msT(50), End: msT(60), Node: "n2"}
	if f == "move" {
		o.To = queueMovedKey
	}
	if e >= 0 {
		v := strconv.Itoa(e)
		o.Read = &v
	}
	return o
}

func finalList(key string, node string, es ...int64) Op {
	return Op{F: "read", Key: key, Elements: es, Final: true, Type: TypeOk, Invoke: msT(100), End: msT(101), Node: node}
}

func finals(q, m []int64) []Op {
	return []Op{finalList(queueKey, "n1", q...), finalList(queueMovedKey, "n1", m...), finalList(queueKey, "n2", q...), finalList(queueMovedKey, "n2", m...)}
}

func TestCheckQueue(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ops   []Op
		valid string
		field func(*QueueCheck) []int64
		want  []int64
	}{
		{"every fate", append([]Op{enqueue(1, TypeOk), enqueue(2, TypeOk), enqueue(3, TypeOk), enqueue(4, TypeOk),
			take("dequeue", queueKey, 1, TypeOk), take("move", queueKey, 2, TypeOk), take("move", queueKey, 3, TypeOk),
			take("dequeue", queueMovedKey, 3, TypeOk), take("dequeue", queueKey, -1, TypeOk)},
			finals([]int64{4}, []int64{2})...), verdict.True, nil, nil},
		{"lost enqueue", append([]Op{enqueue(1, TypeOk), enqueue(2, TypeOk)}, finals([]int64{1}, nil)...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Lost }, []int64{2}},
		{"missing, covered by an unknown dequeue", append([]Op{enqueue(1, TypeOk), enqueue(2, TypeOk), take("dequeue", queueKey, -1, TypeInfo)}, finals([]int64{1}, nil)...),
			verdict.True, func(q *QueueCheck) []int64 { return q.Missing }, []int64{2}},
		{"two missing, one unknown dequeue", append([]Op{enqueue(1, TypeOk), enqueue(2, TypeOk), take("dequeue", queueKey, -1, TypeInfo)}, finals(nil, nil)...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Lost }, []int64{1, 2}},
		{"an unknown move alone cannot make an element vanish", append([]Op{enqueue(1, TypeOk), take("move", queueKey, -1, TypeInfo)}, finals(nil, nil)...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Lost }, []int64{1}},
		{"an unknown move, then an unknown dequeue of the moved list", append([]Op{enqueue(1, TypeOk), take("move", queueKey, -1, TypeInfo), take("dequeue", queueMovedKey, -1, TypeInfo)}, finals(nil, nil)...),
			verdict.True, func(q *QueueCheck) []int64 { return q.Missing }, []int64{1}},
		{"unknown enqueue may vanish", append([]Op{enqueue(1, TypeInfo)}, finals(nil, nil)...), verdict.True, nil, nil},
		{"dequeued twice", append([]Op{enqueue(1, TypeOk), take("dequeue", queueKey, 1, TypeOk), take("dequeue", queueKey, 1, TypeOk)}, finals(nil, nil)...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Duplicated }, []int64{1}},
		{"dequeued and still queued", append([]Op{enqueue(1, TypeOk), take("dequeue", queueKey, 1, TypeOk)}, finals([]int64{1}, nil)...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Duplicated }, []int64{1}},
		{"moved and still queued", append([]Op{enqueue(1, TypeOk), take("move", queueKey, 1, TypeOk)}, finals([]int64{1}, []int64{1})...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Duplicated }, []int64{1}},
		{"dequeued from the queue yet in the moved list", append([]Op{enqueue(1, TypeOk), take("dequeue", queueKey, 1, TypeOk)}, finals(nil, []int64{1})...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Duplicated }, []int64{1}},
		{"moved element lost", append([]Op{enqueue(1, TypeOk), take("move", queueKey, 1, TypeOk)}, finals(nil, nil)...),
			verdict.False, func(q *QueueCheck) []int64 { return q.LostMoved }, []int64{1}},
		{"moved element taken by an unknown dequeue of the moved list", append([]Op{enqueue(1, TypeOk), take("move", queueKey, 1, TypeOk), take("dequeue", queueMovedKey, -1, TypeInfo)}, finals(nil, nil)...),
			verdict.True, func(q *QueueCheck) []int64 { return q.Missing }, []int64{1}},
		{"in the moved list without a move", append([]Op{enqueue(1, TypeOk)}, finals(nil, []int64{1})...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Unexpected }, []int64{1}},
		{"in the moved list through an unknown move", append([]Op{enqueue(1, TypeOk), take("move", queueKey, -1, TypeInfo)}, finals(nil, []int64{1})...),
			verdict.True, nil, nil},
		{"dequeued from the moved list through an unknown move", append([]Op{enqueue(1, TypeOk), take("move", queueKey, -1, TypeInfo), take("dequeue", queueMovedKey, 1, TypeOk)}, finals(nil, nil)...),
			verdict.True, nil, nil},
		{"delivered before it was enqueued", append([]Op{func() Op { o := enqueue(1, TypeOk); o.Invoke, o.End = msT(70), msT(71); return o }(), take("dequeue", queueKey, 1, TypeOk)}, finals(nil, nil)...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Unexpected }, []int64{1}},
		{"unexpected", append([]Op{take("dequeue", queueKey, 7, TypeOk)}, finals(nil, nil)...),
			verdict.False, func(q *QueueCheck) []int64 { return q.Unexpected }, []int64{7}},
		{"failed enqueue delivered", append([]Op{enqueue(1, TypeFail), take("dequeue", queueKey, 1, TypeOk)}, finals(nil, nil)...),
			verdict.False, func(q *QueueCheck) []int64 { return q.FailPresent }, []int64{1}},
		{"final reads disagree", []Op{enqueue(1, TypeOk), finalList(queueKey, "n1", 1), finalList(queueKey, "n2"), finalList(queueMovedKey, "n1")},
			verdict.False, nil, nil},
		{"no final read", []Op{enqueue(1, TypeOk)}, verdict.Unknown, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := CheckQueue(tc.ops)
			if q.Valid != tc.valid {
				t.Fatalf("valid? %s, want %s; %v", q.Valid, tc.valid, q.Examples)
			}
			if tc.field != nil {
				if got := tc.field(q); !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v; %v", got, tc.want, q.Examples)
				}
			}
			if tc.valid == verdict.False && len(q.Examples) == 0 {
				t.Fatal("invalid without an explanation")
			}
		})
	}
}

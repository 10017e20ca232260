package blocked

import "testing"

func TestRegistry(t *testing.T) {
	r := NewWithIncarnation("n1", 7)
	id, ch := r.Begin(42)
	if got, ok := r.WaiterOf(42); !ok || got != id {
		t.Fatalf("WaiterOf: %d %v", got, ok)
	}
	if r.Blocked() != 0 {
		t.Fatal("blocked before MarkBlocked")
	}
	r.MarkBlocked(id)
	if r.Blocked() != 1 {
		t.Fatalf("blocked %d", r.Blocked())
	}
	// Replies for another node, another incarnation or another waiter are dropped.
	r.Unblocked("n2", 7, id, []byte("x"))
	r.Unblocked("n1", 6, id, []byte("x"))
	r.Unblocked("n1", 7, id+1, []byte("x"))
	select {
	case b := <-ch:
		t.Fatalf("unexpected reply %q", b)
	default:
	}
	reply := []byte(":1\r\n")
	r.Unblocked("n1", 7, id, reply)
	reply[1] = '9'                             // the registry copied it
	r.Unblocked("n1", 7, id, []byte(":2\r\n")) // a second reply is dropped
	if b := <-ch; string(b) != ":1\r\n" {
		t.Fatalf("reply %q", b)
	}
	r.End(id)
	if _, ok := r.WaiterOf(42); ok || r.Blocked() != 0 {
		t.Fatalf("after End: blocked %d", r.Blocked())
	}
	r.Unblocked("n1", 7, id, []byte("late")) // after End: dropped, no panic
}

package pubsub

import "testing"

// TestKeyspaceEventsGate: the hub answers the configured classes only
// while some subscription could receive a keyspace notification (a
// pattern, or a channel under __key), and 0 again once they are gone.
func TestKeyspaceEventsGate(t *testing.T) {
	h := New()
	h.SetKeyspaceEvents(7)
	nop := func(Counts) {}
	a, b := &rec{name: "a"}, &rec{name: "b"}
	steps := []struct {
		name string
		do   func()
		want int
	}{
		{"nobody", func() {}, 0},
		{"unrelated channel", func() { h.Subscribe(a, Channel, []byte("news"), nop) }, 0},
		{"shard channel under __key", func() { h.Subscribe(a, Shard, []byte("__keyspace@0__:k"), nop) }, 0},
		{"keyspace channel", func() { h.Subscribe(a, Channel, []byte("__keyspace@0__:k"), nop) }, 7},
		{"same channel again", func() { h.Subscribe(a, Channel, []byte("__keyspace@0__:k"), nop) }, 7},
		{"pattern", func() { h.Subscribe(b, Pattern, []byte("x*"), nop) }, 7},
		{"channel gone", func() { h.Unsubscribe(a, Channel, []byte("__keyspace@0__:k"), nop) }, 7},
		{"pattern's client forgotten", func() { h.Forget(b) }, 0},
		{"keyevent channel", func() { h.Subscribe(b, Channel, []byte("__keyevent@0__:del"), nop) }, 7},
		{"unsubscribe all", func() { h.UnsubscribeAll(b, Channel, func([]byte, Counts) {}) }, 0},
	}
	for _, s := range steps {
		s.do()
		if got := h.KeyspaceEvents(); got != s.want {
			t.Fatalf("%s: KeyspaceEvents() = %d, want %d", s.name, got, s.want)
		}
	}
	if got := h.KeyspaceEventsConfig(); got != 7 {
		t.Fatalf("KeyspaceEventsConfig() = %d", got)
	}
}

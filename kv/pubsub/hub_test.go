package pubsub

import (
	"strings"
	"testing"
)

// rec is a Subscriber that records its deliveries as text.
type rec struct {
	name string
	log  *[]string
}

func (r *rec) Deliver(m *Message) {
	s := r.name + " "
	switch m.Kind {
	case Channel:
		s += "message " + string(m.Channel)
	case Pattern:
		s += "pmessage " + string(m.Pattern) + " " + string(m.Channel)
	case Shard:
		s += "smessage " + string(m.Channel)
	}
	*r.log = append(*r.log, s+" "+string(m.Payload))
}

func TestHub(t *testing.T) {
	var log []string
	h := New()
	a, b := &rec{"a", &log}, &rec{"b", &log}
	var replies []int
	sub := func(s Subscriber, k Kind, name string) {
		h.Subscribe(s, k, []byte(name), func(n Counts) { replies = append(replies, n.Reply(k)) })
	}
	sub(a, Pattern, "n*")
	sub(a, Channel, "news")
	sub(a, Channel, "news") // again: no change
	sub(b, Channel, "news")
	sub(b, Pattern, "*s")
	sub(a, Shard, "news")
	if got, want := replies, []int{1, 2, 2, 1, 2, 1}; !equalInts(got, want) {
		t.Fatalf("subscribe counts %v, want %v", got, want)
	}

	tests := []struct {
		publish string
		shard   bool
		n       int
		log     string // deliveries, in order
	}{
		// Channel subscribers first, then patterns in first-subscription order.
		{"news", false, 4, "a message news 1|b message news 1|a pmessage n* news 1|b pmessage *s news 1"},
		{"nothing", false, 1, "a pmessage n* nothing 2"},
		{"news", true, 1, "a smessage news 3"},
		{"other", true, 0, ""},
	}
	for i, tt := range tests {
		log = nil
		payload := []byte{byte('1' + i)}
		if n := h.Publish([]byte(tt.publish), payload, tt.shard); n != tt.n {
			t.Errorf("publish %s: %d receivers, want %d", tt.publish, n, tt.n)
		}
		if got := strings.Join(log, "|"); got != tt.log {
			t.Errorf("publish %s: delivered %q, want %q", tt.publish, got, tt.log)
		}
	}

	if got := h.Channels(nil, false); len(got) != 1 || string(got[0]) != "news" {
		t.Errorf("Channels: %q", got)
	}
	if n := h.NumSub([]byte("news"), false); n != 2 {
		t.Errorf("NumSub: %d", n)
	}
	if n := h.NumPat(); n != 2 {
		t.Errorf("NumPat: %d", n)
	}

	// UNSUBSCRIBE without arguments: one reply per channel, then none left.
	var unsubs []string
	h.UnsubscribeAll(a, Channel, func(name []byte, n Counts) {
		unsubs = append(unsubs, string(name)+":"+itoa(n.Reply(Channel)))
	})
	h.UnsubscribeAll(a, Channel, func(name []byte, n Counts) {
		unsubs = append(unsubs, string(name)+"<nil="+itoa(len(name))+">:"+itoa(n.Reply(Channel)))
	})
	if got, want := strings.Join(unsubs, " "), "news:1 <nil=0>:1"; got != want {
		t.Errorf("UnsubscribeAll: %q, want %q", got, want)
	}
	h.Forget(a)
	h.Forget(b)
	if c, p, s := h.Stats(); c != 0 || p != 0 || s != 0 {
		t.Errorf("after Forget: %d channels, %d patterns, %d shard channels", c, p, s)
	}
	if n := h.Publish([]byte("news"), nil, false); n != 0 {
		t.Errorf("publish after Forget: %d", n)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

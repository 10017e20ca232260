package kv_test

import (
	"strconv"
	"testing"

	"redraft/kv"
	"redraft/kv/pubsub"
)

// discard is a subscriber that drops what it receives.
type discard struct{}

func (discard) Deliver(*pubsub.Message) {}

// BenchmarkApplySet measures the apply path of SET (a new value over an
// existing key, 1024 keys created before the timer starts) with keyspace notifications in each state:
// without a sink, with the node's hub and nothing enabled, enabled (KEA)
// but nobody subscribed, enabled with a subscriber to an unrelated
// channel, and enabled with a pattern subscriber that receives them all
// (results/notify-bench.md).
func BenchmarkApplySet(b *testing.B) {
	const keys = 1024
	cases := []struct {
		name  string
		flags string
		sink  bool
		sub   func(h *pubsub.Hub)
	}{
		{name: "no sink"},
		{name: "hub, flags empty", sink: true},
		{name: "hub, KEA, no subscriber", sink: true, flags: "KEA"},
		{name: "hub, KEA, channel subscriber", sink: true, flags: "KEA", sub: func(h *pubsub.Hub) {
			h.Subscribe(discard{}, pubsub.Channel, []byte("news"), func(pubsub.Counts) {})
		}},
		{name: "hub, KEA, pattern subscriber", sink: true, flags: "KEA", sub: func(h *pubsub.Hub) {
			h.Subscribe(discard{}, pubsub.Pattern, []byte("__key*@*__:*"), func(pubsub.Counts) {})
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			m := kv.NewMachine()
			if c.sink {
				h := pubsub.New()
				f, _ := kv.ParseNotifyFlags(c.flags)
				h.SetKeyspaceEvents(f)
				if c.sub != nil {
					c.sub(h)
				}
				m.SetEventSink(h)
			}
			args := make([][][]byte, keys)
			for i := range args {
				args[i] = [][]byte{[]byte("SET"), []byte("key:" + strconv.Itoa(i)), []byte("value-0123456789")}
			}
			w := kv.NewWriter(nil, 2)
			cmd := &kv.Cmd{NowMs: 1_700_000_000_000, Proto: 2}
			for _, a := range args { // the keys exist: every SET overwrites
				cmd.Args = a
				m.Exec(cmd, w)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.Reset()
				cmd.Args = args[i%keys]
				m.Exec(cmd, w)
			}
		})
	}
}

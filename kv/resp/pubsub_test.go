package resp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestPubSubGoRedis drives SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, PUBLISH,
// SPUBLISH and PUBSUB through go-redis's PubSub API, over RESP2 and RESP3.
func TestPubSubGoRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("RESP", proto), func(t *testing.T) {
			ts := startServer(t, Config{})
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: proto})
			defer rdb.Close()

			sub := rdb.Subscribe(ctx, "news", "sport")
			defer sub.Close()
			psub := rdb.PSubscribe(ctx, "n*")
			defer psub.Close()
			ssub := rdb.SSubscribe(ctx, "shard1")
			defer ssub.Close()
			for _, s := range []*redis.PubSub{sub, psub, ssub} {
				if _, err := s.Receive(ctx); err != nil { // the first confirmation
					t.Fatal(err)
				}
			}
			if _, err := sub.Receive(ctx); err != nil { // sport's confirmation
				t.Fatal(err)
			}

			if n, err := rdb.Publish(ctx, "news", "hello").Result(); err != nil || n != 2 {
				t.Fatalf("PUBLISH news: %d %v, want 2 (channel + pattern)", n, err)
			}
			if n, err := rdb.Publish(ctx, "sport", "goal").Result(); err != nil || n != 1 {
				t.Fatalf("PUBLISH sport: %d %v", n, err)
			}
			if n, err := rdb.SPublish(ctx, "shard1", "s").Result(); err != nil || n != 1 {
				t.Fatalf("SPUBLISH: %d %v", n, err)
			}
			if n, err := rdb.Publish(ctx, "shard1", "not a shard message").Result(); err != nil || n != 0 {
				t.Fatalf("PUBLISH to a shard channel: %d %v", n, err)
			}
			for _, want := range []string{"news hello", "sport goal"} {
				m, err := sub.ReceiveMessage(ctx)
				if err != nil || m.Channel+" "+m.Payload != want {
					t.Fatalf("got %+v %v, want %s", m, err, want)
				}
			}
			if m, err := psub.ReceiveMessage(ctx); err != nil || m.Pattern != "n*" || m.Channel != "news" || m.Payload != "hello" {
				t.Fatalf("pattern message %+v %v", m, err)
			}
			if m, err := ssub.ReceiveMessage(ctx); err != nil || m.Channel != "shard1" || m.Payload != "s" {
				t.Fatalf("shard message %+v %v", m, err)
			}

			if got, err := rdb.PubSubChannels(ctx, "*").Result(); err != nil || strings.Join(got, ",") != "news,sport" {
				t.Fatalf("PUBSUB CHANNELS: %v %v", got, err)
			}
			if got, err := rdb.PubSubNumSub(ctx, "news", "none").Result(); err != nil || got["news"] != 1 || got["none"] != 0 {
				t.Fatalf("PUBSUB NUMSUB: %v %v", got, err)
			}
			if got, err := rdb.PubSubNumPat(ctx).Result(); err != nil || got != 1 {
				t.Fatalf("PUBSUB NUMPAT: %v %v", got, err)
			}
			if got, err := rdb.PubSubShardChannels(ctx, "*").Result(); err != nil || strings.Join(got, ",") != "shard1" {
				t.Fatalf("PUBSUB SHARDCHANNELS: %v %v", got, err)
			}
			if got, err := rdb.PubSubShardNumSub(ctx, "shard1").Result(); err != nil || got["shard1"] != 1 {
				t.Fatalf("PUBSUB SHARDNUMSUB: %v %v", got, err)
			}

			if info := rdb.Info(ctx, "stats").Val(); !strings.Contains(info, "pubsub_channels:2\r\npubsub_patterns:1\r\npubsubshard_channels:1\r\n") {
				t.Fatalf("INFO stats:\n%s", info)
			}
			list, err := rdb.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
			if err != nil || strings.Count(list, "flags=P ") != 3 || !strings.Contains(list, " sub=2 psub=0 ssub=0 ") {
				t.Fatalf("CLIENT LIST TYPE pubsub: %q %v", list, err)
			}
			if list, _ := rdb.Do(ctx, "CLIENT", "LIST", "TYPE", "normal").Text(); strings.Contains(list, "flags=P") {
				t.Fatalf("CLIENT LIST TYPE normal lists subscribers: %q", list)
			}

			if err := sub.Unsubscribe(ctx, "news"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "UNSUBSCRIBE to take effect", func() bool {
				n, _ := rdb.PubSubNumSub(ctx, "news").Result()
				return n["news"] == 0
			})
			if n, err := rdb.Publish(ctx, "news", "again").Result(); err != nil || n != 1 {
				t.Fatalf("PUBLISH after UNSUBSCRIBE: %d %v, want 1 (the pattern only)", n, err)
			}
			// A transaction publishes at its place in the log.
			cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Publish(ctx, "sport", "tx1")
				p.Set(ctx, "k", "v", 0)
				p.Publish(ctx, "sport", "tx2")
				return nil
			})
			if err != nil || len(cmds) != 3 {
				t.Fatalf("MULTI/EXEC: %v %v", cmds, err)
			}
			for _, want := range []string{"tx1", "tx2"} {
				if m, err := sub.ReceiveMessage(ctx); err != nil || m.Payload != want {
					t.Fatalf("got %+v %v, want %s", m, err, want)
				}
			}
		})
	}
}

// TestPubSubTranscripts checks exact bytes, RESP2 and RESP3, against what
// redis-server 7.0 sends (the transcripts pass with -against-redis).
func TestPubSubTranscripts(t *testing.T) {
	const errGet = "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
	tests := []struct {
		name string
		send string
		want string
	}{
		{"subscribed RESP2 mode",
			"SUBSCRIBE x\r\nGET a\r\nPING\r\nPING hi\r\nPING a b\r\nCLIENT ID\r\nMULTI\r\nUNSUBSCRIBE\r\nPING\r\nGET pubsub:missing\r\n",
			"*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n" + errGet +
				"*2\r\n$4\r\npong\r\n$0\r\n\r\n*2\r\n$4\r\npong\r\n$2\r\nhi\r\n" +
				"-ERR wrong number of arguments for 'ping' command\r\n" +
				"-ERR Can't execute 'client|id': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n" +
				"-ERR Can't execute 'multi': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n" +
				"*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:0\r\n+PONG\r\n$-1\r\n"},
		{"counts and unsubscribing nothing",
			"UNSUBSCRIBE\r\nPUNSUBSCRIBE a\r\nSUBSCRIBE a a b\r\nPSUBSCRIBE p*\r\nSSUBSCRIBE s\r\nSUNSUBSCRIBE\r\nPUNSUBSCRIBE\r\nRESET\r\nPUBSUB NUMSUB a\r\n",
			"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n*3\r\n$12\r\npunsubscribe\r\n$1\r\na\r\n:0\r\n" +
				"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n" +
				"*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n" +
				"*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:2\r\n" +
				"+RESET\r\n*2\r\n$1\r\na\r\n:0\r\n"},
		{"RESP3 push interleaved with replies",
			"HELLO 3\r\nSUBSCRIBE y\r\nSET k v\r\nPUBLISH y m\r\nGET k\r\nPSUBSCRIBE *\r\nPUBLISH y n\r\nUNSUBSCRIBE\r\nPUNSUBSCRIBE\r\n",
			"" + // the HELLO map is skipped below
				">3\r\n$9\r\nsubscribe\r\n$1\r\ny\r\n:1\r\n+OK\r\n" +
				">3\r\n$7\r\nmessage\r\n$1\r\ny\r\n$1\r\nm\r\n:1\r\n$1\r\nv\r\n" +
				">3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:2\r\n" +
				">3\r\n$7\r\nmessage\r\n$1\r\ny\r\n$1\r\nn\r\n>4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$1\r\ny\r\n$1\r\nn\r\n:2\r\n" +
				">3\r\n$11\r\nunsubscribe\r\n$1\r\ny\r\n:1\r\n>3\r\n$12\r\npunsubscribe\r\n$1\r\n*\r\n:0\r\n"},
		{"PUBSUB errors and HELP",
			"PUBSUB CHANNELS a b\r\nPUBSUB FOO\r\nPUBSUB NUMPAT x\r\nSUBSCRIBE\r\n",
			"-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n" +
				"-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n" +
				"-ERR wrong number of arguments for 'pubsub|numpat' command\r\n" +
				"-ERR wrong number of arguments for 'subscribe' command\r\n"},
		{"SUBSCRIBE inside MULTI, SSUBSCRIBE refused there",
			"MULTI\r\nSUBSCRIBE c\r\nSSUBSCRIBE d\r\nEXEC\r\nUNSUBSCRIBE\r\n",
			"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n" +
				"-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n" +
				"*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := *againstRedis
			if addr == "" {
				addr = startServer(t, Config{}).addr
			}
			c := dialAddr(t, addr)
			send := tt.send
			if rest, ok := strings.CutPrefix(send, "HELLO 3\r\n"); ok {
				c.do("HELLO 3\r\n")
				send = rest
			}
			c.send(send)
			c.expect(tt.want)
		})
	}
}

// TestPubSubSlowSubscriber: a subscriber that never reads is disconnected
// when its queued messages pass the hard limit, and publishing never waits
// for it; one over the soft limit for longer than the soft seconds too.
func TestPubSubSlowSubscriber(t *testing.T) {
	for _, tt := range []struct{ name, limit string }{
		{"hard", "pubsub 256kb 0 0"},
		{"soft", "pubsub 0 128kb 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, Config{})
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: ts.addr})
			defer rdb.Close()
			if err := rdb.ConfigSet(ctx, "client-output-buffer-limit", tt.limit).Err(); err != nil {
				t.Fatal(err)
			}
			if got := rdb.ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"]; !strings.Contains(got, "pubsub ") {
				t.Fatalf("CONFIG GET: %q", got)
			}
			slow := dialAddr(t, ts.addr)
			slow.send("SUBSCRIBE c\r\n")
			slow.expect("*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n")
			// A fast subscriber keeps receiving.
			fast := rdb.Subscribe(ctx, "c")
			defer fast.Close()
			if _, err := fast.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			payload := strings.Repeat("x", 16<<10)
			deadline := time.Now().Add(20 * time.Second)
			sent := 0
			for {
				n, err := rdb.Publish(ctx, "c", payload).Result()
				if err != nil {
					t.Fatal(err)
				}
				sent++
				if m, err := fast.ReceiveMessage(ctx); err != nil || len(m.Payload) != len(payload) {
					t.Fatalf("fast subscriber: %v", err)
				}
				if n == 1 {
					break // only the fast subscriber is left
				}
				if time.Now().After(deadline) {
					t.Fatalf("slow subscriber still connected after %d messages", sent)
				}
				if tt.name == "soft" && sent > 64 {
					time.Sleep(20 * time.Millisecond) // let the soft seconds pass
				}
			}
			// Bounded: the hard limit is 256kb; the kernel's socket buffers
			// hold at most a few MB.
			if tt.name == "hard" && sent*len(payload) > 32<<20 {
				t.Fatalf("disconnected only after %d messages", sent)
			}
			expectClosedQuietly(t, slow)
			// The closed connection leaves the client list when its
			// goroutine has cleaned up, just after the close.
			deadline = time.Now().Add(10 * time.Second)
			for {
				got := rdb.ClientList(ctx).Val()
				if strings.Count(got, "\n") == 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("CLIENT LIST after disconnect:\n%s", got)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// expectClosedQuietly reads and drops what the server sent until it closes
// the connection (a deadline fails the test without printing megabytes).
func expectClosedQuietly(t *testing.T, c *client) {
	t.Helper()
	buf := make([]byte, 256<<10)
	total := 0
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		n, err := c.nc.Read(buf)
		total += n
		if err != nil {
			if errors.Is(err, io.EOF) || isReset(err) {
				return
			}
			t.Fatalf("connection not closed after %d bytes: %v", total, err)
		}
	}
}

// TestClientReply: CLIENT REPLY OFF and SKIP silence replies but never
// pub/sub messages or confirmations (Redis's unit/pubsub "PubSub messages
// with CLIENT REPLY OFF"), in RESP2 and RESP3.
func TestClientReply(t *testing.T) {
	tests := []struct{ name, send, want string }{
		{"off, skip, on",
			"CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\nCLIENT REPLY SKIP\r\nGET a\r\nGET a\r\nCLIENT REPLY BAD\r\n",
			"+OK\r\n$1\r\n1\r\n-ERR syntax error\r\n"},
		{"pub/sub bypasses OFF",
			"CLIENT REPLY OFF\r\nUNSUBSCRIBE x\r\nSUBSCRIBE c\r\nPUBLISH c m\r\nUNSUBSCRIBE c\r\nPING\r\nCLIENT REPLY ON\r\n",
			"*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:0\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n" +
				"*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n+OK\r\n"},
		{"RESP3: messages bypass OFF",
			"HELLO 3\r\nCLIENT REPLY OFF\r\nSUBSCRIBE c\r\nSET k v\r\nPUBLISH c m\r\nUNSUBSCRIBE c\r\nCLIENT REPLY ON\r\n",
			">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n" +
				">3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n+OK\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := *againstRedis
			if addr == "" {
				addr = startServer(t, Config{}).addr
			}
			c := dialAddr(t, addr)
			send := tt.send
			if rest, ok := strings.CutPrefix(send, "HELLO 3\r\n"); ok {
				c.do("HELLO 3\r\n")
				send = rest
			}
			c.send(send)
			c.expect(tt.want)
		})
	}
}

// TestPubSubPublishToSelfInExec: a RESP3 subscriber's transaction that
// publishes to its own channel gets the message after MULTI's and the
// queued commands' replies, then EXEC's array.
func TestPubSubPublishToSelfInExec(t *testing.T) {
	c := dialAddr(t, startServer(t, Config{}).addr)
	c.do("HELLO 3\r\n")
	c.send("SUBSCRIBE c\r\nMULTI\r\nPUBLISH c m\r\nEXEC\r\n")
	c.expect(">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n+OK\r\n+QUEUED\r\n" +
		">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n*1\r\n:1\r\n")
}

// TestPubSubMaxSubscriptions: a connection cannot subscribe to more than
// Config.MaxSubscriptions channels, patterns and shard channels.
func TestPubSubMaxSubscriptions(t *testing.T) {
	c := dialAddr(t, startServer(t, Config{MaxSubscriptions: 2}).addr)
	c.send("SUBSCRIBE a b c\r\nSUBSCRIBE a\r\nPSUBSCRIBE p*\r\nUNSUBSCRIBE b\r\nSSUBSCRIBE s\r\n")
	c.expect("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n" +
		"-ERR too many subscriptions for this connection\r\n" +
		"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n" +
		"-ERR too many subscriptions for this connection\r\n" +
		"*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n" +
		"*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n")
}

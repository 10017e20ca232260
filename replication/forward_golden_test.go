package replication

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"testing"

	"redraft/kv"
	"redraft/kv/resp"
	"redraft/wire"
)

// rewriteForwardGolden regenerates testdata/forward_golden.txt. Do it only
// for a deliberate change of the forwarding wire format: old and new nodes
// must understand each other, and the file was produced by the forwarder
// as it was before the format got its own package.
var rewriteForwardGolden = flag.Bool("forward.rewrite", false, "rewrite testdata/forward_golden.txt")

const forwardGoldenFile = "testdata/forward_golden.txt"

// forwardGoldenCases are the requests a follower sends: forwarded batches
// (plain commands, binary arguments, RESP3, another database, EXEC with
// watches, an empty batch, a metadata entry) and the admin requests that
// share the connections (RAFT INFO, RAFT JOIN).
func forwardGoldenCases() []struct {
	name string
	args [][]byte
} {
	fwd := func(payload []byte) [][]byte { return [][]byte{[]byte(ForwardCommand), payload} }
	b := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i := range s {
			out[i] = []byte(s[i])
		}
		return out
	}
	return []struct {
		name string
		args [][]byte
	}{
		{"set", fwd(EncodeForward([]*kv.Cmd{{Args: b("SET", "k", "v"), NowMs: 1700000000123, Seed: 42, Proto: 2, User: "default"}}))},
		{"binary-resp3-db", fwd(EncodeForward([]*kv.Cmd{
			{Args: b("SET", "a\r\nb", "\x00\xff\r\n$3\r\n", ""), NowMs: 1, Seed: 1<<64 - 1, Proto: 3, DB: 5, User: "alice"},
			{Args: b("GET", "a\r\nb"), NowMs: 2, Seed: 7, Proto: 3, DB: 5},
			{Args: b("PUBLISH", "ch", strings.Repeat("m", 300)), NowMs: 3, Seed: 8, Proto: 2},
		}))},
		{"exec-watch", fwd(EncodeForward([]*kv.Cmd{{Args: b("EXEC"), NowMs: 9, Seed: 10, Proto: 2, DB: 1, User: "default",
			Tx: &kv.Tx{Watches: []kv.Watch{{DB: 1, Key: []byte("w"), Version: 3}, {DB: 0, Key: []byte("x"), Version: 0}},
				Cmds: [][][]byte{b("INCR", "w"), b("SELECT", "0"), b("RPUSH", "x", "1", "2")}}}}))},
		{"empty", fwd(EncodeForward(nil))},
		{"meta", fwd(encodeMeta("n2", "127.0.0.1:7001"))},
		{"raft-info", b("RAFT", "INFO")},
		{"raft-join", b("RAFT", "JOIN", "n4", "127.0.0.1:7104", "127.0.0.1:6104", "inc-1")},
	}
}

// TestForwardWireMatchesGolden: what the forwarder puts on the wire (AUTH
// on a new connection, then each request) is byte for byte what it sent
// before, and it reads the replies as before: a forward's bulk body, an
// error reply as an error of unknown outcome.
func TestForwardWireMatchesGolden(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const fwdReplies = "+OK\r\n$1\r\nv\r\n:2\r\n"
	got := make(chan []byte, 16)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			req, err := resp.ReadReply(r)
			if err != nil {
				return
			}
			got <- req
			switch {
			case strings.Contains(string(req), "AUTH"), strings.Contains(string(req), "RAFT"):
				c.Write([]byte("+OK\r\n"))
			case strings.Contains(string(req), "\x00\xff"):
				c.Write([]byte("-ERR forward: refused\r\n"))
			default:
				fmt.Fprintf(c, "$%d\r\n%s\r\n", len(fwdReplies), fwdReplies)
			}
		}
	}()
	f := newForwarder(5e9, 5e9, func() string { return "s3cret pass" })
	defer f.close()
	ctx := context.Background()
	addr := ln.Addr().String()

	var lines []string
	record := func(name string) {
		select {
		case req := <-got:
			lines = append(lines, name+" "+hex.EncodeToString(req))
		default:
			t.Fatalf("%s: the leader received nothing", name)
		}
	}
	for i, tc := range forwardGoldenCases() {
		if string(tc.args[0]) == ForwardCommand {
			body, err := f.forward(ctx, addr, tc.args[1])
			if tc.name == "binary-resp3-db" {
				var re wire.ReplyError
				if !errors.Is(err, ErrForwardUnknown) || !errors.As(err, &re) || re != "ERR forward: refused" {
					t.Errorf("%s: error reply gave %q %v", tc.name, body, err)
				}
			} else if err != nil || string(body) != fwdReplies {
				t.Errorf("%s: got %q %v, want %q", tc.name, body, err, fwdReplies)
			}
		} else if reply, err := f.call(ctx, addr, tc.args...); err != nil || string(reply) != "+OK\r\n" {
			t.Errorf("%s: got %q %v", tc.name, reply, err)
		}
		if i == 0 {
			record("auth")
		}
		record(tc.name)
	}
	text := strings.Join(lines, "\n") + "\n"
	if *rewriteForwardGolden {
		if err := os.WriteFile(forwardGoldenFile, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(forwardGoldenFile)
	if err != nil {
		t.Fatal(err)
	}
	gotLines, wantLines := strings.Split(text, "\n"), strings.Split(string(want), "\n")
	if len(gotLines) != len(wantLines) {
		t.Fatalf("%d requests, golden has %d", len(gotLines), len(wantLines))
	}
	for i := range gotLines {
		if gotLines[i] != wantLines[i] {
			t.Errorf("request %d differs from the golden bytes:\n got %s\nwant %s", i, gotLines[i], wantLines[i])
		}
	}
}

// TestPeerChannelReadsGoldenRequests: the peer channel's request reader
// (the server side of the same format) reads every golden request back to
// the arguments it was made of, and nothing more.
func TestPeerChannelReadsGoldenRequests(t *testing.T) {
	want, err := os.ReadFile(forwardGoldenFile)
	if err != nil {
		t.Fatal(err)
	}
	args := map[string][][]byte{"auth": {[]byte("AUTH"), []byte("s3cret pass")}}
	for _, tc := range forwardGoldenCases() {
		args[tc.name] = tc.args
	}
	for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		name, hexReq, _ := strings.Cut(line, " ")
		req, err := hex.DecodeString(hexReq)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := bufio.NewReader(bytes.NewReader(req))
		got, err := readPeerCommand(r)
		if err != nil || r.Buffered() != 0 {
			t.Errorf("%s: %v, %d bytes left", name, err, r.Buffered())
			continue
		}
		if !slices.EqualFunc(got, args[name], bytes.Equal) {
			t.Errorf("%s: read %q, want %q", name, got, args[name])
		}
	}
}

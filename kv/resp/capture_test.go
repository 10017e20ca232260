package resp

import (
	"bufio"
	"bytes"
	"flag"
	"net"
	"os"
	"sort"
	"strings"
	"testing"

	"redraft/kv"
)

var captureRedis = flag.String("capture-redis", "", "address of a redis-server 7.0.15 to regenerate commands.resp and kvcommands.resp from")

// TestCaptureCommands regenerates commands.resp, Redis's own COMMAND INFO and
// COMMAND DOCS replies (RESP3) for the edge commands, and kvcommands.resp,
// the same for every keyspace command Redis has:
//
//	redis-server --port 7106 --save '' &
//	go test ./kv/resp -run TestCaptureCommands -capture-redis 127.0.0.1:7106
func TestCaptureCommands(t *testing.T) {
	if *captureRedis == "" {
		t.Skip("needs -capture-redis")
	}
	names := strings.Join(edgeCommandNames, " ")
	replies := captureReplies(t, "COMMAND INFO "+names+"\r\nCOMMAND DOCS "+names+"\r\n", 2)
	if err := os.WriteFile("commands.resp", bytes.Join(replies, nil), 0o644); err != nil {
		t.Fatal(err)
	}

	// Keyspace commands: ask for all of them, keep those Redis knows.
	var all []string
	for _, s := range kv.Commands() {
		if s.Flags&kv.FlagEdge == 0 {
			all = append(all, s.Name)
		}
	}
	info := captureReplies(t, "COMMAND INFO "+strings.Join(all, " ")+"\r\n", 1)[0]
	v, _, err := parseValue(info)
	if err != nil {
		t.Fatal(err)
	}
	var known []string
	for i, e := range v.elems {
		if e.kind != '_' {
			known = append(known, all[i])
		}
	}
	list := strings.Join(known, " ")
	replies = captureReplies(t, "COMMAND INFO "+list+"\r\nCOMMAND DOCS "+list+"\r\n", 2)
	if err := os.WriteFile("kvcommands.resp", bytes.Join(replies, nil), 0o644); err != nil {
		t.Fatal(err)
	}
}

// captureReplies sends HELLO 3 and the commands in req to the capture
// server and returns the n replies after HELLO's.
func captureReplies(t *testing.T, req string, n int) [][]byte {
	t.Helper()
	nc, err := net.Dial("tcp", *captureRedis)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte("HELLO 3\r\n" + req)); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(nc)
	var all []byte
	var replies [][]byte
	for len(replies) < n+1 {
		b := make([]byte, 64<<10)
		k, err := r.Read(b)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b[:k]...)
		replies = replies[:0]
		rest := all
		for len(rest) > 0 {
			m, err := replyLen(rest)
			if err != nil {
				break
			}
			replies = append(replies, rest[:m])
			rest = rest[m:]
		}
	}
	return replies[1:]
}

// TestCaptureLocalEdge regenerates localedge.resp (COMMAND INFO and
// COMMAND DOCS of the edge commands registered outside commands.resp)
// from a redis-server 7.0.15:
//
//	go test ./kv/resp -run TestCaptureLocalEdge -capture-redis 127.0.0.1:7106
func TestCaptureLocalEdge(t *testing.T) {
	if *captureRedis == "" {
		t.Skip("needs -capture-redis")
	}
	var names []string
	for s := range localEdge {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	list := strings.Join(names, " ")
	replies := captureReplies(t, "COMMAND INFO "+list+"\r\nCOMMAND DOCS "+list+"\r\n", 2)
	if err := os.WriteFile("localedge.resp", bytes.Join(replies, nil), 0o644); err != nil {
		t.Fatal(err)
	}
}

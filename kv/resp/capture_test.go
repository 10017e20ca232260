package resp

import (
	"bufio"
	"bytes"
	"flag"
	"net"
	"os"
	"strings"
	"testing"
)

var captureRedis = flag.String("capture-redis", "", "address of a redis-server 7.0.15 to regenerate commands.resp from")

// TestCaptureCommands regenerates commands.resp, Redis's own COMMAND INFO and
// COMMAND DOCS replies (RESP3) for the edge commands:
//
//	redis-server --port 7106 --save '' &
//	go test ./kv/resp -run TestCaptureCommands -capture-redis 127.0.0.1:7106
func TestCaptureCommands(t *testing.T) {
	if *captureRedis == "" {
		t.Skip("needs -capture-redis")
	}
	nc, err := net.Dial("tcp", *captureRedis)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	names := strings.Join(edgeCommandNames, " ")
	if _, err := nc.Write([]byte("HELLO 3\r\nCOMMAND INFO " + names + "\r\nCOMMAND DOCS " + names + "\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(nc)
	var all []byte
	var replies [][]byte
	for len(replies) < 3 {
		b := make([]byte, 64<<10)
		n, err := r.Read(b)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b[:n]...)
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
	out := bytes.Join(replies[1:], nil)
	if err := os.WriteFile("commands.resp", out, 0o644); err != nil {
		t.Fatal(err)
	}
}

package replication

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv/resp"
)

// A pooled connection the peer closed (a leader that restarted) is dropped
// before use, so the next call dials again instead of failing after sending.
func TestForwarderSkipsConnectionsThePeerClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed := make(chan struct{}, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Answer one command, then hang up, as a restarting leader would.
			go func(c net.Conn) {
				defer func() { c.Close(); closed <- struct{}{} }()
				r := bufio.NewReader(c)
				if _, err := resp.ReadReply(r); err != nil {
					return
				}
				c.Write([]byte("+OK\r\n"))
			}(c)
		}
	}()
	f := newForwarder(5e9, 5e9, nil)
	defer f.close()
	for i := 0; i < 3; i++ {
		reply, err := f.call(context.Background(), ln.Addr().String(), []byte("PING"))
		if err != nil || string(reply) != "+OK\r\n" {
			t.Fatalf("call %d: %q %v", i, reply, err)
		}
		if errors.Is(err, ErrForwardUnknown) {
			t.Fatalf("call %d reported an unknown outcome", i)
		}
		// Wait until the peer's close reached the pooled connection.
		<-closed
		deadline := time.Now().Add(5 * time.Second)
		for {
			f.mu.Lock()
			c := f.idle[ln.Addr().String()][0]
			f.mu.Unlock()
			if !c.alive() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("closed connection still looks alive")
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// TestForwardedMetaEntryIsCopied: HandleForward proposes a forwarded
// metadata entry as it came, and raft keeps an entry's Data after Apply
// returns (its log store, the pipelines to followers), while the caller
// reuses the buffer (a RESP connection's input: the race detector caught
// raft's pipeline encoding bytes the connection was reading into).
func TestForwardedMetaEntryIsCopied(t *testing.T) {
	c := startCluster(t, 1, false)
	l := c.leader()
	payload := encodeMeta("n9", "127.0.0.1:6379")
	want := bytes.Clone(payload)
	if _, err := l.HandleForward(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	for i := range payload {
		payload[i] = 'X' // the connection reads its next command
	}
	last, err := l.logs.LastIndex()
	if err != nil {
		t.Fatal(err)
	}
	var e raft.Log
	if err := l.logs.GetLog(last, &e); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(e.Data, want) {
		t.Fatalf("log entry %d holds %q, want %q", last, e.Data, want)
	}
}

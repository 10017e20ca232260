package replication

import (
	"bufio"
	"context"
	"errors"
	"net"
	"testing"
	"time"

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
	f := newForwarder(5e9)
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

package replication

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestSizedConnStretchesBigWrites: a 16 MiB request to a peer that reads
// it in about 0.5 s, then answers. With raft's deadline alone (50 ms here)
// the write times out; through sizedConn (at an assumed 4 MiB/s, 8 s
// allowed) the request and its answer go through, and a small write after
// it gets the plain deadline again.
func TestSizedConnStretchesBigWrites(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const size = 16 << 20
	// The peer: reads size bytes in 64 KiB reads with a pause after every
	// 2 MiB (8 pauses of 60 ms), then writes one byte back.
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				for n := 0; n < size; {
					k, err := c.Read(buf)
					if err != nil {
						return
					}
					if n/(2<<20) != (n+k)/(2<<20) {
						time.Sleep(60 * time.Millisecond)
					}
					n += k
				}
				c.Write([]byte{1})
				io.Copy(io.Discard, c) // then nothing, until the client closes
			}()
		}
	}()
	rpc := func(c net.Conn) error {
		c.SetDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := c.Write(make([]byte, size)); err != nil {
			return err
		}
		_, err := io.ReadFull(c, make([]byte, 1))
		return err
	}
	plain, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := rpc(plain); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("plain connection: %v, want a deadline error", err)
	}

	s := sizedStream{StreamLayer: tcpStream{ln}, rate: 4 << 20}
	c, err := s.Dial("127.0.0.1:0", time.Second) // no listener there
	if err == nil {
		c.Close()
		t.Fatal("dial of a closed port succeeded")
	}
	c, err = s.Dial(raft.ServerAddress(ln.Addr().String()), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := rpc(c); err != nil {
		t.Fatalf("sized connection: %v", err)
	}
	// A small RPC afterwards has raft's deadline, not the stretched one.
	c.SetDeadline(time.Now().Add(50 * time.Millisecond))
	start := time.Now()
	_, err = c.Read(make([]byte, 1)) // the peer sends nothing more
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("small read: %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("small read waited %v: the stretched deadline was kept", d)
	}
}

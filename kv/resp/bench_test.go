package resp

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// benchPipeline runs b.N requests over conns connections, pipeline deep,
// against an edge over the local executor. Each request is req; each reply
// is exactly replyLen bytes. The client does not allocate, so allocs/op is
// the server's.
func benchPipeline(b *testing.B, conns, pipeline int, req string, reply int) {
	ts := startServerB(b)
	per := b.N / conns
	batch := []byte(strings.Repeat(req, pipeline))
	var wg sync.WaitGroup
	ready := make(chan *net.TCPConn, conns)
	for i := 0; i < conns; i++ {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			b.Fatal(err)
		}
		ready <- nc.(*net.TCPConn)
	}
	close(ready)
	b.ReportAllocs()
	b.ResetTimer()
	for nc := range ready {
		wg.Add(1)
		go func(nc *net.TCPConn) {
			defer wg.Done()
			defer nc.Close()
			buf := make([]byte, reply*pipeline)
			for done := 0; done < per; done += pipeline {
				if _, err := nc.Write(batch); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(nc, buf); err != nil {
					b.Error(err)
					return
				}
			}
		}(nc)
	}
	wg.Wait()
}

func startServerB(b *testing.B) *testServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ts := &testServer{addr: ln.Addr().String(), done: make(chan error, 1)}
	ts.srv = New(localExec(), Config{})
	go func() { ts.done <- ts.srv.Serve(ln) }()
	b.Cleanup(func() { ts.srv.Close(); <-ts.done })
	return ts
}

var (
	benchSet = respCmd("SET", "key:000000000001", "xxx")
	benchGet = respCmd("GET", "key:000000000001")
)

func BenchmarkSetP1(b *testing.B)  { benchPipeline(b, 50, 1, benchSet, len("+OK\r\n")) }
func BenchmarkSetP16(b *testing.B) { benchPipeline(b, 50, 16, benchSet, len("+OK\r\n")) }
func BenchmarkGetP16(b *testing.B) {
	benchPipeline(b, 50, 16, benchGet, len("$-1\r\n"))
}

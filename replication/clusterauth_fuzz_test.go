package replication

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
)

// FuzzReadPeerCommand: the peer-channel request parser never panics, and
// what it accepts re-encodes to a command it parses the same way.
func FuzzReadPeerCommand(f *testing.F) {
	f.Add([]byte("*2\r\n$15\r\nREDRAFT.FORWARD\r\n$3\r\nabc\r\n"))
	f.Add([]byte("*2\r\n$4\r\nRAFT\r\n$4\r\nINFO\r\n"))
	f.Add([]byte("*1\r\n$-1\r\n"))
	f.Add([]byte("*9\r\n"))
	f.Add([]byte("*1\r\n$99999999999\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		args, err := readPeerCommand(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		if len(args) < 1 || len(args) > peerArgsMax {
			t.Fatalf("accepted %d arguments", len(args))
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		again, err := readPeerCommand(bufio.NewReader(&b))
		if err != nil || len(again) != len(args) {
			t.Fatalf("re-encoded command: %v %q", err, again)
		}
		for i := range args {
			if !bytes.Equal(args[i], again[i]) {
				t.Fatalf("argument %d: %q then %q", i, args[i], again[i])
			}
		}
	})
}

// FuzzSecretHandshake: whatever a client sends after the acceptor's
// challenge, the shared-secret handshake refuses it (a valid proof needs
// the secret) and never panics.
func FuzzSecretHandshake(f *testing.F) {
	f.Add([]byte("RDRFTA1\n"))
	f.Add(append([]byte("RDRFTA1\n"), make([]byte, nonceLen+1+macLen)...))
	f.Add(bytes.Repeat([]byte{0}, 200))
	a, err := NewSecretClusterAuth([]byte("a-secret-for-the-fuzzer-0123"), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		server, client := net.Pipe()
		defer server.Close()
		go func() {
			defer client.Close()
			hello := make([]byte, len(secretMagic)+nonceLen)
			if _, err := io.ReadFull(client, hello); err != nil {
				return
			}
			client.Write(data)
		}()
		if c, _, err := a.serverHandshake(server); err == nil {
			c.Close()
			t.Fatalf("handshake accepted %q", data)
		}
	})
}

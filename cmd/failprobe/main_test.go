package main

import (
	"bufio"
	"bytes"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fakeNode answers every SET with -CLUSTERDOWN while down is set, +OK
// otherwise; it counts the SETs it answered and those it acknowledged.
type fakeNode struct {
	ln       net.Listener
	down     atomic.Bool
	answered atomic.Int64
	acks     atomic.Int64
}

func startFake(t *testing.T) *fakeNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNode{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeNode) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		// *3 $3 SET $n key $n val: seven lines.
		for i := 0; i < 7; i++ {
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
		}
		f.answered.Add(1)
		reply := "+OK\r\n"
		if f.down.Load() {
			reply = "-CLUSTERDOWN no leader\r\n"
		} else {
			f.acks.Add(1)
		}
		if _, err := c.Write([]byte(reply)); err != nil {
			return
		}
	}
}

func TestEncodeCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"SET", "k", "v"}, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"},
		{[]string{"SET", "failprobe:0", ""}, "*3\r\n$3\r\nSET\r\n$11\r\nfailprobe:0\r\n$0\r\n\r\n"},
	} {
		if got := encodeCommand(tc.args...); got != tc.want {
			t.Errorf("encodeCommand(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestMeasureCountsOnlyAcksAfterOutage: the fake cluster refuses writes for
// outage after the kill; the measurement must cover the outage and not much
// more.
func TestMeasureCountsOnlyAcksAfterOutage(t *testing.T) {
	const outage = 300 * time.Millisecond
	a, b := startFake(t), startFake(t)
	p := &probe{
		addrs:     []string{a.ln.Addr().String(), b.ln.Addr().String()},
		clients:   3,
		opTimeout: time.Second,
		pause:     5 * time.Millisecond,
		maxWait:   10 * time.Second,
		kill: func() error {
			a.down.Store(true)
			b.down.Store(true)
			time.AfterFunc(outage, func() { a.down.Store(false); b.down.Store(false) })
			return nil
		},
	}
	d, err := p.measure()
	if err != nil {
		t.Fatal(err)
	}
	if d < outage || d > outage+time.Second {
		t.Fatalf("failover %s, want between %s and %s", d, outage, outage+time.Second)
	}
	// Every writer gets refusals for the whole outage and moves to the next
	// address after each, so both nodes answered writes. (Acks alone would
	// not show it: the first ack before the kill and the first after the
	// outage may both come from one node, and then the probe stops.)
	if a.answered.Load() == 0 || b.answered.Load() == 0 {
		t.Errorf("writes answered per node %d, %d: the writers should use every address", a.answered.Load(), b.answered.Load())
	}
}

// TestRunKillsThePid: the real command SIGKILLs -pid and prints failover_ms.
func TestRunKillsThePid(t *testing.T) {
	f := startFake(t)
	victim := exec.Command("sleep", "60")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { victim.Process.Kill(); victim.Wait() })
	var out, errOut bytes.Buffer
	code := run([]string{"-addrs", f.ln.Addr().String(), "-pid", strconv.Itoa(victim.Process.Pid)}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if !regexp.MustCompile(`^failover_ms [0-9]+\.[0-9]\n$`).MatchString(out.String()) {
		t.Errorf("output %q", out.String())
	}
	err := victim.Wait()
	ws, ok := victim.ProcessState.Sys().(syscall.WaitStatus)
	if err == nil || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("victim exited with %v, want SIGKILL", err)
	}
}

// TestRunFailsWithoutWrites: no node answers, so the probe neither kills nor
// reports a number.
func TestRunFailsWithoutWrites(t *testing.T) {
	f := startFake(t)
	f.down.Store(true)
	victim := exec.Command("sleep", "60")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { victim.Process.Kill(); victim.Wait() })
	var out, errOut bytes.Buffer
	code := run([]string{"-addrs", f.ln.Addr().String(), "-pid", strconv.Itoa(victim.Process.Pid), "-max-wait", "300ms"}, &out, &errOut)
	if code != 1 || out.Len() != 0 || !strings.Contains(errOut.String(), "before the kill") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	if err := victim.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("victim was signalled: %v", err)
	}
}

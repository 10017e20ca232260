// Command failprobe measures how long a Redraft cluster takes to acknowledge
// writes again after its leader is killed, from the client side.
//
//	failprobe -addrs 127.0.0.1:6382,127.0.0.1:6383 -pid 4242
//
// It runs -clients closed-loop writers (SET failprobe:<client> <n>) spread
// over -addrs, the surviving nodes (followers forward writes to the leader),
// waits until a write through them succeeds, sends SIGKILL to -pid (the
// leader's process), and prints the time from the kill to the first
// acknowledgement of a write that was sent after the kill, in milliseconds:
//
//	failover_ms 812.4
//
// A write that fails (no leader yet, a forwarding error, -op-timeout) is
// retried on the next address after -retry-pause, so the measurement
// resolution is about -retry-pause divided by -clients. Writes sent before
// the kill never count: one that a dying leader answers late would make the
// failover look shorter than it was. scripts/bench-failover.sh drives it.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("failprobe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addrs := fs.String("addrs", "", "RESP `HOST:PORT,...` of the nodes that survive the kill")
	pid := fs.Int("pid", 0, "process to SIGKILL (the leader)")
	clients := fs.Int("clients", 4, "concurrent closed-loop writers")
	opTimeout := fs.Duration("op-timeout", time.Second, "deadline of one write (dial, send, reply)")
	pause := fs.Duration("retry-pause", 10*time.Millisecond, "wait after a failed write before the next")
	maxWait := fs.Duration("max-wait", 30*time.Second, "give up when no write succeeds for this long (before or after the kill)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *addrs == "" || *pid <= 0 || *clients < 1 {
		fmt.Fprintln(stderr, "failprobe: -addrs and -pid are required, -clients >= 1")
		return 2
	}
	p := &probe{
		addrs:     strings.Split(*addrs, ","),
		clients:   *clients,
		opTimeout: *opTimeout,
		pause:     *pause,
		maxWait:   *maxWait,
		kill:      func() error { return syscall.Kill(*pid, syscall.SIGKILL) },
	}
	d, err := p.measure()
	if err != nil {
		fmt.Fprintln(stderr, "failprobe:", err)
		return 1
	}
	fmt.Fprintf(stdout, "failover_ms %.1f\n", float64(d.Microseconds())/1000)
	return 0
}

// probe is one measurement: writers, a kill, the first write acknowledged
// after it.
type probe struct {
	addrs     []string
	clients   int
	opTimeout time.Duration
	pause     time.Duration
	maxWait   time.Duration
	kill      func() error

	mu      sync.Mutex
	killed  time.Time // zero until the kill
	firstOK time.Time // first ack of a write sent at or after killed
	ready   chan struct{}
	done    chan struct{}
	once    [2]sync.Once
}

// measure runs the writers, kills, and returns kill-to-first-ack.
func (p *probe) measure() (time.Duration, error) {
	p.ready, p.done = make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	for c := 0; c < p.clients; c++ {
		wg.Add(1)
		go func() { defer wg.Done(); p.writer(c) }()
	}
	defer func() { p.once[1].Do(func() { close(p.done) }); wg.Wait() }()
	select {
	case <-p.ready:
	case <-time.After(p.maxWait):
		return 0, fmt.Errorf("no write succeeded through %v within %s before the kill", p.addrs, p.maxWait)
	}
	p.mu.Lock()
	p.killed = time.Now()
	err := p.kill()
	p.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("kill: %w", err)
	}
	select {
	case <-p.done:
	case <-time.After(p.maxWait):
		return 0, fmt.Errorf("no write acknowledged within %s of the kill", p.maxWait)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstOK.Sub(p.killed), nil
}

// writer is one closed-loop client; it moves to the next address after a
// failure.
func (p *probe) writer(c int) {
	var conn *respConn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	key := "failprobe:" + strconv.Itoa(c)
	for i, n := c, 0; ; n++ {
		select {
		case <-p.done:
			return
		default:
		}
		if conn == nil {
			nc, err := net.DialTimeout("tcp", p.addrs[i%len(p.addrs)], p.opTimeout)
			if err != nil {
				i++
				time.Sleep(p.pause)
				continue
			}
			conn = &respConn{Conn: nc, r: bufio.NewReader(nc)}
		}
		p.mu.Lock()
		sent, afterKill := time.Now(), !p.killed.IsZero()
		p.mu.Unlock()
		err := conn.set(key, strconv.Itoa(n), sent.Add(p.opTimeout))
		if err != nil {
			conn.Close()
			conn = nil
			i++
			time.Sleep(p.pause)
			continue
		}
		p.mu.Lock()
		if !afterKill {
			p.once[0].Do(func() { close(p.ready) })
		} else if p.firstOK.IsZero() {
			p.firstOK = time.Now()
			p.once[1].Do(func() { close(p.done) })
		}
		p.mu.Unlock()
	}
}

// respConn speaks just enough RESP for SET.
type respConn struct {
	net.Conn
	r *bufio.Reader
}

// set sends SET key val and wants +OK before deadline; an error reply
// (-CLUSTERDOWN, -UNCERTAIN, ...) is an error.
func (c *respConn) set(key, val string, deadline time.Time) error {
	if err := c.SetDeadline(deadline); err != nil {
		return err
	}
	if _, err := io.WriteString(c, encodeCommand("SET", key, val)); err != nil {
		return err
	}
	line, err := c.r.ReadString('\n')
	if err != nil {
		return err
	}
	line = strings.TrimRight(line, "\r\n")
	if line != "+OK" {
		return errors.New("reply " + strconv.Quote(line))
	}
	return nil
}

// encodeCommand is a RESP array of bulk strings.
func encodeCommand(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

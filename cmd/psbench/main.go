// Command psbench measures pub/sub fan-out: -subs subscribers (spread over
// the -sub addresses) subscribe to one channel, -publishers connections
// (spread over the -pub addresses) publish -messages messages of -size
// bytes with -pipeline PUBLISHes in flight each, and psbench reports how
// fast the messages reached every subscriber:
//
//	psbench -sub 127.0.0.1:6381,127.0.0.1:6382,127.0.0.1:6383 -pub 127.0.0.1:6381 -subs 100 -messages 20000
//
// delivered/s is subs × messages divided by the time from the first
// PUBLISH sent to the last message received by the last subscriber. Every
// subscriber checks that it received every message exactly once, and
// psbench checks that all subscribers saw one identical order (a hash of
// the sequence), which is what a replicated cluster promises.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "psbench:", err)
		os.Exit(1)
	}
}

type config struct {
	sub, pub               []string
	subs, publishers, msgs int
	size, pipeline         int
	channel                string
	timeout                time.Duration
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("psbench", flag.ContinueOnError)
	var c config
	sub := fs.String("sub", "127.0.0.1:6379", "comma-separated addresses subscribers connect to (round robin)")
	pub := fs.String("pub", "127.0.0.1:6379", "comma-separated addresses publishers connect to (round robin)")
	fs.IntVar(&c.subs, "subs", 100, "subscribers")
	fs.IntVar(&c.publishers, "publishers", 4, "publishing connections")
	fs.IntVar(&c.msgs, "messages", 20000, "messages published in all")
	fs.IntVar(&c.size, "size", 32, "message bytes")
	fs.IntVar(&c.pipeline, "pipeline", 16, "PUBLISHes in flight per publisher")
	fs.StringVar(&c.channel, "channel", "psbench", "channel")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "give up after")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.sub, c.pub = strings.Split(*sub, ","), strings.Split(*pub, ",")
	if c.subs < 1 || c.publishers < 1 || c.msgs < c.publishers || c.size < 12 || c.pipeline < 1 {
		return errors.New("need subs, publishers, pipeline >= 1, messages >= publishers, size >= 12")
	}
	return bench(c, out)
}

// subscriber reads messages and records their sequence.
type subscriber struct {
	nc   net.Conn
	r    *bufio.Reader
	got  int
	hash uint64
	last time.Time
	err  error
}

func dial(addr string, timeout time.Duration) (net.Conn, *bufio.Reader, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	nc.SetDeadline(time.Now().Add(timeout))
	return nc, bufio.NewReaderSize(nc, 256<<10), nil
}

// readReply reads one RESP2 reply and returns its bulk strings (flattened).
func readReply(r *bufio.Reader) ([][]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 {
		return nil, errors.New("short line")
	}
	n, _ := strconv.Atoi(string(line[1 : len(line)-2]))
	switch line[0] {
	case '+', ':':
		return [][]byte{bytes.Clone(line[1 : len(line)-2])}, nil
	case '-':
		return nil, fmt.Errorf("server: %s", line[1:len(line)-2])
	case '$':
		if n < 0 {
			return [][]byte{nil}, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		return [][]byte{b[:n]}, nil
	case '*':
		var out [][]byte
		for i := 0; i < n; i++ {
			e, err := readReply(r)
			if err != nil {
				return nil, err
			}
			out = append(out, e...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected %q", line[0])
}

func bench(c config, out io.Writer) error {
	subs := make([]*subscriber, c.subs)
	for i := range subs {
		nc, r, err := dial(c.sub[i%len(c.sub)], c.timeout)
		if err != nil {
			return err
		}
		defer nc.Close()
		fmt.Fprintf(nc, "*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n", len(c.channel), c.channel)
		if _, err := readReply(r); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
		subs[i] = &subscriber{nc: nc, r: r}
	}
	// Every subscription is registered once PUBSUB NUMSUB counts it on
	// every subscriber address.
	for _, addr := range uniq(c.sub) {
		want := 0
		for i := range subs {
			if c.sub[i%len(c.sub)] == addr {
				want++
			}
		}
		if err := waitNumSub(addr, c.channel, want); err != nil {
			return err
		}
	}

	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := fnv.New64a()
			for s.got < c.msgs {
				m, err := readReply(s.r)
				if err != nil {
					s.err = err
					return
				}
				if len(m) != 3 || string(m[0]) != "message" {
					s.err = fmt.Errorf("unexpected %q", m)
					return
				}
				h.Write(m[2][:12])
				s.got++
			}
			s.hash = h.Sum64()
			s.last = time.Now()
		}()
	}

	start := time.Now()
	pubErr := make(chan error, c.publishers)
	var pwg sync.WaitGroup
	for p := 0; p < c.publishers; p++ {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			pubErr <- publish(c, p)
		}()
	}
	pwg.Wait()
	pubDone := time.Since(start)
	close(pubErr)
	for err := range pubErr {
		if err != nil {
			return err
		}
	}
	wg.Wait()
	var last time.Time
	for i, s := range subs {
		if s.err != nil {
			return fmt.Errorf("subscriber %d after %d messages: %w", i, s.got, s.err)
		}
		if s.hash != subs[0].hash {
			return fmt.Errorf("subscriber %d saw another order than subscriber 0", i)
		}
		if s.last.After(last) {
			last = s.last
		}
	}
	el := last.Sub(start)
	fmt.Fprintf(out, "subs=%d publishers=%d pipeline=%d messages=%d size=%d\n", c.subs, c.publishers, c.pipeline, c.msgs, c.size)
	fmt.Fprintf(out, "published/s=%.0f delivered=%d delivered/s=%.0f elapsed=%s same-order=yes\n",
		float64(c.msgs)/pubDone.Seconds(), c.msgs*c.subs, float64(c.msgs*c.subs)/el.Seconds(), el.Round(time.Millisecond))
	return nil
}

func uniq(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func waitNumSub(addr, channel string, want int) error {
	nc, r, err := dial(addr, time.Minute)
	if err != nil {
		return err
	}
	defer nc.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		fmt.Fprintf(nc, "*3\r\n$6\r\nPUBSUB\r\n$6\r\nNUMSUB\r\n$%d\r\n%s\r\n", len(channel), channel)
		rep, err := readReply(r)
		if err != nil {
			return err
		}
		if len(rep) == 2 && string(rep[1]) == strconv.Itoa(want) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %q subscribers, want %d", addr, rep, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// publish sends publisher p's share of the messages, -pipeline in flight.
func publish(c config, p int) error {
	nc, r, err := dial(c.pub[p%len(c.pub)], c.timeout)
	if err != nil {
		return err
	}
	defer nc.Close()
	n := c.msgs / c.publishers
	if p < c.msgs%c.publishers {
		n++
	}
	w := bufio.NewWriterSize(nc, 64<<10)
	pad := strings.Repeat("x", c.size-12)
	errc := make(chan error, 1)
	inflight := make(chan struct{}, c.pipeline)
	go func() {
		for i := 0; i < n; i++ {
			if _, err := readReply(r); err != nil {
				errc <- err
				return
			}
			<-inflight
		}
		errc <- nil
	}()
	for i := 0; i < n; i++ {
		select {
		case inflight <- struct{}{}:
		default:
			w.Flush()
			inflight <- struct{}{}
		}
		msg := fmt.Sprintf("%03d%09d%s", p, i, pad)
		fmt.Fprintf(w, "*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(c.channel), c.channel, len(msg), msg)
	}
	w.Flush()
	return <-errc
}

package maelstrom

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Limits of the I/O loop.
const (
	// DefaultMaxLineBytes bounds one stdin line. Maelstrom's messages are
	// small; a client value could be large. Longer lines are skipped whole
	// (logged), never a crash.
	DefaultMaxLineBytes = 16 << 20
	// outboxLinesMax bounds lines queued for stdout. Senders on the stdin
	// reader never wait for room (they drop); raft and handlers wait up to
	// their own deadline.
	outboxLinesMax = 4096
	// outboxBulkMax bounds queued parts of large payloads (x 33 KiB each).
	outboxBulkMax = 1024
	// readBufferBytes is the stdin buffer; lines longer than it are
	// accumulated up to the line limit.
	readBufferBytes = 64 << 10
)

var (
	errOutboxClosed = errors.New("maelstrom: output closed")
	errOutboxFull   = errors.New("maelstrom: output queue full")
)

// lineReader reads newline-terminated lines of any length up to max.
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, readBufferBytes), max: max}
}

// next returns the next line without its line ending. A line longer than
// max is consumed and reported with tooLong (its length in n). The slice is
// valid until the next call. A final line without newline is returned
// before io.EOF.
func (l *lineReader) next() (line []byte, n int, tooLong bool, err error) {
	l.buf = l.buf[:0]
	for {
		frag, err := l.r.ReadSlice('\n')
		n += len(frag)
		if !tooLong {
			if len(l.buf)+len(frag) > l.max+2 { // +2: the line ending
				tooLong = true
				l.buf = l.buf[:0]
			} else if err == nil && len(l.buf) == 0 {
				return bytes.TrimRight(frag, "\r\n"), n, false, nil // whole line in the buffer: no copy
			} else {
				l.buf = append(l.buf, frag...)
			}
		}
		switch {
		case err == nil:
			return bytes.TrimRight(l.buf, "\r\n"), n, tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && n > 0:
			return bytes.TrimRight(l.buf, "\r\n"), n, tooLong, nil
		default:
			return nil, n, false, err
		}
	}
}

// outbox owns stdout: one goroutine writes queued lines, flushing whenever
// the queues run empty, so lines never interleave. Parts of large payloads
// (snapshots, big AppendEntries) wait in a second queue that is written
// only when the first is empty, so heartbeats, votes and replies do not
// queue behind a bulk transfer.
type outbox struct {
	q    chan []byte
	bulk chan []byte
	stop chan struct{}
	done chan struct{}
	once sync.Once
	log  *slog.Logger
	// counts counts the lines written, by kind (stats.go).
	counts *msgCounts
}

func newOutbox(w io.Writer, log *slog.Logger) *outbox {
	o := &outbox{q: make(chan []byte, outboxLinesMax), bulk: make(chan []byte, outboxBulkMax), stop: make(chan struct{}), done: make(chan struct{}), log: log,
		counts: newMsgCounts()}
	go o.run(bufio.NewWriterSize(w, 64<<10))
	return o
}

func (o *outbox) run(w *bufio.Writer) {
	defer close(o.done)
	broken := false
	write := func(line []byte) {
		if broken {
			return
		}
		if _, err := w.Write(line); err != nil {
			broken = true // keep draining so that senders never block on a dead stdout
			o.log.Error("stdout write failed; discarding output", "err", err)
			return
		}
		o.counts.line(line)
	}
	flush := func() {
		if !broken && w.Flush() != nil {
			broken = true
			o.log.Error("stdout flush failed; discarding output")
		}
	}
	for {
		var line []byte
		select {
		case line = <-o.q:
		default:
			select {
			case line = <-o.q:
			case line = <-o.bulk:
			case <-o.stop:
				for {
					select {
					case line := <-o.q:
						write(line)
					case line := <-o.bulk:
						write(line)
					default:
						flush()
						return
					}
				}
			}
		}
		write(line)
		if len(o.q) == 0 && len(o.bulk) == 0 {
			flush()
		}
	}
}

// send queues line, waiting up to timeout for room.
func (o *outbox) send(line []byte, timeout time.Duration) error {
	return o.enqueue(o.q, line, timeout)
}

// sendBulk queues a part of a large payload behind every other line.
func (o *outbox) sendBulk(line []byte, timeout time.Duration) error {
	return o.enqueue(o.bulk, line, timeout)
}

func (o *outbox) enqueue(q chan []byte, line []byte, timeout time.Duration) error {
	select {
	case <-o.stop:
		return errOutboxClosed
	default:
	}
	select {
	case q <- line:
		return nil
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case q <- line:
		return nil
	case <-t.C:
		return errOutboxFull
	case <-o.stop:
		return errOutboxClosed
	}
}

// trySend queues line if there is room now (the stdin reader's way: it
// never waits on stdout).
func (o *outbox) trySend(line []byte) error {
	select {
	case <-o.stop:
		return errOutboxClosed
	default:
	}
	select {
	case o.q <- line:
		return nil
	default:
		return errOutboxFull
	}
}

// close writes what is queued, flushes and stops the writer.
func (o *outbox) close() {
	o.once.Do(func() { close(o.stop) })
	<-o.done
}

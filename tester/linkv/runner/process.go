package runner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"redraft/tester/netsim"
)

// lineMax bounds one line a node writes to stdout. Maelstrom itself has no
// limit; 64 MiB is far above any message a node sends (a Raft snapshot is
// sent in chunks) and keeps a runaway node from exhausting memory. A longer
// line is a protocol error.
const lineMax = 64 << 20

// killWait bounds how long a killed process may take to be reaped.
const killWait = 5 * time.Second

// ProtocolError is a line a node wrote that Maelstrom would reject. As in
// Maelstrom, the node's stdout link is broken from then on: every later line
// of that process is discarded (Maelstrom stops reading the pipe; this
// runner drains it so the node does not block, with the same effect on the
// messages). The test goes on.
type ProtocolError struct {
	Node string        `json:"node"`
	At   time.Duration `json:"at-ns"`
	Err  string        `json:"error"`
	Line string        `json:"line"`
}

// node is one node id; its process may be killed and restarted.
type node struct {
	id      string
	bin     string
	workDir string // the process's working directory, kept across restarts
	logPath string
	net     *netsim.Net
	since   func() time.Duration
	onProto func(ProtocolError)
	onExit  func(id string, err error) // an exit that nobody asked for

	mu   sync.Mutex
	proc *proc // nil while killed
}

// proc is one process of a node.
type proc struct {
	cmd     *exec.Cmd
	stdinMu sync.Mutex
	stdin   io.WriteCloser
	killed  bool          // set before a deliberate kill
	done    chan struct{} // closed once the process was reaped
	readers sync.WaitGroup
}

// start launches a new process for the node.
func (n *node) start() error {
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("runner: node log: %w", err)
	}
	cmd := exec.Command(n.bin)
	cmd.Dir = n.workDir
	cmd.Env = os.Environ()
	// Own process group so that kill and pause reach the node's children;
	// the kernel kills the node if the runner dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		logf.Close()
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return err
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("runner: start %s for %s: %w", n.bin, n.id, err)
	}
	p := &proc{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	p.readers.Add(1)
	go func() {
		defer p.readers.Done()
		n.readStdout(stdout)
	}()
	go func() {
		// Reads from a StdoutPipe must end before Wait closes it; the pipe
		// reaches EOF when the process (group) is gone.
		p.readers.Wait()
		err := cmd.Wait()
		logf.Close()
		n.mu.Lock()
		deliberate := p.killed
		if n.proc == p {
			n.proc = nil
		}
		n.mu.Unlock()
		close(p.done)
		if !deliberate && n.onExit != nil {
			if err == nil {
				err = errors.New("exit status 0")
			}
			n.onExit(n.id, err)
		}
	}()
	n.mu.Lock()
	n.proc = p
	n.mu.Unlock()
	return nil
}

// readStdout parses every line into the network until the pipe closes or
// the link breaks.
func (n *node) readStdout(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	broken := false
	for {
		line, err := readLine(br)
		if len(line) > 0 && !broken {
			if perr := n.route(line); perr != nil {
				broken = true
				n.onProto(ProtocolError{Node: n.id, At: n.since(), Err: perr.Error(), Line: clipLine(line)})
			}
		}
		if err != nil {
			if errors.Is(err, errLineTooLong) && !broken {
				broken = true
				n.onProto(ProtocolError{Node: n.id, At: n.since(), Err: err.Error(), Line: clipLine(line)})
				continue
			}
			if errors.Is(err, errLineTooLong) {
				continue
			}
			return
		}
	}
}

var errLineTooLong = fmt.Errorf("runner: stdout line longer than %d bytes", lineMax)

// readLine reads one line without its newline; a line past lineMax is
// consumed to its end and reported as errLineTooLong.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > lineMax {
			head := append(buf[:0:0], buf...)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			return head, errLineTooLong
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(buf, "\r\n"), err
	}
}

// route validates one stdout line and sends it.
func (n *node) route(line []byte) error {
	src, dest, body, err := netsim.ParseLine(line)
	if err != nil {
		return err
	}
	_, err = n.net.Send(src, dest, body)
	return err
}

func clipLine(b []byte) string {
	const max = 300 // enough to recognise a stray log line in a report
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// deliver writes a message to the node's stdin; false when no process is
// running (killed) or the pipe is closed.
func (n *node) deliver(m *netsim.Message) bool {
	n.mu.Lock()
	p := n.proc
	n.mu.Unlock()
	if p == nil {
		return false
	}
	p.stdinMu.Lock()
	defer p.stdinMu.Unlock()
	_, err := p.stdin.Write(m.Line())
	return err == nil
}

// signal sends sig to the node's process group.
func (n *node) signal(sig syscall.Signal) error {
	n.mu.Lock()
	p := n.proc
	n.mu.Unlock()
	if p == nil {
		return fmt.Errorf("runner: %s is not running", n.id)
	}
	return syscall.Kill(-p.cmd.Process.Pid, sig)
}

// kill SIGKILLs the node's process group and waits until it is reaped.
func (n *node) kill() {
	n.mu.Lock()
	p := n.proc
	if p != nil {
		p.killed = true
	}
	n.mu.Unlock()
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	_ = p.cmd.Process.Kill()
	p.stdinMu.Lock()
	_ = p.stdin.Close()
	p.stdinMu.Unlock()
	select {
	case <-p.done:
	case <-time.After(killWait):
	}
}

// running reports whether a process is up.
func (n *node) running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc != nil
}

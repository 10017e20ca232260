package maelstrom

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"redraft/replication"
)

// Transcript tests drive one node with raw stdin lines and compare its
// stdout with the expected lines, byte for byte. Files in
// testdata/transcripts:
//
//	# comment
//	! heartbeat 50ms         option before the first input (heartbeat,
//	                         leaderwait, op, maxline)
//	> {json line}            a stdin line, sent as is
//	>oversized N             a stdin line of N bytes (over the line limit)
//	< {json line}            the next stdout line addressed to a client
//	= wait-leader            wait until the node is a ready leader
//
// Lines the node sends to other nodes (dest n*) are not compared. After the
// last line stdin is closed and no further client line may appear.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			t.Parallel()
			runTranscript(t, f)
		})
	}
}

func runTranscript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	opts := Options{DataDir: MemoryDataDir, Timing: Timing{Heartbeat: 50 * time.Millisecond, Election: 50 * time.Millisecond,
		LeaderLease: 25 * time.Millisecond, Commit: 10 * time.Millisecond}}
	started := 0
	for i, l := range lines {
		if !strings.HasPrefix(l, "! ") {
			continue
		}
		started = i + 1
		f := strings.Fields(l[2:])
		if len(f) != 2 {
			t.Fatalf("%s:%d: bad option %q", path, i+1, l)
		}
		if f[0] == "maxline" {
			opts.MaxLineBytes, _ = strconv.Atoi(f[1])
			continue
		}
		d, err := time.ParseDuration(f[1])
		if err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		switch f[0] {
		case "heartbeat":
			opts.Timing.Heartbeat, opts.Timing.Election, opts.Timing.LeaderLease = d, d, d/2
		case "leaderwait":
			opts.Timing.LeaderWait = d
		case "op":
			opts.Timing.Op = d
		default:
			t.Fatalf("%s:%d: unknown option %q", path, i+1, f[0])
		}
	}
	var mu sync.Mutex
	var node *replication.Node
	opts.OnNode = func(n *replication.Node, _ int) func() {
		mu.Lock()
		node = n
		mu.Unlock()
		return nil
	}

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		err := RunWith(context.Background(), inR, outW, &stderr, opts)
		outW.Close()
		done <- err
	}()
	out := make(chan string, 1024)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var env envelope
			if err := json.Unmarshal(sc.Bytes(), &env); err != nil {
				out <- "NOT JSON: " + sc.Text()
				continue
			}
			if !strings.HasPrefix(env.Dest, "n") {
				out <- sc.Text()
			}
		}
	}()
	next := func() (string, bool) {
		select {
		case l, ok := <-out:
			return l, ok
		case <-time.After(10 * time.Second):
			return "", false
		}
	}
	defer func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr.String())
		}
	}()

	for i, l := range lines[started:] {
		at := fmt.Sprintf("%s:%d", path, started+i+1)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, ">oversized "):
			n, _ := strconv.Atoi(strings.TrimPrefix(l, ">oversized "))
			big := `{"src":"c1","dest":"n0","body":{"type":"write","msg_id":99,"key":1,"value":"` + strings.Repeat("x", n) + `"}}` + "\n"
			if _, err := io.WriteString(inW, big); err != nil {
				t.Fatalf("%s: %v", at, err)
			}
		case strings.HasPrefix(l, "> "):
			if _, err := io.WriteString(inW, l[2:]+"\n"); err != nil {
				t.Fatalf("%s: %v", at, err)
			}
		case strings.HasPrefix(l, "< "):
			got, ok := next()
			if !ok {
				t.Fatalf("%s: no output, want %s", at, l[2:])
			}
			if got != l[2:] {
				t.Fatalf("%s:\n got %s\nwant %s", at, got, l[2:])
			}
		case l == "= wait-leader":
			deadline := time.Now().Add(10 * time.Second)
			for {
				mu.Lock()
				ready := node != nil && node.IsLeader()
				mu.Unlock()
				if ready {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: no leader", at)
				}
				time.Sleep(5 * time.Millisecond)
			}
		default:
			t.Fatalf("%s: bad transcript line %q", at, l)
		}
	}
	inW.Close()
	for l := range out {
		t.Errorf("unexpected output after the transcript: %s", l)
	}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

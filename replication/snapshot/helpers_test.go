package snapshot

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/hashicorp/raft"

	"redraft/replication/snapshot/objstore"
)

// testConf is the configuration every test snapshot carries.
var testConf = raft.Configuration{Servers: []raft.Server{
	{Suffrage: raft.Voter, ID: "n1", Address: "127.0.0.1:1"},
	{Suffrage: raft.Voter, ID: "n2", Address: "127.0.0.1:2"},
}}

// smallOpts make segments of 1000 bytes in records of 128, so small test
// snapshots span several segments.
func smallOpts() Options {
	return Options{SegmentBytes: 1000, RecordBytes: 128, Retain: 2, ManualGC: true}
}

func open(t testing.TB, obj objstore.Store, opt Options) *Store {
	t.Helper()
	s, err := New(obj, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// randomBytes returns n pseudo-random bytes from seed.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// write stores data as a snapshot at index/term in writes of random size.
func write(t testing.TB, s *Store, index, term uint64, data []byte) (string, error) {
	t.Helper()
	k, err := s.Create(1, index, term, testConf, 1, nil)
	if err != nil {
		return "", err
	}
	r := rand.New(rand.NewPCG(index, term))
	for p := data; len(p) > 0; {
		n := min(len(p), 1+r.IntN(700))
		if _, err := k.Write(p[:n]); err != nil {
			k.Cancel()
			return k.ID(), err
		}
		p = p[n:]
	}
	return k.ID(), k.Close()
}

func mustWrite(t testing.TB, s *Store, index, term uint64, data []byte) string {
	t.Helper()
	id, err := write(t, s, index, term, data)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// read opens snapshot id and reads it whole; on a read error it returns
// the bytes read before it.
func read(s *Store, id string) (*raft.SnapshotMeta, []byte, error) {
	meta, rc, err := s.Open(id)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return meta, b, err
}

func listIDs(t testing.TB, s *Store) []string {
	t.Helper()
	metas, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range metas {
		ids = append(ids, m.ID)
	}
	return ids
}

func names(t testing.TB, obj objstore.Store, prefix string) []string {
	t.Helper()
	infos, err := obj.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range infos {
		out = append(out, in.Name)
	}
	return out
}

// flipByte damages a stored object in place.
func flipByte(t testing.TB, obj objstore.Store, name string, off int) {
	t.Helper()
	ctx := context.Background()
	rc, err := obj.Get(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	b[off%len(b)] ^= 0x40
	if err := obj.Put(ctx, name, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
}

// faultStore wraps a store with per-call hooks: a hook returning an error
// fails the call (after performing it, for Put, when after is set).
type faultStore struct {
	objstore.Store
	mu     sync.Mutex
	put    func(name string) (after bool, err error)
	get    func(name string) error
	delete func(name string) error
	list   func(prefix string) error
}

func (f *faultStore) hooks() (func(string) (bool, error), func(string) error, func(string) error, func(string) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.put, f.get, f.delete, f.list
}

func (f *faultStore) Put(ctx context.Context, name string, r io.Reader) error {
	if h, _, _, _ := f.hooks(); h != nil {
		if after, err := h(name); err != nil {
			if after {
				if perr := f.Store.Put(ctx, name, r); perr != nil {
					return perr
				}
			}
			return err
		}
	}
	return f.Store.Put(ctx, name, r)
}

func (f *faultStore) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if _, h, _, _ := f.hooks(); h != nil {
		if err := h(name); err != nil {
			return nil, err
		}
	}
	return f.Store.Get(ctx, name)
}

func (f *faultStore) Delete(ctx context.Context, name string) error {
	if _, _, h, _ := f.hooks(); h != nil {
		if err := h(name); err != nil {
			return err
		}
	}
	return f.Store.Delete(ctx, name)
}

func (f *faultStore) List(ctx context.Context, prefix string) ([]objstore.Info, error) {
	if _, _, _, h := f.hooks(); h != nil {
		if err := h(prefix); err != nil {
			return nil, err
		}
	}
	return f.Store.List(ctx, prefix)
}

var errFault = errors.New("injected test fault")

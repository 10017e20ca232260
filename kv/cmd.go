package kv

import (
	"encoding/binary"
	"errors"
	"fmt"

	"redraft/wire"
)

// Cmd is one command as it travels from the edge to a Machine, possibly
// through the Raft log. Everything that could differ between replicas is in
// the envelope, so executing the same Cmd on the same state gives the same
// state and the same reply bytes everywhere.
type Cmd struct {
	// Args is the command name followed by its arguments, as the client sent them.
	Args [][]byte
	// NowMs is the proposer's clock (Unix ms) when the command was proposed.
	NowMs int64
	// Seed feeds the command's random generator (SPOP, RANDOMKEY, ...).
	Seed uint64
	// Proto is the client's RESP version (2 or 3); it shapes the reply bytes.
	Proto uint8
	// DB is the database the command runs in: the client's SELECTed one
	// (0 to Databases-1; the machine answers Redis's error for another).
	DB int
	// Tx, set for EXEC, holds the queued commands and the WATCHed key versions.
	Tx *Tx
	// User is the ACL user the command runs as (the client's): the machine
	// checks it against the user's rules on the node that runs it. Empty:
	// an internal command, not checked.
	User string
	// Origin is the client that sent the command, set only for a CLIENT
	// TRACKING client that asked not to hear of its own changes (NOLOOP:
	// the key changes the command makes are reported with it,
	// KeyChangeObserver.CommandOrigin) or whose scripts' keys the machine
	// reports (Origin.ScriptReads). It has no effect on the state.
	Origin Origin
	// OnRun, when set, is called by Machine.Exec, with the machine's lock
	// held, just before the command runs on this node's machine. It is
	// not encoded: a command that goes through the log or is forwarded
	// runs without it. The edge's CLIENT TRACKING uses it (a read the
	// edge remembered the keys of runs now). It must not block.
	OnRun func()
}

// Origin names a client: Server is a token its edge drew at random when it
// started (a node's restart gives its clients new origins, so the replay
// of an old entry names nobody), Client the connection's ID there. The
// zero Origin names no one. ScriptReads asks that the keys of the
// command's scripts that call a read-only command be reported
// (KeyChangeObserver.ScriptReadKeys) for the client's CLIENT TRACKING.
type Origin struct {
	Server      uint64
	Client      int64
	ScriptReads bool
}

// Tx is a MULTI/EXEC transaction: it runs atomically as one command.
type Tx struct {
	// Watches are the keys the client WATCHed with the versions it saw.
	Watches []Watch
	// Cmds are the queued commands, executed in order if no watch fired.
	Cmds [][][]byte
}

// Watch records a WATCHed key, the database it was watched in, and the
// version it had then (Machine.KeyVersion). Version 0 means the key did not
// exist.
type Watch struct {
	DB      int
	Key     []byte
	Version uint64
}

// Encoding limits: a decoder refuses anything beyond them instead of
// allocating what a corrupt or hostile length asks for.
const (
	// cmdEncodingVersion is the version written for a command without a
	// user. Version 2 added the database index (of the command and of each
	// watch); version 1, which DecodeCmd still reads, is the same without
	// them, for database 0. Version 3 (cmdEncodingUser) is version 2 plus
	// the user, written only for commands that carry one, so commands
	// without a user encode as before.
	cmdEncodingVersion = 2
	cmdEncodingV1      = 1
	cmdEncodingUser    = 3
	// maxUserBytes bounds a decoded user name (names are short; this only
	// keeps a corrupt length from allocating).
	maxUserBytes = 1 << 16
	// maxDBIndex bounds a decoded database index (the machine answers an
	// error for any index beyond Databases; this only keeps it an int).
	maxDBIndex = 1<<31 - 1
	// maxArgsPerCmd bounds the argument count of one command (Redis's own
	// multibulk limit is 1024*1024*1024; ours is lower and enforced at the edge too).
	maxArgsPerCmd = 1 << 20
	// maxTxCmds bounds the number of commands queued in one MULTI.
	maxTxCmds = 1 << 20
)

// Decoding errors.
var (
	ErrCmdTruncated = errors.New("kv: encoded command truncated")
	ErrCmdVersion   = errors.New("kv: unknown command encoding version")
	ErrCmdTooLarge  = errors.New("kv: encoded command exceeds limits")
)

// AppendEncode appends the compact binary form of c to dst (version 2):
//
//	version u8 | proto u8 | flags u8 | db uvarint | nowMs varint | seed uvarint | args | [tx]
//	args  = count uvarint, then per arg: len uvarint, bytes
//	tx    = watches uvarint, per watch: db uvarint, key (len, bytes), version uvarint;
//	        cmds uvarint, per cmd: args
//
// Version 1 (still decoded) has neither db field: everything is database 0.
// Version 3 adds, after the db, the user: len uvarint, bytes (length 0:
// "default"). Flag 1 marks the tx part; flag 2 an origin after everything:
// server uvarint, client varint (any version); flag 4, with 2, the
// origin's ScriptReads.
func (c *Cmd) AppendEncode(dst []byte) []byte {
	var flags byte
	if c.Tx != nil {
		flags |= 1
	}
	if c.Origin != (Origin{}) {
		flags |= 2
		if c.Origin.ScriptReads {
			flags |= 4
		}
	}
	v := byte(cmdEncodingVersion)
	if c.User != "" {
		v = cmdEncodingUser
	}
	dst = append(dst, v, c.Proto, flags)
	dst = binary.AppendUvarint(dst, uint64(c.DB))
	if c.User != "" {
		// The default user, the common case, costs one byte.
		u := c.User
		if u == "default" {
			u = ""
		}
		dst = binary.AppendUvarint(dst, uint64(len(u)))
		dst = append(dst, u...)
	}
	dst = binary.AppendVarint(dst, c.NowMs)
	dst = binary.AppendUvarint(dst, c.Seed)
	dst = appendArgs(dst, c.Args)
	if c.Tx != nil {
		dst = binary.AppendUvarint(dst, uint64(len(c.Tx.Watches)))
		for _, w := range c.Tx.Watches {
			dst = binary.AppendUvarint(dst, uint64(w.DB))
			dst = binary.AppendUvarint(dst, uint64(len(w.Key)))
			dst = append(dst, w.Key...)
			dst = binary.AppendUvarint(dst, w.Version)
		}
		dst = binary.AppendUvarint(dst, uint64(len(c.Tx.Cmds)))
		for _, a := range c.Tx.Cmds {
			dst = appendArgs(dst, a)
		}
	}
	if flags&2 != 0 {
		dst = binary.AppendUvarint(dst, c.Origin.Server)
		dst = binary.AppendVarint(dst, c.Origin.Client)
	}
	return dst
}

func appendArgs(dst []byte, args [][]byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(args)))
	for _, a := range args {
		dst = binary.AppendUvarint(dst, uint64(len(a)))
		dst = wire.AppendLarge(dst, a) // a 100 MiB SET proposed or forwarded
	}
	return dst
}

// DecodeCmd decodes one command from the front of b and returns the rest.
// The returned Cmd's arguments alias b.
func DecodeCmd(b []byte) (*Cmd, []byte, error) {
	if len(b) < 3 {
		return nil, nil, ErrCmdTruncated
	}
	v := b[0]
	if v != cmdEncodingVersion && v != cmdEncodingV1 && v != cmdEncodingUser {
		return nil, nil, fmt.Errorf("%w: %d", ErrCmdVersion, v)
	}
	c := &Cmd{Proto: b[1]}
	flags := b[2]
	d := decoder{b: b[3:]}
	if v >= 2 {
		c.DB = d.db()
	}
	if v == cmdEncodingUser {
		u := d.bytes()
		if len(u) > maxUserBytes && d.err == nil {
			d.err = ErrCmdTooLarge
		}
		c.User = string(u)
		if c.User == "" {
			c.User = "default"
		}
	}
	c.NowMs = d.varint()
	c.Seed = d.uvarint()
	c.Args = d.args()
	if flags&1 != 0 {
		tx := &Tx{}
		n := d.count(maxTxCmds)
		for i := uint64(0); i < n && d.err == nil; i++ {
			var db int
			if v >= 2 {
				db = d.db()
			}
			k := d.bytes()
			ver := d.uvarint()
			tx.Watches = append(tx.Watches, Watch{DB: db, Key: k, Version: ver})
		}
		n = d.count(maxTxCmds)
		for i := uint64(0); i < n && d.err == nil; i++ {
			tx.Cmds = append(tx.Cmds, d.args())
		}
		c.Tx = tx
	}
	if flags&2 != 0 {
		c.Origin = Origin{Server: d.uvarint(), Client: d.varint(), ScriptReads: flags&4 != 0}
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	return c, d.b, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = ErrCmdTruncated
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = ErrCmdTruncated
		return 0
	}
	d.b = d.b[n:]
	return v
}

// db reads a database index; one beyond maxDBIndex is an error.
func (d *decoder) db() int {
	v := d.uvarint()
	if v > maxDBIndex {
		if d.err == nil {
			d.err = ErrCmdTooLarge
		}
		return 0
	}
	return int(v)
}

func (d *decoder) count(max uint64) uint64 {
	n := d.uvarint()
	if n > max || n > uint64(len(d.b)) {
		if d.err == nil {
			d.err = ErrCmdTooLarge
		}
		return 0
	}
	return n
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = ErrCmdTruncated
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) args() [][]byte {
	n := d.count(maxArgsPerCmd)
	if d.err != nil {
		return nil
	}
	args := make([][]byte, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		args = append(args, d.bytes())
	}
	return args
}

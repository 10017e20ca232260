package maelstrom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"redraft/kv"
)

// The lin-kv workload runs on the replicated kv machine:
//
//	read  key           -> GET  <canonical key>
//	write key value     -> SET  <canonical key> <canonical value>
//	cas   key from to   -> CAS  <canonical key> <canonical from> <canonical to>
//
// Keys and values are arbitrary JSON, stored as their canonical encoding so
// that equal JSON values compare equal as strings (CAS compares bytes).

// canonical returns the canonical encoding of one JSON value: numbers as
// written (Jepsen writes a number the same way every time; 1 and 1.0 are
// different values to its checker), objects with sorted keys, no
// insignificant space, no HTML escaping.
func canonical(raw json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // maps encode with sorted keys
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// clientOp is one decoded lin-kv request.
type clientOp struct {
	src   string
	msgID int64
	typ   string
	cmd   *kv.Cmd
}

// errNotSupported: a request asks for something this node does not do.
var errNotSupported = errors.New("not supported")

// parseClientOp builds the kv command of a read, write or cas request. An
// error is the text of a malformed-request reply, or wraps errNotSupported.
func parseClientOp(src string, msgID int64, b *body) (*clientOp, error) {
	need := func(name string, raw json.RawMessage) ([]byte, error) {
		if raw == nil {
			return nil, fmt.Errorf("%s request without %q", b.Type, name)
		}
		c, err := canonical(raw)
		if err != nil {
			return nil, fmt.Errorf("%s request: bad %q: %w", b.Type, name, err)
		}
		return c, nil
	}
	key, err := need("key", b.Key)
	if err != nil {
		return nil, err
	}
	var args [][]byte
	switch b.Type {
	case "read":
		args = [][]byte{[]byte("GET"), key}
	case "write":
		v, err := need("value", b.Value)
		if err != nil {
			return nil, err
		}
		args = [][]byte{[]byte("SET"), key, v}
	case "cas":
		if b.CreateIfNotExists != nil && string(b.CreateIfNotExists) != "false" && string(b.CreateIfNotExists) != "null" {
			return nil, fmt.Errorf("%w: cas with create_if_not_exists", errNotSupported)
		}
		from, err := need("from", b.From)
		if err != nil {
			return nil, err
		}
		to, err := need("to", b.To)
		if err != nil {
			return nil, err
		}
		args = [][]byte{[]byte("CAS"), key, from, to}
	default:
		return nil, fmt.Errorf("not a lin-kv request: %q", b.Type)
	}
	return &clientOp{src: src, msgID: msgID, typ: b.Type, cmd: &kv.Cmd{Args: args, Proto: 2}}, nil
}

// Executor runs commands on the replicated state machine
// (*replication.Node implements it).
type Executor interface {
	Execute(ctx context.Context, cmds []*kv.Cmd, w *kv.Writer)
}

// runClientOp executes op and returns the reply body.
func runClientOp(ctx context.Context, ex Executor, op *clientOp) any {
	w := kv.NewWriter(nil, 2)
	ex.Execute(ctx, []*kv.Cmd{op.cmd}, w)
	return replyFor(op, w.Bytes())
}

// deadlineReply answers op when its deadline passed first: a read did
// nothing (11); a write or cas may still take effect (13).
func deadlineReply(op *clientOp, text string) any {
	code := codeCrash
	if op.typ == "read" {
		code = codeUnavailable
	}
	return errorBody{Type: "error", InReplyTo: op.msgID, Code: code, Text: text}
}

// replyFor maps the RESP reply of op's command to its Maelstrom reply.
func replyFor(op *clientOp, resp []byte) any {
	fail := func(code int, text string) any {
		return errorBody{Type: "error", InReplyTo: op.msgID, Code: code, Text: text}
	}
	if len(resp) < 3 {
		return fail(codeCrash, "empty reply from the state machine")
	}
	line, rest, _ := bytes.Cut(resp, []byte("\r\n"))
	switch line[0] {
	case '-':
		code, text := errorCode(string(line[1:]))
		return fail(code, text)
	case '+':
		if op.typ == "write" || op.typ == "cas" {
			return okBody{Type: op.typ + "_ok", InReplyTo: op.msgID}
		}
	case '$':
		if op.typ != "read" {
			break
		}
		n, err := strconv.Atoi(string(line[1:]))
		if n < 0 && err == nil {
			return fail(codeNoKey, "key does not exist")
		}
		if err != nil || len(rest) < n {
			return fail(codeCrash, "malformed reply from the state machine")
		}
		v := rest[:n]
		if !json.Valid(v) { // written by a RESP client, not as JSON
			return fail(codeCrash, "stored value is not JSON")
		}
		return readOKBody{Type: "read_ok", InReplyTo: op.msgID, Value: json.RawMessage(v)}
	}
	return fail(codeCrash, "unexpected reply from the state machine: "+string(line))
}

// errorCode maps a RESP error of the replicated executor
// (docs/replication.md) or of the CAS command to a Maelstrom error code.
// Definite refusals are 11; anything that may have taken effect is 13.
func errorCode(text string) (int, string) {
	word, _, _ := bytes.Cut([]byte(text), []byte(" "))
	switch string(word) {
	case "NOKEY":
		return codeNoKey, text
	case "CASFAIL":
		return codePrecondition, text
	case "CLUSTERDOWN", "NOTLEADER", "SHUTDOWN", "MOVED":
		return codeUnavailable, text
	case "UNCERTAIN":
		return codeCrash, text
	}
	return codeCrash, text
}

package maelstrom

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	demo "github.com/jepsen-io/maelstrom/demo/go"
)

// Message types this node sends and understands besides the lin-kv
// workload's (init, read, write, cas and their replies).
const (
	// Raft RPCs between nodes; the payload p is the msgpack encoding of the
	// raft request (for InstallSnapshot: the request followed by the
	// snapshot bytes). Replies are raftOK (p = msgpack response) or error.
	typeAppend     = "raft_append"
	typeVote       = "raft_vote"
	typePreVote    = "raft_prevote"
	typeTimeoutNow = "raft_timeout_now"
	typeSnapshot   = "raft_snapshot"
	typeRaftOK     = "raft_ok"
	// A follower's batch of commands for the leader (p = replication's
	// forward encoding, t = ms the sender waits); reply fwdOK (p = the RESP
	// replies) or error.
	typeForward   = "fwd"
	typeForwardOK = "fwd_ok"
)

// Maelstrom error codes used here (demo/go's constants).
const (
	codeNotSupported = demo.NotSupported           // 10: unknown message type
	codeUnavailable  = demo.TemporarilyUnavailable // 11: definite refusal
	codeMalformed    = demo.MalformedRequest       // 12
	codeCrash        = demo.Crash                  // 13: outcome unknown
	codeNoKey        = demo.KeyDoesNotExist        // 20
	codePrecondition = demo.PreconditionFailed     // 22
)

// envelope is one message on stdin or stdout. Delivered messages also carry
// a top-level "id", which is ignored.
type envelope struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

// body is every body field this node reads, whatever the message type.
// Raw JSON fields stay nil when absent (a JSON null is "null").
type body struct {
	Type      string `json:"type"`
	MsgID     *int64 `json:"msg_id"`
	InReplyTo *int64 `json:"in_reply_to"`

	// error replies
	Code *int   `json:"code"`
	Text string `json:"text"`

	// messages between nodes (see peerBody)
	P     b64   `json:"p"`
	Part  int   `json:"part"`
	Parts int   `json:"parts"`
	T     int64 `json:"t"`
	// Term is the sender's raft term when it sent a fwd (0: not given).
	Term uint64 `json:"term"`
	// W marks a fwd whose batch holds writes only (no read barrier).
	W bool `json:"w"`

	// init
	NodeID  string   `json:"node_id"`
	NodeIDs []string `json:"node_ids"`

	// lin-kv
	Key               json.RawMessage `json:"key"`
	Value             json.RawMessage `json:"value"`
	From              json.RawMessage `json:"from"`
	To                json.RawMessage `json:"to"`
	CreateIfNotExists json.RawMessage `json:"create_if_not_exists"`
}

// message is a whole stdin line decoded in one pass (the common case).
type message struct {
	Src  string `json:"src"`
	Dest string `json:"dest"`
	Body *body  `json:"body"`
}

// b64 is a base64 payload. Its decoder skips encoding/json's generic
// []byte path (unquote, then decode), which costs a third of the decoding
// time of a large message.
type b64 []byte

func (b *b64) UnmarshalJSON(raw []byte) error {
	if string(raw) == "null" {
		*b = nil
		return nil
	}
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return errors.New("p: want a base64 string")
	}
	raw = raw[1 : len(raw)-1]
	if bytes.IndexByte(raw, '\\') >= 0 { // escaped: let encoding/json unquote it
		var v []byte
		if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &v); err != nil {
			return err
		}
		*b = v
		return nil
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Decode(out, raw)
	if err != nil {
		return fmt.Errorf("p: %w", err)
	}
	*b = out[:n]
	return nil
}

// peerBody is the body of a message between nodes. Binary payloads are
// base64 (encoding/json's []byte). A payload larger than fragBytes is sent
// as Parts messages with the same ids, Part 0..Parts-1 (see assembler).
type peerBody struct {
	Type      string `json:"type"`
	MsgID     int64  `json:"msg_id,omitempty"`
	InReplyTo int64  `json:"in_reply_to,omitempty"`
	T         int64  `json:"t,omitempty"`
	Term      uint64 `json:"term,omitempty"`
	W         bool   `json:"w,omitempty"`
	Part      int    `json:"part,omitempty"`
	Parts     int    `json:"parts,omitempty"`
	P         []byte `json:"p,omitempty"`
}

// Reply bodies to clients carry exactly the keys of Maelstrom's schemas
// (no msg_id, which is optional there). demo/go's MessageBody omits a zero
// code or in_reply_to, so these are written here with every key present.
type (
	okBody struct {
		Type      string `json:"type"`
		InReplyTo int64  `json:"in_reply_to"`
	}
	readOKBody struct {
		Type      string          `json:"type"`
		InReplyTo int64           `json:"in_reply_to"`
		Value     json.RawMessage `json:"value"`
	}
	errorBody struct {
		Type      string `json:"type"`
		InReplyTo int64  `json:"in_reply_to"`
		Code      int    `json:"code"`
		Text      string `json:"text"`
	}
)

// appendLine appends one stdout line: {"src":..,"dest":..,"body":..}\n.
func appendLine(dst []byte, src, dest string, body []byte) []byte {
	dst = append(dst, `{"src":`...)
	dst = appendString(dst, src)
	dst = append(dst, `,"dest":`...)
	dst = appendString(dst, dest)
	dst = append(dst, `,"body":`...)
	dst = append(dst, body...)
	return append(dst, "}\n"...)
}

// appendString appends s as a JSON string. Ids are plain ASCII in practice;
// anything else goes through encoding/json's escaping.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(dst, q...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// marshalLine encodes body (without HTML escaping: values go back to
// clients as they were written) and wraps it in an envelope line.
func marshalLine(src, dest string, b any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		// Every body type here marshals; a failure is a programming error.
		panic("maelstrom: marshal body: " + err.Error())
	}
	raw := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return appendLine(make([]byte, 0, len(raw)+len(src)+len(dest)+32), src, dest, raw)
}

// recoverMsgID digs msg_id out of a body that did not decode as a whole, so
// that a malformed request still gets its error reply.
func recoverMsgID(raw json.RawMessage) (int64, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(m["msg_id"]), 10, 64)
	return id, err == nil
}

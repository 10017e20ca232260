package netsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors of message validation and routing.
var (
	ErrNotJSON       = errors.New("netsim: line is not a JSON object")
	ErrMalformed     = errors.New("netsim: malformed message")
	ErrUnknownSource = errors.New("netsim: unknown source")
	ErrUnknownDest   = errors.New("netsim: unknown destination")
	ErrClosed        = errors.New("netsim: network closed")
)

// Message is one envelope in flight. Body is the sender's JSON object,
// passed through unchanged.
type Message struct {
	ID   int64 // assigned by the network, unique per test
	Src  string
	Dest string
	Body json.RawMessage
}

// Line renders the message as Maelstrom writes it to a node's stdin: one
// JSON object with the network's id, and a newline.
func (m *Message) Line() []byte {
	var b bytes.Buffer
	b.Grow(len(m.Body) + len(m.Src) + len(m.Dest) + 48)
	b.WriteString(`{"id":`)
	b.WriteString(strconv.FormatInt(m.ID, 10))
	b.WriteString(`,"src":`)
	writeString(&b, m.Src)
	b.WriteString(`,"dest":`)
	writeString(&b, m.Dest)
	b.WriteString(`,"body":`)
	b.Write(m.Body)
	b.WriteString("}\n")
	return b.Bytes()
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always encodes
	b.Write(enc)
}

// Header is the part of a body the runner routes on.
type Header struct {
	Type      string
	MsgID     *int64
	InReplyTo *int64
}

// ParseLine validates one line a node wrote to stdout against Maelstrom's
// message schema: a JSON object with exactly src, dest and body (and an
// optional integer id), src and dest strings, body an object with a string
// type and integer msg_id / in_reply_to when present.
func ParseLine(line []byte) (src, dest string, body json.RawMessage, err error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(line, &top); err != nil || top == nil {
		return "", "", nil, fmt.Errorf("%w: %q", ErrNotJSON, clip(line))
	}
	for k, v := range top {
		switch k {
		case "src", "dest", "body":
		case "id":
			if _, ok := ParseInt(v); !ok {
				return "", "", nil, fmt.Errorf("%w: id is not an integer", ErrMalformed)
			}
		default:
			return "", "", nil, fmt.Errorf("%w: unexpected key %q", ErrMalformed, k)
		}
	}
	if json.Unmarshal(top["src"], &src) != nil || src == "" {
		return "", "", nil, fmt.Errorf("%w: src must be a non-empty string", ErrMalformed)
	}
	if json.Unmarshal(top["dest"], &dest) != nil || dest == "" {
		return "", "", nil, fmt.Errorf("%w: dest must be a non-empty string", ErrMalformed)
	}
	body = top["body"]
	if _, err := ParseHeader(body); err != nil {
		return "", "", nil, err
	}
	return src, dest, body, nil
}

// ParseHeader reads type, msg_id and in_reply_to of a body.
func ParseHeader(body json.RawMessage) (Header, error) {
	var h Header
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return h, fmt.Errorf("%w: body must be a JSON object", ErrMalformed)
	}
	if json.Unmarshal(fields["type"], &h.Type) != nil || h.Type == "" {
		return h, fmt.Errorf("%w: body.type must be a non-empty string", ErrMalformed)
	}
	for _, f := range []struct {
		name string
		dst  **int64
	}{{"msg_id", &h.MsgID}, {"in_reply_to", &h.InReplyTo}} {
		raw, ok := fields[f.name]
		if !ok || string(raw) == "null" {
			continue
		}
		n, ok := ParseInt(raw)
		if !ok {
			return h, fmt.Errorf("%w: body.%s must be an integer", ErrMalformed, f.name)
		}
		*f.dst = &n
	}
	return h, nil
}

// ParseInt reads a JSON integer (not a quoted one).
func ParseInt(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, false // json.Number would also take a quoted number
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// clip shortens a line for an error message.
func clip(b []byte) string {
	const max = 200 // enough to recognise a stray log line
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

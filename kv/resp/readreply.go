package resp

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// Limits for replies read from peers.
const (
	replyDepthMax = 16      // nesting of aggregates
	replyElemsMax = 1 << 20 // elements of one aggregate
	replyBulkMax  = 1 << 30 // one bulk string
)

// ErrMalformedReply: a peer sent bytes that are not one RESP reply.
var ErrMalformedReply = errors.New("resp: malformed reply")

// ReadReply reads one complete RESP2/RESP3 reply from r and returns its raw
// bytes (nested aggregates included). Clients of other nodes use it:
// followers forwarding to the leader, the leader asking members for their
// applied index.
func ReadReply(r *bufio.Reader) ([]byte, error) {
	var out []byte
	err := readReplyInto(r, &out, 0)
	return out, err
}

func readReplyInto(r *bufio.Reader, out *[]byte, depth int) error {
	if depth > replyDepthMax {
		return ErrMalformedReply
	}
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return ErrMalformedReply
	}
	*out = append(*out, line...)
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', ',', '#', '_', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(string(body))
		if err != nil || n > replyBulkMax {
			return ErrMalformedReply
		}
		if n < 0 {
			return nil
		}
		start := len(*out)
		*out = append(*out, make([]byte, n+2)...)
		if _, err := io.ReadFull(r, (*out)[start:]); err != nil {
			return err
		}
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(string(body))
		if err != nil || n > replyElemsMax {
			return ErrMalformedReply
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readReplyInto(r, out, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return ErrMalformedReply
}

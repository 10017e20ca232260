package replication

import (
	"bufio"
	"errors"
	"strconv"
)

// Limits for replies read from peers.
const (
	replyDepthMax = 16      // nesting of aggregates
	replyElemsMax = 1 << 20 // elements of one aggregate
	replyBulkMax  = 1 << 30 // one bulk string
)

var errMalformedReply = errors.New("replication: malformed RESP reply from peer")

// readReply reads one complete RESP2/RESP3 reply and returns its raw bytes.
func readReply(r *bufio.Reader) ([]byte, error) {
	var out []byte
	err := readReplyInto(r, &out, 0)
	return out, err
}

func readReplyInto(r *bufio.Reader, out *[]byte, depth int) error {
	if depth > replyDepthMax {
		return errMalformedReply
	}
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return errMalformedReply
	}
	*out = append(*out, line...)
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', ',', '#', '_', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(string(body))
		if err != nil || n > replyBulkMax {
			return errMalformedReply
		}
		if n < 0 {
			return nil
		}
		start := len(*out)
		*out = append(*out, make([]byte, n+2)...)
		if _, err := ioReadFull(r, (*out)[start:]); err != nil {
			return err
		}
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(string(body))
		if err != nil || n > replyElemsMax {
			return errMalformedReply
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
	return errMalformedReply
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

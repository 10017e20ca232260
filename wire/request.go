package wire

import (
	"bufio"
	"io"
	"strconv"
)

// ForwardCommand is the request a follower sends the leader to run a batch
// of commands there: ForwardCommand <entry>, where <entry> is the batch's
// log entry encoding (replication.EncodeForward). It goes on the wire in
// lower case, as every version has sent it.
const ForwardCommand = "redraft.forward"

// RequestBytesMax bounds the arguments of one request a node reads from
// another member (their lengths added): a forwarded batch is one argument,
// and it is held to the same bound as the replies it produces
// (ReplyBytesMax).
const RequestBytesMax = ReplyBytesMax

// headerLineMax bounds a request's length header: a type byte, at most 18
// digits and CRLF fit with room to spare.
const headerLineMax = 64

// WriteCommand writes args as one request: a RESP array of bulk strings,
// the form every RESP client sends. It buffers in w; the caller flushes.
// The error is w's (a bufio.Writer keeps its first error, so checking the
// last write is enough).
func WriteCommand(w *bufio.Writer, args ...[]byte) error {
	var hdr [24]byte
	w.Write(appendHeader(hdr[:0], '*', len(args)))
	for _, a := range args {
		w.Write(appendHeader(hdr[:0], '$', len(a)))
		w.Write(a)
		w.WriteString("\r\n")
	}
	_, err := w.Write(nil)
	return err
}

func appendHeader(dst []byte, kind byte, n int) []byte {
	dst = append(dst, kind)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// ReadCommand reads one request written by WriteCommand: an array of 1 to
// argsMax bulk strings whose lengths add up to at most bytesMax. Inline
// commands and other types are ErrMalformed. The arguments are fresh
// slices the caller owns.
func ReadCommand(r *bufio.Reader, argsMax, bytesMax int) ([][]byte, error) {
	n, err := readHeader(r, '*')
	if err != nil {
		return nil, err
	}
	if n < 1 || n > int64(argsMax) {
		return nil, malformed("argument count", strconv.AppendInt(nil, n, 10))
	}
	args := make([][]byte, n)
	budget := int64(bytesMax)
	for i := range args {
		l, err := readHeader(r, '$')
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		if l < 0 {
			return nil, malformed("argument length", strconv.AppendInt(nil, l, 10))
		}
		if budget -= l; budget < 0 {
			return nil, ErrTooLarge
		}
		arg, err := appendBody(nil, r, int(l))
		if err != nil {
			return nil, err
		}
		args[i] = arg[:l:l]
	}
	return args, nil
}

// readHeader reads a "<kind><length>\r\n" line of at most headerLineMax bytes.
func readHeader(r *bufio.Reader, kind byte) (int64, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull || len(line) > headerLineMax {
		return 0, malformed("header", line)
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return 0, err
	}
	if len(line) < 4 || line[0] != kind || line[len(line)-2] != '\r' {
		return 0, malformed("header", line)
	}
	n, ok := parseLen(line)
	if !ok {
		return 0, malformed("length", line)
	}
	return n, nil
}

package kv

// Redis 7 error replies, copied exactly (without the leading '-').
const (
	ErrWrongType        = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrSyntax           = "ERR syntax error"
	ErrNotInteger       = "ERR value is not an integer or out of range"
	ErrNotFloat         = "ERR value is not a valid float"
	ErrOverflow         = "ERR increment or decrement would overflow"
	ErrIncrFloatNaN     = "ERR increment would produce NaN or Infinity"
	ErrNoSuchKey        = "ERR no such key"
	ErrIndexOutOfRange  = "ERR index out of range"
	ErrInvalidExpire    = "ERR invalid expire time in '%s' command"
	ErrStringTooLong    = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrOffsetOutOfRange = "ERR offset is out of range"
	ErrHashNotInteger   = "ERR hash value is not an integer"
	ErrHashNotFloat     = "ERR hash value is not a float"
	ErrMinMaxNotFloat   = "ERR min or max is not a float"
	ErrMinMaxNotString  = "ERR min or max not valid string range item"
	ErrScoreNaN         = "ERR resulting score is not a number (NaN)"
	ErrXXAndNX          = "ERR XX and NX options at the same time are not compatible"
	ErrGTLTNX           = "ERR GT, LT, and/or NX options at the same time are not compatible"
	ErrIncrPairs        = "ERR INCR option supports a single increment-element pair"
	ErrPositive         = "ERR value is out of range, must be positive"
	ErrTimeoutNeg       = "ERR timeout is negative"
	ErrExecAbort        = "EXECABORT Transaction discarded because of previous errors."
	ErrNoAuth           = "NOAUTH Authentication required."
	ErrWrongPass        = "WRONGPASS invalid username-password pair or user is disabled."

	// Redraft-specific errors for the lin-kv compare-and-set command.
	// CAS replies ErrCASNoKey when the key is missing and ErrCASMismatch when
	// its value differs from the expected one; the Maelstrom edge maps them
	// to codes 20 and 22.
	ErrCASNoKey    = "NOKEY no such key"
	ErrCASMismatch = "CASFAIL current value differs from the expected value"
)

// ErrUnknownCommand formats Redis's reply for an unknown command name. Like
// Redis, the name is cut at 128 bytes and the quoted arguments stop once
// they reach 128 bytes in all (each one cut to what is left).
func ErrUnknownCommand(name []byte, args [][]byte) string {
	s := "ERR unknown command '" + sanitize(name) + "', with args beginning with: "
	quoted := 0
	for _, a := range args {
		if quoted >= 128 {
			break
		}
		if room := 128 - quoted; len(a) > room {
			a = a[:room]
		}
		q := "'" + sanitize(a) + "' "
		quoted += len(q)
		s += q
	}
	return s
}

// ErrArity formats Redis's reply for a wrong number of arguments.
func ErrArity(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// ErrUnknownSubcommand formats Redis's reply for an unknown subcommand.
func ErrUnknownSubcommand(sub []byte, cmd string) string {
	return "ERR unknown subcommand '" + sanitize(sub) + "'. Try " + upper(cmd) + " HELP."
}

// sanitize mirrors Redis: error texts never carry newlines and are cut at 128 bytes.
func sanitize(b []byte) string {
	if len(b) > 128 {
		b = b[:128]
	}
	out := make([]byte, len(b))
	for i, c := range b {
		if c == '\r' || c == '\n' {
			c = ' '
		}
		out[i] = c
	}
	return string(out)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

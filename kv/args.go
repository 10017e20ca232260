package kv

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// ParseInt parses a signed 64-bit integer exactly as Redis's string2ll does:
// optional '-', decimal digits, no leading zeros, no '+', no spaces.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// ParseFloat parses a double as Redis's getDoubleFromObject does (strtod
// over the whole string, no spaces, no NaN). "inf", "+inf", "-inf" are accepted.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 5000 {
		return 0, false
	}
	if isSpace(b[0]) || isSpace(b[len(b)-1]) {
		return 0, false
	}
	s := bstr(b)
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), true
	case "-inf", "-infinity":
		return math.Inf(-1), true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		// Go accepts underscores and "Inf"/"NaN" spellings that strtod would
		// treat differently; allow only what strtod's decimal/hex forms use.
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' ||
			c == 'x' || c == 'X' || c == 'p' || c == 'P' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(hexExponent(s), 64)
	if err != nil {
		// strtod returns ±HUGE_VAL on overflow and Redis then rejects it only
		// for ERANGE; treat out-of-range as invalid like Redis does.
		return 0, false
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// hexExponent adds the binary exponent Go requires of hex floats and strtod
// does not ("0x10" is 16 for strtod).
func hexExponent(s string) string {
	if strings.ContainsAny(s, "xX") && !strings.ContainsAny(s, "pP") {
		return s + "p0"
	}
	return s
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// ArgInt parses argument i as an integer, writing Redis's error when it is not one.
func (c *Ctx) ArgInt(i int) (int64, bool) {
	v, ok := ParseInt(c.Args[i])
	if !ok {
		c.W.Error(ErrNotInteger)
	}
	return v, ok
}

// ArgFloat parses argument i as a float, writing Redis's error when it is not one.
func (c *Ctx) ArgFloat(i int) (float64, bool) {
	v, ok := ParseFloat(c.Args[i])
	if !ok {
		c.W.Error(ErrNotFloat)
	}
	return v, ok
}

// ArgIs reports whether argument i equals opt, case-insensitively (opt in upper case).
func (c *Ctx) ArgIs(i int, opt string) bool { return EqualFold(c.Args[i], opt) }

// EqualFold compares b with an upper-case ASCII option name.
func EqualFold(b []byte, opt string) bool {
	if len(b) != len(opt) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'a' && c <= 'z' {
			c -= 32
		}
		if c != opt[i] {
			return false
		}
	}
	return true
}

// AddLongDouble adds incr to cur the way Redis's INCRBYFLOAT and
// HINCRBYFLOAT do: both parsed as C long doubles (x87, 64-bit mantissa),
// added, and rendered with "%.17Lf" minus trailing zeros. math/big at 64 bits
// of precision reproduces the long double arithmetic exactly, so replies
// match Redis byte for byte (0.1 + 0.2 gives "0.3", as in Redis).
// It returns ok == false when either input is not a valid float or the result
// is NaN or infinite.
func AddLongDouble(cur, incr []byte) (string, bool) {
	a, ok := parseLongDouble(cur)
	if !ok {
		return "", false
	}
	b, ok := parseLongDouble(incr)
	if !ok {
		return "", false
	}
	if a.IsInf() || b.IsInf() {
		return "", false
	}
	var sum big.Float
	sum.SetPrec(64).SetMode(big.ToNearestEven)
	sum.Add(a, b)
	if sum.IsInf() {
		return "", false
	}
	// Long double overflows near 1.19e4932; big.Float does not. Values past
	// float64 range are still valid long doubles, so only that bound matters.
	if e := sum.MantExp(nil); e > 16384 {
		return "", false
	}
	s := sum.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s, true
}

func parseLongDouble(b []byte) (*big.Float, bool) {
	// strtold's syntax is strtod's; its range is the long double's
	// (about 1.19e4932), beyond float64's, so parse with math/big.
	if len(b) == 0 || len(b) > 5000 || isSpace(b[0]) || isSpace(b[len(b)-1]) {
		return nil, false
	}
	s := bstr(b)
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", "+infinity":
		return new(big.Float).SetInf(false), true
	case "-inf", "-infinity":
		return new(big.Float).SetInf(true), true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' ||
			c == 'x' || c == 'X' || c == 'p' || c == 'P' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
			return nil, false
		}
	}
	if strings.ContainsAny(s, "pP") && !strings.ContainsAny(s, "xX") {
		// math/big takes a binary exponent on a decimal mantissa ("0p10");
		// strtold stops at the 'p', so the string is not a number.
		return nil, false
	}
	f, _, err := big.ParseFloat(hexExponent(s), 0, 64, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	if e := f.MantExp(nil); e > 16384 || (f.Sign() != 0 && e < -16445) {
		return nil, false // out of long double range: strtold sets ERANGE
	}
	return f, true
}

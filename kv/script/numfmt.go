package script

import (
	"math"
	"strconv"
	"strings"
)

// formatG renders f as C's printf("%.<prec>g") does (glibc): Lua 5.1
// formats numbers with "%.14g" and Redis converts numbers passed to
// redis.call with "%.17g".
func formatG(f float64, prec int) string {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	e := strconv.FormatFloat(f, 'e', prec-1, 64)
	i := strings.LastIndexByte(e, 'e')
	x, _ := strconv.Atoi(e[i+1:])
	if x < -4 || x >= prec {
		mant := trimZeros(e[:i])
		exp := e[i+1:]
		sign := "+"
		if exp[0] == '-' || exp[0] == '+' {
			if exp[0] == '-' {
				sign = "-"
			}
			exp = exp[1:]
		}
		if len(exp) < 2 {
			exp = "0" + exp
		}
		return mant + "e" + sign + exp
	}
	return trimZeros(strconv.FormatFloat(f, 'f', prec-1-x, 64))
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func formatG17(f float64) string { return formatG(f, 17) }

// luaNumber formats a Lua number as Lua 5.1 does (LUA_NUMBER_FMT "%.14g").
func luaNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return formatG(f, 14)
}

// toInteger converts a Lua number to a RESP integer as Redis's
// (long long) cast does on x86-64: the fraction is dropped, and NaN or a
// value outside the int64 range becomes the minimum int64.
func toInteger(f float64) int64 {
	if math.IsNaN(f) || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
		return math.MinInt64
	}
	return int64(f)
}

var (
	posInf = math.Inf(1)
	negInf = math.Inf(-1)
)

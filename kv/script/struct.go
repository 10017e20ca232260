package script

import (
	"encoding/binary"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// struct as Redis bundles it (Roberto Ierusalimschy's struct 0.2):
// pack(fmt, ...), unpack(fmt, s [, pos]) and size(fmt). Formats: '<' '>'
// '!' endianness and alignment, 'x' padding, 'b' 'B' 'h' 'H' 'l' 'L' 'T'
// 'i[n]' 'I[n]' integers, 'f' 'd' floats, 's' zero-terminated and 'c[n]'
// fixed strings (c0 in unpack takes its length from the previous value).

const structMaxIntSize = 32

func (e *Engine) openStruct() *lua.LTable {
	L := e.L
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(e.structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	return t
}

type structFmt struct {
	L      *lua.LState
	f      string
	i      int
	little bool
	align  int
}

func newStructFmt(L *lua.LState, f string) *structFmt {
	return &structFmt{L: L, f: f, little: true, align: 1}
}

func (s *structFmt) num(def int) int {
	if s.i >= len(s.f) || s.f[s.i] < '0' || s.f[s.i] > '9' {
		return def
	}
	n := 0
	for s.i < len(s.f) && s.f[s.i] >= '0' && s.f[s.i] <= '9' {
		n = n*10 + int(s.f[s.i]-'0')
		if n > 1<<20 {
			s.L.RaiseError("size too large")
		}
		s.i++
	}
	return n
}

// next returns the next option and its size; 0 at the end.
func (s *structFmt) next() (byte, int) {
	for s.i < len(s.f) {
		c := s.f[s.i]
		s.i++
		switch c {
		case ' ':
			continue
		case '>':
			s.little = false
			continue
		case '<':
			s.little = true
			continue
		case '=':
			s.little = true
			continue
		case '!':
			s.align = s.num(8)
			continue
		case 'b', 'B', 'x':
			return c, 1
		case 'h', 'H':
			return c, 2
		case 'l', 'L', 'T':
			return c, 8
		case 'f':
			return c, 4
		case 'd':
			return c, 8
		case 's':
			return c, 0
		case 'c':
			return c, s.num(1)
		case 'i', 'I':
			n := s.num(4)
			if n > structMaxIntSize {
				s.L.RaiseError("integral size %d is larger than limit of %d", n, structMaxIntSize)
			}
			return c, n
		default:
			s.L.RaiseError("invalid format option '%c'", c)
		}
	}
	return 0, 0
}

func (s *structFmt) padding(pos, size int) int {
	a := min(size, s.align)
	if a <= 1 || a&(a-1) != 0 {
		return 0
	}
	return (a - pos&(a-1)) & (a - 1)
}

func putInt(b []byte, v uint64, size int, little bool) []byte {
	buf := make([]byte, size)
	for i := 0; i < size; i++ {
		var byteV byte
		if i < 8 {
			byteV = byte(v >> (8 * i))
		} else if int64(v) < 0 {
			byteV = 0xff
		}
		if little {
			buf[i] = byteV
		} else {
			buf[size-1-i] = byteV
		}
	}
	return append(b, buf...)
}

func (e *Engine) structPack(L *lua.LState) int {
	s := newStructFmt(L, L.CheckString(1))
	var b []byte
	arg := 2
	for {
		c, size := s.next()
		if c == 0 {
			break
		}
		if len(b) > e.lim.StringBytes {
			e.memoryError(L)
		}
		if c != 'c' && c != 's' {
			for p := s.padding(len(b), size); p > 0; p-- {
				b = append(b, 0)
			}
		}
		switch c {
		case 'x':
			b = append(b, 0)
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			n := float64(L.CheckNumber(arg))
			arg++
			var v uint64
			if n < 0 {
				v = uint64(int64(n))
			} else {
				v = uint64(n)
			}
			b = putInt(b, v, size, s.little)
		case 'f':
			v := math.Float32bits(float32(L.CheckNumber(arg)))
			arg++
			if s.little {
				b = binary.LittleEndian.AppendUint32(b, v)
			} else {
				b = binary.BigEndian.AppendUint32(b, v)
			}
		case 'd':
			v := math.Float64bits(float64(L.CheckNumber(arg)))
			arg++
			if s.little {
				b = binary.LittleEndian.AppendUint64(b, v)
			} else {
				b = binary.BigEndian.AppendUint64(b, v)
			}
		case 'c', 's':
			str := L.CheckString(arg)
			arg++
			l := len(str)
			if c == 'c' && size != 0 {
				if l < size {
					L.ArgError(arg-1, "string too short")
				}
				l = size
			}
			b = append(b, str[:l]...)
			if c == 's' {
				b = append(b, 0)
			}
		}
	}
	L.Push(lua.LString(b))
	return 1
}

func getInt(b string, size int, little, signed bool) float64 {
	var v uint64
	for i := 0; i < size; i++ {
		var byteV byte
		if little {
			byteV = b[size-1-i]
		} else {
			byteV = b[i]
		}
		v = v<<8 | uint64(byteV)
	}
	if signed && size < 8 && size > 0 {
		shift := 64 - 8*uint(size)
		return float64(int64(v<<shift) >> shift)
	}
	if signed {
		return float64(int64(v))
	}
	return float64(v)
}

func structUnpack(L *lua.LState) int {
	s := newStructFmt(L, L.CheckString(1))
	data := L.CheckString(2)
	pos := L.OptInt(3, 1) - 1
	if pos < 0 || pos > len(data) {
		L.ArgError(3, "offset out of range")
	}
	n := 0
	prev := lua.LValue(lua.LNil)
	for {
		c, size := s.next()
		if c == 0 {
			break
		}
		if c != 'c' && c != 's' {
			pos += s.padding(pos, size)
		}
		if pos+size > len(data) {
			L.ArgError(2, "data string too short")
		}
		switch c {
		case 'x':
			pos++
			continue
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := c == 'b' || c == 'h' || c == 'l' || c == 'i'
			prev = lua.LNumber(getInt(data[pos:pos+size], size, s.little, signed))
		case 'f':
			var v uint32
			if s.little {
				v = binary.LittleEndian.Uint32([]byte(data[pos : pos+4]))
			} else {
				v = binary.BigEndian.Uint32([]byte(data[pos : pos+4]))
			}
			prev = lua.LNumber(math.Float32frombits(v))
		case 'd':
			var v uint64
			if s.little {
				v = binary.LittleEndian.Uint64([]byte(data[pos : pos+8]))
			} else {
				v = binary.BigEndian.Uint64([]byte(data[pos : pos+8]))
			}
			prev = lua.LNumber(math.Float64frombits(v))
		case 'c':
			if size == 0 {
				if n == 0 {
					L.RaiseError("format 'c0' needs a previous size")
				}
				num, ok := prev.(lua.LNumber)
				if !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				size = int(num)
				L.Pop(1)
				n--
				if size < 0 || pos+size > len(data) {
					L.ArgError(2, "data string too short")
				}
			}
			prev = lua.LString(data[pos : pos+size])
		case 's':
			end := strings.IndexByte(data[pos:], 0)
			if end < 0 {
				L.RaiseError("unfinished string in data")
			}
			prev = lua.LString(data[pos : pos+end])
			size = end + 1
		}
		L.Push(prev)
		n++
		pos += size
	}
	L.Push(lua.LNumber(pos + 1))
	return n + 1
}

func structSize(L *lua.LState) int {
	s := newStructFmt(L, L.CheckString(1))
	pos := 0
	for {
		c, size := s.next()
		if c == 0 {
			break
		}
		if c == 's' || (c == 'c' && size == 0) {
			L.ArgError(1, "options 'c0' - 's' have undefined sizes")
		}
		if c != 'c' {
			pos += s.padding(pos, size)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

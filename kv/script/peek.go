package script

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// The allocation budget needs to see the instruction gopher-lua is about
// to execute: a concatenation can double a string in one instruction, so
// counting instructions alone does not bound memory. gopher-lua keeps the
// current frame and the value stack in unexported fields; their offsets
// are found once, by name, with reflect, and read with unsafe. The layout
// is that of the pinned v1.1.2 (go.mod); if a field is missing or has
// another type, peeking is disabled and peekOK reports it (a test
// requires it).

var (
	offCurrentFrame uintptr // LState.currentFrame (*callFrame)
	offReg          uintptr // LState.reg (*registry)
	offFrameFn      uintptr // callFrame.Fn
	offFramePc      uintptr // callFrame.Pc
	offFrameBase    uintptr // callFrame.LocalBase
	offRegArray     uintptr // registry.array ([]LValue)
	peekOK          bool
)

func init() {
	ls := reflect.TypeOf(lua.LState{})
	cf, ok1 := ls.FieldByName("currentFrame")
	reg, ok2 := ls.FieldByName("reg")
	if !ok1 || !ok2 || cf.Type.Kind() != reflect.Pointer || reg.Type.Kind() != reflect.Pointer {
		return
	}
	frame := cf.Type.Elem()
	fn, ok3 := frame.FieldByName("Fn")
	pc, ok4 := frame.FieldByName("Pc")
	base, ok5 := frame.FieldByName("LocalBase")
	arr, ok6 := reg.Type.Elem().FieldByName("array")
	if !ok3 || !ok4 || !ok5 || !ok6 ||
		fn.Type != reflect.TypeOf((*lua.LFunction)(nil)) || pc.Type.Kind() != reflect.Int ||
		base.Type.Kind() != reflect.Int || arr.Type != reflect.TypeOf([]lua.LValue(nil)) {
		return
	}
	offCurrentFrame, offReg = cf.Offset, reg.Offset
	offFrameFn, offFramePc, offFrameBase = fn.Offset, pc.Offset, base.Offset
	offRegArray = arr.Offset
	peekOK = true
}

// Allocation charges, in bytes, of the instructions that allocate.
const (
	chargeTable = 64 // NEWTABLE, CLOSURE
	chargeSlot  = 16 // one table store
)

// peekInstruction charges the allocation the next instruction will make.
func (e *Engine) peekInstruction() {
	if !peekOK {
		return
	}
	p := unsafe.Pointer(e.L)
	cf := *(*unsafe.Pointer)(unsafe.Add(p, offCurrentFrame))
	if cf == nil {
		return
	}
	fn := *(**lua.LFunction)(unsafe.Add(cf, offFrameFn))
	pc := *(*int)(unsafe.Add(cf, offFramePc))
	if fn == nil || fn.Proto == nil || pc < 1 || pc > len(fn.Proto.Code) {
		return
	}
	inst := fn.Proto.Code[pc-1]
	switch int(inst >> 26) {
	case lua.OP_CONCAT:
		base := *(*int)(unsafe.Add(cf, offFrameBase))
		reg := *(*unsafe.Pointer)(unsafe.Add(p, offReg))
		arr := *(*[]lua.LValue)(unsafe.Add(reg, offRegArray))
		b, c := base+int(inst&0x1ff), base+int(inst>>9)&0x1ff
		n := 0
		for i := b; i <= c && i >= 0 && i < len(arr); i++ {
			switch v := arr[i].(type) {
			case lua.LString:
				n += len(v)
			case lua.LNumber:
				n += 24
			}
		}
		if n > e.lim.StringBytes {
			e.budget.stop(stopMemory)
			return
		}
		e.charge(n)
	case lua.OP_NEWTABLE, lua.OP_CLOSURE:
		e.charge(chargeTable)
	case lua.OP_SETTABLE, lua.OP_SETTABLEKS:
		e.charge(chargeSlot)
	case lua.OP_SETLIST:
		e.charge(chargeSlot * max(int(inst&0x1ff), 1))
	}
}

// charge adds n bytes to the call's allocations and stops the script once
// they pass the limit.
func (e *Engine) charge(n int) {
	e.budget.alloc += int64(n)
	if e.budget.alloc > e.lim.AllocBytes {
		e.budget.stop(stopMemory)
	}
}

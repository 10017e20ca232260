package script

import (
	"runtime"
	"sync"
)

// EngineBytes returns what creating one Engine allocates on the Go heap
// (its Lua state, registry, stack and libraries), measured once, the first
// time it is asked, by creating and closing an engine. gopher-lua has no
// allocator hook, so this is the closest real figure of a Lua VM's memory
// (INFO's used_memory_vm_eval). It reads runtime statistics: node-local,
// never part of any replicated state.
func EngineBytes() int64 {
	engineBytesOnce.Do(func() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		e := NewEngine(DefaultLimits)
		runtime.ReadMemStats(&after)
		e.Close()
		engineBytes = int64(after.TotalAlloc - before.TotalAlloc)
	})
	return engineBytes
}

var (
	engineBytesOnce sync.Once
	engineBytes     int64
)

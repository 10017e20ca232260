package resp

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// infoField returns field's value in an INFO text ("" when absent).
func infoField(info, field string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

// TestInfoScriptMemory: INFO memory's script fields follow the script
// cache and the libraries (SCRIPT LOAD, FUNCTION LOAD, SCRIPT FLUSH).
func TestInfoScriptMemory(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr})
	defer rdb.Close()
	num := func(info, f string) int64 {
		t.Helper()
		n, err := strconv.ParseInt(infoField(info, f), 10, 64)
		if err != nil {
			t.Fatalf("%s: %q", f, infoField(info, f))
		}
		return n
	}
	info := rdb.Info(ctx, "memory").Val()
	for f, want := range map[string]int64{"number_of_cached_scripts": 0, "number_of_functions": 0, "number_of_libraries": 0,
		"used_memory_scripts_eval": 0, "used_memory_functions": 0, "used_memory_scripts": 0} {
		if got := num(info, f); got != want {
			t.Fatalf("empty: %s = %d, want %d", f, got, want)
		}
	}
	if infoField(info, "used_memory_lua") != "" || infoField(info, "used_memory_vm_eval") != "" {
		t.Fatalf("VM memory fields the node cannot measure: %q", info)
	}
	body := "return 'a longer script body than the sha'"
	rdb.ScriptLoad(ctx, body)
	rdb.FunctionLoad(ctx, "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)\nredis.register_function('f2', function() return 2 end)")
	info = rdb.Info(ctx, "memory").Val()
	if got := num(info, "number_of_cached_scripts"); got != 1 {
		t.Fatalf("number_of_cached_scripts = %d", got)
	}
	if got, want := num(info, "used_memory_scripts_eval"), int64(40+len(body)); got != want {
		t.Fatalf("used_memory_scripts_eval = %d, want %d", got, want)
	}
	if num(info, "number_of_functions") != 2 || num(info, "number_of_libraries") != 1 || num(info, "used_memory_functions") <= 0 {
		t.Fatalf("functions: %q", info)
	}
	if num(info, "used_memory_scripts") != num(info, "used_memory_scripts_eval")+num(info, "used_memory_functions") {
		t.Fatalf("used_memory_scripts is not eval + functions: %q", info)
	}
	rdb.ScriptFlush(ctx)
	rdb.FunctionFlush(ctx)
	info = rdb.Info(ctx, "memory").Val()
	if num(info, "number_of_cached_scripts") != 0 || num(info, "used_memory_scripts") != 0 || num(info, "number_of_libraries") != 0 {
		t.Fatalf("after flush: %q", info)
	}
}

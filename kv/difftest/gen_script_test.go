package difftest

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
)

// Generators of the scripting family: EVAL, EVALSHA, EVAL_RO, SCRIPT,
// FUNCTION and FCALL with scripts whose replies Redis fixes: redis.call
// and redis.pcall of every data-type family (avoiding replies in hash-table
// order), the Lua <-> RESP conversions, error replies and their script
// suffixes, protected globals, cjson, cmsgpack, bit and struct. Random
// draws (math.random) and TIME are checked by type only, inside the script.

const famScript = "script"

// scriptTemplates are script bodies and how many keys and which kind of
// arguments they take.
var scriptTemplates = []struct {
	body string
	keys []string // key families, in KEYS order
	args func(g *gen) []string
}{
	{"return redis.call('SET', KEYS[1], ARGV[1])", []string{famString}, func(g *gen) []string { return []string{g.value()} }},
	{"return redis.call('GET', KEYS[1])", []string{famString}, nil},
	{"return redis.pcall('INCRBY', KEYS[1], ARGV[1])", []string{famString}, func(g *gen) []string { return []string{g.intArg(-5, 5)} }},
	{"return redis.call('INCRBY', KEYS[1], ARGV[1])", []string{famString}, func(g *gen) []string { return []string{g.intArg(-5, 5)} }},
	{"return redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])", []string{famString}, func(g *gen) []string { return []string{g.floatArg()} }},
	{"local v = redis.call('HINCRBY', KEYS[1], 'f', ARGV[1]) return {v, redis.call('HLEN', KEYS[1])}", []string{famHash}, func(g *gen) []string { return []string{g.intArg(-3, 3)} }},
	{"return redis.pcall('HSET', KEYS[1], ARGV[1], ARGV[2])", []string{famHash}, func(g *gen) []string { return []string{g.value(), g.value()} }},
	{"return redis.call('HGET', KEYS[1], ARGV[1])", []string{famHash}, func(g *gen) []string { return []string{g.value()} }},
	{"redis.call('RPUSH', KEYS[1], unpack(ARGV)) return redis.call('LRANGE', KEYS[1], 0, -1)", []string{famList}, func(g *gen) []string { return []string{g.value(), g.value()} }},
	{"return redis.pcall('LPOP', KEYS[1])", []string{famList}, nil},
	{"return redis.call('SADD', KEYS[1], ARGV[1]) + redis.call('SCARD', KEYS[1])", []string{famSet}, func(g *gen) []string { return []string{g.value()} }},
	{"return redis.call('SISMEMBER', KEYS[1], ARGV[1])", []string{famSet}, func(g *gen) []string { return []string{g.value()} }},
	{"return redis.pcall('ZADD', KEYS[1], ARGV[1], ARGV[2])", []string{famZSet}, func(g *gen) []string { return []string{g.floatArg(), g.value()} }},
	{"return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')", []string{famZSet}, nil},
	{"return redis.call('ZSCORE', KEYS[1], ARGV[1])", []string{famZSet}, func(g *gen) []string { return []string{g.value()} }},
	{"return redis.call('TYPE', KEYS[1])", []string{famGeneric}, nil},
	{"return redis.call('EXISTS', KEYS[1], KEYS[2])", []string{famGeneric, famGeneric}, nil},
	{"return redis.call('DEL', KEYS[1])", []string{famGeneric}, nil},
	{"return redis.pcall('EXPIRE', KEYS[1], ARGV[1])", []string{famGeneric}, func(g *gen) []string { return []string{g.intArg(1, 100)} }},
	{"return redis.call('TTL', KEYS[1])", []string{famGeneric}, nil},
	{"return {1, 2.9, -3.7, 'x', true, false, nil, 5}", nil, nil},
	{"return {{1, {2, 'x'}}, {ok='fine'}, {err='inner'}}", nil, nil},
	{"return {err='My Error'}", nil, nil},
	{"return redis.error_reply(ARGV[1])", nil, func(g *gen) []string { return []string{g.pick("MY_CODE msg", "oops", "-DASH x", "ERR x")} }},
	{"return redis.status_reply(ARGV[1])", nil, func(g *gen) []string { return []string{g.pick("FINE", "ok then")} }},
	{"return redis.call('nosuchcommand')", nil, nil},
	{"return redis.pcall('GET')", nil, nil},
	{"return redis.pcall()", nil, nil},
	{"return a_global", nil, nil},
	{"a_global = 1", nil, nil},
	{"redis.call = nil", nil, nil},
	{"return cjson.encode(cjson.decode(ARGV[1]))", nil, func(g *gen) []string {
		return []string{g.pick(`[1,2,3]`, `{"a":[true,false,null]}`, `"s\/x"`, `[[],{}]`, `[1.5,-2,1e3]`, `{"k":"v"}`)}
	}},
	{"return cjson.encode({ARGV[1], tonumber(ARGV[2])})", nil, func(g *gen) []string { return []string{g.value(), g.pick(smallInts...)} }},
	{"local t = cmsgpack.unpack(cmsgpack.pack({ARGV[1], 1, -1, 300, -300, 70000, true})) return t", nil, func(g *gen) []string { return []string{g.value()} }},
	{"return cmsgpack.pack(tonumber(ARGV[1]) or ARGV[1])", nil, func(g *gen) []string { return []string{g.pick(smallInts...)} }},
	{"return {bit.band(tonumber(ARGV[1]), 255), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.lshift(1, 4), bit.tohex(tonumber(ARGV[1]))}", nil, func(g *gen) []string { return []string{g.pick(smallInts...)} }},
	{"return struct.pack('>i4', tonumber(ARGV[1]))", nil, func(g *gen) []string { return []string{g.pick(smallInts...)} }},
	{"return {struct.unpack('<h', struct.pack('<h', tonumber(ARGV[1])))}", nil, func(g *gen) []string { return []string{g.pick(smallInts...)} }},
	{"return {string.find(ARGV[1], ARGV[2])}", nil, func(g *gen) []string { return []string{g.value(), g.pick(luaPatterns...)} }},
	{"return {string.match(ARGV[1], ARGV[2])}", nil, func(g *gen) []string { return []string{g.value(), g.pick(luaPatterns...)} }},
	{"return {string.gsub(ARGV[1], ARGV[2], '<%0>')}", nil, func(g *gen) []string { return []string{g.value(), g.pick(luaPatterns...)} }},
	{"local t = {} for a in string.gmatch(ARGV[1], ARGV[2]) do t[#t+1] = a end return t", nil, func(g *gen) []string { return []string{g.value(), g.pick(luaPatterns...)} }},
	{"return redis.sha1hex(ARGV[1])", nil, func(g *gen) []string { return []string{g.value()} }},
	{"return tostring(tonumber(ARGV[1]))", nil, func(g *gen) []string { return []string{g.pick(smallInts...)} }},
	{"return string.format('%d-%s', tonumber(ARGV[1]), ARGV[2])", nil, func(g *gen) []string { return []string{g.pick(smallInts...), g.pick("foo", "", "hello world")} }},
	{"return {type(math.random()), #redis.call('TIME'), type(redis.call('TIME')[1])}", nil, nil},
	{"#!lua flags=no-writes\nreturn redis.pcall('SET', KEYS[1], 'x')", []string{famString}, nil},
	{"#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])", []string{famString}, nil},
	{"#!lua flags=bogus\nreturn 1", nil, nil},
}

// luaPatterns exercise every pattern item (and a few malformed ones).
var luaPatterns = []string{"o", "%d+", "^%-?%d+$", "(%a+)", "[a-f]+", "[^%s]+", "%s*(.-)%s*$", "()", "(%d)(%d?)",
	"%w-", ".", "l+", "%b()", "%f[%w]%w+", "[%]", "(", "%", "a*b?c-", "^$", "(.)%1"}

// fixedScripts are the bodies EVALSHA and SCRIPT refer to.
// They differ from every template: EVAL_RO and no-writes EVAL do not add
// to kv's cache (they run as reads), and Redis's cache would then differ.
var fixedScripts = []string{"return 1 -- fixed", "return redis.call('GET', KEYS[1]) -- fixed", "return ARGV[1] -- fixed"}

// scriptLibrary has one function: Redis lists a library's functions, and
// its libraries, in hash-table order (FUNCTION LIST, arity mutations
// included, must not depend on it).
const scriptLibrary = "#!lua name=difflib\n" +
	"redis.register_function('dfn', function(keys, args)\n" +
	"  if args[1] == 'set' then return redis.call('SET', keys[1], args[2]) end\n" +
	"  return redis.call('GET', keys[1])\n" +
	"end)"

func scriptCommands(add func(family string, weight int, name string, fn func(g *gen) []string)) {
	F := famScript
	eval := func(name string) func(g *gen) []string {
		return func(g *gen) []string {
			t := scriptTemplates[g.r.IntN(len(scriptTemplates))]
			args := []string{name, t.body, itoa(len(t.keys))}
			for _, f := range t.keys {
				args = append(args, g.key(f))
			}
			if t.args != nil {
				args = append(args, t.args(g)...)
			}
			return args
		}
	}
	add(F, 8, "EVAL", eval("EVAL"))
	add(F, 2, "EVAL_RO", eval("EVAL_RO"))
	add(F, 2, "EVALSHA", func(g *gen) []string {
		body := fixedScripts[g.r.IntN(len(fixedScripts))]
		return []string{g.pick("EVALSHA", "EVALSHA_RO"), sha1hex(body), "1", g.key(famString), g.value()}
	})
	add(F, 1, "SCRIPT", func(g *gen) []string {
		switch g.r.IntN(3) {
		case 0:
			return []string{"SCRIPT", "LOAD", fixedScripts[g.r.IntN(len(fixedScripts))]}
		case 1:
			return []string{"SCRIPT", "EXISTS", sha1hex(fixedScripts[0]), sha1hex(fixedScripts[1]), "nosuchsha"}
		}
		return []string{"SCRIPT", g.pick("FLUSH", "BOGUS")}
	})
	add(F, 1, "FUNCTION", func(g *gen) []string {
		switch g.r.IntN(4) {
		case 0, 1:
			return []string{"FUNCTION", "LOAD", "REPLACE", scriptLibrary}
		case 2:
			// One function per library listed: Redis lists a library's
			// functions in hash-table order.
			return []string{"FUNCTION", "LIST", "LIBRARYNAME", "nomatch*"}
		}
		return []string{"FUNCTION", g.pick("DELETE", "STATS"), "difflib"}
	})
	add(F, 3, "FCALL", func(g *gen) []string {
		switch g.r.IntN(4) {
		case 0:
			return []string{"FCALL", g.pick("dfn", "DFN"), "1", g.key(famString), "set", g.value()}
		case 1:
			return []string{"FCALL_RO", "dfn", "1", g.key(famString)}
		case 2:
			return []string{"FCALL", "nosuch", "0"}
		}
		return []string{"FCALL", "dfn", g.pick("1", "x", "-1", "5"), g.key(famString), "get"}
	})
}

// resetScripts empties Redis's script cache and libraries before a
// sequence (FLUSHALL keeps them; the fresh machine has none).
func resetScripts(r *runner) {
	if registered("SCRIPT") {
		r.mustRedis("SCRIPT", "FLUSH")
	}
	if registered("FUNCTION") {
		r.mustRedis("FUNCTION", "FLUSH")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func sha1hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

package resp

import (
	"strconv"
	"strings"
	"testing"
)

// configKV is the RESP2 reply to a CONFIG GET matching one parameter.
func configKV(name, value string) string {
	return "*2\r\n" + bulk(name) + bulk(value)
}

func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

func configFailed(arg, text string) string {
	return "-ERR CONFIG SET failed (possibly related to argument '" + arg + "') - " + text + "\r\n"
}

// storedConfigTranscripts check CONFIG GET/SET of the stored parameters;
// each restores the defaults at its end, so they also run against a
// redis-server 7.0.15 (-against-redis).
var storedConfigTranscripts = []transcript{
	{name: "encoding defaults and old names",
		in: respCmd("CONFIG", "GET", "hash-max-listpack-entries") + respCmd("CONFIG", "GET", "hash-max-ziplist-entries") +
			respCmd("CONFIG", "GET", "zset-max-ziplist-value") + respCmd("CONFIG", "GET", "set-max-intset-entries") +
			respCmd("CONFIG", "GET", "list-max-ziplist-size") + respCmd("CONFIG", "GET", "lua-time-limit"),
		out: configKV("hash-max-listpack-entries", "512") + configKV("hash-max-ziplist-entries", "512") +
			configKV("zset-max-ziplist-value", "64") + configKV("set-max-intset-entries", "512") +
			configKV("list-max-ziplist-size", "-2") + configKV("lua-time-limit", "5000")},
	{name: "old name sets the new one",
		in: respCmd("CONFIG", "SET", "zset-max-ziplist-entries", "1") + respCmd("CONFIG", "GET", "zset-max-listpack-entries") +
			respCmd("CONFIG", "SET", "hash-max-ziplist-value", "1kb") + respCmd("CONFIG", "GET", "hash-max-listpack-value") +
			respCmd("CONFIG", "SET", "lua-time-limit", "100") + respCmd("CONFIG", "GET", "busy-reply-threshold") +
			respCmd("CONFIG", "SET", "zset-max-listpack-entries", "128", "hash-max-listpack-value", "64", "busy-reply-threshold", "5000"),
		out: "+OK\r\n" + configKV("zset-max-listpack-entries", "1") + "+OK\r\n" + configKV("hash-max-listpack-value", "1024") +
			"+OK\r\n" + configKV("busy-reply-threshold", "100") + "+OK\r\n"},
	{name: "stored values are validated",
		in: respCmd("CONFIG", "SET", "set-max-intset-entries", "-1") + respCmd("CONFIG", "SET", "hash-max-ziplist-value", "x") +
			respCmd("CONFIG", "SET", "list-max-ziplist-size", "a") + respCmd("CONFIG", "SET", "loglevel", "loud") +
			respCmd("CONFIG", "SET", "activerehashing", "maybe") + respCmd("CONFIG", "SET", "save", "100") +
			respCmd("CONFIG", "SET", "notify-keyspace-events", "Q") + respCmd("CONFIG", "SET", "daemonize", "yes") +
			respCmd("CONFIG", "SET", "dir", "/tmp"),
		out: configFailed("set-max-intset-entries", "argument must be between 0 and 9223372036854775807 inclusive") +
			configFailed("hash-max-ziplist-value", "argument must be a memory value") +
			configFailed("list-max-ziplist-size", "argument couldn't be parsed into an integer") +
			configFailed("loglevel", "argument(s) must be one of the following: debug, verbose, notice, warning") +
			configFailed("activerehashing", "argument must be 'yes' or 'no'") +
			configFailed("save", "Invalid save parameters") +
			configFailed("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.") +
			configFailed("daemonize", "can't set immutable config") +
			configFailed("dir", "can't set protected config")},
	{name: "notify-keyspace-events canonical order",
		in: respCmd("CONFIG", "SET", "notify-keyspace-events", "EKzl$g") + respCmd("CONFIG", "GET", "notify-keyspace-events") +
			respCmd("CONFIG", "SET", "notify-keyspace-events", "KA") + respCmd("CONFIG", "GET", "notify-keyspace-events") +
			respCmd("CONFIG", "SET", "notify-keyspace-events", ""),
		out: "+OK\r\n" + configKV("notify-keyspace-events", "g$lzKE") + "+OK\r\n" + configKV("notify-keyspace-events", "AK") + "+OK\r\n"},
	{name: "save points",
		in:  respCmd("CONFIG", "SET", "save", "100 10 3600 1") + respCmd("CONFIG", "SET", "save", "100  10") + respCmd("CONFIG", "GET", "save") + respCmd("CONFIG", "SET", "save", ""),
		out: "+OK\r\n" + configFailed("save", "Invalid save parameters") + configKV("save", "100 10 3600 1") + "+OK\r\n"},
	{name: "names, patterns and aliases without duplicates",
		in:       respCmd("CONFIG", "GET", "maxmemory", "maxmemory-s*", "*of"),
		out:      "*8\r\n" + bulk("maxmemory") + bulk("0") + bulk("maxmemory-samples") + bulk("5") + bulk("replicaof") + bulk("") + bulk("slaveof") + bulk(""),
		edgeOnly: true}, // redis-server answers in its dict's order
	{name: "hidden parameters need their exact name",
		in:  respCmd("CONFIG", "GET", "rdb-key-save-d*") + respCmd("CONFIG", "GET", "rdb-key-save-delay"),
		out: "*0\r\n" + configKV("rdb-key-save-delay", "0")},
}

func TestStoredConfig(t *testing.T) {
	var addr string
	if *againstRedis != "" {
		addr = *againstRedis
	} else {
		addr = startServer(t, Config{}).addr
	}
	for _, tc := range storedConfigTranscripts {
		t.Run(tc.name, func(t *testing.T) {
			if tc.edgeOnly && *againstRedis != "" {
				t.Skip("edge-only behaviour")
			}
			c := dialAddr(t, addr)
			c.send(tc.in)
			c.expect(tc.out)
		})
	}
	if strings.Contains(addr, ":") && *againstRedis == "" {
		// Another connection sees what one set (server-wide settings).
		c := dialAddr(t, addr)
		c.send(respCmd("CONFIG", "SET", "list-compress-depth", "3"))
		c.expect("+OK\r\n")
		d := dialAddr(t, addr)
		d.send(respCmd("CONFIG", "GET", "list-compress-depth"))
		d.expect(configKV("list-compress-depth", "3"))
	}
}

package resp

import (
	"strings"
	"testing"
	"time"
)

// transcript is raw bytes sent on a fresh connection and the exact bytes
// expected back; "<EOF>" at the end of out means the server closes the
// connection. edgeOnly marks deliberate differences from redis-server (the
// -against-redis run skips them).
type transcript struct {
	name     string
	in       string
	out      string
	edgeOnly bool
}

var (
	bigInline  = strings.Repeat("a", 70000)
	bigDigits  = strings.Repeat("1", 70000)
	unbalanced = "set \"a\"b c\r\n"
)

var transcripts = []transcript{
	// Framing and pipelining.
	{name: "inline", in: "SET t:inline v\r\nGET t:inline\r\n", out: "+OK\r\n$1\r\nv\r\n"},
	{name: "inline LF only", in: "SET t:lf v\nGET t:lf\n", out: "+OK\r\n$1\r\nv\r\n"},
	{name: "multibulk", in: respCmd("SET", "t:mb", "a b\r\nc") + respCmd("GET", "t:mb"), out: "+OK\r\n$6\r\na b\r\nc\r\n"},
	{name: "pipeline write then read", in: respCmd("SET", "t:p", "1") + respCmd("GET", "t:p") + respCmd("SET", "t:p", "2") + respCmd("GET", "t:p") + "GET t:p\r\n",
		out: "+OK\r\n$1\r\n1\r\n+OK\r\n$1\r\n2\r\n$1\r\n2\r\n"},
	{name: "inline quoting", in: "set \"t:q a\" \"c\\x41\\n\"\r\nget \"t:q a\"\r\nset 't:q\\'b' x\r\nget \"t:q'b\"\r\n",
		out: "+OK\r\n$3\r\ncA\n\r\n+OK\r\n$1\r\nx\r\n"},
	{name: "empty commands skipped", in: "\r\n   \r\n*0\r\n*-1\r\nGET t:none\r\n", out: "$-1\r\n"},
	{name: "bulk trailer not checked", in: "*2\r\n$3\r\nGETxx$6\r\nt:nonexx", out: "$-1\r\n"},
	{name: "case insensitive", in: "gEt t:none\r\n", out: "$-1\r\n"},

	// Validation.
	{name: "unknown command", in: "foo a b\r\n", out: "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"},
	{name: "unknown command no args", in: "foo\r\n", out: "-ERR unknown command 'foo', with args beginning with: \r\n"},
	{name: "arity", in: "GET\r\nGET a b\r\nSET a\r\n", out: "-ERR wrong number of arguments for 'get' command\r\n" +
		"-ERR wrong number of arguments for 'get' command\r\n-ERR wrong number of arguments for 'set' command\r\n"},

	// Protocol errors: Redis's text, then the connection closes; what came
	// before in the same read is answered first.
	{name: "invalid multibulk length", in: "*1\r\n$3\r\nfoo\r\n*a\r\n",
		out: "-ERR unknown command 'foo', with args beginning with: \r\n-ERR Protocol error: invalid multibulk length\r\n<EOF>"},
	{name: "answers before error", in: "SET t:before v\r\nGET t:before\r\n*2\r\nxx\r\n",
		out: "+OK\r\n$1\r\nv\r\n-ERR Protocol error: expected '$', got 'x'\r\n<EOF>"},
	{name: "expected dollar", in: "*2\r\nxx\r\n", out: "-ERR Protocol error: expected '$', got 'x'\r\n<EOF>"},
	{name: "negative bulk", in: "*2\r\n$-1\r\n", out: "-ERR Protocol error: invalid bulk length\r\n<EOF>"},
	{name: "bad bulk", in: "*2\r\n$abc\r\n", out: "-ERR Protocol error: invalid bulk length\r\n<EOF>"},
	{name: "bulk over proto-max-bulk-len", in: "*1\r\n$536870913\r\n", out: "-ERR Protocol error: invalid bulk length\r\n<EOF>"},
	{name: "huge multibulk", in: "*3000000000\r\n", out: "-ERR Protocol error: invalid multibulk length\r\n<EOF>"},
	{name: "multibulk over our limit", in: "*1048577\r\n", out: "-ERR Protocol error: invalid multibulk length\r\n<EOF>", edgeOnly: true},
	{name: "unbalanced quotes", in: unbalanced, out: "-ERR Protocol error: unbalanced quotes in request\r\n<EOF>"},
	{name: "unterminated quote", in: "echo \"abc\r\n", out: "-ERR Protocol error: unbalanced quotes in request\r\n<EOF>"},
	{name: "too big inline", in: bigInline, out: "-ERR Protocol error: too big inline request\r\n<EOF>"},
	{name: "too big mbulk count", in: "*" + bigDigits, out: "-ERR Protocol error: too big mbulk count string\r\n<EOF>"},
	{name: "too big bulk count", in: "*1\r\n$" + bigDigits, out: "-ERR Protocol error: too big bulk count string\r\n<EOF>"},

	// Connection commands.
	{name: "select", in: "SELECT 0\r\nSELECT x\r\nSELECT -1\r\nSELECT 99999999999\r\n",
		out: "+OK\r\n-ERR value is not an integer or out of range\r\n-ERR DB index is out of range\r\n-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"},
	{name: "databases", in: "SELECT 15\r\nSET k v\r\nSELECT 16\r\nDBSIZE\r\n" +
		"MULTI\r\nSELECT 3\r\nGET k\r\nSELECT 15\r\nGET k\r\nEXEC\r\nDBSIZE\r\n" +
		"MULTI\r\nSELECT 2\r\nSELECT 99\r\nEXEC\r\nDBSIZE\r\n" +
		"SELECT 15\r\nMOVE k 2\r\nSELECT 2\r\nGET k\r\nWATCH k\r\nSELECT 0\r\nSET k other\r\nSELECT 2\r\nMULTI\r\nGET k\r\nEXEC\r\n" +
		"WATCH k\r\nSWAPDB 2 3\r\nMULTI\r\nGET k\r\nEXEC\r\nRESET\r\nGET k\r\n" +
		"MULTI\r\nSELECT 4\r\nCLIENT SETNAME dbs\r\nSET k four\r\nEXEC\r\nGET k\r\nFLUSHALL\r\n",
		out: "+OK\r\n+OK\r\n-ERR DB index is out of range\r\n:1\r\n" +
			"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n+OK\r\n$-1\r\n+OK\r\n$1\r\nv\r\n:1\r\n" +
			"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n-ERR DB index is out of range\r\n:0\r\n" +
			"+OK\r\n:1\r\n+OK\r\n$1\r\nv\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n$1\r\nv\r\n" +
			"+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+RESET\r\n$5\r\nother\r\n" +
			"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n+OK\r\n+OK\r\n$4\r\nfour\r\n+OK\r\n"},
	{name: "auth without password", in: "AUTH x\r\nAUTH a b\r\nAUTH default x\r\nAUTH a b c\r\n",
		out: "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n" +
			"-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n-ERR syntax error\r\n"},
	{name: "hello errors", in: "HELLO 4\r\nHELLO x\r\nHELLO 2 foo\r\nHELLO 2 AUTH a\r\nHELLO 2 SETNAME \"a b\"\r\nHELLO 1\r\n",
		out: "-NOPROTO unsupported protocol version\r\n-ERR Protocol version is not an integer or out of range\r\n" +
			"-ERR Syntax error in HELLO option 'foo'\r\n-ERR Syntax error in HELLO option 'AUTH'\r\n" +
			"-ERR Client names cannot contain spaces, newlines or special characters.\r\n-NOPROTO unsupported protocol version\r\n"},
	{name: "quit", in: "QUIT\r\nGET a\r\n", out: "+OK\r\n<EOF>"},
	{name: "quit with args", in: "QUIT now\r\n", out: "+OK\r\n<EOF>"},
	{name: "reset", in: "CLIENT SETNAME n\r\nMULTI\r\nRESET\r\nEXEC\r\nCLIENT GETNAME\r\n",
		out: "+OK\r\n+OK\r\n+RESET\r\n-ERR EXEC without MULTI\r\n$-1\r\n"},
	{name: "client names", in: "CLIENT SETNAME foo\r\nCLIENT GETNAME\r\nCLIENT SETNAME \"a b\"\r\nCLIENT GETNAME\r\nCLIENT SETNAME \"\"\r\nCLIENT GETNAME\r\n",
		out: "+OK\r\n$3\r\nfoo\r\n-ERR Client names cannot contain spaces, newlines or special characters.\r\n$3\r\nfoo\r\n+OK\r\n$-1\r\n"},
	{name: "client errors", in: "CLIENT FOO\r\nCLIENT SETNAME\r\nCLIENT\r\nCLIENT ID x\r\nCLIENT NO-EVICT on\r\nCLIENT NO-EVICT x\r\nCLIENT LIST x\r\nCLIENT LIST TYPE bogus\r\nCLIENT LIST ID x\r\nCLIENT LIST ID 999999\r\nCLIENT LIST TYPE pubsub\r\n",
		out: "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n-ERR wrong number of arguments for 'client|setname' command\r\n" +
			"-ERR wrong number of arguments for 'client' command\r\n-ERR wrong number of arguments for 'client|id' command\r\n+OK\r\n-ERR syntax error\r\n" +
			"-ERR syntax error\r\n-ERR Unknown client type 'bogus'\r\n-ERR Invalid client ID\r\n$0\r\n\r\n$0\r\n\r\n"},

	// Transactions.
	{name: "multi nested", in: "MULTI\r\nMULTI\r\nset t:m1 b\r\nEXEC\r\n", out: "+OK\r\n-ERR MULTI calls can not be nested\r\n+QUEUED\r\n*1\r\n+OK\r\n"},
	{name: "watch inside multi", in: "MULTI\r\nWATCH a\r\nset t:m2 b\r\nEXEC\r\n", out: "+OK\r\n-ERR WATCH inside MULTI is not allowed\r\n+QUEUED\r\n*1\r\n+OK\r\n"},
	{name: "exec discard without multi", in: "EXEC\r\nDISCARD\r\n", out: "-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n"},
	{name: "queue errors abort", in: "MULTI\r\nfoo\r\nset a\r\nEXEC\r\nEXEC\r\n",
		out: "+OK\r\n-ERR unknown command 'foo', with args beginning with: \r\n-ERR wrong number of arguments for 'set' command\r\n" +
			"-EXECABORT Transaction discarded because of previous errors.\r\n-ERR EXEC without MULTI\r\n"},
	{name: "exec arity", in: "EXEC x\r\nDISCARD x\r\nMULTI x\r\nMULTI\r\nEXEC x\r\nEXEC\r\n",
		out: "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n" +
			"-ERR wrong number of arguments for 'discard' command\r\n-ERR wrong number of arguments for 'multi' command\r\n+OK\r\n" +
			"-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n-ERR EXEC without MULTI\r\n"},
	{name: "multi exec", in: "MULTI\r\nSET t:m3 1\r\nGET t:m3\r\nGET t:none\r\nEXEC\r\nGET t:m3\r\n",
		out: "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n$1\r\n1\r\n$-1\r\n$1\r\n1\r\n"},
	{name: "exec runtime error", in: "SET t:m6 x\r\nMULTI\r\nINCR t:m6\r\nSET t:m7 1\r\nPING\r\nEXEC\r\n",
		out: "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n-ERR value is not an integer or out of range\r\n+OK\r\n+PONG\r\n"},
	{name: "ping echo pipeline", in: "PING\r\nPING hi\r\n" + respCmd("ECHO", "a\r\nb") + "SELECT 0\r\nPING\r\n",
		out: "+PONG\r\n$2\r\nhi\r\n$4\r\na\r\nb\r\n+OK\r\n+PONG\r\n"},
	{name: "empty exec", in: "MULTI\r\nEXEC\r\n", out: "+OK\r\n*0\r\n"},
	{name: "discard", in: "MULTI\r\nSET t:m4 1\r\nDISCARD\r\nGET t:m4\r\n", out: "+OK\r\n+QUEUED\r\n+OK\r\n$-1\r\n"},
	{name: "multi with edge commands", in: "MULTI\r\nSELECT 0\r\nCLIENT SETNAME x\r\nSET t:m5 v\r\nCLIENT GETNAME\r\nGET t:m5\r\nEXEC\r\nCLIENT GETNAME\r\n",
		out: "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*5\r\n+OK\r\n+OK\r\n+OK\r\n$1\r\nx\r\n$1\r\nv\r\n$1\r\nx\r\n"},
	{name: "multi unknown subcommand", in: "MULTI\r\nCLIENT FOO\r\nEXEC\r\n",
		out: "+OK\r\n-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n-EXECABORT Transaction discarded because of previous errors.\r\n"},
	{name: "watch unwatch", in: "WATCH t:w1 t:w2\r\nUNWATCH\r\nWATCH\r\n", out: "+OK\r\n+OK\r\n-ERR wrong number of arguments for 'watch' command\r\n"},
	{name: "watch own write", in: "WATCH t:w3\r\nSET t:w3 1\r\nMULTI\r\nGET t:w3\r\nEXEC\r\n", out: "+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n"},
	{name: "watch unchanged", in: "WATCH t:w4\r\nMULTI\r\nSET t:w4 1\r\nEXEC\r\nMULTI\r\nEXEC\r\n", out: "+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n+OK\r\n*0\r\n"},

	// COMMAND.
	{name: "command errors", in: "COMMAND INFO nosuch\r\nCOMMAND GETKEYS nosuch x\r\nCOMMAND GETKEYS get a b\r\nCOMMAND DOCS nosuch\r\nCOMMAND FOO\r\nCOMMAND LIST FILTERBY x\r\nCOMMAND GETKEYS get\r\nCOMMAND GETKEYS info x\r\n",
		out: "*1\r\n$-1\r\n-ERR Invalid command specified\r\n-ERR Invalid number of arguments specified for command\r\n*0\r\n" +
			"-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n-ERR syntax error\r\n" +
			"-ERR wrong number of arguments for 'command|getkeys' command\r\n-ERR The command has no key arguments\r\n"},
	{name: "command getkeys", in: "COMMAND GETKEYS set a b\r\nCOMMAND GETKEYS watch a b c\r\n", out: "*1\r\n$1\r\na\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
	{name: "command list pattern", in: "COMMAND LIST FILTERBY PATTERN client|[gs]etname\r\nCOMMAND LIST FILTERBY PATTERN MUL*\r\n",
		out: "*2\r\n$14\r\nclient|getname\r\n$14\r\nclient|setname\r\n*1\r\n$5\r\nmulti\r\n"},
	{name: "command info get", in: "COMMAND INFO get\r\n", out: "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n" +
		"*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n" +
		"$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},

	{name: "command info edge", in: "COMMAND INFO quit client|id watch\r\n", out: "*3\r\n*10\r\n$4\r\nquit\r\n:-1\r\n*6\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+no_auth\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n*10\r\n$9\r\nclient|id\r\n:2\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n*10\r\n$5\r\nwatch\r\n:-2\r\n*5\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+allow_busy\r\n:1\r\n:-1\r\n:1\r\n*2\r\n+@fast\r\n+@transaction\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+RO\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
	{name: "command docs edge", in: "COMMAND DOCS quit client|getname\r\n", out: "*4\r\n$4\r\nquit\r\n*8\r\n$7\r\nsummary\r\n$20\r\nClose the connection\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$14\r\nclient|getname\r\n*8\r\n$7\r\nsummary\r\n$31\r\nGet the current connection name\r\n$5\r\nsince\r\n$5\r\n2.6.9\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n"},
	{name: "command help", in: "COMMAND HELP\r\n", out: "*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+(no subcommand)\r\n" +
		"+    Return details about all Redis commands.\r\n+COUNT\r\n+    Return the total number of commands in this Redis server.\r\n+LIST\r\n" +
		"+    Return a list of all commands in this Redis server.\r\n+INFO [<command-name> ...]\r\n+    Return details about multiple Redis commands.\r\n" +
		"+    If no command names are given, documentation details for all\r\n+    commands are returned.\r\n+DOCS [<command-name> ...]\r\n" +
		"+    Return documentation details about multiple Redis commands.\r\n+    If no command names are given, documentation details for all\r\n" +
		"+    commands are returned.\r\n+GETKEYS <full-command>\r\n+    Return the keys from a full Redis command.\r\n" +
		"+GETKEYSANDFLAGS <full-command>\r\n+    Return the keys and the access flags from a full Redis command.\r\n+HELP\r\n+    Prints this help.\r\n"},
	// Keys found by key specs (ZUNIONSTORE's numkeys, LMOVE's flags), by
	// Redis's hand-coded finders (SET's variable flags, SORT's STORE),
	// EVAL's optional keys and a keyspace container's subcommand.
	{name: "command getkeysandflags", in: "COMMAND GETKEYSANDFLAGS set k v\r\nCOMMAND GETKEYSANDFLAGS set k v get\r\n" +
		"COMMAND GETKEYSANDFLAGS lmove a b left right\r\nCOMMAND GETKEYSANDFLAGS sort a by x store b\r\n" +
		"COMMAND GETKEYS zunionstore d 2 a b\r\nCOMMAND GETKEYS eval s 0\r\nCOMMAND GETKEYS zunionstore d 0 a\r\n" +
		"COMMAND GETKEYS memory usage k\r\nCOMMAND GETKEYS object nosuch k\r\n",
		out: "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n" +
			"*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n*2\r\n+RW\r\n+insert\r\n" +
			"*2\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nb\r\n*2\r\n+OW\r\n+update\r\n" +
			"*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n*0\r\n-ERR Invalid arguments specified for command\r\n" +
			"*1\r\n$1\r\nk\r\n-ERR Invalid command specified\r\n"},
	{name: "client help", edgeOnly: true, in: "CLIENT HELP\r\nCLIENT ID x\r\n", out: "*28\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n" +
		"+CACHING (YES|NO)\r\n+    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.\r\n" +
		"+GETREDIR\r\n+    Return the client ID we are redirecting to when tracking is enabled.\r\n+GETNAME\r\n" +
		"+    Return the name of the current connection.\r\n+ID\r\n+    Return the ID of the current connection.\r\n+INFO\r\n" +
		"+    Return information about the current client connection.\r\n+LIST [options ...]\r\n+    Return information about client connections. Options:\r\n" +
		"+    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)\r\n+      Return clients of specified type.\r\n" +
		"+REPLY (ON|OFF|SKIP)\r\n+    Control the replies sent to the current connection.\r\n+SETNAME <name>\r\n" +
		"+    Assign the name <name> to the current connection.\r\n" +
		"+TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]\r\n+         [OPTIN] [OPTOUT] [NOLOOP]\r\n" +
		"+    Control server assisted client side caching.\r\n+TRACKINGINFO\r\n+    Report tracking status for the current connection.\r\n" +
		"+NO-EVICT (ON|OFF)\r\n+    Protect current client connection from eviction.\r\n" +
		"+HELP\r\n+    Prints this help.\r\n-ERR wrong number of arguments for 'client|id' command\r\n"},

	// CONFIG.
	{name: "config", in: "CONFIG GET\r\nCONFIG GET nosuch\r\nCONFIG GET timeout\r\nCONFIG SET timeout x\r\nCONFIG SET nosuch 1\r\nCONFIG SET databases 3\r\n" +
		"CONFIG SET proto-max-bulk-len 10\r\nCONFIG SET timeout 1 timeout 2\r\nCONFIG SET timeout -1\r\nCONFIG SET maxclients 0\r\nCONFIG SET timeout\r\n" +
		"CONFIG SET timeout 5 maxclients\r\nCONFIG REWRITE\r\nCONFIG FOO\r\nCONFIG SET proto-max-bulk-len abc\r\nCONFIG SET maxclients abc\r\n" +
		"CONFIG SET maxclients 99999999999\r\nCONFIG SET nosuch 1 timeout x\r\nCONFIG SET timeout x databases 2\r\nCONFIG SET databases 2 timeout x\r\n",
		out: "-ERR wrong number of arguments for 'config|get' command\r\n*0\r\n*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n" +
			"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive\r\n" +
			"-ERR wrong number of arguments for 'config|set' command\r\n-ERR syntax error\r\n" +
			"-ERR The server is running without a config file\r\n-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be a memory value\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive\r\n" +
			"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n" +
			"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"},
	{name: "config set", in: "CONFIG SET proto-max-bulk-len 1mb\r\nCONFIG GET proto-max-bulk-len\r\nCONFIG SET PROTO-MAX-BULK-LEN 512MB\r\nCONFIG GET proto-max-bulk-len\r\nCONFIG SET timeout 0 maxclients 10000\r\nCONFIG GET maxclients\r\nCONFIG RESETSTAT\r\n",
		out: "+OK\r\n*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n1048576\r\n+OK\r\n*2\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n+OK\r\n*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n+OK\r\n"},
	{name: "config help", in: "CONFIG HELP\r\n", out: "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n" +
		"+    Return parameters matching the glob-like <pattern> and their values.\r\n+SET <directive> <value>\r\n+    Set the configuration <directive> to <value>.\r\n" +
		"+RESETSTAT\r\n+    Reset statistics reported by the INFO command.\r\n+REWRITE\r\n+    Rewrite the configuration file.\r\n+HELP\r\n+    Prints this help.\r\n"},

	// INFO.
	{name: "info unknown section", in: "INFO nosuch\r\n", out: "$0\r\n\r\n"},
}

func TestTranscript(t *testing.T) {
	var ts *testServer
	if *againstRedis == "" {
		ts = startServer(t, Config{})
	}
	for _, tc := range transcripts {
		if tc.out == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			if tc.edgeOnly && *againstRedis != "" {
				t.Skip("edge-only behaviour")
			}
			var c *client
			if ts != nil {
				c = dialAddr(t, ts.addr)
			} else {
				c = dialAddr(t, *againstRedis)
			}
			c.send(tc.in)
			want := tc.out
			if strings.HasSuffix(want, "<EOF>") {
				got := c.readN(1<<30, 5*time.Second)
				if got != want {
					t.Fatalf("got  %q\nwant %q", got, want)
				}
				return
			}
			c.expect(want)
		})
	}
}

package resp

import (
	_ "embed"
	"fmt"

	"redraft/kv"
)

// The edge commands: connection and server commands the RESP edge answers
// itself (FlagEdge in the kv command table). Their arity, flags, key
// positions and documentation are Redis 7.0.15's own, read from
// commands.resp: the COMMAND INFO and COMMAND DOCS replies of a real
// redis-server, regenerated with TestCaptureCommands. Subcommands the edge
// does not implement are left out of both.

//go:embed commands.resp
var commandsRESP []byte

// handler runs an edge command; args are validated (arity, auth) and valid
// for the duration of the call only.
type handler func(c *conn, args [][]byte)

// edgeCmd is an edge command.
type edgeCmd struct {
	spec *kv.Spec
	run  handler            // nil for containers called without a subcommand
	subs map[string]*subCmd // containers (CLIENT, COMMAND, CONFIG): by lower-case name
	info value              // COMMAND INFO entry
	docs value              // COMMAND DOCS entry
}

// subCmd is a subcommand of an edge container command.
type subCmd struct {
	full  string // "client|setname"
	arity int
	run   handler
}

// edgeCommandNames lists the edge commands, in the order COMMAND INFO
// reports them in commands.resp.
var edgeCommandNames = []string{
	"auth", "hello", "select", "quit", "reset", "client", "command", "info", "config",
	"multi", "exec", "discard", "watch", "unwatch",
	"subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "pubsub",
	"monitor", "cluster",
}

// edgeAllSubs maps container commands every subcommand of which one
// handler serves.
var edgeAllSubs = map[string]handler{
	"cluster": (*conn).cmdClusterDisabled,
}

// edgeHandlers maps command and subcommand full names to their handlers.
var edgeHandlers = map[string]handler{
	"auth":    (*conn).cmdAuth,
	"hello":   (*conn).cmdHello,
	"select":  (*conn).cmdSelect,
	"quit":    (*conn).cmdQuit,
	"reset":   (*conn).cmdReset,
	"info":    (*conn).cmdInfo,
	"multi":   (*conn).cmdMulti,
	"exec":    (*conn).cmdExec,
	"discard": (*conn).cmdDiscard,
	"watch":   (*conn).cmdWatch,
	"unwatch": (*conn).cmdUnwatch,
	"monitor": (*conn).cmdMonitor,

	"subscribe":    (*conn).cmdSubscribe,
	"unsubscribe":  (*conn).cmdUnsubscribe,
	"psubscribe":   (*conn).cmdPSubscribe,
	"punsubscribe": (*conn).cmdPUnsubscribe,
	"ssubscribe":   (*conn).cmdSSubscribe,
	"sunsubscribe": (*conn).cmdSUnsubscribe,

	"pubsub|channels":      (*conn).cmdPubsubChannels,
	"pubsub|numsub":        (*conn).cmdPubsubNumSub,
	"pubsub|numpat":        (*conn).cmdPubsubNumPat,
	"pubsub|shardchannels": (*conn).cmdPubsubShardChannels,
	"pubsub|shardnumsub":   (*conn).cmdPubsubShardNumSub,
	"pubsub|help":          (*conn).cmdPubsubHelp,

	"client|id":       (*conn).cmdClientID,
	"client|setname":  (*conn).cmdClientSetName,
	"client|getname":  (*conn).cmdClientGetName,
	"client|list":     (*conn).cmdClientList,
	"client|info":     (*conn).cmdClientInfo,
	"client|no-evict": (*conn).cmdClientNoEvict,
	"client|kill":     (*conn).cmdClientKill,
	"client|reply":    (*conn).cmdClientReply,
	"client|help":     (*conn).cmdClientHelp,
	"client|unblock":  (*conn).cmdClientUnblock,

	"client|tracking":     (*conn).cmdClientTracking,
	"client|caching":      (*conn).cmdClientCaching,
	"client|getredir":     (*conn).cmdClientGetRedir,
	"client|trackinginfo": (*conn).cmdClientTrackingInfo,

	"command":                 (*conn).cmdCommand,
	"command|count":           (*conn).cmdCommandCount,
	"command|list":            (*conn).cmdCommandList,
	"command|info":            (*conn).cmdCommandInfo,
	"command|docs":            (*conn).cmdCommandDocs,
	"command|getkeys":         (*conn).cmdCommandGetKeys,
	"command|getkeysandflags": (*conn).cmdCommandGetKeysAndFlags,
	"command|help":            (*conn).cmdCommandHelp,

	"config|get":       (*conn).cmdConfigGet,
	"config|set":       (*conn).cmdConfigSet,
	"config|resetstat": (*conn).cmdConfigResetStat,
	"config|rewrite":   (*conn).cmdConfigRewrite,
	"config|help":      (*conn).cmdConfigHelp,
}

var (
	edgeBySpec = map[*kv.Spec]*edgeCmd{}
	edgeByName = map[string]*edgeCmd{}
)

// flagsByName maps Redis's command flag names to kv's.
var flagsByName = map[string]kv.Flags{
	"write": kv.FlagWrite, "readonly": kv.FlagReadOnly, "denyoom": kv.FlagDenyOOM,
	"admin": kv.FlagAdmin, "fast": kv.FlagFast, "no_auth": kv.FlagNoAuth,
	"loading": kv.FlagLoading, "stale": kv.FlagStale, "no_multi": kv.FlagNoMulti,
	"pubsub": kv.FlagPubSub,
}

func init() {
	infoReply, docsReply := parseCapture("commands.resp", commandsRESP)
	if len(infoReply.elems) != len(edgeCommandNames) {
		panic("resp: commands.resp does not match edgeCommandNames")
	}
	for i, name := range edgeCommandNames {
		info := infoReply.elems[i]
		docs := docsReply.get(name)
		if info.kind != '*' || len(info.elems) != 10 || info.elems[0].str != name || docs == nil {
			panic("resp: commands.resp has no entry for " + name)
		}
		e := &edgeCmd{run: edgeHandlers[name], info: info, docs: *docs}
		var flags kv.Flags = kv.FlagEdge
		for _, f := range info.elems[2].elems {
			flags |= flagsByName[f.str]
		}
		e.spec = &kv.Spec{
			Name:     name,
			Arity:    int(info.elems[1].num),
			Flags:    flags,
			FirstKey: int(info.elems[3].num),
			LastKey:  int(info.elems[4].num),
			Step:     int(info.elems[5].num),
			Group:    docs.get("group").str,
			Since:    docs.get("since").str,
			Summary:  docs.get("summary").str,
		}
		if subs := info.elems[9].elems; len(subs) > 0 {
			e.subs = map[string]*subCmd{}
			var keptInfo []value
			keptDocs := map[string]bool{}
			for _, si := range subs {
				full := si.elems[0].str
				run := edgeHandlers[full]
				if run == nil {
					run = edgeAllSubs[name]
				}
				if run == nil {
					continue
				}
				e.subs[full[len(name)+1:]] = &subCmd{full: full, arity: int(si.elems[1].num), run: run}
				keptInfo = append(keptInfo, si)
				keptDocs[full] = true
			}
			e.info.elems = append([]value(nil), info.elems...)
			e.info.elems[9].elems = keptInfo
			e.docs = filterSubDocs(*docs, keptDocs)
		}
		if e.run == nil && e.subs == nil {
			panic("resp: edge command " + name + " has no handler")
		}
		edgeBySpec[e.spec] = e
		edgeByName[name] = e
		kv.Register(e.spec)
	}
	for full := range edgeHandlers {
		if edgeByName[full] == nil && !hasSub(full) {
			panic(fmt.Sprintf("resp: handler %q has no command in commands.resp", full))
		}
	}
}

func hasSub(full string) bool {
	for _, e := range edgeByName {
		for _, s := range e.subs {
			if s.full == full {
				return true
			}
		}
	}
	return false
}

// filterSubDocs returns docs with only the kept subcommands.
func filterSubDocs(docs value, keep map[string]bool) value {
	out := value{kind: docs.kind}
	for i := 0; i+1 < len(docs.elems); i += 2 {
		k, v := docs.elems[i], docs.elems[i+1]
		if k.str == "subcommands" {
			sub := value{kind: v.kind}
			for j := 0; j+1 < len(v.elems); j += 2 {
				if keep[v.elems[j].str] {
					sub.elems = append(sub.elems, v.elems[j], v.elems[j+1])
				}
			}
			v = sub
		}
		out.elems = append(out.elems, k, v)
	}
	return out
}

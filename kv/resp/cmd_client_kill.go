package resp

import (
	"strings"

	"redraft/kv"
)

// CLIENT KILL and CLIENT REPLY, as Redis 7.0's clientCommand has them.

// clientTypeKnown reports whether Redis's getClientTypeByName knows name.
// Every client of this edge is of type normal (peer links are of none).
func clientTypeKnown(name string) bool {
	switch strings.ToLower(name) {
	case "normal", "slave", "replica", "pubsub", "master":
		return true
	}
	return false
}

// CLIENT KILL addr | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR addr]
// [LADDR laddr] [SKIPME yes|no]
func (c *conn) cmdClientKill(args [][]byte) {
	var addr, laddr, typ, user string
	var id int64
	haveAddr, haveLaddr, haveType, haveUser := false, false, false, false
	skipme := true
	switch {
	case len(args) == 3:
		addr, haveAddr, skipme = string(args[2]), true, false
	case len(args) > 3:
		for i := 2; i < len(args); i += 2 {
			more := i+1 < len(args)
			switch {
			case kv.EqualFold(args[i], "ID") && more:
				n, ok := kv.ParseInt(args[i+1])
				if !ok || n < 1 {
					c.w.Error("ERR client-id should be greater than 0")
					return
				}
				id = n
			case kv.EqualFold(args[i], "TYPE") && more:
				typ, haveType = strings.ToLower(string(args[i+1])), true
				if !clientTypeKnown(typ) {
					c.w.Error("ERR Unknown client type '" + string(args[i+1]) + "'")
					return
				}
			case kv.EqualFold(args[i], "ADDR") && more:
				addr, haveAddr = string(args[i+1]), true
			case kv.EqualFold(args[i], "LADDR") && more:
				laddr, haveLaddr = string(args[i+1]), true
			case kv.EqualFold(args[i], "USER") && more:
				user, haveUser = string(args[i+1]), true
				if !c.srv.aclState().HasUser(user) {
					c.w.Error("ERR No such user '" + user + "'")
					return
				}
			case kv.EqualFold(args[i], "SKIPME") && more:
				switch {
				case kv.EqualFold(args[i+1], "YES"):
					skipme = true
				case kv.EqualFold(args[i+1], "NO"):
					skipme = false
				default:
					c.w.Error(kv.ErrSyntax)
					return
				}
			default:
				c.w.Error(kv.ErrSyntax)
				return
			}
		}
	default:
		c.w.Error(kv.ErrSyntax)
		return
	}
	killed := 0
	for _, o := range c.srv.liveConns() {
		// A peer link is closed only when named (ID, ADDR): the filters
		// that select clients by kind pass it over (conn.peer).
		if o.peer() && id == 0 && !haveAddr {
			continue
		}
		if haveAddr && o.addr != addr || haveLaddr && o.laddr != laddr ||
			haveType && typ != "normal" || id != 0 && o.id != id || o == c && skipme ||
			haveUser && o.userName() != user {
			continue
		}
		if o == c {
			c.quit = true // after this reply
		} else {
			o.kill()
			c.srv.cancelWaiterOf(o)
		}
		killed++
	}
	if len(args) == 3 {
		if killed == 0 {
			c.w.Error("ERR No such client")
		} else {
			c.w.OK()
		}
		return
	}
	c.w.Int(int64(killed))
}

package replication

import "redraft/kv"

// ScriptRunning implements resp.ScriptRunner: whether this node's machine
// runs a script now (a read-only one outside the log, or a write script in
// an entry being applied). Safe while it does, like KillScript.
func (n *Node) ScriptRunning() bool { return n.fsm.cur.Load().ScriptRunning() }

// FunctionCounts implements resp.FunctionCounter: the FUNCTION libraries
// and functions of this node's machine. Safe while it runs a script.
func (n *Node) FunctionCounts() (libraries, functions int) {
	return n.fsm.cur.Load().FunctionCounts()
}

// ACL implements resp.ACLSource: the ACL users of this node's machine as
// last applied. Safe any time (the state is an immutable value).
func (n *Node) ACL() *kv.ACLState { return n.fsm.cur.Load().ACL() }

// Loading implements resp.Loader: whether this node's state is being
// replaced by a snapshot, when its local reads answer -LOADING (INFO's
// loading field).
func (n *Node) Loading() bool { return n.fsm.Loading() }

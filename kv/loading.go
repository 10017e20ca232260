package kv

// A node that replaces its state with a snapshot's (a follower installing
// the leader's snapshot) first drops the state it had, as a Redis replica
// flushes before it loads the primary's RDB: holding both would double the
// node's memory at the worst moment. A loading placeholder stands in for
// the state meanwhile.

// ErrLoading is the reply to a command a loading placeholder does not run:
// Redis's text, which clients recognise (and retry).
const ErrLoading = "LOADING Redis is loading the dataset in memory"

// LoadingPlaceholder returns an empty machine that stands in for m while
// m's state is replaced: it answers ErrLoading to every command without
// the loading flag (and to every transaction), and it keeps m's ACL users
// so that AUTH and the ACL checks refuse and allow what they did.
func (m *Machine) LoadingPlaceholder() *Machine {
	p := NewMachine()
	p.loading = true
	p.acl.Store(m.acl.Load())
	return p
}

// Loading reports whether m is a loading placeholder.
func (m *Machine) Loading() bool { return m.loading }

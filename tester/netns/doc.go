// Package netns runs a Redraft TCP cluster on one machine with a real
// network per node: every `kv serve` process lives in its own Linux network
// namespace, joined by a veth pair to a bridge in the root namespace, with
// an address from a private /24 picked per run. Raft and RESP bind to the
// node's address; the caller (the test runner, in the root namespace)
// reaches every node's RESP port through the bridge, whose own address is
// never cut.
//
// Faults act on the real network and the real processes: Partition installs
// nftables rules inside each node's namespace that drop incoming packets by
// source address (a grudge: destination -> sources it drops), Heal removes
// them; Kill sends SIGKILL, Pause and Resume SIGSTOP and SIGCONT; Start
// restarts a killed node on the same data directory.
//
// Names: every object a cluster creates carries the prefix "rdj<pid>" of
// the creating process (namespaces rdj<pid>-n1..., the bridge rdj<pid>br,
// veths rdj<pid>n1h), so concurrent runs never collide, and New sweeps the
// objects of processes that no longer exist (a runner killed with -9).
//
// Teardown: Close kills every node process (a namespace lives on while a
// process is in it), deletes the namespaces (which deletes their veths) and
// the bridge. Node processes also carry Pdeathsig SIGKILL, so they die with
// the runner even when Close never runs.
//
// Requirements: root (CAP_NET_ADMIN and CAP_SYS_ADMIN), iproute2 and
// nftables; Available says what is missing, Install installs the packages
// with apt-get. Nothing here passes silently where namespaces cannot be
// created.
//
// Concurrency: a Cluster's methods may be called from several goroutines;
// one mutex guards the process table, and fault commands run one at a time.
package netns

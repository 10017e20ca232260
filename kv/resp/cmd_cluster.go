package resp

// CLUSTER: Redraft replicates one keyspace to every node and does not
// shard it across nodes, so it answers every CLUSTER subcommand as a
// redis-server started without cluster-enabled does. Clients that probe
// for Redis Cluster with CLUSTER INFO or CLUSTER SLOTS take it for a
// single Redis; scripts cannot call CLUSTER (an edge command).

// errClusterDisabled is Redis's reply to CLUSTER when cluster-enabled is no.
const errClusterDisabled = "ERR This instance has cluster support disabled"

func (c *conn) cmdClusterDisabled(args [][]byte) { c.w.Error(errClusterDisabled) }

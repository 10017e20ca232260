package replication

import (
	"reflect"

	"github.com/hashicorp/raft"
)

// awaitFuture returns f.Error(), or raft.ErrRaftShutdown once stop closes,
// whichever comes first.
//
// hashicorp/raft v1.8.0 does not resolve every future when it shuts down:
// an entry committed and still queued for the FSM when the FSM goroutine
// exits, a VerifyLeader or leadership transfer still in its buffered
// channel, are never answered, and a goroutine blocked in their Error()
// stays blocked forever (replication/sim found one leaked by the proposer
// after Close, lying-log-store seed 87). raft's futures also return from
// Error() when the ShutdownCh field of their embedded deferError closes,
// but raft sets it only on a few of them; awaitFuture sets it to stop on
// the others. The future types are unexported, hence reflection; if the
// field is ever missing, this degrades to a plain f.Error().
//
// It must be called before any other goroutine waits on f.
func awaitFuture(f raft.Future, stop chan struct{}) error {
	v := reflect.ValueOf(f)
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
		sc := v.Elem().FieldByName("ShutdownCh")
		if sc.IsValid() && sc.CanSet() && sc.Type() == reflect.TypeOf(stop) && sc.IsNil() {
			sc.Set(reflect.ValueOf(stop))
		}
	}
	return f.Error()
}

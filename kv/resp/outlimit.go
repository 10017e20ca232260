package resp

import (
	"strconv"
	"strings"

	"redraft/kv"
)

// client-output-buffer-limit: CONFIG GET/SET of Redis's per-class output
// limits. The pubsub class bounds a subscribed connection's output queue
// (psout.go).

// Redis's default client-output-buffer-limit for the pubsub class.
const (
	DefaultPubSubHardLimit   = 32 << 20
	DefaultPubSubSoftLimit   = 8 << 20
	DefaultPubSubSoftSeconds = 60
)

// outputLimit is one client class's client-output-buffer-limit.
type outputLimit struct {
	hard, soft int64 // bytes, 0 = none
	softSecs   int64
}

// Client classes of client-output-buffer-limit. Only the pubsub class is
// enforced here (normal clients are bounded by Config.OutputBufferMax and
// the stall timeout; there are no replica clients); the others are kept so
// that CONFIG GET returns what CONFIG SET set.
const (
	classNormal = iota
	classReplica
	classPubSub
	numClasses
)

var classNames = [numClasses]string{"normal", "slave", "pubsub"}

// defaultOutputLimits are Redis 7.0's defaults.
var defaultOutputLimits = [numClasses]outputLimit{
	classNormal:  {},
	classReplica: {hard: 256 << 20, soft: 64 << 20, softSecs: 60},
	classPubSub:  {hard: DefaultPubSubHardLimit, soft: DefaultPubSubSoftLimit, softSecs: DefaultPubSubSoftSeconds},
}

// formatOutputLimits renders client-output-buffer-limit as CONFIG GET does.
func formatOutputLimits(ls *[numClasses]outputLimit) string {
	var b []byte
	for i, l := range ls {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, classNames[i]...)
		for _, v := range []int64{l.hard, l.soft, l.softSecs} {
			b = append(b, ' ')
			b = strconv.AppendInt(b, v, 10)
		}
	}
	return string(b)
}

// parseOutputLimits parses a CONFIG SET client-output-buffer-limit value:
// groups of <class> <hard> <soft> <soft seconds>, Redis's error texts.
func parseOutputLimits(s *Server, v string) (func(), string) {
	f := strings.Fields(v)
	if len(f)%4 != 0 {
		return nil, "Wrong number of arguments in buffer limit configuration."
	}
	ls := *s.outLimits.Load()
	for i := 0; i < len(f); i += 4 {
		class := -1
		switch strings.ToLower(f[i]) {
		case "normal":
			class = classNormal
		case "slave", "replica":
			class = classReplica
		case "pubsub":
			class = classPubSub
		}
		if class < 0 {
			return nil, "Invalid client class specified in buffer limit configuration."
		}
		hard, ok1 := ParseMemory(f[i+1])
		soft, ok2 := ParseMemory(f[i+2])
		secs, ok3 := kv.ParseInt([]byte(f[i+3]))
		if !ok1 || !ok2 || !ok3 || hard < 0 || soft < 0 || secs < 0 {
			return nil, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		ls[class] = outputLimit{hard: hard, soft: soft, softSecs: secs}
	}
	return func() { s.outLimits.Store(&ls) }, ""
}

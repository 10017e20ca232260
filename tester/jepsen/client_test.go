package jepsen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

// replyError is an error reply as go-redis returns it.
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

var _ redis.Error = replyError("")

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"ok", nil, TypeOk},
		{"nil reply", redis.Nil, TypeOk},
		{"no leader", replyError("CLUSTERDOWN no leader is known; the command was not executed"), TypeFail},
		{"not leader", replyError("NOTLEADER this node is not the leader (leader: n2); the command was not executed"), TypeFail},
		{"shutdown", replyError("SHUTDOWN the node is shutting down; the command was not executed"), TypeFail},
		{"cas mismatch", replyError("CASFAIL current value differs from the expected value"), TypeFail},
		{"cas no key", replyError("NOKEY no such key"), TypeFail},
		{"uncertain", replyError("UNCERTAIN outcome unknown: the command may or may not have been executed"), TypeInfo},
		{"unknown reply error", replyError("ERR something new"), TypeInfo},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, TypeFail},
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, TypeInfo},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, TypeInfo},
		{"closed", io.EOF, TypeInfo},
		{"context", fmt.Errorf("wrapped: %w", context.DeadlineExceeded), TypeInfo},
		{"other", errors.New("what"), TypeInfo},
	} {
		if got, text := Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify(%v) = %s (%q), want %s", tc.name, tc.err, got, text, tc.want)
		}
	}
}

package resp

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
)

// TestKVSubcommandsImplemented checks kvSubcommands against the machine:
// every listed subcommand is one it runs, every other subcommand Redis
// has for the container is one it answers as unknown.
func TestKVSubcommandsImplemented(t *testing.T) {
	for _, spec := range kv.Commands() {
		m := kvMetaBySpec[spec]
		if m == nil || len(m.subs) == 0 {
			continue
		}
		raw, _, _ := parseValue(kvCommandsRESP)
		for _, info := range raw.elems {
			if info.elems[0].str != spec.Name {
				continue
			}
			for _, si := range info.elems[9].elems {
				sub := strings.TrimPrefix(si.elems[0].str, spec.Name+"|")
				// Unknown: "unknown subcommand 'x'" whatever the
				// number of arguments (a known one with the wrong
				// number says "or wrong number of arguments").
				unknown := true
				var reply []byte
				for extra := 0; extra <= 2; extra++ {
					args := [][]byte{[]byte(spec.Name), []byte(sub)}
					for i := 0; i < extra; i++ {
						args = append(args, []byte("x"))
					}
					w := kv.NewWriter(nil, 2)
					kv.NewMachine().Exec(&kv.Cmd{Args: args, Proto: 2}, w)
					reply = w.Bytes()
					if !strings.Contains(string(reply), "unknown subcommand '") {
						unknown = false
					}
				}
				if _, listed := m.subs[sub]; listed == unknown {
					t.Errorf("%s %s: listed %v, machine reply %q", spec.Name, sub, listed, reply)
				}
			}
		}
	}
}

// TestKeySpecsAgainstFlags: every captured keyspace command that Redis
// marks movablekeys has a key finder here, and the ones with plain key
// specs find the same keys as their kv.Spec.
func TestKeySpecsMovable(t *testing.T) {
	for spec, m := range kvMetaBySpec {
		movable := false
		for _, f := range m.info.elems[2].elems {
			if f.str == "movablekeys" {
				movable = true
			}
		}
		specs := decodeKeySpecs(m.info)
		complete := true
		for i := range specs {
			if specs[i].has("incomplete") || specs[i].has("variable_flags") || (specs[i].bsIndex == 0 && specs[i].bsKeyword == "") {
				complete = false
			}
		}
		if _, proc := getKeysProc(spec.Name, nil); (movable || !complete) && !proc && !(complete && len(specs) > 0) {
			t.Errorf("%s: movable keys without a key finder", spec.Name)
		}
	}
}

// TestGoRedisCommandKeys drives COMMAND GETKEYS, GETKEYSANDFLAGS, INFO and
// LIST through go-redis.
func TestGoRedisCommandKeys(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("RESP", proto), func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: proto})
			defer rdb.Close()
			keys, err := rdb.CommandGetKeys(ctx, "zunionstore", "dst", "2", "a", "b").Result()
			if want := []string{"dst", "a", "b"}; err != nil || !reflect.DeepEqual(keys, want) {
				t.Fatalf("GETKEYS: %v %v, want %v", keys, err, want)
			}
			kf, err := rdb.CommandGetKeysAndFlags(ctx, "lmove", "a", "b", "left", "right").Result()
			want := []redis.KeyFlags{{Key: "a", Flags: []string{"RW", "access", "delete"}}, {Key: "b", Flags: []string{"RW", "insert"}}}
			if err != nil || !reflect.DeepEqual(kf, want) {
				t.Fatalf("GETKEYSANDFLAGS: %+v %v, want %+v", kf, err, want)
			}
			// MIGRATE: the key argument, or the keys after KEYS when it
			// is empty (AUTH's password is not a keyword).
			kf, err = rdb.CommandGetKeysAndFlags(ctx, "migrate", "h", "1", "", "0", "5000", "AUTH", "keys", "KEYS", "a", "b").Result()
			want = []redis.KeyFlags{{Key: "a", Flags: []string{"RW", "access", "delete"}}, {Key: "b", Flags: []string{"RW", "access", "delete"}}}
			if err != nil || !reflect.DeepEqual(kf, want) {
				t.Fatalf("GETKEYSANDFLAGS MIGRATE: %+v %v, want %+v", kf, err, want)
			}
			if keys, err := rdb.CommandGetKeys(ctx, "migrate", "h", "1", "k", "0", "5000", "KEYS", "a").Result(); err == nil {
				t.Fatalf("GETKEYS MIGRATE with a key and KEYS: %v, want an error", keys)
			}
			info, err := rdb.Command(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			for name, movable := range map[string]bool{"eval": true, "sort": true, "zunionstore": true, "migrate": true, "get": false, "mset": false} {
				c := info[name]
				if c == nil || strings.Contains(strings.Join(c.Flags, " "), "movablekeys") != movable {
					t.Fatalf("COMMAND INFO %s: %+v", name, c)
				}
			}
			list, err := rdb.CommandList(ctx, &redis.FilterBy{ACLCat: "scripting"}).Result()
			if err != nil {
				t.Fatal(err)
			}
			got := " " + strings.Join(list, " ") + " "
			for _, name := range []string{"eval", "script|kill", "function|load"} {
				if !strings.Contains(got, " "+name+" ") {
					t.Fatalf("COMMAND LIST FILTERBY ACLCAT scripting lacks %s: %v", name, list)
				}
			}
			if strings.Contains(got, " set ") || strings.Contains(got, " script|debug ") {
				t.Fatalf("COMMAND LIST FILTERBY ACLCAT scripting: %v", list)
			}
		})
	}
}

// FuzzCommandGetKeys: COMMAND GETKEYS and GETKEYSANDFLAGS of any command
// with any arguments answer a well-formed reply and never panic.
func FuzzCommandGetKeys(f *testing.F) {
	f.Add("zunionstore", "d\x002\x00a\x00b")
	f.Add("sort", "k\x00by\x00x\x00store")
	f.Add("georadius", "k\x000\x000\x001\x00km\x00storedist")
	f.Add("eval", "s\x00-1")
	f.Add("memory", "usage")
	f.Add("bitfield", "k\x00get\x00u8")
	f.Fuzz(func(t *testing.T, name, rest string) {
		args := [][]byte{[]byte("command"), []byte("getkeysandflags"), []byte(name)}
		if rest != "" {
			for _, a := range strings.Split(rest, "\x00") {
				args = append(args, []byte(a))
			}
		}
		for _, flags := range []bool{false, true} {
			c := &conn{w: *kv.NewWriter(nil, 3)}
			c.getKeys(args, flags)
			if n, err := replyLen(c.w.Bytes()); err != nil || n != c.w.Len() {
				t.Fatalf("malformed reply %q", c.w.Bytes())
			}
		}
	})
}

package resp

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestGoRedisBitsHLLDump drives the bitmap, HyperLogLog and DUMP/RESTORE/
// OBJECT commands through the RESP edge with go-redis's typed API, over
// RESP2 and RESP3.
func TestGoRedisBitsHLLDump(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("RESP", proto), func(t *testing.T) {
			ts := startServer(t, Config{})
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: proto})
			defer rdb.Close()

			if got, err := rdb.SetBit(ctx, "b", 7, 1).Result(); err != nil || got != 0 {
				t.Fatalf("SETBIT: %d %v", got, err)
			}
			if got, err := rdb.GetBit(ctx, "b", 7).Result(); err != nil || got != 1 {
				t.Fatalf("GETBIT: %d %v", got, err)
			}
			if got, err := rdb.BitCount(ctx, "b", &redis.BitCount{Start: 0, End: -1, Unit: "BIT"}).Result(); err != nil || got != 1 {
				t.Fatalf("BITCOUNT: %d %v", got, err)
			}
			if got, err := rdb.BitPos(ctx, "b", 1).Result(); err != nil || got != 7 {
				t.Fatalf("BITPOS: %d %v", got, err)
			}
			if got, err := rdb.BitOpNot(ctx, "nb", "b").Result(); err != nil || got != 1 {
				t.Fatalf("BITOP NOT: %d %v", got, err)
			}
			if got, err := rdb.BitField(ctx, "f", "SET", "i8", 0, -100, "GET", "u8", 0).Result(); err != nil || len(got) != 2 || got[0] != 0 || got[1] != 156 {
				t.Fatalf("BITFIELD: %v %v", got, err)
			}
			if got, err := rdb.BitFieldRO(ctx, "f", "i8", 0).Result(); err != nil || len(got) != 1 || got[0] != -100 {
				t.Fatalf("BITFIELD_RO: %v %v", got, err)
			}
			if err := rdb.SetBit(ctx, "b", -1, 1).Err(); err == nil || err.Error() != "ERR bit offset is not an integer or out of range" {
				t.Fatalf("SETBIT -1: %v", err)
			}

			if got, err := rdb.PFAdd(ctx, "h", "a", "b", "c").Result(); err != nil || got != 1 {
				t.Fatalf("PFADD: %d %v", got, err)
			}
			rdb.PFAdd(ctx, "h2", "c", "d")
			if got, err := rdb.PFCount(ctx, "h").Result(); err != nil || got != 3 {
				t.Fatalf("PFCOUNT: %d %v", got, err)
			}
			if err := rdb.PFMerge(ctx, "h3", "h", "h2").Err(); err != nil {
				t.Fatal(err)
			}
			if got, err := rdb.PFCount(ctx, "h3", "h").Result(); err != nil || got != 4 {
				t.Fatalf("PFCOUNT h3 h: %d %v", got, err)
			}
			rdb.Set(ctx, "s", "x", 0)
			if err := rdb.PFAdd(ctx, "s", "a").Err(); err == nil || err.Error() != "WRONGTYPE Key is not a valid HyperLogLog string value." {
				t.Fatalf("PFADD on a string: %v", err)
			}

			rdb.RPush(ctx, "l", "a", "b", "1")
			payload, err := rdb.Dump(ctx, "l").Result()
			if err != nil {
				t.Fatal(err)
			}
			if err := rdb.Restore(ctx, "l2", 0, payload).Err(); err != nil {
				t.Fatal(err)
			}
			if got, err := rdb.LRange(ctx, "l2", 0, -1).Result(); err != nil || fmt.Sprint(got) != "[a b 1]" {
				t.Fatalf("LRANGE of the restored list: %v %v", got, err)
			}
			if err := rdb.Restore(ctx, "l2", 0, payload).Err(); err == nil || err.Error() != "BUSYKEY Target key name already exists." {
				t.Fatalf("RESTORE over a key: %v", err)
			}
			if err := rdb.RestoreReplace(ctx, "l2", 0, payload[:len(payload)-1]).Err(); err == nil || err.Error() != "ERR DUMP payload version or checksum are wrong" {
				t.Fatalf("RESTORE of a cut payload: %v", err)
			}
			if got, err := rdb.ObjectEncoding(ctx, "l2").Result(); err != nil || got != "quicklist" {
				t.Fatalf("OBJECT ENCODING: %q %v", got, err)
			}
		})
	}
}

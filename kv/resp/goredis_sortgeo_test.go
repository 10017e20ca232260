package resp

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestGoRedisSortGeo drives SORT, LMPOP, LCS, SUBSTR, COPY and the GEO
// commands through go-redis over RESP2 and RESP3. The expected values are
// Redis's documented examples (the Sicily points of the GEO pages) and what
// the sorts must produce.
func TestGoRedisSortGeo(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("RESP", proto), func(t *testing.T) {
			ts := startServer(t, Config{})
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: proto})
			defer rdb.Close()
			check := func(what string, got, want any, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: got %#v, want %#v", what, got, want)
				}
			}

			// SORT family.
			rdb.RPush(ctx, "l", 3, 1, 2, 10)
			rdb.MSet(ctx, "w_1", 40, "w_2", 30, "w_3", 20, "w_10", 10)
			rdb.HSet(ctx, "o_1", "name", "one")
			rdb.HSet(ctx, "o_2", "name", "two")
			got, err := rdb.Sort(ctx, "l", &redis.Sort{}).Result()
			check("SORT", got, []string{"1", "2", "3", "10"}, err)
			got, err = rdb.Sort(ctx, "l", &redis.Sort{Alpha: true, Order: "DESC"}).Result()
			check("SORT ALPHA DESC", got, []string{"3", "2", "10", "1"}, err)
			got, err = rdb.Sort(ctx, "l", &redis.Sort{By: "w_*", Offset: 1, Count: 2}).Result()
			check("SORT BY LIMIT", got, []string{"3", "2"}, err)
			got, err = rdb.Sort(ctx, "l", &redis.Sort{By: "nosort", Get: []string{"#", "o_*->name"}}).Result()
			check("SORT BY nosort GET", got, []string{"3", "", "1", "one", "2", "two", "10", ""}, err)
			got, err = rdb.SortRO(ctx, "l", &redis.Sort{Order: "DESC"}).Result()
			check("SORT_RO", got, []string{"10", "3", "2", "1"}, err)
			n, err := rdb.SortStore(ctx, "l", "dst", &redis.Sort{By: "w_*"}).Result()
			check("SORT STORE", n, int64(4), err)
			got, err = rdb.LRange(ctx, "dst", 0, -1).Result()
			check("SORT STORE result", got, []string{"10", "3", "2", "1"}, err)
			rdb.RPush(ctx, "bad", "x", "1")
			if err := rdb.Sort(ctx, "bad", &redis.Sort{}).Err(); err == nil || err.Error() != "ERR One or more scores can't be converted into double" {
				t.Fatalf("SORT of words: %v", err)
			}
			if err := rdb.Do(ctx, "SORT_RO", "l", "STORE", "x").Err(); err == nil || err.Error() != "ERR syntax error" {
				t.Fatalf("SORT_RO STORE: %v", err)
			}

			// LMPOP, LCS, SUBSTR, COPY.
			key, vals, err := rdb.LMPop(ctx, "left", 2, "missing", "l", "nolist").Result()
			check("LMPOP", []any{key, vals}, []any{"l", []string{"3", "1"}}, err)
			if err := rdb.LMPop(ctx, "right", 1, "missing").Err(); err != redis.Nil {
				t.Fatalf("LMPOP of nothing: %v", err)
			}
			rdb.Set(ctx, "a", "ohmytext", 0)
			rdb.Set(ctx, "b", "mynewtext", 0)
			lcs, err := rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b"}).Result()
			check("LCS", lcs.MatchString, "mytext", err)
			l, err := rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b", Len: true}).Result()
			check("LCS LEN", l.Len, int64(6), err)
			m, err := rdb.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b", Idx: true, WithMatchLen: true, MinMatchLen: 4}).Result()
			check("LCS IDX", m.Matches, []redis.LCSMatchedPosition{{Key1: redis.LCSPosition{Start: 4, End: 7}, Key2: redis.LCSPosition{Start: 5, End: 8}, MatchLen: 4}}, err)
			sub, err := rdb.Do(ctx, "SUBSTR", "a", 2, -3).Text()
			check("SUBSTR", sub, "myte", err)
			ok, err := rdb.Copy(ctx, "a", "a2", 0, false).Result()
			check("COPY", ok, int64(1), err)
			ok, err = rdb.Do(ctx, "COPY", "a", "a3", "DB", "1").Int64()
			check("COPY DB 1", ok, int64(1), err)
			if err := rdb.Do(ctx, "COPY", "a", "a3", "DB", "16").Err(); err == nil || !strings.Contains(err.Error(), "DB index is out of range") {
				t.Fatalf("COPY DB 16: %v", err)
			}

			// GEO.
			added, err := rdb.GeoAdd(ctx, "Sicily",
				&redis.GeoLocation{Name: "Palermo", Longitude: 13.361389, Latitude: 38.115556},
				&redis.GeoLocation{Name: "Catania", Longitude: 15.087269, Latitude: 37.502669}).Result()
			check("GEOADD", added, int64(2), err)
			d, err := rdb.GeoDist(ctx, "Sicily", "Palermo", "Catania", "km").Result()
			check("GEODIST", d, 166.2742, err)
			hashes, err := rdb.GeoHash(ctx, "Sicily", "Palermo", "Catania").Result()
			check("GEOHASH", hashes, []string{"sqc8b49rny0", "sqdtr74hyu0"}, err)
			pos, err := rdb.GeoPos(ctx, "Sicily", "Palermo", "nope").Result()
			if err != nil || len(pos) != 2 || pos[1] != nil ||
				fmt.Sprintf("%.5f %.5f", pos[0].Longitude, pos[0].Latitude) != "13.36139 38.11556" {
				t.Fatalf("GEOPOS: %v %v", pos, err)
			}
			locs, err := rdb.GeoRadius(ctx, "Sicily", 15, 37, &redis.GeoRadiusQuery{Radius: 200, Unit: "km", WithDist: true, Sort: "ASC"}).Result()
			check("GEORADIUS", locs, []redis.GeoLocation{{Name: "Catania", Dist: 56.4413}, {Name: "Palermo", Dist: 190.4424}}, err)
			names, err := rdb.GeoSearch(ctx, "Sicily", &redis.GeoSearchQuery{Member: "Palermo", BoxWidth: 400, BoxHeight: 400, BoxUnit: "km", Sort: "DESC"}).Result()
			check("GEOSEARCH BYBOX", names, []string{"Catania", "Palermo"}, err)
			locs, err = rdb.GeoSearchLocation(ctx, "Sicily", &redis.GeoSearchLocationQuery{
				GeoSearchQuery: redis.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 100, RadiusUnit: "km"}, WithCoord: true, WithHash: true}).Result()
			if err != nil || len(locs) != 1 || locs[0].Name != "Catania" || locs[0].GeoHash != 3479447370796909 ||
				fmt.Sprintf("%.8f", locs[0].Longitude) != "15.08726746" {
				t.Fatalf("GEOSEARCH WITHCOORD WITHHASH: %+v %v", locs, err)
			}
			n, err = rdb.GeoSearchStore(ctx, "Sicily", "near", &redis.GeoSearchStoreQuery{
				GeoSearchQuery: redis.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 200, RadiusUnit: "km"}, StoreDist: true}).Result()
			check("GEOSEARCHSTORE STOREDIST", n, int64(2), err)
			zs, err := rdb.ZRangeWithScores(ctx, "near", 0, -1).Result()
			if err != nil || len(zs) != 2 || zs[0].Member != "Catania" || fmt.Sprintf("%.4f", zs[0].Score) != "56.4413" {
				t.Fatalf("stored distances: %v %v", zs, err)
			}
			if err := rdb.Do(ctx, "GEOADD", "Sicily", "200", "100", "x").Err(); err == nil ||
				err.Error() != "ERR invalid longitude,latitude pair 200.000000,100.000000" {
				t.Fatalf("GEOADD out of range: %v", err)
			}
		})
	}
}

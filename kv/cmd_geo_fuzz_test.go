package kv

import (
	"strings"
	"testing"
)

// FuzzGeoSearch feeds arbitrary arguments to the GEO search commands over
// a sorted set holding geohashes and scores that are not geohashes: the
// machine must always reply (never panic), and a STORE destination must be
// a sorted set or absent.
func FuzzGeoSearch(f *testing.F) {
	for _, seed := range []string{
		"GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHDIST WITHCOORD WITHHASH",
		"GEOSEARCH g FROMMEMBER Palermo BYBOX 400 400 km COUNT 1 ANY",
		"GEOSEARCHSTORE d g FROMMEMBER odd BYRADIUS inf m STOREDIST",
		"GEORADIUS g 0 0 20000 km STORE d COUNT 2 DESC",
		"GEORADIUSBYMEMBER g neg 1e10 mi STOREDIST d",
		"GEORADIUS_RO g 180 85.05112878 0 ft",
		"GEOSEARCH g FROMLONLAT -180 -85.05112878 BYBOX 1e308 0 m",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		args := strings.Split(in, " ")
		if len(args) < 2 || len(args) > 40 {
			return
		}
		spec := Lookup([]byte(args[0]))
		if spec == nil || spec.Group != "geo" || !spec.CheckArity(len(args)) {
			return
		}
		x := newTM(t)
		x.do("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "-179.9", "-85", "edge")
		x.do("ZADD", "g", "-1", "neg", "1e300", "odd", "nan-not", "x")
		if reply := x.do(args...); reply == "" {
			t.Fatalf("%q: no reply", args)
		}
		if e := x.m.dbs[0].get("d"); e != nil && e.typ() != TypeZSet {
			t.Fatalf("%q: STORE left a %v", args, e.typ())
		}
	})
}

package kv

import (
	"sort"
	"testing"
)

// TestPartialSortTies replays commands recorded from redis-server 7.0.15
// where Redis's partial quicksort decides the order of equal elements:
// SORT BY pattern ALPHA LIMIT over many equal weights, and GEOSEARCH COUNT
// over points at the same few places. A stable sort gets most of these
// wrong; only the same algorithm (pqsort.go) gets them all right.
func TestPartialSortTies(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("flushall"), "+OK\r\n"},
		{cmd("rpush", "L8", "e8_0", "e8_1", "e8_2", "e8_3", "e8_4", "e8_5", "e8_6", "e8_7"), ":8\r\n"},
		{cmd("set", "w_e8_0", "c"), "+OK\r\n"},
		{cmd("set", "w_e8_1", "c"), "+OK\r\n"},
		{cmd("set", "w_e8_3", "c"), "+OK\r\n"},
		{cmd("set", "w_e8_4", "b"), "+OK\r\n"},
		{cmd("set", "w_e8_5", "a"), "+OK\r\n"},
		{cmd("set", "w_e8_6", "a"), "+OK\r\n"},
		{cmd("set", "w_e8_7", "b"), "+OK\r\n"},
		{cmd("sort", "L8", "by", "w_*", "alpha", "limit", "0", "3"), "*3\r\n$4\r\ne8_2\r\n$4\r\ne8_5\r\n$4\r\ne8_6\r\n"},
		{cmd("sort", "L8", "by", "w_*", "alpha", "desc", "limit", "0", "3"), "*3\r\n$4\r\ne8_3\r\n$4\r\ne8_1\r\n$4\r\ne8_0\r\n"},
		{cmd("sort", "L8", "by", "w_*", "alpha", "limit", "5", "20"), "*3\r\n$4\r\ne8_3\r\n$4\r\ne8_1\r\n$4\r\ne8_0\r\n"},
		{cmd("sort", "L8", "by", "w_*", "alpha", "desc", "limit", "5", "20"), "*3\r\n$4\r\ne8_5\r\n$4\r\ne8_6\r\n$4\r\ne8_2\r\n"},
		{cmd("sort", "L8", "by", "w_*", "alpha", "limit", "5", "10"), "*3\r\n$4\r\ne8_3\r\n$4\r\ne8_1\r\n$4\r\ne8_0\r\n"},
		{cmd("sort", "L8", "by", "w_*", "alpha", "desc", "limit", "5", "10"), "*3\r\n$4\r\ne8_5\r\n$4\r\ne8_6\r\n$4\r\ne8_2\r\n"},
		{cmd("rpush", "L60", "e60_0", "e60_1", "e60_2", "e60_3", "e60_4", "e60_5", "e60_6", "e60_7", "e60_8", "e60_9", "e60_10", "e60_11", "e60_12", "e60_13", "e60_14", "e60_15", "e60_16", "e60_17", "e60_18", "e60_19", "e60_20", "e60_21", "e60_22", "e60_23", "e60_24", "e60_25", "e60_26", "e60_27", "e60_28", "e60_29", "e60_30", "e60_31", "e60_32", "e60_33", "e60_34", "e60_35", "e60_36", "e60_37", "e60_38", "e60_39", "e60_40", "e60_41", "e60_42", "e60_43", "e60_44", "e60_45", "e60_46", "e60_47", "e60_48", "e60_49", "e60_50", "e60_51", "e60_52", "e60_53", "e60_54", "e60_55", "e60_56", "e60_57", "e60_58", "e60_59"), ":60\r\n"},
		{cmd("set", "w_e60_1", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_2", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_3", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_4", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_5", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_6", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_7", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_8", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_9", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_11", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_12", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_13", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_14", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_16", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_17", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_18", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_19", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_20", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_21", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_22", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_23", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_25", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_26", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_27", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_28", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_30", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_31", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_32", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_34", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_35", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_36", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_39", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_41", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_42", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_43", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_45", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_46", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_47", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_48", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_49", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_50", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_51", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_52", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_53", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_54", "a"), "+OK\r\n"},
		{cmd("set", "w_e60_55", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_56", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_57", "c"), "+OK\r\n"},
		{cmd("set", "w_e60_58", "b"), "+OK\r\n"},
		{cmd("set", "w_e60_59", "b"), "+OK\r\n"},
		{cmd("sort", "L60", "by", "w_*", "alpha", "limit", "0", "3"), "*3\r\n$6\r\ne60_37\r\n$6\r\ne60_33\r\n$6\r\ne60_40\r\n"},
		{cmd("sort", "L60", "by", "w_*", "alpha", "desc", "limit", "0", "3"), "*3\r\n$6\r\ne60_32\r\n$6\r\ne60_13\r\n$6\r\ne60_20\r\n"},
		{cmd("sort", "L60", "by", "w_*", "alpha", "limit", "5", "20"), "*20\r\n$6\r\ne60_29\r\n$6\r\ne60_24\r\n$6\r\ne60_15\r\n$6\r\ne60_10\r\n$6\r\ne60_38\r\n$6\r\ne60_18\r\n$5\r\ne60_5\r\n$6\r\ne60_51\r\n$6\r\ne60_47\r\n$5\r\ne60_7\r\n$5\r\ne60_8\r\n$5\r\ne60_9\r\n$6\r\ne60_28\r\n$6\r\ne60_27\r\n$6\r\ne60_11\r\n$6\r\ne60_45\r\n$6\r\ne60_35\r\n$6\r\ne60_36\r\n$6\r\ne60_12\r\n$6\r\ne60_54\r\n"},
		{cmd("sort", "L60", "by", "w_*", "alpha", "desc", "limit", "5", "20"), "*20\r\n$6\r\ne60_52\r\n$5\r\ne60_6\r\n$6\r\ne60_48\r\n$6\r\ne60_46\r\n$6\r\ne60_42\r\n$6\r\ne60_34\r\n$6\r\ne60_21\r\n$6\r\ne60_59\r\n$5\r\ne60_3\r\n$5\r\ne60_4\r\n$6\r\ne60_16\r\n$6\r\ne60_17\r\n$6\r\ne60_19\r\n$6\r\ne60_22\r\n$6\r\ne60_23\r\n$6\r\ne60_25\r\n$6\r\ne60_26\r\n$6\r\ne60_30\r\n$6\r\ne60_31\r\n$6\r\ne60_39\r\n"},
		{cmd("sort", "L60", "by", "w_*", "alpha", "limit", "57", "10"), "*3\r\n$6\r\ne60_32\r\n$6\r\ne60_46\r\n$6\r\ne60_48\r\n"},
		{cmd("sort", "L60", "by", "w_*", "alpha", "desc", "limit", "57", "10"), "*3\r\n$6\r\ne60_40\r\n$6\r\ne60_24\r\n$6\r\ne60_33\r\n"},
		{cmd("geoadd", "G", "13.1", "38.1", "m0"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m1"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m2"), ":1\r\n"},
		{cmd("geoadd", "G", "13.1", "38.1", "m3"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m4"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m5"), ":1\r\n"},
		{cmd("geoadd", "G", "13.1", "38.1", "m6"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m7"), ":1\r\n"},
		{cmd("geoadd", "G", "13.1", "38.1", "m8"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m9"), ":1\r\n"},
		{cmd("geoadd", "G", "13.1", "38.2", "m10"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m11"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m12"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m13"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m14"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m15"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.1", "m16"), ":1\r\n"},
		{cmd("geoadd", "G", "13.1", "38.2", "m17"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m18"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m19"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.1", "m20"), ":1\r\n"},
		{cmd("geoadd", "G", "13.1", "38.2", "m21"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m22"), ":1\r\n"},
		{cmd("geoadd", "G", "13.1", "38.2", "m23"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m24"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m25"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m26"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m27"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m28"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.1", "m29"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m30"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m31"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m32"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m33"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m34"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m35"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m36"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m37"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.1", "m38"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m39"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m40"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m41"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m42"), ":1\r\n"},
		{cmd("geoadd", "G", "13.1", "38.2", "m43"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m44"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m45"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.2", "m46"), ":1\r\n"},
		{cmd("geoadd", "G", "13.1", "38.2", "m47"), ":1\r\n"},
		{cmd("geoadd", "G", "13.2", "38.2", "m48"), ":1\r\n"},
		{cmd("geoadd", "G", "13.3", "38.1", "m49"), ":1\r\n"},
		{cmd("geosearch", "G", "fromlonlat", "13.2", "38.15", "byradius", "100", "km", "count", "3", "asc"), "*3\r\n$3\r\nm29\r\n$3\r\nm38\r\n$3\r\nm16\r\n"},
		{cmd("geosearch", "G", "fromlonlat", "13.2", "38.15", "byradius", "100", "km", "count", "3", "desc", "withdist"), "*3\r\n*2\r\n$2\r\nm0\r\n$7\r\n10.3677\r\n*2\r\n$2\r\nm3\r\n$7\r\n10.3677\r\n*2\r\n$2\r\nm6\r\n$7\r\n10.3677\r\n"},
		{cmd("geosearch", "G", "fromlonlat", "13.2", "38.15", "byradius", "100", "km", "count", "20", "asc"), "*20\r\n$3\r\nm29\r\n$3\r\nm38\r\n$3\r\nm16\r\n$3\r\nm20\r\n$3\r\nm44\r\n$3\r\nm40\r\n$3\r\nm35\r\n$3\r\nm33\r\n$3\r\nm32\r\n$3\r\nm31\r\n$3\r\nm27\r\n$3\r\nm25\r\n$3\r\nm22\r\n$2\r\nm2\r\n$3\r\nm15\r\n$3\r\nm13\r\n$3\r\nm14\r\n$2\r\nm9\r\n$2\r\nm7\r\n$3\r\nm48\r\n"},
		{cmd("geosearch", "G", "fromlonlat", "13.2", "38.15", "byradius", "100", "km", "count", "20", "desc", "withdist"), "*20\r\n*2\r\n$2\r\nm0\r\n$7\r\n10.3677\r\n*2\r\n$2\r\nm3\r\n$7\r\n10.3677\r\n*2\r\n$2\r\nm6\r\n$7\r\n10.3677\r\n*2\r\n$2\r\nm8\r\n$7\r\n10.3677\r\n*2\r\n$2\r\nm4\r\n$7\r\n10.3675\r\n*2\r\n$2\r\nm1\r\n$7\r\n10.3675\r\n*2\r\n$3\r\nm11\r\n$7\r\n10.3675\r\n*2\r\n$3\r\nm18\r\n$7\r\n10.3675\r\n*2\r\n$3\r\nm24\r\n$7\r\n10.3675\r\n*2\r\n$3\r\nm30\r\n$7\r\n10.3675\r\n*2\r\n$3\r\nm41\r\n$7\r\n10.3675\r\n*2\r\n$3\r\nm49\r\n$7\r\n10.3675\r\n*2\r\n$3\r\nm45\r\n$7\r\n10.3675\r\n*2\r\n$3\r\nm42\r\n$7\r\n10.3675\r\n*2\r\n$3\r\nm17\r\n$7\r\n10.3628\r\n*2\r\n$3\r\nm21\r\n$7\r\n10.3628\r\n*2\r\n$3\r\nm23\r\n$7\r\n10.3628\r\n*2\r\n$3\r\nm43\r\n$7\r\n10.3628\r\n*2\r\n$3\r\nm47\r\n$7\r\n10.3628\r\n*2\r\n$3\r\nm10\r\n$7\r\n10.3628\r\n"},
	})
}

// TestPqsortWindow checks pqsort's contract on random inputs full of ties:
// the window [l, r] holds, in order, the keys a full sort puts there, and
// no element is lost or duplicated.
func TestPqsortWindow(t *testing.T) {
	type item struct{ key, id int }
	r := NewRand(3)
	cmp := func(a, b *item) int { return a.key - b.key }
	for n := 0; n < 3000; n++ {
		size := r.Intn(300)
		a := make([]item, size)
		for i := range a {
			a[i] = item{key: r.Intn(1 + r.Intn(20)), id: i}
		}
		full := append([]item(nil), a...)
		sort.SliceStable(full, func(i, j int) bool { return full[i].key < full[j].key })
		if size == 0 {
			pqsort(a, cmp, 0, -1)
			continue
		}
		lo := r.Intn(size)
		hi := lo + r.Intn(size-lo)
		pqsort(a, cmp, lo, hi)
		for i := lo; i <= hi; i++ {
			if a[i].key != full[i].key {
				t.Fatalf("size %d window [%d,%d]: position %d has key %d, want %d", size, lo, hi, i, a[i].key, full[i].key)
			}
		}
		seen := make([]bool, size)
		for _, it := range a {
			if seen[it.id] {
				t.Fatalf("element %d twice", it.id)
			}
			seen[it.id] = true
		}
	}
}

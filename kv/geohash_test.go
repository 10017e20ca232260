package kv

import (
	"math"
	"testing"
)

// TestGeoTrigMatchesGlibc checks arguments where Go's math package and
// glibc 2.36 (what redis-server calls) disagree in the last bit: the
// double-double functions must give glibc's (correctly rounded) result.
// The expected bits were computed by a C program calling glibc.
func TestGeoTrigMatchesGlibc(t *testing.T) {
	for _, tc := range []struct {
		fn        string
		arg, want uint64
	}{
		{"asin", 0x3fe40033f21467ed, 0x3fe59aeffd332b90},
		{"cos", 0xbfe462f9e31f81aa, 0x3fe9b90407ad55a8},
		{"cos", 0xbfed4266b1048ba0, 0x3fe3879651ba59c3},
		{"sin", 0xbfee0bc26c76c9c0, 0xbfe9d25e7336ae4e},
		{"cos", 0xbfe452f6bda13cca, 0x3fe9c28732033a72},
		{"cos", 0x3fc2160c2328efa7, 0x3fefae5be7f01636},
		{"asin", 0x3fb24f10fbda3217, 0x3fb253123e368958},
		{"asin", 0x3fb65018cb9baaaf, 0x3fb6575a9e5dd8e0},
		{"asin", 0x3fb342c19eb038fa, 0x3fb3476b8c371fbb},
		{"sin", 0xbfe9dc02e832232d, 0xbfe722a81ed086a7},
		{"sin", 0x3fecfb978dbe7857, 0x3fe92dfede84c983},
		{"sin", 0xbfe9859e0e626b5c, 0xbfe6e6a44141bb5a},
	} {
		x := math.Float64frombits(tc.arg)
		var got float64
		switch tc.fn {
		case "sin":
			got = geoSin(x)
		case "cos":
			got = geoCos(x)
		default:
			got = geoAsin(x)
		}
		if math.Float64bits(got) != tc.want {
			t.Errorf("%s(%v) = %v, want %v", tc.fn, x, got, math.Float64frombits(tc.want))
		}
	}
	// Special values follow the math package.
	for _, x := range []float64{0, math.Copysign(0, -1), 1, -1, 2, math.Inf(1), math.NaN()} {
		if a, b := geoAsin(x), math.Asin(x); math.Float64bits(a) != math.Float64bits(b) && !(math.IsNaN(a) && math.IsNaN(b)) {
			t.Errorf("geoAsin(%v) = %v, want %v", x, a, b)
		}
	}
}

// TestGeohashRoundTrip encodes points and checks that decoding gives back
// a point of the same 52-bit cell, and that the interleaving helpers are
// inverse of each other.
func TestGeohashRoundTrip(t *testing.T) {
	r := NewRand(42)
	for i := 0; i < 10000; i++ {
		long := geoLongMin + r.Float64()*(geoLongMax-geoLongMin)
		lat := geoLatMin + r.Float64()*(geoLatMax-geoLatMin)
		score := geoEncodeScore(long, lat)
		dl, dt := geoDecodeScore(score)
		if geoEncodeScore(dl, dt) != score {
			t.Fatalf("(%v, %v) -> %v -> (%v, %v) -> another cell", long, lat, score, dl, dt)
		}
		if math.Abs(dl-long) > 1e-5 || math.Abs(dt-lat) > 1e-5 {
			t.Fatalf("(%v, %v) decoded as (%v, %v)", long, lat, dl, dt)
		}
		v := r.Uint64() & 0xFFFFFFFF
		if geoSquash(geoSpread(v)) != v {
			t.Fatalf("spread/squash of %x", v)
		}
	}
	// Scores that are not geohashes decode as C's (uint64_t) cast makes them.
	for _, tc := range []struct {
		score float64
		bits  uint64
	}{
		{-1, math.MaxUint64}, {math.NaN(), 1 << 63}, {math.Inf(1), 0}, {1 << 63, 1 << 63}, {1.9, 1},
	} {
		if got := geoScoreBits(tc.score); got != tc.bits {
			t.Errorf("geoScoreBits(%v) = %x, want %x", tc.score, got, tc.bits)
		}
	}
}

// TestGeoDistanceFormat checks the four-decimal rendering of distances.
func TestGeoDistanceFormat(t *testing.T) {
	for _, tc := range []struct {
		d    float64
		want string
	}{
		{0, "0.0000"}, {0.00004, "0.0000"}, {0.00005, "0.0000"}, {0.00015, "0.0001"}, {0.00025, "0.0002"}, {0.00015000000000000001, "0.0002"}, {1.5, "1.5000"},
		{166274.15156960033, "166274.1516"}, {12.34565, "12.3456"}, {99999.99999, "100000.0000"},
	} {
		if got := string(appendGeoDistance(nil, tc.d)); got != tc.want {
			t.Errorf("distance %v: got %s, want %s", tc.d, got, tc.want)
		}
	}
}

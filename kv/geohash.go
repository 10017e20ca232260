package kv

import "math"

// Geohashes as Redis 7.0 computes them (geohash.c, geohash_helper.c),
// written from the algorithm:
//
//   - A point's score is a 52-bit geohash: longitude in [-180, 180] and
//     latitude in [-85.05112878, 85.05112878] (the Web Mercator limits) are
//     each scaled to a 26-bit integer, then interleaved bit by bit, the
//     longitude bit above the latitude bit of each pair.
//   - Decoding takes the centre of the cell the 52 bits name.
//   - A search around a point picks a cell size from the radius, takes the
//     point's cell and its eight neighbours, drops the neighbours the
//     search area cannot reach, and scans each cell's score range of the
//     sorted set, keeping the points whose exact distance (haversine on a
//     sphere of radius 6372797.560856 m) is within the shape.
//
// Every floating-point step is the one Redis's C code takes, in the same
// order, so the same inputs give the same bits.

// Limits of the geohash coordinate space (EPSG:900913).
const (
	geoLatMin  = -85.05112878
	geoLatMax  = 85.05112878
	geoLongMin = -180.0
	geoLongMax = 180.0
	// geoStepMax is the precision of stored points: 26 bits per coordinate.
	geoStepMax = 26
	// geoEarthRadiusM is the Earth's quadratic mean radius for WGS-84, in metres.
	geoEarthRadiusM = 6372797.560856
	// geoMercatorMax is the half-circumference Redis's step estimate uses.
	geoMercatorMax = 20037726.37
)

// geoPi is M_PI as a double: the degree/radian factor is computed from it
// at run time, as C computes (M_PI / 180.0), not from the exact constant.
var geoPi = math.Pi

// geoDegToRad is C's D_R = M_PI / 180.0.
var geoDegToRad = geoPi / 180.0

func geoDegRad(d float64) float64 { return d * geoDegToRad }
func geoRadDeg(r float64) float64 { return r / geoDegToRad }

// geoHashBits is a geohash of step bits per coordinate (step 0 with bits 0
// is the "zero" hash, a neighbour that was dropped).
type geoHashBits struct {
	bits uint64
	step uint8
}

func (h geoHashBits) isZero() bool { return h.bits == 0 && h.step == 0 }

// geoRange is a [min, max] coordinate interval.
type geoRange struct{ min, max float64 }

// geoArea is the rectangle a hash names.
type geoArea struct {
	hash      geoHashBits
	long, lat geoRange
}

var (
	geoLongRange = geoRange{geoLongMin, geoLongMax}
	geoLatRange  = geoRange{geoLatMin, geoLatMax}
)

// geoSpread moves the low 32 bits of v to the even bit positions.
func geoSpread(v uint64) uint64 {
	v &= 0xFFFFFFFF
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	v = (v | v<<8) & 0x00FF00FF00FF00FF
	v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

// geoSquash is geoSpread's inverse: the even bits of v, packed.
func geoSquash(v uint64) uint64 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
	v = (v | v>>4) & 0x00FF00FF00FF00FF
	v = (v | v>>8) & 0x0000FFFF0000FFFF
	v = (v | v>>16) & 0x00000000FFFFFFFF
	return v
}

// geoInterleave puts lat's bits at even positions and long's at odd ones.
func geoInterleave(lat, long uint32) uint64 {
	return geoSpread(uint64(lat)) | geoSpread(uint64(long))<<1
}

// geoEncode is geohashEncode: ok is false outside the coordinate space or
// the given ranges.
func geoEncode(longR, latR geoRange, long, lat float64, step uint8) (geoHashBits, bool) {
	if step > 32 || step == 0 || (latR.min == 0 && latR.max == 0) || (longR.min == 0 && longR.max == 0) {
		return geoHashBits{}, false
	}
	if long > geoLongMax || long < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoHashBits{}, false
	}
	if lat < latR.min || lat > latR.max || long < longR.min || long > longR.max {
		return geoHashBits{step: step}, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	longOff := (long - longR.min) / (longR.max - longR.min)
	latOff *= float64(uint64(1) << step)
	longOff *= float64(uint64(1) << step)
	return geoHashBits{bits: geoInterleave(uint32(latOff), uint32(longOff)), step: step}, true
}

// geoDecode is geohashDecode: the cell of h.
func geoDecode(longR, latR geoRange, h geoHashBits) (geoArea, bool) {
	if h.isZero() {
		return geoArea{}, false
	}
	ilat := uint32(geoSquash(h.bits))
	ilong := uint32(geoSquash(h.bits >> 1))
	div := float64(uint64(1) << h.step)
	latScale := latR.max - latR.min
	longScale := longR.max - longR.min
	return geoArea{
		hash: h,
		lat: geoRange{
			min: latR.min + float64(float64(ilat)/div*latScale),
			max: latR.min + float64(float64(ilat+1)/div*latScale), // uint32 sum, as in C
		},
		long: geoRange{
			min: longR.min + float64(float64(ilong)/div*longScale),
			max: longR.min + float64(float64(ilong+1)/div*longScale),
		},
	}, true
}

// geoAreaCentre is geohashDecodeAreaToLongLat: the cell's centre, clamped
// to the coordinate space.
func geoAreaCentre(a geoArea) (long, lat float64) {
	long = (a.long.min + a.long.max) / 2
	long = min(max(long, geoLongMin), geoLongMax)
	lat = (a.lat.min + a.lat.max) / 2
	lat = min(max(lat, geoLatMin), geoLatMax)
	return long, lat
}

// geoScoreBits converts a sorted-set score to the 64-bit integer the way
// C's (uint64_t) cast compiles on x86-64, so that scores that are not
// geohashes decode as they do in Redis.
func geoScoreBits(score float64) uint64 {
	const two63 = 9223372036854775808.0
	cvt := func(f float64) uint64 { // cvttsd2si: out of range gives the "integer indefinite" value
		if math.IsNaN(f) || f >= two63 || f < -two63 {
			return 1 << 63
		}
		return uint64(int64(f))
	}
	if score >= two63 {
		return cvt(score-two63) ^ (1 << 63)
	}
	return cvt(score)
}

// geoDecodeScore returns the longitude and latitude a score stands for.
func geoDecodeScore(score float64) (long, lat float64) {
	a, _ := geoDecode(geoLongRange, geoLatRange, geoHashBits{bits: geoScoreBits(score), step: geoStepMax})
	return geoAreaCentre(a)
}

// geoEncodeScore returns the score (52-bit geohash) of a point that is
// inside the coordinate space.
func geoEncodeScore(long, lat float64) float64 {
	h, _ := geoEncode(geoLongRange, geoLatRange, long, lat, geoStepMax)
	return float64(geoAlign52(h))
}

// geoAlign52 shifts a hash of any step to 52 bits.
func geoAlign52(h geoHashBits) uint64 { return h.bits << (52 - uint(h.step)*2) }

// geoMoveX and geoMoveY step a hash one cell east/west or north/south,
// wrapping around (geohash_move_x, geohash_move_y).
func geoMoveX(h *geoHashBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.step)*2)
	if d > 0 {
		x = x + (zz + 1)
	} else {
		x = x | zz
		x = x - (zz + 1)
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.step)*2)
	h.bits = x | y
}

func geoMoveY(h *geoHashBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.step)*2)
	if d > 0 {
		y = y + (zz + 1)
	} else {
		y = y | zz
		y = y - (zz + 1)
	}
	y &= 0x5555555555555555 >> (64 - uint(h.step)*2)
	h.bits = x | y
}

// geoNeighbours holds a cell and its eight neighbours in the order Redis
// scans them: the cell itself, N, S, E, W, NE, NW, SE, SW.
type geoNeighbours [9]geoHashBits

const (
	geoN = 1 + iota
	geoS
	geoE
	geoW
	geoNE
	geoNW
	geoSE
	geoSW
)

func geoNeighboursOf(h geoHashBits) geoNeighbours {
	var n geoNeighbours
	moves := [9][2]int{{0, 0}, {0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}}
	for i, m := range moves {
		n[i] = h
		if i == 0 {
			continue
		}
		geoMoveX(&n[i], m[0])
		geoMoveY(&n[i], m[1])
	}
	return n
}

// geoStepsForRadius is geohashEstimateStepsByRadius.
func geoStepsForRadius(rangeM, lat float64) uint8 {
	if rangeM == 0 {
		return 26
	}
	step := 1
	for rangeM < geoMercatorMax {
		rangeM *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), 26))
}

// geoShape is a search area: a circle (radius) or a box (width, height),
// in the unit given by conversion (metres per unit), around (long, lat).
type geoShape struct {
	box           bool
	long, lat     float64
	radius        float64
	width, height float64
	conversion    float64
	bounds        [4]float64 // min long, min lat, max long, max lat
}

// geoBoundingBox is geohashBoundingBox.
func (s *geoShape) boundingBox() {
	height, width := s.conversion*s.radius, s.conversion*s.radius
	if s.box {
		height, width = s.conversion*(s.height/2), s.conversion*(s.width/2)
	}
	latDelta := geoRadDeg(height / geoEarthRadiusM)
	longDeltaTop := geoRadDeg(width / geoEarthRadiusM / geoCos(geoDegRad(s.lat+latDelta)))
	longDeltaBottom := geoRadDeg(width / geoEarthRadiusM / geoCos(geoDegRad(s.lat-latDelta)))
	if s.lat < 0 {
		s.bounds[0] = s.long - longDeltaBottom
		s.bounds[2] = s.long + longDeltaBottom
	} else {
		s.bounds[0] = s.long - longDeltaTop
		s.bounds[2] = s.long + longDeltaTop
	}
	s.bounds[1] = s.lat - latDelta
	s.bounds[3] = s.lat + latDelta
}

// geoSearchCells is geohashCalculateAreasByShapeWGS84: the cells to scan,
// zero hashes standing for neighbours that cannot hold a match.
func geoSearchCells(s *geoShape) geoNeighbours {
	s.boundingBox()
	minLong, minLat, maxLong, maxLat := s.bounds[0], s.bounds[1], s.bounds[2], s.bounds[3]
	radiusM := s.radius
	if s.box {
		radiusM = math.Sqrt((s.width/2)*(s.width/2) + (s.height/2)*(s.height/2))
	}
	radiusM *= s.conversion
	steps := geoStepsForRadius(radiusM, s.lat)
	hash, _ := geoEncode(geoLongRange, geoLatRange, s.long, s.lat, steps)
	n := geoNeighboursOf(hash)
	area, _ := geoDecode(geoLongRange, geoLatRange, hash)

	north, _ := geoDecode(geoLongRange, geoLatRange, n[geoN])
	south, _ := geoDecode(geoLongRange, geoLatRange, n[geoS])
	east, _ := geoDecode(geoLongRange, geoLatRange, n[geoE])
	west, _ := geoDecode(geoLongRange, geoLatRange, n[geoW])
	decrease := north.lat.max < maxLat || south.lat.min > minLat ||
		east.long.max < maxLong || west.long.min > minLong
	if steps > 1 && decrease {
		steps--
		hash, _ = geoEncode(geoLongRange, geoLatRange, s.long, s.lat, steps)
		n = geoNeighboursOf(hash)
		area, _ = geoDecode(geoLongRange, geoLatRange, hash)
	}
	if steps >= 2 {
		if area.lat.min < minLat {
			n[geoS], n[geoSW], n[geoSE] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.lat.max > maxLat {
			n[geoN], n[geoNE], n[geoNW] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.long.min < minLong {
			n[geoW], n[geoSW], n[geoNW] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
		if area.long.max > maxLong {
			n[geoE], n[geoSE], n[geoNE] = geoHashBits{}, geoHashBits{}, geoHashBits{}
		}
	}
	return n
}

// geoLatDistance is geohashGetLatDistance.
func geoLatDistance(lat1, lat2 float64) float64 {
	return geoEarthRadiusM * math.Abs(geoDegRad(lat2)-geoDegRad(lat1))
}

// geoDistance is geohashGetDistance: the haversine distance in metres.
func geoDistance(long1, lat1, long2, lat2 float64) float64 {
	long1r, long2r := geoDegRad(long1), geoDegRad(long2)
	v := geoSin((long2r - long1r) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r, lat2r := geoDegRad(lat1), geoDegRad(lat2)
	u := geoSin((lat2r - lat1r) / 2)
	// The float64 conversions keep every product rounded on its own, as
	// C does without FMA contraction.
	a := float64(u*u) + float64(float64(float64(geoCos(lat1r)*geoCos(lat2r))*v)*v)
	return 2.0 * geoEarthRadiusM * geoAsin(math.Sqrt(a))
}

// within reports whether the point is inside the shape, and its distance
// from the centre in metres (geoWithinShape).
func (s *geoShape) within(long, lat float64) (dist float64, ok bool) {
	if !s.box {
		d := geoDistance(s.long, s.lat, long, lat)
		return d, !(d > s.radius*s.conversion)
	}
	w, h := s.width*s.conversion, s.height*s.conversion
	if geoLatDistance(lat, s.lat) > h/2 {
		return 0, false
	}
	if geoDistance(long, lat, s.long, lat) > w/2 {
		return 0, false
	}
	return geoDistance(s.long, s.lat, long, lat), true
}

// geoHashString is GEOHASH's 11-character standard geohash of a score:
// decoded, re-encoded over latitude [-90, 90], the eleventh character
// always '0'.
func geoHashString(score float64) string {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	long, lat := geoDecodeScore(score)
	h, _ := geoEncode(geoRange{-180, 180}, geoRange{-90, 90}, long, lat, 26)
	var buf [11]byte
	for i := 0; i < 10; i++ {
		buf[i] = alphabet[(h.bits>>(52-uint(i+1)*5))&0x1f]
	}
	buf[10] = alphabet[0]
	return string(buf[:])
}

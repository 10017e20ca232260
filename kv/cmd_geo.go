package kv

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// GEO commands, as Redis 7.0's geo.c: points live in a sorted set whose
// scores are 52-bit geohashes (geohash.go). GEOADD is ZADD with encoded
// scores; the searches (GEOSEARCH, GEOSEARCHSTORE, GEORADIUS[_RO],
// GEORADIUSBYMEMBER[_RO]) share georadiusGeneric's argument parsing, error
// order, neighbour scan and result order: cells in Redis's order, members
// in score order within a cell, then a sort by distance when asked: stable
// as glibc's qsort, or Redis's partial quicksort (pqsort.go) when COUNT
// cuts the result.

// Error texts of the GEO family (addReplyError adds "ERR ").
const (
	errGeoUnit          = "ERR unsupported unit provided. please use M, KM, FT, MI"
	errGeoRadiusNum     = "ERR need numeric radius"
	errGeoRadiusNeg     = "ERR radius cannot be negative"
	errGeoWidthNum      = "ERR need numeric width"
	errGeoHeightNum     = "ERR need numeric height"
	errGeoBoxNeg        = "ERR height or width cannot be negative"
	errGeoMember        = "ERR could not decode requested zset member"
	errGeoCount         = "ERR COUNT must be > 0"
	errGeoAnyNeedsCount = "ERR the ANY argument requires COUNT argument"
)

// Search flags (georadiusGeneric's).
const (
	geoFromCoords  = 1 << iota // GEORADIUS: centre from arguments
	geoFromMember              // GEORADIUSBYMEMBER: centre from a member
	geoNoStore                 // the _RO variants: no STORE/STOREDIST
	geoSearch                  // GEOSEARCH syntax
	geoSearchStore             // GEOSEARCHSTORE
)

func geoCommands() []*Spec {
	spec := func(name string, arity int, flags Flags, first, last int, since, summary string, run func(*Ctx)) *Spec {
		return &Spec{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: 1,
			Group: "geo", Since: since, Summary: summary, Run: run}
	}
	const (
		w  = FlagWrite | FlagDenyOOM
		ro = FlagReadOnly
	)
	return []*Spec{
		spec("geoadd", -5, w, 1, 1, "3.2.0", "Add one or more geospatial items in the geospatial index represented using a sorted set", runGeoAdd),
		spec("geodist", -4, ro, 1, 1, "3.2.0", "Returns the distance between two members of a geospatial index", runGeoDist),
		spec("geohash", -2, ro, 1, 1, "3.2.0", "Returns members of a geospatial index as standard geohash strings", runGeoHash),
		spec("geopos", -2, ro, 1, 1, "3.2.0", "Returns longitude and latitude of members of a geospatial index", runGeoPos),
		withStoreKeys(6, spec("georadius", -6, w, 1, 1, "3.2.0", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
			func(c *Ctx) { geoSearchGeneric(c, 1, geoFromCoords) })),
		spec("georadius_ro", -6, ro, 1, 1, "3.2.10", "A read-only variant for GEORADIUS",
			func(c *Ctx) { geoSearchGeneric(c, 1, geoFromCoords|geoNoStore) }),
		withStoreKeys(5, spec("georadiusbymember", -5, w, 1, 1, "3.2.0", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
			func(c *Ctx) { geoSearchGeneric(c, 1, geoFromMember) })),
		spec("georadiusbymember_ro", -5, ro, 1, 1, "3.2.10", "A read-only variant for GEORADIUSBYMEMBER",
			func(c *Ctx) { geoSearchGeneric(c, 1, geoFromMember|geoNoStore) }),
		spec("geosearch", -7, ro, 1, 1, "6.2.0", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
			func(c *Ctx) { geoSearchGeneric(c, 1, geoSearch) }),
		spec("geosearchstore", -8, w, 1, 2, "6.2.0", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
			func(c *Ctx) { geoSearchGeneric(c, 2, geoSearch|geoSearchStore) }),
	}
}

// withStoreKeys gives a GEORADIUS command Redis's key specs: the source
// key, then the key after the first STORE and the first STOREDIST found
// from argument start on.
func withStoreKeys(start int, s *Spec) *Spec {
	s.KeysFunc = func(args [][]byte) [][]byte {
		keys := [][]byte{args[1]}
		for _, kw := range []string{"STORE", "STOREDIST"} {
			for i := start; i+1 < len(args); i++ {
				if cstrEq(args[i], kw) {
					keys = append(keys, args[i+1])
					break
				}
			}
		}
		return keys
	}
	return s
}

// geoArgLongLat parses a longitude and a latitude at args[i], args[i+1].
func geoArgLongLat(c *Ctx, i int) (long, lat float64, ok bool) {
	if long, ok = c.ArgFloat(i); !ok {
		return 0, 0, false
	}
	if lat, ok = c.ArgFloat(i + 1); !ok {
		return 0, 0, false
	}
	if long < geoLongMin || long > geoLongMax || lat < geoLatMin || lat > geoLatMax {
		c.W.Error("ERR invalid longitude,latitude pair " + cFormatF(long) + "," + cFormatF(lat))
		return 0, 0, false
	}
	return long, lat, true
}

// cFormatF is C's printf("%f").
func cFormatF(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoUnit returns the metres per unit of a unit name, writing the error
// reply for an unknown one.
func geoUnit(c *Ctx, b []byte) (float64, bool) {
	switch {
	case cstrEq(b, "M"):
		return 1, true
	case cstrEq(b, "KM"):
		return 1000, true
	case cstrEq(b, "FT"):
		return 0.3048, true
	case cstrEq(b, "MI"):
		return 1609.34, true
	}
	c.W.Error(errGeoUnit)
	return 0, false
}

// geoArgFloat parses args[i] as a float, replying msg when it is not one.
func geoArgFloat(c *Ctx, i int, msg string) (float64, bool) {
	v, ok := ParseFloat(c.Args[i])
	if !ok {
		c.W.Error(msg)
	}
	return v, ok
}

// geoArgDistance parses "radius unit" at args[i].
func geoArgDistance(c *Ctx, i int, s *geoShape) bool {
	r, ok := geoArgFloat(c, i, errGeoRadiusNum)
	if !ok {
		return false
	}
	if r < 0 {
		c.W.Error(errGeoRadiusNeg)
		return false
	}
	s.radius = r
	conv, ok := geoUnit(c, c.Args[i+1])
	if !ok {
		return false
	}
	s.conversion = conv
	return true
}

// geoArgBox parses "width height unit" at args[i].
func geoArgBox(c *Ctx, i int, s *geoShape) bool {
	w, ok := geoArgFloat(c, i, errGeoWidthNum)
	if !ok {
		return false
	}
	h, ok := geoArgFloat(c, i+1, errGeoHeightNum)
	if !ok {
		return false
	}
	if h < 0 || w < 0 {
		c.W.Error(errGeoBoxNeg)
		return false
	}
	s.width, s.height = w, h
	conv, ok := geoUnit(c, c.Args[i+2])
	if !ok {
		return false
	}
	s.conversion = conv
	return true
}

// runGeoAdd is GEOADD key [NX|XX] [CH] long lat member ...: ZADD with the
// points' geohashes as scores.
func runGeoAdd(c *Ctx) {
	longIdx := 2
	xx, nx := false, false
	for ; longIdx < len(c.Args); longIdx++ {
		a := c.Args[longIdx]
		switch {
		case EqualFold(a, "NX"):
			nx = true
		case EqualFold(a, "XX"):
			xx = true
		case EqualFold(a, "CH"):
		default:
			goto parsed
		}
	}
parsed:
	if (len(c.Args)-longIdx)%3 != 0 || (xx && nx) {
		c.W.Error(ErrSyntax)
		return
	}
	elements := (len(c.Args) - longIdx) / 3
	args := make([][]byte, 0, longIdx+2*elements)
	args = append(args, []byte("zadd"))
	args = append(args, c.Args[1:longIdx]...)
	for i := 0; i < elements; i++ {
		long, lat, ok := geoArgLongLat(c, longIdx+3*i)
		if !ok {
			return
		}
		score := strconv.AppendFloat(nil, geoEncodeScore(long, lat), 'f', 0, 64)
		args = append(args, score, c.Args[longIdx+3*i+2])
	}
	c.Args = args
	zaddGeneric(c, 0)
}

// geoScoreOf returns member's score in the sorted set at e (nil e: absent).
func geoScoreOf(e *entry, member []byte) (float64, bool) {
	if e == nil {
		return 0, false
	}
	return e.obj.(*ZSet).score(member)
}

func runGeoDist(c *Ctx) {
	toMeter := 1.0
	if len(c.Args) == 5 {
		var ok bool
		if toMeter, ok = geoUnit(c, c.Args[4]); !ok {
			return
		}
	} else if len(c.Args) > 5 {
		c.W.Error(ErrSyntax)
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		c.W.Null()
		return
	}
	s1, ok1 := geoScoreOf(e, c.Args[2])
	s2, ok2 := geoScoreOf(e, c.Args[3])
	if !ok1 || !ok2 {
		c.W.Null()
		return
	}
	long1, lat1 := geoDecodeScore(s1)
	long2, lat2 := geoDecodeScore(s2)
	c.W.Bulk(appendGeoDistance(nil, geoDistance(long1, lat1, long2, lat2)/toMeter))
}

func runGeoHash(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeZSet)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		s, found := geoScoreOf(e, m)
		if !found {
			c.W.Null()
			continue
		}
		c.W.BulkString(geoHashString(s))
	}
}

func runGeoPos(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeZSet)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		s, found := geoScoreOf(e, m)
		if !found {
			c.W.NullArray()
			continue
		}
		long, lat := geoDecodeScore(s)
		c.W.Array(2)
		writeGeoCoord(c.W, long)
		writeGeoCoord(c.W, lat)
	}
}

// writeGeoCoord writes a coordinate as Redis's addReplyHumanLongDouble:
// "%.17Lf" without trailing zeros, a bulk string in RESP2, a double in RESP3.
func writeGeoCoord(w *Writer, f float64) {
	s := strconv.FormatFloat(f, 'f', 17, 64)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	if w.Proto == 3 {
		w.Raw([]byte("," + s + "\r\n"))
		return
	}
	w.BulkString(s)
}

// appendGeoDistance renders a distance with four decimals, as Redis's
// fixedpoint_d2string(d, 4): rounded half to even on d*10000.
func appendGeoDistance(dst []byte, d float64) []byte {
	if d == 0 {
		return append(dst, "0.0000"...)
	}
	v := math.RoundToEven(d * 10000)
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	u := uint64(v)
	dst = strconv.AppendUint(dst, u/10000, 10)
	frac := u % 10000
	return append(dst, '.', byte('0'+frac/1000), byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
}

// geoPoint is one search result.
type geoPoint struct {
	long, lat, dist, score float64
	member                 string
}

// geoSearchGeneric is georadiusGeneric: srcIdx is the source key's argument.
func geoSearchGeneric(c *Ctx, srcIdx int, flags int) {
	e, ok := c.LookupType(c.Args[srcIdx], TypeZSet)
	if !ok {
		return
	}
	var z *ZSet
	if e != nil {
		z = e.obj.(*ZSet)
	}
	var shape geoShape
	var storeKey []byte
	hasStore, storeDist := false, false
	var baseArgs int
	switch {
	case flags&geoFromCoords != 0:
		baseArgs = 6
		var ok bool
		if shape.long, shape.lat, ok = geoArgLongLat(c, 2); !ok {
			return
		}
		if !geoArgDistance(c, baseArgs-2, &shape) {
			return
		}
	case flags&geoFromMember != 0 && z == nil:
		baseArgs = 5 // no key: parse the options to pick the reply
	case flags&geoFromMember != 0:
		baseArgs = 5
		s, found := z.score(c.Args[2])
		if !found {
			c.W.Error(errGeoMember)
			return
		}
		shape.long, shape.lat = geoDecodeScore(s)
		if !geoArgDistance(c, baseArgs-2, &shape) {
			return
		}
	default: // geoSearch
		baseArgs = 2
		if flags&geoSearchStore != 0 {
			baseArgs = 3
			storeKey, hasStore = c.Args[1], true
		}
	}
	var withDist, withHash, withCoord, any bool
	var fromMember, fromLoc, byRadius, byBox bool
	sortDir := 0 // 0 none, 1 asc, 2 desc
	var count int64
	remaining := len(c.Args) - baseArgs
	for i := 0; i < remaining; i++ {
		j := baseArgs + i
		arg := c.Args[j]
		switch {
		case cstrEq(arg, "WITHDIST"):
			withDist = true
		case cstrEq(arg, "WITHHASH"):
			withHash = true
		case cstrEq(arg, "WITHCOORD"):
			withCoord = true
		case cstrEq(arg, "ANY"):
			any = true
		case cstrEq(arg, "ASC"):
			sortDir = 1
		case cstrEq(arg, "DESC"):
			sortDir = 2
		case cstrEq(arg, "COUNT") && i+1 < remaining:
			v, ok := c.ArgInt(j + 1)
			if !ok {
				return
			}
			if v <= 0 {
				c.W.Error(errGeoCount)
				return
			}
			count = v
			i++
		case (cstrEq(arg, "STORE") || cstrEq(arg, "STOREDIST")) && i+1 < remaining &&
			flags&(geoNoStore|geoSearch) == 0:
			storeKey, hasStore = c.Args[j+1], true
			storeDist = cstrEq(arg, "STOREDIST")
			i++
		case cstrEq(arg, "STOREDIST") && flags&geoSearch != 0 && flags&geoSearchStore != 0:
			storeDist = true
		case cstrEq(arg, "FROMMEMBER") && i+1 < remaining && flags&geoSearch != 0 && !fromLoc:
			if z != nil {
				s, found := z.score(c.Args[j+1])
				if !found {
					c.W.Error(errGeoMember)
					return
				}
				shape.long, shape.lat = geoDecodeScore(s)
			}
			fromMember = true
			i++
		case cstrEq(arg, "FROMLONLAT") && i+2 < remaining && flags&geoSearch != 0 && !fromMember:
			var ok bool
			if shape.long, shape.lat, ok = geoArgLongLat(c, j+1); !ok {
				return
			}
			fromLoc = true
			i += 2
		case cstrEq(arg, "BYRADIUS") && i+2 < remaining && flags&geoSearch != 0 && !byBox:
			if !geoArgDistance(c, j+1, &shape) {
				return
			}
			shape.box = false
			byRadius = true
			i += 2
		case cstrEq(arg, "BYBOX") && i+3 < remaining && flags&geoSearch != 0 && !byRadius:
			if !geoArgBox(c, j+1, &shape) {
				return
			}
			shape.box = true
			byBox = true
			i += 3
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	if hasStore && (withDist || withHash || withCoord) {
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		c.W.Error("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		return
	}
	if flags&geoSearch != 0 && !fromMember && !fromLoc {
		c.W.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + sanitize(c.Args[0]))
		return
	}
	if flags&geoSearch != 0 && !byRadius && !byBox {
		c.W.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + sanitize(c.Args[0]))
		return
	}
	if any && count == 0 {
		c.W.Error(errGeoAnyNeedsCount)
		return
	}
	if z == nil {
		if hasStore {
			if c.Delete(storeKey) {
				c.Notify(NotifyGeneric, "del", storeKey)
			}
			c.W.Int(0)
		} else {
			c.W.Array(0)
		}
		return
	}
	if count != 0 && sortDir == 0 && !any {
		sortDir = 1
	}
	limit := 0
	if any {
		limit = int(min(count, math.MaxInt32))
	}
	points := geoCollect(z, &shape, limit)
	if len(points) == 0 && !hasStore {
		c.W.Array(0)
		return
	}
	returned := len(points)
	if count != 0 && int64(returned) > count {
		returned = int(count)
	}
	if sortDir != 0 {
		cmp := func(a, b *geoPoint) int { // sort_gp_asc, negated for DESC
			r := -1
			switch {
			case a.dist > b.dist:
				r = 1
			case a.dist == b.dist:
				r = 0
			}
			if sortDir == 2 {
				r = -r
			}
			return r
		}
		if returned == len(points) {
			sort.SliceStable(points, func(i, j int) bool { return cmp(&points[i], &points[j]) < 0 })
		} else {
			pqsort(points, cmp, 0, returned-1)
		}
	}
	points = points[:returned]
	for i := range points {
		points[i].dist /= shape.conversion
	}
	if hasStore {
		geoStore(c, storeKey, points, storeDist)
		c.W.Int(int64(returned))
		return
	}
	options := 0
	for _, b := range []bool{withDist, withCoord, withHash} {
		if b {
			options++
		}
	}
	c.W.Array(returned)
	for _, p := range points {
		if options > 0 {
			c.W.Array(options + 1)
		}
		c.W.BulkString(p.member)
		if withDist {
			c.W.Bulk(appendGeoDistance(nil, p.dist))
		}
		if withHash {
			c.W.Int(int64(geoScoreBits(p.score)))
		}
		if withCoord {
			c.W.Array(2)
			writeGeoCoord(c.W, p.long)
			writeGeoCoord(c.W, p.lat)
		}
	}
}

// geoCollect scans the cells of the search area (membersOfAllNeighbors);
// limit > 0 (ANY) stops once that many points were found.
func geoCollect(z *ZSet, shape *geoShape, limit int) []geoPoint {
	cells := geoSearchCells(shape)
	var points []geoPoint
	last := 0
	for i, h := range cells {
		if h.isZero() {
			continue
		}
		// Huge radii can make neighbours coincide: skip a cell equal to
		// the one scanned last.
		// As in Redis, the centre cell (index 0) is never compared.
		if last > 0 && h == cells[last] {
			continue
		}
		if limit > 0 && len(points) >= limit {
			break
		}
		lo := float64(geoAlign52(h))
		h.bits++
		hi := float64(geoAlign52(h))
		r := zrangeSpec{min: lo, max: hi, maxex: true}
		for x := z.zsl.firstInRange(&r); x != 0 && r.lteMax(z.scoreOf(x)); x = z.next(x) {
			long, lat := geoDecodeScore(z.scoreOf(x))
			if d, in := shape.within(long, lat); in {
				points = append(points, geoPoint{long: long, lat: lat, dist: d, score: z.scoreOf(x), member: z.memberOf(x)})
			}
			if limit > 0 && len(points) >= limit {
				break
			}
		}
		last = i
	}
	return points
}

// geoStore writes the results of a STORE/STOREDIST search as a sorted set
// (or deletes the key when there are none).
func geoStore(c *Ctx, key []byte, points []geoPoint, storeDist bool) {
	if len(points) == 0 {
		if c.Delete(key) {
			c.Notify(NotifyGeneric, "del", key)
		}
		return
	}
	elems := make([]zsetElem, 0, len(points))
	seen := make(map[string]bool, len(points))
	maxLen := 0
	for _, p := range points {
		if seen[p.member] {
			continue // cells that overlap at huge radii (Redis would assert)
		}
		seen[p.member] = true
		s := p.score
		if storeDist {
			s = p.dist
		}
		elems = append(elems, zsetElem{member: p.member, score: s})
		maxLen = max(maxLen, len(p.member))
	}
	sort.Slice(elems, func(i, j int) bool {
		if elems[i].score != elems[j].score {
			return elems[i].score < elems[j].score
		}
		return elems[i].member < elems[j].member
	})
	storeValue(c, key, zsetFromSorted(elems, zsetFitsListpack(len(elems), maxLen, c.lim())))
	event := "georadiusstore"
	if c.Name() == "geosearchstore" {
		event = "geosearchstore"
	}
	c.Notify(NotifyZset, event, key)
}

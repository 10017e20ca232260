package kv

// pqsort is Redis's partial quicksort (pqsort.c, itself the BSD qsort of
// Bentley and McIlroy with ranges that cannot reach [lrange, rrange] left
// unsorted): SORT ... BY pattern LIMIT and the GEO searches whose COUNT cuts
// the result use it instead of qsort. It is not stable, so the order it
// leaves equal elements in is a property of the algorithm; this is the same
// algorithm, step for step (pivot choice, three-way partition, insertion
// sort below seven elements, recursion on the left part and iteration on
// the right), so equal elements come out where Redis puts them.
//
// After the call, a[lrange..rrange] hold the elements a full sort would put
// there, in order.
func pqsort[T any](a []T, cmp func(x, y *T) int, lrange, rrange int) {
	pqsortPart(a, 0, len(a), cmp, lrange, rrange)
}

func pqsortPart[T any](a []T, lo, n int, cmp func(x, y *T) int, lrange, rrange int) {
	c := func(i, j int) int { return cmp(&a[i], &a[j]) }
	swap := func(i, j int) { a[i], a[j] = a[j], a[i] }
	vecswap := func(i, j, k int) {
		for ; k > 0; k-- {
			swap(i, j)
			i++
			j++
		}
	}
	med3 := func(x, y, z int) int {
		if c(x, y) < 0 {
			if c(y, z) < 0 {
				return y
			}
			if c(x, z) < 0 {
				return z
			}
			return x
		}
		if c(y, z) > 0 {
			return y
		}
		if c(x, z) < 0 {
			return x
		}
		return z
	}
	for {
		if n < 7 {
			for pm := lo + 1; pm < lo+n; pm++ {
				for pl := pm; pl > lo && c(pl-1, pl) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := lo + n/2
		if n > 7 {
			pl, pn := lo, lo+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(lo, pm)
		pa, pb := lo+1, lo+1
		pc, pd := lo+n-1, lo+n-1
		for {
			for pb <= pc {
				r := c(pb, lo)
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := c(pc, lo)
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := lo + n
		r := min(pa-lo, pb-pa)
		vecswap(lo, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		// Recurse into the left part and loop on the right one, each only
		// when it overlaps the wanted range.
		if r = pb - pa; r > 1 && !(rrange < lo || lrange > lo+r-1) {
			pqsortPart(a, lo, r, cmp, lrange, rrange)
		}
		r = pd - pc
		if r <= 1 {
			return
		}
		lo, n = pn-r, r
		if rrange < lo || lrange > lo+r-1 {
			return
		}
	}
}

package kv

import "math"

// Correctly rounded sin, cos and asin for the geo distance.
//
// Redis computes distances with glibc's sin, cos and asin, which return the
// correctly rounded result for practically every argument. Go's math
// package is accurate to about one ulp only, and differs from glibc on a
// sixth to a third of the arguments: enough to change the last digit of a
// distance that GEOSEARCHSTORE ... STOREDIST stores as a score. These
// functions evaluate in double-double arithmetic (about 106 bits) and round
// once, so they return what glibc returns. They are meant for the
// arguments the geo code passes (angles of a few radians); beyond
// geoTrigArgMax they fall back to the math package.

// geoTrigArgMax bounds the arguments reduced in double-double: past it the
// three-part π/2 no longer gives a reduction accurate to 106 bits.
const geoTrigArgMax = 1 << 20

// dd is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

func quickTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return s, e
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func (a dd) neg() dd { return dd{-a.hi, -a.lo} }

func ddAdd(a, b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	t, f := twoSum(a.lo, b.lo)
	e += t
	s, e = quickTwoSum(s, e)
	e += f
	s, e = quickTwoSum(s, e)
	return dd{s, e}
}

func ddMul(a, b dd) dd {
	p := twoProd(a.hi, b.hi)
	p.lo += a.hi*b.lo + a.lo*b.hi
	s, e := quickTwoSum(p.hi, p.lo)
	return dd{s, e}
}

func ddDivF(a dd, b float64) dd {
	q1 := a.hi / b
	p := twoProd(q1, b)
	rem := ((a.hi - p.hi) - p.lo) + a.lo
	s, e := quickTwoSum(q1, rem/b)
	return dd{s, e}
}

// π/2 in three parts (the first two exact doubles), for argument reduction.
const (
	pio2a = 1.5707963267948966
	pio2b = 6.123233995736766e-17
	pio2c = -1.4973849048591698e-33
)

// ddSinCoeffs and ddCosCoeffs are the Taylor coefficients (-1)^k/(2k+1)!
// and (-1)^k/(2k)! for k = 0..ddTaylorTerms-1.
const ddTaylorTerms = 15

var ddSinCoeffs, ddCosCoeffs = func() (s, c [ddTaylorTerms]dd) {
	f := dd{1, 0} // 1/n!
	for n := 0; n < 2*ddTaylorTerms; n++ {
		if n > 0 {
			f = ddDivF(f, float64(n))
		}
		v := f
		if (n/2)%2 == 1 {
			v = v.neg()
		}
		if n%2 == 0 {
			c[n/2] = v
		} else {
			s[n/2] = v
		}
	}
	return s, c
}()

// ddSinCos returns sin(x) and cos(x) in double-double for |x.hi| <= geoTrigArgMax.
func ddSinCos(x dd) (sin, cos dd) {
	k := math.RoundToEven(x.hi / pio2a)
	r := ddAdd(x, twoProd(k, pio2a).neg())
	r = ddAdd(r, twoProd(k, pio2b).neg())
	r = ddAdd(r, dd{-k * pio2c, 0})
	r2 := ddMul(r, r)
	s, c := ddSinCoeffs[ddTaylorTerms-1], ddCosCoeffs[ddTaylorTerms-1]
	for i := ddTaylorTerms - 2; i >= 0; i-- {
		s = ddAdd(ddSinCoeffs[i], ddMul(r2, s))
		c = ddAdd(ddCosCoeffs[i], ddMul(r2, c))
	}
	s = ddMul(r, s)
	switch int64(k) & 3 {
	case 0:
		return s, c
	case 1:
		return c, s.neg()
	case 2:
		return s.neg(), c.neg()
	}
	return c.neg(), s
}

func geoSin(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.Abs(x) > geoTrigArgMax {
		return math.Sin(x)
	}
	s, _ := ddSinCos(dd{x, 0})
	return s.hi + s.lo
}

func geoCos(x float64) float64 {
	if math.IsNaN(x) || math.Abs(x) > geoTrigArgMax {
		return math.Cos(x)
	}
	_, c := ddSinCos(dd{x, 0})
	return c.hi + c.lo
}

// geoAsin refines math.Asin by Newton steps on sin in double-double.
func geoAsin(y float64) float64 {
	switch {
	case math.IsNaN(y) || y > 1 || y < -1 || y == 0:
		return math.Asin(y)
	case y == 1:
		return pio2a
	case y == -1:
		return -pio2a
	}
	z := dd{math.Asin(y), 0}
	for range 2 {
		s, c := ddSinCos(z)
		num := ddAdd(dd{y, 0}, s.neg())
		z = ddAdd(z, dd{num.hi / c.hi, 0})
	}
	return z.hi + z.lo
}

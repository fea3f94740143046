package anomaly

import "math"

// exactMedian is the largest slice whose median is computed from every value; the median of a
// larger one is that of an evenly strided sample of about this many values, which keeps a
// window of 10,000 points fast and is as good an estimate for a baseline.
const exactMedian = 1023

// median returns the median of a, reordering a in place (deterministic quickselect with a
// median-of-three pivot). a must not be empty.
func median(a []float64) float64 {
	if len(a) > exactMedian {
		stride := (len(a) + exactMedian - 1) / exactMedian
		m := 0
		for i := 0; i < len(a); i += stride {
			a[m] = a[i]
			m++
		}
		a = a[:m]
	}
	n := len(a)
	if n%2 == 1 {
		return selectK(a, n/2)
	}
	hi := selectK(a, n/2)
	// The lower middle is the largest value left of n/2 after selection.
	lo := a[0]
	for _, v := range a[1 : n/2] {
		if v > lo {
			lo = v
		}
	}
	return (lo + hi) / 2
}

// selectK puts the k-th smallest value of a at a[k], smaller or equal values left of it and
// greater or equal values right of it, and returns it.
func selectK(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		// Median of three as the pivot, moved to a[hi].
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[mid] < a[hi] {
			a[mid], a[hi] = a[hi], a[mid]
		}
		pivot := a[hi]
		i, j := lo, hi-1
		for {
			for i < hi && a[i] < pivot {
				i++
			}
			for j > lo && a[j] > pivot {
				j--
			}
			if i >= j {
				break
			}
			a[i], a[j] = a[j], a[i]
			i++
			j--
		}
		a[i], a[hi] = a[hi], a[i]
		switch {
		case i == k:
			return a[k]
		case i < k:
			lo = i + 1
		default:
			hi = i - 1
		}
	}
	return a[k]
}

// mad returns 1.4826 times the median absolute deviation of a from centre, which estimates a
// normal distribution's standard deviation. It overwrites tmp[:len(a)].
func mad(a []float64, centre float64, tmp []float64) float64 {
	tmp = tmp[:len(a)]
	for i, v := range a {
		tmp[i] = math.Abs(v - centre)
	}
	return 1.4826 * median(tmp)
}

// meanAbsDev returns the mean absolute deviation of a from centre.
func meanAbsDev(a []float64, centre float64) float64 {
	var sum float64
	for _, v := range a {
		sum += math.Abs(v - centre)
	}
	return sum / float64(len(a))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

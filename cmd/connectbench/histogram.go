package main

import (
	"math"
	"math/bits"
	"time"
)

// histogram counts latencies in microseconds in logarithmic buckets: values below 64 µs exactly, larger ones
// in 64 buckets per power of two, so a quantile is within 1/64 (1.6 %) of the true value. It holds any number
// of samples in 30 KB; the zero value is ready. It is not safe for concurrent use.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	max    int64 // largest value recorded, µs
}

const (
	subBits     = 6
	subBuckets  = 1 << subBits
	histBuckets = subBuckets + (63-subBits)*subBuckets
)

// bucketOf is the bucket of a value in µs (negative values, a clock step, count as 0).
func bucketOf(us int64) int {
	if us < subBuckets {
		return int(max(us, 0))
	}
	shift := bits.Len64(uint64(us)) - subBits - 1
	return subBuckets + shift*subBuckets + int(uint64(us)>>shift) - subBuckets
}

// bucketMax is the largest value, in µs, bucket i holds.
func bucketMax(i int) int64 {
	if i < subBuckets {
		return int64(i)
	}
	shift := (i - subBuckets) / subBuckets
	sub := (i - subBuckets) % subBuckets
	return int64(subBuckets+sub+1)<<shift - 1
}

func (h *histogram) record(d time.Duration) {
	us := d.Microseconds()
	h.counts[bucketOf(us)]++
	h.n++
	h.max = max(h.max, us)
}

// quantile is the smallest value at least a fraction q of the samples do not exceed, rounded up to its
// bucket's upper bound (never beyond the largest sample); 0 without samples.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(bucketMax(i), h.max)) * time.Microsecond
		}
	}
	return time.Duration(h.max) * time.Microsecond
}

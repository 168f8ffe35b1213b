package budget

import (
	"fmt"
	"math"
	"time"
)

// maxBuckets bounds the memory a window may take: 16 bytes a bucket.
const maxBuckets = 1000

// micro is the fixed-point scale of shares and tokens: ten calls at a
// share of 0.1 pay for exactly one retry, which float64 sums do not
// promise.
const micro = 1_000_000

// toMicro converts x to millionths, rounding to the nearest.
func toMicro(x float64) int64 { return int64(math.Round(x * micro)) }

// share checks a fraction of traffic named name: zero means def, and
// anything else must be in (0, 1].
func share(name string, v, def float64) (float64, error) {
	if v == 0 {
		return def, nil
	}
	if !(v > 0 && v <= 1) { // also rejects NaN
		return 0, fmt.Errorf("budget: %s %v is not in (0, 1]", name, v)
	}
	return v, nil
}

// maxCount bounds counts given in settings (Burst, MinPerSecond·Window)
// so that they cannot overflow once scaled by micro.
const maxCount = 1e9

// reserve turns MinPerSecond into a number of retries per window: zero
// means def per second, a negative value means none.
func reserve(perSecond, def float64, span time.Duration) (float64, error) {
	switch {
	case math.IsNaN(perSecond) || math.IsInf(perSecond, 0):
		return 0, fmt.Errorf("budget: MinPerSecond %v is not a finite number", perSecond)
	case perSecond == 0:
		perSecond = def
	case perSecond < 0:
		return 0, nil
	}
	n := perSecond * span.Seconds()
	if n > maxCount {
		return 0, fmt.Errorf("budget: MinPerSecond %v is more than %v retries per Window %v", perSecond, maxCount, span)
	}
	return n, nil
}

// span checks Window and Buckets, zero meaning defSpan and defBuckets.
func span(window time.Duration, buckets int, defSpan time.Duration, defBuckets int) (time.Duration, int, error) {
	if window == 0 {
		window = defSpan
	}
	if buckets == 0 {
		buckets = defBuckets
	}
	switch {
	case window < 0:
		return 0, 0, fmt.Errorf("budget: Window %v is negative", window)
	case buckets < 1 || buckets > maxBuckets:
		return 0, 0, fmt.Errorf("budget: Buckets %d is not in [1, %d]", buckets, maxBuckets)
	case window < time.Duration(buckets):
		return 0, 0, fmt.Errorf("budget: Window %v is too short for %d Buckets", window, buckets)
	}
	return window, buckets, nil
}

// clock returns now, or time.Now when now is nil.
func clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// count checks a count named name: zero means def, and anything else
// must be in [1, maxCount].
func count(name string, v, def int) (int, error) {
	if v == 0 {
		return def, nil
	}
	if v < 0 || v > maxCount {
		return 0, fmt.Errorf("budget: %s %d is not in [1, %v]", name, v, maxCount)
	}
	return v, nil
}

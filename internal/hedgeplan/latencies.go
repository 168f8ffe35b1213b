package hedgeplan

import (
	"math"
	"sync"
	"time"
)

// The histogram's buckets grow by 2^(1/8) (9 %) from 10 µs: 200 buckets
// reach about 5 minutes (longer latencies land in the last one), and any
// percentile below that is known to within 9 %.
const (
	nBuckets    = 200
	bucketBase  = 10 * time.Microsecond
	bucketsPer2 = 8
)

// defaultWindow is how many latencies a Latencies weighs fully before the
// older half starts to fade.
const defaultWindow = 1000

// Latencies tracks a host's recent latencies in bounded memory, for an
// adaptive hedge delay: two histograms,
// the current and the previous window, so old latencies fade out in
// steps as new ones come. Its zero value is ready, with a Window of 1000.
// It is safe for concurrent use.
type Latencies struct {
	Window int // latencies per window; 0 means 1000

	mu        sync.Mutex
	cur, prev [nBuckets]uint32
	curN      int
	prevN     int
}

// Observe records one latency.
func (l *Latencies) Observe(d time.Duration) {
	i := bucketOf(d)
	l.mu.Lock()
	window := l.Window
	if window <= 0 {
		window = defaultWindow
	}
	if l.curN >= window {
		l.prev, l.prevN = l.cur, l.curN
		l.cur, l.curN = [nBuckets]uint32{}, 0
	}
	l.cur[i]++
	l.curN++
	l.mu.Unlock()
}

// Quantile returns the q-quantile (0 < q < 1) of the recent latencies,
// the upper edge of its bucket, once at least minSamples are known.
func (l *Latencies) Quantile(q float64, minSamples int) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.curN + l.prevN
	if n == 0 || n < minSamples {
		return 0, false
	}
	rank := uint32(math.Ceil(q * float64(n)))
	var seen uint32
	for i := range nBuckets {
		seen += l.cur[i] + l.prev[i]
		if seen >= rank {
			return bucketUpper(i), true
		}
	}
	return bucketUpper(nBuckets - 1), true
}

func bucketOf(d time.Duration) int {
	if d <= bucketBase {
		return 0
	}
	i := int(math.Ceil(math.Log2(float64(d)/float64(bucketBase)) * bucketsPer2))
	return min(max(i, 0), nBuckets-1)
}

// bucketUpper is the largest latency bucket i holds.
func bucketUpper(i int) time.Duration {
	return time.Duration(float64(bucketBase) * math.Exp2(float64(i)/bucketsPer2))
}

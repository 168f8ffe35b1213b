package hedgeplan

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rebound-go/rebound/hedge"
)

func TestQuantileFollowsLatencies(t *testing.T) {
	var l Latencies
	if _, ok := l.Quantile(0.95, 1); ok {
		t.Fatal("a quantile from no data")
	}
	// 95 fast answers (1 ms) and 5 slow ones (200 ms).
	for i := range 100 {
		d := time.Millisecond
		if i%20 == 0 {
			d = 200 * time.Millisecond
		}
		l.Observe(d)
	}
	check := func(q float64, want time.Duration) {
		t.Helper()
		got, ok := l.Quantile(q, 20)
		if !ok || got < want || float64(got) > float64(want)*1.1 {
			t.Errorf("q%v = %v, want %v within 10 %%", q, got, want)
		}
	}
	check(0.5, time.Millisecond)
	check(0.95, time.Millisecond)
	check(0.99, 200*time.Millisecond)
	if _, ok := l.Quantile(0.5, 101); ok {
		t.Error("trusted before MinSamples")
	}
}

func TestLatenciesFadeOut(t *testing.T) {
	l := Latencies{Window: 10}
	for range 10 {
		l.Observe(100 * time.Millisecond)
	}
	// Two windows of fast answers push the slow ones out entirely.
	for range 20 {
		l.Observe(time.Millisecond)
	}
	if got, _ := l.Quantile(0.99, 1); got > 2*time.Millisecond {
		t.Fatalf("p99 %v still remembers the slow window", got)
	}
}

func TestBuckets(t *testing.T) {
	for _, d := range []time.Duration{0, time.Microsecond, 15 * time.Microsecond, time.Millisecond, time.Second, time.Hour, math.MaxInt64} {
		i := bucketOf(d)
		if i < 0 || i >= nBuckets {
			t.Fatalf("bucket %d for %v", i, d)
		}
		if d > bucketBase && d < 5*time.Minute && (bucketUpper(i) < d || float64(bucketUpper(i)) > float64(d)*1.1) {
			t.Errorf("%v lands in bucket %d with upper edge %v", d, i, bucketUpper(i))
		}
	}
}

func TestDelay(t *testing.T) {
	var fast Latencies
	for range 50 {
		fast.Observe(3 * time.Millisecond)
	}
	tests := []struct {
		name string
		s    hedge.Settings
		l    *Latencies
		want time.Duration
	}{
		{"parallel", hedge.Settings{Copies: 3}, nil, 0},
		{"fixed", hedge.Settings{Delay: 50 * time.Millisecond}, &fast, 50 * time.Millisecond},
		{"adaptive, cold: Delay", hedge.Settings{Percentile: 0.95, Delay: 40 * time.Millisecond}, &Latencies{}, 40 * time.Millisecond},
		{"adaptive, cold: MaxDelay", hedge.Settings{Percentile: 0.95, MaxDelay: 70 * time.Millisecond}, nil, 70 * time.Millisecond},
		{"adaptive, warm", hedge.Settings{Percentile: 0.95}, &fast, bucketUpper(bucketOf(3 * time.Millisecond))},
		{"adaptive, floor", hedge.Settings{Percentile: 0.95, MinDelay: 10 * time.Millisecond}, &fast, 10 * time.Millisecond},
		{"adaptive, ceiling", hedge.Settings{Percentile: 0.95, MaxDelay: 2 * time.Millisecond}, &fast, 2 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Delay(&tt.s, tt.l); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		s    hedge.Settings
		want string
	}{
		{hedge.Settings{}, ""},
		{hedge.Settings{Copies: 1}, "Copies 1 must be at least 2"},
		{hedge.Settings{Copies: 50}, "more than 16"},
		{hedge.Settings{Delay: -1}, "Delay -1ns"},
		{hedge.Settings{Percentile: 1}, "Percentile 1 is not in (0, 1)"},
		{hedge.Settings{Percentile: math.NaN()}, "Percentile NaN"},
		{hedge.Settings{MinDelay: time.Second, MaxDelay: time.Millisecond}, "MinDelay 1s is above MaxDelay 1ms"},
	} {
		err := Validate(&tt.s)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: %v, want %q", tt.s, err, tt.want)
		}
	}
}

func TestCopies(t *testing.T) {
	for _, tt := range []struct{ copies, want int }{{0, 2}, {2, 2}, {5, 5}} {
		if got := Copies(&hedge.Settings{Copies: tt.copies}); got != tt.want {
			t.Errorf("Copies(%d) = %d, want %d", tt.copies, got, tt.want)
		}
	}
}

func BenchmarkObserveQuantile(b *testing.B) {
	var l Latencies
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Observe(time.Duration(i%1000) * time.Microsecond)
		l.Quantile(0.95, 20)
	}
}

package budget_test

import (
	"math"
	"testing"
	"time"

	"github.com/rebound-go/rebound/budget"
)

func TestNewRejectsBadSettings(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		new  func() error
		want string
	}{
		{"percent ratio", func() error { _, err := budget.NewPercent(budget.PercentSettings{Ratio: 1.3}); return err },
			"budget: Ratio 1.3 is not in (0, 1]"},
		{"percent negative ratio", func() error { _, err := budget.NewPercent(budget.PercentSettings{Ratio: -0.2}); return err },
			"budget: Ratio -0.2 is not in (0, 1]"},
		{"percent NaN ratio", func() error { _, err := budget.NewPercent(budget.PercentSettings{Ratio: nan}); return err },
			"budget: Ratio NaN is not in (0, 1]"},
		{"percent rate", func() error {
			_, err := budget.NewPercent(budget.PercentSettings{MinPerSecond: math.Inf(1)})
			return err
		}, "budget: MinPerSecond +Inf is not a finite number"},
		{"percent window", func() error {
			_, err := budget.NewPercent(budget.PercentSettings{Window: -time.Second})
			return err
		}, "budget: Window -1s is negative"},
		{"percent buckets", func() error { _, err := budget.NewPercent(budget.PercentSettings{Buckets: 1001}); return err },
			"budget: Buckets 1001 is not in [1, 1000]"},
		{"percent short window", func() error {
			_, err := budget.NewPercent(budget.PercentSettings{Window: 5, Buckets: 10})
			return err
		}, "budget: Window 5ns is too short for 10 Buckets"},
		{"max tokens", func() error { _, err := budget.NewTokenBucket(budget.TokenBucketSettings{MaxTokens: 1001}); return err },
			"budget: MaxTokens 1001 is not in (0, 1000]"},
		{"negative max tokens", func() error { _, err := budget.NewTokenBucket(budget.TokenBucketSettings{MaxTokens: -1}); return err },
			"budget: MaxTokens -1 is not in (0, 1000]"},
		{"token ratio", func() error {
			_, err := budget.NewTokenBucket(budget.TokenBucketSettings{TokenRatio: 0.0001})
			return err
		}, "budget: TokenRatio 0.0001 is not in [0.001, MaxTokens 10]"},
		{"floor", func() error { _, err := budget.NewAdaptive(budget.AdaptiveSettings{Floor: 2}); return err },
			"budget: Floor 2 is not in (0, 1]"},
		{"ceiling", func() error { _, err := budget.NewAdaptive(budget.AdaptiveSettings{Ceiling: 1.5}); return err },
			"budget: Ceiling 1.5 is not in (0, 1]"},
		{"floor above ceiling", func() error { _, err := budget.NewAdaptive(budget.AdaptiveSettings{Floor: 0.6}); return err },
			"budget: Floor 0.6 is above Ceiling 0.5"},
		{"half-life", func() error { _, err := budget.NewAdaptive(budget.AdaptiveSettings{HalfLife: -4}); return err },
			"budget: HalfLife -4 is not in [1, 1e+09]"},
		{"burst", func() error { _, err := budget.NewAdaptive(budget.AdaptiveSettings{Burst: -1}); return err },
			"budget: Burst -1 is not in [1, 1e+09]"},
		{"adaptive rate", func() error { _, err := budget.NewAdaptive(budget.AdaptiveSettings{MinPerSecond: nan}); return err },
			"budget: MinPerSecond NaN is not a finite number"},
		{"burst too large", func() error { _, err := budget.NewAdaptive(budget.AdaptiveSettings{Burst: 1 << 40}); return err },
			"budget: Burst 1099511627776 is not in [1, 1e+09]"},
		{"reserve too large", func() error {
			_, err := budget.NewAdaptive(budget.AdaptiveSettings{MinPerSecond: 1e300})
			return err
		}, "budget: MinPerSecond 1e+300 is more than 1e+09 retries per Window 10s"},
		{"adaptive buckets", func() error { _, err := budget.NewAdaptive(budget.AdaptiveSettings{Buckets: -1}); return err },
			"budget: Buckets -1 is not in [1, 1000]"},
	} {
		err := tc.new()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestNewAcceptsZeroSettings(t *testing.T) {
	if _, err := budget.NewPercent(budget.PercentSettings{}); err != nil {
		t.Error(err)
	}
	if _, err := budget.NewTokenBucket(budget.TokenBucketSettings{}); err != nil {
		t.Error(err)
	}
	if _, err := budget.NewAdaptive(budget.AdaptiveSettings{}); err != nil {
		t.Error(err)
	}
}

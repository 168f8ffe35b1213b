package budget_test

import (
	"testing"
	"time"

	"github.com/rebound-go/rebound/budget"
)

// benchCall is what a retry loop does for a call that fails once: count
// the call, report the failure, ask for a retry, report its success.
func benchCall(b budget.Budget) {
	b.Done(false, false)
	if b.Allow() {
		b.Done(true, true)
	}
}

// fixedNow is a clock that does not move, to measure a budget without the
// cost of time.Now (about 70 ns on a VM without a fast clock).
func fixedNow() time.Time { return time.Time{} }

type namedBudget struct {
	name string
	b    budget.Budget
}

func benchBudgets(now func() time.Time) []namedBudget {
	percent, _ := budget.NewPercent(budget.PercentSettings{Now: now})
	adaptive, _ := budget.NewAdaptive(budget.AdaptiveSettings{Now: now})
	tokens, _ := budget.NewTokenBucket(budget.TokenBucketSettings{})
	return []namedBudget{{"Percent", percent}, {"TokenBucket", tokens}, {"Adaptive", adaptive}}
}

func BenchmarkCall(b *testing.B) {
	for _, clock := range []struct {
		name string
		now  func() time.Time
	}{{"time.Now", time.Now}, {"fixed", fixedNow}} {
		for _, bb := range benchBudgets(clock.now) {
			if bb.name == "TokenBucket" && clock.name == "fixed" {
				continue // it reads no clock
			}
			b.Run(bb.name+"/"+clock.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					benchCall(bb.b)
				}
			})
		}
	}
}

func BenchmarkCallParallel(b *testing.B) {
	for _, bb := range benchBudgets(time.Now) {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					benchCall(bb.b)
				}
			})
		})
	}
}

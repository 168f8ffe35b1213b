package limit_test

import (
	"context"
	"testing"

	"github.com/rebound-go/rebound/limit"
)

func BenchmarkAllowDone(b *testing.B) {
	l := newLimiter(b, limit.Settings{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tk, err := l.Allow(ctx)
		if err != nil {
			b.Fatal(err)
		}
		l.Done(tk, limit.OutcomeSuccess)
	}
}

func BenchmarkWaitDone(b *testing.B) {
	l := newLimiter(b, limit.Settings{})
	ctx := limit.WithPriority(context.Background(), limit.PriorityCritical)
	b.ReportAllocs()
	for b.Loop() {
		tk, err := l.Wait(ctx)
		if err != nil {
			b.Fatal(err)
		}
		l.Done(tk, limit.OutcomeSuccess)
	}
}

func BenchmarkWaitDoneParallel(b *testing.B) {
	l := newLimiter(b, limit.Settings{MinLimit: 1000, MaxLimit: 1000})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			tk, err := l.Wait(ctx)
			if err != nil {
				b.Fatal(err)
			}
			l.Done(tk, limit.OutcomeSuccess)
		}
	})
}

func BenchmarkAllowRefused(b *testing.B) {
	l := newLimiter(b, limit.Settings{MinLimit: 1, MaxLimit: 1})
	ctx := context.Background()
	if _, err := l.Allow(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Allow(ctx); err == nil {
			b.Fatal("admitted over the limit")
		}
	}
}

package breaker

import (
	"testing"
)

func BenchmarkAllowDone(b *testing.B) {
	for _, c := range hotPathSettings {
		b.Run("closed/"+c.name, func(b *testing.B) {
			br, err := New(c.s)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				tk, _ := br.Allow()
				br.Done(tk, Success)
			}
		})
	}
	for _, c := range hotPathSettings {
		b.Run("closed-parallel/"+c.name, func(b *testing.B) {
			br, err := New(c.s)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tk, _ := br.Allow()
					br.Done(tk, Success)
				}
			})
		})
	}
}

// BenchmarkWaitClosed is Wait with ride-out on, when the breaker lets
// the call through at once: it should cost what Allow does.
func BenchmarkWaitClosed(b *testing.B) {
	br, err := New(Settings{MaxWaiting: 64})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		tk, _ := br.Wait(ctx)
		br.Done(tk, Success)
	}
}

func BenchmarkAllowOpen(b *testing.B) {
	br := tripped(b, Settings{})
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = br.Allow()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _ = br.Allow()
			}
		})
	})
}

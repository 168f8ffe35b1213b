package bulkhead_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/bulkhead"
)

func newBulkhead(t *testing.T, s bulkhead.Settings) *bulkhead.Bulkhead {
	t.Helper()
	b, err := bulkhead.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRejectsAtOnceWhenFull(t *testing.T) {
	b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: 2})
	ctx := t.Context()
	for i := range 2 {
		if err := b.Wait(ctx); err != nil {
			t.Fatalf("Wait %d: %v", i, err)
		}
	}
	if err := b.Wait(ctx); err != bulkhead.ErrFull {
		t.Fatalf("third Wait: %v, want ErrFull", err)
	}
	if got := b.InUse(); got != 2 {
		t.Errorf("InUse %d, want 2", got)
	}
	b.Done()
	if err := b.Wait(ctx); err != nil {
		t.Fatalf("Wait after Done: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	b := newBulkhead(t, bulkhead.Settings{})
	ctx := context.Background()
	for i := range 25 {
		if err := b.Wait(ctx); err != nil {
			t.Fatalf("slot %d of the default 25: %v", i+1, err)
		}
	}
	if err := b.Wait(ctx); !errors.Is(err, bulkhead.ErrFull) {
		t.Errorf("a 26th call: %v, want ErrFull at once (no waiting by default)", err)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	_, err := bulkhead.New(bulkhead.Settings{MaxConcurrent: -3})
	if want := "bulkhead: MaxConcurrent -3 is negative"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestDoneContextTakesNothing(t *testing.T) {
	b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: 1})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := b.Wait(ctx); err != context.Canceled {
		t.Errorf("Wait: %v, want context.Canceled", err)
	}
	if got := b.InUse(); got != 0 {
		t.Errorf("InUse %d, want 0", got)
	}
}

func TestReleaseWithoutAcquirePanics(t *testing.T) {
	b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: 1})
	defer func() {
		if r := recover(); r != "bulkhead: Done without Wait" {
			t.Errorf("recover() = %v", r)
		}
	}()
	b.Done()
}

// A waiter gives up after MaxWait, to the nanosecond of fake time.
func TestWaitBoundedByMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: 1, MaxWait: 100 * time.Millisecond})
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err := b.Wait(t.Context())
		if err != bulkhead.ErrFull {
			t.Errorf("Wait: %v, want ErrFull", err)
		}
		if waited := time.Since(start); waited != 100*time.Millisecond {
			t.Errorf("waited %v, want 100ms", waited)
		}
	})
}

// A waiter gets the slot that is released while it waits.
func TestWaiterGetsReleasedSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: 1, MaxWait: time.Second})
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(300 * time.Millisecond) // fake time
			b.Done()
		}()
		start := time.Now()
		if err := b.Wait(t.Context()); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if waited := time.Since(start); waited != 300*time.Millisecond {
			t.Errorf("waited %v, want 300ms", waited)
		}
		b.Done()
	})
}

// Waiters are served in the order they came.
func TestWaitersInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: 1, MaxWait: -1})
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		var order []int // appended to by the slot's holder only
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Go(func() {
				if err := b.Wait(t.Context()); err != nil {
					t.Errorf("waiter %d: %v", i, err)
					return
				}
				order = append(order, i)
				b.Done()
			})
			synctest.Wait() // waiter i is queued before waiter i+1 starts
		}
		b.Done()
		wg.Wait()
		if want := []int{0, 1, 2, 3, 4}; !slices.Equal(order, want) {
			t.Errorf("served in order %v, want %v", order, want)
		}
	})
}

// Cancelling the context ends the wait at once; the waiter takes nothing
// and leaves no goroutine or timer behind (synctest.Test fails if one is
// still blocked when the test returns).
func TestCancelWhileWaiting(t *testing.T) {
	for _, maxWait := range []time.Duration{time.Hour, -1} {
		synctest.Test(t, func(t *testing.T) {
			b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: 1, MaxWait: maxWait})
			if err := b.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error)
			go func() { done <- b.Wait(ctx) }()
			synctest.Wait()
			select {
			case err := <-done:
				t.Fatalf("Wait returned %v before the cancel", err)
			default:
			}
			start := time.Now()
			cancel()
			err := <-done
			if !errors.Is(err, bulkhead.ErrFull) || !errors.Is(err, context.Canceled) {
				t.Errorf("MaxWait %v: Wait: %v, want ErrFull and context.Canceled", maxWait, err)
			}
			if waited := time.Since(start); waited != 0 {
				t.Errorf("MaxWait %v: returned %v after the cancel, want at once", maxWait, waited)
			}
			if got := b.InUse(); got != 1 {
				t.Errorf("MaxWait %v: InUse %d, want 1", maxWait, got)
			}
			b.Done()
		})
	}
}

// A deadline shorter than MaxWait ends the wait at the deadline.
func TestDeadlineWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: 1, MaxWait: time.Second})
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := b.Wait(ctx)
		if !errors.Is(err, bulkhead.ErrFull) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait: %v, want ErrFull and context.DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited != 50*time.Millisecond {
			t.Errorf("waited %v, want 50ms", waited)
		}
	})
}

// Under load, never more than MaxConcurrent calls run at once.
func TestNeverOverCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const slots = 4
		b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: slots, MaxWait: 10 * time.Millisecond})
		var running, peak, ok, full atomic.Int64
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Go(func() {
				time.Sleep(time.Duration(i%7) * time.Millisecond)
				switch err := b.Wait(t.Context()); err {
				case nil:
					ok.Add(1)
					n := running.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					time.Sleep(3 * time.Millisecond)
					running.Add(-1)
					b.Done()
				case bulkhead.ErrFull:
					full.Add(1)
				default:
					t.Errorf("Wait: %v", err)
				}
			})
		}
		wg.Wait()
		t.Logf("%d calls ran, %d rejected, at most %d at once", ok.Load(), full.Load(), peak.Load())
		if p := peak.Load(); p > slots {
			t.Errorf("%d calls at once, want at most %d", p, slots)
		}
		if b.InUse() != 0 {
			t.Errorf("InUse %d after all calls, want 0", b.InUse())
		}
	})
}

func TestNoAllocsOnFastPath(t *testing.T) {
	b := newBulkhead(t, bulkhead.Settings{MaxConcurrent: 1})
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		if b.Wait(ctx) == nil {
			b.Done()
		}
		_ = b.Wait(ctx)
		_ = b.Wait(ctx) // ErrFull, at once
		b.Done()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call, want 0", allocs)
	}
}

func BenchmarkAcquireRelease(b *testing.B) {
	bh, _ := bulkhead.New(bulkhead.Settings{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if bh.Wait(ctx) == nil {
			bh.Done()
		}
	}
}

func BenchmarkAcquireReleaseParallel(b *testing.B) {
	bh, _ := bulkhead.New(bulkhead.Settings{MaxConcurrent: 1 << 20})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if bh.Wait(ctx) == nil {
				bh.Done()
			}
		}
	})
}

func BenchmarkRejectFull(b *testing.B) {
	bh, _ := bulkhead.New(bulkhead.Settings{MaxConcurrent: 1})
	ctx := context.Background()
	_ = bh.Wait(ctx)
	b.ReportAllocs()
	for b.Loop() {
		_ = bh.Wait(ctx)
	}
}

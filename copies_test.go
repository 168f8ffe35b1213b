package rebound

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/hedge"
)

// Hedged copies run on goroutines that stay for the next copy, so a steady
// stream of hedged calls does not create one per copy, and that end once
// no copy came for a while, or at CloseIdleConnections.
func TestHedgedCopiesReuseGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr, err := NewTransport(memTransport{}, Config{Hedge: &hedge.Settings{Delay: time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		get := func() {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://example.test/", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			synctest.Wait() // the copy's goroutine is idle again
		}
		for range 10 {
			get()
			time.Sleep(copyIdle / 2) // calls half a period apart keep it alive
		}
		if n := tr.copies.live.Load(); n != 1 {
			t.Fatalf("%d goroutines for ten hedged calls made one after another, want 1", n)
		}
		time.Sleep(2*copyIdle + time.Millisecond)
		synctest.Wait()
		if n := tr.copies.live.Load(); n != 0 {
			t.Fatalf("%d goroutines left two idle periods after the last copy, want 0", n)
		}
		get()
		tr.CloseIdleConnections()
		synctest.Wait()
		if n := tr.copies.live.Load(); n != 0 {
			t.Fatalf("%d goroutines left after CloseIdleConnections, want 0", n)
		}
	})
}

// A Transport made outside a testing/synctest bubble and used inside one:
// the copy's goroutine, born in the bubble, waits durably, so the
// bubble's clock still moves and the sweep ends it.
func TestHedgedCopiesInBubbleOfOutsideTransport(t *testing.T) {
	tr, err := NewTransport(memTransport{}, Config{Hedge: &hedge.Settings{Delay: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://example.test/", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		synctest.Wait()
		if n := tr.copies.live.Load(); n != 1 {
			t.Fatalf("%d goroutines idle after a hedged call, want 1", n)
		}
		time.Sleep(2*copyIdle + time.Millisecond) // hangs if the idle goroutine blocks the bubble's clock
		synctest.Wait()
		if n := tr.copies.live.Load(); n != 0 {
			t.Fatalf("%d goroutines left two idle periods after the copy, want 0", n)
		}
	})
}

package breaker

import (
	"maps"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestSet(t *testing.T) {
	clock := newFakeClock()
	var changes []string
	s, err := NewSet(Settings{
		Name:                "ignored",
		ConsecutiveFailures: 2,
		Clock:               clock,
		OnStateChange: func(key string, from, to State) {
			changes = append(changes, key+": "+from.String()+"→"+to.String())
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Get("a.example:443")
	if s.Get("a.example:443") != a {
		t.Fatal("Get made a second breaker for the same key")
	}
	if a.Name() != "a.example:443" {
		t.Fatalf("Name %q, want the key", a.Name())
	}
	b := s.Get("b.example:443")
	fail(a)
	fail(a)
	fail(b)
	if a.State() != Open || b.State() != Closed {
		t.Fatalf("states %v, %v; want open, closed: breakers share nothing", a.State(), b.State())
	}
	clock.advance(30 * time.Second)
	want := []string{"a.example:443: closed→open", "a.example:443: open→half-open"}
	if !slices.Equal(changes, want) {
		t.Fatalf("changes %q, want %q", changes, want)
	}

	got := maps.Collect(s.All())
	if len(got) != 2 || got["a.example:443"] != a || got["b.example:443"] != b {
		t.Fatalf("All: %v", got)
	}
	for range s.All() {
		break // stopping early is fine
	}

	s.Delete("a.example:443")
	if n := s.Get("a.example:443"); n == a || n.State() != Closed {
		t.Fatalf("after Delete, Get returned %p (was %p) in state %v", n, a, n.State())
	}
}

func TestSetGetRace(t *testing.T) {
	s, err := NewSet(Settings{Clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([]*Breaker, 32)
	for i := range got {
		wg.Go(func() { got[i] = s.Get("k") })
	}
	wg.Wait()
	for _, b := range got {
		if b != got[0] {
			t.Fatal("concurrent Gets returned different breakers for one key")
		}
	}
}

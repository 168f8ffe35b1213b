package rebound_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/fleet"
)

// viewStore is a fleet.Store that answers every host with one view.
type viewStore struct {
	mu   sync.Mutex
	view fleet.View
	keys map[string]bool
}

func (s *viewStore) Sync(_ context.Context, _ string, reports []fleet.Report, views []fleet.View) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = make(map[string]bool)
	for i, r := range reports {
		views[i] = s.view
		s.keys[r.Key] = true
	}
	return nil
}

func (s *viewStore) synced() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys
}

func newTestFleet(t *testing.T, st fleet.Store) *fleet.Fleet {
	t.Helper()
	f, err := fleet.New(fleet.Settings{Store: st, Interval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestFleetNeedsAGuardToShare(t *testing.T) {
	f := newTestFleet(t, &viewStore{})
	_, err := rebound.NewTransport(nil, rebound.Config{Fleet: f})
	if err == nil || !strings.Contains(err.Error(), "Config.Fleet") {
		t.Fatalf("NewTransport = %v, want an error naming Config.Fleet", err)
	}
}

// The fleet holds a member per host the Transport remembers, and no more.
func TestFleetMembersFollowTheHosts(t *testing.T) {
	st := &viewStore{}
	f := newTestFleet(t, st)
	ok := fleetRT(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	tr, err := rebound.NewTransport(ok, rebound.Config{Fleet: f, Breaker: &breaker.Settings{}, MaxHosts: 8})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://h%d.example/", i), nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if hosts, members := len(tr.Hosts()), f.Stats().Hosts; members != hosts || members > 8 {
		t.Fatalf("%d hosts kept, %d fleet members; want the same, at most 8", hosts, members)
	}
}

// A breaker open in the fleet refuses this process's calls, unsent.
func TestFleetOpenBreakerRefuses(t *testing.T) {
	st := &viewStore{view: fleet.View{Breaker: fleet.BreakerView{OpenFor: time.Minute}}}
	f := newTestFleet(t, st)
	var sent int
	ok := fleetRT(func(r *http.Request) (*http.Response, error) {
		sent++
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	tr, err := rebound.NewTransport(ok, rebound.Config{Fleet: f, Breaker: &breaker.Settings{}})
	if err != nil {
		t.Fatal(err)
	}
	get := func() error {
		req, _ := http.NewRequest(http.MethodGet, "http://api.example/", nil)
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(); err != nil { // makes the host, and its member
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !st.synced()["api.example"] || !f.Stats().Connected {
		if time.Now().After(deadline) {
			t.Fatal("the host was never synced")
		}
		time.Sleep(time.Millisecond) // polling for the first sync; not a schedule
	}
	deadline = time.Now().Add(5 * time.Second)
	for err := get(); !errors.Is(err, breaker.ErrCircuitOpen); err = get() {
		if time.Now().After(deadline) {
			t.Fatalf("calls still pass with the fleet's breaker open: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	n := sent
	if err := get(); !errors.Is(err, breaker.ErrCircuitOpen) || sent != n {
		t.Fatalf("call with the fleet open: %v, sent %d more", err, sent-n)
	}
}

type fleetRT func(*http.Request) (*http.Response, error)

func (f fleetRT) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

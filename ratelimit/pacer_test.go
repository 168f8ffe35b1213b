package ratelimit

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rebound-go/rebound/internal/fleetlink"
)

func strconvItoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPacerSpreadsTheRest(t *testing.T) {
	ms := time.Millisecond
	var p Pacer
	// 100 per window, 30 left, a second to go: not low yet (20 % of 100 = 20).
	p.Update(Info{Limit: 100, Remaining: 30, Reset: now.Add(time.Second)})
	for i := range 10 {
		if w, _ := p.Reserve(now); w != 0 {
			t.Fatalf("request %d waited %v with quota to spare", i, w)
		}
	}
	// 20 left: spread them over the second that remains, 1/21 s apart.
	step := time.Second / 21
	for i := range 20 {
		w, capped := p.Reserve(now)
		if want := time.Duration(i) * step; w-want > time.Microsecond || want-w > time.Microsecond || capped {
			t.Fatalf("paced request %d waits %v, want %v", i, w, want)
		}
	}
	// Nothing left: wait for the reset.
	if w, _ := p.Reserve(now.Add(10 * ms)); w != 990*ms {
		t.Fatalf("spent window: wait %v, want 990ms", w)
	}
	// After the reset the pacer knows nothing until the next answer.
	if w, _ := p.Reserve(now.Add(time.Second)); w != 0 {
		t.Fatalf("after the reset: wait %v", w)
	}
}

func TestPacerCapsItsWait(t *testing.T) {
	p := Pacer{Settings: Settings{MaxWait: 50 * time.Millisecond}}
	p.Update(Info{Limit: 10, Remaining: 0, Reset: now.Add(time.Hour)})
	if w, capped := p.Reserve(now); w != 50*time.Millisecond || !capped {
		t.Fatalf("wait %v capped %v", w, capped)
	}
}

func TestPacerKeepsTheLowerCountOfAWindow(t *testing.T) {
	var p Pacer
	reset := now.Add(time.Second)
	p.Update(Info{Limit: 10, Remaining: 1, Reset: reset})
	p.Update(Info{Limit: 10, Remaining: 8, Reset: reset}) // an older answer, late
	if w, _ := p.Reserve(now); w != 0 {
		t.Fatalf("first of one: wait %v", w)
	}
	if w, _ := p.Reserve(now); w != time.Second {
		t.Fatalf("the window is spent: wait %v, want 1s", w)
	}
}

func TestSettingsValidate(t *testing.T) {
	for _, tt := range []struct {
		s    Settings
		want string
	}{
		{Settings{}, ""},
		{Settings{LowShare: 1.5}, "LowShare 1.5 is not in [0, 1]"},
		{Settings{LowCount: -1}, "LowCount -1"},
		{Settings{MaxWait: -1}, "MaxWait -1ns"},
	} {
		err := tt.s.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: %v, want %q", tt.s, err, tt.want)
		}
	}
}

func TestPacerShareAndTakeReported(t *testing.T) {
	var p Pacer
	if _, ok := p.takeReported(); ok {
		t.Fatal("a new pacer reported something")
	}
	server := Info{Limit: 100, Remaining: 50, Reset: now.Add(time.Second)}
	p.Update(server)
	p.share(Info{Limit: 50, Remaining: 0, Reset: now.Add(time.Second)}) // the fleet's share
	got, ok := p.takeReported()
	if !ok || got != server {
		t.Fatalf("TakeReported = %+v, %v; want the server's %+v", got, ok, server)
	}
	if _, ok := p.takeReported(); ok {
		t.Fatal("TakeReported returned the same Info twice")
	}
	if w, _ := p.Reserve(now); w != time.Second {
		t.Fatalf("after a shared empty quota, wait %v, want the second to the reset", w)
	}
	p.share(Info{Limit: -1, Remaining: -1}) // says nothing
	if _, ok := p.takeReported(); ok {
		t.Fatal("Share made a report")
	}
}

// TestPacerFleetLink drives a Pacer as package fleet does.
func TestPacerFleetLink(t *testing.T) {
	p := new(Pacer)
	fl := fleetlink.PacerOf(p)
	if _, _, _, ok := fl.TakeReported(); ok {
		t.Fatal("a new pacer reported something")
	}
	p.Update(Info{Limit: 100, Remaining: 50, Reset: now.Add(time.Second)})
	fl.Share(50, 0, now.Add(time.Second))
	limit, remaining, reset, ok := fl.TakeReported()
	if !ok || limit != 100 || remaining != 50 || !reset.Equal(now.Add(time.Second)) {
		t.Fatalf("TakeReported = %d, %d, %v, %v; want the server's 100, 50, %v", limit, remaining, reset, ok, now.Add(time.Second))
	}
	if w, _ := p.Reserve(now); w != time.Second {
		t.Fatalf("after a shared empty quota, wait %v, want the second to the reset", w)
	}
}

package leaktest

import (
	"strings"
	"testing"
	"time"
)

func blockedHere(stop chan struct{}) { <-stop }

func TestLeakedFindsAndForgets(t *testing.T) {
	patience = 50 * time.Millisecond
	defer func() { patience = 5 * time.Second }()
	stop := make(chan struct{})
	go blockedHere(stop)
	if got := Leaked("leaktest.blockedHere"); !strings.Contains(got, "blockedHere") {
		t.Fatalf("a blocked goroutine went unseen: %q", got)
	}
	close(stop)
	if got := Leaked("leaktest.blockedHere"); got != "" {
		t.Fatalf("a finished goroutine reported: %s", got)
	}
}

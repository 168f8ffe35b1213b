package leaktest

import (
	"strings"
	"testing"
	"time"
)

//go:noinline
func blockedHere(started, stop chan struct{}) {
	close(started)
	<-stop
}

func TestLeakedFindsAndForgets(t *testing.T) {
	patience = 50 * time.Millisecond
	defer func() { patience = 5 * time.Second }()
	started, stop := make(chan struct{}), make(chan struct{})
	go blockedHere(started, stop)
	<-started
	if got := Leaked("leaktest.blockedHere"); !strings.Contains(got, "blockedHere") {
		t.Fatalf("a blocked goroutine went unseen: %q", got)
	}
	close(stop)
	if got := Leaked("leaktest.blockedHere"); got != "" {
		t.Fatalf("a finished goroutine reported: %s", got)
	}
}

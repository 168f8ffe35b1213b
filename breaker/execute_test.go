package breaker

import (
	"context"
	"errors"
	"testing"
)

func TestExecute(t *testing.T) {
	errDown := errors.New("down")
	errNotFound := errors.New("404")
	b, err := New(Settings{
		ConsecutiveFailures: 2,
		Clock:               newFakeClock(),
		Classify: func(err error) Outcome {
			if errors.Is(err, errNotFound) {
				return Ignore
			}
			return classify(err)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Execute(b, func() (string, error) { return "ok", nil })
	if v != "ok" || err != nil {
		t.Fatalf("Execute = %q, %v", v, err)
	}
	// Ignored by Classify, and by the default rule for context.Canceled.
	for _, e := range []error{errNotFound, context.Canceled, errNotFound} {
		if _, err := Execute(b, func() (int, error) { return 0, e }); err != e {
			t.Fatalf("Execute error %v, want %v", err, e)
		}
	}
	if _, err := Execute(b, func() (int, error) { return 0, errDown }); err != errDown {
		t.Fatalf("Execute error %v, want %v", err, errDown)
	}
	if b.State() != Closed {
		t.Fatalf("state %v after one failure and three ignored calls", b.State())
	}

	// A panic is a failure, and goes on up.
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_, _ = Execute(b, func() (int, error) { panic("boom") })
	}()
	if b.State() != Open {
		t.Fatalf("state %v after a failure and a panic, want open", b.State())
	}

	called := false
	v2, err := Execute(b, func() (int, error) { called = true; return 1, nil })
	if !errors.Is(err, ErrCircuitOpen) || v2 != 0 || called {
		t.Fatalf("Execute when open = %v, %v (called %v); want 0, ErrCircuitOpen, not called", v2, err, called)
	}
}

//go:build unix

package main

import (
	"context"
	"syscall"
	"testing"
)

// TestSignalContext sends the test process a real SIGINT: the context
// main runs commands under ends, with the signal as its cause.
func TestSignalContext(t *testing.T) {
	ctx, stop := signalContext(context.Background())
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	sig, ok := interrupted(ctx)
	if !ok || sig.exitCode() != 130 {
		t.Errorf("cause %v: want SIGINT and exit 130", context.Cause(ctx))
	}
	stop() // twice is harmless
}

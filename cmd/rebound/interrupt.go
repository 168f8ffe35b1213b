package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// signalError is the cause of the context of a command stopped by a
// signal: SIGINT (Ctrl-C) or SIGTERM.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "interrupted by " + e.sig.String() }

// exitCode is the shell's convention for a process ended by the signal:
// 128 plus its number, so 130 for SIGINT and 143 for SIGTERM.
func (e signalError) exitCode() int {
	if s, ok := e.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGINT)
}

// signalContext returns a context cancelled, with a signalError as its
// cause, at the first SIGINT or SIGTERM. After that first signal the
// handler is removed, so a second one kills the process at once. stop
// releases the handler.
func signalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		defer signal.Stop(sigs)
		select {
		case s := <-sigs:
			cancel(signalError{s})
		case <-done:
		}
	}()
	return ctx, sync.OnceFunc(func() {
		close(done)
		cancel(context.Canceled)
	})
}

// interrupted returns the signal that stopped ctx, if one did.
func interrupted(ctx context.Context) (signalError, bool) {
	var s signalError
	ok := errors.As(context.Cause(ctx), &s)
	return s, ok
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK     = 0  // success: a 2xx or 3xx, or a command that ran
	exitStatus = 1  // the server answered 4xx or 5xx, after any retries
	exitError  = 2  // a network or other error
	exitUsage  = 64 // bad command line (EX_USAGE)
)

// env is what a command may touch of the process, so tests run commands
// in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// tty reports that stderr is a terminal, for progress lines.
	tty bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second interrupt kills at once
	}()
	code := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, tty: isTerminal(os.Stderr)})
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program's name) and returns
// the exit status.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, mainUsage)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "get", "head", "post", "put", "delete":
		return fetch(ctx, name, rest, e)
	case "faults":
		return serveFaults(ctx, rest, e)
	case "lab":
		return runLab(ctx, rest, e)
	case "help", "-h", "-help", "--help":
		return help(rest, e)
	}
	fmt.Fprintf(e.stderr, "rebound: unknown command %q\n\n%s", name, mainUsage)
	return exitUsage
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

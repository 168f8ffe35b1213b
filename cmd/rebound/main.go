package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// Exit statuses. A fetch's are documented in its usage text and doc.go.
const (
	exitOK     = 0  // success: a 2xx or 3xx, or a command that ran
	exitStatus = 1  // the server answered 4xx or 5xx, after any retries
	exitError  = 2  // a network or other error
	exitFail   = 22 // -f: the server answered 4xx or 5xx (curl's CURLE_HTTP_RETURNED_ERROR)
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
	ctx, stop := signalContext(context.Background())
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
	switch {
	case isFetch(name):
		return fetch(ctx, name, rest, e)
	case name == "faults":
		return serveFaults(ctx, rest, e)
	case name == "lab":
		return runLab(ctx, rest, e)
	case name == "version" || name == "-version" || name == "--version":
		fmt.Fprintf(e.stdout, "rebound %s\n", version())
		return exitOK
	case name == "help" || name == "-h" || name == "-help" || name == "--help":
		return help(rest, e)
	}
	fmt.Fprintf(e.stderr, "rebound: unknown command %q\n\n%s", name, mainUsage)
	return exitUsage
}

// fetchCommands are the commands that send one request, each its method.
var fetchCommands = []string{"get", "head", "post", "put", "patch", "delete"}

func isFetch(name string) bool {
	for _, c := range fetchCommands {
		if name == c {
			return true
		}
	}
	return false
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

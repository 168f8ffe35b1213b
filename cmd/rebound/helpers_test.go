package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// runCmd runs the command line in-process, as main would, with stdin as
// standard input, and returns its exit status and output.
func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runEnv(t, false, stdin, args...)
}

// runEnv is runCmd with stderr taken for a terminal when tty is set.
func runEnv(t *testing.T, tty bool, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, tty: tty})
	return code, out.String(), errOut.String()
}

// liveCmd is a command running in the background whose standard error
// the test reads line by line while it runs.
type liveCmd struct {
	lines  chan string // standard error, a line at a time; closed at the end
	done   chan int    // the exit status
	mu     sync.Mutex
	seen   []string     // lines read so far
	stdout bytes.Buffer // read only after done
}

// startCmd runs args in the background under ctx.
func startCmd(t *testing.T, ctx context.Context, tty bool, args ...string) *liveCmd {
	t.Helper()
	pr, pw := io.Pipe()
	c := &liveCmd{lines: make(chan string), done: make(chan int, 1)}
	go func() {
		code := run(ctx, args, &env{stdin: strings.NewReader(""), stdout: &c.stdout, stderr: pw, tty: tty})
		pw.Close()
		c.done <- code
	}()
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		for range c.lines { // let the command finish if a test failed early
		}
	})
	return c
}

// waitLine reads standard error until a line holds want, and returns it.
// It fails the test if the command ends first.
func (c *liveCmd) waitLine(t *testing.T, want string) string {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second) // an upper bound for failure only
	defer timeout.Stop()
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("the command ended without printing %q; it printed:\n%s", want, c.printed())
			}
			c.mu.Lock()
			c.seen = append(c.seen, l)
			c.mu.Unlock()
			if strings.Contains(l, want) {
				return l
			}
		case <-timeout.C:
			t.Fatalf("no line with %q; so far:\n%s", want, c.printed())
		}
	}
}

// wait reads standard error to its end and returns the exit status and
// everything the command printed there.
func (c *liveCmd) wait(t *testing.T) (code int, stderr string) {
	t.Helper()
	for l := range c.lines {
		c.mu.Lock()
		c.seen = append(c.seen, l)
		c.mu.Unlock()
	}
	return <-c.done, c.printed()
}

// running reports whether the command has not ended yet.
func (c *liveCmd) running() bool {
	select {
	case code := <-c.done:
		c.done <- code
		return false
	default:
		return true
	}
}

func (c *liveCmd) printed() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.seen, "\n")
}

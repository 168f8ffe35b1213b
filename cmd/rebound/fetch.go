package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/internal/httpidem"
)

// fetchCall is one run of get, head, post, put, patch or delete: what
// the command line made, ready to send.
type fetchCall struct {
	cmd  string
	o    *fetchOptions
	e    *env
	cfg  rebound.Config
	spec requestSpec
	wo   writeOut // nil without -w
	rep  *reporter
	log  *attemptLog
	x    explainer
}

// fetch runs `rebound get|head|post|put|patch|delete [flags] URL`.
func fetch(ctx context.Context, cmd string, args []string, e *env) int {
	fs, o := fetchFlags(cmd, e.stderr)
	pos, err := parseArgs(fs, args)
	if code := parseStatus(err); code >= 0 {
		return code
	}
	c, err := newFetchCall(cmd, o, pos, e)
	if err != nil {
		return usageError(e.stderr, cmd, "%v", err)
	}
	if c.spec.body, err = readBody(o.data, e.stdin); err != nil {
		if o.errorsShown() {
			fmt.Fprintf(e.stderr, "rebound: %v\n", err)
		}
		return exitError
	}
	return c.run(ctx)
}

// newFetchCall checks the command line and makes the call it asks for.
func newFetchCall(cmd string, o *fetchOptions, pos []string, e *env) (*fetchCall, error) {
	if len(pos) != 1 {
		return nil, fmt.Errorf("want one URL, have %d arguments", len(pos))
	}
	target, err := parseTarget(pos[0])
	if err != nil {
		return nil, err
	}
	cfg, err := o.config()
	if err != nil {
		return nil, err
	}
	header, err := parseHeaders(o.headers)
	if err != nil {
		return nil, err
	}
	spec := requestSpec{method: strings.ToUpper(cmd), url: target, header: header, agent: o.agent, idempotent: o.idempotent}
	if o.method != "" {
		if _, err := http.NewRequest(o.method, "http://localhost/", nil); err != nil {
			return nil, fmt.Errorf("-X %q is not a method", o.method)
		}
		spec.method = o.method
	}
	if o.user != "" {
		if spec.user, spec.pass, err = parseUser(o.user); err != nil {
			return nil, err
		}
	}
	c := &fetchCall{cmd: cmd, o: o, e: e, cfg: cfg, spec: spec, x: explainer{policy: &cfg.Policy, timeout: o.timeout}}
	if o.writeOut != "" {
		if c.wo, err = parseWriteOut(o.writeOut); err != nil {
			return nil, err
		}
	}
	c.rep = newReporter(e.stderr, o, cfg.Policy.MaxAttempts(), e.tty)
	c.log = new(attemptLog)
	c.cfg.OnEvent = func(ctx context.Context, ev rebound.Event) {
		c.log.record(ev)
		c.rep.onEvent(ctx, ev)
	}
	return c, nil
}

// run sends the request, delivers the response and reports; it returns
// the exit status.
func (c *fetchCall) run(ctx context.Context) int {
	callCtx := ctx
	if c.o.timeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithTimeout(ctx, c.o.timeout)
		defer cancel()
	}
	req, err := newFetchRequest(callCtx, c.spec)
	if err != nil {
		return c.fail(exitError, err.Error())
	}
	c.warn(req)
	rt, err := rebound.NewTransport(nil, c.cfg)
	if err != nil {
		return usageError(c.e.stderr, c.cmd, "%v", err)
	}
	defer rt.CloseIdleConnections()
	hc := &http.Client{Transport: rt}
	if !c.o.follow {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}

	start := time.Now()
	var end ending
	end.resp, end.err = hc.Do(req)
	end.req, end.s = req, c.rep.close()
	if end.err == nil {
		end.d = deliver(end.resp, c.o, c.e.stdout)
	}
	sum := c.summarize(&end, time.Since(start))
	sum.ExitCode, sum.Error, sum.Reason = c.outcome(ctx, callCtx, &end)
	return c.report(&sum)
}

// ending is how a call ended.
type ending struct {
	req  *http.Request
	resp *http.Response // nil when err is set
	err  error
	s    callSummary // what the events said
	d    delivery    // what writing resp produced
}

// warn prints what the flags ask for that will not happen as asked.
func (c *fetchCall) warn(req *http.Request) {
	if c.o.silent {
		return
	}
	if c.cfg.Policy.MaxAttempts() < 1 && c.o.timeout == 0 {
		fmt.Fprintln(c.e.stderr, "rebound: warning: -attempts -1 without -timeout: nothing bounds the retries but Ctrl-C")
	}
	if c.o.hedge > 0 && !httpidem.Idempotent(req) {
		fmt.Fprintf(c.e.stderr, "rebound: warning: -hedge is ignored: %s is not idempotent; add -idempotent\n", req.Method)
	}
}

// outcome decides the exit status and, for a failure, the message and
// why the call stopped there.
func (c *fetchCall) outcome(ctx, callCtx context.Context, end *ending) (code int, msg, why string) {
	s := end.s
	switch {
	case end.err != nil:
		why = c.x.why(callCtx.Err(), end.req, nil, s)
		code, msg = exitError, causeOf(end.err).Error()
		if s.tries > 1 || why != "" {
			msg = fmt.Sprintf("gave up after %s%s: %s", plural(s.tries, "attempt"), parenthesized(why), msg)
		}
	case end.d.writeErr != nil:
		code, msg = exitError, fmt.Sprintf("writing the body: %v", end.d.writeErr)
	case end.d.readErr != nil:
		code, msg = exitError, c.readFailure(end.d)
	case end.resp.StatusCode >= 400:
		why = c.x.why(callCtx.Err(), end.req, end.resp, s)
		code, msg = exitStatus, statusText(end.resp.StatusCode)
		if c.o.fail {
			code = exitFail
		}
		if s.tries > 1 || (s.gaveUp && s.reason != nil) {
			msg += " after " + plural(s.tries, "attempt")
		}
		msg += parenthesized(why)
	}
	if sig, ok := interrupted(ctx); ok && code != exitOK {
		return sig.exitCode(), "interrupted", "interrupted"
	}
	return code, msg, why
}

// readFailure words a body that could not be read to its end.
func (c *fetchCall) readFailure(d delivery) string {
	msg := fmt.Sprintf("reading the body: %v", d.readErr)
	switch {
	case c.o.noBuffer:
		msg += " (with -N a body cut short is not retried)"
	case d.size >= responseBuffer:
		msg += " (a body over 8 MiB streams, so one cut short is not retried)"
	}
	return msg
}

func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// summarize gathers what the call did, for -w and --json.
func (c *fetchCall) summarize(end *ending, total time.Duration) summary {
	sum := summary{Method: end.req.Method, URL: redactURL(end.req.URL), Attempts: end.s.tries,
		Retries: max(end.s.tries-1, 0), Hedges: end.s.hedges, TimeTotal: total.Seconds(),
		Size: end.d.size, Log: c.log.attempts()}
	if end.resp != nil {
		sum.HTTPCode, sum.ContentType = end.resp.StatusCode, end.resp.Header.Get("Content-Type")
		if end.resp.Request != nil {
			sum.URL = redactURL(end.resp.Request.URL)
		}
	}
	return sum
}

// report prints the call's end: the failure, or with -v the success;
// then -w and --json. It returns the exit status.
func (c *fetchCall) report(sum *summary) int {
	switch {
	case sum.Error != "" && c.o.errorsShown():
		c.rep.printf("rebound: %s", sum.Error)
	case sum.Error != "" && c.o.verbose:
		c.rep.printf("* %s", sum.Error)
	case sum.Error == "" && c.o.verbose && sum.HTTPCode != 0:
		c.rep.printf("* %s after %s in %s", statusText(sum.HTTPCode), plural(sum.Attempts, "attempt"),
			roundDuration(time.Duration(sum.TimeTotal*float64(time.Second))))
	}
	if c.wo != nil {
		_ = c.wo.render(c.e.stdout, sum) // as for the body, a closed stdout is the reader's choice
	}
	if c.o.json {
		b, _ := json.Marshal(sum) // a summary always marshals
		c.rep.printf("%s", b)
	}
	return sum.ExitCode
}

// fail reports a failure before any attempt and returns code.
func (c *fetchCall) fail(code int, msg string) int {
	if c.o.errorsShown() {
		fmt.Fprintf(c.e.stderr, "rebound: %s\n", msg)
	}
	return code
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/hedge"
)

// fetchOptions are the flags of get, head, post, put and delete.
type fetchOptions struct {
	headers        stringList
	data           string
	attempts       int
	backoff        string
	attemptTimeout time.Duration
	timeout        time.Duration
	idempotent     bool
	verbose        bool
	include        bool
	follow         bool
	hedge          time.Duration
}

func fetchFlags(cmd string, w io.Writer) (*flag.FlagSet, *fetchOptions) {
	o := new(fetchOptions)
	fs := newFlagSet(cmd, fetchUsage(cmd), w)
	fs.Var(&o.headers, "H", "request header `K: V` (repeatable)")
	fs.StringVar(&o.data, "d", "", "request body: `STRING`, @FILE, or @- for standard input")
	fs.IntVar(&o.attempts, "attempts", 0, "attempts in all, the first included; 0 means rebound's default (3), -1 no limit but -timeout")
	fs.StringVar(&o.backoff, "backoff", "", backoffHelp)
	fs.DurationVar(&o.attemptTimeout, "attempt-timeout", 0, "bound on each attempt, reading the body included (0: none)")
	fs.DurationVar(&o.timeout, "timeout", 0, "bound on the whole call, retries and waits included (0: none)")
	fs.BoolVar(&o.idempotent, "idempotent", false, "send an Idempotency-Key (unless -H gives one), so a POST may be retried after it reached the server")
	fs.BoolVar(&o.verbose, "v", false, "print the attempt log to standard error (never header values nor URL passwords)")
	fs.BoolVar(&o.include, "i", false, "print the response's status line and headers before its body")
	fs.BoolVar(&o.follow, "L", false, "follow redirects")
	fs.DurationVar(&o.hedge, "hedge", 0, "send a second copy of an idempotent request that has not answered within `DELAY`; the first good answer wins (0: none)")
	return fs, o
}

// fetch runs `rebound get|head|post|put|delete [flags] URL`.
func fetch(ctx context.Context, cmd string, args []string, e *env) int {
	fs, o := fetchFlags(cmd, e.stderr)
	pos, err := parseArgs(fs, args)
	if code := parseStatus(err); code >= 0 {
		return code
	}
	if len(pos) != 1 {
		return usageError(e.stderr, cmd, "want one URL, have %d arguments", len(pos))
	}
	target, err := url.Parse(pos[0])
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return usageError(e.stderr, cmd, "%q is not an http or https URL", redacted(pos[0]))
	}
	cfg, err := o.config()
	if err != nil {
		return usageError(e.stderr, cmd, "%v", err)
	}
	header, err := parseHeaders(o.headers)
	if err != nil {
		return usageError(e.stderr, cmd, "%v", err)
	}
	body, err := readBody(o.data, e.stdin)
	if err != nil {
		fmt.Fprintf(e.stderr, "rebound %s: %v\n", cmd, err)
		return exitError
	}

	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	req, err := newFetchRequest(ctx, strings.ToUpper(cmd), target, header, body, o.idempotent)
	if err != nil {
		fmt.Fprintf(e.stderr, "rebound %s: %v\n", cmd, err)
		return exitError
	}
	hc := &http.Client{}
	if !o.follow {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	client, err := rebound.NewClient(hc, cfg)
	if err != nil {
		return usageError(e.stderr, cmd, "%v", err)
	}
	defer client.CloseIdleConnections()

	resp, log, err := client.DoLogged(req)
	code := deliver(resp, err, o.include, e)
	if o.verbose {
		fmt.Fprint(e.stderr, log) // the log holds no header value and no URL password
	}
	return code
}

// config is the rebound configuration the flags ask for.
func (o *fetchOptions) config() (rebound.Config, error) {
	b, err := parseBackoff(o.backoff)
	if err != nil {
		return rebound.Config{}, err
	}
	if o.attemptTimeout < 0 || o.timeout < 0 || o.hedge < 0 {
		return rebound.Config{}, fmt.Errorf("timeouts and the hedge delay cannot be negative")
	}
	p := rebound.Policy{Attempts: o.attempts, Backoff: b}
	if o.attempts < 0 {
		p.Attempts = rebound.Unlimited
	}
	cfg := rebound.Config{Policy: p, AttemptTimeout: o.attemptTimeout}
	if o.hedge > 0 {
		cfg.Hedge = &hedge.Settings{Delay: o.hedge}
	}
	return cfg, nil
}

// deliver writes the response (its head too with include) to stdout, or
// the error to stderr, and returns the exit status.
func deliver(resp *http.Response, err error, include bool, e *env) int {
	if err != nil {
		fmt.Fprintf(e.stderr, "rebound: %v\n", err)
		return exitError
	}
	defer resp.Body.Close()
	if include {
		fmt.Fprintf(e.stdout, "%s %s\r\n", resp.Proto, resp.Status)
		_ = resp.Header.Write(e.stdout)
		fmt.Fprint(e.stdout, "\r\n")
	}
	if _, err := io.Copy(e.stdout, resp.Body); err != nil {
		fmt.Fprintf(e.stderr, "rebound: reading the response: %v\n", err)
		return exitError
	}
	if resp.StatusCode >= 400 {
		fmt.Fprintf(e.stderr, "rebound: %s\n", resp.Status)
		return exitStatus
	}
	return exitOK
}

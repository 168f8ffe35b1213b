package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/hedge"
)

// responseBuffer bounds the response body read inside each attempt
// (Config.BufferResponse), so that a body cut short is retried: 8 MiB.
// A longer body streams past it; -N turns buffering off.
const responseBuffer = 8 << 20

// fetchOptions are the flags of get, head, post, put, patch and delete.
type fetchOptions struct {
	headers        stringList
	data           string
	method         string
	user           string
	agent          string
	output         string
	writeOut       string
	attempts       int
	backoff        string
	attemptTimeout time.Duration
	timeout        time.Duration
	maxRetryAfter  time.Duration
	hedge          time.Duration
	idempotent     bool
	verbose        bool
	silent         bool
	showError      bool
	fail           bool
	include        bool
	follow         bool
	noBuffer       bool
	json           bool
}

func fetchFlags(cmd string, w io.Writer) (*flag.FlagSet, *fetchOptions) {
	o := new(fetchOptions)
	fs := newFlagSet(cmd, fetchUsage(cmd), w)
	aliases := map[string]string{}
	fs.Var(&o.headers, "H", "request header `K: V` (repeatable)")
	fs.StringVar(&o.data, "d", "", "request body: `STRING`, @FILE, or @- for standard input")
	fs.StringVar(&o.method, "X", "", "send `METHOD` instead of the command's own")
	fs.StringVar(&o.user, "u", "", "basic authentication as `USER:PASSWORD`")
	fs.StringVar(&o.agent, "A", "", "send `AGENT` as the User-Agent (default rebound/VERSION)")
	fs.StringVar(&o.output, "o", "", "write the body to `FILE` instead of standard output (\"-\": standard output)")
	fs.StringVar(&o.writeOut, "w", "", "after the call, print `FORMAT` to standard output with %{variables} filled in (see above)")
	fs.IntVar(&o.attempts, "attempts", 0, "attempts in all, the first included; 0 means rebound's default (3), -1 no limit but -timeout")
	fs.StringVar(&o.backoff, "backoff", "", backoffHelp)
	fs.DurationVar(&o.attemptTimeout, "attempt-timeout", 0, "bound on each attempt, reading the body included (0: none)")
	fs.DurationVar(&o.timeout, "timeout", 0, "bound on the whole call, retries and waits included (0: none)")
	fs.DurationVar(&o.maxRetryAfter, "max-retry-after", 0, "longest Retry-After to wait for; a longer one ends the call (0: rebound's default, 30s; negative: ignore Retry-After)")
	fs.DurationVar(&o.hedge, "hedge", 0, "send a second copy of an idempotent request that has not answered within `DELAY`; the first good answer wins (0: none)")
	fs.BoolVar(&o.idempotent, "idempotent", false, "send an Idempotency-Key (unless -H gives one), so a POST or PATCH may be retried after it reached the server")
	fs.BoolVar(&o.verbose, "v", false, "print each attempt and wait to standard error as it happens (never header values, URL passwords or query values)")
	fs.BoolVar(&o.silent, "s", false, "silent: no progress lines, warnings or error messages")
	fs.BoolVar(&o.showError, "S", false, "with -s, still print the error message when the call fails")
	fs.BoolVar(&o.fail, "f", false, "a 4xx or 5xx writes no body and exits 22, as curl --fail")
	fs.BoolVar(&o.include, "i", false, "print the response's status line and headers before its body")
	fs.BoolVar(&o.follow, "L", false, "follow redirects")
	fs.BoolVar(&o.noBuffer, "N", false, "stream the body as it comes instead of reading up to 8 MiB inside each attempt (a body cut short is then not retried)")
	fs.BoolVar(&o.json, "json", false, "print a JSON summary of the call to standard error (see above)")
	for _, a := range [][2]string{
		{"H", "header"}, {"d", "data"}, {"X", "request"}, {"u", "user"}, {"A", "user-agent"},
		{"o", "output"}, {"w", "write-out"}, {"v", "verbose"}, {"s", "silent"}, {"S", "show-error"},
		{"f", "fail"}, {"i", "include"}, {"L", "location"}, {"N", "no-buffer"},
	} {
		alias(fs, aliases, a[0], a[1])
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), fetchUsage(cmd))
		fmt.Fprintln(fs.Output(), "\nFlags:")
		printFlags(fs.Output(), fs, aliases)
	}
	return fs, o
}

// config is the rebound configuration the flags ask for.
func (o *fetchOptions) config() (rebound.Config, error) {
	b, err := parseBackoff(o.backoff)
	if err != nil {
		return rebound.Config{}, err
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"-attempt-timeout", o.attemptTimeout}, {"-timeout", o.timeout}, {"-hedge", o.hedge}} {
		if d.v < 0 {
			return rebound.Config{}, fmt.Errorf("%s %v: a duration cannot be negative", d.name, d.v)
		}
	}
	if o.attempts < -1 {
		return rebound.Config{}, fmt.Errorf("-attempts %d: want 1 or more, 0 for rebound's default (3) or -1 for no limit", o.attempts)
	}
	p := rebound.Policy{Attempts: o.attempts, Backoff: b, MaxRetryAfter: o.maxRetryAfter}
	cfg := rebound.Config{Policy: p, AttemptTimeout: o.attemptTimeout}
	if o.hedge > 0 {
		cfg.Hedge = &hedge.Settings{Delay: o.hedge}
	}
	if !o.noBuffer {
		cfg.BufferResponse = responseBuffer
	}
	return cfg, nil
}

// errorsShown reports whether a failed call's message is printed: not
// with -s, unless -S.
func (o *fetchOptions) errorsShown() bool { return !o.silent || o.showError }

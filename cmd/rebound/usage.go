package main

import (
	"fmt"
	"strings"
)

const mainUsage = `rebound: HTTP calls that survive transient failure, and a lab to watch them.

Usage:

	rebound get|head|post|put|delete [flags] URL   a resilient fetch, like curl
	rebound faults [flags]                         a fault-injecting HTTP server
	rebound lab [flags]                            clients side by side against faults
	rebound help [command]                         this text, or a command's

Run 'rebound help COMMAND' for a command's flags.
`

func fetchUsage(cmd string) string {
	return fmt.Sprintf(`Usage: rebound %s [flags] URL

Sends one %s request to URL through rebound: attempts that fail on a
network error, a 429 or (for idempotent requests) a 5xx are retried with
backoff, Retry-After is honoured, and the response body goes to standard
output. Flags may come before or after the URL.

A POST is retried only where nothing reached the server or on 429, unless
-idempotent adds an Idempotency-Key. The body of -d is sent again, byte for
byte, on every attempt.

-v prints the attempt log to standard error: each attempt, its status or
error, its duration and the wait that followed. It shows URLs with their
password hidden and never shows a header value, so Authorization, Cookie
and Proxy-Authorization stay out of it.

Exit status: 0 for a 2xx or 3xx, 1 for a 4xx or 5xx (after retries),
2 for a network or other error, 64 for a bad command line.

Examples:

	rebound get -v https://example.com/
	rebound post -idempotent -H 'Content-Type: application/json' -d @order.json https://api.example.com/orders
	rebound get -attempts 5 -backoff exp:200ms:10s -timeout 30s https://example.com/slow
`, cmd, strings.ToUpper(cmd))
}

const faultsUsage = `Usage: rebound faults [flags]

Serves 200 "ok" on every path, behind faults injected on a seeded,
reproducible schedule (package github.com/rebound-go/rebound/faults), until
SIGINT, SIGTERM or -duration; then prints what it injected.

The scenario comes from the flags or from a JSON file (-scenario). With the
default -id-header and -attempt-header, a request carrying X-Request-Id (and
X-Attempt) meets the same fault every time; others meet faults in order of
arrival.

Examples:

	rebound faults -rate-503 0.3 -retry-after 1s -rate-reset 5% -latency 1ms-5ms -latency 200ms@5%
	rebound faults -addr 127.0.0.1:9000 -outage 10s-20s -duration 1m
	rebound faults -rate-503 0.2 -print-scenario > scenario.json
	rebound faults -scenario scenario.json
`

const labUsage = `Usage: rebound lab [flags]

Runs one workload of GETs through four clients side by side, each against
a fault server of its own on loopback with the same faults:

	net/http        no retries
	naive loop      3 retries 100 ms apart, closing responses without draining
	rebound         rebound with the policy of -attempts and -backoff
	rebound+guards  the same with the adaptive retry budget, a breaker per
	                host and an attempt timeout

The default scenario fails 15 % of attempts (503s, some with Retry-After,
429s and connection resets), delays 5 % by 200 ms, and stops the server for
-outage (2 s) 40 % of the way in; attempt n of call i meets the same fault
in every client. The table shows, per client: the share of calls that
succeeded, the requests the server saw per call and the connections it
accepted (both from the server's own counters), latency percentiles of all
calls, and the wall time. -report writes the same with charts to a
self-contained HTML file.

Examples:

	rebound lab
	rebound lab -n 5000 -c 64 -rate 400 -attempts 4 -backoff exp:50ms:1s
	rebound lab -print-scenario > s.json && rebound lab -scenario s.json
`

// help runs `rebound help [command]`.
func help(args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, mainUsage)
		return exitOK
	}
	switch args[0] {
	case "get", "head", "post", "put", "delete":
		fs, _ := fetchFlags(args[0], e.stdout)
		fs.Usage()
	case "faults":
		fs, _ := faultsFlags(e.stdout)
		fs.Usage()
	case "lab":
		fs, _ := labFlags(e.stdout)
		fs.Usage()
	default:
		fmt.Fprintf(e.stderr, "rebound help: unknown command %q\n\n%s", args[0], mainUsage)
		return exitUsage
	}
	return exitOK
}

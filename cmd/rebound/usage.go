package main

import (
	"fmt"
	"strings"
)

const mainUsage = `rebound: HTTP calls that survive transient failure, and a lab to watch them.

Usage:

	rebound get|head|post|put|patch|delete [flags] URL   a resilient fetch, like curl
	rebound faults [flags]                               a fault-injecting HTTP server
	rebound lab [flags]                                  clients side by side against faults
	rebound version                                      the version
	rebound help [command]                               this text, or a command's

Run 'rebound help COMMAND' for a command's flags.
`

func fetchUsage(cmd string) string {
	var vars strings.Builder
	for _, v := range writeOutVars {
		fmt.Fprintf(&vars, "\t%%{%s}%s%s\n", v.name, strings.Repeat(" ", max(1, 16-len(v.name))), v.doc)
	}
	return fmt.Sprintf(`Usage: rebound %s [flags] URL

Sends one %s request to URL through rebound: attempts that fail on a
network error, a 429 or (for idempotent requests) a 5xx are retried with
backoff, Retry-After is honoured, and the response body goes to standard
output, or to -o FILE. A URL without a scheme means http://. Flags may come
before or after the URL; curl's long names (--output, --fail…) work too.

A POST or PATCH is retried only where nothing reached the server or on 429,
unless -idempotent adds an Idempotency-Key. The body of -d is sent again,
byte for byte, on every attempt.

Each response body of up to 8 MiB is read inside its attempt, so a body cut
short is retried like a failed connection, and is written only once whole.
-N streams it instead, as it comes, and a body cut short is then an error.

-v prints each attempt, its outcome and each wait to standard error as they
happen, and why a failure was not retried. On a terminal, without -v, each
retry prints one line ("retrying in 3s (2 attempts left)"); -s silences it
and every message, -S brings error messages back. Nothing printed holds a
header value, a URL password or a query parameter's value.

-w FORMAT prints to standard output, after the body, FORMAT with these
variables filled in (\n, \t and %%%% are a newline, a tab and a %%):

%s
--json prints the same as %%{json} to standard error: one JSON object with
the variables above and "attempts", a list of each attempt's "attempt",
"hedge", "won", "status", "error", "time", "wait" and "wait_reason"
(times in seconds).

Exit status: 0 for a 2xx or 3xx; 1 for a 4xx or 5xx after retries (22
with -f, as curl); 2 for a network or other error, a body cut short
included; 64 for a bad command line; 130 when interrupted (Ctrl-C), 143
when terminated.

Examples:

	rebound get -v https://example.com/
	rebound get -f -o page.html -w '%%{http_code} %%{num_attempts} %%{time_total}\n' example.com
	rebound post -idempotent -H 'Content-Type: application/json' -d @order.json https://api.example.com/orders
	rebound get -attempts 5 -backoff exp:200ms:10s -timeout 30s https://example.com/slow
`, cmd, strings.ToUpper(cmd), vars.String())
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

// help runs `rebound help [command]`.
func help(args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, mainUsage)
		return exitOK
	}
	switch {
	case isFetch(args[0]):
		fs, _ := fetchFlags(args[0], e.stdout)
		fs.Usage()
	case args[0] == "faults":
		fs, _ := faultsFlags(e.stdout)
		fs.Usage()
	case args[0] == "lab":
		fs, _ := labFlags(e.stdout)
		fs.Usage()
	default:
		fmt.Fprintf(e.stderr, "rebound help: unknown command %q\n\n%s", args[0], mainUsage)
		return exitUsage
	}
	return exitOK
}

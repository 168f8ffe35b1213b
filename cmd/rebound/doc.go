// Command rebound makes HTTP calls that survive transient failure, serves
// faults to test them against, and runs a lab that shows retry clients side
// by side.
//
// Usage:
//
//	rebound get|head|post|put|delete [flags] URL   a resilient fetch, like curl
//	rebound faults [flags]                         a fault-injecting HTTP server
//	rebound lab [flags]                            clients side by side against faults
//	rebound help [command]                         usage, or a command's flags
//
// # Fetch
//
// rebound get (head, post, put, delete) sends one request through a rebound
// Transport and writes the response body to standard output: -H 'K: V'
// adds a header, -d STRING, -d @FILE or -d @- (standard input) sends a
// body, -attempts, -backoff (exp:100ms:5s, const:1s, linear:1s…),
// -attempt-timeout and -timeout shape the retries, -idempotent adds an
// Idempotency-Key so a POST may be retried, -i prints the status line and
// headers, -L follows redirects, and -v prints the attempt log to standard
// error. The log never holds a header value or a URL password.
//
// The exit status is 0 for a 2xx or 3xx, 1 for a 4xx or 5xx after
// retries, 2 for a network or other error, 64 for a bad command line.
//
// # Faults
//
// rebound faults serves 200 "ok" on 127.0.0.1:8080 (-addr) behind the
// faults of a scenario given by flags (-rate-503 0.3 -retry-after 1s
// -rate-reset 0.05 -latency 200ms@5% -outage 10s-15s…) or by a JSON file
// (-scenario), and prints what it injected when it stops, at SIGINT,
// SIGTERM or after -duration.
//
// # Lab
//
// rebound lab runs one workload (2000 GETs, 32 at a time) through plain
// net/http, a hand-written retry loop, rebound, and rebound with its
// overload guards, each against its own embedded fault server with the same
// faults, and prints for each client the success rate, the requests the
// server saw per call, latency percentiles, the connections the server
// accepted and the wall time. It writes the same, with a latency chart and
// per-second timelines, to a self-contained HTML report (-report).
package main

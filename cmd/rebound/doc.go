// Command rebound makes HTTP calls that survive transient failure, serves
// faults to test them against, and runs a lab that shows retry clients side
// by side.
//
// Usage:
//
//	rebound get|head|post|put|patch|delete [flags] URL   a resilient fetch, like curl
//	rebound faults [flags]                               a fault-injecting HTTP server
//	rebound lab [flags]                                  clients side by side against faults
//	rebound version                                      the version
//	rebound help [command]                               usage, or a command's flags
//
// # Fetch
//
// rebound get (head, post, put, patch, delete) sends one request through a
// rebound Transport and writes the response body to standard output, with
// curl's habits: a URL without a scheme means http://; -o FILE writes the
// body to a file; -H 'K: V' adds a header; -d STRING, -d @FILE or -d @-
// (standard input) sends a body; -X METHOD, -u USER:PASSWORD and -A AGENT
// set the method, basic authentication and User-Agent (by default
// rebound/VERSION); -i prints the status line and headers; -L follows
// redirects; -f writes no body for a 4xx or 5xx; -s and -S silence messages
// and bring error messages back. curl's long names (--output, --fail,
// --write-out…) work too.
//
// -attempts, -backoff (exp:100ms:5s, const:1s, decorr:100ms:5s…), -max-retry-after,
// -attempt-timeout, -timeout and -hedge shape the retries; -idempotent adds an
// Idempotency-Key so a POST or PATCH may be retried. Each response body of
// up to 8 MiB is read inside its attempt (rebound.Config.BufferResponse), so
// a body cut short is retried and the output is written only once whole; -N
// streams it instead.
//
// -v prints each attempt, its outcome and each wait to standard error as
// they happen (through rebound.Config.OnEvent), and why a failure was not
// retried ("POST 503: not idempotent; add -idempotent"); on a terminal,
// each retry prints one line even without -v. Nothing printed holds a
// header value, a URL password or a query parameter's value.
//
// -w FORMAT prints curl-style variables after the call (%{http_code},
// %{num_attempts}, %{num_retries}, %{time_total}, %{size_download},
// %{url_effective}, %{errormsg}, %{reason}, %{json}…; rebound help get
// lists them) and --json prints the same as one JSON object, with each
// attempt, to standard error.
//
// The exit status is 0 for a 2xx or 3xx; 1 for a 4xx or 5xx after
// retries, 22 with -f (as curl); 2 for a network or other error, a body
// cut short included; 64 for a bad command line; 130 when interrupted
// (Ctrl-C) and 143 when terminated.
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
// rebound lab runs one workload (2000 GETs at 200 a second, each call
// starting when due) through plain net/http, a hand-written retry loop,
// rebound, and rebound+guards (rebound.Recommended()), each against its
// own embedded fault server with the same faults, and prints for each
// client the success rate, the requests the server saw per call, latency
// percentiles, the connections the server accepted, the server's load
// during the outage and in its busiest second after it, and the wall
// time. It writes the same, with charts, to a self-contained HTML report
// (-report); -json and -csv print the figures for machines, and -target
// runs the clients against your own server.
package main

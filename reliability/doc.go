// Package reliability holds rebound's reliability suite: tests only, no API.
//
// The suite drives rebound's Transport, alone and under an http.Client, the
// way production does and the way a hostile network does:
//
//   - a soak (soak_test.go): hundreds of concurrent callers, GETs and POSTs,
//     against a loopback faults.Server whose seeded scenario mixes every
//     fault kind; afterwards no goroutine, file descriptor or heap is left
//     behind, every POST body reached the handler intact, and every call
//     ended in a correct body, a status the scenario injects, or an error
//     that says why. Tune it with -soak.callers and -soak.duration;
//   - hostile and broken servers (hostile_test.go, retryafter_test.go):
//     absurd Retry-After values, a 1 GiB error body, headers that never
//     finish, bodies that trickle, resets inside the final body, endless
//     failure under an unlimited policy, redirects to another host;
//   - secrets (secrets_test.go): credentials never reach what rebound logs;
//   - fuzz targets (fuzz_test.go) for every validator of settings: Policy and
//     Config, the backoff strategies, breaker, budget, throttle and bulkhead
//     settings.
//
// docs/RELIABILITY.md maps each guarantee to the test that proves it.
//
// Run it with
//
//	go test -race ./reliability/
//	go test -race -run Soak -v ./reliability/ -soak.callers=1024 -soak.duration=2m
//
// The tests use loopback servers only (127.0.0.1 and localhost) and never
// sleep to prove a schedule: exact timing is checked in testing/synctest
// bubbles, real time only as generous upper bounds.
package reliability

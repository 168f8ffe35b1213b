// Package faults injects failures into HTTP traffic on a seeded,
// reproducible schedule, for rebound's own tests and for yours.
//
// An [Injector] wraps the server side ([Injector.Handler]) or the client
// side ([Injector.Transport]) of a conversation and meets each request
// with what its [Scenario] says: a status code (with or without
// Retry-After), added latency, a connection reset, a body cut short, a
// hang until the client gives up, a body trickled out slowly, or a timed
// outage in which every request fails. [NewServer] serves a handler on a
// loopback port (or any listener) and also counts the TCP connections the server accepts,
// so a test can compare what its client saw with what the server did
// ([Injector.Stats]).
//
// The package imports only the standard library and none of rebound.
//
// # Scenarios
//
// A [Scenario] is a plain struct; [ParseScenario] (or json.Unmarshal
// into a Scenario) reads the same thing from JSON, with durations as Go
// duration strings:
//
//	{
//	  "seed": 42,
//	  "id_header": "X-Request-Id",
//	  "attempt_header": "X-Attempt",
//	  "faults": [
//	    {"kind": "status", "rate": 0.2, "status": 503, "retry_after": "1s"},
//	    {"kind": "reset", "rate": 0.05},
//	    {"kind": "truncate", "rate": 0.05, "bytes": 10},
//	    {"kind": "hang", "rate": 0.01},
//	    {"kind": "trickle", "rate": 0.05, "bytes": 64, "interval": "5ms"}
//	  ],
//	  "latency": [
//	    {"rate": 1, "min": "1ms", "max": "3ms"},
//	    {"rate": 0.05, "min": "200ms"}
//	  ],
//	  "outages": [
//	    {"start": "10s", "end": "15s", "fault": {"kind": "status", "status": 503}}
//	  ]
//	}
//
// Unknown fields, malformed durations, rates outside [0, 1] and fields
// that do not apply to a fault's kind are rejected; every such error
// satisfies errors.Is(err, [ErrInvalid]).
//
// # How faults combine
//
// The entries of Scenario.Faults exclude one another: one uniform draw
// u in [0, 1) per request walks the list in order, adding up rates, and
// the request meets the first fault whose running sum exceeds u, or none.
// Each fault therefore strikes at exactly its rate, and the rates must
// add up to at most 1. Every Scenario.Latency rule draws on its own; the
// delays of all rules that fire add up and come before anything else
// (before the fault, or before the request is passed on). Inside an
// outage window the outage's fault replaces whatever the draw picked;
// latency still applies.
//
// # Determinism
//
// What a request meets is a pure function of the scenario, a 64-bit key
// and, for outages only, the time since the injector was created. The key
// is
//
//   - a hash (64-bit FNV-1a) of the request's id and attempt when
//     Scenario.IDHeader is set and the request carries that header;
//     attempt is the value of Scenario.AttemptHeader, or "" when it is
//     unset or absent;
//   - otherwise the request's sequence number at the injector: 0 for the
//     first request that had no header key, 1 for the next, and so on.
//
// Sequence numbers make two runs meet the same faults when requests
// arrive one at a time. With concurrent clients the order of arrival
// varies; give every request an id header (and every retry an attempt
// header) and each request meets the same fault whatever the order.
// Without an attempt header every attempt of one request meets the same
// fault, which models a request that is poisoned rather than unlucky.
//
// The random numbers come from splitmix64, seeded from Scenario.Seed and
// the key, and are drawn in a fixed order: one for the faults, then two
// for each latency rule (whether it fires, and where in [Min, Max) it
// lands). The schedule depends on this package alone, not on math/rand
// or the Go release.
//
// # Counting
//
// Each injector counts, with atomics, the requests it saw, the requests
// it passed on, the delays and faults it applied and the status codes of
// the responses that left it; a [Server] adds the connections it
// accepted. [Injector.Stats] returns a snapshot.
//
// # Caveats
//
//   - Go's http.Transport silently resends a replayable request (GET,
//     HEAD, OPTIONS, TRACE, or one with an Idempotency-Key, whose body is
//     nil or has GetBody) when a reused connection fails before the first
//     response byte, on another connection, and again as long as it
//     picks reused ones. A server-side Reset keyed on the request's
//     headers meets every resend: the server may see one such request
//     once per idle connection of the client, closing them all, and the
//     client none of it. Use POST, fresh connections, or a request body
//     without GetBody (net/http does not resend those) when counts must
//     match.
//   - A server-side Reset is a TCP reset only on a TCP connection; on
//     another net.Conn (an in-memory listener) it is a plain close.
//   - Server-side faults need an HTTP/1 connection that can be hijacked;
//     elsewhere (HTTP/2, a middleware whose ResponseWriter does not
//     unwrap) resets and cuts fall back to panic(http.ErrAbortHandler).
//   - A server-side Truncate buffers the whole response of the wrapped
//     handler in memory.
//   - A Hang holds its request until the client gives up; a client
//     without a deadline waits forever.
//   - Retry-After is sent in whole seconds, rounded up.
package faults

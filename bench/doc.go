// Package bench measures rebound against its peers (go-retryablehttp,
// failsafe-go, heimdall, resty, a cenkalti/backoff loop and plain net/http)
// on the same workloads, in one run. It is a module of its own so that the
// peers never enter rebound's dependency graph.
//
//	go test -run '^$' -bench HappyPath -benchmem -count 6 . | tee happy.txt
//	go run ./cmd/benchratio happy.txt                        # ratios to net/http
//	go tool benchstat -col /client -row /inner,/op happy.txt
//	go run ./cmd/faultbench                                  # the fault tables
//	go run ./cmd/limitbench                                  # adaptive limits (package limits)
//
// The clients are in package clients, the workloads, fault server and
// report in package harness, the adaptive-limit workloads in package
// limits; docs/BENCHMARKS.md in the root module has the
// published numbers.
package bench

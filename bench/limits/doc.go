// Package limits measures adaptive limits beside their peers (issue 16):
// rebound's adaptive concurrency limit (Config.Limit), its rate learnt from
// 429s (Config.LearnRate) and its priorities, against failsafe-go's
// adaptive limiter and priority limiter, rebound's static bulkhead,
// go-retryablehttp and plain net/http, each workload in one run.
//
//   - RunQueue: a queueing server (QueueServer) whose capacity halves
//     halfway through an open-loop run; p50/p99, goodput as a share of
//     capacity and refusals per half.
//   - RunQuota: a server that refuses beyond a fixed rate with 429 and no
//     rate-limit header, by the algorithm of nginx's limit_req
//     (Quota); success and share of refused requests.
//   - RunPriority: an overloaded queueing server and calls of three
//     priorities; success per priority.
//
// cmd/limitbench prints all three as Markdown; the package's tests run them
// at a small scale. The happy path with the limiter on is part of the
// module's BenchmarkHappyPath and cmd/happyratio (client rebound+limit).
package limits

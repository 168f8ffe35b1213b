package limit

import (
	"context"
	"strconv"
)

// Priority says how much a call matters when a [Limiter] is under
// pressure. It travels with the call's context ([WithPriority],
// [PriorityFrom]). The zero value is PriorityNormal.
type Priority int8

// The priorities of a call, from the first shed to the never shed.
const (
	// PriorityLow is for work that can be dropped or done later:
	// prefetches, batch jobs, retries of best-effort calls. A low call is
	// admitted only while fewer calls than 80 % of the limit are in
	// flight, and it waits behind every normal and critical call.
	PriorityLow Priority = -1
	// PriorityNormal is the default for a context that carries no
	// priority: admitted up to the limit.
	PriorityNormal Priority = 0
	// PriorityCritical is for calls whose failure is an outage for the
	// caller's own users: logins, payments, health checks. A critical
	// call is admitted beyond the adaptive limit, up to MaxLimit calls in
	// flight, so the limiter never sheds it on its own account; past
	// MaxLimit it waits at the head of the queue.
	PriorityCritical Priority = 1
)

// String returns "low", "normal" or "critical".
func (p Priority) String() string {
	switch p {
	case PriorityLow:
		return "low"
	case PriorityNormal:
		return "normal"
	case PriorityCritical:
		return "critical"
	}
	return "Priority(" + strconv.Itoa(int(p)) + ")"
}

// clamp maps any Priority onto the three known ones, so that a value
// out of range cannot index past the limiter's queues.
func (p Priority) clamp() Priority {
	return min(max(p, PriorityLow), PriorityCritical)
}

type priorityKey struct{}

// WithPriority returns a copy of ctx that carries p. A value above
// PriorityCritical counts as critical and one below PriorityLow as low.
// It allocates what context.WithValue allocates (one small context).
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityFrom returns the priority ctx carries, or PriorityNormal if it
// carries none. It does not allocate.
func PriorityFrom(ctx context.Context) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok {
		return p.clamp()
	}
	return PriorityNormal
}

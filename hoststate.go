package rebound

import (
	"context"
	"fmt"
	"math"

	"github.com/rebound-go/rebound/breaker"
)

// HostState is a snapshot of one host's guards, for metrics and for
// users without OpenTelemetry. It is a plain value.
type HostState struct {
	// Key is the host, or what Config.Key made of its requests.
	Key string
	// Breaker is the state of the host's breaker; breaker.Closed when
	// there is none.
	Breaker breaker.State
	// BudgetTokens is what the host's retry budget has left, in retries,
	// when it says (budget.Adaptive does, and any budget with a
	// Tokens() float64 method); NaN when there is no budget or it does not
	// say. An Adaptive budget's is negative while it owes retries it
	// granted from its reserve.
	BudgetTokens float64
	// InFlight is how many attempts to the host are in flight now, from
	// admission until their answer. The count starts at the Transport's
	// first Hosts call (attempts already in flight then are not counted),
	// so that a Transport nobody observes does not pay for it.
	InFlight int
}

// Hosts returns a snapshot of every host the Transport keeps guards for,
// in no particular order: nil when it keeps none (no per-host guard is
// configured). It is safe to call at any time, from any goroutine.
func (t *Transport) Hosts() []HostState {
	if t.hosts == nil {
		return nil
	}
	t.hosts.counting.Store(true)
	var out []HostState
	t.hosts.hosts.Range(func(_, v any) bool {
		out = append(out, v.(*guards).state())
		return true
	})
	return out
}

func (g *guards) state() HostState {
	s := HostState{Key: g.key, BudgetTokens: math.NaN(), InFlight: int(g.inflight.Load())}
	if g.breaker != nil {
		s.Breaker = g.breaker.State()
	}
	if b, ok := g.budget.(interface{ Tokens() float64 }); ok {
		s.BudgetTokens = b.Tokens()
	}
	return s
}

// ResendCount returns how many times the request of an attempt was sent
// before it, read from the attempt's context: 0 for a call's first
// attempt, n for its nth resend (a retry or a hedge), as OpenTelemetry's
// http.request.resend_count counts them. A RoundTripper under a
// Transport (such as one that records spans) reads it from req.Context().
func ResendCount(ctx context.Context) int {
	n, _ := ctx.Value(resendKey{}).(int)
	return n
}

type resendKey struct{}

// ErrHedgeLost is the cause of the context of a hedged copy cancelled
// because another copy of its try answered first (context.Cause): the
// copy was abandoned, it did not fail. It wraps context.Canceled, so a
// RoundTripper that returns the cause still says "canceled".
var ErrHedgeLost = fmt.Errorf("rebound: another copy of the request answered first: %w", context.Canceled)

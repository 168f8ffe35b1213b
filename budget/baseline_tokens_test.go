package budget

import (
	"fmt"
	"math"
	"sync/atomic"
)

// Defaults of [TokenBucketSettings]. gRPC leaves both to the service
// config; these are the values its documentation uses as an example.
const (
	defaultMaxTokens  = 10
	defaultTokenRatio = 0.1
)

// TokenBucketSettings configures a [TokenBucket]. The zero value gives 10
// tokens and 0.1 token back per success.
type TokenBucketSettings struct {
	// MaxTokens is the size of the bucket, which starts full, in
	// (0, 1000] as in gRPC. Zero means 10.
	MaxTokens int

	// TokenRatio is what a success puts back in the bucket, at least
	// 0.001 and kept to three decimals as in gRPC. Zero means
	// 0.1.
	TokenRatio float64
}

// milli is the fixed-point scale of tokens: gRPC keeps TokenRatio to three
// decimals, so thousandths are exact.
const milli = 1000

// TokenBucket is gRPC's retry throttling (gRFC A6,
// https://github.com/grpc/proposal/blob/master/A6-client-retries.md): every failed attempt takes a
// token, every successful one puts back TokenRatio, never above
// MaxTokens; retries and hedges are allowed only while more than half of
// the tokens are left. It counts the outcomes of attempts, not calls.
//
// A TokenBucket is safe for concurrent use and takes no lock. Create one
// with [NewTokenBucket].
type TokenBucket struct {
	max    int64 // in thousandths of a token, like all fields
	half   int64
	ratio  int64
	tokens atomic.Int64
}

// NewTokenBucket returns a full TokenBucket, or an error naming the first
// setting that is out of range.
func NewTokenBucket(s TokenBucketSettings) (*TokenBucket, error) {
	size, ratio := s.MaxTokens, s.TokenRatio
	if size == 0 {
		size = defaultMaxTokens
	}
	if ratio == 0 {
		ratio = defaultTokenRatio
	}
	if size < 0 || size > 1000 {
		return nil, fmt.Errorf("budget: MaxTokens %d is not in (0, 1000]", size)
	}
	if !(ratio >= 0.001 && ratio <= float64(size)) { // also rejects NaN
		return nil, fmt.Errorf("budget: TokenRatio %v is not in [0.001, MaxTokens %d]", ratio, size)
	}
	b := &TokenBucket{
		max:   int64(size) * milli,
		half:  int64(size) * milli / 2,
		ratio: int64(math.Round(ratio * milli)),
	}
	b.tokens.Store(b.max)
	return b, nil
}

// Allow implements [Budget]: it allows a retry while more than half of
// the tokens are left. It spends nothing itself; the failure that led to
// the retry already took its token, so report it to Done first.
func (b *TokenBucket) Allow() bool {
	return b.tokens.Load() > b.half
}

// Done implements [Budget]: a failure takes one token, a success puts
// TokenRatio back, whether the attempt was a retry or not.
func (b *TokenBucket) Done(retry, ok bool) {
	for {
		old := b.tokens.Load()
		var n int64
		if ok {
			n = min(old+b.ratio, b.max)
		} else {
			n = max(old-milli, 0)
		}
		if n == old || b.tokens.CompareAndSwap(old, n) {
			return
		}
	}
}

// Tokens returns the number of tokens left, for metrics.
func (b *TokenBucket) Tokens() float64 {
	return float64(b.tokens.Load()) / milli
}

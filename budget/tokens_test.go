package budget_test

import (
	"testing"

	"github.com/rebound-go/rebound/budget"
)

func TestTokenBucket(t *testing.T) {
	b, err := budget.NewTokenBucket(budget.TokenBucketSettings{MaxTokens: 4, TokenRatio: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		ok    []bool  // outcomes reported, in order
		want  float64 // tokens afterwards
		allow bool    // Allow afterwards
	}{
		{nil, 4, true},                          // starts full
		{[]bool{true}, 4, true},                 // never above MaxTokens
		{[]bool{false}, 3, true},                // 3 > 2
		{[]bool{false}, 2, false},               // 2 is not more than half
		{[]bool{true}, 2.5, true},               // a success puts back TokenRatio
		{[]bool{false, false, false}, 0, false}, // never below zero
		{[]bool{false}, 0, false},               //
		{[]bool{true, true, true, true}, 2, false},
		{[]bool{true}, 2.5, true},
	}
	for i, s := range steps {
		for _, ok := range s.ok {
			b.Done(i%2 == 0, ok) // retry or not makes no difference
		}
		if got := b.Tokens(); got != s.want {
			t.Errorf("step %d: %v tokens, want %v", i, got, s.want)
		}
		if got := b.Allow(); got != s.allow {
			t.Errorf("step %d: Allow %v, want %v", i, got, s.allow)
		}
	}
}

func TestTokenBucketAllowSpendsNothing(t *testing.T) {
	b, _ := budget.NewTokenBucket(budget.TokenBucketSettings{})
	for range 100 {
		b.Allow()
	}
	if got := b.Tokens(); got != 10 {
		t.Errorf("%v tokens after Allow, want %v", got, 10)
	}
}

func TestTokenBucketRoundsRatio(t *testing.T) {
	b, _ := budget.NewTokenBucket(budget.TokenBucketSettings{MaxTokens: 1, TokenRatio: 0.0014})
	b.Done(false, false)
	b.Done(false, true)
	if got := b.Tokens(); got != 0.001 {
		t.Errorf("%v tokens, want 0.001: TokenRatio is kept to three decimals", got)
	}
}

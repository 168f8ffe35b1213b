package main

import (
	"reflect"
	"testing"
	"time"

	"github.com/rebound-go/rebound/backoff"
)

func TestParseBackoff(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		spec string
		want backoff.Strategy
	}{
		{"", nil},
		{"exp:100ms:5s", backoff.Exponential{Initial: 100 * ms, Max: 5 * time.Second, Jitter: backoff.Equal}},
		{"exponential:1s", backoff.Exponential{Initial: time.Second, Jitter: backoff.Equal}},
		{"exp:100ms:5s:full", backoff.Exponential{Initial: 100 * ms, Max: 5 * time.Second, Jitter: backoff.Full}},
		{"exp:100ms:none", backoff.Exponential{Initial: 100 * ms, Jitter: backoff.Jitter{}}},
		{"const:1s", backoff.Constant{Interval: time.Second}},
		{"constant:250ms:25%", backoff.Constant{Interval: 250 * ms, Jitter: backoff.Proportional(0.25)}},
		{"const:1s:equal", backoff.Constant{Interval: time.Second, Jitter: backoff.Equal}},
		{"decorr:100ms:5s", backoff.Decorrelated{Initial: 100 * ms, Max: 5 * time.Second}},
	} {
		got, err := parseBackoff(tc.spec)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseBackoff(%q) = %#v, %v; want %#v", tc.spec, got, err, tc.want)
		}
	}
}

func TestParseBackoffErrors(t *testing.T) {
	for _, spec := range []string{
		"exp", "exp:", "exp:fast", "exp:1s:2s:3s", "const", "const:1s:2s", "const:-1s", "linear:1s",
		"decorr:1s:full", "wobbly:1s", "exp:1s:150%", "exp:1s:x%", ":1s",
	} {
		if s, err := parseBackoff(spec); err == nil {
			t.Errorf("parseBackoff(%q) = %#v, want an error", spec, s)
		}
	}
}

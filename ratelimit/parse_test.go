package ratelimit

import (
	"net/http"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		want   Info // Reset as an offset from now in Reset.Sub(now) terms below
		reset  time.Duration
		ok     bool
	}{
		{"none", nil, Info{Limit: -1, Remaining: -1}, -1, false},
		{"IETF structured", map[string]string{"RateLimit": `"default";r=50;t=30`, "RateLimit-Policy": `"default";q=100;w=60`}, Info{Limit: 100, Remaining: 50}, 30 * time.Second, true},
		{"IETF structured, tightest item wins", map[string]string{"RateLimit": `"burst";r=5;t=1, "daily";r=900;t=3600`}, Info{Limit: -1, Remaining: 5}, time.Second, true},
		{"IETF draft 3", map[string]string{"RateLimit": "limit=100, remaining=7, reset=12"}, Info{Limit: 100, Remaining: 7}, 12 * time.Second, true},
		{"IETF separate fields", map[string]string{"RateLimit-Limit": "10", "RateLimit-Remaining": "3", "RateLimit-Reset": "5"}, Info{Limit: 10, Remaining: 3}, 5 * time.Second, true},
		{"X- delta seconds", map[string]string{"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "42"}, Info{Limit: 60, Remaining: 0}, 42 * time.Second, true},
		{"X- epoch seconds", map[string]string{"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": itoa(now.Add(90 * time.Second).Unix())}, Info{Limit: -1, Remaining: 1}, 90 * time.Second, true},
		{"X- epoch milliseconds", map[string]string{"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": itoa(now.Add(2 * time.Second).UnixMilli())}, Info{Limit: -1, Remaining: 1}, 2 * time.Second, true},
		{"X- epoch in the past: refilled", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": itoa(now.Add(-time.Hour).Unix())}, Info{Limit: -1, Remaining: 0}, 0, true},
		{"X- epoch far ahead: bounded", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": itoa(now.Add(1000 * time.Hour).Unix())}, Info{Limit: -1, Remaining: 0}, maxReset, true},
		{"gofalcon Retryafter", map[string]string{"X-Ratelimit-Retryafter": itoa(now.Add(7 * time.Second).Unix())}, Info{Limit: -1, Remaining: 0}, 7 * time.Second, true},
		{"negative values ignored", map[string]string{"X-RateLimit-Remaining": "-5", "X-RateLimit-Reset": "-1"}, Info{Limit: -1, Remaining: -1}, -1, false},
		{"garbage ignored", map[string]string{"X-RateLimit-Remaining": "lots", "X-RateLimit-Reset": "soon", "RateLimit": "???"}, Info{Limit: -1, Remaining: -1}, -1, false},
		{"enormous saturates", map[string]string{"X-RateLimit-Remaining": "99999999999999999999999", "X-RateLimit-Reset": "99999999999999999999999"}, Info{Limit: -1, Remaining: int(^uint(0) >> 1)}, maxReset, true},
		{"fractional is not a count", map[string]string{"X-RateLimit-Remaining": "1.5"}, Info{Limit: -1, Remaining: -1}, -1, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		got, ok := Parse(h, now)
		if ok != tt.ok || got.Limit != tt.want.Limit || got.Remaining != tt.want.Remaining {
			t.Errorf("%s: got %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
		if tt.reset < 0 {
			if !got.Reset.IsZero() {
				t.Errorf("%s: reset %v, want none", tt.name, got.Reset)
			}
		} else if d := got.Reset.Sub(now); d != tt.reset {
			t.Errorf("%s: reset in %v, want %v", tt.name, d, tt.reset)
		}
	}
}

func itoa(n int64) string { return strconvItoa(n) }

func FuzzParse(f *testing.F) {
	f.Add("RateLimit", `"default";r=50;t=30`)
	f.Add("X-RateLimit-Reset", "1700000000")
	f.Add("X-RateLimit-Reset", "-1")
	f.Add("X-RateLimit-Remaining", "99999999999999999999")
	f.Add("RateLimit", "limit=100, remaining=50, reset=30")
	f.Add("X-Ratelimit-Retryafter", "garbage")
	f.Fuzz(func(t *testing.T, key, value string) {
		h := http.Header{}
		h.Set(key, value)
		info, _ := Parse(h, now)
		if !info.Reset.IsZero() && (info.Reset.Before(now) || info.Reset.Sub(now) > maxReset) {
			t.Fatalf("%s: %q gave reset %v", key, value, info.Reset)
		}
		if info.Limit < -1 || info.Remaining < -1 {
			t.Fatalf("%s: %q gave %+v", key, value, info)
		}
		var p Pacer
		p.Update(info)
		if w, _ := p.Reserve(now); w < 0 || w > defaultMaxWait {
			t.Fatalf("%s: %q made the pacer wait %v", key, value, w)
		}
	})
}

func TestParseAllocatesNothingWithoutFields(t *testing.T) {
	h := http.Header{"Content-Type": {"text/plain"}}
	if n := testing.AllocsPerRun(100, func() { Parse(h, now) }); n != 0 {
		t.Fatalf("%v allocations per Parse of a header without rate-limit fields", n)
	}
}

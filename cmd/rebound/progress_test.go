package main

import (
	"testing"
	"time"
)

func TestRoundDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{94978044 * time.Nanosecond, "95ms"},
		{850400 * time.Nanosecond, "850µs"},
		{3049 * time.Millisecond, "3.05s"},
		{3*time.Second + 200*time.Microsecond, "3s"},
		{12345 * time.Millisecond, "12.3s"},
		{125400 * time.Millisecond, "2m5s"},
		{0, "0s"},
	} {
		if got := roundDuration(tc.d).String(); got != tc.want {
			t.Errorf("roundDuration(%v) = %s, want %s", tc.d, got, tc.want)
		}
	}
}

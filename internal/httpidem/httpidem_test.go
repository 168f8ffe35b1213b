package httpidem

import (
	"net/http"
	"testing"
)

func TestIdempotent(t *testing.T) {
	tests := []struct {
		method string
		header string
		want   bool
	}{
		{"", "", true},
		{http.MethodGet, "", true},
		{http.MethodHead, "", true},
		{http.MethodOptions, "", true},
		{http.MethodTrace, "", true},
		{http.MethodPut, "", true},
		{http.MethodDelete, "", true},
		{http.MethodPost, "", false},
		{http.MethodPatch, "", false},
		{http.MethodPost, "Idempotency-Key", true},
		{http.MethodPatch, "X-Idempotency-Key", true},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, "http://example.test/", nil)
		if tt.header != "" {
			req.Header[tt.header] = []string{"k1"}
		}
		if got := Idempotent(req); got != tt.want {
			t.Errorf("Idempotent(%s with %q) = %v, want %v", tt.method, tt.header, got, tt.want)
		}
	}
}

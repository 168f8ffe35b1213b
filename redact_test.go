package rebound

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/breaker"
	"github.com/rebound-go/rebound/internal/redact"
)

// A secret in a query string never reaches what rebound writes, unless
// the user asks for it.
func TestQueryValuesRedacted(t *testing.T) {
	const secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
	for _, show := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			var logs bytes.Buffer
			f := &fakeTransport{steps: []step{status(503), status(503), status(503)}}
			rt, _ := NewTransport(f, Config{Policy: Policy{Backoff: tick}, ShowQueryValues: show,
				OnEvent: both(SlogEvents(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))), logEvents)})
			log := new(attemptLog)
			req, _ := http.NewRequestWithContext(withLog(context.Background(), log), "GET",
				"https://user:hunter2@api.example.test/v1/charges?limit=3&api_key="+secret+"&flag", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for what, text := range map[string]string{"slog": logs.String(), "attempt log": log.String()} {
				if strings.Contains(text, "hunter2") {
					t.Errorf("%s shows the URL password:\n%s", what, text)
				}
				if got := strings.Contains(text, secret); got != show {
					t.Errorf("ShowQueryValues %v: %s shows the key: %v\n%s", show, what, got, text)
				}
				if !show && !strings.Contains(text, "limit=xxxxx&api_key=xxxxx&flag") {
					t.Errorf("%s does not keep the parameter names:\n%s", what, text)
				}
			}
		})
	}
}

func TestRedactedURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"http://h/p", "http://h/p"},
		{"http://h/p?a=1&b=&c", "http://h/p?a=xxxxx&b=xxxxx&c"},
		{"http://u:p@h/?token=abc", "http://u:xxxxx@h/?token=xxxxx"},
		{"http://h/?a=1;b=2", "http://h/?a=xxxxx"},
	} {
		req, _ := http.NewRequest("GET", tt.in, nil)
		if got := redact.URL(req.URL, false); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.in, got, tt.want)
		}
	}
}

// A breaker opening is a Warn line with the host and both states; its
// closing an Info line; a wait says its delay and source.
func TestSlogBreakerAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		f := &fakeTransport{steps: []step{status(503), status(503), status(200)}}
		rt, _ := NewTransport(f, Config{Policy: Policy{Backoff: tick},
			Breaker: &breaker.Settings{ConsecutiveFailures: 2, OpenTimeout: time.Second, MaxOpenTimeout: time.Second},
			OnEvent: SlogEvents(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))})
		resp, _ := rt.RoundTrip(mustRequest("GET", "http://api.example.test/"))
		resp.Body.Close()
		time.Sleep(2 * time.Second) // fake time: the open period passes
		resp, _ = rt.RoundTrip(mustRequest("GET", "http://api.example.test/"))
		resp.Body.Close()
		out := logs.String()
		for _, want := range []string{
			`level=INFO msg="rebound: wait" host=api.example.test attempt=1 method=GET url=http://api.example.test/ status=503 delay=100ms source=backoff`,
			`level=WARN msg="rebound: breaker open" host=api.example.test from=closed to=open`,
			`level=INFO msg="rebound: breaker closed" host=api.example.test from=half-open to=closed`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %s\n%s", want, out)
			}
		}
	})
}

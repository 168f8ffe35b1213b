package rebound

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestEventsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []string
		f := &fakeTransport{steps: []step{retryAfter(503, "1"), {err: resetByPeer}, status(503)}}
		rt, _ := NewTransport(f, Config{Policy: Policy{Backoff: tick}, OnEvent: func(_ context.Context, e Event) {
			s := fmt.Sprintf("%s#%d", e.Kind, e.Attempt)
			switch e.Kind {
			case EventAttemptDone:
				s += fmt.Sprintf(" status=%d err=%v", e.Status, e.Err != nil)
			case EventWait:
				s += fmt.Sprintf(" %v %s", e.Delay, e.Source)
			case EventGiveUp:
				s += fmt.Sprintf(" %v", e.Reason)
			}
			got = append(got, s)
		}})
		resp, err := rt.RoundTrip(mustRequest("GET", "http://example.test/"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := []string{
			"attempt#1", "attempt done#1 status=503 err=false", "wait#1 1.1s retry-after",
			"attempt#2", "attempt done#2 status=0 err=true", "wait#2 100ms backoff",
			"attempt#3", "attempt done#3 status=503 err=false", "give up#3 rebound: attempts exhausted",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

func mustRequest(method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		panic(err)
	}
	return req
}

// TestEventLogAndStats: the events of one call, collected by an OnEvent
// through the call's context, tell what each attempt did; Stats count the
// calls of an http.Client over the Transport.
func TestEventLogAndStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(502), status(200)}}
		rt, err := NewTransport(f, Config{Policy: Policy{Backoff: tick}, OnEvent: logEvents})
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Transport: rt}
		log := new(attemptLog)
		req := mustRequest("GET", "http://user:hunter2@example.test/a")
		resp, err := c.Do(req.WithContext(withLog(req.Context(), log)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		a := log.Attempts()
		if len(a) != 2 || a[0].Status != 502 || a[0].Wait != 100*time.Millisecond || a[0].WaitWhy != "backoff" || a[1].Status != 200 || log.GaveUp() != nil {
			t.Fatalf("log: %+v", a)
		}
		s := log.String()
		if strings.Contains(s, "hunter2") || !strings.Contains(s, "attempt 1: GET http://user:xxxxx@example.test/a → 502 Bad Gateway") {
			t.Fatalf("log string:\n%s", s)
		}
		if st := rt.Stats(); st != (Stats{Requests: 1, Retries: 1, Succeeded: 1}) {
			t.Fatalf("stats %+v", st)
		}
		f.steps = []step{status(503)}
		resp, _ = c.Get("http://example.test/")
		resp.Body.Close()
		if st := rt.Stats(); st != (Stats{Requests: 2, Retries: 3, Succeeded: 1, Failed: 1}) {
			t.Fatalf("stats %+v", st)
		}
	})
}

// Secrets: every logging path sees requests with credentials and must not
// print them.
func TestNoSecretsInLogs(t *testing.T) {
	secrets := []string{"Bearer s3cr3t-token", "session=c00kie", "Basic cHJveHk6cHc=", "hunter2"}
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		var hookOut bytes.Buffer
		slogHook := SlogEvents(logger)
		f := &fakeTransport{steps: []step{status(503), {err: resetByPeer}}}
		rt, _ := NewTransport(f, Config{Policy: Policy{Backoff: tick}, OnEvent: func(ctx context.Context, e Event) {
			slogHook(ctx, e)
			logEvents(ctx, e)
			fmt.Fprintf(&hookOut, "%s %v %v %v\n", e.Kind, e.Err, e.Reason, e.Status)
		}})
		log := new(attemptLog)
		req, _ := http.NewRequestWithContext(withLog(context.Background(), log), "GET", "http://admin:hunter2@example.test/x", nil)
		req.Header.Set("Authorization", secrets[0])
		req.Header.Set("Cookie", secrets[1])
		req.Header.Set("Proxy-Authorization", secrets[2])
		_, err := rt.RoundTrip(req)
		if err == nil {
			t.Fatal("want an error")
		}
		for _, out := range []string{buf.String(), hookOut.String(), log.String(), err.Error()} {
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("secret %q in output:\n%s", s, out)
				}
			}
		}
		if !strings.Contains(buf.String(), "level=WARN msg=\"rebound: give up\"") || !strings.Contains(buf.String(), "url=http://admin:xxxxx@example.test/x") {
			t.Errorf("slog output lacks the give-up or the redacted URL:\n%s", buf.String())
		}
	})
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Policy: Policy{RetryStatuses: []int{200}}}, "200 is a success"},
		{Config{Policy: Policy{RetryStatuses: []int{42}}}, "42 is not an HTTP status code"},
		{Config{Policy: Policy{Backoff: tick}}, ""},
		{Config{Retrier: &Policy{RetryStatuses: []int{1000}}}, "1000 is not an HTTP status code"},
	}
	for _, tt := range tests {
		_, err := NewTransport(nil, tt.cfg)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", tt.cfg, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err %v, want %q", tt.cfg, err, tt.want)
		}
		if _, err := NewRunner(tt.cfg); err == nil {
			t.Errorf("NewRunner accepted %+v", tt.cfg)
		}
	}
}

// One Transport used by many goroutines, some with their own policy in the
// context: every call follows its own policy (run with -race).
func TestConcurrentUseWithContextPolicies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTransport{steps: []step{status(503)}}
		rt, _ := NewTransport(f, Config{Policy: Policy{Attempts: 3, Backoff: tick}})
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				if i%2 == 0 {
					ctx = WithRetrier(ctx, &Policy{Attempts: 2, Backoff: tick})
				}
				req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.test/", nil)
				resp, err := rt.RoundTrip(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}()
		}
		wg.Wait()
		if got, want := f.callCount(), 32*2+32*3; got != want {
			t.Fatalf("calls = %d, want %d", got, want)
		}
		if st := rt.Stats(); st.Requests != 64 || st.Failed != 64 || st.Retries != 32+64 {
			t.Fatalf("stats %+v", st)
		}
	})
}

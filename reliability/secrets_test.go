package reliability_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rebound-go/rebound"
	"github.com/rebound-go/rebound/faults"
)

// Requests that carry Authorization, Cookie and Proxy-Authorization
// headers and a password in their URL go through every path rebound logs
// on, against a server that fails them in every way: SlogEvents (text and
// JSON), an OnEvent hook that prints whole Events with %v and %+v, and the
// errors and RetryErrors that come back, from the Transport and from an
// http.Client over it. None of the secret values appears in any of it.
//
// What is fair: rebound promises that what it writes never holds a header
// value or a URL password. An Event carries the live *http.Request, and a
// hook that prints the request's headers itself prints them; printing the
// Event as a whole does not, since fmt shows a nested pointer as an
// address.
func TestNoSecretsInAnythingReboundLogs(t *testing.T) {
	checkLeaks(t)
	const (
		token    = "s3cr3t-t0ken-4f9a"
		cookie   = "c00kie-v4lue-77e1"
		password = "hunter2-pw-0b3c"
	)
	proxy := base64.StdEncoding.EncodeToString([]byte("proxyuser:pr0xy-pw-9d2e"))
	secrets := []string{token, cookie, password, proxy, "pr0xy-pw-9d2e"}

	in, err := faults.New(faults.Scenario{
		Seed: 7,
		Faults: []faults.Fault{
			{Kind: faults.Status, Rate: 0.2, Status: 503},
			{Kind: faults.Status, Rate: 0.1, Status: 429, RetryAfter: time.Second},
			{Kind: faults.Reset, Rate: 0.15},
			{Kind: faults.Truncate, Rate: 0.1, Bytes: 3},
			{Kind: faults.Hang, Rate: 0.05},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var withCredentials atomic.Int64
	srv, err := faults.NewServer(nil, in, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), token) && strings.Contains(r.Header.Get("Cookie"), cookie) {
			withCredentials.Add(1)
		}
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "hello, authenticated caller")
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)

	var (
		mu  sync.Mutex
		out bytes.Buffer // everything rebound, or a naive hook, wrote
	)
	text := rebound.SlogEvents(slog.New(slog.NewTextHandler(&lockedWriter{&mu, &out}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	json := rebound.SlogEvents(slog.New(slog.NewJSONHandler(&lockedWriter{&mu, &out}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	cfg := rebound.Config{
		AttemptTimeout: 200 * time.Millisecond,
		Policy:         rebound.Policy{Attempts: 4, Backoff: quick, MaxRetryAfter: 100 * time.Millisecond},
		OnEvent: func(ctx context.Context, e rebound.Event) {
			text(ctx, e)
			json(ctx, e)
			mu.Lock()
			fmt.Fprintf(&out, "%v\n%+v\n", e, e)
			mu.Unlock()
		},
	}
	inner := pool()
	t.Cleanup(inner.CloseIdleConnections)
	rt, err := rebound.NewTransport(inner, cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: rt}
	target := strings.Replace(srv.URL, "http://", "http://admin:"+password+"@", 1) + "/private"
	var errorsSeen int
	for i := range 60 {
		method := []string{"GET", "POST", "PUT"}[i%3]
		req, _ := http.NewRequest(method, target, strings.NewReader("form=1"))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Cookie", "session="+cookie)
		req.Header.Set("Proxy-Authorization", "Basic "+proxy)
		if i%2 == 0 {
			req.Header.Set("Idempotency-Key", fmt.Sprint("key-", i))
		}
		var resp *http.Response
		if i%2 == 0 {
			resp, err = rt.RoundTrip(req)
		} else {
			resp, err = client.Do(req)
		}
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		mu.Lock()
		if err != nil {
			errorsSeen++
			fmt.Fprintf(&out, "%v\n%+v\n%s\n", err, err, err.Error())
		}
		mu.Unlock()
	}
	mu.Lock()
	defer mu.Unlock()
	all := out.String()
	for _, s := range secrets {
		if i := strings.Index(all, s); i >= 0 {
			t.Errorf("secret %q in the output: …%s…", s, all[max(i-200, 0):min(i+100, len(all))])
		}
	}
	// The test means something only if the credentials reached the server
	// and the logs have something in them.
	if withCredentials.Load() == 0 || errorsSeen == 0 || !strings.Contains(all, "admin:xxxxx@") || !strings.Contains(all, "give up") {
		t.Errorf("%d requests with credentials reached the handler, %d calls failed, %d bytes of logs; the test saw too little",
			withCredentials.Load(), errorsSeen, len(all))
	}
	t.Logf("%d calls failed, %d bytes of logs, no secret in them", errorsSeen, len(all))
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

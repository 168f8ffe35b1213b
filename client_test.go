package rebound

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// A 307 or 308 redirect of a body net/http cannot replay is followed with
// the body rebound recorded for its own retries.
func TestClientFollowsRedirectWithRecordedBody(t *testing.T) {
	checkGoroutines(t)
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if r.URL.Path == "/old" {
				http.Redirect(w, r, "/new", code)
				return
			}
			io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(body))
		})
		c, err := NewClient(&http.Client{Transport: pooledTransport(0)}, Config{})
		if err != nil {
			t.Fatal(err)
		}
		closed := &closeTracker{Reader: opaqueReader{strings.NewReader("payload")}}
		req, _ := http.NewRequest("POST", srv.URL+"/old", closed)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.CloseIdleConnections()
		if resp.StatusCode != 200 || string(got) != "POST /new payload" || !closed.closed {
			t.Errorf("%d: %d %q, body closed %v; want 200 \"POST /new payload\" and the body closed", code, resp.StatusCode, got, closed.closed)
		}
		// Client.Post takes the same path.
		resp, err = c.Post(srv.URL+"/old", "text/plain", opaqueReader{strings.NewReader("again")})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		c.CloseIdleConnections()
		if string(got) != "POST /new again" {
			t.Errorf("%d via Post: %q", code, got)
		}
	}
}

package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"syscall"
	"testing"
	"time"
)

func TestUniformIsDeterministicAndSpread(t *testing.T) {
	hits := 0
	const n = 20000
	for id := range n {
		u := uniform(1, uint64(id), 1)
		if u != uniform(1, uint64(id), 1) || u < 0 || u >= 1 {
			t.Fatalf("uniform(1, %d, 1) = %v, not stable or out of range", id, u)
		}
		if u < 0.3 {
			hits++
		}
	}
	if share := float64(hits) / n; share < 0.28 || share > 0.32 {
		t.Errorf("30 %% rate hit %.3f of draws", share)
	}
	if uniform(1, 5, 1) == uniform(1, 5, 2) || uniform(1, 5, 1) == uniform(2, 5, 1) {
		t.Error("attempt or seed does not change the draw")
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 1000; i++ {
		ds = append(ds, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 500}, {0.99, 990}, {0.999, 999}, {1, 1000}} {
		if got := Percentile(ds, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 0.5) != 0 {
		t.Error("empty")
	}
}

func TestErrorKind(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&url.Error{Op: "Get", URL: "http://127.0.0.1:1234/", Err: context.DeadlineExceeded}, "deadline exceeded"},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), "connection reset"},
		{errors.New("GET http://127.0.0.1:5555 giving up after 4 attempt(s): EOF"), "EOF"},
		{io.ErrUnexpectedEOF, "unexpected EOF"},
		{errors.New("status 503"), "error: status 503"},
		{&url.Error{Op: "Get", URL: "http://127.0.0.1:1234/", Err: errors.New("budget exceeded")}, "budget exceeded"},
		{errors.New("dial 127.0.0.1:4242 no route 7"), "dial ADDR no route N"},
	} {
		if got := ErrorKind(c.err); got != c.want {
			t.Errorf("ErrorKind(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestDur(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1500 * time.Microsecond: "1.50 ms", 403 * time.Millisecond: "403 ms",
		2 * time.Second: "2.00 s", 473 * time.Microsecond: "473 µs",
	} {
		if got := Dur(d); got != want {
			t.Errorf("Dur(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestConnTable(t *testing.T) {
	w := Workload{N: 10, Timeout: time.Second}
	a := &Result{Workload: w, Client: "a", OK: 10, Calls: 10, Server: ServerStats{NewConns: 32}}
	b := &Result{Workload: w, Client: "b", OK: 1, Calls: 4, TimedOut: true, Server: ServerStats{NewConns: 33}}
	got := ConnTable([]ConnColumn{
		{Title: "x", Results: []*Result{a}},
		{Title: "y", Results: []*Result{a, b}, ShowSuccess: true},
	})
	want := "| client | x: new conns | y: new conns | y: success |\n|---|--:|--:|--:|\n" +
		"| a | 32 | 32 | 100.0 % |\n" +
		"| b | – | 33 (timed out after 1s: 4/10 calls) | 10.0 % |\n"
	if got != want {
		t.Errorf("ConnTable:\n%s\nwant:\n%s", got, want)
	}
}

package limits

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rebound-go/rebound/limit"
)

// TestQuotaAdmit walks nginx's limit_req algorithm through fixed instants.
func TestQuotaAdmit(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	tests := []struct {
		name         string
		rate, burst  int
		at           []time.Time
		want         []bool
		wantAdmitted int64
	}{
		{"first is admitted", 50, 0, []time.Time{ms(0)}, []bool{true}, 1},
		{"50 r/s without burst: 20 ms apart", 50, 0,
			[]time.Time{ms(0), ms(5), ms(19), ms(20), ms(39), ms(40)},
			[]bool{true, false, false, true, false, true}, 3},
		{"a refusal does not move the bucket", 50, 0,
			[]time.Time{ms(0), ms(10), ms(20)}, []bool{true, false, true}, 2},
		{"burst 2 admits three at once", 50, 2,
			[]time.Time{ms(0), ms(0), ms(0), ms(0), ms(20)},
			[]bool{true, true, true, false, true}, 4},
		{"a clock that steps back counts the gap's size", 10, 0,
			[]time.Time{ms(1000), ms(0)}, []bool{true, true}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQuota(tt.rate, tt.burst)
			for i, at := range tt.at {
				if got := q.Admit(at); got != tt.want[i] {
					t.Errorf("request %d at %v: admitted %v, want %v", i, at.Sub(t0), got, tt.want[i])
				}
			}
			if q.Admitted() != tt.wantAdmitted || q.Admitted()+q.Refused() != int64(len(tt.at)) {
				t.Errorf("admitted %d, refused %d; want %d admitted of %d", q.Admitted(), q.Refused(), tt.wantAdmitted, len(tt.at))
			}
		})
	}
}

// TestQueueServerOrder checks, in fake time, that the server serves Workers
// requests at once, queues the rest in order, drops a request whose client
// left while it queued, and follows SetWorkers.
func TestQueueServerOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := &QueueServer{service: 10 * time.Millisecond, workers: 2}
		start := time.Now()
		var (
			mu   sync.Mutex
			done = map[int]time.Duration{}
			wg   sync.WaitGroup
		)
		serve := func(id int, ctx context.Context) {
			defer wg.Done()
			if !q.acquire(ctx) {
				return
			}
			time.Sleep(q.service) // the work, in fake time
			mu.Lock()
			done[id] = time.Since(start)
			mu.Unlock()
			q.release()
		}
		gone, leave := context.WithCancel(context.Background())
		for id := range 5 {
			ctx := context.Background()
			if id == 3 {
				ctx = gone
			}
			wg.Add(1)
			go serve(id, ctx)
			synctest.Wait() // arrivals in order of id
		}
		leave() // request 3 goes away while it queues
		wg.Wait()
		want := map[int]time.Duration{0: 10 * time.Millisecond, 1: 10 * time.Millisecond,
			2: 20 * time.Millisecond, 4: 20 * time.Millisecond}
		if len(done) != len(want) {
			t.Fatalf("served %v, want %v", done, want)
		}
		for id, at := range want {
			if done[id] != at {
				t.Errorf("request %d done at %v, want %v", id, done[id], at)
			}
		}

		// Halve, then double: past the cut only one runs at a time.
		q.SetWorkers(1)
		start, done = time.Now(), map[int]time.Duration{}
		for id := range 3 {
			wg.Add(1)
			go serve(id, context.Background())
		}
		synctest.Wait()
		q.SetWorkers(3) // the two waiting start at once
		wg.Wait()
		for id, at := range done {
			if at != 10*time.Millisecond {
				t.Errorf("after SetWorkers(3), request %d done at %v, want 10ms", id, at)
			}
		}
		if q.busy != 0 || len(q.queue) != 0 {
			t.Errorf("busy %d, queued %d after every request", q.busy, len(q.queue))
		}
	})
}

// smallQueue is RunQueue at the scale of a smoke test: it checks that the
// set-up runs and the counts add up, never speed.
func smallQueue() QueueOptions {
	return QueueOptions{Workers: 4, Service: 5 * time.Millisecond, Half: 250 * time.Millisecond, Settle: 50 * time.Millisecond,
		Load: 1.5, Deadline: 200 * time.Millisecond, MaxWait: time.Millisecond, Seed: 1}
}

func TestRunQueueSmoke(t *testing.T) {
	t.Parallel()
	o := smallQueue()
	r, err := RunQueue(o, QueueContenders(o))
	if err != nil {
		t.Fatal(err)
	}
	if r.Unloaded.OK == 0 || r.Unloaded.Refused != 0 {
		t.Errorf("unloaded: %d of %d calls OK, %d refused", r.Unloaded.OK, r.Unloaded.Calls, r.Unloaded.Refused)
	}
	if len(r.Rows) != 4 {
		t.Fatalf("%d rows, want 4", len(r.Rows))
	}
	for _, row := range r.Rows {
		for h, s := range row.Halves {
			if s.Calls == 0 || s.OK+s.Refused+s.Failed != s.Calls {
				t.Errorf("%s half %d: %+v", row.Client, h+1, s)
			}
			if st := row.Settled[h]; st.Calls == 0 || st.Calls >= s.Calls {
				t.Errorf("%s half %d: %d calls settled of %d", row.Client, h+1, st.Calls, s.Calls)
			}
			if row.Done[h] > s.OK+row.Halves[0].OK {
				t.Errorf("%s half %d: %d calls done OK, more than started", row.Client, h+1, row.Done[h])
			}
			if row.Client == "nethttp" && s.Refused != 0 {
				t.Errorf("nethttp refused %d calls", s.Refused)
			}
		}
	}
	md := r.Markdown()
	for _, want := range []string{"rebound+limit", "failsafe-go+limit", "rebound+bulkhead(4)", "nethttp", "| 2 | 400/s |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestRunPrioritySmoke(t *testing.T) {
	t.Parallel()
	o := DefaultPriorityOptions()
	o.Workers, o.Service, o.Warmup, o.Duration, o.Deadline = 4, 5*time.Millisecond, 100*time.Millisecond, 300*time.Millisecond, 200*time.Millisecond
	r, err := RunPriority(o, PriorityContenders(o))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 3 {
		t.Fatalf("%d rows, want 3", len(r.Rows))
	}
	for _, row := range r.Rows {
		sum := 0
		for i, s := range row.By {
			if s.Calls == 0 || s.OK+s.Refused+s.Failed != s.Calls {
				t.Errorf("%s, %s: %+v", row.Client, limit.Priority(i-1), s)
			}
			sum += s.Calls
		}
		if sum != row.All.Calls {
			t.Errorf("%s: %d calls by priority, %d in all", row.Client, sum, row.All.Calls)
		}
	}
	if md := r.Markdown(); !strings.Contains(md, "| rebound+limit | critical |") {
		t.Errorf("Markdown lacks rebound's critical row:\n%s", md)
	}
}

func TestRunQuotaSmoke(t *testing.T) {
	t.Parallel()
	o := QuotaOptions{Rate: 200, Callers: 4, N: 40, Deadline: time.Second, Seed: 1}
	rows, err := RunQuota(o, QuotaClients())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5", len(rows))
	}
	for _, row := range rows {
		r := row.Result
		if r.Calls != o.N || r.TimedOut {
			t.Errorf("%s: %d of %d calls, timed out %v", r.Client, r.Calls, o.N, r.TimedOut)
		}
		if got := row.Admitted + row.Refused; got != r.Server.Requests {
			t.Errorf("%s: quota saw %d requests, server %d", r.Client, got, r.Server.Requests)
		}
		if int64(r.OK) != row.Admitted { // a 200 ends every client's call
			t.Errorf("%s: %d calls OK, %d requests admitted", r.Client, r.OK, row.Admitted)
		}
	}
	if md := QuotaMarkdown(o, rows); !strings.Contains(md, "| rebound+learn |") {
		t.Errorf("Markdown lacks rebound+learn:\n%s", md)
	}
}

// TestClassify classifies the ends of a call.
func TestClassify(t *testing.T) {
	ok := func(code int) *http.Response {
		return &http.Response{StatusCode: code, Body: http.NoBody}
	}
	tests := []struct {
		name string
		resp *http.Response
		err  error
		want ending
	}{
		{"200", ok(200), nil, endOK},
		{"503", ok(503), nil, endFailed},
		{"limit refused", nil, limit.ErrLimited, endRefused},
		{"deadline", nil, context.DeadlineExceeded, endFailed},
	}
	for _, tt := range tests {
		if got := classify(tt.resp, tt.err); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

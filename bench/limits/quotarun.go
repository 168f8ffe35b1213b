package limits

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rebound-go/rebound/bench/clients"
	"github.com/rebound-go/rebound/bench/harness"
)

// QuotaOptions scale RunQuota.
type QuotaOptions struct {
	Rate     int           // the server's quota, requests a second
	Burst    int           // nginx's burst, requests; 0 for none
	Callers  int           // callers in a loop, each making one call after another
	N        int           // calls in all
	Deadline time.Duration // each call's deadline
	Seed     uint64
}

// DefaultQuotaOptions are those of the issue and of the published table:
// 50 requests a second without burst (nginx's limit_req rate=50r/s), 8
// callers, 2 s deadline per call, 500 calls (10 s at the quota).
func DefaultQuotaOptions() QuotaOptions {
	return QuotaOptions{Rate: 50, Callers: 8, N: 500, Deadline: 2 * time.Second, Seed: 1}
}

// QuotaClients are the clients of RunQuota, from clients.All: plain
// net/http, go-retryablehttp (its own Do), failsafe-go, rebound, and
// rebound with the learnt rate (rebound+learn), all with the common retry
// settings (clients.DefaultSettings: 4 attempts, 1 ms doubling to 10 ms).
func QuotaClients() []clients.Constructor {
	want := []string{clients.Baseline, "retryablehttp-do", "failsafe-go", "rebound", "rebound+learn"}
	var cs []clients.Constructor
	for _, c := range clients.All() {
		if slices.Contains(want, c.Name) {
			cs = append(cs, c)
		}
	}
	return cs
}

// QuotaRow is one client's run.
type QuotaRow struct {
	Result            *harness.Result
	Admitted, Refused int64 // requests the quota admitted and refused (429)
}

// RefusedShare is the share of the requests that reached the server and
// were refused with 429.
func (r QuotaRow) RefusedShare() float64 {
	return float64(r.Refused) / float64(max(1, r.Admitted+r.Refused))
}

// QuotaWorkload is the harness workload of RunQuota for one client, with a
// fresh quota q.
func QuotaWorkload(o QuotaOptions, q *Quota) harness.Workload {
	return harness.Workload{
		Name: "quota-nginx",
		About: fmt.Sprintf("GET; a quota of %d requests a second, burst %d, by nginx's limit_req algorithm; beyond it 429 with no rate-limit header",
			o.Rate, o.Burst),
		N: o.N, C: o.Callers, CallTimeout: o.Deadline, Method: http.MethodGet,
		Timeout:  time.Duration(o.N/max(1, o.Rate))*4*time.Second + 30*time.Second,
		Settings: clients.DefaultSettings(),
		Handler: func(_ *harness.Server, w http.ResponseWriter, _ *http.Request, _, _ int) {
			if q.Admit(time.Now()) {
				harness.OK(w)
				return
			}
			Refuse(w)
		},
	}
}

// RunQuota runs each client in turn against a fresh quota.
func RunQuota(o QuotaOptions, cs []clients.Constructor) ([]QuotaRow, error) {
	var rows []QuotaRow
	for _, c := range cs {
		q := NewQuota(o.Rate, o.Burst)
		r, err := harness.Run(QuotaWorkload(o, q), c, o.Seed)
		if err != nil {
			return nil, err
		}
		rows = append(rows, QuotaRow{Result: r, Admitted: q.Admitted(), Refused: q.Refused()})
	}
	return rows, nil
}

// QuotaMarkdown renders RunQuota's rows: a line on the set-up and one row
// per client.
func QuotaMarkdown(o QuotaOptions, rows []QuotaRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Quota server: %d requests a second, burst %d, nginx's limit_req algorithm, 429 without any rate-limit header; %d callers in a loop, %d calls, %v deadline per call; every client 4 attempts, backoff 1 ms doubling to 10 ms.\n\n",
		o.Rate, o.Burst, o.Callers, o.N, o.Deadline)
	b.WriteString("| client | success | requests refused (429) | server req/call | p50 | p99 | elapsed | calls that failed |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|---|\n")
	for _, row := range rows {
		r := row.Result
		var failed []string
		for code, n := range r.Statuses {
			if code != http.StatusOK {
				failed = append(failed, fmt.Sprintf("%d×%d", code, n))
			}
		}
		for kind, n := range r.Errors {
			failed = append(failed, fmt.Sprintf("%s ×%d", strings.ReplaceAll(kind, "|", "/"), n))
		}
		slices.Sort(failed)
		cell := strings.Join(failed, "; ")
		if cell == "" {
			cell = "–"
		}
		fmt.Fprintf(&b, "| %s | %.1f %% | %.1f %% | %.2f | %s | %s | %s | %s |\n", r.Client, 100*r.SuccessRate(),
			100*row.RefusedShare(), r.LoadFactor(), harness.Dur(harness.Percentile(r.Latencies, 0.5)),
			harness.Dur(harness.Percentile(r.Latencies, 0.99)), harness.Dur(r.Elapsed.Round(time.Millisecond)), cell)
	}
	return b.String()
}

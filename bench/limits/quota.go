package limits

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Quota refuses requests beyond a fixed rate with 429 and no rate-limit
// header (no Retry-After, no RateLimit-*): the behaviour of nginx's
// limit_req with limit_req_status 429, which is how most servers that
// refuse without saying their quota are built. The algorithm is nginx's
// (ngx_http_limit_req_module.c, ngx_http_limit_req_lookup; documented at
// nginx.org/en/docs/http/ngx_http_limit_req_module.html): a leaky bucket
// counted in thousandths of a request, drained at the rate every
// millisecond; a request is admitted if the bucket, with it, holds no more
// than burst requests. With burst 0, admitted requests are at least
// 1/rate apart, however the callers are spread.
//
// A Quota is safe for concurrent use. Its zero value is not usable: make
// one with NewQuota.
type Quota struct {
	rate  int64 // thousandths of a request per second
	burst int64 // thousandths of a request

	mu     sync.Mutex
	excess int64 // thousandths of a request
	last   time.Time

	admitted, refused atomic.Int64
}

// NewQuota returns a Quota of rate requests a second (at least 1) with a
// burst of burst requests (0 for none, as nginx's default).
func NewQuota(rate, burst int) *Quota {
	return &Quota{rate: int64(max(1, rate)) * 1000, burst: int64(max(0, burst)) * 1000}
}

// Admit reports whether a request arriving at now is within the quota.
func (q *Quota) Admit(now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	excess := int64(0)
	if !q.last.IsZero() {
		ms := now.Sub(q.last).Milliseconds()
		ms = min(max(ms, -ms), 60_000) // nginx takes the absolute value; past a minute the bucket is empty anyway
		excess = max(0, q.excess-q.rate*ms/1000+1000)
	}
	if excess > q.burst {
		q.refused.Add(1)
		return false
	}
	q.excess, q.last = excess, now
	q.admitted.Add(1)
	return true
}

// Admitted returns the number of requests admitted so far.
func (q *Quota) Admitted() int64 { return q.admitted.Load() }

// Refused returns the number of requests refused so far.
func (q *Quota) Refused() int64 { return q.refused.Load() }

// refusalBody is nginx's default error page for 429, in size and kind.
const refusalBody = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// Refuse answers 429 as nginx does: an HTML page and no header that says
// when to come back.
func Refuse(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusTooManyRequests)
	io.WriteString(w, refusalBody)
}

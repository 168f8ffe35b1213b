package lab

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests:\n%s", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines waits up to five seconds for the goroutines of
// servers, connections and the lab to end, and describes those that
// remain.
func leakedGoroutines() string {
	var stacks []string
	for deadline := time.Now().Add(5 * time.Second); ; {
		stacks = stacks[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			ours := strings.Contains(g, "net/http.") || strings.Contains(g, "internal/lab.")
			if ours && !strings.Contains(g, "leakedGoroutines") && !strings.Contains(g, "testing.tRunner") {
				stacks = append(stacks, g)
			}
		}
		if len(stacks) == 0 || time.Now().After(deadline) {
			return strings.Join(stacks, "\n\n")
		}
		time.Sleep(10 * time.Millisecond) // polling for exit, not proving a schedule
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and a later reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

//go:build browser

// The report's charts are drawn by its own script, so only a browser can
// tell whether they are: these tests load reports in headless Chromium
// and read what the page's self-check wrote. Run them with
//
//	go test -tags browser -run Browser ./internal/lab/
//
// with Chromium at /usr/bin/chromium, or where $CHROMIUM says.

package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

type selfCheck struct {
	Errors        []string `json:"errors"`
	Clients       int      `json:"clients"`
	LatencySeries int      `json:"latencySeries"`
	SuccessSeries int      `json:"successSeries"`
	LoadSeries    int      `json:"loadSeries"`
	BreakerBands  int      `json:"breakerBands"`
	HoverCharts   int      `json:"hoverCharts"`
	BucketMs      float64  `json:"bucketMs"`
}

// want is what the self-check of a report of results should say: a
// latency curve for the calls that succeeded and one for those that
// failed, where there are any; a band per host with a breaker; values
// under the pointer in all four charts; buckets of 100 ms.
func want(results []*Result) selfCheck {
	c := selfCheck{Clients: len(results), SuccessSeries: len(results), LoadSeries: len(results), HoverCharts: 4, BucketMs: 100}
	for _, r := range results {
		if r.OK() > 0 {
			c.LatencySeries++
		}
		if r.OK() < len(r.Calls) {
			c.LatencySeries++
		}
		c.BreakerBands += len(r.BreakerHosts)
	}
	return c
}

func (c selfCheck) matches(w selfCheck) bool {
	return len(c.Errors) == 0 && c.Clients == w.Clients && c.LatencySeries == w.LatencySeries && c.SuccessSeries == w.SuccessSeries &&
		c.LoadSeries == w.LoadSeries && c.BreakerBands == w.BreakerBands && c.HoverCharts == w.HoverCharts && c.BucketMs == w.BucketMs
}

// loadInBrowser opens the page in headless Chromium and returns what its
// self-check recorded.
func loadInBrowser(t *testing.T, page []byte) selfCheck {
	t.Helper()
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(chromium); err != nil {
		t.Fatalf("the browser tests need Chromium: %v (apt-get install chromium, or set $CHROMIUM)", err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	profile, err := os.MkdirTemp("", "rebound-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+profile, "--dump-dom", "file://"+file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`(?s)<pre id="selfcheck"[^>]*>(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("no self-check in the DOM Chromium dumped:\n%s", dom)
	}
	var c selfCheck
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &c); err != nil {
		t.Fatalf("self-check %q: %v (did the script run?)", m[1], err)
	}
	return c
}

func report(t *testing.T, info ReportInfo, results []*Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteReport(&b, info, results); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBrowserDrawsOneSeriesPerClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	s := DefaultScenario(100*time.Millisecond, 200*time.Millisecond)
	results, err := Run(ctx, Config{N: 100, C: 8, Rate: 400, Scenario: s, Clients: quickClients(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	c := loadInBrowser(t, report(t, ReportInfo{Workload: "browser test", Scenario: s, Date: time.Now()}, results))
	if w := want(results); !c.matches(w) || w.BreakerBands != 1 {
		t.Errorf("self-check %+v, want %+v (one band: the guarded client's host)", c, w)
	}
}

func TestBrowserDrawsEdgeCases(t *testing.T) {
	// Zero latencies, a client without a success, a single call.
	results := syntheticResults()
	c := loadInBrowser(t, report(t, syntheticInfo(), results))
	if w := want(results); !c.matches(w) {
		t.Errorf("self-check %+v, want %+v", c, w)
	}
}

// TestBrowserSelfCheckSeesErrors makes sure an empty error list means
// something: a page with a script that throws must report it.
func TestBrowserSelfCheckSeesErrors(t *testing.T) {
	page := string(report(t, syntheticInfo(), syntheticResults()))
	broken := strings.Replace(page, "</body>", "<script>console.error(\"deliberate\"); noSuchFunction();</script>\n</body>", 1)
	c := loadInBrowser(t, []byte(broken))
	joined := strings.Join(c.Errors, "\n")
	if !strings.Contains(joined, "deliberate") || !strings.Contains(joined, "noSuchFunction") {
		t.Errorf("self-check errors %q: want the console error and the thrown one", c.Errors)
	}
}

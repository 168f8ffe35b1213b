package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/rebound-go/rebound/faults"
	"github.com/rebound-go/rebound/internal/lab"
)

// faultsOptions are the flags of `rebound faults`.
type faultsOptions struct {
	addr          string
	duration      time.Duration
	printScenario bool
	scenario      *scenarioOptions
}

func faultsFlags(w io.Writer) (*flag.FlagSet, *faultsOptions) {
	o := new(faultsOptions)
	fs := newFlagSet("faults", faultsUsage, w)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "`ADDRESS` to listen on")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: at SIGINT or SIGTERM)")
	fs.BoolVar(&o.printScenario, "print-scenario", false, "print the scenario as JSON and exit")
	o.scenario = addScenarioFlags(fs)
	return fs, o
}

// serveFaults runs `rebound faults`: a fault-injecting server until
// SIGINT, SIGTERM or -duration, then what it injected.
func serveFaults(ctx context.Context, args []string, e *env) int {
	fs, o := faultsFlags(e.stderr)
	pos, err := parseArgs(fs, args)
	if code := parseStatus(err); code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return usageError(e.stderr, "faults", "unexpected argument %q", pos[0])
	}
	s, err := o.scenario.scenario(flagSet(fs))
	if err != nil {
		return usageError(e.stderr, "faults", "%v", err)
	}
	if o.printScenario {
		return printScenario(e.stdout, s)
	}
	in, err := faults.New(s)
	if err != nil {
		return usageError(e.stderr, "faults", "%v", err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "rebound faults: %v\n", err)
		return exitError
	}
	if !loopbackOnly(ln.Addr()) {
		fmt.Fprintf(e.stderr, "rebound faults: warning: listening on %s, beyond loopback: anyone who can reach this machine can use this server; -addr 127.0.0.1:PORT keeps it local\n", ln.Addr())
	}
	srv, _ := faults.NewServer(ln, in, nil) // 200 "ok" past the faults; never fails with a listener
	fmt.Fprintf(e.stdout, "rebound faults: serving %s\nfaults: %s\n", srv.URL, lab.Describe(s))
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	<-ctx.Done()
	srv.Close()
	fmt.Fprint(e.stdout, formatStats(in.Stats()))
	return exitOK
}

// loopbackOnly reports whether addr can be reached from this machine
// alone: a loopback IP address, or a Unix socket.
func loopbackOnly(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}

// flagSet returns a function that reports whether the named flag was given.
func flagSet(fs *flag.FlagSet) func(string) bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return func(name string) bool { return set[name] }
}

func printScenario(w io.Writer, s faults.Scenario) int {
	js, err := s.MarshalJSON()
	if err != nil {
		fmt.Fprintf(w, "rebound: %v\n", err)
		return exitError
	}
	fmt.Fprintf(w, "%s\n", js)
	return exitOK
}

// formatStats renders what a fault server counted.
func formatStats(st faults.Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "requests %d: forwarded %d, delayed %d, in an outage %d\n", st.Requests, st.Forwarded, st.Delayed, st.InOutage)
	fmt.Fprintf(&b, "faults: status %d, reset %d, truncated %d, hang %d, trickled %d\n", st.Statuses, st.Resets, st.Truncated, st.Hangs, st.Trickled)
	var codes []string
	for _, c := range slices.Sorted(maps.Keys(st.Responses)) {
		codes = append(codes, fmt.Sprintf("%d: %d", c, st.Responses[c]))
	}
	if len(codes) == 0 {
		codes = []string{"none"}
	}
	fmt.Fprintf(&b, "responses: %s\n", strings.Join(codes, ", "))
	fmt.Fprintf(&b, "connections: %d\n", st.Connections)
	return b.String()
}

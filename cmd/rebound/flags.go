package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints usage, then the flags, to w.
func newFlagSet(name, usage string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags wherever they stand among the arguments, as curl
// does (`rebound get URL -v`), and returns the other arguments. A "--"
// ends the flags.
//
// A bad flag is reported in one line and a pointer to the command's help,
// not with the whole usage; -h prints the usage.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	out, usage := fs.Output(), fs.Usage
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	fs.Usage = func() {}
	defer func() { fs.SetOutput(out); fs.Usage = usage }()

	pos, err := parseAll(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(out)
		usage()
	case err != nil:
		line, _, _ := strings.Cut(strings.TrimSpace(msg.String()), "\n")
		usageError(out, fs.Name(), "%s", line)
	}
	return pos, err
}

func parseAll(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseStatus maps the outcome of parsing flags to an exit status: 0 for
// -h (usage was printed), exitUsage for an error (already reported by
// parseArgs), -1 to go on.
func parseStatus(err error) int {
	switch {
	case err == nil:
		return -1
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	return exitUsage
}

// usageError reports a bad command line and returns exitUsage.
func usageError(w io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(w, "rebound %s: %s\nRun 'rebound help %s' for usage.\n", cmd, fmt.Sprintf(format, args...), cmd)
	return exitUsage
}

// alias registers long as another name of the flag short, as curl has
// -o and --output. The Go flag package takes -name and --name alike.
func alias(fs *flag.FlagSet, aliases map[string]string, short, long string) {
	f := fs.Lookup(short)
	fs.Var(f.Value, long, f.Usage)
	aliases[long] = short
}

// printFlags prints the flags of fs like flag.PrintDefaults, with each
// alias beside its flag ("-o, --output FILE") rather than on its own.
func printFlags(w io.Writer, fs *flag.FlagSet, aliases map[string]string) {
	long := make(map[string]string, len(aliases))
	for l, s := range aliases {
		long[s] = l
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if _, isAlias := aliases[f.Name]; !isAlias {
			names = append(names, f.Name)
		}
	})
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	for _, name := range names {
		f := fs.Lookup(name)
		arg, usage := flag.UnquoteUsage(f)
		head := "  -" + name
		if l, ok := long[name]; ok {
			head += ", --" + l
		}
		if arg != "" {
			head += " " + arg
		}
		fmt.Fprintf(w, "%s\n    \t%s", head, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "0s" {
			fmt.Fprintf(w, " (default %s)", d)
		}
		fmt.Fprintln(w)
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ", ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// rate is a probability flag: "0.3" or "30%".
type rate float64

func (r *rate) String() string { return strconv.FormatFloat(float64(*r), 'g', -1, 64) }

func (r *rate) Set(v string) error {
	f, err := parseRate(v)
	*r = rate(f)
	return err
}

func parseRate(v string) (float64, error) {
	s, pct := strings.CutSuffix(strings.TrimSpace(v), "%")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a rate such as 0.05 or 5%%", v)
	}
	if pct {
		f /= 100
	}
	if f < 0 || f > 1 {
		return 0, fmt.Errorf("rate %s is not between 0 and 1", v)
	}
	return f, nil
}

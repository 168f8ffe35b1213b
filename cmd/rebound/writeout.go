package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// summary is what a fetch reports of itself: the --json object on
// standard error and the -w variables, which bear curl's names where
// curl has them. Times are in seconds.
type summary struct {
	Method      string        `json:"method"`
	URL         string        `json:"url_effective"` // password and query values hidden
	HTTPCode    int           `json:"http_code"`     // 0 when no response came
	ContentType string        `json:"content_type"`
	Attempts    int           `json:"num_attempts"` // tries; a hedged copy belongs to its try
	Retries     int           `json:"num_retries"`
	Hedges      int           `json:"num_hedges"`
	TimeTotal   float64       `json:"time_total"`
	Size        int64         `json:"size_download"`
	ExitCode    int           `json:"exitcode"`
	Error       string        `json:"errormsg"` // "" on success
	Reason      string        `json:"reason"`   // why retries stopped, or why a failure was not retried
	Log         []attemptJSON `json:"attempts"`
}

// attemptJSON is one attempt of the summary.
type attemptJSON struct {
	Attempt    int     `json:"attempt"`
	Hedge      int     `json:"hedge,omitempty"`
	Won        bool    `json:"won,omitempty"`
	Status     int     `json:"status,omitempty"`
	Error      string  `json:"error,omitempty"`
	Time       float64 `json:"time"`
	Wait       float64 `json:"wait,omitempty"`
	WaitReason string  `json:"wait_reason,omitempty"`
}

// writeOutVars are the -w variables and what each holds, for the usage
// text.
var writeOutVars = []struct{ name, doc string }{
	{"http_code", "the response's status code; 000 when none came"},
	{"response_code", "the same"},
	{"num_attempts", "attempts made, the first included"},
	{"num_retries", "attempts after the first"},
	{"num_hedges", "hedged copies sent"},
	{"time_total", "seconds from the first attempt to the body's end, as 0.123456"},
	{"size_download", "bytes of body written"},
	{"url_effective", "the URL answered, redirects followed; password and query values hidden"},
	{"method", "the request's method"},
	{"content_type", "the response's Content-Type"},
	{"exitcode", "rebound's exit status"},
	{"errormsg", "the error message; empty on success"},
	{"reason", "why retries stopped, or why a failure was not retried"},
	{"json", "all of the above and each attempt, as one JSON object (as --json prints)"},
}

// value renders variable name of s.
func (s *summary) value(name string) string {
	switch name {
	case "http_code", "response_code":
		return fmt.Sprintf("%03d", s.HTTPCode)
	case "num_attempts":
		return strconv.Itoa(s.Attempts)
	case "num_retries":
		return strconv.Itoa(s.Retries)
	case "num_hedges":
		return strconv.Itoa(s.Hedges)
	case "time_total":
		return strconv.FormatFloat(s.TimeTotal, 'f', 6, 64)
	case "size_download":
		return strconv.FormatInt(s.Size, 10)
	case "url_effective":
		return s.URL
	case "method":
		return s.Method
	case "content_type":
		return s.ContentType
	case "exitcode":
		return strconv.Itoa(s.ExitCode)
	case "errormsg":
		return s.Error
	case "reason":
		return s.Reason
	case "json":
		b, _ := json.Marshal(s) // a summary always marshals
		return string(b)
	}
	return ""
}

// writeOut is a parsed -w FORMAT: literal text and variables in turn.
type writeOut []writeOutPart

type writeOutPart struct {
	text string // literal text, when name is ""
	name string // a variable
}

// parseWriteOut reads a -w FORMAT as curl does: %{name} is a variable,
// %% a percent sign, \n \r \t and \\ the usual escapes; anything else
// stands for itself. An unknown variable or an unclosed %{ is an error.
func parseWriteOut(format string) (writeOut, error) {
	var (
		parts writeOut
		lit   strings.Builder
	)
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, writeOutPart{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(format); {
		rest := format[i:]
		switch {
		case strings.HasPrefix(rest, "%{"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return nil, fmt.Errorf("-w: the %%{ at byte %d is not closed", i+1)
			}
			name := rest[2:end]
			if !knownVar(name) {
				return nil, fmt.Errorf("-w: unknown variable %%{%s}", name)
			}
			flush()
			parts = append(parts, writeOutPart{name: name})
			i += end + 1
		case strings.HasPrefix(rest, "%%"):
			lit.WriteByte('%')
			i += 2
		case rest[0] == '\\' && len(rest) > 1 && strings.IndexByte(`nrt\`, rest[1]) >= 0:
			lit.WriteByte(map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', '\\': '\\'}[rest[1]])
			i += 2
		default:
			lit.WriteByte(rest[0])
			i++
		}
	}
	flush()
	return parts, nil
}

func knownVar(name string) bool {
	for _, v := range writeOutVars {
		if v.name == name {
			return true
		}
	}
	return false
}

// render writes the format with the variables of s filled in.
func (w writeOut) render(out io.Writer, s *summary) error {
	var b strings.Builder
	for _, p := range w {
		if p.name == "" {
			b.WriteString(p.text)
		} else {
			b.WriteString(s.value(p.name))
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}

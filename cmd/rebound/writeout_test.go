package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWriteOut(t *testing.T) {
	s := &summary{Method: "GET", URL: "http://h/?k=xxxxx", HTTPCode: 204, Attempts: 3, Retries: 2, Hedges: 1,
		TimeTotal: 1.5, Size: 42, ExitCode: 0, ContentType: "text/plain"}
	for _, tc := range []struct {
		format, want string
	}{
		{"%{http_code}", "204"},
		{"%{response_code} %{num_attempts} %{num_retries} %{num_hedges}", "204 3 2 1"},
		{"%{time_total}s", "1.500000s"},
		{"%{size_download} %{method} %{url_effective} %{content_type} %{exitcode}", "42 GET http://h/?k=xxxxx text/plain 0"},
		{"[%{errormsg}%{reason}]", "[]"},
		{`a\nb\tc\\d\qe%%f%g`, "a\nb\tc\\d\\qe%f%g"},
		{"100%", "100%"},
		{"", ""},
	} {
		w, err := parseWriteOut(tc.format)
		if err != nil {
			t.Errorf("%q: %v", tc.format, err)
			continue
		}
		var b strings.Builder
		if err := w.render(&b, s); err != nil || b.String() != tc.want {
			t.Errorf("%q renders %q, %v; want %q", tc.format, b.String(), err, tc.want)
		}
	}
	if got := (&summary{}).value("http_code"); got != "000" {
		t.Errorf("no response: http_code %q, want 000", got)
	}
	var back summary
	if err := json.Unmarshal([]byte(s.value("json")), &back); err != nil || back.HTTPCode != 204 || back.Size != 42 {
		t.Errorf("%%{json} reads back as %+v, %v", back, err)
	}
	for _, bad := range []string{"%{nope}", "%{http_code", "x %{"} {
		if _, err := parseWriteOut(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzParseWriteOut checks that no -w format panics the parser or the
// renderer, and that a format without % or \ renders as itself.
func FuzzParseWriteOut(f *testing.F) {
	for _, s := range []string{"%{http_code}\\n", "%%{x}", "%{", "\\", "%{json}%{time_total}", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, format string) {
		w, err := parseWriteOut(format)
		if err != nil {
			return
		}
		var b strings.Builder
		if err := w.render(&b, &summary{}); err != nil {
			t.Fatal(err)
		}
		if !strings.ContainsAny(format, `%\`) && b.String() != format {
			t.Errorf("%q renders %q", format, b.String())
		}
	})
}

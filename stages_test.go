package rebound

import (
	"os"
	"strings"
	"testing"
)

// The package doc draws the stages an attempt passes; the code's order is
// the stages array. The two must agree.
func TestDocDrawsTheStagesInOrder(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(src), "through its host's guards in this order:\n")
	if !ok {
		t.Fatal("doc.go no longer draws the guards' order")
	}
	var drawn []string
	for _, line := range strings.Split(after, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(line, "//"))
		if line == "" || strings.HasPrefix(line, "└") {
			break
		}
		name, _, _ := strings.Cut(line, "  ")
		drawn = append(drawn, strings.TrimSpace(name))
	}
	var code []string
	for _, s := range stages {
		code = append(code, s.String())
	}
	if strings.Join(drawn, ", ") != strings.Join(code, ", ") {
		t.Errorf("doc.go draws %q, the code runs %q", drawn, code)
	}
}

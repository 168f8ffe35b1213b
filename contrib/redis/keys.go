package redis

import "strings"

// defaultPrefix starts every key when no prefix is given.
const defaultPrefix = "rebound:"

// escaper keeps a host's name inside its hash tag: a brace would end the
// tag early and split one host's keys across Cluster slots.
var escaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")

// keys names the keys of one host (or quota) name: prefix, the name as a
// hash tag, so that all of them live in one Cluster slot (and one Lua
// script may touch them all), and a suffix for each kind.
func keys(prefix, name string, kinds ...string) []string {
	tag := prefix + "{" + escaper.Replace(name) + "}:"
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = tag + k
	}
	return out
}

package main

import (
	"runtime/debug"
	"sync"
)

// version is the module version rebound was built from: "v1.2.0" when
// installed with go install …@v1.2.0, else "devel" with the commit when
// the build recorded one.
var version = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
})

// userAgent is the User-Agent rebound sends unless -A or -H gives one,
// as curl sends "curl/8.5.0".
func userAgent() string { return "rebound/" + version() }

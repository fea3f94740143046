package lineage

import (
	"runtime/debug"
	"strings"
	"sync"
)

const modulePath = "github.com/etlwatch/etlwatch"

// Integration is the integration name of etlwatch's jobs in the jobType facet.
const Integration = "ETLWATCH"

// EngineName is the processing engine name in the processing_engine facet.
const EngineName = "etlwatch"

var version = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath {
			return d.Version
		}
	}
	if bi.Main.Path == modulePath { // a program of this repository, built from its working tree
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "devel-" + s.Value[:12]
			}
		}
	}
	return "devel"
})

// Version returns etlwatch's module version as the build recorded it; for a program of this
// repository built from its working tree, "devel-" and the commit when the build stamped one,
// else "devel".
func Version() string { return version() }

// Producer returns the default producer URI of the events: the repository, at the module
// version when the build recorded one.
func Producer() string {
	if v := Version(); !strings.HasPrefix(v, "devel") {
		return "https://" + modulePath + "/tree/" + v
	}
	return "https://" + modulePath
}

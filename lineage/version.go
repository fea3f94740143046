package lineage

import (
	"runtime/debug"
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
	return "devel"
})

// Version returns etlwatch's module version as the build recorded it, "devel" when unknown.
func Version() string { return version() }

// Producer returns the default producer URI of the events: the repository, at the module
// version when the build recorded one.
func Producer() string {
	if v := Version(); v != "devel" {
		return "https://" + modulePath + "/tree/" + v
	}
	return "https://" + modulePath
}

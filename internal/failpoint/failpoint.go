// Package failpoint names places where the kill and zombie tests of the CDC consumer stop or
// kill a process, shared by the packages whose code holds them (cdc, iceberg). A failpoint
// costs an atomic load when no test set a hook.
package failpoint

import "sync/atomic"

// AfterFilesWritten is in iceberg's Apply, after a change's data and delete files (or deletion
// vectors) are written and before the commit that would reference them.
const AfterFilesWritten = "after-files-written"

var hook atomic.Pointer[func(name string)]

// Set makes At call h (nil: nothing). Tests only.
func Set(h func(name string)) {
	if h == nil {
		hook.Store(nil)
		return
	}
	hook.Store(&h)
}

// At calls the hook, if set, with name.
func At(name string) {
	if h := hook.Load(); h != nil {
		(*h)(name)
	}
}

package terminal

import (
	"fmt"
	"io"
	"os"
)

// Is reports whether w is a character device, such as a terminal. A writer that wraps another
// (a lock around stdout, say) tells by an Unwrap() io.Writer method.
func Is(w io.Writer) bool {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Human returns where a program writes what a person reads (what it is doing, its summary):
// stdout on a terminal; piped, stderr, so that stdout carries JSON lines only and a pipe into jq
// or a log shipper reads every line of it.
func Human(stdout, stderr io.Writer) io.Writer {
	if Is(stdout) {
		return stdout
	}
	return stderr
}

// OpenEvents returns where a program's JSON events go: path, appended to; stdout when path is
// "-", or when path is empty and onTerminal is false; else onTerminalPath. It returns the
// path it opened ("" for stdout) and a function that closes it. flagName names the flag in
// errors.
func OpenEvents(path string, onTerminal bool, onTerminalPath, flagName string, stdout io.Writer) (io.Writer, string, func(), error) {
	if path == "" && onTerminal {
		path = onTerminalPath
	}
	if path == "" || path == "-" {
		return stdout, "", func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%s: %w", flagName, err)
	}
	return f, path, func() { _ = f.Close() }, nil
}

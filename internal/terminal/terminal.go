package terminal

import (
	"fmt"
	"io"
	"os"
)

// Is reports whether w is a character device, such as a terminal.
func Is(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
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

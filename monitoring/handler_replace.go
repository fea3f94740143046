package monitoring

import (
	"log/slog"
	"time"
)

// replaceTime applies ReplaceAttr to the timestamp; a zero result drops it.
func replaceTime(rep func([]string, slog.Attr) slog.Attr, t time.Time) (out time.Time) {
	defer func() {
		if recover() != nil {
			out = t
		}
	}()
	a := rep(nil, slog.Time(slog.TimeKey, t))
	if a.Key == "" {
		return time.Time{}
	}
	if v := a.Value.Resolve(); v.Kind() == slog.KindTime {
		return v.Time()
	}
	return t
}

// replace calls ReplaceAttr, reporting false if the attribute is dropped or the function panics.
func replace(rep func([]string, slog.Attr) slog.Attr, groups []string, a slog.Attr) (out slog.Attr, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = slog.Attr{}, false
		}
	}()
	a = rep(groups, a)
	if a.Key == "" {
		return a, false
	}
	return a, true
}

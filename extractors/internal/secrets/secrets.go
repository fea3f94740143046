package secrets

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/etlwatch/etlwatch/internal/redact"
)

// Redact returns err with every non-empty secret replaced by [redact.Mask] (the text of
// configloader.Redacted) in its text, the longest first, so that a DSN is replaced whole rather
// than around its password. Unlike [redact.Error] it masks secrets of any length: a connection's
// password is known to be one. The result does not unwrap to err, whose text holds a secret,
// but errors.Is sees through it (a cancelled context, a deadline). An error without a secret is
// returned as it is.
func Redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	sorted := slices.SortedStableFunc(slices.Values(secrets), func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	changed := false
	for _, s := range sorted {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, redact.Mask)
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &redacted{msg: msg, err: err}
}

// redacted is an error whose text had secrets replaced.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }

// Is reports whether the original error matches target.
func (e *redacted) Is(target error) bool { return errors.Is(e.err, target) }

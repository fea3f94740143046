package monitoring

import (
	"log/slog"
	"slices"
	"strings"
)

// detailsGroups is what ReplaceAttr sees as the groups of a Details entry. It must not be modified.
var detailsGroups = []string{keyDetails}

// appendDetail adds one details entry, applying ReplaceAttr.
func (c *handlerCore) appendDetail(pairs []kv, key string, v slog.Value, prio uint8) []kv {
	if rep := c.opts.ReplaceAttr; rep != nil {
		a, ok := replace(rep, detailsGroups, slog.Attr{Key: key, Value: v})
		if !ok {
			return pairs
		}
		key, v = a.Key, a.Value
	}
	return append(pairs, kv{key: key, val: v, prio: prio})
}

// addAttr sorts a into the envelope or the details entries. top reports whether a is outside any group,
// where the envelope keys are recognised.
func (c *handlerCore) addAttr(pairs []kv, env *envelope, a slog.Attr, prefix string, groups []string, top bool) []kv {
	if a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil {
		return pairs // the empty Attr
	}
	if top && a.Key == keyDetails {
		switch d := a.Value.Any().(type) {
		case Details:
			return c.appendDetailsMap(pairs, d, prioUser)
		case *eventDetails:
			if d == nil {
				return pairs
			}
			for i := 0; i < d.n; i++ {
				pairs = c.appendDetail(pairs, d.fixed[i].Key, d.fixed[i].Value, prioSDK)
			}
			return c.appendDetailsMap(pairs, d.user, prioUser)
		case map[string]any:
			return c.appendDetailsMap(pairs, d, prioUser)
		}
	}
	v := resolve(a.Value)
	if v.Kind() == slog.KindGroup {
		attrs := v.Group()
		if len(attrs) == 0 {
			return pairs
		}
		if a.Key == keyDetails && top {
			for _, ga := range attrs {
				pairs = c.addAttr(pairs, env, ga, "", detailsGroups, false)
			}
			return pairs
		}
		if a.Key != "" {
			prefix = prefix + a.Key + "."
			groups = append(slices.Clip(groups), a.Key)
			top = false
		}
		for _, ga := range attrs {
			pairs = c.addAttr(pairs, env, ga, prefix, groups, top)
		}
		return pairs
	}
	if top && v.Kind() == slog.KindString {
		s := v.String()
		switch a.Key {
		case keyJobName:
			env.jobName = s
			return pairs
		case keySourceName:
			env.sourceName = s
			return pairs
		case keyEnvironment:
			env.environment = s
			return pairs
		case keyEventType:
			env.eventType, env.isEvent = s, true
			return pairs
		case keyCorrelationID:
			env.correlationID = s
			return pairs
		case keyTraceID:
			env.traceID = s
			return pairs
		case keySpanID:
			env.spanID = s
			return pairs
		case keyLogger:
			env.logger = s
			return pairs
		}
	}
	a.Value = v
	if rep := c.opts.ReplaceAttr; rep != nil {
		var ok bool
		if a, ok = replace(rep, groups, a); !ok {
			return pairs
		}
		a.Value = resolve(a.Value)
	}
	key := a.Key
	if prefix != "" {
		key = prefix + key
	}
	return append(pairs, kv{key: key, val: a.Value, prio: prioAttr})
}

func (c *handlerCore) appendDetailsMap(pairs []kv, m map[string]any, prio uint8) []kv {
	if c.opts.ReplaceAttr != nil {
		for k, v := range m {
			pairs = c.appendDetail(pairs, k, slog.AnyValue(v), prio)
		}
		return pairs
	}
	for k, v := range m {
		pairs = append(pairs, kv{key: k, raw: v, isRaw: true, prio: prio})
	}
	return pairs
}

// resolve resolves a LogValuer, except the Details types, which the encoder writes directly.
func resolve(v slog.Value) slog.Value {
	if v.Kind() != slog.KindLogValuer {
		return v
	}
	switch v.Any().(type) {
	case Details, *eventDetails:
		return v
	}
	return v.Resolve()
}

// sortDetails sorts pairs by key, stably, so that the dedupe in appendDetailsObject can pick the
// winner of each key.
func sortDetails(p []kv) {
	if len(p) > 16 {
		slices.SortStableFunc(p, func(a, b kv) int { return strings.Compare(a.key, b.key) })
		return
	}
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].key < p[j-1].key; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

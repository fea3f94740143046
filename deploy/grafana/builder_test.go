package grafana_test

// A small builder for Grafana dashboard JSON: the dashboards in dashboards/ are generated from
// the Go code of dashboards_gen_test.go with it (go test -run TestGenerated -update).

// dsRef is the datasource of every panel, target and query variable: the dashboard's
// DS_PROMETHEUS variable, which the import dialog and file provisioning both resolve.
var dsRef = map[string]any{"type": "prometheus", "uid": "${DS_PROMETHEUS}"}

const schemaVersion = 41 // Grafana 12

type obj = map[string]any

type target struct {
	Expr, Legend string
	Instant      bool
}

// panel is one panel before layout.
type panel struct {
	Type, Title, Description string
	W, H                     int
	Unit                     string
	Min, Max                 *float64
	Targets                  []target
	// Thresholds are the steps after the base color: value and color.
	Thresholds []step
	// ThresholdStyle "line", "area" or "" for a timeseries panel.
	ThresholdStyle string
	Stack          bool
	Mappings       []any
	Overrides      []any
	Options        obj
	Decimals       *int
	ColorMode      string // a stat's color mode: "value" (default), "background", "none"
	Base           string // base threshold color; default green
}

type step struct {
	Value float64
	Color string
}

type row struct {
	Title  string
	Panels []panel
}

type dashboard struct {
	UID, Title, Description string
	Tags                    []string
	Variables               []obj
	Rows                    []row
	Links                   []any
}

func f64(v float64) *float64 { return &v }
func intp(v int) *int        { return &v }

// datasourceVariable is the DS_PROMETHEUS variable.
func datasourceVariable() obj {
	return obj{
		"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "query": "prometheus",
		"current": obj{}, "hide": 0, "refresh": 1, "regex": "", "options": []any{},
	}
}

// queryVariable is a multi-value variable with All (.*) from label_values(query).
func queryVariable(name, label, query string) obj {
	return obj{
		"name": name, "label": label, "type": "query", "datasource": dsRef,
		"definition": query,
		"query":      obj{"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
		"refresh":    2, "sort": 1, "multi": true, "includeAll": true, "allValue": ".*",
		"current": obj{"selected": true, "text": []any{"All"}, "value": []any{"$__all"}},
		"hide":    0, "regex": "", "options": []any{},
	}
}

func (p panel) json(id, x, y int) obj {
	targets := p.targetsJSON()
	base := p.Base
	if base == "" {
		base = "green"
	}
	steps := []any{obj{"color": base, "value": nil}}
	for _, s := range p.Thresholds {
		steps = append(steps, obj{"color": s.Color, "value": s.Value})
	}
	defaults := obj{
		"unit":       p.Unit,
		"thresholds": obj{"mode": "absolute", "steps": steps},
		"mappings":   orEmpty(p.Mappings),
		"color":      obj{"mode": "palette-classic"},
	}
	if p.Type == "stat" || p.Type == "bargauge" || p.Type == "gauge" {
		defaults["color"] = obj{"mode": "thresholds"}
	}
	if p.Min != nil {
		defaults["min"] = *p.Min
	}
	if p.Max != nil {
		defaults["max"] = *p.Max
	}
	if p.Decimals != nil {
		defaults["decimals"] = *p.Decimals
	}
	options := p.optionsJSON(defaults)
	for k, v := range p.Options {
		options[k] = v
	}
	out := obj{
		"id": id, "type": p.Type, "title": p.Title, "description": p.Description,
		"datasource": dsRef, "gridPos": obj{"x": x, "y": y, "w": p.W, "h": p.H},
		"targets": targets, "options": options,
		"fieldConfig": obj{"defaults": defaults, "overrides": orEmpty(p.Overrides)},
	}
	if p.Type == "table" {
		out["transformations"] = []any{
			obj{"id": "merge", "options": obj{}},
			obj{"id": "organize", "options": obj{"excludeByName": obj{"Time": true}}},
		}
	}
	return out
}

// targetsJSON is the JSON of p's queries.
func (p panel) targetsJSON() []any {
	targets := make([]any, len(p.Targets))
	for i, t := range p.Targets {
		tj := obj{
			"refId": string(rune('A' + i)), "datasource": dsRef, "expr": t.Expr,
			"legendFormat": t.Legend, "range": !t.Instant, "instant": t.Instant, "editorMode": "code",
		}
		if p.Type == "table" || p.Type == "bargauge" || p.Type == "piechart" {
			tj["format"] = "table"
			if p.Type != "table" {
				tj["format"] = "time_series"
			}
		}
		targets[i] = tj
	}
	return targets
}

// optionsJSON is the JSON of p's options for its type; for a time series it also sets the
// custom field defaults.
func (p panel) optionsJSON(defaults obj) obj {
	options := obj{}
	switch p.Type {
	case "timeseries":
		stacking := "none"
		fill := 10
		if p.Stack {
			stacking, fill = "normal", 40
		}
		ts := p.ThresholdStyle
		if ts == "" {
			ts = "off"
		}
		defaults["custom"] = obj{
			"drawStyle": "line", "lineWidth": 1, "fillOpacity": fill, "showPoints": "never",
			"spanNulls": false, "stacking": obj{"mode": stacking, "group": "A"},
			"thresholdsStyle": obj{"mode": ts}, "axisPlacement": "auto",
		}
		options = obj{
			"legend":  obj{"displayMode": "table", "placement": "bottom", "showLegend": true, "calcs": []any{"lastNotNull", "max"}},
			"tooltip": obj{"mode": "multi", "sort": "desc"},
		}
	case "stat":
		cm := p.ColorMode
		if cm == "" {
			cm = "value"
		}
		options = obj{
			"reduceOptions": obj{"calcs": []any{"lastNotNull"}, "fields": "", "values": false},
			"colorMode":     cm, "graphMode": "area", "justifyMode": "auto", "textMode": "auto", "orientation": "auto",
		}
	case "bargauge":
		options = obj{
			"reduceOptions": obj{"calcs": []any{"lastNotNull"}, "fields": "", "values": false},
			"displayMode":   "gradient", "orientation": "horizontal", "showUnfilled": true,
		}
	case "piechart":
		options = obj{
			"reduceOptions": obj{"calcs": []any{"lastNotNull"}, "fields": "", "values": false},
			"pieType":       "donut", "legend": obj{"displayMode": "table", "placement": "right", "showLegend": true, "values": []any{"value"}},
		}
	case "table":
		options = obj{"showHeader": true, "cellHeight": "sm"}
	}
	return options
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// json lays the rows out on Grafana's 24-column grid: a row header, then its panels left to
// right, wrapping when a panel does not fit.
func (d dashboard) json() obj {
	var panels []any
	id, y := 1, 0
	for _, r := range d.Rows {
		panels = append(panels, obj{
			"id": id, "type": "row", "title": r.Title, "collapsed": false, "panels": []any{},
			"gridPos": obj{"x": 0, "y": y, "w": 24, "h": 1},
		})
		id++
		y++
		x, rowH := 0, 0
		for _, p := range r.Panels {
			if x+p.W > 24 {
				x, y, rowH = 0, y+rowH, 0
			}
			panels = append(panels, p.json(id, x, y))
			id++
			x += p.W
			rowH = max(rowH, p.H)
		}
		y += rowH
	}
	vars := append([]obj{datasourceVariable()}, d.Variables...)
	list := make([]any, len(vars))
	for i, v := range vars {
		list[i] = v
	}
	return obj{
		"uid": d.UID, "title": d.Title, "description": d.Description, "tags": d.Tags,
		"schemaVersion": schemaVersion, "version": 1, "editable": true, "graphTooltip": 1,
		"timezone": "browser", "refresh": "30s", "time": obj{"from": "now-6h", "to": "now"},
		"timepicker": obj{}, "fiscalYearStartMonth": 0, "liveNow": false, "weekStart": "",
		"annotations": obj{"list": []any{obj{
			"builtIn": 1, "datasource": obj{"type": "grafana", "uid": "-- Grafana --"}, "enable": true, "hide": true,
			"iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard",
		}}},
		"links":      orEmpty(d.Links),
		"templating": obj{"list": list},
		"panels":     panels,
	}
}

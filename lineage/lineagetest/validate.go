package lineagetest

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/etlwatch/etlwatch/lineage"
)

//go:embed schemas
var schemaFS embed.FS

// The kinds of facets, by the base facet their schema extends.
const (
	kindRun    = "RunFacet"
	kindJob    = "JobFacet"
	kindDS     = "DatasetFacet"
	kindInput  = "InputDatasetFacet"
	kindOutput = "OutputDatasetFacet"
)

// facetSchema is the schema of one facet: its name in a facets object, the $id of its file and
// the compiled schema of the file's root (which checks that one name).
type facetSchema struct {
	name, id, kind string
	schema         *jsonschema.Schema
}

type validator struct {
	event  *jsonschema.Schema
	facets map[string][]facetSchema // by kind
}

var compiled = sync.OnceValues(compile)

func compile() (*validator, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	var files []string
	err := fs.WalkDir(schemaFS, "schemas", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Ext(p) == ".json" {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	docs := map[string][]byte{}
	for _, p := range files {
		b, err := schemaFS.ReadFile(p)
		if err != nil {
			return nil, err
		}
		docs[p] = b
	}
	docs["etlwatch/CorrelationRunFacet.json"] = lineage.CorrelationRunFacetSchema()
	v := &validator{facets: map[string][]facetSchema{}}
	type meta struct {
		ID         string                     `json:"$id"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	var facetIDs []facetSchema
	for p, b := range docs {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		var m meta
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if err := c.AddResource(m.ID, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if strings.HasSuffix(m.ID, "/OpenLineage.json") {
			continue
		}
		kind := ""
		for _, k := range []string{kindInput, kindOutput, kindRun, kindJob, kindDS} {
			if bytes.Contains(b, []byte(`OpenLineage.json#/$defs/`+k+`"`)) {
				kind = k
				break
			}
		}
		if kind == "" || len(m.Properties) != 1 {
			return nil, fmt.Errorf("%s: not a facet schema with one facet", p)
		}
		for name := range m.Properties {
			facetIDs = append(facetIDs, facetSchema{name: name, id: m.ID, kind: kind})
		}
	}
	v.event, err = c.Compile("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent")
	if err != nil {
		return nil, err
	}
	for _, f := range facetIDs {
		f.schema, err = c.Compile(f.id)
		if err != nil {
			return nil, err
		}
		v.facets[f.kind] = append(v.facets[f.kind], f)
	}
	return v, nil
}

// Validate checks a RunEvent's JSON against the OpenLineage 2-0-2 JSON Schema, then each of its
// facets against the schema of that facet (the spec's standard facets, the Iceberg facets of its
// registry and etlwatch's etlwatch_correlation), with formats (uuid, date-time, uri) asserted.
// A facet without a known schema is an error, and so is a facet whose _schemaURL is not that
// schema's $id (with or without a #/$defs/ fragment).
func Validate(event []byte) error {
	v, err := compiled()
	if err != nil {
		return fmt.Errorf("lineagetest: compile schemas: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(event))
	if err != nil {
		return fmt.Errorf("lineagetest: decode event: %w", err)
	}
	if err := v.event.Validate(inst); err != nil {
		return fmt.Errorf("lineagetest: RunEvent: %w", err)
	}
	root, _ := inst.(map[string]any)
	var errs []error
	check := func(where, kind string, facets any) {
		m, _ := facets.(map[string]any)
		for _, name := range sortedKeys(m) {
			fs := v.facets[kind]
			i := slices.IndexFunc(fs, func(f facetSchema) bool { return f.name == name })
			if i < 0 {
				errs = append(errs, fmt.Errorf("%s.%s: no schema for a %s of that name", where, name, kind))
				continue
			}
			if err := fs[i].schema.Validate(map[string]any{name: m[name]}); err != nil {
				errs = append(errs, fmt.Errorf("%s.%s: %w", where, name, err))
			}
			facet, _ := m[name].(map[string]any)
			url, _ := facet["_schemaURL"].(string)
			if base, _, _ := strings.Cut(url, "#"); base != fs[i].id {
				errs = append(errs, fmt.Errorf("%s.%s: _schemaURL %q: want %s", where, name, url, fs[i].id))
			}
		}
	}
	if run, ok := root["run"].(map[string]any); ok {
		check("run.facets", kindRun, run["facets"])
	}
	if job, ok := root["job"].(map[string]any); ok {
		check("job.facets", kindJob, job["facets"])
	}
	for _, side := range []string{"inputs", "outputs"} {
		list, _ := root[side].([]any)
		for i, d := range list {
			ds, _ := d.(map[string]any)
			where := fmt.Sprintf("%s[%d]", side, i)
			check(where+".facets", kindDS, ds["facets"])
			if side == "inputs" {
				check(where+".inputFacets", kindInput, ds["inputFacets"])
			} else {
				check(where+".outputFacets", kindOutput, ds["outputFacets"])
			}
		}
	}
	return errors.Join(errs...)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

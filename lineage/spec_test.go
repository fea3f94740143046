package lineage_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/lineage"
)

// facetKind returns which facets object a facet of the spec's schema file name belongs in.
func facetKind(t *testing.T, folder string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("lineagetest", "schemas", "facets", folder+".json"))
	require.NoError(t, err)
	for _, k := range []string{"InputDatasetFacet", "OutputDatasetFacet", "RunFacet", "JobFacet", "DatasetFacet"} {
		if strings.Contains(string(b), `OpenLineage.json#/$defs/`+k+`"`) {
			return k
		}
	}
	t.Fatalf("%s: no facet kind", folder)
	return ""
}

// TestSpecExamplesRoundTrip decodes each of the spec's example documents into the package's
// types and checks that it encodes back to the same JSON, and that the facets the package types
// decode into their fields rather than Other.
func TestSpecExamplesRoundTrip(t *testing.T) {
	typed := map[string]func(any) bool{
		"ParentRunFacet":                      func(v any) bool { return v.(*lineage.RunFacets).Parent != nil },
		"ErrorMessageRunFacet":                func(v any) bool { return v.(*lineage.RunFacets).ErrorMessage != nil },
		"ProcessingEngineRunFacet":            func(v any) bool { return v.(*lineage.RunFacets).ProcessingEngine != nil },
		"NominalTimeRunFacet":                 func(v any) bool { return v.(*lineage.RunFacets).NominalTime != nil },
		"JobTypeJobFacet":                     func(v any) bool { return v.(*lineage.JobFacets).JobType != nil },
		"SchemaDatasetFacet":                  func(v any) bool { return v.(*lineage.DatasetFacets).Schema != nil },
		"DatasourceDatasetFacet":              func(v any) bool { return v.(*lineage.DatasetFacets).DataSource != nil },
		"SymlinksDatasetFacet":                func(v any) bool { return v.(*lineage.DatasetFacets).Symlinks != nil },
		"ColumnLineageDatasetFacet":           func(v any) bool { return v.(*lineage.DatasetFacets).ColumnLineage != nil },
		"StorageDatasetFacet":                 func(v any) bool { return v.(*lineage.DatasetFacets).Storage != nil },
		"DatasetVersionDatasetFacet":          func(v any) bool { return v.(*lineage.DatasetFacets).Version != nil },
		"DataQualityMetricsDatasetFacet":      func(v any) bool { return v.(*lineage.DatasetFacets).DataQualityMetrics != nil },
		"DataQualityMetricsInputDatasetFacet": func(v any) bool { return v.(*lineage.InputDatasetFacets).DataQualityMetrics != nil },
		"DataQualityAssertionsDatasetFacet":   func(v any) bool { return v.(*lineage.InputDatasetFacets).DataQualityAssertions != nil },
		"OutputStatisticsOutputDatasetFacet":  func(v any) bool { return v.(*lineage.OutputDatasetFacets).OutputStatistics != nil },
	}
	files, err := filepath.Glob(filepath.Join("testdata", "spec", "*", "*.json"))
	require.NoError(t, err)
	require.Greater(t, len(files), 40)
	seen := map[string]bool{}
	for _, f := range files {
		folder := filepath.Base(filepath.Dir(f))
		t.Run(folder+"/"+filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			require.NoError(t, err)
			var v any
			switch facetKind(t, folder) {
			case "RunFacet":
				v = new(lineage.RunFacets)
			case "JobFacet":
				v = new(lineage.JobFacets)
			case "DatasetFacet":
				v = new(lineage.DatasetFacets)
			case "InputDatasetFacet":
				v = new(lineage.InputDatasetFacets)
			case "OutputDatasetFacet":
				v = new(lineage.OutputDatasetFacets)
			}
			require.NoError(t, json.Unmarshal(in, v))
			if check, ok := typed[folder]; ok {
				assert.True(t, check(v), "%s decodes into its typed field", folder)
				seen[folder] = true
			}
			out, err := json.Marshal(v)
			require.NoError(t, err)
			assert.JSONEq(t, string(in), string(out))
		})
	}
	for folder := range typed {
		assert.True(t, seen[folder], "an example of %s was tested", folder)
	}

	t.Run("example_full_event", func(t *testing.T) {
		in, err := os.ReadFile(filepath.Join("testdata", "spec", "example_full_event.json"))
		require.NoError(t, err)
		var ev lineage.RunEvent
		require.NoError(t, json.Unmarshal(in, &ev))
		assert.Equal(t, lineage.EventComplete, ev.EventType)
		assert.Equal(t, "dbt", ev.Job.Name)
		assert.Contains(t, ev.Job.Facets.Other, "sql")
		assert.Contains(t, ev.Extra, "dataset")
		out, err := json.Marshal(ev)
		require.NoError(t, err)
		assert.JSONEq(t, string(in), string(out))
	})
}

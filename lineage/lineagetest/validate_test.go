package lineagetest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/lineage/lineagetest"
)

func TestValidateChecksFacets(t *testing.T) {
	base := `{"eventTime":"2026-12-02T10:00:00Z","producer":"https://example.com",
		"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","eventType":"START",
		"run":{"runId":"01938a6e-7a00-7000-8000-000000000001","facets":%s},"job":{"namespace":"n","name":"j"}}`
	for name, tc := range map[string]struct {
		facets string
		ok     bool
	}{
		"none":                    {`{}`, true},
		"valid":                   {`{"errorMessage":{"_producer":"https://x","_schemaURL":"https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json","message":"m","programmingLanguage":"GO"}}`, true},
		"missing required member": {`{"errorMessage":{"_producer":"https://x","_schemaURL":"https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json","message":"m"}}`, false},
		"wrong schema URL":        {`{"errorMessage":{"_producer":"https://x","_schemaURL":"https://openlineage.io/spec/facets/1-0-0/Other.json","message":"m","programmingLanguage":"GO"}}`, false},
		"unknown facet":           {`{"mystery":{"_producer":"https://x","_schemaURL":"https://x/y.json"}}`, false},
		"correlation":             {`{"etlwatch_correlation":{"_producer":"https://x","_schemaURL":"https://raw.githubusercontent.com/etlwatch/etlwatch/main/lineage/schemas/CorrelationRunFacet.json","correlationId":"c"}}`, true},
		"correlation empty":       {`{"etlwatch_correlation":{"_producer":"https://x","_schemaURL":"https://raw.githubusercontent.com/etlwatch/etlwatch/main/lineage/schemas/CorrelationRunFacet.json","correlationId":""}}`, false},
	} {
		t.Run(name, func(t *testing.T) {
			err := lineagetest.Validate([]byte(fmt.Sprintf(base, tc.facets)))
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

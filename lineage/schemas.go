package lineage

import (
	"bytes"
	_ "embed"
)

//go:embed schemas/CorrelationRunFacet.json
var correlationSchema []byte

// CorrelationRunFacetSchema returns the JSON Schema of [CorrelationRunFacet], the document that
// [CorrelationRunFacetSchemaURL] names (lineage/schemas/CorrelationRunFacet.json in the
// repository).
func CorrelationRunFacetSchema() []byte { return bytes.Clone(correlationSchema) }

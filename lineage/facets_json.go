// JSON methods of the facet types of facets.go: each keeps the members its fields do not name in
// FacetBase.Extra and encodes them back.

package lineage

// MarshalJSON encodes the facet with its Extra members.
func (f ParentRunFacet) MarshalJSON() ([]byte, error) {
	type plain ParentRunFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *ParentRunFacet) UnmarshalJSON(b []byte) error {
	type plain ParentRunFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f ErrorMessageRunFacet) MarshalJSON() ([]byte, error) {
	type plain ErrorMessageRunFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *ErrorMessageRunFacet) UnmarshalJSON(b []byte) error {
	type plain ErrorMessageRunFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f ProcessingEngineRunFacet) MarshalJSON() ([]byte, error) {
	type plain ProcessingEngineRunFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *ProcessingEngineRunFacet) UnmarshalJSON(b []byte) error {
	type plain ProcessingEngineRunFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f TestRunFacet) MarshalJSON() ([]byte, error) {
	type plain TestRunFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *TestRunFacet) UnmarshalJSON(b []byte) error {
	type plain TestRunFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f NominalTimeRunFacet) MarshalJSON() ([]byte, error) {
	type plain NominalTimeRunFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *NominalTimeRunFacet) UnmarshalJSON(b []byte) error {
	type plain NominalTimeRunFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f CorrelationRunFacet) MarshalJSON() ([]byte, error) {
	type plain CorrelationRunFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *CorrelationRunFacet) UnmarshalJSON(b []byte) error {
	type plain CorrelationRunFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f JobTypeJobFacet) MarshalJSON() ([]byte, error) {
	type plain JobTypeJobFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *JobTypeJobFacet) UnmarshalJSON(b []byte) error {
	type plain JobTypeJobFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f SchemaDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain SchemaDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *SchemaDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain SchemaDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f DatasourceDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain DatasourceDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *DatasourceDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain DatasourceDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f SymlinksDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain SymlinksDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *SymlinksDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain SymlinksDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f ColumnLineageDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain ColumnLineageDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *ColumnLineageDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain ColumnLineageDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f StorageDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain StorageDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *StorageDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain StorageDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f DatasetVersionDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain DatasetVersionDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *DatasetVersionDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain DatasetVersionDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f DataQualityMetricsDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain DataQualityMetricsDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *DataQualityMetricsDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain DataQualityMetricsDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f DataQualityMetricsInputDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain DataQualityMetricsInputDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *DataQualityMetricsInputDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain DataQualityMetricsInputDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f DataQualityAssertionsDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain DataQualityAssertionsDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *DataQualityAssertionsDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain DataQualityAssertionsDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f InputStatisticsInputDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain InputStatisticsInputDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *InputStatisticsInputDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain InputStatisticsInputDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f OutputStatisticsOutputDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain OutputStatisticsOutputDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *OutputStatisticsOutputDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain OutputStatisticsOutputDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

// MarshalJSON encodes the facet with its Extra members.
func (f IcebergCommitReportOutputDatasetFacet) MarshalJSON() ([]byte, error) {
	type plain IcebergCommitReportOutputDatasetFacet
	return marshalExtra(plain(f), f.Extra)
}

// UnmarshalJSON decodes the facet, keeping unknown members in Extra.
func (f *IcebergCommitReportOutputDatasetFacet) UnmarshalJSON(b []byte) error {
	type plain IcebergCommitReportOutputDatasetFacet
	return unmarshalExtra(b, (*plain)(f), &f.Extra)
}

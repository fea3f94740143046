// Package dataquality will hold the DataQualityChecker: row counts with tolerance, required
// columns, checksums and source-to-target reconciliation, whose results become metrics and events
// through [github.com/etlwatch/etlwatch/monitoring]. It is planned and holds no code yet.
package dataquality

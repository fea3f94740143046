// Package iceberg will hold the Iceberg table manager: catalogs, tables from Arrow schemas, bulk
// writes with one commit per table, schema evolution and snapshot summaries that record the source
// position and correlation ID. It is planned and holds no code yet.
package iceberg

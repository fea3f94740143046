// Package extractors will define the Extractor interface and open the database extractors
// (PostgreSQL, MySQL/MariaDB, Oracle, SQLite) that stream consistent snapshots as Arrow record
// batches. Each database lives in its own sub-package so that its driver is compiled only when
// used. It is planned and holds no code yet.
package extractors

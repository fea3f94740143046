// Package configloader will load and validate sources.yaml (connections, bulk load, CDC, Iceberg,
// monitoring and data-quality sections), with errors that name file:line, the field and what is
// allowed. It is planned and holds no code yet.
package configloader

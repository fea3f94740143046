// Package secrets takes the passwords and data source names out of the extractors' errors: the
// one redaction all of them apply to what a driver says about a connection.
package secrets

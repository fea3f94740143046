// Package redact masks the credentials that a connection URI, a data source name or a driver
// option can hold, for every place etlwatch prints one: [configloader.Config.String], fmt, JSON and
// slog output of a configuration, and the errors of the Iceberg catalog.
//
//	redact.URI("https://etl:pw@catalog.internal/v1?token=abc&region=eu")
//	// https://etl:[REDACTED]@catalog.internal/v1?token=[REDACTED]&region=eu
//
// # What is masked
//
// [URI] masks the password of a URI's user information (and the whole user information when it
// holds no password, as a token is often passed as the user), the values of query and fragment
// parameters whose names look like credentials ([Key]), and in a key=value data source name
// (PostgreSQL's "host=db password=pw") the values of such keys. A text it cannot read as one of
// those forms is masked whole, keeping only its scheme. [Option] masks a driver option whose
// name looks like a credential, and the credentials of an option value that is a URI.
//
// Errors from drivers and clients may quote a URI or a part of it: [Error] replaces the parts
// [Secrets] lists in an error's text.
//
// [configloader.Config.String]: https://pkg.go.dev/github.com/etlwatch/etlwatch/configloader#Config.String
package redact

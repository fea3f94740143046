// Package connect bounds the time a database driver may take to open a connection: the dial
// and the database's handshake, never the statements that follow. It records whether the TCP
// connection was accepted, so that the error of a peer that never answers says which of the
// two did not happen ([extract.ConnectTimeoutError]).
//
// [extract.ConnectTimeoutError]: https://pkg.go.dev/github.com/etlwatch/etlwatch/extractors/extract#ConnectTimeoutError
package connect

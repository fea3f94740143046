// Package fakecloudwatch is an in-process CloudWatch endpoint for tests: it decodes what the real
// aws-sdk-go-v2 client sends (Smithy RPC v2 CBOR, possibly gzipped) and answers the way the service
// does, so tests exercise the real client end to end.
package fakecloudwatch

// Package connecttest holds the tests every networked extractor shares about a database that
// does not answer: a source pointed at a black-hole listener ([blackhole.Silent],
// [blackhole.Unaccepting]) and the connect-timeout table each driver runs with its own names.
package connecttest

package correlation

import "github.com/google/uuid"

// maxIDLen is the longest correlation ID, in bytes, that [Valid] accepts.
const maxIDLen = 128

// NewID returns a new random correlation ID: a version 4 UUID in its
// canonical 36-character form, such as "0b7e1c52-6f4a-4d3e-9a51-2c8f0e4b7d19".
//
// NewID is safe for concurrent use.
func NewID() string {
	return uuid.NewString()
}

// Valid reports whether id is an acceptable correlation ID: 1 to 128
// characters, each printable ASCII (0x20 through 0x7E). IDs are not required
// to be UUIDs, so IDs made by other systems pass as long as they fit these
// bounds. Control characters (including newline and DEL) and non-ASCII bytes
// make an ID malformed.
//
// Valid does not allocate and is safe for concurrent use.
func Valid(id string) bool {
	if len(id) == 0 || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

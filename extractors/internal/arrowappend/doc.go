// Package arrowappend appends the values a database driver returns to Arrow builders: the one
// switch over Arrow types that every extractor shares. An extractor supplies only its
// driver-specific decoding, a [Decoding]: how one of its driver's values becomes a Go value of
// a column's kind (an integer, a float, a time, the text of a decimal, ...). [For] turns it into
// the [Func] that checks the value's range and appends it to a builder of the column's type.
//
//	fn := arrowappend.For(arrow.PrimitiveTypes.Int16, arrowappend.Decoding{
//		Int: func(v any) (int64, error) {
//			if x, ok := v.(int64); ok {
//				return x, nil
//			}
//			return 0, arrowappend.ErrMismatch
//		},
//	})
//	err := fn(builder, int64(7)) // appends 7; int64(1<<20) is a *MismatchError
//
// A driver that can write its wire format straight into a builder (PostgreSQL's binary
// decoder) does so for its common types and falls back to [For] for the rest.
package arrowappend

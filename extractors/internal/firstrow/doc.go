// Package firstrow bounds the wait for a read's first row, the part of a table's read that may
// hang (a lock, a server that stopped answering) without bounding the rows after it, which may
// take hours. Every extractor's snapshot reader starts a [Watch] before its query and marks the
// first row:
//
//	ctx, w := firstrow.Start(ctx, limit)
//	defer w.Stop()
//	rows, err := conn.QueryContext(ctx, q)
//	...
//	for rows.Next() {
//		w.Arrived()
//		...
//	}
//	return w.Err(err) // a *extract.FirstRowTimeoutError when the limit ran out
package firstrow

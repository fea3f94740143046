package cdc

import (
	"fmt"
	"strconv"
	"strings"
)

// pgSnapshot is a PostgreSQL transaction snapshot, as pg_current_snapshot() prints it:
// "xmin:xmax:xip1,xip2,...", with 64-bit (epoch-extended) transaction IDs. A transaction below
// xmin, or below xmax and not in xip, had ended when the snapshot was taken; since only committed
// transactions produce change events, its changes are in the snapshot.
type pgSnapshot struct {
	xmin, xmax uint64
	xip        map[uint64]bool
}

func parsePGSnapshot(s string) (*pgSnapshot, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("cdc: PostgreSQL snapshot %q is not xmin:xmax:xip,...", s)
	}
	xmin, err1 := strconv.ParseUint(parts[0], 10, 64)
	xmax, err2 := strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil || xmin > xmax {
		return nil, fmt.Errorf("cdc: PostgreSQL snapshot %q: xmin and xmax must be numbers, xmin <= xmax", s)
	}
	snap := &pgSnapshot{xmin: xmin, xmax: xmax, xip: map[uint64]bool{}}
	if parts[2] != "" {
		for _, x := range strings.Split(parts[2], ",") {
			v, err := strconv.ParseUint(x, 10, 64)
			if err != nil || v < xmin || v >= xmax {
				return nil, fmt.Errorf("cdc: PostgreSQL snapshot %q: in-progress %q is not between xmin and xmax", s, x)
			}
			snap.xip[v] = true
		}
	}
	return snap, nil
}

// committed reports whether transaction xid had committed when the snapshot was taken.
//
// Debezium sends PostgreSQL's 32-bit transaction ID. It is compared with xmax the way PostgreSQL
// compares IDs (TransactionIdPrecedes): modulo 2^32, the half of the ID space before xmax's low 32
// bits is older than xmax and is placed in the epoch that ends at xmax; the other half is newer
// (started after the snapshot) and never counts as committed. This is exact for any transaction
// less than 2^31 IDs away from the snapshot, in either direction, which PostgreSQL's own
// wraparound protection guarantees for a live transaction; a change further away is applied
// (upserts are idempotent), never skipped.
func (p *pgSnapshot) committed(xid uint64) bool {
	if xid <= 0xFFFFFFFF {
		d := int32(uint32(xid) - uint32(p.xmax)) // how far xid is from xmax, modulo 2^32
		if d >= 0 {
			return false // xmax or after: started after the snapshot
		}
		back := uint64(-int64(d))
		if back > p.xmax {
			return false // before ID 0: not a transaction of this cluster's history
		}
		xid = p.xmax - back
	}
	return xid < p.xmin || (xid < p.xmax && !p.xip[xid])
}

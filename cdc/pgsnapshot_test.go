package cdc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPGSnapshotCommitted(t *testing.T) {
	snap, err := parsePGSnapshot("100:110:103,107")
	require.NoError(t, err)
	for xid, want := range map[uint64]bool{
		50: true, 99: true, // ended before xmin: committed
		100: true, 105: true, 109: true, // between, not in progress
		103: false, 107: false, // in progress at the snapshot
		110: false, 200: false, // started after
	} {
		assert.Equal(t, want, snap.committed(xid), "xid %d", xid)
	}

	// 64-bit snapshot IDs past the first wraparound: Debezium's 32-bit IDs are placed in the
	// snapshot's epoch.
	const epoch = uint64(3) << 32
	snap, err = parsePGSnapshot("12884901988:12884902000:12884901990") // epoch 3, 100:112:102
	require.NoError(t, err)
	assert.True(t, snap.committed(101))
	assert.False(t, snap.committed(102))
	assert.False(t, snap.committed(112))
	assert.True(t, snap.committed(epoch+101), "a 64-bit ID is taken as it is")
	// Just past a wraparound: xmax's low 32 bits are small, an older ID's are large.
	snap, err = parsePGSnapshot("17179869180:17179869190:") // epoch 3 ends at ...183 (0xFFFFFFFF low), xmax in epoch 4
	require.NoError(t, err)
	assert.True(t, snap.committed(0xFFFFFFFD), "the previous epoch's 0xFFFFFFFD is before xmin")
	assert.False(t, snap.committed(6), "epoch 4's 6 is xmax: not committed")

	for _, bad := range []string{"", "1:2", "x:2:", "5:2:", "1:10:20", "1:10:a"} {
		_, err := parsePGSnapshot(bad)
		assert.Error(t, err, bad)
	}
}

// Item 1 of issue 11: a transaction that started after the snapshot has a 32-bit ID above xmax's
// low 32 bits (or, past a wraparound, a small one); it must never count as committed, whatever
// the epoch.
func TestItem1PGSkipRulePast2To32(t *testing.T) {
	snap, err := parsePGSnapshot("12884901988:12884902000:") // epoch 3, 100:112
	require.NoError(t, err)
	for _, xid := range []uint64{112, 113, 200, 100000, 0x7FFFFFFF} {
		assert.False(t, snap.committed(xid), "xid %d started after the snapshot", xid)
	}
	for _, xid := range []uint64{99, 100, 111, 0xFFFFFFF0} { // 0xFFFFFFF0: epoch 2, long before
		assert.True(t, snap.committed(xid), "xid %d ended before the snapshot", xid)
	}
	// Near a wraparound: xmax's low bits are large, a newer transaction's are small.
	snap, err = parsePGSnapshot("4294967000:4294967100:")
	require.NoError(t, err)
	for _, xid := range []uint64{5, 4294967100, 4294967295, 0, 1 << 20} {
		assert.False(t, snap.committed(xid), "xid %d started after the snapshot", xid)
	}
	assert.True(t, snap.committed(4294966999))
	// A young cluster (epoch 0): IDs "before 0" do not exist and are applied.
	snap, err = parsePGSnapshot("100:110:")
	require.NoError(t, err)
	assert.False(t, snap.committed(0xFFFFFF00), "no such transaction before the snapshot")
	assert.True(t, snap.committed(50))
}

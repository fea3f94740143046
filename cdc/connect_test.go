package cdc_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/cdc"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/internal/blackhole"
)

// A broker that accepts connections and never answers, or one that never accepts them, makes
// Run return an error that names the broker and the setting, instead of waiting forever.
func TestUnreachableBrokers(t *testing.T) {
	for name, addr := range map[string]func(testing.TB) string{"silent": blackhole.Silent, "unaccepting": blackhole.Unaccepting} {
		t.Run(name, func(t *testing.T) {
			broker := addr(t)
			cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Warehouse: t.TempDir()})
			require.NoError(t, err)
			defer cat.(interface{ Close() error }).Close()
			// From sources.yaml, as a program would configure it.
			src := &configloader.Source{Name: "pg", CDC: configloader.CDC{Brokers: []string{broker}, Topics: []string{topic}, GroupID: "etl", ConnectTimeout: time.Second}}
			c, err := cdc.Open(src, iceberg.NewTableManager(cat, "raw"))
			require.NoError(t, err)
			defer c.Close()
			done := make(chan error, 1)
			go func() { done <- c.Run(t.Context()) }()
			select {
			case err := <-done:
				require.Error(t, err)
				assert.Contains(t, err.Error(), broker)
				assert.Contains(t, err.Error(), "cdc.connect_timeout")
			case <-time.After(60 * time.Second):
				t.Fatal("Run did not give up on a broker that never answers")
			}
		})
	}
}

// A consumer stopped before its brokers answered stops cleanly.
func TestStopBeforeBrokersAnswer(t *testing.T) {
	cat, err := iceberg.OpenCatalog(t.Context(), configloader.Iceberg{Warehouse: t.TempDir()})
	require.NoError(t, err)
	defer cat.(interface{ Close() error }).Close()
	src := &configloader.Source{Name: "pg", CDC: configloader.CDC{Brokers: []string{blackhole.Silent(t)}, Topics: []string{topic}, GroupID: "etl"}}
	c, err := cdc.Open(src, iceberg.NewTableManager(cat, "raw"))
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.NoError(t, c.Run(ctx))
}

package promcheck_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/internal/promcheck"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

func TestCheck(t *testing.T) {
	testenv.Tool(t, "promtool", promcheck.Hint)
	tests := []struct {
		name, body, want string
		fails            bool
	}{
		{name: "clean", body: "# HELP rows_total Rows loaded.\n# TYPE rows_total counter\nrows_total 3\n"},
		{name: "no help", body: "# TYPE rows_total counter\nrows_total 3\n", want: "rows_total no help text", fails: true},
		{name: "abbreviated unit", body: "# HELP cdc_throughput_records_per_sec Rate.\n# TYPE cdc_throughput_records_per_sec gauge\ncdc_throughput_records_per_sec 1\n",
			want: "abbreviated units", fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := promcheck.Check(t, tt.body)
			if !tt.fails {
				promcheck.Silent(t, tt.body)
				assert.Empty(t, out)
				return
			}
			require.Error(t, err)
			assert.Contains(t, out, tt.want)
		})
	}
}

package configloader_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// Recognisable secrets: no output may contain them.
const (
	goldenPassword = "hunter2-golden-password"
	goldenToken    = "dt0c01.golden-api-token"
	goldenDSN      = "postgres://etl:golden-dsn-pw@db/etl"
)

// setGoldenEnv sets the environment the testdata files expect, and unsets the variables they
// expect to be unset.
func setGoldenEnv(t *testing.T) {
	t.Helper()
	t.Setenv("ETLWATCH_TEST_PASSWORD", goldenPassword)
	t.Setenv("ETLWATCH_TEST_TOKEN", goldenToken)
	t.Setenv("ETLWATCH_TEST_DSN", goldenDSN)
	t.Setenv("ETLWATCH_TEST_DB_PORT", "1522")
	t.Setenv("HOME", "/home/etl")
	for _, name := range []string{
		"ETLWATCH_TEST_ENV", "ETLWATCH_TEST_CHECK", "ETLWATCH_TEST_UNSET", "ETLWATCH_TEST_UNSET_TYPE",
		"ETLWATCH_TEST_UNSET_PORT", "ETLWATCH_TEST_UNSET_A", "ETLWATCH_TEST_UNSET_B",
		"ETLWATCH_TEST_UNSET_PASSWORD", "NOT_EXPANDED",
	} {
		unsetenv(t, name)
	}
}

// unsetenv unsets name for the test, restoring it afterwards.
func unsetenv(t *testing.T, name string) {
	t.Helper()
	t.Setenv(name, "") // registers the restore
	require.NoError(t, os.Unsetenv(name))
}

// goldenOutput is what a golden file holds for a testdata input: the error text, or for a file
// that loads, the configuration as Config.String shows it.
func goldenOutput(cfg *configloader.Config, err error) string {
	if err != nil {
		return err.Error() + "\n"
	}
	return "# loads without error; with its defaults:\n" + cfg.String()
}

// TestGolden loads each testdata/*.yaml and compares the result with testdata/*.golden.
// Run go test -run TestGolden -update to rewrite the golden files after a deliberate change.
func TestGolden(t *testing.T) {
	setGoldenEnv(t)
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, input := range inputs {
		name := strings.TrimSuffix(filepath.Base(input), ".yaml")
		t.Run(name, func(t *testing.T) {
			cfg, err := configloader.LoadFile(input)
			got := goldenOutput(cfg, err)
			for _, secret := range []string{goldenPassword, goldenToken, goldenDSN, "golden-dsn-pw", "hunter2-wrong-type"} {
				assert.NotContains(t, got, secret)
			}
			if err != nil {
				var le *configloader.LoadError
				require.True(t, errors.As(err, &le), "a file's mistakes are a *LoadError: %v", err)
				assert.NotEmpty(t, le.Errors)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -run TestGolden -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
}

// TestGoldenCoverage pins what the golden files must show, so that an -update that loses one
// of them fails.
func TestGoldenCoverage(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
		require.NoError(t, err)
		return string(b)
	}
	tests := []struct {
		golden string
		want   []string
	}{
		{"reference", []string{"# loads without error", "database_type: oracle", "cloudwatch_namespace: ETL/Pipeline",
			"row_count_tolerance: 0.01", "CUSTOMERS: [CUSTOMER_ID, CREATED]", "parallel_workers: 4", "on_failure: warn"}},
		{"full", []string{"# loads without error", "password: '[REDACTED]'", "api_token: '[REDACTED]'",
			"dsn: '[REDACTED]'", "port: 1522", "costs $5 and $HOME stays", "max_retries: 0", "export_interval: 1m30s",
			"connect_timeout: 15s", "max_delete_share: 0.25"}},
		{"many_mistakes", []string{
			`many_mistakes.yaml:4:20: sources.dev_mydb.database_type: found "postgresql" (did you mean "postgres"?)`,
			`many_mistakes.yaml:18:28: sources.dev_mydb.data_quality.row_count_tolerance: found 1.5; allowed: a number from 0 to 1`,
			`check_row_cont: found unknown key "check_row_cont" (did you mean "check_row_count"?)`,
		}},
		{"unknown_key", []string{`unknown key "databse_type" (did you mean "database_type"?)`, `(did you mean "sources"?)`}},
		{"wrong_types", []string{"password: found a list", `found the string "four"`, "found a mapping"}},
		{"out_of_range", []string{"found 70000; allowed: an integer from 1 to 65535", "found -0.1; allowed: a number from 0 to 1",
			"maintenance.max_delete_share: found 1.5; allowed: a number greater than 0 and at most 1, such as 0.1",
			`sources.other.connection.connect_timeout: found 10 (did you mean "10s"?)`}},
		{"unset_var", []string{"found ${ETLWATCH_TEST_UNSET}, and ETLWATCH_TEST_UNSET is not set"}},
		{"bad_enum", []string{`found "hive"; allowed: sql, rest or glue`, `found "Oracle" (did you mean "oracle"?)`}},
		{"duplicate_source", []string{`found the key "dev_mydb" a second time (first at line 3, column 3)`}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got := read(tt.golden)
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
		})
	}
	assert.GreaterOrEqual(t, strings.Count(read("many_mistakes"), "\n"), 5, "five or more mistakes at once")
}

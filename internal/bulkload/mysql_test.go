package bulkload

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the database/sql driver for the set-up connection
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// The bulk load end to end on the real MariaDB: awkward types with NULLs, a composite primary
// key, a table without one; row counts checked against the snapshot and one table reconciled row
// by row, MariaDB against Iceberg.
func TestMySQLEndToEnd(t *testing.T) {
	ctx := t.Context()
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/test?multiStatements=true")
	require.NoError(t, err)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		testenv.Unavailable(t, "MariaDB at 127.0.0.1:3306: "+err.Error())
		return
	}
	p := fmt.Sprintf("bl_%d", time.Now().UnixNano()%1e12)
	awkward, composite, nokey := p+"_awkward", p+"_composite", p+"_nokey"
	_, err = db.ExecContext(ctx, fmt.Sprintf(`
CREATE TABLE %[1]s (id bigint PRIMARY KEY, tiny tinyint, flag tinyint(1), small smallint unsigned, big_u bigint unsigned,
  amount decimal(38,10), wide decimal(50,5), f float, d double, name varchar(40), body text, doc json, raw varbinary(16),
  bits bit(3), day date, at datetime(6), ts timestamp(3) NULL, dur time, yr year, kind enum('a','b'));
INSERT INTO %[1]s VALUES
  (1, -128, 1, 65535, 9223372036854775807, 1234567890123456789012345678.0123456789, 12345678901234567890123456789012345678901234.56789,
   1.5, -2.25, 'héllo 🚀', REPEAT('x', 1000), '{"k": [1, 2]}', X'00FF', b'101', '1970-01-01', '2024-02-29 13:14:15.123456',
   '2024-02-29 13:14:15.123', '-838:59:59', 2024, 'b'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE %[2]s (region char(2), order_no int, line smallint, qty int NOT NULL, PRIMARY KEY (region, order_no, line));
INSERT INTO %[2]s VALUES ('EU', 1, 1, 5), ('EU', 1, 2, 7), ('US', 1, 1, 1);
CREATE TABLE %[3]s (at datetime, message varchar(200));
INSERT INTO %[3]s VALUES ('2024-01-01 00:00:00', 'first'), (NULL, NULL), ('2024-01-02 00:00:00', 'first');`, awkward, composite, nokey))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS " + awkward + ", " + composite + ", " + nokey) })
	// The reconciled table: an integer key, 3000 rows.
	seq := p + "_seq"
	// FLOAT with more than the 6 significant digits the text protocol prints (16777215 + seq).
	_, err = db.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %[1]s (id int PRIMARY KEY, amount decimal(12,2), note varchar(20), f float, day date);
INSERT INTO %[1]s SELECT seq, seq / 100, IF(seq %% 7 = 0, NULL, CONCAT('n', seq)), 16777215 - seq, DATE '2024-01-01' + INTERVAL seq DAY FROM seq_1_to_3000;`, seq))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS " + seq) })

	tmp := t.TempDir()
	tables := []string{awkward, composite, nokey, seq}
	dir := writeConfig(t, fmt.Sprintf(`sources:
  src:
    database_type: mysql
    connection:
      host: 127.0.0.1
      port: 3306
      username: root
      database: test
    bulk_load:
      parallel_workers: 2
      parallel_partitions: 2
      max_retries: 0
      tables: [%s, %s, %s, %s]
      namespace: raw
    iceberg:
      warehouse: %s
    data_quality:
      check_row_count: true
      checksum_tables: [%s]
      on_failure: fail
`, awkward, composite, nokey, seq, filepath.Join(tmp, "warehouse"), seq))
	var stdout, stderr bytes.Buffer
	code := Run(ctx, []string{"--source", "src", "--config-dir", dir, "--progress", "off"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
	checkLoaded(t, dir, "raw", tables)

	var reconciled []event
	for _, e := range events(t, stdout.String())[dataquality.EventCheckComplete] {
		if e.Details["check"] == dataquality.CheckChecksum {
			reconciled = append(reconciled, e)
		}
	}
	require.Len(t, reconciled, 1, stdout.String())
	assert.Equal(t, true, reconciled[0].Details["passed"], reconciled[0].Details["details"])
	assert.EqualValues(t, 3000, reconciled[0].Details["dest_rows"])
}

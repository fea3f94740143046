package compose_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/internal/testenv"
)

// postgresConnectorProperties are the property names of Debezium's PostgreSQL connector
// documentation (documentation/modules/ROOT/pages/connectors/postgresql.adoc, "Connector
// properties": the required and the common ones) that connector.json may use, each with the
// values the documentation allows ("" for any value), plus the converter overrides that Kafka
// Connect accepts on every connector.
var postgresConnectorProperties = map[string][]string{
	"connector.class":             {"io.debezium.connector.postgresql.PostgresConnector"},
	"tasks.max":                   {"1"},
	"plugin.name":                 {"decoderbufs", "pgoutput"},
	"slot.name":                   nil,
	"slot.drop.on.stop":           {"true", "false"},
	"publication.name":            nil,
	"publication.autocreate.mode": {"all_tables", "disabled", "filtered"},
	"database.hostname":           nil,
	"database.port":               nil,
	"database.user":               nil,
	"database.password":           nil,
	"database.dbname":             nil,
	"database.sslmode":            {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"},
	"topic.prefix":                nil,
	"schema.include.list":         nil,
	"schema.exclude.list":         nil,
	"table.include.list":          nil,
	"table.exclude.list":          nil,
	"column.include.list":         nil,
	"column.exclude.list":         nil,
	"time.precision.mode":         {"adaptive", "adaptive_time_microseconds", "connect"},
	"decimal.handling.mode":       {"precise", "double", "string"},
	"hstore.handling.mode":        {"map", "json"},
	"interval.handling.mode":      {"numeric", "string"},
	"binary.handling.mode":        {"bytes", "base64", "base64-url-safe", "hex"},
	"tombstones.on.delete":        {"true", "false"},
	"snapshot.mode":               {"always", "initial", "initial_only", "no_data", "when_needed"},
	"message.key.columns":         nil,
	// Kafka Connect's per-connector converter overrides.
	"key.converter":                  {"org.apache.kafka.connect.json.JsonConverter"},
	"key.converter.schemas.enable":   {"true", "false"},
	"value.converter":                {"org.apache.kafka.connect.json.JsonConverter"},
	"value.converter.schemas.enable": {"true", "false"},
}

// The properties a PostgreSQL connector cannot do without (no default in the documentation), and
// plugin.name, whose default (decoderbufs) needs a plug-in the postgres image does not have.
var requiredConnectorProperties = []string{"connector.class", "database.hostname", "database.user",
	"database.password", "database.dbname", "topic.prefix", "plugin.name"}

func loadConnector(t *testing.T) map[string]string {
	t.Helper()
	var cfg map[string]string
	require.NoError(t, json.Unmarshal([]byte(readFile(t, "cdc/connector.json")), &cfg), "connector.json: an object of strings, as PUT /connectors/NAME/config takes")
	return cfg
}

// TestConnectorProperties: connector.json uses only documented property names with documented
// values, and has the required ones.
func TestConnectorProperties(t *testing.T) {
	cfg := loadConnector(t)
	for k, v := range cfg {
		allowed, ok := postgresConnectorProperties[k]
		if !assert.True(t, ok, "%s: not a property of Debezium's PostgreSQL connector", k) {
			continue
		}
		if allowed != nil {
			assert.Contains(t, allowed, v, "%s", k)
		}
	}
	for _, k := range requiredConnectorProperties {
		assert.NotEmpty(t, cfg[k], "%s is required", k)
	}
	assert.Regexp(t, `^[a-z0-9_]+$`, cfg["slot.name"], "PostgreSQL's rule for replication slot names")
	assert.Equal(t, "pgoutput", cfg["plugin.name"], "the plug-in built into PostgreSQL")
	assert.Equal(t, "true", cfg["value.converter.schemas.enable"], "the consumer reads decimals' scale from the schema")
}

// initSQL returns the seeded schema.
func initSQL(t *testing.T) string { return readFile(t, "cdc/postgres/init.sql") }

// TestConnectorAgreesWithTheStack: the connector reaches the compose postgres with its database,
// user and password; captures the seeded tables through the seeded publication; writes the topics
// the consumer reads; and the registration service PUTs this file to this connector's Connect.
func TestConnectorAgreesWithTheStack(t *testing.T) {
	c := loadCompose(t)
	cfg := loadConnector(t)
	pg := c.Services["postgres"]
	assert.Contains(t, c.Services, cfg["database.hostname"])
	assert.Equal(t, containerPort(t, pg), cfg["database.port"])
	assert.Equal(t, pg.Environment["POSTGRES_DB"], cfg["database.dbname"])
	assert.Equal(t, pg.Environment["POSTGRES_USER"], cfg["database.user"])
	assert.Equal(t, interpolate(pg.Environment["POSTGRES_PASSWORD"]), cfg["database.password"])
	assert.Contains(t, pg.Command, "wal_level=logical")

	schema := initSQL(t)
	for _, tbl := range strings.Split(cfg["table.include.list"], ",") {
		s, name, ok := strings.Cut(tbl, ".")
		require.True(t, ok, "table.include.list: schema.table")
		assert.Equal(t, cfg["schema.include.list"], s)
		assert.Regexp(t, `(?m)^CREATE TABLE `+name+` \(`, schema, "%s is seeded", tbl)
	}
	assert.Contains(t, schema, "CREATE PUBLICATION "+cfg["publication.name"]+" FOR TABLE")

	src := composeSource(t)
	assert.Equal(t, cfg["topic.prefix"]+"."+cfg["schema.include.list"]+".", src.CDC.TopicPrefix,
		"Debezium's topics are PREFIX.SCHEMA.TABLE")

	reg := c.Services["connect-register"]
	var file string
	for _, v := range reg.Volumes {
		if m := parseMount(t, v); m.Source == "./cdc/connector.json" {
			file = m.Target
		}
	}
	require.NotEmpty(t, file, "the registration mounts cdc/connector.json")
	assert.Contains(t, reg.Command, "@"+file)
	url := reg.Command[len(reg.Command)-1]
	assert.Regexp(t, `^http://connect:`+containerPort(t, c.Services["connect"])+`/connectors/[a-z0-9-]+/config$`, url)
	assert.Contains(t, reg.Command, "PUT", "PUT creates or updates: a re-run is harmless")
	assert.Equal(t, "service_healthy", reg.DependsOn["connect"].Condition)
}

// composeSource loads the consumer's sources.yaml with the configuration loader, as the consumer
// does, and returns its source.
func composeSource(t *testing.T) *configloader.Source {
	t.Helper()
	cfg, err := configloader.Load("cdc/config")
	require.NoError(t, err)
	src, err := cfg.Source("compose_shop")
	require.NoError(t, err)
	return src
}

// TestConsumerSourcesYAML: the consumer's command names its mounted sources.yaml and source; the
// brokers are the Kafka service's advertised listener; the warehouse is on the consumer's volume;
// /metrics and /health are on the port the health check, the published port and Prometheus use.
func TestConsumerSourcesYAML(t *testing.T) {
	c := loadCompose(t)
	cc := c.Services["cdc-consumer"]
	assert.Equal(t, "cdc", cc.Build.Args["PROGRAM"])
	src := composeSource(t)

	arg := func(name string) string {
		i := slices.Index(cc.Command, name)
		require.GreaterOrEqual(t, i, 0, "%v: %s", cc.Command, name)
		return cc.Command[i+1]
	}
	assert.Equal(t, src.Name, arg("--source"))
	assert.Contains(t, cc.Volumes, "./cdc/config/sources.yaml:"+arg("--config-dir")+"/"+configloader.FileName+":ro")

	kafka := c.Services["kafka"]
	assert.Contains(t, kafka.Environment["KAFKA_ADVERTISED_LISTENERS"], "PLAINTEXT://"+src.CDC.Brokers[0])
	assert.Equal(t, "service_completed_successfully", cc.DependsOn["connect-register"].Condition)

	var warehouseVolume bool
	for _, v := range cc.Volumes {
		if m := parseMount(t, v); !m.Bind && strings.HasPrefix(src.Iceberg.Warehouse, m.Target+"/") {
			warehouseVolume = !m.ReadOnly
		}
	}
	assert.True(t, warehouseVolume, "the warehouse %s is on a writable named volume", src.Iceberg.Warehouse)
	assert.True(t, strings.HasPrefix(src.Iceberg.Warehouse, "/var/lib/etlwatch/"), "under the image's directory owned by its user")

	assert.Equal(t, ":8083", src.Monitoring.Prometheus.Listen, "every interface, port 8083: -healthcheck's default port")
	assert.Equal(t, "8083", containerPort(t, cc))
	assert.Equal(t, interpolate(c.Services["postgres"].Environment["POSTGRES_PASSWORD"]), src.Connection.Password.Reveal())
}

// TestSeedAndChangesOnPostgres: the seeded schema and the change script run on the machine's
// PostgreSQL (in a database of their own, dropped after), and the changes insert, update and
// delete.
func TestSeedAndChangesOnPostgres(t *testing.T) {
	dsn := os.Getenv("ETLWATCH_TEST_POSTGRES_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		testenv.Unavailable(t, fmt.Sprintf("PostgreSQL at %s is not reachable: %v", dsn, err))
	}
	defer admin.Close(context.Background())
	db := fmt.Sprintf("etlwatch_compose_%d", time.Now().UnixNano())
	_, err = admin.Exec(ctx, "CREATE DATABASE "+db)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)") })

	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.Database = db
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer conn.Close(context.Background())

	_, err = conn.Exec(ctx, initSQL(t))
	require.NoError(t, err, "init.sql")
	count := func(q string) int {
		var n int
		require.NoError(t, conn.QueryRow(ctx, q).Scan(&n))
		return n
	}
	assert.Equal(t, 50, count("SELECT count(*) FROM customers"))
	assert.Equal(t, 200, count("SELECT count(*) FROM orders"))
	assert.Equal(t, 2, count("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'etlwatch_shop'"))
	assert.Equal(t, 2, count(`SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		WHERE i.indisprimary AND c.relname IN ('customers', 'orders')`), "a primary key each: the Debezium key")

	changes := readFile(t, "cdc/postgres/changes.sql")
	// The script's statements, each in its own transaction, as psql -f runs them.
	stmts := regexp.MustCompile(`;\s*\n`).Split(stripComments(changes), -1)
	for range 20 {
		for _, s := range stmts {
			if strings.TrimSpace(s) != "" {
				_, err := conn.Exec(ctx, s)
				require.NoError(t, err, "changes.sql: %s", s)
			}
		}
	}
	// Each round inserts three orders and ships two; customers and deletes are left to chance.
	assert.Equal(t, 200+20*3, count("SELECT max(id) FROM orders"), "three orders inserted a round")
	assert.Positive(t, count("SELECT count(*) FROM orders WHERE status = 'shipped' AND updated_at > created_at"), "orders updated")
	assert.GreaterOrEqual(t, count("SELECT count(*) FROM customers"), 50)
}

func stripComments(sql string) string {
	var b strings.Builder
	for _, l := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

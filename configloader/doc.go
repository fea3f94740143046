// Package configloader loads and checks sources.yaml, the file that lists the databases an
// etlwatch pipeline extracts from and how each is loaded, streamed, stored, monitored and checked.
// It is the Go successor of the Python pipeline's config_loader.py.
//
//	cfg, err := configloader.Load("") // $CONFIG_DIR/sources.yaml, else ./config/sources.yaml
//	if err != nil {
//		log.Fatal(err) // every mistake of the file, one per line
//	}
//	src, err := cfg.Source("dev_mydb")
//	if err != nil {
//		log.Fatal(err) // names the sources there are
//	}
//	fmt.Println(src.DatabaseType, src.BulkLoad.ParallelWorkers)
//
// [Load] reads <dir>/sources.yaml, [LoadFile] a given file and [Parse] bytes. They return a
// [*Config] whose [Source] values are ready to use: types converted, ranges checked, defaults filled
// in. A Config is not modified by this package after it is returned, so it may be read from many
// goroutines.
//
// # The file
//
// sources.yaml holds one entry per source under sources:. Every key below is optional except
// database_type. Connection details are not checked when the file is loaded (an oracle source with
// no connection: block loads); the extractor checks them when it connects.
//
//	sources:
//	  dev_mydb:                          # the source's name, used in metrics and events
//	    database_type: oracle            # oracle, postgres, mysql or sqlite (required)
//	    connection:
//	      host: db.internal
//	      port: ${ORACLE_PORT:-1521}     # from the environment, 1521 when unset or empty
//	      service_name: ORCLPDB1         # Oracle only; database: for the others
//	      schema: SALES                  # PostgreSQL schema (default public) or Oracle owner
//	      username: etl
//	      password: ${ORACLE_PASSWORD}   # a Secret; an error if ORACLE_PASSWORD is not set
//	      # dsn: ...                     # a full data source name (a Secret); wins over the above
//	      connect_timeout: 10s           # to accept the connection and answer the handshake, default 10s
//	      first_row_timeout: 5m          # for each read's first row, default 5m; 0: no limit
//	      options:                       # passed to the driver; password-like ones print masked
//	        SSL: "true"                  # go-ora's; sslmode: require for PostgreSQL
//	    bulk_load:
//	      parallel_workers: 8            # >= 1, default 4
//	      parallel_partitions: 4         # partitions each table is read in, >= 1, default 1
//	      max_retries: 3                 # per table, >= 0, default 3
//	      tables: [CUSTOMERS, ORDERS]    # the tables to load
//	      table_filter: ^(CUSTOMERS|ORDERS)$  # or a Go regular expression (RE2) that picks them
//	      namespace: raw                 # the Iceberg namespace to load into
//	    cdc:
//	      brokers: [kafka-1:9092, kafka-2:9092]
//	      topic_prefix: dbserver1.ETL    # or topics: [...], not both
//	      group_id: etl-dev_mydb
//	      batch_size: 500                # >= 1: a batch is committed when it holds this many records
//	      commit_interval: 10s           # or when its first record waited this long (default 10s)
//	      connect_timeout: 10s           # how long the consumer waits for a broker when it starts
//	      dead_letter_topic: etl.dlq     # not in topics, not under topic_prefix (it would be read back)
//	      deletes: equality              # or vectors: deletion vectors (Iceberg v3 tables, fast scans)
//	      maintenance:                   # on by default, driven by each table's health
//	        enabled: true                # false turns it off
//	        max_delete_files: 4          # merge a table's deletes once it has this many delete files
//	        max_delete_share: 0.1        # but compact it in full once they hold this share of its rows
//	        max_snapshots: 100           # expire the oldest snapshots beyond this many
//	        expire_older_than: 1h        # and those older than this
//	        retain_snapshots: 10         # the newest snapshots always kept, >= 1
//	        metadata_versions: 10        # previous metadata.json files kept
//	        orphan_older_than: 24h       # remove unreferenced files older than this
//	        timeout: 30s                 # the longest one table's maintenance may take
//	        every_batches: 100           # also a round every so many batches (off by default)
//	    iceberg:
//	      catalog: sql                   # sql (default), rest (needs uri) or glue
//	      uri: sqlite:///var/lib/etl/catalog.db
//	      warehouse: ./warehouse         # default ./warehouse
//	      namespace: raw
//	    monitoring:
//	      enable_cloudwatch: true
//	      cloudwatch_namespace: ETL/Pipeline  # the default when enable_cloudwatch is true
//	      otlp:
//	        endpoint: otel-collector:4317
//	        protocol: grpc               # grpc or http
//	      dynatrace:
//	        endpoint: https://abc12345.live.dynatrace.com/api/v2/otlp/v1/metrics
//	        api_token: ${DT_API_TOKEN}   # a Secret
//	      prometheus:
//	        listen: ":8083"              # host:port; ":8083" listens on every interface
//	      export_interval: 60s           # a Go duration: 60s, 1m, 1m30s
//	      export_timeout: 10s            # each export request of cloudwatch, otlp, dynatrace
//	      environment: dev
//	      required_sinks: [cloudwatch]   # these must start; cloudwatch, otlp, dynatrace, prometheus
//	    data_quality:
//	      check_row_count: true
//	      row_count_tolerance: 0.01      # from 0 to 1: the fraction the counts may differ by
//	      required_columns:              # table: columns that must not be null
//	        CUSTOMERS: [CUSTOMER_ID, CREATED]
//	        ORDERS: [ORDER_ID, ORDER_DATE]
//	      checksum_tables: [CUSTOMERS, ORDERS]
//	      on_failure: warn               # warn (default) or fail
//	      monitors:                      # judge each load against the table's own history
//	        volume: true                 # rows added per load (per hour for CDC)
//	        freshness: true              # time since the last write, against the learned cadence
//	        max_age: 26h                 # and stale past this age whatever the history (turns freshness on)
//	        schema_drift: warn           # off (default), warn or fail: columns added, removed, retyped
//	        null_rate:                   # table: columns whose null rate is judged
//	          CUSTOMERS: [EMAIL]
//	        sensitivity: 4               # band half-width in robust standard deviations (default 4)
//	        seasonality: auto            # auto (default), none or day_of_week
//	        min_history: 7               # past loads needed before a verdict (default 7)
//	        exclude:                     # loads in these ranges never shape a baseline
//	          - {from: "2026-03-01", to: "2026-03-03", reason: source outage}
//	        on_anomaly: warn             # warn (default) or fail
//	    lineage:                         # OpenLineage events; OPENLINEAGE_* variables fill in the rest
//	      transport: [http, file]        # http, console, file, kafka; one or a list (default: from url, kafka.topic, file.path)
//	      url: http://marquez:5000       # http(s); events go to url + endpoint
//	      endpoint: /api/v1/lineage      # the default
//	      api_key: ${MARQUEZ_API_KEY}    # a Secret, sent as a bearer token
//	      namespace: etl-prod            # the jobs' namespace, default "default"
//	      timeout: 5s                    # per HTTP request, default 5s
//	      running_interval: 60s          # least time between a streaming job's RUNNING events, default 60s
//	      flush_timeout: 2s              # the most the end of a job waits for buffered events, default 2s
//	      disabled: false                # true sends nothing
//	      kafka: {topic: openlineage}    # brokers: [...] default cdc.brokers
//	      file: {path: /var/log/etlwatch/lineage.jsonl, rotate: daily}  # none, daily or size (+ max_size_mb)
//
// A key that is left out, or set to nothing (null, ~, or a value that expands to ""), takes its
// default: [DefaultParallelWorkers], [DefaultParallelPartitions], [DefaultMaxRetries],
// [DefaultCatalog], [DefaultWarehouse], [DefaultCloudWatchNamespace] (only when enable_cloudwatch
// is true) and [DefaultOnFailure]. The others are zero: an empty string, 0, false or nil, which
// the package that uses them reads as its own default (export_interval 0 is the metrics
// collector's default, for instance). [Config.String] shows a configuration with its defaults.
//
// # Environment variables
//
// Values (never keys) may hold ${NAME}, replaced by the environment variable NAME, and
// ${NAME:-default}, replaced by default when NAME is unset or empty. An unset variable without a
// default is an error that names it. $$ is a literal $ (write a password holding "${" as "$${");
// a $ followed by anything else is kept. Expansion comes before type conversion, so
// port: ${DB_PORT:-5432} is an integer, and a quoted "${DB_PORT}" is converted too. Inside a flow
// mapping or list, quote the reference ({port: '${DB_PORT}'}): YAML reads its braces there.
//
// # Anchors and merge keys
//
// YAML anchors (&name), aliases (*name) and merge keys (<<: *name) may be used to share settings
// between sources. Top-level keys starting with x- are not checked, to hold the anchors:
//
//	x-monitoring: &monitoring
//	  enable_cloudwatch: true
//	  environment: prod
//	sources:
//	  orders_db:
//	    database_type: postgres
//	    monitoring: *monitoring
//	  billing_db:
//	    database_type: mysql
//	    monitoring:
//	      <<: *monitoring
//	      environment: prod-eu           # keys set here win over the merged ones
//
// # Errors
//
// A file that is not a valid sources.yaml gives a [*LoadError] holding every mistake at once, as
// [FieldError] values sorted by position. Each names the file, line and column, the dotted path of
// the field, what was found and what is allowed:
//
//	sources.yaml:12:28: sources.dev_mydb.data_quality.row_count_tolerance: found 1.5; allowed: a number from 0 to 1
//	sources.yaml:14:7: sources.dev_mydb.data_quality.check_row_cont: found unknown key "check_row_cont" (did you mean "check_row_count"?); allowed: check_row_count, ...
//
// A value that holds an environment variable's text is described, not quoted ("a string of 7
// characters (from "${DB_PORT}")"), since variables often hold credentials.
//
// Unknown keys, duplicate keys, values of the wrong type, values out of range, unknown names
// (database_type: postgresql) and unset variables are all mistakes. So is a
// cdc.dead_letter_topic that the consumer would read back as changes, one of cdc.topics or one
// that starts with cdc.topic_prefix (pg.dlq under topic_prefix: pg.): every dead letter would
// fail again and be sent again, forever. A YAML syntax error stops the
// check and names only a line. A file larger than [MaxFileSize] is rejected, checking stops after
// [MaxErrors] mistakes, and the values visited are bounded, counting each use of an alias, so that
// an alias bomb ("billion laughs") is an error rather than an exhausted machine. So are the bytes
// read: keys and values, with their ${} references expanded and each use of an alias counted
// again, may add up to [MaxExpandedSize] (8 MiB). A value is expanded once however many aliases
// use it. Going over is a mistake at the value that went over:
//
//	sources.yaml:10:40: sources.s7.connection.host: found more than 8388608 bytes (8 MiB) of keys and values, counting ${} references expanded and each use of an alias again; allowed: ...
//
// # Secrets
//
// password, dsn and api_token are read as [Secret] values. A Secret prints as [Redacted] through
// String, the fmt verbs (all that go vet accepts), encoding/json, YAML and log/slog, so a
// [Config] or [Source] can be printed, marshalled or logged whole; [Secret.Reveal] returns the
// value for the code that connects. Error messages describe a secret ("a list") and never quote
// it.
//
// iceberg.uri and connection.options keep their values, which the code that connects needs, but
// print with their credentials masked, through the same printers: the password of a URI's user
// information (the whole user information when it has no password), query parameters such as
// password, token, secret, sslpassword or access_key, the values of such keys in a key=value
// data source name, and connection options with such names. A URI that cannot be read is
// masked whole but for its scheme. [Iceberg.Redacted] and [Connection.Redacted] return the copy
// that is printed:
//
//	iceberg.uri: https://etl:pw@catalog.internal/v1?token=abc  prints as
//	             https://etl:[REDACTED]@catalog.internal/v1?token=[REDACTED]
//
// Prefer password, dsn or ${VAR} for credentials all the same: a credential under an option name
// that does not look like one (say, a driver's "pin") prints as written.
package configloader

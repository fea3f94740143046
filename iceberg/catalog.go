package iceberg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	goiceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/glue"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	// Database drivers for the SQL catalog: "sqlite" and "pgx".
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/internal/redact"
)

// DefaultWarehouse is the warehouse directory used when [CatalogConfig.Warehouse] is empty.
const DefaultWarehouse = "./warehouse"

// catalogName is the name the SQL catalog records in its tables.
const catalogName = "etlwatch"

// CatalogConfig is the catalog [NewCatalog] opens, for a program without a sources.yaml (its
// fields are iceberg.catalog, iceberg.uri and iceberg.warehouse there; [OpenCatalog] takes
// those). It prints with the credentials URI may hold masked.
type CatalogConfig struct {
	// Catalog is sql (default), rest or glue.
	Catalog string
	// URI is the REST catalog's URL, or the SQL catalog's PostgreSQL database URL (empty: SQLite
	// in the warehouse).
	URI string
	// Warehouse is the SQL catalog's local warehouse directory or file:// URL (default
	// [DefaultWarehouse]), or the REST catalog's warehouse location.
	Warehouse string
}

// String prints c with the credentials of URI masked.
func (c CatalogConfig) String() string {
	return fmt.Sprintf("{Catalog:%s URI:%s Warehouse:%s}", c.Catalog, redact.URI(c.URI), c.Warehouse)
}

// OpenCatalog is [NewCatalog] for the iceberg: block of a sources.yaml.
func OpenCatalog(ctx context.Context, cfg configloader.Iceberg, opts ...CatalogOption) (catalog.Catalog, error) {
	return NewCatalog(ctx, CatalogConfig{Catalog: cfg.Catalog, URI: cfg.URI, Warehouse: cfg.Warehouse}, opts...)
}

// NewCatalog opens the catalog cfg describes:
//
//   - catalog "sql" (or empty): an iceberg-go SQL catalog. When cfg.URI starts with postgres://
//     or postgresql:// the catalog tables live in that PostgreSQL database (driver pgx);
//     otherwise they live in SQLite, in the file catalog.db inside the warehouse directory.
//     A local warehouse (a path or a file:// URL; default [DefaultWarehouse]) is created if missing
//     and passed to iceberg-go as an absolute file:// URL.
//   - catalog "rest": iceberg-go's REST catalog at cfg.URI (required), with cfg.Warehouse as the
//     warehouse location when set.
//   - catalog "glue": iceberg-go's AWS Glue catalog, with the AWS configuration loaded the
//     default way (environment, shared files, instance role).
//
// Errors never show the credentials iceberg.uri may hold: the URI is quoted with them masked,
// as [configloader.Iceberg.Redacted] prints it, and removed from the errors of the drivers and
// clients. Close the returned catalog with [catalog.Closer] when it implements it.
//
// A PostgreSQL catalog database or a REST catalog that does not answer within the connect
// timeout ([WithCatalogConnectTimeout], default 10s) fails with an
// [*extract.ConnectTimeoutError] naming host:port, instead of hanging.
//
// [*extract.ConnectTimeoutError]: https://pkg.go.dev/github.com/etlwatch/etlwatch/extractors/extract#ConnectTimeoutError
func NewCatalog(ctx context.Context, cfg CatalogConfig, opts ...CatalogOption) (catalog.Catalog, error) {
	var o catalogOptions
	for _, opt := range opts {
		opt(&o)
	}
	switch kind := strings.ToLower(strings.TrimSpace(cfg.Catalog)); kind {
	case "", "sql":
		return openSQLCatalog(ctx, cfg, o)
	case "rest":
		return openRESTCatalog(ctx, cfg, o)
	case "glue":
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("iceberg: load AWS configuration for the glue catalog: %w", err)
		}
		cat, err := glue.NewCatalog(glue.WithAwsConfig(awsCfg))
		if err != nil {
			return nil, fmt.Errorf("iceberg: open glue catalog: %w", err)
		}
		return cat, nil
	default:
		return nil, fmt.Errorf("iceberg: iceberg.catalog is %q; allowed values are sql, rest and glue", cfg.Catalog)
	}
}

func openSQLCatalog(ctx context.Context, cfg CatalogConfig, o catalogOptions) (catalog.Catalog, error) {
	warehouseDir, warehouseURL, err := localWarehouse(cfg.Warehouse)
	if err != nil {
		return nil, err
	}
	var (
		driver, dsn string
		dialect     sqlcat.SupportedDialect
	)
	lower := strings.ToLower(cfg.URI)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		driver, dsn, dialect = "pgx", cfg.URI, sqlcat.Postgres
	case cfg.URI == "":
		driver, dialect = "sqlite", sqlcat.SQLite
		// WAL and a busy timeout let several writers share the file (see sqlcat.NewCatalog).
		dsn = "file:" + filepath.Join(warehouseDir, "catalog.db") +
			"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	default:
		return nil, fmt.Errorf("iceberg: iceberg.uri %q is not supported by the sql catalog; "+
			"use a postgres:// or postgresql:// URL, or leave it empty for SQLite in the warehouse", redact.URI(cfg.URI))
	}
	var db *sql.DB
	if driver == "pgx" {
		db, err = openPostgresCatalogDB(dsn, cfg.URI, o)
		if err != nil {
			return nil, fmt.Errorf("iceberg: connect to sql catalog database (iceberg.uri %q): %w",
				redact.URI(cfg.URI), redact.URIError(err, cfg.URI))
		}
	} else {
		db, err = sql.Open(driver, dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("iceberg: open sql catalog database: %w", redact.URIError(err, cfg.URI))
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		var cte *extract.ConnectTimeoutError
		if errors.As(err, &cte) {
			return nil, err
		}
		return nil, fmt.Errorf("iceberg: connect to sql catalog database (iceberg.uri %q): %w",
			redact.URI(cfg.URI), redact.URIError(err, cfg.URI))
	}
	cat, err := sqlcat.NewCatalog(catalogName, db, dialect, goiceberg.Properties{"warehouse": warehouseURL})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("iceberg: open sql catalog: %w", redact.URIError(err, cfg.URI))
	}
	return &ownedSQLCatalog{Catalog: cat, db: db}, nil
}

// ownedSQLCatalog closes the database handle OpenCatalog opened along with the catalog.
type ownedSQLCatalog struct {
	*sqlcat.Catalog
	db *sql.DB
}

// Close closes the catalog and its database handle.
func (c *ownedSQLCatalog) Close() error {
	err := c.Catalog.Close()
	if cerr := c.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// localWarehouse resolves a warehouse setting to an absolute directory, created if missing, and its
// file:// URL.
func localWarehouse(w string) (dir, fileURL string, err error) {
	if w == "" {
		w = DefaultWarehouse
	}
	if strings.Contains(w, "://") {
		u, perr := url.Parse(w)
		if perr != nil || u.Scheme != "file" {
			return "", "", fmt.Errorf("iceberg: iceberg.warehouse %q: the sql catalog needs a local directory or a file:// URL", w)
		}
		w = u.Path
	}
	dir, err = filepath.Abs(w)
	if err != nil {
		return "", "", fmt.Errorf("iceberg: iceberg.warehouse %q: %w", w, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("iceberg: create iceberg.warehouse directory: %w", err)
	}
	return dir, (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String(), nil
}

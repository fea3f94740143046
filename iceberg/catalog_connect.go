package iceberg

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/rest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/internal/connect"
	"github.com/etlwatch/etlwatch/internal/redact"
)

// CatalogOption configures [OpenCatalog].
type CatalogOption func(*catalogOptions)

type catalogOptions struct {
	connectTimeout time.Duration
}

// WithCatalogConnectTimeout bounds how long [OpenCatalog] and every later connection wait for
// the catalog to accept the TCP connection and answer: the PostgreSQL handshake of a sql
// catalog on PostgreSQL; the dial, the TLS handshake and the first request (GET /v1/config) of
// a REST catalog. Statements and later requests have no timeout. Precedence: this option, then
// connect_timeout in a postgres:// iceberg.uri, then
// [configloader.DefaultConnectTimeout] (10s). Zero or less keeps the default.
func WithCatalogConnectTimeout(d time.Duration) CatalogOption {
	return func(o *catalogOptions) {
		if d > 0 {
			o.connectTimeout = d
		}
	}
}

// timeout is the connect timeout of a catalog and the setting that raises it; fromURI is
// connect_timeout in iceberg.uri, 0 when not set.
func (o catalogOptions) timeout(fromURI time.Duration) connect.Timeout {
	switch {
	case o.connectTimeout > 0:
		return connect.Timeout{D: o.connectTimeout, Setting: "iceberg.WithCatalogConnectTimeout"}
	case fromURI > 0:
		return connect.Timeout{D: fromURI, Setting: "connect_timeout in iceberg.uri (or iceberg.WithCatalogConnectTimeout, which wins)"}
	}
	return connect.Timeout{D: configloader.DefaultConnectTimeout,
		Setting: "iceberg.WithCatalogConnectTimeout (default " + configloader.DefaultConnectTimeout.String() + "; connect_timeout in a postgres:// iceberg.uri)"}
}

// openPostgresCatalogDB opens the sql catalog's PostgreSQL database with a bounded connect
// timeout. It does not connect.
func openPostgresCatalogDB(dsn, uri string, o catalogOptions) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	timeout := o.timeout(cfg.ConnectTimeout)
	cfg.ConnectTimeout = timeout.D
	tracker := &connect.Tracker{}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return tracker.Dial(ctx, network, addr, timeout.D)
	}
	address := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	return sql.OpenDB(connect.Connector{Connector: stdlib.GetConnector(*cfg), Timeout: timeout.D,
		OnTimeout: func(_ *connect.Tracker, err error) error {
			return connect.Error(extract.ConnectTimeoutError{
				Package: "iceberg", Address: address, Server: "sql catalog's PostgreSQL server (iceberg.uri)",
				Timeout: timeout.D, Setting: timeout.Setting,
			}, tracker, redact.URIError(err, uri))
		}}), nil
}

// openRESTCatalog opens a REST catalog whose dial, TLS handshake and first request (GET
// /v1/config) are bounded by the connect timeout.
func openRESTCatalog(ctx context.Context, cfg CatalogConfig, o catalogOptions) (catalog.Catalog, error) {
	if cfg.URI == "" {
		return nil, fmt.Errorf("iceberg: iceberg.uri is required when iceberg.catalog is %q", "rest")
	}
	timeout := o.timeout(0)
	tracker := &connect.Tracker{}
	transport := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return tracker.Dial(ctx, network, addr, timeout.D)
		},
		TLSHandshakeTimeout: timeout.D,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        100,
		IdleConnTimeout:     90 * time.Second,
	}
	opts := []rest.Option{rest.WithCustomTransport(transport)}
	if cfg.Warehouse != "" {
		opts = append(opts, rest.WithWarehouseLocation(cfg.Warehouse))
	}
	cctx, cancel := context.WithTimeout(ctx, timeout.D)
	defer cancel()
	cat, err := rest.NewCatalog(cctx, catalogName, cfg.URI, opts...)
	if err != nil {
		transport.CloseIdleConnections()
		if ctx.Err() == nil && (cctx.Err() != nil || connect.TimedOut(ctx, err)) {
			address := ""
			if u, perr := url.Parse(cfg.URI); perr == nil {
				address = u.Host
			}
			return nil, connect.Error(extract.ConnectTimeoutError{
				Package: "iceberg", Address: address, Server: "REST catalog (GET /v1/config)",
				Timeout: timeout.D, Setting: timeout.Setting,
			}, tracker, redact.URIError(err, cfg.URI))
		}
		return nil, fmt.Errorf("iceberg: open REST catalog at iceberg.uri %q: %w",
			redact.URI(cfg.URI), redact.URIError(err, cfg.URI))
	}
	return cat, nil
}

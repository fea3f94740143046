package prom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is the address the reference pipeline serves /metrics and /health on: port 8083
// on the loopback interface only, so that a job does not expose its metrics and health to the
// network unless asked to. Pass ":8083" to listen on every interface, such as in a container
// scraped from outside.
const DefaultAddr = "127.0.0.1:8083"

// shutdownGrace bounds how long requests in flight may finish once the context is done.
const shutdownGrace = 5 * time.Second

// The defaults of the server's limits; see the ServeOption functions.
const (
	defaultReadHeaderTimeout = 5 * time.Second
	defaultReadTimeout       = 10 * time.Second
	defaultWriteTimeout      = 30 * time.Second
	defaultIdleTimeout       = 30 * time.Second
	defaultMaxConnections    = 64
)

// ServeOption configures the server of [ListenAndServe] and [Serve]: its timeouts and how many
// connections it holds open at once.
type ServeOption interface {
	applyServe(*serveConfig)
}

type serveConfig struct {
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
	maxConns          int
}

type serveOptionFunc func(*serveConfig)

func (f serveOptionFunc) applyServe(c *serveConfig) { f(c) }

// WithReadHeaderTimeout bounds the time a client may take to send a request's headers, from the
// first byte of the request. Default: 5 seconds.
func WithReadHeaderTimeout(d time.Duration) ServeOption {
	return serveOptionFunc(func(c *serveConfig) { c.readHeaderTimeout = d })
}

// WithReadTimeout bounds the time a client may take to send a whole request, headers and body.
// Default: 10 seconds.
func WithReadTimeout(d time.Duration) ServeOption {
	return serveOptionFunc(func(c *serveConfig) { c.readTimeout = d })
}

// WithWriteTimeout bounds the time from the end of a request's headers to the end of the
// response, which includes gathering the metrics for /metrics. Default: 30 seconds.
func WithWriteTimeout(d time.Duration) ServeOption {
	return serveOptionFunc(func(c *serveConfig) { c.writeTimeout = d })
}

// WithIdleTimeout bounds how long the server keeps an idle keep-alive connection open waiting for
// the next request; then it closes it. Default: 30 seconds (Prometheus scrapes every 15 to 60
// seconds and reconnects when needed).
func WithIdleTimeout(d time.Duration) ServeOption {
	return serveOptionFunc(func(c *serveConfig) { c.idleTimeout = d })
}

// WithMaxConnections bounds how many connections the server holds open at once. Beyond n, new
// connections wait in the listener's backlog, unanswered, until an open one closes (the idle and
// read timeouts see to that), so that a flood of connections cannot take the job's file
// descriptors and goroutines. Default: 64.
func WithMaxConnections(n int) ServeOption {
	return serveOptionFunc(func(c *serveConfig) { c.maxConns = n })
}

func newServeConfig(opts []ServeOption) (serveConfig, error) {
	cfg := serveConfig{
		readHeaderTimeout: defaultReadHeaderTimeout,
		readTimeout:       defaultReadTimeout,
		writeTimeout:      defaultWriteTimeout,
		idleTimeout:       defaultIdleTimeout,
		maxConns:          defaultMaxConnections,
	}
	for _, o := range opts {
		if o != nil {
			o.applyServe(&cfg)
		}
	}
	var errs []error
	for _, t := range []struct {
		name string
		d    time.Duration
	}{
		{"WithReadHeaderTimeout", cfg.readHeaderTimeout}, {"WithReadTimeout", cfg.readTimeout},
		{"WithWriteTimeout", cfg.writeTimeout}, {"WithIdleTimeout", cfg.idleTimeout},
	} {
		if t.d <= 0 {
			errs = append(errs, fmt.Errorf("prom: %s(%v): must be positive", t.name, t.d))
		}
	}
	if cfg.maxConns < 1 {
		errs = append(errs, fmt.Errorf("prom: WithMaxConnections(%d): must be at least 1", cfg.maxConns))
	}
	return cfg, errors.Join(errs...)
}

// ListenAndServe listens on the TCP address addr (such as [DefaultAddr], or "127.0.0.1:0" for
// a free port) and serves handler until ctx is done, as [Serve] does. It returns an error at
// once when it cannot listen, such as when the address is in use, or for an invalid option.
func ListenAndServe(ctx context.Context, addr string, handler http.Handler, opts ...ServeOption) error {
	if _, err := newServeConfig(opts); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("prom: listen on %s: %w", addr, err)
	}
	return Serve(ctx, ln, handler, opts...)
}

// Serve serves handler on ln until ctx is done, then shuts the server down, giving requests in
// flight up to 5 seconds to finish, and returns nil. It returns the server's error if serving
// fails first. Serve closes ln. It leaves no goroutine behind once it returns.
//
// The server bounds what clients can hold: the time to send a request, the time to answer it,
// how long an idle connection stays open and how many connections are open at once, with the
// defaults of [WithReadHeaderTimeout], [WithReadTimeout], [WithWriteTimeout], [WithIdleTimeout]
// and [WithMaxConnections] unless opts say otherwise. An invalid option is an error.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler, opts ...ServeOption) error {
	if ln == nil {
		return errors.New("prom: listener is nil")
	}
	cfg, err := newServeConfig(opts)
	if err != nil {
		_ = ln.Close()
		return err
	}
	if handler == nil {
		_ = ln.Close()
		return errors.New("prom: handler is nil")
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.readHeaderTimeout,
		ReadTimeout:       cfg.readTimeout,
		WriteTimeout:      cfg.writeTimeout,
		IdleTimeout:       cfg.idleTimeout,
	}
	lim := newLimitListener(ln, cfg.maxConns)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lim) }()
	select {
	case err := <-done:
		return fmt.Errorf("prom: serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("prom: shut down server on %s: %w", ln.Addr(), err), srv.Close())
	}
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

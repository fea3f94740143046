package prom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is the address the reference pipeline served /metrics and /health on.
const DefaultAddr = ":8083"

// shutdownGrace bounds how long requests in flight may finish once the context is done.
const shutdownGrace = 5 * time.Second

// ListenAndServe listens on the TCP address addr (such as [DefaultAddr], or "127.0.0.1:0" for
// a free port) and serves handler until ctx is done, as [Serve] does. It returns an error at
// once when it cannot listen, such as when the address is in use.
func ListenAndServe(ctx context.Context, addr string, handler http.Handler) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("prom: listen on %s: %w", addr, err)
	}
	return Serve(ctx, ln, handler)
}

// Serve serves handler on ln until ctx is done, then shuts the server down, giving requests in
// flight up to 5 seconds to finish, and returns nil. It returns the server's error if serving
// fails first. Serve closes ln. It leaves no goroutine behind once it returns.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler) error {
	if ln == nil {
		return errors.New("prom: listener is nil")
	}
	if handler == nil {
		_ = ln.Close()
		return errors.New("prom: handler is nil")
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("prom: serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("prom: shut down server on %s: %w", ln.Addr(), err), srv.Close())
	}
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

package deadline

import (
	"context"
	"net"
	"net/url"

	"github.com/etlwatch/etlwatch/monitoring"
)

// Run calls send with a context that ends after base.Timeout. When that timeout, and not ctx,
// ended the request, it returns base with Err set to send's error and, when addr is not nil,
// Address set to what addr returns then (the peer send tried); otherwise send's error.
func Run(ctx context.Context, base monitoring.ExportTimeoutError, addr func() string, send func(context.Context) error) error {
	rctx, cancel := context.WithTimeout(ctx, base.Timeout)
	defer cancel()
	err := send(rctx)
	// Only the sink's own timeout is the peer's fault: the caller's deadline is the caller's.
	if err != nil && rctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		base.Err = err
		if addr != nil {
			base.Address = addr()
		}
		return &base
	}
	return err
}

// HostPort returns u's host:port, with the scheme's default port when u has none, or "" for a
// URL without a host.
func HostPort(u *url.URL) string {
	if u == nil || u.Host == "" {
		return ""
	}
	if u.Port() != "" {
		return u.Host
	}
	port := "443"
	if u.Scheme == "http" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

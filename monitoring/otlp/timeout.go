package otlp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"google.golang.org/grpc"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/internal/deadline"
)

// DefaultTimeout bounds each export request of a [Sink] when neither [WithTimeout] nor
// $OTEL_EXPORTER_OTLP_METRICS_TIMEOUT or $OTEL_EXPORTER_OTLP_TIMEOUT says otherwise: the OTLP
// specification's default.
const DefaultTimeout = 10 * time.Second

// timeoutSetting names, in errors, how to raise the timeout.
const timeoutSetting = "otlp.WithTimeout or $OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds)"

// WithTimeout bounds each export request: the dial, the TLS or HTTP/2 handshake, sending, the
// answer and the exporter's own retries. A backend that accepts the connection and never answers,
// or never accepts it, fails the export after d with a [monitoring.ExportTimeoutError] naming its
// host:port and this setting; the collector and its other sinks go on. It must be > 0.
// Precedence: this option, then $OTEL_EXPORTER_OTLP_METRICS_TIMEOUT, then
// $OTEL_EXPORTER_OTLP_TIMEOUT (both in milliseconds), then [DefaultTimeout]. An exporter timeout
// given through [WithGRPCOptions] or [WithHTTPOptions] bounds each attempt within it.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *sinkConfig) {
		c.timeout = d
		c.timeoutSet = true
	})
}

// WithTimeoutSetting names, in the [monitoring.ExportTimeoutError] of an export that ran out of
// its timeout, the setting that raises it: for a program that takes the timeout from its own
// configuration and passes it to [WithTimeout] (etlwatch.New names monitoring.export_timeout in
// sources.yaml). Default: "otlp.WithTimeout or $OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds)".
func WithTimeoutSetting(name string) Option {
	return optionFunc(func(c *sinkConfig) { c.setting = name })
}

// resolveTimeout applies the precedence of [WithTimeout].
func (c *sinkConfig) resolveTimeout(k kind) error {
	if c.timeoutSet {
		if c.timeout <= 0 {
			return fmt.Errorf("otlp: %s: WithTimeout(%v): must be > 0", k, c.timeout)
		}
		return nil
	}
	c.timeout = DefaultTimeout
	for _, name := range []string{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"} {
		v := strings.TrimSpace(os.Getenv(name))
		if v == "" {
			continue
		}
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms <= 0 {
			return fmt.Errorf("otlp: %s: $%s=%q: want a number of milliseconds > 0", k, name, v)
		}
		c.timeout = time.Duration(ms) * time.Millisecond
		return nil
	}
	return nil
}

// peer remembers the host:port a sink's exporter last sent to, to name it when it does not answer.
type peer struct {
	addr atomic.Pointer[string]
}

func (p *peer) set(addr string) { p.addr.Store(&addr) }

func (p *peer) get() string {
	if a := p.addr.Load(); a != nil {
		return *a
	}
	return ""
}

// grpcOption records the target of every call. It comes before the caller's exporter options: a
// WithDialOption given there replaces it, and errors then name no address.
func (p *peer) grpcOption() otlpmetricgrpc.Option {
	return otlpmetricgrpc.WithDialOption(grpc.WithChainUnaryInterceptor(
		func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			p.set(strings.TrimPrefix(cc.Target(), "passthrough:///"))
			return invoker(ctx, method, req, reply, cc, opts...)
		}))
}

// httpOption records the host:port of every request through the transport's proxy function, which
// sees each request before it is sent, and then chooses the proxy as the exporter's default does
// (from the environment). A WithProxy or WithHTTPClient given by the caller replaces it.
func (p *peer) httpOption() otlpmetrichttp.Option {
	return otlpmetrichttp.WithProxy(func(r *http.Request) (*url.URL, error) {
		p.set(deadline.HostPort(r.URL))
		return http.ProxyFromEnvironment(r)
	})
}

// exportOne sends one request within the sink's timeout; a timeout is a
// [monitoring.ExportTimeoutError].
func (s *Sink) exportOne(ctx context.Context, send func(context.Context) error) error {
	return deadline.Run(ctx, monitoring.ExportTimeoutError{Sink: s.name, Timeout: s.timeout,
		Setting: s.setting}, s.peer.get, send)
}

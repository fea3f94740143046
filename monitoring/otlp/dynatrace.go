package otlp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/etlwatch/etlwatch/monitoring/internal/deadline"
)

// Dynatrace's limits on OTLP metric ingest. A request over DynatraceMaxDataPoints data points or
// DynatraceMaxRequestBytes bytes (uncompressed) is dropped whole; a data point with more than
// DynatraceMaxDimensions dimensions (its own attributes with the resource's and the scope's) is
// dropped.
const (
	DynatraceMaxDataPoints   = 15000
	DynatraceMaxRequestBytes = 4_000_000
	DynatraceMaxDimensions   = 50
)

// Dynatrace truncates longer dimension keys and values; the sink does it first, so that two keys
// that Dynatrace would truncate to the same one are resolved deterministically.
const (
	dynatraceMaxKeyLength   = 100
	dynatraceMaxValueLength = 255
)

// DynatraceTokenVariable is the environment variable read for the Dynatrace API token when the
// apiToken argument of [NewDynatraceSink] or [NewDynatraceTracerProvider] is empty.
const DynatraceTokenVariable = "DT_API_TOKEN"

// NewDynatraceSink returns a [Sink] named "dynatrace" that sends metrics to Dynatrace's OTLP metrics
// API: OTLP over HTTP with binary protobuf, gzip-compressed unless $OTEL_EXPORTER_OTLP_COMPRESSION
// or $OTEL_EXPORTER_OTLP_METRICS_COMPRESSION says otherwise.
//
// endpointURL is the full URL of the API, https://{env-id}.live.dynatrace.com/api/v2/otlp/v1/metrics
// for SaaS or https://{activegate}:9999/e/{env-id}/api/v2/otlp/v1/metrics through an ActiveGate; a
// URL ending in /api/v2/otlp (the value Dynatrace gives for OTEL_EXPORTER_OTLP_ENDPOINT) gets
// /v1/metrics appended. It must be https, except http://localhost and http://127.0.0.1 for tests.
//
// apiToken is a Dynatrace API token with the metrics.ingest scope, sent as
// "Authorization: Api-Token <token>". Precedence: the argument, then $DT_API_TOKEN. The token is
// never shown: not in errors (a backend error that echoes it gets it replaced by [REDACTED]), not
// when the sink is formatted or logged.
//
// The sink adapts the export to Dynatrace's rules:
//
//   - delta temporality for every instrument kind (Dynatrace rejects cumulative sums), whatever
//     $OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE says;
//   - explicit-bucket histograms, the OpenTelemetry default aggregation, whatever
//     $OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION says (exponential histograms
//     would lose their buckets); [WithHTTPOptions] may still choose another;
//   - at most [DynatraceMaxDataPoints] data points and [DynatraceMaxRequestBytes] bytes per request:
//     a larger export is split into several requests (see [WithMaxDataPointsPerRequest] and
//     [WithMaxRequestBytes] for smaller caps);
//   - dimension keys (data point, scope and resource attributes) lowercased and cut to 100
//     characters, string values cut to 255 characters (a list value longer than that once printed
//     is sent as its printed form, cut). When two keys become equal, the one whose original key
//     sorts first byte-wise is kept (so "Table" wins over "table"), as Dynatrace keeps the first;
//   - at most [DynatraceMaxDimensions] dimensions per data point, counting the resource's and the
//     scope's attributes, which Dynatrace adds to every point. Extra data point attributes are
//     dropped deterministically: job_name, source_name, environment and otel.metric.overflow are
//     kept first, then the others in byte-wise order of their (lowercased) keys until the limit;
//     the rest are dropped. A resource with more than 50 attributes keeps service.name and
//     deployment.environment.name first, then the others in key order.
//
// Options: [WithName], [WithHTTPOptions] (the endpoint, the headers, which are only the
// Authorization header, and the temporality are the sink's and override those given there or in
// the OTEL_EXPORTER_OTLP_* variables), [WithMaxDataPointsPerRequest],
// [WithMaxRequestBytes]. NewDynatraceSink returns an error, naming what is wrong, for a missing
// token, an invalid URL, or a limit above Dynatrace's.
func NewDynatraceSink(endpointURL, apiToken string, opts ...Option) (*Sink, error) {
	cfg, cfgErr := newSinkConfig(kindDynatrace, opts)
	tok, tokErr := resolveToken(apiToken, "metrics.ingest")
	u, urlErr := dynatraceURL(endpointURL, tok, "/v1/metrics")
	if err := errors.Join(cfgErr, tokErr, urlErr); err != nil {
		return nil, err
	}
	sec := &secret{v: tok}
	var hopts []otlpmetrichttp.Option
	if os.Getenv("OTEL_EXPORTER_OTLP_COMPRESSION") == "" && os.Getenv("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION") == "" {
		hopts = append(hopts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
	}
	hopts = append(hopts, otlpmetrichttp.WithAggregationSelector(sdkmetric.DefaultAggregationSelector), otlpmetrichttp.WithTimeout(cfg.timeout))
	hopts = append(hopts, cfg.httpOpts...)
	hopts = append(hopts,
		otlpmetrichttp.WithEndpointURL(u),
		otlpmetrichttp.WithHeaders(map[string]string{"Authorization": sec.header("Api-Token")}),
		otlpmetrichttp.WithTemporalitySelector(deltaTemporality),
	)
	exp, err := otlpmetrichttp.New(context.Background(), hopts...)
	if err != nil {
		return nil, sec.redact(fmt.Errorf("otlp: NewDynatraceSink: build the OTLP/HTTP exporter: %w", err))
	}
	pr := new(peer)
	if pu, err := url.Parse(u); err == nil {
		pr.set(deadline.HostPort(pu))
	}
	return newSink(kindDynatrace, "dynatrace", exp, cfg, normalizeDynatrace, sec, pr), nil
}

func deltaTemporality(sdkmetric.InstrumentKind) metricdata.Temporality {
	return metricdata.DeltaTemporality
}

// resolveToken returns the API token from arg or $DT_API_TOKEN. It returns what it found even with
// an error, so that the caller can keep it out of other messages. Its errors never contain it.
func resolveToken(arg, scope string) (string, error) {
	tok, from := arg, "the apiToken argument"
	if tok == "" {
		tok, from = os.Getenv(DynatraceTokenVariable), "$"+DynatraceTokenVariable
	}
	tok = strings.TrimSpace(tok)
	// A common slip: the whole header value instead of the token.
	tok = strings.TrimSpace(strings.TrimPrefix(tok, "Api-Token "))
	if tok == "" {
		return "", fmt.Errorf("otlp: no Dynatrace API token: pass apiToken or set $%s to a token with the %s scope", DynatraceTokenVariable, scope)
	}
	for _, r := range tok {
		if r < 0x21 || r > 0x7e {
			return tok, fmt.Errorf("otlp: the Dynatrace API token from %s contains a space, a line break or a character that is not printable ASCII: check how it was copied", from)
		}
	}
	return tok, nil
}

// dynatraceURL validates a Dynatrace OTLP endpoint URL for a signal ("/v1/metrics" or
// "/v1/traces") and returns it with the signal's path. Its errors never contain tok, nor a
// password in the URL.
func dynatraceURL(raw, tok, signal string) (string, error) {
	want := fmt.Sprintf("want https://{env-id}.live.dynatrace.com/api/v2/otlp%[1]s or, through an ActiveGate, https://{host}:9999/e/{env-id}/api/v2/otlp%[1]s", signal)
	if raw == "" {
		return "", fmt.Errorf("otlp: the Dynatrace endpoint URL is empty: %s", want)
	}
	if containsToken(raw, tok) {
		return "", errors.New("otlp: the Dynatrace endpoint URL contains the API token: pass the token only as apiToken or $" + DynatraceTokenVariable)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return "", fmt.Errorf("otlp: the Dynatrace endpoint URL does not parse (%v): %s", err, want)
	}
	shown := u.Redacted()
	switch {
	case u.User != nil:
		return "", fmt.Errorf("otlp: the Dynatrace endpoint URL %q has a user name or password: Dynatrace takes only the API token", shown)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "", fmt.Errorf("otlp: the Dynatrace endpoint URL %q is http: only https is allowed, except http://localhost or http://127.0.0.1 for tests", shown)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("otlp: the Dynatrace endpoint URL %q has scheme %q: %s", shown, u.Scheme, want)
	case u.Host == "":
		return "", fmt.Errorf("otlp: the Dynatrace endpoint URL %q has no host: %s", shown, want)
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("otlp: the Dynatrace endpoint URL %q has a query or fragment, which the exporter would drop: %s", shown, want)
	}
	path := strings.TrimSuffix(u.Path, "/")
	switch {
	case strings.HasSuffix(path, "/api/v2/otlp"+signal):
	case strings.HasSuffix(path, "/api/v2/otlp"):
		path += signal
	default:
		return "", fmt.Errorf("otlp: the Dynatrace endpoint URL %q has path %q: %s", shown, u.Path, want)
	}
	u.Path, u.RawPath = path, ""
	return u.String(), nil
}

// containsToken reports whether s contains tok, or a part of an invalid tok between spaces.
func containsToken(s, tok string) bool {
	if tok != "" && strings.Contains(s, tok) {
		return true
	}
	for _, f := range strings.Fields(tok) {
		if len(f) >= 8 && strings.Contains(s, f) {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

package prom_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// scrape GETs path from h and prints the status code and the lines that start with one of
// prefixes.
func scrape(h http.Handler, path string, prefixes ...string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	fmt.Println(path, rec.Code)
	for line := range strings.Lines(rec.Body.String()) {
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				fmt.Print(line)
				break
			}
		}
	}
}

// A job that exposes its metrics and health to Prometheus.
func Example() {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	sink, err := prom.NewSink(reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics, err := monitoring.NewMetricsCollector("cdc_consumer", "bronze.siebel_oracle",
		monitoring.WithEnvironment("prod"), monitoring.WithSinks(sink))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer metrics.Shutdown(ctx)
	health, err := prom.NewHealth(prom.WithStaleAfter(5*time.Minute), prom.WithSinkStatuses(metrics))
	if err != nil {
		fmt.Println(err)
		return
	}
	handler, err := prom.NewHandler(reg, health)
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a real job: go prom.ListenAndServe(ctx, prom.DefaultAddr, handler)

	metrics.EmitCounter(ctx, "events_processed", 1000, monitoring.Dimensions{"table": "S_CONTACT"})
	metrics.EmitGauge(ctx, "cdc_lag_seconds", 2.5, monitoring.UnitSeconds, nil)
	health.ReportSuccess()

	scrape(handler, "/metrics", "events_processed_total", "cdc_lag_seconds")
	scrape(handler, "/health")
	fmt.Println(health.Check().Status)
	// Output:
	// /metrics 200
	// cdc_lag_seconds{environment="prod",job_name="cdc_consumer",source_name="bronze.siebel_oracle"} 2.5
	// events_processed_total{environment="prod",job_name="cdc_consumer",source_name="bronze.siebel_oracle",table="S_CONTACT"} 1000
	// /health 200
	// healthy
}

func ExampleNewSink() {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	sink, err := prom.NewSink(reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithEnvironment("prod"), monitoring.WithSinks(sink),
		monitoring.WithDurationBuckets(1, 10, 60))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer metrics.Shutdown(ctx)

	metrics.EmitCounter(ctx, "records_processed", 1234, monitoring.Dimensions{"table": "CUSTOMERS"})
	metrics.EmitGauge(ctx, "cdc_lag", 2.5, monitoring.UnitSeconds, nil)
	metrics.EmitDuration(ctx, "table_load_duration", 4*time.Second, monitoring.Dimensions{"table": "CUSTOMERS"})

	// Serve reg as promhttp does; NewHandler adds /health.
	scrape(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), "/metrics", "# TYPE", "records", "cdc", "table")
	// Output:
	// /metrics 200
	// # TYPE cdc_lag_seconds gauge
	// cdc_lag_seconds{environment="prod",job_name="bulk_load",source_name="dev_mydb"} 2.5
	// # TYPE records_processed_total counter
	// records_processed_total{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS"} 1234
	// # TYPE table_load_duration_seconds histogram
	// table_load_duration_seconds_bucket{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS",le="1"} 0
	// table_load_duration_seconds_bucket{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS",le="10"} 1
	// table_load_duration_seconds_bucket{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS",le="60"} 1
	// table_load_duration_seconds_bucket{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS",le="+Inf"} 1
	// table_load_duration_seconds_sum{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS"} 4
	// table_load_duration_seconds_count{environment="prod",job_name="bulk_load",source_name="dev_mydb",table="CUSTOMERS"} 1
}

func ExampleWithTargetInfo() {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	sink, err := prom.NewSink(reg, prom.WithTargetInfo())
	if err != nil {
		fmt.Println(err)
		return
	}
	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb",
		monitoring.WithEnvironment("prod"), monitoring.WithSinks(sink))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer metrics.Shutdown(ctx)

	mfs, err := reg.Gather()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, mf := range mfs {
		if mf.GetName() != "target_info" {
			continue
		}
		for _, l := range mf.GetMetric()[0].GetLabel() {
			if n := l.GetName(); n == "service_name" || n == "deployment_environment_name" {
				fmt.Printf("%s=%q\n", n, l.GetValue())
			}
		}
	}
	// Output:
	// deployment_environment_name="prod"
	// service_name="bulk_load"
}

func ExampleMetricName() {
	for _, m := range []struct {
		name string
		kind monitoring.Kind
		unit monitoring.Unit
	}{
		{"records_processed", monitoring.KindCounter, monitoring.UnitCount},
		{"cdc_lag_seconds", monitoring.KindGauge, monitoring.UnitSeconds},
		{"cdc_lag", monitoring.KindGauge, monitoring.UnitSeconds},
		{"throughput", monitoring.KindGauge, monitoring.UnitCountPerSecond},
		{"table_load_duration", monitoring.KindDuration, monitoring.UnitSeconds},
	} {
		n, err := prom.MetricName(m.name, m.kind, m.unit)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s %s (%s) -> %s\n", m.kind, m.name, m.unit, n)
	}
	// Output:
	// counter records_processed (Count) -> records_processed_total
	// gauge cdc_lag_seconds (Seconds) -> cdc_lag_seconds
	// gauge cdc_lag (Seconds) -> cdc_lag_seconds
	// gauge throughput (Count/Second) -> throughput_per_second
	// duration table_load_duration (Seconds) -> table_load_duration_seconds
}

func ExampleNewHandler() {
	reg := prometheus.NewRegistry()
	now, _ := fixedClock() // for a deterministic uptime_seconds
	health, err := prom.NewHealth(prom.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}
	handler, err := prom.NewHandler(reg, health)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Or mount it under a prefix on your own mux.
	mux := http.NewServeMux()
	mux.Handle("/etl/", http.StripPrefix("/etl", handler))

	scrape(mux, "/etl/health", `{"status"`)
	scrape(mux, "/etl/metrics")
	scrape(mux, "/etl/other")
	// Output:
	// /etl/health 200
	// {"status":"healthy","uptime_seconds":0,"sinks":[]}
	// /etl/metrics 200
	// /etl/other 404
}

func ExampleWithMetricsOpts() {
	reg := prometheus.NewRegistry()
	health, err := prom.NewHealth()
	if err != nil {
		fmt.Println(err)
		return
	}
	// Log gathering errors through slog, count them in promhttp_metric_handler_errors_total,
	// and offer OpenMetrics (which carries exemplars).
	handler, err := prom.NewHandler(reg, health, prom.WithMetricsOpts(promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
		Registry:          reg,
		EnableOpenMetrics: true,
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	scrape(handler, "/metrics", "promhttp_metric_handler_errors_total{cause=\"gathering\"}")
	// Output:
	// /metrics 200
	// promhttp_metric_handler_errors_total{cause="gathering"} 0
}

// fixedClock returns a clock for the examples and the function that moves it.
func fixedClock() (now func() time.Time, advance func(time.Duration)) {
	t := time.Date(2025, 1, 27, 10, 30, 0, 0, time.UTC)
	return func() time.Time { return t }, func(d time.Duration) { t = t.Add(d) }
}

func ExampleNewHealth() {
	now, advance := fixedClock()
	health, err := prom.NewHealth(prom.WithStaleAfter(5*time.Minute), prom.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(health.Check().Status) // a starting job has 5 minutes to succeed

	advance(6 * time.Minute)
	r := health.Check()
	fmt.Println(r.Status, r.HTTPStatus(), r.Reasons)

	health.ReportSuccess()
	fmt.Println(health.Check().Status)
	// Output:
	// healthy
	// down 503 [no success reported in the 6m0s since start (stale after 5m0s)]
	// healthy
}

func ExampleHealth_ReportSuccess() {
	now, advance := fixedClock()
	health, err := prom.NewHealth(prom.WithStaleAfter(time.Minute), prom.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}
	for batch := range 3 {
		advance(30 * time.Second)
		// ... process the batch ...
		health.ReportSuccess()
		r := health.Check()
		fmt.Println(batch, r.Status, r.LastSuccess.Format(time.RFC3339))
	}
	// Output:
	// 0 healthy 2025-01-27T10:30:30Z
	// 1 healthy 2025-01-27T10:31:00Z
	// 2 healthy 2025-01-27T10:31:30Z
}

func ExampleHealth_ReportFailure() {
	now, advance := fixedClock()
	health, err := prom.NewHealth(prom.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}
	health.ReportSuccess()
	advance(time.Minute)
	// The report, served on /health, names the error's kind; the text stays in the job's log.
	health.ReportFailure(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("ORA-12541: TNS:no listener")})
	r := health.Check()
	fmt.Println(r.Status, r.HTTPStatus())
	fmt.Println(r.LastFailure.Format(time.RFC3339), r.LastError)
	// Output:
	// degraded 200
	// 2025-01-27T10:31:00Z *net.OpError
}

func ExampleErrorKind() {
	err := fmt.Errorf("load orders: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused by 10.0.0.7")})
	fmt.Println(prom.ErrorKind(err))
	fmt.Println(prom.ErrorKind(&monitoring.SinkError{Sink: "otlp-http", Op: "export", Err: err}))
	fmt.Println(prom.ErrorKind(errors.New(`value "alice@example.com" too long`)))
	// Output:
	// *net.OpError
	// sink "otlp-http" export: *net.OpError
	// error
}

func ExampleHealth_Check() {
	now, advance := fixedClock()
	sink := monitoring.SinkStatus{Name: "cloudwatch", Exports: 4, Failures: 1, LastError: "throttled", LastErrorType: "*smithy.OperationError"}
	health, err := prom.NewHealth(prom.WithClock(now), prom.WithSinkStatuses(staticSinks{sink}))
	if err != nil {
		fmt.Println(err)
		return
	}
	advance(90 * time.Second)
	health.ReportSuccess()
	b, err := json.Marshal(health.Check())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {"status":"degraded","reasons":["sink \"cloudwatch\" failed its last export: *smithy.OperationError"],"uptime_seconds":90,"last_success":"2025-01-27T10:31:30Z","sinks":[{"name":"cloudwatch","exports":4,"failures":1,"last_error":"*smithy.OperationError","last_error_type":"*smithy.OperationError","healthy":false}]}
}

// staticSinks is a fixed [prom.SinkStatuser]; a *monitoring.MetricsCollector is the usual one.
type staticSinks []monitoring.SinkStatus

func (s staticSinks) SinkStatuses() []monitoring.SinkStatus { return s }

func ExampleListenAndServe() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	reg := prometheus.NewRegistry()
	health, err := prom.NewHealth(prom.WithStaleAfter(5 * time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	handler, err := prom.NewHandler(reg, health)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Serves http://127.0.0.1:8083/metrics and /health until Ctrl-C.
	if err := prom.ListenAndServe(ctx, prom.DefaultAddr, handler); err != nil {
		fmt.Println(err)
	}
}

func ExampleServe() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port
	if err != nil {
		fmt.Println(err)
		return
	}
	now, _ := fixedClock() // for a deterministic uptime_seconds
	health, err := prom.NewHealth(prom.WithClock(now))
	if err != nil {
		fmt.Println(err)
		return
	}
	handler, err := prom.NewHandler(prometheus.NewRegistry(), health)
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() {
		// The limits have sane defaults; tighten them for a port that others can reach.
		done <- prom.Serve(ctx, ln, handler, prom.WithMaxConnections(16), prom.WithIdleTimeout(15*time.Second))
	}()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + ln.Addr().String() + "/health")
	if err != nil {
		fmt.Println(err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(resp.StatusCode, " ", string(body))
	}

	cancel()
	fmt.Println("stopped:", <-done)
	// Output:
	// 200 {"status":"healthy","uptime_seconds":0,"sinks":[]}
	// stopped: <nil>
}

// Command simulator is the ETL process simulator of the reference monitoring system, instrumented
// with etlwatch: it processes "files" of 50-500 records at about 10 records a second, fails about
// once a minute with one of the reference error types, writes the reference JSON log lines, and
// serves its etl_* metrics on /metrics and its health on /health, so that the alert rules of
// deploy/prometheus and the logexporter can be tried without a real job.
//
// It needs nothing but Go. Stop it with Ctrl-C (SIGINT) or SIGTERM.
//
//	go run ./examples/simulator [-rate 10] [-failure-interval 1m] [-seed 0] [-log FILE]
//	                            [-listen 127.0.0.1:8083] [-duration 0] [-stale-after 5m]
//
// The log lines go to -log (appended; default stdout); follow that file with examples/logexporter
// to get the same metrics from the log alone. -seed 0 draws a seed from the clock; any other
// seed repeats the same files and failures. /metrics and /health listen on the loopback
// interface only unless -listen says otherwise (-listen :8083 for every interface, as a
// Prometheus on another host needs). -duration 0 runs until a signal. It exits 0 when
// stopped, 1 when it cannot start or write its log, 2 for bad flags.
//
// -healthcheck GETs the /health of the simulator serving at -listen and exits 0 when it is
// healthy, 1 when not: the health check of the container image, which has no curl.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/etlwatch/etlwatch/examples/simulator/sim"
	"github.com/etlwatch/etlwatch/internal/cliusage"
	"github.com/etlwatch/etlwatch/internal/healthcheck"
	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

type options struct {
	rate            float64
	failureInterval time.Duration
	seed            uint64
	logFile         string
	listen          string
	duration        time.Duration
	staleAfter      time.Duration
	job, source     string
	healthcheck     bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cliusage.Set(fs, usage)
	fs.Float64Var(&o.rate, "rate", 10, "target records per second")
	fs.DurationVar(&o.failureInterval, "failure-interval", time.Minute, "mean time between failures (+-20%); 0 disables failures")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the random choices; 0 draws one from the clock")
	fs.StringVar(&o.logFile, "log", "", "the log file, appended to; empty for stdout")
	fs.StringVar(&o.listen, "listen", prom.DefaultAddr, "the address of /metrics and /health (\":8083\" for every interface)")
	fs.DurationVar(&o.duration, "duration", 0, "how long to run; 0 runs until SIGINT or SIGTERM")
	fs.DurationVar(&o.staleAfter, "stale-after", 5*time.Minute, "health turns down when no file completed for this long")
	fs.StringVar(&o.job, "job-name", "etl_simulator", "the job_name label of every series")
	fs.StringVar(&o.source, "source-name", "etl_process", "the source_name label of every series")
	fs.BoolVar(&o.healthcheck, "healthcheck", false, "GET the /health of the simulator serving at -listen, exit 0 when healthy, 1 when not")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case o.healthcheck:
		return o, nil
	case !(o.rate > 0):
		return o, fmt.Errorf("-rate: found %v; allowed: a positive number", o.rate)
	case o.failureInterval < 0:
		return o, fmt.Errorf("-failure-interval: found %s; allowed: 0 or more", o.failureInterval)
	case o.duration < 0:
		return o, fmt.Errorf("-duration: found %s; allowed: 0 or more", o.duration)
	case o.staleAfter <= 0:
		return o, fmt.Errorf("-stale-after: found %s; allowed: more than 0", o.staleAfter)
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	return o, nil
}

// run is the program; it returns the exit code. When ready is not nil, it receives the address
// the server listens on once it serves.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "simulator:", err)
		return 2
	}
	if o.healthcheck {
		return healthcheck.Run(ctx, o.listen, stderr)
	}
	if err := simulate(ctx, o, stdout, stderr, ready); err != nil {
		fmt.Fprintln(stderr, "simulator:", err)
		return 1
	}
	return 0
}

func simulate(ctx context.Context, o options, stdout, stderr io.Writer, ready chan<- string) (err error) {
	logw := stdout
	if o.logFile != "" {
		f, err := os.OpenFile(o.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("open the log file: %w", err)
		}
		defer func() { err = errors.Join(err, f.Close()) }()
		logw = f
	}
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}

	reg := prometheus.NewRegistry()
	sink, err := prom.NewSink(reg)
	if err != nil {
		return err
	}
	metrics, err := monitoring.NewMetricsCollector(o.job, o.source,
		monitoring.WithSinks(sink), monitoring.WithDescriptions(sim.Descriptions), monitoring.WithRuntimeMetrics(),
		monitoring.WithErrorHandler(func(err error) { fmt.Fprintln(stderr, "simulator: metrics:", err) }))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, metrics.Shutdown(context.WithoutCancel(ctx))) }()
	health, err := prom.NewHealth(prom.WithStaleAfter(o.staleAfter), prom.WithSinkStatuses(metrics))
	if err != nil {
		return err
	}
	s, err := sim.New(logw, metrics, sim.WithRate(o.rate), sim.WithFailureInterval(o.failureInterval),
		sim.WithSeed(o.seed), sim.WithStaleAfter(o.staleAfter), sim.WithReporter(health))
	if err != nil {
		return err
	}
	h, err := prom.NewHandler(reg, health)
	if err != nil {
		return err
	}
	// Each scrape first brings the time-based gauges up to date.
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			s.Refresh()
		}
		h.ServeHTTP(w, r)
	})
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	fmt.Fprintf(stderr, "simulator: serving http://%s/metrics and /health; seed %d\n", ln.Addr(), o.seed)
	srvCtx, stopSrv := context.WithCancel(context.WithoutCancel(ctx))
	srvDone := make(chan error, 1)
	go func() { srvDone <- prom.Serve(srvCtx, ln, handler) }()
	if ready != nil {
		ready <- ln.Addr().String()
	}
	runErr := s.Run(ctx)
	stopSrv()
	return errors.Join(runErr, <-srvDone)
}

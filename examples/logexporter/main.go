// Command logexporter is the reference metrics exporter, for ETL jobs that cannot link the
// etlwatch SDK: it follows the JSON log file of a job (such as examples/simulator's), turns its
// lines into the reference etl_* Prometheus metrics, and serves them on /metrics with a /health
// check. It survives log rotation and truncation, waits for a file that does not exist yet, and
// skips and counts malformed lines.
//
// It needs nothing but Go and a log file to follow. Stop it with Ctrl-C (SIGINT) or SIGTERM.
//
//	go run ./examples/simulator -log /tmp/etl_process.log -listen 127.0.0.1:8084 &
//	go run ./examples/logexporter -log /tmp/etl_process.log [-listen 127.0.0.1:8083] [-from-start]
//	                              [-poll 250ms] [-stale-after 5m] [-job-name etl_simulator]
//	                              [-source-name etl_process] [-environment dev]
//
// It serves on the loopback interface only unless -listen says otherwise (-listen :8083 for
// every interface, as a Prometheus on another host needs), with the timeouts and connection
// limit of the etlwatch metrics server (monitoring/prom.Serve). It exits 0 when stopped, 1 when
// it cannot serve, 2 for bad flags.
//
// -healthcheck GETs the /health of the exporter serving at -listen and exits 0 when it is
// healthy, 1 when not: the health check of the container image, which has no curl.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/etlwatch/etlwatch/examples/logexporter/logmetrics"
	"github.com/etlwatch/etlwatch/internal/cliusage"
	"github.com/etlwatch/etlwatch/internal/healthcheck"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr, nil)
	stop()
	os.Exit(code)
}

type options struct {
	logFile, listen      string
	fromStart            bool
	poll, staleAfter     time.Duration
	job, source, envName string
	healthcheck          bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("logexporter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cliusage.Set(fs, usage)
	fs.StringVar(&o.logFile, "log", "etl_process.log", "the JSON log file to follow")
	fs.StringVar(&o.listen, "listen", prom.DefaultAddr, "the address of /metrics and /health (\":8083\" for every interface)")
	fs.BoolVar(&o.fromStart, "from-start", false, "read the file from its beginning instead of its end")
	fs.DurationVar(&o.poll, "poll", 250*time.Millisecond, "how often to check the file for new lines, rotation and truncation")
	fs.DurationVar(&o.staleAfter, "stale-after", 5*time.Minute, "health turns down when no file completed for this long")
	fs.StringVar(&o.job, "job-name", "etl_simulator", "the job_name label of every series")
	fs.StringVar(&o.source, "source-name", "etl_process", "the source_name label of every series")
	fs.StringVar(&o.envName, "environment", "", "the environment label of every series (default $ETL_ENVIRONMENT, else dev)")
	fs.BoolVar(&o.healthcheck, "healthcheck", false, "GET the /health of the exporter serving at -listen, exit 0 when healthy, 1 when not")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return o, nil
}

// run is the program; it returns the exit code. When ready is not nil, it receives the address
// the server listens on once it serves.
func run(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "logexporter:", err)
		return 2
	}
	if o.healthcheck {
		return healthcheck.Run(ctx, o.listen, stderr)
	}
	opts := []logmetrics.Option{
		logmetrics.WithPollInterval(o.poll), logmetrics.WithStaleAfter(o.staleAfter),
		logmetrics.WithJob(o.job, o.source),
		logmetrics.WithErrorHandler(func(err error) { fmt.Fprintln(stderr, "logexporter:", err) }),
	}
	if o.fromStart {
		opts = append(opts, logmetrics.WithFromStart())
	}
	if o.envName != "" {
		opts = append(opts, logmetrics.WithEnvironment(o.envName))
	}
	reg := prometheus.NewRegistry()
	e, err := logmetrics.New(o.logFile, reg, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "logexporter:", err)
		return 2
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.listen)
	if err != nil {
		fmt.Fprintf(stderr, "logexporter: listen on %s: %v\n", o.listen, err)
		return 1
	}
	fmt.Fprintf(stderr, "logexporter: following %s; serving http://%s/metrics and /health\n", o.logFile, ln.Addr())
	srvCtx, stopSrv := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSrv()
	srvDone := make(chan error, 1)
	go func() { srvDone <- prom.Serve(srvCtx, ln, e.Handler(reg)) }()
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runDone := make(chan error, 1)
	go func() { runDone <- e.Run(runCtx) }()
	if ready != nil {
		ready <- ln.Addr().String()
	}
	code := 0
	select {
	case <-ctx.Done():
		stopSrv()
		if err := <-srvDone; err != nil {
			fmt.Fprintln(stderr, "logexporter: serve:", err)
		}
	case err := <-srvDone:
		fmt.Fprintln(stderr, "logexporter:", err)
		code = 1
	}
	stopRun()
	<-runDone
	return code
}

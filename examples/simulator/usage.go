package main

// usage is what -h prints before the flags.
const usage = `simulator runs a simulated ETL process: it processes "files" of 50-500 records, fails now
and then with the reference error types, writes JSON log lines and serves its etl_* metrics
on /metrics and its health on /health.

Example:
  simulator -rate 50 -failure-interval 30s -log /tmp/etl_process.log -listen 127.0.0.1:8083

Exit codes: 0 stopped (SIGINT, SIGTERM or the end of -duration); 1 it cannot start or write
its log (with -healthcheck: not healthy); 2 bad flags.
`

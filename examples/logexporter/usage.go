package main

// usage is what -h prints before the flags.
const usage = `logexporter follows the JSON log file of an ETL job (such as the simulator's) and serves the
reference etl_* metrics it finds there on /metrics, with a /health check.

Example:
  logexporter -log /tmp/etl_process.log -listen 127.0.0.1:8084 -from-start

Exit codes: 0 stopped (SIGINT or SIGTERM); 1 it cannot serve (with -healthcheck: not
healthy); 2 bad flags.
`

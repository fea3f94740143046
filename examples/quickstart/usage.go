package main

// usage is what -h prints before the flags.
const usage = `quickstart shows the whole SDK with nothing to install: it creates a SQLite sample shop,
bulk loads it into Apache Iceberg tables in a local warehouse with metrics, events and
data-quality checks, reconciles the orders table, and prints what it did and where to look.

Example:
  quickstart -dir ./quickstart-data -rows 100000 -serve-for 1m

Exit codes: 0 the load, its checks and the reconciliation passed; 1 they did not; 2 bad flags.
`

package bulkload

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/etlwatch/etlwatch"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/dataquality"
	"github.com/etlwatch/etlwatch/extractors"
	"github.com/etlwatch/etlwatch/iceberg"
)

// Config is one bulk load, as the flags of [Run] describe it.
type Config struct {
	// Source is the sources.yaml source to load. Required.
	Source string
	// TableFilter is a regular expression picking the tables; it overrides bulk_load.table_filter.
	TableFilter string
	// ConfigDir is the directory holding sources.yaml. Default $CONFIG_DIR, else ./config.
	ConfigDir string
	// Workers is how many tables load at once; it overrides bulk_load.parallel_workers when
	// above 0.
	Workers int
	// Partitions is the readers per table; it overrides bulk_load.parallel_partitions when above 0.
	Partitions int
	// Progress is how the progress of running tables is shown: ProgressAuto (the default: bars
	// when stdout is a terminal, log lines every 10 s otherwise), ProgressBars, ProgressLog or
	// ProgressOff.
	Progress string
	// TakeOverCDC replaces tables a change-data-capture consumer writes (iceberg.TakeOverFromCDC);
	// stop the consumer first. Without it such a table fails with iceberg.ErrCDCOwned.
	TakeOverCDC bool
	// Events is the file the JSON events are appended to; "-" is stdout. Default: stdout, but on
	// a terminal (progress bars) DefaultEventsFile next to sources.yaml, so that the bars and the
	// final summary own the screen.
	Events string
	// SummaryJSON prints the metrics summary at the end as one JSON line on stdout,
	// {"metrics_summary":{...}}, among the JSON events (jq 'select(.metrics_summary)'); by
	// default it is a table a person reads ([monitoring.Summary.Text]).
	SummaryJSON bool
	// AfterLoad, when set, runs after every table loaded and passed its checks, while the
	// pipeline (and its metrics server) is still up; an error makes the run fail with exit code 1.
	AfterLoad func(ctx context.Context, l *Loaded) error
	// History keeps the anomaly monitors' history when data_quality.monitors: turns one on.
	// Default: the SQLite file HistoryFile next to sources.yaml.
	History dataquality.HistoryStore
}

// Loaded is what [Config.AfterLoad] gets: the job's pipeline, source, extractor and tables.
type Loaded struct {
	Pipeline  *etlwatch.Pipeline
	Source    *configloader.Source
	Extractor extractors.Extractor
	Tables    *iceberg.TableManager
	// Namespace is the Iceberg namespace loaded into.
	Namespace string
	// Position is the snapshot position the tables were read at.
	Position string
	// Rows is the rows loaded, by table.
	Rows map[string]int64
	// Monitors are the anomaly monitors' reports, by table; nil without data_quality.monitors:.
	Monitors map[string]dataquality.MonitorReport
}

func parseFlags(args []string, stderr io.Writer) (Config, error) {
	var f Config
	fs := flag.NewFlagSet("bulkload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.Source, "source", "", "the sources.yaml source to load (required)")
	fs.StringVar(&f.TableFilter, "table-filter", "", "a regular expression picking the tables; overrides bulk_load.table_filter")
	fs.StringVar(&f.ConfigDir, "config-dir", "", "the directory holding sources.yaml (default $CONFIG_DIR, else ./config)")
	fs.IntVar(&f.Workers, "workers", 0, "tables loaded at once; overrides bulk_load.parallel_workers")
	fs.IntVar(&f.Partitions, "partitions", 0, "readers per table; overrides bulk_load.parallel_partitions")
	fs.BoolVar(&f.TakeOverCDC, "take-over-cdc", false, "replace tables a CDC consumer writes (stop the consumer first; without it they are refused)")
	fs.StringVar(&f.Events, "events", "", "append the JSON events to this file (\"-\": stdout); default stdout, or "+DefaultEventsFile+" next to sources.yaml on a terminal")
	fs.BoolVar(&f.SummaryJSON, "summary-json", false, "print the final metrics summary as one JSON line, {\"metrics_summary\":{...}}, instead of a table")
	fs.StringVar(&f.Progress, "progress", ProgressAuto, "progress of running tables: auto (bars on a terminal, log lines otherwise), bars, log or off")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	var err error
	fs.Visit(func(fl *flag.Flag) { // a flag given as 0 is a mistake, not "use sources.yaml"
		switch {
		case err != nil:
		case fl.Name == "workers" && f.Workers < 1:
			err = fmt.Errorf("--workers: found %d; allowed: 1 or more (leave it out to use bulk_load.parallel_workers)", f.Workers)
		case fl.Name == "partitions" && f.Partitions < 1:
			err = fmt.Errorf("--partitions: found %d; allowed: 1 or more (leave it out to use bulk_load.parallel_partitions)", f.Partitions)
		case fl.Name == "source" && f.Source == "":
			err = errors.New("--source: found an empty name; allowed: a source of sources.yaml")
		}
	})
	if err != nil {
		return f, err
	}
	return f, f.validate()
}

// usage is what -h prints before the flags.
const usage = `bulkload loads every table of one sources.yaml source into Apache Iceberg, through one
consistent snapshot, with metrics, JSON events and the configured data-quality checks.

Example:
  bulkload --source dev_mydb --config-dir ./config --table-filter '^(customers|orders)$'

Exit codes: 0 every table loaded and passed its checks; 1 a table or a check with
on_failure: fail failed, or the load could not start (a database that does not answer
within connection.connect_timeout, say); 2 bad flags, a bad sources.yaml, or a table
filter that matches no table.

Flags:
`

func (f Config) validate() error {
	switch {
	case f.Source == "":
		return errors.New("--source is required")
	case f.Workers < 0:
		return fmt.Errorf("--workers: found %d; allowed: 1 or more", f.Workers)
	case f.Partitions < 0:
		return fmt.Errorf("--partitions: found %d; allowed: 1 or more", f.Partitions)
	}
	switch f.Progress {
	case "", ProgressAuto, ProgressBars, ProgressLog, ProgressOff:
	default:
		return fmt.Errorf("--progress: found %q; allowed: auto, bars, log or off", f.Progress)
	}
	if f.TableFilter != "" {
		if _, err := regexp.Compile(f.TableFilter); err != nil {
			return fmt.Errorf("--table-filter: %w", err)
		}
	}
	return nil
}

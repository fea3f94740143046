package bulkload

import (
	"fmt"
	"regexp"
	"strings"
)

// noTablesError is the error of a run whose table selection is empty: it lists the tables the
// source has, so that the filter can be fixed.
type noTablesError struct {
	source     string
	filter     string
	configured []string
	all        []string
}

func (e *noTablesError) Error() string {
	what := "no table to load"
	if e.filter != "" {
		what = fmt.Sprintf("table filter %q (--table-filter or bulk_load.table_filter) matches no table", e.filter)
	}
	if len(e.configured) > 0 {
		what += fmt.Sprintf(" of bulk_load.tables [%s]", listUpTo(e.configured, 10))
	}
	if len(e.all) == 0 {
		return fmt.Sprintf("%s; source %q has no tables", what, e.source)
	}
	return fmt.Sprintf("%s; source %q has %d: %s", what, e.source, len(e.all), listUpTo(e.all, 10))
}

// listUpTo joins the first n names, saying how many more there are.
func listUpTo(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// selectTables returns the configured tables (all when none are), kept by filter when set.
func selectTables(all, configured []string, filter string) ([]string, error) {
	tables := all
	if len(configured) > 0 {
		tables = configured
	}
	if filter == "" {
		return tables, nil
	}
	re, err := regexp.Compile(filter)
	if err != nil {
		return nil, fmt.Errorf("table filter: %w", err)
	}
	var out []string
	for _, t := range tables {
		if re.MatchString(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

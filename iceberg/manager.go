package iceberg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	goiceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/etlwatch/etlwatch/extractors/extract"
)

// DefaultCommitRetries is how many times [TableManager.Write] retries a commit that lost a race,
// unless [WithCommitRetries] says otherwise.
const DefaultCommitRetries = 5

// maxBackoff caps the wait between commit retries.
const maxBackoff = 5 * time.Second

// TableManager creates, evolves and writes the Iceberg tables of one namespace. It is the Go form
// of the reference pipeline's IcebergTableManager. Its methods are safe for concurrent use as long
// as the catalog is.
type TableManager struct {
	cat       catalog.Catalog
	namespace table.Identifier
	managerConfig
}

// managerConfig is what the options of [NewTableManager] set.
type managerConfig struct {
	logger   *slog.Logger
	retries  int
	backoff  time.Duration
	onChange func(context.Context, SchemaChange)
}

// Option configures a [TableManager].
type Option func(*managerConfig)

// WithLogger sets the logger that reports table creation, schema changes and commit retries.
// Default: a logger that discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(m *managerConfig) {
		if l != nil {
			m.logger = l
		}
	}
}

// WithCommitRetries sets how many times a commit that lost a race with another writer is retried
// after reloading the table. Default [DefaultCommitRetries]; zero disables retries, a negative
// value is ignored.
func WithCommitRetries(n int) Option {
	return func(m *managerConfig) {
		if n >= 0 {
			m.retries = n
		}
	}
}

// WithRetryBackoff sets the wait before the first commit retry; it doubles on each further retry,
// with jitter, up to 5s. Default 50ms; a non-positive value is ignored.
func WithRetryBackoff(d time.Duration) Option {
	return func(m *managerConfig) {
		if d > 0 {
			m.backoff = d
		}
	}
}

// WithSchemaChangeHook sets a function that [TableManager.EnsureTable] calls after it evolved a
// table's schema, for example to emit a schema_change event. Default: none.
func WithSchemaChangeHook(fn func(ctx context.Context, change SchemaChange)) Option {
	return func(m *managerConfig) { m.onChange = fn }
}

// NewTableManager returns a manager for the tables of namespace (dotted for nested namespaces,
// such as "raw.sales") in cat.
func NewTableManager(cat catalog.Catalog, namespace string, opts ...Option) *TableManager {
	m := &TableManager{
		cat:       cat,
		namespace: catalog.ToIdentifier(namespace),
		managerConfig: managerConfig{
			logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
			retries: DefaultCommitRetries,
			backoff: 50 * time.Millisecond,
		},
	}
	for _, o := range opts {
		o(&m.managerConfig)
	}
	return m
}

// Catalog returns the manager's catalog.
func (m *TableManager) Catalog() catalog.Catalog { return m.cat }

// Identifier returns the catalog identifier of the table name in the manager's namespace.
func (m *TableManager) Identifier(name string) table.Identifier {
	return append(append(table.Identifier{}, m.namespace...), name)
}

// ColumnChange is one column of a [SchemaChange].
type ColumnChange struct {
	Name string
	From string // the type before the change; empty for an added column
	To   string // the type after the change
}

// SchemaChange describes how [TableManager.EnsureTable] evolved a table's schema.
type SchemaChange struct {
	Table    string         // the table's identifier, dotted
	Added    []ColumnChange // columns the source gained, added as optional columns
	Widened  []ColumnChange // int->long, float->double and decimal precision widenings
	Optional []ColumnChange // required columns made optional because the source allows NULL
	SchemaID int            // the new schema's ID
}

// Empty reports whether the change changes nothing.
func (c SchemaChange) Empty() bool {
	return len(c.Added) == 0 && len(c.Widened) == 0 && len(c.Optional) == 0
}

// String summarises the change, such as "added region (string); widened qty int -> long".
func (c SchemaChange) String() string {
	var parts []string
	for _, a := range c.Added {
		parts = append(parts, fmt.Sprintf("added %s (%s)", a.Name, a.To))
	}
	for _, w := range c.Widened {
		parts = append(parts, fmt.Sprintf("widened %s %s -> %s", w.Name, w.From, w.To))
	}
	for _, o := range c.Optional {
		parts = append(parts, fmt.Sprintf("made %s optional", o.Name))
	}
	return strings.Join(parts, "; ")
}

// IncompatibleSchemaError is returned by [TableManager.EnsureTable] when a source column's type
// cannot be written to the table's column of the same name.
type IncompatibleSchemaError struct {
	Table      string
	Column     string
	TableType  string
	SourceType string
}

// Error names the table, the column and both types.
func (e *IncompatibleSchemaError) Error() string {
	return fmt.Sprintf("iceberg: table %s column %q: source type %s cannot be written to table type %s "+
		"(allowed changes: new columns, int -> long, float -> double, wider decimal precision)",
		e.Table, e.Column, e.SourceType, e.TableType)
}

// IcebergSchema converts an Arrow schema to an Iceberg schema with fresh field IDs. The columns
// listed, comma-separated, in the schema metadata key [extract.PrimaryKeyMetadata] become required
// identifier fields. Nanosecond timestamps are stored as microseconds.
func IcebergSchema(sc *arrow.Schema) (*goiceberg.Schema, error) {
	converted, err := table.ArrowSchemaToIcebergWithFreshIDs(sc, true)
	if err != nil {
		return nil, fmt.Errorf("iceberg: convert Arrow schema: %w", err)
	}
	pk := primaryKey(sc)
	if len(pk) == 0 {
		return converted, nil
	}
	fields := converted.Fields()
	ids := make([]int, 0, len(pk))
	for _, col := range pk {
		i := fieldIndex(fields, col)
		if i < 0 {
			return nil, fmt.Errorf("iceberg: primary key column %q (schema metadata %s) is not in the schema",
				col, extract.PrimaryKeyMetadata)
		}
		fields[i].Required = true
		ids = append(ids, fields[i].ID)
	}
	return goiceberg.NewSchemaWithIdentifiers(converted.ID, ids, fields...), nil
}

func primaryKey(sc *arrow.Schema) []string {
	v, ok := sc.Metadata().GetValue(extract.PrimaryKeyMetadata)
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func fieldIndex(fields []goiceberg.NestedField, name string) int {
	for i, f := range fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// EnsureTable returns the table name of the manager's namespace, creating the namespace and the
// table (schema from [IcebergSchema]) when they are missing. When the table exists and sc has
// columns the table lacks, or a column widened safely (int -> long, float -> double, wider decimal
// precision), the table's schema is evolved in one commit, logged, and reported to the hook set
// by [WithSchemaChangeHook]. Columns the table has and sc lacks stay. Any other type difference is
// an [*IncompatibleSchemaError] naming the column and both types.
func (m *TableManager) EnsureTable(ctx context.Context, name string, sc *arrow.Schema) (*table.Table, error) {
	ident := m.Identifier(name)
	tbl, err := m.cat.LoadTable(ctx, ident)
	if err == nil {
		return m.evolve(ctx, tbl, sc)
	}
	if !errors.Is(err, catalog.ErrNoSuchTable) {
		return nil, fmt.Errorf("iceberg: load table %s: %w", dotted(ident), err)
	}
	if err := m.ensureNamespace(ctx); err != nil {
		return nil, err
	}
	isc, err := IcebergSchema(sc)
	if err != nil {
		return nil, err
	}
	tbl, err = m.cat.CreateTable(ctx, ident, isc)
	if errors.Is(err, catalog.ErrTableAlreadyExists) {
		// Another writer created it first.
		if tbl, err = m.cat.LoadTable(ctx, ident); err == nil {
			return m.evolve(ctx, tbl, sc)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("iceberg: create table %s: %w", dotted(ident), err)
	}
	m.logger.LogAttrs(ctx, slog.LevelInfo, "iceberg table created",
		slog.String("table", dotted(ident)), slog.Int("columns", len(isc.Fields())))
	return tbl, nil
}

func (m *TableManager) ensureNamespace(ctx context.Context) error {
	if len(m.namespace) == 0 {
		return nil
	}
	ok, err := m.cat.CheckNamespaceExists(ctx, m.namespace)
	if err != nil {
		return fmt.Errorf("iceberg: check namespace %s: %w", dotted(m.namespace), err)
	}
	if ok {
		return nil
	}
	err = m.cat.CreateNamespace(ctx, m.namespace, nil)
	if err != nil && !errors.Is(err, catalog.ErrNamespaceAlreadyExists) {
		return fmt.Errorf("iceberg: create namespace %s: %w", dotted(m.namespace), err)
	}
	return nil
}

// evolve brings tbl's schema up to sc, retrying on commit conflicts.
func (m *TableManager) evolve(ctx context.Context, tbl *table.Table, sc *arrow.Schema) (*table.Table, error) {
	src, err := table.ArrowSchemaToIcebergWithFreshIDs(sc, true)
	if err != nil {
		return nil, fmt.Errorf("iceberg: convert Arrow schema: %w", err)
	}
	name := dotted(tbl.Identifier())
	for attempt := 0; ; attempt++ {
		change, err := planChange(name, tbl.Schema(), src)
		if err != nil || change.Empty() {
			return tbl, err
		}
		tx := tbl.NewTransaction()
		upd := tx.UpdateSchema(true, false)
		for _, a := range change.Added {
			f, _ := src.FindFieldByName(a.Name)
			upd.AddColumn([]string{a.Name}, f.Type, f.Doc, false, nil)
		}
		for _, w := range change.Widened {
			f, _ := src.FindFieldByName(w.Name)
			upd.UpdateColumn([]string{w.Name}, table.ColumnUpdate{FieldType: goiceberg.Optional[goiceberg.Type]{Valid: true, Val: f.Type}})
		}
		for _, o := range change.Optional {
			upd.UpdateColumn([]string{o.Name}, table.ColumnUpdate{Required: goiceberg.Optional[bool]{Valid: true, Val: false}})
		}
		if err := upd.Commit(); err != nil {
			return nil, fmt.Errorf("iceberg: evolve schema of %s (%s): %w", name, change, err)
		}
		next, err := tx.Commit(ctx)
		if err == nil {
			change.SchemaID = next.Schema().ID
			m.logger.LogAttrs(ctx, slog.LevelInfo, "iceberg schema changed",
				slog.String("table", name), slog.String("change", change.String()), slog.Int("schema_id", change.SchemaID))
			if m.onChange != nil {
				m.onChange(ctx, change)
			}
			return next, nil
		}
		if tbl, err = m.retryAfter(ctx, tbl, attempt, err); err != nil {
			return nil, fmt.Errorf("iceberg: commit schema change of %s: %w", name, err)
		}
	}
}

// planChange compares the table's schema with the source's, top-level columns by name.
func planChange(name string, cur, src *goiceberg.Schema) (SchemaChange, error) {
	change := SchemaChange{Table: name}
	for _, f := range src.Fields() {
		have, ok := cur.FindFieldByName(f.Name)
		if !ok {
			change.Added = append(change.Added, ColumnChange{Name: f.Name, To: f.Type.String()})
			continue
		}
		if !f.Required && have.Required && !identifier(cur, have.ID) {
			change.Optional = append(change.Optional, ColumnChange{Name: f.Name, From: "required", To: "optional"})
		}
		if f.Type.Equals(have.Type) || promotable(f.Type, have.Type) {
			continue // the same, or the source is narrower and writes into the wider table column
		}
		if promotable(have.Type, f.Type) {
			change.Widened = append(change.Widened, ColumnChange{Name: f.Name, From: have.Type.String(), To: f.Type.String()})
			continue
		}
		if isNested(f.Type) && isNested(have.Type) && f.Type.Type() == have.Type.Type() {
			continue // nested columns are not evolved; the writer checks them field by field
		}
		return change, &IncompatibleSchemaError{Table: name, Column: f.Name,
			TableType: have.Type.String(), SourceType: f.Type.String()}
	}
	return change, nil
}

func identifier(sc *goiceberg.Schema, id int) bool {
	for _, i := range sc.IdentifierFieldIDs {
		if i == id {
			return true
		}
	}
	return false
}

func isNested(t goiceberg.Type) bool {
	_, ok := t.(goiceberg.NestedType)
	return ok
}

// promotable reports whether Iceberg allows widening a column of type from to type to.
func promotable(from, to goiceberg.Type) bool {
	switch f := from.(type) {
	case goiceberg.Int32Type:
		_, ok := to.(goiceberg.Int64Type)
		return ok
	case goiceberg.Float32Type:
		_, ok := to.(goiceberg.Float64Type)
		return ok
	case goiceberg.DecimalType:
		t, ok := to.(goiceberg.DecimalType)
		return ok && t.Scale() == f.Scale() && t.Precision() > f.Precision()
	}
	return false
}

// retryAfter decides whether a failed commit is retried: when it lost a race with another writer
// and retries are left, it waits and returns the reloaded table; otherwise it returns err.
func (m *TableManager) retryAfter(ctx context.Context, tbl *table.Table, attempt int, err error) (*table.Table, error) {
	if !IsCommitConflict(err) || attempt >= m.retries {
		return nil, err
	}
	wait := m.backoff << min(attempt, 16)
	wait = min(wait, maxBackoff)
	wait += time.Duration(time.Now().UnixNano() % int64(wait/2+1)) // jitter
	m.logger.LogAttrs(ctx, slog.LevelWarn, "iceberg commit conflict, retrying",
		slog.String("table", dotted(tbl.Identifier())), slog.Int("attempt", attempt+1),
		slog.Duration("wait", wait), slog.String("error", err.Error()))
	t := time.NewTimer(wait)
	select {
	case <-ctx.Done():
		t.Stop()
		return nil, errors.Join(err, ctx.Err())
	case <-t.C:
	}
	fresh, lerr := m.cat.LoadTable(ctx, tbl.Identifier())
	if lerr != nil {
		return nil, errors.Join(err, fmt.Errorf("reload table: %w", lerr))
	}
	return fresh, nil
}

// IsCommitConflict reports whether err says a commit lost a race with another writer, so that
// reloading the table and committing again may succeed. iceberg-go's SQL catalog reports most
// such conflicts as untyped errors ("requirement failed: branch \"main\" has changed"), so besides
// [table.ErrCommitFailed] this matches their messages, and SQLite's "database is locked".
func IsCommitConflict(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, table.ErrCommitFailed) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"requirement failed", "has changed", "commit failed", "database is locked",
		"sqlite_busy", "could not serialize", "concurrent"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func dotted(id table.Identifier) string { return strings.Join(id, ".") }

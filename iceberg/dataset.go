package iceberg

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	goiceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/etlwatch/etlwatch/dataquality"
)

// Dataset is an Iceberg table as the data-quality checks see it: a [dataquality.Dataset] that is
// also a [dataquality.NullCounter], [dataquality.SchemaReader], [dataquality.PrimaryKeyReader] and
// a [dataquality.Checksummer].
// Each call loads the table's current metadata from the catalog, so it sees the latest commit.
// Its methods are safe for concurrent use.
type Dataset struct {
	cat   catalog.Catalog
	ident table.Identifier
}

var (
	_ dataquality.NullCounter      = (*Dataset)(nil)
	_ dataquality.SchemaReader     = (*Dataset)(nil)
	_ dataquality.PrimaryKeyReader = (*Dataset)(nil)
)

// NewDataset returns the table ident of cat as a [Dataset].
func NewDataset(cat catalog.Catalog, ident table.Identifier) *Dataset {
	return &Dataset{cat: cat, ident: ident}
}

// Dataset returns the table name of the manager's namespace as a [Dataset].
func (m *TableManager) Dataset(name string) *Dataset { return NewDataset(m.cat, m.Identifier(name)) }

func (d *Dataset) load(ctx context.Context) (*table.Table, error) {
	tbl, err := d.cat.LoadTable(ctx, d.ident)
	if err != nil {
		return nil, fmt.Errorf("iceberg: load table %s: %w", dotted(d.ident), err)
	}
	return tbl, nil
}

// hasDeletes reports whether the snapshot's live rows differ from the sum of its data files'
// record counts: merge-on-read delete files, or a summary that does not say.
func hasDeletes(s *table.Snapshot) bool {
	if s.Summary == nil {
		return true
	}
	v, ok := s.Summary.Properties["total-delete-files"]
	if !ok {
		return true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return err != nil || n != 0
}

// RowCount returns the number of rows in the current snapshot. It reads the snapshot summary's
// "total-records" when the snapshot has no delete files (which that figure ignores), and counts
// the rows of a scan otherwise.
func (d *Dataset) RowCount(ctx context.Context) (int64, error) {
	tbl, err := d.load(ctx)
	if err != nil {
		return 0, err
	}
	s := tbl.CurrentSnapshot()
	if s == nil {
		return 0, nil
	}
	if !hasDeletes(s) {
		if v, ok := s.Summary.Properties["total-records"]; ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n, nil
			}
		}
	}
	var n int64
	err = scan(ctx, tbl, nil, func(rec arrow.RecordBatch) { n += rec.NumRows() })
	return n, err
}

// NullCounts returns how many rows hold NULL in each of columns (matched case-insensitively).
// Without delete files it adds up the null counts the manifests keep for each data file, reading
// no data file; with delete files, or when a data file has no null count for a column, it scans
// the columns.
func (d *Dataset) NullCounts(ctx context.Context, columns []string) (map[string]int64, error) {
	tbl, err := d.load(ctx)
	if err != nil {
		return nil, err
	}
	sc := tbl.Schema()
	ids := make([]int, len(columns))
	names := make([]string, len(columns))
	for i, c := range columns {
		f, ok := sc.FindFieldByNameCaseInsensitive(c)
		if !ok {
			return nil, fmt.Errorf("iceberg: table %s has no column %q", dotted(d.ident), c)
		}
		ids[i], names[i] = f.ID, f.Name
	}
	out := make(map[string]int64, len(columns))
	s := tbl.CurrentSnapshot()
	if s == nil {
		for _, c := range columns {
			out[c] = 0
		}
		return out, nil
	}
	if !hasDeletes(s) {
		if counts, ok, err := manifestNullCounts(ctx, tbl, s, ids); err != nil {
			return nil, err
		} else if ok {
			for i, c := range columns {
				out[c] = counts[ids[i]]
			}
			return out, nil
		}
	}
	for _, c := range columns {
		out[c] = 0
	}
	err = scan(ctx, tbl, names, func(rec arrow.RecordBatch) {
		for i, c := range columns {
			if idx := rec.Schema().FieldIndices(names[i]); len(idx) > 0 {
				out[c] += int64(rec.Column(idx[0]).NullN())
			}
		}
	})
	return out, err
}

// manifestNullCounts sums the manifests' null counts of the live data files; ok is false when a
// data file lacks the count of one of ids.
func manifestNullCounts(ctx context.Context, tbl *table.Table, s *table.Snapshot, ids []int) (map[int]int64, bool, error) {
	fs, err := tbl.FS(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("iceberg: open file system: %w", err)
	}
	mfs, err := s.Manifests(fs)
	if err != nil {
		return nil, false, fmt.Errorf("iceberg: read manifest list: %w", err)
	}
	counts := make(map[int]int64, len(ids))
	for _, mf := range mfs {
		if mf.ManifestContent() != goiceberg.ManifestContentData {
			return nil, false, nil
		}
		for e, err := range mf.Entries(fs, true) {
			if err != nil {
				return nil, false, fmt.Errorf("iceberg: read manifest %s: %w", mf.FilePath(), err)
			}
			df := e.DataFile()
			if df.ContentType() != goiceberg.EntryContentData {
				return nil, false, nil
			}
			nulls := df.NullValueCounts()
			for _, id := range ids {
				n, ok := nulls[id]
				if !ok {
					if !columnAdded(id, df) {
						return nil, false, nil
					}
					n = df.Count() // a column added after the file was written: NULL in every row
				}
				counts[id] += n
			}
		}
	}
	return counts, true, nil
}

// columnAdded reports whether the field id is missing from the data file because the file was
// written before the column existed.
func columnAdded(id int, df goiceberg.DataFile) bool {
	// A file whose value counts name no field id is a file without statistics, not an older one.
	vc := df.ValueCounts()
	if len(vc) == 0 {
		return false
	}
	_, has := vc[id]
	return !has
}

// scan reads the current snapshot's columns (all when nil) and calls fn with each batch.
func scan(ctx context.Context, tbl *table.Table, columns []string, fn func(arrow.RecordBatch)) error {
	var opts []table.ScanOption
	if len(columns) > 0 {
		opts = append(opts, table.WithSelectedFields(columns...))
	}
	_, recs, err := tbl.Scan(opts...).ToArrowRecords(ctx)
	if err != nil {
		return fmt.Errorf("iceberg: scan %s: %w", dotted(tbl.Identifier()), err)
	}
	for rec, err := range recs {
		if err != nil {
			return fmt.Errorf("iceberg: scan %s: %w", dotted(tbl.Identifier()), err)
		}
		fn(rec)
		rec.Release()
	}
	return nil
}

// Schema returns the table's top-level columns in table order. DatabaseType is the Iceberg type.
func (d *Dataset) Schema(ctx context.Context) ([]dataquality.Column, error) {
	tbl, err := d.load(ctx)
	if err != nil {
		return nil, err
	}
	fields := tbl.Schema().Fields()
	out := make([]dataquality.Column, len(fields))
	for i, f := range fields {
		out[i] = dataquality.Column{Name: f.Name, Type: qualityType(f.Type), DatabaseType: f.Type.String()}
	}
	return out, nil
}

// PrimaryKey returns the table's identifier fields, in the schema's order of them.
func (d *Dataset) PrimaryKey(ctx context.Context) ([]string, error) {
	tbl, err := d.load(ctx)
	if err != nil {
		return nil, err
	}
	sc := tbl.Schema()
	var out []string
	for _, id := range sc.IdentifierFieldIDs {
		if name, ok := sc.FindColumnName(id); ok {
			out = append(out, name)
		}
	}
	return out, nil
}

func qualityType(t goiceberg.Type) dataquality.Type {
	switch t.(type) {
	case goiceberg.Int32Type, goiceberg.Int64Type:
		return dataquality.TypeInteger
	case goiceberg.DecimalType:
		return dataquality.TypeDecimal
	case goiceberg.Float32Type, goiceberg.Float64Type:
		return dataquality.TypeFloat
	case goiceberg.BooleanType:
		return dataquality.TypeBoolean
	case goiceberg.StringType, goiceberg.UUIDType:
		return dataquality.TypeString
	case goiceberg.BinaryType, goiceberg.FixedType:
		return dataquality.TypeBytes
	case goiceberg.DateType:
		return dataquality.TypeDate
	case goiceberg.TimeType:
		return dataquality.TypeTime
	}
	if strings.HasPrefix(t.Type(), "timestamp") {
		return dataquality.TypeTimestamp
	}
	return dataquality.TypeUnknown
}
